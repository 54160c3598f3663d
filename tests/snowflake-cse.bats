#!/usr/bin/env bats
# Issue 19, PUT to a table's internal stage as real Snowflake on AWS asks
# for it: an S3 stage with temporary credentials and client-side
# encryption.  The peer is fakesnow behind tests/helpers/sf_cse_proxy.py,
# which turns a PUT's answer into such a stage on the JuiceFS S3 gateway
# and, before fakesnow's COPY, decrypts what stage-copy uploaded with
# Python's cryptography (not OpenSSL), checking the key, IV, matdesc and
# digest in the object's metadata (tests/helpers/sf_cse.bash).

bats_require_minimum_version 1.5.0

load helpers/sf_cse.bash

setup_file() {
	sf_setup_file cse_start
}

teardown_file() {
	cse_stop
}

setup() {
	sf_setup sfcse
	mkdir tmp
	export TMPDIR=$W/tmp
	PY=$STAGE_TOP/.venv/bin/python
	cse_mode '{}'
}

teardown() {
	[ -n "${W:-}" ] && rm -rf "$W"
	return 0
}

# records N OFFSET: N rows of two tables' records, ids from OFFSET
records() {
	awk -v n="$1" -v o="${2:-0}" 'BEGIN { for (i = 1; i <= n; i++)
		printf "{\"id\":%d,\"name\":\"n%d, \\\"q\\\"\",\"amount\":%.2f,\"ok\":%s}\n",
			o + i, o + i, i * 0.5, (i % 3) ? "true" : "false" }'
}

# stage DATASET: two tables (orders, merged by id; events, appended),
# three files each, staged in the local bucket: put.ndjson
stage() {
	local ds=$1
	{
		records 3000 | stage-write -q -t orders --dataset "$ds" \
			--disposition merge --primary-key id --max-rows 1000 -d out1
		records 2000 100000 | stage-write -q -t events --dataset "$ds" \
			--disposition append --max-rows 700 -d out2
	} | stage-put -q -b "$W/bucket" >put.ndjson
}

# exact DATASET: the final tables hold exactly the records
exact() {
	local ds=$1
	run sf_sql "SELECT count(*), count(DISTINCT \"id\"), CAST(sum(\"id\") AS BIGINT), CAST(sum(\"amount\") * 100 AS BIGINT) FROM \"$ds\".\"orders\""
	echo "orders: $output"
	[ "$output" = "3000|3000|4501500|225075000" ] || return 1
	run sf_sql "SELECT \"name\", \"ok\" FROM \"$ds\".\"orders\" WHERE \"id\" = 3"
	[ "$output" = 'n3, "q"|f' ] || return 1
	run sf_sql "SELECT count(*), min(\"id\"), max(\"id\") FROM \"$ds\".\"events\""
	echo "events: $output"
	[ "$output" = "2000|100001|102000" ] || return 1
	run sf_sql "SELECT count(*) FROM \"${ds}_staging\".\"orders\""
	[ "$output" = 0 ]
}

# nothing_committed DATASET: no file recorded, no row loaded or merged
nothing_committed() {
	local ds=$1
	run sf_sql "SELECT count(*) FROM \"${ds}_staging\".\"_stage_files\""
	echo "files: $output"
	[ "$output" = 0 ] || [[ "$output" == *"does not exist"* ]] || return 1
	run sf_sql "SELECT count(*) FROM \"${ds}_staging\".\"orders\""
	[ "$output" = 0 ] || [[ "$output" == *"does not exist"* ]] || return 1
	run sf_sql "SELECT count(*) FROM \"$ds\".\"orders\""
	[[ "$output" == *"does not exist"* ]] || [ "$output" = 0 ]
}

# refused DATASET MODE: DATASET staged, then its stage-copy under the
# proxy's MODE fails: exit 1 and no "copied" line (the output in $output)
refused() {
	stage "$1"
	cse_mode "$2"
	run stage-copy -D "$SF_DEST" <put.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" != *'"copied"'* ]]
}

# merged_exact DATASET: copy.ndjson merged, the final tables exact, and
# no failure the proxy saw (key, IV, matdesc, digest)
merged_exact() {
	stage-merge -q -D "$SF_DEST" <copy.ndjson >merge.ndjson
	exact "$1"
	[ "$(cse_stat failures)" = "[]" ]
}

