#!/usr/bin/env bats
# Azure's Content-MD5 per block taken eight blocks at once (md5x8, AVX2
# lanes; libcommon/storage/md5x8.c) must be what the service computes:
# each block's header against Python's hashlib, the two ways
# (STAGE_NO_CPU_MD5=1: one by one) alike, and Azurite, which checks
# every Content-MD5, taking the upload.  Small files' Put Blobs are
# hashed up to eight at once, files of different lengths side by side,
# each failing alone.  tests/md5x8.bats has the unit test against
# OpenSSL.

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

# files N SIZE...: files f1.. fN of the sizes, their lines and the end
# line into m.
files() {
	local i=0 s
	for s in "$@"; do
		i=$((i + 1))
		head -c "$s" /dev/urandom >"f$i"
		printf '{"v":1,"load_id":"1","dataset":"ds","table":"t","file":"%s","sha256":"%s","bytes":%s,"rows":1,"format":"csv","compression":"none","file_id":%s}\n' \
			"$T/f$i" "$(sha256sum "f$i" | cut -c1-64)" "$s" "$i"
	done >m
	printf '{"end":true,"load_id":"1","files":%s,"rows":%s}\n' "$i" "$i" >>m
}

# stored_md5s PREFIX: "key md5" of each blob Azurite holds, sorted, and
# want: the same from hashlib over the files, by the keys of out.
stored_md5s() {
	az_peer md5 "$AZ_CONTAINER" "$1" | sort >stored
	jq -r 'select(.url) | "\(.url) \(.file)"' out |
		sed "s|^az://$AZ_CONTAINER/||" | while read -r key file; do
		printf '%s %s\n' "$key" "$(python3 -c '
import base64, hashlib, sys
print(base64.b64encode(hashlib.md5(open(sys.argv[1], "rb").read()).digest()).decode())
' "$file")"
	done | sort >want
}

@test "az: small files of different sizes (0, 1, around 64-byte edges, to 1 MiB) go up hashed side by side, each Content-MD5 exact; Azurite checks and keeps them" {
	# The short ones first, in batches of their own; then larger ones.
	files 0 1 2 55 56 57 63 64 65 119 120 127 128 129 191 192 \
		1000 4095 4096 4097 65535 65536 65537 262143 262144 262145 \
		300000 500000 700001 1048576 $((1048576 + 3)) 999999
	run -0 --separate-stderr stage-put -v -j 8 -b "az://$AZ_CONTAINER/many" m
	echo "$stderr"
	echo "$output" >out
	[ "$(jq -r 'select(.url) | .url' out | wc -l)" -eq 32 ]
	# the batches were hashed in lanes (not all one by one)
	[ "$(grep -c "Content-MD5 taken beside [1-7] other files'" <<<"$stderr")" -ge 8 ]
	[ "$(tail -1 out | jq -r .end)" = true ]
	stored_md5s many/
	[ "$(wc -l <stored)" -eq 32 ]
	diff want stored
	for i in 1 2 4 9 32; do
		key=$(jq -r "select(.file_id == $i) | .url" out | sed "s|^az://$AZ_CONTAINER/||")
		[ "$(az_peer sha256 "$AZ_CONTAINER" "$key")" = "$(sha256sum "f$i" | cut -c1-64)" ]
	done
	# One by one (STAGE_NO_CPU_MD5=1), the same Content-MD5s.
	run -0 --separate-stderr env STAGE_NO_CPU_MD5=1 stage-put -v -j 8 \
		-b "az://$AZ_CONTAINER/single" m
	echo "$output" >out
	[[ "$stderr" != *"taken beside"* ]]
	stored_md5s single/
	diff want stored
}

@test "az: a file of a batch whose bytes are not the manifest's sha256 fails alone, with the usual message; the others of its batch are stored" {
	files 3000 3001 3002 3003 3004 3005 3006 3007 3008 3009
	# f5 changed after the manifest was written.
	printf 'X' | dd of=f5 bs=1 seek=100 conv=notrunc 2>/dev/null
	printf 'Y' | dd of=f5 bs=1 seek=101 conv=notrunc 2>/dev/null
	run -1 --separate-stderr stage-put -j 8 -b "az://$AZ_CONTAINER/bad" m
	echo "$stderr"
	echo "$output" >out
	[ "$(grep -c 'sha256 mismatch' <<<"$stderr")" -eq 1 ]
	grep -q "^stage-put: .*/f5: sha256 mismatch: the file hashes to" <<<"$stderr"
	[[ "$stderr" == *"the file hashes to $(sha256sum f5 | cut -c1-64), the manifest says"* ]]
	[[ "$output" != *'"end"'* ]]
	[ "$(jq -r 'select(.url) | .file_id' out | sort -n | tr '\n' ' ')" = "1 2 3 4 6 7 8 9 10 " ]
	stored_md5s bad/
	[ "$(wc -l <stored)" -eq 9 ]
	diff want stored
}
