#!/usr/bin/env bats
# Issue 18, the writer's speed work: the dictionary is built per column
# chunk when the row group is flushed (parquet_col.c, pqcol_encode), 4-
# and 8-byte values through a hash that holds the value in its slot.  The
# files must hold what they held before: every value back through pyarrow
# and DuckDB (parquet_check.py), the same encodings per column and row
# group, and the dictionary's fallbacks carried from group to group.

load helpers/stage-write

setup() {
	sw_setup
	CHECK="$PY $STAGE_TOP/tests/helpers/parquet_check.py"
}

teardown() { sw_teardown; }

@test "parquet dictionary: the unit test of entries, first-seen order, sign-only differences and both fallbacks" {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
	run "$STAGE_UNITS/parquet_dict_test"
	echo "$output" | grep -v '^ok' || true
	[ "$status" -eq 0 ]
}

@test "parquet values: the unit test of doubles from JSON text, strtod's exact bits on the fast path" {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
	run "$STAGE_UNITS/parquet_double_test"
	echo "$output" | grep -v '^ok' || true
	[ "$status" -eq 0 ]
}

@test "parquet dictionary: doubles x and -x, 0.0 and -0.0, dates and times repeated over several row groups read back exactly" {
	"$PY" - >in.ndjson <<'PY'
import json
for i in range(49000):
    x = (i % 4001 - 2000) / 8
    print(json.dumps({"f": x if i % 2 else -x, "z": -0.0 if i % 3 else 0.0,
                      "d": "2024-%02d-%02d" % (1 + i % 12, 1 + i % 28),
                      "t": "%02d:%02d:00" % (i % 24, i % 60),
                      "n": i % 977 - 488}))
PY
	for z in snappy zstd; do
		sw -t t -f parquet -z $z --row-group-size 7000 --column d:date \
		    --column t:time in.ndjson >m
		run $CHECK m in.ndjson
		echo "$z: $output"
		[ "$status" -eq 0 ]
		run "$PY" - "$(mline <m | jq -r .file)" <<'PY'
import sys, pyarrow.parquet as pq
md = pq.ParquetFile(sys.argv[1]).metadata
assert md.num_row_groups == 7, md.num_row_groups
for g in range(md.num_row_groups):
    for i in range(md.num_columns):
        c = md.row_group(g).column(i)
        assert 'RLE_DICTIONARY' in c.encodings and c.has_dictionary_page, (g, c)
print('ok')
PY
		echo "$output"
		[ "$status" -eq 0 ]
	done
}

@test "parquet dictionary: a column mostly distinct in its first group stays PLAIN in every later group, the others keep their dictionaries" {
	python3 "$STAGE_TOP/bench/gen-ndjson" 130000 >in.ndjson
	sw -t t -f parquet in.ndjson >mp
	sw -t t -f csv in.ndjson >mc
	run $CHECK --csv mc mp
	echo "$output"
	[ "$status" -eq 0 ]
	run "$PY" - "$(mline <mp | jq -r .file)" <<'PY'
import sys, pyarrow.parquet as pq
md = pq.ParquetFile(sys.argv[1]).metadata
assert md.num_row_groups == 2, md.num_row_groups
for g in range(2):
    c = {md.row_group(g).column(i).path_in_schema: md.row_group(g).column(i)
         for i in range(md.num_columns)}
    for n in ('id', 'user_name', 'active'):
        assert 'RLE_DICTIONARY' not in c[n].encodings, (g, n, c[n].encodings)
    # the second group's 7,120 rows: a dictionary of doubles would not
    # make it smaller, so only the first group must have one
    for n in ('score', 'at', 'address__city', 'address__geo__lat', 'tags', 'note'):
        assert g == 1 or 'RLE_DICTIONARY' in c[n].encodings, (g, n, c[n].encodings)
    for n in ('at', 'address__city', 'tags', 'note'):
        assert 'RLE_DICTIONARY' in c[n].encodings, (g, n, c[n].encodings)
print('ok')
PY
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "parquet dictionary: text values with escapes, numbers in a text column and empty strings keep their bytes (no-copy path)" {
	"$PY" - >in.ndjson <<'PY'
import json
vals = ["plain", "tab\there", "quote\"d", "", "naïve", "\u00e9", 12, 1.5, True, "x" * 300]
for i in range(3000):
    print(json.dumps({"s": vals[i % len(vals)], "b": "\\xdead" if i % 2 else "raw"},
                     ensure_ascii=i % 2 == 0))
PY
	sw -t t -f parquet --column s:text --column b:binary in.ndjson >m
	run $CHECK m in.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "parquet dictionary: 250 repeated integer columns (row groups cut at 32 MiB of PLAIN values) stay under 64 MiB peak" {
	"$PY" - >in.ndjson <<'PY'
import json, sys
w = sys.stdout.write
for i in range(40000):
    w(json.dumps({"c%d" % k: (i + k) % 7 for k in range(250)}) + "\n")
PY
	/usr/bin/time -f '%M' -o rss stage-write -d "$D" -t t -f parquet in.ndjson >m
	echo "peak $(cat rss) KiB"
	# an AddressSanitizer build's shadow and quarantine are no measure
	if ! grep -q __asan_init "$(command -v stage-write)"; then
		[ "$(cat rss)" -lt 65536 ]
	fi
	"$PY" - "$(mline <m | jq -r .file)" <<'PY'
import sys, pyarrow.parquet as pq
pf = pq.ParquetFile(sys.argv[1])
assert pf.metadata.num_row_groups >= 2, pf.metadata.num_row_groups
t = pf.read()
assert t.num_rows == 40000
assert t.column('c3').to_pylist()[:9] == [3, 4, 5, 6, 0, 1, 2, 3, 4]
assert 'RLE_DICTIONARY' in pf.metadata.row_group(1).column(0).encodings
PY
}
