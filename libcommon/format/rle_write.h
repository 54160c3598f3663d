/*
 * rle_write: Parquet's RLE / bit-packed hybrid encoding, the encoding of
 * definition levels and of dictionary indices.  Runs of 8 or more equal
 * values become RLE runs (a varint header count << 1, the value in
 * ceil(bw / 8) little-endian bytes); everything between them is
 * bit-packed in groups of 8 values (header groups << 1 | 1, values
 * least significant bit first).  A bit-packed stretch before a run is
 * made a whole number of groups by taking values from the run; only the
 * last stretch is padded with zeros, which a reader ignores since it
 * knows how many values there are.
 */
#ifndef STAGE_RLE_WRITE_H
#define STAGE_RLE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Appends v[0..n) at bit width bw (1-32; every value below 2^bw). */
void rle_encode(struct buf *out, const uint32_t *v, size_t n, int bw);
/* The bit width of values up to max: at least 1. */
int rle_bit_width(uint32_t max);

#endif
