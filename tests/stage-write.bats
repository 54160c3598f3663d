#!/usr/bin/env bats
# stage-write(1): NDJSON records -> loader files + manifest lines.

load helpers/stage-write.bash

setup() { sw_setup; }
teardown() { sw_teardown; }

# ---- usage ---------------------------------------------------------------

@test "no -t and no --table-field is a usage error (exit 2)" {
	run stage-write </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: stage-write"* ]]
}

@test "-t and --table-field together are a usage error" {
	run stage-write -t a --table-field b </dev/null
	[ "$status" -eq 2 ]
}

@test "merge disposition without a key is a usage error" {
	run stage-write -t a --disposition merge </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"needs --primary-key or --merge-key"* ]]
}

@test "bad option values are usage errors" {
	run stage-write -t a -f avro </dev/null
	[ "$status" -eq 2 ]
	run stage-write -t a -z lz4 </dev/null
	[ "$status" -eq 2 ]
	run stage-write -t a --disposition upsert </dev/null
	[ "$status" -eq 2 ]
	run stage-write -t a --max-file-size 12X </dev/null
	[ "$status" -eq 2 ]
	run stage-write -t a --column age </dev/null
	[ "$status" -eq 2 ]
	run stage-write -t a --column age:integer </dev/null
	[ "$status" -eq 2 ]
	run stage-write -t a --load-id 'a/b' </dev/null
	[ "$status" -eq 2 ]
}

@test "-h prints help on stdout and exits 0; --version prints the version" {
	run stage-write -h
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: stage-write"* ]]
	run stage-write --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^stage-write\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

# ---- manifest ------------------------------------------------------------

@test "empty input gives just the end line and no file" {
	run sw -t users </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = '{"v":1,"end":true,"load_id":"L1","files":0,"rows":0}' ]
	[ -z "$(ls -A "$D")" ]
}

@test "blank lines and CRLF line ends are accepted" {
	printf '{"a":1}\r\n\n   \n{"a":2}\r\n' >in.ndjson
	run sw -t t in.ndjson
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tail -1 | jq .rows)" = 2 ]
	[ "$(cat "$D"/t.L1.0001.csv)" = "$(printf 'a\n1\n2')" ]
}

@test "a file line carries every field of the contract" {
	input '{"id":1,"name":"a"}' '{"id":2,"name":"b"}'
	sw -t Users --dataset MyData in.ndjson >m.ndjson
	f=$(mline m.ndjson)
	[ "$(echo "$f" | jq -r '[.v,.load_id,.dataset,.table,.disposition,.format,.compression,.rows,.file_id]|@tsv')" = \
	  "$(printf '1\tL1\tmy_data\tusers\tappend\tcsv\tnone\t2\t1')" ]
	[ "$(echo "$f" | jq -c '[.primary_key,.merge_key]')" = '[[],[]]' ]
	[ "$(echo "$f" | jq -c .columns)" = \
	  '[{"name":"id","type":"bigint","nullable":true},{"name":"name","type":"text","nullable":true}]' ]
	file=$(echo "$f" | jq -r .file)
	[ "$file" = "$D/users.L1.0001.csv" ]
	[ "$(echo "$f" | jq -r .sha256)" = "$(sha256sum "$file" | cut -d' ' -f1)" ]
	[ "$(echo "$f" | jq -r .bytes)" = "$(wc -c <"$file")" ]
	[ "$(tail -1 m.ndjson)" = '{"v":1,"end":true,"load_id":"L1","files":1,"rows":2}' ]
}

@test "the default load id is dlt's: seconds with six decimals" {
	echo '{"a":1}' | stage-write -d "$D" -t t >m.ndjson
	id=$(tail -1 m.ndjson | jq -r .load_id)
	[[ "$id" =~ ^[0-9]{10}\.[0-9]{6}$ ]]
	[ -f "$D/t.$id.0001.csv" ]
}

@test "the same --load-id run twice overwrites the same file names" {
	input '{"a":1}' '{"a":2}'
	sw -t t in.ndjson >m1
	sw -t t in.ndjson >m2
	[ "$(ls -A "$D")" = "t.L1.0001.csv" ]
	[ "$(mline m1 | jq -r .sha256)" = "$(mline m2 | jq -r .sha256)" ]
}

