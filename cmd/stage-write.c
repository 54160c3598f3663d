/*
 * stage-write: NDJSON records in, loader files (CSV or JSONL, optionally
 * gzip or zstd) out, one manifest line per file on stdout, then the end
 * line.  This file parses options and drives the input; the work is in
 * libcommon/format/writer.c and the modules it uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "cliopt.h"
#include "config.h"
#include "hints.h"
#include "ident.h"
#include "lines.h"
#include "loadfile.h"
#include "log.h"
#include "progress.h"
#include "rejects.h"
#include "version.h"
#include "wopts.h"
#include "writer.h"

#define DEFAULT_DIR "./stage-files"
#define DEFAULT_MAX_BYTES (256ULL << 20)

enum {
	OPT_TABLE_FIELD = 256, OPT_DATASET, OPT_DISPOSITION, OPT_PK, OPT_MK,
	OPT_LOAD_ID, OPT_MAX_SIZE, OPT_MAX_ROWS, OPT_SCHEMA, OPT_COLUMN,
	OPT_REJECTS, OPT_ROW_GROUP
};

static const struct cliopt opts[] = {
	{ "table", 't', "T", "the records' table", NULL },
	{ "table-field", OPT_TABLE_FIELD, "F", "each record's table is its "
	    "field F", NULL },
	{ "format", 'f', "F", "csv (default), jsonl or parquet",
	    "csv jsonl parquet" },
	{ "compression", 'z', "C", "none (default), gzip or zstd; parquet: "
	    "snappy (default), zstd, gzip or none", "none gzip zstd snappy" },
	{ "dir", 'd', "D", "where the files go (default ./stage-files)",
	    "dir" },
	{ "dataset", OPT_DATASET, "NAME", "target dataset (default "
	    "stage_dataset)", NULL },
	{ "disposition", OPT_DISPOSITION, "D", "append (default), replace or "
	    "merge", "append replace merge" },
	{ "primary-key", OPT_PK, "C,..", "primary key columns", NULL },
	{ "merge-key", OPT_MK, "C,..", "merge key columns", NULL },
	{ "load-id", OPT_LOAD_ID, "ID", "the load's id (default: now, dlt's "
	    "format)", NULL },
	{ "max-file-size", OPT_MAX_SIZE, "S", "rotate files at S bytes "
	    "(default 256M)", NULL },
	{ "max-rows", OPT_MAX_ROWS, "N", "rotate files after N rows", NULL },
	{ "schema", OPT_SCHEMA, "FILE", "pin types: {\"column\": \"type\", "
	    "...}", "file" },
	{ "column", OPT_COLUMN, "N:TYPE", "pin one column's type (repeatable)",
	    ":text bigint double bool timestamp date time decimal json "
	    "binary" },
	{ "rejects", OPT_REJECTS, "FILE", "write bad records there and go on",
	    "file" },
	{ "row-group-size", OPT_ROW_GROUP, "N|S", "parquet row groups of N "
	    "rows (default 122880) or S bytes (default 32M)", NULL },
	CLIOPT_COMMON
};

static const struct cliprog prog = {
	"stage-write",
	"(-t table | --table-field name)",
	"Write NDJSON records into loader files, a manifest of them on stdout.",
	"See stage-write(1).\n", "NDJSON file", 25, opts
};

/* What main owns: options as given, and the state built from them. */
struct opts {
	struct writer_opts w;
	struct progress prog;
	enum progress_mode pm;
	char *table;
	const char *dataset, *dir, *load_id;	/* as given */
	char *own_dataset, *own_dir, *own_load_id;	/* as used */
	const char *rejects_path;
	struct rejects rejects;
	unsigned files_shown;	/* loader files counted in prog */
};

/* Counts rows and bytes read, and the loader files begun, into the
 * progress display (in batches: it takes a lock). */
static void
show(struct opts *o, const struct writer *w, uint64_t *rows, uint64_t *bytes)
{
	unsigned n = writer_files(w);

	progress_add(&o->prog, n - o->files_shown, *rows, *bytes);
	o->files_shown = n;
	*rows = *bytes = 0;
}

