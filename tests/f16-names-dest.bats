#!/usr/bin/env bats
# Names that a destination would change (issue 16, items 1, 6 and 16):
# PostgreSQL cuts names at 63 bytes, SQLite does not tell upper from lower
# case, and the bookkeeping tables and columns must stay out of reach of
# the data and of hand-written manifests.  Runs against STAGE_TEST_DEST
# (helpers/dest.bash); linked as f16-names-dest.sqlite.bats for SQLite.

load helpers/dest-scenario.bash

setup() {
	scenario_setup
	cd "$W"
	cols='[["id","bigint"],["v","text"]]'
}

L63=a_very_long_table_name_that_goes_on_and_on_beyond_the_limit_of_postgres

load_table() {	# load_table TABLE DISPOSITION LOAD_ID < records
	stage-write -q -t "$1" --dataset ds --disposition "$2" --load-id "$3" \
		-d "$W/out" | stage-put -q -b "$W/bucket" |
	stage-copy -q -D "$DEST" | stage-merge -q -D "$DEST"
}

csv() {	# csv NAME ROWS...: a file of id,v rows
	local f=$W/$1; shift
	{ echo id,v; printf '%s\n' "$@"; } >"$f"
	echo "$f"
}

# one_load LOAD TABLE DISP FILE [jq-filter]: a one-file manifest
one_load() {
	fline "$1" "$2" "$3" "$4" 1 "${6:-$cols}" "${5:-.}"
	eline "$1" 1 1
}

@test "two tables whose names agree on 63 bytes stay two; a replace of one keeps the other's rows" {
	printf '{"id":1}\n{"id":2}\n' | load_table "${L63}_one" append 100.1
	printf '{"id":3}\n' | load_table "${L63}_two" append 100.2
	printf '{"id":4}\n' | load_table "${L63}_two" replace 100.3
	[ "$(dest_sql 'SELECT count(*) FROM ds.a_very_long_table_name_that_gefxfgqnd_the_limit_of_postgres_one')" = 2 ]
	[ "$(dest_sql 'SELECT id FROM ds.a_very_long_table_name_that_gnlcqlgnd_the_limit_of_postgres_two')" = 4 ]
}

@test "columns whose names agree on 63 bytes load as two columns" {
	printf '{"id":1,"%s_one":"a","%s_two":"b"}\n' "$L63" "$L63" |
		load_table t append 100.1
	[ "$(dest_sql 'SELECT id, a_very_long_table_name_that_gefxfgqnd_the_limit_of_postgres_one, a_very_long_table_name_that_gnlcqlgnd_the_limit_of_postgres_two FROM ds.t')" = '1|a|b' ]
}

@test "a long dataset loads, its staging dataset beside it" {
	printf '{"id":1}\n' | stage-write -q -t t --dataset "${L63}_one" \
		--load-id 100.1 -d "$W/out" | stage-put -q -b "$W/bucket" |
		stage-copy -q -D "$DEST" | stage-merge -q -D "$DEST"
	[ "$(dest_sql 'SELECT id FROM a_very_long_table_name_thefxfgqhe_limit_of_postgres_one.t')" = 1 ]
}

@test "a hand-written manifest with a name PostgreSQL would cut is refused before anything changes, exit 2" {
	[ "$STAGE_TEST_DEST" = postgres ] || skip "no length limit on $STAGE_TEST_DEST"
	f=$(csv a.csv 1,x)
	one_load 200.1 "${L63}_one" append "$f" >long-table.ndjson
	{ echo "id,${L63}_one"; echo 1,x; } >"$W/c.csv"
	one_load 200.1 t append "$W/c.csv" . \
		"[[\"id\",\"bigint\"],[\"${L63}_one\",\"text\"]]" >long-col.ndjson
	for m in long-table long-col; do
		for p in stage-copy stage-merge; do
			run $p -D "$DEST" $m.ndjson
			echo "$p $m: $output"
			[ "$status" -eq 2 ]
			[[ "$output" == *"is 75 bytes: postgres keeps 63 and would cut it short"* ]]
		done
	done
	# a dataset whose _staging would be cut
	dataset=${L63:0:56} one_load 200.1 t append "$(csv b.csv 1,x)" >long-ds.ndjson
	run stage-copy -D "$DEST" long-ds.ndjson
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"dataset '${L63:0:56}' is 56 bytes (and its staging dataset 8 more): postgres keeps 63"* ]]
	[ "$(dest_sql "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'a\\_very%' OR nspname LIKE 'ds%'")" = 0 ]
}

