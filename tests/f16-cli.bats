#!/usr/bin/env bats
# Issue 16, items 17 and 18: the four programs agree on what their options,
# operands and exit statuses mean, and a typo is an error that names the
# nearest valid spelling, never a silent change of the result.

bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T"
	export STAGE_SQLITE_PATH=$T/stage.db
	printf '{"id":1}\n' >in.ndjson
	stage-write -t t -d "$T/files" --load-id L1 in.ndjson >m
}

@test "f16-18: a --part-size that overflows is refused by stage-put as by stage-write (exit 2)" {
	run -2 stage-put --part-size 17592186044432M -b "$T/b" m
	[[ "$output" == *"--part-size: too large: '17592186044432M'"* ]]
	[ ! -e "$T/b" ]
	run -2 stage-write -t t --max-file-size 17592186044432M in.ndjson
	[[ "$output" == *"--max-file-size: too large: '17592186044432M'"* ]]
	run -2 stage-put --multipart-threshold 99999999999999999999 -b "$T/b" m
	[[ "$output" == *"too large"* ]]
	run -2 stage-put --part-size 16X -b "$T/b" m
	[[ "$output" == *"--part-size: not a size: '16X'"* ]]
	# the spellings both took before still mean the same
	run -0 stage-put --part-size 16MiB --multipart-threshold 64MB -b "$T/b" m
}

@test "f16-18: a missing input file is exit 2 in all four programs, before anything is done" {
	run -2 stage-write -t t -d "$T/files2" in.ndjson missing.ndjson
	[[ "$output" == *"missing.ndjson: No such file or directory"* ]]
	[ ! -e "$T/files2" ]
	run -2 stage-put -b "$T/b" m missing.ndjson
	[[ "$output" == *"stage-put: missing.ndjson: No such file or directory"* ]]
	[ ! -e "$T/b" ]
	run -2 stage-copy m missing.ndjson
	[[ "$output" == *"stage-copy: missing.ndjson: No such file or directory"* ]]
	[ ! -e "$T/stage.db" ]
	run -2 stage-merge m missing.ndjson
	[[ "$output" == *"stage-merge: missing.ndjson: No such file or directory"* ]]
	[ ! -e "$T/stage.db" ]
}

@test "f16-18: -q keeps the error of an incomplete manifest in stage-put, stage-copy and stage-merge" {
	head -1 m >part
	run -3 stage-put -q -b "$T/b" part
	[[ "$output" == *"stage-put: input ended without an end line for every load: 1 file stored"* ]]
	run -3 stage-copy -q part
	[[ "$output" == *"stage-copy: input ends without the end line of a load"* ]]
	run -3 stage-merge -q part
	[[ "$output" == *"stage-merge: load L1 has no end line"* ]]
}

@test "f16-18: stage-put says no file was stored when none was" {
	run -3 stage-put -b "$T/b" </dev/null
	[[ "$output" == *"no manifest lines in the input"* ]]
	[[ "$output" != *stored* ]]
}

@test "f16-18: a closed stdout is an error with a message in all four; a reader gone (EPIPE) ends quietly with 1" {
	stage-put -b "$T/b" m >put
	for p in "stage-write -t t -d $T/files3 in.ndjson" "stage-put -b $T/b m" "stage-copy m" "stage-merge put"; do
		run bash -c "$p >&-"
		echo "$p: $status $output"
		[ "$status" -eq 2 ]
		[[ "$output" == *"stdout is closed"* ]]
	done
	[ ! -e "$T/files3" ]
	stage-copy m >/dev/null
	for p in "stage-write -t t -d $T/files4 in.ndjson" "stage-put -b $T/b m" "stage-copy m" "stage-merge put"; do
		run bash -c "exec 3>&1; { sleep 0.3; $p 2>&3; echo \"rc=\$?\" >&3; } | true"
		echo "$p: $output"
		[ "$output" = "rc=1" ]
	done
}

@test "f16-18: stage-write started with SIGINT ignored keeps it ignored" {
	mkfifo fifo
	( trap '' INT; exec stage-write -t t -d "$T/files5" --load-id L2 fifo >out 2>err ) &
	pid=$!
	exec 4>fifo
	printf '{"id":1}\n' >&4
	sleep 0.3
	kill -INT "$pid"
	sleep 0.3
	kill -0 "$pid"		# still running
	printf '{"id":2}\n' >&4
	exec 4>&-
	wait "$pid"
	[ "$(grep -c '"end":true' out)" = 1 ]
	[ "$(jq -s '.[0].rows' out)" = 2 ]
}

# a merge load of three rows with a "deleted" flag, copied into the
# default SQLite destination
merge_load() {
	printf '{"id":1,"v":1,"deleted":false}\n{"id":1,"v":2,"deleted":false}\n{"id":2,"v":3,"deleted":true}\n' |
		stage-write -t u -d "$T/files" --load-id L9 --disposition merge \
		--primary-key id >mm
	stage-copy mm >cm
}

