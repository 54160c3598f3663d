/*
 * manifest: reading, rebuilding and writing manifest lines.  A line is
 * parsed once into a json_doc; rebuilding copies raw member text, so
 * unknown fields pass through byte for byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "manifest.h"

const char *const mf_name[MF_NFIELDS] = {
	[MF_V] = "v", [MF_END] = "end", [MF_LOAD_ID] = "load_id",
	[MF_FILES] = "files", [MF_ROWS] = "rows", [MF_DATASET] = "dataset",
	[MF_TABLE] = "table", [MF_DISPOSITION] = "disposition",
	[MF_PRIMARY_KEY] = "primary_key", [MF_MERGE_KEY] = "merge_key",
	[MF_COLUMNS] = "columns", [MF_CSV] = "csv", [MF_FILE] = "file",
	[MF_URL] = "url", [MF_FORMAT] = "format",
	[MF_COMPRESSION] = "compression", [MF_BYTES] = "bytes",
	[MF_SHA256] = "sha256", [MF_FILE_ID] = "file_id",
	[MF_COPIED] = "copied", [MF_MERGED] = "merged",
	[MF_DESTINATION] = "destination", [MF_SKIPPED] = "skipped",
};

void
manifest_in_open(struct manifest_in *in, int nfiles, char **files)
{
	memset(in, 0, sizeof *in);
	in->files = files;
	in->nfiles = nfiles;
	in->fd = -1;
}

/* Opens the next input; 0 when there is none left. */
static int
open_next(struct manifest_in *in)
{
	if (in->nfiles == 0) {
		if (in->idx++ > 0)
			return 0;
		in->fd = 0;
		in->name = "stdin";
	} else {
		if (in->idx >= in->nfiles)
			return 0;
		in->name = in->files[in->idx++];
		if (strcmp(in->name, "-") == 0) {
			in->fd = 0;
			in->name = "stdin";
		} else if ((in->fd = open(in->name, O_RDONLY)) < 0) {
			die_errno(EXIT_USAGE, "%s", in->name);
		}
	}
	lines_open(&in->lr, in->fd);
	return 1;
}

static void
close_cur(struct manifest_in *in)
{
	if (in->fd > 0)
		close(in->fd);
	in->fd = -1;
	lines_free(&in->lr);
}

static int
bad(const struct mline *m, const char *why)
{
	log_err("%s:%zu: %s", m->src, m->lineno, why);
	return -1;
}

/* -1 after reporting if key is there but not a count (an integer >= 0),
 * or (need) not there. */
static int
bad_count(const struct mline *m, const char *key, int need)
{
	const struct json_tok *t = mline_get(m, key);
	int64_t v;
	char msg[96];

	if (t ? json_int64(t, &v) == 0 && v >= 0 : !need)
		return 0;
	if (t)
		snprintf(msg, sizeof msg, "field '%s' is not a count", key);
	else
		snprintf(msg, sizeof msg, "end line: field '%s' missing (an "
		    "end line carries its totals)", key);
	return bad(m, msg);
}

static int
check_line(struct mline *m)
{
	const struct json_tok *v, *end;
	char msg[160];

	if (m->len >= 3 && memcmp(m->text, "\xEF\xBB\xBF", 3) == 0)
		return bad(m, "not a manifest line: it starts with a UTF-8 "
		    "byte order mark (BOM); manifests are UTF-8 without one");
	if (json_parse(&m->doc, m->text, m->len)) {
		snprintf(msg, sizeof msg, "not a manifest line: %s at byte %zu",
		    m->doc.err, m->doc.err_off + 1);
		return bad(m, msg);
	}
	if (m->doc.tok[0].type != JSON_OBJECT)
		return bad(m, "not a manifest line: not a JSON object");
	v = mline_get(m, mf_name[MF_V]);
	if (v) {
		int64_t ver;
		if (json_int64(v, &ver) || ver != MANIFEST_VERSION)
			return bad(m, "unsupported manifest version (\"v\")");
	}
	end = mline_get(m, mf_name[MF_END]);
	m->end = end && end->type == JSON_TRUE;
	/* NDJSON records where a manifest was meant: say so */
	if (!v && !end && !mline_get(m, mf_name[MF_FILE]) &&
	    !mline_get(m, mf_name[MF_LOAD_ID]))
		return bad(m, "this is not a manifest (it has no \"file\", "
		    "\"load_id\" or \"v\"): records? did you mean "
		    "stage-write?");
	if (m->end && mline_need(m, mf_name[MF_LOAD_ID], JSON_STRING))
		return -1;
	/* The totals are what catch a lost file line: a missing or wrong
	 * one is a malformed manifest, not a check to skip. */
	if (m->end && (bad_count(m, mf_name[MF_FILES], 0) ||
	    bad_count(m, mf_name[MF_ROWS], 0) ||
	    bad_count(m, mf_name[MF_FILES], 1) ||
	    bad_count(m, mf_name[MF_ROWS], 1)))
		return -1;
	return 0;
}

