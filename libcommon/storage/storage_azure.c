/*
 * storage_azure: Azure Blob Storage as staging storage, az://container
 * [/prefix] and abfss://container@ACCOUNT.dfs.core.windows.net[/prefix]
 * (ADLS Gen2's name for the same container: its blob endpoint is used).
 *
 * A put is a small state machine on az.c's asynchronous requests, at
 * most opts.jobs requests in flight over all files:
 *
 *   HEAD (Get Blob Properties): x-ms-meta-sha256 equal to the manifest's
 *     -> skipped.
 *   below the threshold: hash the file (SHA-256, which must be the
 *     manifest's, and MD5: up to eight files' at once in md5x8's lanes,
 *     objupload's prep_many), then one Put Blob streamed from the file
 *     with that Content-MD5, which the service checks, and
 *     x-ms-meta-sha256;
 *   from the threshold on: Get Block List of the uncommitted blocks, then
 *     Put Block for each block not already there, streamed from the file
 *     with its own Content-MD5, then Put Block List naming them all, with
 *     x-ms-meta-sha256.  The whole file's SHA-256 is taken block by block
 *     in order and compared with the manifest's before the list is
 *     committed, so a changed file never becomes the blob.
 *
 * Block ids are the same on every run for the same content (the
 * manifest's SHA-256 and the block's number, one fixed length): a block
 * a killed run left uncommitted with the same id and size is not sent
 * again (the service checked its Content-MD5 when it came; it is still
 * read and hashed for the file's SHA-256), one of another size is
 * overwritten, and the service discards every other uncommitted block
 * when the list is committed, so leftovers are harmless and nothing
 * needs sweeping.  Put
 * Block List names its blocks "Latest", so a retry after a lost answer
 * commits the same blob again.
 *
 * Reading and hashing happen on httpx.h's helper thread, in order (the
 * whole file's SHA-256 needs the blocks in order); the transfer reads
 * the bytes again from the file (page cache), and the service's
 * Content-MD5 check catches any change between the two reads.  Blocking
 * gets and deletes take a connection from httpx.h's pool.  Before the
 * first put a List Blobs of one name checks the container and the
 * credentials once, so that a missing container or a wrong key is one
 * clear error, not one per file.
 *
 * Manifest lines: stage-put's --endpoint, when given, goes into each line
 * as az_endpoint; opening on such a line takes it back.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "az.h"
#include "json.h"
#include "md5x8.h"
#include "log.h"
#include "objupload.h"
#include "sha256.h"
#include "storage.h"
#include "xml.h"

enum fst { F_NEW, F_PUT, F_LIST, F_CLEAR, F_BLOCKS, F_COMMIT, F_DONE };
enum opkind { OP_HEAD, OP_PUT, OP_LIST, OP_CLEAR, OP_COMMIT };

struct azfile {
	struct objup_file b;	/* first: the engine's part; its parts
				 * are the blocks */
	uint32_t reused;
	unsigned char *have;	/* block i + 1 is uncommitted already */
	int foreign;		/* uncommitted blocks with ids of another
				 * length are in the way */
	struct sha256 whole;	/* the file's, block by block */
	unsigned char (*md5s)[16];	/* blocks' MD5s taken ahead ... */
	uint32_t md5_upto;	/* ... for blocks 1 to this (md5x8) */
};

struct azop {
	struct objup_op b;	/* first: the engine's part; nosend: the
				 * block is there, hash, do not send */
	char id[48];		/* block id, base64 */
	char md5[32];		/* Content-MD5, base64 */
	int side;		/* a Put Blob's MD5 was taken in lanes
				 * beside this many other files' */
	struct buf body;	/* the block list */
};

struct azbe {
	struct az az;
	uint64_t block_size, threshold;
	int no_list;		/* a SAS without list rights */
	struct objup up;	/* the files, the transfer slots, the helper
				 * thread */
	char *scratch;		/* the helper thread's read buffer */
	unsigned char *lanes;	/* and md5x8's, LANE_CHUNK a lane, or
				 * NULL: MD5s one by one */
	struct httpx_pool conns;
};

/* Blocks: up to 4000 MiB each, at most 50,000 in a blob. */
#define MAX_BLOCK (4000ULL << 20)
#define MAX_BLOCKS 50000
#define SCRATCH (1 << 20)
#define LANE_CHUNK (256 << 10)
/* A Put Blob's piece a lane: the eight lanes' pieces stay in the CPU's
 * cache between the read, the SHA-256 and the MD5s. */
