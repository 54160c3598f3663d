#!/usr/bin/env bats
# stage-copy checks each staged object against its manifest line (sha256,
# bytes) while streaming it: an object changed in the staging storage
# after stage-put is refused and its file's transaction rolled back.
# Runs against STAGE_TEST_DEST (helpers/dest.bash); linked as
# stage-copy-integrity.sqlite.bats for SQLite.

bats_require_minimum_version 1.5.0

setup_file() {
	load helpers/dest.bash
	dest_start
}

teardown_file() {
	load helpers/dest.bash
	dest_stop
}

setup() {
	load helpers/dest.bash
	dest_reset
	W=$BATS_TEST_TMPDIR
	cd "$W"
}

# stage FORMAT COMPRESSION: three users written and put into a file://
# bucket; the manifest lands in $W/m, the staged object's path in $OBJ
# and a pristine copy of it in $W/orig.
stage() {
	printf '%s\n' '{"id":1,"name":"alice"}' '{"id":2,"name":"bob"}' \
		'{"id":3,"name":"cy"}' |
	stage-write -q -t users --dataset ds --load-id L1 -f "$1" -z "$2" \
		-d "$W/out" |
	stage-put -q -b "file://$W/bucket" >"$W/m"
	OBJ=$(head -1 "$W/m" | jq -r .url)
	OBJ=${OBJ#file://}
	SHA=$(head -1 "$W/m" | jq -r .sha256)
	[ -f "$OBJ" ]
	cp "$OBJ" "$W/orig"
}

# flip OFFSET: inverts the low bit of the object's byte at OFFSET (from 0,
# negative from the end), keeping its size.
flip() {
	python3 - "$OBJ" "$1" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read())
b[off] ^= 1
open(p, 'wb').write(bytes(b))
PY
}

# copy_refused: stage-copy fails on the altered object with the mismatch
# message naming both hashes, writes no end line and leaves no rows.
copy_refused() {
	local got
	got=$(sha256sum "$OBJ" | cut -c1-64)
	run --separate-stderr stage-copy -D "$DEST" "$W/m"
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"file://$OBJ: sha256 mismatch: the staged object hashes to $got, the manifest says $SHA (changed or corrupted in the staging storage?)"* ]]
	! jq -e 'select(.end == true)' <<<"$output" >/dev/null
	nothing_landed
}

# No row and no bookkeeping for the file (the tables may not exist).
nothing_landed() {
	local n
	n=$(dest_sql 'SELECT count(*) FROM ds_staging.users' 2>/dev/null) || n=0
	[ "$n" = 0 ]
	n=$(dest_sql 'SELECT count(*) FROM ds_staging._stage_files' 2>/dev/null) || n=0
	[ "$n" = 0 ]
}

# After restoring the object the load goes in once, and a re-run skips it.
restored_loads_once() {
	cp "$W/orig" "$OBJ"
	run stage-copy -D "$DEST" "$W/m"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tail -1 <<<"$output" | jq -r .end)" = true ]
	run stage-copy -D "$DEST" "$W/m"
	[ "$status" -eq 0 ]
	[ "$(head -1 <<<"$output" | jq -c .copied.skipped)" = true ]
	[ "$(dest_sql 'SELECT id, name FROM ds_staging.users ORDER BY id')" = '1|alice
2|bob
3|cy' ]
	[ "$(dest_sql 'SELECT count(*) FROM ds_staging._stage_files')" = 1 ]
}

@test "stage-copy loads an unaltered staged object" {
	stage csv gzip
	run stage-copy -D "$DEST" "$W/m"
	[ "$status" -eq 0 ]
	[ "$(dest_sql 'SELECT count(*), sum(id) FROM ds_staging.users')" = '3|6' ]
}

@test "stage-copy refuses a CSV object with one byte flipped, then loads it once restored" {
	stage csv none
	# "alice" -> "alicd": still a valid CSV, only the hash tells
	off=$(grep -bo alice "$OBJ" | cut -d: -f1)
	flip $((off + 4))
	cmp -s "$OBJ" "$W/orig" && false
	copy_refused
	restored_loads_once
}

@test "stage-copy refuses a gzip object with one byte flipped, then loads it once restored" {
	stage csv gzip
	flip -6		# in the CRC-32 trailer: the data inflates fine
	copy_refused
	# a flipped byte inside the deflate data fails as damage too
	cp "$W/orig" "$OBJ"
	flip 20
	copy_refused
	restored_loads_once
}

@test "stage-copy refuses a truncated object, then loads it once restored" {
	stage jsonl zstd
	head -c "$(($(wc -c <"$W/orig") - 3))" "$W/orig" >"$OBJ"
	copy_refused
	restored_loads_once
}

@test "stage-copy refuses a truncated uncompressed CSV object whose rows still parse" {
	stage csv none
	# drop the last row's final byte and its newline: "3,cy\n" -> "3,c"
	head -c "$(($(wc -c <"$W/orig") - 2))" "$W/orig" >"$OBJ"
	copy_refused
	restored_loads_once
}

@test "stage-copy refuses an object whose size differs when the line has no sha256" {
	stage csv none
	jq -c 'if .end then . else del(.sha256) end' "$W/m" >"$W/m2"
	mv "$W/m2" "$W/m"
	printf '4,dee\n' >>"$OBJ"
	run --separate-stderr stage-copy -D "$DEST" "$W/m"
	echo "$stderr"
	[ "$status" -eq 1 ]
	want=$(($(wc -c <"$W/orig")))
	[[ "$stderr" == *"file://$OBJ: size mismatch: the staged object has $((want + 6)) bytes, the manifest says $want (changed or corrupted in the staging storage?)"* ]]
	nothing_landed
}
