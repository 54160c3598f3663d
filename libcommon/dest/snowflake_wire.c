/*
 * snowflake_wire: the session protocol (snowflake_wire.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "arrowipc.h"
#include "http.h"
#include "httpx.h"
#include "json.h"
#include "log.h"
#include "snowflake_wire.h"
#include "version.h"

struct sfwire {
	struct http_conn *c;
	char *base;
	char *label;
	char *token;
	int64_t seq;
	struct httpx_backoff backoff;
};

int64_t
sfw_statements(const struct sfwire *w)
{
	return w ? w->seq : 0;
}

void
sfresult_free(struct sfresult *res)
{
	for (int i = 0; i < res->ncols; i++)
		free(res->names[i]);
	for (int64_t i = 0; i < res->nrows * res->ncols; i++)
		free(res->v[i]);
	free(res->names);
	free(res->v);
	buf_free(&res->err);
	memset(res, 0, sizeof *res);
}

int
sfresult_col(const struct sfresult *res, const char *name)
{
	for (int i = 0; i < res->ncols; i++)
		if (strcasecmp(res->names[i], name) == 0)
			return i;
	return -1;
}

static void
add_row(struct sfresult *res, const char *const *v, int n)
{
	res->v = xrealloc(res->v, (size_t)(res->nrows + 1) *
	    (size_t)res->ncols * sizeof *res->v);
	for (int i = 0; i < res->ncols; i++)
		res->v[res->nrows * res->ncols + i] = i < n && v[i] ?
		    xstrdup(v[i]) : NULL;
	res->nrows++;
}

static int
arrow_row(void *arg, const char *const *v, int n)
{
	struct sfresult *res = arg;

	if (n != res->ncols)
		return -1;
	add_row(res, v, n);
	return 0;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 (padding optional) into out; -1 if malformed. */
static int
b64_decode(const char *s, size_t n, struct buf *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t i;

	while (n && s[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			buf_addc(out, (char)(acc >> bits & 0xff));
		}
	}
	return bits >= 6 ? -1 : 0;
}

static char *
tok_str(const struct json_doc *d, int i)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "");
	if (i >= 0 && d->tok[i].type == JSON_STRING)
		json_str_decode(&d->tok[i], &b);
	else if (i >= 0 && d->tok[i].type != JSON_NULL)
		buf_add(&b, d->tok[i].p, d->tok[i].len);
	return b.p;
}

static int
read_names(const struct json_doc *d, int data, struct sfresult *res)
{
	int rt = json_obj_get(d, data, "rowtype");

	if (rt < 0 || d->tok[rt].type != JSON_ARRAY)
		return 0;
	for (int i = rt + 1; i < (int)d->tok[rt].end; i = (int)d->tok[i].end) {
		if (d->tok[i].type != JSON_OBJECT)
			return -1;
		res->names = xrealloc(res->names, (size_t)(res->ncols + 1) *
		    sizeof *res->names);
		res->names[res->ncols++] = tok_str(d, json_obj_get(d, i,
		    "name"));
	}
	return 0;
}

static int
read_json_rows(const struct json_doc *d, int rs, struct sfresult *res)
{
	const char **v = xcalloc((size_t)res->ncols + 1, sizeof *v);
	int r = 0;

	if (d->tok[rs].type != JSON_ARRAY)
		r = -1;
	for (int i = rs + 1; r == 0 && i < (int)d->tok[rs].end;
	    i = (int)d->tok[i].end) {
		int n = 0;
		if (d->tok[i].type != JSON_ARRAY) {
			r = -1;
			break;
		}
		for (int k = i + 1; k < (int)d->tok[i].end;
		    k = (int)d->tok[k].end) {
			if (n >= res->ncols) {
				r = -1;
				break;
			}
			v[n++] = d->tok[k].type == JSON_NULL ? NULL :
			    tok_str(d, k);
		}
		if (r == 0 && n != res->ncols)
			r = -1;
		if (r == 0)
			add_row(res, v, n);
		for (int k = 0; k < n; k++)
			free((char *)v[k]);
	}
	free(v);
	return r;
}

/* DML's affected rows, as the connectors count them: the first row's
 * "number of rows inserted/updated/deleted" columns. */
static void
affected(struct sfresult *res)
{
	res->affected = 0;
	if (!res->nrows)
		return;
	for (int i = 0; i < res->ncols; i++) {
		const char *n = res->names[i], *v = sfresult_at(res, 0, i);
		if (v && (strncasecmp(n, "number of rows inserted", 23) == 0 ||
		    strcasecmp(n, "number of rows updated") == 0 ||
		    strcasecmp(n, "number of multi-joined rows updated") == 0 ||
		    strcasecmp(n, "number of rows deleted") == 0))
			res->affected += strtoll(v, NULL, 10);
	}
}

