#!/usr/bin/env bats
# dlt and stage on one dataset: dlt (PyPI, pinned in install-deps) loads
# the same dataset as stage, in both orders, with no setting changed, and
# reads what stage loaded through pipeline.dataset().  Runs against
# STAGE_TEST_DEST (helpers/dest.bash); f16-dlt.sqlite.bats is the SQLite
# twin.

load helpers/dest-scenario.bash

setup_file() {
	PY=$STAGE_TOP/.venv/bin/python
	if ! "$PY" -c 'import dlt' 2>/dev/null; then
		export DLT_MISSING=1
		return 0
	fi
	dest_start
}

setup() {
	[ -z "${DLT_MISSING:-}" ] ||
		skip "dlt is not installed in .venv (tests/helpers/install-deps)"
	scenario_setup
	cd "$W"
	PY=$STAGE_TOP/.venv/bin/python
	export RUNTIME__LOG_LEVEL=WARNING DLT_DATA_DIR=$W/dlt-data
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "dlt's Snowflake destination needs snowflake-connector-python, which is in .venv-fakesnow, not in dlt's .venv (bench/sf-dlt.py runs dlt against fakesnow)"
	case $STAGE_TEST_DEST in
	# dlt's sqlalchemy destination: the catalog file is its main
	# database, each dataset a file beside it
	sqlite) DLT_URL="sqlite:///$SQLITE_DIR/stage.db" ;;
	# dlt insists on a password; the test server trusts any
	*) DLT_URL="postgresql://postgres:x@127.0.0.1:$PGPORT/postgres" ;;
	esac
}

# stage_load LOAD_ID < records: stage's whole pipeline, merge on id
stage_load() {
	stage-write -q -t users --dataset shop --disposition merge \
		--primary-key id --load-id "$1" -d "$W/out.$1" |
	stage-put -q -b "$W/bucket" |
	stage-copy -q -D "$DEST" |
	stage-merge -q -D "$DEST"
}

# dlt_merge < records: a dlt pipeline run merging into shop.users on id
dlt_merge() {
	"$PY" "$STAGE_TOP/tests/helpers/dlt_peer.py" merge "$DLT_URL" shop \
		"$W/pipes" users
}

dlt_read() {
	"$PY" "$STAGE_TOP/tests/helpers/dlt_peer.py" read "$DLT_URL" shop \
		"$W/pipes" users "$@"
}

users() {
	dest_sql "SELECT id, name FROM shop.users ORDER BY id"
}

@test "dlt and stage: stage loads, dlt merges, stage merges again, every row right" {
	run stage_load 1000.1 <<-'JSON'
	{"id":1,"name":"a"}
	{"id":2,"name":"b"}
	JSON
	echo "$output"
	[ "$status" -eq 0 ]
	run dlt_merge <<-'JSON'
	{"id":2,"name":"dlt-b"}
	{"id":5,"name":"dlt-e"}
	JSON
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(users)" = "1|a
2|dlt-b
5|dlt-e" ]
	run stage_load 1000.2 <<-'JSON'
	{"id":2,"name":"b2"}
	{"id":3,"name":"c"}
	JSON
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(users)" = "1|a
2|b2
3|c
5|dlt-e" ]
	# and dlt again on what stage left
	run dlt_merge <<-'JSON'
	{"id":3,"name":"dlt-c"}
	JSON
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(users)" = "1|a
2|b2
3|dlt-c
5|dlt-e" ]
	# every row carries dlt's bookkeeping, unique ids
	[ "$(dest_sql "SELECT count(*), count(DISTINCT _dlt_id), count(_dlt_load_id) FROM shop.users")" = "4|4|4" ]
}

@test "dlt and stage: dlt loads first, then stage merges into its tables" {
	run dlt_merge <<-'JSON'
	{"id":1,"name":"dlt-a"}
	{"id":2,"name":"dlt-b"}
	JSON
	echo "$output"
	[ "$status" -eq 0 ]
	run stage_load 1000.1 <<-'JSON'
	{"id":2,"name":"b"}
	{"id":3,"name":"c"}
	JSON
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(users)" = "1|dlt-a
2|b
3|c" ]
	run dlt_merge <<-'JSON'
	{"id":3,"name":"dlt-c"}
	{"id":4,"name":"dlt-d"}
	JSON
	echo "$output"
	[ "$status" -eq 0 ]
	run stage_load 1000.2 <<-'JSON'
	{"id":4,"name":"d"}
	JSON
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(users)" = "1|dlt-a
2|b
3|dlt-c
4|d" ]
}

@test "dlt reads a stage-loaded dataset through pipeline.dataset()" {
	run stage_load 1000.1 <<-'JSON'
	{"id":1,"name":"a"}
	{"id":2,"name":"b"}
	JSON
	[ "$status" -eq 0 ]
	run dlt_read
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -v Warning <<<"$output" | grep -v '^ ')" = "users
1|a
2|b" ]
	# one stored version per change of tables or columns, none otherwise
	[ "$(dest_sql "SELECT version, schema_name, engine_version FROM shop._dlt_version")" = "1|shop|11" ]
	stage_load 1000.2 <<<'{"id":3,"name":"c"}' >/dev/null
	[ "$(dest_sql "SELECT count(*) FROM shop._dlt_version")" = 1 ]
	stage_load 1000.3 <<<'{"id":4,"name":"d","age":7}' >/dev/null
	[ "$(dest_sql "SELECT version FROM shop._dlt_version ORDER BY version")" = "1
2" ]
	run "$PY" -c 'import json, sys
s = json.loads(sys.stdin.read())
print(sorted(s["tables"]["users"]["columns"]), s["tables"]["users"]["columns"]["age"]["data_type"])' <<<"$(dest_sql "SELECT schema FROM shop._dlt_version WHERE version = 2")"
	echo "$output"
	[ "$output" = "['_dlt_id', '_dlt_load_id', 'age', 'id', 'name'] bigint" ]
}

