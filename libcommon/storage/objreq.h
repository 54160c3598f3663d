/*
 * objreq: one request to an object store (S3, Azure Blob Storage), tried
 * until it succeeds, fails for good or runs out of retries; what s3.c
 * and az.c would otherwise each write again.  A request names a method,
 * a key (NULL: the bucket or container), query parameters and headers
 * (raw names and values, encoded and signed by the protocol), a body (in
 * memory or a file range), a sink for a GET's bytes and, for a ranged
 * GET, the range.  Its outcome is the http_req, the tries made and the
 * service's error code and message.
 *
 * The engine (struct objx) holds the transfer loop, the retries waiting
 * for their time and the retry policy (httpx.h's backoff and jitter,
 * cfg.retries more tries, each retry logged with -v, the final error
 * saying how many tries were made).  The protocol (struct objx_proto)
 * brings only what differs: building a try (URL shape, signing), which
 * answers are a success, reading an error answer and which failures are
 * worth a retry.
 *
 * Asynchronous use: objx_start then objx_run in a loop (one thread).
 * Blocking use: objx_perform with an http_conn the caller owns (one per
 * thread; the engine is only read but for the backoff's jitter).
 */
#ifndef STAGE_OBJREQ_H
#define STAGE_OBJREQ_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "httpx.h"

#define OBJREQ_MAXQ 4
#define OBJREQ_MAXH 6

struct objreq_kv {
	const char *name;
	const char *value;		/* "" for a bare "?uploads" */
};

struct objx;

struct objreq {
	/* What to send (strings owned by the caller, alive until done). */
	const char *method;
	const char *key;		/* NULL: the bucket or container */
	struct objreq_kv query[OBJREQ_MAXQ];
	size_t nquery;
	struct objreq_kv hdrs[OBJREQ_MAXH];	/* more headers, all signed */
	size_t nhdrs;
	const char *body;		/* in memory, or a file range: */
	int body_fd;
	uint64_t body_off, body_len;
	char payload_hash[65];		/* S3: hex SHA-256 of the body ("":
					 * the empty body's) */
	http_sink sink;			/* GET: the object's bytes */
	uint64_t range_off, range_len;	/* GET: only these bytes (len 0:
					 * to the end; both 0: all) */
	void *sink_ctx;
	void (*done)(struct objreq *r);	/* asynchronous completion */
	void *ctx;
	char *url;			/* a whole URL the caller made
					 * (GCS), owned; NULL: the protocol
					 * makes it from key and query */
	int no_retry;			/* the caller decides what follows
					 * a failure (GCS's session) */
	int auth_gen;			/* the credentials a try used (GCS's
					 * token exchange) */
	int reauthed;			/* new credentials got once */
	/* The outcome. */
	int unsent;			/* the last try could not be made:
					 * msg says why */
	struct http_req h;
	int tries;
	struct buf code;		/* the service's error code, or "" */
	struct buf msg;			/* its message, or the transport
					 * error */
	/* Private. */
	struct httpx_later later;	/* a retry waiting for its time */
	struct objx *x;
};

/* What a protocol brings; be is objx.be. */
struct objx_proto {
	const char *name;		/* "s3", "az": in messages */
	const char *key_noun;		/* "object", "blob" */
	const char *root_noun;		/* "bucket", "container" */
	/* The bucket's or container's name (retry notes). */
	const char *(*root)(const void *be);
	/* r->h for the try about to be made at time now: URL, headers,
	 * signature (objreq_fill copies the rest). */
	void (*build)(const void *be, struct objreq *r, long long now);
	/* Optional, after build: what the try must fetch first (GCS's
	 * token), on c (NULL: none at hand).  0, or -1 with r->msg set:
	 * the try is not made and the request fails (no retry). */
	int (*authorize)(const void *be, struct objreq *r,
	    struct http_conn *c);
	/* 1 if r's answer is a success. */
	int (*ok)(const struct objreq *r);
	/* After an answer that is not: code and msg from its headers or
	 * body (the transport error is read before this is called). */
	void (*parse_error)(struct objreq *r);
	/* 1 if the answer (not a transport error) is worth a retry. */
	int (*retryable)(const struct objreq *r);
	/* Optional, after parse_error: 1 if the answer asks for the same
	 * try again at once, not counted as a retry (GCS: a 401 with a
	 * token to renew). */
	int (*renew)(const void *be, struct objreq *r);
};

struct objx {
	const struct objx_proto *proto;
	const void *be;			/* the protocol's configuration */
	int retries;			/* tries after the first */
	struct http *http;
	struct httpx_delays delayed;	/* retries waiting for their time */
	struct httpx_backoff backoff;
};

/* Sets r up for a request (method and key), everything else empty. */
void objreq_init(struct objreq *r, const char *method, const char *key);
void objreq_free(struct objreq *r);
/* Die (a bug, not an input) past OBJREQ_MAXQ / OBJREQ_MAXH. */
void objreq_query(struct objreq *r, const char *name, const char *value);
void objreq_header(struct objreq *r, const char *name, const char *value);
/* Starts r->h for a try: no headers yet, url (taken over), and the
 * parts every protocol sets alike: method, body, sink, stall timeout. */
void objreq_fill(struct objreq *r, char *url, int stall_s);
/* Adds "name: value" to r->h's headers. */
void objreq_hline(struct objreq *r, const char *name, const char *value);
/* An XML error answer's Code and Message (S3's and Azure's shape). */
void objreq_xml_error(struct objreq *r);
/* "403 AccessDenied: Access Denied (after 1 try)" and the like; a
 * request never sent, only why. */
void objreq_strerror(const struct objreq *r, struct buf *out);
/* The same without the tries. */
void objreq_describe(const struct objreq *r, struct buf *out);
/* A file's first failure into err: "gs upload failed: " (who, what)
 * and, with r, objreq_strerror; *failed set, later failures dropped. */
void objreq_fail(struct buf *err, int *failed, const char *who,
    const char *what, const struct objreq *r);

void objx_init(struct objx *x, const struct objx_proto *p, const void *be,
    int retries, int backoff_ms);
void objx_free(struct objx *x);
void objx_start(struct objx *x, struct objreq *r);
/* objx_start after delay_ms, from objx_run. */
void objx_start_later(struct objx *x, struct objreq *r, int delay_ms);
/* 1 if r's failed answer is worth another try (a caller deciding for
 * itself, no_retry). */
int objx_retryable(const struct objx *x, const struct objreq *r);
/* As http_run; counts retries waiting too. */
int objx_run(struct objx *x, int timeout_ms, int wait_fd);
/* Blocking, with retries; 0 on success.  A GET that breaks after some
 * bytes reached the sink resumes with a Range request, whose answer must
 * start there (Content-Range) or the GET fails; so must the answer to a
 * ranged GET (range_off, range_len). */
int objx_perform(struct objx *x, struct http_conn *c, struct objreq *r);

/* What the storage back ends' blocking calls share, on a connection of
 * pool: a GET of key's bytes [off, off + len) (as range_off, range_len)
 * into sink, and a DELETE of key, where a missing key is no error.  -1
 * with err set ("s3 GET failed: 403 AccessDenied ...") on failure, but
 * err is left alone when the caller's sink failed. */
int objx_get(struct objx *x, struct httpx_pool *pool, const char *key,
    uint64_t off, uint64_t len, http_sink sink, void *ctx, struct buf *err);
int objx_delete(struct objx *x, struct http_conn *c, const char *key,
    struct buf *err);

#endif
