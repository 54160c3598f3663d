#!/usr/bin/env bats
# stage-put --remove-source (local loader files removed once their staged
# copy is verified, never before; a kill and a re-run included) and
# stage-put --check (the bucket reached, as whom), on a local bucket and
# on S3 (the JuiceFS gateway, helpers/s3.bash).

bats_require_minimum_version 1.5.0
load helpers/s3.bash

setup_file() { s3_start; }
teardown_file() { s3_stop; }

setup() {
	W=$BATS_TEST_TMPDIR
	seq 1 3000 | sed 's/.*/{"id":&,"name":"n&"}/' |
		stage-write -t t --dataset ds --max-rows 100 --load-id L1 \
		-d "$W/files" >"$W/m"
}

# every object of the put manifest holds the bytes its line says (the
# bucket fetched once with one aws CLI run, not one per object)
objects_ok() {
	local dl=$BATS_TEST_TMPDIR/objects
	if grep -q '"url":"s3://' "$1"; then
		rm -rf "$dl"
		s3 s3 cp --quiet --recursive "s3://$S3_BUCKET" "$dl" || return 1
	fi
	jq -r 'select(.file) | [.url, .sha256] | @tsv' "$1" |
	while IFS=$'\t' read -r url sha; do
		case $url in
		file://*) got=$(sha256sum "${url#file://}" | cut -c1-64) ;;
		s3://*) got=$(sha256sum "$dl/${url#"s3://$S3_BUCKET/"}" | cut -c1-64) ;;
		esac
		[ "$got" = "$sha" ] || { echo "$url: $got, not $sha"; return 1; }
	done
}

@test "without --remove-source the loader files stay" {
	stage-put -q -b "$W/bucket" "$W/m" >"$W/p"
	[ "$(ls "$W/files" | wc -l)" = 30 ]
}

@test "--remove-source removes each loader file once its copy is stored, and the staged objects are whole" {
	run --separate-stderr stage-put --remove-source -b "$W/bucket" "$W/m"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$W/p"
	[ "$(grep -c '"url"' "$W/p")" = 30 ]
	[ -z "$(ls "$W/files")" ]
	objects_ok "$W/p"
	# a re-run on stage-write's manifest: the files are gone, the objects
	# are there: done, same lines
	run --separate-stderr stage-put --remove-source -b "$W/bucket" "$W/m"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c '"url"')" = 30 ]
}

@test "--remove-source on S3: files removed after their upload, objects verified" {
	run --separate-stderr stage-put --remove-source -j 4 -b "s3://$S3_BUCKET/rs" "$W/m"
	echo "$stderr"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$W/p"
	[ -z "$(ls "$W/files")" ]
	objects_ok "$W/p"
}

@test "--remove-source never removes a file whose upload failed" {
	# one file's bytes no longer match its manifest line: refused
	f=$(jq -r 'select(.file) | .file' "$W/m" | sed -n 7p)
	printf 'x' >>"$f"
	run --separate-stderr stage-put --remove-source -b "$W/bucket" "$W/m"
	[ "$status" -eq 1 ]
	[ -f "$f" ]
	[ "$(ls "$W/files")" = "$(basename "$f")" ]
}

@test "--remove-source never removes a file that is its own staged object (a local bucket over -d)" {
	seq 1 300 | sed 's/.*/{"id":&}/' | stage-write -t t --dataset ds \
		--max-rows 100 --load-id L1 -d "$W/self" >"$W/ms"
	[ "$(ls "$W/self")" = "$(printf 't.L1.0001.csv\nt.L1.0002.csv\nt.L1.0003.csv')" ]
	run --separate-stderr stage-put -v --remove-source \
		--layout '{table_name}.{load_id}.000{file_id}.{ext}' -b "$W/self" "$W/ms"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"t.L1.0001.csv: it is the staged object itself: kept"* ]]
	[ "$(ls "$W/self")" = "$(printf 't.L1.0001.csv\nt.L1.0002.csv\nt.L1.0003.csv')" ]
	printf '%s\n' "$output" >"$W/p"
	objects_ok "$W/p"
}

@test "--remove-source killed in the middle: the re-run finishes, every file removed only once it is stored" {
	seq 1 60000 | sed 's/.*/{"id":&,"name":"a longer name to make the files bigger &"}/' |
		stage-write -t t --dataset ds --max-rows 500 --load-id L2 \
		-d "$W/big" >"$W/mbig"
	n=$(grep -c '"file"' "$W/mbig")
	for i in 1 2 3; do
		stage-put --remove-source -j 2 -b "s3://$S3_BUCKET/kill" "$W/mbig" >"$W/p$i" 2>/dev/null &
		pid=$!
		sleep 0.$((RANDOM % 5 + 2))
		kill -9 "$pid" 2>/dev/null || :
		wait "$pid" || :
		# a file already removed has its line in this run's output
		# or an earlier one: never removed before its object was stored
		for f in $(jq -r 'select(.file) | .file' "$W/mbig"); do
			[ -e "$f" ] && continue
			cat "$W"/p* | grep -q "\"file\":\"$f\"" || { echo "$f removed without its line"; false; }
		done
	done
	run --separate-stderr stage-put --remove-source -j 2 -b "s3://$S3_BUCKET/kill" "$W/mbig"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$W/pfinal"
	[ "$(grep -c '"url"' "$W/pfinal")" = "$n" ]
	[ -z "$(ls "$W/big")" ]
	objects_ok "$W/pfinal"
}

@test "--check on a local bucket says whether it can write there, and changes nothing" {
	run stage-put --check -b "$W/nb"
	[ "$status" -eq 0 ]
	[ "$output" = "reached file: directory $W/nb does not exist yet (stage-put makes it)" ]
	[ ! -e "$W/nb" ]
	mkdir "$W/nb"
	run stage-put --check -b "$W/nb"
	[ "$output" = "reached file: directory $W/nb, writable" ]
	run stage-put --check -b "$W/no/such/dir"
	[ "$status" -eq 1 ]
	[[ "$output" == *"check: did not reach"*"cannot be written"* ]]
	run stage-put --check -b "$W/nb" "$W/m"
	[ "$status" -eq 2 ]
}

@test "--check on S3 names bucket, endpoint and access key id (masked), and fails plainly on a wrong secret" {
	run --separate-stderr stage-put --check -b "s3://$S3_BUCKET/x"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == "reached s3: bucket $S3_BUCKET, endpoint http://"*", access key id "* ]]
	[[ "$output" != *"$AWS_ACCESS_KEY_ID"* ]] || [ "${#AWS_ACCESS_KEY_ID}" -lt 4 ]
	[[ "$output" != *"$AWS_SECRET_ACCESS_KEY"* ]]
	run env AWS_SECRET_ACCESS_KEY=wrong-secret-value stage-put --check -b "s3://$S3_BUCKET/x"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"check: did not reach s3://$S3_BUCKET"*"40"* ]]
	[[ "$output" != *wrong-secret-value* ]]
	run stage-put --check -b "s3://no-such-bucket-here/x"
	[ "$status" -eq 1 ]
}
