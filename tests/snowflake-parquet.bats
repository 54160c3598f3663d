#!/usr/bin/env bats
# Issue 19, Parquet into Snowflake, for real through fakesnow (an emulator
# on DuckDB: tests/helpers/snowflake.bash).  What fakesnow 0.12.1 can run:
#   - stage-write's Parquet files PUT as they are into a table's stage
#     and loaded by COPY INTO ... FILE_FORMAT = (TYPE = PARQUET)
#     MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE: every value compared
#     exactly (the official connector sends the PUT and the COPY);
#   - stage-copy and stage-merge taking stage-write's local Parquet files
#     (their rows go through the staging table's stage as CSV) into the
#     final table, every value compared.
# What it cannot run is stage-copy's own Parquet COPY from a bucket: that
# statement takes _stage_row from METADATA$FILE_ROW_NUMBER in a COPY
# transformation, which fakesnow has no support for, and fakesnow reads
# no s3:// (README, Snowflake); tests/snowflake.bats pins that statement
# by dry run and parses it with sqlglot.

load helpers/snowflake.bash

setup_file() {
	sf_setup_file
}

teardown_file() {
	sf_stop
}

setup() {
	sf_setup sfpq
	# every type stage-write writes to Parquet that a column takes by name
	cat >in.ndjson <<'JSON'
{"id":1,"s":"plain","f":1.5,"b":true,"ts":"2024-01-02T03:04:05.123456Z","d":"2024-02-29","dec":12345678901234567.125,"big":9223372036854775807}
{"id":2,"s":"q\"uo,te\nnew line","f":-0.0,"b":false,"ts":"1969-07-20T20:17:40Z","d":"1900-01-01","dec":-0.01,"big":-9223372036854775808}
{"id":3,"s":"zß水🦀 ünïcödé","f":1e300,"b":null,"ts":null,"d":null,"dec":null,"big":null}
{"id":4,"s":null,"f":null,"b":true,"ts":"2150-06-30T23:59:59.999999Z","d":"9999-12-31","dec":0.5,"big":0}
JSON
	# the values as the connector prints them (doubles as psql does;
	# timestamps through DuckDB's VARCHAR cast, NULL as <null>)
	want='1|plain|1.5|t|2024-01-02 03:04:05.123456+00|2024-02-29|12345678901234567.125000000|9223372036854775807
2|q"uo,te
new line|-0.0|f|1969-07-20 20:17:40+00|1900-01-01|-0.010000000|-9223372036854775808
3|zß水🦀 ünïcödé|1e+300|<null>|<null>|<null>|<null>|<null>
4|<null>|<null>|t|2150-06-30 23:59:59.999999+00|9999-12-31|0.500000000|0'
	sel="id, coalesce(s, '<null>'), coalesce(CAST(f AS VARCHAR), '<null>'), coalesce(CASE WHEN b THEN 't' WHEN NOT b THEN 'f' END, '<null>'), coalesce(CAST(ts AS VARCHAR), '<null>'), coalesce(CAST(d AS VARCHAR), '<null>'), coalesce(CAST(dec AS VARCHAR), '<null>'), coalesce(CAST(big AS VARCHAR), '<null>')"
}

teardown() {
	[ -n "${W:-}" ] && rm -rf "$W"
	return 0
}

@test "snowflake parquet: stage-write's Parquet files (snappy, zstd, gzip, none; two row groups) PUT as Parquet into a table stage and COPYed by column name hold every value exactly" {
	for z in snappy zstd gzip none; do
		rm -rf out
		stage-write -q -t p --dataset par -f parquet -z "$z" \
			--row-group-size 2 -d out <in.ndjson >m.ndjson
		[ "$(jq -r 'select(.file) | .format' m.ndjson)" = parquet ]
		# the types stage gives these columns on Snowflake
		[ "$(jq -c 'select(.file) | [.columns[] | .type]' m.ndjson)" = \
		  '["bigint","text","double","bool","timestamp","date","decimal","bigint"]' ]
		f=$(jq -r 'select(.file) | .file' m.ndjson)
		run sf_sql "CREATE SCHEMA IF NOT EXISTS par;
CREATE OR REPLACE TABLE par.p_$z (id NUMBER(38,0), s VARCHAR, f FLOAT, b BOOLEAN, ts TIMESTAMP_TZ, d DATE, dec NUMBER(38,9), big NUMBER(38,0));
PUT 'file://$f' @par.%p_$z AUTO_COMPRESS = FALSE;
COPY INTO par.p_$z FROM @par.%p_$z FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE"
		echo "$z: $output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"|LOADED|4|4|"* ]]
		run sf_sql "SELECT $sel FROM par.p_$z ORDER BY id"
		echo "$output"
		[ "$output" = "$want" ]
	done
}

@test "snowflake parquet: a Parquet file whose columns come in another order, with one the table lacks and lacking one it has, loads by name" {
	stage-write -q -t p --dataset par -f parquet -d out <in.ndjson >m.ndjson
	f=$(jq -r 'select(.file) | .file' m.ndjson)
	run sf_sql "CREATE SCHEMA IF NOT EXISTS par;
CREATE OR REPLACE TABLE par.q (big NUMBER(38,0), extra VARCHAR, id NUMBER(38,0), s VARCHAR);
PUT 'file://$f' @par.%q AUTO_COMPRESS = FALSE;
COPY INTO par.q FROM @par.%q FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE"
	echo "$output"
	[ "$status" -eq 0 ]
	run sf_sql "SELECT id, coalesce(s, '<null>'), coalesce(extra, '<null>'), coalesce(CAST(big AS VARCHAR), '<null>') FROM par.q ORDER BY id"
	[ "$output" = '1|plain|<null>|9223372036854775807
2|q"uo,te
new line|<null>|-9223372036854775808
3|zß水🦀 ünïcödé|<null>|<null>
4|<null>|<null>|0' ]
}

@test "snowflake parquet: stage-copy and stage-merge take stage-write's local Parquet files (zstd, 2 files) into the final table by key, every value exactly" {
	stage-write -q -t p --dataset parq -f parquet -z zstd --max-rows 2 \
		--disposition merge --primary-key id -d out <in.ndjson |
		stage-put -q -b "$W/bucket" >put.ndjson
	[ "$(grep -c '"format":"parquet"' put.ndjson)" -eq 2 ]
	run bash -c 'stage-copy -D "$1" <put.ndjson | stage-merge -D "$1"' _ "$SF_DEST"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '"merged"' <<<"$output")" -eq 2 ]
	run sf_sql "SELECT $sel FROM parq.p ORDER BY id"
	echo "$output"
	[ "$output" = "$want" ]
	# a second load of the same keys: merged, not appended
	sed 's/"plain"/"plain2"/' in.ndjson |
		stage-write -q -t p --dataset parq -f parquet --disposition merge \
		--primary-key id -d out2 | stage-put -q -b "$W/bucket" |
		stage-copy -q -D "$SF_DEST" | stage-merge -q -D "$SF_DEST" >/dev/null
	[ "$(sf_sql 'SELECT count(*), max(s) FROM parq.p WHERE id = 1')" = '1|plain2' ]
	[ "$(sf_sql 'SELECT count(*) FROM parq.p')" = 4 ]
}
