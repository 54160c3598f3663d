#!/usr/bin/env bats
# Loads of one table commit in load_id order: a load older than one that
# already merged into a merge or replace table is refused (exit 1, with a
# message naming both), so that overlapping runs can never put older rows
# over newer ones.  Appends are not ordered.  dlt's load ids compare as
# numbers.  Runs against STAGE_TEST_DEST (helpers/dest.bash).

bats_require_minimum_version 1.5.0
load helpers/dest-scenario.bash

setup() {
	scenario_setup
	cols='[["id","bigint"],["v","text"]]'
	pk='.primary_key=["id"]'
}

# manifest LOAD DISP FILE ROWS...: a copied manifest of one file
manifest() {
	local load=$1 disp=$2 f=$W/$1.csv; shift 2
	{ echo id,v; printf '%s\n' "$@"; } >"$f"
	{ fline "$load" t "$disp" "$f" $# "$cols" "$pk"; eline "$load" 1 $#; } |
		stage-copy -q -D "$DEST" >"$W/c$load"
}

rows() {
	dest_sql 'SELECT id, v, _dlt_load_id FROM ds.t ORDER BY id'
}

@test "merge: an older load after a newer one is refused and changes nothing" {
	manifest 1764900000.200000 merge 1,new 2,new
	manifest 1764900000.100000 merge 1,old 3,old
	stage-merge -q -D "$DEST" "$W/c1764900000.200000" >/dev/null
	run stage-merge -D "$DEST" "$W/c1764900000.100000"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"t: load 1764900000.100000 is older than load 1764900000.200000, which was merged into ds.t before"* ]]
	[[ "$output" != *'"merged"'* ]]
	[ "$(rows)" = '1|new|1764900000.200000
2|new|1764900000.200000' ]
	[ "$(dest_sql 'SELECT load_id FROM ds._dlt_loads')" = 1764900000.200000 ]
	# its rows stay staged (nothing lost): a newer id merges them
}

@test "merge: loads in load_id order both merge, the newer's rows win" {
	manifest 1764900000.100000 merge 1,old 3,old
	manifest 1764900000.200000 merge 1,new 2,new
	stage-merge -q -D "$DEST" "$W/c1764900000.100000" >/dev/null
	stage-merge -q -D "$DEST" "$W/c1764900000.200000" >/dev/null
	[ "$(rows)" = '1|new|1764900000.200000
2|new|1764900000.200000
3|old|1764900000.100000' ]
}

@test "replace: an older load after a newer one is refused" {
	manifest 1764900000.2 replace 1,new
	manifest 1764900000.1 replace 1,old
	stage-merge -q -D "$DEST" "$W/c1764900000.2" >/dev/null
	run stage-merge -D "$DEST" "$W/c1764900000.1"
	[ "$status" -eq 1 ]
	[[ "$output" == *"older than load 1764900000.2"* ]]
	[ "$(rows)" = '1|new|1764900000.2' ]
}

@test "load ids compare as numbers: 999.5 is older than 1000.1" {
	manifest 1000.1 merge 1,new
	manifest 999.5 merge 1,old
	stage-merge -q -D "$DEST" "$W/c1000.1" >/dev/null
	run stage-merge -D "$DEST" "$W/c999.5"
	[ "$status" -eq 1 ]
	[ "$(rows)" = '1|new|1000.1' ]
	# and the other way round is in order
	manifest 1000.25 merge 1,newer
	run stage-merge -D "$DEST" "$W/c1000.25"
	[ "$status" -eq 0 ]
	[ "$(rows)" = '1|newer|1000.25' ]
}

@test "append: loads are not ordered, an older append still merges" {
	manifest 1764900000.2 append 1,new
	manifest 1764900000.1 append 2,old
	stage-merge -q -D "$DEST" "$W/c1764900000.2" >/dev/null
	run stage-merge -D "$DEST" "$W/c1764900000.1"
	[ "$status" -eq 0 ]
	[ "$(dest_sql 'SELECT count(*) FROM ds.t')" = 2 ]
}

@test "the refusal is per table: an older load into another table merges" {
	manifest 1764900000.2 merge 1,new
	stage-merge -q -D "$DEST" "$W/c1764900000.2" >/dev/null
	f=$W/u.csv
	printf 'id,v\n1,u\n' >"$f"
	{ fline 1764900000.1 u merge "$f" 1 "$cols" "$pk"; eline 1764900000.1 1 1; } |
		stage-copy -q -D "$DEST" >"$W/cu"
	run stage-merge -D "$DEST" "$W/cu"
	[ "$status" -eq 0 ]
	[ "$(dest_sql 'SELECT id, v FROM ds.u')" = '1|u' ]
}

@test "one run merges its loads in load_id order, whatever the input order" {
	manifest 1764900000.1 merge 1,old 3,old
	manifest 1764900000.2 merge 1,new 2,new
	run stage-merge -D "$DEST" "$W/c1764900000.2" "$W/c1764900000.1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(rows)" = '1|new|1764900000.2
2|new|1764900000.2
3|old|1764900000.1' ]
	[ "$(jq -r 'select(.end) | .load_id' <<<"$output" | paste -sd' ')" = '1764900000.1 1764900000.2' ]
}
