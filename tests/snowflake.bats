#!/usr/bin/env bats
# Issue 19: Snowflake as a destination, checked against fakesnow (an
# emulator on DuckDB that speaks Snowflake's session protocol: see
# tests/helpers/snowflake.bash) and against independent readers: the
# official Python connector reads what stage loaded, PyJWT checks the
# key-pair token, pyarrow writes the Arrow streams the reader must read,
# sqlglot parses every dry-run statement as Snowflake SQL.

bats_require_minimum_version 1.5.0

load helpers/snowflake.bash

setup_file() {
	sf_setup_file
}

teardown_file() {
	sf_stop
}

setup() {
	sf_setup sf
	PY=$STAGE_TOP/.venv/bin/python
}

teardown() {
	[ -n "${W:-}" ] && rm -rf "$W"
	return 0
}

# load DATASET TABLE DISP [stage-write options] < records: the pipeline
# with local staging (rows sent as INSERT batches)
pipeline() {
	local ds=$1 t=$2 disp=$3
	shift 3
	stage-write -q -t "$t" --dataset "$ds" --disposition "$disp" "$@" \
		-d "$W/out" | stage-put -q -b "$W/bucket" >"$W/put.ndjson" &&
	stage-copy -q -D "$SF_DEST" <"$W/put.ndjson" >"$W/copy.ndjson" &&
	stage-merge -q -D "$SF_DEST" <"$W/copy.ndjson" >"$W/merge.ndjson"
}

@test "unit: Snowflake's JWT pieces (base64url, account locator), the reading of query answers (rows, DML counts, refusals, polling, malformed) and of PUT answers (stage kinds, encryption, LOCAL_FS copy)" {
	run "$STAGE_UNITS/sfjwt_test"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$STAGE_UNITS/sfwire_test"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$STAGE_UNITS/sfput_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "snowflake: key-pair JWT (encrypted PKCS#8 key) verifies with PyJWT: signature, iss fingerprint, sub, lifetime" {
	openssl genrsa -out k.pem 2048 2>/dev/null
	openssl pkcs8 -topk8 -in k.pem -out enc.pem -passout pass:pa55 -v2 aes-256-cbc
	openssl rsa -in k.pem -pubout -out pub.pem 2>/dev/null
	run "$STAGE_UNITS/sfjwt_sign" enc.pem xy12345.eu-west-1.aws alice 1700000000 pa55
	[ "$status" -eq 0 ]
	run "$SF_PY" - "$output" <<-'PY'
		import base64, hashlib, sys, jwt
		from cryptography.hazmat.primitives import serialization
		pub = open("pub.pem", "rb").read()
		c = jwt.decode(sys.argv[1], pub, algorithms=["RS256"],
		    options={"verify_exp": False, "verify_iat": False})
		der = serialization.load_pem_public_key(pub).public_bytes(
		    serialization.Encoding.DER,
		    serialization.PublicFormat.SubjectPublicKeyInfo)
		fp = "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
		assert c == {"iss": "XY12345.ALICE." + fp, "sub": "XY12345.ALICE",
		    "iat": 1700000000, "exp": 1700000060}, c
		assert jwt.get_unverified_header(sys.argv[1]) == {"alg": "RS256", "typ": "JWT"}
		print("verified")
	PY
	echo "$output"
	[ "$output" = verified ]
	# a wrong passphrase and an EC key are refused, saying why
	run "$STAGE_UNITS/sfjwt_sign" enc.pem a u 1 wrong
	[ "$status" -eq 1 ]
	[[ "$output" == *"passphrase does not open it"* ]]
	openssl ecparam -name prime256v1 -genkey -noout -out ec.pem
	run "$STAGE_UNITS/sfjwt_sign" ec.pem a u 1
	[[ "$output" == *"not an RSA key"* ]]
}

@test "snowflake: the Arrow IPC reader reads what pyarrow writes (ints with scale, decimals, bools, doubles, strings, binary, nulls)" {
	"$PY" - <<-'PY'
		import decimal, pyarrow as pa
		f = [pa.field("N", pa.int64(), metadata={"scale": "0"}),
		     pa.field("S", pa.string()), pa.field("B", pa.bool_()),
		     pa.field("D", pa.decimal128(38, 2)),
		     pa.field("I", pa.int16(), metadata={"scale": "2"}),
		     pa.field("X", pa.binary())]
		t = pa.table([pa.array([-9223372036854775808, None, 42]),
		    pa.array(["é\tx", "", None]), pa.array([True, None, False]),
		    pa.array([decimal.Decimal("-0.05"), None,
		        decimal.Decimal("12345678901234567890123456789012345.67")],
		        pa.decimal128(38, 2)),
		    pa.array([-1234, 5, None], pa.int16()),
		    pa.array([b"\x00\xff", None, b""])], schema=pa.schema(f))
		s = pa.BufferOutputStream()
		with pa.ipc.new_stream(s, t.schema) as w:
		    w.write_batch(t.to_batches()[0].slice(0, 2))
		    w.write_batch(t.to_batches()[0].slice(2))
		open("t.arrow", "wb").write(s.getvalue().to_pybytes())
	PY
	run "$STAGE_UNITS/arrowipc_dump" <t.arrow
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf -- '-9223372036854775808\té\tx\ttrue\t-0.05\t-12.34\t00ff')" ]
	[ "${lines[1]}" = "$(printf '\\N\t\t\\N\t\\N\t0.05\t\\N')" ]
	[ "${lines[2]}" = "$(printf '42\t\\N\tfalse\t12345678901234567890123456789012345.67\t\\N\t')" ]
	# truncated anywhere: an error, never a crash or a partial answer
	for n in 8 100 300 $(( $(wc -c <t.arrow) - 9 )); do
		head -c "$n" t.arrow >cut.arrow
		run "$STAGE_UNITS/arrowipc_dump" <cut.arrow
		[ "$status" -eq 1 ]
		[[ "$output" == *"error: "* ]]
	done
}

