/*
 * dest_snowflake: Snowflake through its session protocol
 * (snowflake_wire.h), over the shared SQL layer (dest_sql.h).
 *
 * Names: stage's names are lower case (ident_nocase refuses others) and
 * quoted; the session sets QUOTED_IDENTIFIERS_IGNORE_CASE, so "users" is
 * USERS, the table dlt's Snowflake destination makes (it upper-cases
 * every identifier), and each tool reads the other's tables.  Catalog
 * queries compare upper case and fold the names back to lower case.
 *
 * Staging: <DATASET>_STAGING, one table per manifest table plus
 * _stage_row, and _stage_files.  A file staged in a bucket is loaded by
 * Snowflake itself: COPY INTO the staging table from the staged object
 * with _stage_row computed in the load statement from
 * METADATA$FILE_ROW_NUMBER and the file's number (doc/DESIGN.md, "Row
 * identity"), never FORCE, so Snowflake's load history and _stage_files
 * agree on what was loaded.  A file staged on the local disk (file://,
 * or no bucket), which Snowflake cannot read, goes through the staging
 * table's stage as dlt does it: its rows with their _stage_row as gzip
 * CSV, PUT (sfput.h) into a fresh folder of the table's stage, one COPY
 * of that folder; where PUT cannot be used (see put_rows) the rows are
 * streamed (source.h) as INSERT ... SELECT ... FROM VALUES batches with
 * the same _stage_row.  stage-copy gives each load's files at once
 * (copy_batch): per table, folder, format and column list, one
 * transaction holds their _stage_files rows (one INSERT) and their rows
 * (one COPY naming up to 1,000 files, or INSERT batches running on
 * across the files), so statements grow with tables, not files.
 *
 * Merge: DDL first (Snowflake commits on DDL, and widening a column's
 * kind takes a new column), then one transaction per load, serialized
 * with the dataset's other merges by its _stage_locks row: the shared
 * layer's dispositions (delete-insert, or MERGE for --strategy upsert:
 * the SQL_MERGE dialect), the _dlt_loads record and the clearing of the
 * load's staging rows.
 *
 * Types: text VARCHAR, bigint NUMBER(38,0), double FLOAT, bool BOOLEAN,
 * timestamp TIMESTAMP_TZ, date DATE, time TIME, decimal NUMBER(38,9),
 * json VARIANT, binary BINARY.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "config.h"
#include "compress.h"
#include "csvin.h"
#include "dest.h"
#include "dest_sql.h"
#include "house.h"
#include "httpx.h"
#include "log.h"
#include "manifest.h"
#include "sfcopyerr.h"
#include "sfjwt.h"
#include "sfput.h"
#include "snowflake_wire.h"
#include "source.h"

/* The connection's settings, parsed from conninfo (sf_resolve's
 * "key=value&..." with values percent-encoded). */
enum {
	K_ACCOUNT, K_USER, K_PASSWORD, K_DATABASE, K_SCHEMA, K_WAREHOUSE,
	K_ROLE, K_HOST, K_PORT, K_PROTOCOL, K_AUTHENTICATOR, K_PRIVATE_KEY,
	K_PRIVATE_KEY_PATH, K_PASSPHRASE, K_STAGE_NAME, K_INTEGRATION, K_N
};

static const char *const keys[K_N] = {
	"account", "user", "password", "database", "schema", "warehouse",
	"role", "host", "port", "protocol", "authenticator", "private_key",
	"private_key_path", "private_key_passphrase", "stage_name",
	"storage_integration"
};

static int
secret_key(int k)
{
	return k == K_PASSWORD || k == K_PRIVATE_KEY || k == K_PASSPHRASE;
}

struct sfdest {
	struct sqldest s;
	struct sfwire *w;	/* NULL in a dry run that did not connect */
	int64_t dry_file_no;	/* dry run before staging exists: 1, 2, ... */
	int in_txn;		/* between BEGIN and COMMIT or ROLLBACK */
	int soft;		/* a conflict is retried: not an error yet */
	int conflicted;		/* ... and one happened */
	int locking;		/* running the lock UPDATE or the COMMIT */
	int last_conflict;	/* the last statement that failed: one */
	int lock_busy;		/* the lock UPDATE failed on a conflict */
	char *stage_url;	/* the temporary stage made on this folder */
	char *stage_schema;	/* ... in this schema */
	char *v[K_N];
};

static const char *const sf_types[] = {
	[CT_TEXT] = "VARCHAR", [CT_BIGINT] = "NUMBER(38,0)",
	[CT_DOUBLE] = "FLOAT", [CT_BOOL] = "BOOLEAN",
	[CT_TIMESTAMP] = "TIMESTAMP_TZ", [CT_DATE] = "DATE",
	[CT_TIME] = "TIME", [CT_DECIMAL] = "NUMBER(38,9)",
	[CT_JSON] = "VARIANT", [CT_BINARY] = "BINARY"
};

static const struct sql_dialect sf_dialect = {
	sf_types, sql_file_div, sql_new_id_tagged, SQL_MERGE,
	"CURRENT_TIMESTAMP()"
};

static const struct sql_driver sf_driver;

/* --- configuration --- */

static int
key_index(const char *k, size_t n)
{
	for (int i = 0; i < K_N; i++)
		if (strlen(keys[i]) == n && strncmp(keys[i], k, n) == 0)
			return i;
	return -1;
}

static char *
unescape(const char *s, size_t n)
{
	int len = 0;
	char *u = curl_easy_unescape(NULL, s, (int)n, &len);
	char *r = u ? xstrndup(u, (size_t)len) : xstrndup(s, n);

	curl_free(u);
	return r;
}

static void
conf_add(struct buf *b, int k, const char *v)
{
	char *e = curl_easy_escape(NULL, v, 0);

	if (b->len)
		buf_addc(b, '&');
	buf_printf(b, "%s=%s", keys[k], e ? e : "");
	curl_free(e);
}

/* Parses conninfo into v[]; -1 with why for an unknown key. */
static int
conf_parse(const char *s, char **v, struct buf *why)
{
	while (s && *s) {
		const char *amp = strchr(s, '&'), *eq;
		size_t n = amp ? (size_t)(amp - s) : strlen(s);
		int k;

		eq = memchr(s, '=', n);
		k = eq ? key_index(s, (size_t)(eq - s)) : -1;
		if (k < 0) {
			buf_printf(why, "unknown parameter '%.*s' (known: "
			    "warehouse, role, schema, host, port, protocol, "
			    "authenticator, private_key_path, stage_name, "
			    "storage_integration)", (int)(eq ? eq - s : (long)n),
			    s);
			return -1;
		}
		free(v[k]);
		v[k] = unescape(eq + 1, n - (size_t)(eq + 1 - s));
		s = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* The masked form every message shows. */
static char *
conf_masked(char **v)
{
	struct buf b = BUF_INIT;
	int q = 0;

	buf_adds(&b, "snowflake://");
	if (v[K_USER])
		buf_printf(&b, "%s%s@", v[K_USER], v[K_PASSWORD] ? ":***" : "");
	buf_printf(&b, "%s/%s", v[K_ACCOUNT] ? v[K_ACCOUNT] : "",
	    v[K_DATABASE] ? v[K_DATABASE] : "");
	if (v[K_SCHEMA])
		buf_printf(&b, "/%s", v[K_SCHEMA]);
	for (int k = K_WAREHOUSE; k < K_N; k++) {
		if (!v[k] || k == K_SCHEMA)
			continue;
		buf_printf(&b, "%c%s=%s", q++ ? '&' : '?', keys[k],
		    secret_key(k) ? "***" : v[k]);
	}
	return b.p;
}

/* snowflake://user[:password]@account/database[/schema]?k=v into v[];
 * -1 with why. */
static int
url_parse(const char *url, char **v, struct buf *why)
{
	const char *p = url + strlen("snowflake://"), *at, *sl, *q;
	const char *end;

	q = strchr(p, '?');
	end = q ? q : p + strlen(p);
	at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		v[K_USER] = unescape(p, (size_t)((colon ? colon : at) - p));
		if (colon)
			v[K_PASSWORD] = unescape(colon + 1,
			    (size_t)(at - colon - 1));
		p = at + 1;
	}
	sl = memchr(p, '/', (size_t)(end - p));
	v[K_ACCOUNT] = unescape(p, (size_t)((sl ? sl : end) - p));
	if (sl) {
		const char *sl2 = memchr(sl + 1, '/', (size_t)(end - sl - 1));
		v[K_DATABASE] = unescape(sl + 1, (size_t)((sl2 ? sl2 : end) -
		    sl - 1));
		if (sl2 && sl2 + 1 < end)
			v[K_SCHEMA] = unescape(sl2 + 1,
			    (size_t)(end - sl2 - 1));
	}
	if (q && conf_parse(q + 1, v, why) < 0)
		return -1;
	return 0;
}

static void
conf_free(char **v)
{
	for (int k = 0; k < K_N; k++) {
		free(v[k]);
		v[k] = NULL;
	}
}

static char *
conf_join(char **v)
{
	struct buf b = BUF_INIT;

	for (int k = 0; k < K_N; k++)
		if (v[k])
			conf_add(&b, k, v[k]);
	return b.p ? b.p : xstrdup("");
}

/* dlt's credential fields (host is dlt's name for the account). */
static void
from_config(const struct dest_src *src, char **v)
{
	static const struct { const char *field; int k; } f[] = {
		{ "database", K_DATABASE }, { "username", K_USER },
		{ "password", K_PASSWORD }, { "host", K_ACCOUNT },
		{ "account", K_ACCOUNT }, { "warehouse", K_WAREHOUSE },
		{ "role", K_ROLE }, { "private_key", K_PRIVATE_KEY },
		{ "private_key_path", K_PRIVATE_KEY_PATH },
		{ "private_key_passphrase", K_PASSPHRASE },
		{ "authenticator", K_AUTHENTICATOR }, { "schema", K_SCHEMA },
		{ "endpoint_host", K_HOST }, { "port", K_PORT },
		{ "protocol", K_PROTOCOL },
	};
	struct buf k = BUF_INIT;

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		const char *val;
		buf_reset(&k);
		buf_printf(&k, "%s.%s", src->key, f[i].field);
		if ((val = config_get(src->cf, k.p))) {
			free(v[f[i].k]);
			v[f[i].k] = xstrdup(val);
		}
	}
	buf_free(&k);
}

/* destination.<name>.stage_name (dlt's named stage). */
static void
stage_name(const struct dest_src *src, char **v)
{
	struct buf k = BUF_INIT;
	const char *val;

	if (!src->cf || !src->name)
		return;
	buf_printf(&k, "destination.%s.stage_name", src->name);
	if (!v[K_STAGE_NAME] && (val = config_get(src->cf, k.p)))
		v[K_STAGE_NAME] = xstrdup(val);
	buf_free(&k);
}

/* A URL without a password or key takes them from dlt's credentials
 * (.dlt/secrets.toml, DESTINATION__SNOWFLAKE__CREDENTIALS__...), as
 * libpq takes PGPASSWORD: secrets stay out of argv. */
static void
secrets_for_url(const struct dest_src *src, char **v)
{
	static const struct { const char *field; int k; } f[] = {
		{ "password", K_PASSWORD }, { "private_key", K_PRIVATE_KEY },
		{ "private_key_path", K_PRIVATE_KEY_PATH },
		{ "private_key_passphrase", K_PASSPHRASE },
	};
	struct config *cf;
	struct buf k = BUF_INIT;

	if (!src->url || v[K_PASSWORD] || v[K_PRIVATE_KEY] ||
	    v[K_PRIVATE_KEY_PATH] || !(cf = config_load()))
		return;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		const char *val;
		buf_reset(&k);
		buf_printf(&k, "destination.%s.credentials.%s",
		    src->name ? src->name : "snowflake", f[i].field);
		if (!v[f[i].k] && (val = config_get(cf, k.p)))
			v[f[i].k] = xstrdup(val);
	}
	config_free(cf);
	buf_free(&k);
}

