#!/usr/bin/env bats
# stage-put: uploads to a local directory and to S3 (the JuiceFS gateway,
# which verifies signatures and payload hashes), checked with a second
# client (the aws CLI) byte for byte.

bats_require_minimum_version 1.5.0
load helpers/s3

setup_file() {
	s3_start
}

teardown_file() {
	s3_stop
}

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T"
}

# mkfile NAME SIZE_BYTES: random bytes.
mkfile() {
	head -c "$2" /dev/urandom >"$T/$1"
}

# flip FILE OFFSET: changes the byte at OFFSET (random data may already
# hold any given byte, so write one that differs from it).
flip() {
	local old new=X
	old=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null)
	[ "$old" = X ] && new=Y
	printf '%s' "$new" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# line FILE FILE_ID [LOAD_ID]: a manifest file line for FILE as it is now.
line() {
	local f=$T/$1 sha bytes
	sha=$(sha256sum "$f" | cut -c1-64)
	bytes=$(stat -c %s "$f")
	printf '{"v":1,"load_id":"%s","dataset":"ds","table":"users","file":"%s","sha256":"%s","bytes":%s,"rows":1,"format":"csv","compression":"gzip","file_id":%s}\n' \
		"${3:-1732459200.1}" "$f" "$sha" "$bytes" "$2"
}

endline() {
	printf '{"end":true,"load_id":"%s","files":%s,"rows":%s}\n' \
		"${2:-1732459200.1}" "$1" "$1"
}

# obj KEY: the object's bytes through the aws CLI.
obj() {
	s3 s3 cp "s3://$S3_BUCKET/$1" "$T/got" >/dev/null && cat "$T/got"
}

@test "S3 peer: a request signed with a wrong secret is refused" {
	AWS_SECRET_ACCESS_KEY=not-the-secret run s3 s3api list-objects-v2 \
		--bucket "$S3_BUCKET"
	[ "$status" -ne 0 ]
	[[ "$output" == *SignatureDoesNotMatch* ]]
}

@test "S3 peer: a body that does not match x-amz-content-sha256 is refused" {
	run "$STAGE_TOP/.venv/bin/python" - <<-'PY'
	import hashlib, os, urllib.request, urllib.error
	from botocore.auth import S3SigV4Auth
	from botocore.awsrequest import AWSRequest
	from botocore.credentials import Credentials
	url = os.environ["S3_ENDPOINT"] + "/" + os.environ["S3_BUCKET"] + "/tampered"
	# Signed for one body (botocore puts its hash in x-amz-content-sha256),
	# sent with another of the same length.
	req = AWSRequest(method="PUT", url=url, data=b"a signed body")
	S3SigV4Auth(Credentials(os.environ["AWS_ACCESS_KEY_ID"],
	    os.environ["AWS_SECRET_ACCESS_KEY"]), "s3", "us-east-1").add_auth(req)
	r = urllib.request.Request(url, data=b"the real body", method="PUT",
	    headers=dict(req.headers))
	try:
	    urllib.request.urlopen(r)
	    print("accepted")
	except urllib.error.HTTPError as e:
	    print(e.code, e.read().decode())
	PY
	echo "$output"
	[[ "$output" == 400*XAmzContentSHA256Mismatch* ]]
	run s3 s3api head-object --bucket "$S3_BUCKET" --key tampered
	[ "$status" -ne 0 ]
}

@test "uploads a single-PUT and a multipart file; the aws CLI reads back the same bytes" {
	mkfile small 300000
	mkfile big 23000000
	{ line small 1; line big 2; endline 2; } >in.ndjson
	run -0 stage-put -b "s3://$S3_BUCKET/raw" --multipart-threshold 8M \
		--part-size 5M in.ndjson
	echo "$output"
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[2]}" == '{"end":true,"load_id":"1732459200.1","files":2,"rows":2}' ]]
	grep -q "\"url\":\"s3://$S3_BUCKET/raw/ds/users/1732459200.1.1.csv.gz\"" <<<"$output"
	grep -q "\"url\":\"s3://$S3_BUCKET/raw/ds/users/1732459200.1.2.csv.gz\"" <<<"$output"
	obj raw/ds/users/1732459200.1.1.csv.gz | cmp - small
	obj raw/ds/users/1732459200.1.2.csv.gz | cmp - big
	# The object's metadata holds the manifest's sha256 of the whole file.
	run -0 s3 s3api head-object --bucket "$S3_BUCKET" \
		--key raw/ds/users/1732459200.1.2.csv.gz
	[[ "$output" == *"\"sha256\": \"$(sha256sum big | cut -c1-64)\""* ]]
}

