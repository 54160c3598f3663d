#!/usr/bin/env bats
# gs:// parallel composite uploads (issue 20: large objects in parallel
# chunks): a file from --composite-threshold on goes up as part objects
# under KEY.stage-parts/, uploaded in parallel, composed into the object
# in one request, then deleted; against gcp-storage-emulator behind
# helpers/gcs_auth.py (every request must carry a token it issued), and
# behind helpers/faultproxy.py for lost answers, failures and kills.

bats_require_minimum_version 1.5.0

load helpers/gcs.bash
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

# mline FILE ID [SHA256]: a file line for FILE (its own hash unless given).
mline() {
	printf '{"v":1,"load_id":"1","dataset":"b","table":"t","file":"%s","sha256":"%s","bytes":%s,"rows":1,"format":"csv","compression":"none","file_id":%s}\n' \
		"$1" "${3:-$(sha256sum "$1" | cut -c1-64)}" "$(stat -c %s "$1")" "$2"
}

# manifest FILE... : a load of those files.
manifest() {
	local i=0 f
	for f in "$@"; do
		i=$((i + 1))
		mline "$W/$f" "$i"
	done
	echo "{\"v\":1,\"end\":true,\"load_id\":\"1\",\"files\":$i,\"rows\":$i}"
}

COMP=(--composite-threshold 8M --part-size 5M)

# parts PREFIX: the names of the part objects under PREFIX (the object's
# key), one a line, straight from the emulator.
parts() {
	local p
	p=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1.stage-parts/")
	curl -sf "$GCS_EMU/storage/v1/b/$GCS_BUCKET/o?prefix=$p" |
		jq -r '.items[]?.name'
}

# absent KEY: no such object.
absent() {
	[ -z "$(gcs_meta "$1" | jq -r '.name // empty' 2>/dev/null)" ]
}

sha() {
	sha256sum <"$1" | cut -c1-64
}

@test "gs: a file from --composite-threshold on goes up as parts in parallel, one compose and the parts deleted; the object holds the bytes, sha256 and CRC-32C" {
	head -c $((23 << 20)) /dev/urandom >big.bin
	manifest big.bin >m.ndjson
	gcs_proxy
	run stage-put -v -b "gs://$GCS_BUCKET/c1" --endpoint "$GCS_EP" "${COMP[@]}" m.ndjson
	echo "$output" | cut -c1-300; cat "$GCS_LOG"
	[ "$status" -eq 0 ]
	echo "$output" | tail -1 | jq -e '.end == true'
	[[ "$output" == *"c1/b/t/1.1.csv: composed from 5 parts"* ]]
	# 23 MiB in 5 MiB parts: 5 part uploads, each named under the key
	[ "$(grep -c '^POST .*uploadType=multipart&name=c1%2Fb%2Ft%2F1.1.csv.stage-parts%2F0[0-4] ' "$GCS_LOG")" -eq 5 ]
	[ "$(grep -c '^POST .*/o/c1%2Fb%2Ft%2F1.1.csv/compose?deleteSourceObjects=true ' "$GCS_LOG")" -eq 1 ]
	[ "$(grep -c '^DELETE .*stage-parts' "$GCS_LOG")" -eq 5 ]
	! grep -q 'uploadType=resumable' "$GCS_LOG"
	all=$(grep -cv '^TOKEN' "$GCS_LOG")
	[ "$(grep -c 'auth=ok' "$GCS_LOG")" -eq "$all" ]
	cmp <(gcs_cat c1/b/t/1.1.csv) big.bin
	gcs_meta c1/b/t/1.1.csv >meta.json
	[ "$(jq -r .metadata.sha256 meta.json)" = "$(sha big.bin)" ]
	[ "$(jq -r .crc32c meta.json)" = "$(gcs_crc32c big.bin)" ]
	[ -z "$(parts c1/b/t/1.1.csv)" ]
}

@test "gs: composite parts are sent in parallel: -j 4 has several part uploads on the wire at once" {
	head -c $((30 << 20)) /dev/urandom >par.bin
	manifest par.bin >m.ndjson
	S3_ENDPOINT=$GCS_EMU fp_start
	unset GOOGLE_APPLICATION_CREDENTIALS
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT run stage-put -j 4 -b "gs://$GCS_BUCKET/par" "${COMP[@]}" m.ndjson
	echo "$output" | cut -c1-200; cat "$FP_LOG"
	[ "$status" -eq 0 ]
	# Each on its own connection: 6 parts over at least 3 connections.
	[ "$(grep $'^POST\t.*stage-parts' "$FP_LOG" | grep -o 'conn=[0-9]*' | sort -u | wc -l)" -ge 3 ]
	cmp <(gcs_cat par/b/t/1.1.csv) par.bin
}

