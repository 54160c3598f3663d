/*
 * objreq: the request type, retries and blocking or asynchronous sending
 * that the S3, Azure and GCS protocols share (objreq.h).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "objreq.h"
#include "xml.h"

void
objreq_init(struct objreq *r, const char *method, const char *key)
{
	memset(r, 0, sizeof *r);
	r->method = method;
	r->key = key;
	r->body_fd = -1;
	http_req_init(&r->h);
}

void
objreq_free(struct objreq *r)
{
	http_req_free(&r->h);
	free(r->url);
	r->url = NULL;
	buf_free(&r->code);
	buf_free(&r->msg);
}

void
objreq_query(struct objreq *r, const char *name, const char *value)
{
	if (r->nquery == OBJREQ_MAXQ)
		die(EXIT_FAIL, "objreq: too many query parameters");
	r->query[r->nquery++] = (struct objreq_kv){ name, value };
}

void
objreq_header(struct objreq *r, const char *name, const char *value)
{
	if (r->nhdrs == OBJREQ_MAXH)
		die(EXIT_FAIL, "objreq: too many headers");
	r->hdrs[r->nhdrs++] = (struct objreq_kv){ name, value };
}

void
objreq_fill(struct objreq *r, char *url, int stall_s)
{
	http_req_clear_hdrs(&r->h);
	free(r->h.url);
	r->h.url = url;
	r->h.method = r->method;
	r->h.body = r->body;
	r->h.body_fd = r->body_fd;
	r->h.body_off = r->body_off;
	r->h.body_len = r->body_len;
	r->h.sink = r->sink;
	r->h.sink_ctx = r->sink_ctx;
	r->h.stall_s = stall_s;
}

void
objreq_hline(struct objreq *r, const char *name, const char *value)
{
	struct buf line = BUF_INIT;

	buf_printf(&line, "%s: %s", name, value);
	http_req_header(&r->h, line.p);
	buf_free(&line);
}

void
objreq_xml_error(struct objreq *r)
{
	const struct buf *b = &r->h.resp;

	if (b->len) {
		xml_text(b->p, b->len, "Code", &r->code);
		xml_text(b->p, b->len, "Message", &r->msg);
	}
}

void
objreq_describe(const struct objreq *r, struct buf *out)
{
	if (r->unsent)
		buf_adds(out, r->msg.p);
	else
		httpx_describe(&r->h, &r->code, &r->msg, out);
}

void
objreq_strerror(const struct objreq *r, struct buf *out)
{
	objreq_describe(r, out);
	if (!r->unsent)
		httpx_tries(r->tries, out);
}

void
objreq_fail(struct buf *err, int *failed, const char *who,
    const char *what, const struct objreq *r)
{
	if (*failed)
		return;
	*failed = 1;
	buf_printf(err, "%s %s failed: ", who, what);
	if (r)
		objreq_strerror(r, err);
}

void
objx_init(struct objx *x, const struct objx_proto *p, const void *be,
    int retries, int backoff_ms)
{
	memset(x, 0, sizeof *x);
	x->proto = p;
	x->be = be;
	x->retries = retries;
	x->http = http_new();
	httpx_backoff_init(&x->backoff, backoff_ms);
}

void
objx_free(struct objx *x)
{
	http_free(x->http);
	x->http = NULL;
}

static void
parse_error(const struct objx *x, struct objreq *r)
{
	buf_reset(&r->code);
	buf_reset(&r->msg);
	if (r->h.curl_rc) {
		buf_adds(&r->msg, http_strerror(&r->h));
		return;
	}
	x->proto->parse_error(r);
}

int
objx_retryable(const struct objx *x, const struct objreq *r)
{
	if (r->unsent || r->h.sink_failed)
		return 0;
	if (r->h.curl_rc)
		return http_transient(&r->h);
	return x->proto->retryable(r);
}

/* After a try: 1 if it is to be tried again (after *delay ms). */
static int
again(struct objx *x, struct objreq *r, int *delay)
{
	const struct objx_proto *p = x->proto;
	struct buf why = BUF_INIT;

	if (r->unsent || p->ok(r))
		return 0;
	parse_error(x, r);
	if (p->renew && p->renew(x->be, r)) {
		*delay = 0;
		return 1;
	}
	if (r->no_retry || !objx_retryable(x, r) || r->tries > x->retries)
		return 0;
	*delay = httpx_backoff_ms(&x->backoff, r->tries);
	httpx_describe(&r->h, &r->code, &r->msg, &why);
	httpx_retry_note(r->key ? r->key : r->url ? r->url : p->root(x->be),
	    r->method, r->key || r->url ? p->key_noun : p->root_noun, why.p,
	    r->tries, x->retries, *delay);
	buf_free(&why);
	return 1;
}

