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

@test "unit: sha256 vectors, streaming and files" {
	run "$STAGE_UNITS/sha256_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: gzip and zstd round trips, truncation, corruption, tools" {
	run "$STAGE_UNITS/compress_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: atomic files appear whole or not at all" {
	run "$STAGE_UNITS/atomic_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: identifier normalization (dlt snake_case)" {
	run "$STAGE_UNITS/ident_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: column types: inference, widening, pinned checks" {
	run "$STAGE_UNITS/coltype_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: CSV dialect and flattening records into rows" {
	run "$STAGE_UNITS/csvout_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
