/*
 * stage-put: upload the files a manifest lists to the staging storage
 * (a local directory or s3://), in parallel and verified, and pass each
 * line on with its "url"; a load's end line follows once all its files
 * are stored.  See stage-put(1) and doc/DESIGN.md.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliopt.h"
#include "config.h"
#include "keyset.h"
#include "layout.h"
#include "localfile.h"
#include "log.h"
#include "manifest.h"
#include "progress.h"
#include "storage.h"
#include "upload.h"
#include "version.h"

#define DEFAULT_LAYOUT "{dataset}/{table_name}/{load_id}.{file_id}.{ext}"

struct job {
	struct storage_put p;
	struct put *put;
	char *text;		/* the input line */
	size_t len;
	char *src;
	size_t lineno;
	char *load_id;
	struct buf file, key, url;
	char sha[65];
};

struct put {			/* what main owns */
	struct storage st;
	struct mloads loads;
	struct progress prog;
	struct keyset keys;
	const char *layout;
	int dry_run;
	int remove_source;	/* localfile.h */
	int failed;
	size_t pending;
};

enum { O_LAYOUT = 256, O_ENDPOINT, O_REGION, O_PATH_STYLE, O_VHOST,
    O_PART_SIZE, O_THRESHOLD, O_RETRIES, O_REMOVE_SOURCE, O_CHECK,
    O_COMPOSITE };

static const struct cliopt opts[] = {
	{ "bucket-url", 'b', "URL", "a directory, file://, s3://, gs://, "
	    "az:// or abfss://\n(default: config, else ./stage-bucket)",
	    "dir" },
	{ "jobs", 'j', "N", "requests in flight at once (default 8)", NULL },
	{ "layout", O_LAYOUT, "T", "object names (default\n"
	    "{dataset}/{table_name}/{load_id}.{file_id}.{ext})", NULL },
	{ "endpoint", O_ENDPOINT, "URL", "the storage's endpoint (S3: config, "
	    "AWS_ENDPOINT_URL;\ngs://: the JSON API host; az://: the blob "
	    "endpoint)", NULL },
	{ "region", O_REGION, "NAME", "S3 region (default: config, "
	    "AWS_REGION)", NULL },
	{ "path-style", O_PATH_STYLE, NULL, "address buckets as "
	    "host/bucket/key", NULL },
	{ "virtual-hosted", O_VHOST, NULL, "address buckets as "
	    "bucket.host/key", NULL },
	{ "part-size", O_PART_SIZE, "S", "multipart part (Azure: block) size "
	    "(default 16M)",
	    NULL },
	{ "multipart-threshold", O_THRESHOLD, "S", "multipart from S on "
	    "(default 64M)", NULL },
	{ "composite-threshold", O_COMPOSITE, "S", "gs://: parallel composite "
	    "uploads from S on\n(default 0: never)", NULL },
	{ "retries", O_RETRIES, "N", "retries of a failed request (default 5)",
	    NULL },
	{ "remove-source", O_REMOVE_SOURCE, NULL, "remove each local file once "
	    "its staged copy\nis verified (default: keep)", NULL },
	{ "check", O_CHECK, NULL, "say whether the bucket is reached, as whom",
	    NULL },
	{ "dry-run", 'n', NULL, "print the requests instead of sending them",
	    NULL },
	CLIOPT_COMMON
};

static const struct cliprog prog = {
	"stage-put",
	NULL,
	"Upload the manifest's files to the staging storage.",
	NULL, "manifest", 26, opts
};

/* Configuration by dlt key: .dlt files and dlt-style env (config.h). */
static const char *
setting(void *ctx, const char *key)
{
	return ctx ? config_get(ctx, key) : NULL;
}

static void
job_free(struct job *j)
{
	free(j->text);
	free(j->src);
	free(j->load_id);
	buf_free(&j->file);
	buf_free(&j->key);
	buf_free(&j->url);
	buf_free(&j->p.err);
	free(j);
}

static void
emit_end(struct put *pu, struct mload *l)
{
	if (pu->dry_run || l->emitted || !l->ended || l->done != l->files)
		return;
	l->emitted = 1;
	manifest_emit(&l->endline);
}