@test "snowflake: the session protocol against fakesnow: login, DDL, DML counts, Arrow results, errors with code and SQL state" {
	export SFW_PASSWORD=x
	run "$STAGE_UNITS/sfwire_run" "$SF_URL" \
		'CREATE SCHEMA IF NOT EXISTS "wire"' \
		'CREATE OR REPLACE TABLE "wire"."t" ("id" NUMBER(38,0), "v" VARCHAR)' \
		"INSERT INTO \"wire\".\"t\" VALUES (1, 'a'), (2, NULL)" \
		'SELECT "id", "v" FROM "wire"."t" ORDER BY 1' \
		'SELECT nope FROM "wire"."missing"'
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"affected 2"* ]]
	[[ "$output" == *"$(printf '1\ta\n2\t\\N')"* ]]
	[[ "$output" == *"error: "*"(code 002003, SQL state 42S02)"* ]]
}

@test "snowflake: stage-copy and stage-merge load a merge table end to end; the connector reads every value back" {
	printf '%s\n' \
		'{"id":1,"name":"a","doc":{"k":[1,2]},"at":"2024-01-02T03:04:05Z","ok":true,"n":1.5}' \
		'{"id":2,"name":"b\\c'"'"'q \"x\" é","doc":null,"at":null,"ok":false,"n":2.25}' \
		'{"id":1,"name":"a2","doc":"s","at":"2024-01-03T00:00:00Z","ok":null,"n":3}' |
		pipeline shop users merge --primary-key id
	grep -q '"copied":{"table":"shop_staging.users","rows":3' copy.ndjson
	grep -q '"merged"' merge.ndjson
	run sf_sql 'SELECT "id", "name", "ok", CAST("n" AS VARCHAR) FROM "shop"."users" ORDER BY 1'
	echo "$output"
	[ "${lines[0]}" = "1|a2||3.000000000" ]
	[ "${lines[1]}" = "2|b\\c'q \"x\" é|f|2.250000000" ]
	[ "${#lines[@]}" -eq 2 ]
	run sf_sql 'SELECT status FROM "shop"."_dlt_loads"'
	[ "$output" = 0 ]
	# the load's staging rows are gone, its files recorded
	run sf_sql 'SELECT count(*) FROM "shop_staging"."users"'
	[ "$output" = 0 ]
	run sf_sql 'SELECT file_id, "rows" FROM "shop_staging"."_stage_files"'
	[ "$output" = "1|3" ]
}

@test "snowflake: re-runs load nothing twice: stage-copy skips recorded files, stage-merge is a no-op" {
	printf '{"id":%d,"v":"x"}\n' 1 2 3 | pipeline ex t append
	run stage-copy -D "$SF_DEST" <put.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"copied":{"table":"ex_staging.t","rows":3'* ]]
	run stage-merge -D "$SF_DEST" <copy.ndjson
	[ "$status" -eq 0 ]
	[[ "$output" == *"already merged"* ]]
	run sf_sql 'SELECT count(*) FROM "ex"."t"'
	[ "$output" = 3 ]
	run sf_sql 'SELECT count(*) FROM "ex_staging"."t"'
	[ "$output" = 0 ]
}

@test "snowflake: append adds, replace empties with DELETE in the merge's transaction, merge hard-deletes" {
	printf '{"id":%d}\n' 1 2 | pipeline d a append
	printf '{"id":%d}\n' 3 | pipeline d a append
	run sf_sql 'SELECT count(*) FROM "d"."a"'
	[ "$output" = 3 ]
	printf '{"id":%d}\n' 1 2 | pipeline d r replace
	printf '{"id":%d}\n' 7 | pipeline d r replace
	run sf_sql 'SELECT "id" FROM "d"."r"'
	[ "$output" = 7 ]
	printf '{"id":1,"gone":false}\n{"id":2,"gone":false}\n' |
		pipeline d m merge --primary-key id
	printf '{"id":1,"gone":true}\n{"id":3,"gone":false}\n' |
		stage-write -q -t m --dataset d --disposition merge \
		--primary-key id -d out2 | stage-put -q -b bucket |
		stage-copy -q -D "$SF_DEST" >copy2.ndjson
	stage-merge -q --hard-delete gone -D "$SF_DEST" <copy2.ndjson
	run sf_sql 'SELECT "id" FROM "d"."m" ORDER BY 1'
	echo "$output"
	[ "${lines[0]}" = 2 ]
	[ "${lines[1]}" = 3 ]
}

@test "snowflake: dlt's credentials from secrets.toml and DESTINATION__SNOWFLAKE__ variables; the password never printed" {
	mkdir -p .dlt
	cat >.dlt/secrets.toml <<-EOF
		[destination.snowflake.credentials]
		database = "STAGE_TEST"
		username = "stage"
		password = "toml-Secret-91"
		host = "test"
		endpoint_host = "127.0.0.1"
		port = "$SF_PORT"
		protocol = "http"
	EOF
	unset DESTINATION__SNOWFLAKE__CREDENTIALS__PASSWORD
	printf '{"id":1}\n' | stage-write -q -t c --dataset cfg -d out |
		stage-put -q -b bucket >put.ndjson
	stage-copy -v -D snowflake <put.ndjson >copy.ndjson 2>err
	cat err
	! grep -q "toml-Secret-91" copy.ndjson err
	grep -q '"destination":"snowflake"' copy.ndjson
	# stage-merge finds the destination by the name stage-copy recorded
	stage-merge -v <copy.ndjson >merge.ndjson 2>err
	! grep -q "toml-Secret-91" merge.ndjson err
	run sf_sql 'SELECT count(*) FROM "cfg"."c"'
	[ "$output" = 1 ]
	# the environment overrides the file; a URL password is masked
	DESTINATION__SNOWFLAKE__CREDENTIALS__DATABASE=OTHER_DB \
		run stage-copy --dry-run -D snowflake <put.ndjson
	[ "$status" -eq 0 ]
	run stage-copy --dry-run -D "snowflake://u:url-Secret-5@test/DB?host=127.0.0.1&port=$SF_PORT&protocol=http" <put.ndjson
	echo "$output"
	[[ "$output" != *"url-Secret-5"* ]]
	# the warning names Snowflake's way, not libpq's
	[[ "$output" == *"visible to other users (ps): use DESTINATION__<NAME>__CREDENTIALS__PASSWORD"* ]]
}

@test "snowflake: bad configuration exits 2 or 1 with a clear message: unknown URL parameter, no database, no password" {
	run stage-copy -D "snowflake://u@acct/db?warehous=x" </dev/null
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown parameter 'warehous'"* ]]
	run stage-copy -D "snowflake://u@acct" </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"no database"* ]]
	unset DESTINATION__SNOWFLAKE__CREDENTIALS__PASSWORD
	printf '{"id":1}\n' | stage-write -q -t t --dataset x -d out |
		stage-put -q -b bucket >put.ndjson
	run stage-copy -D "$SF_DEST" <put.ndjson
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no password and no private key"* ]]
}

