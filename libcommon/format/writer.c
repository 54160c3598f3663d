/*
 * writer: tables are few, so they are found by a linear search that
 * starts at the table of the previous record.  Look-ahead rows are kept
 * as raw text and parsed again when the header is fixed; that costs a
 * second parse of the first rows of a file only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "format.h"
#include "ident.h"
#include "json.h"
#include "loadfile.h"
#include "manifest.h"
#include "record.h"
#include "writer.h"

#define OUT_FLUSH (1 << 20)

struct table {
	char *name;
	size_t namelen;
	struct schema sch;
	struct record rec;
	struct loadfile *lf;	/* current file, or NULL */
	int fixed;		/* header written, columns fixed */
	size_t ncols;		/* columns of the current file */
	unsigned file_id;
	char *path;
	uint64_t rows;
	struct buf out;		/* plain bytes not yet handed to lf */
	struct format_file ff;	/* the current file, to its format */
	struct buf la;		/* look-ahead lines, each ending in '\n' */
	size_t *la_off;
	size_t la_n, la_cap;
	int active;		/* lf holds a descriptor: in the LRU list */
	struct table *lru_prev, *lru_next;
};

struct writer {
	struct writer_opts o;
	const struct format_ops *fmt;
	struct table **tables;
	size_t ntables, last;
	struct json_doc doc, rdoc;
	unsigned file_ids;
	uint64_t files, rows;
	uint64_t skipped;	/* empty records of tables without columns */
	struct buf scratch, tmp;
	/* Files holding a descriptor, most recently written first: beyond
	 * max_open the last one is suspended (loadfile_suspend), so a load
	 * of any number of tables stays within the descriptor limit. */
	struct table *lru_head, *lru_tail;
	size_t nopen, max_open;
};

struct writer *
writer_new(const struct writer_opts *o)
{
	struct writer *w = xcalloc(1, sizeof *w);
	struct rlimit rl;

	w->o = *o;
	if (!(w->fmt = format_get(o->format)))
		die(EXIT_FAIL, "internal error: no writer for format %s",
		    format_name(o->format));
	/* half the descriptors left after a margin for stdio, the input
	 * files and the libraries; at most 1024 (a compressing thread
	 * each) */
	w->max_open = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
	    && rl.rlim_cur < 2 * 1024 + 64)
		w->max_open = rl.rlim_cur > 64 + 2 * 8 ?
		    (size_t)(rl.rlim_cur - 64) / 2 : 8;
	return w;
}

static void
lru_unlink(struct writer *w, struct table *t)
{
	if (!t->active)
		return;
	if (t->lru_prev)
		t->lru_prev->lru_next = t->lru_next;
	else
		w->lru_head = t->lru_next;
	if (t->lru_next)
		t->lru_next->lru_prev = t->lru_prev;
	else
		w->lru_tail = t->lru_prev;
	t->lru_prev = t->lru_next = NULL;
	t->active = 0;
	w->nopen--;
}

/* t's file is about to be written (or opened): it goes to the front of
 * the list, after the least recently written files beyond the bound gave
 * up their descriptors. */
static void
lru_use(struct writer *w, struct table *t)
{
	if (!t->active) {
		while (w->nopen >= w->max_open && w->lru_tail) {
			struct table *v = w->lru_tail;
			lru_unlink(w, v);
			if (loadfile_suspend(v->lf) < 0)
				die_errno(EXIT_FAIL, "%s", v->path);
		}
	} else {
		lru_unlink(w, t);
	}
	t->lru_prev = NULL;
	t->lru_next = w->lru_head;
	if (w->lru_head)
		w->lru_head->lru_prev = t;
	else
		w->lru_tail = t;
	w->lru_head = t;
	t->active = 1;
	w->nopen++;
}

