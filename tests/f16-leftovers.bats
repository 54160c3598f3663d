#!/usr/bin/env bats
# Temporaries a SIGKILL leaves (.<name>.stage-tmp.<pid>.XXXXXX): the next
# run into the same directory removes those of writers that are gone, and
# never those of a writer that is still running.

load helpers/stage-write.bash
load helpers/manifest.bash

setup() { sw_setup; }
teardown() {
	[ -z "${pid:-}" ] || kill -9 "$pid" 2>/dev/null || true
	exec 5>&- 2>/dev/null || true
	sw_teardown
}

# wait_tmp DIR: until a temporary shows in DIR (5 s at most).
wait_tmp() {
	for _ in $(seq 50); do
		tmps "$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

tmps() { find "$1" -name '.*stage-tmp*' 2>/dev/null; }

# A stage-write into $D fed through a fifo, left running with a file open.
start_writer() {
	mkfifo "$T/fifo"
	stage-write -d "$D" --load-id "$1" -t t "$T/fifo" >"$T/$1.m" 2>"$T/$1.err" &
	pid=$!
	exec 5>"$T/fifo"
	for i in $(seq 20); do echo "{\"i\":$i}" >&5; done
	wait_tmp "$D"
}

@test "a SIGKILLed stage-write's temporaries are removed by the next run into its directory" {
	start_writer L1
	kill -9 "$pid"
	wait "$pid" || true
	pid=
	exec 5>&-
	left=$(tmps "$D")
	[ -n "$left" ]
	run stage-write -v -d "$D" --load-id L2 -t u <<<'{"a":1}'
	[ "$status" -eq 0 ]
	[[ "$output" == *"a temporary of a process that is gone"* ]]
	[ -z "$(tmps "$D")" ]
	[ "$(ls "$D")" = u.L2.0001.csv ]
}

@test "a running stage-write's temporaries are left alone by another run, and its files come out whole" {
	start_writer L1
	run stage-write -d "$D" --load-id L2 -t u <<<'{"a":1}'
	[ "$status" -eq 0 ]
	[ -n "$(tmps "$D")" ]
	for i in $(seq 21 30); do echo "{\"i\":$i}" >&5; done
	exec 5>&-
	wait "$pid"
	pid=
	[ -z "$(tmps "$D")" ]
	f=$(mline "$T/L1.m" | jq -r .file)
	[ "$(csv_rows "$f" | wc -l)" -eq 31 ]
}

@test "a SIGKILLed stage-put's temporary in a local bucket is removed by the re-run" {
	printf 'id\n1\n2\n' >"$T/f.csv"
	mkfifo "$T/fifo.csv"
	{ fline L1 t append "$T/f.csv" 2 '[["id","bigint"]]' '.file_id=1 | del(.url)'; eline L1 1 2; } >"$T/m"
	# The same line, reading its bytes from a fifo that never ends.
	jq -c --arg f "$T/fifo.csv" 'if .file then .file = $f else . end' "$T/m" >"$T/m-fifo"
	STAGE_NO_FASTCOPY=1 stage-put -b "$T/bucket" "$T/m-fifo" >/dev/null 2>&1 &
	pid=$!
	exec 5>"$T/fifo.csv"
	printf 'id\n1\n' >&5
	wait_tmp "$T/bucket"
	kill -9 "$pid"
	wait "$pid" || true
	pid=
	exec 5>&-
	[ -n "$(tmps "$T/bucket")" ]
	run stage-put -v -b "$T/bucket" "$T/m"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"a temporary of a process that is gone"* ]]
	[ -z "$(tmps "$T/bucket")" ]
	obj=$(grep '^{' <<<"$output" | jq -r 'select(.url) | .url')
	cmp "${obj#file://}" "$T/f.csv"
}

@test "unit: atomic_sweep removes only dead writers' temporaries" {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
	run "$STAGE_UNITS/atomic_sweep_test"
	echo "$output"
	[ "$status" -eq 0 ]
}
