#!/bin/sh
# bench/21-put-azure.sh: uploading loader files to Azure Blob Storage's
# emulator, Azurite (tests/helpers/azure.bash starts it), for 1 x 1 GiB
# and 200 x 5 MiB: stage-put (az://, SharedKey, Content-MD5 per block)
# beside Azure's own Python SDK (bench/az-sdk-put.py, 8 at once, 16 MiB
# blocks, Content-MD5 too) on the same server and data.  The two
# alternate run by run, each upload followed by emptying the container.
# Rows: tool, case, MB/s (of file bytes) of the best run, "-"; and a
# "(cpu)" row per tool: MB per second of the client's own CPU (median).
# On stderr: the ratio of the median runs and the CPU seconds per GiB.
# Best of PUT_BENCH_RUNS (default 3) runs.  Standalone:
# `bench/21-put-azure.sh` with bin/ built and `make deps` done.
set -eu
top=${BENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
runs=${PUT_BENCH_RUNS:-3}
own_tmp=
if [ -z "${BENCH_TMP:-}" ]; then
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/stage-bench.XXXXXX")
	own_tmp=$BENCH_TMP
fi
sp="$top/bin/stage-put"
py="$top/.venv/bin/python"
d="$BENCH_TMP/az"
mkdir -p "$d"

STAGE_TOP=$top BATS_FILE_TMPDIR=$d AZ_CONTAINER=bench bash -c '
	skip() { echo "bench/21-put-azure.sh: $*" >&2; exit 1; }
	. "$STAGE_TOP/tests/helpers/azure.bash"
	az_start >/dev/null
	for v in AZ_ENDPOINT AZ_DIR AZ_CONTAINER AZURE_STORAGE_CONNECTION_STRING; do
		printf "%s='\''%s'\''\n" "$v" "${!v}"
	done >"$BATS_FILE_TMPDIR/az.env"
' || { echo "bench/21-put-azure.sh: no Azurite, skipped" >&2; exit 0; }
set -a
. "$d/az.env"
set +a
cleanup() {
	kill "$(cat "$AZ_DIR/pid")" 2>/dev/null || true
	sleep 0.5
	rm -rf "$d" $own_tmp
}
trap cleanup EXIT INT TERM

. "$top/bench/lib.sh"
put_files "$d" $((1 << 30)) 200

put_empty() {
	"$py" - <<-'PY' >/dev/null 2>&1 || true
	import os
	from azure.storage.blob import BlobServiceClient
	c = BlobServiceClient.from_connection_string(
	    os.environ["AZURE_STORAGE_CONNECTION_STRING"]).get_container_client("bench")
	for b in c.list_blobs():
	    c.delete_blob(b.name)
	PY
}
PAIR_NAME=21-put-azure PAIR_PEER=azure-sdk PAIR_RUNS=$runs
sdk="$py $top/bench/az-sdk-put.py bench"
pair "az 1x1GiB" $big "$sp -q -b az://bench/sp\$run $d/one.ndjson" \
	"$sdk sdk\$run $d/one.bin 8"
pair "az 200x5MiB" $small "$sp -q -b az://bench/sp\$run $d/many.ndjson" \
	"$sdk sdk\$run $d/many 8"
