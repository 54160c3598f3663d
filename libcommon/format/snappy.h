/*
 * snappy: the Snappy codec's raw block format (no framing), as Parquet
 * compresses its pages with it.  Our own implementation of the public
 * format description (google/snappy's format_description.txt): no
 * library to package, and it builds static under musl like the rest.
 *
 * A block is the uncompressed length as a varint, then literals and
 * back-references (copies) into the bytes already produced.  The
 * compressor works on 64 KiB pieces with a hash table of 4-byte
 * sequences, as the reference does, so its output is within the bound
 * snappy_max_compressed_length gives (32 + n + n/6).  The decompressor
 * trusts nothing: every length and offset is checked against the input
 * and the output, and a block that does not fill out_len exactly is
 * corrupt.
 */
#ifndef STAGE_SNAPPY_H
#define STAGE_SNAPPY_H

#include <stddef.h>

/* The most bytes snappy_compress writes for n bytes of input. */
size_t snappy_max_compressed_length(size_t n);
/* Compresses in[0..n) into out (room for snappy_max_compressed_length(n)
 * bytes); returns the compressed length. */
size_t snappy_compress(const void *in, size_t n, void *out);
/* The uncompressed length a block announces: 0, or -1 when its header
 * is not a varint of at most 32 bits. */
int snappy_uncompressed_length(const void *in, size_t n, size_t *out_len);
/* Decompresses the block in[0..n) into out, which holds out_len bytes,
 * the length the block announces: 0, or -1 when the block is corrupt
 * (a bad header, a length other than out_len, a copy reaching before the
 * start of the output, or input that ends inside an element). */
int snappy_decompress(const void *in, size_t n, void *out, size_t out_len);

#endif
