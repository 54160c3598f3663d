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
mkdir -p "$d/many"

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

manifest() {
	i=0
	for f in "$@"; do
		i=$((i + 1))
		printf '{"v":1,"load_id":"1","dataset":"b","table":"t","file":"%s","sha256":"%s","bytes":%s,"format":"csv","compression":"none","rows":1,"file_id":%s}\n' \
			"$f" "$(sha256sum "$f" | cut -c1-64)" "$(stat -c %s "$f")" "$i"
	done
	printf '{"end":true,"load_id":"1","files":%s,"rows":%s}\n' "$i" "$i"
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
cat "$d/one.bin" "$d/many"/*.bin >/dev/null

# timed CMD: wall (ns) and cpu (ms of CMD and its children); 1 if failed.
timed() {
	t0=$(date +%s%N)
	/usr/bin/time -f '%U %S' -o "$d/cpu" sh -c "$1" >/dev/null \
	    2>"$d/err" || { sed 's/^/  /' "$d/err" | head -3 >&2; return 1; }
	wall=$(($(date +%s%N) - t0))
	cpu=$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$d/cpu")
}
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int(NR / 2) + 1] }'
}
empty() {
	"$py" - <<-'PY' >/dev/null 2>&1 || true
	import os
	from azure.storage.blob import BlobServiceClient
	c = BlobServiceClient.from_connection_string(
	    os.environ["AZURE_STORAGE_CONNECTION_STRING"]).get_container_client("bench")
	for b in c.list_blobs():
	    c.delete_blob(b.name)
	PY
}
tool() {
	[ "$1" = 1 ] && echo stage-put || echo azure-sdk
}

# pair CASE BYTES CMD1 CMD2: as bench/20-put.sh's, against the SDK.
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
		printf "21-put-azure: %s: stage-put %.2fx the Azure SDK (median " \
		    "of %d alternating runs); client CPU %.2f s/GiB against " \
		    "%.2f s/GiB\n", c, m2 / m1, n, c1 / 1e3 / g, c2 / 1e3 / g }' >&2
}
sdk="$py $top/bench/az-sdk-put.py bench"
pair "az 1x1GiB" $big "$sp -q -b az://bench/sp\$run $d/one.ndjson" \
	"$sdk sdk\$run $d/one.bin 8"
pair "az 200x5MiB" $small "$sp -q -b az://bench/sp\$run $d/many.ndjson" \
	"$sdk sdk\$run $d/many 8"
