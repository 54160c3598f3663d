# bench/lib.sh: helpers for the bench/NN-*.sh scripts (sourced).
#   bench TOOL CASE CMD...: runs CMD (through sh -c) BENCH_RUNS times and
#   prints one table row with the best wall-clock time as MB/s of the
#   input and rows/s.  A command that fails prints "failed" instead.

now_ns() {
	date +%s%N
}

bench() {
	tool=$1 case=$2
	shift 2
	best=
	i=0
	while [ "$i" -lt "$BENCH_RUNS" ]; do
		t0=$(now_ns)
		if ! sh -c "$*" >/dev/null 2>"$BENCH_TMP/err"; then
			printf '%-16s %-34s %10s %12s\n' "$tool" "$case" failed -
			sed 's/^/  /' "$BENCH_TMP/err" | head -3 >&2
			return 0
		fi
		t1=$(now_ns)
		dt=$((t1 - t0))
		if [ -z "$best" ] || [ "$dt" -lt "$best" ]; then best=$dt; fi
		i=$((i + 1))
	done
	awk -v ns="$best" -v b="$BENCH_BYTES" -v r="$BENCH_ROWS" \
	    -v tool="$tool" -v c="$case" 'BEGIN {
		s = ns / 1e9
		printf "%-16s %-34s %10.1f %12.0f\n", tool, c, b / s / 1e6, r / s
	}'
}