int
manifest_in_next(struct manifest_in *in, struct mline *m)
{
	char *line;
	size_t len;
	int r;

	for (;;) {
		if (in->fd < 0 && !open_next(in))
			return 0;
		r = lines_next(&in->lr, &line, &len);
		if (r < 0) {
			log_err("%s: read error: %s", in->name, strerror(errno));
			return -1;
		}
		if (r == 0) {
			close_cur(in);
			continue;
		}
		m->text = line;
		m->len = len;
		m->src = in->name;
		m->lineno = in->lr.lineno;
		if (len == 0)
			continue;	/* a blank line carries nothing */
		return check_line(m) ? -1 : 1;
	}
}

void
manifest_in_close(struct manifest_in *in)
{
	if (in->fd >= 0)
		close_cur(in);
}

int
manifest_each(int nfiles, char **files,
    int (*fn)(void *arg, const struct mline *m), void *arg)
{
	struct manifest_in in;
	struct mline m = { 0 };
	int r, status = 0;

	manifest_in_open(&in, nfiles, files);
	while (status == 0 && (r = manifest_in_next(&in, &m)) != 0)
		status = r < 0 ? EXIT_INCOMPLETE : fn(arg, &m);
	manifest_in_close(&in);
	mline_free(&m);
	return status;
}

void
mline_free(struct mline *m)
{
	json_doc_free(&m->doc);
}

const struct json_tok *
mline_get(const struct mline *m, const char *key)
{
	int i = json_obj_get(&m->doc, 0, key);

	return i < 0 ? NULL : &m->doc.tok[i];
}

int
mline_str(const struct mline *m, const char *key, struct buf *out)
{
	const struct json_tok *t = mline_get(m, key);

	if (!t || t->type != JSON_STRING)
		return -1;
	json_str_decode(t, out);
	return 0;
}

int
mline_i64(const struct mline *m, const char *key, int64_t *v)
{
	const struct json_tok *t = mline_get(m, key);

	return t ? json_int64(t, v) : -1;
}

static const char *const type_names[] = {
	"null", "boolean", "boolean", "number", "string", "array", "object"
};

int
mline_need(const struct mline *m, const char *key, enum json_type type)
{
	const struct json_tok *t = mline_get(m, key);
	int ok = t && (t->type == type ||
	    (type == JSON_TRUE && t->type == JSON_FALSE));

	if (ok)
		return 0;
	log_err("%s:%zu: field '%s' %s a %s", m->src, m->lineno, key,
	    t ? "is not" : "missing, expected", type_names[type]);
	return -1;
}

static int
in_set(const struct json_tok *key, const struct mfield *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (json_str_eq(key, set[i].key))
			return 1;
	return 0;
}

void
mline_rebuild(struct buf *out, const struct mline *m,
    const struct mfield *set, size_t nset)
{
	const struct json_doc *d = &m->doc;
	uint32_t i, end = d->tok[0].end;
	int first = 1;

	buf_addc(out, '{');
	for (i = 1; i < end; i = d->tok[i + 1].end) {
		if (in_set(&d->tok[i], set, nset))
			continue;
		if (!first)
			buf_addc(out, ',');
		first = 0;
		json_put_raw(out, &d->tok[i]);
		buf_addc(out, ':');
		json_put_raw(out, &d->tok[i + 1]);
	}
	for (size_t k = 0; k < nset; k++) {
		if (!first)
			buf_addc(out, ',');
		first = 0;
		json_put_str(out, set[k].key, strlen(set[k].key));
		buf_addc(out, ':');
		buf_add(out, set[k].json, set[k].len);
	}
	buf_addc(out, '}');
}

static void
write_all(const char *p, size_t n)
{
	if (fd_write_all(1, p, n) == 0)
		return;
	if (errno == EPIPE)
		exit(EXIT_FAIL);
	die_errno(EXIT_FAIL, "writing the manifest to stdout");
}

