#!/usr/bin/env bats
# Housekeeping of a destination (stage-merge(1)): abandoned loads listed
# and discarded, _stage_files pruned past a horizon without losing
# exactly-once, and --check.  Runs against STAGE_TEST_DEST
# (helpers/dest.bash); housekeeping.sqlite.bats is the SQLite twin.

bats_require_minimum_version 1.5.0
load helpers/dest-scenario.bash

setup() {
	scenario_setup
	cols='[["id","bigint"],["name","text"]]'
	printf 'id,name\n1,a\n2,b\n' >"$W/a.csv"
	printf 'id,name\n3,c\n' >"$W/b.csv"
	{ fline LA t append "$W/a.csv" 2 "$cols"; eline LA 1 2; } >"$W/ma"
	{ fline LB t append "$W/b.csv" 1 "$cols"
	  fline LB u append "$W/a.csv" 2 "$cols"; eline LB 2 3; } >"$W/mb"
}

files_of() {
	dest_sql "SELECT count(*) FROM ds_staging._stage_files WHERE load_id = '$1'"
}

@test "--abandoned lists a load copied and never merged, one JSON line each, and not the merged ones" {
	stage-copy -q -D "$DEST" "$W/ma" | stage-merge -q -D "$DEST" >/dev/null
	stage-copy -q -D "$DEST" "$W/mb" >/dev/null
	run --separate-stderr stage-merge -D "$DEST" --abandoned
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -c '[.load_id, .dataset, .tables, .files, .rows]' <<<"$output")" = '["LB","ds",["t","u"],2,3]' ]
	[ "$(jq '.age_s >= 0 and .age_s < 600' <<<"$output")" = true ]
	# nothing changed by looking
	[ "$(files_of LB)" = 2 ]
}

@test "--abandoned with nothing abandoned prints nothing and exits 0" {
	run --separate-stderr stage-merge -D "$DEST" --abandoned
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	stage-copy -q -D "$DEST" "$W/ma" | stage-merge -q -D "$DEST" >/dev/null
	run --separate-stderr stage-merge -D "$DEST" --abandoned
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "--discard removes the load's staging rows and file records, and the manifest then copies and merges again, once" {
	stage-copy -q -D "$DEST" "$W/ma" | stage-merge -q -D "$DEST" >/dev/null
	stage-copy -q -D "$DEST" "$W/mb" >"$W/cb"
	run stage-merge -D "$DEST" --discard LB
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"load LB: discarded 3 staging rows"* ]]
	[ "$(files_of LB)" = 0 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.t')" = 0 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.u')" = 0 ]
	# load A's records stay
	[ "$(files_of LA)" = 1 ]
	run --separate-stderr stage-merge -D "$DEST" --abandoned
	[ -z "$output" ]
	# the copied manifest no longer merges: its rows are gone
	run stage-merge -D "$DEST" "$W/cb"
	[ "$status" -eq 1 ]
	[[ "$output" == *"run stage-copy on this manifest first"* ]]
	# the whole pipeline on the manifest loads it, once
	stage-copy -q -D "$DEST" "$W/mb" | stage-merge -q -D "$DEST" >/dev/null
	[ "$(dest_sql 'SELECT count(*), sum(id) FROM ds.t')" = "3|6" ]
	[ "$(dest_sql 'SELECT count(*) FROM ds.u')" = 2 ]
}