# golden NAME [stage-copy|stage-merge] [options]: the dry run of
# tests/snowflake/golden.ndjson (four s3:// files of three tables: CSV
# gzip, JSON lines zstd, Parquet; every type) must equal
# tests/snowflake/NAME.sql, and every statement must parse as Snowflake
# SQL (sqlglot).  STAGE_GOLDEN_UPDATE=1 rewrites the golden file.
golden() {
	local name=$1 prog=$2
	shift 2
	AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=aws-Secret-3 \
		"$prog" --dry-run "$@" <"$STAGE_TOP/tests/snowflake/golden.ndjson" \
		>"$name.sql" 2>err
	cat err
	! grep -q "aws-Secret-3" "$name.sql" err
	[ -z "${STAGE_GOLDEN_UPDATE:-}" ] ||
		cp "$name.sql" "$STAGE_TOP/tests/snowflake/$name.sql"
	diff -u "$STAGE_TOP/tests/snowflake/$name.sql" "$name.sql"
	"$PY" "$STAGE_TOP/tests/helpers/sqlglot_check.py" <"$name.sql"
}

@test "snowflake: golden dry run: COPY from s3:// through a temporary stage with forwarded credentials (masked), one per table, CSV gzip, JSON zstd, Parquet by name" {
	golden copy-s3 stage-copy -D "$SF_DEST"
	grep -q "METADATA\$FILE_ROW_NUMBER" copy-s3.sql
	! grep -q "FORCE" copy-s3.sql
}

@test "snowflake: golden dry run: COPY from dlt's named stage, and through a storage integration" {
	golden copy-stage stage-copy -D "$SF_DEST&stage_name=shop.raw_stage"
	grep -q 'FROM @shop.raw_stage/raw/golden/users/) FILES' copy-stage.sql
	golden copy-integration stage-copy -D "$SF_DEST&storage_integration=lake_int"
	grep -q 'STORAGE_INTEGRATION = "lake_int"' copy-integration.sql
}

@test "snowflake: golden dry run: the merge (delete-insert with dedup and hard delete, append, replace by DELETE) in one transaction after the DDL" {
	golden merge stage-merge --hard-delete b -D "$SF_DEST"
	# the dataset's lock row, made before, is the transaction's first write
	grep -q '^CREATE TABLE IF NOT EXISTS "golden"."_stage_locks" ' merge.sql
	[ "$(sed -n '/^BEGIN;/{n;p;q;}' merge.sql)" = "UPDATE \"golden\".\"_stage_locks\" SET holder = '1700000000.000001', locked_at = CURRENT_TIMESTAMP() WHERE name = 'merge';" ]
	# every DDL before BEGIN: Snowflake commits on DDL
	run awk '/^BEGIN;/ { t = 1 } t && /^(CREATE|ALTER|DROP)/ { print }' merge.sql
	[ -z "$output" ]
	! grep -q TRUNCATE merge.sql
}

@test "snowflake: golden dry run: --strategy upsert merges with MERGE INTO (no unique index)" {
	golden merge-upsert stage-merge --strategy upsert -D "$SF_DEST"
	grep -q '^MERGE INTO "golden"."users" AS d USING' merge-upsert.sql
	! grep -q "INDEX" merge-upsert.sql
}

@test "snowflake: parallel copiers (-j 3) give every file its own number: the merge finds exactly each file's rows" {
	for i in 1 2 3 4 5 6; do printf '{"id":%d}\n' $(seq $((i * 10)) $((i * 10 + 4))); done |
		stage-write -q -t p --dataset par --max-rows 5 -d out |
		stage-put -q -b bucket >put.ndjson
	[ "$(grep -c '"file"' put.ndjson)" -eq 6 ]
	stage-copy -q -j 3 -D "$SF_DEST" <put.ndjson >copy.ndjson
	run sf_sql 'SELECT count(DISTINCT file_no) FROM "par_staging"."_stage_files"'
	[ "$output" = 6 ]
	stage-merge -q -D "$SF_DEST" <copy.ndjson
	run sf_sql 'SELECT count(*), count(DISTINCT "id") FROM "par"."p"'
	[ "$output" = "30|30" ]
}

