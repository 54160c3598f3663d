#!/usr/bin/env bats
# Issue 18 (reader): the unit test of the Thrift compact decoder, the
# RLE / bit-packed hybrid and the CSV text of Parquet values.

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
}

@test "unit: Thrift compact decoding, RLE/bit-packed levels, Parquet values as CSV text" {
	run "$STAGE_UNITS/parquet_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