@test "every request signs the real payload hash, parts too" {
	mkfile parts 11534336	# 5 MiB + 5 MiB + 1 MiB
	line parts 3 >in.ndjson
	run stage-put --dry-run -b "s3://$S3_BUCKET/raw" \
		--multipart-threshold 5M --part-size 5M in.ndjson
	echo "$output"
	for i in 0 1 2; do
		want=$(dd if=parts bs=5M skip=$i count=1 2>/dev/null | sha256sum | cut -c1-64)
		grep -A8 "partNumber=$((i + 1))&" <<<"$output" |
			grep -q "x-amz-content-sha256: $want"
	done
	mkfile one 1000
	line one 4 >in.ndjson
	run stage-put --dry-run -b "s3://$S3_BUCKET/raw" in.ndjson
	grep -A6 '^PUT ' <<<"$output" |
		grep -q "x-amz-content-sha256: $(sha256sum one | cut -c1-64)"
	! grep -q UNSIGNED-PAYLOAD <<<"$output"
}

@test "parts hashed on the CPU's SHA instructions and through OpenSSL (STAGE_NO_CPU_SHA256=1) sign the same hashes and store the same bytes" {
	mkfile odd 12345678	# 5 MiB + 5 MiB + an odd tail
	{ line odd 8; endline 1; } >in.ndjson
	run -0 stage-put --dry-run -b "s3://$S3_BUCKET/raw" \
		--multipart-threshold 5M --part-size 5M in.ndjson
	cpu=$(grep x-amz-content-sha256 <<<"$output")
	[ "$(grep -c "x-amz-content-sha256: [0-9a-f]\{64\}" <<<"$cpu")" -ge 5 ]
	STAGE_NO_CPU_SHA256=1 run -0 stage-put --dry-run \
		-b "s3://$S3_BUCKET/raw" --multipart-threshold 5M --part-size 5M \
		in.ndjson
	[ "$(grep x-amz-content-sha256 <<<"$output")" = "$cpu" ]
	STAGE_NO_CPU_SHA256=1 run -0 stage-put -b "s3://$S3_BUCKET/nocpu" \
		--multipart-threshold 5M --part-size 5M in.ndjson
	obj nocpu/ds/users/1732459200.1.8.csv.gz | cmp - odd
	# The last part's check of the whole file holds on this path too.
	flip odd 11000000
	STAGE_NO_CPU_SHA256=1 run -1 stage-put -b "s3://$S3_BUCKET/nocpu2" \
		--multipart-threshold 5M --part-size 5M in.ndjson
	[[ "$output" == *"sha256 mismatch"* ]]
	run s3 s3api head-object --bucket "$S3_BUCKET" \
		--key nocpu2/ds/users/1732459200.1.8.csv.gz
	[ "$status" -ne 0 ]
	run -0 s3 s3api list-multipart-uploads --bucket "$S3_BUCKET" \
		--prefix nocpu2/
	[[ "$output" != *UploadId* ]]
}

@test "a re-run skips objects that hold the same sha256 and writes the same lines" {
	mkfile again 200000
	{ line again 5; endline 1; } >in.ndjson
	run -0 stage-put -b "s3://$S3_BUCKET/raw" in.ndjson
	first=$output
	run -0 stage-put -v -b "s3://$S3_BUCKET/raw" in.ndjson
	[[ "$output" == *"1732459200.1.5.csv.gz: already stored with sha256"*skipped* ]]
	[ "$(grep -v '^stage-put:' <<<"$output")" = "$first" ]
}

