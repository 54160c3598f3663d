/*
 * mergein: stage-merge's input, read whole and checked (mergein.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "log.h"
#include "mergein.h"
#include "source.h"

static struct mergein_load *
load_of(struct mergein *in, const char *id)
{
	for (size_t i = 0; i < in->n; i++)
		if (strcmp(in->v[i].l.load_id, id) == 0)
			return &in->v[i];
	in->v = xrealloc(in->v, (in->n + 1) * sizeof *in->v);
	memset(&in->v[in->n], 0, sizeof in->v[in->n]);
	in->v[in->n].l.load_id = xstrdup(id);
	in->v[in->n].m.id = in->v[in->n].l.load_id;
	return &in->v[in->n++];
}

static int
end_line(struct mergein *in, const struct mline *m)
{
	struct buf id = BUF_INIT;
	struct mergein_load *ld;

	mline_str(m, mf_name[MF_LOAD_ID], &id);
	ld = load_of(in, id.p ? id.p : "");
	buf_free(&id);
	return mload_end(&ld->m, m) ? EXIT_INCOMPLETE : 0;
}

static void
note_dedup(const struct merge_opts *o, const struct dtable *t,
    const struct mline *m)
{
	if (o && o->dedup_sort && t->disp == DISP_MERGE && t->npk &&
	    dtable_col(t, o->dedup_sort) < 0)
		log_verbose("%s:%zu: %s has no column %s: deduplicated in "
		    "input order", m->src, m->lineno, t->name, o->dedup_sort);
}

/* Where stage-copy loaded the line's file (copied.destination): with no
 * -D, stage-merge goes there, so that "stage-copy -D pg | stage-merge"
 * merges where it copied.  Lines that disagree need a -D. */
static int
copied_dest(struct mergein *in, const struct mline *m, const struct dfile *f)
{
	if (!f->copied_to)
		return 0;
	if (!in->copied_to) {
		in->copied_to = xstrdup(f->copied_to);
		return 0;
	}
	if (strcmp(in->copied_to, f->copied_to) != 0) {
		log_err("%s:%zu: copied to %s, earlier lines to %s: give -D",
		    m->src, m->lineno, f->copied_to, in->copied_to);
		return -1;
	}
	return 0;
}

/* 0 if f's table has the disposition it had in the load's earlier
 * files, else -1 after saying so. */
static int
same_disposition(const struct dload *l, const struct dfile *f,
    const struct mline *m)
{
	for (size_t i = 0; i < l->nt; i++)
		if (strcmp(l->t[i].name, f->t.name) == 0 &&
		    l->t[i].disp != f->t.disp) {
			log_err("%s:%zu: %s: disposition %s, earlier files "
			    "of this load said %s", m->src, m->lineno,
			    f->t.name, disposition_name(f->t.disp),
			    disposition_name(l->t[i].disp));
			return -1;
		}
	return 0;
}

/* The checks of a parsed file line against its load: 0 or the exit
 * status, after reporting. */
static int
file_fits(struct mergein *in, struct mergein_load *ld, struct dfile *f,
    const struct mline *m)
{
	int64_t pos;

	if ((pos = mload_file(&ld->m, m, f->rows)) < 0)
		return EXIT_INCOMPLETE;
	if (f->seq < 0)
		f->seq = pos;
	if (ld->l.dataset && strcmp(ld->l.dataset, f->t.dataset) != 0) {
		log_err("%s:%zu: load %s spans datasets %s and %s: one "
		    "dataset per load", m->src, m->lineno, f->load_id,
		    ld->l.dataset, f->t.dataset);
		return EXIT_INCOMPLETE;
	}
	if (copied_dest(in, m, f) < 0)
		return EXIT_USAGE;
	note_dedup(in->mo, &f->t, m);
	dload_add(&ld->l, f);
	return same_disposition(&ld->l, f, m) < 0 ? EXIT_USAGE : 0;
}

static int
file_line(struct mergein *in, const struct mline *m)
{
	struct mergein_load *ld;
	struct mergein_line *ln;
	struct dfile f;
	int r = dfile_parse(m, &f);

	if (r < 0) {
		dfile_free(&f);
		return r == -2 ? EXIT_USAGE : EXIT_INCOMPLETE;
	}
	ld = load_of(in, f.load_id);
	if ((r = file_fits(in, ld, &f, m)) != 0) {
		dfile_free(&f);
		return r;
	}
	ld->lines = xrealloc(ld->lines, (ld->nlines + 1) * sizeof *ld->lines);
	ln = &ld->lines[ld->nlines++];
	ln->text = xstrndup(m->text, m->len);
	ln->len = m->len;
	ln->f = f;
	return 0;
}

static int
on_line(void *arg, const struct mline *m)
{
	return m->end ? end_line(arg, m) : file_line(arg, m);
}

