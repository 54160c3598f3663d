/*
 * az: request building, signing, retries and error parsing for Azure Blob
 * Storage (az.h), and where the account, its key and its endpoint come
 * from (az_cfg_load).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "az.h"
#include "log.h"
#include "xml.h"

/* Azurite's well-known development account (UseDevelopmentStorage). */
#define DEV_ACCOUNT "devstoreaccount1"
#define DEV_KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6" \
	"tq/K1SZFPTOtr/KBHBeksoGMGw=="
#define DEV_ENDPOINT "http://127.0.0.1:10000/" DEV_ACCOUNT

void
az_req_init(struct az_req *r, const char *method, const char *key)
{
	memset(r, 0, sizeof *r);
	r->method = method;
	r->key = key;
	r->body_fd = -1;
	http_req_init(&r->h);
}

void
az_req_free(struct az_req *r)
{
	http_req_free(&r->h);
	buf_free(&r->code);
	buf_free(&r->msg);
}

void
az_req_query(struct az_req *r, const char *name, const char *value)
{
	if (r->nquery == AZ_MAXQ)
		die(EXIT_FAIL, "az: too many query parameters");
	r->query[r->nquery++] = (struct azsign_hdr){ name, value };
}

void
az_req_header(struct az_req *r, const char *name, const char *value)
{
	if (r->nhdrs == AZ_MAXH)
		die(EXIT_FAIL, "az: too many headers");
	r->hdrs[r->nhdrs++] = (struct azsign_hdr){ name, value };
}

void
az_init(struct az *a)
{
	a->http = http_new();
	memset(&a->delayed, 0, sizeof a->delayed);
	httpx_backoff_init(&a->backoff, a->cfg.backoff_ms);
}

static void
wipe(char *s)
{
	if (s)
		memset(s, 0, strlen(s));
	free(s);
}

void
az_free(struct az *a)
{
	struct az_cfg *c = &a->cfg;

	http_free(a->http);
	a->http = NULL;
	free(c->scheme);
	free(c->host);
	free(c->base);
	free(c->account);
	free(c->container);
	if (c->key.p)
		memset(c->key.p, 0, c->key.len);
	buf_free(&c->key);
	wipe(c->sas);
	memset(c, 0, sizeof *c);
}

/* The URL's path: base, container, encoded key. */
static void
url_path(const struct az_cfg *c, const char *key, struct buf *path)
{
	buf_printf(path, "%s/", c->base);
	azsign_encode(path, c->container, strlen(c->container), 0);
	if (key) {
		buf_addc(path, '/');
		azsign_encode(path, key, strlen(key), 1);
	}
}

static void
url_query(const struct az_req *r, const char *sas, struct buf *q)
{
	buf_adds(q, "");
	for (size_t i = 0; i < r->nquery; i++) {
		if (i)
			buf_addc(q, '&');
		azsign_encode(q, r->query[i].name, strlen(r->query[i].name), 0);
		buf_addc(q, '=');
		azsign_encode(q, r->query[i].value, strlen(r->query[i].value),
		    0);
	}
	if (sas && *sas)
		buf_printf(q, "%s%s", q->len ? "&" : "", sas);
}

static void
add_hdr(struct az_req *r, struct azsign_hdr *sh, size_t *n, const char *name,
    const char *value)
{
	struct buf line = BUF_INIT;

	buf_printf(&line, "%s: %s", name, value);
	http_req_header(&r->h, line.p);
	buf_free(&line);
	sh[(*n)++] = (struct azsign_hdr){ name, value };
}