static int
sf_resolve(struct dest_conf *c, const struct dest_src *src)
{
	char *v[K_N] = { 0 };
	struct buf why = BUF_INIT, k_why = BUF_INIT;
	int had;

	if (src->url && strncmp(src->url, "snowflake://", 12) == 0) {
		if (url_parse(src->url, v, &why) < 0) {
			/* open reports it ("!why"): resolve cannot fail */
			conf_free(v);
			buf_reset(&k_why);
			buf_printf(&k_why, "!%s", why.p);
			c->conninfo = k_why.p;
			c->masked = xstrdup("snowflake://");
			buf_free(&why);
			return 0;
		}
	} else if (src->key) {
		from_config(src, v);
	}
	had = v[K_PASSWORD] != NULL && src->url != NULL;
	stage_name(src, v);
	/* masked before the URL's secrets are taken from the environment:
	 * the URL shows (and the manifest's copied.destination keeps) what
	 * was given, which stage-merge resolves again the same way */
	c->masked = conf_masked(v);
	secrets_for_url(src, v);
	c->conninfo = conf_join(v);
	conf_free(v);
	buf_free(&why);
	return had;
}

/* --- the connection --- */

static char *
slurp(const char *path, struct buf *why)
{
	struct buf b = BUF_INIT;
	FILE *f = fopen(path, "rb");
	char tmp[4096];
	size_t n;

	if (!f) {
		buf_printf(why, "private_key_path %s: cannot read it", path);
		return NULL;
	}
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	buf_adds(&b, "");
	return b.p;
}

/* The key-pair token when a private key is configured: 1 with it in
 * jwt, 0 without a key, -1 with why. */
static int
keypair(char **v, struct buf *jwt, struct buf *why)
{
	char *pem = NULL;
	int r;

	if (v[K_PRIVATE_KEY])
		pem = xstrdup(v[K_PRIVATE_KEY]);
	else if (v[K_PRIVATE_KEY_PATH] &&
	    !(pem = slurp(v[K_PRIVATE_KEY_PATH], why)))
		return -1;
	if (!pem)
		return 0;
	r = sfjwt_make(pem, v[K_PASSPHRASE], v[K_ACCOUNT], v[K_USER],
	    (int64_t)time(NULL), 60, jwt, why) < 0 ? -1 : 1;
	free(pem);
	return r;
}

static int
check_conf(char **v, struct buf *why)
{
	if (!v[K_ACCOUNT] || !*v[K_ACCOUNT])
		buf_adds(why, "no account (snowflake://user@ACCOUNT/database, "
		    "or credentials.host)");
	else if (!v[K_USER] || !*v[K_USER])
		buf_adds(why, "no user (snowflake://USER@account/database, or "
		    "credentials.username)");
	else if (!v[K_DATABASE] || !*v[K_DATABASE])
		buf_adds(why, "no database (snowflake://user@account/DATABASE, "
		    "or credentials.database)");
	else if (v[K_AUTHENTICATOR] && strcasecmp(v[K_AUTHENTICATOR],
	    "snowflake") && strcasecmp(v[K_AUTHENTICATOR], "snowflake_jwt"))
		buf_printf(why, "authenticator %s: not supported (password or "
		    "key-pair: snowflake, snowflake_jwt)", v[K_AUTHENTICATOR]);
	else if (v[K_PROTOCOL] && strcmp(v[K_PROTOCOL], "http") &&
	    strcmp(v[K_PROTOCOL], "https"))
		buf_printf(why, "protocol %s: http or https", v[K_PROTOCOL]);
	return why->len ? -1 : 0;
}

static int
connect_wire(struct sfdest *d, const char *masked, struct buf *why)
{
	struct sfw_login l = { 0 };
	struct buf base = BUF_INIT, jwt = BUF_INIT;
	int kp = keypair(d->v, &jwt, why);

	if (kp < 0)
		return -1;
	if (!kp && !d->v[K_PASSWORD]) {
		buf_adds(why, "no password and no private key (set "
		    "credentials.password or private_key in .dlt/secrets.toml, "
		    "or DESTINATION__SNOWFLAKE__CREDENTIALS__PASSWORD)");
		return -1;
	}
	buf_printf(&base, "%s://", d->v[K_PROTOCOL] ? d->v[K_PROTOCOL] :
	    "https");
	if (d->v[K_HOST])
		buf_adds(&base, d->v[K_HOST]);
	else
		buf_printf(&base, "%s.snowflakecomputing.com", d->v[K_ACCOUNT]);
	if (d->v[K_PORT])
		buf_printf(&base, ":%s", d->v[K_PORT]);
	l.base = base.p;
	l.account = d->v[K_ACCOUNT];
	l.user = d->v[K_USER];
	l.password = kp ? NULL : d->v[K_PASSWORD];
	l.jwt = kp ? jwt.p : NULL;
	l.database = d->v[K_DATABASE];
	l.schema = d->v[K_SCHEMA];
	l.warehouse = d->v[K_WAREHOUSE];
	l.role = d->v[K_ROLE];
	l.label = masked;
	d->w = sfw_open(&l);
	buf_free(&base);
	buf_free(&jwt);
	return d->w ? 0 : -2;
}

static struct dest *
sf_open(const struct dest_conf *conf)
{
	struct sfdest *d = xcalloc(1, sizeof *d);
	struct buf why = BUF_INIT;
	int r;

	d->s.base.ops = &dest_snowflake;
	d->s.base.conf = conf;
	d->s.drv = &sf_driver;
	d->s.dry = conf->dry_run;
	if (conf->conninfo[0] == '!')
		buf_adds(&why, conf->conninfo + 1);
	else if (conf_parse(conf->conninfo, d->v, &why) == 0)
		check_conf(d->v, &why);
	if (why.len) {
		log_err("%s: %s", conf->masked, why.p);
		goto fail;
	}
	if ((r = connect_wire(d, conf->masked, &why)) == 0) {
		buf_free(&why);
		return &d->s.base;
	}
	if (r == -1)
		log_err("%s: %s", conf->masked, why.p);
	if (d->s.dry) {
		log_warn("%s: cannot connect: planning as if the database "
		    "were empty", conf->masked);
		buf_free(&why);
		return &d->s.base;
	}
fail:
	conf_free(d->v);
	free(d);
	buf_free(&why);
	return NULL;
}

static void
sf_close(struct dest *base)
{
	struct sfdest *d = (struct sfdest *)base;

	if (!d)
		return;
	if (d->w)
		log_verbose("%s: %lld statements sent", d->s.base.conf->masked,
		    (long long)sfw_statements(d->w));
	sfw_close(d->w);
	free(d->stage_url);
	free(d->stage_schema);
	sources_free(d->s.base.sources);
	conf_free(d->v);
	free(d);
}

/* --- the driver --- */

/* Whether Snowflake refused a statement for another transaction's
 * locks (waiters over the limit, a deadlock, the lock wait timing out;
 * 000625 and the lock timeout's 000630), or the emulator for a write
 * conflict (DuckDB answers one instead of waiting, and fakesnow passes
 * it on as an unhandled exception, code 261000: taken for a conflict on
 * the lock UPDATE and the COMMIT only): worth running the transaction
 * again. */
static int
conflict(const struct sfdest *d, const struct sfresult *res)
{
	const char *m = res->err.p ? res->err.p : "";

	return strcmp(res->code, "000625") == 0 ||
	    strcmp(res->code, "000630") == 0 || strstr(m, "onflict") ||
	    strstr(m, "deadlock") || strstr(m, "Deadlock") ||
	    (d->locking && strcmp(res->code, "261000") == 0);
}

/* Runs sql: 0 with res, -1 after reporting "object: what: why" (a
 * conflict while d->soft: only under -v, d->conflicted set). */
static int
sf_run(struct sfdest *d, const char *object, const char *what,
    const char *sql, struct sfresult *res)
{
	int r;

	log_verbose("%s: %s", object, sql);
	if (!d->w) {
		log_err("%s: %s: not connected", object, what);
		return -1;
	}
	r = sfw_query(d->w, sql, res);
	d->last_conflict = r == -1 && conflict(d, res);
	if (d->last_conflict && d->soft) {
		d->conflicted = 1;
		log_verbose("%s: %s: %s", object, what, res->err.p);
	} else if (r == -1)
		log_err("%s: %s: %s", object, what, res->err.p);
	return r < 0 ? -1 : 0;
}

/* The COPY of a local load's one CSV (put_rows): 0 with res, else -1
 * after naming the file, line and column the server's message points
 * at, which it counts in the CSV of all the files (sent[k] records of
 * each in todo; the COPY's columns "_stage_row" first); the group's
 * first file when it points at none. */
static int
put_copy_run(struct sfdest *d, const struct dfile *const *g, size_t m,
    const int *todo, const int64_t *sent, const char *sql,
    struct sfresult *res)
{
	const struct dfile *f;
	const char *cname;
	int64_t rec, in;
	size_t k;
	int col, r;

	if (!d->w)
		return sf_run(d, g[0]->object, "COPY failed", sql, res);
	log_verbose("%s: %s", g[0]->object, sql);
	if ((r = sfw_query(d->w, sql, res)) != -1)
		return r < 0 ? -1 : 0;
	if (sfcopyerr_where(res->err.p, &rec, &col) < 0 ||
	    sfcopyerr_file(rec, todo, sent, m, &k, &in) < 0) {
		log_err("%s: COPY failed: %s", g[0]->object, res->err.p);
		return -1;
	}
	f = g[k];
	/* the COPY's column 0 is _stage_row */
	cname = col > 0 && (size_t)col <= f->t.ncols ?
	    f->t.cols[col - 1].name : NULL;
	/* a CSV's records follow its header line; JSON lines are records */
	log_err("%s: %s %lld%s%s: COPY failed: %s", f->object,
	    f->format == FMT_PARQUET ? "row" : "line", (long long)(in +
	    (f->format == FMT_CSV)), cname ? ", column " : "",
	    cname ? cname : "", res->err.p);
	return -1;
}

static int
sf_exec(struct sqldest *s, const char *object, const char *sql, int64_t *rows)
{
	struct sfdest *d = (struct sfdest *)s;
	struct sfresult res = { 0 };
	int r;

	if (strcmp(sql, "BEGIN") == 0 || strcmp(sql, "COMMIT") == 0)
		d->in_txn = sql[0] == 'B';
	if (s->dry) {
		dest_dry_sql(sql);
		if (rows)
			*rows = 0;
		return 0;
	}
	r = sf_run(d, object, "SQL failed", sql, &res);
	if (r == 0 && rows)
		*rows = res.affected;
	sfresult_free(&res);
	return r;
}

static void
rollback(struct sqldest *s)
{
	struct sfdest *d = (struct sfdest *)s;
	struct sfresult res = { 0 };

	d->in_txn = 0;
	if (s->dry) {
		dest_dry_sql("ROLLBACK");
		return;
	}
	if (d->w)
		sfw_query(d->w, "ROLLBACK", &res);
	sfresult_free(&res);
}

static int
sf_count(struct sqldest *s, const char *object, const char *sql, int64_t *n)
{
	struct sfdest *d = (struct sfdest *)s;
	struct sfresult res = { 0 };
	int r;

	*n = 0;
	if (!d->w)
		return 1;
	r = sf_run(d, object, "query failed", sql, &res);
	if (r == 0 && (res.nrows != 1 || res.ncols < 1)) {
		log_err("%s: query failed: %lld rows, not one", object,
		    (long long)res.nrows);
		r = -1;
	}
	if (r == 0 && sfresult_at(&res, 0, 0))
		*n = strtoll(sfresult_at(&res, 0, 0), NULL, 10);
	sfresult_free(&res);
	return r;
}

static int
sf_rows(struct sqldest *s, const char *object, const char *what,
    const char *sql, const char *param, sqld_row_fn *row, void *arg)
{
	struct sfdest *d = (struct sfdest *)s;
	struct sfresult res = { 0 };
	int r;

	(void)param;	/* no placeholder: values are inlined */
	if (!d->w)
		return 1;
	r = sf_run(d, object, what, sql, &res);
	for (int64_t i = 0; r == 0 && i < res.nrows; i++)
		if (row(arg, (const char *const *)&res.v[i * res.ncols],
		    res.ncols) < 0)
			r = -1;
	sfresult_free(&res);
	return r;
}

