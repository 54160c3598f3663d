#!/usr/bin/env bats
# Issue 21, the end-to-end speed: what stage-merge does to be fast must
# not change what it merges (bench/40-e2e.sh measures the speed).

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
}

@test "unit: the merge's ANALYZE samples only the columns the merge uses" {
	run "$STAGE_UNITS/sql_analyze_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
