#!/usr/bin/env bats
# stage-write's names and values that no destination could take as they
# are (issue 16, items 1 and 16): long names shortened the way dlt shortens
# them, blank, non-ASCII-only and bookkeeping names refused, \u0000 and
# numbers no double holds.  The loads themselves: f16-names-dest.bats.

load helpers/stage-write.bash

setup() { sw_setup; }
teardown() { sw_teardown; }

L63=a_very_long_table_name_that_goes_on_and_on_beyond_the_limit_of_postgres

@test "unit: long names shortened with dlt's tag; reserved and unnamed names" {
	run "$STAGE_UNITS/ident_shorten_test"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "two table names agreeing on their first 63 bytes get two names of 63 bytes, dlt's" {
	run sw -t "${L63}_one" </dev/null
	[ "$status" -eq 0 ]
	echo '{"a":1}' | sw -t "${L63}_one" >one.ndjson
	echo '{"a":1}' | sw -t "${L63}_two" >two.ndjson
	[ "$(jq -r 'select(.table) | .table' one.ndjson)" = a_very_long_table_name_that_gefxfgqnd_the_limit_of_postgres_one ]
	[ "$(jq -r 'select(.table) | .table' two.ndjson)" = a_very_long_table_name_that_gnlcqlgnd_the_limit_of_postgres_two ]
}

@test "long column names, flattened too, are shortened; names agreeing on 63 bytes stay two columns" {
	echo "{\"${L63}_one\":1,\"${L63}_two\":2,\"parent_object_with_a_fairly_long_name\":{\"child_field_with_an_even_longer_name_here\":3}}" |
		sw -t t >m.ndjson
	run jq -r 'select(.columns) | .columns[].name' m.ndjson
	echo "$output"
	[ "${lines[0]}" = a_very_long_table_name_that_gefxfgqnd_the_limit_of_postgres_one ]
	[ "${lines[1]}" = a_very_long_table_name_that_gnlcqlgnd_the_limit_of_postgres_two ]
	[ "${lines[2]}" = parent_object_with_a_fairly_lenldjgith_an_even_longer_name_here ]
	# the CSV header carries the same names
	head -1 "$(jq -r 'select(.file) | .file' m.ndjson)" | grep -q 'parent_object_with_a_fairly_lenldjgith_an_even_longer_name_here'
	# and --primary-key names the flattened column by its path
	echo '{"parent_object_with_a_fairly_long_name":{"child_field_with_an_even_longer_name_here":3}}' |
		sw -t t --primary-key parent_object_with_a_fairly_long_name__child_field_with_an_even_longer_name_here >pk.ndjson
	[ "$(jq -r 'select(.columns) | .primary_key[0]' pk.ndjson)" = parent_object_with_a_fairly_lenldjgith_an_even_longer_name_here ]
}

@test "a long dataset is shortened to 55 bytes, so that its _staging dataset fits in 63" {
	echo '{"a":1}' | sw -t t --dataset "${L63}_one" >m.ndjson
	ds=$(jq -r 'select(.dataset) | .dataset' m.ndjson)
	[ "$ds" = a_very_long_table_name_thefxfgqhe_limit_of_postgres_one ]
	[ "${#ds}" -eq 55 ]
}

@test "-t '' and -t '日本語' are refused (they were both table x), exit 2, nothing written" {
	run sw -t '' <<<'{"a":1}'
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == "stage-write: -t: '' is empty" ]]
	run sw -t '  ' <<<'{"a":1}'
	[ "$status" -eq 2 ]
	run sw -t '日本語' <<<'{"a":1}'
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == "stage-write: -t: '日本語' holds no ASCII letter or digit"* ]]
	[ ! -e "$D" ] || [ -z "$(ls -A "$D")" ]
}

@test "bookkeeping table names are refused as -t, exit 2" {
	for t in _dlt_loads _stage_files _stage_loads _dlt_version _DLT_LOADS; do
		run sw -t "$t" <<<'{"a":1}'
		echo "$t: $output"
		[ "$status" -eq 2 ]
		[[ "$output" == "stage-write: -t: '$t' (normalized: "*") is reserved: "* ]]
	done
}

