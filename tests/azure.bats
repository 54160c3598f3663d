#!/usr/bin/env bats
# stage-put to az:// and abfss:// against Azurite (helpers/azure.bash),
# which verifies SharedKey signatures, SAS tokens and Content-MD5; what
# landed is read back with Azure's own Python SDK (helpers/az_peer.py).

bats_require_minimum_version 1.5.0
load helpers/azure

setup_file() {
	az_start
}

teardown_file() {
	az_stop
}

setup() { az_setup; }

mkfile() {
	head -c "$2" /dev/urandom >"$T/$1"
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

# blob PREFIX FILE_ID [LOAD_ID]: the key stage-put's default layout gives.
blob() {
	echo "$1/ds/users/${3:-1732459200.1}.$2.csv.gz"
}

sha() {
	sha256sum "$1" | cut -c1-64
}

@test "az: a small file goes up in one Put Blob with its sha256 as metadata; Azure's SDK reads the same bytes" {
	mkfile a 300000
	{ line a 1; endline 1; } >m
	run -0 --separate-stderr stage-put -v -b "az://$AZ_CONTAINER/small" m
	echo "$output" "$stderr"
	[ "$(echo "$output" | head -1 | jq -r .url)" = "az://$AZ_CONTAINER/$(blob small 1)" ]
	[ "$(echo "$output" | tail -1 | jq -r .end)" = true ]
	[[ "$stderr" != *blocks* ]]
	[ "$(az_peer sha256 "$AZ_CONTAINER" "$(blob small 1)")" = "$(sha a)" ]
	run -0 az_peer ls "$AZ_CONTAINER" small/
	[ "$(echo "$output" | cut -d' ' -f2,3)" = "300000 $(sha a)" ]
	run -0 az_peer blocks "$AZ_CONTAINER" "$(blob small 1)"
	[ "$output" = "committed 1 uncommitted 0" ] ||
		[ "$output" = "committed 0 uncommitted 0" ]
}

@test "az: a large file goes up in parallel blocks (Put Block with Content-MD5, Put Block List); the blob is byte-exact" {
	mkfile big 41000000
	{ line big 1; endline 1; } >m
	run -0 --separate-stderr stage-put -v -j 4 --part-size 5M \
		--multipart-threshold 8M -b "az://$AZ_CONTAINER/multi" m
	echo "$stderr"
	[[ "$stderr" == *"8 blocks of 5242880 bytes"* ]]
	[ "$(az_peer sha256 "$AZ_CONTAINER" "$(blob multi 1)")" = "$(sha big)" ]
	[ "$(az_peer blocks "$AZ_CONTAINER" "$(blob multi 1)")" = "committed 8 uncommitted 0" ]
	run -0 az_peer ls "$AZ_CONTAINER" multi/
	[ "$(echo "$output" | cut -d' ' -f3)" = "$(sha big)" ]
}

@test "az: re-runs upload nothing: the blobs are compared by their sha256 metadata and left as they are" {
	mkfile s 1000
	mkfile b 12000000
	{ line s 1; line b 2; endline 2; } >m
	opts=(--part-size 5M --multipart-threshold 8M -b "az://$AZ_CONTAINER/again")
	run -0 stage-put "${opts[@]}" m
	first=$output
	before=$(az_peer ls "$AZ_CONTAINER" again/)
	run -0 --separate-stderr stage-put -v "${opts[@]}" m
	[ "$output" = "$first" ]
	[ "$(grep -c 'already stored with sha256' <<<"$stderr")" = 2 ]
	[ "$(az_peer ls "$AZ_CONTAINER" again/)" = "$before" ]
}

@test "az: a blob holding other content under the key is replaced" {
	mkfile r 5000
	{ line r 1; endline 1; } >m
	run -0 stage-put -b "az://$AZ_CONTAINER/repl" m
	mkfile r 7000
	{ line r 1; endline 1; } >m
	run -0 --separate-stderr stage-put -v -b "az://$AZ_CONTAINER/repl" m
	[[ "$stderr" == *"exists with sha256"*"replacing"* ]]
	[ "$(az_peer sha256 "$AZ_CONTAINER" "$(blob repl 1)")" = "$(sha r)" ]
}

@test "az: a file that no longer matches the manifest's sha256 is refused, small or in blocks, and nothing is committed" {
	mkfile s 2000
	mkfile b 12000000
	{ line s 1; line b 2; endline 2; } >m
	printf 'X' | dd of=s bs=1 seek=10 conv=notrunc 2>/dev/null
	printf 'X' | dd of=b bs=1 seek=11000000 conv=notrunc 2>/dev/null
	printf 'Y' | dd of=s bs=1 seek=11 conv=notrunc 2>/dev/null
	printf 'Y' | dd of=b bs=1 seek=11000001 conv=notrunc 2>/dev/null
	run -1 --separate-stderr stage-put --part-size 5M \
		--multipart-threshold 8M -b "az://$AZ_CONTAINER/changed" m
	echo "$stderr"
	[[ "$stderr" == *"sha256 mismatch"* ]]
	[ "$(grep -c 'sha256 mismatch' <<<"$stderr")" = 2 ]
	[[ "$output" != *'"end"'* ]]
	[ -z "$(az_peer ls "$AZ_CONTAINER" changed/)" ]
}

@test "az: a wrong account key is refused by the service: one clear error, exit 1, no end line, the key never printed" {
	bad=$(printf 'not-the-key-not-the-key-not-the-key!' | base64 -w0)
	export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$AZ_ACCOUNT;AccountKey=$bad;BlobEndpoint=$AZ_ENDPOINT;"
	mkfile a 100
	mkfile b 100
	{ line a 1; line b 2; endline 2; } >m
	run -1 --separate-stderr stage-put -v -b "az://$AZ_CONTAINER/wrongkey" m
	echo "$stderr"
	[[ "$stderr" == *"container $AZ_CONTAINER: 403"* ]]
	[[ "$output" != *'"end"'* ]]
	[[ "$stderr$output" != *"$bad"* ]]
	[[ "$stderr$output" != *"$AZ_KEY"* ]]
	[ -z "$(az_peer ls "$AZ_CONTAINER" wrongkey/)" ]
}

@test "az: a missing container is one clear error (ContainerNotFound), exit 1" {
	mkfile a 100
	{ line a 1; endline 1; } >m
	run -1 --separate-stderr stage-put -b "az://no-such-container/x" m
	echo "$stderr"
	[[ "$stderr" == *"container no-such-container: 404 ContainerNotFound"* ]]
	[[ "$output" != *'"end"'* ]]
}

@test "az: a SAS token (AZURE_STORAGE_SAS_TOKEN) uploads small and block blobs; its signature is masked in dry runs" {
	sas=$(az_peer sas "$AZ_CONTAINER" racwl)
	sig=$(sed 's/.*sig=\([^&]*\).*/\1/' <<<"$sas")
	unset AZURE_STORAGE_CONNECTION_STRING
	export AZURE_STORAGE_ACCOUNT_NAME=$AZ_ACCOUNT AZURE_STORAGE_SAS_TOKEN="?$sas"
	mkfile s 1000
	mkfile b 12000000
	{ line s 1; line b 2; endline 2; } >m
	run -0 --separate-stderr stage-put -v --endpoint "$AZ_ENDPOINT" \
		--part-size 5M --multipart-threshold 8M -b "az://$AZ_CONTAINER/sas" m
	echo "$stderr"
	[ "$(az_peer_cs sha256 "$AZ_CONTAINER" "$(blob sas 2)")" = "$(sha b)" ]
	[ "$(az_peer_cs sha256 "$AZ_CONTAINER" "$(blob sas 1)")" = "$(sha s)" ]
	[[ "$stderr$output" != *"$sig"* ]]
	run -0 stage-put -n --endpoint "$AZ_ENDPOINT" -b "az://$AZ_CONTAINER/sas2" m
	[[ "$output" == *"sig=****"* ]]
	[[ "$output" != *"$sig"* ]]
	[[ "$output" != *Authorization* ]]
}

@test "az: a SAS token without write rights is refused by the service, exit 1, nothing stored" {
	sas=$(az_peer sas "$AZ_CONTAINER" rl)
	unset AZURE_STORAGE_CONNECTION_STRING
	export AZURE_STORAGE_ACCOUNT_NAME=$AZ_ACCOUNT AZURE_STORAGE_SAS_TOKEN="$sas"
	mkfile s 1000
	{ line s 1; endline 1; } >m
	run -1 --separate-stderr stage-put --endpoint "$AZ_ENDPOINT" \
		-b "az://$AZ_CONTAINER/readonly" m
	echo "$stderr"
	[[ "$stderr" == *"az Put Blob failed: 403"* ]]
	[ -z "$(az_peer_cs ls "$AZ_CONTAINER" readonly/)" ]
}

@test "az: an expired SAS token is refused by the service: one clear error naming the container, exit 1, its sig never printed" {
	sas=$(az_peer sas "$AZ_CONTAINER" racwl -1)
	sig=$(sed 's/.*sig=\([^&]*\).*/\1/' <<<"$sas")
	unset AZURE_STORAGE_CONNECTION_STRING
	export AZURE_STORAGE_ACCOUNT_NAME=$AZ_ACCOUNT AZURE_STORAGE_SAS_TOKEN="$sas"
	mkfile s 1000
	{ line s 1; endline 1; } >m
	run -1 --separate-stderr stage-put -v --endpoint "$AZ_ENDPOINT" \
		-b "az://$AZ_CONTAINER/expired" m
	echo "$stderr"
	[[ "$stderr" == *"container $AZ_CONTAINER: 403 "* ]]
	[[ "$output" != *'"end"'* ]]
	[[ "$stderr$output" != *"$sig"* ]]
	[ -z "$(az_peer_cs ls "$AZ_CONTAINER" expired/)" ]
}

@test "az: kill -9 in the middle of a block upload, then a re-run (with another block size) commits exactly the file; the leftover blocks are gone" {
	mkfile k 104857600
	{ line k 1; endline 1; } >m
	stage-put -j 2 --part-size 5M --multipart-threshold 8M \
		-b "az://$AZ_CONTAINER/kill" m >out1 2>err1 &
	pid=$!
	az_peer wait-blocks "$AZ_CONTAINER" "$(blob kill 1)" 3 || {
		wait $pid; cat err1; skip "the upload ended before the kill"; }
	kill -9 $pid
	wait $pid || true
	run -0 az_peer blocks "$AZ_CONTAINER" "$(blob kill 1)"
	echo "$output"
	[[ "$output" == "committed 0 uncommitted "* ]]
	[ -z "$(az_peer ls "$AZ_CONTAINER" kill/)" ]
	[[ "$(cat out1)" != *'"end"'* ]]
	run -0 stage-put -j 3 --part-size 7M --multipart-threshold 8M \
		-b "az://$AZ_CONTAINER/kill" m
	[ "$(echo "$output" | tail -1 | jq -r .end)" = true ]
	[ "$(az_peer sha256 "$AZ_CONTAINER" "$(blob kill 1)")" = "$(sha k)" ]
	[ "$(az_peer blocks "$AZ_CONTAINER" "$(blob kill 1)")" = "committed 15 uncommitted 0" ]
	run -0 --separate-stderr stage-put -v -b "az://$AZ_CONTAINER/kill" m
	[[ "$stderr" == *"already stored"* ]]
}

@test "az: kill -9 during a block upload, then a re-run with the same block size sends only the blocks that were missing" {
	mkfile k 104857600
	{ line k 1; endline 1; } >m
	stage-put -j 2 --part-size 5M --multipart-threshold 8M \
		-b "az://$AZ_CONTAINER/resume" m >out1 2>err1 &
	pid=$!
	az_peer wait-blocks "$AZ_CONTAINER" "$(blob resume 1)" 4 || {
		wait $pid; cat err1; skip "the upload ended before the kill"; }
	kill -9 $pid
	wait $pid || true
	had=$(az_peer blocks "$AZ_CONTAINER" "$(blob resume 1)" | awk '{ print $4 }')
	run -0 --separate-stderr stage-put -v -j 2 --part-size 5M \
		--multipart-threshold 8M -b "az://$AZ_CONTAINER/resume" m
	echo "$stderr"
	[[ "$stderr" == *"of 20 blocks already uploaded by an earlier run, not sent again"* ]]
	reused=$(sed -n 's/.*: \([0-9]*\) of 20 blocks already.*/\1/p' <<<"$stderr")
	[ "$reused" -ge 4 ] && [ "$reused" -le "$had" ]
	[ "$(az_peer sha256 "$AZ_CONTAINER" "$(blob resume 1)")" = "$(sha k)" ]
	[ "$(az_peer blocks "$AZ_CONTAINER" "$(blob resume 1)")" = "committed 20 uncommitted 0" ]
}

@test "az: an uncommitted block with this file's id but another size is sent again, not reused" {
	mkfile c 12000000
	{ line c 1; endline 1; } >m
	# The SDK base64-encodes the ids it is given: these are stage's.
	id1=$(printf '%.17s-%06d' "$(sha c)" 1)
	id2=$(printf '%.17s-%06d' "$(sha c)" 2)
	az_peer stage-block "$AZ_CONTAINER" "$(blob sizes 1)" "$id1" c 0 4000000
	az_peer stage-block "$AZ_CONTAINER" "$(blob sizes 1)" "$id2" c 5242880 5242880
	run --separate-stderr stage-put -v --part-size 5M \
		--multipart-threshold 8M -b "az://$AZ_CONTAINER/sizes" m
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *": 1 of 3 blocks already uploaded by an earlier run"* ]]
	[ "$(az_peer sha256 "$AZ_CONTAINER" "$(blob sizes 1)")" = "$(sha c)" ]
	[ "$(az_peer blocks "$AZ_CONTAINER" "$(blob sizes 1)")" = "committed 3 uncommitted 0" ]
}