@test "default directory is ./stage-files, STAGE_WRITE_DIR overrides it" {
	echo '{"a":1}' | stage-write -t t --load-id X >/dev/null
	[ -f stage-files/t.X.0001.csv ]
	echo '{"a":1}' | STAGE_WRITE_DIR=other/sub stage-write -t t --load-id X >m
	[ -f other/sub/t.X.0001.csv ]
	[ "$(mline m | jq -r .file)" = "$T/other/sub/t.X.0001.csv" ]
}

@test "dataset defaults to 'stage_dataset', STAGE_DATASET sets it" {
	echo '{"a":1}' | sw -t t | mline | jq -r .dataset | grep -qx stage_dataset
	echo '{"a":1}' | STAGE_DATASET=Raw-Data sw -t t | mline | jq -r .dataset | grep -qx raw_data
}

@test "disposition and keys go into the manifest with column hints" {
	input '{"Id":1,"org":"x","v":2}'
	sw -t t --disposition merge --primary-key Id --merge-key org in.ndjson >m
	f=$(mline m)
	[ "$(echo "$f" | jq -c '[.disposition,.primary_key,.merge_key]')" = '["merge",["id"],["org"]]' ]
	[ "$(echo "$f" | jq -c '.columns[0]')" = '{"name":"id","type":"bigint","nullable":false,"primary_key":true}' ]
	[ "$(echo "$f" | jq -c '.columns[1]')" = '{"name":"org","type":"text","nullable":true,"merge_key":true}' ]
}

@test "a record without its primary key is refused" {
	input '{"id":1}' '{"id":null,"x":1}'
	run sw -t t --primary-key id in.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" == *"in.ndjson:2: field 'id': primary key is null or missing"* ]]
}

# ---- names, flattening, types -------------------------------------------

@test "names are normalized like dlt's snake_case, collisions get _2" {
	input '{"userName":"a","user_name":"b","HTTPCode":1,"1st":2,"a-b":3,"x ":4,"email@":5}'
	sw -t T in.ndjson >m
	[ "$(head -1 "$D"/t.L1.0001.csv)" = "user_name,user_name_2,http_code,_1st,a_b,x,emaila" ]
}

@test "escaped keys are the same key as their plain spelling" {
	input '{"a":1}' '{"\u0061":2}'
	sw -t t in.ndjson >m
	[ "$(cat "$D"/t.L1.0001.csv)" = "$(printf 'a\n1\n2')" ]
}

@test "nested objects flatten to parent__child, arrays become json columns" {
	input '{"a":{"b":{"c":1},"d":"x"},"tags":["p","q"],"objs":[{"k":1}],"e":{}}'
	sw -t t in.ndjson >m
	[ "$(mline m | jq -c '[.columns[]|[.name,.type]]')" = \
	  '[["a__b__c","bigint"],["a__d","text"],["tags","json"],["objs","json"]]' ]
	row=$(csv_rows "$D"/t.L1.0001.csv | tail -1)
	[ "$(echo "$row" | jq -r '.[2]' | jq -c .)" = '["p","q"]' ]
	[ "$(echo "$row" | jq -r '.[3]' | jq -c .)" = '[{"k":1}]' ]
}

@test "types are inferred: bigint double bool text timestamp date json decimal" {
	input '{"i":1,"f":1.5,"b":true,"s":"x","ts":"2024-01-02T03:04:05Z","d":"2024-01-02","j":[1],"big":123456789012345678901234567890}'
	sw -t t in.ndjson >m
	[ "$(mline m | jq -c '[.columns[].type]')" = \
	  '["bigint","double","bool","text","timestamp","date","json","decimal"]' ]
	[ "$(tail -1 "$D"/t.L1.0001.csv)" = '1,1.5,true,x,2024-01-02T03:04:05Z,2024-01-02,[1],123456789012345678901234567890' ]
}

@test "types widen: bigint+double=decimal, date+timestamp=timestamp, else text" {
	input '{"n":1,"d":"2024-01-01","x":1,"b":true}' \
	      '{"n":2.5,"d":"2024-01-01T10:00:00","x":"one","b":[true]}'
	sw -t t in.ndjson >m
	[ "$(mline m | jq -c '[.columns[].type]')" = '["decimal","timestamp","text","text"]' ]
	[ "$(csv_rows "$D"/t.L1.0001.csv | sed -n 2p)" = '["1", "2024-01-01", "1", "true"]' ]
	[ "$(csv_rows "$D"/t.L1.0001.csv | sed -n 3p)" = '["2.5", "2024-01-01T10:00:00", "one", "[true]"]' ]
}

