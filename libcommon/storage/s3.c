/*
 * s3: request building, signing, retries and error parsing for S3.
 *
 * Configuration (s3_cfg_load), highest precedence first:
 *   credentials: dlt's destination.filesystem.credentials.aws_access_key_id
 *     / aws_secret_access_key / aws_session_token (through the setting
 *     lookup: .dlt TOML or DESTINATION__FILESYSTEM__CREDENTIALS__* env),
 *     then AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
 *     then the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or
 *     ~/.aws/credentials), profile AWS_PROFILE or "default";
 *   region: flag, ...credentials.region_name, AWS_REGION,
 *     AWS_DEFAULT_REGION, us-east-1;
 *   endpoint: flag, ...credentials.endpoint_url, AWS_ENDPOINT_URL_S3,
 *     AWS_ENDPOINT_URL, else AWS (https://s3.REGION.amazonaws.com);
 *   addressing: flag, else path-style when an endpoint is given (or the
 *     bucket name has a dot), virtual-hosted otherwise;
 *   stall timeout: STAGE_S3_TIMEOUT seconds, else 60: a request that moves
 *     no byte for that long fails as a timeout (and is retried).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "s3.h"
#include "xml.h"

static const struct objx_proto s3_proto;

void
s3_init(struct s3 *s)
{
	objx_init(&s->x, &s3_proto, s, s->cfg.retries, s->cfg.backoff_ms);
}

void
s3_free(struct s3 *s)
{
	struct s3_cfg *c = &s->cfg;

	objx_free(&s->x);
	free(c->scheme);
	free(c->host);
	free(c->bucket);
	free(c->region);
	free(c->access_key);
	if (c->secret_key)
		memset(c->secret_key, 0, strlen(c->secret_key));
	free(c->secret_key);
	if (c->token)
		memset(c->token, 0, strlen(c->token));
	free(c->token);
	memset(c, 0, sizeof *c);
}

/* Host (for the URL and the Host header) and canonical URI of a key. */
static void
locate(const struct s3_cfg *c, const char *key, struct buf *host,
    struct buf *path)
{
	buf_reset(host);
	buf_reset(path);
	if (c->path_style) {
		buf_adds(host, c->host);
		buf_addc(path, '/');
		sigv4_uri_encode(path, c->bucket, strlen(c->bucket), 0);
		if (key) {
			buf_addc(path, '/');
			sigv4_uri_encode(path, key, strlen(key), 1);
		}
	} else {
		buf_printf(host, "%s.%s", c->bucket, c->host);
		buf_addc(path, '/');
		if (key)
			sigv4_uri_encode(path, key, strlen(key), 1);
	}
}

void
s3_url(const struct s3_cfg *c, const char *key, struct buf *out)
{
	struct buf host = BUF_INIT, path = BUF_INIT;

	locate(c, key, &host, &path);
	buf_printf(out, "%s://%s%s", c->scheme, host.p, path.p);
	buf_free(&host);
	buf_free(&path);
}

static void
add_hdr(struct objreq *r, struct sigv4_hdr *sh, size_t *n, const char *name,
    const char *value)
{
	objreq_hline(r, name, value);
	sh[(*n)++] = (struct sigv4_hdr){ name, value };
}

static void
query_string(const struct objreq *r, struct buf *out)
{
	struct sigv4_param q[OBJREQ_MAXQ];

	for (size_t i = 0; i < r->nquery; i++)
		q[i] = (struct sigv4_param){ r->query[i].name,
			r->query[i].value };
	buf_adds(out, "");
	sigv4_query(out, q, r->nquery);
}

