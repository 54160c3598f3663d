#!/usr/bin/env bats
# dlt's stored schema as stage-merge writes it (libcommon/dest/dltschema.c);
# tests/f16-dlt.bats has dlt itself read it.

@test "unit: dlt's stored schema: JSON of tables and columns, version hash, the _dlt_version insert" {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
	run "$STAGE_UNITS/dltschema_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
