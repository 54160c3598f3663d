#!/usr/bin/env bats
# Issue 21: bench/e2e-svg, the chart of bench/40-e2e.sh the README shows:
# a bar per tool and run, and the load averages the runs started under,
# so that a chart from a shared machine shows it.

@test "e2e-svg: a bar per run with its seconds and memory, the range of the load averages under them" {
	run sh -c "printf 'stage empty 3.10 12 2.41\nstage again 4.02 12 3.05\nsling empty 18.4 135 1.97\n' | '$STAGE_TOP/bench/e2e-svg' 1000000 2"
	[ "$status" -eq 0 ]
	[ "$(grep -c '<rect x=' <<<"$output")" -eq 3 ]
	[[ "$output" == *">3.1 s, 12 MiB<"* ]]
	[[ "$output" == *">18.4 s, 135 MiB<"* ]]
	[[ "$output" == *"load average as each run started: 1.97 to 3.05 on 2 cores"* ]]
	python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.read())' <<<"$output"
}

@test "e2e-svg: results without load averages (an older bench, or no /proc/loadavg) give no such line" {
	run sh -c "printf 'stage empty 3.10 12\nstage again 4.02 12 -\n' | '$STAGE_TOP/bench/e2e-svg' 1000000"
	[ "$status" -eq 0 ]
	[[ "$output" != *"load average"* ]]
	[ "$(grep -c '<rect x=' <<<"$output")" -eq 2 ]
}
