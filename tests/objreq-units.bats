#!/usr/bin/env bats
# The request engine the object stores share (libcommon/storage/objreq.h),
# as GCS's requests use it: tries that cannot be made, callers that decide
# for themselves, a file's first failure, whole reads.

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
}

@test "unit: objreq: an unmade try fails unsent from the loop; no_retry gives one try; the first failure is reported; objq_read_at reads all" {
	run "$STAGE_UNITS/objreq_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
