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

static const struct objx_proto az_proto;

void
az_init(struct az *a)
{
	objx_init(&a->x, &az_proto, a, a->cfg.retries, a->cfg.backoff_ms);
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

	objx_free(&a->x);
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
url_query(const struct objreq *r, const char *sas, struct buf *q)
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
add_hdr(struct objreq *r, struct azsign_hdr *sh, size_t *n, const char *name,
    const char *value)
{
	objreq_hline(r, name, value);
	sh[(*n)++] = (struct azsign_hdr){ name, value };
}

static void
sign(const struct az_cfg *c, struct objreq *r, const char *path,
    const struct azsign_hdr *sh, size_t n)
{
	/* With the query as sent: azsign decodes its values. */
	struct buf q = BUF_INIT, auth = BUF_INIT;
	struct azsign_req sr;

	url_query(r, NULL, &q);
	sr = (struct azsign_req){ r->method, path, q.p, sh, n, r->body_len };
	buf_adds(&auth, "Authorization: ");
	azsign_sign(&sr, c->account, &c->key, &auth, NULL);
	http_req_header(&r->h, auth.p);
	buf_free(&q);
	buf_free(&auth);
}

/* Builds r->h: URL, headers and, with a key, the signature for now. */
static void
build(const void *be, struct objreq *r, long long now)
{
	const struct az_cfg *c = &((const struct az *)be)->cfg;
	struct buf path = BUF_INIT, query = BUF_INIT, url = BUF_INIT;
	struct azsign_hdr sh[OBJREQ_MAXH + 2];
	size_t n = 0;
	char date[30];
	int keyed = c->key.len > 0;

	url_path(c, r->key, &path);
	url_query(r, keyed ? NULL : c->sas, &query);
	buf_printf(&url, "%s://%s%s%s%s", c->scheme, c->host, path.p,
	    query.len ? "?" : "", query.p);
	objreq_fill(r, url.p, c->stall_s);
	azsign_date(now, date);
	add_hdr(r, sh, &n, "x-ms-date", date);
	add_hdr(r, sh, &n, "x-ms-version", AZ_VERSION);
	for (size_t i = 0; i < r->nhdrs; i++)
		add_hdr(r, sh, &n, r->hdrs[i].name, r->hdrs[i].value);
	if (keyed)
		sign(c, r, path.p, sh, n);
	/* Only to stop curl adding its own (unsigned) ones. */
	http_req_header(&r->h, "Expect:");
	http_req_header(&r->h, "Content-Type:");
	buf_free(&path);
	buf_free(&query);
}

int
az_ok(const struct objreq *r)
{
	return r->h.curl_rc == 0 && r->h.status >= 200 && r->h.status < 300;
}

/* Code and the first line of Message, from the header or the body. */
static void
parse_error(struct objreq *r)
{
	objreq_xml_error(r);
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
retryable(const struct objreq *r)
{
	long s = r->h.status;

	return s == 408 || s == 429 || (s >= 500 && s != 501 && s != 505);
}

static const char *
container(const void *be)
{
	return ((const struct az *)be)->cfg.container;
}

static const struct objx_proto az_proto = {
	.name = "az",
	.key_noun = "blob",
	.root_noun = "container",
	.root = container,
	.build = build,
	.ok = az_ok,
	.parse_error = parse_error,
	.retryable = retryable,
};

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
az_describe(const struct az *a, struct objreq *r, struct buf *out)
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
