/*
 * storage: the scheme table and the prefix handling every back end
 * shares.  Keys passed to back ends already carry the prefix.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliopt.h"
#include "json.h"
#include "log.h"
#include "manifest.h"
#include "mask.h"
#include "sha256.h"
#include "storage.h"

static const struct storage_ops *const backends[] = {
	&storage_file_ops,
	&storage_s3_ops,
	&storage_az_ops,
	&storage_abfss_ops,
	&storage_gcs_ops,
};
#define NBACKENDS (sizeof backends / sizeof *backends)

/* Drops "." segments and doubled slashes from an absolute path, so
 * that ./bucket names file:///cwd/bucket ("..", which a symbolic link
 * can make mean anything, stays). */
static void
dot_segments(struct buf *p)
{
	size_t r = 0, w = 0;

	while (r < p->len) {
		if (p->p[r] == '/' && w > 0 && p->p[w - 1] == '/') {
			r++;
			continue;
		}
		if (p->p[r] == '.' && w > 0 && p->p[w - 1] == '/' &&
		    (r + 1 == p->len || p->p[r + 1] == '/')) {
			r++;
			continue;
		}
		p->p[w++] = p->p[r++];
	}
	p->len = w;
	p->p[w] = '\0';
}

/* "file:///x" -> "/x"; a plain path is made absolute. */
static int
file_rest(const char *url, struct buf *out, struct buf *err)
{
	char cwd[PATH_MAX];

	if (strncmp(url, "file://", 7) == 0) {
		url += 7;
		if (*url != '/') {
			buf_printf(err, "%s: a file URL needs an absolute path "
			    "(file:///dir)", url - 7);
			return -1;
		}
	}
	if (*url != '/') {
		if (!getcwd(cwd, sizeof cwd)) {
			buf_printf(err, "getcwd: %s", strerror(errno));
			return -1;
		}
		buf_printf(out, "%s/", cwd);
	}
	buf_adds(out, url);
	dot_segments(out);
	while (out->len > 1 && out->p[out->len - 1] == '/')
		out->p[--out->len] = '\0';
	return 0;
}

/* "key:secret@bucket/...": user info before the first '/', which no
 * bucket name holds. */
static int
userinfo(const char *rest)
{
	return memchr(rest, '@', strcspn(rest, "/")) != NULL;
}

/* 1 if url, which has no "://", still begins like a URL ("s3:/b",
 * "s3:b", "file:/x"): a scheme-like word and a colon before any slash.
 * As a path it would be a directory named "s3:" under the current one,
 * which is never what was meant; "./s3:/b" says it is. */
