/*
 * sfput_cloud: the bytes of a Snowflake PUT moved to the cloud stage the
 * PUT's answer names (sfput.h): S3 with our SigV4 client (s3.h) and the
 * stage's temporary credentials; Azure's Put Blob with the stage's SAS
 * token; GCS through the presigned URL or the JSON API with the stage's
 * access token.  With client-side encryption (sfcse.h) the object
 * carries what the drivers put beside it: S3's x-amz-meta-x-amz-key,
 * -x-amz-iv and -x-amz-matdesc; GCS's and Azure's "encryptiondata" JSON
 * and "matdesc".  Each is one request of the whole file (the stage's
 * file is one table's rows of one load), retried on transport errors,
 * 429 and 5xx with backoff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "httpx.h"
#include "objreq.h"
#include "s3.h"
#include "sfcse.h"
#include "sfput.h"
#include "sigv4.h"

#define SFPUT_TRIES 6
/* One S3 PUT takes at most 5 GiB; Azure's Put Blob 5000 MiB. */
#define S3_ONE_PUT (5ULL << 30)
#define AZ_ONE_PUT (5000ULL << 20)

/* --- S3 --- */

/* endPoint: "host[:port]" (https), or, for an emulator,
 * "http[s]://host[:port]", which also means path-style requests. */
static int
s3_where(const struct sfput *p, struct s3_cfg *c)
{
	const char *ep = p->endpoint;
	int explicit = 0;

	c->scheme = strdup("https");
	if (ep && strncmp(ep, "http://", 7) == 0) {
		free(c->scheme);
		c->scheme = strdup("http");
		ep += 7;
		explicit = 1;
	} else if (ep && strncmp(ep, "https://", 8) == 0) {
		ep += 8;
		explicit = 1;
	}
	c->region = strdup(p->region ? p->region : "us-east-1");
	if (ep) {
		c->host = strndup(ep, strcspn(ep, "/"));
	} else {
		struct buf h = BUF_INIT;
		buf_printf(&h, "s3.%s.amazonaws.com%s", c->region,
		    strncmp(c->region, "cn-", 3) == 0 ? ".cn" : "");
		c->host = strdup(h.p);
		buf_free(&h);
	}
	c->path_style = explicit || strchr(c->bucket, '.') != NULL;
	return c->scheme && c->region && c->host ? 0 : -1;
}

/* location "bucket/prefix/" into the bucket and the object's key. */
static void
split_location(const char *loc, const char *name, char **bucket,
    struct buf *key)
{
	size_t b = strcspn(loc, "/");
	const char *rest = loc[b] ? loc + b + 1 : "";
	size_t l = strlen(rest);

	*bucket = strndup(loc, b);
	buf_printf(key, "%s%s%s", rest, l && rest[l - 1] != '/' ? "/" : "",
	    name);
}

int
sfput_s3(const struct sfput *p, int fd, uint64_t size,
    const struct sfcse_meta *m, const char *sha256, const char *name,
    struct buf *why)
{
	struct s3 s;
	struct objreq r;
	struct buf key = BUF_INIT, err = BUF_INIT;
	struct http_conn *c = NULL;
	int rc = -1;

	memset(&s, 0, sizeof s);
	if (size > S3_ONE_PUT) {
		buf_printf(why, "PUT: %llu bytes are more than one S3 PUT "
		    "takes (5 GiB)", (unsigned long long)size);
		return -1;
	}
	split_location(p->location, name, &s.cfg.bucket, &key);
	s.cfg.access_key = strdup(p->key_id);
	s.cfg.secret_key = strdup(p->secret);
	s.cfg.token = p->token ? strdup(p->token) : NULL;
	s.cfg.retries = SFPUT_TRIES - 1;
	s.cfg.backoff_ms = 200;
	if (!s.cfg.bucket || !*s.cfg.bucket || s3_where(p, &s.cfg) < 0 ||
	    httpx_stall_timeout(&s.cfg.stall_s, &err) < 0) {
		buf_printf(why, "PUT: the S3 stage %s: %s", p->location,
		    err.len ? err.p : "no bucket");
		goto out;
	}
	s3_init(&s);
	objreq_init(&r, "PUT", key.p);
	r.body_fd = fd;
	r.body_off = 0;
	r.body_len = size;
	memcpy(r.payload_hash, sha256, 65);
	objreq_header(&r, "Content-Type", "application/octet-stream");
	if (m) {
		objreq_header(&r, "x-amz-meta-sfc-digest", m->digest);
		objreq_header(&r, "x-amz-meta-x-amz-key", m->key);
		objreq_header(&r, "x-amz-meta-x-amz-iv", m->iv);
		objreq_header(&r, "x-amz-meta-x-amz-matdesc", m->matdesc);
	}
	c = http_conn_new();
	if (objx_perform(&s.x, c, &r) == 0 && s3_ok(&r))
		rc = 0;
	else {
		buf_printf(why, "PUT: S3 upload of s3://%s/%s failed: ",
		    s.cfg.bucket, key.p);
		objreq_strerror(&r, why);
	}
	objreq_free(&r);
	http_conn_free(c);
out:
	s3_free(&s);
	buf_free(&key);
	buf_free(&err);
	return rc;
}

/* --- one HTTP PUT of the whole file (Azure, GCS) --- */

static int
worth_retry(const struct http_req *r)
{
	return r->status == 0 ? http_transient(r) : r->status == 429 ||
	    r->status >= 500;
}

/* PUTs the file to url with the headers hdr[0..n) ("Name: value"),
 * retried; what names the place in messages (never the URL, which may
 * hold a signature or a SAS token). */