@test "a file changed since its manifest line is refused, not uploaded (single and multipart)" {
	mkfile changed 100000
	mkfile changedbig 12000000
	{ line changed 6; line changedbig 7; endline 2; } >in.ndjson
	flip changed 10
	flip changedbig 11000000
	run stage-put -b "s3://$S3_BUCKET/raw" --multipart-threshold 5M \
		--part-size 5M in.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$T/changed: sha256 mismatch"* ]]
	[[ "$output" == *"$T/changedbig: sha256 mismatch"* ]]
	! grep -q '"end"' <<<"$output"
	run s3 s3api head-object --bucket "$S3_BUCKET" --key raw/ds/users/1732459200.1.6.csv.gz
	[ "$status" -ne 0 ]
	run s3 s3api head-object --bucket "$S3_BUCKET" --key raw/ds/users/1732459200.1.7.csv.gz
	[ "$status" -ne 0 ]
	run -0 s3 s3api list-multipart-uploads --bucket "$S3_BUCKET" --prefix raw/ds/users/1732459200.1.7
	[[ "$output" != *UploadId* ]]
}

@test "a missing local file fails that item with exit 1 and no end line" {
	mkfile here 1000
	{ line here 8; endline 2; } >in.ndjson
	sed 's/"file":"[^"]*here"/"file":"\/nonexistent\/gone.csv"/;s/"file_id":8/"file_id":9/' \
		in.ndjson | head -1 >>in2.ndjson
	{ line here 8; cat in2.ndjson; endline 2; } >in.ndjson
	run stage-put -b "s3://$S3_BUCKET/raw" in.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent/gone.csv: cannot open: No such file or directory"* ]]
	grep -q '1732459200.1.8.csv.gz' <<<"$output"
	! grep -q '"end"' <<<"$output"
}

@test "a missing bucket is reported with S3's code and message" {
	mkfile nb 1000
	line nb 1 >in.ndjson
	run stage-put -b s3://no-such-bucket/raw in.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nb: bucket no-such-bucket: 404 NoSuchBucket: The specified bucket does not exist"* ]]
}

@test "wrong credentials are reported with S3's code and message" {
	mkfile wc 1000
	line wc 1 >in.ndjson
	AWS_SECRET_ACCESS_KEY=wrong-secret-value run stage-put \
		-b "s3://$S3_BUCKET/raw" in.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"403 SignatureDoesNotMatch: The request signature we calculated"* ]]
	[[ "$output" != *wrong-secret-value* ]]
}

@test "a manifest line without 'file' is malformed: exit 3, no end line" {
	printf '{"v":1,"load_id":"1","dataset":"ds","table":"t","sha256":"%064d"}\n{"end":true,"load_id":"1"}\n' 0 >in.ndjson
	run stage-put -b "$T/bucket" in.ndjson
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"in.ndjson:1: field 'file' missing"* ]]
	! grep -q '"end"' <<<"$output"
}

@test "an unknown storage scheme is a usage error (exit 2)" {
	run stage-put -b ftp://example.com/x </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown storage scheme 'ftp'"* ]]
}

@test "input without an end line: files are stored, no end line, exit 3" {
	mkfile noend 5000
	line noend 10 >in.ndjson
	run stage-put -b "s3://$S3_BUCKET/raw" in.ndjson
	echo "$output"
	[ "$status" -eq 3 ]
	grep -q '"url":"s3://' <<<"$output"
	! grep -q '"end"' <<<"$output"
	obj raw/ds/users/1732459200.1.10.csv.gz | cmp - noend
}

