#!/usr/bin/env bats
# Issue 18, reader speed: a Parquet file goes into PostgreSQL's binary
# COPY as typed values (format.h's struct fval), with no CSV text in
# between, when every staging column has the manifest's type.  What is
# loaded must be exactly what the CSV path loads: each test loads the same
# file with STAGE_PG_COPY=text (CSV COPY, the server parses the text) and
# the default way, and compares the tables.

bats_require_minimum_version 1.5.0
STAGE_TEST_DEST=postgres
load helpers/dest-scenario.bash

PY=${STAGE_TOP}/.venv/bin/python
PEER=${STAGE_TOP}/tests/helpers/parquet_peer.py
HCOLS='[["id","bigint"],["n","bigint"],["s","text"],["f","double"],["b","bool"],["ts","timestamp"],["d","date"],["tm","time"],["dec","decimal"],["bin","binary"],["j","json"],["nul","text"]]'

setup() {
	scenario_setup
	"$PY" -c 'import pyarrow' 2>/dev/null ||
		skip "no pyarrow in .venv (make deps)"
}

# both FILE ROWS COLS: FILE loaded into dataset tx as text and into bn
# the default way; the -v log of the second in $W/log.
both() {
	{ dataset=tx fline L1 t append "$1" "$2" "$3" '.format="parquet"'
	  eline L1 1 "$2"; } >"$W/mt"
	{ dataset=bn fline L2 t append "$1" "$2" "$3" '.format="parquet"'
	  eline L2 1 "$2"; } >"$W/mb"
	STAGE_PG_COPY=text stage-copy -q -D "$DEST" "$W/mt" >/dev/null
	stage-copy -v -D "$DEST" "$W/mb" >/dev/null 2>"$W/log"
}

# same ROWS SELECT-LIST: tx and bn hold the same ROWS rows, row numbers
# included, compared as the server prints them.
same() {
	local q="SELECT _stage_row & 4294967295 AS r, $2 FROM"
	dest_sql "$q tx_staging.t ORDER BY r" >"$W/tx"
	dest_sql "$q bn_staging.t ORDER BY r" >"$W/bn"
	[ "$(dest_sql 'SELECT count(*) FROM bn_staging.t')" -eq "$1" ]
	diff "$W/tx" "$W/bn" || { tail -5 "$W/log"; false; }
}

# pa PYTHON-EXPR FILE: pyarrow writes table PYTHON-EXPR (pa, pq in scope)
pa() {
	"$PY" -c 'import sys, pyarrow as pa, pyarrow.parquet as pq
pq.write_table(eval(sys.argv[1]), sys.argv[2])' "$1" "$2"
}

@test "hostile Parquet rows go to binary COPY typed and load what the CSV COPY loads" {
	"$PY" "$PEER" hostile 64 >"$W/ref.jsonl"
	"$PY" "$PEER" write "$W/ref.jsonl" "$HCOLS" "$W/h.parquet"
	both "$W/h.parquet" 64 "$HCOLS"
	grep -q 'rows read typed' "$W/log"
	! grep -q 'loading as text' "$W/log"
	same 64 "id, n, s, f::text, b, ts::text, d::text, tm::text, dec::text, encode(bin, 'hex'), j::text, nul"
	[ "$(dest_sql "SELECT s = E'q\"uo,te\\nnew\\r\\nline' FROM bn_staging.t WHERE id = 5")" = t ]
	[ "$(dest_sql "SELECT f::text FROM bn_staging.t WHERE id = 2")" = -0 ]
}

@test "timestamps in milli-, micro- and nanoseconds and dates as timestamps load typed as they load as text" {
	pa 'pa.table({
 "id": pa.array([1, 2, 3, 4, 5], pa.int64()),
 "ms": pa.array([-62135596800000, -1, 0, 253402300799999, None], pa.timestamp("ms", tz="UTC")),
 "us": pa.array([-62135596800000000, -1, 1, 253402300799999999, 4102444800000001], pa.timestamp("us", tz="UTC")),
 "ns": pa.array([-1000, 0, 1000, 4102444800000001000, None], pa.timestamp("ns", tz="UTC")),
 "dt": pa.array([-719162, -1, 0, 2932896, None], pa.date32())})' "$W/ts.parquet"
	local c='[["id","bigint"],["ms","timestamp"],["us","timestamp"],["ns","timestamp"],["dt","timestamp"]]'
	both "$W/ts.parquet" 5 "$c"
	grep -q 'rows read typed' "$W/log"
	! grep -q 'loading as text' "$W/log"
	same 5 "id, ms::text, us::text, ns::text, dt::text"
	[ "$(dest_sql "SET TimeZone = 'UTC'; SELECT us::text FROM bn_staging.t WHERE id = 2")" = '1969-12-31 23:59:59.999999+00' ]
}

@test "a nanosecond a microsecond cannot hold sends the file as text, the same values" {
	pa 'pa.table({"id": pa.array([1, 2], pa.int64()),
 "ns": pa.array([1, 1500], pa.timestamp("ns", tz="UTC"))})' "$W/ns.parquet"
	both "$W/ns.parquet" 2 '[["id","bigint"],["ns","timestamp"]]'
	grep -q 'loading as text' "$W/log"
	same 2 "id, ns::text"
}