@test "--discard of a load nobody copied, or of a merged load, changes nothing and exits 1" {
	stage-copy -q -D "$DEST" "$W/ma" | stage-merge -q -D "$DEST" >/dev/null
	run stage-merge -D "$DEST" --discard NOPE
	[ "$status" -eq 1 ]
	[[ "$output" == *"load NOPE: no staging dataset"*"records it: nothing to discard"* ]]
	run stage-merge -D "$DEST" --discard LA
	[ "$status" -eq 1 ]
	[[ "$output" == *"load LA: merged into ds: nothing to discard"* ]]
	[ "$(files_of LA)" = 1 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds.t')" = 2 ]
}

@test "--discard refuses while a stage-copy holds the load, and works once it is done" {
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "Snowflake has no lock that tells --discard a stage-copy holds the load (stage-merge(1)): it discards"
	mkfifo "$W/fifo"
	{ fline LB t append "$W/b.csv" 1 "$cols"
	  fline LB u append "$W/a.csv" 2 "$cols" |
		jq -c --arg f "$W/fifo" '.file = $f | .url = "file://" + $f'
	  eline LB 2 3; } >"$W/mf"
	stage-copy -q -D "$DEST" "$W/mb" >/dev/null	# t and u exist
	stage-merge -D "$DEST" --discard LB 2>/dev/null
	stage-copy -q -D "$DEST" "$W/mf" >"$W/cf" 2>"$W/copy.err" 3>&- &
	copy=$!
	exec 5>"$W/fifo"
	printf 'id,name\n' >&5
	until [ "$(files_of LB)" = 1 ]; do sleep 0.1; done
	sleep 0.5	# the second file's transaction has begun
	run stage-merge -D "$DEST" --discard LB 3>&- 5>&-
	echo "$output"
	cat "$W/a.csv" | tail -n +2 >&5
	exec 5>&-
	wait "$copy" || { cat "$W/copy.err"; false; }
	[ "$status" -eq 1 ]
	[[ "$output" == *"load LB: "*"holds it: not discarded"* ]]
	[ "$(files_of LB)" = 2 ]
	run stage-merge -D "$DEST" --discard LB
	[ "$status" -eq 0 ]
	[ "$(files_of LB)" = 0 ]
}

@test "--discard waits for nobody: a stage-merge of the dataset in flight makes it refuse" {
	[ "$STAGE_TEST_DEST" = postgres ] ||
		skip "SQLite: a merge holds the one write lock, as the stage-copy test shows"
	stage-copy -q -D "$DEST" "$W/mb" >/dev/null
	# a session holding the merge lock of ds, as stage-merge does
	psql -X -q -At -c "BEGIN; SELECT pg_advisory_xact_lock(hashtext('stage:merge:ds')); SELECT pg_sleep(3); COMMIT" >/dev/null &
	holder=$!
	sleep 1
	run stage-merge -D "$DEST" --discard LB
	wait "$holder"
	[ "$status" -eq 1 ]
	[[ "$output" == *"load LB: a stage-merge of ds holds it: not discarded"* ]]
	[ "$(files_of LB)" = 2 ]
}

@test "merged loads past --prune-after keep one _stage_pruned row per table, and a re-run of their manifest is a no-op" {
	stage-copy -q -D "$DEST" "$W/mb" | stage-merge -q -D "$DEST" --prune-after 0 >/dev/null
	[ "$(files_of LB)" = 0 ]
	[ "$(dest_sql "SELECT table_name, files, rows FROM ds_staging._stage_pruned WHERE load_id = 'LB' ORDER BY 1")" = "$(printf 't|1|1\nu|1|2')" ]
	run --separate-stderr bash -c 'stage-copy -D "$1" "$2" | stage-merge -D "$1"' _ "$DEST" "$W/mb"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$(jq -s -c '[.[] | select(.file) | [.copied.skipped, .merged.skipped, .merged.rows]]' <<<"$output")" = '[[true,true,1],[true,true,2]]' ]
	[[ "$stderr" == *"load LB: already merged"* ]]
	[ "$(dest_sql 'SELECT count(*) FROM ds.t')" = 1 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds.u')" = 2 ]
	# nothing staged again, nothing recorded again
	[ "$(files_of LB)" = 0 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.t')" = 0 ]
}

@test "the default horizon (30 days) prunes a load merged 31 days ago and keeps today's; --prune-after never keeps all" {
	stage-copy -q -D "$DEST" "$W/ma" | stage-merge -q -D "$DEST" >/dev/null
	[ "$(files_of LA)" = 1 ]
	# load A merged 31 days ago: the next merge (default horizon) prunes it
	case $STAGE_TEST_DEST in
	postgres) dest_sql "UPDATE ds._dlt_loads SET inserted_at = now() - interval '31 days' WHERE load_id = 'LA'" ;;
	sqlite) dest_sql "UPDATE ds._dlt_loads SET inserted_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-31 days') WHERE load_id = 'LA'" ;;
	snowflake) dest_sql "UPDATE ds._dlt_loads SET inserted_at = DATEADD(day, -31, CURRENT_TIMESTAMP()) WHERE load_id = 'LA'" >/dev/null ;;
	esac
	stage-copy -q -D "$DEST" "$W/mb" | stage-merge -q -D "$DEST" --prune-after never >/dev/null
	[ "$(files_of LA)" = 1 ]
	[ "$(files_of LB)" = 2 ]
	printf 'id,name\n8,y\n' >"$W/d.csv"
	{ fline LD t append "$W/d.csv" 1 "$cols"; eline LD 1 1; } >"$W/md"
	stage-copy -q -D "$DEST" "$W/md" | stage-merge -q -D "$DEST" >/dev/null
	[ "$(files_of LA)" = 0 ]
	[ "$(files_of LB)" = 2 ]
	[ "$(files_of LD)" = 1 ]
	# the configuration's stage.prune_after, as an environment variable
	printf 'id,name\n9,z\n' >"$W/c.csv"
	{ fline LC t append "$W/c.csv" 1 "$cols"; eline LC 1 1; } >"$W/mc"
	STAGE__PRUNE_AFTER=0s stage-copy -q -D "$DEST" "$W/mc" |
		STAGE__PRUNE_AFTER=0s stage-merge -q -D "$DEST" >/dev/null
	[ "$(files_of LA)" = 0 ]
	[ "$(files_of LB)" = 0 ]
	[ "$(files_of LC)" = 0 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging._stage_pruned')" = 5 ]
}

@test "a bad --prune-after or stage.prune_after is a usage error that changes nothing" {
	run stage-merge -D "$DEST" --prune-after 3weeks "$W/ma"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--prune-after: prune_after 3weeks: expected an age (30d, 12h, 90m, 3600s) or never"* ]]
	run env STAGE__PRUNE_AFTER=soon stage-merge -D "$DEST" "$W/ma"
	[ "$status" -eq 2 ]
	[[ "$output" == *"the environment: prune_after soon"* ]]
}

@test "a load id used again for other data after its records were pruned is refused, never merged" {
	stage-copy -q -D "$DEST" "$W/mb" | stage-merge -q -D "$DEST" --prune-after 0 >/dev/null
	printf 'id,name\n7,x\n8,y\n' >"$W/c.csv"
	{ fline LB t append "$W/c.csv" 2 "$cols"; eline LB 1 2; } >"$W/mc"
	run bash -c 'stage-copy -q -D "$1" "$2" | stage-merge -D "$1"' _ "$DEST" "$W/mc"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"load LB was merged and its file records pruned; they had 1 files and 1 rows of t, this manifest lists 1 and 2"* ]]
	[ "$(dest_sql 'SELECT count(*), sum(id) FROM ds.t')" = "1|3" ]
}