/* WHERE clause of schema.name in information_schema (upper case: see
 * the top of this file). */
static void
where_table(struct buf *q, const char *schema, const char *name)
{
	buf_adds(q, " WHERE UPPER(table_schema) = UPPER(");
	sql_str(q, schema);
	buf_adds(q, ")");
	if (name) {
		buf_adds(q, " AND UPPER(table_name) = UPPER(");
		sql_str(q, name);
		buf_adds(q, ")");
	}
}

static int
table_exists(struct sqldest *s, const char *schema, const char *name)
{
	struct buf q = BUF_INIT;
	int64_t n = 0;
	int r;

	if (!((struct sfdest *)s)->w)
		return 0;
	buf_adds(&q, "SELECT count(*) FROM information_schema.tables");
	where_table(&q, schema, name);
	r = sf_count(s, name, q.p, &n);
	buf_free(&q);
	return r == 0 && n > 0;
}

/* Snowflake's information_schema type (with precision and scale) as
 * ours; CT_NONE for one stage never makes. */
static enum coltype
sf_type(const char *t, const char *scale)
{
	static const struct { const char *name; enum coltype t; } m[] = {
		{ "TEXT", CT_TEXT }, { "VARCHAR", CT_TEXT },
		{ "FLOAT", CT_DOUBLE }, { "BOOLEAN", CT_BOOL },
		{ "TIMESTAMP_TZ", CT_TIMESTAMP }, { "DATE", CT_DATE },
		{ "TIME", CT_TIME }, { "VARIANT", CT_JSON },
		{ "BINARY", CT_BINARY },
	};

	if (!t)
		return CT_NONE;
	if (strcmp(t, "NUMBER") == 0)
		return scale && strcmp(scale, "0") ? CT_DECIMAL : CT_BIGINT;
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (strcmp(t, m[i].name) == 0)
			return m[i].t;
	return CT_NONE;
}

static enum coltype
decl_type(const char *decl)
{
	const char *comma = decl ? strchr(decl, ',') : NULL;
	char t[64];

	if (!decl)
		return CT_NONE;
	snprintf(t, sizeof t, "%.*s", (int)strcspn(decl, "("), decl);
	return sf_type(t, comma ? comma + 1 : NULL);
}

static char *
lower(const char *s)
{
	char *r = xstrdup(s ? s : "");

	for (char *p = r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return r;
}

static void
tables_query(struct buf *q, const char *dataset)
{
	buf_adds(q, "SELECT LOWER(table_name), LOWER(column_name), "
	    "data_type || '(' || COALESCE(CAST(numeric_precision AS VARCHAR), "
	    "'') || ',' || COALESCE(CAST(numeric_scale AS VARCHAR), '') || ')', "
	    "CASE WHEN is_nullable = 'NO' THEN 'true' ELSE 'false' END FROM "
	    "information_schema.columns");
	where_table(q, dataset, NULL);
	buf_adds(q, " AND SUBSTR(LOWER(table_name), 1, 7) <> '_stage_' "
	    "ORDER BY LOWER(table_name), ordinal_position");
}

static int
sf_columns(struct sqldest *s, const char *schema, const char *name,
    struct dtable *out, int *exists)
{
	struct sfdest *d = (struct sfdest *)s;
	struct sfresult res = { 0 };
	struct buf q = BUF_INIT;
	int r = 0;

	memset(out, 0, sizeof *out);
	*exists = 0;
	if (!d->w)
		return 0;
	buf_adds(&q, "SELECT column_name, data_type, numeric_scale FROM "
	    "information_schema.columns");
	where_table(&q, schema, name);
	buf_adds(&q, " ORDER BY ordinal_position");
	if (sf_run(d, name, "cannot read its columns", q.p, &res) < 0)
		r = -1;
	*exists = res.nrows > 0;
	out->name = xstrdup(name);
	out->cols = xcalloc((size_t)res.nrows + 1, sizeof *out->cols);
	for (int64_t i = 0; r == 0 && i < res.nrows; i++) {
		struct dcol *c = &out->cols[out->ncols++];
		c->name = lower(sfresult_at(&res, i, 0));
		c->type = sf_type(sfresult_at(&res, i, 1),
		    sfresult_at(&res, i, 2));
		c->nullable = 1;
	}
	sfresult_free(&res);
	buf_free(&q);
	return r;
}

/* --- widening a column's type --- */

#define WIDEN_SUFFIX "__stage_widen"

static void
alter(struct buf *b, const char *schema, const char *table)
{
	buf_reset(b);
	buf_adds(b, "ALTER TABLE ");
	sql_qname(b, schema, table);
	buf_addc(b, ' ');
}

/* The expression turning column name of type from into type to. */
static void
widen_expr(struct buf *b, const char *name, enum coltype from,
    enum coltype to)
{
	struct buf col = BUF_INIT;

	sql_ident(&col, name);
	if (to == CT_TEXT && from == CT_BINARY)
		buf_printf(b, "'\\\\x' || TO_VARCHAR(%s, 'HEX')", col.p);
	else
		buf_printf(b, "CAST(%s AS %s)", col.p, sf_types[to]);
	buf_free(&col);
}

/* Finishes a widening of column name whose new column tmp exists (made
 * now, or by a run that was killed): UPDATE it from the old column while
 * that exists, DROP the old, RENAME the new.  Each step commits (DDL;
 * the UPDATE alone), and the columns present say which are left, so a
 * re-run after a kill at any instant ends it the same way. */
static int
widen_finish(struct sqldest *s, const char *schema, const char *table,
    const char *name, const char *tmp, enum coltype from, enum coltype to,
    int old_exists, const char *object)
{
	struct buf b = BUF_INIT;
	int r = 0;

	if (old_exists) {
		buf_adds(&b, "UPDATE ");
		sql_qname(&b, schema, table);
		buf_adds(&b, " SET ");
		sql_ident(&b, tmp);
		buf_adds(&b, " = ");
		widen_expr(&b, name, from, to);
		r = sf_exec(s, object, b.p, NULL);
		alter(&b, schema, table);
		buf_adds(&b, "DROP COLUMN ");
		sql_ident(&b, name);
		if (r == 0)
			r = sf_exec(s, object, b.p, NULL);
	}
	alter(&b, schema, table);
	buf_adds(&b, "RENAME COLUMN ");
	sql_ident(&b, tmp);
	buf_adds(&b, " TO ");
	sql_ident(&b, name);
	if (r == 0)
		r = sf_exec(s, object, b.p, NULL);
	buf_free(&b);
	return r;
}

/* Column c of the table is of type from and must become c->type, a
 * change of kind Snowflake's ALTER ... SET DATA TYPE cannot make (it
 * only lengthens a VARCHAR or raises a NUMBER's precision, and stage's
 * VARCHAR and NUMBER(38,s) are at their widest): through a new column
 * (ADD, then widen_finish). */
static int
widen_col(struct sqldest *s, const char *schema, const char *table,
    const struct dcol *c, enum coltype from, const char *object)
{
	struct buf b = BUF_INIT, tmp = BUF_INIT;
	struct dcol t = *c;
	int r;

	buf_printf(&tmp, "%s%s", c->name, WIDEN_SUFFIX);
	if (tmp.len > dest_snowflake.ident_max) {
		log_err("%s: column %s of %s.%s is %s, the manifest says %s: "
		    "its name is too long to widen it through a new column "
		    "(recreate the table, or cast in the producer)", object,
		    c->name, schema, table, sf_types[from], sf_types[c->type]);
		buf_free(&tmp);
		return -1;
	}
	log_verbose("%s: column %s of %s.%s widens from %s to %s", object,
	    c->name, schema, table, sf_types[from], sf_types[c->type]);
	t.name = tmp.p;
	t.nullable = 1;
	alter(&b, schema, table);
	buf_adds(&b, "ADD COLUMN ");
	sql_col_def(&b, &sf_dialect, &t, 0);
	r = sf_exec(s, object, b.p, NULL);
	if (r == 0)
		r = widen_finish(s, schema, table, c->name, tmp.p, from,
		    c->type, 1, object);
	buf_free(&b);
	buf_free(&tmp);
	return r;
}

/* Widenings a killed run left half done (a "<col>__stage_widen" column):
 * ended first.  1 when there were some (the caller reads the columns
 * again), 0, -1 after reporting. */
static int
widen_resume(struct sqldest *s, const char *schema, const struct dtable *have,
    const char *table, const char *object)
{
	size_t sl = strlen(WIDEN_SUFFIX);
	int n = 0;

	for (size_t i = 0; i < have->ncols; i++) {
		const char *tn = have->cols[i].name;
		size_t l = strlen(tn);
		char *name;
		int k, r;

		if (l <= sl || strcmp(tn + l - sl, WIDEN_SUFFIX) != 0)
			continue;
		name = xstrndup(tn, l - sl);
		k = dtable_col(have, name);
		log_verbose("%s: ending the widening of column %s of %s.%s a "
		    "run before began", object, name, schema, table);
		r = widen_finish(s, schema, table, name, tn, k >= 0 ?
		    have->cols[k].type : CT_NONE, have->cols[i].type, k >= 0,
		    object);
		free(name);
		if (r < 0)
			return -1;
		n++;
	}
	return n > 0;
}

/* CREATE, or ADD COLUMN what t has and the table lacks, and widen a
 * column whose type the manifest's widens (coltype_widen: to DECIMAL, to
 * TIMESTAMP, to TEXT) through a new column: DDL, so before any
 * transaction (merge_prepare, stage_prepare), never inside one. */
static int
evolve(struct sqldest *s, const char *schema, const struct dtable *t,
    const char *extra, int strict, const char *object)
{
	struct dtable have;
	struct buf b = BUF_INIT;
	int exists, r = -1, dry_txn = s->dry && ((struct sfdest *)s)->in_txn;

	if (sf_columns(s, schema, t->name, &have, &exists) < 0)
		goto out;
	if (!exists) {
		/* a dry run planned it before the transaction (DDL commits:
		 * merge_prepare runs it first) */
		r = dry_txn ? 0 : sqld_create_table(s, schema, t, extra, strict,
		    object);
		goto out;
	}
	if (!dry_txn && (r = widen_resume(s, schema, &have, t->name,
	    object)) != 0) {
		if (r < 0)
			goto out;
		dtable_free(&have);
		if (sf_columns(s, schema, t->name, &have, &exists) < 0) {
			r = -1;
			goto out;
		}
	}
	r = 0;
	for (size_t i = 0; i < t->ncols && r == 0; i++) {
		int k = dtable_col(&have, t->cols[i].name);
		enum coltype w;
		if (k >= 0 && (have.cols[k].type == t->cols[i].type ||
		    have.cols[k].type == CT_NONE ||
		    coltype_widen(t->cols[i].type, have.cols[k].type) ==
		    have.cols[k].type))
			continue;
		if (dry_txn)
			continue;	/* planned before the transaction */
		if (k >= 0) {
			struct dcol c = t->cols[i];
			w = coltype_widen(t->cols[i].type, have.cols[k].type);
			c.type = w;
			r = widen_col(s, schema, t->name, &c, have.cols[k].type,
			    object);
			continue;
		}
		alter(&b, schema, t->name);
		buf_adds(&b, "ADD COLUMN ");
		sql_col_def(&b, &sf_dialect, &t->cols[i], 0);
		r = sf_exec(s, object, b.p, NULL);
	}
out:
	dtable_free(&have);
	buf_free(&b);
	return r;
}

/* A staging table dlt made lacks _stage_row. */
static int
staging_fit(struct sqldest *s, const char *schema, const char *name,
    const char *object)
{
	struct dtable have;
	struct buf b = BUF_INIT;
	int exists, r;

	if ((r = sf_columns(s, schema, name, &have, &exists)) == 0 &&
	    exists && dtable_col(&have, "_stage_row") < 0) {
		buf_adds(&b, "ALTER TABLE ");
		sql_qname(&b, schema, name);
		buf_adds(&b, " ADD COLUMN \"_stage_row\" NUMBER(38,0)");
		r = sf_exec(s, object, b.p, NULL);
	}
	dtable_free(&have);
	buf_free(&b);
	return r;
}

/* Staging is cleared by load (DELETE of the load's rows): never
 * "alone", so no TRUNCATE, which would commit. */
static int
alone(struct sqldest *s, const struct dtable *t, int64_t rows)
{
	(void)s;
	(void)t;
	(void)rows;
	return 0;
}

/* --- stage-copy --- */

static int
sf_stage_prepare(struct dest *base, const struct dtable *t)
{
	return sqld_stage_ddl((struct sqldest *)base, t);
}

/* A value as a Snowflake string literal: quotes doubled and, as
 * backslash escapes inside literals, backslashes too. */
static void
sf_str(struct buf *b, const char *s, size_t n)
{
	buf_addc(b, '\'');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'' || s[i] == '\\')
			buf_addc(b, s[i]);
		buf_addc(b, s[i]);
	}
	buf_addc(b, '\'');
}

