/*
 * httpx: retries, range resume, the helper thread and the connection
 * pool that the HTTP storage back ends share (httpx.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpx.h"
#include "log.h"

#define BACKOFF_CAP_MS 20000

long long
httpx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
httpx_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static const char *
status_name(long status)
{
	switch (status) {
	case 404:
		return " Not Found";
	case 403:
		return " Forbidden";
	case 401:
		return " Unauthorized";
	default:
		return "";
	}
}

void
httpx_describe(const struct http_req *h, const struct buf *code,
    const struct buf *msg, struct buf *out)
{
	int has_code = code && code->len, has_msg = msg && msg->len;

	if (h->curl_rc) {
		buf_adds(out, has_msg ? msg->p : http_strerror(h));
		return;
	}
	buf_printf(out, "%ld", h->status);
	if (has_code)
		buf_printf(out, " %s", code->p);
	if (has_msg)
		buf_printf(out, ": %s", msg->p);
	if (!has_code && !has_msg)
		buf_adds(out, status_name(h->status));
}

void
httpx_tries(int tries, struct buf *out)
{
	buf_printf(out, " (after %d %s)", tries, tries == 1 ? "try" :
	    "tries");
}

void
httpx_retry_note(const char *who, const char *method, const char *what,
    const char *why, int tries, int retries, int delay_ms)
{
	log_verbose("%s: %s %s: %s; try %d of %d in %d ms", who, method,
	    what, why, tries + 1, retries + 1, delay_ms);
}

void
httpx_backoff_init(struct httpx_backoff *b, int base_ms)
{
	b->base_ms = base_ms;
	b->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
	    (uint64_t)httpx_now_ms();
	if (!b->rng)
		b->rng = 1;
}

int
httpx_backoff_ms(struct httpx_backoff *b, int tries)
{
	long long d = b->base_ms > 0 ? b->base_ms : 200;

	for (int i = 1; i < tries && d < BACKOFF_CAP_MS; i++)
		d *= 2;
	if (d > BACKOFF_CAP_MS)
		d = BACKOFF_CAP_MS;
	/* xorshift64: jitter needs spread, not strength. */
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return (int)(d / 2 + (long long)(b->rng % (uint64_t)(d / 2 + 1)));
}

void
httpx_delay(struct httpx_delays *d, struct httpx_later *l, int ms)
{
	l->due_ms = httpx_now_ms() + ms;
	l->next = d->head;
	d->head = l;
	d->n++;
}

int
httpx_delays_fire(struct httpx_delays *d, int timeout_ms)
{
	long long now = httpx_now_ms(), first = -1;
	struct httpx_later **pp = &d->head;

	while (*pp) {
		struct httpx_later *l = *pp;
		if (l->due_ms <= now) {
			*pp = l->next;
			d->n--;
			l->fire(l);
			continue;
		}
		if (first < 0 || l->due_ms < first)
			first = l->due_ms;
		pp = &l->next;
	}
	if (first >= 0 && first - now < timeout_ms)
		timeout_ms = (int)(first - now);
	return timeout_ms;
}

void
httpx_range_init(struct httpx_range *rs, const struct http_req *h,
    http_sink sink, void *ctx, uint64_t off, uint64_t len)
{
	memset(rs, 0, sizeof *rs);
	rs->sink = sink;
	rs->ctx = ctx;
	rs->h = h;
	rs->off = off;
	rs->len = len;
}

int
httpx_range_next(struct httpx_range *rs, char *range, size_t n)
{
	rs->from = rs->off + rs->got;
	rs->ranged = rs->off || rs->len || rs->got;
	rs->checked = 0;
	if (rs->ranged && rs->len)
		snprintf(range, n, "bytes=%llu-%llu",
		    (unsigned long long)rs->from,
		    (unsigned long long)(rs->off + rs->len - 1));
	else if (rs->ranged)
		snprintf(range, n, "bytes=%llu-", (unsigned long long)rs->from);
	return rs->ranged;
}

/* 1 if a ranged GET's answer starts at byte from (Content-Range "bytes
 * from-..."): a server that ignores Range sends the whole object again,
 * which must not be appended to what the sink already has. */
