/* Unit tests of compress: round trips through every codec, fed whole and
 * byte by byte, concatenated members and frames, truncated and corrupt
 * input, and interchange with the gzip and zstd tools. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compress.h"
#include "tap.h"

#define BIG (3 * 1024 * 1024 + 17)
#define SMALL (150 * 1000)

/* Collects what a codec hands over, and the sizes of the hand-overs. */
struct sinkbuf {
	struct buf b;
	size_t calls, min_but_last, last;
	int fail;
};

static int
sink(void *ctx, const void *p, size_t n)
{
	struct sinkbuf *s = ctx;

	if (s->fail)
		return -1;
	if (s->calls && s->last < s->min_but_last)
		s->min_but_last = s->last;
	s->calls++;
	s->last = n;
	buf_add(&s->b, p, n);
	return 0;
}

static void
sink_init(struct sinkbuf *s)
{
	memset(s, 0, sizeof *s);
	s->min_but_last = SIZE_MAX;
}

static void
random_bytes(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)x;
	}
}

static void
text_bytes(unsigned char *p, size_t n)
{
	size_t i = 0;
	int row = 0;

	while (i < n) {
		char line[80];
		int k = snprintf(line, sizeof line,
		    "{\"id\":%d,\"name\":\"user %d\",\"ok\":true}\n", row,
		    row * 7 % 1000);

		for (int j = 0; j < k && i < n; j++)
			p[i++] = (unsigned char)line[j];
		row++;
	}
}

/* Encodes p, in pieces of step bytes (0: all at once). */
static int
encode(enum compression c, const void *p, size_t n, size_t step,
    struct sinkbuf *out)
{
	struct zenc *z = zenc_new(c, 0, sink, out);
	const unsigned char *s = p;

	if (!z)
		return -1;
	if (!step)
		step = n ? n : 1;
	for (size_t off = 0; off < n; off += step)
		if (zenc_write(z, s + off, n - off < step ? n - off : step)) {
			zenc_free(z);
			return -1;
		}
	return zenc_finish(z);
}

/* Decodes p in pieces of step bytes; err gets zdec_error on failure. */
static int
decode(enum compression c, const void *p, size_t n, size_t step,
    struct sinkbuf *out, char *err, size_t errlen)
{
	struct zdec *z = zdec_new(c, sink, out);
	const unsigned char *s = p;
	int r = 0;

	if (!step)
		step = n ? n : 1;
	for (size_t off = 0; off < n && r == 0; off += step)
		r = zdec_feed(z, s + off, n - off < step ? n - off : step);
	if (r == 0)
		r = zdec_finish(z);
	if (err)
		snprintf(err, errlen, "%s", zdec_error(z));
	zdec_free(z);
	return r;
}

static int
same(const struct sinkbuf *s, const void *p, size_t n)
{
	return s->b.len == n && (n == 0 || memcmp(s->b.p, p, n) == 0);
}

static void
round_trip(enum compression c, const char *what, const unsigned char *p,
    size_t n, size_t estep, size_t dstep)
{
	struct sinkbuf enc, dec;
	const char *name = compression_name(c);

	sink_init(&enc);
	sink_init(&dec);
	ok(encode(c, p, n, estep, &enc) == 0, "%s: encodes %s", name, what);
	ok(decode(c, enc.b.p, enc.b.len, dstep, &dec, NULL, 0) == 0 &&
	    same(&dec, p, n), "%s: %s round trip (%zu -> %zu bytes)", name,
	    what, n, enc.b.len);
	if (enc.calls > 1)
		ok(enc.min_but_last >= 128 * 1024,
		    "%s: encoder hands over >= 128 KiB (min %zu)", name,
		    enc.min_but_last);
	if (dec.calls > 1)
		ok(dec.min_but_last >= 128 * 1024,
		    "%s: decoder hands over >= 128 KiB (min %zu)", name,
		    dec.min_but_last);
	buf_free(&enc.b);
	buf_free(&dec.b);
}

