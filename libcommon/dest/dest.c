/*
 * dest: the table of destinations, -D resolution and the parsing of
 * manifest file lines into the descriptions back ends work from.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "config.h"
#include "dest.h"
#include "ident.h"
#include "log.h"
#include "mask.h"
#include "storage.h"

/* One row per back end; the embedded default (sqlite) comes first. */
static const struct dest_ops *const backends[] = {
	&dest_sqlite,
	&dest_postgres,
	&dest_snowflake,
};
#define NBACKENDS (sizeof backends / sizeof backends[0])

static const char *const default_dest = "sqlite";

static const struct dest_ops *
find_backend(const char *name, size_t n)
{
	for (size_t i = 0; i < NBACKENDS; i++)
		for (const char *const *s = backends[i]->schemes; *s; s++)
			if (strlen(*s) == n && strncmp(*s, name, n) == 0)
				return backends[i];
	return NULL;
}

/* "known: sqlite, postgres, postgresql; did you mean postgres?" for an
 * unknown destination type name (n bytes), appended to b. */
static void
known_backends(struct buf *b, const char *name, size_t n)
{
	const char *all[16 + 1], *near;
	size_t k = 0;
	char word[64];

	for (size_t i = 0; i < NBACKENDS; i++)
		for (const char *const *s = backends[i]->schemes; *s && k < 16;
		    s++)
			all[k++] = *s;
	all[k] = NULL;
	buf_adds(b, "known: ");
	for (size_t i = 0; i < k; i++)
		buf_printf(b, "%s%s", i ? ", " : "", all[i]);
	snprintf(word, sizeof word, "%.*s", (int)n, name);
	if ((near = cliopt_nearest(word, all)))
		buf_printf(b, "; did you mean %s?", near);
}

/* A URL given on the command line (or in the config as credentials). */
static void
from_url(struct dest_conf *c, const char *name, const char *url, int argv)
{
	struct dest_src src = { NULL, name, url, NULL };

	if (c->ops->resolve(c, &src) && argv)
		log_warn("warning: a password on the command line is visible "
		    "to other users (ps): use %s or .dlt/secrets.toml",
		    strcmp(c->ops->name, "postgres") == 0 ?
		    "PGPASSWORD, ~/.pgpass" :
		    "DESTINATION__<NAME>__CREDENTIALS__PASSWORD");
}

/* A -D that names nothing may be a keyword connection string holding a
 * password: it is printed masked. */
static void
unknown_dest(const char *name, const char *type)
{
	char *shown;
	int had;

	if (!strchr(name, '=')) {
		struct buf kn = BUF_INIT;
		const char *sep = strstr(type, "://");
		known_backends(&kn, type, sep ? (size_t)(sep - type) :
		    strlen(type));
		log_err("%s: unknown destination (no back end of that "
		    "name, and no destination.%s.destination_type "
		    "configured; %s)", name, name, kn.p);
		buf_free(&kn);
		return;
	}
	shown = mask_conninfo(name, &had);
	log_err("%s: unknown destination (a libpq keyword string is not "
	    "one: give a postgresql:// URL, or a name configured in "
	    ".dlt/secrets.toml)", shown);
	free(shown);
}

/* A destination name: its back end from destination.<name>.
 * destination_type, the scheme of its credentials URL or the name
 * itself; its credentials from destination.<name>.credentials, else the
 * back end's own environment (PG* for postgres). */
static int
from_name(const struct config *cf, const char *name, struct dest_conf *c)
{
	struct buf k = BUF_INIT;
	const char *type, *url;
	int r = -1;

	buf_printf(&k, "destination.%s.destination_type", name);
	type = config_get(cf, k.p);
	buf_reset(&k);
	buf_printf(&k, "destination.%s.credentials", name);
	url = config_is_table(cf, k.p) ? NULL : config_get(cf, k.p);
	if (!type && url && strstr(url, "://"))
		type = url;
	if (!type)
		type = name;
	c->ops = find_backend(type, strstr(type, "://") ?
	    (size_t)(strstr(type, "://") - type) : strlen(type));
	if (!c->ops) {
		if (name == default_dest)
			log_err("no destination: give -D (e.g. -D "
			    "postgresql://host/db); the embedded default "
			    "(sqlite) is missing from this build");
		else
			unknown_dest(name, type);
		goto out;
	}
	{
		struct dest_src src = { cf, name, url,
		    config_is_table(cf, k.p) ? k.p : NULL };
		c->ops->resolve(c, &src);
	}
	r = 0;
out:
	buf_free(&k);
	return r;
}

