/*
 * gcs_compose: part plans, part names, compose bodies and listing
 * answers for parallel composite uploads (gcs_compose.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32c.h"
#include "gcs_compose.h"
#include "json.h"
#include "log.h"
#include "objq.h"

int
gcs_parts_plan(uint64_t size, uint64_t part_size, struct gcs_parts *pl)
{
	uint64_t part = part_size ? part_size : 1;
	uint64_t least = (size + GCS_MAX_PARTS - 1) / GCS_MAX_PARTS;

	if (part < least)
		part = least;
	if (part > GCS_MAX_PART || size <= part)
		return -1;
	pl->size = size;
	pl->part = part;
	pl->n = (int)((size + part - 1) / part);
	return 0;
}

void
gcs_part_range(const struct gcs_parts *pl, int i, uint64_t *off,
    uint64_t *len)
{
	*off = (uint64_t)i * pl->part;
	*len = pl->size - *off < pl->part ? pl->size - *off : pl->part;
}

void
gcs_part_prefix(const char *key, struct buf *out)
{
	buf_adds(out, key);
	buf_adds(out, ".stage-parts/");
}

void
gcs_part_name(const char *key, int i, struct buf *out)
{
	gcs_part_prefix(key, out);
	buf_printf(out, "%02d", i);
}

void
gcs_compose_body(const char *key, int n, const char *sha256,
    const char *crc, struct buf *out)
{
	struct buf name = BUF_INIT;

	buf_adds(out, "{\"sourceObjects\":[");
	for (int i = 0; i < n; i++) {
		buf_reset(&name);
		gcs_part_name(key, i, &name);
		buf_adds(out, i ? ",{\"name\":" : "{\"name\":");
		json_put_str(out, name.p, name.len);
		buf_addc(out, '}');
	}
	buf_adds(out, "],\"destination\":{\"contentType\":"
	    "\"application/octet-stream\",\"metadata\":{\"sha256\":");
	json_put_str(out, sha256, strlen(sha256));
	buf_printf(out, "},\"crc32c\":\"%s\"}}", crc);
	buf_free(&name);
}

static void
part_head(const char *name, const char *crc, struct buf *out)
{
	buf_adds(out, "--" GCS_PART_BOUNDARY "\r\nContent-Type: "
	    "application/json; charset=UTF-8\r\n\r\n{\"name\":");
	json_put_str(out, name, strlen(name));
	buf_printf(out, ",\"contentType\":\"application/octet-stream\","
	    "\"crc32c\":\"%s\"}\r\n--" GCS_PART_BOUNDARY "\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n", crc);
}

static const char part_tail[] = "\r\n--" GCS_PART_BOUNDARY "--\r\n";

int
gcs_read_hashed(int fd, char *b, uint64_t n, uint64_t off, struct sha256 *h,
    uint32_t *crc, struct buf *err)
{
	enum { PIECE = 256 << 10 };
	uint64_t at, m;

	for (at = 0; at < n; at += m) {
		m = n - at < PIECE ? n - at : PIECE;
		errno = 0;
		if (objq_read_at(fd, b + at, m, off + at)) {
			buf_printf(err, "reading at byte %llu: %s",
			    (unsigned long long)(off + at), errno ?
			    strerror(errno) : "the file shrank");
			return -1;
		}
		sha256_update(h, b + at, m);
		*crc = crc32c_update(*crc, b + at, m);
	}
	return 0;
}

/* After the last part: the SHA-256 checked, the CRC-32C written. */
static int
hashrun_end(struct gcs_hashrun *h, const char *want, char crc[9],
    struct buf *err)
{
	char hex[65];

	sha256_final_hex(&h->sha, hex);
	h->open = 0;
	if (strcmp(hex, want) != 0) {
		buf_printf(err, "sha256 mismatch: the file hashes to %s, the "
		    "manifest says %s (changed since it was written?); not "
		    "composed", hex, want);
		return -1;
	}
	crc32c_base64(h->crc, crc);
	return 0;
}