@test "a column seen only with null is not emitted until a value comes" {
	input '{"a":1,"b":null}' '{"a":2,"b":null}'
	sw -t t in.ndjson >m
	[ "$(mline m | jq -c '[.columns[].name]')" = '["a"]' ]
	input '{"a":1,"b":null}' '{"a":2,"b":"x"}'
	sw -t u in.ndjson >m
	[ "$(mline m | jq -c '[.columns[].name]')" = '["a","b"]' ]
}

@test "records with nothing in them are skipped while a table has no column" {
	input '{}' '{"a":null}' '{"b":1}' '{"c":null}'
	run sw -t t in.ndjson
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 records without any non-null value skipped"* ]]
	[ "$(echo "$output" | grep '"end"' | jq .rows)" = 2 ]
	[ "$(cat "$D"/t.L1.0001.csv)" = "$(printf 'b\n1\n')" ]
}

# ---- CSV read back by independent readers --------------------------------

@test "CSV keeps NULL and empty string apart (read back by DuckDB)" {
	need_py
	input '{"k":1,"s":""}' '{"k":2,"s":null}' '{"k":3}' '{"k":4,"s":"v"}'
	sw -t t in.ndjson >m
	out=$(duck "select k, s is null, s from read_csv('$D/t.L1.0001.csv', header=true, allow_quoted_nulls=false, all_varchar=true) order by k")
	[ "$out" = "$(printf '%s\n' '["1", false, ""]' '["2", true, null]' '["3", true, null]' '["4", false, "v"]')" ]
}

@test "CSV quotes, newlines, commas, spaces and unicode survive (Python csv)" {
	input '{"s":"say \"hi\""}' '{"s":"two\nlines\r\n"}' '{"s":"a,b"}' \
	      '{"s":" pad "}' '{"s":"caf\u00e9 東京 😀"}' '{"s":"tab\there"}'
	sw -t t in.ndjson >m
	python3 - "$D/t.L1.0001.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
want = [["s"], ['say "hi"'], ["two\nlines\r\n"], ["a,b"], [" pad "],
        ["café 東京 😀"], ["tab\there"]]
assert rows == want, rows
PY
}

@test "DuckDB reads the CSV with the manifest's types" {
	need_py
	input '{"id":1,"x":1.5,"ok":true,"ts":"2024-01-02T03:04:05Z","n":{"m":"z"}}' \
	      '{"id":2,"x":2,"ok":false,"ts":"2024-01-03T00:00:00Z"}'
	sw -t t in.ndjson >m
	out=$(duck "select count(*), sum(id), sum(x), sum(case when ok then 1 else 0 end), max(ts)::varchar, max(n__m) from read_csv('$D/t.L1.0001.csv', header=true)")
	[ "$out" = '[2, 3, 3.5, 1, "2024-01-03 00:00:00+00", "z"]' ] ||
	[ "$out" = '[2, 3, 3.5, 1, "2024-01-03 00:00:00", "z"]' ]
}

@test "CSV and JSONL of the bench data agree with DuckDB reading the NDJSON" {
	need_py
	python3 "$STAGE_TOP/bench/gen-ndjson" 3000 >in.ndjson
	sw -t b -z gzip in.ndjson >/dev/null
	sw -t b -f jsonl -z zstd in.ndjson >/dev/null
	q='select count(*), sum(id), round(sum(score),2), count(note), sum(length(note)), sum(length(CITY)), count(tags), round(sum(LAT),2), sum(case when active then 1 else 0 end), max("at")::varchar from '
	flat=$(echo "$q" | sed 's/CITY/address__city/; s/LAT/address__geo__lat/')
	nested=$(echo "$q" | sed 's/CITY/address.city/; s/LAT/address.geo.lat/')
	want=$(duck "$nested read_json('$T/in.ndjson')")
	[ "$(duck "$flat read_csv('$D/b.L1.0001.csv.gz', header=true, allow_quoted_nulls=false)")" = "$want" ]
	[ "$(duck "$flat read_json('$D/b.L1.0001.jsonl.zst')")" = "$want" ]
}

# ---- formats and compression ---------------------------------------------