int
dest_resolve(const char *arg, int dry_run, struct dest_conf *c)
{
	const char *name = arg ? arg : getenv("STAGE_DESTINATION");
	struct config *cf;
	const char *colon;
	int r;

	memset(c, 0, sizeof *c);
	c->dry_run = dry_run;
	if (!name || !*name)
		name = default_dest;
	/* read even when a URL makes it unneeded: a broken config file is
	 * a configuration error in every program, whatever the flags */
	if (!(cf = config_load()))
		return -1;
	colon = strstr(name, "://");
	if (colon) {
		c->ops = find_backend(name, (size_t)(colon - name));
		r = c->ops ? 0 : -1;
		if (c->ops) {
			from_url(c, NULL, name, arg != NULL);
			c->label = xstrdup(c->masked);
		} else {
			struct buf kn = BUF_INIT;
			known_backends(&kn, name, (size_t)(colon - name));
			log_err("%.*s: unknown destination type (%s)",
			    (int)(colon - name), name, kn.p);
			buf_free(&kn);
		}
		config_free(cf);
		return r;
	}
	r = from_name(cf, name, c);
	if (r == 0)
		c->label = xstrdup(name);
	else
		dest_conf_free(c);
	config_free(cf);
	if (r < 0)
		dest_conf_free(c);	/* callers exit without freeing */
	return r;
}

void
dest_conf_free(struct dest_conf *c)
{
	free(c->conninfo);
	free(c->masked);
	free(c->label);
	c->conninfo = c->masked = c->label = NULL;
}

/* A manifest column's type: coltype's names, and dlt's other spellings
 * (which stage-write never writes, but a dlt-made manifest may). */
static int
manifest_type_parse(const char *s, enum coltype *t)
{
	if (strcmp(s, "complex") == 0) {
		*t = CT_JSON;
		return 0;
	}
	if (strcmp(s, "wei") == 0) {
		*t = CT_DECIMAL;
		return 0;
	}
	return coltype_parse(s, t);
}

static const char *const disp_names[] = { "append", "replace", "merge" };

int
disposition_parse(const char *s, enum disposition *d)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, disp_names[i]) == 0) {
			*d = (enum disposition)i;
			return 0;
		}
	return -1;
}

const char *
disposition_name(enum disposition d)
{
	return (unsigned)d < 3 ? disp_names[d] : "?";
}

static int
bad(const struct mline *m, const char *key, const char *why)
{
	log_err("%s:%zu: field '%s' %s", m->src, m->lineno, key, why);
	return -1;
}

static char *
get_str(const struct mline *m, const char *key, int need)
{
	struct buf b = BUF_INIT;

	if (mline_str(m, key, &b) < 0) {
		buf_free(&b);
		if (need)
			bad(m, key, mline_get(m, key) ? "is not a string" :
			    "missing, expected a string");
		return NULL;
	}
	if (!b.p)
		buf_adds(&b, "");
	return b.p;
}

static int
get_names(const struct mline *m, const char *key, char ***v, size_t *n)
{
	const struct json_tok *a = mline_get(m, key);
	const struct json_doc *d = &m->doc;

	*v = NULL;
	*n = 0;
	if (!a || a->type == JSON_NULL)
		return 0;
	if (a->type != JSON_ARRAY)
		return bad(m, key, "is not an array of names");
	uint32_t i0 = (uint32_t)(a - d->tok);
	for (uint32_t i = i0 + 1; i < a->end; i = d->tok[i].end) {
		struct buf b = BUF_INIT;
		if (d->tok[i].type != JSON_STRING)
			return bad(m, key, "is not an array of names");
		json_str_decode(&d->tok[i], &b);
		if (!b.p)
			buf_adds(&b, "");
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[(*n)++] = b.p;
	}
	return 0;
}

