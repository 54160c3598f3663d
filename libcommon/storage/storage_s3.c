/*
 * storage_s3: S3 and S3-compatible stores as staging storage.
 *
 * A put is a small state machine driven by s3.c's asynchronous requests
 * on one libcurl multi handle, with at most opts.jobs requests in flight
 * over all files (parts of one file and different files alike):
 *
 *   HEAD key: x-amz-meta-sha256 equal to the manifest's -> skipped.
 *   below the threshold: hash the file (it must match the manifest), then
 *     one PutObject streamed from the file, signed with that hash;
 *   from the threshold on: ListMultipartUploads for the key (every page)
 *     and abort every upload of exactly this key (left by a killed run), then
 *     CreateMultipartUpload, UploadPart for each part (read once into
 *     memory, hashed once for x-amz-content-sha256 and the whole
 *     file's SHA-256, which is compared with the manifest's before
 *     the last part goes out), CompleteMultipartUpload.  Any failure
 *     aborts the upload.  A CompleteMultipartUpload answered NoSuchUpload
 *     may have completed on a try whose answer was lost (S3 forgets the
 *     upload id then): a HEAD decides, the object holding the manifest's
 *     SHA-256 is success.
 *   Sweeps: a CreateMultipartUpload whose answer was lost leaves an
 *     upload nobody knows the id of (libcurl even retries a request on a
 *     dead kept-alive connection by itself, so not even the try count
 *     tells), and an object skipped as already stored may have such a
 *     leftover from the run that stored it.  So after a multipart upload
 *     completes, and when a file of multipart size is skipped, the
 *     uploads of exactly this key are listed and aborted: once the object
 *     is in place nobody needs them (any upload of this key is of the same
 *     bytes).  A part or complete answered NoSuchUpload because another
 *     run swept it is decided by a HEAD, as above.
 *
 * Reading and hashing (SHA-256 of each part and of the whole file;
 * SHA-256 of a small file) happen on httpx.h's helper thread, in
 * order, so the thread driving libcurl never stalls on them and the two
 * cores of a small machine both work; it hands prepared requests back
 * and wakes the transfer loop (http_wakeup).
 *
 * Blocking gets and deletes (and the bucket check) take a connection from
 * httpx.h's pool and give it back, so that a storage used for many
 * objects keeps its connections alive, while calls from several threads
 * at once still each have their own (storage.h).
 *
 * The object's x-amz-meta-sha256 is the manifest's SHA-256 of the whole
 * file; it is what the next run compares.  Before the first put a
 * ListObjectsV2 of one key checks bucket and credentials once, so that a
 * missing bucket or a wrong secret is one clear S3 error (Code and
 * Message), not one per file.
 *
 * Manifest lines: the flags stage-put was given that decide where the
 * objects are (endpoint, region, addressing) go into each line as
 * s3_endpoint, s3_region and s3_path_style; opening on such a line
 * (storage_opts.line) takes them back, flags still winning.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include "json.h"
#include "log.h"
#include "objq.h"
#include "s3.h"
#include "sha256.h"
#include "storage.h"
#include "xml.h"

enum fst { F_NEW, F_LIST, F_ABORT_OLD, F_CREATE, F_PARTS, F_COMPLETE, F_PUT,
	F_ABORT, F_CHECK, F_DONE };
enum opkind { OP_HEAD, OP_LIST, OP_ABORT_OLD, OP_CREATE, OP_PART,
	OP_COMPLETE, OP_PUT, OP_ABORT, OP_CHECK };

struct s3file {
	struct s3be *be;
	struct storage_put *p;
	enum fst st;
	int busy;		/* a request other than a part in flight */
	int fd;
	uint64_t size, psize;
	uint32_t nparts, next, parts_done, parts_out;
	char **etags;
	char *upload_id;
	struct sha256_pair fh;	/* the whole file's and each part's */
	struct buf stale;	/* upload ids to abort, NUL-separated */
	size_t stale_off;
	struct buf mark_key, mark_id;	/* where the next listing page starts */
	int sweeping;		/* listing, aborting once the object is in */
	enum storage_result swept;	/* the result once the sweep is over */
	int gone;		/* a part was answered NoSuchUpload */
	int failed;
	void *link;		/* the next file (objq) */
};

struct s3op {
	struct objreq r;
	struct s3file *f;
	enum opkind kind;
	uint32_t part;
	char *data;		/* part bytes (a pool buffer) */
	char num[16];
	char *id;		/* upload id copy for the query */
	struct buf body;
	struct buf perr;	/* preparation failed: why */
	struct httpx_job job;	/* in the helper thread's queues */
};

struct s3be {
	struct s3 s3;
	int jobs, inflight;
	uint64_t part_size, threshold;
	int no_list;		/* no s3:ListBucket: HEAD says 403 for absent */
	struct objq q;		/* the files, and the bucket check's verdict */
	char **pool;
	size_t npool;
	struct httpx_worker prep;	/* the reading and hashing thread */
	struct httpx_pool conns;	/* for blocking calls */
};

