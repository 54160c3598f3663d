# dest-snowflake.bash: Snowflake, emulated by fakesnow, for the scenario
# tests (see dest.bash; STAGE_TEST_DEST=snowflake).  dest_restart is a
# no-op: fakesnow keeps its data in memory.
load "${STAGE_TOP}/tests/helpers/snowflake.bash"

dest_start() {
	sf_start || return 1
	export DEST="$SF_DEST"
}

dest_stop() { sf_stop; }

dest_restart() { :; }

dest_sql() { sf_sql "$1"; }

dest_reset() {
	local s
	for s in $(sf_sql "SELECT schema_name FROM information_schema.schemata
	    WHERE UPPER(schema_name) NOT IN ('INFORMATION_SCHEMA', 'PUBLIC')"); do
		sf_sql "DROP SCHEMA IF EXISTS \"$s\" CASCADE" >/dev/null
	done
}
