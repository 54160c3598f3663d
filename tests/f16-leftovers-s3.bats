#!/usr/bin/env bats
# Multipart uploads nobody would ever sweep: one created by a
# CreateMultipartUpload whose answer was lost (the retry makes another),
# one left beside an object that a re-run skips, one beside an object
# that stage-merge --delete-staged deletes.  Each run cleans up the
# uploads of exactly its keys once their objects are in place (or gone).
# Through faultproxy in front of the JuiceFS gateway, as in
# stage-put-faults.bats; what is left is read with the aws CLI.

bats_require_minimum_version 1.5.0
load helpers/s3
load helpers/faultproxy

setup_file() {
	s3_start
	fp_start
}

teardown_file() {
	fp_stop
	s3_stop
}

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T"
	fp_rules
}

# write NAME ROWS: a CSV load (load id L-NAME) of ROWS padded rows, big
# enough from a few thousand rows to go multipart at 5M.
write() {
	seq "$2" | awk -v n="$1" '{ printf "{\"id\":%d,\"pad\":\"%s-%01000d\"}\n", $1, n, $1 }' |
		stage-write -t "$1" -d "$T/out" --load-id "L-$1" >"$T/$1.w"
}

put() {
	stage-put --endpoint "$FP_ENDPOINT" --part-size 5M \
		--multipart-threshold 5M -b "s3://$S3_BUCKET/raw" "$@"
}

# The key of the one object of manifest $1.
key_of() {
	jq -r 'select(.url) | .url' "$1" | sed "s|^s3://$S3_BUCKET/||"
}

# uploads KEY: the ids of the multipart uploads of exactly KEY.
uploads() {
	s3 s3api list-multipart-uploads --bucket "$S3_BUCKET" --prefix "$1" \
		--query "Uploads[?Key=='$1'].UploadId" --output text
}

no_uploads() {
	local u
	u=$(uploads "$1")
	echo "left: $u"
	[ -z "$u" ] || [ "$u" = None ]
}

sent() {
	awk -F'\t' -v m="$1" -v re="$2" '$1 == m && $2 ~ re { n++ }
		END { print n + 0 }' "$FP_LOG"
}

# dangle KEY: a multipart upload of KEY that nobody completes.
dangle() {
	s3 s3api create-multipart-upload --bucket "$S3_BUCKET" --key "$1" \
		--query UploadId --output text
}

@test "a lost answer to CreateMultipartUpload leaves no multipart upload behind an exit 0" {
	write lostcreate 7000
	fp_rules 'POST \?uploads=$ 1 lost'
	run -0 put -v "$T/lostcreate.w"
	echo "$output"
	cat "$FP_LOG"
	[ "$(sent POST 'uploads=$')" -eq 2 ]
	grep -q $'^POST\t[^\t]*uploads=\t[^\t]*\tfault=lost' "$FP_LOG"
	[[ "$output" == *"aborted stale multipart upload"* ]]
	[[ "$output" == *'"end":true'* ]]
	k=$(key_of <(grep url <<<"$output"))
	no_uploads "$k"
	s3 s3 cp --quiet "s3://$S3_BUCKET/$k" "$T/got"
	cmp "$T/got" "$(jq -r 'select(.file) | .file' "$T/lostcreate.w")"
}

@test "a re-run that skips a stored object aborts the uploads left for its key" {
	write rerun 7000
	run -0 put "$T/rerun.w"
	k=$(key_of <(echo "$output"))
	a=$(dangle "$k")
	b=$(dangle "$k")
	other=$(dangle "${k}.other")
	run -0 put -v "$T/rerun.w"
	echo "$output"
	[[ "$output" == *"already stored with sha256"*skipped* ]]
	[[ "$output" == *"aborted stale multipart upload $a"* ]]
	[[ "$output" == *"aborted stale multipart upload $b"* ]]
	no_uploads "$k"
	# an upload of another key that shares the prefix is not touched
	[ "$(uploads "${k}.other")" = "$other" ]
	s3 s3api abort-multipart-upload --bucket "$S3_BUCKET" --key "${k}.other" --upload-id "$other"
}

@test "stage-merge --delete-staged aborts the uploads left for the objects it deletes" {
	write delstaged 20
	run -0 put "$T/delstaged.w"
	echo "$output" >"$T/put.ndjson"
	k=$(key_of "$T/put.ndjson")
	a=$(dangle "$k")
	run -0 bash -c "stage-copy '$T/put.ndjson' | stage-merge -v --delete-staged"
	echo "$output"
	[[ "$output" == *"aborted stale multipart upload $a"* ]]
	no_uploads "$k"
	run s3 s3 ls "s3://$S3_BUCKET/$k"
	[ -z "$output" ]
}

@test "a part answered NoSuchUpload (another run swept it) is decided by a HEAD, not an abort" {
	write swept 7000
	fp_rules 'PUT partNumber=2& 1 error 404 NoSuchUpload'
	run -1 put -v "$T/swept.w"
	echo "$output"
	cat "$FP_LOG"
	[[ "$output" == *"UploadPart 2 failed: 404 NoSuchUpload"* ]]
	[ "$(sent DELETE 'uploadId=')" -eq 0 ]
	[ "$(awk -F'\t' '$1 == "HEAD"' "$FP_LOG" | wc -l)" -eq 2 ]
	! grep -q '"end"' <<<"$output"
}
