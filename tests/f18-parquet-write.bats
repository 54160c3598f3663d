#!/usr/bin/env bats
# Issue 18, the writer side: stage-write -f parquet.  Every file is read
# back by two independent readers, pyarrow and DuckDB (parquet_check.py),
# and its footer checked through pyarrow's ParquetFile(...).metadata.

load helpers/stage-write

setup() {
	sw_setup
	CHECK="$PY $STAGE_TOP/tests/helpers/parquet_check.py"
}

teardown() { sw_teardown; }

# The hostile records: unicode, empty vs null vs missing, extreme ints and
# doubles (-0.0, subnormal, the largest), timestamps from year 1 to 9999
# (before 1970, after 2100, with zones), a 100 kB string, quotes and
# newlines, mixed values in a text column, json kept whole, decimals.
hostile() {
	"$PY" - >"$T/in.ndjson" <<'PY'
import json
def dump(r):
    print(json.dumps(r, separators=(',', ':'), ensure_ascii=False)
          .replace('"DECMAX"', '99999999999999999999999999999.999999999'))
dump({"id": 1, "s": "naïve café", "e": "", "i": -9223372036854775808, "f": 1.7976931348623157e308, "b": True, "ts": "1900-01-01T00:00:00Z", "d": "0001-01-01", "t": "00:00:00", "j": {"a": [1, 2, {"b": None}]}, "dec": 1.5, "mix": "abc", "bin": "\\xdeadbeef00"})
dump({"id": 2, "s": "日本語 😀 \u2028 e\u0301 עברית", "e": None, "i": 9223372036854775807, "f": -1.7976931348623157e308, "b": False, "ts": "1969-12-31T23:59:59.999999Z", "d": "1969-12-31", "t": "23:59:59.999999", "j": [1, "x"], "dec": 3, "mix": 12, "bin": "plain text"})
dump({"id": 3, "s": "x" * 100000, "e": "", "i": 0, "f": 5e-324, "b": None, "ts": "2100-03-01T12:00:00+05:30", "d": "2100-02-28", "t": "12:34:56", "j": "str", "dec": -12345678901234567890123456789, "mix": True, "bin": "\\x"})
dump({"id": 4, "s": None, "i": None, "f": -0.0, "ts": "9999-12-31T23:59:59Z", "d": "9999-12-31", "j": None, "dec": 0.000000001, "mix": None})
dump({"id": 5, "s": "\"quotes\",\ncomma\\back\ttab", "e": " ", "i": 1, "f": 0.1, "b": True, "ts": "2020-02-29", "d": "2020-02-29", "t": "01:02:03", "j": {}, "dec": -0.5, "mix": 1.5, "bin": ""})
dump({"id": 6, "s": "", "e": "", "i": -1, "f": 2.2250738585072014e-308, "b": False, "ts": "2038-01-19T03:14:08-08:00", "d": "2038-01-19", "t": "00:00:01", "j": [], "dec": "DECMAX", "mix": "", "bin": "\\x00ff"})
PY
}

PINS=(--column j:json --column t:time --column bin:binary)

@test "parquet: hostile values read back identically by pyarrow and DuckDB, with every codec" {
	hostile
	for z in snappy zstd gzip none; do
		rm -rf "$D"
		sw -t h -f parquet -z $z "${PINS[@]}" in.ndjson >m
		mline m | jq -e --arg z $z '.format == "parquet" and .compression == $z and (.file | endswith(".parquet"))'
		run $CHECK m in.ndjson
		echo "$z: $output"
		[ "$status" -eq 0 ]
	done
}

@test "parquet: snappy is the default codec, as dlt's and DuckDB's" {
	hostile
	sw -t h -f parquet "${PINS[@]}" in.ndjson >m
	[ "$(mline <m | jq -r .compression)" = snappy ]
	"$PY" - "$(mline <m | jq -r .file)" <<'PY'
import sys, pyarrow.parquet as pq
md = pq.ParquetFile(sys.argv[1]).metadata
assert {md.row_group(0).column(i).compression for i in range(md.num_columns)} == {'SNAPPY'}
PY
}

