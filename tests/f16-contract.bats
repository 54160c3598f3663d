#!/usr/bin/env bats
# Issue 16, the contract between the programs: a load is complete only
# with its totals and every file copied (item 2), a load id names one set
# of files and tables (item 3), dedup order comes from stage-write (item
# 4), dry runs show what is sent (item 21).  Runs against STAGE_TEST_DEST
# (helpers/dest.bash); f16-contract.sqlite.bats is the SQLite twin.

bats_require_minimum_version 1.5.0
load helpers/dest-scenario.bash

setup() {
	scenario_setup
	cols='[["id","bigint"],["name","text"],["v","bigint"]]'
}

# csv NAME ROWS...: a file of id,name,v rows ("1,a,10")
csv() {
	local f=$W/$1; shift
	{ echo id,name,v; printf '%s\n' "$@"; } >"$f"
	echo "$f"
}

rows() {
	dest_sql "SELECT id, coalesce(name, '-'), coalesce(CAST(v AS TEXT), '-') FROM ds.${1:-t} ORDER BY id"
}

@test "f16-2: an end line without files or rows is malformed in stage-put, stage-copy and stage-merge (exit 3)" {
	fline L1 t append "$(csv a 1,a,10)" 1 "$cols" >"$W/m"
	echo '{"v":1,"end":true,"load_id":"L1","rows":1}' >>"$W/m"
	for p in "stage-put -b $W/bucket" "stage-copy -D $DEST" "stage-merge -D $DEST"; do
		run $p "$W/m"
		echo "$p: $output"
		[ "$status" -eq 3 ]
		[[ "$output" == *"m:2: end line: field 'files' missing"* ]]
		[[ "$output" != *'"end":true'* ]]
	done
	sed -i 's/"rows":1}$/"files":1}/' "$W/m"
	run stage-merge -D "$DEST" "$W/m"
	[ "$status" -eq 3 ]
	[[ "$output" == *"field 'rows' missing"* ]]
	[ "$(dest_sql "SELECT count(*) FROM ds._dlt_loads" 2>/dev/null || echo 0)" = 0 ]
}

@test "f16-2: a partial manifest without totals merges nothing; the full one merges every row" {
	fline L1 t append "$(csv a 1,a,10)" 1 "$cols" >"$W/full"
	fline L1 t append "$(csv b 2,b,20)" 1 "$cols" >>"$W/full"
	eline L1 2 2 >>"$W/full"
	{ head -1 "$W/full"; echo '{"v":1,"end":true,"load_id":"L1"}'; } >"$W/part"
	run bash -c "stage-copy -D '$DEST' '$W/part' | stage-merge -D '$DEST'"
	[ "$status" -eq 3 ]
	run bash -c "stage-copy -D '$DEST' '$W/full' | stage-merge -D '$DEST'"
	[ "$status" -eq 0 ]
	[ "$(rows)" = '1|a|10
2|b|20' ]
}

@test "f16-2: an end line whose rows is wrong stops stage-put as it stops stage-copy (exit 3)" {
	fline L1 t append "$(csv a 1,a,10)" 1 "$cols" >"$W/m"
	eline L1 1 5 >>"$W/m"
	run stage-put -b "$W/bucket" "$W/m"
	[ "$status" -eq 3 ]
	[[ "$output" == *"end line of load L1 promises 1 files and 5 rows, the manifest has 1 and 1"* ]]
	[[ "$output" != *'"end":true'* ]]
	run stage-copy -D "$DEST" "$W/m"
	[ "$status" -eq 3 ]
	[[ "$output" == *"end line of load L1 promises 1 files and 5 rows"* ]]
}

@test "f16-2: stage-merge records no load until every file of it is copied, even one of no rows" {
	fline L1 t append "$(csv a 1,a,10)" 1 "$cols" >"$W/full"
	printf "id,name,v\n" >"$W/b"; fline L1 t append "$W/b" 0 "$cols" >>"$W/full"
	eline L1 2 1 >>"$W/full"
	{ head -1 "$W/full"; eline L1 1 1; } >"$W/part"
	stage-copy -D "$DEST" "$W/part" >/dev/null
	run stage-merge -D "$DEST" "$W/full"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"t: 1 of the 2 files of load L1 are recorded as copied: run stage-copy on this manifest first"* ]]
	[ "$(dest_sql "SELECT count(*) FROM ds._dlt_loads")" = 0 ]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging.t")" = 1 ]
	run bash -c "stage-copy -D '$DEST' '$W/full' | stage-merge -D '$DEST'"
	[ "$status" -eq 0 ]
	[ "$(rows)" = '1|a|10' ]
	[ "$(dest_sql "SELECT load_id FROM ds._dlt_loads")" = L1 ]
}

