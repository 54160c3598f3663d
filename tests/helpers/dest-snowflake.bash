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

# What fakesnow 0.12.1 (on DuckDB 2.0.1) does unlike Snowflake, checked;
# a scenario skips on it naming one of these (README, Snowflake).
# A local file's rows reach the staging table by PUT and COPY of one CSV
# (stage-copy(1)), which fakesnow reads with DuckDB's read_csv:
SF_QUOTED_EMPTY="fakesnow 0.12.1 COPYs a CSV through DuckDB's read_csv with nullstr '' and DuckDB's default allow_quoted_nulls=true: a quoted \"\" (an empty string) loads as NULL, where Snowflake loads an empty string"
SF_WIDE_CSV="fakesnow 0.12.1's COPY of a CSV selects column0, column1, ..., but DuckDB's read_csv names the columns of a file of more than 10 column00, column01, ...: a table of 10 columns or more (with _stage_row, 11) fails to load from a stage (Binder Error: column0 not found)"
# stage-merge --strategy upsert's MERGE INTO inside the merge's transaction:
SF_UPSERT="fakesnow 0.12.1 runs a MERGE through a table of its own in database _fs_global, which DuckDB refuses in a transaction that has written to STAGE_TEST (\"a single transaction can only write to a single attached database\"): --strategy upsert fails and rolls back whole (tests/snowflake.bats)"
# COPY from a bucket (s3://, az://, gs://):
SF_BUCKET="fakesnow 0.12.1 cannot COPY from a bucket: its COPY transformation reader fails on CAST(\$1 AS ...) (AttributeError in _strip_json_extract: 500), and DuckDB reads s3:// through its httpfs extension, downloaded on first use (no network here), without the COPY's credentials or endpoint"
# a dataset name with a quote:
SF_QUOTED_SCHEMA="fakesnow 0.12.1 sets DuckDB's schema with the name between quotes unescaped (SET schema='DB.e'vil': a parser error; a double quote: Unterminated quote in qualified name)"
# stage-merge killed inside its transaction:
SF_DETACHED="a stage-merge killed inside its transaction leaves it open on the server (Snowflake: a detached transaction, rolled back after 4 hours idle or by SYSTEM\$ABORT_TRANSACTION; fakesnow 0.12.1: never), holding the dataset's _stage_locks row: the next merge cannot take it"