static int
read_rows(const struct json_doc *d, int data, struct sfresult *res,
    struct buf *why)
{
	int rs = json_obj_get(d, data, "rowset");
	int b64 = json_obj_get(d, data, "rowsetBase64");
	int ch = json_obj_get(d, data, "chunks");
	int r = 0;

	if (ch >= 0 && d->tok[ch].type == JSON_ARRAY &&
	    d->tok[ch].end > (uint32_t)ch + 1) {
		buf_adds(why, "the result comes in chunks (too large for "
		    "stage's catalog queries)");
		return -2;
	}
	if (rs >= 0 && d->tok[rs].type != JSON_NULL)
		r = read_json_rows(d, rs, res);
	else if (b64 >= 0 && d->tok[b64].type == JSON_STRING &&
	    d->tok[b64].len) {
		struct buf raw = BUF_INIT;
		r = b64_decode(d->tok[b64].p, d->tok[b64].len, &raw);
		if (r == 0 && arrowipc_rows(raw.p ? raw.p : "", raw.len,
		    arrow_row, res, why) < 0)
			r = -1;
		buf_free(&raw);
	}
	if (r < 0) {
		if (!why->len)
			buf_adds(why, "malformed rowset");
		return -2;
	}
	affected(res);
	return 0;
}

static void
read_error(const struct json_doc *d, int data, struct sfresult *res)
{
	char *msg = tok_str(d, json_obj_get(d, 0, "message"));
	char *code = tok_str(d, json_obj_get(d, 0, "code"));
	char *st = data >= 0 ? tok_str(d, json_obj_get(d, data, "sqlState")) :
	    xstrdup("");

	snprintf(res->code, sizeof res->code, "%s", code);
	snprintf(res->sqlstate, sizeof res->sqlstate, "%s", st);
	buf_reset(&res->err);
	buf_adds(&res->err, *msg ? msg : "refused");
	if (*code)
		buf_printf(&res->err, " (code %s%s%s)", code, *st ?
		    ", SQL state " : "", st);
	free(msg);
	free(code);
	free(st);
}

int
sfw_parse(const char *body, size_t n, struct sfresult *res, struct buf *url,
    struct buf *why)
{
	struct json_doc d = { 0 };
	int ok, data, r = -2;

	if (json_parse(&d, body, n) < 0 || d.tok[0].type != JSON_OBJECT) {
		buf_printf(why, "answer is not JSON (%s)", d.err);
		goto out;
	}
	ok = json_obj_get(&d, 0, "success");
	data = json_obj_get(&d, 0, "data");
	if (data >= 0 && d.tok[data].type != JSON_OBJECT)
		data = -1;
	if (ok < 0 || d.tok[ok].type == JSON_FALSE) {
		read_error(&d, data, res);
		r = -1;
		if (strcmp(res->code, "333333") == 0 ||
		    strcmp(res->code, "333334") == 0) {
			char *u = tok_str(&d, data >= 0 ? json_obj_get(&d,
			    data, "getResultUrl") : -1);
			buf_reset(url);
			buf_adds(url, u);
			free(u);
			r = url->len ? 1 : -2;
			if (r < 0)
				buf_adds(why, "still running, but no result "
				    "URL to poll");
		}
		goto out;
	}
	if (data < 0) {
		r = 0;
		goto out;
	}
	{
		int ti = json_obj_get(&d, data, "statementTypeId");
		if (ti >= 0)
			json_int64(&d.tok[ti], &res->type_id);
	}
	if (read_names(&d, data, res) < 0) {
		buf_adds(why, "malformed rowtype");
		goto out;
	}
	r = read_rows(&d, data, res, why);
out:
	json_doc_free(&d);
	return r;
}

static void
uuid4(char out[37])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof b) != 1)
		for (size_t i = 0; i < sizeof b; i++)
			b[i] = (unsigned char)rand();
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int
worth_retry(const struct http_req *r)
{
	if (r->status == 0)
		return http_transient(r);
	return r->status == 429 || r->status >= 500;
}

/* Sends method url (body or none) until an answer that is not worth a
 * retry; 0 with the answer in r, -1 after reporting. */
