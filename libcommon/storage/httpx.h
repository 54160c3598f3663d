/*
 * httpx: what every HTTP storage back end shares on top of http.h, so that
 * a new one (gs://, az://) brings only its protocol:
 *
 *  - backoff: exponential retry delays with jitter, capped;
 *  - delays: retries of asynchronous requests waiting for their time,
 *    fired from the transfer loop;
 *  - range: a GET's sink that resumes a broken transfer with a Range
 *    request (and reads a byte range in the first place), refusing an
 *    answer that is not the range asked for;
 *  - worker: the helper thread that reads and hashes request bodies in
 *    order, so the thread driving libcurl never stalls on them, and wakes
 *    that thread (http_wakeup) when a job is done;
 *  - pool: idle connections for blocking calls, kept so that a storage
 *    used for many objects keeps them alive, while calls from several
 *    threads still each get their own.
 *
 * Which answers are worth a retry is the protocol's decision.
 */
#ifndef STAGE_HTTPX_H
#define STAGE_HTTPX_H

#include <pthread.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"

long long httpx_now_ms(void);	/* monotonic */
void httpx_sleep_ms(int ms);

/* Why a request failed, in words, alike for every storage: a transfer
 * error is msg (else curl's words); an answer is its status, then " CODE"
 * and ": MSG" as its body gave them (either may be NULL), or, when it
 * gave neither, the status's name (404, 403, 401). */
void httpx_describe(const struct http_req *h, const struct buf *code,
    const struct buf *msg, struct buf *out);
/* " (after N tries)", after the words of a request that gave up. */
void httpx_tries(int tries, struct buf *out);
/* The verbose line of a retry: "WHO: METHOD WHAT: WHY; try N of M in D
 * ms" (tries made so far; retries allowed). */
void httpx_retry_note(const char *who, const char *method,
    const char *what, const char *why, int tries, int retries,
    int delay_ms);

/* Delay before try tries + 1: base_ms (200 when 0) doubled per try,
 * capped at 20 s, then spread over its upper half (jitter). */
struct httpx_backoff {
	int base_ms;
	uint64_t rng;
};
void httpx_backoff_init(struct httpx_backoff *b, int base_ms);
int httpx_backoff_ms(struct httpx_backoff *b, int tries);

/* A request waiting to be tried again: fire() is called once it is due. */
struct httpx_later {
	void (*fire)(struct httpx_later *l);
	long long due_ms;
	struct httpx_later *next;
};
struct httpx_delays {
	struct httpx_later *head;
	int n;
};
void httpx_delay(struct httpx_delays *d, struct httpx_later *l, int ms);
/* Fires the due ones; returns timeout_ms, shortened so that a wait of
 * that long ends when the next one is due. */
int httpx_delays_fire(struct httpx_delays *d, int timeout_ms);

/* Bytes [off, off + len) of an object (len 0: to its end; both 0: all
 * of it) to sink across tries. */
struct httpx_range {
	http_sink sink;
	void *ctx;
	const struct http_req *h;
	uint64_t off, len;
	uint64_t got;		/* bytes handed to sink so far */
	uint64_t from;		/* this try asked for bytes from... */
	int ranged;		/* ... with a Range header */
	int checked;		/* its answer's Content-Range was looked at */
	int bad;		/* it was not the range asked for */
};
void httpx_range_init(struct httpx_range *rs, const struct http_req *h,
    http_sink sink, void *ctx, uint64_t off, uint64_t len);
/* Before each try: 1 with the Range header's value in range when this
 * try needs one. */
int httpx_range_next(struct httpx_range *rs, char *range, size_t n);
/* The sink to give the request (ctx: rs). */
int httpx_range_sink(void *ctx, const void *p, size_t n);
/* After the last try: 1 and why, when an answer was not the range asked
 * for (then the sink's failure is ours, not the caller's sink's). */
int httpx_range_bad(const struct httpx_range *rs, struct buf *why);

/* The helper thread: run() is called there, jobs in order. */
struct httpx_job {
	void (*run)(struct httpx_job *j);
	struct httpx_job *next;
};
struct httpx_worker {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct httpx_job *todo, **todo_tail;
	struct httpx_job *done, **done_tail;
	int stop, started;
	struct http *http;	/* woken when a job is done */
};
void httpx_worker_init(struct httpx_worker *w, struct http *h);
/* Queues j (the thread starts with the first job). */
void httpx_worker_push(struct httpx_worker *w, struct httpx_job *j);
/* Takes every job done, in order (linked by next). */
struct httpx_job *httpx_worker_take(struct httpx_worker *w);
/* Finishes the queued jobs and ends the thread. */
void httpx_worker_free(struct httpx_worker *w);

/* Idle connections for blocking calls. */
#define HTTPX_KEEP 4
struct httpx_pool {
	pthread_mutex_t mu;	/* guards idle, nidle */
	struct http_conn *idle[HTTPX_KEEP];
	int nidle;
};
void httpx_pool_init(struct httpx_pool *p);
/* An idle connection (still connected, if the server has not hung up),
 * else a new one. */
struct http_conn *httpx_pool_take(struct httpx_pool *p);
void httpx_pool_give(struct httpx_pool *p, struct http_conn *c);
void httpx_pool_free(struct httpx_pool *p);

/* The stall timeout every HTTP storage takes: STAGE_S3_TIMEOUT seconds
 * (1 to 86400), else 60; -1 with err set when it is not such a number. */
int httpx_stall_timeout(int *stall_s, struct buf *err);

#endif
