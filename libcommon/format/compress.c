/*
 * compress: gzip through zlib and zstd through libzstd's streaming API,
 * push style.  Both directions collect output in a buffer of ZBUF bytes
 * and hand it to the sink only when full (or at the end), so that a sink
 * writing to a socket or a file sees few large writes however small the
 * pieces fed in are.  COMP_NONE goes through the same buffer.
 *
 * Decoders accept what the command-line tools accept: any number of gzip
 * members or zstd frames one after another.  Empty input and a stream
 * that stops inside a member or frame are truncated; zdec_finish says so.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "compress.h"
#include "log.h"

#define ZBUF (256 * 1024)
/* zlib counts in uInt; feed it at most this much per call. */
#define ZCHUNK (1u << 30)

#define GZIP_DEFAULT_LEVEL 1
#define ZSTD_DEFAULT_LEVEL 3

struct zout {
	zsink sink;
	void *ctx;
	unsigned char *p;
	size_t len;
};

struct zenc {
	enum compression c;
	struct zout o;
	int failed;
	z_stream zs;
	ZSTD_CCtx *zc;
};

struct zdec {
	enum compression c;
	struct zout o;
	int failed;
	int mid;		/* inside a member or frame */
	int seen;		/* any input at all */
	z_stream zs;
	ZSTD_DCtx *zd;
	char err[256];
};

static const char *const names[] = { "none", "gzip", "zstd", "snappy" };
static const char *const exts[] = { "", ".gz", ".zst", "" };
#define NCOMP (sizeof names / sizeof names[0])

int
compression_parse(const char *name, enum compression *c)
{
	for (size_t i = 0; i < NCOMP; i++)
		if (strcmp(name, names[i]) == 0) {
			*c = (enum compression)i;
			return 0;
		}
	return -1;
}

const char *
compression_name(enum compression c)
{
	return (unsigned)c < NCOMP ? names[c] : "unknown";
}

const char *
compression_ext(enum compression c)
{
	return (unsigned)c < NCOMP ? exts[c] : "";
}

/* Output buffer */

static int
zout_flush(struct zout *o)
{
	size_t n = o->len;

	o->len = 0;
	return n ? o->sink(o->ctx, o->p, n) : 0;
}

/* Copies into the buffer; large pieces skip it once it is empty. */
static int
zout_add(struct zout *o, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t k;

	while (n) {
		if (o->len == 0 && n >= ZBUF)
			return o->sink(o->ctx, s, n);
		k = ZBUF - o->len < n ? ZBUF - o->len : n;
		memcpy(o->p + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == ZBUF && zout_flush(o) < 0)
			return -1;
	}
	return 0;
}

/* Makes the next piece of *p[0..*n) that zlib's uInt can count zs's
 * input and moves *p and *n past it; the caller runs zlib until the
 * piece is taken. */
static void
gz_take(z_stream *zs, const unsigned char **p, size_t *n)
{
	size_t k = *n < ZCHUNK ? *n : ZCHUNK;

	zs->next_in = (unsigned char *)*p;
	zs->avail_in = (uInt)k;
	*p += k;
	*n -= k;
}

/* Encoder */