static void
files_table(struct buf *b, const struct dfile *f)
{
	struct buf s = BUF_INIT;

	sql_staging_schema(&s, f->t.dataset);
	sql_qname(b, s.p, "_stage_files");
	buf_free(&s);
}

static void
recorded_query(struct buf *q, const struct dfile *f)
{
	buf_adds(q, "SELECT \"rows\", sha256 FROM ");
	files_table(q, f);
	buf_adds(q, " WHERE load_id = ");
	sql_str(q, f->load_id);
	buf_adds(q, " AND table_name = ");
	sql_str(q, f->t.name);
	buf_adds(q, " AND file_id = ");
	sql_str(q, f->file_id);
}

/* 1 if f is recorded as copied (res filled), 0 if not, -1 after
 * reporting (also: recorded for other data). */
static int
recorded(struct sfdest *d, const struct dfile *f, struct dcopied *res)
{
	struct sfresult r = { 0 };
	struct buf q = BUF_INIT, why = BUF_INIT;
	int found = -1;

	recorded_query(&q, f);
	if (sf_run(d, f->object, "query failed", q.p, &r) < 0)
		goto out;
	found = r.nrows > 0;
	if (found && dfile_reused(f, sfresult_at(&r, 0, 1), &why)) {
		log_err("%s", why.p);
		if (d->s.dry) {
			buf_reset(&q);
			buf_printf(&q, "-- %s", why.p);
			manifest_emit(&q);
		}
		found = -1;
	} else if (found) {
		res->rows = strtoll(sfresult_at(&r, 0, 0) ?
		    sfresult_at(&r, 0, 0) : "0", NULL, 10);
		res->skipped = 1;
	}
out:
	sfresult_free(&r);
	buf_free(&q);
	buf_free(&why);
	return found;
}

/* " AND file_id IN ('1', '2', ...)" of the files of g marked in todo. */
static void
file_ids_in(struct buf *q, const struct dfile *const *g, size_t m,
    const int *todo)
{
	int first = 1;

	buf_adds(q, " AND file_id IN (");
	for (size_t k = 0; k < m; k++) {
		if (!todo[k])
			continue;
		if (!first)
			buf_adds(q, ", ");
		sql_str(q, g[k]->file_id);
		first = 0;
	}
	buf_addc(q, ')');
}

/* "... FROM <staging>._stage_files WHERE load_id = .. AND table_name =
 * .. AND file_id IN (..)" for the files of g (one load, one table). */
static void
files_where(struct buf *q, const struct dfile *const *g, size_t m,
    const int *todo)
{
	buf_adds(q, " FROM ");
	files_table(q, g[0]);
	buf_adds(q, " WHERE load_id = ");
	sql_str(q, g[0]->load_id);
	buf_adds(q, " AND table_name = ");
	sql_str(q, g[0]->t.name);
	file_ids_in(q, g, m, todo);
}

/* Index in g of the file whose file_id is id, among those in todo; or
 * -1. */
static long
file_index(const struct dfile *const *g, size_t m, const int *todo,
    const char *id)
{
	for (size_t k = 0; k < m; k++)
		if (todo[k] && id && strcmp(g[k]->file_id, id) == 0)
			return (long)k;
	return -1;
}

/* Inside the group's transaction: the files of g that _stage_files
 * records leave todo, as skipped (res, rc 0) or, recorded for other
 * data, failed (reported).  0, or -1 after reporting. */
static int
recorded_many(struct sfdest *d, const struct dfile *const *g, size_t m,
    int *todo, struct dcopied *res, int *rc)
{
	struct sfresult r = { 0 };
	struct buf q = BUF_INIT, why = BUF_INIT;
	int ret = -1;

	buf_adds(&q, "SELECT file_id, \"rows\", sha256");
	files_where(&q, g, m, todo);
	if (sf_run(d, g[0]->object, "query failed", q.p, &r) < 0)
		goto out;
	for (int64_t i = 0; i < r.nrows; i++) {
		long k = file_index(g, m, todo, sfresult_at(&r, i, 0));
		if (k < 0)
			continue;
		todo[k] = 0;
		buf_reset(&why);
		if (dfile_reused(g[k], sfresult_at(&r, i, 2), &why)) {
			log_err("%s", why.p);
			continue;
		}
		res[k].rows = strtoll(sfresult_at(&r, i, 1) ?
		    sfresult_at(&r, i, 1) : "0", NULL, 10);
		res[k].skipped = 1;
		rc[k] = 0;
	}
	ret = 0;
out:
	sfresult_free(&r);
	buf_free(&q);
	buf_free(&why);
	return ret;
}

/* The numbers _stage_files gave the files of g in todo (AUTOINCREMENT:
 * unique however many copiers run at once, where MAX(file_no) + 1 is
 * not), one query for them all; a dry run counts 1, 2, ... */
static int
file_nos(struct sfdest *d, const struct dfile *const *g, size_t m,
    const int *todo, int64_t *no)
{
	struct sfresult r = { 0 };
	struct buf q = BUF_INIT;
	int ret = 0;

	for (size_t k = 0; k < m; k++)
		no[k] = d->s.dry && todo[k] ? ++d->dry_file_no : -1;
	if (d->s.dry)
		return 0;
	buf_adds(&q, "SELECT file_id, file_no");
	files_where(&q, g, m, todo);
	if (sf_run(d, g[0]->object, "query failed", q.p, &r) < 0)
		ret = -1;
	for (int64_t i = 0; ret == 0 && i < r.nrows; i++) {
		long k = file_index(g, m, todo, sfresult_at(&r, i, 0));
		if (k >= 0 && sfresult_at(&r, i, 1))
			no[k] = strtoll(sfresult_at(&r, i, 1), NULL, 10);
	}
	for (size_t k = 0; ret == 0 && k < m; k++)
		if (todo[k] && no[k] < 0) {
			log_err("%s: _stage_files gave it no file_no",
			    g[k]->object);
			ret = -1;
		}
	sfresult_free(&r);
	buf_free(&q);
	return ret;
}

/* One INSERT of the _stage_files rows of the files of g in todo. */
static int
record_files(struct sfdest *d, const struct dfile *const *g, size_t m,
    const int *todo)
{
	struct buf b = BUF_INIT;
	int r, first = 1;

	buf_adds(&b, "INSERT INTO ");
	files_table(&b, g[0]);
	buf_adds(&b, " (load_id, table_name, file_id, seq, sha256, "
	    "\"rows\", copied_at) VALUES ");
	for (size_t k = 0; k < m; k++) {
		const struct dfile *f = g[k];
		if (!todo[k])
			continue;
		buf_adds(&b, first ? "(" : ", (");
		first = 0;
		sql_str(&b, f->load_id);
		buf_adds(&b, ", ");
		sql_str(&b, f->t.name);
		buf_adds(&b, ", ");
		sql_str(&b, f->file_id);
		buf_printf(&b, ", %lld, ", (long long)f->seq);
		if (f->sha256)
			sql_str(&b, f->sha256);
		else
			buf_adds(&b, "NULL");
		buf_printf(&b, ", %lld, CURRENT_TIMESTAMP())",
		    (long long)f->rows);
	}
	r = sf_exec(&d->s, g[0]->object, b.p, NULL);
	buf_free(&b);
	return r;
}

/* The expression turning column text expr into column c's type. */
static void
convert(struct buf *b, const struct dcol *c, const char *expr)
{
	switch (c->type) {
	case CT_JSON:
		buf_printf(b, "PARSE_JSON(%s)", expr);
		break;
	case CT_BINARY:
		buf_printf(b, "CASE WHEN STARTSWITH(%s, '\\\\x') THEN "
		    "TO_BINARY(SUBSTR(%s, 3), 'HEX') ELSE TO_BINARY(%s, "
		    "'UTF-8') END", expr, expr, expr);
		break;
	case CT_TEXT:
		buf_adds(b, expr);
		break;
	default:
		buf_printf(b, "CAST(%s AS %s)", expr, sf_types[c->type]);
	}
}

/* Rows of a local file sent as INSERT ... SELECT ... FROM VALUES. */
#define INS_ROWS 1000
#define INS_BYTES (4 << 20)

struct ins {
	struct sfdest *d;
	const struct dfile *f;
	struct buf head;	/* INSERT INTO ... FROM VALUES */
	struct buf vals;
	int64_t n, sent, loaded, first_line;
	const char *first_obj;	/* the file of the batch's first row */
	int header;
	int failed;
};

static void
ins_head(struct ins *I)
{
	struct buf s = BUF_INIT;
	char col[32];

	sql_staging_schema(&s, I->f->t.dataset);
	buf_adds(&I->head, "INSERT INTO ");
	sql_qname(&I->head, s.p, I->f->t.name);
	buf_adds(&I->head, " (");
	sql_collist(&I->head, &I->f->t, "");
	buf_adds(&I->head, ", \"_stage_row\") SELECT ");
	for (size_t i = 0; i < I->f->t.ncols; i++) {
		snprintf(col, sizeof col, "column%zu", i + 2);
		convert(&I->head, &I->f->t.cols[i], col);
		buf_adds(&I->head, ", ");
	}
	buf_adds(&I->head, "CAST(column1 AS NUMBER(38,0)) FROM VALUES ");
	buf_free(&s);
}

static int
ins_flush(struct ins *I)
{
	struct buf sql = BUF_INIT;
	int64_t rows = 0;
	int r;

	if (!I->n)
		return 0;
	buf_add(&sql, I->head.p, I->head.len);
	buf_add(&sql, I->vals.p, I->vals.len);
	if (I->d->s.dry) {
		r = 0;
		rows = I->n;
	} else {
		struct sfresult res = { 0 };
		log_verbose("%s: INSERT of rows %lld-%lld", I->f->object,
		    (long long)I->sent + 1, (long long)(I->sent + I->n));
		r = sfw_query(I->d->w, sql.p, &res);
		if (r == -1)
			log_err("%s: rows %lld-%lld (from line %lld%s%s): %s",
			    I->f->object, (long long)I->sent + 1,
			    (long long)(I->sent + I->n),
			    (long long)I->first_line, I->first_obj == I->f->object
			    ? "" : " of ", I->first_obj == I->f->object ? "" :
			    I->first_obj, res.err.p);
		rows = res.affected;
		sfresult_free(&res);
	}
	I->loaded += rows;
	I->sent += I->n;
	I->n = 0;
	buf_reset(&I->vals);
	buf_free(&sql);
	return r < 0 ? -1 : 0;
}

static int
ins_row(void *ctx, const struct csvfield *v, size_t n, size_t line)
{
	struct ins *I = ctx;

	if (!I->header) {
		I->header = 1;
		return 0;
	}
	if (n != I->f->t.ncols + 1) {
		log_err("%s: line %zu: %zu fields, the manifest has %zu "
		    "columns", I->f->object, line, n - 1, I->f->t.ncols);
		return I->failed = -1;
	}
	if (!I->n) {
		I->first_line = (int64_t)line;
		I->first_obj = I->f->object;
	}
	buf_adds(&I->vals, I->n ? ", (" : "(");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(&I->vals, ", ");
		if (v[i].null)
			buf_adds(&I->vals, "NULL");
		else
			sf_str(&I->vals, v[i].p, v[i].len);
	}
	buf_addc(&I->vals, ')');
	if (++I->n >= INS_ROWS || I->vals.len >= INS_BYTES)
		return ins_flush(I) < 0 ? (I->failed = -1) : 0;
	return 0;
}

