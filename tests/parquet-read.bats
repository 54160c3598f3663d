#!/usr/bin/env bats
# stage-copy reads staged Parquet (issue 18, the reader side): files that
# pyarrow and DuckDB write from the hostile records load into the staging
# table exactly as the same records do through the JSONL path, in every
# codec, page version and encoding those writers use; a bad file is
# refused naming the object and the column, and nothing of it is loaded.
# Runs against the destination STAGE_TEST_DEST names (tests/helpers/
# dest.bash); linked as parquet-read.sqlite.bats for SQLite.

load helpers/dest-scenario.bash

PY=${STAGE_TOP}/.venv/bin/python
PEER=${STAGE_TOP}/tests/helpers/parquet_peer.py
HCOLS='[["id","bigint"],["n","bigint"],["s","text"],["f","double"],["b","bool"],["ts","timestamp"],["d","date"],["tm","time"],["dec","decimal"],["bin","binary"],["j","json"],["nul","text"]]'
HSEL='id, n, s, f, b, ts, d, tm, dec, bin, j, nul'

setup() {
	scenario_setup
	"$PY" -c 'import pyarrow, duckdb' 2>/dev/null ||
		skip "no pyarrow or duckdb in .venv (make deps)"
}

# hostile N: the hostile records in $W/ref.jsonl.  Snowflake's decimal
# is NUMBER(38,9) (dlt's too), 29 digits before the point: there its
# largest negative value stands in for the peer's 35-digit one, which
# Snowflake refuses as a real server does.
hostile() {
	"$PY" "$PEER" hostile "$1" >"$W/ref.jsonl"
	[ "$STAGE_TEST_DEST" = snowflake ] || return 0
	sed -i 's/"-99999999999999999999999999999999999[.]99"/"-99999999999999999999999999999.99"/' "$W/ref.jsonl"
}

# pqwrite FILE [peer options]: $W/ref.jsonl as Parquet, $HCOLS's types.
pqwrite() {
	local out=$1
	shift
	"$PY" "$PEER" write "$W/ref.jsonl" "${COLS:-$HCOLS}" "$out" "$@"
}

# load_both ROWS PARQUET: one load of two files, the records as JSONL into
# table ref and the Parquet file into table pq; stage-copy must succeed.
load_both() {
	local c=${COLS:-$HCOLS}
	{ fline L1 ref append "$W/ref.jsonl" "$1" "$c" '.format="jsonl"'
	  fline L1 pq append "$2" "$1" "$c" '.format="parquet"'
	  eline L1 2 $(($1 * 2)); } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	echo "$output" | grep -v '^{' || :
	[ "$status" -eq 0 ]
	[ "$(jq -s -c '[.[] | .copied.rows // empty]' <<<"$output")" = "[$1,$1]" ]
}

# same_rows SELECT-LIST: ref and pq hold the same rows (row number in the
# file included), compared by the destination's own equality.
same_rows() {
	local a="SELECT _stage_row % 4294967296 AS r, $1 FROM ds_staging.ref"
	local b="SELECT _stage_row % 4294967296 AS r, $1 FROM ds_staging.pq"
	[ "$(dest_sql "SELECT count(*) FROM ($a EXCEPT $b) x")" = 0 ]
	[ "$(dest_sql "SELECT count(*) FROM ($b EXCEPT $a) x")" = 0 ]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging.ref")" = \
	  "$(dest_sql "SELECT count(*) FROM ds_staging.pq")" ]
}

# roundtrip ROWS [peer options]: the hostile records both ways, compared.
roundtrip() {
	local n=$1
	shift
	hostile "$n"
	pqwrite "$W/h.parquet" "$@"
	load_both "$n" "$W/h.parquet"
	same_rows "$HSEL"
	# and some values spelled out, so equality is not of two wrongs
	[ "$(dest_sql "SELECT n FROM ds_staging.pq WHERE id = 2")" = 9223372036854775807 ]
	[ "$(dest_sql "SELECT n FROM ds_staging.pq WHERE id = 3")" = -9223372036854775808 ]
	[ "$(dest_sql "SELECT s FROM ds_staging.pq WHERE id = 4")" = 'zß水🦀 ünïcödé' ]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging.pq WHERE s = ''")" -gt 0 ]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging.pq WHERE s IS NULL")" -gt 0 ]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging.pq WHERE nul IS NULL")" = "$n" ]
	[ "$(dest_sql "SELECT length(s) FROM ds_staging.pq WHERE id = 6")" = 100000 ]
}

