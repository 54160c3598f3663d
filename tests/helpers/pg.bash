# pg.bash: a throwaway PostgreSQL for the tests (TESTING.md).
#
# pg_start: initdb + pg_ctl as the postgres user (initdb refuses root) in a
# temp dir that user owns, socket in that dir, a free port on 127.0.0.1,
# fsync off; exports PGHOST, PGPORT, PGUSER, PGDATABASE.  pg_stop stops it
# with -m immediate and removes everything; pg_restart kills it the same
# way (a crash, as far as PostgreSQL can tell) and starts it again.

pg_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_bindir() {
	local d
	for d in /usr/lib/postgresql/*/bin; do :; done
	[ -x "$d/pg_ctl" ] && echo "$d" || dirname "$(command -v pg_ctl)"
}

# pg_initdb DIR: a new cluster in DIR.  Under tests/run-suite, which
# exports STAGE_PG_TEMPLATE (a directory it removes at the end), the first
# cluster is kept there and the others are copies of it: initdb costs a
# second or two, a copy a tenth of that.
pg_initdb() {
	local t=${STAGE_PG_TEMPLATE:-}
	if [ -n "$t" ] && [ -f "$t/data/PG_VERSION" ]; then
		pg_as cp -Rp "$t/data" "$1" && return 0
	fi
	pg_as "$PG_BIN/initdb" -D "$1" -A trust -U postgres \
		--no-sync -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 || {
		cat "$PG_DIR/initdb.log" >&2; return 1; }
	# the first to take the lock makes the template; a rename makes it
	# appear whole to the others (tests/run-suite runs files side by side)
	if [ -n "$t" ] && mkdir "$t/lock" 2>/dev/null; then
		pg_as cp -Rp "$1" "$t/new" && mv "$t/new" "$t/data"
	fi
	return 0
}

pg_start() {
	PG_DIR=$(mktemp -d /tmp/stage-pg.XXXXXX)
	[ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR"
	PG_BIN=$(pg_bindir)
	PGPORT=$(pg_free_port)
	pg_initdb "$PG_DIR/data" || return 1
	PG_OPTS="-k $PG_DIR -p $PGPORT -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off} -c max_connections=60"
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
		-o "$PG_OPTS" -w -t 30 start >/dev/null || {
		cat "$PG_DIR/server.log" >&2; return 1; }
	export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=postgres
	export PG_DIR PG_BIN PG_OPTS
}

pg_restart() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
		-o "$PG_OPTS" -w -t 60 start >/dev/null
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
}