int
mergein_read(struct mergein *in, int nfiles, char **files)
{
	int status = manifest_each(nfiles, files, on_line, in);

	if (status)
		return status;
	if (in->n == 0) {
		log_err("no manifest lines in the input: nothing merged");
		return EXIT_INCOMPLETE;
	}
	for (size_t i = 0; i < in->n; i++)
		if (!in->v[i].m.ended) {
			log_err("load %s has no end line: the manifest is "
			    "incomplete, nothing merged", in->v[i].l.load_id);
			return EXIT_INCOMPLETE;
		}
	return 0;
}

/* The columns of the input's merge tables (NULL-terminated, pointing
 * into in), or NULL with *has set when one of them is col; *merges: a
 * merge table was seen. */
static const char **
merge_columns(const struct mergein *in, const char *col, int *has,
    int *merges, size_t *n)
{
	const char **names = NULL;

	*has = *merges = 0;
	*n = 0;
	for (size_t i = 0; i < in->n; i++)
		for (size_t k = 0; k < in->v[i].l.nt; k++) {
			const struct dtable *t = &in->v[i].l.t[k];
			if (t->disp != DISP_MERGE)
				continue;
			*merges = 1;
			if (dtable_col(t, col) >= 0) {
				free(names);
				*has = 1;
				return NULL;
			}
			names = xrealloc(names, (*n + t->ncols + 1) *
			    sizeof *names);
			for (size_t c = 0; c < t->ncols; c++)
				names[(*n)++] = t->cols[c].name;
		}
	if (names)
		names[*n] = NULL;
	return names;
}

int
mergein_check_col(const struct mergein *in, const char *opt, const char *col)
{
	const char **names;
	const char *near;
	struct buf all = BUF_INIT;
	size_t n;
	int has, merges;

	if (!col)
		return 0;
	names = merge_columns(in, col, &has, &merges, &n);
	if (has)
		return 0;
	if (!merges) {
		log_warn("%s %s: no table of the input merges: nothing to do "
		    "with it", opt, col);
		return 0;
	}
	if ((near = cliopt_nearest(col, names))) {
		log_err("%s %s: no merge table of the input has that column "
		    "(did you mean %s?)", opt, col, near);
		free(names);
		return -1;
	}
	for (size_t i = 0; i < n && i < 16; i++)
		buf_printf(&all, "%s%s", i ? ", " : "", names[i]);
	log_warn("%s %s: no merge table of the input has that column "
	    "(columns: %s%s): not used in this run", opt, col, all.p,
	    n > 16 ? ", ..." : "");
	buf_free(&all);
	free(names);
	return 0;
}

int
mergein_names_ok(const struct mergein *in, const struct dest_ops *ops)
{
	struct buf why = BUF_INIT;

	for (size_t i = 0; i < in->n; i++)
		for (size_t k = 0; k < in->v[i].l.nt; k++)
			if (dtable_check_names(&in->v[i].l.t[k], ops,
			    &why) < 0) {
				log_err("load %s: %s", in->v[i].l.load_id,
				    why.p);
				buf_free(&why);
				return -1;
			}
	return 0;
}

static int
by_load_id(const void *a, const void *b)
{
	return load_id_cmp(((const struct mergein_load *)a)->l.load_id,
	    ((const struct mergein_load *)b)->l.load_id);
}

void
mergein_sort(struct mergein *in)
{
	qsort(in->v, in->n, sizeof *in->v, by_load_id);
}

void
mergein_emit(const struct mergein_load *ld, const int64_t *merged,
    int already)
{
	for (size_t i = 0; i < ld->nlines; i++) {
		const struct mergein_line *ln = &ld->lines[i];
		struct buf q = BUF_INIT;
		size_t k;

		for (k = 0; k < ld->l.nt; k++)
			if (strcmp(ld->l.t[k].name, ln->f.t.name) == 0)
				break;
		buf_printf(&q, "%s.%s", ln->f.t.dataset, ln->f.t.name);
		mresult_emit(ln->text, ln->len, &(struct mresult){
			.key = MF_MERGED, .table = q.p, .rows = merged[k],
			.skipped = already });
		buf_free(&q);
	}
	manifest_emit(&ld->m.endline);
}

int
mergein_delete_staged(const struct mergein_load *ld)
{
	struct sources *src = NULL;
	int r = 0;

	for (size_t i = 0; i < ld->nlines; i++)
		if (source_delete(&src, &ld->lines[i].f) < 0)
			r = -1;
	sources_free(src);
	return r;
}

void
mergein_free(struct mergein *in)
{
	for (size_t i = 0; i < in->n; i++) {
		struct mergein_load *ld = &in->v[i];
		for (size_t k = 0; k < ld->nlines; k++) {
			free(ld->lines[k].text);
			dfile_free(&ld->lines[k].f);
		}
		free(ld->lines);
		buf_free(&ld->m.endline);
		dload_free(&ld->l);
	}
	free(in->v);
	free(in->copied_to);
	memset(in, 0, sizeof *in);
}
