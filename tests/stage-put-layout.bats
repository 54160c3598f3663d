#!/usr/bin/env bats
# stage-put --layout: dlt's placeholders, the load's time among them, and
# the layout key of [destination.filesystem].  A local bucket is enough:
# the object names are the storage's business only after the layout made
# them.

bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T"
	printf 'id\n1\n' >f.csv
}

# manifest LOAD_ID: one file line and its end line.
manifest() {
	local sha
	sha=$(sha256sum f.csv | cut -c1-64)
	printf '{"v":1,"load_id":"%s","dataset":"ds","table":"users","file":"%s","sha256":"%s","bytes":4,"rows":1,"format":"csv","compression":"none","file_id":3}\n' \
		"$1" "$T/f.csv" "$sha"
	printf '{"v":1,"end":true,"load_id":"%s","files":1,"rows":1}\n' "$1"
}

# url: the url member of the first line of $output.
url() {
	head -1 <<<"$output" | jq -r .url
}

@test "layout: date placeholders take the load's time in UTC, as dlt's do" {
	manifest 1764979199.500123 >in.ndjson
	run -0 stage-put -b "$T/b" --layout \
		'{YYYY}/{YY}/{Y}/{Q}/{MMMM}/{MMM}/{MM}/{M}/{DD}/{D}/{dddd}/{ddd}/{dd}/{d}/{HH}/{H}/{mm}/{m}/{ss}/{s}/{SSSS}/{SSS}/{SS}/{S}/{curr_date}/{timestamp}/{timestamp_ms}/{load_package_timestamp}/{load_package_timestamp_ms}/{schema_name}.{table_name}.{file_id}.{ext}' \
		in.ndjson
	[ "$(url)" = "file://$T/b/2025/25/2025/4/december/dec/12/12/05/5/friday/fri/fr/5/23/23/59/59/59/59/5001/500/50/5/2025-12-05/1764979199/1764979199500/1764979199/1764979199500/ds.users.3.csv" ]
	cmp f.csv "$(url | sed 's|^file://||')"
}

@test "layout: one-digit forms are not padded; a re-run names the file the same and skips it" {
	manifest 1704067205.05 >in.ndjson
	run -0 stage-put -b "$T/b" --layout '{Y}-{M}-{D}T{H}:{m}:{s}.{S}{SSSS}/{dd}{d}/{file_name}' in.ndjson
	[ "$(url)" = "file://$T/b/2024-1-1T0:0:5.00500/mo1/f.csv" ]
	first=$(url)
	run -0 stage-put -b "$T/b" --layout '{Y}-{M}-{D}T{H}:{m}:{s}.{S}{SSSS}/{dd}{d}/{file_name}' in.ndjson
	[ "$(url)" = "$first" ]
	[ "$(find b -type f | wc -l)" -eq 1 ]
}

@test "layout: a date placeholder with a load id that is not a time is refused, naming the line" {
	manifest nightly-7 >in.ndjson
	run --separate-stderr stage-put -b "$T/b" --layout '{YYYY}/{table_name}.{file_id}' in.ndjson
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"in.ndjson:1: field 'load_id' is not a time"* ]]
	[ -z "$output" ]
	[ ! -e b/nightly-7 ]
}

@test "layout: [destination.filesystem] layout in .dlt/config.toml, --layout over it" {
	mkdir .dlt
	printf '[destination.filesystem]\nlayout = "{schema_name}/{curr_date}/{table_name}.{file_id}.{ext}"\n' >.dlt/config.toml
	manifest 1764979199.5 >in.ndjson
	run -0 stage-put -b "$T/b" in.ndjson
	[ "$(url)" = "file://$T/b/ds/2025-12-05/users.3.csv" ]
	run -0 stage-put -b "$T/b" --layout '{table_name}-{file_id}.{ext}' in.ndjson
	[ "$(url)" = "file://$T/b/users-3.csv" ]
	DESTINATION__FILESYSTEM__LAYOUT='{load_id}/{file_id}' run -0 stage-put -b "$T/b" in.ndjson
	[ "$(url)" = "file://$T/b/1764979199.5/3" ]
}

@test "layout: an unknown placeholder is a usage error naming the known ones" {
	run --separate-stderr stage-put -b "$T/b" --layout '{table_name}/{YYYYY}' </dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"unknown placeholder"*"{YYYY}"*"{curr_date}"* ]]
	mkdir .dlt
	printf '[destination.filesystem]\nlayout = "{nope}"\n' >.dlt/config.toml
	run -2 stage-put -b "$T/b" </dev/null
}
