#!/usr/bin/env bats
# md5x8, eight MD5s in the AVX2 lanes for az://'s Content-MD5 per block
# (libcommon/storage/md5x8.c): its unit test against OpenSSL's MD5.
# tests/azure-md5.bats runs it end to end against Azurite.

bats_require_minimum_version 1.5.0

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
}

@test "unit: md5x8's eight lanes each equal OpenSSL's MD5 (and it stands aside with STAGE_NO_CPU_MD5=1)" {
	run -0 "$STAGE_UNITS/md5x8_test"
	echo "$output"
	[[ "$output" != *"not ok"* ]]
	STAGE_NO_CPU_MD5=1 run -0 "$STAGE_UNITS/md5x8_test"
	[[ "$output" == *"skipped"* ]]
}
