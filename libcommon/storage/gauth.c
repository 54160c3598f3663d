/*
 * gauth: the service-account token exchange (gauth.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "gauth.h"
#include "httpx.h"
#include "json.h"
#include "log.h"

#define KEYFILE_MAX (1 << 20)

static void
line_of(const char *s, size_t off, size_t *line)
{
	*line = 1;
	for (size_t i = 0; i < off && s[i]; i++)
		if (s[i] == '\n')
			(*line)++;
}

static int
read_all(const char *path, struct buf *out, struct buf *err)
{
	FILE *f = fopen(path, "rb");
	char tmp[8192];
	size_t n;

	if (!f) {
		buf_printf(err, "%s", strerror(errno));
		return -1;
	}
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
		buf_add(out, tmp, n);
		if (out->len > KEYFILE_MAX) {
			buf_adds(err, "larger than 1 MiB: not a key file");
			fclose(f);
			return -1;
		}
	}
	if (ferror(f)) {
		buf_printf(err, "%s", strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	buf_adds(out, "");
	memset(tmp, 0, sizeof tmp);
	return 0;
}

static void
wipe_free(char *s)
{
	if (s)
		memset(s, 0, strlen(s));
	free(s);
}

/* "\n" written as two characters (an environment variable holding a
 * key copied from JSON) becomes a newline. */
static char *
unescape_newlines(const char *pem)
{
	char *o = xstrdup(pem), *w = o;

	if (strchr(pem, '\n'))
		return o;
	for (const char *r = pem; *r; r++) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return o;
}

static int
load_key(struct gauth *g, const char *pem, const char *where,
    struct buf *err)
{
	char *text = unescape_newlines(pem);
	BIO *bio = BIO_new_mem_buf(text, -1);
	EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) :
	    NULL;

	BIO_free(bio);
	wipe_free(text);
	if (!k) {
		buf_printf(err, "%s: private_key: not a PEM private key "
		    "(\"-----BEGIN PRIVATE KEY-----...\")", where);
		return -1;
	}
	if (EVP_PKEY_base_id(k) != EVP_PKEY_RSA) {
		EVP_PKEY_free(k);
		buf_printf(err, "%s: private_key: not an RSA key (RS256 "
		    "needs one)", where);
		return -1;
	}
	g->pkey = k;
	return 0;
}

static void
init(struct gauth *g)
{
	memset(g, 0, sizeof *g);
	pthread_mutex_init(&g->mu, NULL);
	g->retries = 4;
}

static int
load_fields(struct gauth *g, const char *email, const char *pem,
    const char *project, const char *token_uri, const char *where,
    struct buf *err)
{
	if (!email || !*email || !pem || !*pem) {
		buf_printf(err, "%s: %s missing", where, !email || !*email ?
		    "client_email" : "private_key");
		return -1;
	}
	g->client_email = xstrdup(email);
	g->project_id = project && *project ? xstrdup(project) : NULL;
	g->token_uri = xstrdup(token_uri && *token_uri ? token_uri :
	    GAUTH_TOKEN_URI);
	if (strncmp(g->token_uri, "https://", 8) != 0 &&
	    strncmp(g->token_uri, "http://", 7) != 0) {
		buf_printf(err, "%s: token_uri %s: not an http(s) URL", where,
		    g->token_uri);
		return -1;
	}
	return load_key(g, pem, where, err);
}

int
gauth_load_fields(struct gauth *g, const char *email, const char *pem,
    const char *project, const char *token_uri, const char *where,
    struct buf *err)
{
	init(g);
	return load_fields(g, email, pem, project, token_uri, where, err);
}

int
gauth_parse(struct gauth *g, const char *path, const struct buf *text,
    struct buf *err)
{
	struct json_doc d = { 0 };
	char *type = NULL, *email = NULL, *pem = NULL, *proj = NULL;
	char *uri = NULL;
	size_t line;
	int rc = -1;