@test "az: uncommitted blocks another writer left with ids of another length are dropped first (the service would refuse ours)" {
	mkfile f 12000000
	{ line f 1; endline 1; } >m
	az_peer stage-block "$AZ_CONTAINER" "$(blob foreign 1)" "someone-elses-id" f 0 1000
	run --separate-stderr stage-put -v --part-size 5M \
		--multipart-threshold 8M -b "az://$AZ_CONTAINER/foreign" m
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"uncommitted blocks of another writer"*"committing an empty block list"* ]]
	[ "$(az_peer sha256 "$AZ_CONTAINER" "$(blob foreign 1)")" = "$(sha f)" ]
	[ "$(az_peer blocks "$AZ_CONTAINER" "$(blob foreign 1)")" = "committed 3 uncommitted 0" ]
}

@test "az: abfss://container@ACCOUNT.dfs.core.windows.net/prefix is the same container through its blob endpoint" {
	mkfile a 1000
	{ line a 1; endline 1; } >m
	run -0 stage-put -n -b "abfss://$AZ_CONTAINER@myacct.dfs.core.windows.net/lake" m
	[[ "$output" == *"HEAD https://myacct.blob.core.windows.net/$AZ_CONTAINER/lake/"* ]]
	run -0 stage-put --endpoint "$AZ_ENDPOINT" \
		-b "abfss://$AZ_CONTAINER@$AZ_ACCOUNT.dfs.core.windows.net/lake" m
	[ "$(echo "$output" | head -1 | jq -r .url)" = "abfss://$AZ_CONTAINER@$AZ_ACCOUNT.dfs.core.windows.net/$(blob lake 1)" ]
	[ "$(echo "$output" | head -1 | jq -r .az_endpoint)" = "$AZ_ENDPOINT" ]
	[ "$(az_peer sha256 "$AZ_CONTAINER" "$(blob lake 1)")" = "$(sha a)" ]
}