@test "gs: a file below --composite-threshold, with --composite-threshold 0, without it (the default), or of one part is not composed" {
	head -c $((12 << 20)) /dev/urandom >mid.bin
	manifest mid.bin >m.ndjson
	gcs_proxy
	run -0 stage-put -b "gs://$GCS_BUCKET/below" --endpoint "$GCS_EP" --composite-threshold 13M --part-size 5M --multipart-threshold 1M m.ndjson
	run -0 stage-put -b "gs://$GCS_BUCKET/off" --endpoint "$GCS_EP" --composite-threshold 0 --part-size 5M --multipart-threshold 1M m.ndjson
	run -0 stage-put -b "gs://$GCS_BUCKET/default" --endpoint "$GCS_EP" --part-size 5M --multipart-threshold 1M m.ndjson
	# one part of 20 MiB holds the whole file: nothing to compose
	run -0 stage-put -v -b "gs://$GCS_BUCKET/onepart" --endpoint "$GCS_EP" --composite-threshold 8M --part-size 20M --multipart-threshold 1M m.ndjson
	[[ "$output" == *"onepart/b/t/1.1.csv: not composed: one part"* ]]
	cat "$GCS_LOG"
	! grep -q 'stage-parts\|/compose' "$GCS_LOG"
	[ "$(grep -c '^POST .*uploadType=resumable' "$GCS_LOG")" -eq 4 ]
	cmp <(gcs_cat below/b/t/1.1.csv) mid.bin
	cmp <(gcs_cat off/b/t/1.1.csv) mid.bin
}

@test "gs: a re-run uploads nothing and deletes the parts a run killed after its compose left" {
	head -c $((11 << 20)) /dev/urandom >again.bin
	manifest again.bin >m.ndjson
	run -0 stage-put -b "gs://$GCS_BUCKET/again" --endpoint "$GCS_EP" "${COMP[@]}" m.ndjson
	# What a run killed between its compose and its deletes leaves.
	for n in 00 01 07; do
		curl -sf -o /dev/null -X POST --data-binary @again.bin \
			"$GCS_EMU/upload/storage/v1/b/$GCS_BUCKET/o?uploadType=media&name=again%2Fb%2Ft%2F1.1.csv.stage-parts%2F$n"
	done
	# and an object beside it that only looks alike: never touched
	curl -sf -o /dev/null -X POST --data-binary x \
		"$GCS_EMU/upload/storage/v1/b/$GCS_BUCKET/o?uploadType=media&name=again%2Fb%2Ft%2F1.1.csv.stage-partsX"
	[ "$(parts again/b/t/1.1.csv | wc -l)" -eq 3 ]
	gcs_proxy
	run stage-put -v -b "gs://$GCS_BUCKET/again" --endpoint "$GCS_EP" "${COMP[@]}" m.ndjson
	echo "$output" | cut -c1-200; cat "$GCS_LOG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"already stored with sha256"*"skipped"* ]]
	echo "$output" | grep -q '^{.*"url":"gs://'
	echo "$output" | tail -1 | jq -e '.end == true'
	! grep -q '^POST' "$GCS_LOG"
	[ "$(grep -c '^DELETE' "$GCS_LOG")" -eq 3 ]
	[ -z "$(parts again/b/t/1.1.csv)" ]
	[ "$(gcs_cat again/b/t/1.1.csv.stage-partsX)" = x ]
	cmp <(gcs_cat again/b/t/1.1.csv) again.bin
}

