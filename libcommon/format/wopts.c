/*
 * wopts: stage-write's option values (wopts.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cliopt.h"
#include "format.h"
#include "log.h"
#include "wopts.h"

#define LOOKAHEAD_ROWS 10000
#define LOOKAHEAD_BYTES (16u << 20)

char *
wopts_name(const char *opt, const char *s, enum ident_kind k)
{
	struct buf b = BUF_INIT;
	const char *why;

	if ((why = ident_unnamed(s, strlen(s))))
		die(EXIT_USAGE, "%s: '%s' %s", opt, s, why);
	if (k == IDENT_DATASET)
		ident_normalize_dataset(&b, s, strlen(s));
	else
		ident_normalize(&b, s, strlen(s));
	if ((why = ident_reserved(k, b.p)))
		die(EXIT_USAGE, "%s: '%s' (normalized: %s) %s", opt, s, b.p, why);
	return b.p;
}

char *
wopts_load_id_new(void)
{
	struct timespec ts;
	char id[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(id, sizeof id, "%lld.%06ld", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000);
	return xstrdup(id);
}

void
wopts_load_id_check(const char *id)
{
	if (!*id || *id == '.')
		die(EXIT_USAGE, "--load-id: must not be empty or start with '.'");
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-'))
			die(EXIT_USAGE, "--load-id: '%s': only letters, digits, "
			    "'.', '_' and '-' are allowed", id);
}

/* mkdir -p */
static void
make_dirs(char *p)
{
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0777) < 0 && errno != EEXIST)
				die_errno(EXIT_FAIL, "%s", p);
			*s = '/';
		}
	if (mkdir(p, 0777) < 0 && errno != EEXIST)
		die_errno(EXIT_FAIL, "%s", p);
}

char *
wopts_dir(const char *dir)
{
	char *p = xstrdup(dir), *cwd;
	struct buf abs = BUF_INIT;

	make_dirs(p);
	if (*p != '/') {
		if (!(cwd = getcwd(NULL, 0)))
			die_errno(EXIT_FAIL, "getcwd");
		buf_adds(&abs, cwd);
		free(cwd);
		if (!(p[0] == '.' && p[1] == '\0'))
			buf_printf(&abs, "/%s", p[0] == '.' && p[1] == '/' ?
			    p + 2 : p);
	} else {
		buf_adds(&abs, p);
	}
	while (abs.len > 1 && abs.p[abs.len - 1] == '/')
		abs.p[--abs.len] = '\0';
	free(p);
	return abs.p;
}

/* Not "stage": its SQLite file would be the default catalog stage.db;
 * after dlt's <pipeline>_dataset.  STAGE_* variables fill in where the
 * configuration says nothing. */
const char *
wopts_default_dataset(const struct config *cfg)
{
	const char *v = config_get(cfg, "dataset_name");

	if (!v || !*v)
		v = getenv("STAGE_DATASET");
	return v && *v ? v : "stage_dataset";
}

void
wopts_check_hints(const struct schema_hints *h)
{
	const char *why;

	for (size_t i = 0; i < h->npk; i++)
		if ((why = ident_reserved(IDENT_COLUMN, h->pk[i])))
			die(EXIT_USAGE, "--primary-key: %s %s", h->pk[i], why);
	for (size_t i = 0; i < h->nmk; i++)
		if ((why = ident_reserved(IDENT_COLUMN, h->mk[i])))
			die(EXIT_USAGE, "--merge-key: %s %s", h->mk[i], why);
	for (size_t i = 0; i < h->npins; i++)
		if ((why = ident_reserved(IDENT_COLUMN, h->pin_names[i])))
			die(EXIT_USAGE, "--column/--schema: %s %s",
			    h->pin_names[i], why);
}

void
wopts_lookahead(struct writer_opts *w)
{
	const char *env;

	w->lookahead_rows = LOOKAHEAD_ROWS;
	if ((env = getenv("STAGE_WRITE_LOOKAHEAD")) && atoi(env) > 0)
		w->lookahead_rows = (size_t)atoi(env);
	if (w->max_rows && w->max_rows < w->lookahead_rows)
		w->lookahead_rows = (size_t)w->max_rows;
	w->lookahead_bytes = LOOKAHEAD_BYTES;
	if (w->max_bytes && w->max_bytes < w->lookahead_bytes)
		w->lookahead_bytes = (size_t)w->max_bytes;
}

void
wopts_row_group_size(struct writer_opts *w, const char *arg)
{
	size_t n = strlen(arg);
	uint64_t v = cliopt_size("--row-group-size", arg);

	if (n && arg[n - 1] >= '0' && arg[n - 1] <= '9') {
		if (v == 0)
			die(EXIT_USAGE, "--row-group-size: 0 rows");
		w->group_rows = v;
	} else {
		if (v < 1024)
			die(EXIT_USAGE, "--row-group-size: '%s': at least 1k "
			    "bytes, or a count of rows", arg);
		w->group_bytes = v;
	}
}

void
wopts_codec(struct writer_opts *w, int zset)
{
	if (w->format == FMT_PARQUET && !zset)
		w->comp = COMP_SNAPPY;
	if (w->format != FMT_PARQUET && w->comp == COMP_SNAPPY)
		die(EXIT_USAGE, "-z snappy: only with -f parquet (its pages "
		    "are compressed inside the file)");
	if (w->format != FMT_PARQUET && (w->group_rows || w->group_bytes))
		die(EXIT_USAGE, "--row-group-size: only with -f parquet");
}
