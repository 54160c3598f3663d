#!/usr/bin/env bats
# Azure's Content-MD5 per block taken eight blocks at once (md5x8, AVX2
# lanes; libcommon/storage/md5x8.c) must be what the service computes:
# each block's header against Python's hashlib, the two ways
# (STAGE_NO_CPU_MD5=1: one by one) alike, and Azurite, which checks
# every Content-MD5, taking the upload.  tests/md5x8.bats has the unit
# test against OpenSSL.

bats_require_minimum_version 1.5.0
load helpers/azure

setup_file() {
	az_start
}

teardown_file() {
	az_stop
}

setup() { az_setup; }

# manifest FILE: its line and the end line.
manifest() {
	printf '{"v":1,"load_id":"1","dataset":"ds","table":"t","file":"%s","sha256":"%s","bytes":%s,"rows":1,"format":"csv","compression":"none","file_id":1}\n{"end":true,"load_id":"1","files":1,"rows":1}\n' \
		"$T/$1" "$(sha256sum "$T/$1" | cut -c1-64)" "$(stat -c %s "$T/$1")"
}

# block_md5s FILE SIZE: base64 MD5 of each SIZE-byte block, one a line.
block_md5s() {
	python3 -c '
import base64, hashlib, sys
with open(sys.argv[1], "rb") as f:
    while True:
        b = f.read(int(sys.argv[2]))
        if not b:
            break
        print(base64.b64encode(hashlib.md5(b).digest()).decode())
' "$1" "$2"
}

@test "az: the blocks' Content-MD5s, eight at once or one by one, are each block's MD5, and Azurite takes them" {
	# 11 whole blocks of 5 MiB and a short one: a group of eight, one
	# of three, and the last block alone.
	head -c $((11 * 5242880 + 5000)) /dev/urandom >big
	manifest big >m
	block_md5s big 5242880 >want
	run -0 --separate-stderr stage-put -n --part-size 5M \
		--multipart-threshold 5M -b "az://$AZ_CONTAINER/md5" m
	echo "$output" | grep -o 'Content-MD5: .*' | cut -d' ' -f2 >lanes
	STAGE_NO_CPU_MD5=1 run -0 --separate-stderr stage-put -n \
		--part-size 5M --multipart-threshold 5M -b "az://$AZ_CONTAINER/md5" m
	echo "$output" | grep -o 'Content-MD5: .*' | cut -d' ' -f2 >single
	# Put Block's twelve, then Put Block List's of its body.
	[ "$(wc -l <want)" -eq 12 ]
	[ "$(wc -l <lanes)" -eq 13 ]
	diff want <(head -12 lanes)
	diff lanes single
	run -0 --separate-stderr stage-put -v --part-size 5M \
		--multipart-threshold 5M -b "az://$AZ_CONTAINER/md5" m
	echo "$stderr"
	[[ "$stderr" == *"12 blocks"* ]]
	key=$(echo "$output" | head -1 | jq -r .url | sed "s|^az://$AZ_CONTAINER/||")
	[ "$(az_peer sha256 "$AZ_CONTAINER" "$key")" = "$(sha256sum big | cut -c1-64)" ]
}