@test "az: dlt's [destination.filesystem.credentials] (azure_storage_account_name/key) in .dlt/secrets.toml, and its environment form" {
	unset AZURE_STORAGE_CONNECTION_STRING
	mkdir -p .dlt
	printf '[destination.filesystem.credentials]\nazure_storage_account_name = "%s"\nazure_storage_account_key = "%s"\n' \
		"$AZ_ACCOUNT" "$AZ_KEY" >.dlt/secrets.toml
	mkfile a 1000
	{ line a 1; endline 1; } >m
	run -0 --separate-stderr stage-put -v --endpoint "$AZ_ENDPOINT" \
		-b "az://$AZ_CONTAINER/dlt" m
	[[ "$stderr$output" != *"$AZ_KEY"* ]]
	[ "$(az_peer_cs sha256 "$AZ_CONTAINER" "$(blob dlt 1)")" = "$(sha a)" ]
	rm .dlt/secrets.toml
	mkfile b 1000
	{ line b 2; endline 1; } >m
	DESTINATION__FILESYSTEM__CREDENTIALS__AZURE_STORAGE_ACCOUNT_NAME=$AZ_ACCOUNT \
	DESTINATION__FILESYSTEM__CREDENTIALS__AZURE_STORAGE_ACCOUNT_KEY=$AZ_KEY \
		run -0 stage-put --endpoint "$AZ_ENDPOINT" -b "az://$AZ_CONTAINER/dlt" m
	[ "$(az_peer_cs sha256 "$AZ_CONTAINER" "$(blob dlt 2)")" = "$(sha b)" ]
}