static void
test_names(void)
{
	enum compression c = COMP_NONE;

	ok(compression_parse("zstd", &c) == 0 && c == COMP_ZSTD, "parses zstd");
	ok(compression_parse("gzip", &c) == 0 && c == COMP_GZIP, "parses gzip");
	ok(compression_parse("none", &c) == 0 && c == COMP_NONE, "parses none");
	ok(compression_parse("lz4", &c) == -1, "rejects lz4");
	ok(strcmp(compression_ext(COMP_GZIP), ".gz") == 0 &&
	    strcmp(compression_ext(COMP_ZSTD), ".zst") == 0 &&
	    strcmp(compression_ext(COMP_NONE), "") == 0, "extensions");
	ok(strcmp(compression_name(COMP_GZIP), "gzip") == 0, "names");
	ok(zenc_new(COMP_GZIP, 10, sink, NULL) == NULL, "gzip level 10 refused");
	ok(zenc_new(COMP_ZSTD, 99, sink, NULL) == NULL, "zstd level 99 refused");
}

static void
test_concatenated(enum compression c, const unsigned char *p)
{
	struct sinkbuf a, dec;
	const char *name = compression_name(c);

	sink_init(&a);
	encode(c, p, 1000, 0, &a);
	encode(c, p + 1000, 200000, 0, &a);
	encode(c, p, 0, 0, &a);
	encode(c, p + 5, 10, 0, &a);
	for (size_t step = 0; step <= 7; step += 7) {
		struct buf want = BUF_INIT;

		buf_add(&want, p, 1000);
		buf_add(&want, p + 1000, 200000);
		buf_add(&want, p + 5, 10);
		sink_init(&dec);
		ok(decode(c, a.b.p, a.b.len, step, &dec, NULL, 0) == 0 &&
		    same(&dec, want.p, want.len),
		    "%s: four members/frames in a row decode (step %zu)",
		    name, step);
		buf_free(&want);
		buf_free(&dec.b);
	}
	buf_free(&a.b);
}

static void
test_truncated(enum compression c, const unsigned char *p)
{
	struct sinkbuf enc, dec;
	const char *name = compression_name(c);
	char err[256], want[64];

	snprintf(want, sizeof want, "truncated %s stream", name);
	sink_init(&enc);
	encode(c, p, 100000, 0, &enc);
	size_t cuts[] = { enc.b.len - 1, enc.b.len / 2, 5 };
	for (size_t i = 0; i < 3; i++) {
		sink_init(&dec);
		ok(decode(c, enc.b.p, cuts[i], 0, &dec, err, sizeof err) == -1
		    && strncmp(err, want, strlen(want)) == 0,
		    "%s: cut at %zu of %zu detected: %s", name, cuts[i],
		    enc.b.len, err);
		buf_free(&dec.b);
	}
	sink_init(&dec);
	ok(decode(c, "", 0, 0, &dec, err, sizeof err) == -1 &&
	    strncmp(err, want, strlen(want)) == 0, "%s: empty input: %s",
	    name, err);
	buf_free(&enc.b);
}

static void
test_corrupt(enum compression c, const unsigned char *p)
{
	struct sinkbuf enc, dec;
	const char *name = compression_name(c);
	char err[256], want[64];

	snprintf(want, sizeof want, "corrupt %s data: ", name);
	sink_init(&enc);
	encode(c, p, 100000, 0, &enc);
	enc.b.p[enc.b.len / 2] ^= 0x55;
	sink_init(&dec);
	ok(decode(c, enc.b.p, enc.b.len, 0, &dec, err, sizeof err) == -1 &&
	    strncmp(err, want, strlen(want)) == 0,
	    "%s: flipped byte detected: %s", name, err);
	buf_free(&dec.b);
	/* Garbage after a good member is not silently dropped either. */
	enc.b.p[enc.b.len / 2] ^= 0x55;
	buf_adds(&enc.b, "hello, world");
	sink_init(&dec);
	ok(decode(c, enc.b.p, enc.b.len, 0, &dec, err, sizeof err) == -1 &&
	    strncmp(err, want, strlen(want)) == 0,
	    "%s: trailing garbage detected: %s", name, err);
	buf_free(&dec.b);
	sink_init(&dec);
	ok(decode(c, "not compressed at all", 21, 0, &dec, err,
	    sizeof err) == -1 && strncmp(err, want, strlen(want)) == 0,
	    "%s: plain text refused: %s", name, err);
	buf_free(&dec.b);
	buf_free(&enc.b);
}

