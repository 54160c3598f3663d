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
#include "objupload.h"
#include "s3.h"
#include "sha256.h"
#include "storage.h"
#include "xml.h"

enum fst { F_NEW, F_LIST, F_ABORT_OLD, F_CREATE, F_PARTS, F_COMPLETE, F_PUT,
	F_ABORT, F_CHECK, F_DONE };
enum opkind { OP_HEAD, OP_LIST, OP_ABORT_OLD, OP_CREATE, OP_COMPLETE, OP_PUT,
	OP_ABORT, OP_CHECK };

struct s3file {
	struct objup_file b;	/* first: the engine's part */
	char **etags;
	char *upload_id;
	struct sha256_pair fh;	/* the whole file's and each part's */
	struct buf stale;	/* upload ids to abort, NUL-separated */
	size_t stale_off;
	struct buf mark_key, mark_id;	/* where the next listing page starts */
	int sweeping;		/* listing, aborting once the object is in */
	enum storage_result swept;	/* the result once the sweep is over */
	int gone;		/* a part was answered NoSuchUpload */
};

struct s3op {
	struct objup_op b;	/* first: the engine's part */
	char *data;		/* part bytes (a pool buffer) ... */
	uint64_t cap;		/* ... of this many */
	char num[16];
	char *id;		/* upload id copy for the query */
	struct buf body;
};

struct s3be {
	struct s3 s3;
	uint64_t part_size, threshold;
	int no_list;		/* no s3:ListBucket: HEAD says 403 for absent */
	struct objup up;	/* the files, the transfer slots, the helper
				 * thread (reading and hashing) */
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

static const struct objup_proto put_proto;

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
	objup_init(&be->up, &put_proto, be, &be->s3.x,
	    o->jobs > 0 ? o->jobs : 8);
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
	objup_free(&be->up);
	httpx_pool_free(&be->conns);
	s3_free(&be->s3);
	free(be);
	st->be = NULL;
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

static struct s3op *
op_new(struct s3file *f, int kind, const char *method)
{
	return (struct s3op *)objup_op_new(&f->b, sizeof(struct s3op), kind,
	    method, f->b.p->key);
}

static void
op_free(struct objup_op *o)
{
	struct s3op *op = (struct s3op *)o;

	objup_buf_put(o->u, op->data, op->cap);
	buf_free(&op->body);
	free(op->id);
}

static void
file_free(struct objup_file *b)
{
	struct s3file *f = (struct s3file *)b;

	for (uint32_t i = 0; f->etags && i < b->nparts; i++)
		free(f->etags[i]);
	free(f->etags);
	free(f->upload_id);
	sha256_pair_free(&f->fh);
	buf_free(&f->stale);
	buf_free(&f->mark_key);
	buf_free(&f->mark_id);
}

static struct s3be *
be_of(const struct s3file *f)
{
	return f->b.u->be;
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
	f->b.st = F_LIST;
}

/* After the listing or the last abort: create, or end the sweep. */
static void
after_stale(struct s3file *f)
{
	if (f->sweeping)
		objup_finish(&f->b, f->swept);
	else
		f->b.st = F_CREATE;
}

static void
on_head(struct s3file *f, struct objreq *r)
{
	struct buf meta = BUF_INIT;
	struct storage_put *p = f->b.p;
	int seen;

	if (s3_ok(r))
		http_header(&r->h, "x-amz-meta-sha256", &meta);
	/* Without s3:ListBucket, S3 answers 403 for a missing key. */
	seen = objup_seen(&f->b, r, s3_ok(r), meta.p, r->h.status == 404 ||
	    (r->h.status == 403 && be_of(f)->no_list), "HEAD");
	buf_free(&meta);
	if (seen == 1 && p->bytes > 0 &&
	    (uint64_t)p->bytes >= be_of(f)->threshold)
		start_sweep(f, STORAGE_SKIPPED);
	else if (seen == 1)
		objup_finish(&f->b, STORAGE_SKIPPED);
	else if (seen == 0)
		f->b.st = f->b.size >= be_of(f)->threshold && f->b.size > 0 ?
		    F_LIST : F_PUT;
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
		    "not cleaned up: %s", f->b.p->key, why.p);
		buf_free(&why);
		after_stale(f);
		return;
	}
	uploads_of(f->b.p->key, r, &f->stale);
	if (more_uploads(f->b.p->key, &f->mark_key, &f->mark_id, r))
		return;		/* F_LIST again, from the markers */
	if (f->stale.len)
		f->b.st = F_ABORT_OLD;
	else
		after_stale(f);
}