# fakesnow cannot run a COPY with a transformation (METADATA$FILE_ROW_NUMBER),
# so stage-write's own Parquet files are taken to the statement, not the rows.
@test "snowflake: stage-write's Parquet files become one COPY per table, FILE_FORMAT = (TYPE = PARQUET), every column by name, valid Snowflake SQL" {
	for i in $(seq 1 12); do
		printf '{"id":%d,"name":"n%d","at":"2026-01-0%dT00:00:00Z","ok":true}\n' \
			"$i" "$i" $((i % 9 + 1))
	done | stage-write -q -t p -f parquet --dataset par --max-rows 4 -d out |
		stage-put -q -b bucket | in_s3 >put.ndjson
	[ "$(grep -c '"format":"parquet"' put.ndjson)" -eq 3 ]
	AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=aws-Secret-3 \
		stage-copy --dry-run -D "$SF_DEST" <put.ndjson >copy.sql
	[ "$(grep -c '^COPY INTO "par_staging"."p"' copy.sql)" -eq 1 ]
	grep '^COPY INTO' copy.sql | grep -q 'FILE_FORMAT = (TYPE = PARQUET)'
	for c in id name at ok; do
		grep '^COPY INTO' copy.sql | grep -q "GET(\$1, '$c')"
	done
	# the three files in FILES, each given its file number for _stage_row
	[ "$(grep '^COPY INTO' copy.sql | grep -o 'FILES = ([^)]*)' |
		grep -o '[.]parquet' | wc -l)" -eq 3 ]
	[ "$(grep '^COPY INTO' copy.sql | grep -o "WHEN '[^']*[.]parquet' THEN" |
		wc -l)" -eq 3 ]
	! grep -q "aws-Secret-3" copy.sql
	"$PY" "$STAGE_TOP/tests/helpers/sqlglot_check.py" <copy.sql
}

# many N [DATASET]: a load of 3 tables (t0, t1, t2) of N files each, 2
# rows a file, staged on the local disk (put.ndjson)
many() {
	local rows=$(($1 * 6)) ds=${2:-many}
	for i in $(seq 1 "$rows"); do
		printf '{"tbl":"t%d","id":%d,"v":"x%d"}\n' $((i % 3)) "$i" "$i"
	done | stage-write -q --table-field tbl --dataset "$ds" --max-rows 2 \
		-d out | stage-put -q -b bucket >put.ndjson
}

# in_s3 < manifest: the same lines as if stage-put had put them in s3://lake
in_s3() {
	"$PY" -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if "url" in o:
        o["url"] = "s3://lake/raw/" + o["url"].split("/bucket/", 1)[1]
    print(json.dumps(o, separators=(",", ":")))'
}

@test "snowflake: one COPY per table per load: 30 staged files of 3 tables make 3 COPY statements, each naming its 10 files and their numbers" {
	many 10
	[ "$(grep -c '"file"' put.ndjson)" -eq 30 ]
	in_s3 <put.ndjson >s3.ndjson
	AWS_ACCESS_KEY_ID=AK AWS_SECRET_ACCESS_KEY=aws-Secret-3 \
		stage-copy --dry-run -D "$SF_DEST" <s3.ndjson >plan.sql
	[ "$(grep -c '^COPY INTO' plan.sql)" -eq 3 ]
	[ "$(grep -c '^BEGIN;' plan.sql)" -eq 3 ]
	[ "$(grep -c '^INSERT INTO "many_staging"."_stage_files"' plan.sql)" -eq 3 ]
	# each COPY: its table's 10 files, each mapped to its own number
	for t in t0 t1 t2; do
		run grep "^COPY INTO \"many_staging\".\"$t\"" plan.sql
		[ "$(grep -o "WHEN '[0-9.]*csv' THEN [0-9]*" <<<"$output" | sort -u | wc -l)" -eq 10 ]
		[[ "$output" == *"FILES = ('"*"', '"*"')"* ]]
	done
	! grep -q FORCE plan.sql
	"$PY" "$STAGE_TOP/tests/helpers/sqlglot_check.py" <plan.sql
}

@test "snowflake: a table of 1,001 files is split into two COPY statements (1,000 names at most in FILES)" {
	for i in $(seq 1 1001); do printf '{"id":%d}\n' "$i"; done |
		stage-write -q -t big --dataset split --max-rows 1 -d out |
		stage-put -q -b bucket | in_s3 >s3.ndjson
	AWS_ACCESS_KEY_ID=AK AWS_SECRET_ACCESS_KEY=aws-Secret-3 \
		stage-copy --dry-run -D "$SF_DEST" <s3.ndjson >plan.sql
	[ "$(grep -c '^COPY INTO' plan.sql)" -eq 2 ]
	run awk '/^COPY INTO/ { n = gsub(/csv'"'"' THEN/, ""); print n }' plan.sql
	[ "${lines[0]}" -eq 1000 ]
	[ "${lines[1]}" -eq 0 ]
	# the one file of the second COPY keeps its own number
	grep -q "^COPY INTO .* 1001 \* 4294967296 + METADATA\$FILE_ROW_NUMBER" plan.sql
}

