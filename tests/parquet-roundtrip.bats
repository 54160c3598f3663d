#!/usr/bin/env bats
# Issue 18, both sides: Parquet files stage-write writes load through
# stage-copy (the reader side) into the same staging rows as the JSONL
# files stage-write writes from the same records, in every codec.  Skips
# in a build whose stage-write does not write Parquet.  Runs against
# STAGE_TEST_DEST (tests/helpers/dest.bash); linked as
# parquet-roundtrip.sqlite.bats for SQLite.

load helpers/dest-scenario.bash

PY=${STAGE_TOP}/.venv/bin/python
PEER=${STAGE_TOP}/tests/helpers/parquet_peer.py

setup() {
	scenario_setup
	stage-write -t probe -d "$W/probe" -f parquet </dev/null >/dev/null 2>&1 ||
		skip "this build's stage-write does not write Parquet"
}

@test "stage-write's Parquet files (snappy, zstd, gzip, none) load the rows its JSONL files load" {
	"$PY" "$PEER" hostile 300 >"$W/in.ndjson"
	stage-write -d "$W/j" -t js --load-id LJ -f jsonl <"$W/in.ndjson" >"$W/m"
	for z in snappy zstd gzip none; do
		stage-write -d "$W/$z" -t "pq$z" --load-id "L$z" -f parquet \
			-z "$z" <"$W/in.ndjson" >>"$W/m"
	done
	run stage-copy -D "$DEST" "$W/m"
	echo "$output" | grep -v '^{' || :
	[ "$status" -eq 0 ]
	local cols
	cols=$(jq -r 'select(.table == "js") | [.columns[].name] | join(", ")' "$W/m")
	[ -n "$cols" ]
	local a="SELECT _stage_row % 4294967296 AS r, $cols FROM stage_dataset_staging.js"
	for z in snappy zstd gzip none; do
		local b="SELECT _stage_row % 4294967296 AS r, $cols FROM stage_dataset_staging.pq$z"
		[ "$(dest_sql "SELECT count(*) FROM ($a EXCEPT $b) x")" = 0 ]
		[ "$(dest_sql "SELECT count(*) FROM ($b EXCEPT $a) x")" = 0 ]
		[ "$(dest_sql "SELECT count(*) FROM stage_dataset_staging.pq$z")" = 300 ]
	done
}