/* Builds r->h: URL, headers and the signature for the time now. */
static void
build(const void *be, struct objreq *r, long long now)
{
	const struct s3_cfg *c = &((const struct s3 *)be)->cfg;
	struct buf host = BUF_INIT, path = BUF_INIT, query = BUF_INIT;
	struct buf url = BUF_INIT, auth = BUF_INIT;
	struct sigv4_hdr sh[OBJREQ_MAXH + 4];
	size_t n = 0;
	char date[17];

	locate(c, r->key, &host, &path);
	query_string(r, &query);
	buf_printf(&url, "%s://%s%s%s%s", c->scheme, host.p, path.p,
	    query.len ? "?" : "", query.p);
	objreq_fill(r, url.p, c->stall_s);
	if (!r->payload_hash[0])
		memcpy(r->payload_hash, S3_EMPTY_SHA256, 65);

	sigv4_date(now, date);
	add_hdr(r, sh, &n, "Host", host.p);
	add_hdr(r, sh, &n, "x-amz-date", date);
	add_hdr(r, sh, &n, "x-amz-content-sha256", r->payload_hash);
	if (c->token)
		add_hdr(r, sh, &n, "x-amz-security-token", c->token);
	for (size_t i = 0; i < r->nhdrs; i++)
		add_hdr(r, sh, &n, r->hdrs[i].name, r->hdrs[i].value);

	struct sigv4_key k = { c->access_key, c->secret_key, c->region, "s3" };
	struct sigv4_req sr = { r->method, path.p, query.p, sh, n,
		r->payload_hash, date };
	buf_adds(&auth, "Authorization: ");
	sigv4_sign(&sr, &k, &auth, NULL);
	http_req_header(&r->h, auth.p);
	/* Unsigned, and only to stop curl adding its own: no 100-continue
	 * round trip, no form content type on POST. */
	http_req_header(&r->h, "Expect:");
	if (strcmp(r->method, "POST") == 0)
		http_req_header(&r->h, "Content-Type:");
	buf_free(&host);
	buf_free(&path);
	buf_free(&query);
	buf_free(&auth);
}

static int
has_error_body(const struct objreq *r)
{
	const struct buf *b = &r->h.resp;

	return b->len && b->p && strstr(b->p, "<Error>") != NULL;
}

int
s3_ok(const struct objreq *r)
{
	return r->h.curl_rc == 0 && r->h.status >= 200 && r->h.status < 300 &&
	    !has_error_body(r);
}

static int
code_is(const struct objreq *r, const char *c)
{
	return r->code.p && strcmp(r->code.p, c) == 0;
}

static int
retryable(const struct objreq *r)
{
	if (r->h.status >= 500 && r->h.status != 501)
		return 1;
	return code_is(r, "SlowDown") || code_is(r, "RequestTimeout") ||
	    code_is(r, "InternalError") || code_is(r, "ServiceUnavailable");
}

static const char *
bucket(const void *be)
{
	return ((const struct s3 *)be)->cfg.bucket;
}

static const struct objx_proto s3_proto = {
	.name = "s3",
	.key_noun = "object",
	.root_noun = "bucket",
	.root = bucket,
	.build = build,
	.ok = s3_ok,
	.parse_error = objreq_xml_error,
	.retryable = retryable,
};

void
s3_describe(const struct s3 *s, struct objreq *r, struct buf *out)
{
	struct s3 masked = *s;
	struct buf dump = BUF_INIT;
	char *sig, *eol;

	/* Signed with the token masked, then the signature masked too:
	 * nothing printed can authenticate anything. */
	if (s->cfg.token)
		masked.cfg.token = "****";
	build(&masked, r, (long long)time(NULL));
	http_req_dump(&r->h, &dump);
	while ((sig = strstr(dump.p, "Signature=")) &&
	    sig[10] != '*') {
		eol = strchr(sig, '\n');
		buf_add(out, dump.p, (size_t)(sig + 10 - dump.p));
		buf_adds(out, "****");
		memmove(dump.p, eol, strlen(eol) + 1);
		dump.len = strlen(dump.p);
	}
	buf_add(out, dump.p, dump.len);
	buf_free(&dump);
}

static char *
dupnz(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

static const char *
setting(const char *(*get)(void *, const char *), void *ctx, const char *k)
{
	char key[160];
	const char *v;

	if (!get)
		return NULL;
	snprintf(key, sizeof key, "destination.filesystem.credentials.%s", k);
	v = get(ctx, key);
	return v && *v ? v : NULL;
}

/* Reads key from [profile] of an AWS INI file into *out (if unset). */
static void
ini_lookup(const char *path, const char *profile, const char *key,
    char **out)
{
	FILE *f;
	char line[4096];
	int in = 0;

	if (*out || !(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof line, f)) {
		char *p = line, *e, *eq;
		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strlen(p);
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' ||
		    e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*p == '[') {
			size_t pl = strlen(profile);
			in = strncmp(p + 1, profile, pl) == 0 &&
			    p[pl + 1] == ']';
			continue;
		}
		if (!in || *p == '#' || *p == ';' || !(eq = strchr(p, '=')))
			continue;
		e = eq;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - p) != strlen(key) ||
		    strncmp(p, key, strlen(key)) != 0)
			continue;
		eq++;
		while (*eq == ' ' || *eq == '\t')
			eq++;
		*out = dupnz(eq);
		break;
	}
	memset(line, 0, sizeof line);
	fclose(f);
}