@test "snowflake: 30 local files of 3 tables are sent in O(tables) statements (one transaction per table), every row right" {
	many 10
	stage-copy -v -D "$SF_DEST" <put.ndjson >copy.ndjson 2>err
	n=$(sed -n 's/.*: \([0-9]*\) statements sent$/\1/p' err)
	echo "statements: $n"
	# 13 a table: its DDL (5) and its transaction (8, one PUT of all
	# its files' rows and one COPY among them); one transaction per file
	# made it 245 for these 30 files
	[ "$n" -le 45 ]
	[ "$(grep -c ": PUT 'file://" err)" -eq 3 ]
	[ "$(grep -c ': COPY INTO "many_staging"' err)" -eq 3 ]
	[ "$(grep -c '^stage-copy: .*: BEGIN$' err)" -eq 3 ]
	[ "$(grep -c '"copied"' copy.ndjson)" -eq 30 ]
	run sf_sql 'SELECT count(*), count(DISTINCT file_no) FROM "many_staging"."_stage_files"'
	[ "$output" = "30|30" ]
	# _stage_row: file number * 2^32 + row in the file (1 or 2)
	run sf_sql 'SELECT count(*) FROM "many_staging"."t1" s JOIN "many_staging"."_stage_files" f ON FLOOR(s."_stage_row" / 4294967296) = f.file_no AND f.table_name = '"'t1'"' WHERE MOD(s."_stage_row", 4294967296) IN (1, 2)'
	[ "$output" = 20 ]
	stage-merge -q -D "$SF_DEST" <copy.ndjson
	run sf_sql 'SELECT count(*), count(DISTINCT "id"), min("id"), max("id") FROM "many"."t0"'
	[ "$output" = "20|20|3|60" ]
	# a re-run sends no rows: every file is recorded
	run stage-copy -v -D "$SF_DEST" <put.ndjson
	[ "$status" -eq 0 ]
	[ "$(grep -c '"skipped":true' <<<"$output")" -eq 30 ]
}

@test "snowflake: stage-copy killed at any instant of a batched load, then re-run: every table exactly right" {
	many 5 killed
	for delay in 0.05 0.2 0.4 0.7 1.0; do
		stage-copy -q -D "$SF_DEST" <put.ndjson >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	stage-copy -q -D "$SF_DEST" <put.ndjson >copy.ndjson
	[ "$(grep -c '"copied"' copy.ndjson)" -eq 15 ]
	run sf_sql 'SELECT table_name, count(*), CAST(sum("rows") AS INTEGER) FROM "killed_staging"."_stage_files" GROUP BY 1 ORDER BY 1'
	echo "$output"
	[ "$output" = "$(printf 't0|5|10\nt1|5|10\nt2|5|10')" ]
	for t in t0 t1 t2; do
		run sf_sql "SELECT count(*), count(DISTINCT \"_stage_row\") FROM \"killed_staging\".\"$t\""
		[ "$output" = "10|10" ]
	done
	stage-merge -q -D "$SF_DEST" <copy.ndjson
	run sf_sql 'SELECT count(*), count(DISTINCT "id") FROM "killed"."t2"'
	[ "$output" = "10|10" ]
}

@test "snowflake: --check logs in and says user, account, database, warehouse and role, changing nothing" {
	run --separate-stderr stage-merge -D "$SF_DEST&warehouse=wh1&role=loader" --check
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == "reached snowflake: user "*", account test"*", database STAGE_TEST, warehouse "*", role "*"(Snowflake "*")" ]]
	# fakesnow has no CURRENT_WAREHOUSE(): the configured one, said so
	[[ "$output" == *"warehouse wh1 (as configured)"* ]]
	run stage-copy -D "$SF_DEST" --check
	[ "$status" -eq 0 ]
	[[ "$output" != *"test-Secret-77"* ]]
}

@test "snowflake: --abandoned lists a load copied and never merged; --discard removes it, then the manifest copies and merges once" {
	many 2 hk
	stage-copy -q -D "$SF_DEST" <put.ndjson >copy.ndjson
	lid=$(head -1 copy.ndjson | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["load_id"])')
	run --separate-stderr stage-merge -D "$SF_DEST" --abandoned
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"\"load_id\":\"$lid\",\"dataset\":\"hk\",\"tables\":[\"t0\",\"t1\",\"t2\"],\"files\":6,\"rows\":12"* ]]
	run stage-merge -D "$SF_DEST" --discard "$lid"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"discarded 12 staging rows"* ]]
	run sf_sql 'SELECT count(*) FROM "hk_staging"."_stage_files"'
	[ "$output" = 0 ]
	run sf_sql 'SELECT count(*) FROM "hk_staging"."t1"'
	[ "$output" = 0 ]
	run --separate-stderr stage-merge -D "$SF_DEST" --abandoned
	[ -z "$output" ]
	stage-copy -q -D "$SF_DEST" <put.ndjson | stage-merge -q -D "$SF_DEST"
	run sf_sql 'SELECT count(*), count(DISTINCT "id") FROM "hk"."t1"'
	[ "$output" = "4|4" ]
}

@test "snowflake: merged loads past --prune-after keep one _stage_pruned row per table (made before the transaction), and a re-run is a no-op" {
	many 2 pr
	stage-copy -q -D "$SF_DEST" <put.ndjson >copy.ndjson
	stage-merge -q -D "$SF_DEST" --prune-after 0 <copy.ndjson >/dev/null
	run sf_sql 'SELECT table_name, files, "rows" FROM "pr_staging"."_stage_pruned" ORDER BY 1'
	echo "$output"
	[ "$output" = "$(printf 't0|2|4\nt1|2|4\nt2|2|4')" ]
	run sf_sql 'SELECT count(*) FROM "pr_staging"."_stage_files"'
	[ "$output" = 0 ]
	# the manifest again: every file skipped, the merge a no-op
	run stage-copy -D "$SF_DEST" <put.ndjson
	[ "$status" -eq 0 ]
	[ "$(grep -c '"skipped":true' <<<"$output")" -eq 6 ]
	stage-merge -q -D "$SF_DEST" <copy.ndjson
	run sf_sql 'SELECT count(*) FROM "pr"."t0"'
	[ "$output" = 4 ]
}

# --- local files through the table's stage (PUT), as dlt loads them ---

@test "snowflake: local files go through the staging table's stage: their rows in one gzip CSV a table, one PUT into a fresh folder of @\"<dataset>_staging\".\"%<table>\", one COPY, every value right" {
	many 4 viaput
	mkdir tmp
	TMPDIR=$W/tmp stage-copy -v -D "$SF_DEST" <put.ndjson >copy.ndjson 2>err
	[ "$(grep -c '"copied"' copy.ndjson)" -eq 12 ]
	for t in t0 t1 t2; do
		# the 4 files' rows in one gzip CSV, one PUT into a fresh folder,
		# then one COPY of that folder
		run grep -o "PUT 'file://[^']*/rows\.csv\.gz' @\"viaput_staging\"\.\"%$t\"/stage-[0-9a-f]*/ AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = GZIP OVERWRITE = TRUE" err
		[ "${#lines[@]}" -eq 1 ]
		folder=$(sed 's/.*@//; s/ .*//' <<<"$output")
		run grep -c "COPY INTO \"viaput_staging\".\"$t\" (\"_stage_row\", \"id\", \"v\") FROM @$folder FILE_FORMAT = (TYPE = CSV .*COMPRESSION = GZIP) PURGE = TRUE ON_ERROR = ABORT_STATEMENT" err
		[ "$output" -eq 1 ]
	done
	# no row travels in an INSERT
	! grep -q 'INSERT INTO "viaput_staging"."t[0-2]"' err
	! grep -q 'INSERT of rows' err
	# _stage_row: each file's number * 2^32 + its row, as the INSERT path made it
	run sf_sql 'SELECT count(*) FROM "viaput_staging"."t1" s JOIN "viaput_staging"."_stage_files" f ON FLOOR(s."_stage_row" / 4294967296) = f.file_no AND f.table_name = '"'t1'"' WHERE MOD(s."_stage_row", 4294967296) IN (1, 2)'
	[ "$output" = 8 ]
	stage-merge -q -D "$SF_DEST" <copy.ndjson
	run sf_sql 'SELECT count(*), count(DISTINCT "id"), min("id"), max("id"), min("v"), max("v") FROM "viaput"."t0"'
	[ "$output" = "8|8|3|24|x12|x9" ]
	# PURGE: the stage keeps no file once it is loaded; no temporary file left
	run sf_sql 'LIST @"viaput_staging"."%t0"'
	[ -z "$output" ]
	[ -z "$(ls tmp)" ]
}

