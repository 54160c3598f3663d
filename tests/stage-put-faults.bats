#!/usr/bin/env bats
# S3 transfers under injected faults: stage-put and stage-copy talk to the
# JuiceFS gateway (helpers/s3.bash) through faultproxy (helpers/
# faultproxy.py), which answers 503 SlowDown or 500 InternalError, resets
# a connection mid-request, stalls, loses an answer or cuts a GET's body,
# for the first K requests matching a rule, and logs every request.  What
# landed is read back with the aws CLI straight from the gateway.

bats_require_minimum_version 1.5.0
load helpers/s3
load helpers/faultproxy
load helpers/manifest

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

# mkfile NAME SIZE_BYTES: random bytes.
mkfile() {
	head -c "$2" /dev/urandom >"$T/$1"
}

# line FILE FILE_ID: a manifest file line for FILE, load 1732459200.9.
line() {
	local f=$T/$1 sha bytes
	sha=$(sha256sum "$f" | cut -c1-64)
	bytes=$(stat -c %s "$f")
	printf '{"v":1,"load_id":"1732459200.9","dataset":"ds","table":"users","file":"%s","sha256":"%s","bytes":%s,"rows":1,"format":"csv","compression":"gzip","file_id":%s}\n' \
		"$f" "$sha" "$bytes" "$2"
}

endline() {
	printf '{"end":true,"load_id":"1732459200.9","files":%s,"rows":%s}\n' \
		"$1" "$1"
}

# key FILE_ID: the object name stage-put gives file FILE_ID under raw/.
key() {
	echo "raw/ds/users/1732459200.9.$1.csv.gz"
}

# obj KEY: the object's bytes through the aws CLI (not through the proxy).
obj() {
	s3 s3 cp "s3://$S3_BUCKET/$1" "$T/got" >/dev/null && cat "$T/got"
}

# put ARGS...: stage-put through the proxy, multipart from 5 MiB.
put() {
	stage-put --endpoint "$FP_ENDPOINT" --part-size 5M \
		--multipart-threshold 5M -b "s3://$S3_BUCKET/raw" "$@"
}

# sent METHOD REGEX: how many requests the proxy logged that match.
sent() {
	awk -F'\t' -v m="$1" -v re="$2" '$1 == m && $2 ~ re { n++ }
		END { print n + 0 }' "$FP_LOG"
}

# no_uploads KEY: no multipart upload of KEY is left on the server.
no_uploads() {
	run -0 s3 s3api list-multipart-uploads --bucket "$S3_BUCKET" \
		--prefix "$1"
	echo "$output"
	[[ "$output" != *UploadId* ]]
}

@test "proxy: relays requests unchanged; the gateway accepts signatures made for the proxy's address" {
	mkfile plain 3000
	{ line plain 1; endline 1; } >in.ndjson
	run -0 put in.ndjson
	echo "$output"
	[[ "$output" == *'"end":true'* ]]
	obj "$(key 1)" | cmp - plain
	cat "$FP_LOG"
	[ "$(sent HEAD "$(key 1)\$")" -eq 1 ]
	[ "$(sent PUT "$(key 1)\$")" -eq 1 ]
	! grep -q 'fault=[^-]' "$FP_LOG"
}

