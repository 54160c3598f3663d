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
	# lines as stage-copy leaves them ("copied" there), so that stage-merge
	# gets as far as its lock-table check
	python3 - "$W/one.csv" "$sha" "$DEST" >"$W/m" <<'PY'
import json, sys
f, sha, dest = sys.argv[1], sys.argv[2], sys.argv[3]
n = 1500
for i in range(n):
    print(json.dumps({"v": 1, "load_id": "L1", "dataset": "ds",
        "table": "t%d" % i, "disposition": "append", "primary_key": [],
        "merge_key": [], "columns": [{"name": "id", "type": "bigint",
        "nullable": True}], "file": f, "format": "csv",
        "compression": "none", "rows": 1, "bytes": 4, "sha256": sha,
        "file_id": "t%d.one.csv" % i, "url": "file://" + f,
        "copied": {"table": "ds_staging.t%d" % i, "rows": 1,
            "destination": dest}}))
print(json.dumps({"v": 1, "end": True, "load_id": "L1", "files": n, "rows": n}))
PY
	run stage-merge -D "$DEST" "$W/m"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"load L1: its 1500 tables need about 4516 locks in one transaction, more than the server's lock table holds (max_locks_per_transaction 64 x (max_connections 60 + max_prepared_transactions 0) = 3840): raise max_locks_per_transaction to at least"* ]]
	[ "$(dest_sql "SELECT count(*) FROM pg_namespace WHERE nspname = 'ds'")" = 0 ]
}

# rows_check MANIFEST: every file of the manifest holds the rows its line
# says, read by independent readers (Python's gzip, the zstd CLI), whose
# SHA-256 is the line's; prints "files rows"
rows_check() {
	python3 - "$1" <<'PY'
import gzip, hashlib, json, subprocess, sys
files = rows = 0
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("end"):
        continue
    data = open(m["file"], "rb").read()
    assert hashlib.sha256(data).hexdigest() == m["sha256"], m["file"]
    if m["compression"] == "gzip":
        data = gzip.decompress(data)
    elif m["compression"] == "zstd":
        data = subprocess.run(["zstd", "-dcq"], input=data,
                              capture_output=True, check=True).stdout
    n = data.decode().count("\n") - 1
    assert n == m["rows"], (m["file"], n, m["rows"])
    files += 1
    rows += n
print(files, rows)
PY
}

@test "stage-write writes a load of 4,100 tables (past 4,096 open at once)" {
	python3 -c 'import json
for i in range(4100):
    print(json.dumps({"tb": "t%d" % i, "id": i}))' >"$W/in"
	run bash -c 'ulimit -n 20000 2>/dev/null || ulimit -n 8192; stage-write --table-field tb -d "$1/out" --load-id L1 "$1/in" >"$1/m"' _ "$W"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tail -n 1 "$W/m")" = '{"v":1,"end":true,"load_id":"L1","files":4100,"rows":4100}' ]
	[ "$(rows_check "$W/m")" = "4100 4100" ]
}

@test "with 128 descriptors, 1,000 interleaved tables get one file each, gzip and zstd streams resumed whole" {
	python3 -c 'import json
for r in range(3):
    for i in range(1000):
        print(json.dumps({"tb": "t%d" % i, "id": r, "v": "x" * 10}))' >"$W/in"
	for z in gzip zstd none; do
		run bash -c 'ulimit -n 128; stage-write --table-field tb -z "$2" -d "$1/$2" --load-id L1 "$1/in" >"$1/m.$2"' _ "$W" "$z"
		echo "$z: $output"
		[ "$status" -eq 0 ]
		[ "$(ls "$W/$z" | wc -l)" = 1000 ]
		[ "$(rows_check "$W/m.$z")" = "1000 3000" ]
	done
}

@test "files resumed after suspension load whole through stage-copy" {
	python3 -c 'import json
for r in range(50):
    for i in range(20):
        print(json.dumps({"tb": "t%d" % i, "id": r * 100 + i}))' >"$W/in"
	for z in gzip zstd; do
		bash -c 'ulimit -n 64; stage-write --table-field tb --dataset "$3" -z "$2" --max-file-size 1G -d "$1/$2" --load-id L1 "$1/in"' _ "$W" "$z" "ds_$z" |
			stage-copy -q -D "$DEST" | stage-merge -q -D "$DEST" >/dev/null
		[ "$(dest_sql "SELECT count(*), sum(id) FROM ds_$z.t7")" = "50|122850" ]
	done
}