static int
send_req(struct sfwire *w, struct http_req *r, const char *what)
{
	int tries;

	for (tries = 1;; tries++) {
		http_req_clear(r);
		http_conn_perform(w->c, r);
		if (!worth_retry(r) || tries >= SFW_TRIES)
			break;
		{
			int ms = httpx_backoff_ms(&w->backoff, tries);
			log_verbose("%s: %s: %s %ld, try %d of %d in %d ms",
			    w->label, what, r->status ? "HTTP" : "transport",
			    r->status, tries + 1, SFW_TRIES, ms);
			httpx_sleep_ms(ms);
		}
	}
	if (r->status == 0) {
		log_err("%s: %s failed: %s (after %d %s)", w->label, what,
		    http_strerror(r), tries, tries == 1 ? "try" : "tries");
		return -1;
	}
	if (r->status != 200 && !(r->status >= 400 && r->resp.len &&
	    r->resp.p[0] == '{')) {
		log_err("%s: %s failed: HTTP %ld (after %d %s)", w->label, what,
		    r->status, tries, tries == 1 ? "try" : "tries");
		return -1;
	}
	return 0;
}

static void
set_headers(struct sfwire *w, struct http_req *r, int json_body)
{
	struct buf h = BUF_INIT;

	http_req_header(r, "Accept: application/snowflake");
	if (json_body)
		http_req_header(r, "Content-Type: application/json");
	buf_printf(&h, "User-Agent: stage/%s", STAGE_VERSION);
	http_req_header(r, h.p);
	if (w->token) {
		buf_reset(&h);
		buf_printf(&h, "Authorization: Snowflake Token=\"%s\"",
		    w->token);
		http_req_header(r, h.p);
	}
	buf_free(&h);
}

static void
url_param(struct buf *u, const char *k, const char *v)
{
	char *e;

	if (!v || !*v)
		return;
	e = curl_easy_escape(NULL, v, 0);
	buf_printf(u, "&%s=%s", k, e);
	curl_free(e);
}

static void
login_body(const struct sfw_login *l, struct buf *b)
{
	buf_adds(b, "{\"data\":{\"CLIENT_APP_ID\":\"stage\","
	    "\"CLIENT_APP_VERSION\":");
	json_put_str(b, STAGE_VERSION, strlen(STAGE_VERSION));
	buf_adds(b, ",\"ACCOUNT_NAME\":");
	json_put_str(b, l->account, strlen(l->account));
	buf_adds(b, ",\"LOGIN_NAME\":");
	json_put_str(b, l->user, strlen(l->user));
	if (l->jwt) {
		buf_adds(b, ",\"AUTHENTICATOR\":\"SNOWFLAKE_JWT\",\"TOKEN\":");
		json_put_str(b, l->jwt, strlen(l->jwt));
	} else {
		buf_adds(b, ",\"PASSWORD\":");
		json_put_str(b, l->password ? l->password : "",
		    l->password ? strlen(l->password) : 0);
	}
	/* UTC and ISO dates so that values read back as they were sent;
	 * quoted identifiers fold to upper case as unquoted ones do, so
	 * that stage's quoted lower-case names are dlt's upper-case ones
	 * (doc/DESIGN.md, "Destinations and storages") */
	buf_adds(b, ",\"SESSION_PARAMETERS\":{\"AUTOCOMMIT\":true,"
	    "\"TIMEZONE\":\"UTC\",\"QUOTED_IDENTIFIERS_IGNORE_CASE\":true}}}");
}

static int
login(struct sfwire *w, const struct sfw_login *l)
{
	struct http_req r;
	struct buf u = BUF_INIT, body = BUF_INIT, why = BUF_INIT, pu = BUF_INIT;
	struct sfresult res = { 0 };
	struct json_doc d = { 0 };
	char id[37];
	int rc = -1;

	uuid4(id);
	http_req_init(&r);
	buf_printf(&u, "%s/session/v1/login-request?request_id=%s", w->base,
	    id);
	url_param(&u, "databaseName", l->database);
	url_param(&u, "schemaName", l->schema);
	url_param(&u, "warehouse", l->warehouse);
	url_param(&u, "roleName", l->role);
	r.method = "POST";
	r.url = u.p;
	u.p = NULL;
	set_headers(w, &r, 1);
	login_body(l, &body);
	r.body = body.p;
	r.body_len = body.len;
	if (send_req(w, &r, "login") < 0)
		goto out;
	if (json_parse(&d, r.resp.p ? r.resp.p : "", r.resp.len) < 0) {
		log_err("%s: login failed: HTTP %ld, answer is not JSON",
		    w->label, r.status);
		goto out;
	}
	{
		int data = json_obj_get(&d, 0, "data");
		int ok = json_obj_get(&d, 0, "success");
		int t = data >= 0 && d.tok[data].type == JSON_OBJECT ?
		    json_obj_get(&d, data, "token") : -1;
		if (ok < 0 || d.tok[ok].type != JSON_TRUE || t < 0 ||
		    d.tok[t].type != JSON_STRING) {
			read_error(&d, data >= 0 && d.tok[data].type ==
			    JSON_OBJECT ? data : -1, &res);
			log_err("%s: login failed: %s", w->label, res.err.p);
			goto out;
		}
		w->token = tok_str(&d, t);
	}
	rc = 0;
out:
	json_doc_free(&d);
	sfresult_free(&res);
	http_req_free(&r);
	buf_free(&u);
	buf_free(&body);
	buf_free(&why);
	buf_free(&pu);
	return rc;
}

