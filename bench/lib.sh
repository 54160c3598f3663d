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

# ---- upload benches (20-put.sh, 21-put-azure.sh, 21-put-gcs.sh) ----
# They share the data, the timing and the alternating runs against a
# peer client on the same server; each brings its server, its peer's
# commands and its way of emptying the store (put_empty).

# put_manifest FILE...: manifest lines (and the end line) for the files.
put_manifest() {
	i=0
	for f in "$@"; do
		i=$((i + 1))
		printf '{"v":1,"load_id":"1","dataset":"b","table":"t","file":"%s","sha256":"%s","bytes":%s,"rows":1,"format":"csv","compression":"none","file_id":%s}\n' \
			"$f" "$(sha256sum "$f" | cut -c1-64)" "$(stat -c %s "$f")" "$i"
	done
	printf '{"v":1,"end":true,"load_id":"1","files":%s,"rows":%s}\n' "$i" "$i"
}

# put_files DIR BYTES NFILES: DIR/one.bin (BYTES of random bytes) and
# NFILES files of 5 MiB in DIR/many, their manifests DIR/one.ndjson and
# DIR/many.ndjson, the page cache warmed; sets big and small (bytes).
put_files() {
	mkdir -p "$1/many"
	head -c "$2" /dev/urandom >"$1/one.bin"
	i=0
	while [ "$i" -lt "$3" ]; do
		i=$((i + 1))
		head -c $((5 << 20)) /dev/urandom >"$1/many/f$i.bin"
	done
	put_manifest "$1/one.bin" >"$1/one.ndjson"
	put_manifest "$1/many"/*.bin >"$1/many.ndjson"
	big=$2 small=$(($3 * (5 << 20)))
	cat "$1/one.bin" "$1/many"/*.bin >/dev/null
}

# timed CMD: runs CMD (through sh -c, $run set), sets wall (ns) and cpu
# (ms, user + system of CMD and its children); 1 if it failed, after
# its last lines of stderr.
timed() {
	t0=$(now_ns)
	/usr/bin/time -f '%U %S' -o "$BENCH_TMP/cpu" sh -c "$1" >/dev/null \
	    2>"$BENCH_TMP/err" ||
	    { sed 's/^/  /' "$BENCH_TMP/err" | tail -3 >&2; return 1; }
	wall=$(($(now_ns) - t0))
	cpu=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$BENCH_TMP/cpu")
}

# median FILE, fastest FILE: of the numbers in FILE, one a line (median:
# the upper middle one of an even count).
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int(NR / 2) + 1] }'
}
fastest() {
	sort -n "$1" | head -1
}

# pair CASE BYTES CMD1 CMD2: stage-put (CMD1) and the peer (CMD2, named
# $PAIR_PEER) alternately, RUNS ($PAIR_RUNS) times each, calling
# put_empty after every upload (what one left behind must not slow the
# other).  Rows for each: the best run's MB/s, and MB per second of the
# client's own CPU (median); on stderr, after $PAIR_NAME, the ratio of
# the median runs and of the best, and the CPU seconds per GiB.  The
# server shares the machine: its CPU load is the same for both tools,
# the client's is what differs.
pair() {
	case=$1 bytes=$2 i=0 p=$BENCH_TMP/pair
	: >"$p.t1"; : >"$p.t2"; : >"$p.c1"; : >"$p.c2"
	while [ "$i" -lt "$PAIR_RUNS" ]; do
		for which in 1 2; do
			if [ "$which" = 1 ]; then c=$3; else c=$4; fi
			run=$i
			export run
			if ! timed "$c"; then
				printf '%-16s %-34s %10s %12s\n' \
				    "$(pair_tool $which)" "$case" failed -
				return 0
			fi
			echo "$wall" >>"$p.t$which"
			echo "$cpu" >>"$p.c$which"
			put_empty
		done
		i=$((i + 1))
	done
	for which in 1 2; do
		awk -v ns="$(fastest "$p.t$which")" -v ms="$(median "$p.c$which")" \
		    -v b="$bytes" -v c="$case" -v t="$(pair_tool $which)" 'BEGIN {
			printf "%-16s %-34s %10.1f %12s\n", t, c, b / (ns / 1e9) / 1e6, "-"
			printf "%-16s %-34s %10.1f %12s\n", t, c " (cpu)", b / (ms / 1e3) / 1e6, "-" }'
	done
	awk -v m1="$(median "$p.t1")" -v m2="$(median "$p.t2")" \
	    -v b1="$(fastest "$p.t1")" -v b2="$(fastest "$p.t2")" \
	    -v c1="$(median "$p.c1")" -v c2="$(median "$p.c2")" \
	    -v b="$bytes" -v c="$case" -v n="$PAIR_RUNS" -v who="$PAIR_NAME" \
	    -v peer="$PAIR_PEER" 'BEGIN {
		g = b / 1073741824
		printf "%s: %s: stage-put %.2fx %s (median of %d alternating " \
		    "runs; best %.2fx); client CPU %.2f s/GiB against %.2f " \
		    "s/GiB\n", who, c, m2 / m1, peer, n, b2 / b1, c1 / 1e3 / g,
		    c2 / 1e3 / g }' >&2
}
pair_tool() {
	[ "$1" = 1 ] && echo stage-put || echo "$PAIR_PEER"
}