@test "kill -9 in the middle of a multipart upload, then a re-run: one object, no dangling upload" {
	mkfile killed 100000000
	{ line killed 11; endline 1; } >in.ndjson
	stage-put -v -j 1 --part-size 5M --multipart-threshold 5M \
		-b "s3://$S3_BUCKET/raw" in.ndjson >out1 2>err1 &
	pid=$!
	for i in $(seq 200); do
		grep -q 'multipart upload' err1 && break
		sleep 0.05
	done
	sleep 0.1
	kill -9 "$pid"
	wait "$pid" || true
	run -0 s3 s3api list-multipart-uploads --bucket "$S3_BUCKET" \
		--prefix raw/ds/users/1732459200.1.11
	[[ "$output" == *UploadId* ]]	# the killed run left one behind
	run -0 stage-put -v --part-size 5M --multipart-threshold 5M \
		-b "s3://$S3_BUCKET/raw" in.ndjson
	echo "$output"
	[[ "$output" == *"aborted stale multipart upload"* ]]
	[[ "$output" == *'"end":true'* ]]
	run -0 s3 s3api list-multipart-uploads --bucket "$S3_BUCKET" \
		--prefix raw/ds/users/1732459200.1.11
	[[ "$output" != *UploadId* ]]
	obj raw/ds/users/1732459200.1.11.csv.gz | cmp - killed
	run -0 s3 s3api list-objects-v2 --bucket "$S3_BUCKET" \
		--prefix raw/ds/users/1732459200.1.11
	[ "$(grep -c '"Key"' <<<"$output")" -eq 1 ]
}

@test "transport failures are retried and the error says how many tries" {
	mkfile rt 100
	line rt 1 >in.ndjson
	port=$(s3_free_port)
	run stage-put -v --retries 2 --endpoint "http://127.0.0.1:$port" \
		-b s3://b/raw in.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(grep -c 'try [23] of 3' <<<"$output")" -eq 2 ]
	[[ "$output" == *"(after 3 tries)"* ]]
}

@test "dry run prints the requests with secret, token and signature masked, and sends nothing" {
	mkfile dry 1000
	{ line dry 12; endline 1; } >in.ndjson
	AWS_SESSION_TOKEN=the-session-token-value run -0 stage-put --dry-run \
		-b "s3://$S3_BUCKET/raw" in.ndjson
	echo "$output"
	[[ "$output" == *"HEAD $S3_ENDPOINT/$S3_BUCKET/raw/ds/users/1732459200.1.12.csv.gz"* ]]
	[[ "$output" == *"PUT $S3_ENDPOINT/$S3_BUCKET/raw/ds/users/1732459200.1.12.csv.gz"* ]]
	[[ "$output" == *"Signature=****"* ]]
	[[ "$output" == *"x-amz-security-token: ****"* ]]
	[[ "$output" != *"$AWS_SECRET_ACCESS_KEY"* ]]
	[[ "$output" != *the-session-token-value* ]]
	[[ "$output" != *'"url"'* ]]
	run s3 s3api head-object --bucket "$S3_BUCKET" --key raw/ds/users/1732459200.1.12.csv.gz
	[ "$status" -ne 0 ]
}

@test "keys with spaces, unicode and reserved characters round-trip" {
	mkfile odd 2000
	{ line odd 13; endline 1; } >in.ndjson
	run -0 stage-put -b "s3://$S3_BUCKET/raw" \
		--layout 'odd dir/é+日本 (1)&x=y/{table_name}~{file_id}!$.{ext}' in.ndjson
	echo "$output"
	key='raw/odd dir/é+日本 (1)&x=y/users~13!$.csv.gz'
	grep -qF "\"url\":\"s3://$S3_BUCKET/$key\"" <<<"$output"
	obj "$key" | cmp - odd
}

@test "local directory: copy_file_range and read/write store the same bytes atomically" {
	mkfile loc 3000000
	{ line loc 1; endline 1; } >in.ndjson
	run -0 stage-put -b "$T/fast" in.ndjson
	[[ "$output" == *"\"url\":\"file://$T/fast/ds/users/1732459200.1.1.csv.gz\""* ]]
	cmp loc fast/ds/users/1732459200.1.1.csv.gz
	STAGE_NO_FASTCOPY=1 run -0 stage-put --dry-run -b "file://$T/slow" in.ndjson
	[[ "$output" == *"method: read/write"* ]]
	STAGE_NO_FASTCOPY=1 run -0 stage-put -b "file://$T/slow" in.ndjson
	[[ "$output" == *"\"url\":\"file://$T/slow/ds/users/1732459200.1.1.csv.gz\""* ]]
	cmp loc slow/ds/users/1732459200.1.1.csv.gz
	[ -z "$(find fast slow -name '.*stage-tmp*')" ]
	run -0 stage-put -v -b "$T/fast" in.ndjson
	[[ "$output" == *"already stored with sha256"*skipped* ]]
}