	init(g);
	if (json_parse(&d, text->p, text->len)) {
		line_of(text->p, d.err_off, &line);
		buf_printf(err, "%s:%zu: not a service-account key file: %s",
		    path, line, d.err);
		goto out;
	}
	if (d.tok[0].type != JSON_OBJECT) {
		buf_printf(err, "%s: not a service-account key file: not a "
		    "JSON object", path);
		goto out;
	}
	type = json_obj_str(&d, 0, "type");
	if (!type || strcmp(type, "service_account") != 0) {
		buf_printf(err, "%s: field 'type' is %s%s%s, not "
		    "\"service_account\" (only service-account keys are "
		    "supported)", path, type ? "\"" : "", type ? type :
		    "missing", type ? "\"" : "");
		goto out;
	}
	email = json_obj_str(&d, 0, "client_email");
	pem = json_obj_str(&d, 0, "private_key");
	proj = json_obj_str(&d, 0, "project_id");
	uri = json_obj_str(&d, 0, "token_uri");
	if (!email || !*email || !pem || !*pem) {
		buf_printf(err, "%s: field '%s' missing or not a string", path,
		    !email || !*email ? "client_email" : "private_key");
		goto out;
	}
	rc = load_fields(g, email, pem, proj, uri, path, err);
	if (rc == 0) {
		g->key_id = json_obj_str(&d, 0, "private_key_id");
		if (g->key_id && !*g->key_id) {
			free(g->key_id);
			g->key_id = NULL;
		}
	}
out:
	json_doc_free(&d);
	free(type);
	free(email);
	wipe_free(pem);
	free(proj);
	free(uri);
	return rc;
}

int
gauth_load_file(struct gauth *g, const char *path, struct buf *err)
{
	struct buf text = BUF_INIT, why = BUF_INIT;
	int rc;

	if (read_all(path, &text, &why)) {
		init(g);
		buf_printf(err, "%s: cannot read the key file: %s", path,
		    why.p);
		buf_free(&why);
		if (text.p)
			memset(text.p, 0, text.len);
		buf_free(&text);
		return -1;
	}
	rc = gauth_parse(g, path, &text, err);
	memset(text.p, 0, text.len);
	buf_free(&text);
	return rc;
}

void
gauth_free(struct gauth *g)
{
	free(g->client_email);
	free(g->project_id);
	free(g->token_uri);
	free(g->key_id);
	EVP_PKEY_free(g->pkey);
	wipe_free(g->token);
	pthread_mutex_destroy(&g->mu);
	memset(g, 0, sizeof *g);
}

/* Appends base64url without padding (RFC 7515). */
static void
b64url(struct buf *out, const void *p, size_t n)
{
	size_t cap = 4 * ((n + 2) / 3) + 1;
	unsigned char *t = xmalloc(cap);
	int len = EVP_EncodeBlock(t, p, (int)n);

	for (int i = 0; i < len; i++) {
		if (t[i] == '=')
			break;
		buf_addc(out, t[i] == '+' ? '-' : t[i] == '/' ? '_' :
		    (char)t[i]);
	}
	free(t);
}

static int
sign(const struct gauth *g, const struct buf *in, struct buf *out,
    struct buf *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	size_t n = 0;
	int rc = -1;

	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
	    g->pkey) != 1 || EVP_DigestSign(ctx, NULL, &n,
	    (const unsigned char *)in->p, in->len) != 1)
		goto out;
	sig = xmalloc(n);
	if (EVP_DigestSign(ctx, sig, &n, (const unsigned char *)in->p,
	    in->len) != 1)
		goto out;
	b64url(out, sig, n);
	rc = 0;
out:
	if (rc)
		buf_adds(err, "signing the token request (RS256) failed");
	free(sig);
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
gauth_assertion(const struct gauth *g, long long now, struct buf *out,
    struct buf *err)
{
	struct buf hdr = BUF_INIT, claims = BUF_INIT, in = BUF_INIT;
	int rc;

	buf_adds(&hdr, "{\"alg\":\"RS256\",\"typ\":\"JWT\"");
	if (g->key_id) {
		buf_adds(&hdr, ",\"kid\":");
		json_put_str(&hdr, g->key_id, strlen(g->key_id));
	}
	buf_addc(&hdr, '}');
	buf_adds(&claims, "{\"iss\":");
	json_put_str(&claims, g->client_email, strlen(g->client_email));
	buf_adds(&claims, ",\"scope\":\"" GAUTH_SCOPE "\",\"aud\":");
	json_put_str(&claims, g->token_uri, strlen(g->token_uri));
	buf_printf(&claims, ",\"iat\":%lld,\"exp\":%lld}", now, now + 3600);
	b64url(&in, hdr.p, hdr.len);
	buf_addc(&in, '.');
	b64url(&in, claims.p, claims.len);
	buf_add(out, in.p, in.len);
	buf_addc(out, '.');
	rc = sign(g, &in, out, err);
	buf_free(&hdr);
	buf_free(&claims);
	buf_free(&in);
	return rc;
}

int
gauth_answer(struct gauth *g, long status, const struct buf *b,
    struct buf *err)
{
	struct json_doc d = { 0 };
	char *tok = NULL, *e = NULL, *desc = NULL;
	int64_t life = 3600;
	int i, rc = -1;