@test "503 SlowDown and 500 InternalError are retried with backoff, then the upload succeeds (single PUT and multipart)" {
	mkfile small 100000
	mkfile big 12000000
	{ line small 2; line big 3; endline 2; } >in.ndjson
	fp_rules "PUT $(key 2)\$ 2 error 503 SlowDown" \
		"PUT partNumber=1& 1 error 500 InternalError" \
		"PUT partNumber=3& 2 error 503 SlowDown" \
		"POST uploadId= 1 error 500 InternalError"
	run -0 put -v in.ndjson
	echo "$output"
	cat "$FP_LOG"
	[[ "$output" == *'"end":true'* ]]
	# Each fault was met and the request sent again until it passed.
	[ "$(sent PUT "$(key 2)\$")" -eq 3 ]
	[ "$(sent PUT 'partNumber=1&')" -eq 2 ]
	[ "$(sent PUT 'partNumber=2&')" -eq 1 ]
	[ "$(sent PUT 'partNumber=3&')" -eq 3 ]
	[ "$(sent POST 'uploadId=')" -eq 2 ]
	# -v says why and when: a delay before each retry.
	[ "$(grep -c '503 SlowDown: injected by faultproxy; try [23] of 6 in [0-9]* ms' <<<"$output")" -eq 4 ]
	[ "$(grep -c '500 InternalError: injected by faultproxy; try 2 of 6 in [0-9]* ms' <<<"$output")" -eq 2 ]
	obj "$(key 2)" | cmp - small
	obj "$(key 3)" | cmp - big
	no_uploads "$(key 3)"
}

@test "a connection reset in the middle of a part (and of a single PUT) is retried" {
	mkfile rsmall 2000000
	mkfile rbig 12000000
	{ line rsmall 4; line rbig 5; endline 2; } >in.ndjson
	# Six resets each: libcurl itself sends a request again when a
	# reused connection breaks, up to 5 times, so at least one reaches
	# s3.c, whose retry is logged; and as libcurl may absorb none (a
	# fresh connection), s3.c gets tries enough for all six.
	fp_rules "PUT partNumber=2& 6 reset" "PUT $(key 4)\$ 6 reset"
	run -0 put -v --retries 8 in.ndjson
	echo "$output"
	cat "$FP_LOG"
	[[ "$output" == *'"end":true'* ]]
	[ "$(sent PUT 'partNumber=2&')" -eq 7 ]
	[ "$(sent PUT "$(key 4)\$")" -eq 7 ]
	[ "$(grep -c 'fault=reset' "$FP_LOG")" -eq 12 ]
	[ "$(grep -Ec 'PUT object: .*(reset|Send failure|Recv failure|Empty reply|died).*; try [2-9] of 9' <<<"$output")" -ge 2 ]
	obj "$(key 4)" | cmp - rsmall
	obj "$(key 5)" | cmp - rbig
	no_uploads "$(key 5)"
}

@test "retries are bounded by --retries: a part that keeps failing fails its file clearly (exit 1, no end line), and the upload is aborted" {
	mkfile bounded 12000000
	{ line bounded 6; endline 1; } >in.ndjson
	fp_rules "PUT partNumber=2& * error 503 SlowDown"
	run -1 put --retries 2 in.ndjson
	echo "$output"
	cat "$FP_LOG"
	[[ "$output" == *"stage-put: $T/bounded: s3 UploadPart 2 failed: 503 SlowDown: injected by faultproxy (after 3 tries)"* ]]
	! grep -q '"end"' <<<"$output"
	! grep -q '"url"' <<<"$output"
	[ "$(sent PUT 'partNumber=2&')" -eq 3 ]
	[ "$(sent DELETE 'uploadId=')" -eq 1 ]
	no_uploads "$(key 6)"
	run s3 s3api head-object --bucket "$S3_BUCKET" --key "$(key 6)"
	[ "$status" -ne 0 ]
}

@test "--retries 0 makes one try; a single PUT that fails leaves no object" {
	mkfile once 1000
	{ line once 7; endline 1; } >in.ndjson
	fp_rules "PUT $(key 7)\$ * error 500 InternalError"
	run -1 put --retries 0 in.ndjson
	echo "$output"
	[[ "$output" == *"stage-put: $T/once: s3 PUT failed: 500 InternalError: injected by faultproxy (after 1 try)"* ]]
	! grep -q '"end"' <<<"$output"
	[ "$(sent PUT "$(key 7)\$")" -eq 1 ]
	run s3 s3api head-object --bucket "$S3_BUCKET" --key "$(key 7)"
	[ "$status" -ne 0 ]
}

