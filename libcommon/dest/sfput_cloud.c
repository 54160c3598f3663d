/*
 * sfput_cloud: the bytes of a Snowflake PUT moved to the cloud stage the
 * PUT's answer names (sfput.h): S3 with our SigV4 client (s3.h) and the
 * stage's temporary credentials; Azure's Put Blob with the stage's SAS
 * token; GCS through the presigned URL or the JSON API with the stage's
 * access token.  With client-side encryption (sfcse.h) the object
 * carries what the drivers put beside it: S3's x-amz-meta-x-amz-key,
 * -x-amz-iv and -x-amz-matdesc; GCS's and Azure's "encryptiondata" JSON
 * and "matdesc".  Each is one request of the whole file (the stage's
 * file is one table's rows of one load), sent by the storage modules'
 * engine (objreq.h through s3.h, az.h and gcs.h): their retries, backoff
 * and -v notes, and their reading of an error answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "az.h"
#include "gcs.h"
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
		/* the regional host, whatever useS3RegionalUrl says: it
		 * serves every region, the global one not */
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

/* A PUT of the file open on fd (size bytes) as key. */
static void
put_init(struct objreq *r, const char *key, int fd, uint64_t size)
{
	objreq_init(r, "PUT", key);
	r->body_fd = fd;
	r->body_off = 0;
	r->body_len = size;
}

/* Sends r on a connection of its own and frees it (a URL it holds
 * wiped: it may carry a signature): 0, or -1 with why, "PUT: WHO upload
 * of SCHEME://ROOT/KEY failed: ...". */
static int
put_send(struct objx *x, struct objreq *r, const char *who,
    const char *scheme, const char *root, struct buf *why)
{
	struct http_conn *c = http_conn_new();
	int rc = objx_perform(x, c, r);

	if (rc < 0) {
		buf_printf(why, "PUT: %s upload of %s://%s/%s failed: ", who,
		    scheme, root, r->key);
		objreq_strerror(r, why);
	}
	if (r->url)
		memset(r->url, 0, strlen(r->url));
	objreq_free(r);
	http_conn_free(c);
	return rc;
}

int
sfput_s3(const struct sfput *p, int fd, uint64_t size,
    const struct sfcse_meta *m, const char *sha256, const char *name,
    struct buf *why)
{
	struct s3 s;
	struct objreq r;
	struct buf key = BUF_INIT, err = BUF_INIT;
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
	put_init(&r, key.p, fd, size);
	memcpy(r.payload_hash, sha256, 65);
	objreq_header(&r, "Content-Type", "application/octet-stream");
	if (m) {
		objreq_header(&r, "x-amz-meta-sfc-digest", m->digest);
		objreq_header(&r, "x-amz-meta-x-amz-key", m->key);
		objreq_header(&r, "x-amz-meta-x-amz-iv", m->iv);
		objreq_header(&r, "x-amz-meta-x-amz-matdesc", m->matdesc);
	}
	rc = put_send(&s.x, &r, "S3", "s3", s.cfg.bucket, why);
out:
	s3_free(&s);
	buf_free(&key);
	buf_free(&err);
	return rc;
}

/* --- Azure --- */

/* endPoint: the blob host's suffix ("core.windows.net"), or an
 * emulator's "http[s]://host[:port]", which means path-style requests,
 * the account first. */
static int
az_where(const struct sfput *p, struct az_cfg *c)
{
	const char *ep = p->endpoint, *s = strstr(ep, "://");
	struct buf b = BUF_INIT;

	if (s) {
		c->scheme = strndup(ep, (size_t)(s - ep));
		c->host = strndup(s + 3, strcspn(s + 3, "/"));
		buf_printf(&b, "/%s", p->account);
		c->base = strdup(b.p);
	} else {
		c->scheme = strdup("https");
		buf_printf(&b, "%s.blob.%s", p->account, ep);
		c->host = strdup(b.p);
		c->base = strdup("");
	}
	buf_free(&b);
	return c->scheme && c->host && c->base ? 0 : -1;
}

