#!/usr/bin/env bats
# Configuration as dlt users know it, end to end through the programs:
# ~/.dlt/config.toml < ~/.dlt/secrets.toml < <project>/.dlt/config.toml <
# <project>/.dlt/secrets.toml < environment < flags, for the staging bucket,
# a SQLite and a PostgreSQL destination; a broken config file is
# "file:line: why" and exit 2 in every program; secrets never show up in
# manifests, logs or dry runs.

bats_require_minimum_version 1.5.0

PROGS="stage-write stage-put stage-copy stage-merge"
SECRET=Pw-7e3c91d0-never-print-me

setup_file() {
	load helpers/pg.bash
	pg_start
	for db in db_file db_env db_flag db_home; do createdb "$db"; done
}

teardown_file() {
	load helpers/pg.bash
	pg_stop
}

setup() {
	W=$BATS_TEST_TMPDIR
	export HOME=$W/home DLT_PROJECT_DIR=$W/project
	mkdir -p "$HOME/.dlt" "$DLT_PROJECT_DIR/.dlt" "$W/run"
	cd "$W/run"
	unset STAGE_DESTINATION STAGE_BUCKET_URL STAGE_SQLITE_PATH STAGE_DATASET
	for db in db_file db_env db_flag db_home; do
		psql -X -q -d $db -c 'SET client_min_messages = warning' \
		    -c 'DROP SCHEMA IF EXISTS cfg CASCADE' \
		    -c 'DROP SCHEMA IF EXISTS cfg_staging CASCADE'
	done
	echo '{"id":1,"name":"ann"}' >records.ndjson
	stage-write -q -t users --dataset cfg -d "$W/files" records.ndjson >write.ndjson
}

# toml FILE LINES...: a config file, one argument per line.
toml() {
	local f=$1
	shift
	printf '%s\n' "$@" >"$f"
}

# The directory stage-put stored the file under (from the manifest's url).
put_dir() {
	stage-put -q "$@" <write.ndjson | jq -r 'select(.url) | .url' |
		sed -E 's|^file://||; s|/cfg/users/.*||; s|/\./|/|g'
}

