#!/usr/bin/env bats
# Issue 16, items 5, 7 and 13: a column that widens never loses a value it
# holds (coltype_widen's lattice, stage-manifest(5)), says so on stderr,
# and widens only inside the merge that commits it; SQLite's rebuild keeps
# the table's indexes, triggers and views.  Runs against STAGE_TEST_DEST
# (helpers/dest.bash); f16-types.sqlite.bats is the SQLite twin.

load helpers/dest-scenario.bash

setup() {
	scenario_setup
	# widening on Snowflake: tests/snowflake.bats
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "Snowflake widens a column before the merge's transaction (its DDL commits) through a new column, and its decimal is NUMBER(38,9): these are PostgreSQL's and SQLite's expectations"
}

copy_merge() {
	stage-copy -D "$DEST" "$1" | stage-merge -D "$DEST" "${@:2}"
}

# coltype COLUMN: the declared type of ds.t's column, as the destination
# names it
coltype() {
	case $STAGE_TEST_DEST in
	sqlite) dest_sql "SELECT type FROM pragma_table_info('t', 'ds') WHERE name = '$1'" ;;
	*) dest_sql "SELECT data_type FROM information_schema.columns WHERE table_schema = 'ds' AND table_name = 't' AND column_name = '$1'" ;;
	esac
}

