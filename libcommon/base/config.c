/*
 * config: dlt-style configuration.  The four TOML files are read once into
 * a flat list of (dotted key, value, origin, rank); environment variables
 * are consulted at lookup time and win over every file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "cliopt.h"
#include "config.h"
#include "log.h"
#include "toml.h"

extern char **environ;

struct centry {
	char *key;
	char *value;
	char *origin;		/* "path:line" */
	int rank;		/* higher wins */
};

struct config {
	struct centry *v;
	size_t n, cap;
};

struct loading {
	struct config *c;
	const char *path;
	int rank;
};

static void
add_entry(void *ctx, const char *key, const char *value, size_t line)
{
	struct loading *l = ctx;
	struct config *c = l->c;
	struct centry *e;
	struct buf origin = BUF_INIT;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->v = xrealloc(c->v, c->cap * sizeof *c->v);
	}
	buf_printf(&origin, "%s:%zu", l->path, line);
	e = &c->v[c->n++];
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->origin = origin.p;
	e->rank = l->rank;
}

/* Reads a whole file; NULL with errno set (ENOENT: no such file). */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		buf_free(&b);
		errno = e ? e : EIO;
		return NULL;
	}
	fclose(f);
	buf_grow(&b, 0);
	*len = b.len;
	return b.p;
}

static int
load_file(struct config *c, const char *path, int rank)
{
	struct loading l = { c, path, rank };
	size_t len = 0, line;
	char err[160];
	char *text = slurp(path, &len);
	int r;

	if (!text) {
		struct stat st;
		int e = errno;
		/* absent, or behind a directory we may not search (another
		 * user's HOME, as under sudo -u or cron): nothing to read.  A
		 * file that is there but unreadable is an error. */
		if (e == ENOENT || e == ENOTDIR ||
		    (e == EACCES && stat(path, &st) != 0))
			return 0;
		log_err("%s: cannot read: %s", path, strerror(e));
		return -1;
	}
	r = toml_parse(text, len, add_entry, &l, &line, err, sizeof err);
	if (r)
		log_err("%s:%zu: %s", path, line, err);
	free(text);
	return r;
}

/* Destination names stage reads under [destination.<name>] (its back
 * ends, its storage, and dlt's other destinations, which a shared
 * config may hold); a name near one of them but not one is a typo
 * that would be ignored silently. */
static const char *const known_sections[] = {
	"filesystem", "postgres", "sqlite", "redshift", "snowflake",
	"bigquery", "duckdb", "motherduck", "athena", "databricks", "mssql",
	"synapse", "clickhouse", "dremio", "sqlalchemy", "weaviate",
	"qdrant", "lancedb", NULL
};

/* Warns (once per name) about [destination.NAME] or DESTINATION__NAME__
 * that is not a known name, has no destination_type (which makes any
 * name a destination) and is a near miss of a known one. */
static void
check_section(const struct config *c, const char *name, size_t n,
    const char *origin, struct buf *seen)
{
	struct buf nm = BUF_INIT, k = BUF_INIT;
	const char *near;

	buf_add(&nm, name, n);
	buf_adds(&nm, "");
	for (size_t i = 0; nm.p[i]; i++)
		if (nm.p[i] >= 'A' && nm.p[i] <= 'Z')
			nm.p[i] = (char)(nm.p[i] - 'A' + 'a');
	buf_printf(&k, "destination.%s.destination_type", nm.p);
	near = cliopt_nearest(nm.p, known_sections);
	if (near && strcmp(near, nm.p) != 0 && !config_get(c, k.p)) {
		buf_reset(&k);
		buf_printf(&k, "\n%s\n", nm.p);
		if (!seen->p || !strstr(seen->p, k.p)) {
			log_warn("%s: [destination.%s] is not a section stage "
			    "reads, and is ignored: did you mean "
			    "[destination.%s]?", origin, nm.p, near);
			buf_printf(seen, "\n%s\n", nm.p);
		}
	}
	buf_free(&nm);
	buf_free(&k);
}

