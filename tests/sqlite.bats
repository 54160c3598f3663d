#!/usr/bin/env bats
# The SQLite destination's own terms: the file layout and journal mode,
# -D forms and config, types checked as PostgreSQL would, a locked or a
# read-only database, and a SIGKILL at any instant of a merge leaving all
# files of the dataset consistent (each transaction writes one file, so
# that this holds in WAL mode too, as dlt keeps its files).

STAGE_TEST_DEST=sqlite
load helpers/dest-scenario.bash

setup() {
	scenario_setup
	D=$SQLITE_DIR
	cols='[["id","bigint"],["name","text"],["age","bigint"]]'
	printf 'id,name,age\n1,alice,30\n2,"",\n3,bob,41\n' >"$W/u1.csv"
	{ fline L1 users append "$W/u1.csv" 3 "$cols"; eline L1 1 3; } >"$W/m1"
}

copy_merge() {
	stage-copy -D "$DEST" "$1" | stage-merge -D "$DEST" "${@:2}"
}

@test "sqlite: datasets are files beside the catalog, all in journal_mode delete" {
	copy_merge "$W/m1" >/dev/null
	[ "$(cd "$D" && ls)" = 'stage.db
stage__ds.db
stage__ds_staging.db' ]
	[ "$(sqlite3 "$D/stage.db" 'SELECT name, file FROM _stage_schemas ORDER BY 1')" = 'ds|stage__ds.db
ds_staging|stage__ds_staging.db' ]
	for f in stage stage__ds stage__ds_staging; do
		[ "$(sqlite3 "$D/$f.db" 'PRAGMA journal_mode')" = delete ]
	done
	[ "$(sqlite3 "$D/stage__ds.db" 'SELECT id, name FROM users ORDER BY id')" = '1|alice
2|
3|bob' ]
}

@test "sqlite: a dataset file in WAL mode (as dlt keeps its files) stays in WAL mode and loads" {
	sqlite3 "$D/stage__ds_staging.db" 'PRAGMA journal_mode=WAL' >/dev/null
	sqlite3 "$D/stage__ds.db" 'PRAGMA journal_mode=WAL' >/dev/null
	run copy_merge "$W/m1"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$D/stage__ds_staging.db" 'PRAGMA journal_mode')" = wal ]
	[ "$(sqlite3 "$D/stage__ds.db" 'PRAGMA journal_mode')" = wal ]
	[ "$(dest_sql 'SELECT count(*) FROM ds.users')" = 3 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.users')" = 0 ]
}

@test "sqlite: unsafe dataset names are written %XX in file names" {
	dataset="a/../b c" fline L1 t append "$W/u1.csv" 3 "$cols" >"$W/m"
	eline L1 1 3 >>"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	[ "$status" -eq 0 ]
	[ -f "$D/stage__a%2F%2E%2E%2Fb%20c_staging.db" ]
	[ "$(dest_sql 'SELECT count(*) FROM "a/../b c_staging".t')" = 3 ]
}

@test "sqlite: declared types and storage classes follow the documented mapping" {
	tc='[["i","bigint"],["d","double"],["b","bool"],["ts","timestamp"],["dt","date"],["tm","time"],["n","decimal"],["j","json"],["bin","binary"],["s","text"]]'
	printf 'i,d,b,ts,dt,tm,n,j,bin,s\n-7,2.5,TRUE,2024-01-02T03:04:05.5+01:00,2024-02-29,23:59:59,12345678901234567890.50,"{""a"":1}",\\x00ff,007\n' >"$W/t.csv"
	{ fline L1 ty append "$W/t.csv" 1 "$tc"; eline L1 1 1; } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$D/stage__ds_staging.db" "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('ty')")" = 'i INTEGER, d REAL, b BOOLEAN, ts TIMESTAMP, dt DATE, tm TIME, n DECIMAL TEXT, j JSON TEXT, bin BLOB, s TEXT, _stage_row INTEGER' ]
	[ "$(sqlite3 "$D/stage__ds_staging.db" 'SELECT typeof(i), typeof(d), typeof(b), typeof(ts), typeof(n), typeof(bin), typeof(s) FROM ty')" = 'integer|real|integer|text|text|blob|text' ]
	[ "$(sqlite3 "$D/stage__ds_staging.db" 'SELECT i, d, b, ts, dt, tm, n, j, hex(bin), s FROM ty')" = '-7|2.5|1|2024-01-02T03:04:05.5+01:00|2024-02-29|23:59:59|12345678901234567890.50|{"a":1}|00FF|007' ]
}

@test "sqlite: a widened column rebuilds the table: declared type, values as PostgreSQL casts them, upsert index kept" {
	pk='.primary_key=["id"]'
	printf 'id,v,b\n1,5,true\n2,7,false\n' >"$W/a.csv"
	printf 'id,v,b\n3,2.5,x\n' >"$W/b.csv"
	{ fline L1 t merge "$W/a.csv" 2 '[["id","bigint"],["v","bigint"],["b","bool"]]' "$pk"; eline L1 1 2; } >"$W/m1"
	{ fline L2 t merge "$W/b.csv" 1 '[["id","bigint"],["v","double"],["b","text"]]' "$pk"; eline L2 1 1; } >"$W/m2"
	copy_merge "$W/m1" --strategy upsert >/dev/null
	run copy_merge "$W/m2" --strategy upsert
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$D/stage__ds.db" "SELECT group_concat(name || ' ' || type, ', ') FROM pragma_table_info('t')")" = 'id INTEGER, v DECIMAL TEXT, b TEXT, _dlt_load_id TEXT, _dlt_id TEXT' ]
	[ "$(dest_sql 'SELECT id, CAST(v AS TEXT), b FROM ds.t ORDER BY id')" = '1|5|true
2|7|false
3|2.5|x' ]
	[ "$(sqlite3 "$D/stage__ds.db" "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 't' AND name LIKE '_stage_pk_%'")" = 1 ]
	[ "$(sqlite3 "$D/stage__ds.db" "SELECT count(*) FROM sqlite_master WHERE name LIKE '_stage_rebuild%'")" = 0 ]
}

@test "sqlite: a value that does not fit its type fails the file, naming line and column" {
	check_bad() {	# TYPE VALUE WHAT
		printf 'k,x\n1,ok\n' >"$W/good.csv"
		printf 'k,x\n1,%s\n' "$2" >"$W/bad.csv"
		{ fline L1 b append "$W/bad.csv" 1 "[[\"k\",\"bigint\"],[\"x\",\"$1\"]]"; eline L1 1 1; } >"$W/m"
		run stage-copy -D "$DEST" "$W/m"
		echo "$1 $2: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"bad.csv: line 2, column x: $3"* ]]
	}
	check_bad bigint 12x "invalid input for type bigint: \"12x\""
	check_bad bigint 9223372036854775808 "invalid input for type bigint"
	check_bad double NaN "invalid input for type double"
	check_bad bool maybe "invalid input for type bool"
	check_bad timestamp 2024-13-01 "invalid input for type timestamp"
	check_bad date 2024-01-01T00:00 "invalid input for type date"
	check_bad decimal 1.2.3 "invalid input for type decimal"
	check_bad json '{bad' "invalid input for type json"
	check_bad binary '\x0' "invalid hex for type binary"
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.b')" = 0 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging._stage_files')" = 0 ]
}

@test "sqlite: malformed CSV and a wrong header fail the file with the line" {
	printf 'id,name,age\n1,a"b,3\n' >"$W/q.csv"
	{ fline L1 users append "$W/q.csv" 1 "$cols"; eline L1 1 1; } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	[ "$status" -eq 1 ]
	[[ "$output" == *"q.csv: line 2, field 2: quote inside an unquoted field"* ]]
	printf 'id,nom,age\n1,a,3\n' >"$W/h.csv"
	{ fline L1 users append "$W/h.csv" 1 "$cols"; eline L1 1 1; } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	[ "$status" -eq 1 ]
	[[ "$output" == *"h.csv: line 1: the header's column 2 is \"nom\", the manifest's is name"* ]]
	printf 'id,name,age\n1,a\n' >"$W/n.csv"
	{ fline L1 users append "$W/n.csv" 1 "$cols"; eline L1 1 1; } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	[ "$status" -eq 1 ]
	[[ "$output" == *"n.csv: line 2: 2 fields, the manifest has 3 columns"* ]]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.users')" = 0 ]
}

@test "sqlite: -D sqlite://relative.db is relative to the working directory" {
	mkdir "$W/wd"
	cd "$W/wd"
	run stage-copy -D sqlite://rel.db "$W/m1"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$W/wd/rel__ds_staging.db" 'SELECT count(*) FROM users')" = 3 ]
	[ -f "$W/wd/rel.db" ]
	# no file, no super-journal: refused
	for bad in sqlite:// sqlite://:memory:; do
		run stage-copy -D "$bad" "$W/m1"
		[ "$status" -ne 0 ]
		[[ "$output" == *"give the SQLite database a file path"* ]]
	done
}

@test "sqlite: -D sqlite takes the path from destination.sqlite.credentials or its environment variable" {
	mkdir -p "$W/proj/.dlt" "$W/a" "$W/b"
	printf '[destination.sqlite]\ncredentials = "sqlite://%s/a/x.db"\n' "$W" >"$W/proj/.dlt/config.toml"
	run env DLT_PROJECT_DIR="$W/proj" stage-copy -D sqlite "$W/m1"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$W/a/x__ds_staging.db" 'SELECT count(*) FROM users')" = 3 ]
	run env DLT_PROJECT_DIR="$W/proj" DESTINATION__SQLITE__CREDENTIALS="$W/b/y.db" stage-copy -D sqlite "$W/m1"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$W/b/y__ds_staging.db" 'SELECT count(*) FROM users')" = 3 ]
}

