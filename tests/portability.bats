#!/usr/bin/env bats
# Portability: the code is C11 + POSIX.1-2008 with no GNU extensions, and
# every Linux-only call sits behind #ifdef __linux__ with a fallback that a
# test forces on Linux.  Checked by building the tree the way a non-Linux
# POSIX system sees it (__linux__ undefined) with gcc and clang, by reading
# the sources, and by running the unit tests of that build.  This is no
# substitute for building on macOS or a BSD: it proves the fallbacks
# compile and run, not that the other systems' headers agree.

# Calls and flags that POSIX.1-2008 lacks and Linux (or glibc) has.
LINUX_ONLY='copy_file_range|sendfile|sendfile64|splice|vmsplice|tee|pipe2|accept4|memfd_create|getrandom|getauxval|renameat2|statx|fallocate|syncfs|sync_file_range|epoll_create|epoll_create1|epoll_ctl|epoll_wait|inotify_init|inotify_init1|eventfd|signalfd|timerfd_create|prctl|gettid|strchrnul|memrchr|mempcpy|O_TMPFILE|O_DIRECT|SOCK_CLOEXEC|SOCK_NONBLOCK|MAP_ANONYMOUS|F_SETPIPE_SZ|FICLONE'
NOLINUX="-U__linux__ -U__linux -Ulinux -U__gnu_linux__"

sources() {
	ls "$STAGE_TOP"/libcommon/*/*.c "$STAGE_TOP"/cmd/*.c 2>/dev/null
}

# The lines (file:line: text) that use a Linux-only name outside an
# #if/#ifdef/#elif branch that names __linux__ (an #else of such a branch
# is the fallback and does not count as guarded).  Comments and string
# literals are skipped.
unguarded() {
	awk -v re="(^|[^A-Za-z0-9_])($LINUX_ONLY)([^A-Za-z0-9_]|$)" '
	FNR == 1 { depth = 0; incomment = 0 }
	{
		line = $0
		# drop comments: /* ... */ on one line, and multi-line ones
		if (incomment) {
			if (index(line, "*/")) { sub(/.*\*\//, "", line); incomment = 0 }
			else next
		}
		gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, "", line)
		if (index(line, "/*")) { sub(/\/\*.*/, "", line); incomment = 1 }
		sub(/\/\/.*/, "", line)
		gsub(/"([^"\\]|\\.)*"/, "\"\"", line)	# and strings
	}
	line ~ /^[ \t]*#[ \t]*if/ { depth++; lin[depth] = (line ~ /__linux__/); next }
	line ~ /^[ \t]*#[ \t]*elif/ { lin[depth] = (line ~ /__linux__/); next }
	line ~ /^[ \t]*#[ \t]*else/ { lin[depth] = 0; next }
	line ~ /^[ \t]*#[ \t]*endif/ { depth--; next }
	line ~ /^[ \t]*#[ \t]*define[ \t]+_GNU_SOURCE/ {
		g = 0; for (i = 1; i <= depth; i++) g = g || lin[i]
		if (!g) print FILENAME ":" FNR ": " $0
		next
	}
	line ~ re {
		g = 0; for (i = 1; i <= depth; i++) g = g || lin[i]
		if (!g) print FILENAME ":" FNR ": " $0
	}' "$@"
}