static int
get_columns(const struct mline *m, struct dtable *t)
{
	const struct json_tok *a = mline_get(m, mf_name[MF_COLUMNS]);
	const struct json_doc *d = &m->doc;
	char msg[160];

	if (!a || a->type != JSON_ARRAY)
		return bad(m, mf_name[MF_COLUMNS], "missing or not an array");
	uint32_t i0 = (uint32_t)(a - d->tok);
	for (uint32_t i = i0 + 1; i < a->end; i = d->tok[i].end) {
		struct dcol c = { NULL, CT_TEXT, 1 };
		struct buf b = BUF_INIT;
		int k;

		if (d->tok[i].type != JSON_OBJECT)
			return bad(m, mf_name[MF_COLUMNS], "holds a non-object");
		k = json_obj_get(d, (int)i, "name");
		if (k < 0 || d->tok[k].type != JSON_STRING)
			return bad(m, mf_name[MF_COLUMNS], "holds a column without a name");
		json_str_decode(&d->tok[k], &b);
		if (!b.p || !*b.p) {
			buf_free(&b);
			return bad(m, mf_name[MF_COLUMNS], "holds an empty name");
		}
		c.name = b.p;
		b = (struct buf)BUF_INIT;
		k = json_obj_get(d, (int)i, "type");
		if (k >= 0 && d->tok[k].type == JSON_STRING) {
			json_str_decode(&d->tok[k], &b);
			if (manifest_type_parse(b.p ? b.p : "", &c.type) < 0) {
				snprintf(msg, sizeof msg, "column %s: unknown "
				    "type '%s'", c.name, b.p ? b.p : "");
				buf_free(&b);
				free(c.name);
				return bad(m, mf_name[MF_COLUMNS], msg);
			}
			buf_free(&b);
		}
		k = json_obj_get(d, (int)i, "nullable");
		if (k >= 0 && d->tok[k].type == JSON_FALSE)
			c.nullable = 0;
		if (dtable_col(t, c.name) >= 0) {
			snprintf(msg, sizeof msg, "names column %s twice",
			    c.name);
			free(c.name);
			return bad(m, mf_name[MF_COLUMNS], msg);
		}
		t->cols = xrealloc(t->cols, (t->ncols + 1) * sizeof *t->cols);
		t->cols[t->ncols++] = c;
	}
	if (t->ncols == 0)
		return bad(m, mf_name[MF_COLUMNS], "is empty");
	return 0;
}

static int
check_keys(const struct mline *m, const struct dtable *t, char **k, size_t n,
    const char *field)
{
	char msg[200];

	for (size_t i = 0; i < n; i++)
		if (dtable_col(t, k[i]) < 0) {
			snprintf(msg, sizeof msg, "names %s, which is not a "
			    "column", k[i]);
			return bad(m, field, msg);
		}
	return 0;
}

static int
parse_table(const struct mline *m, struct dtable *t)
{
	char *disp;

	if (!(t->dataset = get_str(m, mf_name[MF_DATASET], 1)) ||
	    !(t->name = get_str(m, mf_name[MF_TABLE], 1)))
		return -1;
	if (!*t->dataset || !*t->name)
		return bad(m, mf_name[*t->name ? MF_DATASET : MF_TABLE],
		    "is empty");
	disp = get_str(m, mf_name[MF_DISPOSITION], 0);
	if (disp && disposition_parse(disp, &t->disp) < 0) {
		log_err("%s:%zu: %s: unknown disposition '%s' (append, "
		    "replace or merge)", m->src, m->lineno, t->name, disp);
		free(disp);
		return -2;
	}
	free(disp);
	if (get_names(m, mf_name[MF_PRIMARY_KEY], &t->pk, &t->npk) ||
	    get_names(m, mf_name[MF_MERGE_KEY], &t->mk, &t->nmk) ||
	    get_columns(m, t) ||
	    check_keys(m, t, t->pk, t->npk, mf_name[MF_PRIMARY_KEY]) ||
	    check_keys(m, t, t->mk, t->nmk, mf_name[MF_MERGE_KEY]))
		return -1;
	if (t->disp == DISP_MERGE && t->npk == 0 && t->nmk == 0) {
		log_err("%s:%zu: %s: merge needs a primary_key or a "
		    "merge_key", m->src, m->lineno, t->name);
		return -2;
	}
	return 0;
}

