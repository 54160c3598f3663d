#!/usr/bin/env bats
# Issue 16, item 19: one grammar of text values (coltype.h's isotime_parse
# and the number forms), used by stage-write's inference and by every
# loader: whatever stage-write infers as type T loads as T on every
# destination, and a value outside the grammar is text everywhere.  Runs
# against STAGE_TEST_DEST (helpers/dest.bash); f16-grammar.sqlite.bats is
# the SQLite twin.

load helpers/dest-scenario.bash

# value (as JSON) and the type stage-write must infer for it
tricky() {
	cat <<'TABLE'
"2024-01-01T10:00:00"	timestamp
"2024-01-01t10:00:00"	timestamp
"2024-01-01 10:00:00"	timestamp
"2024-01-01T10:00:00,5"	text
"2024-01-01T10:00:00.5"	timestamp
"2024-01-01T10:00:00.123456789"	timestamp
"2024-01-01T10:00Z"	timestamp
"2024-01-01T10:00:00z"	timestamp
"2024-01-01T10:00:00+05:30"	timestamp
"2024-01-01T10:00:00-0800"	timestamp
"2024-01-01T10:00:00+05"	timestamp
"2024-01-01T10:00:00+15:59"	timestamp
"2024-01-01T10:00:00-15:59"	timestamp
"2024-02-29T00:00:00Z"	timestamp
"2000-02-29T12:00:00Z"	timestamp
"0001-01-01T00:00:00Z"	timestamp
"9999-12-31T23:59:59.999999Z"	timestamp
"2024-02-29"	date
"2000-02-29"	date
"0001-01-01"	date
"9999-12-31"	date
"2023-02-29"	text
"2023-02-30"	text
"1900-02-29"	text
"2024-04-31"	text
"2024-13-01"	text
"0000-01-01"	text
"-2024-01-01"	text
"+2024-01-01"	text
"2024-1-01"	text
"20240101"	text
"2024-01-01T24:00:00"	text
"2024-01-01T10:60:00"	text
"2024-01-01T10:00:00+16:00"	text
"2024-01-01T10:00:00+05:60"	text
"2024-01-01T10:00:00 +05:00"	text
"2024-01-01T10:00:00."	text
"2024-01-01T10"	text
"2024-01-01X10:00:00"	text
"2024-01-01T10:00:00UTC"	text
"10:00:00"	text
1	bigint
-9223372036854775808	bigint
9223372036854775808	decimal
99999999999999999999999	decimal
1.5	double
-0.0	double
1e3	double
1E+3	double
2.5e-3	double
123456789012345678901234567890.123456789	decimal
TABLE
}

# The record {"c1": v1, "c2": v2, ...} and the expected types, one a line
setup() {
	scenario_setup
	local i=0 v t rec='' sep='{'
	: >"$W/want"
	while IFS=$'\t' read -r v t; do
		i=$((i+1))
		rec+="$sep\"c$i\":$v"
		sep=,
		echo "c$i $t $v" >>"$W/want"
	done < <(tricky)
	echo "$rec}" >"$W/in.ndjson"
}

# the destination's name of a manifest type
dest_type() {
	case $STAGE_TEST_DEST:$1 in
	sqlite:text) echo TEXT ;; sqlite:bigint) echo INTEGER ;;
	sqlite:double) echo REAL ;; sqlite:decimal) echo 'DECIMAL TEXT' ;;
	sqlite:timestamp) echo TIMESTAMP ;; sqlite:date) echo DATE ;;
	*:text) echo text ;; *:bigint) echo bigint ;;
	*:double) echo 'double precision' ;; *:decimal) echo numeric ;;
	*:timestamp) echo 'timestamp with time zone' ;; *:date) echo date ;;
	esac
}

dest_types() {
	case $STAGE_TEST_DEST in
	sqlite) dest_sql "SELECT name || ' ' || type FROM pragma_table_info('t', 'ds') WHERE name LIKE 'c%' ORDER BY cid" ;;
	*) dest_sql "SELECT column_name || ' ' || format_type(atttypid, atttypmod) FROM information_schema.columns c JOIN pg_attribute a ON a.attrelid = 'ds.t'::regclass AND a.attname = c.column_name WHERE table_schema = 'ds' AND table_name = 't' AND column_name LIKE 'c%' ORDER BY ordinal_position" ;;
	esac
}