@test "parquet: the footer has the types, logical types, statistics and created_by a reader expects" {
	hostile
	sw -t h -f parquet -z zstd "${PINS[@]}" --primary-key id in.ndjson >m
	run "$PY" - "$(mline <m | jq -r .file)" <<'PY'
import sys, decimal, pyarrow as pa, pyarrow.parquet as pq
pf = pq.ParquetFile(sys.argv[1])
md, sch = pf.metadata, pf.schema
assert md.created_by.startswith('stage version '), md.created_by
assert md.num_rows == 6 and md.num_row_groups == 1
want = {
    'id': ('INT64', 'None'), 's': ('BYTE_ARRAY', 'String'),
    'i': ('INT64', 'None'), 'f': ('DOUBLE', 'None'), 'b': ('BOOLEAN', 'None'),
    'ts': ('INT64', 'Timestamp(isAdjustedToUTC=true, timeUnit=microseconds, is_from_converted_type=false, force_set_converted_type=false)'),
    'd': ('INT32', 'Date'),
    't': ('INT64', 'Time(isAdjustedToUTC=false, timeUnit=microseconds)'),
    'j': ('BYTE_ARRAY', 'JSON'), 'dec': ('FIXED_LEN_BYTE_ARRAY', 'Decimal(precision=38, scale=9)'),
    'bin': ('BYTE_ARRAY', 'None'),
}
for i in range(len(sch)):
    c = sch.column(i)
    if c.name in want:
        assert (c.physical_type, str(c.logical_type)) == want[c.name], (c.name, c.physical_type, str(c.logical_type))
    # never INT96
    assert c.physical_type != 'INT96'
# the primary key is REQUIRED, the rest OPTIONAL
assert sch.column(0).max_definition_level == 0
assert all(sch.column(i).max_definition_level == 1 for i in range(1, len(sch)))
rg = md.row_group(0)
st = {rg.column(i).path_in_schema: rg.column(i).statistics for i in range(md.num_columns)}
assert rg.column(0).compression == 'ZSTD'
assert (st['id'].min, st['id'].max, st['id'].null_count) == (1, 6, 0)
assert (st['i'].min, st['i'].max, st['i'].null_count) == (-2**63, 2**63 - 1, 1)
assert st['f'].min == -1.7976931348623157e308 and st['f'].max == 1.7976931348623157e308
assert (st['b'].min, st['b'].max, st['b'].null_count) == (False, True, 2)
assert st['e'].min == '' and st['e'].max == ' ' and st['e'].null_count == 2
assert st['s'].min == '' and st['s'].max.startswith('日本語') and st['s'].null_count == 1
assert st['d'].min.isoformat() == '0001-01-01' and st['d'].max.isoformat() == '9999-12-31'
assert st['dec'].min == decimal.Decimal('-12345678901234567890123456789') and \
    st['dec'].max == decimal.Decimal('99999999999999999999999999999.999999999')
print('ok')
PY
	echo "$output"
	[ "$status" -eq 0 ]
	$CHECK m in.ndjson
}

