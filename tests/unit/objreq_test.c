/* Unit tests of what the object stores' request engine (objreq.h) gives
 * every protocol: a try that cannot be made (authorize) fails without
 * being sent, from the loop and not from inside a start; a caller that
 * decides for itself (no_retry) gets one try; a file's first failure is
 * the one reported; and objq_read_at reads all or fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "objq.h"
#include "objreq.h"
#include "tap.h"

struct fake {
	const char *url;	/* where the tries go */
	const char *deny;	/* authorize's refusal, NULL: none */
	int builds, authorizes;
};

static void
build(const void *be, struct objreq *r, long long now)
{
	struct fake *f = (struct fake *)be;

	(void)now;
	f->builds++;
	objreq_fill(r, strdup(f->url), 5);
}

static int
authorize(const void *be, struct objreq *r, struct http_conn *c)
{
	struct fake *f = (struct fake *)be;

	(void)c;
	f->authorizes++;
	if (!f->deny)
		return 0;
	buf_adds(&r->msg, f->deny);
	return -1;
}

static int
ok_2xx(const struct objreq *r)
{
	return r->h.curl_rc == 0 && r->h.status >= 200 && r->h.status < 300;
}

static void
no_error(struct objreq *r)
{
	(void)r;
}

static int
never(const struct objreq *r)
{
	(void)r;
	return 0;
}

static const char *
root(const void *be)
{
	(void)be;
	return "bucket";
}

static const struct objx_proto proto = {
	.name = "fake",
	.key_noun = "object",
	.root_noun = "bucket",
	.root = root,
	.build = build,
	.authorize = authorize,
	.ok = ok_2xx,
	.parse_error = no_error,
	.retryable = never,
};

static int dones;

static void
done(struct objreq *r)
{
	(void)r;
	dones++;
}

static void
test_unsent(void)
{
	struct fake f = { "http://127.0.0.1:1/x", "no token: the key file "
	    "is not JSON", 0, 0 };
	struct http_conn *c = http_conn_new();
	struct objx x;
	struct objreq r;
	struct buf e = BUF_INIT;

	objx_init(&x, &proto, &f, 3, 1);
	objreq_init(&r, "GET", "k");
	ok(objx_perform(&x, c, &r) == -1 && r.unsent && r.tries == 1,
	    "blocking: a try authorize refuses fails at once, unsent");
	objreq_strerror(&r, &e);
	ok(strcmp(e.p, "no token: the key file is not JSON") == 0,
	    "its error is only why, no tries: %s", e.p);
	objreq_free(&r);
	objreq_init(&r, "GET", "k");
	r.done = done;
	dones = 0;
	objx_start(&x, &r);
	ok(dones == 0, "asynchronous: not done inside the start");
	for (int i = 0; i < 10 && !dones; i++)
		objx_run(&x, 10, -1);
	ok(dones == 1 && r.unsent && r.tries == 1,
	    "done from the loop, once, unsent");
	objreq_free(&r);
	buf_free(&e);
	objx_free(&x);
	http_conn_free(c);
}

static int
transient(const struct objreq *r)
{
	(void)r;
	return 1;
}

static void
test_no_retry(void)
{
	struct objx_proto p = proto;
	struct fake f = { "http://127.0.0.1:1/x", NULL, 0, 0 };
	struct http_conn *c = http_conn_new();
	struct objx x;
	struct objreq r;

	p.retryable = transient;
	objx_init(&x, &p, &f, 2, 1);
	objreq_init(&r, "PUT", "k");
	ok(objx_perform(&x, c, &r) == -1 && r.tries == 3 && !r.unsent,
	    "a refused connection is tried 1 + 2 times (tries %d)", r.tries);
	objreq_free(&r);
	objreq_init(&r, "PUT", "k");
	r.no_retry = 1;
	ok(objx_perform(&x, c, &r) == -1 && r.tries == 1,
	    "no_retry: one try, the caller decides (tries %d)", r.tries);
	objreq_free(&r);
	objx_free(&x);
	http_conn_free(c);
}

static void
test_fail(void)
{
	struct buf err = BUF_INIT;
	int failed = 0;

	objreq_fail(&err, &failed, "gs", "upload", NULL);
	objreq_fail(&err, &failed, "gs", "compose", NULL);
	ok(failed && strcmp(err.p, "gs upload failed: ") == 0,
	    "the first failure is the one reported: %s", err.p);
	buf_free(&err);
}

static void
test_read_at(void)
{
	char path[] = "/tmp/objreq_test.XXXXXX", b[16];
	int fd = mkstemp(path);

	ok(fd >= 0 && write(fd, "hello world", 11) == 11, "a file");
	unlink(path);
	memset(b, 0, sizeof b);
	ok(objq_read_at(fd, b, 5, 6) == 0 && memcmp(b, "world", 5) == 0,
	    "bytes from an offset");
	ok(objq_read_at(fd, b, 6, 6) == -1, "a file that ends first: -1");
	ok(objq_read_at(fd, b, 0, 99) == 0, "nothing to read: 0");
	close(fd);
}

int
main(void)
{
	http_init();
	test_unsent();
	test_no_retry();
	test_fail();
	test_read_at();
	return tap_done();
}
