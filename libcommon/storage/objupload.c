/*
 * objupload: the upload operation s3://, az:// and gs:// share
 * (objupload.h): queue, transfer slots, helper thread, part scheduling.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "objupload.h"

static void up_done(struct objreq *r);

struct objup_op *
objup_op_new(struct objup_file *f, size_t size, int kind, const char *method,
    const char *key)
{
	struct objup_op *op = xcalloc(1, size);

	objreq_init(&op->r, method, key);
	op->r.done = up_done;
	op->r.ctx = op;
	op->u = f->u;
	op->f = f;
	op->kind = kind;
	return op;
}

void
objup_op_free(struct objup_op *op)
{
	if (op->u->proto->op_free)
		op->u->proto->op_free(op);
	objreq_free(&op->r);
	buf_free(&op->perr);
	free(op);
}

void
objup_send(struct objup_op *op)
{
	op->u->inflight++;
	objx_start(op->u->x, &op->r);
}

static struct objup_op *
op_of(struct httpx_job *j)
{
	return (struct objup_op *)((char *)j - offsetof(struct objup_op,
	    job));
}

/* On the helper thread. */
static void
prep_job(struct httpx_job *j)
{
	struct objup_op *op = op_of(j);

	op->u->proto->prep(op);
}

/* On the helper thread: the batch chained from j's request, which the
 * transfer thread no longer touches until it is collected. */
static void
prep_batch(struct httpx_job *j)
{
	struct objup_op *ops[OBJUP_BATCH], *op = op_of(j);
	size_t n = 0;

	for (; op; op = op->batch_next)
		ops[n++] = op;
	ops[0]->u->proto->prep_many(ops, n);
}

/* Hands the pending batch to the helper thread as one job. */
static void
flush_batch(struct objup *u)
{
	struct objup_op *first = u->pending;

	if (!first)
		return;
	u->pending = NULL;
	u->pending_tail = &u->pending;
	u->npending = 0;
	first->job.run = prep_batch;
	httpx_worker_push(&u->prep, &first->job);
}

/* The request holds a transfer slot from now on, so that memory stays
 * bounded by jobs prepared bodies. */
void
objup_prepare(struct objup_op *op)
{
	struct objup *u = op->u;

	u->inflight++;
	if (op->batch && u->proto->prep_many) {
		op->batch_next = NULL;
		if (!u->pending)
			u->pending_since = httpx_now_ms();
		*u->pending_tail = op;
		u->pending_tail = &op->batch_next;
		if (++u->npending == OBJUP_BATCH)
			flush_batch(u);
		return;
	}
	op->job.run = prep_job;
	httpx_worker_push(&u->prep, &op->job);
}

char *
objup_buf_get(struct objup *u, uint64_t size)
{
	/* The last one given back first; one too small is dropped. */
	while (u->npool) {
		struct objup_buf b = u->pool[--u->npool];
		if (size <= b.cap)
			return b.p;
		free(b.p);
	}
	return xmalloc(size ? size : 1);
}

void
objup_buf_put(struct objup *u, char *p, uint64_t size)
{
	if (!p)
		return;
	if (u->npool >= (size_t)u->jobs) {
		free(p);
		return;
	}
	u->pool = xrealloc(u->pool, (u->npool + 1) * sizeof *u->pool);
	u->pool[u->npool++] = (struct objup_buf){ p, size };
}

void
objup_fail(struct objup_file *f, const char *what, const struct objreq *r)
{
	objreq_fail(&f->p->err, &f->failed, f->u->proto->name, what, r);
}

void
objup_file_init(struct objup *u, struct objup_file *f, struct storage_put *p)
{
	f->u = u;
	f->p = p;
	f->fd = -1;
}