@test "f16-3: a load id used again for another table is refused by stage-copy before anything is staged" {
	{ fline L1 t append "$(csv a 1,a,10)" 1 "$cols"; eline L1 1 1; } >"$W/m1"
	{ fline L1 u append "$(csv b 2,b,20)" 1 "$cols"; eline L1 1 1; } >"$W/m2"
	stage-copy -D "$DEST" "$W/m1" | stage-merge -D "$DEST" >/dev/null
	run stage-copy -D "$DEST" "$W/m2"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"b: load L1 was merged before without this file (table u, file_id u.b): its load id was used again for other data; not copied"* ]]
	[[ "$output" != *'"copied"'* ]]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging._stage_files WHERE table_name = 'u'")" = 0 ]
	run bash -c "stage-copy -D '$DEST' '$W/m2' | stage-merge -D '$DEST'"
	[ "$status" -ne 0 ]
	[ "$(rows)" = '1|a|10' ]
	# the original load's re-run is still a no-op
	run bash -c "stage-copy -D '$DEST' '$W/m1' | stage-merge -D '$DEST'"
	[ "$status" -eq 0 ]
	[ "$(rows)" = '1|a|10' ]
}

@test "f16-3: copied before the first use merged, the other table's load is refused by stage-merge and nothing is deleted" {
	{ fline L1 t append "$(csv a 1,a,10)" 1 "$cols"; eline L1 1 1; } >"$W/m1"
	{ fline L1 u append "$(csv b 2,b,20)" 1 "$cols"; eline L1 1 1; } >"$W/m2"
	stage-copy -D "$DEST" "$W/m1" >"$W/c1"
	stage-copy -D "$DEST" "$W/m2" >"$W/c2"
	stage-merge -D "$DEST" "$W/c1" >/dev/null
	run stage-merge -D "$DEST" "$W/c2"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"u: load L1 was merged before without this table: its load id was used again for other data; nothing changed"* ]]
	[[ "$output" != *'"merged"'* ]]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging.u")" = 1 ]
	[ "$(rows)" = '1|a|10' ]
}

@test "f16-3: a load id used again with more files of the same table is refused, nothing deleted" {
	{ fline L1 t append "$(csv a 1,a,10)" 1 "$cols"; eline L1 1 1; } >"$W/m1"
	{ head -1 "$W/m1"; fline L1 t append "$(csv b 2,b,20)" 1 "$cols"; eline L1 2 2; } >"$W/m2"
	stage-copy -D "$DEST" "$W/m1" | stage-merge -D "$DEST" >/dev/null
	run stage-copy -D "$DEST" "$W/m2"
	[ "$status" -eq 1 ]
	[[ "$output" == *"b: load L1 was merged before without this file"* ]]
	[ "$(rows)" = '1|a|10' ]
	# and if the file was staged before the first use merged, stage-merge
	# refuses the load it now sees and keeps the rows
	dest_reset
	stage-copy -D "$DEST" "$W/m1" >"$W/c1"
	stage-copy -D "$DEST" "$W/m2" >/dev/null
	run stage-merge -D "$DEST" "$W/c1"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"t: staging holds 2 rows of load L1, more than the 1 the manifest lists: other data was staged under this load id; nothing changed"* ]]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging.t")" = 2 ]
	run dest_sql "SELECT count(*) FROM ds._dlt_loads"
	[ "$output" = 0 ] || [ "$status" -ne 0 ]
}