@test "snowflake-cse: the encryption's known answers (AES-128, AES-256, padding) and a random-key file decrypted by Python's cryptography" {
	run "$STAGE_UNITS/sfcse_test"
	echo "$output"
	[ "$status" -eq 0 ]
	head -c 300001 /dev/urandom >plain
	smk=$(head -c 16 /dev/urandom | base64)
	"$STAGE_UNITS/sfcse_test" "$smk" plain enc >meta
	run "$PY" - "$smk" <<-'PY'
		import base64, hashlib, json, sys
		from cryptography.hazmat.primitives import padding
		from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
		m = dict(l.rstrip("\n").split(" ", 1) for l in open("meta"))
		smk = base64.b64decode(sys.argv[1])
		def unpad(b):
		    u = padding.PKCS7(128).unpadder(); return u.update(b) + u.finalize()
		d = Cipher(algorithms.AES(smk), modes.ECB()).decryptor()
		fk = unpad(d.update(base64.b64decode(m["key"])) + d.finalize())
		assert len(fk) == 16
		enc = open("enc", "rb").read()
		assert hashlib.sha256(enc).hexdigest() == m["sha256"] and len(enc) == int(m["size"])
		d = Cipher(algorithms.AES(fk), modes.CBC(base64.b64decode(m["iv"]))).decryptor()
		plain = unpad(d.update(enc) + d.finalize())
		assert plain == open("plain", "rb").read()
		assert json.loads(m["matdesc"]) == {"queryId": "q-1", "smkId": "77", "keySize": "128"}
		assert base64.b64decode(m["digest"]) == hashlib.sha256(plain).digest()
		ed = json.loads(m["encryptiondata"])
		assert ed["WrappedContentKey"]["EncryptedKey"] == m["key"]
		assert ed["ContentEncryptionIV"] == m["iv"] and ed["EncryptionMode"] == "FullBlob"
		print("decrypted")
	PY
	echo "$output"
	[ "$output" = decrypted ]
}

@test "snowflake-cse: a whole load goes through the encrypted S3 PUT (AES-128) and ends with exact tables; a re-run sends nothing" {
	stage cse1
	stage-copy -D "$SF_DEST" <put.ndjson >copy.ndjson 2>err || { cat err; false; }
	cat err
	! grep -q "INSERT batches" err
	stage-merge -q -D "$SF_DEST" <copy.ndjson >merge.ndjson
	exact cse1
	# one PUT per table, each decrypted by the proxy
	[ "$(cse_stat puts)" -eq 2 ]
	[ "$(cse_stat decrypted)" -eq 2 ]
	[ "$(cse_stat failures)" = "[]" ]
	# the temporary files are gone
	[ -z "$(ls tmp)" ]
	# a re-run sends nothing: no PUT, no COPY, the same tables
	run stage-copy -D "$SF_DEST" <put.ndjson
	[ "$status" -eq 0 ]
	run stage-merge -D "$SF_DEST" <copy.ndjson
	[ "$status" -eq 0 ]
	[ "$(cse_stat puts)" -eq 2 ]
	[ "$(cse_stat copies)" -eq 2 ]
	exact cse1
}

@test "snowflake-cse: an AES-256 master key: the load is exact, the matdesc says keySize 256" {
	cse_mode '{"key_bits":256}'
	stage cse256
	stage-copy -q -D "$SF_DEST" <put.ndjson >copy.ndjson
	merged_exact cse256
}

@test "snowflake-cse: an undecodable or wrong-sized master key: a clear error, exit 1, nothing committed" {
	refused csebad '{"smk":"not base64!!"}'
	[[ "$output" == *"orders"*"not base64"* ]]
	nothing_committed csebad
	cse_mode "{\"smk\":\"$(head -c 20 /dev/urandom | base64)\"}"
	run stage-copy -D "$SF_DEST" <put.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"queryStageMasterKey) is 20 bytes"* ]]
	nothing_committed csebad
	[ -z "$(ls tmp)" ]
	# then a good stage: everything loads, once
	cse_mode '{}'
	stage-copy -q -D "$SF_DEST" <put.ndjson >copy.ndjson
	stage-merge -q -D "$SF_DEST" <copy.ndjson >merge.ndjson
	exact csebad
}

@test "snowflake-cse: a file the stage cannot decrypt (another master key) fails the COPY: exit 1, nothing committed" {
	refused csewrong '{"wrong_key":1}'
	[[ "$output" == *"COPY failed"*"cse proxy"* ]]
	nothing_committed csewrong
}

@test "snowflake-cse: S3 refuses the upload (bad stage credentials): the error says so, exit 1, nothing committed, the secret never printed" {
	refused cses3 '{"s3_secret":"wrong-Secret-4711"}'
	[[ "$output" == *"S3 upload of s3://"*"failed: 403"* ]]
	[[ "$output" != *"wrong-Secret-4711"* ]]
	nothing_committed cses3
	[ -z "$(ls tmp)" ]
}

