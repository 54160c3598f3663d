# Shared set-up for tests/stage-write.bats: a fresh directory per test and
# small readers written against independent tools (jq, Python's csv
# module, DuckDB), never against stage-write's own code.

PY=${STAGE_TOP:?}/.venv/bin/python

sw_setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/sw.XXXXXX")
	D=$T/out
	cd "$T" || return 1
}

sw_teardown() {
	cd / && rm -rf "$T"
}

# sw ARGS...: stage-write writing into $D with a fixed load id.
sw() {
	stage-write -d "$D" --load-id L1 "$@"
}

# Writes stdin (or the arguments, one per line) into $T/in.ndjson.
input() {
	if [ $# -gt 0 ]; then printf '%s\n' "$@"; else cat; fi >"$T/in.ndjson"
}

# csv_rows FILE: the CSV read back by Python's csv module as JSON arrays.
csv_rows() {
	python3 -c '
import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.reader(f):
        print(json.dumps(row, ensure_ascii=False))' "$1"
}

# duck SQL: runs SQL in DuckDB and prints each row as JSON.
duck() {
	"$PY" -c '
import duckdb, json, sys
for r in duckdb.sql(sys.argv[1]).fetchall():
    print(json.dumps(r, ensure_ascii=False, default=str))' "$1"
}

need_py() {
	[ -x "$PY" ] && "$PY" -c 'import duckdb' 2>/dev/null ||
		skip "no .venv with duckdb (make deps)"
}

# The file lines of a manifest on stdin, or field F of line N.
mline() { jq -c "select(.end != true)" "$@"; }
