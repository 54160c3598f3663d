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
 *  - a turn of the transfer loop: collect what finished, start what
 *    fits, wait on the network, and again.
 *
 * What is the protocol's comes in struct objq_ops, called with the back
 * end's own state.
 */
#ifndef STAGE_OBJQ_H
#define STAGE_OBJQ_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "storage.h"

struct objq_ops {
	/* Once, before the first file: writes into bad why every file
	 * would fail, if it would. */
	void (*check)(struct storage *st, struct buf *bad);
	/* A new file for p (its link NULL), to be queued. */
	void *(*file)(void *be, struct storage_put *p);
	void (*collect)(void *be);	/* what finished */
	void (*pump)(void *be);		/* start what fits */
	/* The network, for at most timeout_ms or until wait_fd is
	 * readable. */
	void (*wait)(void *be, int timeout_ms, int wait_fd);
};

struct objq {
	const struct objq_ops *ops;
	void *be;
	void *head;
	void **tail;
	size_t link_off;	/* offsetof(file struct, its void *link) */
	int n;			/* files queued */
	int checked;		/* the check has run */
	struct buf bad;		/* the check said every file fails: why */
};

void objq_init(struct objq *q, const struct objq_ops *ops, void *be,
    size_t link_off);
void objq_free(struct objq *q);

/* storage_ops.put: fails p with the check's reason, or queues a file. */
void objq_put(struct objq *q, struct storage *st, struct storage_put *p);
/* storage_ops.run: a turn; the files still queued. */
int objq_run(struct objq *q, int timeout_ms, int wait_fd);

void objq_unlink(struct objq *q, void *f);
/* The file after f (NULL: the first); NULL at the end. */
void *objq_next(const struct objq *q, void *f);

/* Opens p's file for an upload into *fd (read-only, close-on-exec) and
 * its size into *size; -1 with p->err set when it cannot be opened or
 * its size is not the manifest's. */
int objq_open_source(struct storage_put *p, int *fd, uint64_t *size);
/* Reads bytes [off, off + n) of fd into b, all of them (pread, again
 * after EINTR); -1 on an error (errno) or a file that ends first (errno
 * as it was). */
int objq_read_at(int fd, char *b, uint64_t n, uint64_t off);

#endif