@test "dlt reads stage's tables beside its own: the stored schema named after the dataset" {
	dlt_merge <<<'{"id":1,"name":"dlt-a"}'
	stage-write -q -t orders --dataset shop --load-id 1000.1 -d "$W/o" <<<'{"order_id":7,"name":"x"}' |
		stage-put -q -b "$W/bucket" | stage-copy -q -D "$DEST" |
		stage-merge -q -D "$DEST" >/dev/null
	run "$PY" "$STAGE_TOP/tests/helpers/dlt_peer.py" read "$DLT_URL" shop \
		"$W/pipes" orders shop
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"orders,users"* ]]
	# and dlt's own pipeline goes on as before
	run dlt_merge <<<'{"id":2,"name":"dlt-b"}'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(users)" = "1|dlt-a
2|dlt-b" ]
}

@test "sqlite: stage and dlt use the same dataset files, and stage leaves their journal mode as found" {
	[ "$STAGE_TEST_DEST" = sqlite ] || skip "SQLite's file layout"
	run stage_load 1000.1 <<<'{"id":1,"name":"a"}'
	[ "$status" -eq 0 ]
	# dlt's sqlalchemy destination names them <stem>__<dataset>.db
	[ "$(cd "$SQLITE_DIR" && ls)" = 'stage.db
stage__shop.db
stage__shop_staging.db' ]
	[ "$(sqlite3 "$SQLITE_DIR/stage__shop.db" 'PRAGMA journal_mode')" = delete ]
	run dlt_merge <<<'{"id":2,"name":"dlt-b"}'
	[ "$status" -eq 0 ]
	[ "$(cd "$SQLITE_DIR" && ls *.db)" = 'stage.db
stage__shop.db
stage__shop_staging.db' ]
	# dlt keeps its files in WAL; stage does not switch them back
	[ "$(sqlite3 "$SQLITE_DIR/stage__shop.db" 'PRAGMA journal_mode')" = wal ]
	run stage_load 1000.2 <<<'{"id":3,"name":"c"}'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$SQLITE_DIR/stage__shop.db" 'PRAGMA journal_mode')" = wal ]
	[ "$(sqlite3 "$SQLITE_DIR/stage__shop_staging.db" 'PRAGMA journal_mode')" = wal ]
	[ "$(users)" = "1|a
2|dlt-b
3|c" ]
	# the merge's staging rows are gone, dlt's left as dlt leaves them
	[ "$(dest_sql 'SELECT count(*) FROM shop_staging.users WHERE _stage_row IS NOT NULL')" = 0 ]
}

@test "dlt and stage: a dlt pipeline named like the dataset keeps its schema, stage says so and loads" {
	run stage_load 1000.1 <<<'{"id":1,"name":"a"}'
	[ "$status" -eq 0 ]
	DLT_PIPELINE=shop run dlt_merge <<<'{"id":2,"name":"dlt-b"}'
	echo "$output"
	[ "$status" -eq 0 ]
	stage-write -q -t users --dataset shop --disposition merge \
		--primary-key id --load-id 1000.2 -d "$W/o2" <<<'{"id":3,"name":"c","extra":1}' |
		stage-put -q -b "$W/bucket" | stage-copy -q -D "$DEST" >"$W/c2"
	run stage-merge -D "$DEST" "$W/c2"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"_dlt_version's newest schema named shop is dlt's"*"give the dlt pipeline another name"* ]]
	# dlt's own version stays the newest, and its pipeline goes on
	[ "$(dest_sql "SELECT count(*) FROM shop._dlt_version WHERE schema_name = 'shop'")" = 2 ]
	DLT_PIPELINE=shop run dlt_merge <<<'{"id":4,"name":"dlt-d"}'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(users)" = "1|a
2|dlt-b
3|c
4|dlt-d" ]
}

@test "dlt and stage: a NOT NULL column of dlt's that stage's load lacks fails the merge before anything changes, saying what to set" {
	DLT_NOT_NULL=code run dlt_merge <<<'{"id":1,"name":"dlt-a","code":"x"}'
	echo "$output"
	[ "$status" -eq 0 ]
	stage-write -q -t users --dataset shop --disposition merge \
		--primary-key id --load-id 1000.1 -d "$W/o" <<<'{"id":2,"name":"b","extra":5}' |
		stage-put -q -b "$W/bucket" | stage-copy -q -D "$DEST" >"$W/c"
	run stage-merge -D "$DEST" "$W/c"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"shop.users: column code is NOT NULL and this load has no values for it: nothing changed; give the records a code, or drop the constraint"* ]]
	[ "$STAGE_TEST_DEST" = sqlite ] || [[ "$output" == *"(ALTER TABLE shop.users ALTER COLUMN code DROP NOT NULL)"* ]]
	# nothing changed: no new column, no row
	[ "$(users)" = "1|dlt-a" ]
	case $STAGE_TEST_DEST in
	sqlite) [ "$(dest_sql "SELECT count(*) FROM pragma_table_info('users', 'shop') WHERE name = 'extra'")" = 0 ] ;;
	*) [ "$(dest_sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'shop' AND table_name = 'users' AND column_name = 'extra'")" = 0 ] ;;
	esac
	[ "$STAGE_TEST_DEST" = sqlite ] && return 0	# no ALTER COLUMN there
	dest_sql 'ALTER TABLE shop.users ALTER COLUMN code DROP NOT NULL'
	run stage-merge -q -D "$DEST" "$W/c"
	[ "$status" -eq 0 ]
	[ "$(users)" = "1|dlt-a
2|b" ]
}
