#!/usr/bin/env bats
# The upload queue s3://, gs:// and az:// share (libcommon/storage/objq.c):
# its unit test.  The back ends' own tests (stage-put, gcs, azure) run it
# end to end.

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
}

@test "unit: objq checks the bucket once, fails every file on its verdict, keeps the files in order" {
	run "$STAGE_UNITS/objq_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"not ok"* ]]
}