@test "bucket URL: home config < home secrets < project config < project secrets < env < -b" {
	for d in hc hs pc ps env flag; do mkdir -p "$W/b-$d"; done
	toml "$HOME/.dlt/config.toml" '[destination.filesystem]' "bucket_url = \"$W/b-hc\""
	[ "$(put_dir)" = "$W/b-hc" ]
	toml "$HOME/.dlt/secrets.toml" '[destination.filesystem]' "bucket_url = \"$W/b-hs\""
	[ "$(put_dir)" = "$W/b-hs" ]
	toml "$DLT_PROJECT_DIR/.dlt/config.toml" "destination.filesystem.bucket_url = \"$W/b-pc\""
	[ "$(put_dir)" = "$W/b-pc" ]
	toml "$DLT_PROJECT_DIR/.dlt/secrets.toml" '[destination.filesystem]' "bucket_url = \"$W/b-ps\""
	[ "$(put_dir)" = "$W/b-ps" ]
	export DESTINATION__FILESYSTEM__BUCKET_URL=$W/b-env
	[ "$(put_dir)" = "$W/b-env" ]
	[ "$(put_dir -b "$W/b-flag")" = "$W/b-flag" ]
	# STAGE_BUCKET_URL, the toolkit's own default, only fills a gap
	mkdir -p "$W/b-stage"
	[ "$(STAGE_BUCKET_URL=$W/b-stage put_dir)" = "$W/b-env" ]
	unset DESTINATION__FILESYSTEM__BUCKET_URL
	rm "$HOME"/.dlt/*.toml "$DLT_PROJECT_DIR"/.dlt/*.toml
	[ "$(STAGE_BUCKET_URL=$W/b-stage put_dir)" = "$W/b-stage" ]
	# and the file is really there
	[ "$(find "$W/b-flag" -name '*.csv' | wc -l)" -eq 1 ]
}

@test "bucket URL: the project directory is the current directory without DLT_PROJECT_DIR" {
	unset DLT_PROJECT_DIR
	mkdir -p .dlt "$W/b-cwd"
	toml .dlt/config.toml '[destination.filesystem]' "bucket_url = \"$W/b-cwd\""
	[ "$(put_dir)" = "$W/b-cwd" ]
}

# sqlite_pipeline [-D DEST]: copy and merge the written load.
sqlite_pipeline() {
	stage-put -q -b "$W/bucket" <write.ndjson | stage-copy -q "$@" |
		stage-merge -q "$@" >/dev/null
}
landed() { sqlite3 "$1/stage__cfg.db" 'SELECT name FROM users' 2>/dev/null; }

@test "SQLite destination: config file < env < -D, for both stage-copy and stage-merge" {
	mkdir -p "$W/file" "$W/env" "$W/flag"
	toml "$DLT_PROJECT_DIR/.dlt/config.toml" '[destination.sqlite]' \
		"credentials = \"sqlite:///$W/file/stage.db\""
	sqlite_pipeline
	[ "$(landed "$W/file")" = ann ]
	export DESTINATION__SQLITE__CREDENTIALS=sqlite:///$W/env/stage.db
	sqlite_pipeline
	[ "$(landed "$W/env")" = ann ]
	sqlite_pipeline -D "sqlite:///$W/flag/stage.db"
	[ "$(landed "$W/flag")" = ann ]
	# each load landed once, where its layer said
	for d in file env flag; do
		[ "$(sqlite3 "$W/$d/stage__cfg.db" 'SELECT count(*) FROM _dlt_loads')" = 1 ]
	done
	[ ! -e stage.db ]
}

@test "SQLite destination: a named destination from the config, its type and its credentials" {
	mkdir -p "$W/wh"
	toml "$DLT_PROJECT_DIR/.dlt/config.toml" '[destination.warehouse]' \
		'destination_type = "sqlite"' "credentials = \"$W/wh/stage.db\""
	sqlite_pipeline -D warehouse
	[ "$(landed "$W/wh")" = ann ]
}

pg_url() { echo "postgresql://postgres@127.0.0.1:$PGPORT/$1"; }
# pg_pipeline [-D DEST]: copy and merge the written load into PostgreSQL.
pg_pipeline() {
	stage-put -q -b "$W/bucket" <write.ndjson | stage-copy -q "$@" |
		stage-merge -q "$@" >/dev/null
}
pg_rows() { psql -X -At -d "$1" -c 'SELECT count(*) FROM cfg.users' 2>/dev/null || echo 0; }

@test "PostgreSQL destination: home < project, secrets < env < -D, credentials as a URL" {
	toml "$HOME/.dlt/secrets.toml" '[destination.postgres]' \
		"credentials = \"$(pg_url db_home)\""
	pg_pipeline -D postgres
	[ "$(pg_rows db_home)" = 1 ]
	toml "$DLT_PROJECT_DIR/.dlt/secrets.toml" '[destination.postgres]' \
		"credentials = \"$(pg_url db_file)\""
	pg_pipeline -D postgres
	[ "$(pg_rows db_file)" = 1 ]
	DESTINATION__POSTGRES__CREDENTIALS=$(pg_url db_env) pg_pipeline -D postgres
	[ "$(pg_rows db_env)" = 1 ]
	DESTINATION__POSTGRES__CREDENTIALS=$(pg_url db_env) pg_pipeline -D "$(pg_url db_flag)"
	[ "$(pg_rows db_flag)" = 1 ]
	# no layer leaked into another: one load in each database
	for db in db_home db_file db_env db_flag; do
		[ "$(psql -X -At -d $db -c 'SELECT count(*) FROM cfg._dlt_loads')" = 1 ]
	done
}

@test "PostgreSQL destination: credentials as dlt's fields; one field overridden from the environment" {
	toml "$DLT_PROJECT_DIR/.dlt/secrets.toml" \
		'[destination.postgres.credentials]' \
		'host = "127.0.0.1"' "port = $PGPORT" 'database = "db_file"' \
		'username = "postgres"' "password = \"$SECRET\""
	PGHOST=/nonexistent PGDATABASE=nonexistent pg_pipeline -D postgres
	[ "$(pg_rows db_file)" = 1 ]
	DESTINATION__POSTGRES__CREDENTIALS__DATABASE=db_env pg_pipeline -D postgres
	[ "$(pg_rows db_env)" = 1 ]
}

@test "secrets from the config never appear in manifests, logs, -v output or dry runs" {
	toml "$DLT_PROJECT_DIR/.dlt/secrets.toml" \
		'[destination.postgres.credentials]' \
		'host = "127.0.0.1"' "port = $PGPORT" 'database = "db_file"' \
		'username = "postgres"' "password = \"$SECRET\"" \
		'[destination.filesystem.credentials]' \
		'aws_access_key_id = "AKIDEXAMPLE"' \
		"aws_secret_access_key = \"$SECRET-s3\""
	stage-put -v -b "$W/bucket" <write.ndjson >put.ndjson 2>put.err
	stage-copy -v -D postgres <put.ndjson >copy.ndjson 2>copy.err
	stage-merge -v -D postgres <copy.ndjson >merge.ndjson 2>merge.err
	stage-copy -n -v -D postgres <put.ndjson >copy.dry 2>copy.dry.err
	stage-merge -n -v -D postgres <copy.ndjson >merge.dry 2>merge.dry.err
	stage-put -n -v -b s3://bkt/raw --endpoint http://127.0.0.1:9 \
		<write.ndjson >put.dry 2>put.dry.err
	[ "$(pg_rows db_file)" = 1 ]
	[ -s copy.dry ] && [ -s merge.dry ] && [ -s put.dry ]
	grep -q 'Signature=\*\*\*\*' put.dry
	for f in *.ndjson *.err *.dry; do
		! grep -l -- "$SECRET" "$f"
	done
	# -v says a password is there, masked
	grep -q "password='\*\*\*'" copy.err
	grep -q "password='\*\*\*'" merge.dry.err
}

@test "a password in a -D URL works but warns that command lines are visible" {
	run --separate-stderr stage-copy -D "postgresql://postgres:$SECRET@127.0.0.1:$PGPORT/db_flag" \
		< <(stage-put -q -b "$W/bucket" <write.ndjson)
	[ "$status" -eq 0 ]
	grep -q 'password on the command line is visible' <<<"$stderr"
	! grep -q -- "$SECRET" <<<"$stderr$output"
}

ds() { stage-write -q -t t -d "$W/f" "$@" records.ndjson | jq -r 'select(.file) | .dataset'; }

@test "stage-write: dataset_name from the config < DATASET_NAME < --dataset; STAGE_DATASET only where the config says nothing" {
	[ "$(ds)" = stage_dataset ]
	[ "$(STAGE_DATASET=from_stage ds)" = from_stage ]
	toml "$DLT_PROJECT_DIR/.dlt/config.toml" 'dataset_name = "from_file"'
	[ "$(STAGE_DATASET=from_stage ds)" = from_file ]
	[ "$(stage-write -q -t t -d "$W/f" records.ndjson | jq -r 'select(.file) | .dataset')" = from_file ]
	[ "$(DATASET_NAME=from_env stage-write -q -t t -d "$W/f" records.ndjson | jq -r 'select(.file) | .dataset')" = from_env ]
	[ "$(DATASET_NAME=from_env stage-write -q -t t -d "$W/f" --dataset from_flag records.ndjson | jq -r 'select(.file) | .dataset')" = from_flag ]
}

@test "a config file that does not parse: every program says file:line: why and exits 2" {
	printf '[destination.filesystem]\nbucket_url = "x"\n[destination.postgres\n' \
		>"$DLT_PROJECT_DIR/.dlt/config.toml"
	for p in $PROGS; do
		run --separate-stderr "$p" -t t </dev/null
		[ "$p" = stage-write ] || run --separate-stderr "$p" </dev/null
		echo "$p: $status: $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		grep -q "^$p: $DLT_PROJECT_DIR/.dlt/config.toml:3: " <<<"$stderr"
	done
}

@test "a broken secrets file in the home directory is reported the same way" {
	printf 'a = 1\nb = "unterminated\n' >"$HOME/.dlt/secrets.toml"
	for p in $PROGS; do
		run --separate-stderr "$p" -t t </dev/null
		[ "$p" = stage-write ] || run --separate-stderr "$p" </dev/null
		[ "$status" -eq 2 ]
		grep -q "^$p: $HOME/.dlt/secrets.toml:2: " <<<"$stderr"
	done
}

@test "a config file that cannot be read: every program names it and exits 2" {
	mkdir "$DLT_PROJECT_DIR/.dlt/secrets.toml"	# a directory: read fails
	for p in $PROGS; do
		run --separate-stderr "$p" -t t </dev/null
		[ "$p" = stage-write ] || run --separate-stderr "$p" </dev/null
		echo "$p: $status: $stderr"
		[ "$status" -eq 2 ]
		grep -q "^$p: $DLT_PROJECT_DIR/.dlt/secrets.toml: cannot read" <<<"$stderr"
	done
}

@test "a broken config file is an error even when a flag makes it unneeded" {
	printf 'x = \n' >"$DLT_PROJECT_DIR/.dlt/config.toml"
	run --separate-stderr stage-copy -D "sqlite:///$W/s.db" </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr stage-put -b "$W/bucket" </dev/null
	[ "$status" -eq 2 ]
	run --separate-stderr stage-write -t t --dataset d </dev/null
	[ "$status" -eq 2 ]
}
