/*
 * objq: the upload queue the HTTP object-store back ends share (objq.h).
 */
#include "objq.h"

static void **
link_of(const struct objq *q, void *f)
{
	return (void **)((char *)f + q->link_off);
}

void
objq_init(struct objq *q, size_t link_off)
{
	struct buf empty = BUF_INIT;

	q->head = NULL;
	q->tail = &q->head;
	q->link_off = link_off;
	q->n = 0;
	q->checked = 0;
	q->bad = empty;
}

void
objq_free(struct objq *q)
{
	buf_free(&q->bad);
}

int
objq_admit(struct objq *q, void (*check)(void *ctx), void *ctx,
    struct storage_put *p)
{
	if (!q->checked) {
		q->checked = 1;
		check(ctx);
	}
	if (!q->bad.len)
		return 1;
	buf_add(&p->err, q->bad.p, q->bad.len);
	p->result = STORAGE_FAILED;
	p->done(p);
	return 0;
}

void
objq_push(struct objq *q, void *f)
{
	*link_of(q, f) = NULL;
	*q->tail = f;
	q->tail = link_of(q, f);
	q->n++;
}

void
objq_unlink(struct objq *q, void *f)
{
	void **pp;

	for (pp = &q->head; *pp != f; pp = link_of(q, *pp))
		;
	*pp = *link_of(q, f);
	if (q->tail == link_of(q, f))
		q->tail = pp;
	q->n--;
}

void *
objq_next(const struct objq *q, void *f)
{
	return f ? *link_of(q, f) : q->head;
}

int
objq_turn(struct objq *q, void (*step)(void *be),
    void (*wait)(void *be, int timeout_ms, int wait_fd), void *be,
    int timeout_ms, int wait_fd)
{
	step(be);
	if (q->n || wait_fd >= 0)
		wait(be, timeout_ms, wait_fd);
	step(be);
	return q->n;
}
