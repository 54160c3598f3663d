#!/usr/bin/env bats
# The C unit tests (tests/unit/*.c), one bats test per program.

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
}

@test "unit: json reader and writer" {
	run "$STAGE_UNITS/json_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
