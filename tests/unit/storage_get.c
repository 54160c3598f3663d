/*
 * storage_get: storage.h's blocking get, several times on one storage.
 *   storage_get [-r OFF LEN] URL KEY...
 * opens the storage at URL once (keys are under its prefix; S3 endpoint,
 * region and credentials from the environment, as stage-put takes them),
 * streams each KEY (with -r, its bytes [OFF, OFF + LEN) through the ranged
 * read; LEN 0: to the end) to stdout in turn, and exits 1 at the first
 * failure.
 * The tests point it at S3 through a proxy to see what one storage does
 * over several gets (kept connections, a resumed GET).  Without arguments
 * it tests itself on a local directory (TAP).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "storage.h"
#include "tap.h"

static int
to_file(void *ctx, const void *p, size_t n)
{
	return fwrite(p, 1, n, ctx) == n ? 0 : -1;
}

static int
to_buf(void *ctx, const void *p, size_t n)
{
	buf_add(ctx, p, n);
	return 0;
}

/* The byte range -r asks for (ranged 0: whole objects). */
static int ranged;
static uint64_t range_off, range_len;

/* Gets keys[0..n) from the storage at url into sink; 0, or -1 after
 * reporting the first failure. */
static int
get_all(const char *url, char **keys, int n, storage_sink sink, void *ctx)
{
	struct storage st;
	struct storage_opts o;
	struct buf err = BUF_INIT, key = BUF_INIT;
	int rc = 0;

	memset(&o, 0, sizeof o);
	o.path_style = -1;
	o.reads_only = 1;
	o.jobs = 1;
	o.retries = 2;
	if (storage_open(&st, url, &o, &err, NULL))
		die(2, "%s: %s", url, err.p);
	for (int i = 0; i < n && !rc; i++) {
		buf_reset(&err);
		buf_reset(&key);
		storage_key(&st, keys[i], &key);
		if (ranged ? storage_get_range(&st, key.p, range_off,
		    range_len, sink, ctx, &err) :
		    storage_get(&st, key.p, sink, ctx, &err)) {
			log_err("%s: %s", keys[i], err.p ? err.p : "failed");
			rc = -1;
		}
	}
	storage_close(&st);
	buf_free(&err);
	buf_free(&key);
	return rc;
}

static void
put_file(const char *dir, const char *name, const char *text)
{
	struct buf path = BUF_INIT;
	FILE *f;

	buf_printf(&path, "%s/%s", dir, name);
	if (!(f = fopen(path.p, "w")) || fputs(text, f) == EOF || fclose(f))
		die(1, "%s: cannot write", path.p);
	buf_free(&path);
}

/* Ranged reads of the first n of "first\n" and "second\n". */
static const struct {
	uint64_t off, len;
	int n, rc;
	const char *want, *what;
} ranges[] = {
	{ 2, 3, 2, 0, "rstcon",
	    "a ranged read gives bytes [off, off + len) of each object" },
	{ 4, 0, 2, 0, "t\nnd\n",
	    "a ranged read of length 0 reads to the end" },
	{ 3, 100, 1, 0, "st\n",
	    "a range past the end gives the bytes there are" },
	{ 6, 100, 1, -1, "", "a range starting at the end fails" },
};

static int
self_test(void)
{
	char dir[] = "/tmp/storage_get.XXXXXX";
	char *two[] = { "a", "b" }, *missing[] = { "a", "none" };
	struct buf url = BUF_INIT, got = BUF_INIT;

	if (!mkdtemp(dir))
		die(1, "mkdtemp failed");
	put_file(dir, "a", "first\n");
	put_file(dir, "b", "second\n");
	buf_printf(&url, "file://%s", dir);
	ok(get_all(url.p, two, 2, to_buf, &got) == 0 &&
	    strcmp(got.p, "first\nsecond\n") == 0,
	    "two gets on one storage stream both objects in turn");
	buf_reset(&got);
	ok(get_all(url.p, missing, 2, to_buf, &got) == -1 &&
	    strcmp(got.p, "first\n") == 0,
	    "a missing object fails after the ones before it");
	buf_reset(&got);
	ranged = 1;
	for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++) {
		range_off = ranges[i].off;
		range_len = ranges[i].len;
		buf_reset(&got);
		ok(get_all(url.p, two, ranges[i].n, to_buf, &got) ==
		    ranges[i].rc && strcmp(got.p ? got.p : "",
		    ranges[i].want) == 0, "%s", ranges[i].what);
	}
	ranged = 0;
	buf_reset(&got);
	buf_printf(&got, "%s/a", dir);
	unlink(got.p);
	got.p[got.len - 1] = 'b';
	unlink(got.p);
	rmdir(dir);
	buf_free(&url);
	buf_free(&got);
	return tap_done();
}

int
main(int argc, char **argv)
{
	log_init("storage_get");
	if (argc == 1)
		return self_test();
	if (argc > 3 && strcmp(argv[1], "-r") == 0) {
		ranged = 1;
		range_off = strtoull(argv[2], NULL, 10);
		range_len = strtoull(argv[3], NULL, 10);
		argc -= 3;
		argv += 3;
	}
	if (argc < 3)
		die(2, "usage: storage_get [-r OFF LEN] [URL KEY...]");
	if (get_all(argv[1], argv + 2, argc - 2, to_file, stdout) < 0)
		return 1;
	return fflush(stdout) ? 1 : 0;
}
