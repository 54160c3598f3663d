#!/usr/bin/env bats
# stage-merge --drop-staging never drops rows another load is copying,
# and staging rows that are gone while _stage_files says "copied" lead to
# a working recovery (stage-copy, then stage-merge, on the manifest), not
# to a loop.  Runs against STAGE_TEST_DEST (helpers/dest.bash).

bats_require_minimum_version 1.5.0
load helpers/dest-scenario.bash

setup() {
	scenario_setup
	cols='[["id","bigint"],["name","text"]]'
	printf 'id,name\n1,a\n2,b\n' >"$W/a.csv"
	{ fline LA t append "$W/a.csv" 2 "$cols"; eline LA 1 2; } >"$W/ma"
	seq 1000 1999 | awk 'BEGIN { print "id,name" } { print $1 ",n" $1 }' >"$W/b.csv"
	{ fline LB t append "$W/b.csv" 1000 "$cols"; eline LB 1 1000; } >"$W/mb"
}

rows() {
	dest_sql 'SELECT count(*), sum(id) FROM ds.t'
}

@test "--drop-staging waits for a COPY in flight and keeps the rows it committed" {
	# stage's Snowflake back end has no lock that a copy holds and
	# --drop-staging waits for: the table is dropped under the copy, whose
	# COPY then fails and rolls back (a re-run loads it)
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "Snowflake: --drop-staging does not wait for a COPY in flight (its staging table has no committed row): the COPY fails and rolls back, a re-run of stage-copy loads it"
	# load A merged: its staging table is empty, and may be dropped
	stage-copy -q -D "$DEST" "$W/ma" | stage-merge -q -D "$DEST" >/dev/null
	# load B's file arrives through a pipe: its COPY stays in flight
	# (uncommitted) until the test writes the second half
	sed -i "s|\"file\":\"[^\"]*\"|\"file\":\"$W/fifo\"|; s|\"url\":\"[^\"]*\"|\"url\":\"file://$W/fifo\"|" "$W/mb"
	mkfifo "$W/fifo"
	stage-copy -q -D "$DEST" "$W/mb" >"$W/cb" 2>"$W/copy.err" 3>&- &
	copy=$!
	exec 5>"$W/fifo"
	head -n 500 "$W/b.csv" >&5
	sleep 1		# the COPY has begun (and holds its lock)
	stage-merge -q --drop-staging -D "$DEST" "$W/ma" >/dev/null 2>"$W/drop.err" 3>&- 5>&- &
	drop=$!
	sleep 1		# the drop looks while the COPY is in flight
	tail -n +501 "$W/b.csv" >&5
	exec 5>&-
	wait "$copy" || { cat "$W/copy.err"; false; }
	wait "$drop" || { cat "$W/drop.err"; false; }
	# B's rows are still staged: B merges
	run stage-merge -D "$DEST" "$W/cb"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(rows)" = "1002|1499503" ]
	# and once nothing is staged, --drop-staging drops the table
	stage-merge -q --drop-staging -D "$DEST" "$W/cb" >/dev/null
	run dest_sql 'SELECT count(*) FROM ds_staging.t'
	[ "$status" -ne 0 ]
}

@test "staging rows gone after their copy was recorded: stage-merge says so, and the re-run of stage-copy copies them again" {
	stage-copy -q -D "$DEST" "$W/mb" >"$W/cb"
	# lost the way item 9 lost them: the staging table dropped
	dest_sql 'DROP TABLE ds_staging.t'
	run stage-merge -D "$DEST" "$W/cb"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"staging holds 0 rows of load LB"* ]]
	[[ "$output" == *"file t.b.csv of load LB was copied (1000 rows), but 0 of its rows are in ds_staging.t (dropped): its copy record is cleared"* ]]
	[ "$(dest_sql "SELECT count(*) FROM ds._dlt_loads WHERE load_id = 'LB'")" = 0 ]
	# the documented recovery finishes the job, once
	run bash -c 'stage-copy -q -D "$1" "$2" | stage-merge -q -D "$1"' _ "$DEST" "$W/mb"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(rows)" = "1000|1499500" ]
	[ "$(dest_sql "SELECT load_id, status FROM ds._dlt_loads")" = "LB|0" ]
}

