#!/usr/bin/env bats
# The upload operation s3://, gs:// and az:// share
# (libcommon/storage/objupload.c): its unit test.  The back ends' own
# tests (stage-put, gcs, gcs-compose, azure) run it end to end.

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
}

@test "unit: objupload cuts a file into parts within the service's limits, keeps body buffers for the next request" {
	run "$STAGE_UNITS/objupload_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"not ok"* ]]
}
