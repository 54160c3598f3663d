#!/usr/bin/env bats
# stage-copy and stage-merge --delete-staged with s3:// staged objects,
# against the JuiceFS S3 gateway (helpers/s3.bash) and STAGE_TEST_DEST.

load helpers/dest-scenario.bash
load helpers/s3.bash

setup_file() {
	dest_start
	s3_start
}

teardown_file() {
	s3_stop
	dest_stop
}

setup() {
	scenario_setup
	cols='[["id","bigint"],["name","text"]]'
}

@test "stage-copy streams gzip and zstd objects from s3:// (signed GET)" {
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "$SF_BUCKET"
	{ echo id,name; seq 1 5000 | sed 's/$/,s3 row/'; } >"$W/a.csv"
	gzip -c "$W/a.csv" >"$W/a.csv.gz"
	zstd -q -c "$W/a.csv" >"$W/a.csv.zst"
	s3 s3 cp --quiet "$W/a.csv.gz" "s3://$S3_BUCKET/raw/a.csv.gz"
	s3 s3 cp --quiet "$W/a.csv.zst" "s3://$S3_BUCKET/raw/a.csv.zst"
	{ fline L1 t append "$W/a.csv.gz" 5000 "$cols" \
		".compression=\"gzip\" | .url=\"s3://$S3_BUCKET/raw/a.csv.gz\" | del(.file)"
	  fline L1 t append "$W/a.csv.zst" 5000 "$cols" \
		".compression=\"zstd\" | .url=\"s3://$S3_BUCKET/raw/a.csv.zst\" | del(.file)"
	  eline L1 2 10000; } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(dest_sql 'SELECT count(*), sum(id) FROM ds_staging.t')" = '10000|25005000' ]
}

@test "stage-copy names the object when an s3:// object is missing" {
	printf 'id,name\n1,a\n' >"$W/b.csv"
	{ fline L1 t append "$W/b.csv" 1 "$cols" ".url=\"s3://$S3_BUCKET/raw/none.csv\" | del(.file)"
	  eline L1 1 1; } >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"s3://$S3_BUCKET/raw/none.csv"* ]]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.t')" = 0 ]
}

@test "stage-merge --delete-staged removes the s3:// objects after the commit" {
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "$SF_BUCKET"
	printf 'id,name\n1,a\n2,b\n' >"$W/c.csv"
	s3 s3 cp --quiet "$W/c.csv" "s3://$S3_BUCKET/raw/c.csv"
	{ fline L1 t append "$W/c.csv" 2 "$cols" ".url=\"s3://$S3_BUCKET/raw/c.csv\""
	  eline L1 1 2; } >"$W/m"
	run bash -c "stage-copy -D '$DEST' '$W/m' | stage-merge -D '$DEST' --delete-staged"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds.t')" = 2 ]
	run s3 s3 ls "s3://$S3_BUCKET/raw/c.csv"
	[ -z "$output" ]
	[ -e "$W/c.csv" ]
	run stage-merge -D "$DEST" --delete-staged "$W/m"
	[ "$status" -eq 0 ]
}