@test "snowflake: a PUT load re-run sends no file twice: every file skipped, no PUT, no COPY, the tables unchanged" {
	many 2 putrerun
	stage-copy -q -D "$SF_DEST" <put.ndjson >copy.ndjson
	run stage-copy -v -D "$SF_DEST" <put.ndjson
	[ "$status" -eq 0 ]
	[ "$(grep -c '"skipped":true' <<<"$output")" -eq 6 ]
	[[ "$output" != *"PUT 'file://"* ]]
	[[ "$output" != *"COPY INTO"* ]]
	stage-merge -q -D "$SF_DEST" <copy.ndjson
	run stage-merge -D "$SF_DEST" <copy.ndjson
	[[ "$output" == *"already merged"* ]]
	run sf_sql 'SELECT count(*), count(DISTINCT "id") FROM "putrerun"."t2"'
	[ "$output" = "4|4" ]
}

@test "snowflake: stage-copy killed (-9) at any instant of a PUT load (writing, uploading, copying), then re-run: every table exactly right, merged once" {
	many 8 putkill
	for delay in 0.02 0.1 0.25 0.5 0.8 1.2; do
		stage-copy -q -D "$SF_DEST" <put.ndjson >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	stage-copy -v -D "$SF_DEST" <put.ndjson >copy.ndjson 2>err
	[ "$(grep -c '"copied"' copy.ndjson)" -eq 24 ]
	run sf_sql 'SELECT table_name, count(*), CAST(sum("rows") AS INTEGER) FROM "putkill_staging"."_stage_files" GROUP BY 1 ORDER BY 1'
	echo "$output"
	[ "$output" = "$(printf 't0|8|16\nt1|8|16\nt2|8|16')" ]
	for t in t0 t1 t2; do
		run sf_sql "SELECT count(*), count(DISTINCT \"_stage_row\"), count(DISTINCT \"id\") FROM \"putkill_staging\".\"$t\""
		[ "$output" = "16|16|16" ]
	done
	stage-merge -q -D "$SF_DEST" <copy.ndjson
	stage-merge -q -D "$SF_DEST" <copy.ndjson
	for t in t0 t1 t2; do
		run sf_sql "SELECT count(*), count(DISTINCT \"id\") FROM \"putkill\".\"$t\""
		[ "$output" = "16|16" ]
	done
}

