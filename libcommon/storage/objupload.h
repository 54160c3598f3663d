/*
 * objupload: one upload operation of an HTTP object store (s3://, az://,
 * gs://), shared so that each back end keeps only its protocol
 * (doc/DESIGN.md, "Adding a storage").
 *
 * A file goes through the protocol's states, one request at a time
 * (HEAD, create, commit, abort, ...), except in one state, the parts
 * state, where it is cut into parts (objup_plan) sent in parallel: each
 * part read and hashed on httpx.h's helper thread, in order (the whole
 * file's SHA-256 is taken part by part), then sent through objreq.h with
 * its own retries.  At most jobs requests (and prepared bodies) are in
 * flight over all files.  The engine holds the queue (objq.h), the
 * helper thread, the transfer slots, the part scheduling and the
 * bookkeeping of a file's end; the protocol brings small hooks
 * (struct objup_proto): the next request of a state (begin, commit,
 * abort, listing what a killed run left, cleanup), a part's request, the
 * helper thread's work, and what an answer means.
 *
 * A protocol may also prepare several files' requests in one job
 * (prep_many: Azure hashes up to eight small files' MD5s side by side):
 * such requests (batch set) wait on a short pending list, handed to the
 * helper thread together when OBJUP_BATCH are pending, when no request
 * is out whose answer could bring more (none but parts), or when the
 * first has waited OBJUP_BATCH_WAIT_MS.  Each keeps its own outcome.
 *
 * The back end's file and request structs start with struct objup_file
 * and struct objup_op, so that the hooks cast them back.
 */
#ifndef STAGE_OBJUPLOAD_H
#define STAGE_OBJUPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "httpx.h"
#include "objq.h"
#include "objreq.h"
#include "storage.h"

struct objup;

struct objup_file {
	struct objup *u;
	struct storage_put *p;
	int st;			/* the protocol's state */
	int busy;		/* a request that holds the file in flight */
	int fd;
	uint64_t size;
	/* In the parts state: */
	uint64_t psize;
	uint32_t nparts, next, parts_done, parts_out;
	int failed;
	void *link;		/* the next file (objq) */
};

/* The kind of a part's request; the protocol's kinds are 0 and up. */
#define OBJUP_PART (-1)
/* At most this many requests in one prep_many, and the longest the
 * first of a batch waits for the others (ms). */
#define OBJUP_BATCH 8
#define OBJUP_BATCH_WAIT_MS 50

struct objup_op {
	struct objreq r;
	struct objup *u;
	struct objup_file *f;
	int kind;
	uint32_t part;		/* a part's number, from 1 */
	int prepare;		/* read and hashed on the helper thread
				 * before it is sent */
	int nosend;		/* prepared, and nothing to send (a part
				 * the service already holds) */
	int holds;		/* it holds f->busy */
	int batch;		/* prepared with others (prep_many) */
	struct objup_op *batch_next;	/* the rest of its batch */
	struct buf perr;	/* preparation failed: why */
	struct httpx_job job;
};

struct objup_proto {
	const char *name;		/* "s3", "az", "gs": in messages */
	size_t file_size;		/* the back end's file struct */
	int parts_state;		/* the state in which parts go */
	/* objq's check: the bucket or container, once. */
	void (*check)(struct storage *st, struct buf *bad);
	/* The request f needs next in its state, NULL when none (waiting,
	 * or f finished).  It may start requests itself (objup_send). */
	struct objup_op *(*next)(struct objup_file *f);
	/* Part n's request, bytes [off, off + len) of the file. */
	struct objup_op *(*part)(struct objup_file *f, uint32_t n,
	    uint64_t off, uint64_t len);
	/* On the helper thread: reads and hashes op's body, or sets
	 * op->perr. */
	void (*prep)(struct objup_op *op);
	/* Optional, on the helper thread: prep of n (1 to OBJUP_BATCH)
	 * requests with batch set, each failing alone. */
	void (*prep_many)(struct objup_op **ops, size_t n);
	/* Optional, on the transfer thread, for each prepared request
	 * before the engine sends it: 1 if the hook took care of it. */
	int (*prepared)(struct objup_op *op);
	/* A part's answer: 0 if the part is stored (else objup_fail). */
	int (*part_done)(struct objup_op *op);
	/* Every other answer; 1 if op is kept (the hook frees it later). */
	int (*answer)(struct objup_op *op);
	/* The parts are over: all stored, or f failed and none is out.
	 * Sets the next state, or finishes f (then 1). */
	int (*parts_over)(struct objup_file *f);
	/* Optional: what op and f hold of the protocol's. */
	void (*op_free)(struct objup_op *op);
	void (*file_free)(struct objup_file *f);
};