/* Streams the files of g marked in todo (tagged with their numbers no)
 * into their staging table, INSERT batches running on across files;
 * loaded[k] gets file k's rows (those Snowflake took, in total, must be
 * those sent: else -1 after reporting). */
static int
insert_rows(struct sfdest *d, const struct dfile *const *g, size_t m,
    const int *todo, const int64_t *no, int64_t *loaded)
{
	struct ins I = { d, NULL, BUF_INIT, BUF_INIT, 0, 0, 0, 0, NULL, 0, 0 };
	int r = 0;

	for (size_t k = 0; k < m && r == 0; k++) {
		struct csvin *c;
		int64_t before = I.sent + I.n;

		if (!todo[k])
			continue;
		I.f = g[k];
		I.header = 0;
		if (!I.head.len)
			ins_head(&I);
		if (d->s.dry) {
			struct buf b = BUF_INIT;
			buf_printf(&b, "%s(<_stage_row>, <values>), ... -- the "
			    "rows of %s, %d a statement", I.head.p, g[k]->object,
			    INS_ROWS);
			manifest_emit(&b);
			buf_free(&b);
			loaded[k] = g[k]->rows;
			continue;
		}
		c = csvin_new(ins_row, &I);
		r = source_stream(&d->s.base.sources, g[k], no[k], csvin_feed, c);
		if (r == 0 && csvin_finish(c) < 0)
			r = -1;
		if (r < 0 && !I.failed && csvin_error(c))
			log_err("%s: %s", g[k]->object, csvin_error(c));
		loaded[k] = I.sent + I.n - before;
		csvin_free(c);
	}
	if (r == 0 && (r = ins_flush(&I)) == 0 && I.loaded != I.sent) {
		log_err("%s: Snowflake inserted %lld rows of the %lld sent",
		    I.f->object, (long long)I.loaded, (long long)I.sent);
		r = -1;
	}
	buf_free(&I.head);
	buf_free(&I.vals);
	return r;
}

/* --- COPY from the bucket --- */

static const char *
comp_name(enum compression c)
{
	return c == COMP_GZIP ? "GZIP" : c == COMP_ZSTD ? "ZSTD" : "NONE";
}

/* FILE_FORMAT for f: stage-write's CSV (a header; NULL an empty unquoted
 * field, "" an empty string), JSON lines, or Parquet. */
static void
file_format(struct buf *b, const struct dfile *f)
{
	buf_adds(b, " FILE_FORMAT = (");
	switch (f->format) {
	case FMT_JSONL:
		buf_printf(b, "TYPE = JSON COMPRESSION = %s",
		    comp_name(f->comp));
		break;
	case FMT_PARQUET:
		buf_adds(b, "TYPE = PARQUET");
		break;
	default:
		buf_printf(b, "TYPE = CSV SKIP_HEADER = 1 "
		    "FIELD_OPTIONALLY_ENCLOSED_BY = '\"' EMPTY_FIELD_AS_NULL = "
		    "TRUE NULL_IF = () ESCAPE_UNENCLOSED_FIELD = NONE "
		    "COMPRESSION = %s", comp_name(f->comp));
	}
	buf_addc(b, ')');
}

/* e becomes CAST(e AS VARCHAR). */
static void
buf_insert_cast(struct buf *e)
{
	struct buf t = BUF_INIT;

	buf_printf(&t, "CAST(%s AS VARCHAR)", e->p);
	buf_reset(e);
	buf_adds(e, t.p);
	buf_free(&t);
}

/* The select list of the COPY's transform: each column from the file
 * (CSV by position, JSON and Parquet by name), then _stage_row. */
static void
copy_select(struct buf *b, const struct dfile *f, const char *file_no)
{
	struct buf e = BUF_INIT;

	for (size_t i = 0; i < f->t.ncols; i++) {
		const struct dcol *c = &f->t.cols[i];
		buf_reset(&e);
		if (f->format == FMT_CSV) {
			buf_printf(&e, "$%zu", i + 1);
			convert(b, c, e.p);
		} else {
			buf_adds(&e, "GET($1, ");
			sf_str(&e, c->name, strlen(c->name));
			buf_addc(&e, ')');
			if (c->type == CT_JSON)
				buf_adds(b, e.p);
			else if (c->type == CT_BINARY) {
				/* as text first, as in CSV */
				buf_insert_cast(&e);
				convert(b, c, e.p);
			} else
				buf_printf(b, "CAST(%s AS %s)", e.p,
				    sf_types[c->type]);
		}
		buf_adds(b, ", ");
	}
	buf_printf(b, "%s * 4294967296 + METADATA$FILE_ROW_NUMBER", file_no);
	buf_free(&e);
}

/* s3://bucket/dir/name -> "dir/" (the key's folder) and "name". */
static void
split_key(const char *url, struct buf *dir, struct buf *name)
{
	const char *p = strstr(url, "://"), *key, *slash;

	p = p ? p + 3 : url;
	key = strchr(p, '/');
	key = key ? key + 1 : p + strlen(p);
	slash = strrchr(key, '/');
	if (slash)
		buf_add(dir, key, (size_t)(slash + 1 - key));
	buf_adds(dir, "");
	buf_adds(name, slash ? slash + 1 : key);
}

/* Where the COPY reads f: the named stage (dlt's stage_name) or this
 * session's temporary stage on the file's bucket folder (made here,
 * before the file's transaction: DDL commits). */
static int
copy_from(struct sfdest *d, const struct dfile *f, struct buf *from,
    struct buf *name)
{
	struct buf dir = BUF_INIT, b = BUF_INIT, s = BUF_INIT;
	int r = 0;

	split_key(f->url, &dir, name);
	if (d->v[K_STAGE_NAME]) {
		buf_printf(from, "@%s/%s", d->v[K_STAGE_NAME], dir.p);
		goto out;
	}
	sql_staging_schema(&s, f->t.dataset);
	if (d->stage_url && strncmp(d->stage_url, f->url, strlen(f->url) -
	    strlen(name->p)) == 0 && strlen(d->stage_url) == strlen(f->url) -
	    strlen(name->p) && strcmp(d->stage_schema, s.p) == 0)
		goto made;	/* made for an earlier file of this folder */
	buf_adds(&b, "CREATE OR REPLACE TEMPORARY STAGE ");
	sql_qname(&b, s.p, "_stage_bucket");
	buf_adds(&b, " URL = ");
	{
		struct buf u = BUF_INIT;
		buf_add(&u, f->url, strlen(f->url) - strlen(name->p));
		sf_str(&b, u.p, u.len);
		buf_free(&u);
	}
	if (d->v[K_INTEGRATION]) {
		buf_adds(&b, " STORAGE_INTEGRATION = ");
		sql_ident(&b, d->v[K_INTEGRATION]);
	} else if (strncmp(f->url, "s3://", 5) == 0) {
		const char *k = getenv("AWS_ACCESS_KEY_ID");
		const char *sk = getenv("AWS_SECRET_ACCESS_KEY");
		const char *t = getenv("AWS_SESSION_TOKEN");
		if (!k || !sk) {
			log_err("%s: no credentials to forward to Snowflake "
			    "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), "
			    "and no storage_integration or stage_name",
			    f->object);
			r = -1;
			goto out;
		}
		buf_adds(&b, " CREDENTIALS = (AWS_KEY_ID = ");
		sf_str(&b, k, strlen(k));
		buf_adds(&b, " AWS_SECRET_KEY = ");
		if (d->s.dry)
			buf_adds(&b, "'***'");
		else
			sf_str(&b, sk, strlen(sk));
		if (t) {
			buf_adds(&b, " AWS_TOKEN = ");
			if (d->s.dry)
				buf_adds(&b, "'***'");
			else
				sf_str(&b, t, strlen(t));
		}
		buf_addc(&b, ')');
	} else {
		log_err("%s: Snowflake reads gs:// and azure:// objects through "
		    "a named stage or a storage integration: set stage_name or "
		    "storage_integration", f->object);
		r = -1;
		goto out;
	}
	if (d->s.dry)
		dest_dry_sql(b.p);
	else if (sf_exec(&d->s, f->object, b.p, NULL) < 0) {
		r = -1;
		goto out;
	}
	free(d->stage_url);
	free(d->stage_schema);
	d->stage_url = xstrndup(f->url, strlen(f->url) - strlen(name->p));
	d->stage_schema = xstrdup(s.p);
made:
	buf_adds(from, "@");
	sql_qname(from, s.p, "_stage_bucket");
out:
	buf_free(&dir);
	buf_free(&b);
	buf_free(&s);
	return r;
}

/* --- one load's files at once (copy_batch) --- */

#define COPY_FILES_MAX 1000	/* names one COPY's FILES = (...) takes */

/* The last part of a path or URL. */
static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The file number of each row: the number itself for one file, else
 * chosen by METADATA$FILENAME's last part, as FILES names them. */
static void
file_no_expr(struct buf *e, const struct dfile *const *g, size_t m,
    const int *todo, const int64_t *no)
{
	size_t n = 0;

	for (size_t k = 0; k < m; k++)
		n += todo[k] != 0;
	for (size_t k = 0; n == 1 && k < m; k++)
		if (todo[k])
			buf_printf(e, "%lld", (long long)no[k]);
	if (n == 1)
		return;
	buf_adds(e, "CASE SPLIT_PART(METADATA$FILENAME, '/', -1)");
	for (size_t k = 0; k < m; k++) {
		const char *name;
		if (!todo[k])
			continue;
		name = base_name(g[k]->url);
		buf_adds(e, " WHEN ");
		sf_str(e, name, strlen(name));
		buf_printf(e, " THEN %lld", (long long)no[k]);
	}
	buf_adds(e, " END");
}

static void
copy_stmt(struct buf *b, const struct dfile *const *g, size_t m,
    const int *todo, const int64_t *no, const char *from)
{
	struct buf s = BUF_INIT, e = BUF_INIT;
	int first = 1;

	sql_staging_schema(&s, g[0]->t.dataset);
	file_no_expr(&e, g, m, todo, no);
	buf_adds(b, "COPY INTO ");
	sql_qname(b, s.p, g[0]->t.name);
	buf_adds(b, " (");
	sql_collist(b, &g[0]->t, "");
	buf_adds(b, ", \"_stage_row\") FROM (SELECT ");
	copy_select(b, g[0], e.p);
	buf_printf(b, " FROM %s) FILES = (", from);
	for (size_t k = 0; k < m; k++) {
		const char *name = base_name(g[k]->url);
		if (!todo[k])
			continue;
		if (!first)
			buf_adds(b, ", ");
		sf_str(b, name, strlen(name));
		first = 0;
	}
	buf_addc(b, ')');
	file_format(b, g[0]);
	buf_adds(b, " ON_ERROR = ABORT_STATEMENT");
	buf_free(&s);
	buf_free(&e);
}

/* The COPY result's row for file k of g; -1 when none names it. */
static int64_t
result_row(const struct sfresult *r, const struct dfile *f, size_t ntodo)
{
	int fc = sfresult_col(r, "file");

	if (fc < 0)
		return ntodo == 1 && r->nrows == 1 ? 0 : -1;
	for (int64_t i = 0; i < r->nrows; i++) {
		const char *v = sfresult_at(r, i, fc);
		if (v && strcmp(base_name(v), base_name(f->url)) == 0)
			return i;
	}
	return -1;
}

/* Reads the COPY's result into loaded[]: 0; 1 when Snowflake skipped
 * some files (its load history has them, _stage_files has not: they
 * leave todo, reported; the others are to be loaded again without
 * them); -1 after reporting a file Snowflake refused. */