@test "snowflake: a table with a JSON column keeps the INSERT path (its CSV text needs a COPY transformation), saying so under -v; the dry run of a PUT load is valid Snowflake SQL" {
	printf '{"id":1,"doc":[1,2]}\n{"id":2,"doc":null}\n' |
		stage-write -q -t j --dataset putjson --disposition append -d out |
		stage-put -q -b bucket >put.ndjson
	stage-copy -v -D "$SF_DEST" <put.ndjson >copy.ndjson 2>err
	grep -q 'a JSON or BINARY column: its rows go as INSERT batches' err
	! grep -q "PUT 'file://" err
	stage-merge -q -D "$SF_DEST" <copy.ndjson
	run sf_sql 'SELECT "id", CAST("doc" AS VARCHAR) FROM "putjson"."j" ORDER BY 1'
	echo "$output"
	[ "${lines[0]}" = '1|[1,2]' ]
	# the dry run of a load of plain columns: PUT and COPY, parsed by sqlglot
	many 1 putdry
	stage-copy --dry-run -D "$SF_DEST" <put.ndjson >plan.sql
	[ "$(grep -c "^PUT 'file://" plan.sql)" -eq 3 ]
	[ "$(grep -c '^COPY INTO "putdry_staging"."t[0-2]" ("_stage_row", "id", "v") FROM @"putdry_staging"."%t[0-2]"/stage-' plan.sql)" -eq 3 ]
	"$PY" "$STAGE_TOP/tests/helpers/sqlglot_check.py" <plan.sql
}

@test "snowflake: two overlapping stage-merge of different loads into one dataset both end right (the _stage_locks row serializes them; a conflict is retried)" {
	for round in 1 2 3; do
		# load A replaces tables m and r, load B tables n and r: r must
		# end with one load's rows, never both (unserialized, each DELETE
		# saw the table empty and both inserted)
		{ seq 1 60 | sed 's/.*/{"tbl":"m","id":&,"v":"a"}/'
		  seq 1 60 | sed 's/.*/{"tbl":"r","id":&,"v":"a"}/'; } |
			stage-write -q --table-field tbl --dataset ovl$round --disposition replace -d outa |
			stage-put -q -b bucket | stage-copy -q -D "$SF_DEST" >a.ndjson
		{ seq 31 90 | sed 's/.*/{"tbl":"n","id":&,"v":"b"}/'
		  seq 31 90 | sed 's/.*/{"tbl":"r","id":&,"v":"b"}/'; } |
			stage-write -q --table-field tbl --dataset ovl$round --disposition replace -d outb |
			stage-put -q -b bucket | stage-copy -q -D "$SF_DEST" >b.ndjson
		stage-merge -v -D "$SF_DEST" <a.ndjson >ma.ndjson 2>ea &
		pa=$!
		stage-merge -v -D "$SF_DEST" <b.ndjson >mb.ndjson 2>eb &
		pb=$!
		sa=0; sb=0
		wait "$pa" || sa=$?
		wait "$pb" || sb=$?
		grep -h "conflict with another" ea eb | sed "s/^/# /" >&3 || true
		grep -h "error\|failed\|not merged" ea eb || true
		# B (the newer load) always merges; A too, unless B merged r first:
		# then A is refused by design (a table's loads in load_id order)
		[ "$sb" -eq 0 ]
		loads=2
		if [ "$sa" -ne 0 ]; then
			[ "$sa" -eq 1 ]
			grep -q "merge loads of a table in load_id order" ea
			loads=1
		fi
		run sf_sql "SELECT count(*), count(DISTINCT \"id\"), min(\"id\"), max(\"id\") FROM \"ovl$round\".\"m\""
		[ "$output" = "60|60|1|60" ] || [ "$loads" -eq 1 ]
		run sf_sql "SELECT count(*), count(DISTINCT \"id\"), min(\"id\"), max(\"id\") FROM \"ovl$round\".\"n\""
		[ "$output" = "60|60|31|90" ]
		run sf_sql "SELECT count(*), count(DISTINCT \"id\"), count(DISTINCT \"v\") FROM \"ovl$round\".\"r\""
		echo "r: $output"
		[ "$output" = "60|60|1" ]
		run sf_sql "SELECT count(*) FROM \"ovl$round\".\"_dlt_loads\" WHERE status = 0"
		[ "$output" = "$loads" ]
		# the merged loads' staging rows are gone (a refused load keeps its)
		tables="m n r"
		[ "$loads" -eq 2 ] || tables=n
		for t in $tables; do
			run sf_sql "SELECT count(*) FROM \"ovl${round}_staging\".\"$t\""
			[ "$output" = 0 ]
		done
	done
}

@test "snowflake: a merge lock that another transaction keeps (a stage-merge killed inside its transaction) fails the merge after its tries with what to do, nothing merged; released, the re-run merges once" {
	printf '{"id":1,"v":"a"}\n' | stage-write -q -t t --dataset held --disposition merge --primary-key id -d out1 |
		stage-put -q -b bucket | stage-copy -q -D "$SF_DEST" >c1.ndjson
	stage-merge -q -D "$SF_DEST" <c1.ndjson >/dev/null
	printf '{"id":1,"v":"A"}\n{"id":2,"v":"b"}\n' | stage-write -q -t t --dataset held --disposition merge --primary-key id -d out2 |
		stage-put -q -b bucket | stage-copy -q -D "$SF_DEST" >c2.ndjson
	# the killed merge's session: its transaction holds the lock row
	# until told to end (a file), as a dead session's does until it expires
	"$SF_PY" - "$SF_PORT" >holder.out 2>&1 <<-'PY' &
		import os, sys, time
		import snowflake.connector as sc
		c = sc.connect(user="u", password="x", account="a", database="STAGE_TEST",
		               host="127.0.0.1", port=int(sys.argv[1]), protocol="http")
		cu = c.cursor()
		cu.execute("BEGIN")
		cu.execute("""UPDATE "held"."_stage_locks" SET holder = 'killed' WHERE name = 'merge'""")
		open("holding", "w").close()
		while not os.path.exists("release"):
		    time.sleep(0.1)
		cu.execute("ROLLBACK")
	PY
	holder=$!
	for _ in $(seq 100); do [ -e holding ] && break; sleep 0.1; done
	[ -e holding ]
	run --separate-stderr stage-merge -D "$SF_DEST" <c2.ndjson
	touch release
	wait "$holder"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"dataset held's merge lock (its _stage_locks row) stayed held by another transaction through 8 tries"* ]]
	[[ "$stderr" == *"SYSTEM\$ABORT_TRANSACTION"*"run stage-merge again then"* ]]
	! grep -q '"merged"' <<<"$output"
	run sf_sql 'SELECT "id", "v" FROM "held"."t" ORDER BY 1'
	[ "$output" = "1|a" ]
	stage-merge -q -D "$SF_DEST" <c2.ndjson >/dev/null
	run sf_sql 'SELECT "id", "v" FROM "held"."t" ORDER BY 1'
	[ "$output" = "1|A
2|b" ]
	run sf_sql "SELECT count(*) FROM \"held\".\"_dlt_loads\""
	[ "$output" = 2 ]
}

# --- widening a column's type ---

@test "snowflake: a column widens by kind (bigint to decimal, bigint to text, date to timestamp) through a new column, before the merge's transaction; the values stay" {
	printf '{"id":1,"n":5,"d":"2024-01-02","s":7}\n' | pipeline wid t append
	printf '{"id":2,"n":2.5,"d":"2024-01-03T04:05:06Z","s":"x"}\n' |
		stage-write -q -t t --dataset wid --disposition append -d out2 |
		stage-put -q -b bucket >put2.ndjson
	stage-copy -q -D "$SF_DEST" <put2.ndjson >copy2.ndjson
	# the merge's plan: every widening before BEGIN
	stage-merge --dry-run -D "$SF_DEST" <copy2.ndjson >plan.sql
	run awk '/^BEGIN;/ { t = 1 } t && /^(CREATE|ALTER|DROP)/ { print }' plan.sql
	[ -z "$output" ]
	stage-merge -v -D "$SF_DEST" <copy2.ndjson >merge2.ndjson 2>err
	grep -q 'column n of wid.t widens from NUMBER(38,0) to NUMBER(38,9)' err
	grep -q 'column s of wid.t widens from NUMBER(38,0) to VARCHAR' err
	grep -q 'column d of wid.t widens from DATE to TIMESTAMP_TZ' err
	grep -q 'ALTER TABLE "wid"."t" RENAME COLUMN "s__stage_widen" TO "s"' err
	run sf_sql "SELECT data_type FROM information_schema.columns WHERE table_schema = 'wid' AND table_name = 't' AND column_name IN ('n', 's', 'd') ORDER BY column_name"
	echo "$output"
	[ "$output" = "$(printf 'TIMESTAMP_TZ\nNUMBER\nTEXT')" ]
	run sf_sql 'SELECT "id", CAST("n" AS VARCHAR), "s", CAST("d" AS DATE), count(*) OVER () FROM "wid"."t" ORDER BY 1'
	echo "$output"
	[ "${lines[0]}" = "1|5.000000000|7|2024-01-02|2" ]
	[ "${lines[1]}" = "2|2.500000000|x|2024-01-03|2" ]
	# nothing left of the new columns; a re-run changes nothing
	run sf_sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'wid' AND column_name LIKE '%stage_widen'"
	[ "$output" = 0 ]
	run stage-merge -D "$SF_DEST" <copy2.ndjson
	[[ "$output" == *"already merged"* ]]
}

