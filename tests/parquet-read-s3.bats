#!/usr/bin/env bats
# stage-copy reads staged Parquet from s3:// through ranged GETs (the
# footer first, then one row group at a time) against the JuiceFS S3
# gateway (helpers/s3.bash) and STAGE_TEST_DEST; linked as
# parquet-read-s3.sqlite.bats for SQLite.

load helpers/dest-scenario.bash
load helpers/s3.bash
load helpers/faultproxy.bash

PY=${STAGE_TOP}/.venv/bin/python
PEER=${STAGE_TOP}/tests/helpers/parquet_peer.py
HCOLS='[["id","bigint"],["n","bigint"],["s","text"],["f","double"],["b","bool"],["ts","timestamp"],["d","date"],["tm","time"],["dec","decimal"],["bin","binary"],["j","json"],["nul","text"]]'
HSEL='id, n, s, f, b, ts, d, tm, dec, bin, j, nul'

setup_file() {
	dest_start
	s3_start
	fp_start
}

teardown_file() {
	fp_stop
	s3_stop
	dest_stop
}

setup() {
	scenario_setup
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "$SF_BUCKET"
	"$PY" -c 'import pyarrow' 2>/dev/null || skip "no pyarrow in .venv"
}

# s3line TABLE FILE ROWS KEY FORMAT: a file line for FILE staged at KEY.
s3line() {
	fline L1 "$1" append "$2" "$3" "$HCOLS" \
		".format=\"$5\" | .url=\"s3://$S3_BUCKET/$4\" | del(.file)"
}

@test "stage-copy loads a Parquet file of many row groups from s3:// as the JSONL of its records" {
	"$PY" "$PEER" hostile 3000 >"$W/ref.jsonl"
	"$PY" "$PEER" write "$W/ref.jsonl" "$HCOLS" "$W/h.parquet" --rg 500 --codec none
	s3 s3 cp --quiet "$W/h.parquet" "s3://$S3_BUCKET/pq/h.parquet"
	s3 s3 cp --quiet "$W/ref.jsonl" "s3://$S3_BUCKET/pq/ref.jsonl"
	{ s3line ref "$W/ref.jsonl" 3000 pq/ref.jsonl jsonl
	  s3line pq "$W/h.parquet" 3000 pq/h.parquet parquet |
		jq -c ".s3_endpoint=\"$FP_ENDPOINT\""
	  eline L1 2 6000; } >"$W/m"
	local size
	size=$(wc -c <"$W/h.parquet")
	rm "$W/h.parquet" "$W/ref.jsonl"	# only the staged copies are read
	fp_rules
	run stage-copy -D "$DEST" "$W/m"
	echo "$output" | grep -v '^{' || :
	[ "$status" -eq 0 ]
	local a="SELECT _stage_row % 4294967296 AS r, $HSEL FROM ds_staging.ref"
	local b="SELECT _stage_row % 4294967296 AS r, $HSEL FROM ds_staging.pq"
	[ "$(dest_sql "SELECT count(*) FROM ($a EXCEPT $b) x")" = 0 ]
	[ "$(dest_sql "SELECT count(*) FROM ($b EXCEPT $a) x")" = 0 ]
	[ "$(dest_sql "SELECT count(*), sum(id) FROM ds_staging.pq")" = '3000|4501500' ]
	# ranged reads through the proxy: the last 64 KiB (the footer) first,
	# then one range per row group (6), never the whole object
	cat "$FP_LOG"
	[ "$(grep -c 'h.parquet' "$FP_LOG")" = 7 ]
	[ "$(grep -c 'range=-' "$FP_LOG")" = 0 ]
	[ "$size" -gt 65536 ]
	[[ "$(head -1 "$FP_LOG")" == *"range=bytes=$((size - 65536))-$((size - 1))"* ]]
}

@test "a staged s3:// object that is not Parquet, or shorter than the manifest says, is refused by name" {
	printf 'id\n1\n' >"$W/x.parquet"
	s3 s3 cp --quiet "$W/x.parquet" "s3://$S3_BUCKET/pq/x.parquet"
	{ s3line t "$W/x.parquet" 1 pq/x.parquet parquet; eline L1 1 1; } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"stage-copy: s3://$S3_BUCKET/pq/x.parquet: not a Parquet file"* ]]
	"$PY" "$PEER" hostile 10 >"$W/ref.jsonl"
	"$PY" "$PEER" write "$W/ref.jsonl" "$HCOLS" "$W/h.parquet"
	head -c 100 "$W/h.parquet" >"$W/cut"
	s3 s3 cp --quiet "$W/cut" "s3://$S3_BUCKET/pq/h.parquet"
	{ s3line t "$W/h.parquet" 10 pq/h.parquet parquet; eline L1 1 10; } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"stage-copy: s3://$S3_BUCKET/pq/h.parquet: truncated: "* ]]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging._stage_files" 2>/dev/null || echo 0)" = 0 ]
}