static int
gz_enc_init(struct zenc *z, int level)
{
	if (level == 0)
		level = GZIP_DEFAULT_LEVEL;
	if (level < 1 || level > 9)
		return -1;
	/* windowBits 15 + 16: a gzip header and trailer, not zlib's. */
	if (deflateInit2(&z->zs, level, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		die(EXIT_FAIL, "gzip: cannot set up encoder");
	return 0;
}

static int
zstd_enc_init(struct zenc *z, int level)
{
	if (level == 0)
		level = ZSTD_DEFAULT_LEVEL;
	if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
		return -1;
	if (!(z->zc = ZSTD_createCCtx()))
		die(EXIT_FAIL, "zstd: cannot set up encoder");
	/* The checksum is what the zstd tool writes by default too. */
	if (ZSTD_isError(ZSTD_CCtx_setParameter(z->zc,
	    ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z->zc,
	    ZSTD_c_checksumFlag, 1))) {
		ZSTD_freeCCtx(z->zc);
		return -1;
	}
	return 0;
}

struct zenc *
zenc_new(enum compression c, int level, zsink sink, void *ctx)
{
	struct zenc *z = xcalloc(1, sizeof *z);
	int r = 0;

	z->c = c;
	z->o.sink = sink;
	z->o.ctx = ctx;
	if (c == COMP_GZIP)
		r = gz_enc_init(z, level);
	else if (c == COMP_ZSTD)
		r = zstd_enc_init(z, level);
	else if (c != COMP_NONE)
		r = -1;
	if (r < 0) {
		free(z);
		errno = EINVAL;
		return NULL;
	}
	z->o.p = xmalloc(ZBUF);
	return z;
}

/* Runs deflate over the pending input with flush mode fl until it has
 * taken all input (Z_NO_FLUSH) or ended the stream (Z_FINISH). */
static int
gz_deflate(struct zenc *z, int fl)
{
	int r;

	for (;;) {
		z->zs.next_out = z->o.p + z->o.len;
		z->zs.avail_out = (uInt)(ZBUF - z->o.len);
		r = deflate(&z->zs, fl);
		z->o.len = ZBUF - z->zs.avail_out;
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			return -1;
		if (z->o.len == ZBUF && zout_flush(&z->o) < 0)
			return -1;
		if (fl == Z_FINISH ? r == Z_STREAM_END :
		    z->zs.avail_in == 0 && z->zs.avail_out > 0)
			return 0;
	}
}

static int
gz_enc_write(struct zenc *z, const unsigned char *p, size_t n)
{
	do {
		gz_take(&z->zs, &p, &n);
		if (gz_deflate(z, Z_NO_FLUSH) < 0)
			return -1;
	} while (n);
	return 0;
}

/* One ZSTD_compressStream2 loop: e_continue until the input is taken,
 * e_end until the frame is complete. */
static int
zstd_enc_run(struct zenc *z, const void *p, size_t n, ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = { p, n, 0 };
	size_t r;

	for (;;) {
		ZSTD_outBuffer out = { z->o.p + z->o.len, ZBUF - z->o.len, 0 };

		r = ZSTD_compressStream2(z->zc, &out, &in, end);
		if (ZSTD_isError(r))
			return -1;
		z->o.len += out.pos;
		if (z->o.len == ZBUF && zout_flush(&z->o) < 0)
			return -1;
		if (end == ZSTD_e_end ? r == 0 : in.pos == in.size)
			return 0;
	}
}

int
zenc_write(struct zenc *z, const void *p, size_t n)
{
	int r = 0;

	if (z->failed)
		return -1;
	if (n == 0)
		return 0;
	if (z->c == COMP_GZIP)
		r = gz_enc_write(z, p, n);
	else if (z->c == COMP_ZSTD)
		r = zstd_enc_run(z, p, n, ZSTD_e_continue);
	else
		r = zout_add(&z->o, p, n);
	if (r < 0)
		z->failed = 1;
	return r;
}

int
zenc_finish(struct zenc *z)
{
	int r = z->failed ? -1 : 0;

	if (r == 0 && z->c == COMP_GZIP) {
		z->zs.next_in = NULL;
		z->zs.avail_in = 0;
		r = gz_deflate(z, Z_FINISH);
	} else if (r == 0 && z->c == COMP_ZSTD) {
		r = zstd_enc_run(z, NULL, 0, ZSTD_e_end);
	}
	if (r == 0)
		r = zout_flush(&z->o);
	zenc_free(z);
	return r;
}

void
zenc_free(struct zenc *z)
{
	if (!z)
		return;
	if (z->c == COMP_GZIP)
		deflateEnd(&z->zs);
	else if (z->c == COMP_ZSTD)
		ZSTD_freeCCtx(z->zc);
	free(z->o.p);
	free(z);
}

/* Decoder */

struct zdec *
zdec_new(enum compression c, zsink sink, void *ctx)
{
	struct zdec *z;

	if (c != COMP_NONE && c != COMP_GZIP && c != COMP_ZSTD) {
		errno = EINVAL;
		return NULL;
	}
	z = xcalloc(1, sizeof *z);
	z->c = c;
	z->o.sink = sink;
	z->o.ctx = ctx;
	z->o.p = xmalloc(ZBUF);
	/* 15 + 16: gzip only; a zlib or raw stream is corrupt here. */
	if (c == COMP_GZIP && inflateInit2(&z->zs, 15 + 16) != Z_OK)
		die(EXIT_FAIL, "gzip: cannot set up decoder");
	if (c == COMP_ZSTD && !(z->zd = ZSTD_createDCtx()))
		die(EXIT_FAIL, "zstd: cannot set up decoder");
	return z;
}

static int
zdec_fail(struct zdec *z, const char *what, const char *why)
{
	snprintf(z->err, sizeof z->err, "%s%s%s", what, why ? ": " : "",
	    why ? why : "");
	z->failed = 1;
	return -1;
}

/* Inflates until the input is taken and nothing is left pending inside
 * zlib (a full output buffer means there may be more).  At the end of a
 * member the stream is reset, so that a following member decodes too. */
static int
gz_dec_run(struct zdec *z)
{
	uInt before;
	int r;

	do {
		z->zs.next_out = z->o.p + z->o.len;
		z->zs.avail_out = (uInt)(ZBUF - z->o.len);
		before = z->zs.avail_in;
		r = inflate(&z->zs, Z_NO_FLUSH);
		z->o.len = ZBUF - z->zs.avail_out;
		if (z->zs.avail_in < before)
			z->mid = 1;
		if (r == Z_STREAM_END) {
			inflateReset(&z->zs);
			z->mid = 0;
		} else if (r == Z_NEED_DICT) {
			return zdec_fail(z, "corrupt gzip data",
			    "needs a preset dictionary");
		} else if (r == Z_MEM_ERROR) {
			die(EXIT_FAIL, "gzip: out of memory");
		} else if (r != Z_OK && r != Z_BUF_ERROR) {
			return zdec_fail(z, "corrupt gzip data",
			    z->zs.msg ? z->zs.msg : "inflate failed");
		}
		if (z->o.len == ZBUF && zout_flush(&z->o) < 0)
			return zdec_fail(z, "output failed", NULL);
	} while (z->zs.avail_in > 0 || z->zs.avail_out == 0);
	return 0;
}

static int
gz_dec_feed(struct zdec *z, const unsigned char *p, size_t n)
{
	do {
		gz_take(&z->zs, &p, &n);
		if (gz_dec_run(z) < 0)
			return -1;
	} while (n);
	return 0;
}

/* A return of 0 from ZSTD_decompressStream means a frame ended and was
 * flushed; anything else, that the frame goes on. */
static int
zstd_dec_feed(struct zdec *z, const void *p, size_t n)
{
	ZSTD_inBuffer in = { p, n, 0 };
	ZSTD_outBuffer out;
	size_t r;

	do {
		out.dst = z->o.p + z->o.len;
		out.size = ZBUF - z->o.len;
		out.pos = 0;
		r = ZSTD_decompressStream(z->zd, &out, &in);
		if (ZSTD_isError(r))
			return zdec_fail(z, "corrupt zstd data",
			    ZSTD_getErrorName(r));
		z->o.len += out.pos;
		z->mid = r != 0;
		if (z->o.len == ZBUF && zout_flush(&z->o) < 0)
			return zdec_fail(z, "output failed", NULL);
	} while (in.pos < in.size || out.pos == out.size);
	return 0;
}

int
zdec_feed(struct zdec *z, const void *p, size_t n)
{
	if (z->failed)
		return -1;
	if (n == 0)
		return 0;
	z->seen = 1;
	if (z->c == COMP_GZIP)
		return gz_dec_feed(z, p, n);
	if (z->c == COMP_ZSTD)
		return zstd_dec_feed(z, p, n);
	if (zout_add(&z->o, p, n) < 0)
		return zdec_fail(z, "output failed", NULL);
	return 0;
}

int
zdec_finish(struct zdec *z)
{
	const char *what = z->c == COMP_GZIP ? "truncated gzip stream" :
	    "truncated zstd stream";

	if (z->failed)
		return -1;
	if (z->c != COMP_NONE && !z->seen)
		return zdec_fail(z, what, "no data");
	if (z->c != COMP_NONE && z->mid)
		return zdec_fail(z, what, NULL);
	if (zout_flush(&z->o) < 0)
		return zdec_fail(z, "output failed", NULL);
	return 0;
}

const char *
zdec_error(const struct zdec *z)
{
	return z->err[0] ? z->err : "no error";
}

void
zdec_free(struct zdec *z)
{
	if (!z)
		return;
	if (z->c == COMP_GZIP)
		inflateEnd(&z->zs);
	else if (z->c == COMP_ZSTD)
		ZSTD_freeDCtx(z->zd);
	free(z->o.p);
	free(z);
}
