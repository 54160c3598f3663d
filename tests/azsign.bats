#!/usr/bin/env bats
# Azure SharedKey signing (libcommon/storage/azsign.c): the string to sign
# by Microsoft's rules, and the signature against Azure's own Python SDK;
# and where az:// finds its account, credentials and endpoint (az.c).

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
}

@test "unit: azsign builds the SharedKey string to sign as Azure documents it and signs it as azure-storage-blob does" {
	run "$STAGE_UNITS/azsign_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: azsign matches azure-storage-blob's SharedKeyCredentialPolicy on 400 randomized Blob requests" {
	py="$STAGE_TOP/.venv/bin/python"
	"$py" -c 'import azure.storage.blob' 2>/dev/null ||
		skip "no azure-storage-blob (make deps)"
	run "$py" "$STAGE_TOP/tests/helpers/azsign_crosscheck.py" \
		"$STAGE_UNITS/azsign_sign" 400 7
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"400 of 400 requests signed alike"* ]]
}

@test "unit: az:// finds account, credentials and endpoint in the documented order (az_cfg_load)" {
	run "$STAGE_UNITS/az_cfg_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