@test "f16-17: --hard-delete and --dedup-sort with a near miss of a column are errors naming it (exit 2)" {
	merge_load
	run -2 stage-merge --hard-delete delted cm
	[[ "$output" == *"--hard-delete delted: no merge table of the input has that column (did you mean deleted?)"* ]]
	[[ "$output" != *'"merged"'* ]]
	run -2 stage-merge --dedup-sort vv:desc cm
	[[ "$output" == *"--dedup-sort vv: no merge table of the input has that column (did you mean v?)"* ]]
	# nothing was merged: the right spelling merges now
	run -0 stage-merge --hard-delete deleted --dedup-sort v:desc cm
	[ "$(jq -s -c '[.[] | select(.merged) | .merged.rows]' <<<"$output")" = '[1]' ]
	[ "$(sqlite3 "$T/stage__stage_dataset.db" 'SELECT id, v FROM u')" = '1|2' ]
}

@test "f16-17: a --dedup-sort column like no column of the input is said, with the columns there are" {
	merge_load
	run -0 stage-merge --dedup-sort nope:desc cm
	[[ "$output" == *"stage-merge: --dedup-sort nope: no merge table of the input has that column (columns: id, v, deleted): not used in this run"* ]]
	[ "$(sqlite3 "$T/stage__stage_dataset.db" 'SELECT id, v FROM u ORDER BY id')" = '1|2
2|3' ]
}

@test "f16-17: stage-put -b s3:/bucket is refused with a hint, no ./s3: directory is made" {
	run -2 stage-put -b s3:/bucket m
	[[ "$output" == *"s3:/bucket: not a URL (did you mean s3://bucket?)"* ]]
	[ ! -e "$T/s3:" ]
	run -2 stage-put -b s4://bucket m
	# every scheme of the back-end table is listed (gs since issue 20)
	[[ "$output" == *"unknown storage scheme 's4' (known: file, s3, "*"); did you mean s3://?"* ]]
	[[ "$output" == *"(known: "*"gs"*")"* ]]
	# a local directory of that name can still be had
	run -0 stage-put -b ./s3:bucket m
	[ -d "$T/s3:bucket" ]
}

@test "f16-17: stage-put -b with a missing parent directory is refused, nothing made" {
	run -2 stage-put -b "$T/nonexistent/deep" m
	[[ "$output" == *"$T/nonexistent/deep: its parent directory $T/nonexistent does not exist"* ]]
	[ ! -e "$T/nonexistent" ]
	# the bucket directory itself is still made
	run -0 stage-put -b "$T/newbucket" m
	[ -d "$T/newbucket" ]
}

@test "f16-17: a misspelled [destination.filesytem] section is named with the nearest valid one" {
	mkdir .dlt
	printf '[destination.filesytem]\nbucket_url = "%s/cfgbucket"\n' "$T" >.dlt/config.toml
	run -0 stage-put m
	[[ "$output" == *".dlt/config.toml:2: [destination.filesytem] is not a section stage reads, and is ignored: did you mean [destination.filesystem]?"* ]]
	[ "$(grep -c 'is not a section' <<<"$output")" = 1 ]
	rm .dlt/config.toml
	DESTINATION__POSTGRESS__CREDENTIALS=postgresql://x/y run -0 stage-put -b "$T/b" m
	[[ "$output" == *"the environment: [destination.postgress] is not a section stage reads, and is ignored: did you mean [destination.postgres]?"* ]]
	# any name with a destination_type is a destination
	printf '[destination.mypg]\ndestination_type = "postgres"\n[destination.postgress]\ndestination_type = "postgres"\n' >.dlt/config.toml
	run -0 stage-put -b "$T/b" m
	[[ "$output" != *"is not a section"* ]]
}

@test "f16-17: an unknown destination type lists the known ones and the nearest" {
	run -2 stage-copy -D postgress://h/db m
	[[ "$output" == *"postgress: unknown destination type (known: sqlite, postgres, postgresql, snowflake; did you mean postgres?)"* ]]
	run -2 stage-merge -D mysql m
	[[ "$output" == *"known: sqlite, postgres, postgresql, snowflake"* ]]
}

@test "f16-17: an unknown long option is a usage error naming the nearest option" {
	run -2 stage-merge --hardelete deleted m
	[[ "$output" == *"stage-merge: did you mean --hard-delete?"* ]]
	run -2 stage-put --part-sise 5M m
	[[ "$output" == *"stage-put: did you mean --part-size?"* ]]
	run -2 stage-copy --destinaton x m
	[[ "$output" == *"stage-copy: did you mean --destination?"* ]]
	run -2 stage-write --tabel t in.ndjson
	[[ "$output" == *"stage-write: did you mean --table?"* ]]
	run -2 stage-merge --zzz m
	[[ "$output" != *"did you mean"* ]]
}