@test "gs: kill -9 in the middle of a composite upload leaves no object; the re-run composes the right one and leaves no part behind" {
	head -c $((26 << 20)) /dev/urandom >killed.bin
	manifest killed.bin >m.ndjson
	S3_ENDPOINT=$GCS_EMU fp_start
	fp_rules 'POST stage-parts%2F03 * stall 60'
	unset GOOGLE_APPLICATION_CREDENTIALS
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT stage-put -j 2 -b "gs://$GCS_BUCKET/killed" "${COMP[@]}" m.ndjson >p1.ndjson 2>err1 &
	pid=$!
	for i in $(seq 200); do
		[ "$(parts killed/b/t/1.1.csv | wc -l)" -ge 2 ] && grep -q 'stage-parts%2F03' "$FP_LOG" && break
		sleep 0.1
	done
	kill -9 "$pid"
	wait "$pid" || true
	cat "$FP_LOG"
	! grep -q '"end":true' p1.ndjson
	absent killed/b/t/1.1.csv
	[ "$(parts killed/b/t/1.1.csv | wc -l)" -ge 2 ]
	fp_rules
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT run stage-put -b "gs://$GCS_BUCKET/killed" "${COMP[@]}" m.ndjson
	echo "$output" | cut -c1-200
	[ "$status" -eq 0 ]
	echo "$output" | tail -1 | jq -e '.end == true'
	cmp <(gcs_cat killed/b/t/1.1.csv) killed.bin
	[ "$(gcs_meta killed/b/t/1.1.csv | jq -r .metadata.sha256)" = "$(sha killed.bin)" ]
	[ -z "$(parts killed/b/t/1.1.csv)" ]
}

@test "gs: a re-run after a kill with a larger part size still deletes every part the killed run left" {
	head -c $((26 << 20)) /dev/urandom >resized.bin
	manifest resized.bin >m.ndjson
	# The killed run's parts: 6 of 5 MiB (00..05); the re-run makes 3.
	for n in 00 01 02 03 04 05; do
		curl -sf -o /dev/null -X POST --data-binary x \
			"$GCS_EMU/upload/storage/v1/b/$GCS_BUCKET/o?uploadType=media&name=resized%2Fb%2Ft%2F1.1.csv.stage-parts%2F$n"
	done
	run -0 stage-put -b "gs://$GCS_BUCKET/resized" --endpoint "$GCS_EP" --composite-threshold 8M --part-size 9M m.ndjson
	cmp <(gcs_cat resized/b/t/1.1.csv) resized.bin
	[ -z "$(parts resized/b/t/1.1.csv)" ]
}

@test "gs: a lost compose answer is retried and the object is right; a part refused every time fails the file with its tries, no object, no part left" {
	head -c $((17 << 20)) /dev/urandom >lost.bin
	manifest lost.bin >m.ndjson
	S3_ENDPOINT=$GCS_EMU fp_start
	fp_rules 'POST /compose 1 lost' 'POST stage-parts%2F01 1 error 503 SlowDown'
	unset GOOGLE_APPLICATION_CREDENTIALS
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT run stage-put -v -b "gs://$GCS_BUCKET/lost" "${COMP[@]}" m.ndjson
	echo "$output" | cut -c1-200; cat "$FP_LOG"
	[ "$status" -eq 0 ]
	[ "$(grep -c $'^POST\t.*/compose' "$FP_LOG")" -eq 2 ]
	[ "$(grep -c $'^POST\t.*stage-parts%2F01' "$FP_LOG")" -eq 2 ]
	cmp <(gcs_cat lost/b/t/1.1.csv) lost.bin
	[ -z "$(parts lost/b/t/1.1.csv)" ]
	fp_rules 'POST stage-parts%2F02 * error 503 SlowDown'
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT run stage-put --retries 2 -b "gs://$GCS_BUCKET/refused" "${COMP[@]}" m.ndjson
	echo "$output" | cut -c1-300; cat "$FP_LOG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"lost.bin"*"gs part upload failed: 503"*"(after 3 tries)"* ]]
	! grep -q '"end":true' <<<"$output"
	! grep -q $'^POST\t.*/compose' "$FP_LOG"
	absent refused/b/t/1.1.csv
	[ -z "$(parts refused/b/t/1.1.csv)" ]
}