static void
on_create(struct s3file *f, struct objreq *r)
{
	struct buf id = BUF_INIT;

	if (!s3_ok(r) || xml_text(r->h.resp.p, r->h.resp.len, "UploadId",
	    &id) || !id.len) {
		objup_fail(&f->b, "CreateMultipartUpload", r);
		buf_free(&id);
		objup_finish(&f->b, STORAGE_FAILED);
		return;
	}
	f->upload_id = id.p;
	log_verbose("%s: multipart upload %s: %u parts of %llu bytes",
	    f->b.p->key, f->upload_id, f->b.nparts,
	    (unsigned long long)f->b.psize);
	f->etags = xcalloc(f->b.nparts, sizeof *f->etags);
	sha256_pair_init(&f->fh);
	f->b.st = F_PARTS;
}

static int
on_part(struct objup_op *o)
{
	struct s3file *f = (struct s3file *)o->f;
	struct buf etag = BUF_INIT;
	char msg[48];

	if (!s3_ok(&o->r) || http_header(&o->r.h, "ETag", &etag)) {
		snprintf(msg, sizeof msg, "UploadPart %u", o->part);
		objup_fail(&f->b, msg, &o->r);
		if (o->r.code.p && strcmp(o->r.code.p, "NoSuchUpload") == 0)
			f->gone = 1;
		buf_free(&etag);
		return -1;
	}
	f->etags[o->part - 1] = etag.p;
	return 0;
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
	objup_fail(&f->b, "CompleteMultipartUpload", r);
	f->b.st = r->code.p && strcmp(r->code.p, "NoSuchUpload") == 0 ?
	    F_CHECK : F_ABORT;
}

/* After NoSuchUpload from CompleteMultipartUpload: the object holding
 * this file's SHA-256 means an earlier try completed it. */
static void
on_check(struct s3file *f, struct objreq *r)
{
	struct buf meta = BUF_INIT;

	if (s3_ok(r) && http_header(&r->h, "x-amz-meta-sha256", &meta) == 0 &&
	    strcmp(meta.p, f->b.p->sha256) == 0) {
		log_verbose("%s: multipart upload %s was completed by an "
		    "earlier try (its answer was lost)", f->b.p->key,
		    f->upload_id);
		f->b.failed = 0;
		buf_reset(&f->b.p->err);
	}
	buf_free(&meta);
	objup_finish(&f->b, STORAGE_DONE);
}

static void
on_abort_old(struct s3file *f, struct s3op *op)
{
	if (s3_ok(&op->b.r) || op->b.r.h.status == 404)
		log_verbose("%s: aborted stale multipart upload %s",
		    f->b.p->key, op->id);
	else
		log_warn("%s: cannot abort stale multipart upload %s",
		    f->b.p->key, op->id);
	f->stale_off += strlen(f->stale.p + f->stale_off) + 1;
	if (f->stale_off >= f->stale.len)
		after_stale(f);
}

static int
on_answer(struct objup_op *o)
{
	struct s3file *f = (struct s3file *)o->f;
	struct objreq *r = &o->r;

	switch (o->kind) {
	case OP_HEAD:
		on_head(f, r);
		break;
	case OP_LIST:
		on_list(f, r);
		break;
	case OP_ABORT_OLD:
		on_abort_old(f, (struct s3op *)o);
		break;
	case OP_CREATE:
		on_create(f, r);
		break;
	case OP_COMPLETE:
		on_complete(f, r);
		break;
	case OP_CHECK:
		on_check(f, r);
		break;
	case OP_PUT:
		if (!s3_ok(r))
			objup_fail(&f->b, "PUT", r);
		objup_finish(&f->b, STORAGE_DONE);
		break;
	case OP_ABORT:
		if (!s3_ok(r) && r->h.status != 404) {
			buf_adds(&f->b.p->err, "; aborting the multipart "
			    "upload failed too: ");
			objreq_strerror(r, &f->b.p->err);
		}
		objup_finish(&f->b, STORAGE_FAILED);
		break;
	}
	return 0;
}

/* The request for part n, its bytes still to be read. */
static struct objup_op *
part_op(struct objup_file *b, uint32_t n, uint64_t off, uint64_t len)
{
	struct s3file *f = (struct s3file *)b;
	struct s3op *op = op_new(f, OBJUP_PART, "PUT");

	op->b.part = n;
	/* Every buffer a whole part, the last part's too. */
	op->cap = len > b->psize ? len : b->psize;
	op->data = objup_buf_get(b->u, op->cap);
	op->b.r.body_len = len;
	op->b.r.body_off = off;
	snprintf(op->num, sizeof op->num, "%u", n);
	op->id = xstrdup(f->upload_id);
	objreq_query(&op->b.r, "partNumber", op->num);
	objreq_query(&op->b.r, "uploadId", op->id);
	return &op->b;
}