@test "sqlite: --dry-run on a new path prints the SQL and creates no file" {
	run stage-copy -n -D "sqlite://$W/new/stage.db" "$W/m1"
	[ "$status" -eq 0 ]
	[[ "$output" == *'BEGIN IMMEDIATE;'* ]]
	[[ "$output" == *'INSERT INTO "ds_staging"."_stage_files"'* ]]
	[ ! -e "$W/new" ]
	mkdir "$W/new"
	run stage-merge -n -D "sqlite://$W/new/stage.db" "$W/m1"
	[ "$status" -eq 0 ]
	[[ "$output" == *'CREATE TABLE IF NOT EXISTS "ds"."_dlt_loads"'* ]]
	[ -z "$(ls -A "$W/new")" ]
}

@test "sqlite: a dataset named like the catalog gets a file of its own" {
	dataset=stage fline L1 t append "$W/u1.csv" 3 "$cols" >"$W/m"
	eline L1 1 3 >>"$W/m"
	run copy_merge "$W/m"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$D/stage__stage.db" 'SELECT count(*) FROM t')" = 3 ]
	[ "$(sqlite3 "$D/stage.db" "SELECT count(*) FROM sqlite_master WHERE name = 't'")" = 0 ]
}

# hold_lock FILE SECONDS: another writer (BEGIN IMMEDIATE) on FILE for a
# while, in the background; returns once the lock is held.
hold_lock() {
	rm -f "$W/held"
	python3 - "$1" "$2" "$W/held" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("CREATE TABLE IF NOT EXISTS _other_writer (x)")
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")
PY
	holder=$!
	for i in $(seq 200); do [ -e "$W/held" ] && return 0; sleep 0.05; done
	return 1
}