@test "a 4xx answer (AccessDenied) is not retried: exactly one request" {
	mkfile denied 1000
	mkfile deniedbig 6000000
	{ line denied 8; line deniedbig 9; endline 2; } >in.ndjson
	fp_rules "PUT $(key 8)\$ * error 403 AccessDenied" \
		"POST $(key 9)\\?uploads= * error 403 AccessDenied"
	run -1 put -v in.ndjson
	echo "$output"
	cat "$FP_LOG"
	[[ "$output" == *"stage-put: $T/denied: s3 PUT failed: 403 AccessDenied: injected by faultproxy (after 1 try)"* ]]
	[[ "$output" == *"stage-put: $T/deniedbig: s3 CreateMultipartUpload failed: 403 AccessDenied: injected by faultproxy (after 1 try)"* ]]
	[[ "$output" != *"try 2 of"* ]]
	! grep -q '"end"' <<<"$output"
	[ "$(sent PUT "$(key 8)\$")" -eq 1 ]
	[ "$(sent POST "$(key 9)")" -eq 1 ]
}

@test "stage-copy resumes a GET cut mid-body with a Range request (twice); the table is row-for-row right" {
	command -v sqlite3 >/dev/null || skip "no sqlite3"
	{ echo id,name; seq 1 40000 | awk '{ printf "%d,row %d %x\n", $1, $1, $1 * 7919 }'; } >rows.csv
	gzip -c rows.csv >rows.csv.gz
	bytes=$(stat -c %s rows.csv.gz)
	[ "$bytes" -gt 100000 ]
	s3 s3 cp --quiet rows.csv.gz "s3://$S3_BUCKET/raw/rows.csv.gz"
	{ fline L9 t append "$T/rows.csv.gz" 40000 '[["id","bigint"],["name","text"]]' \
		".compression=\"gzip\" | .url=\"s3://$S3_BUCKET/raw/rows.csv.gz\" | .s3_endpoint=\"$FP_ENDPOINT\" | del(.file)"
	  eline L9 1 40000; } >m
	# The first answer and the first resumed one are both cut.
	fp_rules "GET /raw/rows\\.csv\\.gz\$ 2 cut 50000"
	# No -D: the default destination, SQLite in ./stage.db.
	run -0 stage-copy -v m
	echo "$output"
	cat "$FP_LOG"
	[ "$(sent GET 'rows\.csv\.gz$')" -eq 3 ]
	[ "$(cut -f3,4 "$FP_LOG")" = "$(printf 'range=-\tfault=cut 50000\nrange=bytes=50000-\tfault=cut 50000\nrange=bytes=100000-\tfault=-')" ]
	# Row for row: the table read back equals the CSV.
	db=$(sqlite3 stage.db "SELECT file FROM _stage_schemas WHERE name = 'ds_staging'")
	sqlite3 -separator , "$db" 'SELECT id, name FROM t ORDER BY id' >back.csv
	tail -n +2 rows.csv | cmp - back.csv
}

