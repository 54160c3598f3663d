#!/bin/bash
# bench/30-copy.sh: stage-copy against psql \copy, and stage-merge against
# the hand-written merge SQL, on one throwaway PostgreSQL with the same
# settings for both sides (fsync on: the server's defaults).  Standalone
# (`bench/30-copy.sh` with bin/ built) or from bench/run; rows: tool,
# case, MB/s (of the CSV), rows/s, then the ratios on stderr-free lines.
#
#   ROWS=1000000 BASE=5000000 CHANGED=1000000 JOBS=2 bench/30-copy.sh
#
# Targets (issue 4): stage-copy >= 0.95x psql \copy on one file, > 1x with
# -j on a multi-file load (stage-copy sends binary COPY where it can; the
# "text" row is the CSV path, as psql sends); the merge: 1M changed rows
# into 10M asked for, 5M by default here (10M takes minutes to build on
# this machine: BASE=10000000 to run it).  Copies: best of REPEAT (BENCH_RUNS, default 3),
# alternating the two tools; the merges run once each.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${STAGE_BIN:-$top/bin}
ROWS=${ROWS:-1000000}
BASE=${BASE:-5000000}
CHANGED=${CHANGED:-1000000}
JOBS=${JOBS:-2}
PARTS=${PARTS:-4}
REPEAT=${REPEAT:-${BENCH_RUNS:-3}}

load() { . "$1"; }
. "$top/tests/helpers/pg.bash"
. "$top/tests/helpers/manifest.bash"

W=$(mktemp -d "${TMPDIR:-/tmp}/stage-bench-copy.XXXXXX")
chmod 755 "$W"
PG_FSYNC=on pg_start
trap 'pg_stop; rm -rf "$W"' EXIT
DEST="postgresql://postgres@127.0.0.1:$PGPORT/postgres"
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
now() { date +%s.%N; }
row() {	# row TOOL CASE SECONDS ROWS
	awk -v t="$1" -v c="$2" -v s="$3" -v r="$4" -v b="${5:-$bytes}" 'BEGIN {
		printf "%-16s %-34s %10s %12.0f\n", t, c,
			b == "-" ? "-" : sprintf("%.1f", b / s / 1e6), r / s }'
}
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
mb() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.1f", b / t / 1e6 }'; }

cols='[["id","bigint"],["name","text"],["score","double"],["ts","timestamp"],["flag","bool"],["note","text"]]'
gen() {	# gen FIRST COUNT: id,name,score,ts,flag,note rows with a header
	awk -v a="$1" -v n="$2" 'BEGIN { print "id,name,score,ts,flag,note";
		for (i = a; i < a + n; i++)
			printf "%d,user %d,%.3f,2026-11-%02dT%02d:%02d:%02dZ,%s,\"note, \"\"%d\"\"\"\n",
				i, i, i / 7, i % 28 + 1, i % 24, i % 60, i % 60,
				i % 2 ? "true" : "false", i % 1000 }'
}

gen 0 "$ROWS" >"$W/all.csv"
bytes=$(wc -c <"$W/all.csv")
echo "30-copy: $ROWS rows, $(mb "$bytes" 1) MB of CSV, PostgreSQL $(sql 'SHOW server_version' | cut -d' ' -f1), fsync $(sql 'SHOW fsync'), best of $REPEAT" >&2

# psql \copy of the same file into a table of the same types, and
# stage-copy of it, alternately, REPEAT times each: the best of each counts
# (the machine is shared; the best run is the least disturbed one)

sql 'CREATE TABLE plain (id bigint, name text, score double precision, ts timestamptz, flag boolean, note text)'
tp=999999 ts=999999 tt=999999
for r in $(seq "$REPEAT"); do
	t0=$(now)
	psql -X -q -c "\\copy plain FROM '$W/all.csv' WITH (FORMAT csv, HEADER true)"
	t1=$(now)
	tp=$(awk -v a="$t0" -v b="$t1" -v m="$tp" 'BEGIN { t = b - a; print t < m ? t : m }')
	{ fline "1732459200.12345$r" one append "$W/all.csv" "$ROWS" "$cols"; eline "1732459200.12345$r" 1 "$ROWS"; } >"$W/m1"
	t0=$(now)
	"$bin/stage-copy" -q -D "$DEST" "$W/m1" >/dev/null
	t1=$(now)
	ts=$(awk -v a="$t0" -v b="$t1" -v m="$ts" 'BEGIN { t = b - a; print t < m ? t : m }')
	sed "s/\"1732459200.12345$r\"/\"1732459200.32345$r\"/" "$W/m1" >"$W/m1t"
	t0=$(now)
	STAGE_PG_COPY=text "$bin/stage-copy" -q -D "$DEST" "$W/m1t" >/dev/null
	t1=$(now)
	tt=$(awk -v a="$t0" -v b="$t1" -v m="$tt" 'BEGIN { t = b - a; print t < m ? t : m }')
