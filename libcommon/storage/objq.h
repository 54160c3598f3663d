/*
 * objq: the queue of files an HTTP object-store back end (s3://, gs://,
 * az://) is uploading, shared so that each back end keeps only its
 * protocol (doc/DESIGN.md, "Adding a storage"):
 *
 *  - the files in the order they were put, linked through a member of
 *    the back end's own file struct (a void * named at objq_init);
 *  - the bucket or container check, made once before the first file:
 *    when it says every upload will fail, every file fails with its
 *    reason, without a request of its own;
 *  - a turn of the transfer loop: the back end's step (collect what
 *    finished, start what fits) around its wait on the network.
 */
#ifndef STAGE_OBJQ_H
#define STAGE_OBJQ_H

#include <stddef.h>

#include "buf.h"
#include "storage.h"

struct objq {
	void *head;
	void **tail;
	size_t link_off;	/* offsetof(file struct, its void *link) */
	int n;			/* files queued */
	int checked;		/* the check has run */
	struct buf bad;		/* the check said every file fails: why */
};

void objq_init(struct objq *q, size_t link_off);
void objq_free(struct objq *q);

/* Before p is queued: check(ctx) the first time, which writes into
 * q->bad why every file would fail, if it would.  0 (p failed with that
 * reason and done) or 1 (go on). */
int objq_admit(struct objq *q, void (*check)(void *ctx), void *ctx,
    struct storage_put *p);

void objq_push(struct objq *q, void *f);
void objq_unlink(struct objq *q, void *f);
/* The file after f (NULL: the first); NULL at the end. */
void *objq_next(const struct objq *q, void *f);

/* A turn: step(be), wait(be, timeout_ms, wait_fd) while files are
 * queued or wait_fd is watched, step(be) again.  The files still queued. */
int objq_turn(struct objq *q, void (*step)(void *be),
    void (*wait)(void *be, int timeout_ms, int wait_fd), void *be,
    int timeout_ms, int wait_fd);

#endif
