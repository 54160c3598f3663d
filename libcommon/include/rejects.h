/*
 * rejects: the --rejects file of stage-write.  Each bad record becomes one
 * NDJSON line {"source": ..., "line": N, "error": ..., "record": "<text>"},
 * the record's bytes as a JSON string (invalid UTF-8 shown as U+FFFD), so
 * the file can be read, fixed and fed back.  Lines are buffered and
 * written in blocks; write errors end the program (exit 1).
 */
#ifndef STAGE_REJECTS_H
#define STAGE_REJECTS_H

#include <stddef.h>

#include "buf.h"

struct rejects {
	const char *path;
	int fd;
	size_t count;
	struct buf b;
};

/* Creates (truncates) path; -1 with errno set on failure. */
int rejects_open(struct rejects *r, const char *path);
void rejects_add(struct rejects *r, const char *src, size_t lineno,
    const char *why, const char *line, size_t len);
/* Writes what is buffered and closes the file. */
void rejects_close(struct rejects *r);

#endif