@test "stage-copy reads a load's objects over one connection, and stage-merge --delete-staged deletes them over one" {
	command -v sqlite3 >/dev/null || skip "no sqlite3"
	for i in 1 2 3 4; do
		printf 'id,name\n%d,n%d\n' "$i" "$i" >"f$i.csv"
		s3 s3 cp --quiet "f$i.csv" "s3://$S3_BUCKET/raw/f$i.csv"
	done
	for i in 1 2 3 4; do
		fline L8 t append "$T/f$i.csv" 1 '[["id","bigint"],["name","text"]]' \
			".url=\"s3://$S3_BUCKET/raw/f$i.csv\" | .s3_endpoint=\"$FP_ENDPOINT\" | del(.file)"
	done >m
	eline L8 4 4 >>m
	run -0 stage-copy -j 1 m
	stage-merge --delete-staged <<<"$output" >/dev/null
	cat "$FP_LOG"
	[ "$(sent GET 'raw/f[0-9]\.csv$')" -eq 4 ]
	[ "$(sent DELETE 'raw/f[0-9]\.csv$')" -eq 4 ]
	[ "$(awk -F'\t' '$1 == "GET" && $2 !~ /uploads=/ { print $5 }' "$FP_LOG" | sort -u | wc -l)" -eq 1 ]
	[ "$(awk -F'\t' '$1 == "DELETE" { print $5 }' "$FP_LOG" | sort -u | wc -l)" -eq 1 ]
	db=$(sqlite3 stage.db "SELECT file FROM _stage_schemas WHERE name = 'ds'")
	[ "$(sqlite3 "$db" 'SELECT group_concat(name) FROM (SELECT name FROM t ORDER BY id)')" = n1,n2,n3,n4 ]
	run s3 s3 ls "s3://$S3_BUCKET/raw/f"
	[ -z "$output" ]
}

@test "a CompleteMultipartUpload whose answer is lost, then NoSuchUpload on the retry, is found complete by a HEAD" {
	mkfile lost 12000000
	{ line lost 10; endline 1; } >in.ndjson
	fp_rules "POST uploadId= 1 lost"
	run -0 put -v in.ndjson
	echo "$output"
	cat "$FP_LOG"
	[ "$(sent POST 'uploadId=')" -eq 2 ]
	grep -q $'^POST\t.*uploadId=.*fault=lost' "$FP_LOG"
	[[ "$output" == *"was completed by an earlier try (its answer was lost)"* ]]
	[[ "$output" == *'"end":true'* ]]
	[ "$(sent DELETE 'uploadId=')" -eq 0 ]
	obj "$(key 10)" | cmp - lost
	no_uploads "$(key 10)"
}

@test "a lost answer to a single PUT is retried; the object is stored once" {
	mkfile lostput 3000
	{ line lostput 11; endline 1; } >in.ndjson
	fp_rules "PUT $(key 11)\$ 2 lost"
	run -0 put -v in.ndjson
	echo "$output"
	cat "$FP_LOG"
	[ "$(sent PUT "$(key 11)\$")" -eq 3 ]
	[[ "$output" == *'"end":true'* ]]
	obj "$(key 11)" | cmp - lostput
}

@test "stale multipart uploads are listed page by page (IsTruncated, NextKeyMarker, NextUploadIdMarker) and all aborted" {
	mkfile paged 6000000
	{ line paged 12; endline 1; } >in.ndjson
	k=$(key 12)
	for i in 1 2; do
		s3 s3api create-multipart-upload --bucket "$S3_BUCKET" --key "$k" \
			--query UploadId --output text
	done | sort >ids
	a=$(sed -n 1p ids) b=$(sed -n 2p ids)
	# The first page, as S3 sends it with max-uploads=1, lists the first
	# upload only; the next page comes from the server itself.
	cat >page1.xml <<-XML
	<?xml version="1.0" encoding="UTF-8"?>
	<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>$S3_BUCKET</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><NextKeyMarker>$k</NextKeyMarker><NextUploadIdMarker>$a</NextUploadIdMarker><Prefix>$k</Prefix><MaxUploads>1</MaxUploads><IsTruncated>true</IsTruncated><Upload><Key>$k</Key><UploadId>$a</UploadId></Upload></ListMultipartUploadsResult>
	XML
	fp_rules "GET ^/$S3_BUCKET\\?prefix=.*&uploads=\$ 1 reply 200 $T/page1.xml"
	run -0 put -v in.ndjson
	echo "$output"
	cat "$FP_LOG"
	# two pages before the upload, one sweep after it (f16-leftovers-s3.bats)
	[ "$(sent GET 'uploads=$')" -eq 3 ]
	grep -q "key-marker=raw%2Fds%2Fusers%2F1732459200.9.12.csv.gz&prefix=.*&upload-id-marker=$a&uploads=" "$FP_LOG"
	[ "$(sent DELETE "uploadId=$a")" -eq 1 ]
	[ "$(sent DELETE "uploadId=$b")" -eq 1 ]
	[[ "$output" == *"aborted stale multipart upload $a"* ]]
	[[ "$output" == *"aborted stale multipart upload $b"* ]]
	no_uploads "$k"
	obj "$k" | cmp - paged
}

