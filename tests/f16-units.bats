#!/usr/bin/env bats
# Issue 16, items 5 and 19: the unit test of the one grammar of dates and
# times and of the number inference that keeps every digit.

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
}

@test "unit: one grammar of dates and times; numbers a double would round infer as decimal" {
	run "$STAGE_UNITS/isotime_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
