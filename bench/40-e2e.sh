#!/bin/bash
# bench/40-e2e.sh: the load users compare, end to end.  The bench's NDJSON
# rows as a merge load (primary key id) into one throwaway PostgreSQL
# (fsync on), first into an empty dataset, then the same rows again onto
# it, by:
#   stage    the four programs in one pipeline (local staging directory)
#   sling    sling run, incremental by key (the PyPI wheel with its binary)
#   dlt      dlt's postgres destination, merge, csv loader files
#   psql     the hand-written second run: psql \copy of stage-write's CSV
#            into a temporary table, then INSERT ... ON CONFLICT DO UPDATE
# Rows: tool, run, wall seconds, peak memory (the largest process of the
# tool; for stage the largest of its four programs), rows/s, and the
# machine's load average (1 min) as the run started: other jobs on the
# same cores slow every tool, the servers' share most.  It also writes
# build/bench/e2e.svg, the chart the README shows, which says the range
# of those load averages.
#
#   ROWS=1000000 E2E_TOOLS="stage sling dlt psql" bench/40-e2e.sh
#
# sling and dlt go into their own venv (build/bench/venv, pinned below),
# not the test venv: they are bench peers, not test tools.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${STAGE_BIN:-$top/bin}
ROWS=${ROWS:-1000000}
TOOLS=${E2E_TOOLS:-stage sling dlt psql}
SLING_PIN=sling-linux-amd64==1.4.11
DLT_PIN="dlt[postgres]==1.31.0"

load() { . "$1"; }
. "$top/tests/helpers/pg.bash"

venv=$top/build/bench/venv
sling=$(echo "$venv"/lib/python3*/site-packages/sling_linux_amd64/bin/sling-linux-amd64)
if [ ! -x "$sling" ] || [ ! -f "$venv/.dlt-1.31.0" ]; then
	echo "40-e2e: installing $SLING_PIN and $DLT_PIN into $venv" >&2
	python3 -m venv "$venv"
	"$venv/bin/pip" install -q --disable-pip-version-check \
		"$SLING_PIN" "$DLT_PIN" >&2
	touch "$venv/.dlt-1.31.0"
	sling=$(echo "$venv"/lib/python3*/site-packages/sling_linux_amd64/bin/sling-linux-amd64)
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/stage-bench-e2e.XXXXXX")
chmod 755 "$W"
PG_FSYNC=on pg_start
trap 'pg_stop; rm -rf "$W"' EXIT
DSN="postgresql://postgres@127.0.0.1:$PGPORT/postgres"
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

data=$W/in.ndjson
if [ -n "${BENCH_DATA:-}" ] && [ -s "$BENCH_DATA" ]; then
	head -n "$ROWS" "$BENCH_DATA" >"$data"
else
	python3 "$top/bench/gen-ndjson" "$ROWS" >"$data"
fi
rows=$(wc -l <"$data")
echo "40-e2e: $rows rows, $(($(wc -c <"$data") / 1048576)) MiB of NDJSON, PostgreSQL $(sql 'SHOW server_version' | cut -d' ' -f1), fsync $(sql 'SHOW fsync')" >&2

results=$W/results
: >"$results"
# loadavg: the 1-minute load average, or - where there is no
# /proc/loadavg (uptime's format differs from system to system)
loadavg() {
	if [ -r /proc/loadavg ]; then cut -d' ' -f1 /proc/loadavg; else echo -; fi
}
# timed TOOL RUN CMD...: runs CMD through sh under /usr/bin/time (one
# file per process, $W/mem.*), prints and records the row.
timed() {
	local tool=$1 run=$2 t0 t1 s mem la
	shift 2
	rm -f "$W"/mem.*
	la=$(loadavg)
	t0=$(date +%s%N)
	if ! sh -c "$*" >"$W/out" 2>"$W/err"; then
		printf '%-8s %-6s %10s\n' "$tool" "$run" failed
		grep -v -e '^ *$' -e 'WARNING: Your run dir' -e 'keep .\.dlt' -e 'Learn more' "$W/err" |
			sed 's/^/  /' | tail -8 >&2
		return 0
	fi
	t1=$(date +%s%N)
	s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	mem=$(cat "$W"/mem.* 2>/dev/null | sort -n | tail -1)
	mem=$(awk -v k="${mem:-0}" 'BEGIN { printf "%.0f", k / 1024 }')
	printf '%-8s %-6s %10s %10s %12.0f %6s\n' "$tool" "$run" "$s" "$mem" \
		"$(awk -v r="$rows" -v s="$s" 'BEGIN { print r / s }')" "$la"
	echo "$tool $run $s $mem $la" >>"$results"
}
T() { echo "/usr/bin/time -f %M -o $W/mem.$1"; }