/* Part sizes: S3 allows 5 MiB..5 GiB and at most 10,000 parts. */
#define MIN_PART (5ULL << 20)
#define MAX_PART (5ULL << 30)
#define MAX_PARTS 10000

static const char *const s3_members[] = {
	"s3_endpoint", "s3_region", "s3_path_style", NULL,
};

static size_t
s3be_line(const struct storage *st, struct storage_member *m)
{
	const struct storage_opts *o = &st->opts;
	size_t n = 0;

	if (o->endpoint) {
		m[n].name = s3_members[0];
		json_put_str(&m[n++].json, o->endpoint, strlen(o->endpoint));
	}
	if (o->region) {
		m[n].name = s3_members[1];
		json_put_str(&m[n++].json, o->region, strlen(o->region));
	}
	if (o->path_style >= 0) {
		m[n].name = s3_members[2];
		buf_adds(&m[n++].json, o->path_style ? "true" : "false");
	}
	return n;
}

/* String member name of the line object d into out (NULL if absent or
 * not a string). */
static const char *
line_str(const struct json_doc *d, const char *name, struct buf *out)
{
	int i = d->ntok ? json_obj_get(d, 0, name) : -1;

	if (i < 0 || d->tok[i].type != JSON_STRING)
		return NULL;
	json_str_decode(&d->tok[i], out);
	if (!out->p)
		buf_adds(out, "");
	return out->p;
}

/* o with what the line says where no flag was given, into lo (the
 * strings in ep and rg). */
static void
line_opts(const struct storage_opts *o, struct storage_opts *lo,
    struct buf *ep, struct buf *rg)
{
	struct json_doc d = { 0 };
	int i;

	*lo = *o;
	if (!o->line || json_parse(&d, o->line, strlen(o->line))) {
		json_doc_free(&d);
		return;
	}
	if (!lo->endpoint)
		lo->endpoint = line_str(&d, s3_members[0], ep);
	if (!lo->region)
		lo->region = line_str(&d, s3_members[1], rg);
	if (lo->path_style < 0 &&
	    (i = json_obj_get(&d, 0, s3_members[2])) >= 0)
		lo->path_style = d.tok[i].type == JSON_TRUE;
	json_doc_free(&d);
}

static const struct objq_ops put_ops;

static int
open_with(struct storage *st, const char *rest, const struct storage_opts *lo,
    const struct s3_preset *ps, struct buf *err)
{
	struct s3be *be;
	const char *slash = strchr(rest, '/');
	struct buf b = BUF_INIT, url = BUF_INIT, ep = BUF_INIT, rg = BUF_INIT;
	struct storage_opts opts, *o = &opts;

	buf_add(&b, rest, slash ? (size_t)(slash - rest) : strlen(rest));
	if (!b.len) {
		buf_printf(err, "s3://%s: no bucket name", rest);
		buf_free(&b);
		return -1;
	}
	line_opts(lo, o, &ep, &rg);
	be = xcalloc(1, sizeof *be);
	be->jobs = o->jobs > 0 ? o->jobs : 8;
	be->part_size = o->part_size;
	be->threshold = o->threshold;
	be->s3.cfg.retries = o->retries;
	if (ps) {
		be->s3.cfg.access_key = xstrdup(ps->access_key);
		be->s3.cfg.secret_key = xstrdup(ps->secret_key);
		if (!o->endpoint)
			o->endpoint = ps->endpoint;
		if (!o->region)
			o->region = ps->region;
	}
	if (s3_cfg_load(&be->s3.cfg, b.p, o->endpoint, o->region,
	    o->path_style, o->setting, o->setting_ctx, err)) {
		s3_free(&be->s3);
		free(be);
		buf_free(&b);
		buf_free(&ep);
		buf_free(&rg);
		return -1;
	}
	buf_free(&ep);
	buf_free(&rg);
	s3_init(&be->s3);
	objq_init(&be->q, &put_ops, be, offsetof(struct s3file, link));
	httpx_worker_init(&be->prep, be->s3.x.http);
	httpx_pool_init(&be->conns);
	buf_printf(&url, "s3://%s", b.p);
	st->url = url.p;
	if (slash && slash[1]) {
		struct buf pre = BUF_INIT;
		buf_adds(&pre, slash + 1);
		if (pre.p[pre.len - 1] != '/')
			buf_addc(&pre, '/');
		st->prefix = pre.p;
	}
	st->be = be;
	buf_free(&b);
	return 0;
}

static int
s3be_open(struct storage *st, const char *rest, const struct storage_opts *lo,
    struct buf *err)
{
	return open_with(st, rest, lo, NULL, err);
}

int
storage_s3_open_preset(struct storage *st, const char *rest,
    const struct storage_opts *o, const struct s3_preset *pre,
    struct buf *err)
{
	return open_with(st, rest, o, pre, err);
}