#define PUT_CHUNK (64 << 10)

static const char *const az_members[] = { "az_endpoint", NULL };

static size_t
azbe_line(const struct storage *st, struct storage_member *m)
{
	const char *ep = st->opts.endpoint;

	if (!ep)
		return 0;
	m[0].name = az_members[0];
	json_put_str(&m[0].json, ep, strlen(ep));
	return 1;
}

/* The line's az_endpoint into ep (NULL when absent). */
static const char *
line_endpoint(const struct storage_opts *o, struct buf *ep)
{
	struct json_doc d = { 0 };
	int i;

	if (o->endpoint || !o->line ||
	    json_parse(&d, o->line, strlen(o->line)) || !d.ntok ||
	    (i = json_obj_get(&d, 0, az_members[0])) < 0 ||
	    d.tok[i].type != JSON_STRING) {
		json_doc_free(&d);
		return o->endpoint;
	}
	json_str_decode(&d.tok[i], ep);
	json_doc_free(&d);
	return ep->p;
}

static int
container_ok(const char *c, size_t n)
{
	if (n < 3 || n > 63)
		return n > 1 && c[0] == '$';	/* $root, $web */
	for (size_t i = 0; i < n; i++)
		if (!((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= '0' &&
		    c[i] <= '9') || c[i] == '-'))
			return 0;
	return c[0] != '-';
}

/* rest: "container[/prefix]", or with abfss "container@host[/prefix]":
 * the container, account and host into the bufs. */
static int
split_rest(const char *scheme, const char *rest, struct buf *ctr,
    struct buf *acct, struct buf *host, struct buf *err)
{
	size_t n = strcspn(rest, "/"), cn = strcspn(rest, "@/");
	int abfss = strcmp(scheme, "abfss") == 0;

	buf_add(ctr, rest, cn);
	buf_adds(ctr, "");
	if (abfss) {
		if (rest[cn] != '@' || n == cn + 1) {
			buf_printf(err, "%s://%s: expected abfss://container@"
			    "ACCOUNT.dfs.core.windows.net[/prefix]", scheme,
			    rest);
			return -1;
		}
		buf_add(host, rest + cn + 1, n - cn - 1);
		buf_add(acct, host->p, strcspn(host->p, "."));
	}
	if (!container_ok(ctr->p, ctr->len) || (!abfss && cn != n)) {
		buf_printf(err, "%s://%s: '%.*s' is not a container name (3 to "
		    "63 lowercase letters, digits and hyphens)", scheme, rest,
		    (int)n, rest);
		return -1;
	}
	return 0;
}

