# dest.bash: the destination the scenario tests run against, chosen by ONE
# variable, STAGE_TEST_DEST (default postgres).  A destination provides:
#   dest_start / dest_stop    start and stop a throwaway instance
#   dest_reset                drop every dataset the tests made
#   dest_sql "SQL"            run SQL, print rows as a|b|c lines
#   dest_restart              crash and restart it (where that means
#                             something; else a no-op)
#   DEST                      the value of -D for the programs
# Tests read floats through CAST(x AS TEXT) and booleans through CASE WHEN
# so that every destination prints the same; where a destination prints
# differently (json text, whole doubles) the test says so per destination.
# A scenario file linked as NAME.sqlite.bats runs against sqlite, one
# linked as NAME.snowflake.bats against Snowflake (fakesnow).
case ${BATS_TEST_FILENAME:-} in
*.sqlite.bats) STAGE_TEST_DEST=sqlite ;;
*.snowflake.bats) STAGE_TEST_DEST=snowflake ;;
esac
STAGE_TEST_DEST=${STAGE_TEST_DEST:-postgres}

case $STAGE_TEST_DEST in
postgres)
	load "${STAGE_TOP}/tests/helpers/pg.bash"
	dest_start() {
		pg_start
		export DEST="postgresql://postgres@127.0.0.1:$PGPORT/postgres"
	}
	dest_stop() { pg_stop; }
	dest_restart() { pg_restart; }
	dest_sql() {
		psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"
	}
	dest_reset() {
		psql -X -q -At -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
DO $$ DECLARE s text; BEGIN
FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%'
	AND nspname NOT IN ('information_schema', 'public') LOOP
	EXECUTE format('DROP SCHEMA %I CASCADE', s);
END LOOP; END $$;
SQL
	}
	;;
*)
	[ -f "${STAGE_TOP}/tests/helpers/dest-$STAGE_TEST_DEST.bash" ] || {
		echo "dest.bash: unknown STAGE_TEST_DEST $STAGE_TEST_DEST" >&2
		return 1
	}
	load "${STAGE_TOP}/tests/helpers/dest-$STAGE_TEST_DEST.bash"
	;;
esac