void
manifest_emit(const struct buf *line)
{
	struct buf b = BUF_INIT;

	/* One write(2) for line and newline: a pipe reader never sees a
	 * line without its end unless the writer dies mid-way. */
	buf_grow(&b, line->len + 1);
	buf_add(&b, line->p, line->len);
	buf_addc(&b, '\n');
	write_all(b.p, b.len);
	buf_free(&b);
}

void
manifest_emit_set(const char *text, size_t len, const struct mfield *set,
    size_t nset)
{
	struct mline m = { 0 };
	struct buf out = BUF_INIT;

	if (json_parse(&m.doc, text, len) == 0) {
		mline_rebuild(&out, &m, set, nset);
		manifest_emit(&out);
	}
	mline_free(&m);
	buf_free(&out);
}

/* The string member key of m (of the object at token obj), or NULL. */
static char *
str_at(const struct mline *m, int obj, enum mf key)
{
	struct buf b = BUF_INIT;
	int i = json_obj_get(&m->doc, obj, mf_name[key]);

	if (i < 0 || m->doc.tok[i].type != JSON_STRING)
		return NULL;
	json_str_decode(&m->doc.tok[i], &b);
	if (!b.p)
		buf_adds(&b, "");
	return b.p;
}

static int
field_bad(const struct mline *m, enum mf key, const char *why)
{
	log_err("%s:%zu: field '%s' %s", m->src, m->lineno, mf_name[key], why);
	return -1;
}

int
mfile_parse(const struct mline *m, struct mfile *f)
{
	const struct json_tok *t;
	int c;

	memset(f, 0, sizeof *f);
	f->seq = f->bytes = -1;
	if (!(f->load_id = str_at(m, 0, MF_LOAD_ID)))
		return field_bad(m, MF_LOAD_ID, mline_get(m,
		    mf_name[MF_LOAD_ID]) ? "is not a string" :
		    "missing, expected a string");
	f->file = str_at(m, 0, MF_FILE);
	f->url = str_at(m, 0, MF_URL);
	f->sha256 = str_at(m, 0, MF_SHA256);
	f->format = str_at(m, 0, MF_FORMAT);
	f->compression = str_at(m, 0, MF_COMPRESSION);
	f->file_id = str_at(m, 0, MF_FILE_ID);
	if (!f->file_id && (t = mline_get(m, mf_name[MF_FILE_ID])) &&
	    t->type == JSON_NUMBER) {
		/* stage-write numbers its files in the order it wrote them:
		 * that order, not the order lines arrive in (stage-put
		 * passes them on as uploads finish), is the load's */
		f->file_id = xstrndup(t->p, t->len);
		if (json_int64(t, &f->seq) || f->seq < 0)
			f->seq = -1;
	}
	if (!f->file_id && f->sha256)
		f->file_id = xstrdup(f->sha256);
	c = json_obj_get(&m->doc, 0, mf_name[MF_COPIED]);
	if (c >= 0 && m->doc.tok[c].type == JSON_OBJECT)
		f->copied_to = str_at(m, c, MF_DESTINATION);
	if (mline_i64(m, mf_name[MF_ROWS], &f->rows) < 0 || f->rows < 0)
		return field_bad(m, MF_ROWS, "missing or not a count");
	if (mline_get(m, mf_name[MF_BYTES]) &&
	    (mline_i64(m, mf_name[MF_BYTES], &f->bytes) < 0 || f->bytes < 0))
		return field_bad(m, MF_BYTES, "is not a count");
	return 0;
}

void
mfile_free(struct mfile *f)
{
	free(f->load_id);
	free(f->file);
	free(f->url);
	free(f->sha256);
	free(f->format);
	free(f->compression);
	free(f->file_id);
	free(f->copied_to);
	memset(f, 0, sizeof *f);
}

/* ,"key": */
static void
put_key(struct buf *b, enum mf key)
{
	if (b->len > 1)
		buf_addc(b, ',');
	json_put_str(b, mf_name[key], strlen(mf_name[key]));
	buf_addc(b, ':');
}

static void
put_str(struct buf *b, enum mf key, const char *v)
{
	put_key(b, key);
	json_put_str(b, v, strlen(v));
}

static void
put_names(struct buf *b, enum mf key, const char *const *v, size_t n)
{
	put_key(b, key);
	buf_addc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(b, ',');
		json_put_str(b, v[i], strlen(v[i]));
	}
	buf_addc(b, ']');
}

