#!/usr/bin/env bats
# The unit tests of the modules the mains were thinned into (issue 17):
# the set of object names stage-put refuses twice, and the synopsis made
# from an option table.

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
}

@test "unit: keyset refuses a second use of a name, across the table's growth" {
	run "$STAGE_UNITS/keyset_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: the synopsis is made from the option table, wrapped, a lead first" {
	run "$STAGE_UNITS/synopsis_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