@test "a dataset named X_staging, empty or blank is refused, exit 2" {
	run sw -t t --dataset shop_staging <<<'{"a":1}'
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"dataset: 'shop_staging' (normalized: shop_staging) is reserved: a name ending in _staging"* ]]
	run sw -t t --dataset ' ' <<<'{"a":1}'
	[ "$status" -eq 2 ]
	STAGE_DATASET='!!' run sw -t t <<<'{"a":1}'
	[ "$status" -eq 2 ]
}

@test "--table-field: bookkeeping, blank and non-ASCII-only table names are refused with file, line and field" {
	input '{"t":"users","a":1}' '{"t":"_dlt_loads","a":2}'
	run sw --table-field t in.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"stage-write: in.ndjson:2: field 't': table name '_dlt_loads' is reserved: "* ]]
	input '{"t":"日本語","a":1}'
	run sw --table-field t in.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" == *"in.ndjson:1: field 't': table name '日本語' holds no ASCII letter or digit"* ]]
	input '{"t":" ","a":1}'
	run sw --table-field t in.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" == *"in.ndjson:1: field 't': table name ' ' is empty"* ]]
}

@test "--table-field with --rejects: the bad records go to the rejects file, the good ones load" {
	input '{"t":"users","a":1}' '{"t":"_stage_files","a":2}' '{"t":"_dlt_version","a":3}' \
		'{"t":"中文","a":4}' '{"t":"users","a":5}'
	run sw --table-field t --rejects rej.ndjson in.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.table) | .table' <<<"$output" | sort -u)" = users ]
	[ "$(jq -r 'select(.end) | .rows' <<<"$output")" = 2 ]
	[ "$(jq -r .line rej.ndjson | tr '\n' ' ')" = "2 3 4 " ]
	[ "$(jq -r .source rej.ndjson | sort -u)" = in.ndjson ]
}

@test "columns _dlt_id, _dlt_load_id and _stage_row are refused with file, line and field" {
	for c in _dlt_id _dlt_load_id _stage_row _DLT_ID; do
		input '{"id":1}' "{\"id\":2,\"$c\":\"x\"}"
		run sw -t t in.ndjson
		echo "$c: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"stage-write: in.ndjson:2: field '$c': column name "*" is reserved: "* ]]
	done
	input '{"id":1,"_dlt_id":"x"}' '{"id":2}'
	run sw -t t --rejects rej.ndjson in.ndjson
	[ "$status" -eq 0 ]
	[ "$(jq -r .line rej.ndjson)" = 1 ]
	[ "$(jq -r 'select(.end) | .rows' <<<"$output")" = 1 ]
}

@test "a \\u0000 in a string or a json value is refused with file, line and field; an escaped backslash before u0000 is not" {
	input '{"id":1,"s":"a\u0000b"}'
	run sw -t t in.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"stage-write: in.ndjson:1: field 's': holds \\u0000 (NUL)"* ]]
	input '{"id":1,"j":["x","\u0000"]}'
	run sw -t t in.ndjson
	[ "$status" -eq 1 ]
	[[ "$output" == *"in.ndjson:1: field 'j': holds \\u0000"* ]]
	input '{"id":1,"s":"a\\u0000b"}'
	run sw -t t in.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.end) | .rows' <<<"$output")" = 1 ]
}

@test "numbers no double holds (1e400, 2e308, 1e-400) make a decimal column, even beside doubles; pinned double refuses them" {
	input '{"a":1.5,"b":1e-400,"c":2e308}' '{"a":1e400,"b":2.5,"c":1}'
	run sw -t t in.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.columns) | [.columns[].type] | join(",")' <<<"$output")" = decimal,decimal,decimal ]
	input '{"a":1e-400}'
	run sw -t t --column a:double in.ndjson
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"in.ndjson:1: field 'a': 1e-400 is not a double"* ]]
	# a subnormal double and a zero are doubles
	input '{"a":5e-324,"b":0e-400}'
	run sw -t t in.ndjson
	[ "$(jq -r 'select(.columns) | [.columns[].type] | join(",")' <<<"$output")" = double,double ]
}

@test "--primary-key, --merge-key and --column naming a bookkeeping column are usage errors" {
	run sw -t t --primary-key _dlt_id </dev/null
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == "stage-write: --primary-key: _dlt_id is reserved: "* ]]
	run sw -t t --merge-key _stage_row </dev/null
	[ "$status" -eq 2 ]
	run sw -t t --column _dlt_load_id:text </dev/null
	[ "$status" -eq 2 ]
}
