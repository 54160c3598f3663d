/*
 * source: staged object -> decompressor -> format reader (format.h: JSONL
 * to CSV, CSV as it is) -> row tagger -> sink.  Push style all the way,
 * so the same chain serves a local read loop and a storage back end's
 * streaming GET.  A format that reads at offsets instead (read, not
 * feed) gets the object's size and a ranged read, and no stream.
 *
 * The raw bytes (before the decompressor) are hashed and counted as they
 * pass, and at the end checked against the manifest's sha256 and bytes:
 * an object changed or damaged in the staging storage fails the stream,
 * so the destination never commits it.  After a data error of our own
 * (corrupt compression, a bad JSONL line) the rest of the object is still
 * read, only hashed, so that damage is named as such rather than as the
 * symptom it caused; a failing sink stops the read at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "format.h"
#include "log.h"
#include "sha256.h"
#include "source.h"
#include "sql.h"
#include "storage.h"

#define CHUNK (256 * 1024)

/* Row tagging: a CSV scanner that finds row starts (a newline outside
 * quotes) and writes the tags before each row. */
struct tagger {
	zsink sink;
	void *ctx;
	const char *object;
	struct buf out;
	int64_t file_no;
	int64_t row;		/* rows started; 0 = the header is next */
	int at_start, in_quote;
};

static void
tagger_init(struct tagger *t, const struct dfile *f, int64_t file_no,
    zsink sink, void *ctx)
{
	memset(t, 0, sizeof *t);
	t->sink = sink;
	t->ctx = ctx;
	t->object = f->object;
	t->file_no = file_no;
	t->at_start = 1;
}

static int
tflush(struct tagger *t)
{
	if (t->out.len && t->sink(t->ctx, t->out.p, t->out.len) < 0)
		return -1;
	buf_reset(&t->out);
	return 0;
}

/* Returns the end of the row that starts at p (after its newline), or
 * end; memchr does the scanning, a row's quotes only flip the state. */
static const char *
row_end(struct tagger *t, const char *p, const char *end)
{
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *lim = nl ? nl : end, *x = p;

		while ((x = memchr(x, '"', (size_t)(lim - x)))) {
			t->in_quote = !t->in_quote;
			x++;
		}
		if (!nl)
			return end;
		if (!t->in_quote) {
			t->at_start = 1;
			return nl + 1;
		}
		p = nl + 1;
	}
}

static int
tfeed(void *ctx, const void *vp, size_t n)
{
	struct tagger *t = ctx;
	const char *p = vp, *end = p + n;

	while (p < end) {
		const char *q;
		if (t->at_start) {
			if (t->row++ == 0) {
				buf_adds(&t->out, SOURCE_TAG_COLUMN ",");
			} else if (t->row - 1 > SQL_ROW_MAX) {
				log_err("%s: more than %lld rows: split the "
				    "file", t->object, SQL_ROW_MAX);
				return -1;
			} else {
				buf_add_u64(&t->out, (uint64_t)sql_row_tag(
				    t->file_no, t->row - 1));
				buf_addc(&t->out, ',');
			}
			t->at_start = 0;
		}
		q = row_end(t, p, end);
		buf_add(&t->out, p, (size_t)(q - p));
		p = q;
		if (t->out.len >= CHUNK && tflush(t) < 0)
			return -1;
	}
	return 0;
}

static void
tagger_free(struct tagger *t)
{
	buf_free(&t->out);
}

/* The local path of a staged object, or NULL (then *scheme says what). */
static const char *
local_path(const struct dfile *f)
{
	if (!f->url)
		return f->file;
	if (strncmp(f->url, "file://", 7) == 0)
		return f->url + 7;
	if (!strstr(f->url, "://"))
		return f->url;
	return NULL;
}

/* Notes a failure of the caller's sink, which reports its own error. */
struct guard {
	zsink sink;
	void *ctx;
	int failed;
};

static int
guarded(void *ctx, const void *p, size_t n)
{
	struct guard *g = ctx;

	if (g->sink(g->ctx, p, n) < 0) {
		g->failed = 1;
		return -1;
	}
	return 0;
}

static const char *
setting(void *ctx, const char *key)
{
	return ctx ? config_get(ctx, key) : NULL;
}

/* The storage of the last remote object read, kept open for the next:
 * one configuration read, one set of credentials, and the connections
 * storage_get keeps (storage.h). */
struct sources {
	struct storage st;
	struct config *cf;
	char *root;		/* "s3://bucket" */
	char *line;		/* the line's storage members (dfile) */
};

static int
same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

