#!/usr/bin/env bats
# Staged CSV files are read by others than stage-copy: PostgreSQL's own
# COPY, psql's \copy, Python's csv module.  Each must read every
# row stage-write wrote, NULL and empty string apart, as the manifest's
# "csv" field says.

load helpers/stage-write.bash
load helpers/pg.bash

setup_file() { pg_start; }
teardown_file() { pg_stop; }

setup() {
	sw_setup
	psql -X -q -v ON_ERROR_STOP=1 -c 'DROP TABLE IF EXISTS t1, t2' >/dev/null
}
teardown() { sw_teardown; }

# The values the tests send, one per record, as JSON.
values() {
	printf '%s\n' '"a"' '"\\."' '"b"' '"c"' 'null' '""' '" lead"' \
		'"trail "' '"\"quoted\" start"' '"\\.,x"' '"\\\\."' '"line\n\\.\nafter"'
}

# The same values read back from a one-column table, NULL as <null>.
want() {
	values | jq -r 'if . == null then "<null>" else @json end'
}

# pg_copy TABLE(COLS) FILE: the file read by the server's own COPY (from
# a copy the server may read), not through psql, which reads lines itself.
pg_copy() {
	install -m 644 "$2" "$PG_DIR/copy.csv"
	psql -X -q -v ON_ERROR_STOP=1 -c "COPY $1 FROM '$PG_DIR/copy.csv' (FORMAT csv, HEADER)"
}

got() {
	psql -X -At -c "SELECT CASE WHEN v IS NULL THEN '<null>' ELSE to_json(v)::text END FROM $1 ORDER BY n"
}

@test "a value that is exactly \\. is quoted: the server's COPY reads every row of a one-column file" {
	values | jq -c '{v: .}' >"$T/in.ndjson"
	sw -t t <"$T/in.ndjson" >"$T/m"
	f=$(mline "$T/m" | jq -r .file)
	grep -qx '"\\."' "$f"
	! grep -qx '\\.' "$f"
	psql -X -q -c 'CREATE TABLE t1 (n serial, v text)'
	pg_copy 't1 (v)' "$f"
	[ "$(got t1)" = "$(want)" ]
}

@test "psql \\copy from the staged file reads every row of a one-column file" {
	# A quoted value may still hold a line that is \. alone: psql 15's
	# \copy ends there (a psql limitation stage-write(1) names), so that
	# value is left out here and read by the server's COPY above.
	values | grep -v 'line' | jq -c '{v: .}' >"$T/in.ndjson"
	sw -t t <"$T/in.ndjson" >"$T/m"
	f=$(mline "$T/m" | jq -r .file)
	psql -X -q -c 'CREATE TABLE t1 (n serial, v text)'
	run psql -X -v ON_ERROR_STOP=1 -c "\\copy t1 (v) from '$f' csv header"
	[ "$status" -eq 0 ]
	[ "$output" = "COPY 11" ]
	[ "$(got t1)" = "$(values | grep -v line | jq -r 'if . == null then "<null>" else @json end')" ]
}

@test "a value \\. in the first of several columns loads through COPY and \\copy" {
	values | jq -c '{v: ., w: 1}' >"$T/in.ndjson"
	sw -t t <"$T/in.ndjson" >"$T/m"
	f=$(mline "$T/m" | jq -r .file)
	psql -X -q -c 'CREATE TABLE t2 (n serial, v text, w bigint)'
	pg_copy 't2 (v, w)' "$f"
	[ "$(got t2)" = "$(want)" ]
	psql -X -q -c 'TRUNCATE t2'
	values | grep -v line | jq -c '{v: ., w: 1}' | sw -t u >"$T/m2"
	run psql -X -v ON_ERROR_STOP=1 -c "\\copy t2 (v, w) from '$(mline "$T/m2" | jq -r .file)' csv header"
	[ "$output" = "COPY 11" ]
}

@test "Python's csv module reads the values back, empty string quoted and NULL empty" {
	values | jq -c '{v: .}' >"$T/in.ndjson"
	sw -t t <"$T/in.ndjson" >"$T/m"
	f=$(mline "$T/m" | jq -r .file)
	run csv_rows "$f"
	[ "${lines[0]}" = '["v"]' ]
	# An empty line is a row with no field, the empty string a row of one.
	[ "$(csv_rows "$f" | tail -n +2)" = "$(values | jq -c 'if . == null then [] else [.] end')" ]
	grep -qx '""' "$f"
	grep -qx '' "$f"
}

@test "a CSV file line says how NULL and the empty string are written" {
	input '{"v":"x"}'
	sw -t t <"$T/in.ndjson" >"$T/m"
	[ "$(mline "$T/m" | jq -c .csv)" = '{"header":true,"delimiter":",","quote":"\"","null":"","empty":"\"\""}' ]
	sw -t j -f jsonl <"$T/in.ndjson" >"$T/m2"
	[ "$(mline "$T/m2" | jq -c 'has("csv")')" = false ]
}
