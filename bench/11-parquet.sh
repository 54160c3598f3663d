#!/bin/sh
# bench/11-parquet.sh: NDJSON -> Parquet (issue 18).  stage-write -f
# parquet with snappy and zstd, beside DuckDB (COPY (FROM read_json(...))
# TO ... (FORMAT parquet) with SET threads=1) and pyarrow (one CPU:
# pyarrow.json.read_json then pyarrow.parquet.write_table) on the same
# input.  After each tool's row, a row with the output's size in MB.
set -eu
. "$BENCH_TOP/bench/lib.sh"
sw="$BENCH_TOP/bin/stage-write"
out="$BENCH_TMP/parquet"
in=$BENCH_DATA
py="$BENCH_TOP/.venv/bin/python"

# size TOOL CASE FILE...: a row with the files' total size in MB.
size() {
	tool=$1 case=$2
	shift 2
	mb=$(cat "$@" | wc -c | awk '{ printf "%.1f", $1 / 1e6 }')
	printf '%-16s %-34s %10s %12s\n' "$tool" "$case: output MB" "$mb" -
}

for z in snappy zstd; do
	rm -rf "$out"
	mkdir -p "$out"
	cmd="rm -rf $out/*; $sw -q -t bench -f parquet -z $z -d $out --load-id B $in"
	bench stage-write "parquet, $z" "$cmd"
	bench_cpu stage-write "parquet, $z" "$cmd"
	size stage-write "parquet, $z" "$out"/*.parquet
done
rm -rf "$out"

if [ -x "$py" ] && "$py" -c 'import duckdb' 2>/dev/null; then
	for z in snappy zstd; do
		f=$BENCH_TMP/duck.parquet
		cmd="$py -c \"import duckdb; duckdb.sql(\\\"SET threads=1; COPY (FROM read_json('$in')) TO '$f' (FORMAT parquet, COMPRESSION $z)\\\")\""
		bench duckdb "parquet, $z, threads=1" "$cmd"
		bench_cpu duckdb "parquet, $z, threads=1" "$cmd"
		size duckdb "parquet, $z, threads=1" "$f"
		rm -f "$f"
	done
else
	printf '%-16s %-34s %10s %12s\n' duckdb "(no .venv with duckdb)" - -
fi

if [ -x "$py" ] && "$py" -c 'import pyarrow' 2>/dev/null; then
	for z in snappy zstd; do
		f=$BENCH_TMP/pa.parquet
		cmd="$py -c \"import pyarrow as pa, pyarrow.json as j, pyarrow.parquet as pq; pa.set_cpu_count(1); pa.set_io_thread_count(1); pq.write_table(j.read_json('$in', read_options=j.ReadOptions(use_threads=False)), '$f', compression='$z')\""
		bench pyarrow "parquet, $z, one CPU" "$cmd"
		bench_cpu pyarrow "parquet, $z, one CPU" "$cmd"
		size pyarrow "parquet, $z, one CPU" "$f"
		rm -f "$f"
	done
else
	printf '%-16s %-34s %10s %12s\n' pyarrow "(no .venv with pyarrow)" - -
fi
