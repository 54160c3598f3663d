#!/bin/sh
# recovery.sh [DIR]: what to do when a step fails, shown on two failures,
# each fixed by re-running the failed step on the manifest the step
# before it saved.  The tables end up exactly as if nothing had failed.
# Works under DIR (default build/examples/recovery in the source tree;
# emptied first), on the embedded defaults (a local directory, SQLite).
#
#   1. a pipeline cut in the middle (a killed step, a dropped connection):
#      the next step sees no end line, does its idempotent part and
#      exits 3; stage-merge changes nothing and exits 3.
#   2. stage-merge cannot write (the dataset is locked by another
#      writer): exit 1, the transaction rolled back, nothing changed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
PATH=${STAGE_BIN:-$top/bin}:$PATH
data=$top/examples/data
dir=${1:-$top/build/examples/recovery}
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
# the embedded defaults, spelled out so that no configuration applies
export STAGE_DESTINATION="sqlite://$PWD/stage.db" STAGE_BUCKET_URL=$PWD/bucket

say() { printf '\n==> %s\n' "$*"; }
run() {	# run CMD...: show a command line, run it, show its exit status
	printf '  $ %s\n' "$*"
	set +e
	sh -c "$*" 2>stderr.txt
	rc=$?
	set -e
	sed 's/^/    /' stderr.txt
	echo "    (exit status $rc)"
}
users() {
	sqlite3 stage__shop.db "SELECT id, name, address__city, _dlt_load_id = (SELECT
	    min(load_id) FROM _dlt_loads) FROM users ORDER BY id" |
	awk -F'|' '{ printf "    %s %-10s %-7s load %s\n", $1, $2, $3, $4 ? 1 : 2 }'
}
loads() { sqlite3 stage__shop.db "SELECT count(*) FROM _dlt_loads"; }

say "Load 1 goes through, in one pipeline"
run "stage-write -q -t users --dataset shop --disposition merge --primary-key id \
< $data/users.ndjson | stage-put -q | stage-copy -q | stage-merge -q >/dev/null"
users

say "Load 2, step by step, each manifest saved (two loader files: --max-rows 2)"
run "stage-write -q -t users --dataset shop --disposition merge --primary-key id \
--max-rows 2 < $data/users-update.ndjson > write.ndjson"
run "stage-put -q < write.ndjson > put.ndjson"

say "Failure 1: the pipeline is cut after the first file (simulated with head -1)"
run "head -1 put.ndjson | stage-copy > copy.ndjson"
run "stage-merge --hard-delete deleted < copy.ndjson"
echo "    stage-copy loaded the file it got into shop_staging but wrote no end"
echo "    line; stage-merge saw the load incomplete and changed nothing:"
users
echo "    loads recorded: $(loads)"

say "Fix: re-run stage-copy on the whole saved manifest"
run "stage-copy -q < put.ndjson > copy.ndjson"
echo "    the first file was skipped (already copied), the second one loaded:"
sed -n 's/.*"copied":\({[^}]*}\).*/    copied: \1/p' copy.ndjson

say "Failure 2: another writer holds stage__shop.db locked while stage-merge runs"
# A writer that holds the lock until told to stop (its stdin closes).
mkfifo hold
sqlite3 stage__shop.db <hold >/dev/null 2>&1 &
locker=$!
exec 3>hold
# It waits for the lock itself (.timeout): the probe below takes the lock
# for an instant too, and a holder that gave up then would never hold it.
printf '.timeout 10000\nBEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS lock_holder(x);\n' >&3
tries=0
until ! sqlite3 -cmd '.timeout 1' stage__shop.db 'BEGIN IMMEDIATE; ROLLBACK;' \
    >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ $tries -ge 300 ]; then
		echo "recovery.sh: the other writer never took the lock" >&2
		exit 1
	fi
	sleep 0.1
done
run "STAGE_SQLITE_BUSY_TIMEOUT=500 stage-merge --hard-delete deleted < copy.ndjson > merge.ndjson"
echo "    rolled back: shop.users is as load 1 left it, still $(loads) load(s) recorded:"
users

say "Fix: the other writer finishes; re-run stage-merge on the saved manifest"
echo 'ROLLBACK;' >&3
exec 3>&-
wait "$locker" || true
rm -f hold
run "stage-merge -q --hard-delete deleted < copy.ndjson > merge.ndjson"
users
echo "    loads recorded: $(loads)"

say "Re-running any step again changes nothing (exactly once)"
run "stage-put -q < write.ndjson | stage-copy -q | stage-merge -q --hard-delete deleted >/dev/null"
users
echo "    loads recorded: $(loads); staging rows left: $(sqlite3 stage__shop_staging.db 'SELECT count(*) FROM users')"

# The walkthrough checks itself: the tables are exactly what two clean
# loads would have made.
expect='1|Ann Lee|Oslo
2|Bob Ruiz|Paris
4|Dee Okafor|Lagos
5|Eve Novak|Prague'
got=$(sqlite3 stage__shop.db "SELECT id, name, address__city FROM users ORDER BY id")
if [ "$got" = "$expect" ] && [ "$(loads)" = 2 ]; then
	say "shop.users is exactly right: Bob moved, Cy deleted, Eve added, no duplicates"
else
	echo "recovery.sh: unexpected result:" >&2
	echo "$got" >&2
	exit 1
fi