@test "--check says whom it reached and changes nothing; an unreachable destination exits 1" {
	run --separate-stderr stage-copy -D "$DEST" --check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "reached $STAGE_TEST_DEST: "* ]]
	case $STAGE_TEST_DEST in
	postgres)
		[[ "$output" == *"user postgres, database postgres, host 127.0.0.1, port $PGPORT"* ]]
		run stage-merge -D "postgresql://nobody:secret@127.0.0.1:1/x" --check
		[[ "$output" != *:secret@* ]]
		[[ "$output" == *"nobody:***@"* ]]
		;;
	sqlite)
		[[ "$output" == *"does not exist yet (stage-copy creates it)"* ]]
		[ ! -e "$SQLITE_DIR/stage.db" ]
		stage-copy -q -D "$DEST" "$W/ma" >/dev/null
		run --separate-stderr stage-merge -D "$DEST" --check
		[[ "$output" == *"stage.db (SQLite "*"), writable"* ]]
		run stage-merge -D "sqlite:///nonexistent/dir/x.db" --check
		;;
	snowflake)
		[[ "$output" == *"account test (as configured), database STAGE_TEST"* ]]
		run stage-merge -D "snowflake://nobody:secret@test/X?host=127.0.0.1&port=1&protocol=http" --check
		[[ "$output" != *:secret@* ]]
		[[ "$output" == *"nobody:***@"* ]]
		;;
	esac
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"check: did not reach"* ]]
	run stage-merge -D "$DEST" --check "$W/ma"
	[ "$status" -eq 2 ]
}

