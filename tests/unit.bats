#!/usr/bin/env bats
# The C unit tests (tests/unit/*.c), one bats test per program.

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
}

unit() {
	run "$STAGE_UNITS/$1"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: json reader and writer" {
	unit json_test
}

@test "unit: toml reader accepts dlt's subset and names bad lines" {
	unit toml_test
}

@test "unit: config precedence home < project < environment" {
	unit config_test
	[[ "$output" == *"/.dlt/config.toml:3: expected a value after '='"* ]]
}

@test "unit: sha256 vectors, streaming and files" {
	unit sha256_test
}

@test "unit: gzip and zstd round trips, truncation, corruption, tools" {
	unit compress_test
}

@test "unit: atomic files appear whole or not at all" {
	unit atomic_test
}

@test "unit: csv reader is strict RFC 4180, NULL apart from \"\", any split" {
	unit csvin_test
}
