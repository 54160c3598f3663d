/*
 * http: HTTP/1.1 requests through libcurl, asynchronous (one multi handle
 * driving many transfers, connections kept and reused) or blocking (one
 * easy handle a caller owns, e.g. one per thread, reused the same way).
 *
 * A request body comes from memory or from a byte range of a file (read
 * with pread, so many requests can share one descriptor).  A response body
 * goes to a sink callback, with the same shape as compress.h's zsink, when
 * the status is 2xx; otherwise, or without a sink, its first HTTP_KEEP
 * bytes are kept in resp for error parsing.  Nothing here retries: that is
 * the protocol layer's decision (objreq.c).  http_init runs once however often
 * it is called; the storage layer calls it when it opens an HTTP storage
 * (storage.h), before its threads start.
 */
#ifndef STAGE_HTTP_H
#define STAGE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define HTTP_KEEP (1 << 20)

typedef int (*http_sink)(void *ctx, const void *p, size_t n);

struct curl_slist;

struct http_req {
	/* The request, set by the caller (who owns url and hdrs). */
	const char *method;		/* GET HEAD PUT POST DELETE */
	char *url;
	struct curl_slist *hdrs;	/* "Name: value" lines */
	const char *body;		/* body in memory, or ... */
	int body_fd;			/* ... from a file when body is NULL */
	uint64_t body_off;		/* (-1 fd: no body) */
	uint64_t body_len;
	http_sink sink;
	void *sink_ctx;
	void (*done)(struct http_req *r);	/* asynchronous completion */
	void *ctx;
	int stall_s;			/* this long without a byte moving
					 * is a timeout (0: 60 s) */
	/* The outcome. */
	long status;			/* HTTP status, 0 if none arrived */
	int curl_rc;			/* CURLcode, 0 when a response arrived */
	int sink_failed;		/* the sink returned -1 */
	char err[512];			/* curl's (or cabundle's) error text */
	struct buf resp;		/* body kept (see above) */
	struct buf rhdrs;		/* response header lines */
	uint64_t received;		/* body bytes handed to the sink */
	/* Private. */
	uint64_t sent;
	void *easy;
};

struct http;
struct http_conn;

void http_init(void);

/* Initialises r (body_fd -1, everything empty). */
void http_req_init(struct http_req *r);
/* Clears the outcome so that r can be sent again (a retry). */
void http_req_clear(struct http_req *r);
/* Frees url, hdrs and the outcome buffers. */
void http_req_free(struct http_req *r);
void http_req_header(struct http_req *r, const char *line);
void http_req_clear_hdrs(struct http_req *r);
/* "METHOD URL" and the header lines, one a line. */
void http_req_dump(const struct http_req *r, struct buf *out);

struct http *http_new(void);
void http_free(struct http *h);
/* Starts r; r->done is called from a later http_run. */
void http_start(struct http *h, struct http_req *r);
/* Moves data for up to timeout_ms or until something completes or
 * wait_fd (if >= 0) is readable; calls done callbacks.  Returns the
 * number of requests still running. */
int http_run(struct http *h, int timeout_ms, int wait_fd);
/* Ends a wait in http_run early; callable from any thread. */
void http_wakeup(struct http *h);

struct http_conn *http_conn_new(void);
void http_conn_free(struct http_conn *c);
/* Sends r and waits for the outcome; 0 if a response arrived. */
int http_conn_perform(struct http_conn *c, struct http_req *r);

/* The value of response header name (case-insensitive), trimmed, into
 * out; -1 if absent. */
int http_header(const struct http_req *r, const char *name, struct buf *out);
/* 1 if r failed in transport in a way worth retrying (reset, timeout,
 * refused connection, empty reply). */
int http_transient(const struct http_req *r);
/* Transport error text. */
const char *http_strerror(const struct http_req *r);

#endif