/* A part is read and hashed this much at a time: hashed while the
 * read has it in the CPU's cache, not from memory once the whole part
 * is in (1 GiB: 1.9-2.05 s of CPU against 2.2-2.25 here). */
#define HASH_CHUNK (256 << 10)

/* Reads a part and hashes it in one pass (sha256_pair): its own SHA-256
 * for x-amz-content-sha256 (which the server checks the body against: a
 * Content-MD5 as well would cost the client more CPU than both SHA-256s,
 * for no more safety) and the whole file's (parts of a file come here in
 * order), checked against the manifest's at the last part.  Sets
 * perr on failure. */
static void
hash_part(struct s3op *op)
{
	struct s3file *f = (struct s3file *)op->b.f;
	struct objreq *r = &op->b.r;
	uint64_t len = r->body_len;
	char hex[65];

	errno = 0;
	for (uint64_t at = 0; at < len; at += HASH_CHUNK) {
		size_t n = len - at < HASH_CHUNK ? (size_t)(len - at) :
		    HASH_CHUNK;
		if (objq_read_at(f->b.fd, op->data + at, n,
		    r->body_off + at)) {
			buf_printf(&op->b.perr, "reading part %u: %s",
			    op->b.part, errno ? strerror(errno) :
			    "the file shrank");
			return;
		}
		sha256_pair_update(&f->fh, op->data + at, n);
	}
	r->body_off = 0;
	r->body = op->data;
	sha256_pair_piece_hex(&f->fh, r->payload_hash);
	if (op->b.part == f->b.nparts) {
		sha256_pair_final_hex(&f->fh, hex);
		if (strcmp(hex, f->b.p->sha256) != 0)
			objup_mismatch(&op->b.perr, hex, f->b.p->sha256);
	}
}

/* A single PUT streamed from the file, signed with the file's hash,
 * which must be the manifest's. */
static struct s3op *
put_op(struct s3file *f)
{
	struct s3op *op = op_new(f, OP_PUT, "PUT");

	op->b.prepare = 1;
	op->b.r.body_fd = f->b.fd;
	op->b.r.body_len = f->b.size;
	objreq_header(&op->b.r, "x-amz-meta-sha256", f->b.p->sha256);
	return op;
}

static void
hash_put(struct s3op *op)
{
	struct objup_file *f = op->b.f;
	char *h = op->b.r.payload_hash;

	if (storage_hash_fd(f->fd, h, NULL)) {
		buf_printf(&op->b.perr, "reading: %s", strerror(errno));
		return;
	}
	if (strcmp(h, f->p->sha256) != 0)
		objup_mismatch(&op->b.perr, h, f->p->sha256);
}

/* On the helper thread. */
static void
hash_op(struct objup_op *o)
{
	if (o->kind == OBJUP_PART)
		hash_part((struct s3op *)o);
	else
		hash_put((struct s3op *)o);
}

static void
complete_body(struct s3file *f, struct s3op *op)
{
	buf_adds(&op->body, "<CompleteMultipartUpload>");
	for (uint32_t i = 0; i < f->b.nparts; i++) {
		buf_printf(&op->body, "<Part><PartNumber>%u</PartNumber><ETag>",
		    i + 1);
		xml_escape(&op->body, f->etags[i] ? f->etags[i] : "",
		    f->etags[i] ? strlen(f->etags[i]) : 0);
		buf_adds(&op->body, "</ETag></Part>");
	}
	buf_adds(&op->body, "</CompleteMultipartUpload>");
	op->b.r.body = op->body.p;
	op->b.r.body_len = op->body.len;
	sha256_hex(op->body.p, op->body.len, op->b.r.payload_hash);
}

/* The request with the upload id in its query. */
static struct s3op *
upload_op(struct s3file *f, int kind, const char *method, const char *id)
{
	struct s3op *op = op_new(f, kind, method);

	op->id = xstrdup(id);
	objreq_query(&op->b.r, "uploadId", op->id);
	return op;
}

static struct s3op *
list_op(struct s3file *f)
{
	struct s3op *op = op_new(f, OP_LIST, "GET");

	op->b.r.key = NULL;
	objreq_query(&op->b.r, "uploads", "");
	objreq_query(&op->b.r, "prefix", f->b.p->key);
	if (f->mark_key.len) {
		objreq_query(&op->b.r, "key-marker", f->mark_key.p);
		objreq_query(&op->b.r, "upload-id-marker", f->mark_id.p);
	}
	return op;
}

