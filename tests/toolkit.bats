#!/usr/bin/env bats
# The Unix toolkit finish, checked the same way for all four programs:
# usage and exit statuses, --help and --version, options that cannot drift
# between --help, the man page and the bash, zsh and fish completions,
# bash completion at work, the progress line and -q, and make install.

bats_require_minimum_version 1.5.0

PROGS="stage-write stage-put stage-copy stage-merge"

setup() {
	W=$BATS_TEST_TMPDIR
	cd "$W"
	export HOME=$W/home DLT_PROJECT_DIR=$W/project
	mkdir -p "$HOME" "$DLT_PROJECT_DIR"
}

# The long options a program's --help names, and those of its option
# table in cmd/PROG.c (struct cliopt), one a line.
help_options() {
	{
		"$1" --help | grep -oE -- '--[a-z][a-z0-9-]*'
		table_options "$1"
	} | sort -u
}

# The long options of the option table in cmd/PROG.c, one a line.
table_options() {
	sed -nE 's/^[[:space:]]*\{ "([a-z][a-z0-9-]*)", ('"'"'.'"'"'|[A-Z_]+),.*/--\1/p' \
		"$STAGE_TOP/cmd/$1.c"
}

# The man page as a reader sees it (overstrike removed).
man_text() {
	mandoc -T ascii "$STAGE_TOP/man/$1.1" | sed 's/.\x08//g'
}

# complete_bash PROG WORD...: what bash completion offers for the last word.
complete_bash() {
	local prog=$1 fn
	shift
	source "$STAGE_TOP/completions/bash/$prog"
	fn=$(complete -p "$prog" | sed -E 's/.*-F ([^ ]+).*/\1/')
	COMP_WORDS=("$prog" "$@")
	COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn" "$prog" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	printf '%s\n' "${COMPREPLY[@]}"
}

@test "an unknown option prints the usage on stderr, nothing on stdout, and exits 2" {
	for p in $PROGS; do
		run --separate-stderr "$p" --no-such-option
		echo "$p: $status: $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		grep -q "^usage: $p" <<<"$stderr"
		# the message names the program, not the path it was run by
		grep -q "^$p: .*no-such-option" <<<"$stderr"
	done
}

@test "an option without its argument prints the usage and exits 2" {
	for a in "stage-write -t" "stage-put -b" "stage-copy -D" "stage-merge -D" \
	    "stage-merge --hard-delete" "stage-put --jobs"; do
		run --separate-stderr $a
		echo "$a: $status: $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		grep -q "^usage: ${a%% *}" <<<"$stderr"
	done
}

@test "--help is short, on stdout, and exits 0" {
	for p in $PROGS; do
		run --separate-stderr "$p" --help
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		grep -q "^usage: $p" <<<"$output"
		[ "$(wc -l <<<"$output")" -le 30 ]
		run "$p" -h
		[ "$status" -eq 0 ]
	done
}

@test "--version prints the program and the one version of the toolkit" {
	v=$(sed -n 's/^#define STAGE_VERSION "\(.*\)"/\1/p' "$STAGE_TOP/libcommon/include/version.h")
	[ -n "$v" ]
	for p in $PROGS; do
		run --separate-stderr "$p" --version
		[ "$status" -eq 0 ]
		[ "$output" = "$p $v" ]
	done
}

@test "every long option in --help is in the man page" {
	for p in $PROGS; do
		text=$(man_text "$p")
		for o in $(help_options "$p"); do
			grep -qe "$o\\b" <<<"$text" || { echo "$p: $o not in $p(1)"; false; }
		done
	done
}

