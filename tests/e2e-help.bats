#!/usr/bin/env bats
# --help as a first-time user reads it: every program prints its synopsis,
# a line on what it does and one line per option, each option of its man
# page, on stdout, exit 0.

@test "every program's --help explains every long option its man page documents" {
	local p o
	for p in stage-write stage-put stage-copy stage-merge; do
		run "$p" --help
		[ "$status" -eq 0 ]
		[[ ${lines[0]} == "usage: $p "* ]]
		for o in $(grep -o 'Fl Fl [a-z][a-z-]*\|^\.It Fl -[a-z][a-z-]*' "$STAGE_TOP/man/$p.1" |
			sed 's/.*Fl -*/--/' | sort -u); do
			grep -q -- "^ .*$o[ =]" <<<"$output" ||
				grep -q -- "^ .*$o\$" <<<"$output" ||
				{ echo "$p --help does not explain $o"; return 1; }
		done
	done
}