static int
copy_result(const struct dfile *const *g, size_t m, int *todo,
    const struct sfresult *r, int64_t *loaded)
{
	int st = sfresult_col(r, "status"), rl = sfresult_col(r,
	    "rows_loaded"), fe = sfresult_col(r, "first_error");
	size_t ntodo = 0;
	int ret = 0;

	for (size_t k = 0; k < m; k++)
		ntodo += todo[k] != 0;
	for (size_t k = 0; k < m; k++) {
		int64_t i = todo[k] ? result_row(r, g[k], ntodo) : -1;
		const char *status = i >= 0 && st >= 0 ? sfresult_at(r, i, st) :
		    NULL;

		loaded[k] = 0;
		if (!todo[k])
			continue;
		if ((status && strcmp(status, "LOAD_SKIPPED") == 0) ||
		    (i < 0 && g[k]->rows > 0)) {
			log_err("%s: Snowflake skipped it (its load history "
			    "has it: loaded before, by another tool or into "
			    "another table) but _stage_files has no record "
			    "of it: nothing loaded; stage-copy never sends "
			    "FORCE", g[k]->object);
			todo[k] = 0;
			if (ret == 0)
				ret = 1;
			continue;
		}
		if (status && strcmp(status, "LOADED") != 0) {
			log_err("%s: %s: %s", g[k]->object, status, fe >= 0 &&
			    sfresult_at(r, i, fe) ? sfresult_at(r, i, fe) : "");
			ret = -1;
		}
		if (i >= 0 && rl >= 0 && sfresult_at(r, i, rl))
			loaded[k] = strtoll(sfresult_at(r, i, rl), NULL, 10);
	}
	return ret;
}

/* One COPY of the files of g in todo: 0, 1 (files skipped: see
 * copy_result), -1 after reporting. */
static int
copy_rows(struct sfdest *d, const struct dfile *const *g, size_t m,
    int *todo, const int64_t *no, const char *from, int64_t *loaded)
{
	struct buf b = BUF_INIT;
	struct sfresult res = { 0 };
	int r;

	copy_stmt(&b, g, m, todo, no, from);
	if (d->s.dry) {
		dest_dry_sql(b.p);
		for (size_t k = 0; k < m; k++)
			loaded[k] = g[k]->rows;
		buf_free(&b);
		return 0;
	}
	r = sf_run(d, g[0]->object, "COPY failed", b.p, &res);
	if (r == 0)
		r = copy_result(g, m, todo, &res, loaded);
	sfresult_free(&res);
	buf_free(&b);
	return r;
}

/* --- PUT to the table's stage (local files) --- */

/* Whether the rows of t can go through the stage as CSV: a JSON or
 * BINARY column cannot (the CSV carries them as text that only a COPY
 * transformation converts, which fakesnow cannot run): INSERT then. */
static int
put_fits(const struct dtable *t)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].type == CT_JSON || t->cols[i].type == CT_BINARY)
			return 0;
	return 1;
}

/* One attempt's folder in the table's stage: @"s"."%t"/stage-<hex>/
 * (fresh each time, so that it holds exactly this attempt's files). */
static void
put_folder(struct buf *ref, const struct dfile *f)
{
	struct buf s = BUF_INIT, t = BUF_INIT;
	unsigned char r[8];

	if (RAND_bytes(r, sizeof r) != 1)
		memset(r, 0, sizeof r);
	sql_staging_schema(&s, f->t.dataset);
	buf_printf(&t, "%%%s", f->t.name);
	buf_addc(ref, '@');
	sql_qname(ref, s.p, t.p);
	buf_adds(ref, "/stage-");
	for (size_t i = 0; i < sizeof r; i++)
		buf_printf(ref, "%02x", r[i]);
	buf_addc(ref, '/');
	buf_free(&s);
	buf_free(&t);
}

/* The group's rows in one gzip CSV: each file's CSV (source.h) without
 * its header record, so one PUT and one COPY take them all; the records
 * of each file are counted on the way (RFC 4180: a record ends at a
 * newline outside quotes). */
struct gzfile {
	FILE *fp;
	struct zenc *z;
	int header;		/* inside the current file's header record */
	int inq;		/* inside a quoted field */
	int64_t rows;		/* records written */
};

static int
gz_write(void *ctx, const void *p, size_t n)
{
	return fwrite(p, 1, n, ((struct gzfile *)ctx)->fp) == n ? 0 : -1;
}

static int
gz_feed(void *ctx, const void *p, size_t n)
{
	struct gzfile *g = ctx;
	const char *c = p;
	size_t from = 0;

	for (size_t i = 0; i < n; i++) {
		if (c[i] == '"')
			g->inq = !g->inq;
		else if (c[i] == '\n' && !g->inq) {
			if (g->header) {
				g->header = 0;
				from = i + 1;
			} else {
				g->rows++;
			}
		}
	}
	if (g->header || from >= n)
		return 0;
	return zenc_write(g->z, c + from, n - from);
}

/* The rows of the files of g in todo, each led by its _stage_row (file
 * number no[k]), into path; sent[k] gets file k's records.  0, or -1
 * after reporting. */
static int
put_csv(struct sfdest *d, const struct dfile *const *g, size_t m,
    const int *todo, const int64_t *no, const char *path, int64_t *sent)
{
	struct gzfile z = { fopen(path, "wb"), NULL, 0, 0, 0 };
	int r = 0;

	if (!z.fp) {
		log_err("%s: cannot write %s: %s", g[0]->object, path,
		    strerror(errno));
		return -1;
	}
	if (!(z.z = zenc_new(COMP_GZIP, 0, gz_write, &z))) {
		log_err("%s: cannot compress into %s", g[0]->object, path);
		fclose(z.fp);
		return -1;
	}
	for (size_t k = 0; k < m && r == 0; k++) {
		int64_t before = z.rows;
		if (!todo[k])
			continue;
		z.header = 1;
		z.inq = 0;
		r = source_stream(&d->s.base.sources, g[k], no[k], gz_feed, &z);
		sent[k] = z.rows - before;
	}
	if (zenc_finish(z.z) < 0 && r == 0) {
		log_err("%s: cannot compress into %s", g[0]->object, path);
		r = -1;
	}
	if (fclose(z.fp) != 0 && r == 0) {
		log_err("%s: cannot write %s: %s", g[0]->object, path,
		    strerror(errno));
		r = -1;
	}
	return r;
}

/* PUTs path into the folder ref: 0, 1 when the stage is of a kind stage
 * cannot upload to (said as a warning: the caller inserts instead), -1
 * after reporting. */
static int
put_file(struct sfdest *d, const struct dfile *f, const char *path,
    const char *name, const char *ref)
{
	struct buf q = BUF_INIT, raw = BUF_INIT, why = BUF_INIT;
	struct sfresult res = { 0 };
	struct sfput p = { 0 };
	int r = -1;

	buf_adds(&q, "PUT ");
	{
		struct buf u = BUF_INIT;
		buf_printf(&u, "file://%s", path);
		sf_str(&q, u.p, u.len);
		buf_free(&u);
	}
	buf_printf(&q, " %s AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = GZIP "
	    "OVERWRITE = TRUE", ref);
	if (d->s.dry) {
		dest_dry_sql(q.p);
		r = 0;
		goto out;
	}
	log_verbose("%s: %s", f->object, q.p);
	if (sfw_query_raw(d->w, q.p, &res, &raw) == -2)
		goto out;
	if ((r = sfput_parse(raw.p ? raw.p : "", raw.len, &p, &why)) > 0) {
		/* refused (no PUT privilege, a stage the server cannot name):
		 * the rows can still go as INSERTs */
		log_warn("%s: %s: its rows go as INSERT batches instead, "
		    "which need no stage", f->object, why.p);
	} else if (r < 0) {
		log_err("%s: %s", f->object, why.p);
	} else if (sfput_check(&p, &why) < 0) {
		/* a stage stage cannot write to (an unknown location type,
		 * no credentials in the answer): INSERTs need none */
		log_warn("%s: %s: its rows go as INSERT batches instead, "
		    "which need no stage", f->object, why.p);
		r = 1;
	} else if ((r = sfput_upload(&p, path, name, &why)) < 0) {
		log_err("%s: %s", f->object, why.p);
	}
out:
	sfput_free(&p);
	sfresult_free(&res);
	buf_free(&q);
	buf_free(&raw);
	buf_free(&why);
	return r;
}

static void
put_copy_stmt(struct buf *b, const struct dfile *f, const char *ref)
{
	struct buf s = BUF_INIT;

	sql_staging_schema(&s, f->t.dataset);
	buf_adds(b, "COPY INTO ");
	sql_qname(b, s.p, f->t.name);
	buf_adds(b, " (\"_stage_row\", ");
	sql_collist(b, &f->t, "");
	buf_printf(b, ") FROM %s FILE_FORMAT = (TYPE = CSV "
	    "FIELD_OPTIONALLY_ENCLOSED_BY = '\"' EMPTY_FIELD_AS_NULL = TRUE "
	    "NULL_IF = () ESCAPE_UNENCLOSED_FIELD = NONE COMPRESSION = GZIP) "
	    "PURGE = TRUE ON_ERROR = ABORT_STATEMENT", ref);
	buf_free(&s);
}

/* The COPY's answer against what was sent: the file LOADED with all
 * the rows (their sum over sent[] of the files in todo), else -1 after
 * reporting. */
static int
put_result(const struct dfile *const *g, size_t m, const int *todo,
    const int64_t *sent, const struct sfresult *r)
{
	int st = sfresult_col(r, "status"), rl = sfresult_col(r,
	    "rows_loaded"), fe = sfresult_col(r, "first_error");
	int64_t want = 0, got = 0;
	size_t n = 0;

	for (size_t k = 0; k < m; k++)
		if (todo[k]) {
			want += sent[k];
			n++;
		}
	for (int64_t i = 0; i < r->nrows; i++) {
		const char *s = st >= 0 ? sfresult_at(r, i, st) : NULL;
		if (s && strcmp(s, "LOADED") != 0) {
			log_err("%s (and the other files of its COPY, %zu in "
			    "all): %s: %s", g[0]->object, n, s, fe >= 0 &&
			    sfresult_at(r, i, fe) ? sfresult_at(r, i, fe) : "");
			return -1;
		}
		if (rl >= 0 && sfresult_at(r, i, rl))
			got += strtoll(sfresult_at(r, i, rl), NULL, 10);
	}
	if (got != want) {
		log_err("%s (and the other files of its COPY, %zu in all): "
		    "Snowflake loaded %lld rows of the %lld sent", g[0]->object,
		    n, (long long)got, (long long)want);
		return -1;
	}
	return 0;
}

/* Local files of g in todo through the table's stage, as dlt loads
 * local files: their rows in one gzip CSV, PUT into a fresh folder of
 * the staging table's stage, one COPY of that folder; loaded[k] gets
 * file k's rows (Snowflake must take them all).  0, 1 when PUT cannot be
 * used here (said: the caller inserts instead), -1 after reporting. */
static int
put_rows(struct sfdest *d, const struct dfile *const *g, size_t m,
    const int *todo, const int64_t *no, int64_t *loaded)
{
	struct buf ref = BUF_INIT, path = BUF_INIT, q = BUF_INIT;
	struct sfresult res = { 0 };
	char dir[4096];
	int r = 0, made = 0;

	if (!put_fits(&g[0]->t)) {
		log_verbose("%s: a JSON or BINARY column: its rows go as "
		    "INSERT batches, not through the table's stage (see "
		    "stage-copy(1), Snowflake)", g[0]->object);
		return 1;
	}
	put_folder(&ref, g[0]);
	if (sfput_tmpdir(dir, sizeof dir, d->s.dry) < 0) {
		log_err("%s: cannot make a directory %s: %s", g[0]->object,
		    dir, strerror(errno));
		r = -1;
	} else
		made = !d->s.dry;
	buf_printf(&path, "%s/rows.csv.gz", dir);
	for (size_t k = 0; k < m; k++)
		loaded[k] = todo[k] ? g[k]->rows : 0;
	if (r == 0 && made)
		r = put_csv(d, g, m, todo, no, path.p, loaded);
	if (r == 0)
		r = put_file(d, g[0], path.p, "rows.csv.gz", ref.p);
	if (made)
		unlink(path.p);
	if (r == 0) {
		put_copy_stmt(&q, g[0], ref.p);
		if (d->s.dry)
			dest_dry_sql(q.p);
		else if ((r = put_copy_run(d, g, m, todo, loaded, q.p,
		    &res)) == 0)
			r = put_result(g, m, todo, loaded, &res);
	}
	if (made)
		rmdir(dir);
	sfresult_free(&res);
	buf_free(&ref);
	buf_free(&path);
	buf_free(&q);
	return r;
}