@test "stage-merge of a manifest that never went through stage-copy says 'run stage-copy first' and creates nothing" {
	run stage-merge -D "$DEST" "$W/ma"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"load LA: its lines have no \"copied\": this manifest did not go through stage-copy"*"run stage-copy first"*"nothing changed"* ]]
	case $STAGE_TEST_DEST in
	postgres) [ "$(dest_sql "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'ds%'")" = 0 ] ;;
	sqlite) [ -z "$(ls "$SQLITE_DIR" | grep -v '^stage.db$')" ] ;;
	esac
	# the same manifest after a stage-copy whose output was not kept
	# merges: the destination has its records
	stage-copy -q -D "$DEST" "$W/ma" >/dev/null
	stage-merge -q -D "$DEST" "$W/ma" >/dev/null
	[ "$(dest_sql 'SELECT count(*) FROM ds.t')" = 2 ]
}

@test "stage-merge of a manifest copied to another destination says where, and creates nothing at -D" {
	other="sqlite://$W/other.db"
	stage-copy -q -D "$other" "$W/ma" >"$W/ca"
	run stage-merge -D "$DEST" "$W/ca"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"load LA: its files were copied to $other, and "*" has no record of them: merge there (stage-merge -D $other), or stage-copy -D "*" first; nothing changed"* ]]
	case $STAGE_TEST_DEST in
	postgres) [ "$(dest_sql "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'ds%'")" = 0 ] ;;
	sqlite) [ -z "$(ls "$SQLITE_DIR" | grep -v '^stage.db$')" ] ;;
	esac
	# without -D it merges where the lines say
	stage-merge -q "$W/ca" >/dev/null
	[ "$(sqlite3 "$W/other__ds.db" 'SELECT count(*) FROM t')" = 2 ]
}

@test "PostgreSQL: the connections carry application_name 'stage-copy <load id>', unless PGAPPNAME names them" {
	[ "$STAGE_TEST_DEST" = postgres ] || skip "application_name is PostgreSQL's"
	mkfifo "$W/fifo"
	fline LF t append "$W/a.csv" 2 "$cols" |
		jq -c --arg f "$W/fifo" '.file = $f | .url = "file://" + $f' >"$W/mf"
	eline LF 1 2 >>"$W/mf"
	for app in "" mine; do
		env ${app:+PGAPPNAME=$app} stage-copy -q -D "$DEST" "$W/mf" >/dev/null 3>&- &
		copy=$!
		exec 5>"$W/fifo"
		sleep 1
		names=$(dest_sql "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'stage-copy%' OR application_name = 'mine'")
		cat "$W/a.csv" >&5
		exec 5>&-
		wait "$copy"
		echo "$app: $names"
		[ "$names" = "${app:-stage-copy LF}" ]
		dest_reset
	done
	# stage-merge, waiting for the dataset's merge lock a session holds
	stage-copy -q -D "$DEST" "$W/ma" >"$W/ca"
	psql -X -q -At -c "BEGIN; SELECT pg_advisory_xact_lock(hashtext('stage:merge:ds')); SELECT pg_sleep(3); COMMIT" >/dev/null &
	holder=$!
	sleep 1
	stage-merge -q -D "$DEST" "$W/ca" >/dev/null 3>&- &
	merge=$!
	sleep 1
	names=$(dest_sql "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'stage-merge%'")
	wait "$holder"
	wait "$merge"
	[ "$names" = "stage-merge LA" ]
}

