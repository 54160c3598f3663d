/*
 * format_jsonl: JSON Lines loader files (jsonlout.h).  The reader turns
 * each object into a CSV row in the manifest's column order, after a
 * header row, so that every destination that takes CSV gets one format.
 * Memory is bounded by the longest line and one chunk of CSV.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dest.h"
#include "format.h"
#include "json.h"
#include "jsonlout.h"

#define CHUNK (256 * 1024)

static void
jsonl_row(struct format_file *f, const struct record *r, size_t linelen)
{
	jsonlout_row(f->out, f->sch, f->ncols, r, linelen);
}

struct jconv {
	struct buf line;	/* partial JSONL line */
	struct buf out;		/* CSV waiting for the sink */
	struct json_doc doc;
	size_t lineno;
};

static void
csv_quoted(struct buf *b, const char *p, size_t n)
{
	buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			buf_addc(b, '"');
		buf_addc(b, p[i]);
	}
	buf_addc(b, '"');
}

static void
csv_header(struct buf *b, const struct dtable *t)
{
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			buf_addc(b, ',');
		csv_quoted(b, t->cols[i].name, strlen(t->cols[i].name));
	}
	buf_addc(b, '\n');
}

int
format_jsonl_csv_row(const struct dtable *t, const char *line, size_t len,
    struct json_doc *doc, struct buf *out, char *err, size_t errlen)
{
	struct buf s = BUF_INIT;

	if (json_parse(doc, line, len) < 0) {
		snprintf(err, errlen, "%s at byte %zu", doc->err,
		    doc->err_off + 1);
		return -1;
	}
	if (doc->tok[0].type != JSON_OBJECT) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		int k = json_obj_get(doc, 0, t->cols[i].name);
		const struct json_tok *v = k < 0 ? NULL : &doc->tok[k];

		if (i)
			buf_addc(out, ',');
		if (!v || v->type == JSON_NULL)
			continue;
		if (t->cols[i].type == CT_JSON || v->type == JSON_OBJECT ||
		    v->type == JSON_ARRAY) {
			buf_reset(&s);
			json_put_raw(&s, v);
			csv_quoted(out, s.p, s.len);
		} else if (v->type == JSON_STRING) {
			if (v->flags & JSON_F_ESCAPED) {
				buf_reset(&s);
				json_str_decode(v, &s);
				csv_quoted(out, s.p ? s.p : "", s.len);
			} else {
				csv_quoted(out, v->p, v->len);
			}
		} else {
			buf_add(out, v->p, v->len);
		}
	}
	buf_addc(out, '\n');
	buf_free(&s);
	return 0;
}

static int
jsonl_open(struct format_read *r)
{
	struct jconv *j = xcalloc(1, sizeof *j);

	csv_header(&j->out, r->t);
	r->state = j;
	return 0;
}

static int
jflush(struct format_read *r, struct jconv *j)
{
	if (j->out.len == 0)
		return 0;
	if (r->sink(r->ctx, j->out.p, j->out.len) < 0)
		return -1;
	buf_reset(&j->out);
	return 0;
}

static int
jline(struct format_read *r, struct jconv *j, const char *p, size_t n)
{
	char err[160];

	j->lineno++;
	if (n && p[n - 1] == '\r')
		n--;
	if (n == 0)
		return 0;
	if (format_jsonl_csv_row(r->t, p, n, &j->doc, &j->out, err,
	    sizeof err) < 0) {
		snprintf(r->err, sizeof r->err, "line %zu: %s", j->lineno,
		    err);
		return -1;
	}
	return j->out.len >= CHUNK ? jflush(r, j) : 0;
}

static int
jsonl_feed(void *vr, const void *vp, size_t n)
{
	struct format_read *r = vr;
	struct jconv *j = r->state;
	const char *p = vp, *nl;

	while (n > 0 && (nl = memchr(p, '\n', n))) {
		size_t k = (size_t)(nl - p);
		int rc;
		if (j->line.len) {
			buf_add(&j->line, p, k);
			rc = jline(r, j, j->line.p, j->line.len);
			buf_reset(&j->line);
		} else {
			rc = jline(r, j, p, k);
		}
		if (rc < 0)
			return -1;
		p += k + 1;
		n -= k + 1;
	}
	buf_add(&j->line, p, n);
	return 0;
}

static int
jsonl_finish(struct format_read *r)
{
	struct jconv *j = r->state;

	if (j->line.len && jline(r, j, j->line.p, j->line.len) < 0)
		return -1;
	return jflush(r, j);
}

static void
jsonl_close(struct format_read *r)
{
	struct jconv *j = r->state;

	if (!j)
		return;
	buf_free(&j->line);
	buf_free(&j->out);
	json_doc_free(&j->doc);
	free(j);
	r->state = NULL;
}

const struct format_ops format_jsonl_ops = {
	.id = FMT_JSONL,
	.name = "jsonl",
	.ext = "jsonl",
	.row = jsonl_row,
	.open = jsonl_open,
	.feed = jsonl_feed,
	.finish = jsonl_finish,
	.close = jsonl_close,
};
