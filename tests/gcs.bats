#!/usr/bin/env bats
# gs:// staging (issue 20): stage-put through GCS's JSON API against
# gcp-storage-emulator, behind helpers/gcs_auth.py, which verifies the
# service account's JWT assertion with PyJWT and lets through only
# requests with a token it issued; the HMAC path against the JuiceFS S3
# gateway (helpers/s3.bash); stage-copy reading gs:// into SQLite and
# PostgreSQL.

load helpers/gcs.bash
load helpers/s3.bash
load helpers/pg.bash
load helpers/faultproxy.bash

setup_file() {
	gcs_start
}

teardown_file() {
	gcs_stop
}

teardown() {
	fp_stop
}

setup() { gcs_setup; }

# records N [WIDTH]: N NDJSON records, rows of about WIDTH bytes.
records() {
	python3 -c 'import json, sys
n, w = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    print(json.dumps({"id": i, "s": ("r%d-" % i) * (w // 8 + 1)}))' "$1" "${2:-16}"
}

put() {
	stage-put -b "gs://$GCS_BUCKET/raw" --endpoint "$GCS_EP" "$@"
}

key_of() {
	jq -r 'select(.url) | .url' "$1" | sed -n "${2:-1}p" |
		sed "s|^gs://$GCS_BUCKET/||"
}

# Every request the proxy saw carried a token the endpoint issued.
all_authorized() {
	[ -s "$GCS_LOG" ] && ! grep -v '^TOKEN' "$GCS_LOG" | grep -v 'auth=ok'
}

@test "gs: small files upload in one request each, with a verified token; the objects hold the files' bytes, sha256 and CRC-32C" {
	gcs_proxy
	records 3000 | stage-write -t users --max-file-size 20K >w.ndjson
	run put -j 4 w.ndjson
	echo "$output"; cat "$GCS_LOG"
	[ "$status" -eq 0 ]
	n=$(jq -r 'select(.file) | .file' w.ndjson | wc -l)
	[ "$n" -gt 2 ]
	[ "$(echo "$output" | jq -r 'select(.url) | .url' | grep -c "^gs://$GCS_BUCKET/raw/")" -eq "$n" ]
	echo "$output" | tail -1 | jq -e '.end == true'
	[ "$(grep -c '^TOKEN ok' "$GCS_LOG")" -eq 1 ]
	[ "$(grep -c 'uploadType=multipart' "$GCS_LOG")" -eq "$n" ]
	all_authorized
	# Lines come as files finish, not in input order.
	echo "$output" | jq -r 'select(.url) | "\(.file) \(.url)"' >pairs
	while read -r f u; do
		k=${u#gs://$GCS_BUCKET/}
		cmp <(gcs_cat "$k") "$f"
		m=$(gcs_meta "$k")
		[ "$(echo "$m" | jq -r .metadata.sha256)" = "$(sha256sum <"$f" | cut -c1-64)" ]
		[ "$(echo "$m" | jq -r .crc32c)" = "$(gcs_crc32c "$f")" ]
	done <pairs
	[ "$(wc -l <pairs)" -eq "$n" ]
}

@test "gs: STAGE_NO_CPU_CRC32C=1 computes the same CRC-32C with tables (the emulator checks it against the bytes)" {
	head -c 3000001 /dev/urandom >c.bin
	{ mline "$W/c.bin" 1; echo '{"v":1,"end":true,"load_id":"1","files":1,"rows":1}'; } >m.ndjson
	gcs_proxy
	STAGE_NO_CPU_CRC32C=1 run stage-put -b "gs://$GCS_BUCKET/tables" --endpoint "$GCS_EP" m.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(gcs_meta tables/b/t/1.1.csv | jq -r .crc32c)" = "$(gcs_crc32c c.bin)" ]
}

@test "gs: a re-run uploads nothing and still writes every line and the end line" {
	records 2000 | stage-write -t again --max-file-size 20K >w.ndjson
	put w.ndjson >first.ndjson
	gcs_proxy
	run put -v w.ndjson
	echo "$output"; cat "$GCS_LOG"
	[ "$status" -eq 0 ]
	! grep -q 'upload' "$GCS_LOG"
	[[ "$output" == *"already stored with sha256"* ]]
	diff <(grep '^{' <<<"$output" | sort) <(sort first.ndjson)
}

@test "gs: a large file goes up as a resumable upload: its body streamed with the total open, then the final request with the rest and X-Goog-Hash crc32c" {
	records 120000 100 | stage-write -t big --max-file-size 1G >w.ndjson
	f=$(jq -r 'select(.file) | .file' w.ndjson)
	[ "$(stat -c %s "$f")" -gt 11000000 ]
	gcs_proxy
	run put --multipart-threshold 1M w.ndjson
	echo "$output" | cut -c1-300; cat "$GCS_LOG"
	[ "$status" -eq 0 ]
	echo "$output" >p.ndjson
	[ "$(grep -c '^POST .*uploadType=resumable' "$GCS_LOG")" -eq 1 ]
	[ "$(grep -c '^PUT .*upload_id=' "$GCS_LOG")" -eq 2 ]
	all_authorized
	# Only the final request carries the whole file's CRC-32C.
	[ "$(grep '^PUT .*upload_id=' "$GCS_LOG" | grep -c 'hash=crc32c=')" -eq 1 ]
	grep '^PUT .*upload_id=' "$GCS_LOG" | tail -1 | grep -qF "hash=crc32c=$(gcs_crc32c "$f")"
	k=$(key_of p.ndjson)
	cmp <(gcs_cat "$k") "$f"
	[ "$(gcs_meta "$k" | jq -r .metadata.sha256)" = "$(sha256sum <"$f" | cut -c1-64)" ]
}

# mline FILE ID [SHA256]: a file line for FILE (its own hash unless given).
mline() {
	printf '{"v":1,"load_id":"1","dataset":"b","table":"t","file":"%s","sha256":"%s","bytes":%s,"rows":1,"format":"csv","compression":"none","file_id":%s}\n' \
		"$1" "${3:-$(sha256sum "$1" | cut -c1-64)}" "$(stat -c %s "$1")" "$2"
}

@test "gs: resumable edge sizes: whole 256 KiB units (an empty final request), under 256 KiB (the final alone), one byte over" {
	head -c $((4 * 262144)) /dev/urandom >even.bin
	head -c 1000 /dev/urandom >tiny.bin
	head -c $((4 * 262144 + 1)) /dev/urandom >over.bin
	{ mline "$W/even.bin" 1; mline "$W/tiny.bin" 2; mline "$W/over.bin" 3
	  echo '{"v":1,"end":true,"load_id":"1","files":3,"rows":3}'; } >m.ndjson
	gcs_proxy
	run put --multipart-threshold 1 -j 1 m.ndjson
	echo "$output"; cat "$GCS_LOG"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^POST .*uploadType=resumable' "$GCS_LOG")" -eq 3 ]
	[ "$(grep -c 'hash=crc32c=' "$GCS_LOG")" -eq 3 ]
	i=0
	for f in even tiny over; do
		i=$((i + 1))
		cmp <(gcs_cat "raw/b/t/1.$i.csv") "$f.bin"
	done
}

@test "gs: a large file that no longer hashes to the manifest's sha256 is refused, its session cancelled, no object" {
	head -c $((3 << 20)) /dev/urandom >big.bin
	{ mline "$W/big.bin" 1 "$(printf '%064d' 0)"
	  echo '{"v":1,"end":true,"load_id":"1","files":1,"rows":1}'; } >m.ndjson
	gcs_proxy
	run stage-put -b "gs://$GCS_BUCKET/changed" --endpoint "$GCS_EP" --multipart-threshold 1M m.ndjson
	echo "$output"; cat "$GCS_LOG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"big.bin: sha256 mismatch: the file hashes to"* ]]
	! grep -q '"end":true' <<<"$output"
	grep -q '^DELETE .*upload_id=' "$GCS_LOG"
	! grep -q 'hash=crc32c=' "$GCS_LOG"
	[ -z "$(gcs_meta changed/b/t/1.1.csv | jq -r '.name // empty')" ]
}

@test "gs: kill -9 in the middle of a resumable upload leaves no object; the re-run completes it" {
	records 120000 100 | stage-write -t killed --max-file-size 1G >w.ndjson
	f=$(jq -r 'select(.file) | .file' w.ndjson)
	gcs_proxy --delay-chunks 1
	put --multipart-threshold 1M w.ndjson >p1.ndjson 2>err1 &
	pid=$!
	for i in $(seq 100); do
		grep -q '^PUT .*upload_id=' "$GCS_LOG" && break
		sleep 0.1
	done
	kill -9 "$pid"
	wait "$pid" || true
	cat "$GCS_LOG"
	! grep -q '"end":true' p1.ndjson
	k="raw/$(jq -r 'select(.file) | "\(.dataset)/\(.table)/\(.load_id).\(.file_id).csv"' w.ndjson)"
	[ "$(gcs_meta "$k" | jq -r '.error.code // 404')" = 404 ] ||
		[ -z "$(gcs_meta "$k" | jq -r '.name // empty')" ]
	gcs_proxy
	run put --multipart-threshold 1M w.ndjson
	echo "$output" | cut -c1-300
	[ "$status" -eq 0 ]
	echo "$output" | tail -1 | jq -e '.end == true'
	cmp <(gcs_cat "$k") "$f"
}

@test "gs: a resumable request whose answer is lost is not sent twice: the session is asked what it holds, and the upload goes on" {
	records 120000 100 | stage-write -t lostchunk --max-file-size 1G >w.ndjson
	f=$(jq -r 'select(.file) | .file' w.ndjson)
	S3_ENDPOINT=$GCS_EMU fp_start
	# The body reaches the server, its answer does not: sent again from
	# byte 0, the emulator would refuse it (400, wrong start).
	fp_rules 'PUT upload_id= 1 lost'
	unset GOOGLE_APPLICATION_CREDENTIALS
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT run stage-put -v -b "gs://$GCS_BUCKET/lost" \
		--multipart-threshold 1M w.ndjson
	fp_stop
	echo "$output" | cut -c1-300
	[ "$status" -eq 0 ]
	[[ "$output" == *"asking the session what it has"* ]]
	echo "$output" | grep '^{' >p.ndjson
	cmp <(gcs_cat "$(key_of p.ndjson)") "$f"
}

@test "gs: 503 and 429 answers and a reset are retried with backoff; the final error says how many tries" {
	records 500 | stage-write -t retried >w.ndjson
	S3_ENDPOINT=$GCS_EMU fp_start
	fp_rules 'POST uploadType=multipart 1 error 503 SlowDown' \
		'POST uploadType=multipart 1 error 429 TooMany' \
		'POST uploadType=multipart 1 reset'
	unset GOOGLE_APPLICATION_CREDENTIALS
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT run stage-put -v -b "gs://$GCS_BUCKET/retry" w.ndjson
	echo "$output" | cut -c1-200; cat "$FP_LOG"
	[ "$status" -eq 0 ]
	[ "$(grep -c $'^POST\t.*uploadType=multipart' "$FP_LOG")" -eq 4 ]
	echo "$output" | grep '^{' >p.ndjson
	cmp <(gcs_cat "$(key_of p.ndjson)") "$(jq -r 'select(.file) | .file' w.ndjson)"
	fp_rules 'POST uploadType=multipart * error 503 SlowDown'
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT run stage-put --retries 2 -b "gs://$GCS_BUCKET/retry2" w.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"gs upload failed: 503"*"(after 3 tries)"* ]]
	! grep -q '"end":true' <<<"$output"
}

@test "gs: ranged reads ask for that range; a GET cut mid-body resumes with Range where it stopped" {
	[ -x "$STAGE_UNITS/storage_get" ] || skip "no unit programs"
	head -c 300000 /dev/urandom >g.bin
	{ mline "$W/g.bin" 1; echo '{"v":1,"end":true,"load_id":"1","files":1,"rows":1}'; } >m.ndjson
	unset GOOGLE_APPLICATION_CREDENTIALS
	STORAGE_EMULATOR_HOST=${GCS_EMU#http://} stage-put -q -b "gs://$GCS_BUCKET/rg" m.ndjson >/dev/null
	S3_ENDPOINT=$GCS_EMU fp_start
	fp_rules 'GET alt=media 1 cut 1000'
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT "$STAGE_UNITS/storage_get" \
		"gs://$GCS_BUCKET/rg/b/t" 1.1.csv >got.bin
	cat "$FP_LOG"
	cmp got.bin g.bin
	grep -q $'range=bytes=1000-\tfault=-' "$FP_LOG"
	fp_rules
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT "$STAGE_UNITS/storage_get" -r 5000 7000 \
		"gs://$GCS_BUCKET/rg/b/t" 1.1.csv >part.bin
	cat "$FP_LOG"
	grep -q $'range=bytes=5000-11999' "$FP_LOG"
	fp_stop
	tail -c +5001 g.bin | head -c 7000 | cmp - part.bin
}

@test "gs: the token is refreshed before it expires, and every request carries a live one" {
	records 120000 100 | stage-write -t refresh --max-file-size 1G >w.ndjson
	# Issued for 301 s: within 300 s of expiry after 1 s, so refreshed
	# before the final request (the body takes 1.5 s).
	gcs_proxy --expires-in 301 --delay-chunks 1.5
	run put --multipart-threshold 1M w.ndjson
	echo "$output" | cut -c1-300; cat "$GCS_LOG"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^TOKEN ok' "$GCS_LOG")" -ge 2 ]
	all_authorized
}

@test "gs: a token revoked mid-run (401) is exchanged for a new one and the request goes again, once" {
	records 3000 | stage-write -t revoked --max-file-size 20K >w.ndjson
	gcs_proxy --revoke-after 2
	run put -v -j 1 w.ndjson
	echo "$output" | cut -c1-200; cat "$GCS_LOG"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^TOKEN ok' "$GCS_LOG")" -eq 2 ]
	[ "$(grep -c 'auth=unknown' "$GCS_LOG")" -eq 1 ]
	[[ "$output" == *"again with a new token"* ]]
	echo "$output" | tail -1 | jq -e '.end == true'
}

@test "gs: a key the service account does not have is refused at the token endpoint: exit 1, named, no end line, nothing uploaded" {
	records 100 | stage-write -t wrongkey >w.ndjson
	gcs_proxy
	GOOGLE_APPLICATION_CREDENTIALS=$GCS_DIR/wrong.json run put w.ndjson
	echo "$output"; cat "$GCS_LOG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"token exchange at $GCS_EP/token for $GCS_EMAIL failed: 400 invalid_grant"* ]]
	[[ "$output" == *"Signature"* ]]
	! grep -q '"end":true' <<<"$output"
	grep -q '^TOKEN refused' "$GCS_LOG"
	! grep -v '^TOKEN' "$GCS_LOG"
}

@test "gs: a malformed key file is a configuration error naming the file, line and field (exit 2)" {
	records 10 | stage-write -t badkey >w.ndjson
	printf '{\n "type": "service_account",\n "client_email": "a@b"\n "x": 1}\n' >bad1.json
	GOOGLE_APPLICATION_CREDENTIALS=$W/bad1.json run put w.ndjson
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"$W/bad1.json:4: not a service-account key file"* ]]
	jq 'del(.private_key)' "$GCS_DIR/sa.json" >bad2.json
	GOOGLE_APPLICATION_CREDENTIALS=$W/bad2.json run put w.ndjson
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad2.json: field 'private_key' missing"* ]]
	jq '.private_key = "-----BEGIN PRIVATE KEY-----\nnotakey\n-----END PRIVATE KEY-----\n"' \
		"$GCS_DIR/sa.json" >bad3.json
	GOOGLE_APPLICATION_CREDENTIALS=$W/bad3.json run put w.ndjson
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad3.json: private_key: not a PEM private key"* ]]
	jq '.type = "authorized_user"' "$GCS_DIR/sa.json" >bad4.json
	GOOGLE_APPLICATION_CREDENTIALS=$W/bad4.json run put w.ndjson
	[ "$status" -eq 2 ]
	[[ "$output" == *"field 'type' is \"authorized_user\""* ]]
	GOOGLE_APPLICATION_CREDENTIALS=$W/absent.json run put w.ndjson
	[ "$status" -eq 2 ]
	[[ "$output" == *"absent.json: cannot read the key file"* ]]
	unset GOOGLE_APPLICATION_CREDENTIALS
	run put w.ndjson
	[ "$status" -eq 2 ]
	[[ "$output" == *"no GCS credentials"* ]]
}

@test "gs: a missing bucket is one clear error per file, exit 1, no end line" {
	records 10 | stage-write -t nobucket >w.ndjson
	run stage-put -b gs://no-such-bucket/x --endpoint "$GCS_EP" w.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bucket no-such-bucket: 404"* ]]
	! grep -q '"end":true' <<<"$output"
}

@test "gs: a 403 on the bucket itself (a role on objects only) does not stop the uploads" {
	records 200 | stage-write -t objonly >w.ndjson
	S3_ENDPOINT=$GCS_EMU fp_start
	fp_rules "GET /b/$GCS_BUCKET[?]fields=name\$ * error 403 Forbidden"
	unset GOOGLE_APPLICATION_CREDENTIALS
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT run stage-put -v -b "gs://$GCS_BUCKET/objonly" w.ndjson
	echo "$output" | cut -c1-200; cat "$FP_LOG"
	[ "$status" -eq 0 ]
	grep -q 'fault=error 403' "$FP_LOG"
	[[ "$output" == *"403 on the bucket itself; going on"* ]]
	echo "$output" | tail -1 | jq -e '.end == true'
}

@test "gs: dlt's client_email and private_key in .dlt/secrets.toml are a service account too" {
	unset GOOGLE_APPLICATION_CREDENTIALS
	mkdir -p .dlt
	python3 - "$GCS_DIR/sa.json" >.dlt/secrets.toml <<'EOF'
import json, sys
k = json.load(open(sys.argv[1]))
print("[destination.filesystem.credentials]")
for f in ("client_email", "private_key", "project_id", "token_uri"):
    print('%s = %s' % (f, json.dumps(k[f])))
EOF
	records 50 | stage-write -t dltcfg >w.ndjson
	gcs_proxy
	run put w.ndjson
	echo "$output"; cat "$GCS_LOG"
	[ "$status" -eq 0 ]
	grep -q '^TOKEN ok' "$GCS_LOG"
	all_authorized
	# The same through dlt's variables, the key's newlines written "\n"
	# as a one-line variable holds them.
	rm -r .dlt
	records 60 | stage-write -t dltenv >w2.ndjson
	gcs_proxy
	DESTINATION__FILESYSTEM__CREDENTIALS__CLIENT_EMAIL=$(jq -r .client_email "$GCS_DIR/sa.json") \
	DESTINATION__FILESYSTEM__CREDENTIALS__PRIVATE_KEY=$(jq -r .private_key "$GCS_DIR/sa.json" | awk '{printf "%s\\n", $0}') \
	DESTINATION__FILESYSTEM__CREDENTIALS__TOKEN_URI=$(jq -r .token_uri "$GCS_DIR/sa.json") \
		run put w2.ndjson
	echo "$output"; cat "$GCS_LOG"
	[ "$status" -eq 0 ]
	grep -q '^TOKEN ok' "$GCS_LOG"
	all_authorized
}

@test "gs: secrets never show: -vv, --dry-run and errors mask the token and never print the private key" {
	records 50 | stage-write -t masked >w.ndjson
	gcs_proxy
	run put -vv w.ndjson
	[ "$status" -eq 0 ]
	[[ "$output" == *"Authorization: Bearer ****"* ]]
	! grep -q 'ya29\.' <<<"$output"
	! grep -q 'PRIVATE KEY\|MII' <<<"$output"
	rm -rf "$W/x"; records 50 | stage-write -t masked2 >w2.ndjson
	run put --dry-run w2.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"POST $GCS_EP/upload/storage/v1/b/$GCS_BUCKET/o?uploadType=multipart"* ]]
	[[ "$output" == *"Authorization: Bearer ****"* ]]
	! grep -q 'ya29\.\|PRIVATE KEY\|MII' <<<"$output"
	GOOGLE_APPLICATION_CREDENTIALS=$GCS_DIR/wrong.json run put w.ndjson
	! grep -q 'ya29\.\|PRIVATE KEY\|MII\|eyJ' <<<"$output"
}

@test "gs: STORAGE_EMULATOR_HOST points at an emulator and sends no Authorization" {
	unset GOOGLE_APPLICATION_CREDENTIALS
	records 200 | stage-write -t emu >w.ndjson
	STORAGE_EMULATOR_HOST=${GCS_EMU#http://} run stage-put -vv -b "gs://$GCS_BUCKET/emu" w.ndjson
	[ "$status" -eq 0 ]
	! grep -qi '^> Authorization' <<<"$output"
	echo "$output" | grep '^{' >p.ndjson
	cmp <(gcs_cat "$(key_of p.ndjson)") "$(jq -r 'select(.file) | .file' w.ndjson)"
}

@test "gs: stage-copy loads gs:// objects (small and resumable) into SQLite, a re-run copies nothing twice" {
	records 3000 | stage-write -t small --max-file-size 20K >a.ndjson
	records 60000 100 | stage-write -t large >b.ndjson
	cat a.ndjson b.ndjson | put --multipart-threshold 1M >p.ndjson
	gcs_proxy
	run stage-copy -D "sqlite:///$W/t.db" p.ndjson
	echo "$output" | cut -c1-200; cat "$GCS_LOG"
	[ "$status" -eq 0 ]
	all_authorized
	grep -q 'alt=media' "$GCS_LOG"
	[ "$(sqlite3 "$W/t__stage_dataset_staging.db" 'SELECT count(*), sum(id) FROM small')" = '3000|4498500' ]
	[ "$(sqlite3 "$W/t__stage_dataset_staging.db" 'SELECT count(*), sum(id) FROM large')" = '60000|1799970000' ]
	run stage-copy -D "sqlite:///$W/t.db" p.ndjson
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$W/t__stage_dataset_staging.db" 'SELECT count(*) FROM small')" = 3000 ]
}

@test "gs: write | put | copy | merge --delete-staged into SQLite removes the load's gs:// objects after the merge" {
	records 3000 | stage-write -t piped --max-file-size 20K >w.ndjson
	put w.ndjson | stage-copy -D "sqlite:///$W/m.db" |
		stage-merge -D "sqlite:///$W/m.db" --delete-staged >out.ndjson
	[ "$(tail -1 out.ndjson | jq -r .end)" = true ]
	[ "$(sqlite3 "$W/m__stage_dataset.db" 'SELECT count(*), sum(id) FROM piped')" = '3000|4498500' ]
	jq -r 'select(.url) | .url' out.ndjson >urls
	[ -s urls ]
	while read -r u; do
		[ -z "$(gcs_meta "${u#gs://$GCS_BUCKET/}" | jq -r '.name // empty')" ]
	done <urls
}

@test "gs: stage-copy loads gs:// objects into PostgreSQL" {
	command -v psql >/dev/null || skip "no PostgreSQL"
	pg_start
	records 5000 | stage-write -t pgt --max-file-size 30K >a.ndjson
	put <a.ndjson >p.ndjson
	run stage-copy -D "postgresql://postgres@127.0.0.1:$PGPORT/postgres" p.ndjson
	echo "$output" | cut -c1-200
	st=$status
	r=$(psql -X -At -c 'SELECT count(*), sum(id) FROM stage_dataset_staging.pgt')
	pg_stop
	[ "$st" -eq 0 ]
	[ "$r" = '5000|12497500' ]
}

@test "gs: HMAC keys go through the S3-interoperable XML API (JuiceFS gateway): gs:// URLs, verified signatures, re-run skips" {
	s3_start
	export GS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID GS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
	unset GOOGLE_APPLICATION_CREDENTIALS AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL
	records 3000 | stage-write -t hmac --max-file-size 20K >w.ndjson
	run stage-put -b "gs://$S3_BUCKET/hmac" --endpoint "$S3_ENDPOINT" w.ndjson
	echo "$output" | cut -c1-300
	st=$status
	echo "$output" >p.ndjson
	run stage-put -v -b "gs://$S3_BUCKET/hmac" --endpoint "$S3_ENDPOINT" w.ndjson
	st2=$status; out2=$output
	GS_SECRET_ACCESS_KEY=wrong-secret-123 run stage-put -b "gs://$S3_BUCKET/hmac2" --endpoint "$S3_ENDPOINT" w.ndjson
	st3=$status; out3=$output
	AWS_ACCESS_KEY_ID=$GS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$GS_SECRET_ACCESS_KEY \
		aws --endpoint-url "$S3_ENDPOINT" s3 ls --recursive "s3://$S3_BUCKET/hmac/" >ls.txt
	GS_ACCESS_KEY_ID=$GS_ACCESS_KEY_ID run stage-copy -D "sqlite:///$W/h.db" p.ndjson
	st4=$status
	s3_stop
	[ "$st" -eq 0 ]
	[ "$(jq -r 'select(.url) | .url' p.ndjson | grep -c "^gs://$S3_BUCKET/hmac/")" -eq "$(jq -r 'select(.file) | .file' w.ndjson | wc -l)" ]
	[ "$(wc -l <ls.txt)" -eq "$(jq -r 'select(.file) | .file' w.ndjson | wc -l)" ]
	[ "$st2" -eq 0 ]
	[[ "$out2" == *"already stored with sha256"* ]]
	[ "$st3" -eq 1 ]
	[[ "$out3" == *"403"* ]]
	! grep -q 'wrong-secret-123' <<<"$out3"
	[ "$st4" -eq 0 ]
	[ "$(sqlite3 "$W/h__stage_dataset_staging.db" 'SELECT count(*) FROM hmac')" = 3000 ]
}