@test "az: the account key is masked in dry runs and verbose logs (SharedKey signature shown as ****)" {
	mkfile a 1000
	{ line a 1; endline 1; } >m
	run -0 stage-put -n -b "az://$AZ_CONTAINER/dry" m
	echo "$output"
	[[ "$output" == *"Authorization: SharedKey $AZ_ACCOUNT:****"* ]]
	[[ "$output" == *"Content-MD5: "* ]]
	[[ "$output" == *"x-ms-meta-sha256: $(sha a)"* ]]
	[[ "$output" != *"$AZ_KEY"* ]]
	[ -z "$(az_peer ls "$AZ_CONTAINER" dry/)" ]
}

@test "az: configuration errors are exit 2 and say what is wrong without printing a secret" {
	mkfile a 10
	{ line a 1; endline 1; } >m
	unset AZURE_STORAGE_CONNECTION_STRING
	run -2 stage-put -b "az://$AZ_CONTAINER/x" m
	[[ "$output" == *"no Azure storage account"* ]]
	AZURE_STORAGE_ACCOUNT_NAME=a run -2 stage-put -b "az://$AZ_CONTAINER/x" m
	[[ "$output" == *"no Azure credentials"* ]]
	AZURE_STORAGE_ACCOUNT_NAME=a AZURE_STORAGE_ACCOUNT_KEY='s3cr3t!not*base64' \
		run -2 stage-put -b "az://$AZ_CONTAINER/x" m
	[[ "$output" == *"account key from the environment is not base64"* ]]
	[[ "$output" != *s3cr3t* ]]
	AZURE_STORAGE_CONNECTION_STRING='AccountName=a;s3cr3t' \
		run -2 stage-put -b "az://$AZ_CONTAINER/x" m
	[[ "$output" == *"AZURE_STORAGE_CONNECTION_STRING: a part without '='"* ]]
	[[ "$output" != *s3cr3t* ]]
	AZURE_STORAGE_CONNECTION_STRING='UseDevelopmentStorage=true' \
		run -2 stage-put -b "az://Bad_Name/x" m
	[[ "$output" == *"'Bad_Name' is not a container name"* ]]
	run -2 stage-put -b "abfss://nocontainer/x" m
	[[ "$output" == *"expected abfss://container@ACCOUNT.dfs.core.windows.net"* ]]
	run -2 stage-put -b "az://key:s3cr3t@$AZ_CONTAINER/x" m
	[[ "$output" == *"credentials do not go in the bucket URL"* ]]
	[[ "$output" != *s3cr3t* ]]
}