@test "sqlite: a locked database: the copy waits the busy timeout, then fails clearly, nothing changed" {
	stage-copy -D "$DEST" "$W/m1" >/dev/null
	printf 'id,name,age\n9,z,1\n' >"$W/u2.csv"
	{ fline L2 users append "$W/u2.csv" 1 "$cols"; eline L2 1 1; } >"$W/m2"
	hold_lock "$D/stage__ds_staging.db" 3
	run env STAGE_SQLITE_BUSY_TIMEOUT=300 stage-copy -D "$DEST" "$W/m2"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *": SQL failed: database is locked by another writer (waited 300 ms, STAGE_SQLITE_BUSY_TIMEOUT): nothing changed"* ]]
	kill "$holder"; wait "$holder" || :
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.users')" = 3 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging._stage_files')" = 1 ]
}

@test "sqlite: a writer that lets go within the busy timeout is waited for" {
	stage-copy -D "$DEST" "$W/m1" >/dev/null
	hold_lock "$D/stage.db" 1
	run env STAGE_SQLITE_BUSY_TIMEOUT=20000 stage-merge -D "$DEST" "$W/m1"
	wait "$holder" || :
	[ "$status" -eq 0 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds.users')" = 3 ]
}

# as_other CMD...: runs CMD as a user that file permissions apply to
# (root ignores them).
as_other() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

@test "sqlite: a read-only database: clear error, nothing changed" {
	R=$(mktemp -d /tmp/stage-ro.XXXXXX)
	chmod 755 "$R"
	cp "$W/u1.csv" "$R/"
	{ fline L1 users append "$R/u1.csv" 3 "$cols"; eline L1 1 3; } >"$R/m1"
	chmod 644 "$R"/*
	stage-copy -D "sqlite://$R/stage.db" "$R/m1" >/dev/null
	[ "$(id -u)" -eq 0 ] || chmod a-w "$R"/*.db
	sum=$(cat "$R"/stage__ds_staging.db | sha256sum)
	# the catalog read-only
	run as_other stage-merge -D "sqlite://$R/stage.db" "$R/m1"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"stage.db: the database is read-only (file permissions): nothing changed"* ]]
	# the catalog writable, the dataset file not
	[ "$(id -u)" -eq 0 ] && chown nobody "$R" "$R/stage.db" || chmod u+w "$R/stage.db"
	run as_other stage-merge -D "sqlite://$R/stage.db" "$R/m1"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"ds_staging.db is read-only (file permissions): nothing changed"* ]]
	[ "$(cat "$R"/stage__ds_staging.db | sha256sum)" = "$sum" ]
	[ "$(sqlite3 "$R/stage__ds_staging.db" 'SELECT count(*) FROM users')" = 3 ]
	[ ! -e "$R/stage__ds.db" ] || [ "$(sqlite3 "$R/stage__ds.db" "SELECT count(*) FROM sqlite_master WHERE name = 'users'")" = 0 ]
	[ "$(ls "$R"/*-journal 2>/dev/null)" = "" ]
	rm -rf "$R"
}

# The state of load L in the files: "merged" (recorded, its staging rows
# gone, its rows in the final table), "merged, staging left" (the same
# with its staging rows still there: the merge commits the dataset file,
# then deletes them in a transaction of their own) or "staged" (not
# recorded, all its staging rows there, none of its rows final);
# anything else is torn.
load_state() {
	local l=$1 n=$2 rec stg fin
	rec=$(dest_sql "SELECT count(*) FROM ds._dlt_loads WHERE load_id = '$l'" 2>/dev/null || echo 0)
	stg=$(dest_sql "SELECT count(*) FROM ds_staging.ev s JOIN ds_staging._stage_files f ON f.file_no = s._stage_row >> 32 WHERE f.load_id = '$l'")
	fin=$(dest_sql "SELECT count(*) FROM ds.ev WHERE _dlt_load_id = '$l'" 2>/dev/null || echo 0)
	if [ "$rec" = 1 ] && [ "$stg" = 0 ] && [ "$fin" = "$n" ]; then
		echo merged
	elif [ "$rec" = 1 ] && [ "$stg" = "$n" ] && [ "$fin" = "$n" ]; then
		echo "merged, staging left"
	elif [ "$rec" = 0 ] && [ "$stg" = "$n" ] && [ "$fin" = 0 ]; then
		echo staged
	else
		echo "torn: recorded $rec, staging $stg, final $fin"
	fi
}

@test "sqlite: SIGKILL at any instant of a merge leaves the dataset files consistent" {
	n=200000
	awk -v n=$n 'BEGIN { print "id,load,payload"; for (i = 0; i < n; i++) printf "%d,1,payload %d\n", i, i }' >"$W/ev.csv"
	stage_load() {
		dest_reset
		{ fline "$1" ev append "$W/ev.csv" $n '[["id","bigint"],["load","bigint"],["payload","text"]]'
		  eline "$1" 1 $n; } >"$W/m"
		stage-copy -q -D "$DEST" "$W/m" >"$W/c"
	}
	# How long one merge takes here, so that kills land inside it on a
	# fast or a loaded machine alike.
	stage_load K0
	t0=$(date +%s%N)
	stage-merge -q -D "$DEST" "$W/c" >/dev/null
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	kills=0 merged=0 k=0
	while [ $kills -lt 8 ] && [ $k -lt 30 ]; do
		k=$((k + 1))
		stage_load "K$k"
		stage-merge -q -D "$DEST" "$W/c" >/dev/null &
		pid=$!
		sleep "$(awk -v r=$RANDOM -v ms=$ms 'BEGIN { printf "%.3f", ms * r / 32768 / 1000 }')"
		kill -KILL $pid 2>/dev/null || :
		st=0
		wait $pid 2>/dev/null || st=$?
		[ $st -ne 137 ] || kills=$((kills + 1))
		state=$(load_state "K$k" $n)
		echo "# kill $k: $state" >&3
		[ "$state" = merged ] || [ "$state" = staged ] ||
			[ "$state" = "merged, staging left" ]
		[ "$state" = staged ] || merged=$((merged + 1))
		# and the re-run finishes the job once
		stage-merge -q -D "$DEST" "$W/c" >/dev/null
		[ "$(load_state "K$k" $n)" = merged ]
		[ "$(dest_sql 'SELECT count(*), count(DISTINCT id) FROM ds.ev')" = "$n|$n" ]
	done
	echo "# $kills kills landed in $k rounds (a merge takes ${ms} ms), $merged merges had committed" >&3
	[ "$kills" -ge 4 ]
}

@test "sqlite: bash completion of -D offers sqlite and sqlite://" {
	for p in stage-copy stage-merge; do
		source "$STAGE_TOP/completions/bash/$p"
		COMP_WORDS=($p -D sq); COMP_CWORD=2
		"_${p//-/_}"
		[ "${COMPREPLY[*]}" = 'sqlite sqlite://' ]
	done
}

@test "sqlite: four loads into one dataset side by side all land, one after the other" {
	for l in 1 2 3 4; do
		awk -v l=$l 'BEGIN { print "id,name,age"; for (i = 0; i < 30000; i++) printf "%d,n%d,%d\n", l * 100000 + i, i, l }' >"$W/p$l.csv"
		{ fline "P$l" users append "$W/p$l.csv" 30000 "$cols"; eline "P$l" 1 30000; } >"$W/p$l"
	done
	pids=
	for l in 1 2 3 4; do
		{ stage-copy -q -D "$DEST" "$W/p$l" | stage-merge -q -D "$DEST" >"$W/out$l"; } &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	for l in 1 2 3 4; do [ "$(tail -1 "$W/out$l" | jq -r .end)" = true ]; done
	[ "$(dest_sql 'SELECT count(*), count(DISTINCT id) FROM ds.users')" = '120000|120000' ]
	[ "$(dest_sql 'SELECT count(*) FROM ds._dlt_loads')" = 4 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.users')" = 0 ]
}