static int
range_ok(const struct http_req *h, uint64_t from)
{
	struct buf cr = BUF_INIT;
	char *end;
	int ok;

	ok = http_header(h, "Content-Range", &cr) == 0 &&
	    strncmp(cr.p, "bytes ", 6) == 0 &&
	    strtoull(cr.p + 6, &end, 10) == from && *end == '-';
	buf_free(&cr);
	return ok;
}

int
httpx_range_sink(void *ctx, const void *p, size_t n)
{
	struct httpx_range *rs = ctx;

	if (rs->ranged && !rs->checked) {
		rs->checked = 1;
		if (!range_ok(rs->h, rs->from)) {
			rs->bad = 1;
			return -1;
		}
	}
	if (rs->sink(rs->ctx, p, n))
		return -1;
	rs->got += n;
	return 0;
}

int
httpx_range_bad(const struct httpx_range *rs, struct buf *why)
{
	if (!rs->bad)
		return 0;
	buf_printf(why, "%s at byte %llu: the answer is not that range (the "
	    "server ignored Range?)", rs->got ? "resuming" : "reading",
	    (unsigned long long)rs->from);
	return 1;
}

static void *
worker_main(void *arg)
{
	struct httpx_worker *w = arg;
	struct httpx_job *j;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->todo && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->todo) {
			pthread_mutex_unlock(&w->mu);
			return NULL;
		}
		j = w->todo;
		if (!(w->todo = j->next))
			w->todo_tail = &w->todo;
		pthread_mutex_unlock(&w->mu);
		j->run(j);
		pthread_mutex_lock(&w->mu);
		j->next = NULL;
		*w->done_tail = j;
		w->done_tail = &j->next;
		pthread_mutex_unlock(&w->mu);
		http_wakeup(w->http);
	}
}

void
httpx_worker_init(struct httpx_worker *w, struct http *h)
{
	memset(w, 0, sizeof *w);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->todo_tail = &w->todo;
	w->done_tail = &w->done;
	w->http = h;
}

void
httpx_worker_push(struct httpx_worker *w, struct httpx_job *j)
{
	if (!w->started) {
		if (pthread_create(&w->th, NULL, worker_main, w))
			die(EXIT_FAIL, "cannot start a thread");
		w->started = 1;
	}
	pthread_mutex_lock(&w->mu);
	j->next = NULL;
	*w->todo_tail = j;
	w->todo_tail = &j->next;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

struct httpx_job *
httpx_worker_take(struct httpx_worker *w)
{
	struct httpx_job *l;

	if (!w->started)
		return NULL;
	pthread_mutex_lock(&w->mu);
	l = w->done;
	w->done = NULL;
	w->done_tail = &w->done;
	pthread_mutex_unlock(&w->mu);
	return l;
}

void
httpx_worker_free(struct httpx_worker *w)
{
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->stop = 1;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
		w->started = 0;
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
}

void
httpx_pool_init(struct httpx_pool *p)
{
	memset(p, 0, sizeof *p);
	pthread_mutex_init(&p->mu, NULL);
}

struct http_conn *
httpx_pool_take(struct httpx_pool *p)
{
	struct http_conn *c = NULL;

	pthread_mutex_lock(&p->mu);
	if (p->nidle)
		c = p->idle[--p->nidle];
	pthread_mutex_unlock(&p->mu);
	return c ? c : http_conn_new();
}

void
httpx_pool_give(struct httpx_pool *p, struct http_conn *c)
{
	pthread_mutex_lock(&p->mu);
	if (p->nidle < HTTPX_KEEP) {
		p->idle[p->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	http_conn_free(c);
}

void
httpx_pool_free(struct httpx_pool *p)
{
	while (p->nidle)
		http_conn_free(p->idle[--p->nidle]);
	pthread_mutex_destroy(&p->mu);
}

int
httpx_stall_timeout(int *stall_s, struct buf *err)
{
	const char *v = getenv("STAGE_S3_TIMEOUT");
	char *end;
	long n;

	*stall_s = 60;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 1 || n > 86400) {
		buf_printf(err, "STAGE_S3_TIMEOUT=%s: not a number of seconds "
		    "from 1 to 86400", v);
		return -1;
	}
	*stall_s = (int)n;
	return 0;
}
