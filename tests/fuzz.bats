#!/usr/bin/env bats
# The libFuzzer targets (tests/fuzz/*_fuzz.c) run briefly over their seeds,
# when clang with libFuzzer is installed (libclang-rt-*-dev).

setup_file() {
	export FUZZ_TMP=$(mktemp -d)
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	    >"$FUZZ_TMP/probe.c"
	if command -v clang >/dev/null &&
	    clang -fsanitize=fuzzer -o "$FUZZ_TMP/probe" "$FUZZ_TMP/probe.c" 2>/dev/null; then
		export FUZZ_OK=1
		"$STAGE_TOP/tests/fuzz/build" >"$FUZZ_TMP/build.log" 2>&1 || export FUZZ_OK=build-failed
	fi
}

teardown_file() {
	rm -rf "$FUZZ_TMP"
}

# fuzz NAME MAXLEN: build/fuzz/NAME_fuzz for 5 s over a scratch copy of
# its seeds (tests/fuzz/corpus/NAME); it must finish without a finding.
fuzz() {
	[ -n "${FUZZ_OK:-}" ] || skip "no clang libFuzzer"
	[ "$FUZZ_OK" = 1 ] || { cat "$FUZZ_TMP/build.log"; false; }
	mkdir "$FUZZ_TMP/$1"
	cp "$STAGE_TOP/tests/fuzz/corpus/$1"/* "$FUZZ_TMP/$1/"
	run "$STAGE_TOP/build/fuzz/$1_fuzz" -max_total_time=5 -max_len="$2" \
	    -timeout=10 -artifact_prefix="$FUZZ_TMP/" "$FUZZ_TMP/$1"
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	[[ "$output" == *"Done "*" runs in "* ]]
}

@test "fuzz: json_parse round-trips whatever it accepts (5 s)" {
	fuzz json 4096
}

@test "fuzz: records flatten to CSV rows that read back exactly (5 s)" {
	fuzz record 8192
}

@test "fuzz: the CSV reader gives the same records or error however its input is split (5 s)" {
	fuzz csv 4096
}

@test "fuzz: the TOML reader parses or fails with a line inside the input (5 s)" {
	fuzz toml 4096
}

@test "fuzz: binary COPY fields are well formed and agree with strtoll/strtod (5 s)" {
	fuzz pgbin 256
}

@test "fuzz: Azure connection strings load or fail with a message; SharedKey canonicalizes any query (5 s)" {
	fuzz az 1024
}

@test "fuzz: the Snappy decompressor refuses or round-trips any block (5 s)" {
	fuzz snappy 4096
}

@test "fuzz: the RLE / bit-packed hybrid encoder round-trips any values at any width (5 s)" {
	fuzz rle 4096
}

@test "fuzz: the Thrift compact encoder writes what a compact decoder reads back (5 s)" {
	fuzz thrift 4096
}

@test "fuzz: the Parquet decimal and double encoders agree with a digit-string reference and strtod (5 s)" {
	fuzz decimal 100
}

@test "fuzz: the Parquet writer frames any columns and cells into a file with a well-formed footer (5 s)" {
	fuzz parquet_write 4096
}

@test "fuzz: the Parquet reader refuses with a message or gives exactly the footer's rows (5 s)" {
	fuzz parquet 16384
}

@test "fuzz: service-account key files and token answers parse or fail cleanly (5 s)" {
	fuzz gauth 4096
}

@test "fuzz: the Arrow IPC reader reads whatever bytes inside them, or says why not (5 s)" {
	fuzz arrowipc 8192
}

@test "fuzz: gs:// listing answers give only part names under the prefix, or fail cleanly (5 s)" {
	fuzz gcs_list 4096
}

@test "fuzz: Snowflake PUT answers (stageInfo) parse or fail with a reason (5 s)" {
	fuzz sfput 4096
}
