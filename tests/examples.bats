#!/usr/bin/env bats
# The examples in examples/ run as shipped and land the right data:
# the demo, the plain shell pipeline, the Makefile-driven load (with a
# failed step re-run) and the recovery walkthrough.

bats_require_minimum_version 1.5.0

setup() {
	W=$BATS_TEST_TMPDIR
	cd "$W"
	# no configuration of the caller's may leak in
	export HOME=$W/home DLT_PROJECT_DIR=$W
	mkdir -p "$HOME"
	E=$STAGE_TOP/examples
}

# The rows every complete run of the sample loads ends with.
USERS='1|Ann Lee|ann@example.com|Oslo
2|Bob Ruiz|bob.ruiz@example.com|Paris
4|Dee Okafor|dee@example.com|Lagos
5|Eve Novak|eve@example.com|Prague'
ORDERS='1001|1|59.9|2
1002|2|12.5|1
1003|1|8.0|1
1004|5|21.0|1'

users() { sqlite3 "$1/stage__shop.db" "SELECT id, name, email, address__city FROM users ORDER BY id"; }
orders() {
	sqlite3 "$1/stage__shop.db" "SELECT order_id, user_id, total,
	    json_array_length(items) FROM orders ORDER BY order_id"
}
loads() { sqlite3 "$1/stage__shop.db" "SELECT count(*) || ' ' || sum(status) FROM _dlt_loads"; }

@test "demo: the sample loads land in SQLite, with updates and a hard delete merged" {
	run env STAGE_BIN="$STAGE_BIN" STAGE_DEMO_DIR="$W/demo" "$E/demo.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(users "$W/demo")" = "$USERS" ]
	[ "$(orders "$W/demo")" = "$ORDERS" ]
	[ "$(loads "$W/demo")" = "4 0" ]
	[ "$(sqlite3 "$W/demo/stage__shop_staging.db" 'SELECT count(*) FROM users')" = 0 ]
	# what it prints: the loads, the tables, the rows, _dlt_loads
	grep -q '^    done: load .* 4 row(s) merged into shop.users$' <<<"$output"
	grep -q '^    users *4$' <<<"$output"
	grep -q '^    5 *Eve Novak *eve@example.com *Prague' <<<"$output"
	grep -q '_dlt_loads' <<<"$output"
	grep -q "Everything is under $W/demo" <<<"$output"
}

@test "demo: runs from any directory, keeps its files in its own directory, and runs again" {
	mkdir elsewhere
	cd elsewhere
	STAGE_BIN="$STAGE_BIN" STAGE_DEMO_DIR="$W/demo" "$E/demo.sh" >/dev/null
	first=$(sqlite3 "$W/demo/stage__shop.db" 'SELECT min(load_id) FROM _dlt_loads')
	STAGE_BIN="$STAGE_BIN" STAGE_DEMO_DIR="$W/demo" "$E/demo.sh" >/dev/null
	[ -z "$(ls -A "$W/elsewhere")" ]
	[ "$(users "$W/demo")" = "$USERS" ]
	[ "$(loads "$W/demo")" = "4 0" ]
	# a fresh start each time
	[ "$(sqlite3 "$W/demo/stage__shop.db" 'SELECT min(load_id) FROM _dlt_loads')" != "$first" ]
}

@test "demo: nothing configured means nothing configured, whatever the environment says" {
	export STAGE_DESTINATION=postgresql://nobody@127.0.0.1:1/none
	export DESTINATION__FILESYSTEM__BUCKET_URL=s3://nowhere/x
	STAGE_BIN="$STAGE_BIN" STAGE_DEMO_DIR="$W/demo" "$E/demo.sh" >/dev/null
	[ "$(users "$W/demo")" = "$USERS" ]
	[ -d "$W/demo/stage-bucket/shop/users" ]
}

@test "make demo is wired to the demo script after installing the build packages" {
	run make -s -n -C "$STAGE_TOP" demo
	[ "$status" -eq 0 ]
	grep -q 'install-deps --build' <<<"$output"
	grep -q 'examples/demo.sh' <<<"$output"
	! grep -q 'venv' <<<"$output"
}

@test "make: short CC lines (none under -s, commands with V=1), and a second make has nothing to do" {
	run make -C "$STAGE_TOP" B="$W/b" OUT="$W/bin" all units
	[ "$status" -eq 0 ]
	! grep -v -E '^  (CC|AR|LD)   |^make' <<<"$output"
	grep -q '^  LD   .*/bin/stage-copy$' <<<"$output"
	run make -C "$STAGE_TOP" B="$W/b" OUT="$W/bin" all units
	[ "$status" -eq 0 ]
	! grep -q -E '^  (CC|LD)' <<<"$output"
	touch "$W/b/libcommon/base/buf.o"
	run make -s -C "$STAGE_TOP" B="$W/b" OUT="$W/bin" all
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run make -n -C "$STAGE_TOP" V=1 B="$W/b" OUT="$W/bin" "$W/b/libcommon/base/json.o" -W libcommon/base/json.c
	grep -q -- '-c -o .*/libcommon/base/json.o libcommon/base/json.c' <<<"$output"
}