/* r->h for the next try; -1 (r->unsent) if it cannot be made. */
static int
build(struct objx *x, struct objreq *r, struct http_conn *c)
{
	const struct objx_proto *p = x->proto;

	r->unsent = 0;
	p->build(x->be, r, (long long)time(NULL));
	if (p->authorize && p->authorize(x->be, r, c)) {
		r->unsent = 1;
		return -1;
	}
	return 0;
}

static void on_http_done(struct http_req *h);
static void fire(struct httpx_later *l);

static void
launch(struct objx *x, struct objreq *r)
{
	r->tries++;
	if (build(x, r, NULL)) {
		/* Reported from the loop, never from inside a start. */
		r->later.fire = fire;
		httpx_delay(&x->delayed, &r->later, 0);
		return;
	}
	r->h.done = on_http_done;
	r->h.ctx = r;
	http_start(x->http, &r->h);
}

static void
on_http_done(struct http_req *h)
{
	struct objreq *r = h->ctx;
	struct objx *x = r->x;
	int delay;

	if (again(x, r, &delay)) {
		r->later.fire = fire;
		httpx_delay(&x->delayed, &r->later, delay);
		return;
	}
	r->done(r);
}

static void
fire(struct httpx_later *l)
{
	struct objreq *r = (struct objreq *)((char *)l -
	    offsetof(struct objreq, later));

	if (r->unsent) {
		r->done(r);
		return;
	}
	launch(r->x, r);
}

void
objx_start(struct objx *x, struct objreq *r)
{
	r->x = x;
	r->tries = 0;
	r->unsent = 0;
	launch(x, r);
}

void
objx_start_later(struct objx *x, struct objreq *r, int delay_ms)
{
	r->x = x;
	r->tries = 0;
	r->unsent = 0;
	r->later.fire = fire;
	httpx_delay(&x->delayed, &r->later, delay_ms);
}

int
objx_run(struct objx *x, int timeout_ms, int wait_fd)
{
	timeout_ms = httpx_delays_fire(&x->delayed, timeout_ms);
	return http_run(x->http, timeout_ms, wait_fd) + x->delayed.n;
}

int
objx_perform(struct objx *x, struct http_conn *c, struct objreq *r)
{
	struct httpx_range rs;
	char range[64];
	size_t nh = r->nhdrs;
	http_sink sink = r->sink;
	void *sink_ctx = r->sink_ctx;
	int delay;

	httpx_range_init(&rs, &r->h, sink, sink_ctx, r->range_off,
	    r->range_len);
	if (sink) {
		r->sink = httpx_range_sink;
		r->sink_ctx = &rs;
	}
	r->x = x;
	for (r->tries = 1;; r->tries++) {
		r->nhdrs = nh;
		if (httpx_range_next(&rs, range, sizeof range))
			objreq_header(r, "Range", range);
		if (build(x, r, c) == 0)
			http_conn_perform(c, &r->h);
		if (!again(x, r, &delay))
			break;
		httpx_sleep_ms(delay);
	}
	r->nhdrs = nh;
	r->sink = sink;
	r->sink_ctx = sink_ctx;
	if (rs.bad) {
		/* Ours to report, not the sink's. */
		r->h.sink_failed = 0;
		buf_reset(&r->msg);
		httpx_range_bad(&rs, &r->msg);
	}
	return !r->unsent && x->proto->ok(r) ? 0 : -1;
}

int
objx_get(struct objx *x, struct httpx_pool *pool, const char *key,
    uint64_t off, uint64_t len, http_sink sink, void *ctx, struct buf *err)
{
	struct http_conn *c = httpx_pool_take(pool);
	struct objreq r;
	int rc;

	objreq_init(&r, "GET", key);
	r.range_off = off;
	r.range_len = len;
	r.sink = sink;
	r.sink_ctx = ctx;
	rc = objx_perform(x, c, &r);
	if (rc && !r.h.sink_failed) {
		buf_printf(err, "%s GET failed: ", x->proto->name);
		objreq_strerror(&r, err);
	}
	objreq_free(&r);
	httpx_pool_give(pool, c);
	return rc;
}

int
objx_delete(struct objx *x, struct http_conn *c, const char *key,
    struct buf *err)
{
	struct objreq r;
	int rc;

	objreq_init(&r, "DELETE", key);
	rc = objx_perform(x, c, &r);
	if (rc && r.h.status == 404 && !r.unsent)
		rc = 0;
	if (rc) {
		buf_printf(err, "%s DELETE failed: ", x->proto->name);
		objreq_strerror(&r, err);
	}
	objreq_free(&r);
	return rc;
}
