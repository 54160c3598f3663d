# gcs.bash: a real Google Cloud Storage peer for the tests:
# gcp-storage-emulator (PyPI; the JSON API: bucket create, multipart and
# resumable uploads, alt=media downloads with Range) and, in front of it,
# helpers/gcs_auth.py: the service account's token endpoint, verifying the
# JWT assertion with PyJWT, and a proxy that lets through only requests
# carrying a token it issued (the emulator checks none).
#
# gcs_start (setup_file): both on free 127.0.0.1 ports under a temp dir, a
# fresh RSA key pair, the service-account key file $GCS_DIR/sa.json (its
# token_uri the test endpoint) and one signed with another key
# ($GCS_DIR/wrong.json), and the bucket $GCS_BUCKET.  gcs_stop
# (teardown_file) ends them.  gcs_proxy OPTIONS... restarts the proxy
# (--expires-in N, --delay-chunks S) with an empty log.
#
# Exports GCS_DIR, GCS_BUCKET, GCS_EMU (the emulator, no auth), GCS_EP (the
# proxy: what stage-put is pointed at with --endpoint), GCS_LOG (the
# proxy's request log), GCS_EMAIL.

GCS_BUCKET=${GCS_BUCKET:-stage-gcs}
GCS_EMAIL=stage-test@stage-project.iam.gserviceaccount.com

gcs_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

gcs_py() {
	local p="$STAGE_TOP/.venv/bin/python3"
	[ -x "$p" ] || p=python3
	echo "$p"
}

# gcs_keyfile KEY.pem OUT.json: a service-account key file for KEY.
gcs_keyfile() {
	"$(gcs_py)" - "$1" "$2" "$GCS_EP/token" "$GCS_EMAIL" <<'EOF'
import json, sys
key = open(sys.argv[1]).read()
json.dump({"type": "service_account", "project_id": "stage-project",
           "private_key_id": "0123abcd", "private_key": key,
           "client_email": sys.argv[4], "client_id": "1",
           "token_uri": sys.argv[3]}, open(sys.argv[2], "w"), indent=2)
EOF
}

gcs_wait() {
	local i
	for i in $(seq 300); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "gcs: $1 did not start" >&2
	return 1
}

gcs_proxy() {
	[ -f "$GCS_DIR/proxy.pid" ] && kill "$(cat "$GCS_DIR/proxy.pid")" 2>/dev/null
	sleep 0.2
	: >"$GCS_LOG"
	"$(gcs_py)" "$STAGE_TOP/tests/helpers/gcs_auth.py" --port "$GCS_PPORT" \
		--upstream "$GCS_EMU" --pubkey "$GCS_DIR/pub.pem" \
		--email "$GCS_EMAIL" --log "$GCS_LOG" "$@" \
		>>"$GCS_DIR/proxy.out" 2>&1 &
	echo $! >"$GCS_DIR/proxy.pid"
	gcs_wait "$GCS_EP/" || return 1
	: >"$GCS_LOG"
}

gcs_start() {
	# make check installs both; a missing one fails the file with its
	# reason (bats cannot skip from setup_file)
	"$(gcs_py)" -c 'import jwt, gcp_storage_emulator' 2>/dev/null || {
		echo "no gcp-storage-emulator or PyJWT: run make deps" >&2
		return 1
	}
	GCS_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/gcs.XXXXXX")
	local eport
	eport=$(gcs_free_port)
	GCS_PPORT=$(gcs_free_port)
	export GCS_DIR GCS_BUCKET GCS_EMAIL GCS_PPORT
	export GCS_EMU="http://127.0.0.1:$eport" GCS_EP="http://127.0.0.1:$GCS_PPORT"
	export GCS_LOG="$GCS_DIR/requests.log"
	# Key pairs by cryptography (the PyJWT dependency): no openssl CLI.
	"$(gcs_py)" - "$GCS_DIR" <<'EOF'
import sys
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import rsa
d = sys.argv[1]
for name, pub in (("key", "pub"), ("wrongkey", None)):
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    open("%s/%s.pem" % (d, name), "wb").write(k.private_bytes(
        s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))
    if pub:
        open("%s/%s.pem" % (d, pub), "wb").write(k.public_key().public_bytes(
            s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo))
EOF
	gcs_keyfile "$GCS_DIR/key.pem" "$GCS_DIR/sa.json"
	gcs_keyfile "$GCS_DIR/wrongkey.pem" "$GCS_DIR/wrong.json"
	"$(dirname "$(gcs_py)")/gcp-storage-emulator" start --host 127.0.0.1 \
		--port "$eport" --in-memory >"$GCS_DIR/emulator.log" 2>&1 &
	echo $! >"$GCS_DIR/emulator.pid"
	gcs_wait "$GCS_EMU/storage/v1/b" || return 1
	curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
		-d "{\"name\":\"$GCS_BUCKET\"}" \
		"$GCS_EMU/storage/v1/b?project=stage-project" || return 1
	gcs_proxy
}

gcs_stop() {
	[ -n "${GCS_DIR:-}" ] || return 0
	local f
	for f in proxy emulator; do
		[ -f "$GCS_DIR/$f.pid" ] && kill "$(cat "$GCS_DIR/$f.pid")" 2>/dev/null
	done
	sleep 0.2
	rm -rf "$GCS_DIR"
}

# gcs_cat KEY: the object's bytes, straight from the emulator.
gcs_cat() {
	local k
	k=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1")
	curl -sf "$GCS_EMU/storage/v1/b/$GCS_BUCKET/o/$k?alt=media"
}

# gcs_meta KEY: the object's resource (JSON), from the emulator.
gcs_meta() {
	local k
	k=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1")
	curl -s "$GCS_EMU/storage/v1/b/$GCS_BUCKET/o/$k"
}

# gcs_crc32c FILE: the CRC-32C GCS keeps, by google-crc32c.
gcs_crc32c() {
	"$(gcs_py)" -c 'import base64, sys, google_crc32c
c = google_crc32c.Checksum(open(sys.argv[1], "rb").read())
print(base64.b64encode(c.digest()).decode())' "$1"
}

# gcs_setup: each test in its own directory W (and HOME), through the
# service account of gcs_start, with no emulator or HMAC variables.
gcs_setup() {
	W=$BATS_TEST_TMPDIR
	cd "$W" || return 1
	unset STORAGE_EMULATOR_HOST GS_ACCESS_KEY_ID GS_SECRET_ACCESS_KEY
	export GOOGLE_APPLICATION_CREDENTIALS=$GCS_DIR/sa.json
	export HOME=$W
}