static void
s3be_close(struct storage *st)
{
	struct s3be *be = st->be;

	if (!be)
		return;
	httpx_worker_free(&be->prep);
	httpx_pool_free(&be->conns);
	for (size_t i = 0; i < be->npool; i++)
		free(be->pool[i]);
	free(be->pool);
	objq_free(&be->q);
	s3_free(&be->s3);
	free(be);
	st->be = NULL;
}

static char *
pool_get(struct s3be *be, uint64_t size)
{
	/* Buffers are all be->part_size or larger (enlarged parts); a
	 * pooled one that is too small is dropped. */
	while (be->npool) {
		char *b = be->pool[--be->npool];
		if (size <= be->part_size)
			return b;
		free(b);
	}
	return xmalloc(size > be->part_size ? size : be->part_size);
}

static void
pool_put(struct s3be *be, char *b, uint64_t size)
{
	if (!b)
		return;
	if (size > be->part_size || be->npool >= (size_t)be->jobs) {
		free(b);
		return;
	}
	be->pool = xrealloc(be->pool, (be->npool + 1) * sizeof *be->pool);
	be->pool[be->npool++] = b;
}

/* Checks bucket and credentials once; an answer that says every put
 * will fail is kept in bad (objq's check). */
static void
check_bucket(struct storage *st, struct buf *bad)
{
	struct s3be *be = st->be;
	struct http_conn *c = httpx_pool_take(&be->conns);
	struct objreq r;

	objreq_init(&r, "GET", NULL);
	objreq_query(&r, "list-type", "2");
	objreq_query(&r, "max-keys", "1");
	objreq_query(&r, "prefix", st->prefix);
	if (objx_perform(&be->s3.x, c, &r)) {
		/* Without s3:ListBucket a writer can still put objects. */
		if (r.code.p && strcmp(r.code.p, "AccessDenied") == 0) {
			be->no_list = 1;
		} else {
			buf_printf(bad, "bucket %s: ", be->s3.cfg.bucket);
			objreq_strerror(&r, bad);
		}
	}
	objreq_free(&r);
	httpx_pool_give(&be->conns, c);
}

static void on_op_done(struct objreq *r);

static struct s3op *
op_new(struct s3file *f, enum opkind kind, const char *method)
{
	struct s3op *op = xcalloc(1, sizeof *op);

	objreq_init(&op->r, method, f->p->key);
	op->r.done = on_op_done;
	op->r.ctx = op;
	op->f = f;
	op->kind = kind;
	return op;
}

static void
op_free(struct s3op *op)
{
	objreq_free(&op->r);
	buf_free(&op->body);
	buf_free(&op->perr);
	free(op->id);
	free(op);
}

static void
op_send(struct s3op *op)
{
	op->f->be->inflight++;
	objx_start(&op->f->be->s3.x, &op->r);
}

static void
fail(struct s3file *f, const char *what, const struct objreq *r)
{
	objreq_fail(&f->p->err, &f->failed, "s3", what, r);
}

/* Ends a file: unlinks it and reports. */
static void
finish(struct s3file *f, enum storage_result res)
{
	struct s3be *be = f->be;

	objq_unlink(&be->q, f);
	if (f->fd >= 0)
		close(f->fd);
	for (uint32_t i = 0; f->etags && i < f->nparts; i++)
		free(f->etags[i]);
	free(f->etags);
	free(f->upload_id);
	sha256_pair_free(&f->fh);
	buf_free(&f->stale);
	buf_free(&f->mark_key);
	buf_free(&f->mark_id);
	f->p->result = f->failed ? STORAGE_FAILED : res;
	f->p->done(f->p);
	free(f);
}

static void
plan_parts(struct s3file *f)
{
	struct s3be *be = f->be;
	uint64_t ps = be->part_size;

	/* Enlarge parts (to whole MiB) until the file fits 10,000. */
	if ((f->size + ps - 1) / ps > MAX_PARTS)
		ps = ((f->size / MAX_PARTS) / (1 << 20) + 1) << 20;
	if (ps < MIN_PART)
		ps = MIN_PART;
	if (ps > MAX_PART)
		ps = MAX_PART;
	f->psize = ps;
	f->nparts = (uint32_t)((f->size + ps - 1) / ps);
	if (f->nparts == 0)
		f->nparts = 1;
}

/* Opens the file and checks its size against the manifest's. */
static int
open_source(struct s3file *f)
{
	if (objq_open_source(f->p, &f->fd, &f->size)) {
		f->failed = 1;
		return -1;
	}
	return 0;
}

/* Lists and aborts the uploads of f's key, then finishes with res. */
static void
start_sweep(struct s3file *f, enum storage_result res)
{
	buf_reset(&f->stale);
	buf_reset(&f->mark_key);
	buf_reset(&f->mark_id);
	f->stale_off = 0;
	f->sweeping = 1;
	f->swept = res;
	f->st = F_LIST;
}

/* After the listing or the last abort: create, or end the sweep. */
static void
after_stale(struct s3file *f)
{
	if (f->sweeping)
		finish(f, f->swept);
	else
		f->st = F_CREATE;
}