@test "snowflake-cse: kill -9 during the S3 upload, then a re-run: exact tables, and the killed run's temporary directory is removed" {
	stage csekill
	cse_mode '{"slow_s3":30}'
	before=$(cse_stat s3_requests)
	stage-copy -q -D "$SF_DEST" <put.ndjson >copy.1 2>err.1 &
	pid=$!
	for _ in $(seq 300); do
		[ "$(cse_stat s3_requests)" -gt "$before" ] && break
		sleep 0.1
	done
	[ "$(cse_stat s3_requests)" -gt "$before" ]
	kill -9 "$pid"
	wait "$pid" || true
	# the upload was under way: its temporary directory stays behind
	ls tmp
	[ -n "$(ls -d tmp/stage-sfput."$pid".* 2>/dev/null)" ]
	nothing_committed csekill
	cse_mode '{}'
	stage-copy -q -D "$SF_DEST" <put.ndjson >copy.ndjson
	stage-merge -q -D "$SF_DEST" <copy.ndjson >merge.ndjson
	exact csekill
	[ -z "$(ls tmp)" ]
}

@test "snowflake-cse: stale stage-sfput directories of dead processes are removed, a live process's kept" {
	sleep 60 &
	live=$!
	( exit 0 ) &
	dead=$!
	wait "$dead"
	mkdir "tmp/stage-sfput.$live.AbCdEf" "tmp/stage-sfput.$dead.XyZ123" \
		tmp/stage-sfput.junk tmp/other
	echo rows >"tmp/stage-sfput.$dead.XyZ123/rows.csv.gz"
	echo enc >"tmp/stage-sfput.$dead.XyZ123/rows.csv.gz.enc"
	printf '{"id":1,"name":"x","amount":1.5,"ok":true}\n' |
		stage-write -q -t orders --dataset csestale -d out |
		stage-put -q -b "$W/bucket" >put.ndjson
	stage-copy -q -D "$SF_DEST" <put.ndjson >copy.ndjson
	kill "$live"
	run ls tmp
	echo "$output"
	[ "$output" = "$(printf '%s\n' other "stage-sfput.$live.AbCdEf" stage-sfput.junk)" ]
}

@test "snowflake-cse: an encrypted GCS stage (presigned URL): encryptiondata and matdesc headers, decrypted independently, exact tables" {
	cse_mode '{"gcs":1,"key_bits":256}'
	before=$(cse_stat decrypted)
	stage csegcs
	stage-copy -q -D "$SF_DEST" <put.ndjson >copy.ndjson
	merged_exact csegcs
	[ "$(cse_stat decrypted)" -eq $((before + 2)) ]
}

@test "snowflake-cse: a GCS stage that answers 503 twice: the PUT is tried again, each retry said with -v (the object, never the URL), exact tables" {
	cse_mode '{"gcs":1,"gcs_503":2}'
	stage cse503
	stage-copy -v -D "$SF_DEST" <put.ndjson >copy.ndjson 2>err || { cat err; false; }
	cat err
	! grep -q "INSERT batches" err
	[ "$(grep -c 'PUT object: 503.*; try [23] of 6 in [0-9]* ms' err)" -eq 2 ]
	! grep -q "http://127.0.0.1:$CSE_PORT/" err
	[ "$(cse_stat gcs_503)" -eq 2 ]
	merged_exact cse503
}

@test "snowflake-cse: an encrypted AZURE stage (Azurite, SAS token): encryptiondata, matdesc and sfcdigest metadata, decrypted independently, exact tables" {
	[ -n "${AZ_ENDPOINT:-}" ] || skip "no Azurite (tests/helpers/install-deps)"
	cse_mode '{"azure":1}'
	before=$(cse_stat decrypted)
	stage cseaz
	stage-copy -D "$SF_DEST" <put.ndjson >copy.ndjson 2>err || { cat err; false; }
	! grep -q "INSERT batches" err
	! grep -q "sig=" err
	merged_exact cseaz
	[ "$(cse_stat decrypted)" -eq $((before + 2)) ]
}

@test "snowflake-cse: the stage's AWS_TOKEN goes as a signed x-amz-security-token, never printed (the gateway, which issues no such tokens, refuses it: exit 1, nothing committed)" {
	refused csetok '{"token":"tok-Secret-5150"}'
	[[ "$output" == *"S3 upload of s3://"*"failed: "* ]]
	[[ "$output" != *"tok-Secret-5150"* ]]
	[ "$(cse_stat s3_token)" = tok-Secret-5150 ]
	[ "$(cse_stat s3_token_signed)" = true ]
	nothing_committed csetok
}
