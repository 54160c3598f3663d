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
mkdir -p "$d"
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

. "$top/bench/lib.sh"
put_files "$d" $((bigmb << 20)) "$nfiles"

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

# put_empty: a fresh emulator on the same port with an empty bucket (it
# keeps every object, deleted ones too, in memory).
put_empty() {
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

PAIR_NAME=21-put-gcs PAIR_PEER=google-cloud-py PAIR_RUNS=$runs

[ "${GCS_BENCH_ONLY:-big}" = small ] ||
	pair "gs 1x${bigmb}MiB" $big "$sp -q -b gs://$GCS_BUCKET/sp\$run $d/one.ndjson" \
		"$py $d/peer.py py\$run $d/one.bin"
[ -z "${GCS_BENCH_COMPOSITE:-}" ] || [ "${GCS_BENCH_ONLY:-big}" = small ] ||
	pair "gs 1x${bigmb}MiB composite" $big "$sp -q --composite-threshold $GCS_BENCH_COMPOSITE -b gs://$GCS_BUCKET/spc\$run $d/one.ndjson" \
		"$py $d/peer.py pyc\$run $d/one.bin"
[ "${GCS_BENCH_ONLY:-small}" = big ] ||
	pair "gs ${nfiles}x5MiB" $small "$sp -q -b gs://$GCS_BUCKET/sp\$run $d/many.ndjson" \
		"$py $d/peer.py py\$run $d/many"