done
row 'psql \copy' "csv into postgres, 1 file" "$tp" "$ROWS"
row stage-copy "csv into postgres, 1 file ($(awk -v a="$tp" -v b="$ts" 'BEGIN { printf "%.2f", a / b }')x)" "$ts" "$ROWS"
row "stage-copy text" "same, STAGE_PG_COPY=text ($(awk -v a="$tp" -v b="$tt" 'BEGIN { printf "%.2f", a / b }')x)" "$tt" "$ROWS"

# stage-copy -j, the same rows in PARTS files
per=$((ROWS / PARTS))
for p in $(seq 0 $((PARTS - 1))); do
	gen $((p * per)) "$per" >"$W/part$p.csv"
	fline 1732459200.2234500 multi append "$W/part$p.csv" "$per" "$cols"
done >"$W/m2"
eline 1732459200.2234500 "$PARTS" $((per * PARTS)) >>"$W/m2"
tj=999999
for r in $(seq "$REPEAT"); do
	sed "s/\"1732459200.2234500\"/\"1732459200.22345$r\"/" "$W/m2" >"$W/m2.$r"
	t0=$(now)
	"$bin/stage-copy" -q -j "$JOBS" -D "$DEST" "$W/m2.$r" >/dev/null
	t1=$(now)
	tj=$(awk -v a="$t0" -v b="$t1" -v m="$tj" 'BEGIN { t = b - a; print t < m ? t : m }')
done
row "stage-copy -j $JOBS" "$PARTS files ($(awk -v a="$tp" -v b="$tj" 'BEGIN { printf "%.2f", a / b }')x psql 1 file)" "$tj" $((per * PARTS))

[ -n "${COPY_ONLY:-}" ] && exit 0

# stage-merge: CHANGED rows (half updates, half new keys) into BASE rows
sql "CREATE SCHEMA m; CREATE TABLE m.t (id bigint, name text, score double precision, ts timestamptz, flag boolean, note text, _dlt_load_id varchar NOT NULL, _dlt_id varchar NOT NULL)"
sql "INSERT INTO m.t SELECT i, 'user ' || i, i / 7.0, '2026-01-01'::timestamptz + i * interval '1 s', i % 2 = 1, 'base', 'B0', md5(i::text) FROM generate_series(0, $BASE - 1) i"
sql "CREATE TABLE m.base AS SELECT * FROM m.t"
sql "CREATE TABLE m.hand AS SELECT * FROM m.t"
sql "VACUUM ANALYZE m.t"
sql "VACUUM ANALYZE m.hand"
gen $((BASE - CHANGED / 2)) "$CHANGED" >"$W/changes.csv"
dataset=m fline 1732459200.323450 t merge "$W/changes.csv" "$CHANGED" "$cols" '.primary_key=["id"]' >"$W/m3"
eline 1732459200.323450 1 "$CHANGED" >>"$W/m3"
"$bin/stage-copy" -q -D "$DEST" "$W/m3" >"$W/c3"
# the hand-written merge reads the same staged rows, copied aside first
sql "CREATE TABLE m.hand_stage AS SELECT * FROM m_staging.t"
sql "ANALYZE m.hand_stage"
# each merge starts from a checkpoint, so that none pays for the writes
# before it (fsync is on)
sql "CHECKPOINT"
t0=$(now)
"$bin/stage-merge" -q -D "$DEST" "$W/c3" >/dev/null
t1=$(now)
tm=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
sql "CHECKPOINT"
t0=$(now)
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
BEGIN;
DELETE FROM m.hand h USING m.hand_stage s WHERE h.id = s.id;
INSERT INTO m.hand SELECT id, name, score, ts, flag, note, '1732459200.323450', md5(random()::text) FROM m.hand_stage;
COMMIT;
SQL
t1=$(now)
th=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
# the same with dlt's dedup (last row per key wins), as stage-merge does
sql "TRUNCATE m.hand; INSERT INTO m.hand SELECT * FROM m.base"
sql "VACUUM ANALYZE m.hand"
sql "CHECKPOINT"
t0=$(now)
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
BEGIN;
DELETE FROM m.hand h USING m.hand_stage s WHERE h.id = s.id;
INSERT INTO m.hand SELECT id, name, score, ts, flag, note, '1732459200.323450', md5(random()::text)
	FROM (SELECT *, row_number() OVER (PARTITION BY id ORDER BY _stage_row DESC) AS rn FROM m.hand_stage) s
	WHERE rn = 1;
COMMIT;
SQL
t1=$(now)
td=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
[ "$(sql 'SELECT count(*) FROM m.t')" = "$(sql 'SELECT count(*) FROM m.hand')" ] ||
	echo "30-copy: WARNING: the two merges disagree on the row count" >&2
m=$(awk -v c="$CHANGED" -v b="$BASE" 'BEGIN { printf "%gM into %gM", c / 1e6, b / 1e6 }')
row stage-merge "merge $m, $(printf %.1f "$tm") s" "$tm" "$CHANGED" -
row 'hand SQL' "same, no dedup, $(printf %.1f "$th") s" "$th" "$CHANGED" -
row 'hand SQL' "same, with dedup, $(printf %.1f "$td") s" "$td" "$CHANGED" -