struct objup {
	const struct objup_proto *proto;
	void *be;			/* the back end */
	struct objx *x;
	int jobs, inflight;
	int parts_out;			/* of inflight, parts */
	struct objq q;
	struct objq_ops qops;
	struct httpx_worker prep;
	/* Batch requests not yet handed to the helper thread. */
	struct objup_op *pending, **pending_tail;
	size_t npending;
	long long pending_since;	/* httpx_now_ms when the first came */
	/* Request bodies' buffers kept for the next (at most jobs): a
	 * fresh one of megabytes costs its pages' faults every time. */
	struct objup_buf {
		char *p;
		uint64_t cap;
	} *pool;
	size_t npool;
};

void objup_init(struct objup *u, const struct objup_proto *p, void *be,
    struct objx *x, int jobs);
/* Finishes the helper thread's jobs first. */
void objup_free(struct objup *u);
/* storage_ops.put and .run. */
void objup_put(struct objup *u, struct storage *st, struct storage_put *p);
int objup_run(struct objup *u, int timeout_ms, int wait_fd);

/* A file for a dry run (not queued), and its end. */
void objup_file_init(struct objup *u, struct objup_file *f,
    struct storage_put *p);
void objup_file_done(struct objup_file *f);

/* A request of size bytes (the back end's struct) for f. */
struct objup_op *objup_op_new(struct objup_file *f, size_t size, int kind,
    const char *method, const char *key);
void objup_op_free(struct objup_op *op);
/* Takes a transfer slot and sends op, or has it prepared first. */
void objup_send(struct objup_op *op);
void objup_prepare(struct objup_op *op);

/* A buffer of at least size bytes, and back (NULL: nothing); both on
 * the transfer thread (the helper thread fills what it is handed). */
char *objup_buf_get(struct objup *u, uint64_t size);
void objup_buf_put(struct objup *u, char *p, uint64_t size);

/* f's first failure ("s3 UploadPart 3 failed: ..."). */
void objup_fail(struct objup_file *f, const char *what,
    const struct objreq *r);
/* Ends f: unqueued, closed, freed, p->done called. */
void objup_finish(struct objup_file *f, enum storage_result res);
/* Opens f's file (its size must be the manifest's); -1 with f failed. */
int objup_open(struct objup_file *f);

/* The answer to a look at f's key: 1 if it holds the manifest's SHA-256
 * (meta) and is skipped; 0 if it is to be uploaded (absent, or other
 * content), the file then open; -1 if f failed and is finished (the
 * answer an error, "HEAD" naming it, or the file not to be opened). */
int objup_seen(struct objup_file *f, const struct objreq *r, int ok,
    const char *meta, int absent, const char *what);

/* Parts of size psize, enlarged to whole MiB until at most maxn, then
 * kept within [min, max] (0: no bound). */
void objup_plan(struct objup_file *f, uint64_t psize, uint64_t min,
    uint64_t max, uint64_t maxn);
/* The length of part n (from 1) of f's plan: psize but for the last. */
uint64_t objup_part_len(const struct objup_file *f, uint32_t n);
/* "sha256 mismatch: the file hashes to ..." into err. */
void objup_mismatch(struct buf *err, const char *hex, const char *want);

#endif