	if (!b->len || json_parse(&d, b->p, b->len) ||
	    d.tok[0].type != JSON_OBJECT) {
		buf_printf(err, "%ld, not a JSON answer", status);
		goto out;
	}
	tok = json_obj_str(&d, 0, "access_token");
	if (status / 100 != 2 || !tok || !*tok) {
		e = json_obj_str(&d, 0, "error");
		desc = json_obj_str(&d, 0, "error_description");
		buf_printf(err, "%ld %s%s%s", status, e ? e :
		    "no access_token", desc ? ": " : "", desc ? desc : "");
		goto out;
	}
	if ((i = json_obj_get(&d, 0, "expires_in")) >= 0 &&
	    (json_int64(&d.tok[i], &life) || life < 0 || life > 86400 * 366))
		life = 0;	/* nonsense: good for this request only */
	wipe_free(g->token);
	g->token = tok;
	tok = NULL;
	g->expires = (long long)time(NULL) + life;
	rc = 0;
out:
	json_doc_free(&d);
	wipe_free(tok);
	free(e);
	free(desc);
	return rc;
}

static int
worth_retry(const struct http_req *r)
{
	if (r->curl_rc)
		return http_transient(r);
	return r->status >= 500 || r->status == 429 || r->status == 408;
}

static void
form_body(const struct gauth *g, struct buf *body, struct buf *err,
    int *rc)
{
	struct buf jwt = BUF_INIT;

	*rc = gauth_assertion(g, (long long)time(NULL), &jwt, err);
	buf_adds(body, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3A"
	    "grant-type%3Ajwt-bearer&assertion=");
	buf_add(body, jwt.p, jwt.len);	/* base64url: nothing to escape */
	buf_free(&jwt);
}

/* One exchange, with retries of transient failures. */
static int
exchange(struct gauth *g, struct http_conn *c, struct buf *err)
{
	struct httpx_backoff bo;
	struct http_req r;
	struct buf body = BUF_INIT, why = BUF_INIT;
	int rc, tries;

	httpx_backoff_init(&bo, 200);
	http_req_init(&r);
	for (tries = 1;; tries++) {
		buf_reset(&body);
		form_body(g, &body, err, &rc);
		if (rc)
			break;
		http_req_clear(&r);
		http_req_clear_hdrs(&r);
		free(r.url);
		r.url = xstrdup(g->token_uri);
		r.method = "POST";
		r.body = body.p;
		r.body_len = body.len;
		http_req_header(&r, "Content-Type: "
		    "application/x-www-form-urlencoded");
		http_req_header(&r, "Expect:");
		http_conn_perform(c, &r);
		if (!worth_retry(&r) || tries > g->retries)
			break;
		log_verbose("token exchange at %s: %s; try %d of %d",
		    g->token_uri, r.curl_rc ? http_strerror(&r) : "5xx",
		    tries + 1, g->retries + 1);
		httpx_sleep_ms(httpx_backoff_ms(&bo, tries));
	}
	if (rc == 0) {
		if (r.curl_rc) {
			buf_adds(&why, http_strerror(&r));
			rc = -1;
		} else {
			rc = gauth_answer(g, r.status, &r.resp, &why);
		}
		if (rc)
			buf_printf(err, "service-account token exchange at %s "
			    "for %s failed: %s (after %d %s)", g->token_uri,
			    g->client_email, why.p, tries, tries == 1 ?
			    "try" : "tries");
	}
	if (rc == 0) {
		g->exchanges++;
		log_verbose("gs: access token for %s from %s (exchange %d)",
		    g->client_email, g->token_uri, g->exchanges);
	}
	memset(body.p, 0, body.len);
	buf_free(&body);
	buf_free(&why);
	http_req_free(&r);
	return rc;
}

int
gauth_header(struct gauth *g, struct http_conn *c, struct buf *hdr,
    int *gen, struct buf *err)
{
	int rc = 0;

	pthread_mutex_lock(&g->mu);
	if (!g->token || (long long)time(NULL) + GAUTH_MARGIN_S >= g->expires)
		rc = exchange(g, c, err);
	if (rc == 0)
		buf_printf(hdr, "Authorization: Bearer %s", g->token);
	*gen = g->exchanges;
	pthread_mutex_unlock(&g->mu);
	return rc;
}

void
gauth_forget(struct gauth *g, int gen)
{
	pthread_mutex_lock(&g->mu);
	if (g->exchanges == gen)
		g->expires = 0;
	pthread_mutex_unlock(&g->mu);
}
