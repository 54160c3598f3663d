#!/bin/sh
# bench/10-write.sh: NDJSON -> loader files.  stage-write to csv,
# csv+gzip, csv+zstd and jsonl, beside jq (to CSV) and DuckDB
# (COPY (FROM read_json(...)) TO ... (FORMAT csv)) on the same input.
set -eu
. "$BENCH_TOP/bench/lib.sh"
sw="$BENCH_TOP/bin/stage-write"
out="$BENCH_TMP/write"
mkdir -p "$out"
in=$BENCH_DATA

bench stage-write "csv" "$sw -q -t bench -d $out --load-id B $in"
bench stage-write "csv, gzip" "$sw -q -t bench -z gzip -d $out --load-id B $in"
bench stage-write "csv, zstd" "$sw -q -t bench -z zstd -d $out --load-id B $in"
bench stage-write "jsonl" "$sw -q -t bench -f jsonl -d $out --load-id B $in"
rm -rf "$out"

if command -v jq >/dev/null; then
	# jq needs the columns spelled out; nested values flattened by hand.
	prog='[.id,.userName,.active,.score,.at,.address.city,.address.geo.lat,(.tags|tojson),.note]|@csv'
	bench jq "csv" "jq -r '$prog' $in >$BENCH_TMP/jq.csv"
	rm -f "$BENCH_TMP/jq.csv"
fi

py="$BENCH_TOP/.venv/bin/python"
if [ -x "$py" ] && "$py" -c 'import duckdb' 2>/dev/null; then
	for th in 1 default; do
		set_th=
		[ "$th" = default ] || set_th="SET threads=$th;"
		bench duckdb "csv, threads=$th" "$py -c \"import duckdb; duckdb.sql(\\\"$set_th COPY (FROM read_json('$in')) TO '$BENCH_TMP/duck.csv' (FORMAT csv)\\\")\""
	done
	rm -f "$BENCH_TMP/duck.csv"
else
	printf '%-16s %-34s %10s %12s\n' duckdb "(no .venv with duckdb)" - -
fi