struct sfwire *
sfw_open(const struct sfw_login *l)
{
	struct sfwire *w = xcalloc(1, sizeof *w);

	http_init();
	w->c = http_conn_new();
	w->base = xstrdup(l->base);
	w->label = xstrdup(l->label);
	httpx_backoff_init(&w->backoff, 200);
	if (login(w, l) < 0) {
		sfw_close(w);
		return NULL;
	}
	return w;
}

void
sfw_close(struct sfwire *w)
{
	if (!w)
		return;
	if (w->token) {
		struct http_req r;
		struct buf u = BUF_INIT;

		http_req_init(&r);
		buf_printf(&u, "%s/session?delete=true", w->base);
		r.method = "POST";
		r.url = u.p;
		set_headers(w, &r, 1);
		r.body = "{}";
		r.body_len = 2;
		r.stall_s = 10;
		http_conn_perform(w->c, &r);
		http_req_free(&r);
	}
	http_conn_free(w->c);
	free(w->base);
	free(w->label);
	free(w->token);
	free(w);
}

static void
query_body(struct sfwire *w, const char *sql, struct buf *b)
{
	buf_adds(b, "{\"sqlText\":");
	json_put_str(b, sql, strlen(sql));
	buf_printf(b, ",\"asyncExec\":false,\"sequenceId\":%lld,"
	    "\"querySubmissionTime\":%lld}", (long long)++w->seq,
	    (long long)time(NULL) * 1000);
}

/* One request (POST with body, else GET) and its parsed answer. */
static int
exchange(struct sfwire *w, const char *url, const char *body,
    struct sfresult *res, struct buf *poll, struct buf *raw)
{
	struct http_req r;
	struct buf why = BUF_INIT;
	int rc;

	http_req_init(&r);
	r.method = body ? "POST" : "GET";
	r.url = xstrdup(url);
	set_headers(w, &r, body != NULL);
	if (body) {
		r.body = body;
		r.body_len = strlen(body);
	}
	r.stall_s = 600;
	if (send_req(w, &r, "query") < 0) {
		http_req_free(&r);
		return -2;
	}
	sfresult_free(res);
	if (raw) {
		buf_reset(raw);
		buf_add(raw, r.resp.p ? r.resp.p : "", r.resp.len);
		buf_adds(raw, "");
	}
	rc = sfw_parse(r.resp.p ? r.resp.p : "", r.resp.len, res, poll, &why);
	if (rc == -2)
		log_err("%s: query: %s", w->label, why.p);
	buf_free(&why);
	http_req_free(&r);
	return rc;
}

int
sfw_query(struct sfwire *w, const char *sql, struct sfresult *res)
{
	return sfw_query_raw(w, sql, res, NULL);
}

int
sfw_query_raw(struct sfwire *w, const char *sql, struct sfresult *res,
    struct buf *raw)
{
	struct buf u = BUF_INIT, body = BUF_INIT, poll = BUF_INIT;
	long long until = httpx_now_ms() + SFW_POLL_S * 1000LL;
	char id[37];
	int rc, tries = 0;

	uuid4(id);
	buf_printf(&u, "%s/queries/v1/query-request?requestId=%s", w->base,
	    id);
	query_body(w, sql, &body);
	rc = exchange(w, u.p, body.p, res, &poll, raw);
	while (rc == 1) {
		if (httpx_now_ms() > until) {
			log_err("%s: query still running after %d s: given up",
			    w->label, SFW_POLL_S);
			rc = -2;
			break;
		}
		httpx_sleep_ms(httpx_backoff_ms(&w->backoff, ++tries < 6 ?
		    tries : 6));
		buf_reset(&u);
		buf_printf(&u, "%s%s", w->base, poll.p);
		rc = exchange(w, u.p, NULL, res, &poll, raw);
	}
	buf_free(&u);
	buf_free(&body);
	buf_free(&poll);
	return rc;
}