/* Builds r->h: URL, headers and, with a key, the signature for now. */
static void
build(const struct az *a, struct az_req *r, long long now)
{
	const struct az_cfg *c = &a->cfg;
	struct buf path = BUF_INIT, query = BUF_INIT, url = BUF_INIT;
	struct buf auth = BUF_INIT;
	struct azsign_hdr sh[AZ_MAXH + 2];
	size_t n = 0;
	char date[30];
	int keyed = c->key.len > 0;

	http_req_clear_hdrs(&r->h);
	free(r->h.url);
	url_path(c, r->key, &path);
	url_query(r, keyed ? NULL : c->sas, &query);
	buf_printf(&url, "%s://%s%s%s%s", c->scheme, c->host, path.p,
	    query.len ? "?" : "", query.p);
	r->h.url = url.p;
	r->h.method = r->method;
	r->h.body = r->body;
	r->h.body_fd = r->body_fd;
	r->h.body_off = r->body_off;
	r->h.body_len = r->body_len;
	r->h.sink = r->sink;
	r->h.sink_ctx = r->sink_ctx;
	r->h.stall_s = c->stall_s;
	azsign_date(now, date);
	add_hdr(r, sh, &n, "x-ms-date", date);
	add_hdr(r, sh, &n, "x-ms-version", AZ_VERSION);
	for (size_t i = 0; i < r->nhdrs; i++)
		add_hdr(r, sh, &n, r->hdrs[i].name, r->hdrs[i].value);
	if (keyed) {
		/* With the query as sent: azsign decodes its values. */
		struct buf q = BUF_INIT;
		url_query(r, NULL, &q);
		struct azsign_req sr = { r->method, path.p, q.p, sh, n,
			r->body_len };
		buf_adds(&auth, "Authorization: ");
		azsign_sign(&sr, c->account, &c->key, &auth, NULL);
		http_req_header(&r->h, auth.p);
		buf_free(&q);
	}
	/* Only to stop curl adding its own (unsigned) ones. */
	http_req_header(&r->h, "Expect:");
	http_req_header(&r->h, "Content-Type:");
	buf_free(&path);
	buf_free(&query);
	buf_free(&auth);
}

int
az_ok(const struct az_req *r)
{
	return r->h.curl_rc == 0 && r->h.status >= 200 && r->h.status < 300;
}

/* Code and the first line of Message, from the header or the body. */
static void
parse_error(struct az_req *r)
{
	const struct buf *b = &r->h.resp;

	buf_reset(&r->code);
	buf_reset(&r->msg);
	if (r->h.curl_rc) {
		buf_adds(&r->msg, http_strerror(&r->h));
		return;
	}
	if (b->len) {
		xml_text(b->p, b->len, "Code", &r->code);
		xml_text(b->p, b->len, "Message", &r->msg);
	}
	if (!r->code.len) {
		buf_reset(&r->code);
		http_header(&r->h, "x-ms-error-code", &r->code);
	}
	if (r->msg.len) {
		r->msg.len = strcspn(r->msg.p, "\r\n");
		r->msg.p[r->msg.len] = '\0';
	}
}

static int
retryable(const struct az_req *r)
{
	long s = r->h.status;

	if (r->h.sink_failed)
		return 0;
	if (r->h.curl_rc)
		return http_transient(&r->h);
	return s == 408 || s == 429 || (s >= 500 && s != 501 && s != 505);
}

void
az_strerror(const struct az_req *r, struct buf *out)
{
	httpx_describe(&r->h, &r->code, &r->msg, out);
	httpx_tries(r->tries, out);
}

static int
again(struct az *a, struct az_req *r, int *delay)
{
	struct buf why = BUF_INIT;

	if (az_ok(r))
		return 0;
	parse_error(r);
	if (!retryable(r) || r->tries > a->cfg.retries)
		return 0;
	*delay = httpx_backoff_ms(&a->backoff, r->tries);
	httpx_describe(&r->h, &r->code, &r->msg, &why);
	httpx_retry_note(r->key ? r->key : a->cfg.container, r->method,
	    r->key ? "blob" : "container", why.p, r->tries, a->cfg.retries,
	    *delay);
	buf_free(&why);
	return 1;
}

static void on_http_done(struct http_req *h);
static void fire(struct httpx_later *l);

static void
launch(struct az *a, struct az_req *r)
{
	r->tries++;
	build(a, r, (long long)time(NULL));
	r->h.done = on_http_done;
	r->h.ctx = r;
	http_start(a->http, &r->h);
}

static void
on_http_done(struct http_req *h)
{
	struct az_req *r = h->ctx;
	int delay;

	if (again(r->az, r, &delay)) {
		r->later.fire = fire;
		httpx_delay(&r->az->delayed, &r->later, delay);
		return;
	}
	r->done(r);
}

