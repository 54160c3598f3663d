/*
 * storage_gcs: Google Cloud Storage (gs://bucket[/prefix]) as staging
 * storage, through the JSON API, or through the S3-interoperable XML API
 * when HMAC keys are what was given (then it is storage_s3.c's back end
 * with GCS's endpoint, see gcs_open_hmac).
 *
 * Credentials, first found wins: STORAGE_EMULATOR_HOST (an emulator: no
 * authentication, as Google's client libraries do); dlt's
 * destination.filesystem.credentials client_email + private_key (+
 * project_id, token_uri); the key file GOOGLE_APPLICATION_CREDENTIALS
 * names; HMAC keys (credentials aws_access_key_id + aws_secret_access_key,
 * as dlt spells GCS's HMAC keys, or GS_ACCESS_KEY_ID +
 * GS_SECRET_ACCESS_KEY).  A service account's token comes from gauth.h.
 *
 * A put is a small state machine on httpx.h's asynchronous requests (one
 * libcurl multi handle; at most opts.jobs requests and prepared bodies at
 * once over all files):
 *
 *   GET the object's resource: metadata.sha256 equal to the manifest's ->
 *     skipped (a 404 is "absent");
 *   below the threshold: one multipart upload (uploadType=multipart), its
 *     body (the metadata JSON, then the file's bytes) read and hashed on
 *     the helper thread: the SHA-256 must be the manifest's, and the
 *     CRC-32C goes into the metadata, which GCS checks the bytes against;
 *   from the threshold on: a resumable upload (uploadType=resumable) in
 *     two requests: the body, the file's whole 256 KiB units streamed
 *     from the file with the total left open ("bytes 0-M/ *"), while the
 *     helper thread hashes the file; then, once the SHA-256 is the
 *     manifest's, the final one with the last bytes (or none), the total
 *     and X-Goog-Hash: crc32c=... of the whole file, which GCS checks.
 *     Until the final request the object does not exist.  A body or final
 *     that fails in a way worth another try is not sent again blindly:
 *     a status query ("bytes * /N") says how much the session took and
 *     the rest follows.  A failed upload's session is cancelled (DELETE);
 *     one left by a killed run is never finished, holds no object and
 *     expires by itself (GCS keeps sessions a week), so a re-run starts a
 *     new one: nothing half-written ever shows under the key.
 *
 * Blocking gets and deletes take a connection from httpx.h's pool.
 * Before the first put a GET of the bucket checks bucket and credentials
 * (and fetches the first token) once: one clear error, not one per file.
 *
 * Manifest lines: --endpoint, when given, goes into each line as
 * gs_endpoint, so stage-copy and stage-merge --delete-staged reach it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "gauth.h"
#include "gcs.h"
#include "gcs_compose.h"
#include "httpx.h"
#include "json.h"
#include "log.h"
#include "objupload.h"
#include "s3.h"
#include "sha256.h"
#include "storage.h"

#define GCS_HOST "https://storage.googleapis.com"
/* A resumable request of a size not yet known is whole 256 KiB units. */
#define CHUNK_UNIT (256ULL << 10)

struct gcsbe {
	struct gcs g;			/* requests (gcs.h) */
	int anon;			/* an emulator: no Authorization */
	/* The put side. */
	uint64_t threshold;
	uint64_t part_size;
	uint64_t composite;	/* parallel composite from this size on,
				 * 0: never (gcs_compose.h) */
	struct objup up;	/* the files, the transfer slots, the helper
				 * thread (objupload.h) */
	int jobs;
	/* HMAC keys: storage_s3.c's back end does the work. */
	struct storage *xml;
};

/* ---- configuration ----------------------------------------------- */

static const char *const gcs_members[] = { "gs_endpoint", NULL };

