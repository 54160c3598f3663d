/*
 * crc32c: CRC-32C, incrementally: crc32c_update(0, ...) starts, each call
 * continues where the last one ended.  crc32c_base64 writes the form
 * GCS uses (base64 of the big-endian 4 bytes, "AAAAAA==" for 0).
 */
#ifndef STAGE_CRC32C_H
#define STAGE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32c_update(uint32_t crc, const void *p, size_t n);
void crc32c_base64(uint32_t crc, char out[9]);
/* The CRC-32C of A then B from a = crc32c of A, b = crc32c of B and B's
 * length, as zlib's crc32_combine. */
uint32_t crc32c_combine(uint32_t a, uint32_t b, uint64_t len_b);
/* x^(8n) mod the polynomial (reflected): the constant that moves a
 * register past n zero bytes (for the unit test of the lanes' constants). */
uint32_t crc32c_shift_const(uint64_t n);

#endif
