#!/usr/bin/env bats
# Bad input at every step, as a first-time user meets it, on the embedded
# default (SQLite, local staging): each error says program: object: what:
# why, exits with DESIGN.md's code, and leaves no partial table.

setup() {
	W=$BATS_TEST_TMPDIR
	cd "$W"
	unset STAGE_DESTINATION STAGE_BUCKET_URL STAGE_SQLITE_PATH
}

@test "stage-copy: a staged local object that vanished says 'cannot open', like stage-put, exit 1" {
	printf '{"id":1}\n' | stage-write -q -t t --dataset ds -d out |
		stage-put -q -b "$W/bucket" >put.ndjson
	rm -r "$W/bucket/ds"
	run stage-copy -D "sqlite://$W/x.db" put.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == "stage-copy: file://$W/bucket/ds/t/"*".csv: cannot open: No such file or directory" ]]
}
