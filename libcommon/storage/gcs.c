/*
 * gcs: GCS's JSON API requests on objreq.h (gcs.h): URLs, the token,
 * JSON errors, what to retry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcs.h"
#include "json.h"
#include "log.h"
#include "sigv4.h"


/* Percent-encodes everything but unreserved characters (RFC 3986):
 * an object name is one path segment in the JSON API, '/' included. */
void
gcs_enc(struct buf *out, const char *s)
{
	sigv4_uri_encode(out, s, strlen(s), 0);
}

void
gcs_object_url(const struct gcs *g, const char *key, const char *query,
    struct buf *out)
{
	buf_printf(out, "%s/storage/v1/b/", g->base);
	gcs_enc(out, g->bucket);
	if (key) {
		buf_adds(out, "/o/");
		gcs_enc(out, key);
	}
	if (query)
		buf_printf(out, "?%s", query);
}

void
gcs_upload_url(const struct gcs *g, const char *type, const char *key,
    struct buf *out)
{
	buf_printf(out, "%s/upload/storage/v1/b/", g->base);
	gcs_enc(out, g->bucket);
	buf_printf(out, "/o?uploadType=%s", type);
	if (key) {
		buf_adds(out, "&name=");
		gcs_enc(out, key);
	}
}

/* r->url, or the object's resource (alt=media for a GET's bytes). */
static char *
req_url(const struct gcs *g, const struct objreq *r)
{
	struct buf u = BUF_INIT;

	if (r->url)
		return xstrdup(r->url);
	gcs_object_url(g, r->key, r->sink ? "alt=media" : NULL, &u);
	return u.p;
}

/* r->h but for the token (authorize). */
static void
build(const void *v, struct objreq *r, long long now)
{
	const struct gcs *g = v;

	(void)now;
	objreq_fill(r, req_url(g, r), g->stall_s);
	for (size_t i = 0; i < r->nhdrs; i++)
		objreq_hline(r, r->hdrs[i].name, r->hdrs[i].value);
	http_req_header(&r->h, "Expect:");
	if (strcmp(r->method, "POST") == 0 && !r->body_len)
		http_req_header(&r->h, "Content-Type:");
}

/* The token cache and the connection pool are what a request changes. */
static struct gcs *
mut(const void *g)
{
	return (struct gcs *)g;
}

/* The Authorization line from gauth (on c, or a connection of the
 * pool, for an exchange); -1 with r->msg set when no token can g had. */
static int
authorize(const void *v, struct objreq *r, struct http_conn *c)
{
	struct gcs *g = mut(v);
	struct buf auth = BUF_INIT;
	struct http_conn *own = NULL;
	int rc;

	if (!g->has_auth)
		return 0;
	if (!c)
		c = own = httpx_pool_take(&g->conns);
	buf_reset(&r->msg);
	rc = gauth_header(&g->auth, c, &auth, &r->auth_gen, &r->msg);
	if (rc == 0)
		http_req_header(&r->h, auth.p);
	if (own)
		httpx_pool_give(&g->conns, own);
	if (auth.p)
		memset(auth.p, 0, auth.len);
	buf_free(&auth);
	return rc;
}

int
gcs_ok(const struct objreq *r)
{
	return !r->unsent && r->h.curl_rc == 0 && r->h.status >= 200 &&
	    r->h.status < 300;
}

/* The message of a JSON error answer ({"error":{"message":...}}), else
 * the start of the body as text; in code's place, where S3's and
 * Azure's code stands. */
static void
parse_error(struct objreq *r)
{
	const struct buf *b = &r->h.resp;
	struct json_doc d = { 0 };
	int e, m;

	if (!b->len)
		return;
	if (json_parse(&d, b->p, b->len) == 0 && d.tok[0].type ==
	    JSON_OBJECT && (e = json_obj_get(&d, 0, "error")) >= 0 &&
	    d.tok[e].type == JSON_OBJECT &&
	    (m = json_obj_get(&d, e, "message")) >= 0 &&
	    d.tok[m].type == JSON_STRING) {
		json_str_decode(&d.tok[m], &r->code);
	} else {
		size_t n = strcspn(b->p, "\r\n");
		buf_add(&r->code, b->p, n > 200 ? 200 : n);
	}
	json_doc_free(&d);
}

/* 308 is an answer, not an error (a resumable chunk taken). */
static int
retryable(const struct objreq *r)
{
	long s = r->h.status;

	return (s >= 500 && s != 501) || s == 429 || s == 408;
}

/* Refused before anything was taken: the same request with a new
 * token, once. */
static int
renew(const void *v, struct objreq *r)
{
	struct gcs *g = mut(v);

	if (r->h.status != 401 || !g->has_auth || r->reauthed)
		return 0;
	r->reauthed = 1;
	gauth_forget(&g->auth, r->auth_gen);
	log_verbose("gs: %s %s: 401 %s; again with a new token", r->method,
	    r->h.url, r->code.len ? r->code.p : "");
	return 1;
}

static const char *
bucket(const void *g)
{
	return ((const struct gcs *)g)->bucket;
}

static const struct objx_proto gcs_proto = {
	.name = "gs",
	.key_noun = "object",
	.root_noun = "bucket",
	.root = bucket,
	.build = build,
	.authorize = authorize,
	.ok = gcs_ok,
	.parse_error = parse_error,
	.retryable = retryable,
	.renew = renew,
};

void
gcs_init(struct gcs *g, int retries, int backoff_ms)
{
	objx_init(&g->x, &gcs_proto, g, retries, backoff_ms);
	httpx_pool_init(&g->conns);
}

void
gcs_free(struct gcs *g)
{
	if (g->x.http) {
		httpx_pool_free(&g->conns);
		objx_free(&g->x);
	}
	if (g->has_auth)
		gauth_free(&g->auth);
	free(g->base);
	free(g->bucket);
	g->base = g->bucket = NULL;
}

void
gcs_build(const struct gcs *g, struct objreq *r)
{
	build(g, r, 0);
}