static void
check_sections(const struct config *c)
{
	struct buf seen = BUF_INIT;
	const char *p, *e;

	for (size_t i = 0; i < c->n; i++)
		if (strncmp(c->v[i].key, "destination.", 12) == 0 &&
		    (e = strchr(p = c->v[i].key + 12, '.')))
			check_section(c, p, (size_t)(e - p), c->v[i].origin,
			    &seen);
	for (char **v = environ; v && *v; v++)
		if (strncmp(*v, "DESTINATION__", 13) == 0 &&
		    (e = strstr(p = *v + 13, "__")))
			check_section(c, p, (size_t)(e - p), "the environment",
			    &seen);
	buf_free(&seen);
}

struct config *
config_load(void)
{
	struct config *c = xcalloc(1, sizeof *c);
	const char *home = getenv("HOME");
	const char *proj = getenv("DLT_PROJECT_DIR");
	static const char *const names[] = { "config.toml", "secrets.toml" };
	struct buf path = BUF_INIT;
	int rank = 0;

	for (int where = 0; where < 2; where++) {
		const char *dir = where == 0 ? home : (proj ? proj : ".");
		if (!dir || !*dir)
			continue;
		for (int i = 0; i < 2; i++, rank++) {
			buf_reset(&path);
			buf_printf(&path, "%s/.dlt/%s", dir, names[i]);
			if (load_file(c, path.p, rank)) {
				buf_free(&path);
				config_free(c);
				return NULL;
			}
		}
	}
	buf_free(&path);
	/* once per program: it reads the configuration more than once */
	static int checked;
	if (!checked++)
		check_sections(c);
	return c;
}

void
config_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].key);
		free(c->v[i].value);
		free(c->v[i].origin);
	}
	free(c->v);
	free(c);
}

/* destination.postgres.credentials -> DESTINATION__POSTGRES__CREDENTIALS */
static void
env_name(const char *key, struct buf *out)
{
	for (const char *p = key; *p; p++) {
		if (*p == '.')
			buf_add(out, "__", 2);
		else if (*p >= 'a' && *p <= 'z')
			buf_addc(out, (char)(*p - 'a' + 'A'));
		else
			buf_addc(out, *p);
	}
}

static const struct centry *
find(const struct config *c, const char *key)
{
	const struct centry *best = NULL;

	for (size_t i = 0; c && i < c->n; i++)
		if (strcmp(c->v[i].key, key) == 0 &&
		    (!best || c->v[i].rank > best->rank))
			best = &c->v[i];
	return best;
}

const char *
config_get(const struct config *c, const char *key)
{
	struct buf name = BUF_INIT;
	const char *v;
	const struct centry *e;

	env_name(key, &name);
	v = getenv(name.p);
	buf_free(&name);
	if (v)
		return v;
	e = find(c, key);
	return e ? e->value : NULL;
}

int
config_is_table(const struct config *c, const char *key)
{
	struct buf name = BUF_INIT;
	size_t n = strlen(key);
	int found = 0;

	env_name(key, &name);
	buf_add(&name, "__", 2);
	for (char **e = environ; e && *e && !found; e++)
		found = strncmp(*e, name.p, name.len) == 0;
	buf_free(&name);
	for (size_t i = 0; c && i < c->n && !found; i++)
		found = strncmp(c->v[i].key, key, n) == 0 &&
		    c->v[i].key[n] == '.';
	return found;
}

const char *
config_origin(const struct config *c, const char *key)
{
	struct buf name = BUF_INIT;
	const struct centry *e;
	int in_env;

	env_name(key, &name);
	in_env = getenv(name.p) != NULL;
	buf_free(&name);
	if (in_env)
		return "the environment";
	e = find(c, key);
	return e ? e->origin : NULL;
}