static void
on_head(struct s3file *f, struct objreq *r)
{
	struct buf meta = BUF_INIT;

	if (s3_ok(r)) {
		http_header(&r->h, "x-amz-meta-sha256", &meta);
		if (meta.len && strcmp(meta.p, f->p->sha256) == 0) {
			log_verbose("%s: already stored with sha256 %s, "
			    "skipped", f->p->key, meta.p);
			buf_free(&meta);
			if (f->p->bytes > 0 &&
			    (uint64_t)f->p->bytes >= f->be->threshold)
				start_sweep(f, STORAGE_SKIPPED);
			else
				finish(f, STORAGE_SKIPPED);
			return;
		}
		log_verbose("%s: exists with sha256 %s, replacing", f->p->key,
		    meta.len ? meta.p : "(none)");
	} else if (r->h.status != 404 &&
	    !(r->h.status == 403 && f->be->no_list)) {
		/* Without s3:ListBucket, S3 answers 403 for a missing key. */
		fail(f, "HEAD", r);
		buf_free(&meta);
		finish(f, STORAGE_FAILED);
		return;
	}
	buf_free(&meta);
	if (open_source(f)) {
		finish(f, STORAGE_FAILED);
		return;
	}
	f->st = f->size >= f->be->threshold && f->size > 0 ? F_LIST : F_PUT;
}

/* 1 if the listing in r is truncated: the markers of the next page go
 * into f.  A truncated page without markers that move ends the listing
 * (a server bug must not loop forever). */
static int
more_uploads(const char *key, struct buf *mark_key, struct buf *mark_id,
    struct objreq *r)
{
	const char *p = r->h.resp.p;
	size_t n = r->h.resp.len;
	struct buf t = BUF_INIT, k = BUF_INIT, id = BUF_INIT;
	int more = 0;

	if (xml_text(p, n, "IsTruncated", &t) || !t.p ||
	    strcmp(t.p, "true") != 0)
		goto out;
	/* Empty, not absent, where the server sent an empty element. */
	xml_text(p, n, "NextKeyMarker", &k);
	xml_text(p, n, "NextUploadIdMarker", &id);
	buf_add(&k, "", 0);
	buf_add(&id, "", 0);
	if (!k.len || (mark_key->len && strcmp(k.p, mark_key->p) == 0 &&
	    strcmp(id.p, mark_id->p) == 0)) {
		log_warn("%s: the multipart upload listing is truncated "
		    "without a next marker; later pages are not read", key);
		goto out;
	}
	buf_reset(mark_key);
	buf_reset(mark_id);
	buf_add(mark_key, k.p, k.len);
	buf_add(mark_id, id.p, id.len);
	more = 1;
out:
	buf_free(&t);
	buf_free(&k);
	buf_free(&id);
	return more;
}

/* Appends to ids (NUL-separated) the upload ids of exactly key in the
 * listing page in r. */
static void
uploads_of(const char *key, const struct objreq *r, struct buf *ids)
{
	const char *p = r->h.resp.p, *in;
	size_t n = r->h.resp.len, len, off;
	struct buf k = BUF_INIT, id = BUF_INIT;

	while (p && (off = xml_find(p, n, "Upload", &in, &len))) {
		if (xml_text(in, len, "Key", &k) == 0 &&
		    strcmp(k.p, key) == 0 &&
		    xml_text(in, len, "UploadId", &id) == 0)
			buf_add(ids, id.p, id.len + 1);
		p += off;
		n -= off;
	}
	buf_free(&k);
	buf_free(&id);
}

static void
on_list(struct s3file *f, struct objreq *r)
{

	if (!s3_ok(r)) {
		struct buf why = BUF_INIT;
		objreq_strerror(r, &why);
		log_warn("%s: cannot list multipart uploads, stale ones are "
		    "not cleaned up: %s", f->p->key, why.p);
		buf_free(&why);
		after_stale(f);
		return;
	}
	uploads_of(f->p->key, r, &f->stale);
	if (more_uploads(f->p->key, &f->mark_key, &f->mark_id, r))
		return;		/* F_LIST again, from the markers */
	if (f->stale.len)
		f->st = F_ABORT_OLD;
	else
		after_stale(f);
}

static void
on_create(struct s3file *f, struct objreq *r)
{
	struct buf id = BUF_INIT;

	if (!s3_ok(r) || xml_text(r->h.resp.p, r->h.resp.len, "UploadId",
	    &id) || !id.len) {
		fail(f, "CreateMultipartUpload", r);
		buf_free(&id);
		finish(f, STORAGE_FAILED);
		return;
	}
	f->upload_id = id.p;
	log_verbose("%s: multipart upload %s: %u parts of %llu bytes",
	    f->p->key, f->upload_id, f->nparts,
	    (unsigned long long)f->psize);
	f->etags = xcalloc(f->nparts, sizeof *f->etags);
	sha256_pair_init(&f->fh);
	f->st = F_PARTS;
}

