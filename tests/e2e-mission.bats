#!/usr/bin/env bats
# End to end, as a dlt user writes it: the mission pipeline
#   producer | stage-write -t users --disposition merge --primary-key id |
#   stage-put -b s3://lake/raw | tee put.ndjson |
#   stage-copy -D postgres | stage-merge
# into a real PostgreSQL with S3 staging on the JuiceFS gateway, every
# setting in .dlt/secrets.toml and none in the environment.

setup_file() {
	load helpers/pg.bash
	load helpers/s3.bash
	export S3_BUCKET=lake
	pg_start
	s3_start
}

teardown_file() {
	load helpers/pg.bash
	load helpers/s3.bash
	s3_stop
	pg_stop
}

setup() {
	W=$BATS_TEST_TMPDIR
	cd "$W"
	psql -X -q -c 'DROP SCHEMA IF EXISTS stage_dataset CASCADE; DROP SCHEMA IF EXISTS stage_dataset_staging CASCADE; DROP SCHEMA IF EXISTS stage CASCADE; DROP SCHEMA IF EXISTS stage_staging CASCADE' 2>/dev/null || true
	mkdir -p .dlt
	cat >.dlt/secrets.toml <<TOML
[destination.postgres]
credentials = "postgresql://postgres@127.0.0.1:$PGPORT/postgres"

[destination.filesystem.credentials]
aws_access_key_id = "$AWS_ACCESS_KEY_ID"
aws_secret_access_key = "$AWS_SECRET_ACCESS_KEY"
endpoint_url = "$S3_ENDPOINT"
region_name = "us-east-1"
TOML
	# Only the files speak: no AWS_*, no PG* in the programs' environment.
	PGP=$PGPORT
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION \
		AWS_DEFAULT_REGION AWS_ENDPOINT_URL PGHOST PGPORT PGUSER \
		PGDATABASE STAGE_DESTINATION
}

sql() {
	psql -X -q -At -h 127.0.0.1 -p "$PGP" -U postgres -d postgres -c "$1"
}

producer() {	# producer N: 5 users, load 2 renames them, adds 6, repeats 3
	local i
	for i in 1 2 3 4 5; do
		echo "{\"id\":$i,\"name\":\"user $i load $1\"}"
	done
	if [ "$1" = 2 ]; then
		echo '{"id":6,"name":"new"}'
		echo '{"id":3,"name":"last of 3"}'
	fi
}

@test "the mission pipeline as written: stage-merge finds the destination stage-copy loaded" {
	producer 1 | stage-write -t users --disposition merge --primary-key id |
		stage-put -b s3://lake/raw | tee put.ndjson |
		stage-copy -D postgres | stage-merge >merged.ndjson
	cat merged.ndjson
	[ "$(tail -1 merged.ndjson | jq -r .end)" = true ]
	[ ! -e stage.db ]
	[ "$(sql 'SELECT id, name FROM stage_dataset.users ORDER BY id' 2>/dev/null ||
		sql 'SELECT id, name FROM stage.users ORDER BY id')" = "1|user 1 load 1
2|user 2 load 1
3|user 3 load 1
4|user 4 load 1
5|user 5 load 1" ]
}

@test "3 a.m. recovery: stage-copy fails on a stopped server, the re-run from put.ndjson lands every row once" {
	load helpers/pg.bash
	producer 1 | stage-write -t users --disposition merge --primary-key id |
		stage-put -b s3://lake/raw >put1.ndjson
	stage-copy -D postgres <put1.ndjson | stage-merge >/dev/null
	producer 2 | stage-write -t users --disposition merge --primary-key id |
		stage-put -b s3://lake/raw >put2.ndjson
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null
	run bash -c 'stage-copy -D postgres <put2.ndjson | stage-merge; echo "rc=${PIPESTATUS[*]}"'
	echo "$output"
	[[ $output == *"rc=1 3"* ]]
	[[ $output == *"stage-copy: postgresql://postgres@127.0.0.1:$PGP/postgres: cannot connect"* ]]
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
		-o "$PG_OPTS" -w -t 60 start >/dev/null
	stage-copy -D postgres <put2.ndjson | stage-merge >/dev/null
	# and again: a no-op
	stage-copy -D postgres <put2.ndjson | stage-merge >/dev/null
	[ "$(sql 'SELECT id, name FROM stage_dataset.users ORDER BY id' 2>/dev/null ||
		sql 'SELECT id, name FROM stage.users ORDER BY id')" = "1|user 1 load 2
2|user 2 load 2
3|last of 3
4|user 4 load 2
5|user 5 load 2
6|new" ]
}

@test "stage-merge without -D refuses a manifest copied through a URL with a password, exit 2" {
	producer 1 | stage-write -t users | stage-put -b s3://lake/raw >put.ndjson
	# A URL with a password on purpose (the warning is expected).
	stage-copy -q -D "postgresql://postgres:pw@127.0.0.1:$PGP/postgres" \
		<put.ndjson >copy.ndjson
	! grep -q pw@ copy.ndjson
	run stage-merge <copy.ndjson
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"the manifest does not keep the password: give -D"* ]]
	[ ! -e stage.db ]
	run stage-merge -D postgres <copy.ndjson
	[ "$status" -eq 0 ]
}

@test "two loads' manifests concatenated copy and merge in one run" {
	producer 1 | stage-write -t users --disposition merge --primary-key id \
		--load-id 1000.1 | stage-put -b s3://lake/raw >a.ndjson
	producer 2 | stage-write -t users --disposition merge --primary-key id \
		--load-id 1000.2 | stage-put -b s3://lake/raw >b.ndjson
	cat a.ndjson b.ndjson | stage-copy -D postgres | stage-merge >out.ndjson
	[ "$(jq -s '[.[] | select(.end)] | length' out.ndjson)" = 2 ]
	[ "$(sql 'SELECT load_id, status FROM stage_dataset._dlt_loads ORDER BY 1' 2>/dev/null ||
		sql 'SELECT load_id, status FROM stage._dlt_loads ORDER BY 1')" = "1000.1|0
1000.2|0" ]
	[ "$(sql 'SELECT count(*), max(name) FROM stage_dataset.users' 2>/dev/null ||
		sql 'SELECT count(*), max(name) FROM stage.users')" = "6|user 5 load 2" ]
}

@test "stage-put --endpoint/--region/--path-style: stage-copy and --delete-staged read the objects with the same settings" {
	export AWS_ACCESS_KEY_ID=stagetestkey AWS_SECRET_ACCESS_KEY=stagetest-secret-1
	rm .dlt/secrets.toml
	producer 1 | stage-write -t users --dataset ep |
		stage-put -b s3://lake/ep --endpoint "$S3_ENDPOINT" --region us-east-1 --path-style >put.ndjson
	[ "$(jq -r 'select(.url) | .s3_endpoint' put.ndjson)" = "$S3_ENDPOINT" ]
	run bash -c 'stage-copy -D "postgresql://postgres@127.0.0.1:$0/postgres" <put.ndjson |
		stage-merge --delete-staged >/dev/null' "$PGP"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sql 'SELECT count(*) FROM ep.users')" = 5 ]
	run aws --endpoint-url "$S3_ENDPOINT" s3 ls --recursive s3://lake/ep/
	[ -z "$output" ]
}
