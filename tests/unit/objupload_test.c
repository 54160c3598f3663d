/* Unit tests of objupload, the upload operation the HTTP object stores
 * share: how a file is cut into parts (enlarged to fit the service's
 * count, kept within its sizes), the body buffers kept for the next
 * request, and the words of a changed file's refusal.  The back ends'
 * own tests (stage-put, gcs, azure) run the engine end to end. */
#include <stdlib.h>
#include <string.h>

#include "objupload.h"
#include "tap.h"

static struct objup_file
sized(uint64_t size)
{
	struct objup_file f;

	memset(&f, 0, sizeof f);
	f.size = size;
	return f;
}

static void
test_plan(void)
{
	struct objup_file f = sized(100ULL << 20);

	objup_plan(&f, 16ULL << 20, 5ULL << 20, 5ULL << 30, 10000);
	ok(f.psize == 16ULL << 20 && f.nparts == 7 &&
	    objup_part_len(&f, 1) == 16ULL << 20 &&
	    objup_part_len(&f, 7) == 4ULL << 20,
	    "100 MiB in 16 MiB parts: 7, the last one short");
	f = sized(200ULL << 30);
	objup_plan(&f, 8ULL << 20, 5ULL << 20, 5ULL << 30, 10000);
	ok(f.nparts <= 10000 && f.psize % (1 << 20) == 0 &&
	    f.psize == 21ULL << 20,
	    "200 GiB: parts enlarged to whole MiB until at most 10,000 "
	    "(%llu bytes, %u parts)", (unsigned long long)f.psize, f.nparts);
	f = sized(30ULL << 20);
	objup_plan(&f, 1ULL << 20, 5ULL << 20, 0, 10000);
	ok(f.psize == 5ULL << 20 && f.nparts == 6,
	    "parts below the service's least size are raised to it");
	f = sized(1ULL << 40);
	objup_plan(&f, 16ULL << 20, 0, 4000ULL << 20, 50000);
	ok(f.psize == 21ULL << 20 && f.nparts <= 50000,
	    "no least size: 1 TiB in blocks enlarged to fit 50,000");
	f = sized(10ULL << 30);
	objup_plan(&f, 8ULL << 30, 0, 4000ULL << 20, 50000);
	ok(f.psize == 4000ULL << 20 && f.nparts == 3,
	    "parts above the service's largest size are cut to it");
	f = sized(0);
	objup_plan(&f, 8ULL << 20, 0, 0, 10000);
	ok(f.nparts == 1, "an empty file is one part");
}

static void
test_pool(void)
{
	struct objup u;
	char *a, *b, *c;

	memset(&u, 0, sizeof u);
	u.jobs = 2;
	a = objup_buf_get(&u, 100);
	b = objup_buf_get(&u, 200);
	c = objup_buf_get(&u, 300);
	objup_buf_put(&u, a, 100);
	objup_buf_put(&u, b, 200);
	objup_buf_put(&u, c, 300);
	ok(u.npool == 2, "at most jobs buffers are kept (%zu)", u.npool);
	ok(objup_buf_get(&u, 150) == b, "the last one given back is taken "
	    "first when it is large enough");
	ok(u.npool == 1, "taken from the pool");
	free(b);
	c = objup_buf_get(&u, 1000);
	ok(u.npool == 0, "one too small is dropped, a new one made");
	objup_buf_put(&u, c, 1000);
	objup_buf_put(&u, NULL, 0);
	ok(u.npool == 1, "NULL is nothing to keep");
	for (size_t i = 0; i < u.npool; i++)
		free(u.pool[i].p);
	free(u.pool);
}

static void
test_mismatch(void)
{
	struct buf b = BUF_INIT;

	objup_mismatch(&b, "aa", "bb");
	ok(strcmp(b.p, "sha256 mismatch: the file hashes to aa, the manifest "
	    "says bb (changed since it was written?); not uploaded") == 0,
	    "a changed file's refusal names both hashes");
	buf_free(&b);
}

int
main(void)
{
	test_plan();
	test_pool();
	test_mismatch();
	return tap_done();
}