static void
on_done(struct storage_put *p)
{
	struct job *j = p->ctx;
	struct put *pu = j->put;
	struct mload *l;

	pu->pending--;
	if (p->result == STORAGE_FAILED) {
		log_err("%s: %s", j->file.p, p->err.p);
		pu->failed = 1;
	} else {
		progress_add(&pu->prog, 1, 0, p->bytes > 0 ?
		    (uint64_t)p->bytes : 0);
		upload_emit(&pu->st, j->text, j->len, j->url.p);
		/* after the line is out: a kill leaves the file or the line */
		if (pu->remove_source && localfile_remove(j->file.p,
		    j->p.bytes, &pu->st, j->key.p) < 0)
			pu->failed = 1;
		l = mloads_get(&pu->loads, j->load_id);
		l->done++;
		emit_end(pu, l);
	}
	job_free(j);
}

/* An end line: remembered, written once its load's files are stored. */
static int
end_line(struct put *pu, const struct mline *m)
{
	struct mload *l = mloads_of(&pu->loads, m);

	if (mload_end(l, m))
		return -1;
	emit_end(pu, l);
	return 0;
}

static int
file_line(struct put *pu, const struct mline *m)
{
	struct job *j;
	struct mfile f;
	int64_t bytes, rows;

	if (upload_line(m, &f) < 0)
		return -1;
	rows = f.rows;
	bytes = f.bytes;
	j = xcalloc(1, sizeof *j);
	j->put = pu;
	buf_adds(&j->file, f.file);
	j->load_id = f.load_id;
	f.load_id = NULL;
	memcpy(j->sha, f.sha256, 65);
	mfile_free(&f);
	buf_adds(&j->key, "");
	storage_key(&pu->st, "", &j->key);
	if (layout_expand(pu->layout, m, j->file.p, &j->key)) {
		job_free(j);
		return -1;
	}
	if (keyset_add(&pu->keys, j->key.p)) {
		log_err("%s:%zu: object name %s is already used by another "
		    "line of this input (--layout needs {file_id}?)", m->src,
		    m->lineno, j->key.p);
		job_free(j);
		return -1;
	}
	j->text = xstrndup(m->text, m->len);
	j->len = m->len;
	j->src = xstrdup(m->src);
	j->lineno = m->lineno;
	storage_url(&pu->st, j->key.p, &j->url);
	j->p.sha256 = j->sha;
	j->p.path = j->file.p;
	j->p.key = j->key.p;
	j->p.bytes = bytes;
	j->p.done = on_done;
	j->p.ctx = j;
	if (mload_file(mloads_get(&pu->loads, j->load_id), m, rows) < 0) {
		job_free(j);
		return -1;
	}
	progress_expect(&pu->prog, 1, bytes > 0 ? (uint64_t)bytes : 0);
	if (pu->dry_run) {
		struct buf plan = BUF_INIT;
		if (storage_describe(&pu->st, &j->p, &plan)) {
			log_err("%s: %s", j->file.p, j->p.err.p);
			pu->failed = 1;
		}
		if (fwrite(plan.p, 1, plan.len, stdout) != plan.len ||
		    fflush(stdout))
			die_errno(EXIT_FAIL, "writing the plan to stdout");
		buf_free(&plan);
		job_free(j);
		return 0;
	}
	pu->pending++;
	storage_put(&pu->st, &j->p);
	return 0;
}

/* 1 if the next manifest line can be read without waiting. */
static int
input_ready(struct manifest_in *in)
{
	struct pollfd pfd = { in->fd, POLLIN, 0 };

	if (in->fd < 0 || lines_ready(&in->lr))
		return 1;
	return poll(&pfd, 1, 0) > 0;
}

/* Reads the input, starting puts as lines come and running them while
 * waiting for more; 0, or -1 on a malformed line (already reported). */
static int
run(struct put *pu, int nfiles, char **files, size_t max_pending)
{
	struct manifest_in in;
	struct mline m = { 0 };
	int done = 0, bad = 0, r;

	manifest_in_open(&in, nfiles, files);
	while (!done || pu->pending) {
		while (!done && pu->pending < max_pending &&
		    (pu->pending == 0 || input_ready(&in))) {
			r = manifest_in_next(&in, &m);
			if (r <= 0) {
				bad = r < 0;
				done = 1;
			} else if (m.end ? end_line(pu, &m) :
			    file_line(pu, &m)) {
				bad = done = 1;
			}
		}
		if (pu->pending)
			storage_run(&pu->st, 1000,
			    !done && pu->pending < max_pending ? in.fd : -1);
	}
	mline_free(&m);
	manifest_in_close(&in);
	return bad ? -1 : 0;
}

/* An incomplete manifest is an error (shown with -q too), saying what
 * was done all the same. */
