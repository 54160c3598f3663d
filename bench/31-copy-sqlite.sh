#!/bin/bash
# 31-copy-sqlite: stage-copy into the embedded SQLite destination against
# the sqlite3 shell's `.import --csv` of the same file, both with the same
# settings (journal_mode=DELETE, synchronous=FULL, one transaction), and
# stage-merge of those rows (append) against the hand-written INSERT ...
# SELECT.  The rows and columns are 30-copy.sh's.
#
#   bench/31-copy-sqlite.sh             (from the top directory, after make)
#   ROWS=1000000 bench/31-copy-sqlite.sh
#
# stage-copy does more than .import: it checks every value against its
# column's type (bigint, double, timestamp, bool parsed strictly), and
# writes three bookkeeping columns per row.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${STAGE_BIN:-$top/bin}
ROWS=${ROWS:-1000000}

. "$top/tests/helpers/manifest.bash"

W=$(mktemp -d /tmp/stage-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
mb() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.1f", b / t / 1e6 }'; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'; }

cols='[["id","bigint"],["name","text"],["score","double"],["ts","timestamp"],["flag","bool"],["note","text"]]'
awk -v n="$ROWS" 'BEGIN { print "id,name,score,ts,flag,note";
	for (i = 0; i < n; i++)
		printf "%d,user %d,%.3f,2026-11-%02dT%02d:%02d:%02dZ,%s,\"note, \"\"%d\"\"\"\n",
			i, i, i / 7, i % 28 + 1, i % 24, i % 60, i % 60,
			i % 2 ? "true" : "false", i % 1000 }' >"$W/all.csv"
bytes=$(wc -c <"$W/all.csv")
echo "31-copy-sqlite: $ROWS rows, $(mb "$bytes" 1) MB of CSV, SQLite $(sqlite3 --version | cut -d' ' -f1)"

# sqlite3 .import into a table of the same declared types
mkdir "$W/plain"
t0=$(now)
sqlite3 "$W/plain/plain.db" >/dev/null <<SQL
PRAGMA journal_mode = DELETE;
PRAGMA synchronous = FULL;
CREATE TABLE plain (id INTEGER, name TEXT, score REAL, ts TIMESTAMP, flag BOOLEAN, note TEXT);
BEGIN;
.import --csv --skip 1 $W/all.csv plain
COMMIT;
SQL
tp=$(since "$t0")
[ "$(sqlite3 "$W/plain/plain.db" 'SELECT count(*) FROM plain')" = "$ROWS" ]
echo "31-copy-sqlite: sqlite3 .import --csv:  $(printf %.2f "$tp") s, $(rate "$ROWS" "$tp") rows/s, $(mb "$bytes" "$tp") MB/s"

# stage-copy, one file
mkdir "$W/s"
DEST="sqlite://$W/s/stage.db"
{ fline B1 one append "$W/all.csv" "$ROWS" "$cols"; eline B1 1 "$ROWS"; } >"$W/m1"
t0=$(now)
"$bin/stage-copy" -q -D "$DEST" "$W/m1" >"$W/c1"
ts=$(since "$t0")
echo "31-copy-sqlite: stage-copy, 1 file:     $(printf %.2f "$ts") s, $(rate "$ROWS" "$ts") rows/s, $(mb "$bytes" "$ts") MB/s, $(awk -v a="$tp" -v b="$ts" 'BEGIN { printf "%.2f", a / b }')x .import"

# stage-merge (append) against the same INSERT ... SELECT by hand, on a
# copy of the staged rows
cp "$W/s/stage__ds_staging.db" "$W/plain/stage_copy.db"
t0=$(now)
"$bin/stage-merge" -q -D "$DEST" "$W/c1" >/dev/null
tm=$(since "$t0")
t0=$(now)
sqlite3 "$W/plain/plain.db" >/dev/null <<SQL
PRAGMA journal_mode = DELETE;
PRAGMA synchronous = FULL;
ATTACH '$W/plain/stage_copy.db' AS st;
CREATE TABLE hand (id INTEGER, name TEXT, score REAL, ts TIMESTAMP, flag BOOLEAN, note TEXT, _dlt_load_id TEXT NOT NULL, _dlt_id TEXT NOT NULL);
BEGIN;
INSERT INTO hand SELECT id, name, score, ts, flag, note, 'B1', 'B1.' || _stage_row
	FROM st.one WHERE _stage_row >> 32 IN (SELECT file_no FROM st._stage_files WHERE load_id = 'B1');
DELETE FROM st.one WHERE _stage_row >> 32 IN (SELECT file_no FROM st._stage_files WHERE load_id = 'B1');
COMMIT;
SQL
th=$(since "$t0")
echo "31-copy-sqlite: stage-merge (append, $ROWS rows): $(printf %.2f "$tm") s; hand-written INSERT SELECT + DELETE: $(printf %.2f "$th") s, $(awk -v a="$th" -v b="$tm" 'BEGIN { printf "%.2f", a / b }')x stage-merge's speed"