static struct table *
find_table(struct writer *w, const char *name, size_t n)
{
	struct table *t;

	for (size_t k = 0; k < w->ntables; k++) {
		size_t i = (w->last + k) % w->ntables;
		t = w->tables[i];
		if (t->namelen == n && memcmp(t->name, name, n) == 0) {
			w->last = i;
			return t;
		}
	}
	t = xcalloc(1, sizeof *t);
	t->name = xstrndup(name, n);
	t->namelen = n;
	schema_init(&t->sch, &w->o.hints);
	record_init(&t->rec);
	w->tables = xrealloc(w->tables, (w->ntables + 1) * sizeof *w->tables);
	w->last = w->ntables;
	w->tables[w->ntables++] = t;
	return t;
}

static struct table *
pick_table(struct writer *w, char *err, size_t errlen)
{
	const char *f = w->o.table_field, *why;
	int i;

	if (!f)
		return find_table(w, w->o.table, strlen(w->o.table));
	i = json_obj_get(&w->doc, 0, f);
	if (i < 0) {
		snprintf(err, errlen, "field '%s': missing (the table field)", f);
		return NULL;
	}
	if (w->doc.tok[i].type != JSON_STRING || w->doc.tok[i].len == 0) {
		snprintf(err, errlen, "field '%s': table name is not a "
		    "non-empty string", f);
		return NULL;
	}
	buf_reset(&w->scratch);
	json_str_decode(&w->doc.tok[i], &w->scratch);
	if ((why = ident_unnamed(w->scratch.p, w->scratch.len))) {
		snprintf(err, errlen, "field '%s': table name '%s' %s", f,
		    w->scratch.p ? w->scratch.p : "", why);
		return NULL;
	}
	buf_reset(&w->tmp);
	ident_normalize(&w->tmp, w->scratch.p, w->scratch.len);
	if ((why = ident_reserved(IDENT_TABLE, w->tmp.p))) {
		snprintf(err, errlen, "field '%s': table name '%s' %s", f,
		    w->tmp.p, why);
		return NULL;
	}
	return find_table(w, w->tmp.p, w->tmp.len);
}

/* A format that compresses itself sees a plain stream. */
static enum compression
stream_comp(const struct writer *w)
{
	return w->fmt->self_compressing ? COMP_NONE : w->o.comp;
}

static void
table_open(struct writer *w, struct table *t)
{
	struct buf p = BUF_INIT;

	t->file_id = ++w->file_ids;
	buf_printf(&p, "%s/%s.%s.%04u.%s%s", w->o.dir, t->name, w->o.load_id,
	    t->file_id, w->fmt->ext, compression_ext(stream_comp(w)));
	t->path = p.p;
	lru_use(w, t);
	if (!(t->lf = loadfile_open(t->path, stream_comp(w))))
		die_errno(EXIT_FAIL, "%s", t->path);
	t->fixed = 0;
	t->ncols = 0;
	t->rows = 0;
	buf_reset(&t->out);
	buf_reset(&t->la);
	t->la_n = 0;
}

static void
la_push(struct table *t, const char *line, size_t len)
{
	if (t->la_n == t->la_cap) {
		t->la_cap = t->la_cap ? t->la_cap * 2 : 1024;
		t->la_off = xrealloc(t->la_off, t->la_cap * sizeof *t->la_off);
	}
	t->la_off[t->la_n++] = t->la.len;
	buf_add(&t->la, line, len);
	buf_addc(&t->la, '\n');
}

static int
la_full(const struct writer *w, const struct table *t)
{
	return t->la_n >= w->o.lookahead_rows ||
	    t->la.len >= w->o.lookahead_bytes;
}

static void
flush_out(struct writer *w, struct table *t)
{
	if (!t->out.len)
		return;
	lru_use(w, t);
	if (loadfile_write(t->lf, t->out.p, t->out.len) < 0)
		die_errno(EXIT_FAIL, "%s: write", t->path);
	buf_reset(&t->out);
}

