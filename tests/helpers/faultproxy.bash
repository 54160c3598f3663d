# faultproxy.bash: a fault-injecting proxy (faultproxy.py) in front of the
# S3 peer (s3.bash).  fp_start (in setup_file, after s3_start) runs one on
# a free 127.0.0.1 port under a temp dir and exports FP_ENDPOINT, FP_RULES
# and FP_LOG; point a program at it with --endpoint "$FP_ENDPOINT" (it
# signs for the proxy's host:port and the proxy relays unchanged).
# fp_rules sets the rules (one an argument, see faultproxy.py) and empties
# the log; fp_stop ends it.

fp_python() {
	if [ -x "$STAGE_TOP/.venv/bin/python" ]; then
		echo "$STAGE_TOP/.venv/bin/python"
	else
		command -v python3
	fi
}

fp_start() {
	local i
	FP_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/fp.XXXXXX")
	FP_RULES=$FP_DIR/rules FP_LOG=$FP_DIR/log
	: >"$FP_RULES"
	: >"$FP_LOG"
	"$(fp_python)" "$STAGE_TOP/tests/helpers/faultproxy.py" \
		"${S3_ENDPOINT#http://}" "$FP_DIR/port" "$FP_RULES" "$FP_LOG" \
		>"$FP_DIR/stderr" 2>&1 &
	echo $! >"$FP_DIR/pid"
	for i in $(seq 200); do
		[ -s "$FP_DIR/port" ] && break
		sleep 0.05
	done
	[ -s "$FP_DIR/port" ] || { cat "$FP_DIR/stderr" >&2; return 1; }
	export FP_DIR FP_RULES FP_LOG
	export FP_ENDPOINT="http://127.0.0.1:$(cat "$FP_DIR/port")"
}

# fp_rules RULE...: replaces the rules (counters start over), empties the
# log.  No argument: no faults.
fp_rules() {
	printf '%s\n' "$@" >"$FP_RULES.tmp"
	mv "$FP_RULES.tmp" "$FP_RULES"
	: >"$FP_LOG"
}

fp_stop() {
	[ -n "${FP_DIR:-}" ] && [ -f "$FP_DIR/pid" ] || return 0
	kill "$(cat "$FP_DIR/pid")" 2>/dev/null || true
	rm -rf "$FP_DIR"
}
