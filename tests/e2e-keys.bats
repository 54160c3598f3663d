#!/usr/bin/env bats
# Issue 21, the end-to-end speed: a merge table's load whose one bigint
# primary key only grows needs no sort to know that no key repeats.
# stage-copy records each binary-copied file's first and last key in its
# _stage_files row (key_lo, key_hi) when the file's keys strictly ascend;
# stage-merge skips sql_dup_keys' question when every file of the load
# has its range and no two ranges overlap (libcommon/dest/pgkeys.h).
# Whatever it skips, the rows merged are dedup's.

bats_require_minimum_version 1.5.0
load helpers/dest-scenario.bash

setup() {
	scenario_setup
	[ "${STAGE_TEST_DEST:-postgres}" = postgres ] || skip "PostgreSQL only"
	cols='[["id","bigint"],["name","text"]]'
	pk='.primary_key=["id"]'
}

# load_of LOAD A B...: manifest $W/LOAD of table t, one file a line of
# rows each (FILE CONTENT as $'1,a\n2,b\n')
load_of() {
	local load=$1 i=0 n total=0
	shift
	: >"$W/$load"
	for rows in "$@"; do
		i=$((i + 1))
		printf '%s\n%s' "$(jq -r 'map(.[0]) | join(",")' <<<"$cols")" \
			"$rows" >"$W/$load.$i"
		n=$(($(wc -l <"$W/$load.$i") - 1))
		total=$((total + n))
		fline "$load" t merge "$W/$load.$i" "$n" "$cols" "$pk" >>"$W/$load"
	done
	eline "$load" "$i" "$total" >>"$W/$load"
}

# merge_logged [OPTION...] MANIFEST: stage-merge of a copied manifest
# with every statement the server runs logged: its status in $status,
# those statements in $log
merge_logged() {
	local mark
	dest_sql "ALTER SYSTEM SET log_statement = 'all'" >/dev/null
	dest_sql "SELECT pg_reload_conf()" >/dev/null
	sleep 0.2
	mark=$(wc -c <"$PG_DIR/server.log")
	run --separate-stderr stage-merge -D "$DEST" "$@"
	dest_sql "ALTER SYSTEM RESET log_statement" >/dev/null
	dest_sql "SELECT pg_reload_conf()" >/dev/null
	log=$(tail -c +$((mark + 1)) "$PG_DIR/server.log")
}

# asked_after SQL: keys 1 and 2 copied in one ascending file, SQL run,
# then the merge (merge_logged): it succeeds and asks sql_dup_keys'
# question, for what SQL did leaves the ranges unusable
asked_after() {
	load_of L1 $'1,a\n2,b\n'
	stage-copy -D "$DEST" "$W/L1" >"$W/c1"
	dest_sql "$1" >/dev/null
	merge_logged "$W/c1"
	[ "$status" -eq 0 ]
	[[ "$log" == *"HAVING count(*) > 1"* ]]
}

rows() {
	dest_sql "SELECT id, coalesce(name, '-') FROM ds.t ORDER BY id NULLS LAST"
}

ranges() {
	dest_sql "SELECT file_id, coalesce(key_lo::text, '-'), coalesce(key_hi::text, '-') FROM ds_staging._stage_files WHERE load_id = '$1' ORDER BY seq, file_id"
}

