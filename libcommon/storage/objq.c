/*
 * objq: the upload queue the HTTP object-store back ends share (objq.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "objq.h"

static void **
link_of(const struct objq *q, void *f)
{
	return (void **)((char *)f + q->link_off);
}

void
objq_init(struct objq *q, const struct objq_ops *ops, void *be,
    size_t link_off)
{
	struct buf empty = BUF_INIT;

	q->ops = ops;
	q->be = be;
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

void
objq_put(struct objq *q, struct storage *st, struct storage_put *p)
{
	void *f;

	if (!q->checked) {
		q->checked = 1;
		q->ops->check(st, &q->bad);
	}
	if (q->bad.len) {
		buf_add(&p->err, q->bad.p, q->bad.len);
		p->result = STORAGE_FAILED;
		p->done(p);
		return;
	}
	f = q->ops->file(q->be, p);
	*link_of(q, f) = NULL;
	*q->tail = f;
	q->tail = link_of(q, f);
	q->n++;
}

int
objq_run(struct objq *q, int timeout_ms, int wait_fd)
{
	q->ops->collect(q->be);
	q->ops->pump(q->be);
	if (q->n || wait_fd >= 0)
		q->ops->wait(q->be, timeout_ms, wait_fd);
	q->ops->collect(q->be);
	q->ops->pump(q->be);
	return q->n;
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
objq_open_source(struct storage_put *p, int *fd, uint64_t *size)
{
	struct stat sb;

	if ((*fd = open(p->path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(*fd, &sb)) {
		buf_printf(&p->err, "cannot open: %s", strerror(errno));
		return -1;
	}
	*size = (uint64_t)sb.st_size;
	if (p->bytes >= 0 && (uint64_t)p->bytes != *size) {
		buf_printf(&p->err, "size mismatch: the file has %llu bytes, "
		    "the manifest says %lld (changed since it was written?); "
		    "not uploaded", (unsigned long long)*size,
		    (long long)p->bytes);
		return -1;
	}
	return 0;
}

int
objq_read_at(int fd, char *b, uint64_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t r = pread(fd, b, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (uint64_t)r;
		off += (uint64_t)r;
	}
	return 0;
}
