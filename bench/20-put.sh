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
mkdir -p "$d"

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
	put_empty	# keeps the server's disk use bounded
}

put_files "$d" $((1 << 30)) 200

ep=$S3_ENDPOINT b=$S3_BUCKET
put_empty() {
	aws --endpoint-url "$S3_ENDPOINT" s3 rm --recursive --quiet \
		"s3://$S3_BUCKET/" >/dev/null 2>&1 || true
}
PAIR_NAME=20-put PAIR_PEER=aws-cli PAIR_RUNS=$runs
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