@test "a request that stalls past STAGE_S3_TIMEOUT is a timeout and is retried" {
	mkfile stalled 3000
	{ line stalled 13; endline 1; } >in.ndjson
	fp_rules "PUT $(key 13)\$ 1 stall 30"
	STAGE_S3_TIMEOUT=1 run -0 put -v in.ndjson
	echo "$output"
	cat "$FP_LOG"
	[ "$(sent PUT "$(key 13)\$")" -eq 2 ]
	grep -q 'fault=stall 30' "$FP_LOG"
	grep -Eq 'PUT object: .*(too slow|[Tt]imeout).*; try 2 of 6' <<<"$output"
	[[ "$output" == *'"end":true'* ]]
	obj "$(key 13)" | cmp - stalled
}

@test "a bad STAGE_S3_TIMEOUT is a configuration error (exit 2)" {
	mkfile st 10
	{ line st 14; endline 1; } >in.ndjson
	STAGE_S3_TIMEOUT=soon run -2 put in.ndjson
	echo "$output"
	[[ "$output" == *"STAGE_S3_TIMEOUT=soon: not a number of seconds"* ]]
	[ ! -s "$FP_LOG" ]
}

@test "blocking gets on one storage keep their connection; a cut one resumes and the next reuses a connection" {
	[ -x "$STAGE_UNITS/storage_get" ] || skip "no unit programs"
	for i in 1 2 3 4; do
		mkfile "g$i" 300000
		s3 s3 cp --quiet "g$i" "s3://$S3_BUCKET/raw/g/g$i"
	done
	fp_rules "GET /raw/g/g3\$ 1 cut 1000"
	AWS_ENDPOINT_URL=$FP_ENDPOINT "$STAGE_UNITS/storage_get" \
		"s3://$S3_BUCKET/raw/g" g1 g2 g3 g4 >got.bin
	cat "$FP_LOG"
	cat g1 g2 g3 g4 | cmp - got.bin
	[ "$(sent GET '/raw/g/g')" -eq 5 ]
	grep -q $'range=bytes=1000-\tfault=-' "$FP_LOG"
	# g1 and g2 on one connection; g3 cut it, its resume and g4 share the next.
	[ "$(cut -f5 "$FP_LOG" | sort -u | wc -l)" -eq 2 ]
	[ "$(sed -n 1p "$FP_LOG" | cut -f5)" = "$(sed -n 3p "$FP_LOG" | cut -f5)" ]
	[ "$(sed -n 4p "$FP_LOG" | cut -f5)" = "$(sed -n 5p "$FP_LOG" | cut -f5)" ]
}

@test "a resumed GET answered with the whole object (Range ignored) fails clearly instead of appending it" {
	[ -x "$STAGE_UNITS/storage_get" ] || skip "no unit programs"
	mkfile g5 300000
	s3 s3 cp --quiet g5 "s3://$S3_BUCKET/raw/g/g5"
	fp_rules "GET /raw/g/g5\$ 1 cut 1000" "GET /raw/g/g5\$ 1 reply 200 $T/g5"
	AWS_ENDPOINT_URL=$FP_ENDPOINT run -1 sh -c '"$0" "$@" >got.bin' \
		"$STAGE_UNITS/storage_get" "s3://$S3_BUCKET/raw/g" g5
	cat "$FP_LOG"
	# What reached the sink is the first try's bytes, nothing appended.
	head -c 1000 g5 | cmp - got.bin
	[ "$(sent GET '/raw/g/g5$')" -eq 2 ]
	grep -q $'range=bytes=1000-\tfault=reply 200' "$FP_LOG"
	[[ "$output" == *"g5: s3 GET failed: resuming at byte 1000: the answer is not that range (the server ignored Range?) (after 2 tries)"* ]]
}

