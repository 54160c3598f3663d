#!/usr/bin/env bats
# The synopsis is made from each program's option table (cliopt.h): the
# usage line of --help and of a usage error names every option of the
# table but --help and --version, and each man page's SYNOPSIS and
# OPTIONS name the same options as the table, and no others.

bats_require_minimum_version 1.5.0

PROGS="stage-write stage-put stage-copy stage-merge"

# "letter long" per option of PROG's table, from the completion its
# table generates.
table() {
	"$1" --completion=fish | sed -nE 's/.* -l ([a-z0-9-]+).*/\1/p' | sort -u
}

# The long names of the options that the text on stdin names: --long
# as it is, -abc as the options of letters a, b and c.
names_in() {
	local prog=$1 w
	grep -oE -- '(^|[][ (|,])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[][ (|,]//' |
	while read -r w; do
		if [[ $w == --* ]]; then
			echo "${w#--}"
		else
			for ((i = 1; i < ${#w}; i++)); do
				"$prog" --completion=fish |
					sed -nE "s/.* -s ${w:i:1} -l ([a-z0-9-]+).*/\\1/p"
			done
		fi
	done | sort -u
}

# The man page as a reader sees it; its section NAME (SYNOPSIS, OPTIONS).
man_section() {
	mandoc -T ascii "$STAGE_TOP/man/$1.1" | sed 's/.\x08//g' |
		sed -n "/^$2\$/,/^[A-Z]/{/^[A-Z]/d;p}"
}

# The usage lines of --help: up to the line that is not indented.
help_synopsis() {
	"$1" --help | sed -n '1p;2,${/^ /!q;p}'
}

@test "--help's synopsis names every option of the table but --help and --version" {
	for p in $PROGS; do
		want=$(table "$p" | grep -vxE 'help|version')
		got=$(help_synopsis "$p" | names_in "$p")
		diff -u <(echo "$want") <(echo "$got") || { echo "$p"; false; }
	done
}

@test "a usage error prints the same synopsis as --help" {
	for p in $PROGS; do
		run --separate-stderr "$p" --no-such-option
		[ "$status" -eq 2 ]
		diff -u <(help_synopsis "$p") <(grep -v "^$p:" <<<"$stderr")
	done
}

@test "the synopsis wraps at 78 columns, its lines indented under the first option" {
	for p in $PROGS; do
		help_synopsis "$p" > "$BATS_TEST_TMPDIR/syn"
		[ "$(awk '{ if (length > 78) n++ } END { print n + 0 }' "$BATS_TEST_TMPDIR/syn")" -eq 0 ]
		indent=$(printf "%$(( ${#p} + 8 ))s" "")
		sed 1d "$BATS_TEST_TMPDIR/syn" | while IFS= read -r l; do
			[[ $l == "$indent["* || $l == "$indent("* ]] || { echo "$p: '$l'"; false; }
		done
	done
}

@test "stage-write's synopsis says that -t or --table-field is required, and lists them once" {
	run stage-write --help
	[[ ${lines[0]} == "usage: stage-write (-t table | --table-field name) "* ]]
	[ "$(help_synopsis stage-write | grep -oc -- '--table-field')" -eq 1 ]
	! help_synopsis stage-write | grep -q -- '\[-t '
}

@test "each man page's SYNOPSIS names the options of --help's synopsis, and no others" {
	for p in $PROGS; do
		want=$(help_synopsis "$p" | names_in "$p")
		got=$(man_section "$p" SYNOPSIS | names_in "$p")
		diff -u <(echo "$want") <(echo "$got") || { echo "$p(1) SYNOPSIS"; false; }
	done
}

@test "each man page's OPTIONS describes every option of the table, and no others" {
	for p in $PROGS; do
		want=$(table "$p")
		got=$(man_section "$p" OPTIONS | grep -E '^ {5}-' | names_in "$p")
		diff -u <(echo "$want") <(echo "$got") || { echo "$p(1) OPTIONS"; false; }
	done
}
