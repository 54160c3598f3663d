/*
 * stage-copy: loads each staged file of a manifest into the staging
 * dataset of the destination, one transaction per file (doc/DESIGN.md; a
 * back end with copy_batch gets each load's files at once: Snowflake's
 * one COPY per table), and
 * writes the lines through with "copied" added.  With -j N, N connections
 * load files side by side; lines come out as files commit, a load's end
 * line after all of its files.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "dest.h"
#include "housekeeping.h"
#include "interrupt.h"
#include "log.h"
#include "manifest.h"
#include "progress.h"
#include "version.h"

struct job {
	char *text;		/* the input line */
	size_t len;
	struct dfile f;
};

struct copier {
	const struct dest_conf *conf;
	struct dest *main;	/* DDL, and all the work when jobs == 1 */
	int jobs;
	struct mloads loads;
	struct dtable *prepared;	/* staging shapes already ensured */
	size_t nprepared;
	int failed;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job **q;		/* ring of pending jobs */
	size_t qcap, qhead, qlen;
	int closing;
	struct progress prog;	/* under mu */
	struct job **pend;	/* files waiting for the back end's
				 * copy_batch (one load's, in order) */
	size_t npend;
};

/* Files a batch holds at most before it is sent (the back end splits
 * it further, e.g. at Snowflake's 1,000 names per COPY). */
#define BATCH_MAX 10000

enum { O_CHECK = 256 };

static const struct cliopt opts[] = {
	DEST_CLIOPT_DESTINATION,
	{ "jobs", 'j', "N", "load N files at once (default 1)", "1 2 4 8" },
	{ "check", O_CHECK, NULL, "say whether the destination is reached, "
	    "as whom", NULL },
	DEST_CLIOPT_DRY_RUN,
	CLIOPT_COMMON
};

static const struct cliprog prog = {
	"stage-copy",
	NULL,
	"Load staged files into <dataset>_staging tables.",
	NULL, "manifest", 23, opts
};

/* Emits ld's end line once all its files are in; caller holds mu. */
static void
maybe_end(struct mload *ld, int dry)
{
	if (ld->ended && !ld->emitted && ld->done == ld->files &&
	    ld->failed == 0) {
		if (!dry)
			manifest_emit(&ld->endline);
		ld->emitted = 1;
	}
}

static void
finish_job(struct copier *cp, struct job *j, int r, const struct dcopied *res)
{
	struct buf val = BUF_INIT;
	struct mload *ld;

	pthread_mutex_lock(&cp->mu);
	ld = mloads_get(&cp->loads, j->f.load_id);
	if (r == 0) {
		buf_printf(&val, "%s_staging.%s", j->f.t.dataset, j->f.t.name);
		if (!cp->conf->dry_run)
			mresult_emit(j->text, j->len, &(struct mresult){
				.key = MF_COPIED, .table = val.p,
				.rows = res->rows, .skipped = res->skipped,
				.destination = cp->conf->label });
		ld->done++;
		progress_add(&cp->prog, 1, (uint64_t)res->rows,
		    (uint64_t)j->f.bytes);
	} else {
		ld->done++;
		ld->failed++;
		cp->failed = 1;
	}
	maybe_end(ld, cp->conf->dry_run);
	pthread_mutex_unlock(&cp->mu);
	buf_free(&val);
}

static void
job_free(struct job *j)
{
	dfile_free(&j->f);
	free(j->text);
	free(j);
}

static void
job_done(struct copier *cp, struct job *j, int r, const struct dcopied *res)
{
	if (r == 0)
		log_verbose("%s: %s %lld rows", j->f.object,
		    res->skipped ? "already copied," : "copied",
		    (long long)res->rows);
	finish_job(cp, j, r, res);
	job_free(j);
}

static void
run_job(struct copier *cp, struct dest *d, struct job *j)
{
	struct dcopied res = { 0, 0 };
	int r = d ? d->ops->copy_file(d, &j->f, &res) : -1;

	job_done(cp, j, r, &res);
}

/* Sends the pending files to the back end's copy_batch. */
static void
flush_batch(struct copier *cp)
{
	size_t n = cp->npend;
	const struct dfile **fv;
	struct dcopied *res;
	int *rc, r;

	if (!n)
		return;
	fv = xcalloc(n, sizeof *fv);
	res = xcalloc(n, sizeof *res);
	rc = xcalloc(n, sizeof *rc);
	for (size_t i = 0; i < n; i++)
		fv[i] = &cp->pend[i]->f;
	r = cp->main->ops->copy_batch(cp->main, fv, n, res, rc);
	cp->npend = 0;
	for (size_t i = 0; i < n; i++)
		job_done(cp, cp->pend[i], r == 0 ? rc[i] : -1, &res[i]);
	free(fv);
	free(res);
	free(rc);
}

