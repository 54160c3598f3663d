#!/bin/sh
# bench/22-put-null.sh: stage-put's own CPU per GiB uploading to s3://,
# az:// and gs://, each against bench/null-store.py (a server that
# answers as the service would and keeps nothing), for 1 x 1 GiB and
# 200 x 5 MiB.  The emulators the other put benches use are busy on the
# same two cores (Azurite in Node.js, the GCS emulator in Python, the S3
# gateway in Go) and slow the client's memory copies as much as anything
# it does; here nothing else runs, so the three stores' costs compare.
# The three alternate, PUT_BENCH_RUNS (default 3) rounds.  Rows: tool,
# case, MB per second of the client's CPU (median), "-"; on stderr the
# CPU seconds per GiB of every run.  Standalone: `bench/22-put-null.sh`
# with bin/ built.
set -eu
top=${BENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
runs=${PUT_BENCH_RUNS:-3}
own_tmp=
if [ -z "${BENCH_TMP:-}" ]; then
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/stage-bench.XXXXXX")
	own_tmp=$BENCH_TMP
fi
sp="$top/bin/stage-put"
d="$BENCH_TMP/put-null"
mkdir -p "$d"
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$d" $own_tmp
}
trap cleanup EXIT INT TERM

free_port() {
	python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start KIND: a null store on a free port, its port in $port.
start() {
	port=$(free_port)
	python3 "$top/bench/null-store.py" "$1" "$port" 2>/dev/null &
	pids="$pids $!"
	i=0
	until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" \
	    2>/dev/null || [ "$i" -gt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

start s3; s3port=$port
start az; azport=$port
start gs; gsport=$port
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench \
	AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
	GOOGLE_APPLICATION_CREDENTIALS 2>/dev/null || true
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$azport/devstoreaccount1;"
export STORAGE_EMULATOR_HOST="http://127.0.0.1:$gsport"

. "$top/bench/lib.sh"
put_files "$d" $((1 << 30)) 200

for c in one many; do
	for t in s3 az gs; do
		: >"$d/cpu.$t.$c"
	done
done
run=0
while [ "$run" -lt "$runs" ]; do
	for c in one many; do
		for t in s3 az gs; do
			case $t in
			s3) a="--endpoint http://127.0.0.1:$s3port -b s3://bench/r$run" ;;
			az) a="-b az://bench/r$run" ;;
			gs) a="-b gs://bench/r$run" ;;
			esac
			timed "$sp -q $a $d/$c.ndjson" || {
				echo "bench/22-put-null.sh: $t $c failed" >&2
				continue
			}
			echo "$cpu" >>"$d/cpu.$t.$c"
		done
	done
	run=$((run + 1))
done

for c in one many; do
	if [ "$c" = one ]; then bytes=$big name="1x1GiB"; else bytes=$small name="200x5MiB"; fi
	for t in s3 az gs; do
		[ -s "$d/cpu.$t.$c" ] || continue
		m=$(median "$d/cpu.$t.$c")
		awk -v ms="$m" -v b="$bytes" -v t="$t" -v n="$name" 'BEGIN {
			printf "%-16s %-34s %10.1f %12s\n", "stage-put", t " null " n " (cpu)", b / (ms / 1000) / 1e6, "-"
		}'
		printf '22-put-null: %s %s: CPU s/GiB of each run:' "$t" "$name" >&2
		awk -v b="$bytes" '{ printf " %.2f", $1 / 1000 / (b / 1073741824) }' \
			"$d/cpu.$t.$c" >&2
		echo >&2
	done
done