void
sources_free(struct sources *s)
{
	if (!s)
		return;
	storage_close(&s->st);
	config_free(s->cf);
	free(s->root);
	free(s->line);
	free(s);
}

/* The storage holding a remote object's URL ("s3://bucket/key"), from
 * *s when it is that storage, else opened into a new *s: the bucket is
 * the storage, the rest the key.  Endpoint, region and credentials come
 * from the line (what stage-put was told), the environment and the dlt
 * configuration, as for stage-put.  NULL after reporting. */
static struct storage *
remote_open(struct sources **s, const struct dfile *f, const char **key)
{
	const char *rest = strstr(f->url, "://") + 3;
	const char *slash = strchr(rest, '/');
	struct storage_opts o;
	struct sources *n;
	struct buf err = BUF_INIT;
	size_t rlen;

	if (!slash || !slash[1]) {
		log_err("%s: no object key in the URL", f->object);
		return NULL;
	}
	*key = slash + 1;
	rlen = (size_t)(slash - f->url);
	if (*s && strlen((*s)->root) == rlen &&
	    strncmp((*s)->root, f->url, rlen) == 0 &&
	    same_str((*s)->line, f->storage))
		return &(*s)->st;
	sources_free(*s);
	*s = NULL;
	n = xcalloc(1, sizeof *n);
	if (!(n->cf = config_load())) {
		free(n);
		return NULL;
	}
	n->root = xstrndup(f->url, rlen);
	n->line = f->storage ? xstrdup(f->storage) : NULL;
	memset(&o, 0, sizeof o);
	/* What stage-put was told by flags wins: the object is there. */
	o.path_style = -1;
	o.line = n->line;
	o.reads_only = 1;
	o.jobs = 1;
	o.retries = 4;
	o.setting = setting;
	o.setting_ctx = n->cf;
	if (storage_open(&n->st, n->root, &o, &err, NULL) < 0) {
		log_err("%s: %s", f->object, err.p ? err.p : "cannot open");
		buf_free(&err);
		memset(&n->st, 0, sizeof n->st);
		sources_free(n);
		return NULL;
	}
	*s = n;
	return &n->st;
}


/* The raw object on its way into the decompressor. */
struct raw {
	struct sha256 h;
	uint64_t n;
	struct zdec *z;
	const struct guard *g;
	int bad;		/* our data error: only hashing from here */
};

static int
rawfeed(void *ctx, const void *p, size_t n)
{
	struct raw *w = ctx;

	sha256_update(&w->h, p, n);
	w->n += n;
	if (w->bad)
		return 0;
	if (zdec_feed(w->z, p, n) < 0) {
		if (w->g->failed)
			return -1;
		w->bad = 1;
	}
	return 0;
}

/* 0 when the object read is the one the manifest describes (or the line
 * does not say), else -1 after reporting. */
static int
verify(const struct dfile *f, struct raw *w)
{
	char hex[65];

	sha256_final_hex(&w->h, hex);
	if (f->sha256 && strcmp(hex, f->sha256) != 0) {
		log_err("%s: sha256 mismatch: the staged object hashes to %s, "
		    "the manifest says %s (changed or corrupted in the "
		    "staging storage?)", f->object, hex, f->sha256);
		return -1;
	}
	/* "bytes" absent reads 0: only a positive count is checked */
	if (f->bytes > 0 && w->n != (uint64_t)f->bytes) {
		log_err("%s: size mismatch: the staged object has %llu bytes, "
		    "the manifest says %lld (changed or corrupted in the "
		    "staging storage?)", f->object, (unsigned long long)w->n,
		    (long long)f->bytes);
		return -1;
	}
	return 0;
}

/* Streams a remote object through z (a storage back end's GET). */
/* Reads a remote object through *s (or, with s NULL, a storage opened
 * for this object alone). */
static int
read_remote(struct sources **s, const struct dfile *f, struct raw *w,
    int *reported)
{
	struct sources *own = NULL, **use = s ? s : &own;
	struct storage *st;
	struct buf err = BUF_INIT;
	const char *key;
	int r;

	if (!(st = remote_open(use, f, &key))) {
		*reported = 1;
		return -1;
	}
	r = storage_get(st, key, rawfeed, w, &err);
	if (r < 0 && err.len) {
		log_err("%s: %s", f->object, err.p);
		*reported = 1;
	}
	sources_free(own);
	buf_free(&err);
	return r;
}