static void
test_sink_failure(enum compression c, const unsigned char *p)
{
	struct sinkbuf s, enc;
	struct zenc *e;
	const char *name = compression_name(c);
	char err[256];
	int r;

	sink_init(&s);
	s.fail = 1;
	e = zenc_new(c, 0, sink, &s);
	r = zenc_write(e, p, BIG);
	if (r == 0)
		r = zenc_finish(e);	/* frees e */
	else
		zenc_free(e);
	ok(r == -1, "%s: encoder reports a failing sink", name);
	sink_init(&enc);
	encode(c, p, BIG, 0, &enc);
	ok(decode(c, enc.b.p, enc.b.len, 0, &s, err, sizeof err) == -1 &&
	    strcmp(err, "output failed") == 0,
	    "%s: decoder reports a failing sink: %s", name, err);
	buf_free(&enc.b);
}

static int
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int r;

	if (!f)
		return -1;
	r = fwrite(p, 1, n, f) == n ? 0 : -1;
	return fclose(f) == 0 ? r : -1;
}

static int
read_file(const char *path, struct buf *b)
{
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	return 0;
}

/* Our encoder's output through the tool, and the tool's through ours. */
static void
test_tool(enum compression c, const char *tool, const unsigned char *p,
    size_t n)
{
	char dir[] = "/tmp/compress_test.XXXXXX", z[128], plain[128];
	char cmd[2048];
	struct sinkbuf enc, dec;
	struct buf got = BUF_INIT, tz = BUF_INIT;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(z, sizeof z, "%s/f%s", dir, compression_ext(c));
	snprintf(plain, sizeof plain, "%s/f", dir);
	sink_init(&enc);
	encode(c, p, n, 0, &enc);
	write_file(z, enc.b.p, enc.b.len);
	snprintf(cmd, sizeof cmd, "%s -dc '%s' > '%s'", tool, z, plain);
	ok(system(cmd) == 0 && read_file(plain, &got) == 0 &&
	    got.len == n && memcmp(got.p, p, n) == 0,
	    "%s -dc reads what the encoder wrote", tool);
	snprintf(cmd, sizeof cmd, "%s -c < '%s' > '%s.2'; cat '%s.2' '%s.2' "
	    "> '%s'", tool, plain, z, z, z, z);
	sink_init(&dec);
	ok(system(cmd) == 0 && read_file(z, &tz) == 0 &&
	    decode(c, tz.p, tz.len, 0, &dec, NULL, 0) == 0 &&
	    dec.b.len == 2 * n && memcmp(dec.b.p, p, n) == 0 &&
	    memcmp(dec.b.p + n, p, n) == 0,
	    "decoder reads two members from %s -c", tool);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	system(cmd);
	buf_free(&got);
	buf_free(&tz);
	buf_free(&enc.b);
	buf_free(&dec.b);
}

int
main(void)
{
	static const enum compression all[] = { COMP_NONE, COMP_GZIP,
	    COMP_ZSTD };
	unsigned char *rnd = malloc(BIG), *txt = malloc(BIG);

	random_bytes(rnd, BIG, 42);
	text_bytes(txt, BIG);
	test_names();
	for (size_t i = 0; i < 3; i++) {
		enum compression c = all[i];

		round_trip(c, "random data", rnd, BIG, 0, 0);
		round_trip(c, "text", txt, BIG, 0, 0);
		round_trip(c, "text in 64 KiB writes", txt, BIG, 65536, 4097);
		round_trip(c, "empty input", txt, 0, 0, 0);
		round_trip(c, "random fed 1 byte at a time", rnd, SMALL, 1, 1);
		round_trip(c, "text fed 1 byte at a time", txt, SMALL, 1, 1);
		test_sink_failure(c, rnd);
		if (c == COMP_NONE)
			continue;
		test_concatenated(c, txt);
		test_truncated(c, txt);
		test_corrupt(c, rnd);
	}
	test_tool(COMP_GZIP, "gzip", txt, BIG);
	test_tool(COMP_ZSTD, "zstd -q", txt, BIG);
	free(rnd);
	free(txt);
	return tap_done();
}
