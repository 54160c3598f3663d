/*
 * storage_get: a driver for storage.h's blocking calls.
 *   storage_get URL KEY...
 * opens the storage at URL once (keys are under its prefix; S3 endpoint, region and credentials from
 * the environment, as stage-put takes them), streams each KEY to stdout in
 * turn, and exits 1 at the first failure.  The tests use it to see what
 * one storage does over several gets (one kept connection, say).
 */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "storage.h"

static int
to_stdout(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct storage st;
	struct storage_opts o;
	struct buf err = BUF_INIT, key = BUF_INIT;
	int rc = 0;

	log_init("storage_get");
	if (argc < 3)
		die(2, "usage: storage_get URL KEY...");
	http_init();
	memset(&o, 0, sizeof o);
	o.path_style = -1;
	o.jobs = 1;
	o.retries = 2;
	if (storage_open(&st, argv[1], &o, &err, NULL))
		die(2, "%s: %s", argv[1], err.p);
	for (int i = 2; i < argc && !rc; i++) {
		buf_reset(&err);
		buf_reset(&key);
		storage_key(&st, argv[i], &key);
		if (storage_get(&st, key.p, to_stdout, NULL, &err)) {
			log_err("%s: %s", argv[i], err.p ? err.p : "failed");
			rc = 1;
		}
	}
	storage_close(&st);
	buf_free(&err);
	buf_free(&key);
	if (fflush(stdout))
		rc = 1;
	return rc;
}