int
dfile_parse(const struct mline *m, struct dfile *f)
{
	struct mfile mf;
	int r;

	memset(f, 0, sizeof *f);
	if ((r = parse_table(m, &f->t)) != 0)
		return r;
	r = mfile_parse(m, &mf);
	/* the strings move into f, which dfile_free frees */
	f->load_id = mf.load_id;
	f->sha256 = mf.sha256;
	f->file = mf.file;
	f->url = mf.url;
	f->file_id = mf.file_id;
	f->copied_to = mf.copied_to;
	f->seq = mf.seq;
	f->rows = mf.rows;
	f->bytes = mf.bytes < 0 ? 0 : mf.bytes;
	mf.load_id = mf.sha256 = mf.file = mf.url = mf.file_id =
	    mf.copied_to = NULL;
	f->storage = storage_line_opts(m);
	if (r < 0)
		goto out;
	r = -1;
	if (!f->file_id) {
		bad(m, mf_name[MF_FILE_ID], "missing (and no sha256 either)");
		goto out;
	}
	if (!f->file && !f->url) {
		bad(m, mf_name[MF_FILE], "missing (and no url either)");
		goto out;
	}
	f->object = f->url ? f->url : f->file;
	f->format = FMT_CSV;
	if (mf.format && format_parse(mf.format, &f->format) < 0) {
		struct buf known = BUF_INIT;
		buf_adds(&known, "is not a format (known: ");
		format_names(&known);
		buf_addc(&known, ')');
		bad(m, mf_name[MF_FORMAT], known.p);
		buf_free(&known);
		goto out;
	}
	if (mf.compression && compression_parse(mf.compression, &f->comp) < 0) {
		bad(m, mf_name[MF_COMPRESSION], "is not none, gzip, zstd or "
		    "snappy");
		goto out;
	}
	if (f->comp == COMP_SNAPPY && f->format != FMT_PARQUET) {
		bad(m, mf_name[MF_COMPRESSION], "snappy is a codec inside "
		    "Parquet files only");
		goto out;
	}
	r = 0;
out:
	mfile_free(&mf);
	return r;
}

/* One name of t: see dtable_check_names. */
static int
name_problem(const struct dest_ops *ops, enum ident_kind k, const char *what,
    const char *name, struct buf *msg)
{
	const char *why = ident_reserved(k, name);
	size_t n = strlen(name), suffix = k == IDENT_DATASET ?
	    strlen(IDENT_STAGING_SUFFIX) : 0;

	if (why) {
		buf_printf(msg, "%s '%s' %s", what, name, why);
		return -1;
	}
	if (ops->ident_max && n + suffix > ops->ident_max) {
		buf_printf(msg, "%s '%s' is %zu bytes%s: %s keeps %zu and "
		    "would cut it short (stage-write shortens long names, see "
		    "stage-write(1))", what, name, n, suffix ? " (and its "
		    "staging dataset 8 more)" : "", ops->name, ops->ident_max);
		return -1;
	}
	for (const char *p = name; ops->ident_nocase && *p; p++)
		if (*p >= 'A' && *p <= 'Z') {
			buf_printf(msg, "%s '%s' holds upper-case letters: %s "
			    "does not tell them from lower case, so it would "
			    "be one with any name that differs only in case "
			    "(stage-write's names are lower case)", what, name,
			    ops->name);
			return -1;
		}
	return 0;
}

int
dtable_check_names(const struct dtable *t, const struct dest_ops *ops,
    struct buf *msg)
{
	if (name_problem(ops, IDENT_DATASET, "dataset", t->dataset, msg) < 0 ||
	    name_problem(ops, IDENT_TABLE, "table", t->name, msg) < 0)
		return -1;
	for (size_t i = 0; i < t->ncols; i++)
		if (name_problem(ops, IDENT_COLUMN, "column", t->cols[i].name,
		    msg) < 0)
			return -1;
	return 0;
}

static void
free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
dtable_free(struct dtable *t)
{
	free(t->dataset);
	free(t->name);
	free_names(t->pk, t->npk);
	free_names(t->mk, t->nmk);
	for (size_t i = 0; i < t->ncols; i++)
		free(t->cols[i].name);
	free(t->cols);
	memset(t, 0, sizeof *t);
}

void
dfile_free(struct dfile *f)
{
	dtable_free(&f->t);
	free(f->load_id);
	free(f->file_id);
	free(f->sha256);
	free(f->file);
	free(f->url);
	free(f->storage);
	free(f->copied_to);
	memset(f, 0, sizeof *f);
}

int
dfile_reused(const struct dfile *f, const char *rec, struct buf *why)
{
	if (!rec || !*rec || !f->sha256 || strcmp(rec, f->sha256) == 0)
		return 0;
	buf_printf(why, "%s: already copied for load %s, table %s, file %s "
	    "with sha256 %s, but this manifest line says %s (a --load-id "
	    "reused for other data?)", f->object, f->load_id, f->t.name,
	    f->file_id, rec, f->sha256);
	return 1;
}

static char **
dup_names(char **v, size_t n)
{
	char **r = n ? xmalloc(n * sizeof *r) : NULL;

	for (size_t i = 0; i < n; i++)
		r[i] = xstrdup(v[i]);
	return r;
}