size_t
gcs_part_body_size(const struct gcs_parts *pl, const char *key, int i)
{
	struct buf head = BUF_INIT, name = BUF_INIT;
	uint64_t off, n;
	size_t size;

	gcs_part_range(pl, i, &off, &n);
	gcs_part_name(key, i, &name);
	/* The CRC-32C's base64 is always 8 characters long. */
	part_head(name.p, "AAAAAA==", &head);
	size = head.len + (size_t)n + sizeof part_tail;
	buf_free(&head);
	buf_free(&name);
	return size;
}

int
gcs_part_body(struct gcs_hashrun *h, const struct gcs_parts *pl, int fd,
    int i, const char *key, const char *want, char *b, size_t *len,
    char crc[9], struct buf *err)
{
	struct buf head = BUF_INIT, name = BUF_INIT;
	uint64_t off, n;
	uint32_t c = 0;
	char pcrc[9];
	size_t hl;
	int rc = -1;

	gcs_part_range(pl, i, &off, &n);
	gcs_part_name(key, i, &name);
	part_head(name.p, "AAAAAA==", &head);
	hl = head.len;
	if (i == 0) {
		sha256_init(&h->sha);
		h->open = 1;
		h->crc = 0;
	}
	if (!h->open) {
		buf_printf(err, "part %d hashed out of order", i);
		goto out;
	}
	if (gcs_read_hashed(fd, b + hl, n, off, &h->sha, &c, err))
		goto out;
	/* The whole file's from the parts' (one pass over the bytes). */
	h->crc = crc32c_combine(h->crc, c, n);
	crc32c_base64(c, pcrc);
	if (i == pl->n - 1 && hashrun_end(h, want, crc, err))
		goto out;
	buf_reset(&head);
	part_head(name.p, pcrc, &head);
	memcpy(b, head.p, hl);
	memcpy(b + hl + n, part_tail, sizeof part_tail - 1);
	*len = hl + n + sizeof part_tail - 1;
	rc = 0;
out:
	buf_free(&head);
	buf_free(&name);
	return rc;
}

void
gcs_hashrun_free(struct gcs_hashrun *h)
{
	char hex[65];

	if (h->open)
		sha256_final_hex(&h->sha, hex);
	h->open = 0;
}

int
gcs_list_names(const char *json, size_t n, const char *prefix,
    struct buf *names, int *more)
{
	struct json_doc d = { 0 };
	struct buf one = BUF_INIT;
	int items, next, count = -1;

	*more = 0;
	if (json_parse(&d, json, n) || !d.ntok || d.tok[0].type != JSON_OBJECT)
		goto out;
	next = json_obj_get(&d, 0, "nextPageToken");
	*more = next >= 0 && d.tok[next].type == JSON_STRING &&
	    d.tok[next].len > 0;
	count = 0;
	items = json_obj_get(&d, 0, "items");
	if (items < 0)
		goto out;
	if (d.tok[items].type != JSON_ARRAY) {
		count = -1;
		goto out;
	}
	for (int i = items + 1; i < (int)d.tok[items].end;
	    i = (int)d.tok[i].end) {
		int nm;
		if (d.tok[i].type != JSON_OBJECT ||
		    (nm = json_obj_get(&d, i, "name")) < 0 ||
		    d.tok[nm].type != JSON_STRING)
			continue;
		buf_reset(&one);
		json_str_decode(&d.tok[nm], &one);
		if (one.len <= strlen(prefix) || memchr(one.p, '\0', one.len) ||
		    strncmp(one.p, prefix, strlen(prefix)) != 0)
			continue;	/* not a part's name */
		buf_add(names, one.p, one.len);
		buf_addc(names, '\0');
		count++;
	}
out:
	json_doc_free(&d);
	buf_free(&one);
	return count;
}
