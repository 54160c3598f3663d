# sf_cse.bash: fakesnow behind tests/helpers/sf_cse_proxy.py, which makes
# its internal stages behave as real Snowflake's on AWS: a PUT's answer
# names an S3 stage on the JuiceFS gateway (s3.bash) with client-side
# encryption, and the proxy decrypts what was uploaded (Python's
# cryptography) before fakesnow's COPY reads it.  cse_start (setup_file)
# starts all three and points SF_DEST at the proxy; cse_stop ends them.
# Azurite (azure.bash) too, when installed, for an AZURE stage.
# cse_mode JSON sets the proxy's mode (see the proxy); cse_stat NAME
# prints one of its counters.

load "${STAGE_TOP}/tests/helpers/s3.bash"
load "${STAGE_TOP}/tests/helpers/snowflake.bash"
load "${STAGE_TOP}/tests/helpers/azure.bash"

cse_start() {
	s3_start || return 1
	sf_start || return 1
	# Azurite for the AZURE stage's test, when installed
	if [ -x "$STAGE_TOP/build/azurite/node_modules/.bin/azurite-blob" ]; then
		az_start || return 1
	fi
	CSE_PORT=$(sf_free_port)
	"$STAGE_TOP/.venv/bin/python" "$STAGE_TOP/tests/helpers/sf_cse_proxy.py" \
		"$CSE_PORT" "$SF_URL" "$S3_ENDPOINT" "$S3_BUCKET" \
		"$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" \
		>"$SF_DIR/proxy.log" 2>&1 &
	echo $! >"$SF_DIR/proxy.pid"
	for _ in $(seq 100); do
		curl -sf -o /dev/null "http://127.0.0.1:$CSE_PORT/_cse/stats" && break
		sleep 0.1
	done
	export CSE_PORT CSE_URL="http://127.0.0.1:$CSE_PORT"
	export SF_DEST="snowflake://stage@test/STAGE_TEST?host=127.0.0.1&port=$CSE_PORT&protocol=http"
	# stage-copy must not reach the gateway with the test's own keys: the
	# stage's credentials come from the PUT's answer
	export CSE_KEY_ID=$AWS_ACCESS_KEY_ID CSE_SECRET=$AWS_SECRET_ACCESS_KEY
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL
}

cse_stop() {
	local pid
	if [ -n "${SF_DIR:-}" ] && [ -f "$SF_DIR/proxy.pid" ]; then
		pid=$(cat "$SF_DIR/proxy.pid")
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
	fi
	sf_stop
	s3_stop
	az_stop
}

cse_mode() {
	local m='{}'
	[ -n "${1:-}" ] && m=$1
	curl -sf -X POST --data "$m" "$CSE_URL/_cse/mode" >/dev/null
}

cse_stat() {
	curl -sf "$CSE_URL/_cse/stats" | jq -r ".$1"
}