static int
http_put(const char *url, int fd, uint64_t size, char **hdr, size_t n,
    const char *what, struct buf *why)
{
	struct http_conn *c;
	struct http_req r;
	struct httpx_backoff bo;
	int tries, rc = -1;

	http_init();
	c = http_conn_new();
	httpx_backoff_init(&bo, 100);
	http_req_init(&r);
	r.method = "PUT";
	r.url = strdup(url);
	r.body_fd = fd;
	r.body_off = 0;
	r.body_len = size;
	http_req_header(&r, "Content-Type: application/octet-stream");
	http_req_header(&r, "Expect:");
	for (size_t i = 0; i < n; i++)
		http_req_header(&r, hdr[i]);
	for (tries = 1;; tries++) {
		http_req_clear(&r);
		http_conn_perform(c, &r);
		if (!worth_retry(&r) || tries >= SFPUT_TRIES)
			break;
		httpx_sleep_ms(httpx_backoff_ms(&bo, tries));
	}
	if (r.status >= 200 && r.status < 300)
		rc = 0;
	else if (r.status == 0)
		buf_printf(why, "PUT: upload to %s failed: %s (after %d "
		    "tries)", what, http_strerror(&r), tries);
	else
		buf_printf(why, "PUT: upload to %s failed: HTTP %ld (after "
		    "%d %s)", what, r.status, tries, tries == 1 ? "try" :
		    "tries");
	http_req_free(&r);
	http_conn_free(c);
	return rc;
}

/* The metadata headers of GCS (x-goog-meta-) or Azure (x-ms-meta-):
 * encryptiondata and matdesc, into hdr (n of them). */
static size_t
meta_headers(const struct sfcse_meta *m, const char *prefix, char **hdr)
{
	struct buf b = BUF_INIT, ed = BUF_INIT;
	size_t n = 0;

	if (!m)
		return 0;
	sfcse_encryptiondata(m, &ed);
	buf_printf(&b, "%sencryptiondata: %s", prefix, ed.p);
	hdr[n++] = strdup(b.p);
	buf_reset(&b);
	buf_printf(&b, "%smatdesc: %s", prefix, m->matdesc);
	hdr[n++] = strdup(b.p);
	buf_reset(&b);
	/* Azure's metadata names are C# identifiers: no '-' */
	buf_printf(&b, "%s%s: %s", prefix, strcmp(prefix, "x-ms-meta-") == 0
	    ? "sfcdigest" : "sfc-digest", m->digest);
	hdr[n++] = strdup(b.p);
	buf_free(&b);
	buf_free(&ed);
	return n;
}

static void
free_headers(char **hdr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(hdr[i]);
}

/* --- Azure --- */

int
sfput_azure(const struct sfput *p, int fd, uint64_t size,
    const struct sfcse_meta *m, const char *name, struct buf *why)
{
	struct buf url = BUF_INIT, what = BUF_INIT, key = BUF_INIT;
	char *hdr[6], *container = NULL;
	const char *sas = p->sas[0] == '?' ? p->sas + 1 : p->sas;
	size_t n;
	int rc = -1;

	if (size > AZ_ONE_PUT) {
		buf_printf(why, "PUT: %llu bytes are more than one Azure Put "
		    "Blob takes (5000 MiB)", (unsigned long long)size);
		return -1;
	}
	split_location(p->location, name, &container, &key);
	/* endPoint: the blob host's suffix; an emulator's
	 * "http[s]://host:port" means path-style, account first */
	if (strstr(p->endpoint, "://"))
		buf_printf(&url, "%s/%s/", p->endpoint, p->account);
	else
		buf_printf(&url, "https://%s.blob.%s/", p->account,
		    p->endpoint);
	sigv4_uri_encode(&url, container, strlen(container), 0);
	buf_addc(&url, '/');
	sigv4_uri_encode(&url, key.p, key.len, 1);
	buf_printf(&url, "?%s", sas);
	buf_printf(&what, "azure://%s/%s/%s", p->account, container, key.p);
	n = meta_headers(m, "x-ms-meta-", hdr);
	hdr[n++] = strdup("x-ms-blob-type: BlockBlob");
	hdr[n++] = strdup("x-ms-version: 2020-10-02");
	rc = http_put(url.p, fd, size, hdr, n, what.p, why);
	free_headers(hdr, n);
	if (url.p)
		memset(url.p, 0, url.len);
	buf_free(&url);
	buf_free(&what);
	buf_free(&key);
	free(container);
	return rc;
}

/* --- GCS --- */

int
sfput_gcs(const struct sfput *p, int fd, uint64_t size,
    const struct sfcse_meta *m, const char *name, struct buf *why)
{
	struct buf url = BUF_INIT, what = BUF_INIT, key = BUF_INIT;
	char *hdr[6], *bucket = NULL;
	size_t n;
	int rc;

	split_location(p->location, name, &bucket, &key);
	buf_printf(&what, "gs://%s/%s", bucket, key.p);
	n = meta_headers(m, "x-goog-meta-", hdr);
	if (p->presigned) {
		buf_adds(&url, p->presigned);
	} else {
		buf_printf(&url, "https://storage.googleapis.com/");
		sigv4_uri_encode(&url, bucket, strlen(bucket), 0);
		buf_addc(&url, '/');
		sigv4_uri_encode(&url, key.p, key.len, 1);
		buf_reset(&key);
		buf_printf(&key, "Authorization: Bearer %s", p->gcs_token);
		hdr[n++] = strdup(key.p);
		memset(key.p, 0, key.len);
	}
	rc = http_put(url.p, fd, size, hdr, n, what.p, why);
	free_headers(hdr, n);
	buf_free(&url);
	buf_free(&what);
	buf_free(&key);
	free(bucket);
	return rc;
}
