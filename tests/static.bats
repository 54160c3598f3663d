#!/usr/bin/env bats
# The static build (make static): the programs are static executables that
# run in an empty root (no libc, no /usr, no /etc: only the binaries, a CA
# file and /tmp), load into SQLite there, and speak TLS with the CA given
# in SSL_CERT_FILE.  Skipped when there is no static build.
#
# The static programs are STAGE_BIN's when those are static (make
# check-static), else dist/$STAGE_STATIC_TARGET/bin (x86_64-linux-musl).
# For an aarch64 build on another machine (make check-static-aarch64) the
# programs run in the empty root under a static qemu-aarch64 copied there.

load helpers/tls
load helpers/emptyroot

is_static() {
	[ -f "$1" ] && file -b "$1" | grep -q 'statically linked'
}

setup_file() {
	local target=${STAGE_STATIC_TARGET:-x86_64-linux-musl}
	local sbin=$STAGE_TOP/dist/$target/bin
	if is_static "$STAGE_BIN/stage-write"; then
		sbin=$STAGE_BIN
	fi
	export SBIN=$sbin
	export SMOKE=$STAGE_TOP/build/static/$target/smoke
	export T=$BATS_FILE_TMPDIR
	case $target in
	"$(uname -m)"-*) ;;
	aarch64-*) EMPTYROOT_RUNNER=$(command -v qemu-aarch64-static) || true
		export EMPTYROOT_RUNNER ;;
	esac
	[ -x "$SMOKE" ] || return 0

	# A test CA, a server certificate it signed, and another CA that
	# signed nothing here; a TLS server on loopback.
	tls_make_ca "$T" ca
	tls_make_ca "$T" otherca
	tls_make_cert "$T" ca
	export TLS_PORT
	TLS_PORT=$(free_port)
	openssl s_server -quiet -www -accept "127.0.0.1:$TLS_PORT" \
		-cert "$T/server.pem" -key "$T/server.key" \
		</dev/null >"$T/s_server.log" 2>&1 &
	echo $! >"$T/s_server.pid"
	wait_port "$TLS_PORT"
}

teardown_file() {
	[ -f "$T/s_server.pid" ] && kill "$(cat "$T/s_server.pid")" 2>/dev/null
	true
}

need_smoke() {
	[ -x "$SMOKE" ] ||
		skip "no static build: run make static (no $SMOKE)"
}

need_prog() {
	is_static "$SBIN/$1" ||
		skip "no static $1 in $SBIN: run make static once cmd/$1.c exists"
}

# A root holding only the static programs that exist, the smoke program
# and the test CA.
make_root() {
	local r=$BATS_TEST_TMPDIR/root p progs=()
	for p in "$SBIN"/stage-*; do
		is_static "$p" && progs+=("$p")
	done
	emptyroot_make "$r" "${progs[@]}" "$SMOKE"
	cp "$T/ca.pem" "$T/otherca.pem" "$r/"
	echo "$r"
}