static void
on_part(struct s3op *op)
{
	struct s3file *f = op->f;
	struct buf etag = BUF_INIT;
	char msg[48];

	f->parts_out--;
	pool_put(f->be, op->data, op->r.body_len);
	op->data = NULL;
	if (!s3_ok(&op->r) || http_header(&op->r.h, "ETag", &etag)) {
		snprintf(msg, sizeof msg, "UploadPart %u", op->part);
		fail(f, msg, &op->r);
		if (op->r.code.p && strcmp(op->r.code.p, "NoSuchUpload") == 0)
			f->gone = 1;
		buf_free(&etag);
		return;
	}
	f->etags[op->part - 1] = etag.p;
	f->parts_done++;
}

static void
on_complete(struct s3file *f, struct objreq *r)
{
	if (s3_ok(r)) {
		free(f->upload_id);
		f->upload_id = NULL;
		start_sweep(f, STORAGE_DONE);
		return;
	}
	fail(f, "CompleteMultipartUpload", r);
	f->st = r->code.p && strcmp(r->code.p, "NoSuchUpload") == 0 ?
	    F_CHECK : F_ABORT;
}

/* After NoSuchUpload from CompleteMultipartUpload: the object holding
 * this file's SHA-256 means an earlier try completed it. */
static void
on_check(struct s3file *f, struct objreq *r)
{
	struct buf meta = BUF_INIT;

	if (s3_ok(r) && http_header(&r->h, "x-amz-meta-sha256", &meta) == 0 &&
	    strcmp(meta.p, f->p->sha256) == 0) {
		log_verbose("%s: multipart upload %s was completed by an "
		    "earlier try (its answer was lost)", f->p->key,
		    f->upload_id);
		f->failed = 0;
		buf_reset(&f->p->err);
	}
	buf_free(&meta);
	finish(f, STORAGE_DONE);
}

static void
on_op_done(struct objreq *r)
{
	struct s3op *op = r->ctx;
	struct s3file *f = op->f;

	f->be->inflight--;
	if (op->kind != OP_PART)
		f->busy = 0;
	switch (op->kind) {
	case OP_HEAD:
		on_head(f, r);
		break;
	case OP_LIST:
		on_list(f, r);
		break;
	case OP_ABORT_OLD:
		if (s3_ok(r) || r->h.status == 404)
			log_verbose("%s: aborted stale multipart upload %s",
			    f->p->key, op->id);
		else
			log_warn("%s: cannot abort stale multipart upload "
			    "%s", f->p->key, op->id);
		f->stale_off += strlen(f->stale.p + f->stale_off) + 1;
		if (f->stale_off >= f->stale.len)
			after_stale(f);
		break;
	case OP_CREATE:
		on_create(f, r);
		break;
	case OP_PART:
		on_part(op);
		break;
	case OP_COMPLETE:
		on_complete(f, r);
		break;
	case OP_CHECK:
		on_check(f, r);
		break;
	case OP_PUT:
		if (!s3_ok(r))
			fail(f, "PUT", r);
		finish(f, STORAGE_DONE);
		break;
	case OP_ABORT:
		if (!s3_ok(r) && r->h.status != 404) {
			buf_adds(&f->p->err, "; aborting the multipart upload "
			    "failed too: ");
			objreq_strerror(r, &f->p->err);
		}
		finish(f, STORAGE_FAILED);
		break;
	}
	op_free(op);
}

/* The request for the next part, its bytes still to be read. */
static struct s3op *
part_op(struct s3file *f)
{
	uint64_t off = (uint64_t)f->next * f->psize;
	uint64_t len = f->size - off < f->psize ? f->size - off : f->psize;
	struct s3op *op = op_new(f, OP_PART, "PUT");

	op->part = ++f->next;
	op->data = pool_get(f->be, len);
	op->r.body_len = len;
	op->r.body_off = off;
	snprintf(op->num, sizeof op->num, "%u", op->part);
	op->id = xstrdup(f->upload_id);
	objreq_query(&op->r, "partNumber", op->num);
	objreq_query(&op->r, "uploadId", op->id);
	return op;
}

/* Reads a part and hashes it in one pass (sha256_pair): its own SHA-256
 * for x-amz-content-sha256 (which the server checks the body against: a
 * Content-MD5 as well would cost the client more CPU than both SHA-256s,
 * for no more safety) and the whole file's (parts of a file come here in
 * order), checked against the manifest's at the last part.  Sets
 * op->perr on failure. */
static void
hash_part(struct s3op *op)
{
	struct s3file *f = op->f;
	uint64_t len = op->r.body_len;
	char hex[65];

	errno = 0;
	if (objq_read_at(f->fd, op->data, len, op->r.body_off)) {
		buf_printf(&op->perr, "reading part %u: %s", op->part,
		    errno ? strerror(errno) : "the file shrank");
		return;
	}
	op->r.body_off = 0;
	op->r.body = op->data;
	sha256_pair_update(&f->fh, op->data, len);
	sha256_pair_piece_hex(&f->fh, op->r.payload_hash);
	if (op->part == f->nparts) {
		sha256_pair_final_hex(&f->fh, hex);
		if (strcmp(hex, f->p->sha256) != 0)
			buf_printf(&op->perr, "sha256 mismatch: the file "
			    "hashes to %s, the manifest says %s (changed since "
			    "it was written?); not uploaded", hex,
			    f->p->sha256);
	}
}