@test "snowflake: a widening killed at any step ends on the re-run (the new column says where): after the ADD and UPDATE, and after the DROP" {
	for state in filled dropped; do
		ds=wk$state
		printf '{"id":1,"s":7}\n' | pipeline $ds t append
		# what a kill leaves: the new column made and filled (and the old
		# one dropped)
		sf_sql "ALTER TABLE \"$ds\".\"t\" ADD COLUMN \"s__stage_widen\" VARCHAR" >/dev/null
		sf_sql "UPDATE \"$ds\".\"t\" SET \"s__stage_widen\" = CAST(\"s\" AS VARCHAR)" >/dev/null
		[ "$state" = filled ] ||
			sf_sql "ALTER TABLE \"$ds\".\"t\" DROP COLUMN \"s\"" >/dev/null
		printf '{"id":2,"s":"x"}\n' | pipeline $ds t append
		run sf_sql "SELECT \"id\", \"s\" FROM \"$ds\".\"t\" ORDER BY 1"
		echo "$output"
		[ "$output" = "$(printf '1|7\n2|x')" ]
		run sf_sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = '$ds' AND column_name LIKE '%stage_widen'"
		[ "$output" = 0 ]
	done
}

@test "snowflake: --strategy upsert on fakesnow 0.12.1: its MERGE fails inside the transaction (the emulator's own catalog write), which rolls back whole: nothing half merged, the load merges afterwards by delete-insert" {
	printf '{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n' | pipeline ups u merge --primary-key id
	printf '{"id":1,"v":"a2"}\n{"id":3,"v":"c"}\n' |
		stage-write -q -t u --dataset ups --disposition merge --primary-key id -d out2 |
		stage-put -q -b bucket | stage-copy -q -D "$SF_DEST" >copy2.ndjson
	run stage-merge --strategy upsert -D "$SF_DEST" <copy2.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *'u: SQL failed: '*'MERGE INTO "ups"."u" AS d USING'* ]]
	[[ "$output" == *"not merged (rolled back)"* ]]
	run sf_sql 'SELECT "id", "v" FROM "ups"."u" ORDER BY 1'
	[ "$output" = "$(printf '1|a\n2|b')" ]
	run sf_sql 'SELECT count(*) FROM "ups"."_dlt_loads"'
	[ "$output" = 1 ]
	stage-merge -q -D "$SF_DEST" <copy2.ndjson
	run sf_sql 'SELECT "id", "v" FROM "ups"."u" ORDER BY 1'
	[ "$output" = "$(printf '1|a2\n2|b\n3|c')" ]
}

@test "snowflake: a PUT load of several files whose values hold newlines, quotes and commas: one CSV with each file's header left out, every record counted and loaded" {
	printf '%s\n' '{"id":1,"v":"a\nb"}' '{"id":2,"v":"q\"x"}' '{"id":3,"v":"c,d"}' \
		'{"id":4,"v":"\n"}' '{"id":5,"v":"e\"\nf"}' |
		stage-write -q -t t --dataset putnl --max-rows 2 -d out |
		stage-put -q -b bucket >put.ndjson
	[ "$(grep -c '"file"' put.ndjson)" -eq 3 ]
	stage-copy -v -D "$SF_DEST" <put.ndjson >copy.ndjson 2>err
	[ "$(grep -c ": PUT 'file://" err)" -eq 1 ]
	grep -q '"copied":{"table":"putnl_staging.t","rows":2' copy.ndjson
	grep -q '"copied":{"table":"putnl_staging.t","rows":1' copy.ndjson
	stage-merge -q -D "$SF_DEST" <copy.ndjson
	run sf_sql 'SELECT "id", REPLACE("v", CHR(10), '"'<nl>'"') FROM "putnl"."t" ORDER BY 1'
	echo "$output"
	[ "$output" = "$(printf '1|a<nl>b\n2|q"x\n3|c,d\n4|<nl>\n5|e"<nl>f')" ]
}

@test "snowflake: a PUT the server refuses (fakesnow cannot name the stage of a table called x\"; drop table y; --) sends the rows as INSERTs instead, warning; the table holds exactly them" {
	printf '{"id":%d}\n' 1 2 3 |
		stage-write -q -t h --dataset d_s --disposition append -d out |
		stage-put -q -b bucket |
		"$PY" -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if "table" in o:
        o["table"] = "x\"; drop table y; --"
    print(json.dumps(o, separators=(",", ":")))' >put.ndjson
	run --separate-stderr stage-copy -D "$SF_DEST" <put.ndjson
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"PUT refused: "*"does not exist"*": its rows go as INSERT batches instead"* ]]
	run sf_sql 'SELECT count(*), CAST(sum("id") AS INTEGER) FROM "d_s_staging"."x""; drop table y; --"'
	[ "$output" = "3|6" ]
}
