#!/bin/sh
# pipeline.sh [DIR]: the staged load as one plain shell pipeline per load,
# into the embedded defaults made explicit: a local directory for the
# staging storage and a SQLite database for the destination, both under
# DIR (default build/examples/pipeline in the source tree; emptied first).
#
#   records | stage-write | stage-put | stage-copy | stage-merge
#
# No pipefail needed: a step that fails writes no end line, and every step
# after it then exits 3 ("incomplete input") without doing the load's
# final work, so the pipeline's status (the last step's) is non-zero.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
PATH=${STAGE_BIN:-$top/bin}:$PATH
data=$top/examples/data
dir=${1:-$top/build/examples/pipeline}
rm -rf "$dir"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
dest=sqlite://$dir/stage.db

# load TABLE FILE [stage-write options] -- [stage-merge options]
load() {
	table=$1 file=$2
	shift 2
	wopts= mopts= in_merge=
	for a; do
		if [ "$a" = -- ]; then in_merge=1
		elif [ -n "$in_merge" ]; then mopts="$mopts $a"
		else wopts="$wopts $a"
		fi
	done
	# shellcheck disable=SC2086 # the option lists are split on purpose
	stage-write -q -t "$table" --dataset shop -d "$dir/files" $wopts <"$file" |
	stage-put -q -b "$dir/bucket" |
	stage-copy -q -D "$dest" |
	stage-merge -q -D "$dest" $mopts >"$dir/merged.ndjson"
	# the end line: {"v":1,"end":true,"load_id":...,"files":N,"rows":N}
	tail -1 "$dir/merged.ndjson"
}

load users "$data/users.ndjson" --disposition merge --primary-key id
load orders "$data/orders.ndjson"
load users "$data/users-update.ndjson" --disposition merge --primary-key id \
	-- --hard-delete deleted
load orders "$data/orders-2.ndjson"

echo "shop.users:"
sqlite3 "$dir/stage__shop.db" "SELECT id, name, address__city FROM users ORDER BY id"
echo "shop.orders:"
sqlite3 "$dir/stage__shop.db" "SELECT order_id, user_id, total FROM orders ORDER BY order_id"
echo "shop._dlt_loads:"
sqlite3 "$dir/stage__shop.db" "SELECT load_id, status FROM _dlt_loads ORDER BY inserted_at"
