#!/usr/bin/env bats
# The scenario files against Snowflake (fakesnow): each NAME.snowflake.bats
# is NAME.bats run with STAGE_TEST_DEST=snowflake (tests/helpers/dest.bash;
# what fakesnow cannot run is skipped, naming why:
# tests/helpers/dest-snowflake.bash).  Here: the unit test of what those
# runs found.

@test "unit: a failed stage COPY's record and column (Snowflake's and fakesnow's wording) back to the file, line and column" {
	run "$STAGE_UNITS/sfcopyerr_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