# stage-write rotates its files every 250k rows, as the README advises
# for a pipeline: stage-put and stage-copy start on the first file while
# it writes the next.
stage_run() {
	echo "$(T w) $bin/stage-write -t rows --dataset stage_ds --disposition merge --primary-key id --max-rows 250000 -d $W/files <$data |
	$(T p) $bin/stage-put -b $W/bucket |
	$(T c) $bin/stage-copy -D $DSN |
	$(T m) $bin/stage-merge -D $DSN >/dev/null"
}

sling_run() {
	echo "SLING_HOME_DIR=$W/sling BENCHPG='$DSN?sslmode=disable' $(T s) $sling run \
	--src-stream file://$data --src-options '{format: jsonlines, flatten: true}' \
	--tgt-conn BENCHPG --tgt-object sling_ds.rows --mode incremental --primary-key id"
}

# dlt's postgres configuration requires a password; the server trusts
# every local connection and ignores it.
dlt_run() {
	echo "$(T d) $venv/bin/python $top/bench/e2e-dlt.py $data 'postgresql://postgres:trust@127.0.0.1:$PGPORT/postgres' dlt_ds $W/dlt"
}

# The hand-written merge needs a final table as stage left it and the
# same rows as CSV: stage-write's, flattened the same way.
psql_prepare() {
	"$bin/stage-write" -t rows --disposition merge --primary-key id \
		-d "$W/hand" <"$data" >"$W/hand.ndjson"
	[ "$(jq -s 'map(select(.file)) | length' "$W/hand.ndjson")" -eq 1 ]
	csv=$(jq -r 'select(.file) | .file' "$W/hand.ndjson")
	cols=$(head -1 "$csv")
	sets=$(tr ',' '\n' <<<"$cols" | grep -vx id |
		sed 's/.*/&=excluded.&/' | paste -sd,)
	sql "CREATE SCHEMA hand; CREATE TABLE hand.rows (LIKE stage_ds.rows INCLUDING ALL);
	     INSERT INTO hand.rows SELECT * FROM stage_ds.rows;
	     ALTER TABLE hand.rows ADD PRIMARY KEY (id); ANALYZE hand.rows"
	cat >"$W/hand.sql" <<-SQL
	BEGIN;
	CREATE TEMP TABLE s ON COMMIT DROP AS SELECT $cols FROM hand.rows WITH NO DATA;
	\\copy s ($cols) from '$csv' csv header
	INSERT INTO hand.rows ($cols, _dlt_load_id, _dlt_id)
	  SELECT $cols, 'hand', md5(id::text) FROM s
	  ON CONFLICT (id) DO UPDATE SET $sets, _dlt_load_id = excluded._dlt_load_id;
	COMMIT;
	SQL
}

printf '%-8s %-6s %10s %10s %12s %6s\n' tool run seconds 'peak MiB' rows/s load
for t in $TOOLS; do
	case $t in
	stage)
		timed stage empty "$(stage_run)"
		timed stage again "$(stage_run)"
		[ "$(sql 'SELECT count(*) FROM stage_ds.rows')" -eq "$rows" ] ;;
	sling)
		timed sling empty "$(sling_run)"
		timed sling again "$(sling_run)" ;;
	dlt)
		timed dlt empty "$(dlt_run)"
		timed dlt again "$(dlt_run)" ;;
	psql)
		case " $TOOLS " in *" stage "*) ;; *) continue ;; esac
		psql_prepare
		timed psql again "$(T h) psql -X -q -v ON_ERROR_STOP=1 -f $W/hand.sql" ;;
	esac
done

mkdir -p "$top/build/bench"
"$top/bench/e2e-svg" "$rows" "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')" \
	<"$results" >"$top/build/bench/e2e.svg"
echo "40-e2e: chart in build/bench/e2e.svg" >&2