@test "the terminal summary breaks the merged rows down into new, updated and deleted, the same on both strategies" {
	c3='[["id","bigint"],["name","text"],["del","bool"]]'
	printf 'id,name,del\n1,a,\n2,b,\n3,c,\n' >"$W/k1.csv"
	printf 'id,name,del\n2,B,\n3,,true\n4,d,\n5,e,\n5,E,\n' >"$W/k2.csv"
	{ fline K1 t merge "$W/k1.csv" 3 "$c3" '.primary_key=["id"]'; eline K1 1 3; } >"$W/mk1"
	{ fline K2 t merge "$W/k2.csv" 5 "$c3" '.primary_key=["id"]'; eline K2 1 5; } >"$W/mk2"
	strategies="delete-insert upsert"
	# fakesnow: $SF_UPSERT (helpers/dest-snowflake.bash)
	[ "$STAGE_TEST_DEST" != snowflake ] || strategies=delete-insert
	for st in $strategies; do
		dest_reset
		stage-copy -q -D "$DEST" "$W/mk1" | stage-merge -q -D "$DEST" --strategy $st --hard-delete del >"$W/o1"
		[ "$(jq -c '.merged | select(.)' "$W/o1")" = '{"table":"ds.t","rows":3}' ]
		stage-copy -q -D "$DEST" "$W/mk2" >"$W/c2"
		if command -v script >/dev/null; then
			script -q -e -c "stage-merge -D '$DEST' --strategy $st --hard-delete del '$W/c2' >'$W/o2'" /dev/null >"$W/tty"
			grep -q "load K2: merged 3 rows into ds.t (2 new, 1 updated, 1 deleted) in" "$W/tty"
		else
			stage-merge -D "$DEST" --strategy $st --hard-delete del "$W/c2" >"$W/o2"
		fi
		# rows: new + updated, the same in the manifest
		[ "$(jq -c '.merged | select(.)' "$W/o2")" = '{"table":"ds.t","rows":3}' ]
		[ "$(dest_sql 'SELECT id, name FROM ds.t ORDER BY id' | tr '\n' ' ')" = "1|a 2|B 4|d 5|E " ]
		# a repeated merge: the load's recorded rows
		run --separate-stderr stage-merge -D "$DEST" --strategy $st "$W/c2"
		[ "$(jq -c '.merged | select(.)' <<<"$output")" = '{"table":"ds.t","rows":3,"skipped":true}' ]
	done
}

@test "unit: --prune-after's ages" {
	[ -n "${STAGE_UNITS:-}" ] || skip "STAGE_UNITS is not set"
	run "$STAGE_UNITS/housekeeping_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "--abandoned on a terminal: a table with its heads, and a count" {
	command -v script >/dev/null || skip "no script(1) to make a terminal"
	stage-copy -q -D "$DEST" "$W/mb" >/dev/null
	script -q -e -c "stage-merge -D '$DEST' --abandoned" /dev/null | tr -d '\r' >"$W/tty"
	cat "$W/tty"
	grep -qE '^LOAD_ID +DATASET +TABLES +FILES +ROWS +AGE$' "$W/tty"
	grep -qE '^LB +ds +t,u +2 +3 +[0-9]+s$' "$W/tty"
	grep -q '1 abandoned load (copied, never merged) in' "$W/tty"
}
