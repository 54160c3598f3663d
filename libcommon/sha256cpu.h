/*
 * sha256ni: SHA-256 compression on the CPU's SHA instructions, one chain
 * or two over the same blocks (see sha256cpu.c).  Only sha256.c uses it.
 */
#ifndef STAGE_SHA256CPU_H
#define STAGE_SHA256CPU_H

#include <stddef.h>
#include <stdint.h>

/* 1 if this CPU runs the functions below; elsewhere they do nothing. */
int sha256cpu_available(void);
/* Runs n 64-byte blocks of p into the state h (h[0] is a). */
void sha256cpu_blocks(uint32_t h[8], const unsigned char *p, size_t n);
/* The same blocks into two states at once. */
void sha256cpu_blocks2(uint32_t h[8], uint32_t g[8], const unsigned char *p,
    size_t n);

#endif
