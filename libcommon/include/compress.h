/*
 * compress: gzip (zlib) and zstd (libzstd) streams, push style, so that the
 * same code serves files, pipes and HTTP bodies.
 *
 * An encoder takes plain bytes and hands compressed bytes to a sink
 * callback; a decoder takes compressed bytes and hands plain bytes to a
 * sink.  A sink returns 0, or -1 to stop (the error is then the sink's).
 * COMP_NONE passes bytes through, so callers need no special case.
 * These wrap a loader file's whole byte stream; a format that compresses
 * itself (format.h: Parquet compresses its pages) is never wrapped, and
 * uses the codecs its own way.
 *
 * Default levels (level 0), chosen for throughput: gzip 1, zstd 3.  gzip
 * accepts levels 1-9, zstd its own range (negative fast levels to 22).
 * zstd frames carry a content checksum, as the zstd tool writes them.
 * Output reaches the sink in chunks of 256 KiB (the last may be shorter).
 * Decoders accept concatenated gzip members / zstd frames, as gzip -d and
 * zstd -d do; empty input counts as truncated.  zdec_error reads
 * "corrupt gzip data: <zlib's reason>", "corrupt zstd data: <reason>",
 * "truncated gzip stream", "truncated zstd stream" or "output failed"
 * (the sink returned -1).
 */
#ifndef STAGE_COMPRESS_H
#define STAGE_COMPRESS_H

#include <stddef.h>

/* COMP_SNAPPY only names the codec inside a self-compressing format's
 * file (Parquet's pages): no stream is wrapped in it. */
enum compression { COMP_NONE, COMP_GZIP, COMP_ZSTD, COMP_SNAPPY };

typedef int (*zsink)(void *ctx, const void *p, size_t n);

/* "none", "gzip", "zstd", "snappy" <-> enum; -1 for an unknown name. */
int compression_parse(const char *name, enum compression *c);
const char *compression_name(enum compression c);
/* File name suffix: "", ".gz", ".zst". */
const char *compression_ext(enum compression c);

struct zenc;
/* level 0 picks the documented default of each codec; NULL with errno
 * EINVAL for a level the codec does not have. */
struct zenc *zenc_new(enum compression c, int level, zsink sink, void *ctx);
int zenc_write(struct zenc *z, const void *p, size_t n);
/* Flushes and ends the stream, then frees z; -1 on error. */
int zenc_finish(struct zenc *z);
void zenc_free(struct zenc *z);		/* abandons the stream */

struct zdec;
struct zdec *zdec_new(enum compression c, zsink sink, void *ctx);
/* -1 on corrupt input (zdec_error says why) or when the sink failed. */
int zdec_feed(struct zdec *z, const void *p, size_t n);
/* -1 if the stream was truncated. */
int zdec_finish(struct zdec *z);
const char *zdec_error(const struct zdec *z);
void zdec_free(struct zdec *z);

#endif