static void
put_columns(struct buf *b, const struct table *t)
{
	buf_addc(b, '[');
	for (size_t c = 0; c < t->ncols; c++) {
		const struct schema_col *col = &t->sch.cols[c];
		if (c)
			buf_addc(b, ',');
		buf_adds(b, "{\"name\":");
		json_put_str(b, col->name, col->namelen);
		buf_printf(b, ",\"type\":\"%s\",\"nullable\":%s",
		    coltype_name(col->type), col->pk ? "false" : "true");
		if (col->pk)
			buf_adds(b, ",\"primary_key\":true");
		if (col->mk)
			buf_adds(b, ",\"merge_key\":true");
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

/* How a CSV file tells NULL from the empty string (stage-manifest(5)), so
 * that a reader other than stage-copy needs no out-of-band knowledge. */
static const char *
csv_dialect(const struct writer *w)
{
	if (w->o.format != FMT_CSV)
		return NULL;
	return "\"csv\":{\"header\":true,\"delimiter\":\",\","
	    "\"quote\":\"\\\"\",\"null\":\"\",\"empty\":\"\\\"\\\"\"}";
}

static void
emit_file_line(struct writer *w, const struct table *t, const char *hex,
    uint64_t bytes)
{
	struct buf cols = BUF_INIT;

	put_columns(&cols, t);
	mfile_emit(&(struct mfile_out){
		.load_id = w->o.load_id, .dataset = w->o.dataset,
		.table = t->name, .disposition = w->o.disposition,
		.pk = (const char *const *)w->o.hints.pk,
		.npk = w->o.hints.npk,
		.mk = (const char *const *)w->o.hints.mk,
		.nmk = w->o.hints.nmk,
		.columns = cols.p, .extra = csv_dialect(w),
		.file = t->path, .format = format_name(w->o.format),
		.compression = compression_name(w->o.comp), .sha256 = hex,
		.rows = t->rows, .bytes = bytes, .file_id = t->file_id,
	});
	buf_free(&cols);
}

static void
table_close(struct writer *w, struct table *t)
{
	char hex[65];
	uint64_t bytes;

	if (w->fmt->end && w->fmt->end(&t->ff) < 0)
		die_errno(EXIT_FAIL, "%s", t->path);
	t->ff.state = NULL;
	flush_out(w, t);
	lru_use(w, t);		/* commit fsyncs through a descriptor */
	lru_unlink(w, t);
	if (loadfile_commit(t->lf, hex, &bytes) < 0) {
		t->lf = NULL;
		die_errno(EXIT_FAIL, "%s", t->path);
	}
	t->lf = NULL;
	emit_file_line(w, t, hex, bytes);
	log_verbose("%s: %llu rows, %llu bytes", t->path,
	    (unsigned long long)t->rows, (unsigned long long)bytes);
	w->files++;
	w->rows += t->rows;
	free(t->path);
	t->path = NULL;
}

/* Writes the row held in t->rec; the file may rotate after it. */
static void
write_row(struct writer *w, struct table *t, size_t linelen)
{
	w->fmt->row(&t->ff, &t->rec, linelen);
	t->rows++;
	if (t->out.len >= OUT_FLUSH)
		flush_out(w, t);
	if ((w->o.max_rows && t->rows >= w->o.max_rows) ||
	    (w->o.max_bytes && loadfile_plain_bytes(t->lf) + t->out.len +
	    t->ff.held >= w->o.max_bytes))
		table_close(w, t);
}

/* Ends the look-ahead: fixes the columns, writes the header and the
 * buffered rows.  Rows left when the file rotates mid-way become the
 * look-ahead of the next file. */
static void
table_fix(struct writer *w, struct table *t)
{
	struct buf la = t->la;
	size_t *off = t->la_off, n = t->la_n, cap = t->la_cap;

	t->la = (struct buf)BUF_INIT;
	t->la_off = NULL;
	t->la_n = t->la_cap = 0;
	t->fixed = 1;
	t->ncols = t->sch.ncols;
	t->ff = (struct format_file){ .sch = &t->sch, .ncols = t->ncols,
	    .comp = w->o.comp, .out = &t->out, .scratch = &w->scratch,
	    .path = t->path, .group_rows = w->o.group_rows,
	    .group_bytes = w->o.group_bytes };
	if (w->fmt->begin)
		w->fmt->begin(&t->ff);
	for (size_t i = 0; i < n; i++) {
		const char *line = la.p + off[i];
		size_t len = (i + 1 < n ? off[i + 1] : la.len) - off[i] - 1;
		if (!t->lf)
			table_open(w, t);
		if (!t->fixed) {
			la_push(t, line, len);
			continue;
		}
		if (json_parse(&w->rdoc, line, len) < 0 ||
		    record_flatten(&t->rec, &t->sch, &w->rdoc,
		    w->o.table_field) < 0)
			die(EXIT_FAIL, "internal error: a buffered record "
			    "failed the second time");
		write_row(w, t, len);
	}
	if (t->la_n == 0) {	/* keep the arena for the next file */
		buf_free(&t->la);
		free(t->la_off);
		t->la = la;
		t->la_off = off;
		t->la_cap = cap;
	} else {
		buf_free(&la);
		free(off);
	}
	if (t->lf && !t->fixed && la_full(w, t))
		table_fix(w, t);
}

int
writer_record(struct writer *w, const char *line, size_t len, char *err,
    size_t errlen)
{
	struct table *t;

	if (json_parse(&w->doc, line, len) < 0) {
		snprintf(err, errlen, "invalid JSON at byte %zu: %s",
		    w->doc.err_off + 1, w->doc.err);
		return -1;
	}
	if (w->doc.tok[0].type != JSON_OBJECT) {
		snprintf(err, errlen, "record is not a JSON object");
		return -1;
	}
	if (!(t = pick_table(w, err, errlen)))
		return -1;
	if (record_flatten(&t->rec, &t->sch, &w->doc, w->o.table_field) < 0) {
		snprintf(err, errlen, "%s", t->rec.err);
		return -1;
	}
	if (t->sch.ncols == 0) {
		/* Nothing to write and no column to write it in: a file
		 * without columns is no use to any loader. */
		w->skipped++;
		return 0;
	}
	if (t->lf && t->fixed && (t->rec.maxcol >= (int)t->ncols ||
	    (w->fmt->fits && !w->fmt->fits(&t->ff, &t->rec))))
		table_close(w, t);	/* a new column or type: next file */
	if (!t->lf)
		table_open(w, t);
	if (!t->fixed) {
		la_push(t, line, len);
		if (la_full(w, t))
			table_fix(w, t);
		return 0;
	}
	write_row(w, t, len);
	return 0;
}

void
writer_finish(struct writer *w)
{
	for (size_t i = 0; i < w->ntables; i++) {
		struct table *t = w->tables[i];
		while (t->lf) {
			if (!t->fixed)
				table_fix(w, t);
			else
				table_close(w, t);
		}
	}
	if (w->skipped)
		log_warn("%llu record%s without any non-null value skipped "
		    "(no column to put them in)", (unsigned long long)w->skipped,
		    w->skipped == 1 ? "" : "s");
	mend_emit(w->o.load_id, w->files, w->rows);
}

void
writer_abort(struct writer *w)
{
	for (size_t i = 0; i < w->ntables; i++) {
		struct table *t = w->tables[i];
		if (t->lf && t->fixed && w->fmt->discard)
			w->fmt->discard(&t->ff);
		t->ff.state = NULL;
		lru_unlink(w, w->tables[i]);
		loadfile_abort(w->tables[i]->lf);
		w->tables[i]->lf = NULL;
	}
}

void
writer_free(struct writer *w)
{
	if (!w)
		return;
	writer_abort(w);
	for (size_t i = 0; i < w->ntables; i++) {
		struct table *t = w->tables[i];
		free(t->name);
		free(t->path);
		schema_free(&t->sch);
		record_free(&t->rec);
		buf_free(&t->out);
		buf_free(&t->la);
		free(t->la_off);
		free(t);
	}
	free(w->tables);
	json_doc_free(&w->doc);
	json_doc_free(&w->rdoc);
	buf_free(&w->scratch);
	buf_free(&w->tmp);
	free(w);
}

unsigned
writer_files(const struct writer *w)
{
	return w->file_ids;
}
