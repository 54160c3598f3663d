# s3.bash: a real S3 peer for the tests, the JuiceFS S3 gateway (see
# TESTING.md): it checks SigV4 signatures, x-amz-content-sha256 against the
# body and Content-MD5.  --object-meta makes it keep x-amz-meta-* (without
# it user metadata is dropped).  s3_start runs one under a temp dir on a
# free 127.0.0.1 port and creates bucket $S3_BUCKET with a signed request
# (the aws CLI); s3_stop ends it.  Call them from setup_file and
# teardown_file.
#
# Exports S3_ENDPOINT, S3_BUCKET, S3_DIR (server files, gateway.log there)
# and the AWS_* variables stage-put and the aws CLI read.

S3_BUCKET=${S3_BUCKET:-stage-test}

s3_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

s3_juicefs() {
	local j="$STAGE_TOP/.venv/bin/juicefs"
	[ -x "$j" ] || j=$(command -v juicefs) || return 1
	echo "$j"
}

# s3 ARGS...: the aws CLI against the gateway.
s3() {
	aws --endpoint-url "$S3_ENDPOINT" "$@"
}

s3_start() {
	local j port mport i
	j=$(s3_juicefs) || skip "no juicefs (make deps)"
	command -v aws >/dev/null || skip "no aws CLI (make deps)"
	S3_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/s3.XXXXXX")
	port=$(s3_free_port)
	mport=$(s3_free_port)
	"$j" format --storage file --bucket "$S3_DIR/blobs/" --trash-days 0 \
		"sqlite3://$S3_DIR/meta.db" stagetest >"$S3_DIR/format.log" 2>&1 ||
		{ cat "$S3_DIR/format.log"; return 1; }
	MINIO_ROOT_USER=stagetestkey MINIO_ROOT_PASSWORD=stagetest-secret-1 \
		"$j" gateway --no-usage-report --no-banner --multi-buckets \
		--keep-etag --object-meta --no-bgjob --cache-dir "$S3_DIR/cache" \
		--log "$S3_DIR/gateway.log" --metrics "127.0.0.1:$mport" \
		"sqlite3://$S3_DIR/meta.db" "127.0.0.1:$port" \
		>"$S3_DIR/stdout.log" 2>&1 &
	echo $! >"$S3_DIR/pid"
	export S3_ENDPOINT="http://127.0.0.1:$port" S3_DIR S3_BUCKET
	export AWS_ACCESS_KEY_ID=stagetestkey
	export AWS_SECRET_ACCESS_KEY=stagetest-secret-1
	export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
	export AWS_ENDPOINT_URL="$S3_ENDPOINT"
	unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL_S3
	export AWS_SHARED_CREDENTIALS_FILE="$S3_DIR/no-credentials"
	export AWS_CONFIG_FILE="$S3_DIR/no-config"
	# Up to 60 s: a loaded machine starts it slowly.
	for i in $(seq 600); do
		curl -sf -o /dev/null "$S3_ENDPOINT/minio/health/live" && break
		sleep 0.1
	done
	for i in 1 2 3 4 5; do
		s3 s3 mb "s3://$S3_BUCKET" >"$S3_DIR/mb.log" 2>&1 && return 0
		grep -q BucketAlreadyOwnedByYou "$S3_DIR/mb.log" && return 0
		sleep 1
	done
	echo "s3_start: cannot create the bucket:" >&2
	cat "$S3_DIR/mb.log" "$S3_DIR/stdout.log" >&2
	tail -20 "$S3_DIR/gateway.log" >&2
	return 1
}

s3_stop() {
	[ -n "${S3_DIR:-}" ] && [ -f "$S3_DIR/pid" ] || return 0
	local pid i
	pid=$(cat "$S3_DIR/pid")
	kill "$pid" 2>/dev/null
	# Not our child when setup_file and teardown_file are different
	# shells: poll until it is gone, then remove its files.
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -rf "$S3_DIR" || true
}