/* The request a file needs next in its state (not a part). */
static struct s3op *
next_s3op(struct s3file *f)
{
	struct s3op *op = NULL;

	switch (f->b.st) {
	case F_NEW:
		op = op_new(f, OP_HEAD, "HEAD");
		break;
	case F_LIST:
		op = list_op(f);
		break;
	case F_ABORT_OLD:
		op = upload_op(f, OP_ABORT_OLD, "DELETE",
		    f->stale.p + f->stale_off);
		break;
	case F_CREATE:
		objup_plan(&f->b, be_of(f)->part_size, MIN_PART, MAX_PART,
		    MAX_PARTS);
		op = op_new(f, OP_CREATE, "POST");
		objreq_query(&op->b.r, "uploads", "");
		objreq_header(&op->b.r, "x-amz-meta-sha256", f->b.p->sha256);
		break;
	case F_COMPLETE:
		op = upload_op(f, OP_COMPLETE, "POST", f->upload_id);
		complete_body(f, op);
		break;
	case F_PUT:
		op = put_op(f);
		break;
	case F_ABORT:
		op = upload_op(f, OP_ABORT, "DELETE", f->upload_id);
		break;
	case F_CHECK:
		op = op_new(f, OP_CHECK, "HEAD");
		break;
	}
	return op;
}

static struct objup_op *
next_op(struct objup_file *f)
{
	struct s3op *op = next_s3op((struct s3file *)f);

	return op ? &op->b : NULL;
}

/* Every part stored: complete; a part failed: abort, or decide by a
 * HEAD when the upload is gone. */
static int
parts_over(struct objup_file *b)
{
	struct s3file *f = (struct s3file *)b;

	if (b->failed)
		b->st = f->gone ? F_CHECK : F_ABORT;
	else
		b->st = F_COMPLETE;
	return 0;
}

static const struct objup_proto put_proto = {
	.name = "s3",
	.file_size = sizeof(struct s3file),
	.parts_state = F_PARTS,
	.check = check_bucket,
	.next = next_op,
	.part = part_op,
	.prep = hash_op,
	.part_done = on_part,
	.answer = on_answer,
	.parts_over = parts_over,
	.op_free = op_free,
	.file_free = file_free,
};

static void
s3be_put(struct storage *st, struct storage_put *p)
{
	objup_put(&((struct s3be *)st->be)->up, st, p);
}

static int
s3be_run(struct storage *st, int timeout_ms, int wait_fd)
{
	return objup_run(&((struct s3be *)st->be)->up, timeout_ms, wait_fd);
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
	s3_describe(&be->s3, &op->b.r, out);
	buf_addc(out, '\n');
	objup_op_free(&op->b);
}

/* A dry run's part: read and hashed as it would be, its body dropped;
 * -1 with the reason in err. */
static int
describe_part(struct s3be *be, struct s3file *f, struct buf *err,
    struct buf *out)
{
	uint64_t off = (uint64_t)f->b.next * f->b.psize;
	uint32_t n = ++f->b.next;
	struct s3op *op = (struct s3op *)part_op(&f->b, n, off,
	    objup_part_len(&f->b, n));

	hash_part(op);
	objup_buf_put(&be->up, op->data, op->cap);
	op->data = NULL;
	if (op->b.perr.len) {
		buf_add(err, op->b.perr.p, op->b.perr.len);
		objup_op_free(&op->b);
		return -1;
	}
	op->b.r.body = "";
	f->etags[op->b.part - 1] = xstrdup("ETAG_OF_PART");
	describe_op(be, op, out);
	return 0;
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
	objup_file_init(&be->up, &f.b, &cp);
	describe_op(be, next_s3op(&f), out);
	if (objup_open(&f.b))
		goto bad;
	if (f.b.size < be->threshold || f.b.size == 0) {
		op = put_op(&f);
		hash_put(op);
		if (op->b.perr.len) {
			buf_add(&cp.err, op->b.perr.p, op->b.perr.len);
			objup_op_free(&op->b);
			goto bad;
		}
		describe_op(be, op, out);
		goto out;
	}
	for (f.b.st = F_LIST; f.b.st != F_PARTS; f.b.st++)
		if (f.b.st != F_ABORT_OLD)
			describe_op(be, next_s3op(&f), out);
	f.upload_id = xstrdup("UPLOAD_ID");
	f.etags = xcalloc(f.b.nparts, sizeof *f.etags);
	sha256_pair_init(&f.fh);
	while (f.b.next < f.b.nparts)
		if (describe_part(be, &f, &cp.err, out))
			goto bad;
	f.b.st = F_COMPLETE;
	describe_op(be, next_s3op(&f), out);
	goto out;
bad:
	rc = -1;
	buf_add(&((struct storage_put *)p)->err, cp.err.p, cp.err.len);
out:
	buf_free(&cp.err);
	objup_file_done(&f.b);
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