static void
fire(struct httpx_later *l)
{
	struct az_req *r = (struct az_req *)((char *)l -
	    offsetof(struct az_req, later));

	launch(r->az, r);
}

void
az_start(struct az *a, struct az_req *r)
{
	r->az = a;
	r->tries = 0;
	launch(a, r);
}

int
az_run(struct az *a, int timeout_ms, int wait_fd)
{
	timeout_ms = httpx_delays_fire(&a->delayed, timeout_ms);
	return http_run(a->http, timeout_ms, wait_fd) + a->delayed.n;
}

int
az_perform(struct az *a, struct http_conn *c, struct az_req *r)
{
	struct httpx_range rs;
	char range[64];
	size_t nh = r->nhdrs;
	http_sink sink = r->sink;
	void *sink_ctx = r->sink_ctx;
	int delay;

	httpx_range_init(&rs, &r->h, sink, sink_ctx, r->range_off,
	    r->range_len);
	if (sink) {
		r->sink = httpx_range_sink;
		r->sink_ctx = &rs;
	}
	r->az = a;
	for (r->tries = 1;; r->tries++) {
		r->nhdrs = nh;
		if (httpx_range_next(&rs, range, sizeof range))
			az_req_header(r, "Range", range);
		build(a, r, (long long)time(NULL));
		http_conn_perform(c, &r->h);
		if (!again(a, r, &delay))
			break;
		httpx_sleep_ms(delay);
	}
	r->nhdrs = nh;
	r->sink = sink;
	r->sink_ctx = sink_ctx;
	if (rs.bad) {
		r->h.sink_failed = 0;
		buf_reset(&r->msg);
		httpx_range_bad(&rs, &r->msg);
	}
	return az_ok(r) ? 0 : -1;
}

/* Appends line with the value after "marker" up to the next "until" or
 * the line's end masked. */
static void
mask_after(struct buf *out, const char *line, size_t n, const char *marker,
    const char *until)
{
	const char *m;

	while (n && (m = strstr(line, marker)) && (size_t)(m - line) < n) {
		size_t pre = (size_t)(m - line) + strlen(marker);
		size_t v = strcspn(line + pre, until);
		if (pre + v > n)
			v = n - pre;
		buf_add(out, line, pre);
		buf_adds(out, "****");
		line += pre + v;
		n -= pre + v;
	}
	buf_add(out, line, n);
}

void
az_describe(const struct az *a, struct az_req *r, struct buf *out)
{
	struct buf dump = BUF_INIT;
	const char *p;

	build(a, r, (long long)time(NULL));
	http_req_dump(&r->h, &dump);
	for (p = dump.p; p && *p; ) {
		size_t n = strcspn(p, "\n");
		struct buf line = BUF_INIT;
		buf_add(&line, p, n);
		buf_adds(&line, "");
		const char *colon = strrchr(line.p, ':');
		if (strncmp(line.p, "Authorization: SharedKey ", 25) == 0 &&
		    colon) {
			buf_add(out, line.p, (size_t)(colon + 1 - line.p));
			buf_adds(out, "****");
		} else
			mask_after(out, line.p, n, "sig=", "&\n");
		buf_free(&line);
		p += n;
		if (*p == '\n')
			buf_addc(out, *p++);
	}
	buf_free(&dump);
}

/* Where the account and its credentials come from, first wins. */
struct az_src {
	const char *what;		/* for messages */
	const char *account, *key, *sas, *endpoint;
};

static const char *
nz(const char *s)
{
	return s && *s ? s : NULL;
}

static const char *
dlt_setting(const char *(*get)(void *, const char *), void *ctx,
    const char *k)
{
	char key[160];

	if (!get)
		return NULL;
	snprintf(key, sizeof key, "destination.filesystem.credentials.%s", k);
	return nz(get(ctx, key));
}

static const char *
env2(const char *a, const char *b)
{
	const char *v = nz(getenv(a));

	return v ? v : b ? nz(getenv(b)) : NULL;
}

/* A connection string's parts ("Name=value;..."), in bufs. */
struct connstr {
	struct buf account, key, sas, endpoint, proto, suffix;
	int dev;
};