void
objup_file_done(struct objup_file *f)
{
	if (f->u->proto->file_free)
		f->u->proto->file_free(f);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

void
objup_finish(struct objup_file *f, enum storage_result res)
{
	objq_unlink(&f->u->q, f);
	objup_file_done(f);
	f->p->result = f->failed ? STORAGE_FAILED : res;
	f->p->done(f->p);
	free(f);
}

int
objup_open(struct objup_file *f)
{
	if (objq_open_source(f->p, &f->fd, &f->size)) {
		f->failed = 1;
		return -1;
	}
	return 0;
}

int
objup_seen(struct objup_file *f, const struct objreq *r, int ok,
    const char *meta, int absent, const char *what)
{
	if (ok) {
		if (meta && *meta && strcmp(meta, f->p->sha256) == 0) {
			log_verbose("%s: already stored with sha256 %s, "
			    "skipped", f->p->key, meta);
			return 1;
		}
		log_verbose("%s: exists with sha256 %s, replacing", f->p->key,
		    meta && *meta ? meta : "(none)");
	} else if (!absent) {
		objup_fail(f, what, r);
		objup_finish(f, STORAGE_FAILED);
		return -1;
	}
	if (objup_open(f)) {
		objup_finish(f, STORAGE_FAILED);
		return -1;
	}
	return 0;
}

void
objup_plan(struct objup_file *f, uint64_t ps, uint64_t min, uint64_t max,
    uint64_t maxn)
{
	/* Enlarge parts (to whole MiB) until the file fits maxn. */
	if ((f->size + ps - 1) / ps > maxn)
		ps = ((f->size / maxn) / (1 << 20) + 1) << 20;
	if (min && ps < min)
		ps = min;
	if (max && ps > max)
		ps = max;
	f->psize = ps;
	f->nparts = (uint32_t)((f->size + ps - 1) / ps);
	if (f->nparts == 0)
		f->nparts = 1;
}

uint64_t
objup_part_len(const struct objup_file *f, uint32_t n)
{
	uint64_t off = (uint64_t)(n - 1) * f->psize;

	return f->size - off < f->psize ? f->size - off : f->psize;
}

void
objup_mismatch(struct buf *err, const char *hex, const char *want)
{
	buf_printf(err, "sha256 mismatch: the file hashes to %s, the "
	    "manifest says %s (changed since it was written?); not uploaded",
	    hex, want);
}

static void
up_done(struct objreq *r)
{
	struct objup_op *op = r->ctx;
	struct objup_file *f = op->f;
	struct objup *u = op->u;

	u->inflight--;
	if (op->kind == OBJUP_PART) {
		f->parts_out--;
		u->parts_out--;
		if (u->proto->part_done(op) == 0)
			f->parts_done++;
	} else {
		if (op->holds)
			f->busy = 0;
		if (u->proto->answer(op))
			return;		/* kept */
	}
	objup_op_free(op);
}

/* A prepared request that is not to be sent: its file failed here, or
 * it is a part of a file that already failed. */
static void
drop_prepared(struct objup_op *op)
{
	struct objup_file *f = op->f;

	op->u->inflight--;
	if (!f->failed && op->perr.len) {
		f->failed = 1;
		buf_add(&f->p->err, op->perr.p, op->perr.len);
	}
	if (op->kind == OBJUP_PART) {
		f->parts_out--;
		op->u->parts_out--;
	} else {
		if (op->holds)
			f->busy = 0;
		objup_finish(f, STORAGE_FAILED);
	}
	objup_op_free(op);
}

/* Sends a request the helper thread prepared, or fails its file. */
static void
collect_op(struct objup *u, struct objup_op *op)
{
	struct objup_file *f = op->f;

	if (u->proto->prepared && u->proto->prepared(op))
		return;
	if (op->perr.len || (op->kind == OBJUP_PART && f->failed)) {
		drop_prepared(op);
	} else if (op->nosend) {
		/* Hashed for the file's SHA-256, already there. */
		u->inflight--;
		f->parts_out--;
		u->parts_out--;
		f->parts_done++;
		objup_op_free(op);
	} else {
		objx_start(u->x, &op->r);
	}
}

/* Each prepared request, a batch's one by one. */
static void
up_collect(void *ctx)
{
	struct objup *u = ctx;
	struct httpx_job *j = httpx_worker_take(&u->prep), *nx;
	struct objup_op *op, *next;

	for (; j; j = nx) {
		nx = j->next;
		for (op = op_of(j); op; op = next) {
			next = op->batch_next;
			collect_op(u, op);
		}
	}
}

/* Prepares parts while there is room; 1 if f is gone once they are
 * over. */
static int
pump_parts(struct objup *u, struct objup_file *f)
{
	while (!f->failed && f->next < f->nparts && u->inflight < u->jobs) {
		uint64_t off = (uint64_t)f->next * f->psize;
		struct objup_op *op;
		f->next++;
		op = u->proto->part(f, f->next, off,
		    objup_part_len(f, f->next));
		op->kind = OBJUP_PART;
		op->part = f->next;
		f->parts_out++;
		u->parts_out++;
		objup_prepare(op);
	}
	if ((f->failed && f->parts_out == 0) ||
	    (!f->failed && f->parts_done == f->nparts))
		return u->proto->parts_over(f);
	return 0;
}

/* Starts whatever requests fit, file by file in order. */
static void
up_pump(void *ctx)
{
	struct objup *u = ctx;
	struct objup_file *f = objq_next(&u->q, NULL), *nx;
	struct objup_op *op;

	for (; f && u->inflight < u->jobs; f = nx) {
		nx = objq_next(&u->q, f);
		if (f->busy)
			continue;
		if (f->st == u->proto->parts_state &&
		    (pump_parts(u, f) || f->st == u->proto->parts_state))
			continue;
		if (!(op = u->proto->next(f)))
			continue;
		f->busy = 1;
		op->holds = 1;
		if (op->prepare)
			objup_prepare(op);
		else
			objup_send(op);
	}
}

static void *
up_file(void *ctx, struct storage_put *p)
{
	struct objup *u = ctx;
	struct objup_file *f = xcalloc(1, u->proto->file_size);

	objup_file_init(u, f, p);
	return f;
}

static void
up_wait(void *ctx, int timeout_ms, int wait_fd)
{
	struct objup *u = ctx;

	/* The batch waits for more while requests whose answers may bring
	 * them are out (any but parts: a HEAD, another file's Put Blob
	 * whose end lets the next file start), OBJUP_BATCH_WAIT_MS at the
	 * most from its first: on a fast link files come ready a few ms
	 * apart and it fills; on a slow one no file waits behind a long
	 * upload, and the hashing it saves matters little there. */
	if (u->npending) {
		long long left = u->pending_since + OBJUP_BATCH_WAIT_MS -
		    httpx_now_ms();
		if (u->inflight - u->parts_out == (int)u->npending || left <= 0)
			flush_batch(u);
		else if (timeout_ms < 0 || left < timeout_ms)
			timeout_ms = (int)left;
	}
	objx_run(u->x, timeout_ms, wait_fd);
	httpx_delays_fire(&u->x->delayed, 0);	/* retries come due */
}

void
objup_init(struct objup *u, const struct objup_proto *p, void *be,
    struct objx *x, int jobs)
{
	u->proto = p;
	u->be = be;
	u->x = x;
	u->jobs = jobs;
	u->inflight = 0;
	u->parts_out = 0;
	u->pool = NULL;
	u->npool = 0;
	u->pending = NULL;
	u->pending_tail = &u->pending;
	u->npending = 0;
	u->pending_since = 0;
	u->qops = (struct objq_ops){ p->check, up_file, up_collect, up_pump,
		up_wait };
	objq_init(&u->q, &u->qops, u, offsetof(struct objup_file, link));
	httpx_worker_init(&u->prep, x->http);
}

void
objup_free(struct objup *u)
{
	struct objup_op *op, *next;

	/* A batch still pending (the run was given up): nothing will send
	 * it, so it is freed, not hashed. */
	for (op = u->pending; op; op = next) {
		next = op->batch_next;
		objup_op_free(op);
	}
	httpx_worker_free(&u->prep);
	objq_free(&u->q);
	for (size_t i = 0; i < u->npool; i++)
		free(u->pool[i].p);
	free(u->pool);
}

void
objup_put(struct objup *u, struct storage *st, struct storage_put *p)
{
	objq_put(&u->q, st, p);
}

int
objup_run(struct objup *u, int timeout_ms, int wait_fd)
{
	return objq_run(&u->q, timeout_ms, wait_fd);
}