@test "a ranged read of an S3 object asks for that range; a cut one resumes inside it" {
	[ -x "$STAGE_UNITS/storage_get" ] || skip "no unit programs"
	mkfile g6 300000
	s3 s3 cp --quiet g6 "s3://$S3_BUCKET/raw/g/g6"
	fp_rules "GET /raw/g/g6\$ 1 cut 1000"
	AWS_ENDPOINT_URL=$FP_ENDPOINT "$STAGE_UNITS/storage_get" -r 100000 50000 \
		"s3://$S3_BUCKET/raw/g" g6 >got.bin
	cat "$FP_LOG"
	tail -c +100001 g6 | head -c 50000 | cmp - got.bin
	[ "$(sent GET '/raw/g/g6$')" -eq 2 ]
	grep -q $'range=bytes=100000-149999\tfault=cut 1000' "$FP_LOG"
	grep -q $'range=bytes=101000-149999\tfault=-' "$FP_LOG"
}

@test "stage-copy: a GET that keeps failing fails its file naming the object and the tries; nothing is loaded" {
	command -v sqlite3 >/dev/null || skip "no sqlite3"
	{ echo id,name; seq 1 100 | sed 's/$/,x/'; } >few.csv
	s3 s3 cp --quiet few.csv "s3://$S3_BUCKET/raw/few.csv"
	{ fline L10 t append "$T/few.csv" 100 '[["id","bigint"],["name","text"]]' \
		".url=\"s3://$S3_BUCKET/raw/few.csv\" | .s3_endpoint=\"$FP_ENDPOINT\" | del(.file)"
	  eline L10 1 100; } >m
	fp_rules "GET /raw/few\\.csv\$ * error 503 SlowDown"
	run -1 stage-copy m
	echo "$output"
	cat "$FP_LOG"
	[[ "$output" == *"s3://$S3_BUCKET/raw/few.csv: s3 GET failed: 503 SlowDown: injected by faultproxy (after 5 tries)"* ]]
	! grep -q '"end"' <<<"$output"
	[ "$(sent GET '/raw/few\.csv$')" -eq 5 ]
	db=$(sqlite3 stage.db "SELECT file FROM _stage_schemas WHERE name = 'ds_staging'")
	[ -z "$db" ] || [ "$(sqlite3 "$db" 'SELECT count(*) FROM t')" = 0 ]
}

@test "when the abort of a failed upload fails too, the error says so, and the next run aborts the leftover upload" {
	mkfile leftover 12000000
	{ line leftover 15; endline 1; } >in.ndjson
	fp_rules "PUT partNumber=1& * error 503 SlowDown" "DELETE uploadId= * error 503 SlowDown"
	run -1 put --retries 1 in.ndjson
	echo "$output"
	[[ "$output" == *"$T/leftover: s3 UploadPart 1 failed: 503 SlowDown: injected by faultproxy (after 2 tries); aborting the multipart upload failed too: 503 SlowDown: injected by faultproxy (after 2 tries)"* ]]
	! grep -q '"end"' <<<"$output"
	run -0 s3 s3api list-multipart-uploads --bucket "$S3_BUCKET" --prefix "$(key 15)"
	[[ "$output" == *UploadId* ]]
	fp_rules
	run -0 put -v in.ndjson
	echo "$output"
	[[ "$output" == *"aborted stale multipart upload"* ]]
	[[ "$output" == *'"end":true'* ]]
	no_uploads "$(key 15)"
	obj "$(key 15)" | cmp - leftover
}
