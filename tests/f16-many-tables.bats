#!/usr/bin/env bats
# Many tables in one load: stage-write keeps writing past its bound of
# open files (closing and reopening its writers), and a PostgreSQL load
# whose one transaction would need more locks than the server's lock
# table holds is refused before anything changes, saying which setting
# to raise, instead of failing with "out of shared memory".

bats_require_minimum_version 1.5.0
STAGE_TEST_DEST=postgres
load helpers/dest-scenario.bash

@test "a PostgreSQL load of more tables than the lock table holds is refused before anything changes, naming max_locks_per_transaction" {
	printf 'id\n1\n' >"$W/one.csv"
	sha=$(sha256sum "$W/one.csv" | cut -c1-64)
	# 1500 tables x 3 locks > 64 x (60 connections + 0) of the test server
	python3 - "$W/one.csv" "$sha" >"$W/m" <<'PY'
import json, sys
f, sha = sys.argv[1], sys.argv[2]
n = 1500
for i in range(n):
    print(json.dumps({"v": 1, "load_id": "L1", "dataset": "ds",
        "table": "t%d" % i, "disposition": "append", "primary_key": [],
        "merge_key": [], "columns": [{"name": "id", "type": "bigint",
        "nullable": True}], "file": f, "format": "csv",
        "compression": "none", "rows": 1, "bytes": 4, "sha256": sha,
        "file_id": "t%d.one.csv" % i, "url": "file://" + f}))
print(json.dumps({"v": 1, "end": True, "load_id": "L1", "files": n, "rows": n}))
PY
	run stage-merge -D "$DEST" "$W/m"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"load L1: its 1500 tables need about 4516 locks in one transaction, more than the server's lock table holds (max_locks_per_transaction 64 x (max_connections 60 + max_prepared_transactions 0) = 3840): raise max_locks_per_transaction to at least"* ]]
	[ "$(dest_sql "SELECT count(*) FROM pg_namespace WHERE nspname = 'ds'")" = 0 ]
}