@test "a hand-written manifest cannot name a bookkeeping table, column or staging dataset, exit 2, nothing changed" {
	f=$(csv a.csv 1,x)
	for t in _dlt_loads _stage_files _stage_loads _dlt_version; do
		one_load 300.1 "$t" replace "$f" >m.ndjson
		for p in stage-copy stage-merge; do
			run $p -D "$DEST" m.ndjson
			echo "$p $t: $output"
			[ "$status" -eq 2 ]
			[[ "$output" == *"table '$t' is reserved: "* ]]
		done
	done
	{ echo id,_dlt_id; echo 1,x; } >"$f"
	one_load 300.1 t append "$f" '.' '[["id","bigint"],["_dlt_id","text"]]' >m.ndjson
	run stage-copy -D "$DEST" m.ndjson
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"m.ndjson:1: column '_dlt_id' is reserved: "* ]]
	dataset=ds_staging one_load 300.1 t append "$(csv b.csv 1,x)" >m.ndjson
	run stage-copy -D "$DEST" m.ndjson
	[ "$status" -eq 2 ]
	[[ "$output" == *"dataset 'ds_staging' is reserved: "* ]]
	run dest_sql 'SELECT count(*) FROM ds._dlt_loads'
	[ "$status" -ne 0 ] || [ "$output" = 0 ]
}

@test "tables Upper and upper: a replace of one never wipes the other (SQLite refuses Upper, exit 2)" {
	printf '{"id":1,"v":"lower"}\n' | load_table upper append 400.1
	f=$(csv u.csv 2,upper)
	one_load 400.2 Upper replace "$f" >m.ndjson
	run stage-copy -D "$DEST" m.ndjson
	echo "$output"
	case $STAGE_TEST_DEST in
	sqlite | snowflake)
		# (Snowflake: stage's names are quoted with the session's
		# QUOTED_IDENTIFIERS_IGNORE_CASE, as dlt's are)
		[ "$status" -eq 2 ]
		[[ "$output" == *"m.ndjson:1: table 'Upper' holds upper-case letters: $STAGE_TEST_DEST does not tell them from lower case"* ]]
		run stage-merge -D "$DEST" m.ndjson
		[ "$status" -eq 2 ]
		;;
	*)
		[ "$status" -eq 0 ]
		stage-merge -q -D "$DEST" <<<"$output"
		[ "$(dest_sql 'SELECT id, v FROM ds."Upper"')" = 2\|upper ]
		;;
	esac
	[ "$(dest_sql 'SELECT id, v FROM ds.upper')" = 1\|lower ]
}

@test "columns Id and id in one table: SQLite refuses the manifest, exit 2" {
	[ "$STAGE_TEST_DEST" = sqlite ] || skip "PostgreSQL keeps \"Id\" and \"id\" apart"
	{ echo Id,id; echo 1,2; } >"$W/c.csv"
	one_load 500.1 t append "$W/c.csv" '.' '[["Id","bigint"],["id","bigint"]]' >m.ndjson
	run stage-copy -D "$DEST" m.ndjson
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"column 'Id' holds upper-case letters"* ]]
}

@test "numbers no double holds land exactly as decimal, beside doubles in the same column" {
	[ "$STAGE_TEST_DEST" != snowflake ] || skip "Snowflake's decimal is NUMBER(38,9) (dlt's too): 1e400 does not fit, and the COPY refuses it"
	printf '{"id":1,"a":1.5}\n{"id":2,"a":1e400}\n{"id":3,"a":-2e308}\n{"id":4,"a":1e-400}\n' |
		load_table n append 600.1
	run dest_sql 'SELECT id, CAST(a AS TEXT) FROM ds.n ORDER BY id'
	echo "$output"
	[ "${lines[0]}" = '1|1.5' ]
	# no Inf, no 0: the value as written (PostgreSQL spells numeric out)
	[[ "${lines[1]}" == 2\|1* ]] && [[ "${lines[1]}" != *[Ii]nf* ]]
	[[ "${lines[2]}" == 3\|-2* ]] && [[ "${lines[2]}" != *[Ii]nf* ]]
	[[ "${lines[3]}" == 4\|* ]] && [ "${lines[3]}" != '4|0' ] && [ "${lines[3]}" != '4|0.0' ]
	[ "$(dest_sql 'SELECT count(*) FROM ds.n WHERE a > 1e300')" = 1 ] || [ "$STAGE_TEST_DEST" = sqlite ]
}