static const char *
setting(const struct storage_opts *o, const char *k)
{
	char key[160];
	const char *v;

	if (!o->setting)
		return NULL;
	snprintf(key, sizeof key, "destination.filesystem.credentials.%s", k);
	v = o->setting(o->setting_ctx, key);
	return v && *v ? v : NULL;
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* The endpoint a line names (gs_endpoint) into out, or NULL. */
static const char *
line_endpoint(const struct storage_opts *o, struct buf *out)
{
	struct json_doc d = { 0 };
	int i;

	if (o->line && json_parse(&d, o->line, strlen(o->line)) == 0 &&
	    d.ntok && (i = json_obj_get(&d, 0, gcs_members[0])) >= 0 &&
	    d.tok[i].type == JSON_STRING) {
		json_str_decode(&d.tok[i], out);
		buf_adds(out, "");
	}
	json_doc_free(&d);
	return out->len ? out->p : NULL;
}

/* "http[s]://host[:port]" without a path, trailing '/' dropped. */
static int
set_base(struct gcsbe *be, const char *ep, const char *what, struct buf *err)
{
	size_t n;
	const char *h;

	if (strncmp(ep, "https://", 8) != 0 && strncmp(ep, "http://", 7) != 0) {
		buf_printf(err, "%s %s: not an http:// or https:// URL", what,
		    ep);
		return -1;
	}
	h = strstr(ep, "://") + 3;
	n = strcspn(h, "/?#");
	if (n == 0 || (h[n] && strcmp(h + n, "/") != 0)) {
		buf_printf(err, "%s %s: expected scheme://host[:port]", what,
		    ep);
		return -1;
	}
	be->g.base = xstrndup(ep, (size_t)(h + n - ep));
	return 0;
}

/* STORAGE_EMULATOR_HOST: "host:port" or a URL. */
static int
emulator(struct gcsbe *be, const char *v, struct buf *err)
{
	struct buf u = BUF_INIT;
	int rc;

	if (!strstr(v, "://"))
		buf_adds(&u, "http://");
	buf_adds(&u, v);
	rc = set_base(be, u.p, "STORAGE_EMULATOR_HOST", err);
	buf_free(&u);
	be->anon = 1;
	return rc;
}

/* The service account, from dlt's fields or the key file; 1 when
 * neither is there. */
static int
service_account(struct gcsbe *be, const struct storage_opts *o,
    struct buf *err)
{
	const char *email = setting(o, "client_email");
	const char *pem = setting(o, "private_key");
	const char *file = env("GOOGLE_APPLICATION_CREDENTIALS");

	if (email || pem) {
		be->g.has_auth = 1;
		return gauth_load_fields(&be->g.auth, email, pem,
		    setting(o, "project_id"), setting(o, "token_uri"),
		    "destination.filesystem.credentials", err);
	}
	if (file) {
		be->g.has_auth = 1;
		return gauth_load_file(&be->g.auth, file, err);
	}
	return 1;
}

static size_t
gcs_line(const struct storage *st, struct storage_member *m)
{
	const char *ep = st->opts.endpoint;

	if (!ep)
		return 0;
	m[0].name = gcs_members[0];
	json_put_str(&m[0].json, ep, strlen(ep));
	return 1;
}

/* ---- HMAC keys: the XML API through storage_s3.c ------------------ */

static int
gcs_open_hmac(struct gcsbe *be, const char *rest,
    const struct storage_opts *o, const char *ep, const char *ak,
    const char *sk, struct buf *err)
{
	struct s3_preset pre = { ep ? ep : GCS_HOST,
		o->region ? o->region : "auto", ak, sk };
	struct storage_opts xo = *o;

	xo.line = NULL;
	xo.endpoint = NULL;
	xo.path_style = 1;
	be->xml = xcalloc(1, sizeof *be->xml);
	be->xml->ops = &storage_s3_ops;
	be->xml->opts = xo;
	if (storage_s3_open_preset(be->xml, rest, &xo, &pre, err))
		return -1;
	log_verbose("gs://%s: HMAC keys, through the XML API at %s",
	    be->xml->url + 5, pre.endpoint);
	return 0;
}

/* ---- open, close ------------------------------------------------- */

static void gcs_close(struct storage *st);

static int
gcs_auth(struct gcsbe *be, const char *rest,
    const struct storage_opts *o, const char *ep, struct buf *err)
{
	const char *emu = env("STORAGE_EMULATOR_HOST");
	const char *ak, *sk;
	int r;

	if (emu)
		return ep ? set_base(be, ep, "endpoint", err) :
		    emulator(be, emu, err);
	if ((r = service_account(be, o, err)) <= 0)
		return r ? -1 : set_base(be, ep ? ep : GCS_HOST, "endpoint",
		    err);
	ak = setting(o, "aws_access_key_id");
	sk = setting(o, "aws_secret_access_key");
	if (!ak || !sk) {
		ak = env("GS_ACCESS_KEY_ID");
		sk = env("GS_SECRET_ACCESS_KEY");
	}
	if (ak && sk)
		return gcs_open_hmac(be, rest, o, ep, ak, sk, err);
	buf_adds(err, "no GCS credentials: set GOOGLE_APPLICATION_CREDENTIALS "
	    "to a service-account key file, client_email and private_key "
	    "in destination.filesystem.credentials (.dlt/secrets.toml), "
	    "HMAC keys (GS_ACCESS_KEY_ID and GS_SECRET_ACCESS_KEY), or "
	    "STORAGE_EMULATOR_HOST for an emulator");
	return -1;
}

static int
stall(struct gcsbe *be, struct buf *err)
{
	return httpx_stall_timeout(&be->g.stall_s, err);
}

static void
set_root(struct storage *st, const char *bucket, const char *slash)
{
	struct buf url = BUF_INIT;

	buf_printf(&url, "gs://%s", bucket);
	st->url = url.p;
	if (slash && slash[1]) {
		struct buf pre = BUF_INIT;
		buf_adds(&pre, slash + 1);
		if (pre.p[pre.len - 1] != '/')
			buf_addc(&pre, '/');
		st->prefix = pre.p;
	}
}

static const struct objup_proto put_proto;

static int
gcs_open(struct storage *st, const char *rest, const struct storage_opts *o,
    struct buf *err)
{
	const char *slash = strchr(rest, '/');
	struct buf b = BUF_INIT, lep = BUF_INIT;
	const char *ep = o->endpoint;
	struct gcsbe *be;

	buf_add(&b, rest, slash ? (size_t)(slash - rest) : strlen(rest));
	if (!b.len) {
		buf_printf(err, "gs://%s: no bucket name", rest);
		buf_free(&b);
		return -1;
	}
	be = xcalloc(1, sizeof *be);
	st->be = be;
	be->g.bucket = b.p;
	be->jobs = o->jobs > 0 ? o->jobs : 8;
	be->threshold = o->threshold;
	be->part_size = o->part_size;
	be->composite = o->composite;
	if (!ep)
		ep = line_endpoint(o, &lep);
	if (!ep)
		ep = setting(o, "endpoint_url");
	set_root(st, b.p, slash);
	if (stall(be, err) || gcs_auth(be, rest, o, ep, err)) {
		buf_free(&lep);
		gcs_close(st);
		/* storage_open frees these only after a successful open. */
		free(st->url);
		free(st->prefix);
		st->url = st->prefix = NULL;
		return -1;
	}
	buf_free(&lep);
	if (be->xml)
		return 0;
	gcs_init(&be->g, o->retries, 200);
	objup_init(&be->up, &put_proto, be, &be->g.x, be->jobs);
	return 0;
}

static void
gcs_close(struct storage *st)
{
	struct gcsbe *be = st->be;

	if (!be)
		return;
	if (be->xml) {
		storage_close(be->xml);
		free(be->xml);
	}
	if (be->g.x.http)
		objup_free(&be->up);
	gcs_free(&be->g);
	free(be);
	st->be = NULL;
}

/* ---- puts -------------------------------------------------------- */

/* F_COMPOSE: the parts of a composite upload (objupload.h's parts
 * state); F_JOIN: their compose. */
enum fst { F_NEW, F_PUT, F_INIT, F_SESSION, F_CANCEL, F_DONE, F_COMPOSE,
	F_CLEAN, F_JOIN };
enum opkind { OP_STAT, OP_PUT, OP_INIT, OP_HASH, OP_BODY, OP_FINAL,
	OP_QUERY, OP_CANCEL, OP_COMPOSE, OP_LIST, OP_PDEL, OP_VERIFY };

/* A parallel composite upload (gcs_compose.h): its parts (the engine's,
 * objupload.h), then the compose, then the parts' prefix listed and
 * emptied (F_CLEAN, also before a skip, for what a killed run left). */
struct gcomp {
	struct gcs_parts pl;
	struct gcs_hashrun hr;	/* the helper thread's */
	char crc[9];		/* the whole file's, after the last part */
	int composing;
	/* Cleaning up: the prefix listed, its names deleted. */
	enum storage_result after;
	struct buf names;	/* NUL-separated */
	size_t name_off;
	int listing, listed, more, dels, rounds, stop;
};

struct gfile {
	struct objup_file b;	/* first: the engine's part; busy: a
				 * request other than the session's */
	uint64_t acked;		/* bytes the session has taken */
	int hash_started, hashing, hashed, body_started, final_started;
	int sending;		/* body or final on the wire, or recovering */
	struct gop *cur;	/* a failed request, while the session is
				 * asked how much of it it took */
	int tries;		/* recoveries in a row */
	char xhash[24];		/* "crc32c=..." of the whole file */
	char *session;		/* the resumable session's URL */
	struct gcomp *comp;	/* F_COMPOSE, F_CLEAN */
};

struct gop {
	struct objup_op b;	/* first: the engine's part */
	uint64_t off, end;	/* body or final: bytes [off, end) */
	char *data;		/* a body read into memory ... */
	uint64_t cap;		/* ... in a pool buffer of this many, or 0 */
	char num[24];		/* X-Upload-Content-Length's value */
	char range[80];		/* Content-Range's */
};

static struct gfile *
gf(const struct gop *op)
{
	return (struct gfile *)op->b.f;
}

static struct gcsbe *
be_of(const struct gfile *f)
{
	return f->b.u->be;
}

static struct gop *
op_new(struct gfile *f, int kind, const char *method)
{
	return (struct gop *)objup_op_new(&f->b, sizeof(struct gop), kind,
	    method, NULL);
}

static void
op_free(struct gop *op)
{
	objup_op_free(&op->b);
}

static void
op_data_free(struct objup_op *o)
{
	struct gop *op = (struct gop *)o;

	if (op->cap)
		objup_buf_put(o->u, op->data, op->cap);
	else
		free(op->data);
}

static void
fail(struct gfile *f, const char *what, const struct objreq *r)
{
	objup_fail(&f->b, what, r);
}

static void
finish(struct gfile *f, enum storage_result res)
{
	objup_finish(&f->b, res);
}

static void
file_free(struct objup_file *b)
{
	struct gfile *f = (struct gfile *)b;

	if (f->cur)
		op_free(f->cur);
	if (f->comp) {
		gcs_hashrun_free(&f->comp->hr);
		buf_free(&f->comp->names);
		free(f->comp);
	}
	free(f->session);
}

/* The body request's bytes are [0, body_end(f)): a request of a size
 * not yet known must be whole 256 KiB. */
static uint64_t
body_end(const struct gfile *f)
{
	return f->b.size / CHUNK_UNIT * CHUNK_UNIT;
}

/* metadata.sha256 of an object resource (JSON) into out. */
static void
meta_sha256(const struct buf *b, struct buf *out)
{
	struct json_doc d = { 0 };
	int m, s;

	if (b->len && json_parse(&d, b->p, b->len) == 0 &&
	    d.tok[0].type == JSON_OBJECT &&
	    (m = json_obj_get(&d, 0, "metadata")) >= 0 &&
	    d.tok[m].type == JSON_OBJECT &&
	    (s = json_obj_get(&d, m, "sha256")) >= 0 &&
	    d.tok[s].type == JSON_STRING)
		json_str_decode(&d.tok[s], out);
	buf_adds(out, "");
	json_doc_free(&d);
}

static int compose_leftovers(struct gfile *f);
static void compose_plan(struct gfile *f);

static void
on_stat(struct gfile *f, struct objreq *r)
{
	struct buf meta = BUF_INIT;
	int seen;

	if (gcs_ok(r))
		meta_sha256(&r->h.resp, &meta);
	seen = objup_seen(&f->b, r, gcs_ok(r), meta.p, r->h.status == 404 &&
	    !r->unsent, "GET");
	buf_free(&meta);
	if (seen == 1 && !compose_leftovers(f))
		finish(f, STORAGE_SKIPPED);
	if (seen)
		return;
	f->b.st = f->b.size >= be_of(f)->threshold && f->b.size > 0 ?
	    F_INIT : F_PUT;
	compose_plan(f);
}

/* The object's metadata: name, type, sha256, and the CRC-32C when
 * known (crc: 8 base64 characters or NULL). */
static void
meta_json(const struct gfile *f, const char *crc, struct buf *out)
{
	buf_adds(out, "{\"name\":");
	json_put_str(out, f->b.p->key, strlen(f->b.p->key));
	buf_adds(out, ",\"contentType\":\"application/octet-stream\","
	    "\"metadata\":{\"sha256\":");
	json_put_str(out, f->b.p->sha256, strlen(f->b.p->sha256));
	buf_addc(out, '}');
	if (crc)
		buf_printf(out, ",\"crc32c\":\"%s\"", crc);
	buf_addc(out, '}');
}

#define BOUNDARY "stage-gcs-0c8f1d2e9b7a4f36a5e1"

static void
multipart_head(const struct gfile *f, const char *crc, struct buf *out)
{
	buf_adds(out, "--" BOUNDARY "\r\nContent-Type: application/json; "
	    "charset=UTF-8\r\n\r\n");
	meta_json(f, crc, out);
	buf_adds(out, "\r\n--" BOUNDARY "\r\nContent-Type: "
	    "application/octet-stream\r\n\r\n");
}

static const char tail_part[] = "\r\n--" BOUNDARY "--\r\n";

/* On the helper thread: the multipart body, its file part read and
 * hashed once (SHA-256 checked, CRC-32C into the metadata; its length
 * does not depend on the value, so the head is written in place). */
static void
prep_put(struct gop *op)
{
	struct gfile *f = gf(op);
	struct buf head = BUF_INIT;
	struct sha256 h;
	char hex[65], crc[9];
	uint32_t c = 0;
	size_t hl;
	int rc;

	multipart_head(f, "AAAAAA==", &head);
	hl = head.len;
	sha256_init(&h);
	rc = gcs_read_hashed(f->b.fd, op->data + hl, f->b.size, 0, &h, &c,
	    &op->b.perr);
	sha256_final_hex(&h, hex);
	if (rc)
		goto out;
	if (strcmp(hex, f->b.p->sha256) != 0) {
		objup_mismatch(&op->b.perr, hex, f->b.p->sha256);
		goto out;
	}
	crc32c_base64(c, crc);
	buf_reset(&head);
	multipart_head(f, crc, &head);
	memcpy(op->data, head.p, hl);
	memcpy(op->data + hl + f->b.size, tail_part, sizeof tail_part - 1);
	op->b.r.body = op->data;
	op->b.r.body_len = hl + f->b.size + sizeof tail_part - 1;
out:
	buf_free(&head);
}

/* On the helper thread, while the body is on the wire: the whole file's
 * SHA-256 (checked against the manifest's before the final request may
 * go) and CRC-32C (for X-Goog-Hash), in pieces small enough that both
 * hashes read them from the CPU's cache. */
static void
prep_hash(struct gop *op)
{
	enum { STEP = 256 << 10 };
	struct gfile *f = gf(op);
	char *b = xmalloc(STEP), hex[65], crc[9];
	struct sha256 h;
	uint32_t c = 0;
	uint64_t off, n;

	sha256_init(&h);
	for (off = 0; off < f->b.size; off += n) {
		n = f->b.size - off < STEP ? f->b.size - off : STEP;
		if (gcs_read_hashed(f->b.fd, b, n, off, &h, &c, &op->b.perr))
			break;
	}
	sha256_final_hex(&h, hex);
	free(b);
	if (op->b.perr.len)
		return;
	if (strcmp(hex, f->b.p->sha256) != 0) {
		objup_mismatch(&op->b.perr, hex, f->b.p->sha256);
		return;
	}
	crc32c_base64(c, crc);
	snprintf(f->xhash, sizeof f->xhash, "crc32c=%s", crc);
}

static void prep_part(struct gop *op);

/* On the helper thread. */
static void
prep_job(struct objup_op *o)
{
	struct gop *op = (struct gop *)o;

	if (o->kind == OP_HASH)
		prep_hash(op);
	else if (o->kind == OBJUP_PART)
		prep_part(op);
	else
		prep_put(op);
}

static void
op_prepare(struct gop *op)
{
	objup_prepare(&op->b);
}

static void
op_send(struct gop *op)
{
	objup_send(&op->b);
}

static struct gop *
put_op(struct gfile *f)
{
	struct gop *op = op_new(f, OP_PUT, "POST");
	struct buf u = BUF_INIT;

	/* The body's buffer, for the helper thread to fill (prep_put). */
	multipart_head(f, "AAAAAA==", &u);
	op->cap = u.len + f->b.size + sizeof tail_part;
	op->data = objup_buf_get(f->b.u, op->cap);
	buf_reset(&u);
	op->b.prepare = 1;
	gcs_upload_url(&be_of(f)->g, "multipart", NULL, &u);
	op->b.r.url = u.p;
	objreq_header(&op->b.r, "Content-Type", "multipart/related; boundary="
	    BOUNDARY);
	return op;
}

static struct gop *
init_op(struct gfile *f)
{
	struct gop *op = op_new(f, OP_INIT, "POST");
	struct buf u = BUF_INIT, body = BUF_INIT;

	gcs_upload_url(&be_of(f)->g, "resumable", f->b.p->key, &u);
	op->b.r.url = u.p;
	meta_json(f, NULL, &body);
	op->data = body.p;
	op->b.r.body = body.p;
	op->b.r.body_len = body.len;
	objreq_header(&op->b.r, "Content-Type", "application/json; charset=UTF-8");
	objreq_header(&op->b.r, "X-Upload-Content-Type",
	    "application/octet-stream");
	snprintf(op->num, sizeof op->num, "%llu",
	    (unsigned long long)f->b.size);
	objreq_header(&op->b.r, "X-Upload-Content-Length", op->num);
	return op;
}

/* Points op (body or final) at bytes [from, op->end) of the file: the
 * body's total is not yet known ("*": the object stays unfinished until
 * the final request), the final's is the file's size; a final with no
 * bytes left is "bytes * /size". */
static void
session_range(struct gop *op, uint64_t from)
{
	struct gfile *f = gf(op);
	char *cr = op->range;
	size_t n = sizeof op->range;

	if (from == op->end)
		snprintf(cr, n, "bytes */%llu", (unsigned long long)f->b.size);
	else if (op->b.kind == OP_FINAL)
		snprintf(cr, n, "bytes %llu-%llu/%llu",
		    (unsigned long long)from,
		    (unsigned long long)(op->end - 1),
		    (unsigned long long)f->b.size);
	else
		snprintf(cr, n, "bytes %llu-%llu/*", (unsigned long long)from,
		    (unsigned long long)(op->end - 1));
	if (!op->b.r.nhdrs)
		objreq_header(&op->b.r, "Content-Range", cr);
	op->b.r.body_fd = f->b.fd;
	op->b.r.body_off = from;
	op->b.r.body_len = op->end - from;
}

static struct gop *
session_op(struct gfile *f, enum opkind kind)
{
	struct gop *op = op_new(f, kind, "PUT");

	op->b.r.no_retry = 1;	/* a failure asks the session (on_query) */
	op->b.r.url = xstrdup(f->session ? f->session : "SESSION_URL");
	op->off = kind == OP_FINAL ? body_end(f) : 0;
	op->end = kind == OP_FINAL ? f->b.size : body_end(f);
	session_range(op, op->off);
	if (kind == OP_FINAL)
		objreq_header(&op->b.r, "X-Goog-Hash", f->xhash);
	return op;
}

static void
on_init(struct gfile *f, struct objreq *r)
{
	struct buf loc = BUF_INIT;

	if (!gcs_ok(r) || http_header(&r->h, "Location", &loc) || !loc.len) {
		if (gcs_ok(r))
			buf_adds(&r->code, "no Location in the answer");
		fail(f, "resumable upload start", r);
		buf_free(&loc);
		finish(f, STORAGE_FAILED);
		return;
	}
	f->session = loc.p;
	f->b.st = F_SESSION;
}

/* The end of the bytes a 308 answer says the session holds (Range:
 * bytes=0-N), 0 when none. */
static uint64_t
persisted(const struct objreq *r)
{
	struct buf v = BUF_INIT;
	uint64_t n = 0;

	if (http_header(&r->h, "Range", &v) == 0 &&
	    strncmp(v.p, "bytes=0-", 8) == 0)
		n = strtoull(v.p + 8, NULL, 10) + 1;
	buf_free(&v);
	return n;
}

/* The status query of a session (Content-Range: bytes * /size). */
static void
query_op(struct gfile *f, int delay)
{
	struct gop *op = op_new(f, OP_QUERY, "PUT");

	op->b.r.url = xstrdup(f->session);
	snprintf(op->range, sizeof op->range, "bytes */%llu",
	    (unsigned long long)f->b.size);
	objreq_header(&op->b.r, "Content-Range", op->range);
	be_of(f)->up.inflight++;
	objx_start_later(&be_of(f)->g.x, &op->b.r, delay);
}

/* A body or final that failed in a way worth another try: the session
 * says how much it took (a lost answer may hide bytes taken) and the
 * rest goes again.  1 if op is kept for that. */
static int
session_again(struct gop *op)
{
	struct gfile *f = gf(op);
	struct objreq *r = &op->b.r;
	struct objx *x = &be_of(f)->g.x;
	struct buf why = BUF_INIT;
	int delay;

	if (!objx_retryable(x, r) || ++f->tries > x->retries)
		return 0;
	delay = httpx_backoff_ms(&x->backoff, f->tries);
	objreq_describe(r, &why);
	log_verbose("%s: resumable upload: %s; asking the session what it "
	    "has, try %d of %d in %d ms", f->b.p->key, why.p, f->tries + 1,
	    x->retries + 1, delay);
	buf_free(&why);
	f->cur = op;
	f->sending = 1;
	query_op(f, delay);
	return 1;
}

/* Where the session is after an answer of op's: done (1), its bytes up
 * to op->end taken (0), else -1. */
static int
taken(struct gop *op, const struct objreq *r)
{
	if (op->b.kind == OP_FINAL)
		return gcs_ok(r) ? 1 : -1;
	return r->h.status == 308 && persisted(r) == op->end ? 0 : -1;
}

/* 1 if op is kept (being recovered). */
static int
on_session(struct gop *op)
{
	struct gfile *f = gf(op);
	struct objreq *r = &op->b.r;
	int t = taken(op, r);

	f->sending = 0;
	if (t >= 0) {
		f->acked = op->end;
		f->tries = 0;
		if (t == 1) {
			f->b.st = F_DONE;
			finish(f, STORAGE_DONE);
		}
		return 0;
	}
	if (r->h.status == 308 || gcs_ok(r)) {
		buf_printf(&r->code, "the session holds %llu bytes, %llu were "
		    "sent", (unsigned long long)persisted(r),
		    (unsigned long long)op->end);
	} else {
		/* Not for a file already failed (its hash, say). */
		if (!f->b.failed && session_again(op))
			return 1;
	}
	fail(f, "resumable upload", r);
	f->b.st = F_CANCEL;
	return 0;
}

/* The session's answer to the status query about f->cur. */
static void
on_query(struct gfile *f, struct objreq *r)
{
	struct gop *cur = f->cur;
	uint64_t p = persisted(r);

	f->cur = NULL;
	f->sending = 0;
	if (f->b.failed) {
		op_free(cur);
		f->b.st = F_CANCEL;
		return;
	}
	if (gcs_ok(r) && cur->end == f->b.size) {
		log_verbose("%s: the upload was complete (its answer was "
		    "lost)", f->b.p->key);
		op_free(cur);
		finish(f, STORAGE_DONE);
		return;
	}
	if (r->h.status == 308 && p >= cur->off && p < cur->end) {
		log_verbose("%s: resumable upload resumes at byte %llu",
		    f->b.p->key, (unsigned long long)p);
		session_range(cur, p);
		f->sending = 1;
		op_send(cur);
		return;
	}
	if (r->h.status == 308 && p == cur->end && cur->b.kind == OP_BODY) {
		f->acked = p;
		op_free(cur);
		return;
	}
	if (r->h.status == 308 || gcs_ok(r))
		buf_printf(&r->code, "the session holds %llu bytes, the request "
		    "was of bytes %llu-%llu", (unsigned long long)p,
		    (unsigned long long)cur->off,
		    (unsigned long long)cur->end);
	fail(f, "resumable upload status", r);
	op_free(cur);
	f->b.st = F_CANCEL;
}

static void composed(struct gfile *f, struct objreq *r);
static void listed(struct gfile *f, struct objreq *r);
static void part_deleted(struct gfile *f, struct objreq *r);
static void verified(struct gfile *f, struct objreq *r);

static void
on_cancel(struct gfile *f, struct objreq *r)
{
	/* GCS answers a cancelled session with 499. */
	if (!gcs_ok(r) && r->h.status != 499 && r->h.status != 404)
		log_warn("%s: cannot cancel the resumable upload session (it "
		    "expires by itself)", f->b.p->key);
	finish(f, STORAGE_FAILED);
}

/* 1 if op is kept (a session request recovered after a query). */
static int
on_answer(struct objup_op *o)
{
	struct gop *op = (struct gop *)o;
	struct gfile *f = gf(op);
	struct objreq *r = &o->r;

	switch (o->kind) {
	case OP_STAT:
		on_stat(f, r);
		break;
	case OP_PUT:
		if (!gcs_ok(r))
			fail(f, "upload", r);
		finish(f, STORAGE_DONE);
		break;
	case OP_INIT:
		on_init(f, r);
		break;
	case OP_BODY:
	case OP_FINAL:
		return on_session(op);
	case OP_QUERY:
		on_query(f, r);
		break;
	case OP_CANCEL:
		on_cancel(f, r);
		break;
	case OP_COMPOSE:
		composed(f, r);
		break;
	case OP_LIST:
		listed(f, r);
		break;
	case OP_PDEL:
		part_deleted(f, r);
		break;
	case OP_VERIFY:
		verified(f, r);
		break;
	}
	return 0;
}

/* The session's hash, back from the helper thread: the final request
 * may go, or the session is cancelled.  1 if o was that. */
static int
hash_prepared(struct objup_op *o)
{
	struct gfile *f = gf((struct gop *)o);

	if (o->kind != OP_HASH)
		return 0;
	o->u->inflight--;
	f->hashing = 0;
	if (!o->perr.len) {
		f->hashed = 1;
	} else {
		if (!f->b.failed) {
			f->b.failed = 1;
			buf_add(&f->b.p->err, o->perr.p, o->perr.len);
		}
		f->b.st = F_CANCEL;
	}
	objup_op_free(o);
	return 1;
}

/* A resumable session: the hash on the helper thread and the body on
 * the wire at once; the final request once both are through. */
static void
pump_session(struct gfile *f)
{
	struct gcsbe *be = be_of(f);
	struct gop *op;

	if (!f->hash_started && be->up.inflight < be->up.jobs) {
		f->hash_started = 1;
		f->hashing = 1;
		op_prepare(op_new(f, OP_HASH, "PUT"));
	}
	if (!f->body_started && body_end(f) > 0 && be->up.inflight < be->up.jobs) {
		f->body_started = 1;
		f->sending = 1;
		op_send(session_op(f, OP_BODY));
	}
	if (f->hashed && !f->sending && !f->final_started &&
	    f->acked == body_end(f) && be->up.inflight < be->up.jobs) {
		f->final_started = 1;
		f->sending = 1;
		op = session_op(f, OP_FINAL);
		op_send(op);
	}
}

static void pump_clean(struct gfile *f);
static void pump_join(struct gfile *f);

/* The request f needs next; the session's, the compose's and the
 * clean-up's go from here (they do not hold f busy). */
static struct objup_op *
next_op(struct objup_file *b)
{
	struct gfile *f = (struct gfile *)b;
	struct gop *op = NULL;
	struct buf u = BUF_INIT;

	switch (b->st) {
	case F_NEW:
		op = op_new(f, OP_STAT, "GET");
		gcs_object_url(&be_of(f)->g, b->p->key, "fields=size,metadata",
		    &u);
		op->b.r.url = u.p;
		break;
	case F_PUT:
		op = put_op(f);
		break;
	case F_INIT:
		op = init_op(f);
		break;
	case F_SESSION:
		pump_session(f);
		break;
	case F_JOIN:
		pump_join(f);
		break;
	case F_CLEAN:
		pump_clean(f);
		break;
	case F_CANCEL:
		/* Once nothing of the file's is in flight. */
		if (f->sending || f->hashing)
			break;
		if (!f->session) {
			finish(f, STORAGE_FAILED);
			break;
		}
		op = op_new(f, OP_CANCEL, "DELETE");
		op->b.r.url = xstrdup(f->session);
		b->st = F_DONE;
		break;
	}
	return op ? &op->b : NULL;
}

/* ---- parallel composite uploads (gcs_compose.h) ------------------ */

static struct gcomp *
comp_of(struct gfile *f)
{
	if (!f->comp)
		f->comp = xcalloc(1, sizeof *f->comp);
	return f->comp;
}

/* From the composite threshold on, a file of two parts or more goes up
 * in parts. */
static void
compose_plan(struct gfile *f)
{
	struct gcs_parts pl;

	if (!be_of(f)->composite || f->b.size < be_of(f)->composite)
		return;
	if (gcs_parts_plan(f->b.size, be_of(f)->part_size, &pl)) {
		log_verbose("%s: not composed: %s", f->b.p->key, f->b.size >
		    be_of(f)->part_size ? "its parts would be over 128 MiB each" :
		    "one part");
		return;
	}
	comp_of(f)->pl = pl;
	f->b.nparts = (uint32_t)pl.n;
	f->b.psize = pl.part;
	f->b.st = F_COMPOSE;
}

/* The parts' prefix listed and emptied, then f finished with after. */
static void
clean_start(struct gfile *f, enum storage_result after)
{
	comp_of(f)->after = after;
	f->b.st = F_CLEAN;
}

/* An object already stored that was composite-sized: a killed run may
 * have left its parts.  1 if they are being looked for. */
static int
compose_leftovers(struct gfile *f)
{
	uint64_t size = f->b.p->bytes >= 0 ? (uint64_t)f->b.p->bytes : 0;

	if (!be_of(f)->composite || size < be_of(f)->composite)
		return 0;
	clean_start(f, STORAGE_SKIPPED);
	return 1;
}

/* Part n (from 1) of a composite upload: its bytes are gcs_compose.h's
 * plan's. */
static struct objup_op *
part_op(struct objup_file *b, uint32_t n, uint64_t off, uint64_t len)
{
	struct gfile *f = (struct gfile *)b;
	struct gop *op = op_new(f, OBJUP_PART, "POST");
	struct buf u = BUF_INIT, name = BUF_INIT;

	(void)off;
	(void)len;
	gcs_part_name(b->p->key, (int)n - 1, &name);
	gcs_upload_url(&be_of(f)->g, "multipart", name.p, &u);
	buf_free(&name);
	op->b.r.url = u.p;
	objreq_header(&op->b.r, "Content-Type", "multipart/related; boundary="
	    GCS_PART_BOUNDARY);
	op->off = (uint64_t)n - 1;	/* the part's index */
	/* The body's buffer, for the helper thread to fill (prep_part). */
	op->cap = gcs_part_body_size(&f->comp->pl, b->p->key, (int)op->off);
	op->data = objup_buf_get(b->u, op->cap);
	return &op->b;
}

/* On the helper thread, parts in order (their SHA-256 is one run). */
static void
prep_part(struct gop *op)
{
	struct gfile *f = gf(op);
	struct gcomp *c = f->comp;
	size_t len;

	if (gcs_part_body(&c->hr, &c->pl, f->b.fd, (int)op->off, f->b.p->key,
	    f->b.p->sha256, op->data, &len, c->crc, &op->b.perr) == 0) {
		op->b.r.body = op->data;
		op->b.r.body_len = len;
	}
}

static int
part_done(struct objup_op *op)
{
	if (gcs_ok(&op->r))
		return 0;
	objup_fail(op->f, "part upload", &op->r);
	return -1;
}

/* Every part stored (the last one read, so the SHA-256 is right): the
 * compose; one failed: the parts are deleted. */
static int
parts_over(struct objup_file *b)
{
	struct gfile *f = (struct gfile *)b;

	if (b->failed)
		clean_start(f, STORAGE_FAILED);
	else
		b->st = F_JOIN;
	return 0;
}

static struct gop *
compose_op(struct gfile *f)
{
	struct gop *op = op_new(f, OP_COMPOSE, "POST");
	struct buf u = BUF_INIT, body = BUF_INIT;

	gcs_object_url(&be_of(f)->g, f->b.p->key, NULL, &u);
	/* The parts hard-deleted by GCS with the compose: kept by no
	 * soft-delete policy (the listing after it is for an emulator, and
	 * for what killed runs left). */
	buf_adds(&u, "/compose?deleteSourceObjects=true");
	op->b.r.url = u.p;
	gcs_compose_body(f->b.p->key, f->comp->pl.n, f->b.p->sha256,
	    f->comp->crc, &body);
	op->data = body.p;
	op->b.r.body = body.p;
	op->b.r.body_len = body.len;
	objreq_header(&op->b.r, "Content-Type", "application/json; charset=UTF-8");
	return op;
}

static struct gop *
verify_op(struct gfile *f)
{
	struct gop *op = op_new(f, OP_VERIFY, "GET");
	struct buf u = BUF_INIT;

	gcs_object_url(&be_of(f)->g, f->b.p->key, "fields=metadata,crc32c", &u);
	op->b.r.url = u.p;
	return op;
}

/* An object's JSON resource (resp): 1 if its crc32c is crc, 0 if it is
 * another, -1 if it has none (or is no JSON object). */
static int
crc32c_is(const struct buf *resp, const char *crc)
{
	struct json_doc d = { 0 };
	int i, r = -1;

	if (json_parse(&d, resp->p, resp->len) == 0 && d.ntok &&
	    d.tok[0].type == JSON_OBJECT &&
	    (i = json_obj_get(&d, 0, "crc32c")) >= 0 &&
	    d.tok[i].type == JSON_STRING)
		r = json_str_eq(&d.tok[i], crc);
	json_doc_free(&d);
	return r;
}

/* The object a compose whose answer was lost made: the file's if it
 * holds its sha256 and CRC-32C. */
static void
verified(struct gfile *f, struct objreq *r)
{
	struct gcomp *c = f->comp;
	struct buf meta = BUF_INIT;
	int same = 0;

	c->composing = 0;
	if (gcs_ok(r)) {
		meta_sha256(&r->h.resp, &meta);
		same = strcmp(meta.p, f->b.p->sha256) == 0 &&
		    crc32c_is(&r->h.resp, c->crc) == 1;
	}
	buf_free(&meta);
	if (same) {
		log_verbose("%s: composed by the try whose answer was lost",
		    f->b.p->key);
		clean_start(f, STORAGE_DONE);
		return;
	}
	f->b.failed = 1;
	buf_adds(&f->b.p->err, "gs compose failed: 404 (the parts gone) on a "
	    "retry, and the object is not the file's");
	clean_start(f, STORAGE_FAILED);
}

/* The composed object's CRC-32C must be the file's (GCS computes it
 * from the parts'); one that is not is deleted with the parts. */
static void
composed(struct gfile *f, struct objreq *r)
{
	struct gcomp *c = f->comp;

	c->composing = 0;
	if (!gcs_ok(r) && r->h.status == 404 && r->tries > 1 &&
	    !r->unsent) {
		/* Sent again after a lost answer: the first may have made
		 * the object and deleted the parts with it. */
		log_verbose("%s: compose: 404 on try %d; looking for the "
		    "object", f->b.p->key, r->tries);
		c->composing = 1;
		op_send(verify_op(f));
		return;
	}
	if (!gcs_ok(r)) {
		fail(f, "compose", r);
		clean_start(f, STORAGE_FAILED);
		return;
	}
	if (crc32c_is(&r->h.resp, c->crc) == 0) {
		f->b.failed = 1;
		buf_printf(&f->b.p->err, "gs compose: the object's CRC-32C is "
		    "not the file's (%s); deleted", c->crc);
		buf_adds(&c->names, f->b.p->key);
		buf_addc(&c->names, '\0');
	}
	log_verbose("%s: composed from %d parts", f->b.p->key, c->pl.n);
	clean_start(f, STORAGE_DONE);
}

static void
pump_join(struct gfile *f)
{
	if (f->comp->composing)
		return;
	f->comp->composing = 1;
	op_send(compose_op(f));
}

static struct gop *
list_op(struct gfile *f)
{
	struct gop *op = op_new(f, OP_LIST, "GET");
	struct buf u = BUF_INIT, pre = BUF_INIT;

	gcs_part_prefix(f->b.p->key, &pre);
	buf_printf(&u, "%s/storage/v1/b/", be_of(f)->g.base);
	gcs_enc(&u, be_of(f)->g.bucket);
	buf_adds(&u, "/o?maxResults=200&fields=items%28name%29%2C"
	    "nextPageToken&prefix=");
	gcs_enc(&u, pre.p);
	op->b.r.url = u.p;
	buf_free(&pre);
	return op;
}

static void
listed(struct gfile *f, struct objreq *r)
{
	struct gcomp *c = f->comp;
	struct buf pre = BUF_INIT, why = BUF_INIT;

	c->listing = 0;
	c->listed = 1;
	gcs_part_prefix(f->b.p->key, &pre);
	if (!gcs_ok(r) || gcs_list_names(r->h.resp.p, r->h.resp.len, pre.p,
	    &c->names, &c->more) < 0) {
		if (gcs_ok(r))
			buf_adds(&why, "not an object listing");
		else
			objreq_strerror(r, &why);
		log_warn("%s: cannot list the part objects under %s: %s (a "
		    "re-run deletes them)", f->b.p->key, pre.p, why.p);
		c->stop = 1;
	}
	buf_free(&pre);
	buf_free(&why);
}

static void
part_deleted(struct gfile *f, struct objreq *r)
{
	struct gcomp *c = f->comp;
	struct buf why = BUF_INIT;

	c->dels--;
	if (gcs_ok(r) || (r->h.status == 404 && !r->unsent) || c->stop)
		return;
	objreq_strerror(r, &why);
	log_warn("%s: cannot delete a part object: %s (a re-run deletes it)",
	    f->b.p->key, why.p);
	buf_free(&why);
	c->stop = 1;
}

static struct gop *
pdel_op(struct gfile *f, const char *name)
{
	struct gop *op = op_new(f, OP_PDEL, "DELETE");
	struct buf u = BUF_INIT;

	gcs_object_url(&be_of(f)->g, name, NULL, &u);
	op->b.r.url = u.p;
	return op;
}

/* Lists the parts' prefix, deletes what it holds, and again while the
 * listing said there is more (bounded), then finishes the file. */
static void
pump_clean(struct gfile *f)
{
	struct gcsbe *be = be_of(f);
	struct gcomp *c = f->comp;

	if (!c->listed) {
		if (!c->listing && be->up.inflight < be->up.jobs) {
			c->listing = 1;
			op_send(list_op(f));
		}
		return;
	}
	while (!c->stop && c->name_off < c->names.len &&
	    be->up.inflight < be->up.jobs) {
		const char *name = c->names.p + c->name_off;
		c->name_off += strlen(name) + 1;
		c->dels++;
		op_send(pdel_op(f, name));
	}
	if (c->dels || (!c->stop && c->name_off < c->names.len))
		return;
	if (c->more && !c->stop && ++c->rounds < 16) {
		c->listed = 0;
		c->more = 0;
		buf_reset(&c->names);
		c->name_off = 0;
		return;
	}
	finish(f, c->after);
}

/* Checks bucket and credentials once (fetching the first token). */
static void
check_bucket(struct storage *st, struct buf *bad)
{
	struct gcsbe *be = st->be;
	struct http_conn *c = httpx_pool_take(&be->g.conns);
	struct objreq r;
	struct buf u = BUF_INIT;

	objreq_init(&r, "GET", NULL);
	gcs_object_url(&be->g, NULL, "fields=name", &u);
	r.url = u.p;
	if (objx_perform(&be->g.x, c, &r) && r.h.status == 403 &&
	    !r.unsent) {
		/* storage.buckets.get is not a writer's permission (a role
		 * on objects only): the objects' own answers will tell. */
		log_verbose("gs: bucket %s: 403 on the bucket itself; going on "
		    "with its objects", be->g.bucket);
	} else if (!gcs_ok(&r)) {
		buf_printf(bad, "bucket %s: ", be->g.bucket);
		objreq_strerror(&r, bad);
	}
	objreq_free(&r);
	httpx_pool_give(&be->g.conns, c);
}

static const struct objup_proto put_proto = {
	.name = "gs",
	.file_size = sizeof(struct gfile),
	.parts_state = F_COMPOSE,
	.check = check_bucket,
	.next = next_op,
	.part = part_op,
	.prep = prep_job,
	.prepared = hash_prepared,
	.part_done = part_done,
	.answer = on_answer,
	.parts_over = parts_over,
	.op_free = op_data_free,
	.file_free = file_free,
};

static void
gcs_put(struct storage *st, struct storage_put *p)
{
	struct gcsbe *be = st->be;

	if (be->xml) {
		storage_s3_ops.put(be->xml, p);
		return;
	}
	objup_put(&be->up, st, p);
}

static int
gcs_run(struct storage *st, int timeout_ms, int wait_fd)
{
	struct gcsbe *be = st->be;

	if (be->xml)
		return storage_s3_ops.run(be->xml, timeout_ms, wait_fd);
	return objup_run(&be->up, timeout_ms, wait_fd);
}

/* ---- gets, deletes, dry runs -------------------------------------- */

static int
gcs_get_range(struct storage *st, const char *key, uint64_t off,
    uint64_t len, storage_sink sink, void *ctx, struct buf *err)
{
	struct gcsbe *be = st->be;

	if (be->xml)
		return storage_s3_ops.get_range(be->xml, key, off, len, sink,
		    ctx, err);
	return objx_get(&be->g.x, &be->g.conns, key, off, len, sink, ctx, err);
}

static int
gcs_del(struct storage *st, const char *key, struct buf *err)
{
	struct gcsbe *be = st->be;
	struct http_conn *c;
	int rc;

	if (be->xml)
		return storage_s3_ops.del(be->xml, key, err);
	c = httpx_pool_take(&be->g.conns);
	rc = objx_delete(&be->g.x, c, key, err);
	httpx_pool_give(&be->g.conns, c);
	return rc;
}

/* A request as it would be sent, the token masked. */
static void
describe_op(struct gcsbe *be, struct gop *op, struct buf *out)
{
	struct buf dump = BUF_INIT;

	gcs_build(&be->g, &op->b.r);
	if (be->g.has_auth)
		http_req_header(&op->b.r.h, "Authorization: Bearer ****");
	http_req_dump(&op->b.r.h, &dump);
	buf_add(out, dump.p, dump.len);
	buf_addc(out, '\n');
	buf_free(&dump);
	op_free(op);
}

static int
describe_fail(struct storage_put *p, struct gop *op)
{
	buf_add(&p->err, op->b.perr.p, op->b.perr.len);
	op_free(op);
	return -1;
}

/* Dry run of a composite upload (f->comp set when there is one): the
 * file hashed as the parts would hash it, then their requests. */
static int
describe_compose(struct gcsbe *be, struct gfile *f, struct buf *out)
{
	struct gop *op;

	compose_plan(f);
	if (!f->comp)
		return 0;
	op = op_new(f, OP_HASH, "PUT");
	prep_hash(op);
	if (op->b.perr.len)
		return describe_fail(f->b.p, op);
	op_free(op);
	for (int i = 0; i < f->comp->pl.n; i++)
		describe_op(be, (struct gop *)part_op(&f->b, (uint32_t)i + 1,
		    0, 0), out);
	describe_op(be, compose_op(f), out);
	describe_op(be, list_op(f), out);
	return 0;
}

/* Dry run: the requests for a file absent from the bucket, in order. */
static int
gcs_describe(struct storage *st, const struct storage_put *p,
    struct buf *out)
{
	struct gcsbe *be = st->be;
	struct storage_put *wp = (struct storage_put *)p;
	struct gfile f = { 0 };
	struct gop *op;
	int rc = 0;

	if (be->xml)
		return storage_s3_ops.describe(be->xml, p, out);
	objup_file_init(&be->up, &f.b, wp);
	describe_op(be, (struct gop *)next_op(&f.b), out);
	if (objup_open(&f.b))
		return -1;
	if (describe_compose(be, &f, out))
		rc = -1;
	if (f.comp)
		goto out;
	if (f.b.size < be->threshold || f.b.size == 0) {
		op = put_op(&f);
		prep_put(op);
		if (op->b.perr.len)
			rc = describe_fail(wp, op);
		else
			describe_op(be, op, out);
		goto out;
	}
	describe_op(be, init_op(&f), out);
	op = op_new(&f, OP_HASH, "PUT");
	prep_hash(op);
	if (op->b.perr.len) {
		rc = describe_fail(wp, op);
		goto out;
	}
	op_free(op);
	if (body_end(&f))
		describe_op(be, session_op(&f, OP_BODY), out);
	describe_op(be, session_op(&f, OP_FINAL), out);
out:
	objup_file_done(&f.b);
	return rc;
}

const struct storage_ops storage_gcs_ops = {
	.scheme = "gs",
	/* No parts: a resumable upload sends one streamed body. */
	.min_part = 0,
	.max_part = 0,
	.init = http_init,
	.open = gcs_open,
	.close = gcs_close,
	.put = gcs_put,
	.run = gcs_run,
	.get_range = gcs_get_range,
	.del = gcs_del,
	.describe = gcs_describe,
	.members = gcs_members,
	.line = gcs_line,
};
