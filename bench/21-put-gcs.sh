#!/bin/sh
# bench/21-put-gcs.sh: uploading loader files to gs://.  stage-put against
# gcp-storage-emulator (tests/helpers/gcs.bash starts it; reached through
# STORAGE_EMULATOR_HOST, as Google's libraries reach it) for 1 x 1 GiB and
# 200 x 5 MiB, beside Google's own Python client (google-cloud-storage:
# upload_from_filename, and transfer_manager.upload_many_from_filenames
# with 8 threads for the directory) on the same server and data.  Rows:
# tool, case, MB/s of file bytes (best of GCS_BENCH_RUNS, default 3, the
# two tools alternating), and a "(cpu)" row per tool: MB per second of the
# client's own CPU (median), from which the CPU seconds per GiB on stderr.
# The emulator is Python and keeps objects in memory (deleted ones too:
# the bucket's soft-delete policy): it is the ceiling here, and it is
# started afresh after every upload.  GCS_BENCH_BIG_MB and GCS_BENCH_FILES
# shrink the cases for a quick look; GCS_BENCH_ONLY=big or small runs one.
# GCS_BENCH_COMPOSITE=S adds the big case again with stage-put
# --composite-threshold S (parallel composite upload; on this emulator its
# compose, concatenating in Python, is the ceiling).
# Standalone: `bench/21-put-gcs.sh` with bin/ built.
set -eu
top=${BENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
runs=${GCS_BENCH_RUNS:-3}
bigmb=${GCS_BENCH_BIG_MB:-1024}
nfiles=${GCS_BENCH_FILES:-200}
py="$top/.venv/bin/python3"
own_tmp=
if [ -z "${BENCH_TMP:-}" ]; then
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/stage-bench.XXXXXX")
	own_tmp=$BENCH_TMP
fi
sp="$top/bin/stage-put"
d="$BENCH_TMP/put-gcs"
mkdir -p "$d/many"
"$py" -c 'import google.cloud.storage' 2>/dev/null || {
	echo "bench/21-put-gcs.sh: no google-cloud-storage (make deps), skipped" >&2
	exit 0
}

STAGE_TOP=$top BATS_FILE_TMPDIR=$d bash -c '
	skip() { echo "bench/21-put-gcs.sh: $*" >&2; exit 1; }
	. "$STAGE_TOP/tests/helpers/gcs.bash"
	gcs_start >/dev/null
	env | grep -E "^GCS_" >"$BATS_FILE_TMPDIR/gcs.env"
' || { echo "bench/21-put-gcs.sh: no GCS emulator, skipped" >&2; exit 0; }
set -a
. "$d/gcs.env"
set +a
cleanup() {
	for f in proxy emulator; do
		kill "$(cat "$GCS_DIR/$f.pid")" 2>/dev/null || true
	done
	sleep 0.3
	rm -rf "$d" $own_tmp
}
trap cleanup EXIT INT TERM
STORAGE_EMULATOR_HOST=$GCS_EMU
export STORAGE_EMULATOR_HOST
unset GOOGLE_APPLICATION_CREDENTIALS

manifest() {
	i=0
	for f in "$@"; do
		i=$((i + 1))
		printf '{"v":1,"load_id":"1","dataset":"b","table":"t","file":"%s","sha256":"%s","bytes":%s,"rows":1,"format":"csv","compression":"none","file_id":%s}\n' \
			"$f" "$(sha256sum "$f" | cut -c1-64)" "$(stat -c %s "$f")" "$i"
	done
	printf '{"v":1,"end":true,"load_id":"1","files":%s,"rows":%s}\n' "$i" "$i"
}

head -c $((bigmb << 20)) /dev/urandom >"$d/one.bin"
i=0
while [ "$i" -lt "$nfiles" ]; do
	i=$((i + 1))
	head -c $((5 << 20)) /dev/urandom >"$d/many/f$i.bin"
done
manifest "$d/one.bin" >"$d/one.ndjson"
manifest "$d/many"/*.bin >"$d/many.ndjson"
big=$((bigmb << 20)) small=$((nfiles * (5 << 20)))
cat "$d/one.bin" "$d/many"/*.bin >/dev/null

cat >"$d/peer.py" <<'EOF'
import os, sys
from google.cloud import storage
from google.cloud.storage import transfer_manager
c = storage.Client(project="bench")
b = c.bucket(os.environ["GCS_BUCKET"])
prefix, src = sys.argv[1], sys.argv[2]
if os.path.isdir(src):
    names = sorted(os.listdir(src))
    res = transfer_manager.upload_many_from_filenames(
        b, names, source_directory=src, blob_name_prefix=prefix + "/",
        max_workers=8, worker_type=transfer_manager.THREAD,
        raise_exception=True)
else:
    b.blob(prefix + "/" + os.path.basename(src)).upload_from_filename(src)
EOF

# empty: a fresh emulator on the same port with an empty bucket (it
# keeps every object, deleted ones too, in memory).
empty() {
	kill "$(cat "$GCS_DIR/emulator.pid")" 2>/dev/null || true
	i=0
	while kill -0 "$(cat "$GCS_DIR/emulator.pid")" 2>/dev/null &&
	    [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	"$(dirname "$py")/gcp-storage-emulator" start --host 127.0.0.1 \
		--port "${GCS_EMU##*:}" --in-memory >>"$GCS_DIR/emulator.log" 2>&1 &
	echo $! >"$GCS_DIR/emulator.pid"
	i=0
	until curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
	    -d "{\"name\":\"$GCS_BUCKET\"}" \
	    "$GCS_EMU/storage/v1/b?project=bench" || [ "$i" -gt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

timed() {
	t0=$(date +%s%N)
	/usr/bin/time -f '%U %S' -o "$d/cpu" sh -c "$1" >/dev/null \
	    2>"$d/err" || { sed 's/^/  /' "$d/err" | tail -3 >&2; return 1; }
	wall=$(($(date +%s%N) - t0))
	cpu=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$d/cpu")
}

median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int(NR / 2) + 1] }'
}

tool() {
	[ "$1" = 1 ] && echo stage-put || echo google-cloud-py
}

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
			empty
		done
		i=$((i + 1))
	done
	for which in 1 2; do
		awk -v ns="$(sort -n "$d/t$which" | head -1)" \
		    -v ms="$(median "$d/c$which")" -v b="$bytes" -v c="$case" \
		    -v t="$(tool $which)" 'BEGIN {
			printf "%-16s %-34s %10.1f %12s\n", t, c, b / (ns / 1e9) / 1e6, "-"
			printf "%-16s %-34s %10.1f %12s\n", t, c " (cpu)", b / (ms / 1e3) / 1e6, "-" }'
	done
	awk -v m1="$(median "$d/t1")" -v m2="$(median "$d/t2")" \
	    -v c1="$(median "$d/c1")" -v c2="$(median "$d/c2")" \
	    -v b="$bytes" -v c="$case" -v n="$runs" 'BEGIN {
		g = b / 1073741824
		printf "21-put-gcs: %s: stage-put %.2fx google-cloud-storage " \
		    "(median of %d alternating runs); CPU per GiB %.2f s " \
		    "against %.2f s\n", c, m2 / m1, n, c1 / 1e3 / g, c2 / 1e3 / g
	}' >&2
}

[ "${GCS_BENCH_ONLY:-big}" = small ] ||
	pair "gs 1x${bigmb}MiB" $big "$sp -q -b gs://$GCS_BUCKET/sp\$run $d/one.ndjson" \
		"$py $d/peer.py py\$run $d/one.bin"
[ -z "${GCS_BENCH_COMPOSITE:-}" ] || [ "${GCS_BENCH_ONLY:-big}" = small ] ||
	pair "gs 1x${bigmb}MiB composite" $big "$sp -q --composite-threshold $GCS_BENCH_COMPOSITE -b gs://$GCS_BUCKET/spc\$run $d/one.ndjson" \
		"$py $d/peer.py pyc\$run $d/one.bin"
[ "${GCS_BENCH_ONLY:-small}" = big ] ||
	pair "gs ${nfiles}x5MiB" $small "$sp -q -b gs://$GCS_BUCKET/sp\$run $d/many.ndjson" \
		"$py $d/peer.py py\$run $d/many"