static _Noreturn void
usage(void)
{
	cliopt_usage(&prog);
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	struct writer_opts *w = &o->w;
	const struct format_ops *fo;
	struct config *cfg;
	const char *env;
	char err[1024];
	int c, zset = 0;

	w->format = FMT_CSV;
	w->comp = COMP_NONE;
	w->disposition = "append";
	w->max_bytes = DEFAULT_MAX_BYTES;
	while ((c = cliopt_next(&prog, argc, argv)) != -1) {
		switch (c) {
		case 't':
			free(o->table);
			o->table = wopts_name("-t", optarg, IDENT_TABLE);
			break;
		case OPT_TABLE_FIELD: w->table_field = optarg; break;
		case 'f':
			if (!(fo = format_find(optarg))) {
				struct buf known = BUF_INIT;
				format_names(&known);
				die(EXIT_USAGE, "-f: unknown format '%s' (%s)",
				    optarg, known.p);
			}
			w->format = fo->id;
			break;
		case 'z':
			if (compression_parse(optarg, &w->comp) < 0)
				die(EXIT_USAGE, "-z: unknown compression '%s' "
				    "(none, gzip, zstd, snappy)", optarg);
			zset = 1;
			break;
		case OPT_ROW_GROUP:
			wopts_row_group_size(w, optarg);
			break;
		case 'd': o->dir = optarg; break;
		case OPT_DATASET: o->dataset = optarg; break;
		case OPT_DISPOSITION:
			if (strcmp(optarg, "append") && strcmp(optarg,
			    "replace") && strcmp(optarg, "merge"))
				die(EXIT_USAGE, "--disposition: '%s' is not "
				    "append, replace or merge", optarg);
			w->disposition = optarg;
			break;
		case OPT_PK:
		case OPT_MK:
			if (hints_add_keys(&w->hints, c == OPT_PK, optarg, err,
			    sizeof err) < 0)
				die(EXIT_USAGE, "%s", err);
			break;
		case OPT_LOAD_ID: o->load_id = optarg; break;
		case OPT_MAX_SIZE: w->max_bytes = cliopt_size(
		    "--max-file-size", optarg); break;
		case OPT_MAX_ROWS: w->max_rows = cliopt_size("--max-rows",
		    optarg); break;
		case OPT_SCHEMA:
			if (hints_read_schema(&w->hints, optarg, err,
			    sizeof err) < 0)
				die(EXIT_USAGE, "%s", err);
			break;
		case OPT_COLUMN:
			if (hints_pin(&w->hints, optarg, err, sizeof err) < 0)
				die(EXIT_USAGE, "%s", err);
			break;
		case OPT_REJECTS: o->rejects_path = optarg; break;
		case CLIOPT_PROGRESS: o->pm = PROGRESS_ON; break;
		default:
			usage();
		}
	}
	wopts_codec(w, zset);
	if (!o->table == !w->table_field) {
		log_err("give either -t TABLE or --table-field NAME");
		usage();
	}
	if (strcmp(w->disposition, "merge") == 0 && !w->hints.npk &&
	    !w->hints.nmk) {
		log_err("--disposition merge needs --primary-key or --merge-key");
		usage();
	}
	if (w->hints.npk > 64)
		die(EXIT_USAGE, "--primary-key: at most 64 columns");
	wopts_check_hints(&w->hints);
	if (!(cfg = config_load()))	/* said "file:line: why" */
		exit(EXIT_USAGE);
	if (!o->dataset)
		o->dataset = wopts_default_dataset(cfg);
	o->dataset = o->own_dataset = wopts_name("dataset", o->dataset,
	    IDENT_DATASET);
	config_free(cfg);
	if (!o->dir)
		o->dir = (env = getenv("STAGE_WRITE_DIR")) && *env ? env :
		    DEFAULT_DIR;
	if (o->load_id)
		wopts_load_id_check(o->load_id);
	o->load_id = o->own_load_id = o->load_id ? xstrdup(o->load_id) :
	    wopts_load_id_new();
	wopts_lookahead(w);
}

static int
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Feeds one input to the writer; -1 after reporting a bad record. */
static int
feed(struct opts *o, struct writer *w, int fd, const char *src)
{
	struct lines lr;
	char *line, err[1024];
	size_t len;
	int r, ret = 0;

	uint64_t rows = 0, bytes = 0;

	lines_open(&lr, fd);
	while ((r = lines_next(&lr, &line, &len)) > 0) {
		if (blank(line, len))
			continue;
		bytes += len + 1;
		if (++rows == 4096)
			show(o, w, &rows, &bytes);
		if (writer_record(w, line, len, err, sizeof err) == 0)
			continue;
		if (o->rejects_path) {
			rejects_add(&o->rejects, src, lr.lineno, err, line, len);
			continue;
		}
		log_err("%s:%zu: %s", src, lr.lineno, err);
		ret = -1;
		break;
	}
	show(o, w, &rows, &bytes);
	if (r < 0)
		die_errno(EXIT_FAIL, "%s: read", src);
	lines_free(&lr);
	return ret;
}

static int
run(struct opts *o, int nfiles, char **files)
{
	struct writer *w;
	int ret = EXIT_DONE;

	o->w.dir = o->dir = o->own_dir = wopts_dir(o->dir);
	atomic_sweep(o->dir);	/* what a killed run left (stage-write(1)) */
	o->w.dataset = o->dataset;
	o->w.load_id = o->load_id;
	o->w.table = o->table;
	if (o->rejects_path && rejects_open(&o->rejects, o->rejects_path) < 0)
		die_errno(EXIT_FAIL, "%s", o->rejects_path);
	w = writer_new(&o->w);
	for (int i = 0; i < (nfiles ? nfiles : 1) && ret == EXIT_DONE; i++) {
		const char *src = nfiles ? files[i] : "-";
		int fd = 0;
		if (strcmp(src, "-") == 0)
			src = "stdin";
		else if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
			log_err("%s: %s", src, strerror(errno));
			ret = EXIT_USAGE;	/* as cliopt_inputs */
			break;
		}
		if (feed(o, w, fd, src) < 0)
			ret = EXIT_FAIL;
		if (fd > 0)
			close(fd);
	}
	if (ret == EXIT_DONE)
		writer_finish(w);
	writer_free(w);		/* removes what was not committed */
	if (o->rejects_path) {
		rejects_close(&o->rejects);
		if (o->rejects.count)
			log_warn("%zu record%s rejected (see %s)",
			    o->rejects.count, o->rejects.count == 1 ? "" : "s",
			    o->rejects_path);
	}
	return ret;
}

static void
free_opts(struct opts *o)
{
	hints_free(&o->w.hints);
	free(o->table);
	free(o->own_dataset);
	free(o->own_dir);
	free(o->own_load_id);
}

int
main(int argc, char **argv)
{
	struct opts o;
	int ret;

	memset(&o, 0, sizeof o);
	log_init(argv[0]);
	argv[0] = (char *)log_prog();	/* getopt says "prog: ..." */
	parse_args(&o, argc, argv);
	cliopt_inputs(argc - optind, argv + optind);
	loadfile_catch_signals();
	progress_init(&o.prog, o.pm);
	ret = run(&o, argc - optind, argv + optind);
	progress_done(&o.prog);
	free_opts(&o);
	return ret;
}