static void
load_credentials(struct s3_cfg *c,
    const char *(*get)(void *, const char *), void *ctx)
{
	const char *ak = setting(get, ctx, "aws_access_key_id");
	const char *sk = setting(get, ctx, "aws_secret_access_key");
	struct buf path = BUF_INIT;
	const char *profile, *home;

	if (ak && sk) {
		c->access_key = xstrdup(ak);
		c->secret_key = xstrdup(sk);
		c->token = dupnz(setting(get, ctx, "aws_session_token"));
		return;
	}
	if (getenv("AWS_ACCESS_KEY_ID") && getenv("AWS_SECRET_ACCESS_KEY")) {
		c->access_key = dupnz(getenv("AWS_ACCESS_KEY_ID"));
		c->secret_key = dupnz(getenv("AWS_SECRET_ACCESS_KEY"));
		c->token = dupnz(getenv("AWS_SESSION_TOKEN"));
		return;
	}
	profile = getenv("AWS_PROFILE");
	if (!profile || !*profile)
		profile = "default";
	if (getenv("AWS_SHARED_CREDENTIALS_FILE"))
		buf_adds(&path, getenv("AWS_SHARED_CREDENTIALS_FILE"));
	else if ((home = getenv("HOME")))
		buf_printf(&path, "%s/.aws/credentials", home);
	if (path.len) {
		ini_lookup(path.p, profile, "aws_access_key_id",
		    &c->access_key);
		ini_lookup(path.p, profile, "aws_secret_access_key",
		    &c->secret_key);
		ini_lookup(path.p, profile, "aws_session_token", &c->token);
	}
	buf_free(&path);
}

static const char *
first_env(const char *a, const char *b)
{
	const char *v = getenv(a);

	if (v && *v)
		return v;
	v = b ? getenv(b) : NULL;
	return v && *v ? v : NULL;
}

/* Splits "http[s]://host[:port][/]" into c->scheme and c->host. */
static int
parse_endpoint(struct s3_cfg *c, const char *ep, struct buf *err)
{
	const char *h;
	size_t n;

	if (strncmp(ep, "https://", 8) == 0) {
		c->scheme = xstrdup("https");
		h = ep + 8;
	} else if (strncmp(ep, "http://", 7) == 0) {
		c->scheme = xstrdup("http");
		h = ep + 7;
	} else {
		buf_printf(err, "endpoint %s: not an http:// or https:// URL",
		    ep);
		return -1;
	}
	n = strcspn(h, "/?#");
	if (n == 0 || (h[n] == '/' && h[n + 1] != '\0')) {
		buf_printf(err, "endpoint %s: expected scheme://host[:port]",
		    ep);
		return -1;
	}
	c->host = xstrndup(h, n);
	return 0;
}

int
s3_cfg_load(struct s3_cfg *c, const char *bucket, const char *endpoint,
    const char *region, int path_style,
    const char *(*get)(void *ctx, const char *key), void *ctx,
    struct buf *err)
{
	const char *ep = endpoint;

	c->bucket = xstrdup(bucket);
	if (!region)
		region = setting(get, ctx, "region_name");
	if (!region)
		region = first_env("AWS_REGION", "AWS_DEFAULT_REGION");
	c->region = xstrdup(region ? region : "us-east-1");
	if (!ep)
		ep = setting(get, ctx, "endpoint_url");
	if (!ep)
		ep = first_env("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
	if (ep) {
		if (parse_endpoint(c, ep, err))
			return -1;
	} else {
		c->scheme = xstrdup("https");
		buf_reset(err);
		buf_printf(err, "s3.%s.amazonaws.com", c->region);
		c->host = xstrdup(err->p);
		buf_reset(err);
	}
	if (path_style >= 0)
		c->path_style = path_style;
	else
		c->path_style = ep != NULL || strchr(bucket, '.') != NULL;
	if (!c->access_key)
		load_credentials(c, get, ctx);
	if (!c->access_key || !c->secret_key) {
		buf_adds(err, "no S3 credentials: set AWS_ACCESS_KEY_ID and "
		    "AWS_SECRET_ACCESS_KEY, a profile in ~/.aws/credentials, "
		    "or destination.filesystem.credentials in .dlt/secrets.toml");
		return -1;
	}
	if (c->backoff_ms <= 0)
		c->backoff_ms = 200;
	return httpx_stall_timeout(&c->stall_s, err);
}