@test "compressing in a thread or in line gives the same bytes" {
	python3 "$STAGE_TOP/bench/gen-ndjson" 20000 >in.ndjson
	for z in gzip zstd; do
		a=$(sw -t a -z $z --max-file-size 1M in.ndjson | mline | jq -r .sha256)
		b=$(STAGE_NO_THREADS=1 sw -t b -z $z --max-file-size 1M in.ndjson | mline | jq -r .sha256)
		[ "$(echo "$a" | wc -l)" -ge 2 ]
		[ "$a" = "$b" ]
	done
}

@test "gzip output decompresses to the plain CSV and matches its sha256" {
	input '{"a":1,"b":"x"}' '{"a":2,"b":"y"}'
	sw -t plain in.ndjson >/dev/null
	sw -t gz -z gzip in.ndjson >m
	f=$(mline m | jq -r .file)
	[ "$f" = "$D/gz.L1.0001.csv.gz" ]
	[ "$(mline m | jq -r .compression)" = gzip ]
	[ "$(gzip -dc "$f")" = "$(cat "$D"/plain.L1.0001.csv)" ]
	[ "$(mline m | jq -r .sha256)" = "$(sha256sum "$f" | cut -d' ' -f1)" ]
	[ "$(mline m | jq -r .bytes)" = "$(wc -c <"$f")" ]
}

@test "zstd output decompresses to the plain CSV and matches its sha256" {
	input '{"a":1,"b":"x"}' '{"a":2,"b":"y"}'
	sw -t plain in.ndjson >/dev/null
	sw -t zs -z zstd in.ndjson >m
	f=$(mline m | jq -r .file)
	[ "$f" = "$D/zs.L1.0001.csv.zst" ]
	[ "$(zstd -dc "$f")" = "$(cat "$D"/plain.L1.0001.csv)" ]
	[ "$(mline m | jq -r .sha256)" = "$(sha256sum "$f" | cut -d' ' -f1)" ]
}

@test "JSONL has the CSV's columns, omits nulls, keeps json values" {
	input '{"userId":1,"a":{"b":"x"},"t":[1,{"c":2}],"n":null,"s":"q\"\u00e9"}' '{"userId":2,"x":true}'
	sw -t t -f jsonl -z gzip in.ndjson >m
	f=$(mline m | jq -r .file)
	[ "$f" = "$D/t.L1.0001.jsonl.gz" ]
	[ "$(mline m | jq -r .format)" = jsonl ]
	[ "$(gzip -dc "$f" | jq -c .)" = "$(printf '%s\n' \
	  '{"user_id":1,"a__b":"x","t":[1,{"c":2}],"s":"q\"é"}' '{"user_id":2,"x":true}')" ]
	[ "$(mline m | jq -c '[.columns[].name]')" = '["user_id","a__b","t","s","x"]' ]
}

# ---- look-ahead, rotation, evolution -------------------------------------

@test "a new column after the look-ahead starts a new file with an exact header" {
	input '{"a":1}' '{"a":2}' '{"a":3}' '{"a":4,"b":"new"}' '{"a":5}'
	STAGE_WRITE_LOOKAHEAD=2 sw -t t in.ndjson >m
	[ "$(mline m | jq -c '[.file_id,.rows,[.columns[].name]]')" = \
	  "$(printf '%s\n' '[1,3,["a"]]' '[2,2,["a","b"]]')" ]
	[ "$(cat "$D"/t.L1.0001.csv)" = "$(printf 'a\n1\n2\n3')" ]
	[ "$(cat "$D"/t.L1.0002.csv)" = "$(printf 'a,b\n4,new\n5,')" ]
}

@test "within the look-ahead a late column joins the first file" {
	input '{"a":1}' '{"a":2,"b":"x"}'
	sw -t t in.ndjson >m
	[ "$(mline m | wc -l)" -eq 1 ]
	[ "$(cat "$D"/t.L1.0001.csv)" = "$(printf 'a,b\n1,\n2,x')" ]
}

@test "files rotate by --max-rows" {
	for i in $(seq 10); do echo "{\"i\":$i}"; done | input
	sw -t t --max-rows 3 in.ndjson >m
	[ "$(mline m | jq -c '[.file_id,.rows]' | tr -d '\n')" = '[1,3][2,3][3,3][4,1]' ]
	[ "$(ls "$D")" = "$(printf 't.L1.%04d.csv\n' 1 2 3 4)" ]
	[ "$(tail -1 m | jq -c '[.files,.rows]')" = '[4,10]' ]
	[ "$(cat "$D"/t.L1.0004.csv)" = "$(printf 'i\n10')" ]
}

