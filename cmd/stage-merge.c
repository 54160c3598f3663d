/*
 * stage-merge: merges each complete load of a manifest from the staging
 * dataset into the final dataset, one transaction per load (doc/DESIGN.md),
 * and writes the lines through with "merged" added.  The whole input is
 * read and checked before anything is touched: an incomplete manifest
 * changes nothing (exit 3), an unknown disposition or a merge table
 * without a key neither (exit 2).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliopt.h"
#include "dest.h"
#include "housekeeping.h"
#include "interrupt.h"
#include "log.h"
#include "manifest.h"
#include "progress.h"
#include "source.h"
#include "version.h"

struct lline {
	char *text;
	size_t len;
	struct dfile f;
};

struct load {
	struct dload l;
	struct mload m;		/* m.id is l.load_id */
	struct lline *lines;
	size_t nlines;
};

struct merger {
	struct load *v;
	size_t n;
	struct merge_opts mo;
	int delete_staged, drop_staging;
	int64_t prune_after;	/* housekeeping.h; -1: never */
	char *copied_to;	/* the lines' copied.destination, if any */
	enum progress_mode pm;
	struct progress prog;
};

enum { O_STRATEGY = 256, O_DEDUP, O_HARD, O_DELSTAGED, O_DROP, O_ABANDONED,
    O_DISCARD, O_PRUNE, O_CHECK };

static const struct cliopt opts[] = {
	{ "destination", 'D', "D", "postgresql://… or sqlite://… URL, or a "
	    "name\n(default: sqlite, ./stage.db)",
	    "postgres postgresql:// sqlite sqlite://" },
	{ "strategy", O_STRATEGY, "S", "merge tables: delete-insert (default) "
	    "or upsert", "delete-insert upsert" },
	{ "dedup-sort", O_DEDUP, "C[:d]", "keep the row with the lowest (asc) "
	    "or highest\n(desc) C per primary key", NULL },
	{ "hard-delete", O_HARD, "C", "rows with C true (or non-null) delete "
	    "their key", NULL },
	{ "delete-staged", O_DELSTAGED, NULL, "remove the load's staged files "
	    "after commit", NULL },
	{ "drop-staging", O_DROP, NULL, "drop staging tables no load's rows "
	    "remain in", NULL },
	{ "prune-after", O_PRUNE, "AGE", "forget file records of loads merged "
	    "AGE ago\n(30d, 12h, never; default 30d)", "30d 7d never" },
	{ "abandoned", O_ABANDONED, NULL, "list loads copied but never merged, "
	    "and stop", NULL },
	{ "discard", O_DISCARD, "LOAD_ID", "remove an abandoned load's staging "
	    "rows, and stop", NULL },
	{ "check", O_CHECK, NULL, "say whether the destination is reached, "
	    "as whom", NULL },
	{ "dry-run", 'n', NULL, "print the SQL instead of running it", NULL },
	CLIOPT_COMMON
};

static const struct cliprog prog = {
	"stage-merge",
	"usage: stage-merge [-nqv] [--progress] [-D destination]\n"
	"                   [--strategy delete-insert|upsert]\n"
	"                   [--dedup-sort col[:asc|desc]] [--hard-delete col]\n"
	"                   [--delete-staged] [--drop-staging]\n"
	"                   [--prune-after age] [manifest ...]\n"
	"       stage-merge [-D destination] --abandoned | --discard load_id |\n"
	"                   --check\n",
	"Merge staged loads into their datasets, one transaction per load.",
	NULL, "manifest", 25, opts
};

static struct load *
load_of(struct merger *mg, const char *id)
{
	for (size_t i = 0; i < mg->n; i++)
		if (strcmp(mg->v[i].l.load_id, id) == 0)
			return &mg->v[i];
	mg->v = xrealloc(mg->v, (mg->n + 1) * sizeof *mg->v);
	memset(&mg->v[mg->n], 0, sizeof mg->v[mg->n]);
	mg->v[mg->n].l.load_id = xstrdup(id);
	mg->v[mg->n].m.id = mg->v[mg->n].l.load_id;
	return &mg->v[mg->n++];
}

static int
end_line(struct merger *mg, const struct mline *m)
{
	struct buf id = BUF_INIT;
	struct load *ld;

	mline_str(m, mf_name[MF_LOAD_ID], &id);
	ld = load_of(mg, id.p ? id.p : "");
	buf_free(&id);
	return mload_end(&ld->m, m) ? EXIT_INCOMPLETE : 0;
}

