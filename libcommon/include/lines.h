/*
 * lines: a fast line reader over a file descriptor.  Lines are returned in
 * place (no copy), NUL-terminated, without their '\n'; a line may be as
 * long as memory allows.  A returned line stays valid until the next call.
 */
#ifndef STAGE_LINES_H
#define STAGE_LINES_H

#include <stddef.h>

struct lines {
	int fd;
	char *buf;
	size_t cap, start, end;
	int eof;
	size_t lineno;		/* number of the line last returned, from 1 */
	int unterminated;	/* the last line returned had no '\n' */
};

void lines_open(struct lines *r, int fd);
/* 1 with *line and *len set, 0 at end of input, -1 on a read error. */
int lines_next(struct lines *r, char **line, size_t *len);
/* 1 if lines_next would return without reading: a whole line is
 * buffered, or end of input was seen (for callers that poll the fd). */
int lines_ready(const struct lines *r);
void lines_free(struct lines *r);

#endif
