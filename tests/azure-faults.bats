#!/usr/bin/env bats
# az:// under faults: a fault-injecting proxy (helpers/faultproxy.bash)
# between stage-put (or stage-copy's reader) and Azurite.  The proxy
# relays bytes unchanged, so Azurite still checks every SharedKey
# signature and Content-MD5; its log shows what was sent.

bats_require_minimum_version 1.5.0
load helpers/azure
load helpers/faultproxy

setup_file() {
	az_start
	S3_ENDPOINT=${AZ_ENDPOINT%/*} fp_start
	export FP_AZ="$FP_ENDPOINT/$AZ_ACCOUNT"
}

teardown_file() {
	fp_stop
	az_stop
}

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T"
	export HOME=$T
	fp_rules
}

mkfile() {
	head -c "$2" /dev/urandom >"$T/$1"
}

line() {
	local f=$T/$1
	printf '{"v":1,"load_id":"1.1","dataset":"ds","table":"t","file":"%s","sha256":"%s","bytes":%s,"rows":1,"format":"csv","compression":"none","file_id":%s}\n' \
		"$f" "$(sha256sum "$f" | cut -c1-64)" "$(stat -c %s "$f")" "$2"
}

endline() {
	printf '{"end":true,"load_id":"1.1","files":%s,"rows":%s}\n' "$1" "$1"
}

sha() {
	sha256sum "$1" | cut -c1-64
}

# sent METHOD REGEX: how many requests of METHOD matching REGEX were sent.
sent() {
	awk -F'\t' -v m="$1" -v r="$2" '$1 == m && $2 ~ r' "$FP_LOG" | wc -l
}

put() {
	stage-put --endpoint "$FP_AZ" --part-size 5M --multipart-threshold 8M "$@"
}

@test "az faults: Put Block answered 503 ServerBusy is retried with backoff (logged with -v) and the blob is exact" {
	mkfile b 12000000
	{ line b 1; endline 1; } >m
	fp_rules "PUT comp=block& 2 error 503 ServerBusy"
	run -0 --separate-stderr put -v -b "az://$AZ_CONTAINER/busy" m
	echo "$stderr"
	[ "$(grep -c 'ServerBusy.*; try 2 of 6' <<<"$stderr")" -ge 1 ]
	[ "$(sent PUT 'comp=block&')" -eq 5 ]
	[ "$(az_peer sha256 "$AZ_CONTAINER" busy/ds/t/1.1.1.csv)" = "$(sha b)" ]
}

@test "az faults: a Put Block List whose answer is lost is sent again and commits the same blob (exit 0)" {
	mkfile b 12000000
	{ line b 1; endline 1; } >m
	fp_rules "PUT comp=blocklist 1 lost"
	run -0 --separate-stderr put -v -b "az://$AZ_CONTAINER/lost" m
	echo "$stderr"
	[ "$(sent PUT 'comp=blocklist')" -eq 2 ]
	[ "$(echo "$output" | tail -1 | jq -r .end)" = true ]
	[ "$(az_peer sha256 "$AZ_CONTAINER" lost/ds/t/1.1.1.csv)" = "$(sha b)" ]
	[ "$(az_peer blocks "$AZ_CONTAINER" lost/ds/t/1.1.1.csv)" = "committed 3 uncommitted 0" ]
}

@test "az faults: a Put Blob whose connection resets mid-body is retried from the file's start" {
	mkfile s 3000000
	{ line s 1; endline 1; } >m
	fp_rules "PUT /small/ 1 reset"
	run -0 put -b "az://$AZ_CONTAINER/small" m
	[ "$(sent PUT '/small/')" -eq 2 ]
	[ "$(az_peer sha256 "$AZ_CONTAINER" small/ds/t/1.1.1.csv)" = "$(sha s)" ]
}

@test "az faults: a 403 on a block is not retried: the file fails naming the block, nothing is committed, exit 1" {
	mkfile b 12000000
	{ line b 1; endline 1; } >m
	fp_rules "PUT comp=block& 1 error 403 AuthorizationPermissionMismatch"
	run -1 --separate-stderr put -b "az://$AZ_CONTAINER/denied" m
	echo "$stderr"
	[[ "$stderr" == *"az Put Block "*" failed: 403 AuthorizationPermissionMismatch"*"(after 1 try)"* ]]
	[[ "$output" != *'"end"'* ]]
	[ "$(sent PUT 'comp=blocklist')" -eq 0 ]
	[ -z "$(az_peer ls "$AZ_CONTAINER" denied/)" ]
}

@test "az faults: retries run out after --retries and the error says how many tries were made" {
	mkfile s 1000
	{ line s 1; endline 1; } >m
	fp_rules "PUT /out/ * error 500 InternalError"
	run -1 --separate-stderr put --retries 2 -b "az://$AZ_CONTAINER/out" m
	echo "$stderr"
	[[ "$stderr" == *"az Put Blob failed: 500 InternalError"*"(after 3 tries)"* ]]
	[ "$(sent PUT '/out/')" -eq 3 ]
}

@test "az faults: a GET cut mid-body resumes with a Range request, signed, and the bytes are exact" {
	[ -x "$STAGE_UNITS/storage_get" ] || skip "no unit programs"
	mkfile g 300000
	az_peer put "$AZ_CONTAINER" get/g g
	fp_rules "GET /get/g\$ 1 cut 1000"
	AZURE_STORAGE_CONNECTION_STRING="AccountName=$AZ_ACCOUNT;AccountKey=$AZ_KEY;BlobEndpoint=$FP_AZ" \
		"$STAGE_UNITS/storage_get" "az://$AZ_CONTAINER/get" g >got.bin
	cat "$FP_LOG"
	cmp g got.bin
	grep -q $'range=bytes=1000-\tfault=-' "$FP_LOG"
}