static void
connstr_free(struct connstr *cs)
{
	struct buf *all[] = { &cs->account, &cs->key, &cs->sas, &cs->endpoint,
		&cs->proto, &cs->suffix };

	for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
		if (all[i]->p)
			memset(all[i]->p, 0, all[i]->len);
		buf_free(all[i]);
	}
}

static struct buf *
connstr_field(struct connstr *cs, const char *name, size_t n)
{
	static const struct {
		const char *name;
		size_t off;
	} f[] = {
		{ "AccountName", offsetof(struct connstr, account) },
		{ "AccountKey", offsetof(struct connstr, key) },
		{ "SharedAccessSignature", offsetof(struct connstr, sas) },
		{ "BlobEndpoint", offsetof(struct connstr, endpoint) },
		{ "DefaultEndpointsProtocol", offsetof(struct connstr, proto) },
		{ "EndpointSuffix", offsetof(struct connstr, suffix) },
	};

	for (size_t i = 0; i < sizeof f / sizeof *f; i++)
		if (strlen(f[i].name) == n && strncasecmp(f[i].name, name, n)
		    == 0)
			return (struct buf *)((char *)cs + f[i].off);
	return NULL;
}

/* -1 with err set (naming the part, never its value) when s does not
 * parse. */
static int
connstr_parse(const char *s, struct connstr *cs, struct buf *err)
{
	while (*s) {
		size_t len = strcspn(s, ";"), nl = strcspn(s, "=");
		struct buf *b;
		if (len && nl >= len) {
			buf_printf(err, "AZURE_STORAGE_CONNECTION_STRING: a part "
			    "without '=' (expected Name=value;...)");
			return -1;
		}
		if (len && nl == 21 && strncasecmp(s, "UseDevelopmentStorage",
		    21) == 0)
			cs->dev = strncasecmp(s + 22, "true", 4) == 0;
		else if (len && (b = connstr_field(cs, s, nl))) {
			buf_reset(b);
			buf_add(b, s + nl + 1, len - nl - 1);
		}
		s += len + (s[len] == ';');
	}
	return 0;
}

/* Splits "http[s]://host[:port][/path]" into scheme, host and base. */
static int
parse_endpoint(struct az_cfg *c, const char *ep, const char *what,
    struct buf *err)
{
	const char *h;
	size_t n, pl;

	if (strncmp(ep, "https://", 8) == 0)
		h = ep + 8;
	else if (strncmp(ep, "http://", 7) == 0)
		h = ep + 7;
	else {
		buf_printf(err, "%s %s: not an http:// or https:// URL",
		    what, ep);
		return -1;
	}
	n = strcspn(h, "/?#");
	if (n == 0 || h[n] == '?' || h[n] == '#') {
		buf_printf(err, "%s %s: expected scheme://host[:port][/path]",
		    what, ep);
		return -1;
	}
	free(c->scheme);
	free(c->host);
	free(c->base);
	c->scheme = xstrndup(ep, (size_t)(h - ep) - 3);
	c->host = xstrndup(h, n);
	pl = strlen(h + n);
	while (pl > 0 && h[n + pl - 1] == '/')
		pl--;
	c->base = xstrndup(h + n, pl);
	return 0;
}

/* The blob host of an abfss:// URL's dfs host. */
static char *
blob_host(const char *dfs)
{
	struct buf b = BUF_INIT;
	const char *d = strstr(dfs, ".dfs.");

	if (d) {
		buf_add(&b, dfs, (size_t)(d - dfs));
		buf_printf(&b, ".blob.%s", d + 5);
	} else {
		buf_adds(&b, dfs);
	}
	return b.p;
}