@test "staging rows of one file deleted by hand: only that file is copied again" {
	printf 'id,name\n5,e\n' >"$W/c.csv"
	{ fline LB t append "$W/b.csv" 1000 "$cols"
	  fline LB t append "$W/c.csv" 1 "$cols"; eline LB 2 1001; } >"$W/mb"
	stage-copy -q -D "$DEST" "$W/mb" >"$W/cb"
	dest_sql 'DELETE FROM ds_staging.t WHERE id BETWEEN 1000 AND 1010'
	run stage-merge -D "$DEST" "$W/cb"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"file t.b.csv of load LB was copied (1000 rows), but 989 of its rows are in ds_staging.t: its copy record is cleared"* ]]
	[[ "$output" != *"t.c.csv"* ]]
	run stage-copy -D "$DEST" "$W/mb"
	[ "$status" -eq 0 ]
	[ "$(jq -c '.copied.skipped // false' <<<"${lines[0]}")" = false ]
	[ "$(jq -c '.copied.skipped' <<<"${lines[1]}")" = true ]
	stage-merge -q -D "$DEST" <<<"$output" >/dev/null
	[ "$(rows)" = "1001|1499505" ]
	[ "$(dest_sql 'SELECT count(*) FROM ds.t WHERE id = 1005')" = 1 ]
}

@test "a staging table dropped by --drop-staging while stage-copy runs is made again for its next file" {
	[ "$STAGE_TEST_DEST" = postgres ] ||
		skip "SQLite: a copy in flight holds the only write lock"
	printf 'id,name\n' >"$W/t0.csv"
	printf 'id,name\n5,e\n' >"$W/t1.csv"
	printf 'id,name\n7,g\n' >"$W/u.csv"
	# t's first file has no rows (t stays empty: --drop-staging may drop
	# it), u's comes through a pipe that stays empty until t is gone,
	# then t's second file needs the table again
	{ fline LB t append "$W/t0.csv" 0 "$cols"
	  fline LB u append "$W/u.csv" 1 "$cols" |
		jq -c --arg f "$W/fifo" '.file = $f | .url = "file://" + $f'
	  fline LB t append "$W/t1.csv" 1 "$cols"; eline LB 3 2; } >"$W/mb"
	stage-copy -q -D "$DEST" "$W/ma" | stage-merge -q -D "$DEST" >/dev/null
	mkfifo "$W/fifo"
	stage-copy -q -D "$DEST" "$W/mb" >"$W/cb" 2>"$W/copy.err" 3>&- &
	copy=$!
	exec 5>"$W/fifo"
	until [ "$(dest_sql "SELECT count(*) FROM ds_staging._stage_files WHERE table_name = 't' AND load_id = 'LB'")" = 1 ]; do
		sleep 0.1
	done
	stage-merge -q --drop-staging -D "$DEST" "$W/ma" >/dev/null 2>"$W/drop.err" 3>&- 5>&- &
	drop=$!
	gone=0
	for i in $(seq 100); do
		if [ "$(dest_sql "SELECT to_regclass('ds_staging.t') IS NULL")" = t ]; then
			gone=1
			break
		fi
		sleep 0.1
	done
	if [ "$gone" = 0 ]; then	# t not dropped: do not hang
		exec 5>&-
		kill "$copy" "$drop" 2>/dev/null || :
		false
	fi
	cat "$W/u.csv" >&5
	exec 5>&-
	wait "$copy" || { cat "$W/copy.err"; false; }
	wait "$drop" || { cat "$W/drop.err"; false; }
	run stage-merge -D "$DEST" "$W/cb"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(dest_sql 'SELECT count(*), sum(id) FROM ds.t')" = "3|8" ]
	[ "$(dest_sql 'SELECT count(*), sum(id) FROM ds.u')" = "1|7" ]
}