static int
check_opts(const struct merge_opts *o, const struct dtable *t,
    const struct mline *m)
{
	if (o->dedup_sort && t->disp == DISP_MERGE && t->npk &&
	    dtable_col(t, o->dedup_sort) < 0)
		log_verbose("%s:%zu: %s has no column %s: deduplicated in "
		    "input order", m->src, m->lineno, t->name, o->dedup_sort);
	return 0;
}

/* Where stage-copy loaded the line's file (copied.destination): with no
 * -D, stage-merge goes there, so that "stage-copy -D pg | stage-merge"
 * merges where it copied.  Lines that disagree need a -D. */
static int
copied_dest(struct merger *mg, const struct mline *m, const struct dfile *f)
{
	if (!f->copied_to)
		return 0;
	if (!mg->copied_to) {
		mg->copied_to = xstrdup(f->copied_to);
		return 0;
	}
	if (strcmp(mg->copied_to, f->copied_to) != 0) {
		log_err("%s:%zu: copied to %s, earlier lines to %s: give -D",
		    m->src, m->lineno, f->copied_to, mg->copied_to);
		return -1;
	}
	return 0;
}

static int
file_line(struct merger *mg, const struct mline *m)
{
	struct dfile f;
	struct load *ld;
	int64_t pos;
	int r = dfile_parse(m, &f);

	if (r < 0) {
		dfile_free(&f);
		return r == -2 ? EXIT_USAGE : EXIT_INCOMPLETE;
	}
	ld = load_of(mg, f.load_id);
	if ((pos = mload_file(&ld->m, m, f.rows)) < 0) {
		dfile_free(&f);
		return EXIT_INCOMPLETE;
	}
	if (f.seq < 0)
		f.seq = pos;
	if (ld->l.dataset && strcmp(ld->l.dataset, f.t.dataset) != 0) {
		log_err("%s:%zu: load %s spans datasets %s and %s: one "
		    "dataset per load", m->src, m->lineno, f.load_id,
		    ld->l.dataset, f.t.dataset);
		dfile_free(&f);
		return EXIT_INCOMPLETE;
	}
	if (copied_dest(mg, m, &f) < 0) {
		dfile_free(&f);
		return EXIT_USAGE;
	}
	check_opts(&mg->mo, &f.t, m);
	dload_add(&ld->l, &f);
	for (size_t i = 0; i < ld->l.nt; i++)
		if (strcmp(ld->l.t[i].name, f.t.name) == 0 &&
		    ld->l.t[i].disp != f.t.disp) {
			log_err("%s:%zu: %s: disposition %s, earlier files "
			    "of this load said %s", m->src, m->lineno,
			    f.t.name, disposition_name(f.t.disp),
			    disposition_name(ld->l.t[i].disp));
			dfile_free(&f);
			return EXIT_USAGE;
		}
	ld->lines = xrealloc(ld->lines, (ld->nlines + 1) * sizeof *ld->lines);
	ld->lines[ld->nlines].text = xstrndup(m->text, m->len);
	ld->lines[ld->nlines].len = m->len;
	ld->lines[ld->nlines].f = f;
	ld->nlines++;
	return 0;
}

static int
on_line(void *arg, const struct mline *m)
{
	struct merger *mg = arg;

	return m->end ? end_line(mg, m) : file_line(mg, m);
}

static int
read_all(struct merger *mg, int argc, char **argv)
{
	int status = manifest_each(argc, argv, on_line, mg);

	if (status)
		return status;
	if (mg->n == 0) {
		log_err("no manifest lines in the input: nothing merged");
		return EXIT_INCOMPLETE;
	}
	for (size_t i = 0; i < mg->n; i++)
		if (!mg->v[i].m.ended) {
			log_err("load %s has no end line: the manifest is "
			    "incomplete, nothing merged", mg->v[i].l.load_id);
			return EXIT_INCOMPLETE;
		}
	return 0;
}

/* A --dedup-sort or --hard-delete column that no merge table of the
 * input has: a near miss of one of their columns is a typo (exit 2,
 * naming it); any other is said (a standing --hard-delete deleted may
 * meet a load whose records carry no such field) and left unused. */
