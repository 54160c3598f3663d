#!/usr/bin/env bats
# stage-copy and stage-merge --delete-staged with az:// and abfss:// staged
# blobs, against Azurite (helpers/azure.bash) and STAGE_TEST_DEST
# (PostgreSQL here, SQLite through azure-copy.sqlite.bats).

bats_require_minimum_version 1.5.0
load helpers/dest-scenario.bash
load helpers/azure.bash

setup_file() {
	dest_start
	az_start
}

teardown_file() {
	az_stop
	dest_stop
}

setup() {
	scenario_setup
	# az:// on Snowflake goes through a named stage or an integration
	# (stage-copy(1)), which fakesnow would read as it reads s3://
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "$SF_BUCKET"
	cd "$W"
	export HOME=$W
}

# records N: N NDJSON records of users.
records() {
	seq 1 "$1" | awk '{ printf "{\"id\":%d,\"name\":\"az row %d\",\"v\":%d.5}\n", $1, $1, $1 }'
}

@test "az: stage-write | stage-put az:// | stage-copy | stage-merge loads every row, the blobs read through SharedKey GETs" {
	mkdir out
	records 30000 | stage-write --dataset ds -t users -z gzip \
		--max-rows 7000 -d out >m.w
	run -0 stage-put -j 4 --part-size 5M --multipart-threshold 100K \
		-b "az://$AZ_CONTAINER/load" m.w
	echo "$output" >m.p
	[ "$(grep -c '"url":"az://' m.p)" = 5 ]
	run -0 bash -c "stage-copy -D '$DEST' m.p | stage-merge -D '$DEST'"
	echo "$output"
	[ "$(dest_sql 'SELECT count(*), sum(id) FROM ds.users')" = '30000|450015000' ]
	[ "$(dest_sql "SELECT name FROM ds.users WHERE id = 777")" = 'az row 777' ]
}

@test "az: stage-copy refuses a blob whose bytes are not the manifest's (sha256), and loads nothing of it" {
	mkdir out
	records 100 | stage-write --dataset ds -t users -d out >m.w
	run -0 stage-put -b "az://$AZ_CONTAINER/tamper" m.w
	echo "$output" >m.p
	key=$(head -1 m.p | jq -r .url | sed "s|az://$AZ_CONTAINER/||")
	{ cat "$(head -1 m.w | jq -r .file)"; echo '101,"extra",1.5'; } >other
	az_peer put "$AZ_CONTAINER" "$key" other
	run stage-copy -D "$DEST" m.p
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"sha256 mismatch"* ]]
	# the table may have been made, but holds nothing of the file
	n=$(dest_sql 'SELECT count(*) FROM ds_staging.users' 2>/dev/null) || n=0
	[ "$n" = 0 ]
}

@test "az: stage-copy names the blob when it is missing (404), exit 1" {
	mkdir out
	records 10 | stage-write --dataset ds -t users -d out >m.w
	run -0 stage-put -b "az://$AZ_CONTAINER/gone" m.w
	sed 's|/gone/|/never-there/|' <<<"$output" >m.p
	run stage-copy -D "$DEST" m.p
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"az://$AZ_CONTAINER/never-there/"*"404"* ]]
}

@test "az: abfss:// blobs put with --endpoint are read back from the line's az_endpoint, and --delete-staged removes them" {
	mkdir out
	records 500 | stage-write --dataset ds -t users -d out >m.w
	run -0 stage-put --endpoint "$AZ_ENDPOINT" \
		-b "abfss://$AZ_CONTAINER@$AZ_ACCOUNT.dfs.core.windows.net/lake" m.w
	echo "$output" >m.p
	unset AZURE_STORAGE_CONNECTION_STRING
	export AZURE_STORAGE_ACCOUNT_KEY=$AZ_KEY
	run -0 bash -c "stage-copy -D '$DEST' m.p | stage-merge -D '$DEST' --delete-staged"
	echo "$output"
	[ "$(dest_sql 'SELECT count(*) FROM ds.users')" = 500 ]
	[ -z "$(az_peer_cs ls "$AZ_CONTAINER" lake/)" ]
}