void
mfile_emit(const struct mfile_out *f)
{
	struct buf b = BUF_INIT;

	buf_addc(&b, '{');
	put_key(&b, MF_V);
	buf_printf(&b, "%d", MANIFEST_VERSION);
	put_str(&b, MF_LOAD_ID, f->load_id);
	put_str(&b, MF_DATASET, f->dataset);
	put_str(&b, MF_TABLE, f->table);
	put_str(&b, MF_DISPOSITION, f->disposition);
	put_names(&b, MF_PRIMARY_KEY, f->pk, f->npk);
	put_names(&b, MF_MERGE_KEY, f->mk, f->nmk);
	put_key(&b, MF_COLUMNS);
	buf_adds(&b, f->columns);
	if (f->extra) {
		buf_addc(&b, ',');
		buf_adds(&b, f->extra);
	}
	put_str(&b, MF_FILE, f->file);
	put_str(&b, MF_FORMAT, f->format);
	put_str(&b, MF_COMPRESSION, f->compression);
	put_key(&b, MF_ROWS);
	buf_printf(&b, "%llu", (unsigned long long)f->rows);
	put_key(&b, MF_BYTES);
	buf_printf(&b, "%llu", (unsigned long long)f->bytes);
	put_str(&b, MF_SHA256, f->sha256);
	put_key(&b, MF_FILE_ID);
	buf_printf(&b, "%u}", f->file_id);
	manifest_emit(&b);
	buf_free(&b);
}

void
mend_emit(const char *load_id, uint64_t files, uint64_t rows)
{
	struct buf b = BUF_INIT;

	buf_addc(&b, '{');
	put_key(&b, MF_V);
	buf_printf(&b, "%d", MANIFEST_VERSION);
	put_key(&b, MF_END);
	buf_adds(&b, "true");
	put_str(&b, MF_LOAD_ID, load_id);
	put_key(&b, MF_FILES);
	buf_printf(&b, "%llu", (unsigned long long)files);
	put_key(&b, MF_ROWS);
	buf_printf(&b, "%llu}", (unsigned long long)rows);
	manifest_emit(&b);
	buf_free(&b);
}

void
mresult_emit(const char *text, size_t len, const struct mresult *r)
{
	struct buf val = BUF_INIT;
	struct mfield set = { mf_name[r->key], NULL, 0 };

	buf_addc(&val, '{');
	put_str(&val, MF_TABLE, r->table);
	put_key(&val, MF_ROWS);
	buf_printf(&val, "%lld", (long long)r->rows);
	if (r->skipped) {
		put_key(&val, MF_SKIPPED);
		buf_adds(&val, "true");
	}
	if (r->destination)
		put_str(&val, MF_DESTINATION, r->destination);
	buf_addc(&val, '}');
	set.json = val.p;
	set.len = val.len;
	manifest_emit_set(text, len, &set, 1);
	buf_free(&val);
}

struct mload *
mloads_of(struct mloads *l, const struct mline *m)
{
	char *id = str_at(m, 0, MF_LOAD_ID);
	struct mload *ld = mloads_get(l, id ? id : "");

	free(id);
	return ld;
}

struct mload *
mloads_get(struct mloads *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	memset(&l->v[l->n], 0, sizeof l->v[l->n]);
	l->v[l->n].id = xstrdup(id);
	return &l->v[l->n++];
}

int
mloads_complete(const struct mloads *l)
{
	if (l->n == 0)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].ended)
			return 0;
	return 1;
}

void
mloads_free(struct mloads *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].id);
		buf_free(&l->v[i].endline);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int64_t
mload_file(struct mload *ld, const struct mline *m, int64_t rows)
{
	if (ld->ended) {
		log_err("%s:%zu: file line after the end line of load %s",
		    m->src, m->lineno, ld->id);
		return -1;
	}
	ld->rows += rows;
	return (int64_t)ld->files++;
}

int
mload_end(struct mload *ld, const struct mline *m)
{
	int64_t files = -1, rows = -1;

	/* check_line made sure both are there */
	mline_i64(m, mf_name[MF_FILES], &files);
	mline_i64(m, mf_name[MF_ROWS], &rows);
	if ((size_t)files != ld->files || rows != ld->rows) {
		log_err("%s:%zu: end line of load %s promises %lld files and "
		    "%lld rows, the manifest has %zu and %lld", m->src,
		    m->lineno, ld->id, (long long)files, (long long)rows,
		    ld->files, (long long)ld->rows);
		return -1;
	}
	ld->ended = 1;
	buf_reset(&ld->endline);
	buf_add(&ld->endline, m->text, m->len);
	return 0;
}