@test "NaN, infinities and subnormal doubles load typed files as the text COPY does" {
	pa 'pa.table({"id": pa.array([1, 2, 3, 4, 5, 6], pa.int64()),
 "f": pa.array([5e-324, -2.5e-310, float("nan"), float("inf"), 0.1, -0.0])})' "$W/f.parquet"
	both "$W/f.parquet" 6 '[["id","bigint"],["f","double"]]'
	same 6 "id, f::text"
	[ "$(dest_sql "SELECT f::text FROM bn_staging.t WHERE id = 1")" = 5e-324 ]
}

@test "doubles, integers and booleans typed: extremes and short decimals load as their CSV text does" {
	pa 'pa.table({"id": pa.array(range(1, 9), pa.int64()),
 "i": pa.array([0, -1, 2**63 - 1, -2**63, None, 42, 2**53 + 1, -7], pa.int64()),
 "i32": pa.array([0, -1, 2**31 - 1, -2**31, None, 42, 7, -7], pa.int32()),
 "f": pa.array([1.7976931348623157e308, -2.2250738585072014e-308, 0.1, 1/3, None, 1e15, 123456789.123456789, 2.0**-8], pa.float64()),
 "b": pa.array([True, False, None, True, False, None, True, False])})' "$W/n.parquet"
	local c='[["id","bigint"],["i","bigint"],["i32","bigint"],["f","double"],["b","bool"]]'
	both "$W/n.parquet" 8 "$c"
	grep -q 'rows read typed' "$W/log"
	! grep -q 'loading as text' "$W/log"
	same 8 "id, i, i32, f::text, b"
	[ "$(dest_sql "SELECT i FROM bn_staging.t WHERE id = 4")" = -9223372036854775808 ]
}

@test "a staging column of another type than the file's (widened to decimal) takes the CSV path, every digit kept" {
	pa 'pa.table({"id": pa.array([1, 2], pa.int64()), "x": pa.array([1.5, 2.25])})' "$W/wide.parquet"
	pa 'pa.table({"id": pa.array([3, 4], pa.int64()), "x": pa.array([7, -9007199254740993], pa.int64())})' "$W/narrow.parquet"
	{ fline L1 t append "$W/wide.parquet" 2 '[["id","bigint"],["x","double"]]' '.format="parquet"'
	  fline L1 t append "$W/narrow.parquet" 2 '[["id","bigint"],["x","bigint"]]' '.format="parquet"'
	  eline L1 2 4; } >"$W/m"
	run stage-copy -v -D "$DEST" "$W/m"
	echo "$output" | grep -v '^{' || :
	[ "$status" -eq 0 ]
	[ "$(grep -c 'rows read typed' <<<"$output")" = 1 ]
	[ "$(dest_sql "SELECT x::text FROM ds_staging.t ORDER BY id")" = '1.5
2.25
7
-9007199254740993' ]
}

@test "a timestamp past the year 9999 in a typed file is refused with its row and column, nothing loaded" {
	pa 'pa.table({"id": pa.array([1, 2], pa.int64()),
 "ts": pa.array([0, 253402300800000000], pa.timestamp("us", tz="UTC"))})' "$W/y.parquet"
	{ fline L1 t append "$W/y.parquet" 2 '[["id","bigint"],["ts","timestamp"]]' '.format="parquet"'
	  eline L1 1 2; } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"y.parquet: row 2, column \"ts\": date 2932897 days from 1970 is outside the years 1 to 9999"* ]]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging.t" 2>/dev/null || echo 0)" = 0 ]
}

@test "a row group larger than one read loads column by column, the same rows, in less memory than the file" {
	"$PY" -c 'import sys, random, pyarrow as pa, pyarrow.parquet as pq
random.seed(7)
n = 1200000
t = pa.table({"id": pa.array(range(1, n + 1), pa.int64()),
 "x": pa.array([random.getrandbits(62) for _ in range(n)], pa.int64()),
 "f": pa.array([random.random() for _ in range(n)]),
 "s": pa.array([None if i % 7 == 0 else "v%d" % random.getrandbits(40) for i in range(n)])})
pq.write_table(t, sys.argv[1], row_group_size=n)
m = pq.ParquetFile(sys.argv[1]).metadata
import os
assert m.num_row_groups == 1 and os.path.getsize(sys.argv[1]) > 17 << 20
print(sum(t.column("x").to_pylist()) % 1000003, t.column("s").null_count)' "$W/big.parquet" >"$W/want"
	local c='[["id","bigint"],["x","bigint"],["f","double"],["s","text"]]'
	{ fline L1 t append "$W/big.parquet" 1200000 "$c" '.format="parquet"'
	  eline L1 1 1200000; } >"$W/m"
	run /usr/bin/time -f 'peak %M KB' stage-copy -q -D "$DEST" "$W/m"
	echo "$output" | grep -v '^{'
	[ "$status" -eq 0 ]
	local kb=$(sed -n 's/^peak \([0-9]*\) KB$/\1/p' <<<"$output")
	echo "peak $kb KB, file $(wc -c <"$W/big.parquet") bytes"
	# (a sanitizer's shadow memory and quarantine say nothing of ours)
	grep -q __asan_init "$(command -v stage-copy)" ||
		[ "$kb" -lt $(($(wc -c <"$W/big.parquet") / 1024)) ]
	[ "$(dest_sql "SELECT sum(x) % 1000003, count(*) - count(s) FROM ds_staging.t")" = "$(tr ' ' '|' <"$W/want")" ]
	[ "$(dest_sql "SELECT count(*), sum(id), count(DISTINCT _stage_row & 4294967295) FROM ds_staging.t WHERE id = _stage_row & 4294967295")" = '1200000|720000600000|1200000' ]
}
