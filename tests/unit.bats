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

@test "unit: sha256 vectors, streaming, files, and the one-pass pair on the CPU's SHA instructions where it has them" {
	unit sha256_test
	# An x86-64 CPU with SHA-NI must get the fast path, not silently
	# OpenSSL's two passes (other machines and emulated builds: skip).
	if [ "$(uname -m)" = x86_64 ] &&
	    [[ ${STAGE_STATIC_TARGET:-x86_64} == x86_64* ]] &&
	    grep -qw sha_ni /proc/cpuinfo 2>/dev/null; then
		[[ "$output" == *"pair on this CPU (SHA instructions)"* ]]
	fi
}

@test "unit: gzip and zstd round trips, truncation, corruption, tools" {
	unit compress_test
}

@test "unit: atomic files appear whole or not at all" {
	unit atomic_test
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

@test "unit: formats: one table, names, the readers to CSV in any split" {
	run "$STAGE_UNITS/format_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: SQL text, merge statements, JSONL rows and row tags" {
	run "$STAGE_UNITS/sql_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: xml finds elements and decodes entities" {
	unit xml_test
}

@test "unit: csv reader is strict RFC 4180, NULL apart from \"\", any split" {
	unit csvin_test
}

@test "unit: CA bundle search and SSL_CERT_FILE/SSL_CERT_DIR overrides" {
	unit cabundle_test
}

@test "unit: storage_get streams objects of one storage in turn, names a missing one" {
	unit storage_get
	[[ "$output" == *"storage_get: none: "* ]]
}

@test "unit: binary COPY encodings of canonical values; other forms refused" {
	unit pgbin_test
}

@test "unit: option sizes and nearest-spelling hints (cliopt)" {
	unit cliopt_test
}

@test "unit: load ids order as numbers when both are dlt's, else as bytes" {
	unit loadorder_test
}

@test "unit: gs:// CRC-32C vectors and the service account's RS256 JWT assertion" {
	unit gcs_test
}

@test "unit: objupload cuts a file into parts within the service's limits, keeps body buffers for the next request" {
	unit objupload_test
}