@test "unit: a file's key ascent as binary COPY sends it, the exact span of a load's keys, the DELETE by span" {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
	run "$STAGE_UNITS/pgkeys_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "ascending keys: each file records its range, the merge skips the sort of the keys" {
	load_of L1 $'1,a\n2,b\n3,c\n' $'5,e\n7,g\n'
	stage-copy -D "$DEST" "$W/L1" >"$W/c1"
	[ "$(ranges L1)" = "t.L1.1|1|3
t.L1.2|5|7" ]
	merge_logged "$W/c1"
	[ "$status" -eq 0 ]
	[[ "$log" == *"key_lo"* ]]
	[[ "$log" != *"HAVING count(*) > 1"* ]]
	[[ "$log" != *"ROW_NUMBER()"* ]]
	[ "$(rows)" = '1|a
2|b
3|c
5|e
7|g' ]
	# the same keys again: replaced, not doubled
	load_of L2 $'1,A\n2,B\n' $'3,C\n8,H\n'
	stage-copy -D "$DEST" "$W/L2" | stage-merge -D "$DEST" >/dev/null
	[ "$(rows)" = '1|A
2|B
3|C
5|e
7|g
8|H' ]
}

@test "ranges that overlap across files: the merge asks, and the last file's row wins" {
	load_of L1 $'1,a\n2,b\n3,c\n' $'3,x\n4,d\n'
	stage-copy -D "$DEST" "$W/L1" >"$W/c1"
	[ "$(ranges L1)" = "t.L1.1|1|3
t.L1.2|3|4" ]
	merge_logged "$W/c1"
	[ "$status" -eq 0 ]
	[[ "$log" == *"HAVING count(*) > 1"* ]]
	[[ "$log" == *"ROW_NUMBER()"* ]]
	[ "$(rows)" = '1|a
2|b
3|x
4|d' ]
}

@test "a file of no rows has no range and does not stop the others' span" {
	load_of L1 $'1,a\n2,b\n3,c\n'
	stage-copy -D "$DEST" "$W/L1" | stage-merge -D "$DEST" >/dev/null
	load_of L2 $'2,B\n' '' $'3,C\n4,D\n'
	stage-copy -D "$DEST" "$W/L2" >"$W/c2"
	[ "$(ranges L2)" = "t.L2.1|2|2
t.L2.2|-|-
t.L2.3|3|4" ]
	merge_logged "$W/c2"
	[ "$status" -eq 0 ]
	[[ "$log" == *'DELETE FROM "ds"."t" WHERE ("id" BETWEEN 2 AND 4)'* ]]
	[ "$(rows)" = '1|a
2|B
3|C
4|D' ]
}

@test "files in any order: ranges that do not overlap are enough" {
	load_of L1 $'10,j\n11,k\n' $'1,a\n2,b\n'
	stage-copy -D "$DEST" "$W/L1" >"$W/c"
	merge_logged "$W/c"
	[ "$status" -eq 0 ]
	[[ "$log" != *"HAVING count(*) > 1"* ]]
	[ "$(rows)" = '1|a
2|b
10|j
11|k' ]
}

@test "a key repeated or out of order in a file, or NULL: no range, the merge asks" {
	load_of L1 $'1,a\n2,b\n2,c\n' $'9,i\n8,h\n' $',n\n'
	stage-copy -D "$DEST" "$W/L1" >"$W/c1"
	[ "$(ranges L1)" = "t.L1.1|-|-
t.L1.2|-|-
t.L1.3|-|-" ]
	merge_logged "$W/c1"
	[ "$status" -eq 0 ]
	[[ "$log" == *"HAVING count(*) > 1"* ]]
	[ "$(rows)" = '1|a
2|c
8|h
9|i
|n' ]
}

@test "keys out of order but unique: the merge asks and skips dedup's sort" {
	load_of L1 $'3,c\n1,a\n2,b\n'
	stage-copy -D "$DEST" "$W/L1" >"$W/c"
	merge_logged "$W/c"
	[ "$status" -eq 0 ]
	[[ "$log" == *"HAVING count(*) > 1"* ]]
	[[ "$log" != *"ROW_NUMBER()"* ]]
	[ "$(rows)" = '1|a
2|b
3|c' ]
}

@test "text COPY, a text key, a key of two columns: no range" {
	load_of L1 $'1,a\n2,b\n'
	STAGE_PG_COPY=text stage-copy -D "$DEST" "$W/L1" >/dev/null
	[ "$(ranges L1)" = "t.L1.1|-|-" ]
	cols='[["id","text"],["name","text"]]' load_of L2 $'1,a\n2,b\n'
	dest_sql "DROP SCHEMA ds_staging CASCADE" >/dev/null
	stage-copy -D "$DEST" "$W/L2" >/dev/null
	[ "$(ranges L2)" = "t.L2.1|-|-" ]
	pk='.primary_key=["id","name"]' load_of L3 $'3,a\n4,b\n'
	stage-copy -D "$DEST" "$W/L3" >/dev/null
	[ "$(ranges L3)" = "t.L3.1|-|-" ]
}

@test "a _stage_files made before the ranges: stage-copy adds them, a load copied before them is merged after the question" {
	asked_after "ALTER TABLE ds_staging._stage_files DROP COLUMN key_lo, DROP COLUMN key_hi"
	[ "$(rows)" = '1|a
2|b' ]
	load_of L2 $'3,c\n'
	stage-copy -D "$DEST" "$W/L2" >/dev/null
	[ "$(ranges L2)" = "t.L2.1|3|3" ]
}

@test "a staging key column no longer bigint: the merge asks" {
	asked_after "ALTER TABLE ds_staging.t ALTER COLUMN id TYPE text"
	[ "$(dest_sql "SELECT id || ':' || name FROM ds.t ORDER BY id")" = '1:a
2:b' ]
}

@test "dense keys: the DELETE of the rows replaced reads the final table alone, by the keys' span, and nothing is sampled first" {
	# final rows below, between and above the load's two spans
	load_of L1 $'1,a\n2,b\n3,c\n' $'4,d\n5,e\n6,f\n7,g\n' $'9,i\n10,j\n' $'20,t\n'
	stage-copy -D "$DEST" "$W/L1" | stage-merge -D "$DEST" >/dev/null
	load_of L2 $'2,B\n3,C\n' $'4,D\n5,E\n' $'8,H\n9,I\n'
	stage-copy -D "$DEST" "$W/L2" >"$W/c2"
	merge_logged "$W/c2"
	[ "$status" -eq 0 ]
	[[ "$log" == *'DELETE FROM "ds"."t" WHERE ("id" BETWEEN 2 AND 5 OR "id" BETWEEN 8 AND 9)'* ]]
	# no join left to plan: neither table is sampled first
	[[ "$log" != *"ANALYZE"* ]]
	[ "$(rows)" = '1|a
2|B
3|C
4|D
5|E
6|f
7|g
8|H
9|I
10|j
20|t' ]
	[ "$(dest_sql "SELECT count(DISTINCT _dlt_id) FROM ds.t WHERE _dlt_load_id = 'L2'")" = 6 ]
}

@test "keys with gaps, or a final key column not bigint: the DELETE joins the staging rows" {
	# a final row in the gap of the load's keys, which a span would delete
	load_of L1 $'1,a\n2,b\n3,c\n'
	stage-copy -D "$DEST" "$W/L1" | stage-merge -D "$DEST" >/dev/null
	load_of L2 $'1,A\n3,C\n'
	stage-copy -D "$DEST" "$W/L2" >"$W/c2"
	merge_logged "$W/c2"
	[ "$status" -eq 0 ]
	[[ "$log" == *'DELETE FROM "ds"."t" WHERE EXISTS'* ]]
	[[ "$log" == *'ANALYZE "ds_staging"."t"'* ]]
	[ "$(rows)" = '1|A
2|b
3|C' ]
	dest_sql "ALTER TABLE ds.t ALTER COLUMN id TYPE text" >/dev/null
	load_of L3 $'1,x\n2,y\n'
	stage-copy -D "$DEST" "$W/L3" >"$W/c3"
	merge_logged "$W/c3"
	[ "$status" -eq 0 ]
	[[ "$log" == *'DELETE FROM "ds"."t" WHERE EXISTS'* ]]
	[ "$(dest_sql "SELECT id || ':' || name FROM ds.t ORDER BY id")" = '1:x
2:y
3:C' ]
}

@test "dense keys with --hard-delete: flagged rows are deleted, not inserted" {
	cols='[["id","bigint"],["name","text"],["gone","bool"]]'
	load_of L1 $'1,a,\n2,b,\n3,c,\n5,e,\n'
	stage-copy -D "$DEST" "$W/L1" | stage-merge -D "$DEST" --hard-delete gone >/dev/null
	load_of L2 $'2,B,true\n3,C,false\n4,D,\n'
	stage-copy -D "$DEST" "$W/L2" >"$W/c"
	merge_logged --hard-delete gone "$W/c"
	[ "$status" -eq 0 ]
	[[ "$log" == *'DELETE FROM "ds"."t" WHERE ("id" BETWEEN 2 AND 4)'* ]]
	[ "$(rows)" = '1|a
3|C
4|D
5|e' ]
}

@test "--dry-run shows the DELETE by span the merge would send, and changes nothing" {
	load_of L1 $'1,a\n2,b\n3,c\n' $'9,i\n'
	stage-copy -D "$DEST" "$W/L1" | stage-merge -D "$DEST" >/dev/null
	load_of L2 $'2,B\n3,C\n'
	stage-copy -D "$DEST" "$W/L2" >"$W/c2"
	run --separate-stderr stage-merge -n -D "$DEST" "$W/c2"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'DELETE FROM "ds"."t" WHERE ("id" BETWEEN 2 AND 3)'* ]]
	[[ "$output" == *'-- check: 0 means stage-copy recorded the range of the keys of every file of t'* ]]
	[[ "$output" != *"ANALYZE"* && "$output" != *"ROW_NUMBER"* ]]
	[ "$(rows)" = '1|a
2|b
3|c
9|i' ]
	# the run itself sends the statements the dry run printed
	dry=$(grep -E '^(DELETE|INSERT|ANALYZE)' <<<"$output" | sed 's/;$//')
	merge_logged "$W/c2"
	[ "$status" -eq 0 ]
	sent=$(sed -n 's/.*statement: \(DELETE\|INSERT\|ANALYZE\)/\1/p' <<<"$log" |
		grep -v '_dlt_loads\|_stage_loads')
	diff <(grep -v '_dlt_loads\|_stage_loads' <<<"$dry") - <<<"$sent"
	[ "$(rows)" = '1|a
2|B
3|C
9|i' ]
}
