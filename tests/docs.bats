#!/usr/bin/env bats
# The manual: every page lints clean with mandoc, the pages point at each
# other, and stage(7) shows what the toolkit really does.

setup() {
	M=$STAGE_TOP/man
	W=$BATS_TEST_TMPDIR
}

@test "every man page is mandoc -T lint -W warning clean" {
	n=0
	for f in "$M"/*.[1-9]; do
		run mandoc -T lint -W warning "$f"
		echo "$output"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		n=$((n + 1))
	done
	[ "$n" -ge 6 ]
}

@test "there is a page for every program, stage-manifest(5) and stage(7)" {
	for p in "$STAGE_TOP"/cmd/*.c; do
		p=$(basename "$p" .c)
		[ -f "$M/$p.1" ] || { echo "no man/$p.1"; false; }
	done
	[ -f "$M/stage-manifest.5" ]
	[ -f "$M/stage.7" ]
}

@test "every page has the sections the house style asks for" {
	for f in "$M"/*.[1-9]; do
		for s in NAME DESCRIPTION 'EXIT STATUS' 'SEE ALSO'; do
			case $f:$s in
			*.5:'EXIT STATUS') continue ;;
			esac
			grep -qx "\\.Sh $s" "$f" || { echo "$f: no $s"; false; }
		done
	done
}

@test "every cross-reference names a page that exists, and every page points to stage(7)" {
	for f in "$M"/*.[1-9]; do
		for x in $(sed -n 's/^\.Xr \(stage[a-z-]*\) \([1-9]\).*/\1.\2/p' "$f"); do
			[ -f "$M/$x" ] || { echo "$f: .Xr to missing $x"; false; }
		done
		case $f in
		*/stage.7) ;;
		*) grep -q '^\.Xr stage 7' "$f" || { echo "$f: no .Xr stage 7"; false; } ;;
		esac
	done
}

@test "stage(7) refers to every other page" {
	for f in "$M"/*.[1-9]; do
		n=$(basename "$f")
		[ "$n" = stage.7 ] && continue
		grep -q "^\\.Xr ${n%.*} ${n##*.}" "$M/stage.7" || { echo "no $n"; false; }
	done
}

@test "stage(7) lists the exit statuses of doc/DESIGN.md and the configuration precedence" {
	t=$(mandoc -T ascii "$M/stage.7" | sed 's/.\x08//g')
	for s in 0 1 2 3; do
		grep -qE "^ +$s +[a-z]" <<<"$t"
	done
	for f in '~/.dlt/config.toml' '~/.dlt/secrets.toml' \
	    '<project>/.dlt/config.toml' '<project>/.dlt/secrets.toml' \
	    DESTINATION__FILESYSTEM__BUCKET_URL .DELETE_ON_ERROR; do
		grep -qF -- "$f" <<<"$t" || { echo "missing $f"; false; }
	done
	# the files in the order of precedence
	[ "$(grep -nF -e '~/.dlt/config.toml' <<<"$t" | head -1 | cut -d: -f1)" -lt \
	  "$(grep -nF -e '<project>/.dlt/secrets.toml' <<<"$t" | head -1 | cut -d: -f1)" ]
}

@test "stage(7)'s Makefile example is a working Makefile" {
	cd "$W"
	# the example, as printed, with the data of examples/
	mandoc -T ascii "$M/stage.7" | sed 's/.\x08//g' | awk '
		/^ *\.DELETE_ON_ERROR:/ { on = 1; match($0, /^ */); n = RLENGTH }
		on {
			if (seen && $0 ~ /^ *$/) exit
			line = substr($0, n + 1)
			if (line ~ /^ /) { sub(/^ +/, "", line); line = "\t" line }
			print line
			if (line ~ /stage-merge/) seen = 1
		}' >Makefile
	cat Makefile
	cp "$STAGE_TOP/examples/data/users.ndjson" .
	PATH=$STAGE_BIN:$PATH make -s STAGE_DESTINATION= >/dev/null
	[ "$(sqlite3 stage__stage_dataset.db 'SELECT count(*) FROM users')" = 4 ]
	[ "$(tail -1 out/users.merge.ndjson | jq -r .end)" = true ]
}

@test "the README starts with the two commands and has a section for every step" {
	r=$STAGE_TOP/README.md
	[ "$(grep -m2 '^make ' "$r" | cut -d' ' -f1-2)" = 'make demo
make check' ]
	for h in '## stage-write: ' '## Staging storage: `stage-put`' \
	    '## Destinations and recovery: `stage-copy`, `stage-merge`' \
	    '## SQLite, the embedded default' '## Static binaries and platforms' \
	    '## Speed' '## Configuration' '## Dependencies' '## License'; do
		grep -q "^$h" "$r" || { echo "README lacks: $h"; false; }
	done
}
