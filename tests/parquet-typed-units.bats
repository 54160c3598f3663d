#!/usr/bin/env bats
# Issue 18 (reader speed): the unit test of Parquet values sent typed into
# binary COPY, which must be byte for byte what the CSV text path sends.

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
}

@test "unit: a typed Parquet value encodes as pgbin_field encodes its CSV text" {
	run "$STAGE_UNITS/pqtyped_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