void
dtable_copy(struct dtable *dst, const struct dtable *src)
{
	memset(dst, 0, sizeof *dst);
	dst->dataset = xstrdup(src->dataset);
	dst->name = xstrdup(src->name);
	dst->disp = src->disp;
	dst->pk = dup_names(src->pk, dst->npk = src->npk);
	dst->mk = dup_names(src->mk, dst->nmk = src->nmk);
	dst->ncols = src->ncols;
	dst->cols = xmalloc((src->ncols ? src->ncols : 1) * sizeof *dst->cols);
	for (size_t i = 0; i < src->ncols; i++) {
		dst->cols[i] = src->cols[i];
		dst->cols[i].name = xstrdup(src->cols[i].name);
	}
}

int
dtable_col(const struct dtable *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
dtable_merge_cols(struct dtable *dst, const struct dtable *src)
{
	int changed = 0;

	/* a column that one side lacks is null in that side's rows */
	for (size_t k = 0; k < dst->ncols; k++)
		if (dtable_col(src, dst->cols[k].name) < 0)
			dst->cols[k].nullable = 1;
	for (size_t i = 0; i < src->ncols; i++) {
		const struct dcol *c = &src->cols[i];
		int k = dtable_col(dst, c->name);
		if (k < 0) {
			dst->cols = xrealloc(dst->cols,
			    (dst->ncols + 1) * sizeof *dst->cols);
			dst->cols[dst->ncols] = *c;
			dst->cols[dst->ncols].nullable = 1;
			dst->cols[dst->ncols++].name = xstrdup(c->name);
			changed = 1;
			continue;
		}
		dst->cols[k].nullable |= c->nullable;
		if (dst->cols[k].type != c->type) {
			enum coltype w = coltype_widen(dst->cols[k].type, c->type);
			if (w != dst->cols[k].type) {
				dst->cols[k].type = w;
				changed = 1;
			}
		}
	}
	return changed;
}

void
dest_widened(const char *schema, const char *table, const char *col,
    enum coltype from, enum coltype to)
{
	const char *why = "its values are kept as their text";

	if (to == CT_DECIMAL)
		why = "decimal holds every bigint, decimal and double value "
		    "exactly";
	else if (to == CT_TIMESTAMP)
		why = "a date is its midnight";
	log_warn("%s.%s: column %s widens from %s to %s (%s)", schema, table,
	    col, coltype_name(from), coltype_name(to), why);
}

void
dload_add(struct dload *l, const struct dfile *f)
{
	size_t i;

	if (!l->load_id)
		l->load_id = xstrdup(f->load_id);
	if (!l->dataset)
		l->dataset = xstrdup(f->t.dataset);
	for (i = 0; i < l->nt; i++)
		if (strcmp(l->t[i].name, f->t.name) == 0 &&
		    strcmp(l->t[i].dataset, f->t.dataset) == 0)
			break;
	if (i == l->nt) {
		l->t = xrealloc(l->t, (l->nt + 1) * sizeof *l->t);
		l->rows = xrealloc(l->rows, (l->nt + 1) * sizeof *l->rows);
		l->files = xrealloc(l->files, (l->nt + 1) * sizeof *l->files);
		dtable_copy(&l->t[i], &f->t);
		l->rows[i] = 0;
		l->files[i] = 0;
		l->nt++;
	} else {
		dtable_merge_cols(&l->t[i], &f->t);
	}
	l->rows[i] += f->rows;
	l->files[i]++;
}

void
dload_free(struct dload *l)
{
	for (size_t i = 0; i < l->nt; i++)
		dtable_free(&l->t[i]);
	free(l->t);
	free(l->rows);
	free(l->files);
	free(l->load_id);
	free(l->dataset);
	memset(l, 0, sizeof *l);
}

void
dest_staging_mismatch(const struct dload *l, size_t i, int64_t n)
{
	if (n > l->rows[i])
		log_err("%s: staging holds %lld rows of load %s, more than the "
		    "%lld the manifest lists: other data was staged under "
		    "this load id; nothing changed", l->t[i].name,
		    (long long)n, l->load_id, (long long)l->rows[i]);
	else
		log_err("%s: staging holds %lld rows of load %s, the manifest "
		    "says %lld: run stage-copy on this manifest first",
		    l->t[i].name, (long long)n, l->load_id,
		    (long long)l->rows[i]);
}

void
dest_files_mismatch(const struct dload *l, size_t i, int64_t n, int merged)
{
	if (merged || n > l->files[i])
		log_err("%s: load %s %s %lld files of this table, the manifest "
		    "lists %lld: its load id was used again for other data; "
		    "nothing changed (give that data a load id of its own)",
		    l->t[i].name, l->load_id, merged ? "was merged before "
		    "with" : "has", (long long)n, (long long)l->files[i]);
	else
		log_err("%s: %lld of the %lld files of load %s are recorded as "
		    "copied: run stage-copy on this manifest first",
		    l->t[i].name, (long long)n, (long long)l->files[i],
		    l->load_id);
}

void
dest_load_reused(const struct dload *l, size_t i, int64_t n)
{
	if (n > 0)
		log_err("%s: load %s was merged before, and %lld rows of it "
		    "were staged since: its load id was used again for other "
		    "data; nothing changed (give that data a load id of its "
		    "own)", l->t[i].name, l->load_id, (long long)n);
	else
		log_err("%s: load %s was merged before without this table: "
		    "its load id was used again for other data; nothing "
		    "changed (give that data a load id of its own)",
		    l->t[i].name, l->load_id);
}

void
dest_file_after_merge(const struct dfile *f)
{
	log_err("%s: load %s was merged before without this file (table %s, "
	    "file_id %s): its load id was used again for other data; not "
	    "copied (give that data a load id of its own)", f->object,
	    f->load_id, f->t.name, f->file_id);
}

int
dest_check_not_null(const struct dtable *t, const char *col, int alter)
{
	if (dtable_col(t, col) >= 0 || strcmp(col, "_dlt_load_id") == 0 ||
	    strcmp(col, "_dlt_id") == 0)
		return 0;
	log_err("%s.%s: column %s is NOT NULL and this load has no values "
	    "for it: nothing changed; give the records a %s, or drop the "
	    "constraint%s%s.%s%s%s%s", t->dataset, t->name, col, col,
	    alter ? " (ALTER TABLE " : " (a rebuild of ",
	    t->dataset, t->name, alter ? " ALTER COLUMN " : "",
	    alter ? col : "", alter ? " DROP NOT NULL)" : ")");
	return -1;
}

void
dest_dry_sql(const char *sql)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, sql);
	buf_addc(&b, ';');
	manifest_emit(&b);
	buf_free(&b);
}

