#!/usr/bin/env bats
# Issue 16 item 4 with S3 staging: stage-put passes lines on as uploads
# finish, out of stage-write's order; dedup must still keep the row
# stage-write wrote last.  Against the JuiceFS S3 gateway (helpers/s3.bash)
# and STAGE_TEST_DEST; f16-s3.sqlite.bats is the SQLite twin.

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

@test "f16-4: 20 rows of one key, one file each, through stage-put -j 8 to s3://: the last row wins" {
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "$SF_BUCKET"
	seq 1 20 | sed 's/.*/{"id":1,"v":&}/' | stage-write -t t --dataset ds \
		--disposition merge --primary-key id --max-rows 1 --load-id L1 \
		-d "$W/files" >"$W/m"
	for i in 1 2 3; do
		dest_reset
		stage-put -j 8 -b "s3://$S3_BUCKET/raw$i" "$W/m" >"$W/put"
		[ "$(wc -l <"$W/put")" = 21 ]
		stage-copy -D "$DEST" "$W/put" | stage-merge -D "$DEST" >/dev/null
		[ "$(dest_sql 'SELECT id, v FROM ds.t')" = '1|20' ]
	done
}
