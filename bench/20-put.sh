#!/bin/sh
# bench/20-put.sh: uploading loader files.  stage-put against the local
# JuiceFS S3 gateway (tests/helpers/s3.bash starts it) for 1 x 1 GiB and
# 200 x 5 MiB, beside the aws CLI (`aws s3 cp`, --recursive for the
# directory) and, when installed, s3cmd and rclone on the same server and
# data; then `cp` (and `cp` + `sync FILE`, as stage-put fsyncs what it
# stores) vs stage-put into a local directory.  Rows: tool, case,
# MB/s (of file bytes), "-"; for stage-put and the aws CLI also a "(cpu)"
# row, MB per second of the client's own CPU.  Best of PUT_BENCH_RUNS
# (default 5) runs; each run uploads under a fresh prefix, so nothing is
# skipped as already stored.  stage-put and the aws CLI alternate run by
# run, each upload followed by emptying the bucket, and their ratios go
# to stderr; PUT_PEERS_ONLY_AWS=1 leaves out s3cmd and rclone.
# Standalone: `bench/20-put.sh` with bin/ built.
set -eu
top=${BENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
runs=${PUT_BENCH_RUNS:-5}	# one upload is too noisy on a shared machine
own_tmp=
if [ -z "${BENCH_TMP:-}" ]; then
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/stage-bench.XXXXXX")
	own_tmp=$BENCH_TMP
fi
sp="$top/bin/stage-put"
d="$BENCH_TMP/put"
mkdir -p "$d/many"

# The S3 peer, as in the tests (bash helper, run from this sh script).
STAGE_TOP=$top BATS_FILE_TMPDIR=$d bash -c '
	skip() { echo "bench/20-put.sh: $*" >&2; exit 1; }
	. "$STAGE_TOP/tests/helpers/s3.bash"
	s3_start >/dev/null
	env | grep -E "^(S3_|AWS_)" >"$BATS_FILE_TMPDIR/s3.env"
' || { echo "bench/20-put.sh: no S3 gateway, skipped" >&2; exit 0; }
set -a
. "$d/s3.env"
set +a
cleanup() {
	kill "$(cat "$S3_DIR/pid")" 2>/dev/null || true
	sleep 0.5
	rm -rf "$d" $own_tmp
}
trap cleanup EXIT INT TERM

. "$top/bench/lib.sh"

# row TOOL CASE BYTES CMD: best wall time of CMD over $runs runs; CMD may
# use $run (the run number) for a fresh prefix.
row() {
	tool=$1 case=$2 bytes=$3
	shift 3
	best_of "$runs" "$tool" "$case" "$@" || return 0
	awk -v ns="$best" -v b="$bytes" -v t="$tool" -v c="$case" 'BEGIN {
		printf "%-16s %-34s %10.1f %12s\n", t, c, b / (ns / 1e9) / 1e6, "-"
	}'
	# Keep the server's disk use bounded.
	aws --endpoint-url "$S3_ENDPOINT" s3 rm --recursive --quiet \
		"s3://$S3_BUCKET/" >/dev/null 2>&1 || true
}

# manifest FILE...: manifest lines (and the end line) for the files.
manifest() {
	i=0
	for f in "$@"; do
		i=$((i + 1))
		printf '{"v":1,"load_id":"1","dataset":"b","table":"t","file":"%s","sha256":"%s","bytes":%s,"format":"csv","compression":"none","file_id":%s}\n' \
			"$f" "$(sha256sum "$f" | cut -c1-64)" "$(stat -c %s "$f")" "$i"
	done
	printf '{"end":true,"load_id":"1","files":%s}\n' "$i"
}

head -c $((1 << 30)) /dev/urandom >"$d/one.bin"
i=0
while [ "$i" -lt 200 ]; do
	i=$((i + 1))
	head -c $((5 << 20)) /dev/urandom >"$d/many/f$i.bin"
