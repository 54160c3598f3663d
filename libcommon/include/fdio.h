/*
 * fdio: writing all of a buffer to a descriptor, whatever write(2) takes
 * at a time and however often a signal interrupts it.
 */
#ifndef STAGE_FDIO_H
#define STAGE_FDIO_H

#include <stddef.h>

/* 0 once all n bytes of p are written; -1 with errno set (EIO when
 * write(2) took nothing). */
int fd_write_all(int fd, const void *p, size_t n);

#endif