@test "az: UseDevelopmentStorage=true points at Azurite's default address with the development account" {
	mkfile a 10
	{ line a 1; endline 1; } >m
	AZURE_STORAGE_CONNECTION_STRING='UseDevelopmentStorage=true' \
		run -0 stage-put -n -b "az://$AZ_CONTAINER/dev" m
	[[ "$output" == *"HEAD http://127.0.0.1:10000/devstoreaccount1/$AZ_CONTAINER/dev/"* ]]
	[[ "$output" == *"SharedKey devstoreaccount1:****"* ]]
}

@test "az: -vv's libcurl trace masks the SharedKey signature and a SAS token's sig" {
	mkfile a 1000
	{ line a 1; endline 1; } >m
	run -0 --separate-stderr stage-put -vv -b "az://$AZ_CONTAINER/trace" m
	[[ "$stderr" == *"> Authorization: SharedKey ****"* ]]
	[[ "$stderr" != *"SharedKey $AZ_ACCOUNT:"[A-Za-z0-9+/]* ]]
	sas=$(az_peer sas "$AZ_CONTAINER" racwl)
	sig=$(sed 's/.*sig=\([^&]*\).*/\1/' <<<"$sas")
	unset AZURE_STORAGE_CONNECTION_STRING
	mkfile b 1000
	{ line b 2; endline 1; } >m
	AZURE_STORAGE_SAS_TOKEN=$sas run -0 --separate-stderr stage-put -vv \
		--endpoint "$AZ_ENDPOINT" -b "az://$AZ_CONTAINER/trace" m
	[[ "$stderr" == *"sig=****"* ]]
	[[ "$stderr" != *"$sig"* ]]
}

@test "az: an empty file, and blob names with spaces, '+' and non-ASCII letters, are stored as named" {
	: >e
	mkfile u 20000
	{ line e 1; line u 2; endline 2; } >m
	run -0 stage-put --layout '{table_name}/ü dir/{file_id} x+y.{ext}' \
		-b "az://$AZ_CONTAINER/names" m
	echo "$output"
	# Lines come as files are stored (stage-put(1)), not in input order.
	[ "$(echo "$output" | jq -r 'select(.file_id == 2) | .url')" = "az://$AZ_CONTAINER/names/users/ü dir/2 x+y.csv.gz" ]
	run -0 az_peer ls "$AZ_CONTAINER" names/
	echo "$output"
	[ "$(grep -c . <<<"$output")" = 2 ]
	[[ "$output" == *"names/users/ü dir/1 x+y.csv.gz 0 $(sha e)"* ]]
	[ "$(az_peer sha256 "$AZ_CONTAINER" "names/users/ü dir/2 x+y.csv.gz")" = "$(sha u)" ]
	run -0 --separate-stderr stage-put -v --layout '{table_name}/ü dir/{file_id} x+y.{ext}' \
		-b "az://$AZ_CONTAINER/names" m
	[ "$(grep -c 'already stored' <<<"$stderr")" = 2 ]
}