@test "f16-3: rows staged into a merged load behind stage-copy's back are refused by stage-merge, not deleted" {
	{ fline L1 t append "$(csv a 1,a,10)" 1 "$cols"; eline L1 1 1; } >"$W/m1"
	{ head -1 "$W/m1"; fline L1 t append "$(csv b 2,b,20)" 1 "$cols"; eline L1 2 2; } >"$W/m2"
	stage-copy -D "$DEST" "$W/m1" | stage-merge -D "$DEST" >/dev/null
	# what a stage-copy that did not look at the merge record would do
	# (Snowflake's _stage_files has no default for copied_at)
	at= atv=
	[ "$STAGE_TEST_DEST" != snowflake ] || at=', copied_at' atv=', CURRENT_TIMESTAMP()'
	dest_sql "INSERT INTO ds_staging._stage_files (load_id, table_name, file_id, seq, sha256, \"rows\"$at) VALUES ('L1', 't', 't.b', 2, 'x', 1$atv)" >/dev/null
	n=$(dest_sql "SELECT file_no FROM ds_staging._stage_files WHERE file_id = 't.b'")
	dest_sql "INSERT INTO ds_staging.t (id, name, v, _stage_row) VALUES (2, 'b', 20, $n * 4294967296 + 1)" >/dev/null
	run stage-merge -D "$DEST" "$W/m2"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"t: load L1 was merged before, and 1 rows of it were staged since: its load id was used again for other data; nothing changed"* ]]
	[ "$(dest_sql "SELECT count(*) FROM ds_staging.t")" = 1 ]
	[ "$(rows)" = '1|a|10' ]
}

# writes 20 rows of key 1 (v = 1..20), one file each, as a merge load
twenty() {
	seq 1 20 | sed 's/.*/{"id":1,"v":&}/' | stage-write -t t --dataset ds \
		--disposition merge --primary-key id --max-rows 1 --load-id L1 \
		-d "$W/files"
}

@test "f16-4: dedup keeps stage-write's last row whatever order the manifest lines come in" {
	twenty >"$W/m"
	[ "$(grep -c '"file_id"' "$W/m")" = 20 ]
	# every file line, reversed, then the end line
	{ grep -v '"end":true' "$W/m" | tac; grep '"end":true' "$W/m"; } >"$W/shuffled"
	run bash -c "stage-copy -D '$DEST' '$W/shuffled' | stage-merge -D '$DEST'"
	[ "$status" -eq 0 ]
	[ "$(dest_sql 'SELECT id, v FROM ds.t')" = '1|20' ]
}

@test "f16-4: dedup keeps the last row with lines in a random order, several times" {
	twenty >"$W/m"
	for i in 1 2 3; do
		dest_reset
		{ grep -v '"end":true' "$W/m" | shuf --random-source=<(yes $i); grep '"end":true' "$W/m"; } >"$W/shuffled"
		stage-copy -D "$DEST" -j 4 "$W/shuffled" | stage-merge -D "$DEST" >/dev/null
		[ "$(dest_sql 'SELECT id, v FROM ds.t')" = '1|20' ]
	done
}

@test "f16-18: stage-merge -v names the destination it merges into, the one stage-copy loaded" {
	{ fline L1 t append "$(csv a 1,a,10)" 1 "$cols"; eline L1 1 1; } >"$W/m"
	stage-copy -D "$DEST" "$W/m" >"$W/c"
	cd "$W"
	run -0 env -u STAGE_DESTINATION stage-merge -v "$W/c"
	echo "$output"
	[[ "$output" == *"merging into $DEST ($STAGE_TEST_DEST: "* ]]
	if [ "$STAGE_TEST_DEST" = postgres ]; then [[ "$output" != *sqlite* ]]; fi
	[ "$(rows)" = '1|a|10' ]
}