static int
scheme_typo(const char *url, struct buf *err)
{
	size_t n = strspn(url, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	const char *rest = url + n + 1;

	if (n < 2 || url[n] != ':' || !((url[0] | 0x20) >= 'a' &&
	    (url[0] | 0x20) <= 'z'))
		return 0;
	while (*rest == '/')
		rest++;
	buf_printf(err, "%s: not a URL (did you mean %.*s://%s?); write "
	    "./%s for a local directory of that name", url, (int)n, url,
	    rest, url);
	return 1;
}

void
storage_known(struct buf *out)
{
	for (size_t i = 0; i < NBACKENDS; i++)
		buf_printf(out, "%s%s", i ? ", " : "", backends[i]->scheme);
}

static void
unknown_scheme(const char *url, size_t slen, const char *shown,
    struct buf *err)
{
	const char *known[NBACKENDS + 1];
	struct buf list = BUF_INIT;
	char sch[32];
	const char *near;

	for (size_t i = 0; i < NBACKENDS; i++)
		known[i] = backends[i]->scheme;
	known[NBACKENDS] = NULL;
	storage_known(&list);
	snprintf(sch, sizeof sch, "%.*s", (int)slen, url);
	near = cliopt_nearest(sch, known);
	buf_printf(err, "%s: unknown storage scheme '%.*s' (known: %s)", shown,
	    (int)slen, url, list.p);
	if (near)
		buf_printf(err, "; did you mean %s://?", near);
	buf_free(&list);
}

/* "5MiB", "5GiB", else bytes. */
static void
put_size(struct buf *out, uint64_t n)
{
	static const char *const unit[] = { "GiB", "MiB", "KiB" };

	for (int i = 0; i < 3; i++)
		if (n && n % (1ULL << (30 - 10 * i)) == 0) {
			buf_printf(out, "%llu%s",
			    (unsigned long long)(n >> (30 - 10 * i)), unit[i]);
			return;
		}
	buf_printf(out, "%llu", (unsigned long long)n);
}

/* A part size suits every back end's limits, whichever the bucket is, so
 * that an option that works with one bucket works with any. */
static int
check_opts(const struct storage_opts *o, struct buf *err)
{
	uint64_t lo = 0, hi = UINT64_MAX;

	if (o->reads_only)
		return 0;
	for (size_t i = 0; i < NBACKENDS; i++) {
		if (backends[i]->min_part > lo)
			lo = backends[i]->min_part;
		if (backends[i]->max_part && backends[i]->max_part < hi)
			hi = backends[i]->max_part;
	}
	if (o->part_size >= lo && o->part_size <= hi)
		return 0;
	buf_adds(err, "--part-size: must be from ");
	put_size(err, lo);
	buf_adds(err, " to ");
	put_size(err, hi);
	return -1;
}

int
storage_open(struct storage *st, const char *url,
    const struct storage_opts *o, struct buf *err, int *status)
{
	const char *colon = strstr(url, "://");
	struct buf rest = BUF_INIT;
	const struct storage_ops *ops = NULL;
	size_t slen;
	int r;

	memset(st, 0, sizeof *st);
	st->opts = *o;
	if (status)
		*status = 2;
	if (check_opts(o, err))
		return -1;
	if (!colon && scheme_typo(url, err))
		return -1;
	if (!colon || strncmp(url, "file://", 7) == 0) {
		ops = &storage_file_ops;
		if (file_rest(url, &rest, err))
			return -1;
	} else {
		slen = (size_t)(colon - url);
		for (size_t i = 0; i < NBACKENDS; i++)
			if (strlen(backends[i]->scheme) == slen &&
			    strncmp(backends[i]->scheme, url, slen) == 0)
				ops = backends[i];
		if (!ops || (!ops->at_account && userinfo(colon + 3))) {
			char *shown = mask_userinfo(url);
			if (!ops) {
				unknown_scheme(url, slen, shown, err);
			} else {
				buf_printf(err, "%s: credentials do not go in "
				    "the bucket URL (it would print them): "
				    "use the environment or .dlt/secrets.toml",
				    shown);
			}
			free(shown);
			return -1;
		}
		buf_adds(&rest, colon + 3);
	}
	st->ops = ops;
	if (status)
		*status = 1;
	if (ops->init)
		ops->init();
	r = ops->open(st, rest.p, o, err);
	buf_free(&rest);
	if (r) {
		if (status)
			*status = 2;	/* a configuration problem */
		return -1;
	}
	if (!st->prefix)
		st->prefix = xstrdup("");
	return 0;
}

void
storage_close(struct storage *st)
{
	if (st->ops)
		st->ops->close(st);
	free(st->url);
	free(st->prefix);
	memset(st, 0, sizeof *st);
}

void
storage_key(const struct storage *st, const char *key, struct buf *out)
{
	buf_adds(out, st->prefix);
	buf_adds(out, key);
}

void
storage_url(const struct storage *st, const char *key, struct buf *out)
{
	buf_adds(out, st->url);
	buf_addc(out, '/');
	buf_adds(out, key);
}

void
storage_put(struct storage *st, struct storage_put *p)
{
	buf_reset(&p->err);
	p->result = STORAGE_FAILED;
	st->ops->put(st, p);
}

int
storage_run(struct storage *st, int timeout_ms, int wait_fd)
{
	return st->ops->run(st, timeout_ms, wait_fd);
}

int
storage_get(struct storage *st, const char *key, storage_sink sink, void *ctx,
    struct buf *err)
{
	return st->ops->get_range(st, key, 0, 0, sink, ctx, err);
}

int
storage_get_range(struct storage *st, const char *key, uint64_t off,
    uint64_t len, storage_sink sink, void *ctx, struct buf *err)
{
	return st->ops->get_range(st, key, off, len, sink, ctx, err);
}

int
storage_del(struct storage *st, const char *key, struct buf *err)
{
	return st->ops->del(st, key, err);
}

int
storage_describe(struct storage *st, const struct storage_put *p,
    struct buf *out)
{
	return st->ops->describe(st, p, out);
}

int
storage_check(struct storage *st, struct buf *out)
{
	if (!st->ops->check) {
		buf_printf(out, "%s: no check for this storage", st->url);
		return -1;
	}
	return st->ops->check(st, out);
}

size_t
storage_members(const struct storage *st,
    struct storage_member m[STORAGE_MAXM])
{
	memset(m, 0, STORAGE_MAXM * sizeof *m);
	return st->ops->line ? st->ops->line(st, m) : 0;
}

void
storage_members_free(struct storage_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_free(&m[i].json);
}

char *
storage_line_opts(const struct mline *m)
{
	struct buf o = BUF_INIT;
	const struct json_tok *t;

	for (size_t i = 0; i < NBACKENDS; i++)
		for (const char *const *n = backends[i]->members; n && *n;
		    n++) {
			if (!(t = mline_get(m, *n)))
				continue;
			buf_addc(&o, o.len ? ',' : '{');
			json_put_str(&o, *n, strlen(*n));
			buf_addc(&o, ':');
			json_put_raw(&o, t);
		}
	if (o.len)
		buf_addc(&o, '}');
	return o.p;
}

int
storage_hash_fd(int fd, char hex[65], uint64_t *bytes)
{
	enum { CHUNK = 1 << 20 };
	char *b = xmalloc(CHUNK);
	struct sha256 h;
	uint64_t off = 0;
	ssize_t n;

	sha256_init(&h);
	for (;;) {
		n = pread(fd, b, CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sha256_update(&h, b, (size_t)n);
		off += (uint64_t)n;
	}
	sha256_final_hex(&h, hex);
	free(b);
	if (bytes)
		*bytes = off;
	return n < 0 ? -1 : 0;
}