/* A single PUT streamed from the file, signed with the file's hash,
 * which must be the manifest's. */
static struct s3op *
put_op(struct s3file *f)
{
	struct s3op *op = op_new(f, OP_PUT, "PUT");

	op->r.body_fd = f->fd;
	op->r.body_len = f->size;
	objreq_header(&op->r, "x-amz-meta-sha256", f->p->sha256);
	return op;
}

static void
hash_put(struct s3op *op)
{
	struct s3file *f = op->f;

	if (storage_hash_fd(f->fd, op->r.payload_hash, NULL)) {
		buf_printf(&op->perr, "reading: %s", strerror(errno));
		return;
	}
	if (strcmp(op->r.payload_hash, f->p->sha256) != 0)
		buf_printf(&op->perr, "sha256 mismatch: the file hashes to "
		    "%s, the manifest says %s (changed since it was written?); "
		    "not uploaded", op->r.payload_hash, f->p->sha256);
}

static void
hash_op(struct s3op *op)
{
	if (op->kind == OP_PART)
		hash_part(op);
	else
		hash_put(op);
}

static struct s3op *
op_of(struct httpx_job *j)
{
	return (struct s3op *)((char *)j - offsetof(struct s3op, job));
}

/* On the helper thread. */
static void
hash_job(struct httpx_job *j)
{
	hash_op(op_of(j));
}

/* Hands a request to the helper thread; it holds a transfer slot from
 * now on, so that memory stays bounded by jobs parts. */
static void
op_prepare(struct s3op *op)
{
	op->f->be->inflight++;
	op->job.run = hash_job;
	httpx_worker_push(&op->f->be->prep, &op->job);
}

/* Sends what the helper thread prepared, or fails its file. */
static void
collect(void *ctx)
{
	struct s3be *be = ctx;
	struct httpx_job *j = httpx_worker_take(&be->prep), *nx;

	for (; j; j = nx) {
		struct s3op *op = op_of(j);
		struct s3file *f = op->f;
		nx = j->next;
		if (!op->perr.len && !(op->kind == OP_PART && f->failed)) {
			objx_start(&be->s3.x, &op->r);
			continue;
		}
		/* Failed here, or a part of a file that already failed:
		 * nothing is sent. */
		be->inflight--;
		if (!f->failed && op->perr.len) {
			f->failed = 1;
			buf_add(&f->p->err, op->perr.p, op->perr.len);
		}
		if (op->kind == OP_PART) {
			f->parts_out--;
			pool_put(be, op->data, op->r.body_len);
			op->data = NULL;
		} else {
			f->busy = 0;
			finish(f, STORAGE_FAILED);
		}
		op_free(op);
	}
}

static void
complete_body(struct s3file *f, struct s3op *op)
{
	buf_adds(&op->body, "<CompleteMultipartUpload>");
	for (uint32_t i = 0; i < f->nparts; i++) {
		buf_printf(&op->body, "<Part><PartNumber>%u</PartNumber><ETag>",
		    i + 1);
		xml_escape(&op->body, f->etags[i] ? f->etags[i] : "",
		    f->etags[i] ? strlen(f->etags[i]) : 0);
		buf_adds(&op->body, "</ETag></Part>");
	}
	buf_adds(&op->body, "</CompleteMultipartUpload>");
	op->r.body = op->body.p;
	op->r.body_len = op->body.len;
	sha256_hex(op->body.p, op->body.len, op->r.payload_hash);
}

/* The request a file needs next in state st (not a part). */
static struct s3op *
next_op(struct s3file *f)
{
	struct s3op *op = NULL;

	switch (f->st) {
	case F_NEW:
		op = op_new(f, OP_HEAD, "HEAD");
		break;
	case F_LIST:
		op = op_new(f, OP_LIST, "GET");
		op->r.key = NULL;
		objreq_query(&op->r, "uploads", "");
		objreq_query(&op->r, "prefix", f->p->key);
		if (f->mark_key.len) {
			objreq_query(&op->r, "key-marker", f->mark_key.p);
			objreq_query(&op->r, "upload-id-marker",
			    f->mark_id.p);
		}
		break;
	case F_ABORT_OLD:
		op = op_new(f, OP_ABORT_OLD, "DELETE");
		op->id = xstrdup(f->stale.p + f->stale_off);
		objreq_query(&op->r, "uploadId", op->id);
		break;
	case F_CREATE:
		plan_parts(f);
		op = op_new(f, OP_CREATE, "POST");
		objreq_query(&op->r, "uploads", "");
		objreq_header(&op->r, "x-amz-meta-sha256", f->p->sha256);
		break;
	case F_COMPLETE:
		op = op_new(f, OP_COMPLETE, "POST");
		op->id = xstrdup(f->upload_id);
		objreq_query(&op->r, "uploadId", op->id);
		complete_body(f, op);
		break;
	case F_PUT:
		op = put_op(f);
		break;
	case F_ABORT:
		op = op_new(f, OP_ABORT, "DELETE");
		op->id = xstrdup(f->upload_id);
		objreq_query(&op->r, "uploadId", op->id);
		break;
	case F_CHECK:
		op = op_new(f, OP_CHECK, "HEAD");
		break;
	case F_PARTS:
	case F_DONE:
		break;
	}
	return op;
}