@test "static: every program in the static bin dir is a static executable" {
	need_smoke
	local n=0 p
	for p in "$SBIN"/* "$SMOKE"; do
		[ -f "$p" ] || continue
		run file -b "$p"
		[[ "$output" == *"statically linked"* ]]
		run ldd "$p"
		[ "$status" -ne 0 ] || [[ "$output" == *"not a dynamic executable"* ]]
		[[ "$output" != *"=>"* ]]
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
}

@test "static: the six libraries are linked in, libcurl with TLS, zlib and zstd" {
	need_smoke
	r=$(make_root)
	run in_emptyroot "$r" -- smoke
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"libcurl 7."*"(OpenSSL/3."* ]]
	[[ "$output" == *"libpq 15"* ]]
	[[ "$output" == *"SQLite 3."* ]]
	[[ "$output" == *"zlib 1."* ]]
	[[ "$output" == *"zstd 1."* ]]
}

@test "static: in an empty root, https with the test CA in SSL_CERT_FILE works" {
	need_smoke
	r=$(make_root)
	run in_emptyroot "$r" SSL_CERT_FILE=/ca.pem -- smoke \
		"https://127.0.0.1:$TLS_PORT/"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"CA file=/ca.pem dir=-"* ]]
	[[ "$output" == *"GET https://127.0.0.1:$TLS_PORT/: 200"* ]]
}

@test "static: a certificate from another CA is refused: verification stays on" {
	need_smoke
	r=$(make_root)
	run in_emptyroot "$r" SSL_CERT_FILE=/otherca.pem -- smoke \
		"https://127.0.0.1:$TLS_PORT/"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"certificate"* ]]
}

@test "static: with no CA anywhere, the error names the places tried" {
	need_smoke
	r=$(make_root)
	run in_emptyroot "$r" -- smoke "https://127.0.0.1:$TLS_PORT/"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no CA certificates found: set SSL_CERT_FILE or SSL_CERT_DIR"* ]]
	[[ "$output" == *"/etc/ssl/certs/ca-certificates.crt"* ]]
	[[ "$output" == *"/etc/pki/tls/certs/ca-bundle.crt"* ]]
	[[ "$output" == *"/etc/ssl/cert.pem"* ]]
}

@test "static: a CA bundle at a distribution's place is found without SSL_CERT_FILE" {
	need_smoke
	r=$(make_root)
	mkdir -p "$r/etc/pki/tls/certs"
	cp "$T/ca.pem" "$r/etc/pki/tls/certs/ca-bundle.crt"
	run in_emptyroot "$r" -- smoke "https://127.0.0.1:$TLS_PORT/"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"CA file=/etc/pki/tls/certs/ca-bundle.crt"* ]]
	[[ "$output" == *"GET https://127.0.0.1:$TLS_PORT/: 200"* ]]
}

@test "static: SSL_CERT_DIR with a hashed CA directory works" {
	need_smoke
	r=$(make_root)
	mkdir -p "$r/certs"
	cp "$T/ca.pem" "$r/certs/$(openssl x509 -hash -noout -in "$T/ca.pem").0"
	run in_emptyroot "$r" SSL_CERT_DIR=/certs -- smoke \
		"https://127.0.0.1:$TLS_PORT/"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"CA file=- dir=/certs"* ]]
	[[ "$output" == *"GET https://127.0.0.1:$TLS_PORT/: 200"* ]]
}

@test "static: stage-write --version runs in an empty root" {
	need_prog stage-write
	r=$(make_root)
	run in_emptyroot "$r" -- stage-write --version
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^stage-write\ [0-9]+\.[0-9]+\.[0-9]+ ]]
}

# The manifest of one small CSV file, written by hand, for when stage-write
# is not there: FILE is its path as the programs will see it, HOSTFILE
# where it is now.
hand_manifest() {
	local file=$1 hostfile=$2 sum
	printf 'id,name\n1,ann\n2,bob\n' >"$hostfile"
	sum=$(sha256sum "$hostfile" | cut -d' ' -f1)
	printf '{"v":1,"load_id":"1732459200.000001","dataset":"shop","table":"users","disposition":"append","primary_key":[],"merge_key":[],"columns":[{"name":"id","type":"bigint","nullable":true},{"name":"name","type":"text","nullable":true}],"file":"%s","format":"csv","compression":"none","rows":2,"bytes":%s,"sha256":"%s"}\n{"end":true,"load_id":"1732459200.000001","files":1,"rows":2,"v":1}\n' \
		"$file" "$(wc -c <"$hostfile" | tr -d ' ')" "$sum"
}

# Makes the manifest of a small load inside root R at /tmp/write.ndjson:
# with the static stage-write from NDJSON records when it exists.
write_step() {
	local r=$1
	if is_static "$SBIN/stage-write"; then
		printf '%s\n' '{"id":1,"name":"ann"}' '{"id":2,"name":"bob"}' \
			>"$r/tmp/users.ndjson"
		in_emptyroot "$r" -- stage-write -t users --dataset shop \
			-d /tmp/files /tmp/users.ndjson >"$r/tmp/write.ndjson"
	else
		hand_manifest /tmp/users.csv "$r/tmp/users.csv" \
			>"$r/tmp/write.ndjson"
	fi
}

@test "static: in an empty root, write | put to local staging lands the files intact" {
	need_prog stage-put
	r=$(make_root)
	write_step "$r"
	run in_emptyroot "$r" -- stage-put -b /tmp/staging /tmp/write.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$r/tmp/put.ndjson"
	# Every file line has a file:// url whose object (seen from outside
	# the root) has the manifest's sha256; the end line is there.
	local n=0 url sum
	while IFS=$'\t' read -r url sum; do
		[[ "$url" == file:///tmp/staging/* ]]
		[ "$(sha256sum "$r${url#file://}" | cut -d' ' -f1)" = "$sum" ]
		n=$((n + 1))
	done < <(jq -r 'select(.end != true) | [.url, .sha256] | @tsv' \
		"$r/tmp/put.ndjson")
	[ "$n" -ge 1 ]
	[ "$(jq -s 'map(select(.end == true)) | length' "$r/tmp/put.ndjson")" -eq 1 ]
	[ "$(jq -s 'map(select(.end != true) | .rows) | add' "$r/tmp/put.ndjson")" -eq 2 ]
}

# full_pipeline R DEST: write | put (local staging) | copy | merge into
# DEST, every step a static program in the empty root R, each step's
# manifest kept in R/tmp.
full_pipeline() {
	local r=$1 dest=$2
	write_step "$r"
	in_emptyroot "$r" -- stage-put -b /tmp/staging /tmp/write.ndjson \
		>"$r/tmp/put.ndjson"
	in_emptyroot "$r" -- stage-copy -D "$dest" /tmp/put.ndjson \
		>"$r/tmp/copy.ndjson"
	in_emptyroot "$r" -- stage-merge -D "$dest" /tmp/copy.ndjson \
		>"$r/tmp/merge.ndjson"
	[ "$(jq -s 'map(select(.end == true)) | length' "$r/tmp/merge.ndjson")" -eq 1 ]
}

@test "static: in an empty root, write | put | copy | merge loads into SQLite" {
	need_prog stage-put
	need_prog stage-copy
	need_prog stage-merge
	# Skips, saying so, with a stage-copy that has no SQLite destination.
	r=$(make_root)
	run in_emptyroot "$r" -- stage-copy -n -D sqlite:///tmp/stage.db </dev/null
	[ "$status" -ne 2 ] && [[ "$output" != *"unknown"* ]] ||
		skip "stage-copy has no SQLite destination yet: $output"
	# The catalog is /tmp/stage.db, dataset shop the file beside it.
	full_pipeline "$r" sqlite:///tmp/stage.db
	run sqlite3 "$r/tmp/stage__shop.db" 'select id, name from users order by id'
	echo "$output"
	[ "$output" = "$(printf '1|ann\n2|bob')" ]
	run sqlite3 "$r/tmp/stage__shop.db" 'select count(*) from _dlt_loads where status = 0'
	[ "$output" = 1 ]
}

@test "static: in an empty root, write | put | copy | merge loads into PostgreSQL over TCP" {
	need_prog stage-put
	need_prog stage-copy
	need_prog stage-merge
	command -v psql >/dev/null || skip "no PostgreSQL (make deps)"
	load helpers/pg
	pg_start
	echo "$PG_DIR" >"$BATS_TEST_TMPDIR/pg.dir"
	r=$(make_root)
	full_pipeline "$r" "postgresql://postgres@127.0.0.1:$PGPORT/postgres"
	run psql -X -At -c 'select id, name from shop.users order by id'
	echo "$output"
	[ "$output" = "$(printf '1|ann\n2|bob')" ]
	run psql -X -At -c 'select count(*) from shop._dlt_loads where status = 0'
	[ "$output" = 1 ]
}

# An S3 server (the JuiceFS gateway) behind a TLS proxy on loopback whose
# certificate the test CA signed.
s3_tls_start() {
	command -v socat >/dev/null || skip "no socat (make deps)"
	load helpers/s3
	s3_start
	S3_TLS_PORT=$(free_port)
	socat "openssl-listen:$S3_TLS_PORT,bind=127.0.0.1,reuseaddr,fork,cert=$T/server.pem,key=$T/server.key,verify=0" \
		"tcp:${S3_ENDPOINT#http://}" 2>"$BATS_TEST_TMPDIR/socat.log" &
	echo $! >"$BATS_TEST_TMPDIR/socat.pid"
	wait_port "$S3_TLS_PORT"
}

teardown() {
	if [ -f "$BATS_TEST_TMPDIR/pg.dir" ]; then
		load helpers/pg
		PG_DIR=$(cat "$BATS_TEST_TMPDIR/pg.dir") PG_BIN=$(pg_bindir) pg_stop
	fi
	if [ -f "$BATS_TEST_TMPDIR/socat.pid" ]; then
		kill "$(cat "$BATS_TEST_TMPDIR/socat.pid")" 2>/dev/null
		s3_stop
	fi
	true
}

@test "static: in an empty root, stage-put uploads over https with the test CA in SSL_CERT_FILE" {
	need_smoke
	need_prog stage-put
	s3_tls_start
	r=$(make_root)
	write_step "$r"
	run in_emptyroot "$r" SSL_CERT_FILE=/ca.pem \
		AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
		AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
		AWS_REGION="$AWS_REGION" -- stage-put -b "s3://$S3_BUCKET/raw" \
		--endpoint "https://127.0.0.1:$S3_TLS_PORT" --path-style \
		/tmp/write.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$r/tmp/put.ndjson"
	# Each object is on the server, byte for byte (read back with the
	# aws CLI over plain http, not through stage).
	local n=0 url file
	while IFS=$'\t' read -r url file; do
		[[ "$url" == "s3://$S3_BUCKET/raw/"* ]]
		s3 s3 cp "$url" "$BATS_TEST_TMPDIR/got" >/dev/null
		cmp "$BATS_TEST_TMPDIR/got" "$r$file"
		n=$((n + 1))
	done < <(jq -r 'select(.end != true) | [.url, .file] | @tsv' \
		"$r/tmp/put.ndjson")
	[ "$n" -ge 1 ]
}

@test "static: in an empty root with no CA, stage-put's https upload fails naming the places tried" {
	need_smoke
	need_prog stage-put
	s3_tls_start
	r=$(make_root)
	write_step "$r"
	run in_emptyroot "$r" AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
		AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
		AWS_REGION="$AWS_REGION" -- stage-put -b "s3://$S3_BUCKET/raw" \
		--endpoint "https://127.0.0.1:$S3_TLS_PORT" --path-style \
		--retries 0 /tmp/write.ndjson
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no CA certificates found"*"/etc/ssl/certs/ca-certificates.crt"* ]]
	[ "$status" -eq 1 ]
	run s3 s3 ls --recursive "s3://$S3_BUCKET/"
	[ -z "$output" ]
}

@test "static: make dist's tarball holds the static programs, docs and a SHA256SUMS that checks, reproducibly" {
	need_smoke
	local target=${STAGE_STATIC_TARGET:-x86_64-linux-musl} tgz sum1 p
	[ -n "$(ls "$STAGE_TOP/dist/$target/bin" 2>/dev/null)" ] ||
		skip "no static programs in dist/$target/bin"
	run "$STAGE_TOP/static/dist" "$target"
	echo "$output"
	[ "$status" -eq 0 ]
	tgz=$STAGE_TOP/${output##*dist: }
	sum1=$(sha256sum "$tgz" | cut -d' ' -f1)
	"$STAGE_TOP/static/dist" "$target" >/dev/null
	[ "$(sha256sum "$tgz" | cut -d' ' -f1)" = "$sum1" ]
	grep -q "^$sum1  ${tgz##*/}\$" "$STAGE_TOP/dist/SHA256SUMS"
	mkdir "$BATS_TEST_TMPDIR/x"
	tar -xzf "$tgz" -C "$BATS_TEST_TMPDIR/x"
	cd "$BATS_TEST_TMPDIR"/x/stage-*
	sha256sum -c --quiet SHA256SUMS
	[ -f README.md ] && [ -f LICENSE ]
	for p in "$STAGE_TOP/dist/$target/bin"/*; do
		p=${p##*/}
		is_static "bin/$p"
		[ ! -f "$STAGE_TOP/man/$p.1" ] || [ -f "man/man1/$p.1" ]
		[ ! -f "$STAGE_TOP/completions/bash/$p" ] ||
			[ -f "completions/bash/$p" ]
	done
}