@test "f16-21: stage-copy --dry-run prints the COPY the real run sends" {
	{ fline L1 t append "$(csv a 1,a,10)" 1 "$cols"; eline L1 1 1; } >"$W/m"
	run -0 stage-copy -n -D "$DEST" "$W/m"
	plan=$output
	if [ "$STAGE_TEST_DEST" = snowflake ]; then
		[[ "$plan" == *'COPY INTO "ds_staging"."t" ("_stage_row", "id", "name", "v") FROM @"ds_staging"."%t"/stage-'* ]]
		skip "binary COPY is PostgreSQL's"
	elif [ "$STAGE_TEST_DEST" != postgres ]; then
		[[ "$plan" == *'INSERT INTO "ds_staging"."t"'* ]]
		skip "binary COPY is PostgreSQL's"
	fi
	run -0 stage-copy -v -D "$DEST" "$W/m"
	sent=$(grep -o 'COPY .*' <<<"$output")
	[[ "$sent" == *'(FORMAT binary)' ]]
	grep -qxF "$sent;" <<<"$plan"
	[[ "$plan" != *'FORMAT csv'* ]]
	# told to use text, the plan says csv
	dest_reset
	STAGE_PG_COPY=text run -0 stage-copy -n -D "$DEST" "$W/m"
	[[ "$output" == *'FROM STDIN WITH (FORMAT csv, HEADER'* ]]
	[[ "$output" != *'FORMAT binary'* ]]
}

@test "f16-21: stage-merge --dry-run shows the lock and the checks run inside the transaction" {
	{ fline L1 t append "$(csv a 1,a,10 2,b,20)" 2 "$cols"; eline L1 1 2; } >"$W/m"
	stage-copy -D "$DEST" "$W/m" >"$W/c"
	run -0 stage-merge -n -D "$DEST" "$W/c"
	echo "$output"
	# the merge's transaction takes the lock first
	if [ "$STAGE_TEST_DEST" = postgres ]; then
		lock="SELECT pg_advisory_xact_lock(hashtext('stage:merge:ds'));"
	else
		lock='BEGIN IMMEDIATE;'
	fi
	# (the last lock before the first check: SQLite clears a merged
	# load's staging rows in a transaction of its own after it)
	first=$(grep -n -- '-- check: ' <<<"$output" | head -1 | cut -d: -f1)
	lockline=$(grep -nxF "$lock" <<<"$output" | cut -d: -f1 |
		awk -v f="$first" '$1 < f' | tail -1)
	[ -n "$lockline" ] && [ "$lockline" -lt "$first" ]
	[ -z "$(sed -n "$lockline,${first}p" <<<"$output" | grep -x 'COMMIT;')" ]
	[[ "$output" == *'"_dlt_loads" AS l LEFT JOIN'*'-- check: '*'merged before'* ]]
	[[ "$output" == *'SELECT count(*) FROM "ds_staging"."t" AS s JOIN'*'-- check: must be 2, the rows of t the manifest lists, else ROLLBACK'* ]]
	[[ "$output" == *'SELECT count(*) FROM "ds_staging"."_stage_files" WHERE load_id = '\''L1'\'' AND table_name = '\''t'\'';'*'-- check: must be 1, the files of t'* ]]
	# checks come before the first INSERT into the final table
	checks=$(grep -n -- '-- check: must be 2' <<<"$output" | cut -d: -f1)
	insert=$(grep -n 'INSERT INTO "ds"."t"' <<<"$output" | head -1 | cut -d: -f1)
	[ "$checks" -lt "$insert" ]
	# and nothing changed
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging.t')" = 2 ]
}
