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
#include "mergein.h"
#include "progress.h"
#include "version.h"

struct merger {
	struct mergein in;
	struct merge_opts mo;
	int delete_staged, drop_staging;
	int64_t prune_after;	/* housekeeping.h; -1: never */
	enum progress_mode pm;
	struct progress prog;
};

enum { O_STRATEGY = 256, O_DEDUP, O_HARD, O_DELSTAGED, O_DROP, O_ABANDONED,
    O_DISCARD, O_PRUNE, O_CHECK };

static const struct cliopt opts[] = {
	DEST_CLIOPT_DESTINATION,
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
	DEST_CLIOPT_DRY_RUN,
	CLIOPT_COMMON
};

static const struct cliprog prog = {
	"stage-merge",
	NULL,
	"Merge staged loads into their datasets, one transaction per load.",
	NULL, "manifest", 25, opts
};

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
summary(const struct mergein_load *ld, const int64_t *merged, double secs)
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
copied_of(const struct mergein_load *ld)
{
	for (size_t i = 0; i < ld->nlines; i++)
		if (ld->lines[i].f.copied_to)
			return ld->lines[i].f.copied_to;
	return NULL;
}

static int
merge_one(struct merger *mg, struct dest *d, struct mergein_load *ld, int dry)
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
			mergein_emit(ld, merged, already);
		for (size_t i = 0; i < ld->l.nt; i++)
			progress_add(&mg->prog, 0, (uint64_t)merged[i], 0);
		progress_add(&mg->prog, ld->nlines, 0, 0);
		if (mg->delete_staged && !dry && mergein_delete_staged(ld) < 0)
			r = -1;
	} else {
		log_err("load %s: not merged (rolled back)", ld->l.load_id);
	}
	free(merged);
	free(ld->l.done);
	ld->l.done = NULL;
	return r;
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
	for (size_t i = 0; i < mg->in.n; i++)
		progress_expect(&mg->prog, mg->in.v[i].nlines, 0);
	/* in load_id order (a table refuses a load older than one it has
	 * merged); a failed load stops the rest, so that loads of one
	 * dataset never commit out of order */
	mergein_sort(&mg->in);
	for (size_t i = 0; i < mg->in.n && status == 0; i++)
		if (merge_one(mg, d, &mg->in.v[i], conf->dry_run) < 0)
			status = EXIT_FAIL;
	if (status == 0 && mg->drop_staging) {
		for (size_t i = 0; i < mg->in.n; i++) {
			size_t k;
			for (k = 0; k < i; k++)
				if (strcmp(mg->in.v[k].l.dataset,
				    mg->in.v[i].l.dataset) == 0)
					break;
			if (k == i && d->ops->drop_staging(d,
			    mg->in.v[i].l.dataset) < 0)
				status = EXIT_FAIL;
		}
	}
	for (size_t i = 0; status == 0 && i < mg->in.n; i++)
		if ((i == 0 || strcmp(mg->in.v[i - 1].l.dataset,
		    mg->in.v[i].l.dataset) != 0) && mg->in.v[i].l.dataset &&
		    house_prune(d, mg->in.v[i].l.dataset, mg->prune_after) < 0)
			status = EXIT_FAIL;
	d->ops->close(d);
	return status;
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
	mg.in.mo = &mg.mo;
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
	status = mergein_read(&mg.in, argc - optind, argv + optind);
	if (status == 0 && (mergein_check_col(&mg.in, "--dedup-sort",
	    mg.mo.dedup_sort) || mergein_check_col(&mg.in, "--hard-delete",
	    mg.mo.hard_delete)))
		status = EXIT_USAGE;
	if (status == 0 && !dest && !(getenv("STAGE_DESTINATION") &&
	    *getenv("STAGE_DESTINATION")) && mg.in.copied_to) {
		dest_conf_free(&conf);
		if (strstr(mg.in.copied_to, "***")) {
			log_err("%s: the manifest does not keep the password: "
			    "give -D, or name the destination in "
			    ".dlt/secrets.toml", mg.in.copied_to);
			status = EXIT_USAGE;
		} else if (dest_resolve(mg.in.copied_to, dry, &conf) < 0)
			status = EXIT_USAGE;
	}
	if (status == 0 && mergein_names_ok(&mg.in, conf.ops) < 0)
		status = EXIT_USAGE;
	/* Ctrl-C cancels what the server is doing too */
	interrupt_catch();
	if (status == 0)
		status = run(&mg, &conf);
	progress_done(&mg.prog);
	dest_conf_free(&conf);
	mergein_free(&mg.in);
	return status;
}