static void
set_names(struct storage *st, const char *scheme, const char *rest)
{
	const char *slash = strchr(rest, '/');
	struct buf url = BUF_INIT;

	buf_printf(&url, "%s://%.*s", scheme, (int)(slash ? (size_t)(slash -
	    rest) : strlen(rest)), rest);
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
azbe_open(struct storage *st, const char *rest, const struct storage_opts *o,
    struct buf *err)
{
	const char *scheme = st->ops->scheme;
	struct buf ctr = BUF_INIT, acct = BUF_INIT, host = BUF_INIT;
	struct buf ep = BUF_INIT;
	struct azbe *be = xcalloc(1, sizeof *be);
	int rc = -1;

	if (split_rest(scheme, rest, &ctr, &acct, &host, err))
		goto out;
	be->az.cfg.retries = o->retries;
	if (az_cfg_load(&be->az.cfg, ctr.p, acct.p, host.p,
	    line_endpoint(o, &ep), o->setting, o->setting_ctx, err))
		goto out;
	be->block_size = o->part_size;
	be->threshold = o->threshold;
	be->scratch = xmalloc(SCRATCH);
	if (md5x8_available())
		be->lanes = xmalloc(MD5X8_LANES * LANE_CHUNK);
	az_init(&be->az);
	objup_init(&be->up, &put_proto, be, &be->az.x,
	    o->jobs > 0 ? o->jobs : 8);
	httpx_pool_init(&be->conns);
	set_names(st, scheme, rest);
	st->be = be;
	be = NULL;
	rc = 0;
out:
	if (be) {
		az_free(&be->az);
		free(be);
	}
	buf_free(&ctr);
	buf_free(&acct);
	buf_free(&host);
	buf_free(&ep);
	return rc;
}

static void
azbe_close(struct storage *st)
{
	struct azbe *be = st->be;

	if (!be)
		return;
	objup_free(&be->up);
	httpx_pool_free(&be->conns);
	free(be->scratch);
	free(be->lanes);
	az_free(&be->az);
	free(be);
	st->be = NULL;
}

static int
code_is(const struct objreq *r, const char *c)
{
	return r->code.p && strcmp(r->code.p, c) == 0;
}

/* Checks container and credentials once; an answer that says every put
 * will fail is kept in bad (objq's check). */
static void
check_container(struct storage *st, struct buf *bad)
{
	struct azbe *be = st->be;
	struct http_conn *c = httpx_pool_take(&be->conns);
	struct objreq r;

	objreq_init(&r, "GET", NULL);
	objreq_query(&r, "restype", "container");
	objreq_query(&r, "comp", "list");
	objreq_query(&r, "maxresults", "1");
	objreq_query(&r, "prefix", st->prefix);
	if (objx_perform(&be->az.x, c, &r)) {
		/* A SAS that may write but not list. */
		if (code_is(&r, "AuthorizationPermissionMismatch")) {
			be->no_list = 1;
		} else {
			buf_printf(bad, "container %s: ",
			    be->az.cfg.container);
			objreq_strerror(&r, bad);
		}
	}
	objreq_free(&r);
	httpx_pool_give(&be->conns, c);
}

static struct azop *
op_new(struct azfile *f, int kind, const char *method)
{
	return (struct azop *)objup_op_new(&f->b, sizeof(struct azop), kind,
	    method, f->b.p->key);
}

static void
op_free(struct objup_op *o)
{
	buf_free(&((struct azop *)o)->body);
}

static void
file_free(struct objup_file *b)
{
	struct azfile *f = (struct azfile *)b;

	if (f->whole.ctx) {
		char hex[65];
		sha256_final_hex(&f->whole, hex);
	}
	free(f->have);
	free(f->md5s);
}

static struct azbe *
be_of(const struct azfile *f)
{
	return f->b.u->be;
}

static void
plan_blocks(struct azfile *f)
{
	objup_plan(&f->b, be_of(f)->block_size, 0, MAX_BLOCK, MAX_BLOCKS);
	sha256_init(&f->whole);
}

static void
on_head(struct azfile *f, struct objreq *r)
{
	struct buf meta = BUF_INIT;
	int seen;

	if (az_ok(r))
		http_header(&r->h, "x-ms-meta-sha256", &meta);
	seen = objup_seen(&f->b, r, az_ok(r), meta.p, r->h.status == 404 ||
	    (r->h.status == 403 && be_of(f)->no_list), "HEAD");
	buf_free(&meta);
	if (seen == 1) {
		objup_finish(&f->b, STORAGE_SKIPPED);
	} else if (seen == 0 && f->b.size >= be_of(f)->threshold &&
	    f->b.size > 0) {
		plan_blocks(f);
		log_verbose("%s: %u blocks of %llu bytes", f->b.p->key,
		    f->b.nparts, (unsigned long long)f->b.psize);
		f->b.st = F_LIST;
	} else if (seen == 0) {
		f->b.st = F_PUT;
	}
}

static void block_id(const struct azfile *f, uint32_t n, char out[48]);

/* The number of the block of f whose id (block_id) is name, or 0 when
 * name is no block of this upload: decoded once, where comparing it
 * with every block's id cost a whole list of 50,000 blocks 2.5e9
 * ids. */
static uint32_t
block_of(const struct azfile *f, const char *name)
{
	struct buf raw = BUF_INIT;
	unsigned long n = 0;
	char *end;

	if (azsign_unb64(&raw, name) == 0 && raw.len == 24 &&
	    memcmp(raw.p, f->b.p->sha256, 17) == 0 && raw.p[17] == '-' &&
	    isdigit((unsigned char)raw.p[18])) {
		n = strtoul(raw.p + 18, &end, 10);
		if (*end || n > f->b.nparts)
			n = 0;
	}
	buf_free(&raw);
	return (uint32_t)n;
}

/* Marks in f->have the blocks the listing in r holds with this file's
 * id and size: what a killed run sent and need not be sent again (the
 * service checked each one's Content-MD5; the id holds the file's
 * SHA-256, checked again before the list is committed). */
static void
mark_blocks(struct azfile *f, const struct objreq *r)
{
	const char *p = r->h.resp.p, *in;
	size_t n = r->h.resp.len, len, off;
	struct buf name = BUF_INIT, size = BUF_INIT;
	char first[48];
	uint32_t i;

	block_id(f, 1, first);
	while (p && (off = xml_find(p, n, "Block", &in, &len))) {
		if (xml_text(in, len, "Name", &name) == 0 &&
		    name.len != strlen(first))
			f->foreign = 1;
		else if (xml_text(in, len, "Name", &name) == 0 &&
		    xml_text(in, len, "Size", &size) == 0 &&
		    (i = block_of(f, name.p)) && !f->have[i - 1] &&
		    strtoull(size.p, NULL, 10) == objup_part_len(&f->b, i)) {
			f->have[i - 1] = 1;
			f->reused++;
		}
		p += off;
		n -= off;
	}
	buf_free(&name);
	buf_free(&size);
}

static void
on_list(struct azfile *f, struct objreq *r)
{
	struct buf why = BUF_INIT;

	f->have = xcalloc(f->b.nparts, 1);
	f->b.st = F_BLOCKS;
	if (!az_ok(r)) {
		if (r->h.status != 404) {
			objreq_strerror(r, &why);
			log_verbose("%s: cannot list uncommitted blocks, all "
			    "are sent: %s", f->b.p->key, why.p);
		}
		buf_free(&why);
		return;
	}
	mark_blocks(f, r);
	if (f->foreign) {
		/* The service refuses a block whose id is not as long as
		 * the uncommitted ones'. */
		log_warn("%s: uncommitted blocks of another writer (ids of "
		    "another length) are in the way: committing an empty "
		    "block list to drop them", f->b.p->key);
		memset(f->have, 0, f->b.nparts);
		f->reused = 0;
		f->b.st = F_CLEAR;
		return;
	}
	if (f->reused)
		log_verbose("%s: %u of %u blocks already uploaded by an "
		    "earlier run, not sent again", f->b.p->key, f->reused,
		    f->b.nparts);
}

static int
on_block(struct objup_op *op)
{
	char what[48];

	if (az_ok(&op->r))
		return 0;
	snprintf(what, sizeof what, "Put Block %u", op->part);
	objup_fail(op->f, what, &op->r);
	return -1;
}

static int
on_answer(struct objup_op *op)
{
	struct azfile *f = (struct azfile *)op->f;
	struct objreq *r = &op->r;

	switch (op->kind) {
	case OP_HEAD:
		on_head(f, r);
		break;
	case OP_LIST:
		on_list(f, r);
		break;
	case OP_CLEAR:
		f->b.st = F_BLOCKS;
		if (!az_ok(r)) {
			objup_fail(&f->b, "Put Block List (an empty one, to "
			    "drop another writer's uncommitted blocks)", r);
			objup_finish(&f->b, STORAGE_FAILED);
		}
		break;
	case OP_PUT:
	case OP_COMMIT:
		if (((struct azop *)op)->side && az_ok(r))
			log_verbose("%s: Content-MD5 taken beside %d other "
			    "files'", f->b.p->key, ((struct azop *)op)->side);
		if (!az_ok(r))
			objup_fail(&f->b, op->kind == OP_PUT ? "Put Blob" :
			    "Put Block List", r);
		objup_finish(&f->b, STORAGE_DONE);
		break;
	}
	return 0;
}

/* MD5 (base64, into md5 unless NULL) of fd's [off, off + len), each byte
 * also added to whole when not NULL; -1 with errno (0: the file shrank). */
static int
hash_range(int fd, uint64_t off, uint64_t len, char *scratch,
    struct sha256 *whole, char md5[32])
{
	EVP_MD_CTX *m = md5 ? EVP_MD_CTX_new() : NULL;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dn = 0;
	struct buf b = BUF_INIT;
	int rc = -1;

	if (md5 && (!m || !EVP_DigestInit_ex(m, EVP_md5(), NULL)))
		die(EXIT_FAIL, "storage_azure: OpenSSL MD5 unavailable");
	errno = 0;
	while (len > 0) {
		size_t n = len < SCRATCH ? (size_t)len : SCRATCH;
		if (objq_read_at(fd, scratch, n, off))
			goto out;
		if (m)
			EVP_DigestUpdate(m, scratch, n);
		if (whole)
			sha256_update(whole, scratch, n);
		off += n;
		len -= n;
	}
	if (m) {
		EVP_DigestFinal_ex(m, d, &dn);
		azsign_b64(&b, d, dn);
		snprintf(md5, 32, "%s", b.p);
	}
	rc = 0;
out:
	EVP_MD_CTX_free(m);
	buf_free(&b);
	return rc;
}

/* Reads lane l's next n bytes of block first + l (a lane past the
 * group's blocks repeats lane 0's); -1 with errno (0: it shrank). */
static int
read_lanes(struct azfile *f, uint32_t first, uint32_t count, uint64_t at,
    size_t n, const unsigned char *p[MD5X8_LANES])
{
	for (uint32_t l = 0; l < MD5X8_LANES; l++) {
		unsigned char *b = be_of(f)->lanes + (size_t)l * LANE_CHUNK;
		uint64_t off = (uint64_t)(first + l - 1) * f->b.psize + at;
		p[l] = l < count ? b : p[0];
		if (l < count && objq_read_at(f->b.fd, (char *)b, n, off))
			return -1;
	}
	return 0;
}

/* The MD5s of up to eight whole blocks from first on, side by side
 * (md5x8.h): the helper thread's MD5 work in a fraction of the CPU of
 * one by one.  -1 with errno on a read error. */
static int
md5_group(struct azfile *f, uint32_t first)
{
	const unsigned char *p[MD5X8_LANES];
	unsigned char d[MD5X8_LANES][16];
	struct md5x8 m;
	uint32_t count = 0;

	while (count < MD5X8_LANES && first + count <= f->b.nparts &&
	    objup_part_len(&f->b, first + count) == f->b.psize)
		count++;
	md5x8_init(&m);
	errno = 0;
	for (uint64_t at = 0; at < f->b.psize; at += LANE_CHUNK) {
		size_t n = f->b.psize - at < LANE_CHUNK ?
		    (size_t)(f->b.psize - at) : LANE_CHUNK;
		if (read_lanes(f, first, count, at, n, p))
			return -1;
		md5x8_update(&m, p, n);
	}
	md5x8_final(&m, d);
	memcpy(f->md5s[first - 1], d, (size_t)count * 16);
	f->md5_upto = first + count - 1;
	return 0;
}

/* 1 if block n's MD5 is in f->md5s (taken now with the next blocks',
 * when it is not yet), 0 if it is to be taken one by one, -1 with errno
 * when the file cannot be read. */
static int
md5_ahead(struct azfile *f, uint32_t n)
{
	if (n <= f->md5_upto)
		return 1;
	if (!be_of(f)->lanes || f->b.psize % 64 || n == f->b.nparts ||
	    objup_part_len(&f->b, n + 1) != f->b.psize)
		return 0;	/* fewer than two whole blocks left */
	if (!f->md5s)
		f->md5s = xcalloc(f->b.nparts, sizeof *f->md5s);
	return md5_group(f, n) ? -1 : 1;
}

static void
mismatch(struct azop *op, const char *hex)
{
	objup_mismatch(&op->b.perr, hex, op->b.f->p->sha256);
}

/* A block: its MD5, and the whole file's SHA-256 checked at the last. */
static void
hash_block(struct azop *op)
{
	struct azfile *f = (struct azfile *)op->b.f;
	char hex[65];

	int ahead = md5_ahead(f, op->b.part);

	if (ahead < 0 || hash_range(f->b.fd, op->b.r.body_off, op->b.r.body_len,
	    be_of(f)->scratch, &f->whole, op->b.nosend || ahead ? NULL : op->md5)) {
		buf_printf(&op->b.perr, "reading block %u: %s", op->b.part,
		    errno ? strerror(errno) : "the file shrank");
		return;
	}
	if (ahead && !op->b.nosend) {
		struct buf b = BUF_INIT;
		azsign_b64(&b, f->md5s[op->b.part - 1], 16);
		snprintf(op->md5, sizeof op->md5, "%s", b.p);
		buf_free(&b);
	}
	if (op->b.part == f->b.nparts) {
		sha256_final_hex(&f->whole, hex);
		if (strcmp(hex, f->b.p->sha256) != 0)
			mismatch(op, hex);
	}
}

/* The whole file for Put Blob: MD5 and SHA-256. */
static void
hash_put(struct azop *op)
{
	struct azfile *f = (struct azfile *)op->b.f;
	struct sha256 h;
	char hex[65];

	sha256_init(&h);
	if (hash_range(f->b.fd, 0, f->b.size, be_of(f)->scratch, &h, op->md5)) {
		buf_printf(&op->b.perr, "reading: %s", errno ? strerror(errno) :
		    "the file shrank");
		sha256_final_hex(&h, hex);
		return;
	}
	sha256_final_hex(&h, hex);
	if (strcmp(hex, f->b.p->sha256) != 0)
		mismatch(op, hex);
}

/* On the helper thread. */
static void
hash_op(struct objup_op *o)
{
	struct azop *op = (struct azop *)o;

	if (o->kind == OBJUP_PART)
		hash_block(op);
	else
		hash_put(op);
	if (!o->perr.len && !o->nosend)
		objreq_header(&o->r, "Content-MD5", op->md5);
}

/* Lane l's next piece of its Put Blob's file into its part of the lane
 * buffer, added to its SHA-256 while in cache: its length (0 when the
 * file is over or failed, the failure then in perr). */
static size_t
read_put_lane(struct azop *op, uint32_t l, uint64_t *at, struct sha256 *h,
    const unsigned char **p)
{
	struct azfile *f = (struct azfile *)op->b.f;
	unsigned char *b = be_of(f)->lanes + (size_t)l * PUT_CHUNK;
	size_t n = f->b.size - *at < PUT_CHUNK ? (size_t)(f->b.size - *at) :
	    PUT_CHUNK;

	if (op->b.perr.len || n == 0)
		return 0;
	errno = 0;
	if (objq_read_at(f->b.fd, (char *)b, n, *at)) {
		buf_printf(&op->b.perr, "reading: %s", errno ? strerror(errno) :
		    "the file shrank");
		return 0;
	}
	sha256_update(h, b, n);
	*at += n;
	*p = b;
	return n;
}

/* A Put Blob's hashes taken: the SHA-256 checked, the Content-MD5 set. */
static void
put_hashed(struct azop *op, struct sha256 *h, const unsigned char md5[16])
{
	struct buf b = BUF_INIT;
	char hex[65];

	sha256_final_hex(h, hex);
	if (op->b.perr.len)
		return;
	if (strcmp(hex, op->b.f->p->sha256) != 0) {
		mismatch(op, hex);
		return;
	}
	azsign_b64(&b, md5, 16);
	snprintf(op->md5, sizeof op->md5, "%s", b.p);
	buf_free(&b);
	objreq_header(&op->b.r, "Content-MD5", op->md5);
}

/* 1 if the files of a batch are worth hashing in lanes: the lanes take
 * as long as the longest file (eight lanes about 2.2 times one MD5 of
 * it), so the batch must hold at least three times its bytes (two
 * files, or one large among small ones, cost less one by one). */
static int
lanes_pay(struct objup_op **o, size_t n)
{
	uint64_t sum = 0, most = 0;

	for (size_t i = 0; i < n; i++) {
		sum += o[i]->f->size;
		if (o[i]->f->size > most)
			most = o[i]->f->size;
	}
	return be_of((struct azfile *)o[0]->f)->lanes && sum >= 3 * most &&
	    sum > 0;
}

/* On the helper thread: up to eight Put Blobs' files hashed side by
 * side, each in a lane of md5x8 (its MD5 ended at its own length) and
 * in its own SHA-256, PUT_CHUNK a lane at a time. */
static void
hash_puts(struct objup_op **o, size_t n)
{
	const unsigned char *p[MD5X8_LANES];
	size_t len[MD5X8_LANES];
	uint64_t at[MD5X8_LANES] = { 0 };
	struct sha256 h[MD5X8_LANES];
	unsigned char d[MD5X8_LANES][16];
	struct md5x8 m;
	size_t any;

	if (!lanes_pay(o, n)) {
		for (size_t i = 0; i < n; i++)
			hash_op(o[i]);
		return;
	}
	md5x8_init(&m);
	for (size_t i = 0; i < n; i++)
		sha256_init(&h[i]);
	do {
		any = 0;
		for (uint32_t l = 0; l < MD5X8_LANES; l++) {
			p[l] = NULL;
			len[l] = l < n ? read_put_lane((struct azop *)o[l], l,
			    &at[l], &h[l], &p[l]) : 0;
			any += len[l];
		}
		md5x8_update_lanes(&m, p, len);
	} while (any);
	md5x8_final(&m, d);
	for (size_t i = 0; i < n; i++) {
		((struct azop *)o[i])->side = (int)n - 1;
		put_hashed((struct azop *)o[i], &h[i], d[i]);
	}
}

/* Block n's id: the manifest's SHA-256 (its first 17 digits) and n, 24
 * bytes whatever n, in base64. */
static void
block_id(const struct azfile *f, uint32_t n, char out[48])
{
	char raw[32];
	struct buf b = BUF_INIT;

	snprintf(raw, sizeof raw, "%.17s-%06u", f->b.p->sha256, n);
	azsign_b64(&b, raw, 24);
	snprintf(out, 48, "%s", b.p);
	buf_free(&b);
}

static struct objup_op *
block_op(struct objup_file *b, uint32_t n, uint64_t off, uint64_t len)
{
	struct azfile *f = (struct azfile *)b;
	struct azop *op = op_new(f, OBJUP_PART, "PUT");

	op->b.part = n;
	op->b.nosend = f->have && f->have[n - 1];
	block_id(f, n, op->id);
	op->b.r.body_fd = b->fd;
	op->b.r.body_off = off;
	op->b.r.body_len = len;
	objreq_query(&op->b.r, "comp", "block");
	objreq_query(&op->b.r, "blockid", op->id);
	return &op->b;
}

static struct azop *
put_op(struct azfile *f)
{
	struct azop *op = op_new(f, OP_PUT, "PUT");

	op->b.prepare = 1;
	op->b.batch = be_of(f)->lanes != NULL;
	op->b.r.body_fd = f->b.fd;
	op->b.r.body_len = f->b.size;
	objreq_header(&op->b.r, "x-ms-blob-type", "BlockBlob");
	objreq_header(&op->b.r, "x-ms-meta-sha256", f->b.p->sha256);
	return op;
}

/* Put Block List of f's blocks, or with clear an empty one (no
 * metadata): a blob of no bytes, every uncommitted block dropped. */
static struct azop *
commit_op(struct azfile *f, int clear)
{
	struct azop *op = op_new(f, clear ? OP_CLEAR : OP_COMMIT, "PUT");
	char id[48];
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dn = 0;
	struct buf md5 = BUF_INIT;

	buf_adds(&op->body, "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	    "<BlockList>");
	for (uint32_t i = 1; !clear && i <= f->b.nparts; i++) {
		block_id(f, i, id);
		buf_printf(&op->body, "<Latest>%s</Latest>", id);
	}
	buf_adds(&op->body, "</BlockList>");
	EVP_Digest(op->body.p, op->body.len, d, &dn, EVP_md5(), NULL);
	azsign_b64(&md5, d, dn);
	snprintf(op->md5, sizeof op->md5, "%s", md5.p);
	buf_free(&md5);
	op->b.r.body = op->body.p;
	op->b.r.body_len = op->body.len;
	objreq_query(&op->b.r, "comp", "blocklist");
	objreq_header(&op->b.r, "Content-MD5", op->md5);
	if (!clear)
		objreq_header(&op->b.r, "x-ms-meta-sha256", f->b.p->sha256);
	return op;
}

/* Every block in: commit; one failed: nothing is committed. */
static int
blocks_over(struct objup_file *f)
{
	if (f->failed) {
		objup_finish(f, STORAGE_FAILED);
		return 1;
	}
	f->st = F_COMMIT;
	return 0;
}

static struct azop *
list_op(struct azfile *f)
{
	struct azop *op = op_new(f, OP_LIST, "GET");

	objreq_query(&op->b.r, "comp", "blocklist");
	objreq_query(&op->b.r, "blocklisttype", "uncommitted");
	return op;
}

static struct objup_op *
next_op(struct objup_file *b)
{
	struct azfile *f = (struct azfile *)b;
	struct azop *op;

	switch (b->st) {
	case F_NEW:
		op = op_new(f, OP_HEAD, "HEAD");
		break;
	case F_PUT:
		op = put_op(f);
		break;
	case F_LIST:
		op = list_op(f);
		break;
	case F_CLEAR:
	case F_COMMIT:
		op = commit_op(f, b->st == F_CLEAR);
		break;
	default:
		return NULL;
	}
	return &op->b;
}

static const struct objup_proto put_proto = {
	.name = "az",
	.file_size = sizeof(struct azfile),
	.parts_state = F_BLOCKS,
	.check = check_container,
	.next = next_op,
	.part = block_op,
	.prep = hash_op,
	.prep_many = hash_puts,
	.part_done = on_block,
	.answer = on_answer,
	.parts_over = blocks_over,
	.op_free = op_free,
	.file_free = file_free,
};

static void
azbe_put(struct storage *st, struct storage_put *p)
{
	objup_put(&((struct azbe *)st->be)->up, st, p);
}

static int
azbe_run(struct storage *st, int timeout_ms, int wait_fd)
{
	return objup_run(&((struct azbe *)st->be)->up, timeout_ms, wait_fd);
}

static int
azbe_get_range(struct storage *st, const char *key, uint64_t off,
    uint64_t len, storage_sink sink, void *ctx, struct buf *err)
{
	struct azbe *be = st->be;

	return objx_get(&be->az.x, &be->conns, key, off, len, sink, ctx, err);
}

static int
azbe_del(struct storage *st, const char *key, struct buf *err)
{
	struct azbe *be = st->be;
	struct http_conn *c = httpx_pool_take(&be->conns);
	int rc = objx_delete(&be->az.x, c, key, err);

	httpx_pool_give(&be->conns, c);
	return rc;
}

static void
describe_op(struct azbe *be, struct azop *op, struct buf *out)
{
	az_describe(&be->az, &op->b.r, out);
	buf_addc(out, '\n');
	objup_op_free(&op->b);
}

/* Dry run: the requests for a file absent from the container, in
 * order, with the real Content-MD5s. */
static int
azbe_describe(struct storage *st, const struct storage_put *p,
    struct buf *out)
{
	struct azbe *be = st->be;
	struct azfile f = { 0 };
	struct storage_put cp = *p;
	struct azop *op;
	uint64_t off;
	int rc = -1;

	memset(&cp.err, 0, sizeof cp.err);
	objup_file_init(&be->up, &f.b, &cp);
	describe_op(be, op_new(&f, OP_HEAD, "HEAD"), out);
	if (objup_open(&f.b))
		goto out;
	if (f.b.size < be->threshold || f.b.size == 0) {
		op = put_op(&f);
		hash_op(&op->b);
		if (op->b.perr.len)
			goto bad;
		describe_op(be, op, out);
		rc = 0;
		goto out;
	}
	plan_blocks(&f);
	describe_op(be, list_op(&f), out);
	while (f.b.next < f.b.nparts) {
		off = (uint64_t)f.b.next * f.b.psize;
		op = (struct azop *)block_op(&f.b, ++f.b.next, off,
		    f.b.size - off < f.b.psize ? f.b.size - off : f.b.psize);
		op->b.kind = OBJUP_PART;
		hash_op(&op->b);
		if (op->b.perr.len)
			goto bad;
		describe_op(be, op, out);
	}
	describe_op(be, commit_op(&f, 0), out);
	rc = 0;
	goto out;
bad:
	buf_add(&cp.err, op->b.perr.p, op->b.perr.len);
	objup_op_free(&op->b);
out:
	if (rc)
		buf_add(&((struct storage_put *)p)->err, cp.err.p, cp.err.len);
	buf_free(&cp.err);
	objup_file_done(&f.b);
	return rc;
}

#define AZ_OPS(name)							\
	.scheme = name,							\
	.max_part = MAX_BLOCK,						\
	.init = http_init,						\
	.open = azbe_open,						\
	.close = azbe_close,						\
	.put = azbe_put,						\
	.run = azbe_run,						\
	.get_range = azbe_get_range,					\
	.del = azbe_del,						\
	.describe = azbe_describe,					\
	.members = az_members,						\
	.line = azbe_line

const struct storage_ops storage_az_ops = { AZ_OPS("az") };
const struct storage_ops storage_abfss_ops = { AZ_OPS("abfss"),
	.at_account = 1 };
