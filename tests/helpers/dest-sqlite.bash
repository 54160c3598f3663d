# dest-sqlite.bash: the embedded SQLite destination for the scenario
# tests (see dest.bash).  The database is a directory under /tmp holding
# the catalog stage.db and one file per dataset; dest_sql runs in the
# sqlite3 CLI with every dataset file the catalog lists ATTACHed under its
# name, so "ds.t" and "ds_staging.t" read as in PostgreSQL.  Opening
# read-write on purpose: a reader after a SIGKILL rolls back hot journals,
# as any SQLite reader does.

dest_start() {
	SQLITE_DIR=$(mktemp -d /tmp/stage-sqlite.XXXXXX)
	chmod 755 "$SQLITE_DIR"
	export SQLITE_DIR DEST="sqlite://$SQLITE_DIR/stage.db"
}

dest_stop() {
	[ -n "${SQLITE_DIR:-}" ] && rm -rf "$SQLITE_DIR"
	return 0
}

dest_restart() { :; }

dest_reset() {
	rm -f "$SQLITE_DIR"/*
}

# The ATTACH statements for every file the catalog lists.
sqlite_attach_all() {
	sqlite3 -batch "$1" "SELECT 'ATTACH ' || quote('$SQLITE_DIR/' || file)
		|| ' AS \"' || replace(name, '\"', '\"\"') || '\";'
		FROM _stage_schemas"
}

dest_sql() {
	local main=$SQLITE_DIR/stage.db
	[ -f "$main" ] || { echo "dest_sql: no database $main" >&2; return 1; }
	{ sqlite_attach_all "$main"; printf '%s;\n' "$1"; } |
		sqlite3 -bail -batch "$main"
}