static int
check_col_opt(const struct merger *mg, const char *opt, const char *col)
{
	const char **names = NULL;
	const char *near;
	size_t n = 0;
	int merges = 0;

	if (!col)
		return 0;
	for (size_t i = 0; i < mg->n; i++)
		for (size_t k = 0; k < mg->v[i].l.nt; k++) {
			const struct dtable *t = &mg->v[i].l.t[k];
			if (t->disp != DISP_MERGE)
				continue;
			merges = 1;
			if (dtable_col(t, col) >= 0) {
				free(names);
				return 0;
			}
			names = xrealloc(names, (n + t->ncols + 1) *
			    sizeof *names);
			for (size_t c = 0; c < t->ncols; c++)
				names[n++] = t->cols[c].name;
		}
	if (!merges) {
		log_warn("%s %s: no table of the input merges: nothing to do "
		    "with it", opt, col);
		return 0;
	}
	names[n] = NULL;
	if ((near = cliopt_nearest(col, names))) {
		log_err("%s %s: no merge table of the input has that column "
		    "(did you mean %s?)", opt, col, near);
		free(names);
		return -1;
	}
	struct buf all = BUF_INIT;
	for (size_t i = 0; i < n && i < 16; i++)
		buf_printf(&all, "%s%s", i ? ", " : "", names[i]);
	log_warn("%s %s: no merge table of the input has that column "
	    "(columns: %s%s): not used in this run", opt, col, all.p,
	    n > 16 ? ", ..." : "");
	buf_free(&all);
	free(names);
	return 0;
}

