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

@test "fuzz: json_parse round-trips whatever it accepts (5 s)" {
	[ -n "${FUZZ_OK:-}" ] || skip "no clang libFuzzer"
	[ "$FUZZ_OK" = 1 ] || { cat "$FUZZ_TMP/build.log"; false; }
	mkdir "$FUZZ_TMP/json"
	cp "$STAGE_TOP"/tests/fuzz/corpus/json/* "$FUZZ_TMP/json/"
	run "$STAGE_TOP/build/fuzz/json_fuzz" -max_total_time=5 -max_len=4096 \
	    -timeout=10 "$FUZZ_TMP/json"
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	[[ "$output" == *"Done "*" runs in "* ]]
}

@test "fuzz: records flatten to CSV rows that read back exactly (5 s)" {
	[ -n "${FUZZ_OK:-}" ] || skip "no clang libFuzzer"
	[ "$FUZZ_OK" = 1 ] || { cat "$FUZZ_TMP/build.log"; false; }
	mkdir "$FUZZ_TMP/record"
	cp "$STAGE_TOP"/tests/fuzz/corpus/record/* "$FUZZ_TMP/record/"
	run "$STAGE_TOP/build/fuzz/record_fuzz" -max_total_time=5 -max_len=8192 \
	    -timeout=10 "$FUZZ_TMP/record"
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	[[ "$output" == *"Done "*" runs in "* ]]
}

@test "fuzz: binary COPY fields are well formed and agree with strtoll/strtod (5 s)" {
	[ -n "${FUZZ_OK:-}" ] || skip "no clang libFuzzer"
	[ "$FUZZ_OK" = 1 ] || { cat "$FUZZ_TMP/build.log"; false; }
	mkdir "$FUZZ_TMP/pgbin"
	cp "$STAGE_TOP"/tests/fuzz/corpus/pgbin/* "$FUZZ_TMP/pgbin/"
	run "$STAGE_TOP/build/fuzz/pgbin_fuzz" -max_total_time=5 -max_len=256 \
	    -timeout=10 "$FUZZ_TMP/pgbin"
	echo "$output" | tail -5
	[ "$status" -eq 0 ]
	[[ "$output" == *"Done "*" runs in "* ]]
}
