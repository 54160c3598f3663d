#!/usr/bin/env bats
# Recovery when stage-write itself was interrupted (README, "Recovering a
# failed load"): re-run it with the partial manifest's load id, and the
# whole pipeline finishes with every row exactly once.

bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T"
	for i in $(seq 1 30); do printf '{"id":%d,"v":"r%d"}\n' "$i" "$i"; done >in.ndjson
	DB=sqlite://$T/stage.db
}

@test "stage-write cut after two files: the re-run with its load id completes the load, nothing twice" {
	# what a stage-write killed after its second file had written
	head -20 in.ndjson | stage-write -t t --disposition merge --primary-key id \
		--max-rows 10 -d "$T/f" | head -2 >write.ndjson
	run --separate-stderr stage-put -b "$T/b" write.ndjson
	[ "$status" -eq 3 ]
	printf '%s\n' "$output" >put.ndjson
	[ "$(wc -l <put.ndjson)" -eq 2 ]
	run --separate-stderr stage-copy -D "$DB" put.ndjson
	[ "$status" -eq 3 ]
	[ "$(wc -l <<<"$output")" -eq 2 ]
	# the re-run, as the README says
	id=$(jq -r .load_id write.ndjson | head -1)
	stage-write -t t --disposition merge --primary-key id --max-rows 10 \
		--load-id "$id" -d "$T/f" in.ndjson >write2.ndjson
	stage-put -b "$T/b" write2.ndjson >put2.ndjson
	stage-copy -D "$DB" put2.ndjson >copy2.ndjson
	[ "$(jq -s 'map(select(.copied.skipped)) | length' copy2.ndjson)" -eq 2 ]
	stage-merge -D "$DB" copy2.ndjson >/dev/null
	[ "$(sqlite3 "$T/stage__stage_dataset.db" 'SELECT count(*), count(DISTINCT id), sum(id) FROM t')" = '30|30|465' ]
}

@test "stage-write cut, then the input changed: the re-run under the old load id is refused, nothing lost" {
	head -20 in.ndjson | stage-write -t t --max-rows 10 -d "$T/f" | head -2 >write.ndjson
	stage-put -b "$T/b" write.ndjson >put.ndjson || true
	stage-copy -D "$DB" put.ndjson >/dev/null || true
	id=$(jq -r .load_id write.ndjson | head -1)
	# the producer now gives other records
	sed 's/"r/"changed /' in.ndjson >in2.ndjson
	stage-write -t t --max-rows 10 --load-id "$id" -d "$T/f2" in2.ndjson |
		stage-put -b "$T/b2" >put2.ndjson
	run --separate-stderr stage-copy -D "$DB" put2.ndjson
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"already copied"* ]]
	# under a new load id the changed input loads whole
	stage-write -t t --max-rows 10 -d "$T/f3" in2.ndjson | stage-put -b "$T/b3" |
		stage-copy -D "$DB" | stage-merge -D "$DB" >/dev/null
	[ "$(sqlite3 "$T/stage__stage_dataset.db" "SELECT count(*) FROM t WHERE v LIKE 'changed %'")" = 30 ]
}
