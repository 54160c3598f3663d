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

@test "unit: sigv4 reproduces AWS's published S3 signature examples" {
	run "$STAGE_UNITS/sigv4_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: sigv4 matches botocore on 400 randomized S3 requests" {
	py="$STAGE_TOP/.venv/bin/python"
	[ -x "$py" ] || skip "no test venv (make deps)"
	run "$py" "$STAGE_TOP/tests/helpers/sigv4_crosscheck.py" \
		"$STAGE_UNITS/sigv4_sign" 400 7
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"400 requests, 0 mismatches"* ]]
}