static int
endpoint_load(struct az_cfg *c, const char *flag, const char *url_host,
    const char *dlt_host, const struct connstr *cs, struct buf *err)
{
	struct buf ep = BUF_INIT;
	const char *what = "--endpoint";
	int rc;

	if (flag) {
		buf_adds(&ep, flag);
	} else if (url_host) {
		char *h = blob_host(url_host);
		buf_printf(&ep, "https://%s", h);
		free(h);
		what = "the URL's endpoint";
	} else if (dlt_host) {
		buf_printf(&ep, "%s%s", strstr(dlt_host, "://") ? "" :
		    "https://", dlt_host);
		what = "azure_account_host's endpoint";
	} else if (cs->endpoint.len) {
		buf_adds(&ep, cs->endpoint.p);
		what = "the connection string's BlobEndpoint";
	} else if (cs->dev) {
		buf_adds(&ep, DEV_ENDPOINT);
	} else if (c->account) {
		buf_printf(&ep, "%s://%s.blob.%s", cs->proto.len ?
		    cs->proto.p : "https", c->account, cs->suffix.len ?
		    cs->suffix.p : "core.windows.net");
		what = "the account's endpoint";
	} else {
		buf_adds(err, "no Azure storage account: set "
		    "AZURE_STORAGE_ACCOUNT_NAME, "
		    "AZURE_STORAGE_CONNECTION_STRING, or "
		    "destination.filesystem.credentials.azure_storage_account_name "
		    "in .dlt/secrets.toml");
		return -1;
	}
	rc = parse_endpoint(c, ep.p, what, err);
	buf_free(&ep);
	return rc;
}

/* The first source holding a key or a SAS gives the credential. */
static int
credential_load(struct az_cfg *c, const struct az_src *src, size_t n,
    struct buf *err)
{
	for (size_t i = 0; i < n; i++) {
		if (src[i].key) {
			if (azsign_unb64(&c->key, src[i].key)) {
				buf_reset(&c->key);
				buf_printf(err, "the Azure account key from %s "
				    "is not base64 (an account key is the "
				    "base64 text the portal shows)",
				    src[i].what);
				return -1;
			}
			if (!c->account) {
				buf_printf(err, "an Azure account key from %s "
				    "but no account name to sign with: set "
				    "AZURE_STORAGE_ACCOUNT_NAME", src[i].what);
				return -1;
			}
			return 0;
		}
		if (src[i].sas) {
			const char *s = src[i].sas;
			c->sas = xstrdup(*s == '?' ? s + 1 : s);
			return 0;
		}
	}
	buf_adds(err, "no Azure credentials: set AZURE_STORAGE_ACCOUNT_KEY or "
	    "AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_CONNECTION_STRING, or "
	    "destination.filesystem.credentials.azure_storage_account_key "
	    "(or azure_storage_sas_token) in .dlt/secrets.toml");
	return -1;
}

int
az_cfg_load(struct az_cfg *c, const char *container,
    const char *url_account, const char *url_host, const char *endpoint,
    const char *(*get)(void *ctx, const char *key), void *ctx,
    struct buf *err)
{
	struct connstr cs = { 0 };
	const char *conn = nz(getenv("AZURE_STORAGE_CONNECTION_STRING"));
	int rc = -1;

	c->container = xstrdup(container);
	if (conn && connstr_parse(conn, &cs, err))
		goto out;
	if (cs.dev) {
		if (!cs.account.len)
			buf_adds(&cs.account, DEV_ACCOUNT);
		if (!cs.key.len)
			buf_adds(&cs.key, DEV_KEY);
	}
	struct az_src src[] = {
		{ "the URL", url_account, NULL, NULL, NULL },
		{ "destination.filesystem.credentials",
		  dlt_setting(get, ctx, "azure_storage_account_name"),
		  dlt_setting(get, ctx, "azure_storage_account_key"),
		  dlt_setting(get, ctx, "azure_storage_sas_token"), NULL },
		{ "the environment",
		  env2("AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_ACCOUNT"),
		  env2("AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_KEY"),
		  env2("AZURE_STORAGE_SAS_TOKEN", NULL), NULL },
		{ "AZURE_STORAGE_CONNECTION_STRING", nz(cs.account.p),
		  nz(cs.key.p), nz(cs.sas.p), NULL },
	};
	size_t nsrc = sizeof src / sizeof *src;
	for (size_t i = 0; i < nsrc && !c->account; i++)
		if (src[i].account)
			c->account = xstrdup(src[i].account);
	if (endpoint_load(c, endpoint, url_host,
	    dlt_setting(get, ctx, "azure_account_host"), &cs, err) ||
	    credential_load(c, src, nsrc, err))
		goto out;
	if (c->backoff_ms <= 0)
		c->backoff_ms = 200;
	rc = 0;
out:
	connstr_free(&cs);
	return rc;
}