@test "pipeline.sh: four loads as plain pipelines, the tables exactly right" {
	run env STAGE_BIN="$STAGE_BIN" "$E/pipeline.sh" "$W/p"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(users "$W/p")" = "$USERS" ]
	[ "$(orders "$W/p")" = "$ORDERS" ]
	[ "$(loads "$W/p")" = "4 0" ]
	[ "$(grep -c '"end":true' <<<"$output")" -eq 4 ]
}

@test "Makefile: every step a target; a second make has nothing to do" {
	make -s -f "$E/make/Makefile" BIN="$STAGE_BIN" OUT="$W/out"
	[ "$(users "$W/out")" = "$USERS" ]
	[ "$(orders "$W/out")" = "$ORDERS" ]
	[ "$(loads "$W/out")" = "4 0" ]
	for l in users orders users-update orders-2; do
		for s in write put copy merge; do
			[ "$(tail -1 "$W/out/$l.$s.ndjson" | jq -r .end)" = true ]
		done
	done
	run make -f "$E/make/Makefile" BIN="$STAGE_BIN" OUT="$W/out"
	[ "$status" -eq 0 ]
	grep -q 'Nothing to be done' <<<"$output"
}

@test "Makefile: a failed step leaves no manifest (.DELETE_ON_ERROR); make again re-runs just that step on" {
	# the destination's directory does not exist: stage-copy fails
	run make -f "$E/make/Makefile" BIN="$STAGE_BIN" OUT="$W/out" \
		DEST="sqlite://$W/missing/stage.db" "$W/out/users.merge.ndjson"
	echo "$output"
	[ "$status" -ne 0 ]
	[ -s "$W/out/users.put.ndjson" ]
	[ ! -e "$W/out/users.copy.ndjson" ]
	grep -q 'Deleting file.*users.copy.ndjson' <<<"$output"
	put_before=$(stat -c %Y.%s "$W/out/users.put.ndjson")
	# the fix, and the re-run of that one step (and what follows it)
	run make -f "$E/make/Makefile" BIN="$STAGE_BIN" OUT="$W/out" \
		"$W/out/users.merge.ndjson"
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -q 'stage-write\|stage-put' <<<"$output"
	grep -q 'stage-copy' <<<"$output"
	[ "$(stat -c %Y.%s "$W/out/users.put.ndjson")" = "$put_before" ]
	[ "$(sqlite3 "$W/out/stage__shop.db" 'SELECT count(*) FROM users')" = 4 ]
	[ "$(loads "$W/out")" = "1 0" ]
}

@test "Makefile: removing one step's manifest re-runs that step, which skips what is done" {
	make -s -f "$E/make/Makefile" BIN="$STAGE_BIN" OUT="$W/out"
	rm "$W/out/users-update.copy.ndjson"
	run make -f "$E/make/Makefile" BIN="$STAGE_BIN" OUT="$W/out"
	[ "$status" -eq 0 ]
	grep -q 'stage-copy.*users-update.put.ndjson' <<<"$output"
	[ "$(jq -r 'select(.copied) | .copied.skipped' "$W/out/users-update.copy.ndjson")" = true ]
	[ "$(users "$W/out")" = "$USERS" ]
	[ "$(loads "$W/out")" = "4 0" ]
}

@test "recovery.sh: a cut pipeline and a locked database, each fixed by a re-run; the tables end up exactly right" {
	run env STAGE_BIN="$STAGE_BIN" "$E/recovery.sh" "$W/r"
	echo "$output"
	[ "$status" -eq 0 ]
	# the failures happened as told: exit 3 (incomplete), exit 1 (locked)
	grep -q 'input ends without the end line' <<<"$output"
	grep -q '(exit status 3)' <<<"$output"
	grep -q 'database is locked' <<<"$output"
	grep -q '(exit status 1)' <<<"$output"
	sqlite3 "$W/r/stage__shop.db" "SELECT id, name, email, address__city FROM users ORDER BY id" >got
	[ "$(cat got)" = "$USERS" ]
	[ "$(loads "$W/r")" = "2 0" ]
	[ "$(sqlite3 "$W/r/stage__shop_staging.db" 'SELECT count(*) FROM users')" = 0 ]
	[ "$(sqlite3 "$W/r/stage__shop.db" 'SELECT count(*) FROM users WHERE id = 3')" = 0 ]
}

@test "the bare pipeline, nothing configured and no options, lands in ./stage__stage_dataset.db" {
	unset STAGE_DESTINATION STAGE_BUCKET_URL STAGE_SQLITE_PATH STAGE_DATASET
	stage-write -t users --disposition merge --primary-key id \
		<"$E/data/users.ndjson" | stage-put | stage-copy | stage-merge >m.ndjson
	stage-write -t users --disposition merge --primary-key id \
		<"$E/data/users-update.ndjson" | stage-put | stage-copy |
		stage-merge --hard-delete deleted >>m.ndjson
	[ "$(sqlite3 stage__stage_dataset.db "SELECT id, name, email, address__city FROM users ORDER BY id")" = "$USERS" ]
	[ "$(sqlite3 stage.db 'SELECT name FROM _stage_schemas ORDER BY name')" = "stage_dataset
stage_dataset_staging" ]
	[ -d stage-bucket/stage_dataset/users ]
	[ "$(ls stage-files | wc -l)" -eq 2 ]
}