@test "parquet: statistics order strings by UTF-8 bytes, ints signed, and give -0.0 as a minimum" {
	input '{"s":"b","n":-5,"f":0.0}' '{"s":"é","n":3,"f":-0.0}' '{"s":"Z","n":-7,"f":0.0}' '{"s":"a","n":null,"f":2.5}'
	"$PY" -c 'print("{\"l\":\"a\"}\n{\"l\":\"%s\"}" % ("z" * 5000))' >>in.ndjson
	sw -t t -f parquet in.ndjson >m
	run "$PY" - "$(mline <m | jq -r .file)" <<'PY'
import math, sys, pyarrow.parquet as pq
rg = pq.ParquetFile(sys.argv[1]).metadata.row_group(0)
s, n, f = (rg.column(i).statistics for i in range(3))
assert (s.min, s.max) == ('Z', 'é'), (s.min, s.max)
assert (n.min, n.max, n.null_count) == (-7, 3, 3)
assert f.min == 0 and math.copysign(1, f.min) == -1 and f.max == 2.5
# a maximum longer than 4096 bytes is left out (with the minimum), not cut
l = rg.column(3).statistics
assert not l.has_min_max and l.null_count == 4
print('ok')
PY
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "parquet: repeated values are dictionary-encoded; PLAIN when the dictionary outgrows 1 MiB or most values are distinct" {
	"$PY" - >in.ndjson <<'PY'
import json
for i in range(30000):
    print(json.dumps({"city": ["Oslo", "Zürich", "東京"][i % 3], "n": i % 5,
                      "u": "unique-%08d-%s" % (i, "x" * 40),
                      "w": "%06d-%s" % (i // 2, "y" * 200)}))
PY
	sw -t t -f parquet in.ndjson >m
	run "$PY" - "$(mline <m | jq -r .file)" <<'PY'
import sys, pyarrow.parquet as pq
md = pq.ParquetFile(sys.argv[1]).metadata
c = {md.row_group(0).column(i).path_in_schema: md.row_group(0).column(i) for i in range(4)}
assert 'RLE_DICTIONARY' in c['city'].encodings and c['city'].has_dictionary_page, c['city']
assert 'RLE_DICTIONARY' in c['n'].encodings
assert 'RLE_DICTIONARY' not in c['u'].encodings and not c['u'].has_dictionary_page, c['u']
# half distinct, but 3 MB of distinct values: past the 1 MiB dictionary
assert 'RLE_DICTIONARY' not in c['w'].encodings and not c['w'].has_dictionary_page, c['w']
assert c['city'].total_compressed_size < 2000
print('ok')
PY
	echo "$output"
	[ "$status" -eq 0 ]
	run $CHECK m in.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "parquet: --row-group-size in rows and in bytes makes many row groups, each read back" {
	python3 "$STAGE_TOP/bench/gen-ndjson" 5000 | jq -c '{id, user_name: .userName, active, score, at}' >in.ndjson
	sw -t t -f parquet --row-group-size 700 in.ndjson >m
	run "$PY" - "$(mline <m | jq -r .file)" <<'PY'
import sys, pyarrow.parquet as pq
md = pq.ParquetFile(sys.argv[1]).metadata
assert md.num_row_groups == 8, md.num_row_groups
assert [md.row_group(i).num_rows for i in range(8)] == [700] * 7 + [100]
print('ok')
PY
	[ "$status" -eq 0 ]
	$CHECK m in.ndjson
	rm -rf "$D"
	sw -t t -f parquet --row-group-size 16k in.ndjson >m
	run "$PY" - "$(mline <m | jq -r .file)" <<'PY'
import sys, pyarrow.parquet as pq
md = pq.ParquetFile(sys.argv[1]).metadata
assert md.num_row_groups > 5, md.num_row_groups
assert sum(md.row_group(i).num_rows for i in range(md.num_row_groups)) == 5000
print(md.num_row_groups)
PY
	echo "$output"
	[ "$status" -eq 0 ]
	$CHECK m in.ndjson
	# both bounds: whichever comes first
	rm -rf "$D"
	sw -t t -f parquet --row-group-size 1000 --row-group-size 16k in.ndjson >m
	"$PY" - "$(mline <m | jq -r .file)" <<'PY'
import sys, pyarrow.parquet as pq
md = pq.ParquetFile(sys.argv[1]).metadata
rows = [md.row_group(i).num_rows for i in range(md.num_row_groups)]
assert max(rows) < 1000 and sum(rows) == 5000, rows
PY
}

@test "parquet: files rotate by --max-file-size (the buffered row group counts) and by --max-rows, each a whole file" {
	python3 "$STAGE_TOP/bench/gen-ndjson" 20000 | jq -c '{id, user_name: .userName, active, score, at, tags: (.tags|tostring)}' >in.ndjson
	sw -t t -f parquet --max-file-size 300k in.ndjson >m
	n=$(jq -s 'map(select(.file)) | length' m)
	[ "$n" -gt 2 ]
	jq -e -s 'map(select(.file) | .rows) | add == 20000' m
	run $CHECK m in.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
	rm -rf "$D"
	sw -t t -f parquet --max-rows 6000 in.ndjson >m
	[ "$(jq -s -c 'map(select(.file) | .rows)' m)" = "[6000,6000,6000,2000]" ]
	$CHECK m in.ndjson
}

@test "parquet: a column all null in a later file, one column, 1,000 columns" {
	{ for i in 1 2 3; do echo "{\"a\":$i,\"z\":\"v$i\",\"y\":true,\"x\":1.5}"; done
	  for i in 4 5 6; do echo "{\"a\":$i}"; done; } >in.ndjson
	sw -t t -f parquet --max-rows 3 in.ndjson >m
	f2=$(jq -r 'select(.file_id == 2) | .file' m)
	"$PY" -c "
import sys, pyarrow.parquet as pq
t = pq.read_table('$f2'); md = pq.ParquetFile('$f2').metadata
assert t.column('z').to_pylist() == [None] * 3
st = md.row_group(0).column(1).statistics
assert st.null_count == 3 and not st.has_min_max
# all-null bool and double columns too (an empty bool page once read
# through a null buffer)
assert t.column('y').to_pylist() == [None] * 3 and t.column('x').to_pylist() == [None] * 3"
	$CHECK m in.ndjson
	rm -rf "$D"
	seq 1 50 | sed 's/.*/{"only":&}/' >in.ndjson
	sw -t one -f parquet in.ndjson >m
	$CHECK m in.ndjson
	rm -rf "$D"
	"$PY" -c "
import json
for r in range(300):
    print(json.dumps({'c%04d' % i: (r * i if i % 3 else 'v%d' % (r % 7)) for i in range(1000)}))" >in.ndjson
	sw -t wide -f parquet in.ndjson >m
	[ "$(mline <m | jq '.columns | length')" -eq 1000 ]
	run $CHECK m in.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "parquet: no records, no file: the end line says 0 files" {
	: >in.ndjson
	sw -t t -f parquet in.ndjson >m
	[ "$(jq -s -c '.' m)" = '[{"v":1,"end":true,"load_id":"L1","files":0,"rows":0}]' ]
	[ -z "$(ls "$D" 2>/dev/null)" ]
}

@test "parquet: a type widened after the file began ends it; the next file has the wider type" {
	input '{"n":1}' '{"n":2}' '{"n":3}' '{"n":2.5}' '{"n":4}'
	STAGE_WRITE_LOOKAHEAD=2 sw -t t -f parquet in.ndjson >m
	[ "$(jq -s -c 'map(select(.file) | [.rows, .columns[0].type])' m)" = '[[3,"decimal"],[2,"decimal"]]' ]
	"$PY" - $(jq -r 'select(.file) | .file' m) <<'PY'
import sys, decimal, pyarrow.parquet as pq
a, b = (pq.read_table(f) for f in sys.argv[1:3])
assert str(a.schema.field('n').type) == 'int64' and a.column('n').to_pylist() == [1, 2, 3]
assert str(b.schema.field('n').type) == 'decimal128(38, 9)'
assert b.column('n').to_pylist() == [decimal.Decimal('2.5'), 4]
PY
}

@test "parquet: a decimal beyond (38, 9) fails naming the file and column, and leaves no file" {
	input '{"n":1}' '{"n":0.1234567891}'
	run sw -t t -f parquet in.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"t.L1.0001.parquet: column n: 0.1234567891: does not fit the Parquet decimal (38, 9)"* ]]
	[ -z "$(ls -A "$D")" ]
	input '{"n":1}' '{"n":1e400}'
	run sw -t t -f parquet in.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" == *"column n: 1e400: does not fit"* ]]
	# pinned to double, a long fraction is kept as the double it is
	input '{"n":1}' '{"n":0.1234567891}'
	rm -rf "$D"
	sw -t t -f parquet --column n:double in.ndjson >m
	$CHECK m in.ndjson
}

@test "parquet: NaN and Infinity are not JSON: the record is refused with its line" {
	input '{"f":1.5}' '{"f":NaN}'
	run sw -t t -f parquet in.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" == *"in.ndjson:2: invalid JSON"* ]]
	input '{"f":1.5}' '{"f":Infinity}' '{"f":2}'
	sw -t t -f parquet --rejects rej.ndjson in.ndjson >m
	[ "$(mline <m | jq .rows)" -eq 2 ]
	grep -q Infinity rej.ndjson
}

@test "parquet: -z snappy and --row-group-size are for parquet only; bad sizes are usage errors" {
	echo '{"a":1}' >in.ndjson
	run sw -t t -z snappy in.ndjson
	[ "$status" -eq 2 ]
	[[ "$output" == *"-z snappy: only with -f parquet"* ]]
	run sw -t t --row-group-size 100 in.ndjson
	[ "$status" -eq 2 ]
	[[ "$output" == *"--row-group-size: only with -f parquet"* ]]
	run sw -t t -f parquet --row-group-size 0 in.ndjson
	[ "$status" -eq 2 ]
	run sw -t t -f parquet --row-group-size 12x in.ndjson
	[ "$status" -eq 2 ]
	[[ "$output" == *"not a size"* ]]
	run sw -t t -f parquet --row-group-size 100B in.ndjson
	[ "$status" -eq 2 ]
}

@test "parquet: the bench's mixed rows (nested, arrays, unicode) agree with the CSV stage-write writes of them" {
	python3 "$STAGE_TOP/bench/gen-ndjson" 20000 >in.ndjson
	sw -t t -f parquet -z zstd in.ndjson >mp
	sw -t t -f csv in.ndjson >mc
	run "$PY" "$STAGE_TOP/tests/helpers/parquet_check.py" --csv mc mp
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "parquet: memory stays bounded: 200,000 rows with the default row group under 64 MiB peak" {
	python3 "$STAGE_TOP/bench/gen-ndjson" 200000 >in.ndjson
	/usr/bin/time -f '%M' -o rss stage-write -d "$D" -t t -f parquet in.ndjson >m
	echo "peak $(cat rss) KiB"
	[ "$(cat rss)" -lt 65536 ]
	[ "$(mline <m | jq .rows)" -eq 200000 ]
}

@test "parquet: the encoders' unit test of Thrift compact bytes, RLE hybrid runs, decimals, dates and statistics order" {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
	run "$STAGE_UNITS/parquet_enc_test"
	echo "$output" | grep -v '^ok' || true
	[ "$status" -eq 0 ]
}

@test "parquet: snappy on a manifest line of another format is malformed (stage-copy exits 3, naming the member)" {
	input '{"a":1}'
	sw -t t in.ndjson | jq -c 'if .file then .compression = "snappy" else . end' >m
	run stage-copy -D "sqlite://$T/stage.db" m
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"compression"*"snappy is a codec inside Parquet files only"* ]]
}

@test "parquet: every type dictionary-encoded (few distinct values over many rows) reads back by pyarrow and DuckDB" {
	"$PY" - >in.ndjson <<'PY'
import json
for i in range(5000):
    k = i % 7
    r = {"id": 100 + k, "f": k / 4, "s": "v%d" % k, "ts": "2024-01-0%dT10:00:00Z" % (k + 1),
         "d": "1950-03-0%d" % (k + 1), "t": "0%d:30:00" % k, "dec": "DEC%d" % k,
         "j": [k, "x"], "bin": "\\x0%d" % k}
    if i % 11 == 0:
        r["s"] = None
    print(json.dumps(r).replace('"DEC%d"' % k, "%d.25" % k if k % 2 else str(k)))
PY
	sw -t t -f parquet --column t:time --column bin:binary --column j:json in.ndjson >m
	run "$PY" - "$(mline <m | jq -r .file)" <<'PY'
import sys, pyarrow.parquet as pq
md = pq.ParquetFile(sys.argv[1]).metadata
for i in range(md.num_columns):
    c = md.row_group(0).column(i)
    assert 'RLE_DICTIONARY' in c.encodings and c.has_dictionary_page, (c.path_in_schema, c.encodings)
print('ok')
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(mline <m | jq -r '.columns | map(.type) | sort | join(",")')" = "bigint,binary,date,decimal,double,json,text,time,timestamp" ]
	run $CHECK m in.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "parquet: random tables (types, nulls, cardinality, long values, row group sizes) read back by pyarrow and DuckDB" {
	for seed in ${SEEDS:-1 2 3 4 5 6}; do
		"$PY" - $seed >in.ndjson <<'PY'
import json, random, sys
r = random.Random(int(sys.argv[1]))
ncols = r.randint(1, 12)
kinds = [r.choice(['int', 'float', 'str', 'bool', 'ts', 'date', 'bigstr']) for _ in range(ncols)]
card = [r.choice([1, 3, 50, 10**9]) for _ in range(ncols)]
nullp = [r.choice([0, 0.1, 0.5, 0.99]) for _ in range(ncols)]
for i in range(r.randint(1, 3000)):
    rec = {}
    for c, (k, n, p) in enumerate(zip(kinds, card, nullp)):
        if i > 0 and r.random() < p:
            continue
        v = r.randrange(n)
        if k == 'int': x = v - n // 2 if n < 10**9 else r.randint(-2**63, 2**63 - 1)
        elif k == 'float': x = (v - n // 2) / 8
        elif k == 'str': x = 'é%d' % v
        elif k == 'bool': x = v % 2 == 0
        elif k == 'ts': x = '%04d-0%d-1%dT0%d:00:00Z' % (1 + v % 9999, 1 + v % 9, v % 10, v % 10)
        elif k == 'date': x = '%04d-12-2%d' % (1 + v % 9999, v % 10)
        else: x = 'x' * (v % 5000)
        rec['c%d' % c] = x
    print(json.dumps(rec, ensure_ascii=False))
PY
		rm -rf "$D"
		rg=$(( (seed % 3) * 300 + 100 ))
		sw -t t -f parquet -z $( [ $((seed % 2)) = 0 ] && echo zstd || echo snappy ) --row-group-size $rg in.ndjson >m
		run $CHECK m in.ndjson
		echo "seed $seed: $output"
		[ "$status" -eq 0 ]
	done
}
