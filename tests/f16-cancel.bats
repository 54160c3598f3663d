#!/usr/bin/env bats
# Ctrl-C (SIGINT) and SIGTERM cancel the statement the server is running
# for stage-merge and stage-copy, as psql does, instead of leaving it
# (and its locks) on the server until it next writes to the dead client.
# Each test makes a statement wait on a lock another session holds, so
# that it is "long" for as long as the test wants.

bats_require_minimum_version 1.5.0
STAGE_TEST_DEST=postgres
load helpers/dest-scenario.bash

setup() {
	scenario_setup
	cols='[["id","bigint"],["name","text"]]'
	printf 'id,name\n1,a\n2,b\n' >"$W/a.csv"
	printf 'id,name\n2,x\n3,c\n' >"$W/b.csv"
	pk='.primary_key=["id"]'
	{ fline L1 t merge "$W/a.csv" 2 "$cols" "$pk"; eline L1 1 2; } >"$W/m1"
	{ fline L2 t merge "$W/b.csv" 2 "$cols" "$pk"; eline L2 1 2; } >"$W/m2"
}

teardown() {
	dest_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'f16-holder'" >/dev/null || :
}

# hold SQL: a session that runs SQL in a transaction and keeps it open
hold() {
	PGAPPNAME=f16-holder psql -X -q -v ON_ERROR_STOP=1 \
		-c "BEGIN" -c "$1" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 3>&- &
	until [ "$(dest_sql "SELECT count(*) FROM pg_stat_activity
		WHERE application_name = 'f16-holder' AND query LIKE '%pg_sleep%'")" = 1 ]; do
		sleep 0.05
	done
}

# waiting PATTERN: the number of backends waiting on a lock in a query
# like PATTERN (other than the holder)
waiting() {
	dest_sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '$1'
		AND wait_event_type = 'Lock'
		AND application_name <> 'f16-holder'"
}

# interrupted SIG PATTERN CMD...: starts CMD with SIG's default action
# (a shell starts background jobs with SIGINT ignored), waits until its
# statement PATTERN waits on the lock, sends SIG and sets $st and $gone:
# the seconds until no backend runs the statement (99: still there)
interrupted() {
	local sig=$1 pat=$2 pid i; shift 2
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@" >"$W/out" 2>"$W/err" 3>&- &
	pid=$!
	for i in $(seq 200); do
		[ "$(waiting "$pat")" = 1 ] && break
		sleep 0.05
	done
	[ "$(waiting "$pat")" = 1 ]
	kill -"$sig" "$pid"
	st=0
	wait "$pid" || st=$?
	gone=99
	for i in $(seq 0 20); do
		if [ "$(waiting "$pat")" = 0 ]; then
			gone=$((i / 10)).$((i % 10))
			break
		fi
		sleep 0.1
	done
}

@test "SIGINT of stage-merge cancels its statement on the server at once and commits nothing" {
	stage-copy -q -D "$DEST" "$W/m1" | stage-merge -q -D "$DEST" >/dev/null
	stage-copy -q -D "$DEST" "$W/m2" >"$W/c2"
	# a row lock: the merge's DELETE waits on it, its ANALYZE does not
	hold 'SELECT 1 FROM ds.t WHERE id = 2 FOR UPDATE'
	interrupted INT 'DELETE FROM "ds"."t"%' stage-merge -q -D "$DEST" "$W/c2"
	echo "# status $st, statement gone after ${gone}s" >&3
	[ "$st" -ne 0 ]
	[ "$gone" != 99 ]
	[ "${gone%%.*}" -lt 1 ] || [ "$gone" = 1.0 ]
	teardown
	[ "$(dest_sql 'SELECT load_id FROM ds._dlt_loads')" = L1 ]
	[ "$(dest_sql 'SELECT id, name FROM ds.t ORDER BY id')" = '1|a
2|b' ]
	# and the re-run finishes the job
	stage-merge -q -D "$DEST" "$W/c2" >/dev/null
	[ "$(dest_sql 'SELECT id, name FROM ds.t ORDER BY id')" = '1|a
2|x
3|c' ]
}

@test "SIGTERM of stage-copy cancels its statement on the server at once and records nothing" {
	stage-copy -q -D "$DEST" "$W/m1" >/dev/null
	hold 'LOCK TABLE ds_staging._stage_files IN ACCESS EXCLUSIVE MODE'
	interrupted TERM 'INSERT INTO "ds_staging"."_stage_files"%' \
		stage-copy -q -D "$DEST" "$W/m2"
	echo "# status $st, statement gone after ${gone}s" >&3
	[ "$st" -ne 0 ]
	[ "$gone" != 99 ]
	[ "${gone%%.*}" -lt 1 ] || [ "$gone" = 1.0 ]
	teardown
	[ "$(dest_sql 'SELECT load_id FROM ds_staging._stage_files')" = L1 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.t')" = 2 ]
}

@test "SIGINT of stage-copy -j 2 cancels every connection's statement" {
	printf 'id,name\n4,d\n' >"$W/c.csv"
	{ fline L2 t merge "$W/b.csv" 2 "$cols" "$pk"
	  fline L2 t merge "$W/c.csv" 1 "$cols" "$pk"; eline L2 2 3; } >"$W/m2"
	stage-copy -q -D "$DEST" "$W/m1" >/dev/null
	hold 'LOCK TABLE ds_staging._stage_files IN ACCESS EXCLUSIVE MODE'
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' stage-copy -q -j 2 -D "$DEST" "$W/m2" >/dev/null 2>&1 3>&- &
	pid=$!
	pat='INSERT INTO "ds_staging"."_stage_files"%'
	for i in $(seq 200); do
		[ "$(waiting "$pat")" = 2 ] && break
		sleep 0.05
	done
	[ "$(waiting "$pat")" = 2 ]
	kill -INT "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -ne 0 ]
	sleep 1
	[ "$(waiting "$pat")" = 0 ]
}

@test "PostgreSQL connections carry the program's name as application_name" {
	stage-copy -q -D "$DEST" "$W/m1" | stage-merge -q -D "$DEST" >/dev/null
	stage-copy -q -D "$DEST" "$W/m2" >"$W/c2"
	hold 'SELECT 1 FROM ds.t WHERE id = 2 FOR UPDATE'
	stage-merge -q -D "$DEST" "$W/c2" >/dev/null 3>&- &
	pid=$!
	for i in $(seq 200); do
		[ "$(waiting 'DELETE FROM "ds"."t"%')" = 1 ] && break
		sleep 0.05
	done
	name=$(dest_sql "SELECT application_name FROM pg_stat_activity
		WHERE query LIKE 'DELETE FROM \"ds\".\"t\"%' AND application_name <> 'f16-holder'")
	dest_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'f16-holder'" >/dev/null
	wait "$pid"
	# the program's name, then the load id (stage-merge(1))
	[[ "$name" == "stage-merge "* ]]
	[ "$(dest_sql 'SELECT count(*) FROM ds.t')" = 3 ]
}