@test "portability: every Linux-only call and _GNU_SOURCE is inside #ifdef __linux__" {
	run unguarded $(sources)
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "portability: the guard check itself catches an unguarded call" {
	f=$BATS_TEST_TMPDIR/x.c
	printf '%s\n' '/* copy_file_range in a comment is fine */' \
		'#ifdef __linux__' 'n = copy_file_range(a, 0, b, 0, n, 0);' \
		'#else' 'n = sendfile(a, b, 0, n);' '#endif' \
		'int p = pipe2(fds, 0);' 'log("used copy_file_range");' >"$f"
	run unguarded "$f"
	echo "$output"
	[[ "$output" == *"x.c:5: "*sendfile* ]]
	[[ "$output" == *"x.c:7: "*pipe2* ]]
	[[ "$output" != *copy_file_range* ]]
}

@test "portability: each file with a Linux-only path has a STAGE_NO_* switch to force its fallback" {
	local f bad=0
	for f in $(grep -l '__linux__' $(sources) 2>/dev/null); do
		grep -Eq "(^|[^A-Za-z0-9_])($LINUX_ONLY)\(" "$f" || continue
		if ! grep -q 'STAGE_NO_[A-Z0-9_]*' "$f"; then
			echo "$f: Linux-only call without a STAGE_NO_* switch"
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "portability: every STAGE_NO_* fallback switch is exercised by a test" {
	local v bad=0
	for v in $(grep -ho 'STAGE_NO_[A-Z0-9_]*' $(sources) 2>/dev/null | sort -u); do
		if ! grep -lq "$v=1" "$STAGE_TOP"/tests/*.bats; then
			echo "$v is never set by a test"
			bad=1
		else
			echo "$v: $(grep -l "$v=1" "$STAGE_TOP"/tests/*.bats | xargs -n1 basename | tr '\n' ' ')"
		fi
	done
	[ "$bad" -eq 0 ]
}

# Builds the tree with __linux__ undefined: the code a BSD or macOS
# compiler sees, against this system's strict POSIX headers.
nolinux_build() {
	local cc=$1 b=$BATS_FILE_TMPDIR/nolinux-$1
	make -s -C "$STAGE_TOP" -j2 WERROR=-Werror CC="$cc $NOLINUX" B="$b" OUT="$b/bin" \
		CFLAGS="-O1" all units 2>&1
}

@test "portability: without __linux__, gcc builds everything warning-free with -pedantic-errors" {
	command -v gcc >/dev/null || skip "no gcc"
	run nolinux_build gcc
	echo "$output"
	[ "$status" -eq 0 ]
	run make -s -C "$STAGE_TOP" -j2 WERROR=-Werror CC="gcc -pedantic-errors" \
		B="$BATS_FILE_TMPDIR/pedantic-gcc" OUT="$BATS_FILE_TMPDIR/pedantic-gcc/bin" \
		all units
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "portability: without __linux__, clang builds everything warning-free with -pedantic-errors" {
	command -v clang >/dev/null || skip "no clang"
	run nolinux_build clang
	echo "$output"
	[ "$status" -eq 0 ]
	run make -s -C "$STAGE_TOP" -j2 WERROR=-Werror CC="clang -pedantic-errors" \
		B="$BATS_FILE_TMPDIR/pedantic-clang" OUT="$BATS_FILE_TMPDIR/pedantic-clang/bin" \
		all units
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "portability: the build without __linux__ imports none of the Linux-only calls" {
	local b=$BATS_FILE_TMPDIR/nolinux-gcc
	[ -f "$b/libcommon.a" ] || nolinux_build gcc
	run sh -c "nm -u '$b/libcommon.a' $(ls "$b"/cmd/*.o 2>/dev/null | tr '\n' ' ') |
		awk '{ print \$NF }' | grep -Ex '($LINUX_ONLY)'"
	echo "imported: $output"
	[ -z "$output" ]
}

@test "portability: the unit tests pass in the build without __linux__" {
	local b=$BATS_FILE_TMPDIR/nolinux-gcc u n=0
	[ -f "$b/libcommon.a" ] || nolinux_build gcc
	# the *_test programs; the others are drivers that the bats files
	# feed (sigv4_sign, arrowipc_dump, sfwire_run...)
	for u in "$b"/unit/*_test; do
		[ -x "$u" ] || continue
		run "$u" </dev/null
		echo "$u: $status"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

# A complete manifest of one file FILE (made here, of SIZE bytes).
one_file_manifest() {
	local f=$1 size=$2 sum
	head -c "$size" /dev/urandom | od -An -tx1 | tr -d ' ' |
		head -c "$size" >"$f"
	sum=$(sha256sum "$f" | cut -d' ' -f1)
	printf '{"v":1,"load_id":"1732459200.000002","dataset":"shop","table":"blobs","disposition":"append","primary_key":[],"merge_key":[],"columns":[{"name":"x","type":"text","nullable":true}],"file":"%s","format":"csv","compression":"none","rows":1,"bytes":%s,"sha256":"%s"}\n{"end":true,"load_id":"1732459200.000002","files":1,"rows":1,"v":1}\n' \
		"$f" "$size" "$sum"
}

@test "portability: STAGE_NO_FASTCOPY=1 makes stage-put's local copy use read/write, and the file lands intact" {
	command -v stage-put >/dev/null || skip "no stage-put yet"
	local d=$BATS_TEST_TMPDIR url
	one_file_manifest "$d/data.csv" 3000000 >"$d/m.ndjson"
	run env STAGE_NO_FASTCOPY=1 stage-put --dry-run -b "$d/staging" "$d/m.ndjson"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"method: read/write"* ]]
	if [ "$(uname -s)" = Linux ]; then
		run stage-put --dry-run -b "$d/staging" "$d/m.ndjson"
		[[ "$output" == *"method: copy_file_range"* ]]
	fi
	run env STAGE_NO_FASTCOPY=1 stage-put -b "$d/staging" "$d/m.ndjson"
	echo "$output"
	[ "$status" -eq 0 ]
	url=$(printf '%s\n' "$output" | jq -r 'select(.end != true) | .url')
	[[ "$url" == file://"$d"/staging/* ]]
	cmp "$d/data.csv" "${url#file://}"
}

@test "layout: cmd/ includes only the public headers of libcommon/include, and libcommon/ keeps its code in folders" {
	for h in $(grep -ho '#include "[a-z0-9_]*\.h"' "$STAGE_TOP"/cmd/*.c | cut -d'"' -f2 | sort -u); do
		[ -f "$STAGE_TOP/libcommon/include/$h" ] || { echo "cmd/ includes internal $h"; false; }
	done
	[ -z "$(ls "$STAGE_TOP"/libcommon/*.[ch] 2>/dev/null)" ]
	for d in base manifest format storage dest include; do
		[ -d "$STAGE_TOP/libcommon/$d" ]
	done
}
