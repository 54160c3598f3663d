#!/bin/sh
# demo.sh: a complete staged load on the embedded default, nothing
# configured: records from examples/data/ go through stage-write,
# stage-put (a local directory), stage-copy and stage-merge (a local SQLite
# database), then the sqlite3 CLI shows what landed.  A second load
# updates and deletes users through a merge.
#
# Run it as `make demo`, or directly from any directory once bin/ is
# built.  Everything it makes is under one directory (default build/demo
# in the source tree; STAGE_DEMO_DIR to choose), emptied at each run.
# STAGE_BIN picks the programs (default: the tree's bin/).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${STAGE_BIN:-$top/bin}
data=$top/examples/data
demo=${STAGE_DEMO_DIR:-$top/build/demo}

for p in stage-write stage-put stage-copy stage-merge; do
	[ -x "$bin/$p" ] || { echo "demo.sh: $bin/$p missing: run make first" >&2; exit 2; }
done
command -v sqlite3 >/dev/null ||
	{ echo "demo.sh: the sqlite3 CLI is missing (make demo-deps)" >&2; exit 2; }
PATH=$bin:$PATH

# Nothing configured: no dlt config, no destination or bucket in the
# environment, whatever the caller's shell has.
unset STAGE_DESTINATION STAGE_BUCKET_URL STAGE_SQLITE_PATH STAGE_DATASET \
	STAGE_WRITE_DIR DATASET_NAME DESTINATION__FILESYSTEM__BUCKET_URL \
	DESTINATION__SQLITE__CREDENTIALS 2>/dev/null || true
rm -rf "$demo"
mkdir -p "$demo/home" "$demo/manifests"
cd "$demo"
HOME=$demo/home DLT_PROJECT_DIR=$demo
export HOME DLT_PROJECT_DIR

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
[ -t 1 ] || say() { printf '\n==> %s\n' "$*"; }
show() { printf '  $ %s\n' "$*"; }

# load NAME FILE STAGE-WRITE-OPTIONS...: one load through all four
# programs, each step's manifest kept in manifests/NAME.STEP.ndjson (the
# pipeline is split with tee so that a failed step can be re-run alone).
load() {
	name=$1 file=$2
	shift 2
	show "stage-write $* < $(basename "$file") | stage-put | stage-copy | stage-merge${merge_opts:+ $merge_opts}"
	stage-write -q "$@" <"$file" | tee "manifests/$name.write.ndjson" |
	stage-put -q | tee "manifests/$name.put.ndjson" |
	stage-copy -q | tee "manifests/$name.copy.ndjson" |
	stage-merge -q $merge_opts >"manifests/$name.merge.ndjson"
	# the merge step's end line: the load's files and rows
	mq "manifests/$name.merge.ndjson" "SELECT '    done: load ' ||
	    json_extract(line, '$.load_id') || ', ' || json_extract(line, '$.files') || ' file(s), ' ||
	    json_extract(line, '$.rows') || ' row(s) merged into shop.' || '$name'
	    FROM m WHERE json_extract(line, '$.end')" | sed 's/-[12]$//'
}

# mq FILE SQL [SQLITE3-OPTIONS]: SQL over a manifest, one row per line in
# table m(line), with SQLite's JSON functions (no jq needed).
mq() {
	sqlite3 ${3:-} :memory: "CREATE TABLE m AS SELECT value AS line FROM json_each('[' ||
	    replace(trim(CAST(readfile('$1') AS TEXT), char(10)), char(10), ',') ||
	    ']'); $2"
}

q() {	# q DBFILE SQL: a query, as a table
	sqlite3 -header -column "$1" "$2" | sed 's/^/    /; s/ *$//'
}

say "stage demo in $demo"
cat <<EOF
    Records (NDJSON) go through four filters joined by manifests on pipes:
      stage-write  records -> loader files (CSV) + a manifest line per file
      stage-put    copies each file to the staging storage (./stage-bucket)
      stage-copy   loads each staged file into <dataset>_staging.<table>
      stage-merge  merges the staged rows into <dataset>.<table>, one
                   transaction per load, and records the load in _dlt_loads
    Nothing is configured, so the staging storage is a local directory and
    the destination the embedded SQLite database ./stage.db.
EOF

say "Load 1: users (merge on id) and orders (append), dataset 'shop'"
merge_opts=
load users-1 "$data/users.ndjson" -t users --dataset shop \
	--disposition merge --primary-key id