static void
incomplete(const struct put *pu)
{
	size_t stored = 0;

	for (size_t i = 0; i < pu->loads.n; i++)
		stored += pu->loads.v[i].done;
	if (pu->loads.n == 0)
		log_err("no manifest lines in the input");
	else if (pu->dry_run || stored == 0)
		log_err("input ended without an end line for every load");
	else
		log_err("input ended without an end line for every load: "
		    "%zu file%s stored, no end line written", stored,
		    stored == 1 ? "" : "s");
}

int
main(int argc, char **argv)
{
	struct put pu = { 0 };
	struct storage_opts o = { 0 };
	struct config *cfg;
	struct buf err = BUF_INIT;
	const char *bucket = NULL;
	enum progress_mode pmode = PROGRESS_AUTO;
	int c, status, rc, check = 0;

	log_init(argv[0]);
	argv[0] = (char *)log_prog();	/* getopt says "prog: ..." */
	o.path_style = -1;
	o.jobs = 8;
	o.retries = 5;
	o.part_size = 16ULL << 20;
	o.threshold = 64ULL << 20;
	while ((c = cliopt_next(&prog, argc, argv)) != -1) {
		switch (c) {
		case 'b': bucket = optarg; break;
		case 'j': o.jobs = cliopt_int("jobs", optarg, 1, 256); break;
		case O_LAYOUT: pu.layout = optarg; break;
		case O_ENDPOINT: o.endpoint = optarg; break;
		case O_REGION: o.region = optarg; break;
		case O_PATH_STYLE: o.path_style = 1; break;
		case O_VHOST: o.path_style = 0; break;
		case O_PART_SIZE:
			o.part_size = cliopt_size("--part-size", optarg);
			break;
		case O_THRESHOLD:
			o.threshold = cliopt_size("--multipart-threshold",
			    optarg);
			break;
		case O_COMPOSITE:
			o.composite = cliopt_size("--composite-threshold",
			    optarg);
			break;
		case O_RETRIES:
			o.retries = cliopt_int("retries", optarg, 0, 100);
			break;
		case O_REMOVE_SOURCE: pu.remove_source = 1; break;
		case O_CHECK: check = 1; break;
		case 'n': pu.dry_run = 1; break;
		case CLIOPT_PROGRESS: pmode = PROGRESS_ON; break;
		default: cliopt_usage(&prog);
		}
	}
	cliopt_inputs(argc - optind, argv + optind);
	if (!(cfg = config_load()))
		return EXIT_USAGE;
	if (!pu.layout)
		pu.layout = config_get(cfg, "destination.filesystem.layout");
	if (!pu.layout || !*pu.layout)
		pu.layout = DEFAULT_LAYOUT;
	if (layout_check(pu.layout)) {
		config_free(cfg);
		return EXIT_USAGE;
	}
	o.setting = setting;
	o.setting_ctx = cfg;
	if (!bucket)
		bucket = upload_default_bucket(cfg);
	if (storage_open(&pu.st, bucket, &o, &err, &status)) {
		log_err("%s", err.p);
		buf_free(&err);
		config_free(cfg);
		return status;
	}
	if (check) {
		if (optind < argc)
			die(EXIT_USAGE, "--check reads no manifest");
		buf_reset(&err);
		status = storage_check(&pu.st, &err) == 0 ? EXIT_DONE :
		    EXIT_FAIL;
		if (status == EXIT_DONE)
			printf("reached %s: %s\n", pu.st.ops->scheme, err.p);
		else
			log_err("check: did not reach %s: %s", pu.st.url,
			    err.p);
		storage_close(&pu.st);
		config_free(cfg);
		buf_free(&err);
		return status;
	}
	if (upload_root_usable(&pu.st) < 0) {
		storage_close(&pu.st);
		config_free(cfg);
		return EXIT_USAGE;
	}
	progress_init(&pu.prog, pmode);
	rc = run(&pu, argc - optind, argv + optind, (size_t)o.jobs * 4);
	progress_done(&pu.prog);
	storage_close(&pu.st);
	status = rc ? EXIT_INCOMPLETE : pu.failed ? EXIT_FAIL :
	    !mloads_complete(&pu.loads) ? EXIT_INCOMPLETE : EXIT_DONE;
	if (status == EXIT_INCOMPLETE && rc == 0)
		incomplete(&pu);
	mloads_free(&pu.loads);
	keyset_free(&pu.keys);
	config_free(cfg);
	buf_free(&err);
	return status;
}
