/*
 * rejects: a 64 KiB buffer in front of write(2); bad records are rare,
 * so simplicity wins over speed here.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "json.h"
#include "log.h"
#include "rejects.h"

int
rejects_open(struct rejects *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->path = path;
	r->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	return r->fd < 0 ? -1 : 0;
}

static void
flush(struct rejects *r)
{
	if (fd_write_all(r->fd, r->b.p, r->b.len) < 0)
		die_errno(EXIT_FAIL, "%s", r->path);
	buf_reset(&r->b);
}

void
rejects_add(struct rejects *r, const char *src, size_t lineno,
    const char *why, const char *line, size_t len)
{
	struct buf *b = &r->b;

	r->count++;
	buf_adds(b, "{\"source\":");
	json_put_str_lossy(b, src, strlen(src));
	buf_printf(b, ",\"line\":%zu,\"error\":", lineno);
	json_put_str_lossy(b, why, strlen(why));
	buf_adds(b, ",\"record\":");
	json_put_str_lossy(b, line, len);
	buf_adds(b, "}\n");
	if (b->len >= (1 << 16))
		flush(r);
}

void
rejects_close(struct rejects *r)
{
	if (r->fd < 0)
		return;
	flush(r);
	if (close(r->fd) < 0)
		die_errno(EXIT_FAIL, "%s", r->path);
	r->fd = -1;
	buf_free(&r->b);
}