@test "local directory: a changed file is refused and leaves nothing behind" {
	mkfile lch 100000
	line lch 1 >in.ndjson
	flip lch 5
	for fast in 0 1; do
		STAGE_NO_FASTCOPY=$fast run stage-put -b "$T/d$fast" in.ndjson
		[ "$status" -eq 1 ]
		[[ "$output" == *"$T/lch: sha256 mismatch"* ]]
		[ -z "$(find "d$fast" -type f)" ]
	done
}

@test "the default bucket comes from DESTINATION__FILESYSTEM__BUCKET_URL, then STAGE_BUCKET_URL" {
	mkfile def 100
	line def 1 >in.ndjson
	DESTINATION__FILESYSTEM__BUCKET_URL="file://$T/fromdlt" STAGE_BUCKET_URL="$T/fromstage" \
		run -3 stage-put in.ndjson
	[ -f fromdlt/ds/users/1732459200.1.1.csv.gz ]
	STAGE_BUCKET_URL="$T/fromstage" run -3 stage-put in.ndjson
	[ -f fromstage/ds/users/1732459200.1.1.csv.gz ]
	run -3 stage-put in.ndjson
	[ -f stage-bucket/ds/users/1732459200.1.1.csv.gz ]
}

@test "options: --help, --version, usage errors" {
	run -0 stage-put --help
	[[ "$output" == usage:* ]]
	run -0 stage-put --version
	[[ "$output" == "stage-put "* ]]
	run -2 stage-put --no-such-option
	run -2 stage-put --part-size 1M </dev/null
	run -2 stage-put --layout '{nope}' </dev/null
}

@test "bash completion offers --bucket-url for stage-put --b" {
	source "$STAGE_TOP/completions/bash/stage-put"
	COMP_WORDS=(stage-put --b)
	COMP_CWORD=1
	_stage_put
	[[ " ${COMPREPLY[*]} " == *" --bucket-url "* ]]
}

@test "completions cover every long option of stage-put" {
	for o in $(grep -o '{ "[a-z-]*", [a-z_]*argument' "$STAGE_TOP/cmd/stage-put.c" |
		cut -d'"' -f2); do
		grep -q -- "--$o" "$STAGE_TOP/completions/bash/stage-put"
		grep -q -- "--$o" "$STAGE_TOP/completions/zsh/_stage-put"
		grep -q -- "-l $o" "$STAGE_TOP/completions/fish/stage-put.fish"
	done
}

@test "S3 credentials and endpoint come from dlt's .dlt/secrets.toml" {
	mkfile cred 4000
	{ line cred 14; endline 1; } >in.ndjson
	mkdir -p proj/.dlt
	cat >proj/.dlt/secrets.toml <<-TOML
	[destination.filesystem]
	bucket_url = "s3://$S3_BUCKET/fromdlt"

	[destination.filesystem.credentials]
	aws_access_key_id = "$AWS_ACCESS_KEY_ID"
	aws_secret_access_key = "$AWS_SECRET_ACCESS_KEY"
	endpoint_url = "$S3_ENDPOINT"
	region_name = "us-east-1"
	TOML
	(
		cd proj
		env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
			-u AWS_ENDPOINT_URL HOME="$T" stage-put ../in.ndjson >../out
	)
	grep -q "\"url\":\"s3://$S3_BUCKET/fromdlt/ds/users/1732459200.1.14.csv.gz\"" out
	obj fromdlt/ds/users/1732459200.1.14.csv.gz | cmp - cred
}