@test "the man page's OPTIONS describe no option that the option table lacks" {
	for p in $PROGS; do
		[ -n "$(table_options "$p")" ]
		# the items of OPTIONS: lines that start with an option
		opts=$(man_text "$p" | sed -n '/^OPTIONS/,/^[A-Z]/p' |
			grep -E '^ {5}-' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
		[ -n "$opts" ]
		for o in $opts; do
			grep -qx -- "$o" <<<"$(help_options "$p")" ||
				{ echo "$p(1) OPTIONS: $o is not in $p's option table"; false; }
		done
	done
}

@test "the completion files are what the option tables generate (PROG --completion=SHELL)" {
	c=$STAGE_TOP/completions
	for p in $PROGS; do
		diff -u "$c/bash/$p" <("$p" --completion=bash)
		diff -u "$c/zsh/_$p" <("$p" --completion=zsh)
		diff -u "$c/fish/$p.fish" <("$p" --completion=fish)
	done
	run --separate-stderr stage-copy --completion=tcsh
	[ "$status" -eq 2 ]
}

@test "every long option in --help is in the bash, zsh and fish completions" {
	c=$STAGE_TOP/completions
	for p in $PROGS; do
		for o in $(help_options "$p"); do
			n=${o#--}
			grep -qE -- "$o([^a-z0-9-]|\$)" "$c/bash/$p" ||
				{ echo "$p: $o not in completions/bash/$p"; false; }
			grep -qE -- "$o([^a-z0-9-]|\$)" "$c/zsh/_$p" ||
				{ echo "$p: $o not in completions/zsh/_$p"; false; }
			grep -qE -- "-l $n([^a-z0-9-]|\$)" "$c/fish/$p.fish" ||
				{ echo "$p: $o not in completions/fish/$p.fish"; false; }
		done
	done
}

@test "every program has --progress, -q and -v" {
	for p in $PROGS; do
		o=$(help_options "$p")
		grep -qx -- --progress <<<"$o"
		"$p" --help | grep -qE -- '-[a-z]*q'
		"$p" --help | grep -qE -- '-[a-z]*v'
	done
}

@test "bash completion: each program registered once, with -o filenames for its file arguments" {
	for p in $PROGS; do
		source "$STAGE_TOP/completions/bash/$p"
		complete -p "$p" | grep -q -- '-o filenames'
		[ "$(grep -c '^complete ' "$STAGE_TOP/completions/bash/$p")" -eq 1 ]
		[ "$(grep -c '^#compdef ' "$STAGE_TOP/completions/zsh/_$p")" -eq 1 ]
	done
}

@test "bash completion: stage-put --b offers --bucket-url" {
	run complete_bash stage-put --b
	[ "$output" = --bucket-url ]
}

@test "bash completion: stage-write --disp offers --disposition, and its values after it" {
	run complete_bash stage-write --disp
	[ "$output" = --disposition ]
	run complete_bash stage-write --disposition m
	[ "$output" = merge ]
	run complete_bash stage-write -f ''
	[ "$output" = "$(printf 'csv\njsonl\nparquet')" ]
}

@test "bash completion: stage-copy --dest offers --destination" {
	run complete_bash stage-copy --dest
	[ "$output" = --destination ]
}

@test "bash completion: stage-merge --hard offers --hard-delete, --strategy its values" {
	run complete_bash stage-merge --hard
	[ "$output" = --hard-delete ]
	run complete_bash stage-merge --strategy ''
	[ "$(sort <<<"$output")" = "$(printf 'delete-insert\nupsert')" ]
}

# pipeline ARGS...: the four programs with ARGS on each, every step's
# stdout and stderr kept in $W/STEP.out and $W/STEP.err.
pipeline() {
	stage-write "$@" -t users --dataset demo --disposition merge \
		--primary-key id -d "$W/files" "$STAGE_TOP/examples/data/users.ndjson" \
		>"$W/write.out" 2>"$W/write.err" &&
	stage-put "$@" -b "$W/bucket" <"$W/write.out" >"$W/put.out" 2>"$W/put.err" &&
	stage-copy "$@" -D "sqlite://$W/stage.db" <"$W/put.out" >"$W/copy.out" \
		2>"$W/copy.err" &&
	stage-merge "$@" -D "sqlite://$W/stage.db" <"$W/copy.out" >"$W/merge.out" \
		2>"$W/merge.err"
}

@test "--progress draws a progress line on stderr and stdout stays pure manifest" {
	pipeline --progress
	for s in write put copy merge; do
		cat "$W/$s.err"
		if [ $s = put ]; then	# stage-put moves bytes, not rows
			grep -qE "stage-put: [0-9/]+ files, [0-9.]+ [kMG]?B" "$W/$s.err"
		else
			grep -qE "stage-$s: [0-9/]+ files, [0-9.]+k? rows" "$W/$s.err"
		fi
		# every stdout line is a manifest line: JSON with "v": 1
		[ "$(jq -c 'select(.v == 1)' "$W/$s.out" | wc -l)" -eq "$(wc -l <"$W/$s.out")" ]
		! grep -q 'files, ' "$W/$s.out"
	done
	[ "$(jq -r 'select(.end) | .rows' "$W/merge.out")" = 4 ]
	[ "$(sqlite3 "$W/stage__demo.db" 'SELECT count(*) FROM users')" = 4 ]
}

@test "the progress line appears by itself when stderr is a terminal, and -q silences it" {
	command -v script >/dev/null || skip "no script(1) to make a terminal"
	data=$STAGE_TOP/examples/data/users.ndjson
	script -q -e -c "stage-write -t users -d '$W/f' '$data' >'$W/m1'" /dev/null >tty.out
	grep -q 'stage-write: 1 files, 4 rows' tty.out
	[ "$(jq -r 'select(.end) | .rows' "$W/m1")" = 4 ]
	script -q -e -c "stage-write -q -t users -d '$W/f' '$data' >'$W/m2'" /dev/null >tty.out
	! grep -q 'rows' tty.out
	[ "$(jq -r 'select(.end) | .rows' "$W/m2")" = 4 ]
}

@test "on a terminal the pipeline draws one line, by its last step, for all four steps" {
	command -v script >/dev/null || skip "no script(1) to make a terminal"
	for i in $(seq 1 60000); do printf '{"id":%d,"v":"x%d"}\n' "$i" "$i"; done >"$W/in"
	script -q -e -c "stage-write -t t --max-rows 10000 -d '$W/f' '$W/in' |
		stage-put -b '$W/b' | stage-copy -D 'sqlite://$W/stage.db' |
		stage-merge -D 'sqlite://$W/stage.db' >'$W/out'" /dev/null >tty.out
	tr '\r' '\n' <tty.out | sed 's/\x1b\[K//g' | grep -v '^$' >lines
	cat lines
	# the last step's line speaks for all four; no step draws its own
	tail -1 lines | grep -qE '^write 6 files 60.0k rows \| put 6/6 [0-9.]+ [kM]B \| copy 6/6 60.0k \| merge 6/6 60.0k$'
	! grep -qE '^stage-(write|put|copy): ' lines
	# and the sentence that ends a merge on a terminal
	grep -qE '^stage-merge: load [0-9.]+: merged 60000 rows into stage_dataset.t in [0-9.]+ s$' lines
	[ "$(jq -r 'select(.end) | .rows' "$W/out")" = 60000 ]
	# no shared state left behind
	[ -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name "stage-progress.$(id -u).*" -newer tty.out 2>/dev/null)" ]
}

@test "a second stage-merge of the same load marks its lines skipped and says already merged" {
	pipeline
	run --separate-stderr stage-merge -D "sqlite://$W/stage.db" "$W/copy.out"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"already merged"* ]]
	[ "$(jq -s 'map(select(.merged.skipped == true)) | length' <<<"$output")" -eq "$(jq -s 'map(select(.merged)) | length' "$W/merge.out")" ]
	run --separate-stderr stage-merge -q -D "sqlite://$W/stage.db" "$W/copy.out"
	[ -z "$stderr" ]
}