# The encodings and codec pyarrow reports for column COL of FILE.
encodings() {
	"$PY" -c 'import sys, pyarrow.parquet as pq
m = pq.ParquetFile(sys.argv[1]).metadata
c = [m.row_group(0).column(i) for i in range(m.num_columns)
     if m.row_group(0).column(i).path_in_schema == sys.argv[2]][0]
print(m.num_row_groups, c.compression, ",".join(sorted(c.encodings)))' "$@"
}

@test "pyarrow Parquet (snappy, dictionary, v1 pages) loads the rows the JSONL of the same records loads" {
	roundtrip 64
	[ "$(encodings "$W/h.parquet" s)" = "1 SNAPPY PLAIN,RLE,RLE_DICTIONARY" ]
}

@test "pyarrow Parquet in zstd with PLAIN values and v2 data pages loads the same rows" {
	roundtrip 64 --codec zstd --no-dict --page-v2
	[ "$(encodings "$W/h.parquet" s)" = "1 ZSTD PLAIN,RLE" ]
}

@test "pyarrow Parquet in gzip with many row groups and small pages loads the same rows" {
	roundtrip 200 --codec gzip --rg 7 --page-size 512
	[ "$(encodings "$W/h.parquet" id | cut -d' ' -f1-2)" = "29 GZIP" ]
}

@test "uncompressed pyarrow Parquet with page checksums loads the same rows" {
	roundtrip 64 --codec none --checksum
}

@test "DuckDB Parquet (snappy) loads the same rows" {
	roundtrip 64 --writer duckdb --codec snappy
}

@test "DuckDB Parquet V2 (zstd, DELTA encodings) loads the same rows" {
	roundtrip 64 --writer duckdb --codec zstd --page-v2
	[[ "$(encodings "$W/h.parquet" id)" == *DELTA_BINARY_PACKED* ]]
}

@test "DuckDB Parquet in gzip with several row groups loads the same rows" {
	roundtrip 5000 --writer duckdb --codec gzip --rg 2048
	[ "$(encodings "$W/h.parquet" id | cut -d' ' -f1)" -ge 2 ]
}

@test "a Parquet file of 0 rows loads an empty staging table" {
	hostile 0
	pqwrite "$W/h.parquet"
	load_both 0 "$W/h.parquet"
	[ "$(dest_sql "SELECT count(*) FROM ds_staging.pq")" = 0 ]
}

