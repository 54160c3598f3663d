# snowflake.bash: fakesnow, the Snowflake emulator (PyPI fakesnow[server],
# in its own venv .venv-fakesnow: tests/helpers/requirements-fakesnow.txt),
# started on a free port of 127.0.0.1 by sf_start and stopped by sf_stop.
# It speaks Snowflake's session protocol on DuckDB, accepts any user and
# password, and keeps its data in memory (one database shared by all
# sessions).  Exports SF_PORT, SF_URL (the REST base), SF_DEST (-D for the
# programs, database STAGE_TEST) and SF_PY (the venv's python, which has
# snowflake-connector-python, PyJWT and cryptography).

SF_VENV=${SF_VENV:-$STAGE_TOP/.venv-fakesnow}

sf_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

sf_start() {
	[ -x "$SF_VENV/bin/fakesnow" ] || {
		echo "no fakesnow in $SF_VENV: run make deps" >&2
		return 1
	}
	SF_PORT=$(sf_free_port)
	SF_DIR=$(mktemp -d /tmp/stage-fakesnow.XXXXXX)
	"$SF_VENV/bin/fakesnow" -s -p "$SF_PORT" >"$SF_DIR/fakesnow.log" 2>&1 &
	SF_PID=$!
	for _ in $(seq 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $SF_PORT), 0.2)" 2>/dev/null && break
		sleep 0.1
	done
	export SF_PORT SF_DIR SF_PID SF_URL="http://127.0.0.1:$SF_PORT"
	export SF_DEST="snowflake://stage@test/STAGE_TEST?host=127.0.0.1&port=$SF_PORT&protocol=http"
	export SF_PY="$SF_VENV/bin/python"
	# the password comes from the environment, as it should
	export DESTINATION__SNOWFLAKE__CREDENTIALS__PASSWORD=test-Secret-77
}

# sf_setup_file [START]: for a file's setup_file, runs START (sf_start)
# when fakesnow is installed, else marks the file's tests to skip.
sf_setup_file() {
	if [ ! -x "$SF_VENV/bin/fakesnow" ]; then
		export SF_MISSING=1
		return 0
	fi
	"${1:-sf_start}"
}

# sf_setup NAME: for a test's setup, skips it without fakesnow, else
# makes its scratch directory W (NAME.XXXXXX) and goes there.
sf_setup() {
	[ -z "${SF_MISSING:-}" ] ||
		skip "fakesnow is not installed in .venv-fakesnow (tests/helpers/install-deps)"
	W=$(mktemp -d "$BATS_TMPDIR/$1.XXXXXX")
	cd "$W" || return 1
}

sf_stop() {
	[ -n "${SF_PID:-}" ] && kill "$SF_PID" 2>/dev/null && wait "$SF_PID" 2>/dev/null
	[ -n "${SF_DIR:-}" ] && rm -rf "$SF_DIR"
	return 0
}

# sf_sql "SQL": runs it through the official Python connector (an
# independent client), printing rows as a|b|c lines (NULL empty, booleans
# t/f, as psql -At prints them).
sf_sql() {
	"$SF_PY" "$STAGE_TOP/tests/helpers/sf_sql.py" "$SF_PORT" "$1"
}