static int
read_local(const struct dfile *f, const char *path, struct raw *w,
    int *reported)
{
	char *chunk = xmalloc(CHUNK);
	int fd, r = -1;
	ssize_t n;

	if ((fd = open(path, O_RDONLY)) < 0) {
		log_err("%s: cannot open: %s", f->object, strerror(errno));
		*reported = 1;
		goto out;
	}
	while ((n = read(fd, chunk, CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("%s: read: %s", f->object, strerror(errno));
			*reported = 1;
			goto out;
		}
		if (rawfeed(w, chunk, (size_t)n) < 0)
			goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(chunk);
	return r;
}

/* The format's reader set up on the caller's sink (through the guard). */
static int
reader_open(const struct format_ops *fo, struct format_read *fr,
    const struct dfile *f, struct guard *g)
{
	memset(fr, 0, sizeof *fr);
	fr->t = &f->t;
	fr->object = f->object;
	fr->sink = guarded;
	fr->ctx = g;
	fr->size = f->bytes > 0 ? (uint64_t)f->bytes : 0;
	return fo->open ? fo->open(fr) : 0;
}

/* A ranged read of a local file (format_range). */
struct local_range {
	int fd;
};

static int
local_range_read(void *ctx, uint64_t off, uint64_t len, zsink sink,
    void *sink_ctx, struct buf *err)
{
	struct local_range *l = ctx;
	char *chunk = xmalloc(CHUNK);
	int r = -1;

	while (len > 0) {
		size_t want = len < CHUNK ? (size_t)len : CHUNK;
		ssize_t n = pread(l->fd, chunk, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;		/* short: the caller counts */
		if (sink(sink_ctx, chunk, (size_t)n) < 0)
			goto out;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	r = 0;
out:
	free(chunk);
	return r;
}

/* A ranged read of a remote object (format_range). */
struct remote_range {
	struct storage *st;
	const char *key;
};

static int
remote_range_read(void *ctx, uint64_t off, uint64_t len, zsink sink,
    void *sink_ctx, struct buf *err)
{
	struct remote_range *m = ctx;

	return storage_get_range(m->st, m->key, off, len, sink, sink_ctx,
	    err);
}

/* The local file's size, checked against the manifest's bytes. */
static int
local_size(const struct dfile *f, int fd, uint64_t *size)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0) {
		log_err("%s: %s", f->object, strerror(errno));
		return -1;
	}
	if (f->bytes > 0 && (uint64_t)sb.st_size != (uint64_t)f->bytes) {
		log_err("%s: size mismatch: the staged object has %llu bytes, "
		    "the manifest says %lld (changed or corrupted in the "
		    "staging storage?)", f->object,
		    (unsigned long long)sb.st_size, (long long)f->bytes);
		return -1;
	}
	*size = (uint64_t)sb.st_size;
	return 0;
}

static int
run_read(const struct format_ops *fo, const struct dfile *f,
    struct format_read *fr)
{
	if (fo->read(fr) < 0) {
		if (fr->err[0])
			log_err("%s: %s", f->object, fr->err);
		return -1;
	}
	return 0;
}

/* A local file is hashed whole before it is read at offsets: from the
 * page cache that costs little, and damage is then named as such. */
static int
verify_local(const struct dfile *f, const char *path)
{
	struct raw w;
	int reported = 0;

	memset(&w, 0, sizeof w);
	sha256_init(&w.h);
	w.bad = 1;		/* hash only */
	if (read_local(f, path, &w, &reported) < 0)
		return -1;
	return verify(f, &w);
}

/* A format that reads at offsets gets the object's size and fr->range,
 * the ranged read of its local file or of its storage back end
 * (storage_get_range: the footer first, then what the footer points
 * at).  A local file is checked against the line's sha256 and bytes
 * first; a remote object is not hashed as a whole, and the format checks
 * what it reads (Parquet: the footer's lengths and offsets against the
 * size, page checksums). */
static int
stream_ranged(struct sources **s, const struct format_ops *fo,
    const struct dfile *f, struct format_read *fr)
{
	const char *path = local_path(f);
	struct sources *own = NULL, **use = s ? s : &own;
	struct local_range l;
	struct remote_range m;
	int r = -1;

	if (path) {
		if (verify_local(f, path) < 0)
			return -1;
		if ((l.fd = open(path, O_RDONLY)) < 0) {
			log_err("%s: cannot open: %s", f->object,
			    strerror(errno));
			return -1;
		}
		fr->range = local_range_read;
		fr->range_ctx = &l;
		if (local_size(f, l.fd, &fr->size) == 0)
			r = run_read(fo, f, fr);
		close(l.fd);
		return r;
	}
	if (f->bytes <= 0) {
		log_err("%s: %s files are read at offsets, which needs the "
		    "object's size: the manifest line has no bytes", f->object,
		    fo->name);
		return -1;
	}
	if ((m.st = remote_open(use, f, &m.key))) {
		fr->range = remote_range_read;
		fr->range_ctx = &m;
		r = run_read(fo, f, fr);
	}
	sources_free(own);
	return r;
}

int
source_stream(struct sources **s, const struct dfile *f, int64_t file_no,
    zsink sink, void *ctx)
{
	const struct format_ops *fo = format_get(f->format);
	struct format_read fr;
	struct tagger tg;
	struct guard g = { sink, ctx, 0 };
	struct raw w;
	struct zdec *z = NULL;
	const char *path = local_path(f);
	char hex[65];
	int r = -1, reported = 0;

	memset(&w, 0, sizeof w);
	if (!fo) {
		struct buf known = BUF_INIT;
		format_names(&known);
		log_err("%s: %s files cannot be streamed as CSV; this "
		    "destination loads %s", f->object,
		    format_name(f->format), known.p);
		buf_free(&known);
		return -1;
	}
	tagger_init(&tg, f, file_no, sink, ctx);
	if (file_no >= 0) {
		g.sink = tfeed;
		g.ctx = &tg;
	}
	if (reader_open(fo, &fr, f, &g) < 0) {
		if (fr.err[0])
			log_err("%s: %s", f->object, fr.err);
		goto out;
	}
	if (!fo->feed) {
		if (stream_ranged(s, fo, f, &fr) < 0)
			goto out;
		goto tail;
	}
	z = zdec_new(fo->self_compressing ? COMP_NONE : f->comp, fo->feed,
	    &fr);
	sha256_init(&w.h);
	w.z = z;
	w.g = &g;
	if (path ? read_local(f, path, &w, &reported) < 0 :
	    read_remote(s, f, &w, &reported) < 0)
		goto zerr;
	/* before anything else: damage explains whatever else failed */
	if (verify(f, &w) < 0)
		goto out;
	if (w.bad || zdec_finish(z) < 0)
		goto zerr;
	if (fo->finish && fo->finish(&fr) < 0)
		goto zerr;
tail:
	if (file_no >= 0 && tflush(&tg) < 0) {
		g.failed = 1;
		goto out;
	}
	r = 0;
	goto out;
zerr:
	/* a read error or a failure of the sink's is reported already */
	if (reported || g.failed)
		;
	else if (fr.err[0])
		log_err("%s: %s", f->object, fr.err);
	else
		log_err("%s: %s", f->object, zdec_error(z));
out:
	if (z && w.h.ctx)	/* the read stopped short: nothing to compare */
		sha256_final_hex(&w.h, hex);
	zdec_free(z);
	if (fo->close)
		fo->close(&fr);
	tagger_free(&tg);
	return r;
}

int
source_typed(const struct dfile *f)
{
	const struct format_ops *fo = format_get(f->format);

	return fo && fo->read && fo->typed_rows;
}

/* The sink of a typed read, which writes no CSV. */
static int
no_csv(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return -1;
}

int
source_rows(struct sources **s, const struct dfile *f, format_row row,
    void *ctx)
{
	const struct format_ops *fo = format_get(f->format);
	struct format_read fr;
	struct guard g = { no_csv, NULL, 0 };
	int r = -1;

	if (!source_typed(f)) {
		log_err("%s: %s files are not read as typed rows", f->object,
		    format_name(f->format));
		return -1;
	}
	if (reader_open(fo, &fr, f, &g) < 0) {
		if (fr.err[0])
			log_err("%s: %s", f->object, fr.err);
	} else {
		fr.row = row;
		fr.row_ctx = ctx;
		r = stream_ranged(s, fo, f, &fr);
	}
	if (fo->close)
		fo->close(&fr);
	return r;
}

int
source_delete(struct sources **s, const struct dfile *f)
{
	const char *path = local_path(f);

	if (!path) {
		struct sources *own = NULL, **use = s ? s : &own;
		struct storage *st;
		struct buf err = BUF_INIT;
		const char *key;
		int r = -1;

		if ((st = remote_open(use, f, &key)) &&
		    (r = storage_del(st, key, &err)) < 0)
			log_err("%s: cannot remove: %s", f->object,
			    err.p ? err.p : "failed");
		sources_free(own);
		buf_free(&err);
		return r;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		log_err("%s: cannot remove: %s", f->object, strerror(errno));
		return -1;
	}
	return 0;
}
