#!/usr/bin/env bats
# stage-copy sends rows to PostgreSQL in binary COPY format when every
# column's type allows (libcommon/dest/pgbin.h), else as CSV.  The two paths
# must load exactly the same values: each test loads the same file both
# ways (STAGE_PG_COPY=text forces CSV) and compares the tables.

bats_require_minimum_version 1.5.0
STAGE_TEST_DEST=postgres
load helpers/dest-scenario.bash

cols='[["id","bigint"],["i","bigint"],["d","double"],["b","bool"],["ts","timestamp"],["dt","date"],["tm","time"],["j","json"],["bin","binary"],["s","text"]]'

# both FILE [ENV...]: FILE loaded into dataset "tx" as text and "bn" the
# default way (binary where it can); the -v log of the second in $W/log
both() {
	local f=$1 rows; shift
	rows=$(($(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))' "$f") - 1))
	{ dataset=tx fline L1 t append "$f" "$rows" "$cols"; eline L1 1 "$rows"; } >"$W/mt"
	{ dataset=bn fline L1 t append "$f" "$rows" "$cols"; eline L1 1 "$rows"; } >"$W/mb"
	env STAGE_PG_COPY=text "$@" stage-copy -q -D "$DEST" "$W/mt" >/dev/null
	env "$@" stage-copy -v -D "$DEST" "$W/mb" >/dev/null 2>"$W/log"
}

# the staging rows of dataset $1 as text, the row number instead of the
# file's tag
dump() {
	dest_sql "SELECT id, i, d::text, b, ts::text, dt::text, tm::text, j::text, encode(bin, 'hex'), s, _stage_row & 4294967295 FROM ${1}_staging.t ORDER BY id"
}

same() {
	dump tx >"$W/tx"
	dump bn >"$W/bn"
	[ "$(dest_sql 'SELECT count(*) FROM tx_staging.t')" -eq "$1" ]
	diff "$W/tx" "$W/bn" || { cat "$W/log" | tail -5; false; }
}

@test "binary and text COPY load the same edge values" {
	cat >"$W/edge.csv" <<'CSV'
id,i,d,b,ts,dt,tm,j,bin,s
1,0,0,true,2026-11-25T10:00:00Z,2000-01-01,00:00:00,"{""a"":1}",\x,""
2,-1,-0,false,2026-11-25 10:00:00+05:30,1999-12-31,23:59:59.999999,"[1,2,""x""]",\x00ff,plain
3,9223372036854775807,0.1,t,2026-11-25t10:00:00.5-0800,0001-01-01,12:34:56.7,"""str""",\xDEADbeef,"é漢字😀"
4,-9223372036854775808,1.7976931348623157e308,f,2000-01-01T00:00:00Z,9999-12-31,01:02:03.000001,3.5,\x0a0d,"with ""quote"""
5,007,2.2250738585072014e-308,1,1999-12-31T23:59:59.999999Z,2024-02-29,,null,,"comma,a"
6,,123456789.123456789,0,0001-01-01T00:00:00Z,1900-03-01,,"{""k"":""v \""q\""""}",,"new
line"
7,42,-5e-3,,9999-12-31T23:59:59Z,1582-10-10,,,,
8,,1E10,,2024-02-29T12:00:00+01,,,,,
9,,,,2026-11-25T10:00:00,,,,,
10,,,,2026-11-25,,,,,
11,,,,1970-01-01T00:00:00.000001z,,,,,
12,,,,2026-03-29T02:30:00-1559,,,,,
CSV
	both "$W/edge.csv"
	grep -q 'FORMAT binary' "$W/log"
	! grep -q 'loading as text' "$W/log"
	same 12
}

@test "binary and text COPY load the same 3000 random rows" {
	python3 "$STAGE_TOP/tests/helpers/pgbin_rows.py" 3000 "$RANDOM" >"$W/r.csv"
	both "$W/r.csv"
	grep -q 'FORMAT binary' "$W/log"
	! grep -q 'loading as text' "$W/log"
	same 3000
}

@test "a value in a form the server reads but pgbin does not: the file loads as text, the same values" {
	cat >"$W/odd.csv" <<'CSV'
id,i,d,b,ts,dt,tm,j,bin,s
1, 42,NaN,yes,infinity,infinity,24:00:00,{},\x00,a
2,+5,-Infinity,off,2026-11-25 10:00:00.1234567Z,2026-1-5,1:02:03,[],\x01,b
3,1,.5,TRUE,epoch,2026-11-25,00:00:00,1,\000,c
CSV
	both "$W/odd.csv"
	grep -q 'loading as text' "$W/log"
	same 3
}

@test "after a file of a table had to go as text, that table's next files go as text directly" {
	printf 'id,n\n1,yes\n' >"$W/a.csv"
	printf 'id,n\n2,true\n' >"$W/b.csv"
	printf 'id,n\n3,true\n' >"$W/c.csv"
	bc='[["id","bigint"],["n","bool"]]'
	{ dataset=bn fline L1 t append "$W/a.csv" 1 "$bc"; dataset=bn fline L1 t append "$W/b.csv" 1 "$bc"
	  dataset=bn fline L1 u append "$W/c.csv" 1 "$bc"; eline L1 3 3; } >"$W/mb"
	run -0 stage-copy -j 1 -v -D "$DEST" "$W/mb"
	[ "$(grep -c 'COPY "bn_staging"."t" .*FORMAT binary' <<<"$output")" -eq 1 ]
	[ "$(grep -c 'a.csv: loading as text' <<<"$output")" -eq 1 ]
	[[ "$output" == *'COPY "bn_staging"."u" '*'FORMAT binary'* ]]
	[ "$(dest_sql "SELECT string_agg(id || ':' || n, ' ' ORDER BY id) FROM (SELECT id, n FROM bn_staging.t UNION ALL SELECT id, n FROM bn_staging.u) x")" = '1:true 2:true 3:true' ]
}

@test "in a session whose time zone is not UTC, zone-less timestamps go as text, the same values" {
	cat >"$W/tz.csv" <<'CSV'
id,i,d,b,ts,dt,tm,j,bin,s
1,,,,2026-11-25T10:00:00,,,,,
2,,,,2026-07-01 10:00:00,,,,,
3,,,,2026-07-01 10:00:00Z,,,,,
CSV
	both "$W/tz.csv" PGTZ=America/New_York
	grep -q 'loading as text' "$W/log"
	same 3
	[ "$(dest_sql "SELECT ts::text FROM bn_staging.t WHERE id = 2")" = '2026-07-01 14:00:00+00' ]
}

@test "a value the server refuses in binary is reported as the text COPY reports it" {
	printf 'id,i,d,b,ts,dt,tm,j,bin,s\n1,,,,,,,"{""a"":",,\n' >"$W/bad.csv"
	{ dataset=bn fline L1 t append "$W/bad.csv" 1 "$cols"; eline L1 1 1; } >"$W/mb"
	run -1 stage-copy -v -D "$DEST" "$W/mb"
	grep -q 'FORMAT binary' <<<"$output"
	[[ "$output" == *'line 2, column j'* ]]
	[[ "$output" == *'invalid input syntax for type json'* ]]
	[ "$(dest_sql 'SELECT count(*) FROM bn_staging.t')" = 0 ]
	[ "$(dest_sql 'SELECT count(*) FROM bn_staging._stage_files')" = 0 ]
}

@test "numeric values load the same in binary and text; other numeric forms go as text" {
	ncols='[["id","bigint"],["n","decimal"]]'
	python3 - >"$W/n.csv" <<'PY'
import random
r = random.Random()
print("id,n")
fixed = ["0", "-0", "-0.00", "1.50", "007.5", "10000", "9999.9999", "0.0001",
         "-12345678901234567890.123456789", "1" + "0" * 300, "0." + "0" * 200 + "1", ""]
rows = fixed + [("-" if r.random() < 0.5 else "") + str(r.randrange(10 ** r.randrange(1, 40)))
                + ("." + str(r.randrange(10 ** 30)).zfill(r.randrange(1, 40)) if r.random() < 0.7 else "")
                for _ in range(2000)]
for i, v in enumerate(rows, 1):
    print("%d,%s" % (i, v))
PY
	rows=$(($(wc -l <"$W/n.csv") - 1))
	{ dataset=tx fline L1 t append "$W/n.csv" "$rows" "$ncols"; eline L1 1 "$rows"; } >"$W/mt"
	{ dataset=bn fline L1 t append "$W/n.csv" "$rows" "$ncols"; eline L1 1 "$rows"; } >"$W/mb"
	STAGE_PG_COPY=text stage-copy -q -D "$DEST" "$W/mt" >/dev/null
	run -0 stage-copy -v -D "$DEST" "$W/mb"
	[[ "$output" == *'FORMAT binary'* && "$output" != *'loading as text'* ]]
	q="SELECT id, coalesce(n::text, '-') FROM %s_staging.t ORDER BY id"
	[ "$(dest_sql "$(printf "$q" tx)")" = "$(dest_sql "$(printf "$q" bn)")" ]
	[ "$(dest_sql "SELECT n::text FROM bn_staging.t WHERE id = 3")" = '0.00' ]
	printf 'id,n\n1,1e3\n2,NaN\n3, 5\n' >"$W/odd.csv"
	{ dataset=bn fline L2 t append "$W/odd.csv" 3 "$ncols"; eline L2 1 3; } >"$W/mo"
	run -0 stage-copy -v -D "$DEST" "$W/mo"
	[[ "$output" == *'loading as text'* ]]
	[ "$(dest_sql "SELECT string_agg(n::text, ' ' ORDER BY _stage_row) FROM bn_staging.t s JOIN bn_staging._stage_files f ON f.file_no = s._stage_row >> 32 WHERE f.load_id = 'L2'")" = '1000 NaN 5' ]
}

@test "STAGE_PG_COPY takes text or binary, nothing else" {
	printf 'id\n1\n' >"$W/x.csv"
	{ dataset=bn fline L1 t append "$W/x.csv" 1 '[["id","bigint"]]'; eline L1 1 1; } >"$W/mb"
	STAGE_PG_COPY=csv run stage-copy -D "$DEST" "$W/mb"
	[ "$status" -ne 0 ]
	[[ "$output" == *'STAGE_PG_COPY=csv: not text or binary'* ]]
	[ "$(dest_sql "SELECT count(*) FROM pg_namespace WHERE nspname = 'bn_staging'")" = 0 ]
	STAGE_PG_COPY=binary run -0 stage-copy -v -D "$DEST" "$W/mb"
	[[ "$output" == *'FORMAT binary'* ]]
	{ dataset=bn fline L2 t append "$W/x.csv" 1 '[["id","bigint"]]'; eline L2 1 1; } >"$W/mb2"
	STAGE_PG_COPY=text run -0 stage-copy -v -D "$DEST" "$W/mb2"
	[[ "$output" != *'FORMAT binary'* ]]
	[ "$(dest_sql 'SELECT count(*) FROM bn_staging.t')" = 2 ]
}
