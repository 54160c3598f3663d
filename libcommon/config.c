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
