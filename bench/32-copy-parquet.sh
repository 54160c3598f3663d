#!/bin/bash
# 32-copy-parquet: stage-copy of the same rows into PostgreSQL from a
# Parquet file (pyarrow's, snappy, its default row group) and from CSV
# (the same rows as DuckDB writes them), alternating, best of REPEAT:
# wall time, the client's CPU and its peak memory.  Needs pyarrow and
# DuckDB (the test venv, .venv) and a PostgreSQL (tests/helpers/pg.bash
# starts a throwaway one, fsync off).
#
#   bench/32-copy-parquet.sh            (from the top directory, after make)
#   ROWS=1000000 REPEAT=3 bench/32-copy-parquet.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${STAGE_BIN:-$top/bin}
ROWS=${ROWS:-1000000}
REPEAT=${REPEAT:-3}
PY=${PY:-$top/.venv/bin/python}
export STAGE_TOP=$top

. "$top/tests/helpers/manifest.bash"
. "$top/tests/helpers/pg.bash"

W=$(mktemp -d /tmp/stage-bench.XXXXXX)
trap 'pg_stop; rm -rf "$W"' EXIT
"$PY" - "$W" "$ROWS" <<'PY'
import sys, random, duckdb, pyarrow as pa, pyarrow.parquet as pq
w, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
t = pa.table({
    "id": pa.array(range(1, n + 1), pa.int64()),
    "name": pa.array(["user_%d_%s" % (i, "xyz"[i % 3] * (i % 17))
                      for i in range(n)]),
    "city": pa.array([["Berlin", "Paris", "Zürich", "東京", "New York"][i % 5]
                      for i in range(n)]),
    "amount": pa.array([random.random() * 1000 for _ in range(n)]),
    "qty": pa.array([random.randrange(1000) for _ in range(n)], pa.int64()),
    "ts": pa.array([1600000000000000 + random.randrange(10**14)
                    for _ in range(n)], pa.int64()).cast(
                        pa.timestamp("us", tz="UTC")),
    "flag": pa.array([random.random() < 0.5 for _ in range(n)]),
    "note": pa.array([None if i % 4 == 0 else "note %d" % i
                      for i in range(n)]),
})
pq.write_table(t, w + "/rows.parquet")
con = duckdb.connect()
con.execute("SET threads=1")
con.execute("SET TimeZone='UTC'")
con.execute("COPY (FROM '%s/rows.parquet') TO '%s/rows.csv' (HEADER, "
            "TIMESTAMPFORMAT '%%Y-%%m-%%dT%%H:%%M:%%S.%%fZ')" % (w, w))
PY
pg_start
DEST="postgresql://postgres@127.0.0.1:$PGPORT/postgres"
cols='[["id","bigint"],["name","text"],["city","text"],["amount","double"],["qty","bigint"],["ts","timestamp"],["flag","bool"],["note","text"]]'
echo "32-copy-parquet: $ROWS rows; Parquet $(wc -c <"$W/rows.parquet") bytes, CSV $(wc -c <"$W/rows.csv") bytes"
for i in $(seq "$REPEAT"); do
	for f in parquet csv; do
		{ fline "L$i$f" "t$f" append "$W/rows.$f" "$ROWS" "$cols" \
			".format=\"$f\""; eline "L$i$f" 1 "$ROWS"; } >"$W/m"
		/usr/bin/time -f "$f run $i: %e s wall, %U s user, %S s sys, %M KB peak" \
			"$bin/stage-copy" -q -D "$DEST" "$W/m" >/dev/null
		psql -X -q -At -c "SET client_min_messages = warning; DROP SCHEMA ds_staging CASCADE"
	done
done