static int
in_bucket(const struct sfdest *d, const struct dfile *f)
{
	return f->url && strncmp(f->url, "file:", 5) != 0 &&
	    (strstr(f->url, "://") || d->v[K_STAGE_NAME]);
}

/* One group of files being copied: one load's files of one table, from
 * one place, of one format and one column list. */
struct sfgroup {
	const struct dfile *const *f;
	size_t m;
	int *todo;		/* 1: still to be loaded */
	int64_t *no;		/* file numbers */
	int64_t *loaded;
	struct dcopied *res;
	int *rc;
};

/* Whether the group's files still to do hold no rows, by the
 * manifest: then there is nothing to PUT and COPY (a stage COPY of an
 * empty file is refused by fakesnow, and costs two statements anywhere),
 * and the INSERT path reads and counts them, sending no row. */
static int
group_empty(const struct sfgroup *G)
{
	for (size_t k = 0; k < G->m; k++)
		if (G->todo[k] && G->f[k]->rows != 0)
			return 0;
	return 1;
}

/* Says of each file still to do that it was rolled back with the
 * others (unless it was the one that failed, said before). */
static void
group_failed(struct sfgroup *G, const int *said)
{
	for (size_t k = 0; k < G->m; k++)
		if (G->todo[k] && !said[k] && G->m > 1)
			log_err("%s: not copied: rolled back with the other "
			    "files of its COPY", G->f[k]->object);
}

/* Every loaded count against the manifest's: -1 after reporting. */
static int
check_loaded(struct sfgroup *G, int *said)
{
	int r = 0;

	for (size_t k = 0; k < G->m; k++)
		if (G->todo[k] && G->loaded[k] != G->f[k]->rows) {
			log_err("%s: Snowflake loaded %lld rows, the manifest "
			    "says %lld: rolled back", G->f[k]->object,
			    (long long)G->loaded[k], (long long)G->f[k]->rows);
			said[k] = 1;
			r = -1;
		}
	return r;
}

/* The group's transaction: the records of its files not recorded yet
 * and their rows.  0 done (rc[] set), 1 to be run again (files Snowflake
 * skipped left todo), -1 failed. */
static int
group_txn(struct sfdest *d, struct sfgroup *G, const char *from)
{
	int *said = xcalloc(G->m, sizeof *said);
	const struct dfile *first = NULL;
	int r = -1, nm = 0;

	if (sf_exec(&d->s, G->f[0]->object, "BEGIN", NULL) < 0)
		goto out;
	if (!d->s.dry && recorded_many(d, G->f, G->m, G->todo, G->res,
	    G->rc) < 0)
		goto fail;
	for (size_t k = 0; k < G->m && !first; k++)
		if (G->todo[k])
			first = G->f[k];
	if (!first) {
		rollback(&d->s);
		r = 0;
		goto out;
	}
	if (d->w && (nm = sqld_not_merged_yet(&d->s, first)) != 0) {
		if (nm < 0)
			goto fail;
		rollback(&d->s);	/* merged, its records pruned */
		for (size_t k = 0; k < G->m; k++)
			if (G->todo[k]) {
				G->res[k].rows = G->f[k]->rows;
				G->res[k].skipped = 1;
				G->rc[k] = 0;
			}
		r = 0;
		goto out;
	}
	if (record_files(d, G->f, G->m, G->todo) < 0 ||
	    file_nos(d, G->f, G->m, G->todo, G->no) < 0)
		goto fail;
	if (from)
		r = copy_rows(d, G->f, G->m, G->todo, G->no, from, G->loaded);
	else if (group_empty(G) || (r = put_rows(d, G->f, G->m, G->todo,
	    G->no, G->loaded)) == 1)
		r = insert_rows(d, G->f, G->m, G->todo, G->no, G->loaded);
	if (from && r == 1) {
		rollback(&d->s);
		goto out;
	}
	if (r < 0 || check_loaded(G, said) < 0 ||
	    sf_exec(&d->s, G->f[0]->object, "COMMIT", NULL) < 0)
		goto fail;
	for (size_t k = 0; k < G->m; k++)
		if (G->todo[k]) {
			G->res[k].rows = G->loaded[k];
			G->rc[k] = 0;
		}
	r = 0;
	goto out;
fail:
	rollback(&d->s);
	group_failed(G, said);
	r = -1;
out:
	free(said);
	return r;
}

/* A dry run skips, saying so, what _stage_files records already. */
static void
dry_recorded(struct sfdest *d, struct sfgroup *G)
{
	struct buf s = BUF_INIT;

	sql_staging_schema(&s, G->f[0]->t.dataset);
	if (!table_exists(&d->s, s.p, "_stage_files"))
		goto out;
	for (size_t k = 0; k < G->m; k++) {
		int r = recorded(d, G->f[k], &G->res[k]);
		if (r == 0)
			continue;
		G->todo[k] = 0;
		if (r > 0) {
			G->rc[k] = 0;
			buf_reset(&s);
			buf_printf(&s, "-- skip: %s (copied before, %lld rows)",
			    G->f[k]->object, (long long)G->res[k].rows);
			manifest_emit(&s);
		}
	}
out:
	buf_free(&s);
}

/* Copies one group: its staging table made if missing, its stage (DDL,
 * before the transaction), then its transaction, again without the
 * files Snowflake skipped. */
static void
copy_group(struct sfdest *d, struct sfgroup *G)
{
	struct buf from = BUF_INIT, name = BUF_INIT, s = BUF_INIT;
	int r;

	for (size_t k = 0; k < G->m; k++) {
		G->todo[k] = 1;
		G->rc[k] = -1;
		memset(&G->res[k], 0, sizeof G->res[k]);
	}
	sql_staging_schema(&s, G->f[0]->t.dataset);
	if (d->s.dry)
		dry_recorded(d, G);
	else if (!table_exists(&d->s, s.p, G->f[0]->t.name) &&
	    sf_stage_prepare(&d->s.base, &G->f[0]->t) < 0)
		goto fail;
	if (in_bucket(d, G->f[0]) && copy_from(d, G->f[0], &from, &name) < 0)
		goto fail;
	while ((r = group_txn(d, G, in_bucket(d, G->f[0]) ? from.p : NULL))
	    == 1)
		;
	goto out;
fail:
	for (size_t k = 0; k < G->m; k++)
		if (G->m > 1 && k > 0)
			log_err("%s: not copied (see above)", G->f[k]->object);
out:
	buf_free(&from);
	buf_free(&name);
	buf_free(&s);
}

static int
same_cols(const struct dtable *a, const struct dtable *b)
{
	if (a->ncols != b->ncols)
		return 0;
	for (size_t i = 0; i < a->ncols; i++)
		if (strcmp(a->cols[i].name, b->cols[i].name) ||
		    a->cols[i].type != b->cols[i].type)
			return 0;
	return 1;
}

/* Whether a and b can share one COPY (or one INSERT stream). */
static int
same_group(const struct sfdest *d, const struct dfile *a,
    const struct dfile *b)
{
	int ba = in_bucket(d, a);
	size_t la, lb;

	if (strcmp(a->t.dataset, b->t.dataset) || strcmp(a->t.name,
	    b->t.name) || strcmp(a->load_id, b->load_id) ||
	    ba != in_bucket(d, b) || a->format != b->format ||
	    a->comp != b->comp || !same_cols(&a->t, &b->t))
		return 0;
	if (!ba)
		return 1;
	la = (size_t)(base_name(a->url) - a->url);
	lb = (size_t)(base_name(b->url) - b->url);
	return la == lb && strncmp(a->url, b->url, la) == 0;
}

static int
sf_copy_batch(struct dest *base, const struct dfile *const *f, size_t n,
    struct dcopied *res, int *rc)
{
	struct sfdest *d = (struct sfdest *)base;
	char *taken = xcalloc(n ? n : 1, 1);
	const struct dfile **g = xcalloc(n ? n : 1, sizeof *g);
	size_t *at = xcalloc(n ? n : 1, sizeof *at);
	struct sfgroup G = { .f = g };

	G.todo = xcalloc(n ? n : 1, sizeof *G.todo);
	G.no = xcalloc(n ? n : 1, sizeof *G.no);
	G.loaded = xcalloc(n ? n : 1, sizeof *G.loaded);
	G.res = xcalloc(n ? n : 1, sizeof *G.res);
	G.rc = xcalloc(n ? n : 1, sizeof *G.rc);
	for (size_t i = 0; i < n; i++) {
		rc[i] = -1;
		memset(&res[i], 0, sizeof res[i]);
	}
	for (size_t i = 0; i < n && (d->w || d->s.dry); i++) {
		if (taken[i])
			continue;
		G.m = 0;
		for (size_t j = i; j < n && G.m < COPY_FILES_MAX; j++)
			if (!taken[j] && same_group(d, f[i], f[j])) {
				taken[j] = 1;
				at[G.m] = j;
				g[G.m++] = f[j];
			}
		copy_group(d, &G);
		for (size_t k = 0; k < G.m; k++) {
			res[at[k]] = G.res[k];
			rc[at[k]] = G.rc[k];
		}
	}
	free(taken);
	free(g);
	free(at);
	free(G.todo);
	free(G.no);
	free(G.loaded);
	free(G.res);
	free(G.rc);
	return d->w || d->s.dry ? 0 : DEST_FATAL;
}

static int
sf_copy_file(struct dest *base, const struct dfile *f, struct dcopied *res)
{
	int rc = -1, r = sf_copy_batch(base, &f, 1, res, &rc);

	return r ? r : rc;
}


/* --- stage-merge --- */

/* Snowflake has no advisory lock: a row of "<dataset>"."_stage_locks",
 * UPDATEd first in each merge transaction of the dataset, serializes
 * them (Snowflake makes the second wait for the first's end; fakesnow's
 * DuckDB answers a conflict instead, which sf_merge_load retries). */
#define SF_MERGE_TRIES 8

static int
lock_ddl(struct sfdest *d, const struct dload *l)
{
	struct buf b = BUF_INIT, t = BUF_INIT;
	int r;

	sql_qname(&t, l->dataset, "_stage_locks");
	buf_printf(&b, "CREATE TABLE IF NOT EXISTS %s (name VARCHAR NOT NULL, "
	    "holder VARCHAR, locked_at TIMESTAMP_TZ)", t.p);
	r = sf_exec(&d->s, l->load_id, b.p, NULL);
	buf_reset(&b);
	buf_printf(&b, "INSERT INTO %s (name) SELECT 'merge' FROM (SELECT 1 "
	    "AS one) AS o WHERE NOT EXISTS (SELECT 1 FROM %s WHERE name = "
	    "'merge')", t.p, t.p);
	if (r == 0)
		r = sf_exec(&d->s, l->load_id, b.p, NULL);
	buf_free(&b);
	buf_free(&t);
	return r;
}

static int
merge_lock(struct sfdest *d, const struct dload *l)
{
	struct buf b = BUF_INIT;
	int r;

	buf_adds(&b, "UPDATE ");
	sql_qname(&b, l->dataset, "_stage_locks");
	buf_adds(&b, " SET holder = ");
	sql_str(&b, l->load_id);
	buf_adds(&b, ", locked_at = CURRENT_TIMESTAMP() WHERE name = 'merge'");
	r = sf_exec(&d->s, l->load_id, b.p, NULL);
	buf_free(&b);
	return r;
}

/* All DDL before the merge's transaction (Snowflake commits on DDL):
 * the dataset, its bookkeeping and the final tables made or grown; the
 * same DDL inside the transaction then finds nothing to do. */
static int
sf_merge_prepare(struct dest *base, const struct dload *l,
    const struct merge_opts *o)
{
	struct sfdest *d = (struct sfdest *)base;

	if (!d->w && !d->s.dry)
		return DEST_FATAL;
	if (sqld_merge_ddl(&d->s, l) < 0 || lock_ddl(d, l) < 0)
		return -1;
	return sqld_final_ddls(&d->s, l, o);
}

