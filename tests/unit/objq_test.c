/* Unit tests of objq, the upload queue of the HTTP object stores: the
 * check made once, its verdict failing every file, the order of the
 * files across unlinks, and a turn of the loop. */
#include <stdlib.h>
#include <string.h>

#include "objq.h"
#include "tap.h"

struct fakefile {
	int id;
	void *link;
};

struct fakebe {
	struct objq q;
	int checks, files, collects, pumps, waits;
	const char *verdict;	/* the check's: NULL when all is well */
	struct fakefile *made[8];
};

static void
check(struct storage *st, struct buf *bad)
{
	struct fakebe *be = (struct fakebe *)st;

	be->checks++;
	if (be->verdict)
		buf_adds(bad, be->verdict);
}

static void *
file(void *ctx, struct storage_put *p)
{
	struct fakebe *be = ctx;
	struct fakefile *f = calloc(1, sizeof *f);

	(void)p;
	f->id = be->files;
	be->made[be->files++] = f;
	return f;
}

static void
collect(void *ctx)
{
	((struct fakebe *)ctx)->collects++;
}

static void
pump(void *ctx)
{
	((struct fakebe *)ctx)->pumps++;
}

static void
wait_net(void *ctx, int timeout_ms, int wait_fd)
{
	(void)timeout_ms;
	(void)wait_fd;
	((struct fakebe *)ctx)->waits++;
}

static const struct objq_ops ops = {
	.check = check, .file = file, .collect = collect, .pump = pump,
	.wait = wait_net,
};

static int ndone;

static void
done(struct storage_put *p)
{
	(void)p;
	ndone++;
}

/* The ids of the queue in order, as digits. */
static const char *
order(struct fakebe *be, char *out)
{
	char *o = out;

	for (struct fakefile *f = objq_next(&be->q, NULL); f;
	    f = objq_next(&be->q, f))
		*o++ = (char)('0' + f->id);
	*o = 0;
	return out;
}

static void
test_queue(void)
{
	struct fakebe be;
	struct storage_put p[5];
	char s[16];

	memset(&be, 0, sizeof be);
	memset(p, 0, sizeof p);
	objq_init(&be.q, &ops, &be, offsetof(struct fakefile, link));
	for (int i = 0; i < 4; i++)
		objq_put(&be.q, (struct storage *)&be, &p[i]);
	ok(be.checks == 1, "the check runs once, before the first file");
	ok(be.q.n == 4 && strcmp(order(&be, s), "0123") == 0,
	    "files queue in the order put (%s)", s);
	objq_unlink(&be.q, be.made[1]);
	ok(be.q.n == 3 && strcmp(order(&be, s), "023") == 0,
	    "a file from the middle unlinks (%s)", s);
	objq_unlink(&be.q, be.made[3]);
	objq_put(&be.q, (struct storage *)&be, &p[4]);
	ok(strcmp(order(&be, s), "024") == 0,
	    "after the last one unlinks, the next put goes at the end (%s)",
	    s);
	objq_unlink(&be.q, be.made[0]);
	objq_unlink(&be.q, be.made[2]);
	objq_unlink(&be.q, be.made[4]);
	ok(be.q.n == 0 && objq_next(&be.q, NULL) == NULL,
	    "every file unlinked: the queue is empty");
	objq_put(&be.q, (struct storage *)&be, &p[0]);
	ok(strcmp(order(&be, s), "5") == 0 && be.checks == 1,
	    "an emptied queue takes files again, no second check (%s)", s);
	for (int i = 0; i < be.files; i++)
		free(be.made[i]);
	objq_free(&be.q);
}

static void
test_verdict(void)
{
	struct fakebe be;
	struct storage_put p[3];
	int all = 1;

	memset(&be, 0, sizeof be);
	memset(p, 0, sizeof p);
	be.verdict = "bucket b: 404 NoSuchBucket (after 1 try)";
	objq_init(&be.q, &ops, &be, offsetof(struct fakefile, link));
	ndone = 0;
	for (int i = 0; i < 3; i++) {
		p[i].done = done;
		p[i].result = STORAGE_DONE;
		objq_put(&be.q, (struct storage *)&be, &p[i]);
		all &= p[i].result == STORAGE_FAILED && p[i].err.p &&
		    strcmp(p[i].err.p, be.verdict) == 0;
		buf_free(&p[i].err);
	}
	ok(all && ndone == 3, "a failed check fails every file with its "
	    "reason, each done");
	ok(be.checks == 1 && be.files == 0 && be.q.n == 0,
	    "one check, and no file made or queued");
	objq_free(&be.q);
}

static void
test_run(void)
{
	struct fakebe be;
	struct storage_put p;
	int n;

	memset(&be, 0, sizeof be);
	memset(&p, 0, sizeof p);
	objq_init(&be.q, &ops, &be, offsetof(struct fakefile, link));
	n = objq_run(&be.q, 10, -1);
	ok(n == 0 && be.waits == 0 && be.collects == 2 && be.pumps == 2,
	    "an empty queue: collect and pump, no wait");
	n = objq_run(&be.q, 10, 0);
	ok(be.waits == 1, "an empty queue still waits on a watched fd");
	objq_put(&be.q, (struct storage *)&be, &p);
	n = objq_run(&be.q, 10, -1);
	ok(n == 1 && be.waits == 2 && be.collects == 6,
	    "a queued file: collect, pump, wait, collect, pump; 1 left");
	free(be.made[0]);
	objq_free(&be.q);
}

int
main(void)
{
	test_queue();
	test_verdict();
	test_run();
	return tap_done();
}
