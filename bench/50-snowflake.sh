#!/bin/bash
# bench/50-snowflake.sh: a 100-file, 3-table load into fakesnow (the
# Snowflake emulator the tests use, .venv-fakesnow), the statements sent
# counted and the time taken, by:
#   stage  stage-write | stage-put (local staging) | stage-copy |
#          stage-merge; statements from -v ("N statements sent"): local
#          files go through the staging table's stage (a PUT per file,
#          one COPY per table)
#   dlt    dlt's Snowflake destination on the same rows, cut into the
#          same number of csv files, pointed at the same fakesnow server;
#          statements counted at the connector's cursor (bench/sf-dlt.py)
# Rows: tool, case, wall seconds, statements, files.
#
#   SF_BENCH_ROWS=300 bench/50-snowflake.sh   # rows per file (100 files)
#
# dlt runs under .venv-fakesnow's Python (snowflake-connector-python
# <5, which fakesnow needs) with .venv's site-packages after its own on
# PYTHONPATH, so that .venv-fakesnow (shared, fakesnow's own) stays as
# it is; fakesnow itself runs as its own process.
#
# dlt with s3 staging (COPY from the bucket, as stage does with -b s3://)
# cannot run against fakesnow 0.12.1: its COPY reads s3:// through
# DuckDB's httpfs extension, which DuckDB downloads on first use (no
# network here), and it passes DuckDB neither the COPY's CREDENTIALS nor
# an endpoint, so it would read AWS, never the local JuiceFS gateway.
# That row says so.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${STAGE_BIN:-$top/bin}
per=${SF_BENCH_ROWS:-300}
export STAGE_TOP=$top
. "$top/tests/helpers/snowflake.bash"
if ! sf_start; then
	echo "50-snowflake: fakesnow is not installed in .venv-fakesnow" \
	    "(tests/helpers/install-deps): skipped" >&2
	exit 0
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/stage-bench-sf.XXXXXX")
trap 'rc=$?; set +e; sf_stop; rm -rf "$W"; exit $rc' EXIT

# 100 files: t0 34 of them, t1 and t2 33 each, $per rows a file
python3 - "$per" >"$W/in.ndjson" <<'PY'
import json, sys
per = int(sys.argv[1])
i = 0
for t, files in (("t0", 34), ("t1", 33), ("t2", 33)):
    for _ in range(files * per):
        i += 1
        print(json.dumps({"tbl": t, "id": i, "name": "name %d" % i,
                          "score": i * 0.5, "ok": i % 2 == 0}))
PY
rows=$(wc -l <"$W/in.ndjson")
echo "50-snowflake: $rows rows in 100 files of 3 tables, fakesnow on 127.0.0.1:$SF_PORT" >&2

row() { printf '%-16s %-34s %10s %12s %6s\n' "$@"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
stmts() { sed -n 's/.*: \([0-9]*\) statements sent$/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }'; }

row tool case seconds statements files
cd "$W"
"$bin/stage-write" -q --table-field tbl --dataset sfbench --max-rows "$per" \
    -d out <in.ndjson | "$bin/stage-put" -q -b bucket >put.ndjson
files=$(grep -c '"file"' put.ndjson)
t0=$(date +%s%N)
"$bin/stage-copy" -v -D "$SF_DEST" <put.ndjson >copy.ndjson 2>copy.err
t1=$(date +%s%N)
"$bin/stage-merge" -v -D "$SF_DEST" <copy.ndjson >/dev/null 2>merge.err
t2=$(date +%s%N)
row stage "stage-copy (local: PUT + COPY)" "$(secs "$t0" "$t1")" "$(stmts copy.err)" "$files"
row stage "stage-merge (append)" "$(secs "$t1" "$t2")" "$(stmts merge.err)" "$files"
row stage "copy + merge" "$(secs "$t0" "$t2")" $(( $(stmts copy.err) + $(stmts merge.err) )) "$files"

site=$(echo "$top"/.venv/lib/python3*/site-packages)
t0=$(date +%s%N)
if out=$(PYTHONPATH=$site "$SF_VENV/bin/python" "$top/bench/sf-dlt.py" \
    in.ndjson "$SF_PORT" sfbench_dlt "$W/dlt" 100 2>dlt.err); then
	t1=$(date +%s%N)
	row dlt "pipeline.run (csv, PUT + COPY)" "$(secs "$t0" "$t1")" \
	    "${out% *}" "${out#* }"
else
	row dlt "pipeline.run (csv, PUT + COPY)" failed - -
	grep -m1 -A1 'SQL compilation error\|Error:' dlt.err | sed 's/^/  /' >&2 || true
fi
row dlt "pipeline.run (csv, s3 staging)" impossible - -
echo "  dlt with s3 staging: fakesnow 0.12.1 reads s3:// through DuckDB's" \
    "httpfs extension (downloaded on first use: no network here) and gives" \
    "it no endpoint or credentials, so it cannot read the JuiceFS gateway" >&2
