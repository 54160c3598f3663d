#!/usr/bin/env bats
# Secrets never reach an output: for each way a password can be written
# (hidden in a percent-encoded key, repeated, badly escaped, in a keyword
# string on -D or in .dlt/secrets.toml, in an s3:// URL), every program's
# stdout (manifests, dry runs), stderr (-v) and every file left behind are
# searched for it.  The server trusts every connection, so a password
# libpq sends is simply ignored and the load goes through.

load helpers/pg.bash

S=Sekr3tPw9q
DECOY=Dec0yPw7q

setup_file() { pg_start; }
teardown_file() { pg_stop; }

setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/f16s.XXXXXX")
	export HOME=$T/home DLT_PROJECT_DIR=$T/project
	mkdir -p "$HOME/.dlt" "$DLT_PROJECT_DIR/.dlt" "$T/run"
	cd "$T/run" || return 1
	printf '{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n' |
		stage-write -t users -d "$T/out" --load-id L1 >"$T/w.ndjson"
	stage-put -b "$T/bucket" "$T/w.ndjson" >"$T/put.ndjson"
	psql -X -q -c 'DROP SCHEMA IF EXISTS stage_dataset CASCADE' \
		-c 'DROP SCHEMA IF EXISTS stage_dataset_staging CASCADE' 2>/dev/null
	N=0
}

teardown() { cd / && rm -rf "$T"; }

# step NAME CMD...: runs CMD with stdout and stderr kept in $T/NAME.out
# and $T/NAME.err; sets status.
step() {
	local name=$1
	shift
	N=$((N + 1))
	status=0
	"$@" >"$T/$N-$name.out" 2>"$T/$N-$name.err" || status=$?
}

# No output of any step, no file under $T (but the secrets file) and
# nothing in the database holds a secret.
no_secret() {
	local hits
	hits=$(grep -rl -e "$S" -e "$DECOY" "$T" --exclude-dir=.dlt || true)
	[ -z "$hits" ] || { echo "secret in: $hits"; grep -r -e "$S" -e "$DECOY" $hits; return 1; }
	pg_dump >"$T/dump.sql"
	! grep -e "$S" -e "$DECOY" "$T/dump.sql"
	[ "$N" -gt 0 ]
}

# The whole pipeline from stage-copy on, dry runs first, with -D "$1".
copy_merge() {
	step copy-n stage-copy -v -n -D "$1" "$T/put.ndjson"
	step copy stage-copy -v -D "$1" "$T/put.ndjson"
	copy_status=$status
	step merge-n stage-merge -v -n -D "$1" "$T/$N-copy.out"
	step merge stage-merge -v -D "$1" "$T/$((N - 1))-copy.out"
	merge_status=$status
	step merge-manifest stage-merge -v "$T/$((N - 2))-copy.out"
}

url() { echo "postgresql://postgres@127.0.0.1:$PGPORT/postgres$1"; }

@test "a password behind a percent-encoded key (pass%77ord) is masked everywhere, the load done" {
	copy_merge "$(url "?pass%77ord=$S")"
	[ "$copy_status" -eq 0 ]
	[ "$merge_status" -eq 0 ]
	[ "$(psql -X -At -c 'SELECT count(*) FROM stage_dataset.users')" = 2 ]
	[ "$(jq -r 'select(.copied) | .copied.destination' "$T/2-copy.out")" = "$(url '?pass%77ord=***')" ]
	no_secret
}

@test "every one of repeated password parameters is masked, the one libpq uses too" {
	copy_merge "$(url "?password=$DECOY&password=$S")"
	[ "$copy_status" -eq 0 ]
	[ "$merge_status" -eq 0 ]
	[ "$(jq -r 'select(.copied) | .copied.destination' "$T/2-copy.out")" = "$(url '?password=***&password=***')" ]
	no_secret
}

@test "a bad percent-escape in a password (user info or query) is masked in libpq's error too" {
	for d in "postgresql://postgres:$S%zz@127.0.0.1:$PGPORT/postgres" \
		"$(url "?password=$S%zz")" "$(url "?pass%zzword=$S")"; do
		step copy-n stage-copy -v -n -D "$d" "$T/put.ndjson"
		step copy stage-copy -v -D "$d" "$T/put.ndjson"
		[ "$status" -eq 1 ]
		grep -q 'cannot connect: invalid percent-encoded token: "\*\*\*"' "$T/$N-copy.err"
		step merge stage-merge -v -D "$d" "$T/put.ndjson"
		[ "$status" -ne 0 ]
	done
	no_secret
}

@test "a keyword connection string given to -D is refused without printing its password" {
	for d in "host=127.0.0.1 port=$PGPORT password=$S" \
		"host=127.0.0.1 password='$S" "password = '$S x' host=h"; do
		step copy stage-copy -v -D "$d" "$T/put.ndjson"
		[ "$status" -eq 2 ]
		grep -q 'unknown destination' "$T/$N-copy.err"
		step copy-n stage-copy -n -D "$d" "$T/put.ndjson"
		step merge stage-merge -D "$d" "$T/put.ndjson"
		[ "$status" -eq 2 ]
	done
	no_secret
}

@test "a keyword connection string in .dlt/secrets.toml is masked in -v and errors" {
	cat >"$DLT_PROJECT_DIR/.dlt/secrets.toml" <<EOF
[destination.pgk]
destination_type = "postgres"
credentials = "host=127.0.0.1 port=$PGPORT user=postgres dbname=postgres password='$S \\\\ x'"
[destination.pgbad]
destination_type = "postgres"
credentials = "host=127.0.0.1 port=$PGPORT password='$S"
[destination.pgdown]
destination_type = "postgres"
credentials = "host=127.0.0.1 port=1 password=$S"
EOF
	copy_merge pgk
	[ "$copy_status" -eq 0 ]
	[ "$merge_status" -eq 0 ]
	grep -q "password=\*\*\*" "$T/2-copy.err"
	[ "$(psql -X -At -c 'SELECT count(*) FROM stage_dataset.users')" = 2 ]
	for d in pgbad pgdown; do
		step copy stage-copy -v -D $d "$T/put.ndjson"
		[ "$status" -eq 1 ]
		step copy-n stage-copy -v -n -D $d "$T/put.ndjson"
	done
	grep -q '^stage-copy: \*\*\*: cannot connect: unterminated quoted string' "$T/6-copy.err"
	grep -q "password=\*\*\*: cannot connect: connection to server" "$T/8-copy.err"
	no_secret
}

@test "an s3:// bucket URL with key and secret is refused (exit 2) without printing them" {
	for b in "s3://AKIDX:$S@bucket/raw" "s3://$S@bucket" "s3x://AKIDX:$S@bucket"; do
		step put env AWS_ACCESS_KEY_ID=a AWS_SECRET_ACCESS_KEY=b \
			AWS_ENDPOINT_URL=http://127.0.0.1:1 stage-put -v -b "$b" "$T/w.ndjson"
		[ "$status" -eq 2 ]
		grep -q '://\*\*\*@bucket' "$T/$N-put.err"
		step put-n stage-put -n -b "$b" "$T/w.ndjson"
		[ "$status" -eq 2 ]
	done
	grep -q 'credentials do not go in the bucket URL' "$T/1-put.err"
	no_secret
}

@test "unit: mask reads connection strings as libpq does" {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
	run "$STAGE_UNITS/mask_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