static void
emit_load(const struct load *ld, const int64_t *merged, int already)
{
	for (size_t i = 0; i < ld->nlines; i++) {
		const struct lline *ln = &ld->lines[i];
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

static int
delete_staged(const struct load *ld)
{
	struct sources *src = NULL;
	int r = 0;

	for (size_t i = 0; i < ld->nlines; i++)
		if (source_delete(&src, &ld->lines[i].f) < 0)
			r = -1;
	sources_free(src);
	return r;
}

/* " (2 new, 1 updated, 1 deleted)" when some rows were not new. */
static void
dmerged_words(struct buf *b, const struct dmerged *m)
{
	if (!m || m->added < 0 || (m->updated == 0 && m->deleted == 0))
		return;
	buf_printf(b, " (%lld new, %lld updated, %lld deleted)",
	    (long long)m->added, (long long)m->updated,
	    (long long)m->deleted);
}

/* On a terminal, what a merged load did, in a sentence:
 * "load L: merged 4 rows into shop.users, 2 into shop.orders in 0.4 s". */
static void
summary(const struct load *ld, const int64_t *merged, double secs)
{
	struct buf b = BUF_INIT;

	if (!isatty(2))
		return;
	for (size_t i = 0; i < ld->l.nt; i++) {
		buf_printf(&b, "%s%lld%s into %s.%s", i ? ", " : "",
		    (long long)merged[i], i ? "" : " rows", ld->l.dataset,
		    ld->l.t[i].name);
		dmerged_words(&b, ld->l.done ? &ld->l.done[i] : NULL);
	}
	log_warn("load %s: merged %s in %.1f s", ld->l.load_id, b.p, secs);
	buf_free(&b);
}

/* Where the load's lines say stage-copy copied them, or NULL. */
static const char *
copied_of(const struct load *ld)
{
	for (size_t i = 0; i < ld->nlines; i++)
		if (ld->lines[i].f.copied_to)
			return ld->lines[i].f.copied_to;
	return NULL;
}

static int
merge_one(struct merger *mg, struct dest *d, struct load *ld, int dry)
{
	int64_t *merged;
	int already = 0, r;
	char phase[96];
	double t0;

	if (ld->nlines == 0) {		/* a load without files */
		if (!dry)
			manifest_emit(&ld->m.endline);
		return 0;
	}
	merged = xcalloc(ld->l.nt + 1, sizeof *merged);
	ld->l.done = xcalloc(ld->l.nt + 1, sizeof *ld->l.done);
	for (size_t i = 0; i < ld->l.nt; i++)	/* not counted (yet) */
		ld->l.done[i] = (struct dmerged){ -1, -1, -1 };

	snprintf(phase, sizeof phase, "merging load %s (%zu table%s)",
	    ld->l.load_id, ld->l.nt, ld->l.nt == 1 ? "" : "s");
	progress_phase(&mg->prog, phase);
	t0 = progress_clock();
	r = dry ? 0 : house_merge_ready(d, &ld->l, copied_of(ld),
	    d->conf->label);
	if (r == 0)
		r = d->ops->merge_prepare(d, &ld->l, &mg->mo);
	if (r == 0)
		r = d->ops->merge_load(d, &ld->l, &mg->mo, merged, &already);
	progress_phase(&mg->prog, NULL);
	if (r == 0) {
		if (already)
			log_warn("load %s: already merged (by an earlier run): "
			    "nothing to do", ld->l.load_id);
		else if (!dry)
			summary(ld, merged, progress_clock() - t0);
		if (!dry)
			emit_load(ld, merged, already);
		for (size_t i = 0; i < ld->l.nt; i++)
			progress_add(&mg->prog, 0, (uint64_t)merged[i], 0);
		progress_add(&mg->prog, ld->nlines, 0, 0);
		if (mg->delete_staged && !dry && delete_staged(ld) < 0)
			r = -1;
	} else {
		log_err("load %s: not merged (rolled back)", ld->l.load_id);
	}
	free(merged);
	free(ld->l.done);
	ld->l.done = NULL;
	return r;
}

/* -1 after reporting a name of a load that the destination cannot hold
 * as it is: checked before anything changes. */
static int
names_ok(const struct merger *mg, const struct dest_ops *ops)
{
	struct buf why = BUF_INIT;

	for (size_t i = 0; i < mg->n; i++)
		for (size_t k = 0; k < mg->v[i].l.nt; k++)
			if (dtable_check_names(&mg->v[i].l.t[k], ops,
			    &why) < 0) {
				log_err("load %s: %s", mg->v[i].l.load_id,
				    why.p);
				buf_free(&why);
				return -1;
			}
	return 0;
}

static int
by_load_id(const void *a, const void *b)
{
	return load_id_cmp(((const struct load *)a)->l.load_id,
	    ((const struct load *)b)->l.load_id);
}

static int
run(struct merger *mg, const struct dest_conf *conf)
{
	struct dest *d = conf->ops->open(conf);
	int status = 0;

	if (!d)
		return EXIT_FAIL;
	log_verbose("merging into %s (%s: %s)", conf->label, conf->ops->name,
	    conf->masked);
	for (size_t i = 0; i < mg->n; i++)
		progress_expect(&mg->prog, mg->v[i].nlines, 0);
	/* in load_id order (a table refuses a load older than one it has
	 * merged); a failed load stops the rest, so that loads of one
	 * dataset never commit out of order */
	qsort(mg->v, mg->n, sizeof *mg->v, by_load_id);
	for (size_t i = 0; i < mg->n && status == 0; i++)
		if (merge_one(mg, d, &mg->v[i], conf->dry_run) < 0)
			status = EXIT_FAIL;
	if (status == 0 && mg->drop_staging) {
		for (size_t i = 0; i < mg->n; i++) {
			size_t k;
			for (k = 0; k < i; k++)
				if (strcmp(mg->v[k].l.dataset,
				    mg->v[i].l.dataset) == 0)
					break;
			if (k == i && d->ops->drop_staging(d,
			    mg->v[i].l.dataset) < 0)
				status = EXIT_FAIL;
		}
	}
	for (size_t i = 0; status == 0 && i < mg->n; i++)
		if ((i == 0 || strcmp(mg->v[i - 1].l.dataset,
		    mg->v[i].l.dataset) != 0) && mg->v[i].l.dataset &&
		    house_prune(d, mg->v[i].l.dataset, mg->prune_after) < 0)
			status = EXIT_FAIL;
	d->ops->close(d);
	return status;
}

static void
merger_free(struct merger *mg)
{
	for (size_t i = 0; i < mg->n; i++) {
		struct load *ld = &mg->v[i];
		for (size_t k = 0; k < ld->nlines; k++) {
			free(ld->lines[k].text);
			dfile_free(&ld->lines[k].f);
		}
		free(ld->lines);
		buf_free(&ld->m.endline);
		dload_free(&ld->l);
	}
	free(mg->v);
}

static void
dedup_opt(struct merge_opts *o, char *arg)
{
	char *colon = strrchr(arg, ':');

	if (colon && (strcmp(colon, ":desc") == 0 ||
	    strcmp(colon, ":asc") == 0)) {
		o->dedup_desc = strcmp(colon, ":desc") == 0;
		*colon = '\0';
	}
	if (!*arg)
		die(EXIT_USAGE, "--dedup-sort: no column");
	o->dedup_sort = arg;
}

int
main(int argc, char **argv)
{
	struct merger mg;
	struct dest_conf conf;
	const char *dest = NULL, *discard = NULL, *prune = NULL;
	int c, dry = 0, status, house = 0;

	log_init(argv[0]);
	argv[0] = (char *)log_prog();	/* getopt says "prog: ..." */
	memset(&mg, 0, sizeof mg);
	while ((c = cliopt_next(&prog, argc, argv)) != -1) {
		switch (c) {
		case 'D':
			dest = optarg;
			break;
		case O_STRATEGY:
			if (strcmp(optarg, "upsert") == 0)
				mg.mo.strategy = MERGE_UPSERT;
			else if (strcmp(optarg, "delete-insert") == 0)
				mg.mo.strategy = MERGE_DELETE_INSERT;
			else
				die(EXIT_USAGE, "--strategy: delete-insert or "
				    "upsert, not %s", optarg);
			break;
		case O_DEDUP:
			dedup_opt(&mg.mo, optarg);
			break;
		case O_HARD:
			mg.mo.hard_delete = optarg;
			break;
		case O_DELSTAGED:
			mg.delete_staged = 1;
			break;
		case O_DROP:
			mg.drop_staging = 1;
			break;
		case O_PRUNE:
			prune = optarg;
			break;
		case O_ABANDONED:
		case O_CHECK:
		case O_DISCARD:
			if (house && house != c)
				die(EXIT_USAGE, "--abandoned, --discard and "
				    "--check go alone");
			house = c;
			discard = c == O_DISCARD ? optarg : discard;
			break;
		case 'n':
			dry = 1;
			break;
		case CLIOPT_PROGRESS:
			mg.pm = PROGRESS_ON;
			break;
		default:
			cliopt_usage(&prog);
		}
	}
	/* -D, else $STAGE_DESTINATION, else where stage-copy loaded the
	 * files (the manifest), else the default.  Resolved before reading
	 * all the same, so that a broken configuration is exit 2 first. */
	cliopt_inputs(argc - optind, argv + optind);
	if (dest_resolve(dest, dry, &conf) < 0)
		return EXIT_USAGE;
	if (house) {
		if (optind < argc)
			die(EXIT_USAGE, "--abandoned, --discard and --check "
			    "read no manifest");
		status = house == O_CHECK ? house_check(&conf) :
		    house == O_DISCARD ? house_discard(&conf, discard) :
		    house_abandoned(&conf, !isatty(1));
		dest_conf_free(&conf);
		return status;
	}
	if (house_prune_after(prune, &mg.prune_after) < 0) {
		dest_conf_free(&conf);
		return EXIT_USAGE;
	}
	progress_init(&mg.prog, dry ? PROGRESS_OFF : mg.pm);
	status = read_all(&mg, argc - optind, argv + optind);
	if (status == 0 && (check_col_opt(&mg, "--dedup-sort",
	    mg.mo.dedup_sort) || check_col_opt(&mg, "--hard-delete",
	    mg.mo.hard_delete)))
		status = EXIT_USAGE;
	if (status == 0 && !dest && !(getenv("STAGE_DESTINATION") &&
	    *getenv("STAGE_DESTINATION")) && mg.copied_to) {
		dest_conf_free(&conf);
		if (strstr(mg.copied_to, "***")) {
			log_err("%s: the manifest does not keep the password: "
			    "give -D, or name the destination in "
			    ".dlt/secrets.toml", mg.copied_to);
			status = EXIT_USAGE;
		} else if (dest_resolve(mg.copied_to, dry, &conf) < 0)
			status = EXIT_USAGE;
	}
	if (status == 0 && names_ok(&mg, conf.ops) < 0)
		status = EXIT_USAGE;
	/* Ctrl-C cancels what the server is doing too */
	interrupt_catch();
	if (status == 0)
		status = run(&mg, &conf);
	progress_done(&mg.prog);
	dest_conf_free(&conf);
	free(mg.copied_to);
	merger_free(&mg);
	return status;
}