@test "a Parquet file of one column loads" {
	printf '{"v":"a"}\n{"v":null}\n{"v":""}\n' >"$W/ref.jsonl"
	COLS='[["v","text"]]' pqwrite "$W/one.parquet"
	COLS='[["v","text"]]' load_both 3 "$W/one.parquet"
	same_rows v
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "$SF_QUOTED_EMPTY"
	[ "$(dest_sql "SELECT coalesce(v, '<null>') FROM ds_staging.pq ORDER BY _stage_row")" = 'a
<null>' ]
}

@test "a Parquet file of 1,000 columns loads the same rows" {
	"$PY" -c 'import json
for r in range(3):
    print(json.dumps({"c%d" % i: (None if (i + r) % 7 == 0 else
        (i * r if i % 2 else "v%d_%d" % (i, r))) for i in range(1000)}))' \
		>"$W/ref.jsonl"
	COLS=$("$PY" -c 'import json
print(json.dumps([["c%d" % i, "bigint" if i % 2 else "text"] for i in range(1000)]))')
	export COLS
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "$SF_WIDE_CSV"
	pqwrite "$W/wide.parquet"
	load_both 3 "$W/wide.parquet"
	same_rows "c0, c1, c2, c499, c500, c997, c998, c999"
	[ "$(dest_sql "SELECT c997 FROM ds_staging.pq ORDER BY _stage_row LIMIT 1 OFFSET 2")" = 1994 ]
}

@test "Parquet doubles NaN and infinities load where the destination holds them" {
	"$PY" -c 'import pyarrow as pa, pyarrow.parquet as pq, sys
pq.write_table(pa.table({"id": [1, 2, 3], "f": [float("inf"), float("-inf"), float("nan")]}), sys.argv[1])' "$W/nan.parquet"
	{ fline L1 t append "$W/nan.parquet" 3 '[["id","bigint"],["f","double"]]' '.format="parquet"'
	  eline L1 1 3; } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	echo "$output"
	if [ "$STAGE_TEST_DEST" = sqlite ]; then
		# SQLite has no NaN (it would read back as NULL): refused
		[ "$status" -eq 1 ]
		[[ "$output" == *nan.parquet*'column f'*NaN* ]]
		return
	fi
	[ "$status" -eq 0 ]
	if [ "$STAGE_TEST_DEST" = snowflake ]; then
		# Snowflake spells them inf, -inf and NaN (fakesnow: nan)
		[ "$(dest_sql "SELECT LOWER(CAST(f AS TEXT)) FROM ds_staging.t ORDER BY id")" = 'inf
-inf
nan' ]
		return
	fi
	[ "$(dest_sql "SELECT CAST(f AS TEXT) FROM ds_staging.t ORDER BY id")" = 'Infinity
-Infinity
NaN' ]
}

@test "stage-copy then stage-merge take a Parquet file into the final table" {
	hostile 16
	pqwrite "$W/h.parquet"
	{ fline L1 pq append "$W/h.parquet" 16 "$HCOLS" '.format="parquet" | .primary_key=["id"] | .disposition="merge"'
	  eline L1 1 16; } >"$W/m"
	run bash -c 'stage-copy -D "$1" "$2" | stage-merge -D "$1"' _ "$DEST" "$W/m"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(dest_sql "SELECT count(*), sum(id) FROM ds.pq")" = '16|136' ]
}

# refused FILE COLS PATTERN: stage-copy of FILE fails with status 1, a
# message matching PATTERN, and no row of it in the staging table.
refused() {
	{ fline L1 t append "$1" 3 "$2" '.format="parquet"'; eline L1 1 3; } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"stage-copy: file://$1: "$3* ]]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging._stage_files")" = 0 ] ||
		[ "$(dest_sql "SELECT count(*) FROM ds_staging.t" 2>/dev/null || echo 0)" = 0 ]
}

three() {
	"$PY" -c 'import pyarrow as pa, pyarrow.parquet as pq, sys
pq.write_table(pa.table({"id": [1, 2, 3], "s": ["a", "b", "c"]}), sys.argv[1], **eval("dict(%s)" % (sys.argv[2] if len(sys.argv) > 2 else "")))' "$@"
}
TCOLS='[["id","bigint"],["s","text"]]'

@test "a Parquet file's columns load by name, in whatever order the file has them" {
	"$PY" -c 'import pyarrow as pa, pyarrow.parquet as pq, sys
pq.write_table(pa.table({"s": ["a", None, ""], "id": [1, 2, 3]}), sys.argv[1])' "$W/o.parquet"
	{ fline L1 t append "$W/o.parquet" 3 "$TCOLS" '.format="parquet"'; eline L1 1 3; } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	echo "$output" | grep -v '^{' || :
	[ "$status" -eq 0 ]
	if [ "$STAGE_TEST_DEST" = snowflake ]; then
		[ "$(dest_sql "SELECT id, coalesce(s, '<null>') FROM ds_staging.t ORDER BY id")" = '1|a
2|<null>
3|<null>' ]
		skip "$SF_QUOTED_EMPTY"
	fi
	[ "$(dest_sql "SELECT id, coalesce(s, '<null>') FROM ds_staging.t ORDER BY id")" = '1|a
2|<null>
3|' ]
}

@test "a file that is not Parquet is refused as such" {
	printf 'id,s\n1,a\n2,b\n3,c\n' >"$W/x.parquet"
	refused "$W/x.parquet" "$TCOLS" "not a Parquet file (no PAR1 magic)"
}

@test "a truncated Parquet file is refused, and one that is not what the manifest says" {
	three "$W/a.parquet"
	head -c -20 "$W/a.parquet" >"$W/cut.parquet"
	refused "$W/cut.parquet" "$TCOLS" "not a Parquet file"
	{ fline L1 t append "$W/a.parquet" 3 "$TCOLS" '.format="parquet"'; eline L1 1 3; } >"$W/m"
	head -c -20 "$W/a.parquet" >"$W/a.short" && mv "$W/a.short" "$W/a.parquet"
	run stage-copy -D "$DEST" "$W/m"
	[ "$status" -eq 1 ]
	[[ "$output" == *"a.parquet: sha256 mismatch"* ]]
	# the same size, one byte changed
	three "$W/b.parquet"
	{ fline L1 t append "$W/b.parquet" 3 "$TCOLS" '.format="parquet"'; eline L1 1 3; } >"$W/m"
	printf 'X' | dd of="$W/b.parquet" bs=1 seek=100 conv=notrunc 2>/dev/null
	run stage-copy -D "$DEST" "$W/m"
	[ "$status" -eq 1 ]
	[[ "$output" == *"b.parquet: sha256 mismatch"* ]]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging._stage_files" 2>/dev/null || echo 0)" = 0 ]
}

@test "a footer whose length or content lies is refused" {
	three "$W/a.parquet"
	"$PY" -c 'import sys, struct
b = bytearray(open(sys.argv[1], "rb").read())
n = struct.unpack("<I", b[-8:-4])[0]
open(sys.argv[2], "wb").write(b[:-8] + struct.pack("<I", len(b) * 2) + b"PAR1")
open(sys.argv[3], "wb").write(b[:-8 - n] + b"\x19\x7c" + b"\xff" * (n - 2) + b[-8:])' \
		"$W/a.parquet" "$W/long.parquet" "$W/junk.parquet"
	refused "$W/long.parquet" "$TCOLS" "the footer's length"*"does not fit"
	refused "$W/junk.parquet" "$TCOLS" "corrupt footer"
}

@test "a damaged page is refused naming the row group and column" {
	three "$W/a.parquet" 'compression="none", write_page_checksum=True, use_dictionary=False'
	"$PY" -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b"\x01\x00\x00\x00b")	# the value "b" of column s
b[i + 4] = ord("x")
open(sys.argv[1], "wb").write(b)' "$W/a.parquet"
	refused "$W/a.parquet" "$TCOLS" 'row group 1, column "s": page at byte '*'checksum mismatch'
}

@test "columns that do not match the manifest's are refused by name" {
	three "$W/a.parquet"
	refused "$W/a.parquet" '[["id","bigint"],["s","text"],["extra","text"]]' \
		'column "extra" of the manifest is not in the file'
	refused "$W/a.parquet" '[["id","bigint"]]' \
		'the file has column "s", which the manifest does not list'
	refused "$W/a.parquet" '[["id","bigint"],["s","bigint"]]' \
		'column "s": the manifest says bigint, the file has BYTE_ARRAY (STRING)'
}

@test "an unsupported codec and a nested column are refused by name" {
	three "$W/a.parquet" 'compression="lz4"'
	refused "$W/a.parquet" "$TCOLS" 'row group 1, column "id": compression codec lz4_raw is not supported'
	"$PY" -c 'import pyarrow as pa, pyarrow.parquet as pq, sys
pq.write_table(pa.table({"id": [1, 2, 3], "s": [[1], [], None]}), sys.argv[1])' "$W/n.parquet"
	refused "$W/n.parquet" "$TCOLS" 'column "s" is a group: only flat tables are read'
}