/* Holds j for the next batch; a batch is one load's files. */
static void
batch_job(struct copier *cp, struct job *j)
{
	if (cp->npend && (strcmp(cp->pend[0]->f.load_id, j->f.load_id) ||
	    cp->npend == BATCH_MAX))
		flush_batch(cp);
	cp->pend = xrealloc(cp->pend, (cp->npend + 1) * sizeof *cp->pend);
	cp->pend[cp->npend++] = j;
}

static void *
worker(void *arg)
{
	struct copier *cp = arg;
	struct dest *d = cp->conf->ops->open(cp->conf);

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&cp->mu);
		while (cp->qlen == 0 && !cp->closing)
			pthread_cond_wait(&cp->cv, &cp->mu);
		if (cp->qlen == 0) {
			pthread_mutex_unlock(&cp->mu);
			break;
		}
		j = cp->q[cp->qhead];
		cp->qhead = (cp->qhead + 1) % cp->qcap;
		cp->qlen--;
		pthread_cond_broadcast(&cp->cv);
		pthread_mutex_unlock(&cp->mu);
		run_job(cp, d, j);
	}
	if (d)
		d->ops->close(d);
	return NULL;
}

static void
enqueue(struct copier *cp, struct job *j)
{
	pthread_mutex_lock(&cp->mu);
	while (cp->qlen == cp->qcap)
		pthread_cond_wait(&cp->cv, &cp->mu);
	cp->q[(cp->qhead + cp->qlen) % cp->qcap] = j;
	cp->qlen++;
	pthread_cond_broadcast(&cp->cv);
	pthread_mutex_unlock(&cp->mu);
}

/* Makes sure the staging table can take f: DDL only when f brings a
 * table, a column or a wider type not ensured before in this run. */
static int
prepare(struct copier *cp, const struct dfile *f)
{
	struct dtable *t = NULL;

	for (size_t i = 0; i < cp->nprepared; i++)
		if (strcmp(cp->prepared[i].name, f->t.name) == 0 &&
		    strcmp(cp->prepared[i].dataset, f->t.dataset) == 0)
			t = &cp->prepared[i];
	if (t && !dtable_merge_cols(t, &f->t))
		return 0;
	if (!t) {
		cp->prepared = xrealloc(cp->prepared,
		    (cp->nprepared + 1) * sizeof *cp->prepared);
		t = &cp->prepared[cp->nprepared++];
		dtable_copy(t, &f->t);
	}
	return cp->main->ops->stage_prepare(cp->main, t);
}

/* Reads an end line into its load; -1 if it contradicts the files seen. */
static int
end_line(struct copier *cp, const struct mline *m)
{
	struct mload *ld;
	int r;

	pthread_mutex_lock(&cp->mu);
	ld = mloads_of(&cp->loads, m);
	if ((r = mload_end(ld, m)) == 0)
		maybe_end(ld, cp->conf->dry_run);
	pthread_mutex_unlock(&cp->mu);
	return r;
}

/* -1 after reporting a name the destination cannot hold as it is. */
static int
names_ok(const struct dest_ops *ops, const struct mline *m,
    const struct dtable *t)
{
	struct buf why = BUF_INIT;
	int r = dtable_check_names(t, ops, &why);

	if (r < 0)
		log_err("%s:%zu: %s", m->src, m->lineno, why.p);
	buf_free(&why);
	return r;
}

/* Returns the exit status the input deserves (0 while all is well). */
static int
file_line(struct copier *cp, const struct mline *m)
{
	struct job *j = xcalloc(1, sizeof *j);
	int r = dfile_parse(m, &j->f);
	int64_t pos;

	if (r == 0 && names_ok(cp->conf->ops, m, &j->f.t) < 0)
		r = -2;
	if (r < 0) {
		job_free(j);
		return r == -2 ? EXIT_USAGE : EXIT_INCOMPLETE;
	}
	j->text = xstrndup(m->text, m->len);
	j->len = m->len;
	pthread_mutex_lock(&cp->mu);
	pos = mload_file(mloads_get(&cp->loads, j->f.load_id), m, j->f.rows);
	if (pos < 0) {
		pthread_mutex_unlock(&cp->mu);
		job_free(j);
		return EXIT_INCOMPLETE;
	}
	if (j->f.seq < 0)
		j->f.seq = pos;
	progress_expect(&cp->prog, 1, (uint64_t)j->f.bytes);
	pthread_mutex_unlock(&cp->mu);
	if (prepare(cp, &j->f) < 0) {
		finish_job(cp, j, -1, NULL);
		job_free(j);
		return 0;
	}
	if (cp->main->ops->copy_batch)
		batch_job(cp, j);
	else if (cp->jobs > 1)
		enqueue(cp, j);
	else
		run_job(cp, cp->main, j);
	return 0;
}