load orders-1 "$data/orders.ndjson" -t orders --dataset shop
echo "    a manifest line, as stage-copy passed it on (manifests/users-1.copy.ndjson):"
mq manifests/users-1.copy.ndjson "SELECT key, value FROM m, json_each(m.line)
	WHERE json_extract(line, '$.file') IS NOT NULL AND key IN ('load_id', 'dataset',
	'table', 'disposition', 'primary_key', 'rows', 'sha256', 'url', 'copied')" -column |
	sed 's/^/      /; s/ *$//'

say "Load 2: Bob moves, Cy is deleted (\"deleted\": true), Eve is new; one more order"
merge_opts="--hard-delete deleted"
load users-2 "$data/users-update.ndjson" -t users --dataset shop \
	--disposition merge --primary-key id
merge_opts=
load orders-2 "$data/orders-2.ndjson" -t orders --dataset shop

say "Re-running a step on its saved manifest changes nothing (exactly once)"
show "stage-copy < manifests/users-2.put.ndjson | stage-merge --hard-delete deleted"
before=$(sqlite3 stage__shop.db "SELECT group_concat(id || ':' || name || ':' || _dlt_load_id) FROM users")
stage-copy -q <manifests/users-2.put.ndjson | stage-merge -q --hard-delete deleted >/dev/null
after=$(sqlite3 stage__shop.db "SELECT group_concat(id || ':' || name || ':' || _dlt_load_id) FROM users")
[ "$before" = "$after" ] || { echo "demo.sh: the re-run changed shop.users" >&2; exit 1; }
echo "    done: the load was already copied and merged; shop.users is unchanged"

say "What landed: the files"
show "ls stage.db stage__shop.db stage__shop_staging.db stage-bucket/shop/*"
ls -1 stage.db stage__shop.db stage__shop_staging.db | sed 's/^/    /; s/ *$//'
(cd stage-bucket && find shop -type f | sort | sed 's/^/    stage-bucket\//')
echo "    stage.db is the catalog; each dataset is its own file, ATTACHed under its name:"
q stage.db "SELECT name AS dataset, file FROM _stage_schemas ORDER BY name"

say "Tables and row counts in stage__shop.db"
show "sqlite3 stage__shop.db 'SELECT count(*) FROM users' ..."
q stage__shop.db "SELECT 'users' AS \"table\", count(*) AS rows FROM users
	UNION ALL SELECT 'orders', count(*) FROM orders
	UNION ALL SELECT '_dlt_loads', count(*) FROM _dlt_loads"

say "shop.users: nested address flattened to address__city, tags kept as JSON"
show "sqlite3 -header -column stage__shop.db 'SELECT id, name, email, address__city, tags, _dlt_load_id FROM users ORDER BY id'"
q stage__shop.db "SELECT id, name, email, address__city AS city, tags, _dlt_load_id
	FROM users ORDER BY id"

say "shop.orders: the items array kept as JSON, readable with SQLite's JSON functions"
show "sqlite3 stage__shop.db 'SELECT order_id, user_id, total, json_array_length(items) ... FROM orders'"
q stage__shop.db "SELECT order_id, user_id, total, json_array_length(items) AS n_items,
	json_extract(items, '\$[0].sku') AS first_sku, coupon
	FROM orders ORDER BY order_id"

say "shop._dlt_loads: one row per load, status 0 = done (dlt's own table)"
show "sqlite3 -header -column stage__shop.db 'SELECT load_id, schema_name, status, inserted_at FROM _dlt_loads'"
q stage__shop.db "SELECT load_id, schema_name, status, inserted_at FROM _dlt_loads
	ORDER BY inserted_at"

say "The staging tables are empty again: each merge removed its load's rows"
q stage__shop_staging.db "SELECT 'users' AS staging_table, count(*) AS rows FROM users
	UNION ALL SELECT 'orders', count(*) FROM orders"

cat <<EOF

Done.  Everything is under $demo:
    stage-files/   the loader files stage-write wrote
    stage-bucket/  the staged copies (the archive stage-put made)
    manifests/     each step's manifest, to re-run a step or read
    stage.db, stage__shop.db, stage__shop_staging.db   the SQLite destination
Try:  sqlite3 $demo/stage__shop.db 'SELECT * FROM users'
Next: examples/pipeline.sh, examples/make/Makefile, examples/recovery.sh,
      and man 7 stage (man -l man/stage.7).
EOF