@test "f16: stage-write infers each tricky value as the grammar says" {
	stage-write -q -d "$W/out" --load-id L1 -t t --dataset ds "$W/in.ndjson" >"$W/m"
	jq -r 'select(.columns) | .columns[] | "\(.name) \(.type)"' "$W/m" >"$W/got"
	run diff <(cut -d' ' -f1,2 "$W/want") "$W/got"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "f16: every value stage-write infers as type T loads as T on the destination" {
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "$SF_WIDE_CSV"
	stage-write -q -d "$W/out" --load-id L1 -t t --dataset ds "$W/in.ndjson" >"$W/m"
	run stage-copy -D "$DEST" "$W/m"
	echo "$output"
	[ "$status" -eq 0 ]
	run stage-merge -D "$DEST" <<<"$output"
	echo "$output"
	[ "$status" -eq 0 ]
	while read -r c t v; do echo "$c $(dest_type "$t")"; done <"$W/want" >"$W/want-dest"
	run diff "$W/want-dest" <(dest_types)
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds.t')" = 1 ]
}

@test "f16: postgres: every inferred timestamp and date reads the same in binary COPY as in PostgreSQL's own text parsing" {
	[ "$STAGE_TEST_DEST" = postgres ] || skip "PostgreSQL's two COPY paths"
	grep -E ' (timestamp|date) ' "$W/want" | while read -r c t v; do
		echo "{\"v\":$v}"
	done >"$W/ts.ndjson"
	for p in binary text; do
		stage-write -q -d "$W/$p" --load-id L1 -t t --dataset "ds_$p" --max-rows 1 "$W/ts.ndjson" >"$W/m-$p"
		PGTZ=UTC STAGE_PG_COPY=$p stage-copy -D "$DEST" "$W/m-$p" | stage-merge -D "$DEST" >/dev/null
	done
	[ "$(dest_sql 'SELECT count(*) FROM ds_binary.t')" = "$(wc -l <"$W/ts.ndjson")" ]
	run dest_sql "(SELECT v FROM ds_binary.t EXCEPT ALL SELECT v FROM ds_text.t) UNION ALL (SELECT v FROM ds_text.t EXCEPT ALL SELECT v FROM ds_binary.t)"
	echo "$output"
	[ -z "$output" ]
}

@test "f16: a loader takes the grammar's forms and refuses a day the month lacks, naming line and column" {
	# fakesnow COPYs the CSV through DuckDB, which refuses a lower-case
	# t ("Could not convert string 2024-01-01t10:00:00 to TIMESTAMP WITH
	# TIME ZONE")
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "DuckDB (fakesnow 0.12.1's COPY) refuses the grammar's lower-case t in 2024-01-01t10:00:00"
	printf 'k,x\n1,2024-01-01t10:00:00\n2,2024-02-29 10:00:00.5+05:30\n3,2024-02-29\n' >"$W/ok.csv"
	{ fline L1 t append "$W/ok.csv" 3 '[["k","bigint"],["x","timestamp"]]'; eline L1 1 3; } >"$W/m1"
	run stage-copy -D "$DEST" "$W/m1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(dest_sql 'SELECT count(x) FROM ds_staging.t')" = 3 ]
	for bad in 2023-02-30 2023-02-29T10:00:00Z; do
		printf 'k,x\n1,2024-01-01\n2,%s\n' "$bad" >"$W/bad.csv"
		{ fline L2 b append "$W/bad.csv" 2 '[["k","bigint"],["x","timestamp"]]'; eline L2 1 2; } >"$W/m2"
		run stage-copy -D "$DEST" "$W/m2"
		echo "$bad: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"bad.csv: line 3, column x"* ]]
		[ "$(dest_sql 'SELECT count(*) FROM ds_staging.b')" = 0 ]
	done
}