int
sfput_azure(const struct sfput *p, int fd, uint64_t size,
    const struct sfcse_meta *m, const char *name, struct buf *why)
{
	struct az a;
	struct objreq r;
	struct buf key = BUF_INIT, err = BUF_INIT, ed = BUF_INIT,
	    root = BUF_INIT;
	int rc = -1;

	memset(&a, 0, sizeof a);
	if (size > AZ_ONE_PUT) {
		buf_printf(why, "PUT: %llu bytes are more than one Azure Put "
		    "Blob takes (5000 MiB)", (unsigned long long)size);
		return -1;
	}
	split_location(p->location, name, &a.cfg.container, &key);
	a.cfg.account = strdup(p->account);
	a.cfg.sas = strdup(p->sas[0] == '?' ? p->sas + 1 : p->sas);
	a.cfg.retries = SFPUT_TRIES - 1;
	a.cfg.backoff_ms = 200;
	if (!a.cfg.container || !a.cfg.account || !a.cfg.sas ||
	    az_where(p, &a.cfg) < 0 ||
	    httpx_stall_timeout(&a.cfg.stall_s, &err) < 0) {
		buf_printf(why, "PUT: the AZURE stage %s: %s", p->location,
		    err.len ? err.p : "out of memory");
		goto out;
	}
	az_init(&a);
	put_init(&r, key.p, fd, size);
	objreq_header(&r, "x-ms-blob-type", "BlockBlob");
	if (m) {
		sfcse_encryptiondata(m, &ed);
		objreq_header(&r, "x-ms-meta-encryptiondata", ed.p);
		objreq_header(&r, "x-ms-meta-matdesc", m->matdesc);
		/* Azure's metadata names are C# identifiers: no '-' */
		objreq_header(&r, "x-ms-meta-sfcdigest", m->digest);
	}
	buf_printf(&root, "%s/%s", p->account, a.cfg.container);
	rc = put_send(&a.x, &r, "Azure", "azure", root.p, why);
out:
	az_free(&a);
	buf_free(&key);
	buf_free(&err);
	buf_free(&ed);
	buf_free(&root);
	return rc;
}

/* --- GCS --- */

/* The object's URL: the presigned one, or the XML API's with the
 * stage's access token (into auth, "Bearer ..."). */
static char *
gcs_where(const struct sfput *p, const char *bucket, const struct buf *key,
    struct buf *auth)
{
	struct buf url = BUF_INIT;

	if (p->presigned)
		return strdup(p->presigned);
	buf_adds(&url, "https://storage.googleapis.com/");
	sigv4_uri_encode(&url, bucket, strlen(bucket), 0);
	buf_addc(&url, '/');
	sigv4_uri_encode(&url, key->p, key->len, 1);
	buf_printf(auth, "Bearer %s", p->gcs_token);
	return url.p;
}

int
sfput_gcs(const struct sfput *p, int fd, uint64_t size,
    const struct sfcse_meta *m, const char *name, struct buf *why)
{
	struct gcs g;
	struct objreq r;
	struct buf key = BUF_INIT, err = BUF_INIT, ed = BUF_INIT,
	    auth = BUF_INIT;
	int rc = -1;

	memset(&g, 0, sizeof g);
	split_location(p->location, name, &g.bucket, &key);
	if (!g.bucket || httpx_stall_timeout(&g.stall_s, &err) < 0) {
		buf_printf(why, "PUT: the GCS stage %s: %s", p->location,
		    err.len ? err.p : "out of memory");
		goto out;
	}
	/* no gauth: the stage's answer brings the token or the URL */
	gcs_init(&g, SFPUT_TRIES - 1, 200);
	/* the key names the object in messages, never the URL (it may
	 * hold a signature) */
	put_init(&r, key.p, fd, size);
	r.url = gcs_where(p, g.bucket, &key, &auth);
	objreq_header(&r, "Content-Type", "application/octet-stream");
	if (auth.len)
		objreq_header(&r, "Authorization", auth.p);
	if (m) {
		sfcse_encryptiondata(m, &ed);
		objreq_header(&r, "x-goog-meta-encryptiondata", ed.p);
		objreq_header(&r, "x-goog-meta-matdesc", m->matdesc);
		objreq_header(&r, "x-goog-meta-sfc-digest", m->digest);
	}
	rc = put_send(&g.x, &r, "GCS", "gs", g.bucket, why);
out:
	if (auth.p)
		memset(auth.p, 0, auth.len);
	gcs_free(&g);
	buf_free(&key);
	buf_free(&err);
	buf_free(&ed);
	buf_free(&auth);
	return rc;
}
