#!/usr/bin/env bats
# Issue 18: our own Snappy (libcommon/format/snappy.c), the codec of
# Parquet pages, against an independent implementation: pyarrow's
# (google's libsnappy) decompresses what ours compresses and ours what
# pyarrow's compresses, over text, random bytes, runs and sizes across
# the 64 KiB piece boundary.

setup_file() {
	export PY="$STAGE_TOP/.venv/bin/python"
	[ -x "$PY" ] || PY=python3
}

setup() {
	[ -n "${STAGE_UNITS:-}" ] || skip "no unit-test directory"
	T=$(mktemp -d)
	"$PY" - "$T" <<'PY'
import os, random, sys
d = sys.argv[1]
r = random.Random(18)
samples = {
    'empty': b'',
    'one': b'x',
    'text': ('naïve café ☃ ' * 9000).encode(),
    'random': bytes(r.getrandbits(8) for _ in range(70000)),
    'runs': b'a' * 200000 + b'b' * 3,
    'json': b''.join(b'{"id":%d,"name":"user %d","ok":true}\n' % (i, i * 7) for i in range(20000)),
    'boundary': bytes(r.choice(b'abcd') for _ in range(65537)),
}
for k, v in samples.items():
    open(os.path.join(d, k), 'wb').write(v)
PY
}

teardown() {
	rm -rf "$T"
}

@test "snappy: the unit test's round trips, bounds and corrupt blocks" {
	run "$STAGE_UNITS/snappy_test"
	echo "$output" | grep -v '^ok' || true
	[ "$status" -eq 0 ]
}

@test "snappy: pyarrow decompresses every block we compress to the same bytes" {
	for f in empty one text random runs json boundary; do
		"$STAGE_UNITS/snappy_test" -c "$T/$f" "$T/$f.sz"
	done
	run "$PY" - "$T" <<'PY'
import os, sys, pyarrow as pa
d = sys.argv[1]
for f in ['empty', 'one', 'text', 'random', 'runs', 'json', 'boundary']:
    plain = open(os.path.join(d, f), 'rb').read()
    blk = open(os.path.join(d, f + '.sz'), 'rb').read()
    back = pa.decompress(blk, len(plain), 'snappy', asbytes=True)
    assert back == plain, f
    theirs = pa.compress(plain, 'snappy', asbytes=True)
    print(f, len(plain), len(blk), len(theirs))
    # ours is within 10% (plus a few bytes) of the reference
    assert len(blk) <= len(theirs) * 1.10 + 16, f
PY
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "snappy: we decompress every block pyarrow compresses to the same bytes" {
	"$PY" - "$T" <<'PY'
import os, sys, pyarrow as pa
d = sys.argv[1]
for f in ['empty', 'one', 'text', 'random', 'runs', 'json', 'boundary']:
    plain = open(os.path.join(d, f), 'rb').read()
    open(os.path.join(d, f + '.pz'), 'wb').write(pa.compress(plain, 'snappy', asbytes=True))
PY
	for f in empty one text random runs json boundary; do
		"$STAGE_UNITS/snappy_test" -d "$T/$f.pz" "$T/$f.back"
		cmp "$T/$f" "$T/$f.back"
	done
}

@test "snappy: a corrupt block is refused, not decompressed in part" {
	printf '\x0a\x24abc' >"$T/bad.sz"
	run "$STAGE_UNITS/snappy_test" -d "$T/bad.sz" "$T/bad.out"
	[ "$status" -eq 1 ]
	[[ "$output" == *"corrupt snappy block"* ]]
	[ ! -e "$T/bad.out" ]
}
