# bench/lib.sh: helpers for the bench/NN-*.sh scripts (sourced).
#   bench TOOL CASE CMD...: runs CMD (through sh -c) BENCH_RUNS times and
#   prints one table row with the best wall-clock time as MB/s of the
#   input and rows/s.  A command that fails prints "failed" instead.
#   best_of RUNS TOOL CASE CMD...: the timing loop under bench, for a
#   script that prints its own row (sets best, in ns).

now_ns() {
	date +%s%N
}

# best_of RUNS TOOL CASE CMD...: runs CMD (through sh -c) RUNS times, $run
# (exported) the run number from 0, and sets best to the fastest
# wall-clock time in ns.  A failing CMD prints TOOL and CASE's "failed"
# row and its first lines of stderr, and returns 1.
best_of() {
	nruns=$1 tool=$2 case=$3
	shift 3
	best= run=0
	while [ "$run" -lt "$nruns" ]; do
		export run
		t0=$(now_ns)
		if ! sh -c "$*" >/dev/null 2>"$BENCH_TMP/err"; then
			printf '%-16s %-34s %10s %12s\n' "$tool" "$case" failed -
			sed 's/^/  /' "$BENCH_TMP/err" | head -3 >&2
			return 1
		fi
		t1=$(now_ns)
		dt=$((t1 - t0))
		if [ -z "$best" ] || [ "$dt" -lt "$best" ]; then best=$dt; fi
		run=$((run + 1))
	done
}

bench() {
	best_of "$BENCH_RUNS" "$@" || return 0
	awk -v ns="$best" -v b="$BENCH_BYTES" -v r="$BENCH_ROWS" \
	    -v tool="$tool" -v c="$case" 'BEGIN {
		s = ns / 1e9
		printf "%-16s %-34s %10.1f %12.0f\n", tool, c, b / s / 1e6, r / s
	}'
}

# bench_cpu TOOL CASE CMD...: like bench, but times the CPU the command
# used (user + system, from /usr/bin/time), which a machine shared with
# other jobs does not distort as it does wall-clock time.  The case is
# printed with "(cpu)" appended.
bench_cpu() {
	tool=$1 case="$2 (cpu)"
	shift 2
	[ -x /usr/bin/time ] || return 0
	best=
	i=0
	while [ "$i" -lt "$BENCH_RUNS" ]; do
		if ! /usr/bin/time -f '%U %S' -o "$BENCH_TMP/cpu" sh -c "$*" \
		    >/dev/null 2>"$BENCH_TMP/err"; then
			printf '%-16s %-34s %10s %12s\n' "$tool" "$case" failed -
			return 0
		fi
		s=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$BENCH_TMP/cpu")
		if [ -z "$best" ] || [ "$s" -lt "$best" ]; then best=$s; fi
		i=$((i + 1))
	done
	[ "$best" -gt 0 ] || best=1
	awk -v ms="$best" -v b="$BENCH_BYTES" -v r="$BENCH_ROWS" \
	    -v tool="$tool" -v c="$case" 'BEGIN {
		s = ms / 1e3
		printf "%-16s %-34s %10.1f %12.0f\n", tool, c, b / s / 1e6, r / s
	}'
}