static int
on_line(void *arg, const struct mline *m)
{
	struct copier *cp = arg;

	if (m->end) {
		flush_batch(cp);
		return end_line(cp, m) ? EXIT_INCOMPLETE : 0;
	}
	return file_line(cp, m);
}

static int
run(const struct dest_conf *conf, int jobs, enum progress_mode pm, int argc,
    char **argv)
{
	struct copier cp;
	pthread_t *tid = NULL;
	int status;

	memset(&cp, 0, sizeof cp);
	cp.conf = conf;
	progress_init(&cp.prog, conf->dry_run ? PROGRESS_OFF : pm);
	cp.jobs = conf->dry_run || conf->ops->copy_batch ? 1 : jobs;
	if (conf->ops->max_jobs && cp.jobs > conf->ops->max_jobs)
		cp.jobs = conf->ops->max_jobs;
	pthread_mutex_init(&cp.mu, NULL);
	pthread_cond_init(&cp.cv, NULL);
	if (!(cp.main = conf->ops->open(conf)))
		return EXIT_FAIL;
	log_verbose("copying into %s (%s: %s)", conf->label, conf->ops->name,
	    conf->masked);
	if (cp.jobs > 1) {
		cp.qcap = (size_t)cp.jobs;
		cp.q = xcalloc(cp.qcap, sizeof *cp.q);
		tid = xcalloc((size_t)cp.jobs, sizeof *tid);
		for (int i = 0; i < cp.jobs; i++)
			if (pthread_create(&tid[i], NULL, worker, &cp))
				die(EXIT_FAIL, "cannot start a thread");
	}
	status = manifest_each(argc, argv, on_line, &cp);
	flush_batch(&cp);
	if (cp.jobs > 1) {
		pthread_mutex_lock(&cp.mu);
		cp.closing = 1;
		pthread_cond_broadcast(&cp.cv);
		pthread_mutex_unlock(&cp.mu);
		for (int i = 0; i < cp.jobs; i++)
			pthread_join(tid[i], NULL);
	}
	cp.main->ops->close(cp.main);
	progress_done(&cp.prog);
	if (status == 0 && cp.failed)
		status = EXIT_FAIL;
	if (status == 0 && !mloads_complete(&cp.loads)) {
		if (cp.loads.n)
			log_err("input ends without the end line of a load: "
			    "copied what there was, no end line written");
		else
			log_err("no manifest lines in the input");
		status = EXIT_INCOMPLETE;
	}
	for (size_t i = 0; i < cp.nprepared; i++)
		dtable_free(&cp.prepared[i]);
	free(cp.prepared);
	mloads_free(&cp.loads);
	free(cp.q);
	free(cp.pend);
	free(tid);
	return status;
}

int
main(int argc, char **argv)
{
	const char *dest = NULL;
	struct dest_conf conf;
	enum progress_mode pm = PROGRESS_AUTO;
	int c, jobs = 1, dry = 0, status, check = 0;

	log_init(argv[0]);
	argv[0] = (char *)log_prog();	/* getopt says "prog: ..." */
	while ((c = cliopt_next(&prog, argc, argv)) != -1) {
		switch (c) {
		case 'D': dest = optarg; break;
		case 'j': jobs = cliopt_int("jobs", optarg, 1, 256); break;
		case 'n': dry = 1; break;
		case O_CHECK: check = 1; break;
		case CLIOPT_PROGRESS: pm = PROGRESS_ON; break;
		default: cliopt_usage(&prog);
		}
	}
	cliopt_inputs(argc - optind, argv + optind);
	if (dest_resolve(dest, dry, &conf) < 0)
		return EXIT_USAGE;
	if (check) {
		if (optind < argc)
			die(EXIT_USAGE, "--check reads no manifest");
		status = house_check(&conf);
		dest_conf_free(&conf);
		return status;
	}
	/* Ctrl-C cancels what the server is doing too */
	interrupt_catch();
	status = run(&conf, jobs, pm, argc - optind, argv + optind);
	dest_conf_free(&conf);
	return status;
}
