#!/usr/bin/env bats
# Bad input at every step, as a first-time user meets it, on the embedded
# default (SQLite, local staging): each error says program: object: what:
# why, exits with doc/DESIGN.md's code, and leaves no partial table.

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

@test "a number beyond any double (1e999) lands as decimal, not as a double the destination refuses" {
	printf '{"id":1,"a":1e999}\n{"id":2,"a":-2.5e400}\n' |
		stage-write -q -t n --dataset ds -d out >w.ndjson
	[ "$(jq -r 'select(.columns) | .columns[1].type' w.ndjson)" = decimal ]
	stage-put -q -b "$W/bucket" <w.ndjson |
		stage-copy -q -D "sqlite://$W/x.db" | stage-merge -q -D "sqlite://$W/x.db"
	[ "$(sqlite3 "$W/x__ds.db" 'SELECT id, a FROM n ORDER BY id')" = "1|1e999
2|-2.5e400" ]
}

@test "an end line whose files or rows is not a count is a malformed manifest in every step, exit 3" {
	local p
	for p in "stage-put -b $W/bucket" "stage-copy -D sqlite://$W/x.db" "stage-merge -D sqlite://$W/x.db"; do
		for f in '"files":"a"' '"rows":-1' '"files":1.5'; do
			echo "{\"v\":1,\"end\":true,\"load_id\":\"x\",$f}" >m.ndjson
			run $p m.ndjson
			echo "$p $f: $output"
			[ "$status" -eq 3 ]
			[[ $output == "${p%% *}: m.ndjson:1: field '"*"' is not a count" ]]
		done
	done
	[ ! -e "$W/x__ds.db" ]
}