@test "-q prints nothing on success, not even a forced progress line" {
	pipeline -q --progress
	for s in write put copy merge; do
		[ ! -s "$W/$s.err" ] || { cat "$W/$s.err"; false; }
	done
	[ "$(sqlite3 "$W/stage__demo.db" 'SELECT count(*) FROM users')" = 4 ]
}

@test "-q still prints errors" {
	printf '{"id":1}\nnot json\n' >bad.ndjson
	run --separate-stderr stage-write -q -t t -d "$W/files" bad.ndjson
	[ "$status" -eq 1 ]
	grep -q '^stage-write: bad.ndjson:2: ' <<<"$stderr"
	run --separate-stderr stage-merge -q -D "sqlite://$W/stage.db" </dev/null
	[ "$status" -eq 3 ]
	[ -n "$stderr" ]
}

@test "make install puts programs, man pages of sections 1, 5 and 7 and completions under DESTDIR" {
	d=$W/dest
	# -o all: install what the suite is testing, without building
	make -s -C "$STAGE_TOP" -o all install OUT="$STAGE_BIN" PREFIX=/opt/stage \
		DESTDIR="$d" >/dev/null
	for p in $PROGS; do
		[ -x "$d/opt/stage/bin/$p" ]
		[ "$("$d/opt/stage/bin/$p" --version)" = "$("$p" --version)" ]
		[ -f "$d/opt/stage/share/man/man1/$p.1" ]
		[ -f "$d/opt/stage/share/bash-completion/completions/$p" ]
		[ -f "$d/opt/stage/share/zsh/site-functions/_$p" ]
		[ -f "$d/opt/stage/share/fish/vendor_completions.d/$p.fish" ]
	done
	[ -f "$d/opt/stage/share/man/man5/stage-manifest.5" ]
	[ -f "$d/opt/stage/share/man/man7/stage.7" ]
	mandoc -T lint -W warning "$d"/opt/stage/share/man/man*/*
	# nothing lands outside DESTDIR's prefix
	[ "$(cd "$d" && ls)" = opt ]
	[ "$(cd "$d/opt/stage" && ls)" = "$(printf 'bin\nshare')" ]
}