@test "the man page is lint-clean" {
	command -v mandoc >/dev/null || skip "no mandoc"
	run mandoc -T lint -W warning "$STAGE_TOP/man/stage-put.1"
	echo "$output"
	[ -z "$output" ]
}

@test "two files under one object name are refused (exit 3), the first is stored" {
	mkfile a1 100
	mkfile a2 200
	{ line a1 1; line a2 2; endline 2; } >in.ndjson
	run stage-put -b "$T/dup" --layout '{table_name}/{load_id}.{ext}' in.ndjson
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"in.ndjson:2: object name users/1732459200.1.csv.gz is already used"* ]]
	cmp a1 dup/users/1732459200.1.csv.gz
	! grep -q '"end"' <<<"$output"
}

@test "S3 credentials come from the shared credentials file and AWS_PROFILE" {
	mkfile prof 3000
	{ line prof 15; endline 1; } >in.ndjson
	cat >creds <<-INI
	[default]
	aws_access_key_id = wrong
	aws_secret_access_key = wrong-secret

	[stage]
	aws_access_key_id = $AWS_ACCESS_KEY_ID
	aws_secret_access_key = $AWS_SECRET_ACCESS_KEY
	INI
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
		AWS_SHARED_CREDENTIALS_FILE="$T/creds" AWS_PROFILE=stage \
		stage-put -b "s3://$S3_BUCKET/prof" in.ndjson >out
	grep -q '"end":true' out
	obj prof/ds/users/1732459200.1.15.csv.gz | cmp - prof
	run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
		AWS_SHARED_CREDENTIALS_FILE="$T/creds" \
		stage-put -b "s3://$S3_BUCKET/prof2" in.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" == *"403 InvalidAccessKeyId"* ]]
}

@test "on the wire: every request has x-amz-content-sha256 with the real hash; -vv masks the signature" {
	mkfile wire 11534336	# 5 MiB + 5 MiB + 1 MiB
	mkfile wire1 1000
	{ line wire 16; line wire1 17; endline 2; } >in.ndjson
	run -0 stage-put -vv -j 1 -b "s3://$S3_BUCKET/wire" \
		--multipart-threshold 5M --part-size 5M in.ndjson
	# One record per request: method and path, then its header lines.
	awk '/^> [A-Z]+ \//{ if (r) print r; r = $2 " " $3; next }
		/^> [A-Za-z0-9-]+: /{ if (r) r = r "|" substr($0, 3) }
		END { if (r) print r }' <<<"$output" >reqs
	cat reqs
	[ "$(wc -l <reqs)" -ge 8 ]
	# Every request carries the header.
	! grep -v 'x-amz-content-sha256: [0-9a-f]\{64\}' reqs
	empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
	! grep -E '^(GET|HEAD|DELETE) ' reqs | grep -v "x-amz-content-sha256: $empty"
	for i in 0 1 2; do
		h=$(dd if=wire bs=5M skip=$i count=1 2>/dev/null | sha256sum | cut -c1-64)
		grep "^PUT .*partNumber=$((i + 1))&" reqs |
			grep -q "x-amz-content-sha256: $h"
	done
	grep '^PUT [^?|]*1732459200\.1\.17\.csv\.gz|' reqs |
		grep -q "x-amz-content-sha256: $(sha256sum wire1 | cut -c1-64)"
	! grep -q 'Signature=[0-9a-f]' <<<"$output"
	obj wire/ds/users/1732459200.1.16.csv.gz | cmp - wire
}

@test "a relative bucket path names its absolute directory, without ./ or //" {
	mkfile a 10
	{ line a 1; endline 1; } >in.ndjson
	mkdir b		# the bucket directory's parent must exist
	run -0 stage-put -b ./b/.//c/ in.ndjson
	[ "$(jq -r .url <<<"${lines[0]}")" = "file://$T/b/c/ds/users/1732459200.1.1.csv.gz" ]
	cmp a "$T/b/c/ds/users/1732459200.1.1.csv.gz"
}
