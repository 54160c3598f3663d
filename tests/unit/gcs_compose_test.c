/* Unit tests of gs://'s parallel composite uploads (gcs_compose.h): how a
 * file is cut into at most 32 parts, the parts' names under the object's
 * key, the compose body, and which names of a listing answer are handed
 * on to be deleted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "gcs_compose.h"
#include "json.h"
#include "sha256.h"
#include "tap.h"

#define MiB (1ULL << 20)

static void
test_plan(void)
{
	struct gcs_parts pl;
	uint64_t off, len, sum = 0;

	ok(gcs_parts_plan(23 * MiB, 5 * MiB, &pl) == 0 && pl.n == 5 &&
	    pl.part == 5 * MiB, "23 MiB in 5 MiB parts: 5 parts");
	gcs_part_range(&pl, 4, &off, &len);
	ok(off == 20 * MiB && len == 3 * MiB, "the last part is the rest");
	ok(gcs_parts_plan(20 * MiB, 5 * MiB, &pl) == 0 && pl.n == 4,
	    "an exact multiple: no empty last part");
	ok(gcs_parts_plan(1024 * MiB, 16 * MiB, &pl) == 0 && pl.n == 32 &&
	    pl.part == 32 * MiB, "1 GiB in 16 MiB parts: enlarged to 32 of "
	    "32 MiB (compose takes 32 sources)");
	ok(gcs_parts_plan(1000 * MiB + 1, 5 * MiB, &pl) == 0 &&
	    pl.n == GCS_MAX_PARTS, "never more than 32 parts");
	for (int i = 0; i < pl.n; i++) {
		gcs_part_range(&pl, i, &off, &len);
		ok(off == sum && len > 0, "part %d follows the last", i);
		sum += len;
	}
	ok(sum == 1000 * MiB + 1, "the parts cover the file");
	ok(gcs_parts_plan(5 * MiB, 5 * MiB, &pl) == -1,
	    "a file of one part is not composed");
	ok(gcs_parts_plan(32 * GCS_MAX_PART + 1, 5 * MiB, &pl) == -1,
	    "parts beyond the memory bound: not composed");
	ok(gcs_parts_plan(32 * GCS_MAX_PART, 5 * MiB, &pl) == 0 &&
	    pl.part == GCS_MAX_PART, "at the bound: composed");
}

static void
test_names(void)
{
	struct buf b = BUF_INIT;

	gcs_part_name("raw/b/t/1.1.csv", 7, &b);
	ok(strcmp(b.p, "raw/b/t/1.1.csv.stage-parts/07") == 0, "part name %s",
	    b.p);
	buf_reset(&b);
	gcs_part_prefix("k", &b);
	ok(strcmp(b.p, "k.stage-parts/") == 0, "part prefix %s", b.p);
	buf_reset(&b);
	gcs_compose_body("a\"b", 2, "ab12", "AAAAAA==", &b);
	ok(strcmp(b.p, "{\"sourceObjects\":[{\"name\":\"a\\\"b.stage-parts/00"
	    "\"},{\"name\":\"a\\\"b.stage-parts/01\"}],\"destination\":{"
	    "\"contentType\":\"application/octet-stream\",\"metadata\":{"
	    "\"sha256\":\"ab12\"},\"crc32c\":\"AAAAAA==\"}}") == 0,
	    "compose body: %s", b.p);
	buf_free(&b);
}

static int
list(const char *json, struct buf *names, int *more)
{
	buf_reset(names);
	return gcs_list_names(json, strlen(json), "k.stage-parts/", names,
	    more);
}

static void
test_list(void)
{
	struct buf n = BUF_INIT;
	int more;

	ok(list("{\"items\":[{\"name\":\"k.stage-parts/00\"},{\"name\":"
	    "\"k.stage-parts/01\"}],\"nextPageToken\":\"x\"}", &n, &more) ==
	    2 && more && n.len == 34 && strcmp(n.p + 17, "k.stage-parts/01")
	    == 0, "two names, and more to come");
	ok(list("{\"kind\":\"storage#objects\"}", &n, &more) == 0 && !more,
	    "no items: none");
	ok(list("{\"items\":[{\"name\":\"k.other\"},{\"name\":\"k.stage-parts"
	    "/\\u0000x\"},{\"size\":1},7,{\"name\":3}],\"nextPageToken\":\"\"}",
	    &n, &more) == 0 && !more && n.len == 0,
	    "names outside the prefix, with a NUL, or not strings: passed "
	    "over");
	ok(list("{\"items\":[{\"name\":\"k.stage-parts/\"}]}", &n, &more) ==
	    0 && n.len == 0, "the prefix itself is not a part (fuzz finding)");
	ok(list("[1]", &n, &more) == -1, "not an object: -1");
	ok(list("{\"items\":{}}", &n, &more) == -1, "items not an array: -1");
	ok(list("{\"items\":[", &n, &more) == -1, "truncated: -1");
	buf_free(&n);
}

static void
test_body(void)
{
	char path[] = "/tmp/gcs_compose_test.XXXXXX", crc[9] = "", hex[65];
	int fd = mkstemp(path);
	struct gcs_parts pl;
	struct gcs_hashrun h = { 0 };
	struct buf err = BUF_INIT;
	struct sha256 s;
	unsigned char d[3000];
	char *body;
	size_t len, size;
	int rc = 0;

	for (size_t i = 0; i < sizeof d; i++)
		d[i] = (unsigned char)(i * 31 + 7);
	ok(fd >= 0 && write(fd, d, sizeof d) == (ssize_t)sizeof d,
	    "a file of 3000 bytes");
	sha256_init(&s);
	sha256_update(&s, d, sizeof d);
	sha256_final_hex(&s, hex);
	pl.size = sizeof d;
	pl.part = 1024;
	pl.n = 3;
	/* Part 0 is a whole part: its buffer fits every part's body (the
	 * pool's buffers are reused so). */
	size = gcs_part_body_size(&pl, "k", 0);
	body = malloc(size);
	for (int i = 0; i < 3 && rc == 0; i++) {
		rc = gcs_part_body(&h, &pl, fd, i, "k", hex, body, &len, crc,
		    &err);
		if (rc == 0) {
			size_t n = i < 2 ? 1024 : 952, tl = strlen("\r\n--"
			    GCS_PART_BOUNDARY "--\r\n");
			ok(len > n + tl && len <= gcs_part_body_size(&pl, "k",
			    i) && memcmp(body + len - tl - n, d + i * 1024,
			    n) == 0, "part %d holds its bytes, within the "
			    "size it was given", i);
		}
	}
	ok(rc == 0 && !h.open, "three parts, the sha256 checked");
	crc32c_base64(crc32c_update(0, d, sizeof d), hex);
	ok(strcmp(crc, hex) == 0, "the whole file's CRC-32C: %s", crc);
	rc = gcs_part_body(&h, &pl, fd, 0, "k", "00", body, &len, crc, &err);
	ok(rc == 0 && h.open, "a run begun");
	gcs_hashrun_free(&h);
	ok(!h.open, "and stopped: its context freed");
	for (int i = 0; i < 3 && rc == 0; i++)
		rc = gcs_part_body(&h, &pl, fd, i, "k", "00", body, &len, crc,
		    &err);
	ok(rc == -1 && strstr(err.p, "sha256 mismatch"),
	    "another sha256: the last part refused: %s", err.p);
	buf_reset(&err);
	pl.size = 5000;
	pl.n = 5;
	rc = gcs_part_body(&h, &pl, fd, 3, "k", "00", body, &len, crc, &err);
	ok(rc == -1 && strstr(err.p, "part 3 hashed out of order"),
	    "a part without its run: refused: %s", err.p);
	buf_reset(&err);
	rc = 0;
	for (int i = 0; i < 3 && rc == 0; i++)
		rc = gcs_part_body(&h, &pl, fd, i, "k", "00", body, &len, crc,
		    &err);
	rc = gcs_part_body(&h, &pl, fd, 3, "k", "00", body, &len, crc, &err);
	ok(rc == -1 && strstr(err.p, "reading at byte 3072"),
	    "a file shorter than planned: %s", err.p);
	gcs_hashrun_free(&h);
	buf_free(&err);
	free(body);
	close(fd);
	unlink(path);
}

int
main(void)
{
	test_plan();
	test_names();
	test_list();
	test_body();
	return tap_done();
}
