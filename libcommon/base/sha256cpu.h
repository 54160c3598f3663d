/*
 * sha256cpu: SHA-256 compression on the CPU's SHA instructions, two
 * chains over the same blocks (see sha256cpu.c).  Only sha256.c uses it.
 */
#ifndef STAGE_SHA256CPU_H
#define STAGE_SHA256CPU_H

#include <stddef.h>
#include <stdint.h>

/* 1 if this CPU runs the function below (and STAGE_NO_CPU_SHA256 is not
 * set); elsewhere it does nothing. */
int sha256cpu_available(void);
/* Runs n 64-byte blocks of p into the states h and g (h[0] is a) at
 * once; h and g may be the same state, for one chain. */
void sha256cpu_blocks2(uint32_t h[8], uint32_t g[8], const unsigned char *p,
    size_t n);

#endif