static void
forget_lost(struct sfdest *d, const struct dload *l)
{
	struct buf s = BUF_INIT;

	sql_staging_schema(&s, l->dataset);
	if (!d->s.dry && table_exists(&d->s, s.p, "_stage_files") &&
	    sf_exec(&d->s, l->load_id, "BEGIN", NULL) == 0) {
		if (sqld_forget_lost(&d->s, l) < 0)
			rollback(&d->s);
		else
			sf_exec(&d->s, l->load_id, "COMMIT", NULL);
	}
	buf_free(&s);
}

/* One try of the merge's transaction: 0 committed (done: 1 when merged
 * before), -1 rolled back. */
static int
merge_try(struct sfdest *d, const struct dload *l,
    const struct merge_opts *o, int64_t *merged, int *short_rows, int *done)
{
	for (size_t i = 0; i < l->nt; i++)
		merged[i] = 0;
	*short_rows = 0;
	if (sf_exec(&d->s, l->load_id, "BEGIN", NULL) < 0)
		return -1;
	d->locking = 1;
	if (merge_lock(d, l) < 0) {
		d->lock_busy = d->last_conflict;
		goto fail;
	}
	d->locking = 0;
	if ((*done = sqld_merge(&d->s, l, o, merged, short_rows)) < 0)
		goto fail;
	d->locking = 1;
	if (sf_exec(&d->s, l->load_id, "COMMIT", NULL) < 0)
		goto fail;
	d->locking = 0;
	return 0;
fail:
	d->locking = 0;
	rollback(&d->s);
	return -1;
}

/* What a merge lock that stayed taken through every try means, and
 * what to do: the 3 a.m. question after a killed stage-merge. */
static void
lock_busy_note(const struct dload *l)
{
	log_err("load %s: dataset %s's merge lock (its _stage_locks row) "
	    "stayed held by another transaction through %d tries: another "
	    "stage-merge of the dataset is running, or one was killed inside "
	    "its transaction, whose session keeps the lock until Snowflake "
	    "ends that session (SHOW TRANSACTIONS names it; SELECT "
	    "SYSTEM$ABORT_TRANSACTION(<id>) ends it now); nothing was merged, "
	    "run stage-merge again then", l->load_id, l->dataset,
	    SF_MERGE_TRIES);
}

/* The merge's transaction, run again (at most SF_MERGE_TRIES times, with
 * backoff) when another merge of the dataset made it conflict. */
static int
sf_merge_load(struct dest *base, const struct dload *l,
    const struct merge_opts *o, int64_t *merged, int *already)
{
	struct sfdest *d = (struct sfdest *)base;
	struct httpx_backoff bo;
	int done = 0, short_rows = 0, r;

	*already = 0;
	if (!d->w && !d->s.dry)
		return DEST_FATAL;
	httpx_backoff_init(&bo, 200);
	for (int tries = 1;; tries++) {
		d->soft = tries < SF_MERGE_TRIES;
		d->conflicted = 0;
		d->lock_busy = 0;
		r = merge_try(d, l, o, merged, &short_rows, &done);
		if (r == 0 || !d->conflicted)
			break;
		{
			int ms = httpx_backoff_ms(&bo, tries);
			log_verbose("load %s: conflict with another transaction "
			    "on dataset %s: try %d of %d in %d ms", l->load_id,
			    l->dataset, tries + 1, SF_MERGE_TRIES, ms);
			httpx_sleep_ms(ms);
		}
	}
	d->soft = 0;
	if (r < 0 && d->lock_busy)
		lock_busy_note(l);
	if (r < 0) {
		if (short_rows)
			forget_lost(d, l);
		return -1;
	}
	*already = done;
	return 0;
}

static int
sf_drop_staging(struct dest *base, const char *dataset)
{
	struct sfdest *d = (struct sfdest *)base;
	struct sfresult res = { 0 };
	struct buf q = BUF_INIT, s = BUF_INIT;
	int r = 0;

	sql_staging_schema(&s, dataset);
	if (!d->w)
		goto out;
	buf_adds(&q, "SELECT LOWER(table_name) FROM information_schema.tables");
	where_table(&q, s.p, NULL);
	buf_adds(&q, " AND SUBSTR(LOWER(table_name), 1, 7) <> '_stage_' "
	    "ORDER BY 1");
	if (sf_run(d, dataset, "cannot list staging tables", q.p, &res) < 0) {
		r = -1;
		goto out;
	}
	for (int64_t i = 0; i < res.nrows && r == 0; i++) {
		const char *t = sfresult_at(&res, i, 0);
		int64_t n;

		buf_reset(&q);
		buf_adds(&q, "SELECT count(*) FROM ");
		sql_qname(&q, s.p, t);
		if ((r = sf_count(&d->s, t, q.p, &n)) < 0 || n > 0)
			continue;
		buf_reset(&q);
		buf_adds(&q, "DROP TABLE IF EXISTS ");
		sql_qname(&q, s.p, t);
		r = sf_exec(&d->s, t, q.p, NULL);
	}
out:
	sfresult_free(&res);
	buf_free(&q);
	buf_free(&s);
	return r;
}

/* --- housekeeping (house.h) --- */

/* The datasets whose <dataset>_staging has _stage_files. */
static int
sf_datasets(struct sqldest *s, char ***v, size_t *n)
{
	struct sfdest *d = (struct sfdest *)s;
	struct sfresult res = { 0 };
	int r;

	if (!d->w)
		return 0;
	r = sf_run(d, "datasets", "cannot list staging datasets",
	    "SELECT DISTINCT LOWER(table_schema) FROM information_schema."
	    "tables WHERE UPPER(table_name) = '_STAGE_FILES' AND "
	    "UPPER(table_schema) LIKE '%\\\\_STAGING' ESCAPE '\\\\' "
	    "ORDER BY 1", &res);
	for (int64_t i = 0; r == 0 && i < res.nrows; i++) {
		const char *sc = sfresult_at(&res, i, 0);
		size_t len = sc ? strlen(sc) : 0;
		if (len <= 8)
			continue;
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[(*n)++] = xstrndup(sc, len - 8);
	}
	sfresult_free(&res);
	return r;
}

static void
sf_age(struct buf *q, const char *e)
{
	buf_printf(q, "DATEDIFF(second, %s, CURRENT_TIMESTAMP())", e);
}

/* Snowflake has no advisory lock and no lock that fails instead of
 * waiting that the emulator knows: the hold is the transaction and, once
 * a merge made it, the dataset's _stage_locks row, UPDATEd first as a
 * merge does (so housekeeping and merges of the dataset are serialized).
 * Its DML then waits for (and is serialized with) any transaction
 * writing the same tables; stage-merge(1), "Snowflake", says what this
 * does not guarantee. */
static int
sf_hold(struct sqldest *s, const char *dataset, char *const *tables,
    size_t n, struct buf *who)
{
	struct buf b = BUF_INIT;
	int r = 0;

	(void)tables;
	(void)n;
	(void)who;
	if (sf_exec(s, dataset, "BEGIN", NULL) < 0)
		return -1;
	if (table_exists(s, dataset, "_stage_locks")) {
		buf_adds(&b, "UPDATE ");
		sql_qname(&b, dataset, "_stage_locks");
		buf_adds(&b, " SET holder = 'housekeeping', locked_at = "
		    "CURRENT_TIMESTAMP() WHERE name = 'merge'");
		if ((r = sf_exec(s, dataset, b.p, NULL)) < 0)
			rollback(s);
	}
	buf_free(&b);
	return r < 0 ? -1 : 0;
}

/* One value of a one-row query, or NULL (a function the server lacks:
 * the emulator has no CURRENT_WAREHOUSE). */
static char *
sf_value(struct sfdest *d, const char *sql)
{
	struct sfresult res = { 0 };
	char *v = NULL;

	if (sfw_query(d->w, sql, &res) == 0 && res.nrows == 1 &&
	    res.ncols >= 1 && sfresult_at(&res, 0, 0))
		v = xstrdup(sfresult_at(&res, 0, 0));
	sfresult_free(&res);
	return v;
}

static int
sf_check(const struct dest_conf *c, struct buf *out)
{
	static const struct { const char *what, *sql; int k; } q[] = {
		{ "user", "SELECT CURRENT_USER()", K_USER },
		{ "account", "SELECT CURRENT_ACCOUNT()", K_ACCOUNT },
		{ "database", "SELECT CURRENT_DATABASE()", K_DATABASE },
		{ "warehouse", "SELECT CURRENT_WAREHOUSE()", K_WAREHOUSE },
		{ "role", "SELECT CURRENT_ROLE()", K_ROLE },
	};
	struct sfdest *d = (struct sfdest *)sf_open(c);
	char *ver;

	if (!d || !d->w) {
		if (d)
			sf_close(&d->s.base);
		return -1;	/* said why */
	}
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		char *v = sf_value(d, q[i].sql);
		buf_printf(out, "%s%s %s", i ? ", " : "", q[i].what, v ? v :
		    d->v[q[i].k] ? d->v[q[i].k] : "(none)");
		if (!v && d->v[q[i].k])
			buf_adds(out, " (as configured)");
		free(v);
	}
	ver = sf_value(d, "SELECT CURRENT_VERSION()");
	buf_printf(out, " (Snowflake %s)", ver ? ver : "?");
	free(ver);
	sf_close(&d->s.base);
	return 0;
}

static const struct dest_house house_snowflake = {
	.datasets = sf_datasets, .attach = NULL, .age = sf_age,
	.hold = sf_hold, .check = sf_check,
};

static const struct sql_driver sf_driver = {
	.dialect = &sf_dialect, .param = NULL,
	.begin = "BEGIN", .rollback = rollback,
	/* no advisory locks: Snowflake locks the tables a DML statement
	 * changes until the transaction ends */
	.lock = NULL, .schemas = 1,
	.staging_fit = staging_fit,
	.files_cols = "load_id VARCHAR NOT NULL, table_name VARCHAR NOT NULL, "
	    "file_id VARCHAR NOT NULL, file_no NUMBER(38,0) AUTOINCREMENT, "
	    "seq NUMBER(38,0) NOT NULL, sha256 VARCHAR, \"rows\" NUMBER(38,0) "
	    "NOT NULL, copied_at TIMESTAMP_TZ NOT NULL, "
	    "PRIMARY KEY (load_id, table_name, file_id)",
	.exec = sf_exec, .count = sf_count,
	.rows = sf_rows, .table_exists = table_exists,
	.columns = sf_columns, .evolve = evolve,
	.tables_query = tables_query, .decl_type = decl_type,
	.version_now = "CURRENT_TIMESTAMP()",
	.clear_after_commit = 0, .alone = alone,
	.empty = "DELETE FROM ",
	.empty_note = NULL,
	.staging_extra = "\"_stage_row\" NUMBER(38,0)",
	.final_extra = "\"_dlt_load_id\" VARCHAR NOT NULL, "
	    "\"_dlt_id\" VARCHAR NOT NULL",
	.loads_cols = "load_id VARCHAR NOT NULL, schema_name VARCHAR, "
	    "status NUMBER(38,0) NOT NULL, inserted_at TIMESTAMP_TZ NOT NULL, "
	    "schema_version_hash VARCHAR",
	.stage_loads_cols = "load_id VARCHAR NOT NULL, table_name VARCHAR NOT "
	    "NULL, \"rows\" NUMBER(38,0) NOT NULL, PRIMARY KEY (load_id, "
	    "table_name)",
	.version_cols = "version NUMBER(38,0) NOT NULL, engine_version "
	    "NUMBER(38,0) NOT NULL, inserted_at TIMESTAMP_TZ NOT NULL, "
	    "schema_name VARCHAR NOT NULL, version_hash VARCHAR NOT NULL, "
	    "\"schema\" VARCHAR NOT NULL",
	.record_now = "CURRENT_TIMESTAMP()",
	.index_in_schema = 0,
	.ddl_commits = 1,
};

static const char *const sf_schemes[] = { "snowflake", NULL };

const struct dest_ops dest_snowflake = {
	"snowflake",
	sf_schemes,
	0,
	sf_open,
	sf_close,
	sf_stage_prepare,
	sf_copy_file,
	sf_merge_prepare,
	sf_merge_load,
	sf_drop_staging,
	255,
	1,		/* quoted names fold to upper case (see above) */
	sf_resolve,
	&house_snowflake,
	sf_copy_batch,
};
