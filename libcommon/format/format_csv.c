/*
 * format_csv: CSV loader files (csvout.h's dialect).  Staged CSV already
 * is what the reader side hands on, so reading passes the bytes through.
 */
#include "csvout.h"
#include "format.h"

static void
csv_begin(struct format_file *f)
{
	csvout_header(f->out, f->sch, f->ncols);
}

static void
csv_row(struct format_file *f, const struct record *r, size_t linelen)
{
	csvout_row(f->out, f->sch, f->ncols, r, linelen, f->scratch);
}

static int
csv_feed(void *vr, const void *p, size_t n)
{
	struct format_read *r = vr;

	return r->sink(r->ctx, p, n);
}

const struct format_ops format_csv_ops = {
	.id = FMT_CSV,
	.name = "csv",
	.ext = "csv",
	.begin = csv_begin,
	.row = csv_row,
	.feed = csv_feed,
};