@test "files rotate by --max-file-size (plain bytes, k suffix)" {
	for i in $(seq 200); do echo "{\"i\":$i,\"s\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"; done | input
	sw -t t --max-file-size 1k in.ndjson >m
	n=$(mline m | wc -l)
	[ "$n" -ge 10 ]
	for f in "$D"/*.csv; do [ "$(wc -c <"$f")" -le 1100 ]; done
	[ "$(mline m | jq -s 'map(.rows)|add')" = 200 ]
	# every row exactly once, in order
	[ "$(for f in "$D"/*.csv; do tail -n +2 "$f"; done | cut -d, -f1 | tr '\n' ' ')" = "$(seq 200 | tr '\n' ' ')" ]
}

@test "a type widens from file to file; each file line gives its own" {
	input '{"v":1}' '{"v":2}' '{"v":2.5}' '{"v":"x"}'
	sw -t t --max-rows 2 in.ndjson >m
	[ "$(mline m | jq -c '.columns[0].type' | tr '\n' ' ')" = '"bigint" "text" ' ]
	input '{"v":1}' '{"v":2}' '{"v":2.5}' '{"v":3}'
	sw -t u --max-rows 2 in.ndjson >m
	[ "$(mline m | jq -c '.columns[0].type' | tr '\n' ' ')" = '"bigint" "decimal" ' ]
}

@test "a widening inside a file after the look-ahead shows in its line" {
	input '{"v":1}' '{"v":2}' '{"v":3.5}'
	STAGE_WRITE_LOOKAHEAD=1 sw -t t in.ndjson >m
	[ "$(mline m | jq -c '[.rows,.columns[0].type]')" = '[3,"decimal"]' ]
}

@test "--table-field splits a stream into tables and drops the field" {
	input '{"kind":"Users","id":1}' '{"kind":"orders","n":5}' '{"kind":"Users","id":2}'
	sw --table-field kind in.ndjson >m
	[ "$(mline m | jq -r '[.table,.rows,(.columns|map(.name)|join(" "))]|@tsv' | sort)" = \
	  "$(printf 'orders\t1\tn\nusers\t2\tid')" ]
	[ "$(tail -1 m | jq -c '[.files,.rows]')" = '[2,3]' ]
	[ "$(cat "$D"/users.L1.*.csv)" = "$(printf 'id\n1\n2')" ]
}

@test "a record without the table field is an error naming the field" {
	input '{"kind":"a","x":1}' '{"x":2}'
	run sw --table-field kind in.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" == *"in.ndjson:2: field 'kind': missing"* ]]
}

# ---- pinned types ----------------------------------------------------------

@test "--column pins a type and refuses values that break it" {
	input '{"age":30}' '{"age":"abc"}'
	run sw -t t --column age:bigint in.ndjson
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "stage-write: in.ndjson:2: field 'age': \"abc\" is not a bigint" ]
	[ -z "$(ls -A "$D")" ]
	[[ "$output" != *'"end":true'* ]]
}

@test "a pinned type wins over inference and converts numeric strings" {
	input '{"age":"42","zip":"01234","id":7}'
	sw -t t --column age:bigint --column zip:text --column Id:text -f jsonl in.ndjson >m
	[ "$(mline m | jq -c '[.columns[]|[.name,.type]]')" = '[["age","bigint"],["zip","text"],["id","text"]]' ]
	[ "$(cat "$D"/t.L1.0001.jsonl)" = '{"age":42,"zip":"01234","id":"7"}' ]
}

@test "an object whose path is pinned to json stays whole" {
	input '{"id":1,"meta":{"a":1,"b":{"c":[2]}},"other":{"x":1}}' '{"id":2,"meta":{}}'
	sw -t t --column meta:json in.ndjson >m
	[ "$(mline m | jq -c '[.columns[]|[.name,.type]]')" = '[["id","bigint"],["meta","json"],["other__x","bigint"]]' ]
	[ "$(csv_rows "$D"/t.L1.0001.csv | sed -n 2p | jq -r '.[1]' | jq -c .)" = '{"a":1,"b":{"c":[2]}}' ]
	[ "$(csv_rows "$D"/t.L1.0001.csv | sed -n 3p | jq -r '.[1]')" = '{}' ]
}

@test "--schema FILE pins types of nested columns by flattened name" {
	echo '{"address__zipCode":"text","n":"double","when":"timestamp"}' >schema.json
	input '{"address":{"zipCode":1234},"n":1,"when":"2024-01-01"}'
	sw -t t --schema schema.json in.ndjson >m
	[ "$(mline m | jq -c '[.columns[]|[.name,.type]]')" = '[["address__zip_code","text"],["n","double"],["when","timestamp"]]' ]
	echo '{"when":"yesterday"}' | input
	run sw -t t --schema schema.json in.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" == *"field 'when': \"yesterday\" is not a timestamp"* ]]
}

@test "a bad --schema file is a usage error" {
	echo '{"a":"integer"}' >s.json
	run sw -t t --schema s.json </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown type 'integer'"* ]]
	echo '[1' >s.json
	run sw -t t --schema s.json </dev/null
	[ "$status" -eq 2 ]
}

# ---- bad input ---------------------------------------------------------------

@test "malformed JSON: error names file and line, exit 1, no end line, no files" {
	for i in $(seq 50); do echo "{\"i\":$i}"; done >in.ndjson
	echo '{"i": 51,' >>in.ndjson
	run sw -t t --max-rows 20 in.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" == *"stage-write: in.ndjson:51: invalid JSON at byte "* ]]
	[[ "$output" != *'"end":true'* ]]
	# the two full files were closed and stay; nothing else, no temporaries
	[ "$(ls -A "$D")" = "$(printf 't.L1.%04d.csv\n' 1 2)" ]
}

@test "a record that is not an object is refused" {
	input '{"a":1}' '[1,2]'
	run sw -t t in.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" == *"in.ndjson:2: record is not a JSON object"* ]]
	[ -z "$(ls -A "$D")" ]
}

@test "invalid UTF-8 is refused" {
	printf '{"a":"ok"}\n{"a":"bad \xff byte"}\n' >in.ndjson
	run sw -t t in.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" == *"in.ndjson:2: invalid JSON at byte 11: invalid UTF-8 in string"* ]]
}

@test "--rejects writes bad lines with their reasons and goes on" {
	printf '%s\n' '{"a":1}' 'nope' '{"a":"x","age":"old"}' '7' '{"a":2}' >in.ndjson
	printf '{"a":"\xff"}\n' >>in.ndjson
	run sw -t t --column age:bigint --rejects rej.ndjson in.ndjson
	[ "$status" -eq 0 ]
	[[ "$output" == *"4 records rejected"* ]]
	[ "$(echo "$output" | grep '"end":true' | jq -c '[.files,.rows]')" = '[1,2]' ]
	[ "$(jq -c '[.source,.line]' rej.ndjson | tr -d '\n')" = '["in.ndjson",2]["in.ndjson",3]["in.ndjson",4]["in.ndjson",6]' ]
	[ "$(sed -n 2p rej.ndjson | jq -r .error)" = "field 'age': \"old\" is not a bigint" ]
	[ "$(sed -n 2p rej.ndjson | jq -r .record)" = '{"a":"x","age":"old"}' ]
	[ "$(sed -n 4p rej.ndjson | jq -r .record)" = '{"a":"�"}' ]
	[ "$(cat "$D"/t.L1.0001.csv)" = "$(printf 'a\n1\n2')" ]
}

@test "line numbers count per input file; - reads stdin" {
	input '{"a":1}'
	run sh -c 'printf "{\"a\":2}\n{bad\n" | stage-write -d "$1" -t t in.ndjson -' sh "$D"
	[ "$status" -eq 1 ]
	[[ "$output" == *"stage-write: stdin:2: invalid JSON"* ]]
	input '{"a":1}'
	printf '{"a":2}\n' >two.ndjson
	sw -t t in.ndjson two.ndjson >m
	[ "$(cat "$D"/t.L1.0001.csv)" = "$(printf 'a\n1\n2')" ]
}

@test "a missing input file is a usage error (exit 2) and leaves no file" {
	input '{"a":1}'
	run sw -t t in.ndjson nonexistent.ndjson
	[ "$status" -eq 2 ]
	[[ "$output" == *"nonexistent.ndjson: No such file"* ]]
	[ -z "$(ls -A "$D")" ]
}

@test "SIGTERM removes the temporaries of open files" {
	mkfifo fifo
	stage-write -d "$D" --load-id L1 -t t fifo >m 2>err &
	pid=$!
	exec 5>fifo
	for i in $(seq 20); do echo "{\"i\":$i}" >&5; done
	for _ in $(seq 50); do
		ls -A "$D" 2>/dev/null | grep -q stage-tmp && break
		sleep 0.1
	done
	ls -A "$D" | grep -q stage-tmp
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	exec 5>&-
	[ "$status" -eq 143 ]
	[ -z "$(ls -A "$D")" ]
	[ ! -s m ]
}

@test "SIGINT removes the temporaries too (gzip, compressing thread)" {
	mkfifo fifo
	# a background job of a non-interactive shell starts with SIGINT
	# ignored, and stage-write leaves it so: give it SIGINT back
	( trap - INT; exec stage-write -d "$D" --load-id L1 -t t -z gzip fifo >m 2>err ) &
	pid=$!
	exec 5>fifo
	echo '{"i":1}' >&5
	for _ in $(seq 50); do
		ls -A "$D" 2>/dev/null | grep -q stage-tmp && break
		sleep 0.1
	done
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	exec 5>&-
	[ "$status" -eq 130 ]
	[ -z "$(ls -A "$D")" ]
}

# ---- size ------------------------------------------------------------------

@test "a 30 MB line works" {
	python3 -c 'import json; print(json.dumps({"id": 1, "blob": "x" * 30_000_000, "arr": list(range(100000))}))' >in.ndjson
	echo '{"id":2}' >>in.ndjson
	sw -t t in.ndjson >m
	[ "$(mline m | jq .rows)" = 2 ]
	[ "$(sed -n 2p "$D"/t.L1.0001.csv | cut -d, -f2 | wc -c)" -eq 30000001 ]
}

@test "memory stays flat: 400k rows in well under 64 MB of RSS" {
	python3 -c '
import json
for i in range(400000):
    print(json.dumps({"id": i, "name": "n%d" % i, "v": i * 0.5, "o": {"k": [i]}}))' >in.ndjson
	[ -x /usr/bin/time ] || skip "no /usr/bin/time"
	/usr/bin/time -f %M -o rss stage-write -d "$D" --load-id L1 -t t -z gzip in.ndjson >m
	[ "$(tail -1 m | jq .rows)" = 400000 ]
	[ "$(cat rss)" -lt 65536 ]
}

# ---- docs and completions ----------------------------------------------------

@test "the man pages are lint-clean" {
	command -v mandoc >/dev/null || skip "no mandoc"
	run mandoc -T lint -W warning "$STAGE_TOP/man/stage-write.1" "$STAGE_TOP/man/stage-manifest.5"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "every long option is in the man page and in all three completions" {
	opts=$(stage-write -h | grep -o -- '--[a-z-]*' | sort -u)
	[ -n "$opts" ]
	for o in $opts --format --compression --dir --table --verbose --quiet --help --version; do
		grep -q -- "Fl Fl ${o#--}" "$STAGE_TOP/man/stage-write.1" ||
		grep -q -- "Fl ., Fl Fl ${o#--}" "$STAGE_TOP/man/stage-write.1"
		grep -q -- "$o" "$STAGE_TOP/completions/bash/stage-write"
		grep -q -- "$o" "$STAGE_TOP/completions/zsh/_stage-write"
		grep -q -- "-l ${o#--}" "$STAGE_TOP/completions/fish/stage-write.fish"
	done
}

@test "bash completion completes options and their values" {
	run bash -c '
		source "$1"
		COMP_WORDS=(stage-write --disp); COMP_CWORD=1; _stage_write
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(stage-write --disposition m); COMP_CWORD=2; _stage_write
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(stage-write -z ""); COMP_CWORD=2; _stage_write
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(stage-write --column age:big); COMP_CWORD=2; _stage_write
		echo "${COMPREPLY[*]}"
		COMP_WORDS=(stage-write -f j); COMP_CWORD=2; _stage_write
		echo "${COMPREPLY[*]}"
	' bash "$STAGE_TOP/completions/bash/stage-write"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "--disposition" ]
	[ "${lines[1]}" = "merge" ]
	[ "${lines[2]}" = "none gzip zstd snappy" ]
	[ "${lines[3]}" = "age:bigint" ]
	[ "${lines[4]}" = "jsonl" ]
}

@test "the man page's checking example verifies the files" {
	input '{"a":1}'
	sw -t t -z zstd in.ndjson >m.ndjson
	cd "$T"
	run sh -c "jq -r 'select(.file) | \"\\(.sha256)  \\(.file)\"' m.ndjson | sha256sum -c"
	[ "$status" -eq 0 ]
	[[ "$output" == *": OK" ]]
}