/* Sends parts while there is room; moves on when all are out. */
static void
pump_parts(struct s3file *f)
{
	struct s3be *be = f->be;

	while (!f->failed && f->next < f->nparts && be->inflight < be->jobs) {
		f->parts_out++;
		op_prepare(part_op(f));
	}
	if (f->failed) {
		if (f->parts_out == 0)
			f->st = f->gone ? F_CHECK : F_ABORT;
	} else if (f->parts_done == f->nparts) {
		f->st = F_COMPLETE;
	}
}

/* Starts whatever requests fit, file by file in order. */
static void
pump(void *ctx)
{
	struct s3be *be = ctx;
	struct s3file *f = objq_next(&be->q, NULL), *nx;

	for (; f && be->inflight < be->jobs; f = nx) {
		nx = objq_next(&be->q, f);
		if (f->busy)
			continue;
		if (f->st == F_PARTS) {
			pump_parts(f);
			if (f->st == F_PARTS)
				continue;
		}
		struct s3op *op = next_op(f);
		if (!op)
			continue;	/* finished, or waiting for parts */
		f->busy = 1;
		if (op->kind == OP_PUT)
			op_prepare(op);
		else
			op_send(op);
	}
}

static void *
new_file(void *be, struct storage_put *p)
{
	struct s3file *f = xcalloc(1, sizeof *f);

	f->be = be;
	f->p = p;
	f->fd = -1;
	return f;
}

static void
wait_net(void *be, int timeout_ms, int wait_fd)
{
	objx_run(&((struct s3be *)be)->s3.x, timeout_ms, wait_fd);
}

static const struct objq_ops put_ops = {
	.check = check_bucket,
	.file = new_file,
	.collect = collect,
	.pump = pump,
	.wait = wait_net,
};

static void
s3be_put(struct storage *st, struct storage_put *p)
{
	objq_put(&((struct s3be *)st->be)->q, st, p);
}

static int
s3be_run(struct storage *st, int timeout_ms, int wait_fd)
{
	return objq_run(&((struct s3be *)st->be)->q, timeout_ms, wait_fd);
}

static int
s3be_get_range(struct storage *st, const char *key, uint64_t off,
    uint64_t len, storage_sink sink, void *ctx, struct buf *err)
{
	struct s3be *be = st->be;

	return objx_get(&be->s3.x, &be->conns, key, off, len, sink, ctx, err);
}

/* Blocking ListMultipartUploads of key, every page: the ids of exactly
 * key into ids.  -1 (after a warning) when a page cannot be read. */
static int
list_uploads(struct s3be *be, struct http_conn *c, const char *key,
    struct buf *ids)
{
	struct buf mk = BUF_INIT, mid = BUF_INIT, why = BUF_INIT;
	struct objreq r;
	int more = 1, rc = 0;

	while (more) {
		objreq_init(&r, "GET", NULL);
		objreq_query(&r, "uploads", "");
		objreq_query(&r, "prefix", key);
		if (mk.len) {
			objreq_query(&r, "key-marker", mk.p);
			objreq_query(&r, "upload-id-marker", mid.p);
		}
		if (objx_perform(&be->s3.x, c, &r)) {
			objreq_strerror(&r, &why);
			log_warn("%s: cannot list multipart uploads, stale "
			    "ones are not cleaned up: %s", key, why.p);
			objreq_free(&r);
			rc = -1;
			break;
		}
		uploads_of(key, &r, ids);
		more = more_uploads(key, &mk, &mid, &r);
		objreq_free(&r);
	}
	buf_free(&mk);
	buf_free(&mid);
	buf_free(&why);
	return rc;
}

/* Aborts every multipart upload of exactly key: an object deleted after
 * its load must not leave one behind (a lost CreateMultipartUpload
 * answer's, say) that nobody would ever sweep. */
static void
sweep_blocking(struct s3be *be, struct http_conn *c, const char *key)
{
	struct buf ids = BUF_INIT;
	struct objreq r;

	list_uploads(be, c, key, &ids);
	for (size_t off = 0; off < ids.len; off += strlen(ids.p + off) + 1) {
		objreq_init(&r, "DELETE", key);
		objreq_query(&r, "uploadId", ids.p + off);
		if (objx_perform(&be->s3.x, c, &r) == 0 || r.h.status == 404)
			log_verbose("%s: aborted stale multipart upload %s",
			    key, ids.p + off);
		else
			log_warn("%s: cannot abort stale multipart upload %s",
			    key, ids.p + off);
		objreq_free(&r);
	}
	buf_free(&ids);
}

