#!/usr/bin/env bats
# Messages that point at the cause when the input is not a manifest:
# records fed to a step that wants a manifest, and a byte order mark.

bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "records fed to stage-put, stage-copy or stage-merge: 'did you mean stage-write?', exit 3" {
	printf '{"id":1,"name":"a"}\n' >rec.ndjson
	for p in "stage-put -b ./b" "stage-copy -D sqlite://$PWD/s.db" "stage-merge -D sqlite://$PWD/s.db"; do
		run --separate-stderr $p rec.ndjson
		echo "$p: $status: $stderr"
		[ "$status" -eq 3 ]
		[[ "$stderr" == *"rec.ndjson:1: this is not a manifest"*"did you mean stage-write?"* ]]
		[ -z "$output" ]
	done
	[ ! -e b ]
}

@test "a manifest that starts with a UTF-8 byte order mark is named as such, exit 3" {
	printf '\xef\xbb\xbf{"v":1,"end":true,"load_id":"L","files":0,"rows":0}\n' >bom.ndjson
	run --separate-stderr stage-put -b ./b bom.ndjson
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"bom.ndjson:1: "*"byte order mark (BOM)"* ]]
}