done
manifest "$d/one.bin" >"$d/one.ndjson"
manifest "$d/many"/*.bin >"$d/many.ndjson"
big=$((1 << 30)) small=$((200 * (5 << 20)))
cat "$d/one.bin" "$d/many"/*.bin >/dev/null	# warm the page cache

ep=$S3_ENDPOINT b=$S3_BUCKET
# timed CMD: runs CMD (through sh -c, $run set), sets wall (ns) and cpu
# (ms, user + system of CMD and its children); 1 if it failed.
timed() {
	t0=$(now_ns)
	/usr/bin/time -f '%U %S' -o "$d/cpu" sh -c "$1" >/dev/null \
	    2>"$d/err" || { sed 's/^/  /' "$d/err" | head -3 >&2; return 1; }
	wall=$(($(now_ns) - t0))
	cpu=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$d/cpu")
}

# median FILE, fastest FILE: of the numbers in FILE, one a line (median:
# the upper middle one of an even count).
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int(NR / 2) + 1] }'
}
fastest() {
	sort -n "$1" | head -1
}

tool() {
	[ "$1" = 1 ] && echo stage-put || echo aws-cli
}

# pair CASE BYTES CMD1 CMD2: stage-put (CMD1) and the aws CLI (CMD2)
# alternately, $runs times each, emptying the bucket after every upload
# (what one left behind must not slow the other).  Rows for each: the
# best run's MB/s, and MB per second of the client's own CPU (median);
# on stderr the ratio of the median runs and of the best, and of CPU.
# The S3 server shares the machine: its CPU load is the same for both
# tools, the client's is what differs.
pair() {
	case=$1 bytes=$2 i=0
	: >"$d/t1"; : >"$d/t2"; : >"$d/c1"; : >"$d/c2"
	while [ "$i" -lt "$runs" ]; do
		for which in 1 2; do
			if [ "$which" = 1 ]; then c=$3; else c=$4; fi
			run=$i
			export run
			if ! timed "$c"; then
				printf '%-16s %-34s %10s %12s\n' "$(tool $which)" \
				    "$case" failed -
				return 0
			fi
			echo "$wall" >>"$d/t$which"
			echo "$cpu" >>"$d/c$which"
			aws --endpoint-url "$S3_ENDPOINT" s3 rm --recursive --quiet \
				"s3://$S3_BUCKET/" >/dev/null 2>&1 || true
		done
		i=$((i + 1))
	done
	for which in 1 2; do
		awk -v ns="$(fastest "$d/t$which")" -v ms="$(median "$d/c$which")" \
		    -v b="$bytes" -v c="$case" -v t="$(tool $which)" 'BEGIN {
			printf "%-16s %-34s %10.1f %12s\n", t, c, b / (ns / 1e9) / 1e6, "-"
			printf "%-16s %-34s %10.1f %12s\n", t, c " (cpu)", b / (ms / 1e3) / 1e6, "-" }'
	done
	awk -v m1="$(median "$d/t1")" -v m2="$(median "$d/t2")" \
	    -v b1="$(fastest "$d/t1")" -v b2="$(fastest "$d/t2")" \
	    -v c1="$(median "$d/c1")" -v c2="$(median "$d/c2")" \
	    -v c="$case" -v n="$runs" 'BEGIN {
		printf "20-put: %s: stage-put %.2fx the aws CLI (median of %d " \
		    "alternating runs; best %.2fx), %.2fx less client CPU " \
		    "(%.2f s against %.2f s)\n", c, m2 / m1, n, b2 / b1,
		    c2 / c1, c1 / 1e3, c2 / 1e3 }' >&2
}
pair "s3 1x1GiB" $big "$sp -q -b s3://$b/sp\$run $d/one.ndjson" \
	"aws --endpoint-url $ep s3 cp --quiet $d/one.bin s3://$b/aws\$run/one.bin"
pair "s3 200x5MiB" $small "$sp -q -b s3://$b/sp\$run $d/many.ndjson" \
	"aws --endpoint-url $ep s3 cp --quiet --recursive $d/many s3://$b/aws\$run/"
if [ -z "${PUT_PEERS_ONLY_AWS:-}" ] && command -v s3cmd >/dev/null; then
	host=${ep#http://}
	cat >"$d/s3cfg" <<-CFG
	[default]
	access_key = $AWS_ACCESS_KEY_ID
	secret_key = $AWS_SECRET_ACCESS_KEY
	host_base = $host
	host_bucket = $host
	use_https = False
	signature_v2 = False
	CFG
	s3c="s3cmd -q -c $d/s3cfg"
	row s3cmd "s3 1x1GiB" $big "$s3c put $d/one.bin s3://$b/s3cmd\$run/one.bin"
	row s3cmd "s3 200x5MiB" $small "$s3c put --recursive $d/many/ s3://$b/s3cmd\$run/"
fi
if [ -z "${PUT_PEERS_ONLY_AWS:-}" ] && command -v rclone >/dev/null; then
	export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other \
		RCLONE_CONFIG_BENCH_ENDPOINT=$ep RCLONE_CONFIG_BENCH_ENV_AUTH=true \
		RCLONE_CONFIG="$d/rclone.conf"
	: >"$d/rclone.conf"
	row rclone "s3 1x1GiB" $big "env -u AWS_CA_BUNDLE rclone copyto $d/one.bin bench:$b/rclone\$run/one.bin"
	row rclone "s3 200x5MiB" $small "env -u AWS_CA_BUNDLE rclone copy $d/many bench:$b/rclone\$run/"
fi

mkdir -p "$d/local"
row cp "dir 1x1GiB" $big "mkdir -p $d/local/cp\$run && cp $d/one.bin $d/local/cp\$run/ && rm -rf $d/local/cp\$run"
row cp+sync "dir 1x1GiB" $big "mkdir -p $d/local/cp\$run && cp $d/one.bin $d/local/cp\$run/ && sync $d/local/cp\$run/one.bin && rm -rf $d/local/cp\$run"
row stage-put "dir 1x1GiB" $big "$sp -q -b $d/local/sp\$run $d/one.ndjson && rm -rf $d/local/sp\$run"
row cp "dir 200x5MiB" $small "mkdir -p $d/local/cp\$run && cp $d/many/*.bin $d/local/cp\$run/ && rm -rf $d/local/cp\$run"
row stage-put "dir 200x5MiB" $small "$sp -q -b $d/local/sp\$run $d/many.ndjson && rm -rf $d/local/sp\$run"