@test "gs: a compose sent again after a lost answer that finds its parts gone (GCS deleted them with the first) looks for the object: the file's is success" {
	head -c $((11 << 20)) /dev/urandom >gone.bin
	manifest gone.bin >m.ndjson
	S3_ENDPOINT=$GCS_EMU fp_start
	fp_rules 'POST /compose 1 lost' 'POST /compose 1 error 404 NotFound'
	unset GOOGLE_APPLICATION_CREDENTIALS
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT run stage-put -v -b "gs://$GCS_BUCKET/gone" "${COMP[@]}" m.ndjson
	echo "$output" | cut -c1-200; cat "$FP_LOG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"compose: 404 on try 2; looking for the object"* ]]
	[[ "$output" == *"composed by the try whose answer was lost"* ]]
	echo "$output" | tail -1 | jq -e '.end == true'
	cmp <(gcs_cat gone/b/t/1.1.csv) gone.bin
	[ -z "$(parts gone/b/t/1.1.csv)" ]
	# A 404 without an object behind it is a failure, the parts deleted.
	fp_rules 'POST /compose 1 reset' 'POST /compose 1 error 404 NotFound'
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT run stage-put -b "gs://$GCS_BUCKET/gone2" "${COMP[@]}" m.ndjson
	echo "$output" | cut -c1-300; cat "$FP_LOG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"gone.bin: gs compose failed: 404 (the parts gone) on a retry, and the object is not the file's"* ]]
	! grep -q '"end":true' <<<"$output"
	absent gone2/b/t/1.1.csv
	[ -z "$(parts gone2/b/t/1.1.csv)" ]
}

@test "gs: a file that no longer hashes to the manifest's sha256 is never composed: exit 1, named, its parts deleted, no object" {
	head -c $((17 << 20)) /dev/urandom >changed.bin
	{ mline "$W/changed.bin" 1 "$(printf '%064d' 0)"
	  echo '{"v":1,"end":true,"load_id":"1","files":1,"rows":1}'; } >m.ndjson
	gcs_proxy
	run stage-put -b "gs://$GCS_BUCKET/changed" --endpoint "$GCS_EP" "${COMP[@]}" m.ndjson
	echo "$output"; cat "$GCS_LOG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"changed.bin: sha256 mismatch: the file hashes to $(sha changed.bin), the manifest says 000"* ]]
	! grep -q '"end":true' <<<"$output"
	! grep -q '/compose' "$GCS_LOG"
	absent changed/b/t/1.1.csv
	[ -z "$(parts changed/b/t/1.1.csv)" ]
}

@test "gs: --dry-run shows the part uploads, the compose and the listing, the token masked" {
	head -c $((11 << 20)) /dev/urandom >dry.bin
	manifest dry.bin >m.ndjson
	run stage-put -n -b "gs://$GCS_BUCKET/dry" --endpoint "$GCS_EP" "${COMP[@]}" m.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^POST .*uploadType=multipart&name=dry%2Fb%2Ft%2F1.1.csv.stage-parts%2F0[0-2]$' <<<"$output")" -eq 3 ]
	grep -q '^POST .*/o/dry%2Fb%2Ft%2F1.1.csv/compose?deleteSourceObjects=true$' <<<"$output"
	grep -q '^GET .*prefix=dry%2Fb%2Ft%2F1.1.csv.stage-parts%2F' <<<"$output"
	grep -q 'Authorization: Bearer \*\*\*\*' <<<"$output"
	absent dry/b/t/1.1.csv
}

@test "unit: composite part plans (at most 32 parts), part names, compose bodies, listing answers, part bodies and their hashes" {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
	run "$STAGE_UNITS/gcs_compose_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: CRC-32C in three lanes on the crc32 instruction agrees with the tables everywhere; crc32c_combine joins CRCs" {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
	run "$STAGE_UNITS/crc32c_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "gs: a composed object whose CRC-32C is not the file's is a failure: exit 1, no end line, the object and the parts deleted" {
	head -c $((11 << 20)) /dev/urandom >bad.bin
	manifest bad.bin >m.ndjson
	S3_ENDPOINT=$GCS_EMU fp_start
	# the compose answered without the server: an object of other bytes
	printf '{"kind":"storage#object","name":"x","crc32c":"AAAAAA=="}' >wrong.json
	fp_rules "POST /compose 1 reply 200 $PWD/wrong.json"
	unset GOOGLE_APPLICATION_CREDENTIALS
	STORAGE_EMULATOR_HOST=$FP_ENDPOINT run stage-put -b "gs://$GCS_BUCKET/badcrc" "${COMP[@]}" m.ndjson
	echo "$output" | cut -c1-300; cat "$FP_LOG"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bad.bin: gs compose: the object's CRC-32C is not the file's ("*"); deleted"* ]]
	! grep -q '"end":true' <<<"$output"
	absent badcrc/b/t/1.1.csv
	[ -z "$(parts badcrc/b/t/1.1.csv)" ]
}
