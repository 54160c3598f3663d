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

@test "unit: toml reader accepts dlt's subset and names bad lines" {
	run "$STAGE_UNITS/toml_test"
@test "unit: sha256 vectors, streaming and files" {
	run "$STAGE_UNITS/sha256_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: config precedence home < project < environment" {
	run "$STAGE_UNITS/config_test"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/.dlt/config.toml:3: expected a value after '='"* ]]
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
