/*
 * lines: buffered read(2) and memchr; the buffer doubles when one line
 * does not fit, so memory is bounded by the longest line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "log.h"

#define LINES_CHUNK (1 << 20)

void
lines_open(struct lines *r, int fd)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->cap = LINES_CHUNK;
	r->buf = xmalloc(r->cap + 1);
}

/* Reads more input after what is buffered; 0 at EOF, -1 on error. */
static ssize_t
fill(struct lines *r)
{
	ssize_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		r->cap *= 2;
		r->buf = xrealloc(r->buf, r->cap + 1);
	}
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		r->end += (size_t)n;
	return n;
}

int
lines_next(struct lines *r, char **line, size_t *len)
{
	size_t scanned = 0;

	for (;;) {
		char *b = r->buf + r->start, *nl;
		size_t avail = r->end - r->start;

		nl = memchr(b + scanned, '\n', avail - scanned);
		if (nl) {
			*nl = '\0';
			*line = b;
			*len = (size_t)(nl - b);
			r->start += *len + 1;
			r->lineno++;
			r->unterminated = 0;
			return 1;
		}
		scanned = avail;
		if (r->eof) {
			if (avail == 0)
				return 0;
			b[avail] = '\0';
			*line = b;
			*len = avail;
			r->start = r->end;
			r->lineno++;
			r->unterminated = 1;
			return 1;
		}
		ssize_t n = fill(r);
		if (n < 0)
			return -1;
		if (n == 0)
			r->eof = 1;
	}
}

void
lines_free(struct lines *r)
{
	free(r->buf);
	r->buf = NULL;
}

int
lines_ready(const struct lines *r)
{
	return r->eof || (r->buf && r->end > r->start &&
	    memchr(r->buf + r->start, '\n', r->end - r->start) != NULL);
}