void
dest_dry_comment(const char *object, const char *what)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "-- %s: %s", object, what);
	manifest_emit(&b);
	buf_free(&b);
}

void
dest_dry_check(const char *sql, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	dest_dry_sql(sql);
	buf_printf(&b, "-- check: %s", what);
	manifest_emit(&b);
	buf_free(&b);
}

/* The integer part's length if s is a number of digits with an optional
 * fraction (dlt's load ids: seconds.microseconds), else 0. */
static size_t
numeric_id(const char *s)
{
	size_t i = strspn(s, "0123456789");

	if (i == 0)
		return 0;
	if (s[i] == '.' && s[i + 1] && strspn(s + i + 1, "0123456789") ==
	    strlen(s + i + 1))
		return i;
	return s[i] ? 0 : i;
}

int
load_id_cmp(const char *a, const char *b)
{
	size_t ia = numeric_id(a), ib = numeric_id(b);
	int c;

	if (!ia || !ib)
		return strcmp(a, b);
	while (ia > 1 && *a == '0')	/* leading zeros */
		a++, ia--;
	while (ib > 1 && *b == '0')
		b++, ib--;
	if (ia != ib)
		return ia < ib ? -1 : 1;
	if ((c = strncmp(a, b, ia)) != 0)
		return c;
	/* equal integer parts: the fractions, a missing one as zeros */
	a += ia + (a[ia] == '.');
	b += ib + (b[ib] == '.');
	for (; *a || *b; a += !!*a, b += !!*b) {
		char x = *a ? *a : '0', y = *b ? *b : '0';
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

int
dest_check_order(const struct dload *l, size_t i, const char *committed)
{
	if (l->t[i].disp == DISP_APPEND ||
	    load_id_cmp(committed, l->load_id) <= 0)
		return 0;
	log_err("%s: load %s is older than load %s, which was merged into "
	    "%s.%s before: merging it now would put older rows over newer "
	    "ones (%s); not merged: merge loads of a table in load_id order",
	    l->t[i].name, l->load_id, committed, l->dataset, l->t[i].name,
	    disposition_name(l->t[i].disp));
	return -1;
}