static int
s3be_del(struct storage *st, const char *key, struct buf *err)
{
	struct s3be *be = st->be;
	struct http_conn *c = httpx_pool_take(&be->conns);
	int rc = objx_delete(&be->s3.x, c, key, err);

	if (!rc)
		sweep_blocking(be, c, key);
	httpx_pool_give(&be->conns, c);
	return rc;
}

static void
describe_op(struct s3be *be, struct s3op *op, struct buf *out)
{
	s3_describe(&be->s3, &op->r, out);
	buf_addc(out, '\n');
	op_free(op);
}

/* Dry run: the requests for a file absent from the bucket, in order;
 * the upload id and ETags the server would hand out are placeholders. */
static int
s3be_describe(struct storage *st, const struct storage_put *p,
    struct buf *out)
{
	struct s3be *be = st->be;
	struct s3file f = { 0 };
	struct storage_put cp = *p;
	struct s3op *op;
	int rc = 0;

	memset(&cp.err, 0, sizeof cp.err);
	f.be = be;
	f.p = &cp;
	f.fd = -1;
	describe_op(be, next_op(&f), out);
	if (open_source(&f))
		goto bad;
	if (f.size < be->threshold || f.size == 0) {
		op = put_op(&f);
		hash_put(op);
		if (op->perr.len) {
			buf_add(&cp.err, op->perr.p, op->perr.len);
			op_free(op);
			goto bad;
		}
		describe_op(be, op, out);
		goto out;
	}
	for (f.st = F_LIST; f.st != F_PARTS; f.st++)
		if (f.st != F_ABORT_OLD)
			describe_op(be, next_op(&f), out);
	f.upload_id = xstrdup("UPLOAD_ID");
	f.etags = xcalloc(f.nparts, sizeof *f.etags);
	sha256_pair_init(&f.fh);
	while (f.next < f.nparts) {
		op = part_op(&f);
		hash_part(op);
		if (op->perr.len) {
			buf_add(&cp.err, op->perr.p, op->perr.len);
			pool_put(be, op->data, op->r.body_len);
			op->data = NULL;
			op_free(op);
			goto bad;
		}
		pool_put(be, op->data, op->r.body_len);
		op->data = NULL;
		op->r.body = "";
		f.etags[op->part - 1] = xstrdup("ETAG_OF_PART");
		describe_op(be, op, out);
	}
	f.st = F_COMPLETE;
	describe_op(be, next_op(&f), out);
	goto out;
bad:
	rc = -1;
	buf_add(&((struct storage_put *)p)->err, cp.err.p, cp.err.len);
out:
	buf_free(&cp.err);
	if (f.fd >= 0)
		close(f.fd);
	for (uint32_t i = 0; f.etags && i < f.nparts; i++)
		free(f.etags[i]);
	free(f.etags);
	free(f.upload_id);
	sha256_pair_free(&f.fh);
	return rc;
}

/* "AKIA...WXYZ": enough of an access key id to tell which it is. */
static void
key_masked(struct buf *out, const char *k)
{
	size_t n = k ? strlen(k) : 0;

	if (n >= 12)
		buf_printf(out, "%.4s...%s", k, k + n - 4);
	else if (n)
		buf_printf(out, "%.2s***", k);
	else
		buf_adds(out, "(none)");
}

/* ListObjectsV2 of the prefix, one key at most: reading the bucket is
 * what stage-copy needs, and it changes nothing. */
static int
s3be_check(struct storage *st, struct buf *out)
{
	struct s3be *be = st->be;
	const struct s3_cfg *c = &be->s3.cfg;
	struct http_conn *conn = httpx_pool_take(&be->conns);
	struct objreq r;
	int rc;

	buf_printf(out, "bucket %s, endpoint %s://%s, region %s, access key "
	    "id ", c->bucket, c->scheme, c->host, c->region ? c->region : "?");
	key_masked(out, c->access_key);
	objreq_init(&r, "GET", NULL);
	objreq_query(&r, "list-type", "2");
	objreq_query(&r, "max-keys", "1");
	objreq_query(&r, "prefix", st->prefix);
	rc = objx_perform(&be->s3.x, conn, &r);
	if (rc) {
		buf_adds(out, ": ");
		objreq_strerror(&r, out);
	}
	objreq_free(&r);
	httpx_pool_give(&be->conns, conn);
	return rc ? -1 : 0;
}

const struct storage_ops storage_s3_ops = {
	.scheme = "s3",
	.min_part = MIN_PART,
	.max_part = MAX_PART,
	.init = http_init,
	.open = s3be_open,
	.close = s3be_close,
	.put = s3be_put,
	.run = s3be_run,
	.get_range = s3be_get_range,
	.del = s3be_del,
	.describe = s3be_describe,
	.members = s3_members,
	.line = s3be_line,
	.check = s3be_check,
};