@test "f16: a committed bigint or decimal keeps every digit when a later load brings doubles" {
	printf 'id,a,b,c\n1,9007199254740993,99999999999999999999999,99999999.123456789\n' >"$W/a.csv"
	printf 'id,a,b,c\n2,2.5,1.5e3,0.25\n' >"$W/b.csv"
	{ fline L1 t append "$W/a.csv" 1 '[["id","bigint"],["a","bigint"],["b","decimal"],["c","decimal"]]'; eline L1 1 1; } >"$W/m1"
	{ fline L2 t append "$W/b.csv" 1 '[["id","bigint"],["a","double"],["b","double"],["c","double"]]'; eline L2 1 1; } >"$W/m2"
	copy_merge "$W/m1" >/dev/null
	run copy_merge "$W/m2"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ds.t: column a widens from bigint to decimal"* ]]
	[ "$(dest_sql 'SELECT id, CAST(a AS TEXT), CAST(c AS TEXT) FROM ds.t ORDER BY id')" = '1|9007199254740993|99999999.123456789
2|2.5|0.25' ]
	[ "$(dest_sql 'SELECT CAST(b AS TEXT) = '"'99999999999999999999999'"' FROM ds.t WHERE id = 1')" = 1 ] ||
	[ "$(dest_sql 'SELECT CAST(b AS TEXT) = '"'99999999999999999999999'"' FROM ds.t WHERE id = 1')" = t ]
	[ "$(dest_sql 'SELECT CAST(b AS REAL) FROM ds.t WHERE id = 2')" = 1500.0 ] ||
	[ "$(dest_sql 'SELECT CAST(b AS double precision) FROM ds.t WHERE id = 2')" = 1500 ]
}

@test "f16: a committed double widened to decimal or text keeps its shortest exact digits" {
	printf 'id,d,s\n1,0.30000000000000004,99999999.12345679\n' >"$W/a.csv"
	printf 'id,d,s\n2,9007199254740993,x\n' >"$W/b.csv"
	{ fline L1 t append "$W/a.csv" 1 '[["id","bigint"],["d","double"],["s","double"]]'; eline L1 1 1; } >"$W/m1"
	{ fline L2 t append "$W/b.csv" 1 '[["id","bigint"],["d","bigint"],["s","text"]]'; eline L2 1 1; } >"$W/m2"
	copy_merge "$W/m1" >/dev/null
	run copy_merge "$W/m2"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ds.t: column d widens from double to decimal"* ]]
	[[ "$output" == *"ds.t: column s widens from double to text"* ]]
	[ "$(dest_sql 'SELECT id, CAST(d AS TEXT), s FROM ds.t ORDER BY id')" = '1|0.30000000000000004|99999999.12345679
2|9007199254740993|x' ]
}

@test "f16: stage-write infers bigint and double in one column as decimal, and every value lands exact" {
	printf '%s\n' '{"id":1,"n":9007199254740993}' '{"id":2,"n":1.5}' '{"id":3,"n":99999999.123456789}' >"$W/in.ndjson"
	stage-write -q -d "$W/out" --load-id L1 -t t --dataset ds "$W/in.ndjson" >"$W/m"
	[ "$(jq -r 'select(.columns) | .columns[] | select(.name == "n") | .type' "$W/m")" = decimal ]
	run copy_merge "$W/m"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(dest_sql 'SELECT id, CAST(n AS TEXT) FROM ds.t ORDER BY id')" = '1|9007199254740993
2|1.5
3|99999999.123456789' ]
}

@test "f16: a merge that fails widens no column of the final table" {
	nn='.primary_key=["id"] | .columns[0].nullable=false | .columns[1].nullable=false'
	printf 'id,name,v\n1,a,10\n' >"$W/a.csv"
	printf 'id,name,v,extra\n2,,ten,e\n' >"$W/b.csv"
	{ fline L1 t merge "$W/a.csv" 1 '[["id","bigint"],["name","text"],["v","bigint"]]' "$nn"; eline L1 1 1; } >"$W/m1"
	{ fline L2 t merge "$W/b.csv" 1 '[["id","bigint"],["name","text"],["v","text"],["extra","text"]]' "$nn"; eline L2 1 1; } >"$W/m2"
	copy_merge "$W/m1" >/dev/null
	before=$(coltype v)
	run copy_merge "$W/m2"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not merged (rolled back)"* ]]
	[ "$(coltype v)" = "$before" ]
	[ -z "$(coltype extra)" ]
	[ "$(dest_sql 'SELECT id, name, CAST(v AS TEXT) FROM ds.t')" = '1|a|10' ]
}

@test "f16: sqlite: a rebuild keeps the table's indexes and triggers, and a view on it" {
	[ "$STAGE_TEST_DEST" = sqlite ] || skip "SQLite rebuilds; PostgreSQL alters in place"
	printf 'id,v\n1,5\n' >"$W/a.csv"
	printf 'id,v\n2,x\n' >"$W/b.csv"
	{ fline L1 t append "$W/a.csv" 1 '[["id","bigint"],["v","bigint"]]'; eline L1 1 1; } >"$W/m1"
	{ fline L2 t append "$W/b.csv" 1 '[["id","bigint"],["v","text"]]'; eline L2 1 1; } >"$W/m2"
	copy_merge "$W/m1" >/dev/null
	sqlite3 "$SQLITE_DIR/stage__ds.db" 'CREATE INDEX "by v" ON t (v);
		CREATE TABLE audit (id INTEGER);
		CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO audit VALUES (new.id); END;
		CREATE VIEW tv AS SELECT id, v FROM t'
	run copy_merge "$W/m2"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(coltype v)" = TEXT ]
	[ "$(sqlite3 "$SQLITE_DIR/stage__ds.db" "SELECT type || ' ' || name FROM sqlite_master WHERE tbl_name IN ('t', 'tv') ORDER BY 1")" = 'index by v
table t
trigger t_ins
view tv' ]
	[ "$(sqlite3 "$SQLITE_DIR/stage__ds.db" "SELECT sql FROM sqlite_master WHERE name = 'by v'")" = 'CREATE INDEX "by v" ON t (v)' ]
	[ "$(sqlite3 "$SQLITE_DIR/stage__ds.db" 'SELECT id, v FROM tv ORDER BY id')" = '1|5
2|x' ]
	# the trigger fired for the load's row and still fires
	sqlite3 "$SQLITE_DIR/stage__ds.db" "INSERT INTO t VALUES (3, 'y', 'L', 'i')"
	[ "$(sqlite3 "$SQLITE_DIR/stage__ds.db" 'SELECT group_concat(id) FROM audit')" = '2,3' ]
}

@test "f16: sqlite: a widening that would lose a PRIMARY KEY, UNIQUE or CHECK is refused, naming it, nothing changed" {
	[ "$STAGE_TEST_DEST" = sqlite ] || skip "SQLite rebuilds; PostgreSQL alters in place"
	printf 'id,v\n1,5\n' >"$W/a.csv"
	printf 'id,v\n2,x\n' >"$W/b.csv"
	{ fline L1 t append "$W/a.csv" 1 '[["id","bigint"],["v","bigint"]]'; eline L1 1 1; } >"$W/m1"
	{ fline L2 t append "$W/b.csv" 1 '[["id","bigint"],["v","text"]]'; eline L2 1 1; } >"$W/m2"
	for def in 'id INTEGER PRIMARY KEY|PRIMARY KEY (column id)' \
	    'id INTEGER UNIQUE|sqlite_autoindex_t_1 (a constraint of its definition)' \
	    'id INTEGER CHECK (id > 0)|CHECK clause'; do
		dest_reset
		copy_merge "$W/m1" >/dev/null
		sqlite3 "$SQLITE_DIR/stage__ds.db" "CREATE TABLE t2 (${def%%|*}, v INTEGER, _dlt_load_id TEXT NOT NULL, _dlt_id TEXT NOT NULL);
			INSERT INTO t2 SELECT * FROM t; DROP TABLE t; ALTER TABLE t2 RENAME TO t"
		run copy_merge "$W/m2"
		echo "$def: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"ds.t: a column must widen"*"${def#*|}"*"cannot be kept: nothing changed"* ]]
		[ "$(coltype v)" = INTEGER ]
		[ "$(dest_sql 'SELECT id, v FROM ds.t')" = '1|5' ]
		[ "$(dest_sql "SELECT count(*) FROM ds._dlt_loads WHERE load_id = 'L2'")" = 0 ]
	done
}

@test "f16: postgres: a dlt-made numeric(38,9) keeps its type and digits when a load brings doubles" {
	[ "$STAGE_TEST_DEST" = postgres ] || skip "dlt's numeric(38,9) is PostgreSQL's"
	dest_sql "CREATE SCHEMA ds; CREATE TABLE ds.t (id bigint, v numeric(38,9), _dlt_load_id character varying NOT NULL, _dlt_id character varying NOT NULL);
		INSERT INTO ds.t VALUES (1, 99999999.123456789, 'dlt', 'a')"
	printf 'id,v\n2,2.5\n' >"$W/b.csv"
	{ fline L2 t append "$W/b.csv" 1 '[["id","bigint"],["v","double"]]'; eline L2 1 1; } >"$W/m2"
	run copy_merge "$W/m2"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(dest_sql "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'ds.t'::regclass AND attname = 'v'")" = 'numeric(38,9)' ]
	[ "$(dest_sql 'SELECT id, v FROM ds.t ORDER BY id')" = '1|99999999.123456789
2|2.500000000' ]
}
