/*
 * s3: S3 requests on top of http.h and sigv4.h, for any S3-compatible
 * store: path-style or virtual-hosted addressing, any region, http or
 * https.  Every request is signed with the real SHA-256 of its body in
 * x-amz-content-sha256 (never UNSIGNED-PAYLOAD), so the server checks the
 * bytes it stored.  Transient failures (transport resets and timeouts,
 * 5xx, SlowDown, RequestTimeout, InternalError) are retried up to
 * cfg.retries more times with exponential backoff and jitter (httpx.h),
 * each retry logged with -v; the final error says how many tries were
 * made.
 *
 * Asynchronous use: s3_start then s3_run in a loop (one thread).
 * Blocking use: s3_perform with an http_conn the caller owns (one per
 * thread; the s3 configuration is only read).
 */
#ifndef STAGE_S3_H
#define STAGE_S3_H

#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "httpx.h"
#include "sigv4.h"

#define S3_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct s3_cfg {
	char *scheme;		/* "https" or "http" */
	char *host;		/* endpoint host[:port] */
	char *bucket;
	char *region;
	int path_style;		/* 1: host/bucket/key; 0: bucket.host/key */
	char *access_key;
	char *secret_key;
	char *token;		/* session token or NULL */
	int retries;		/* tries after the first */
	int backoff_ms;		/* first retry delay (doubles) */
	int stall_s;		/* no progress for this long: a timeout */
};

#define S3_MAXQ 4
#define S3_MAXH 6

struct s3_req {
	/* What to send (strings owned by the caller, alive until done). */
	const char *method;
	const char *key;		/* NULL for the bucket itself */
	struct sigv4_param query[S3_MAXQ];
	size_t nquery;
	struct sigv4_hdr hdrs[S3_MAXH];	/* more headers, all signed */
	size_t nhdrs;
	const char *body;		/* in memory, or a file range: */
	int body_fd;
	uint64_t body_off, body_len;
	char payload_hash[65];		/* hex SHA-256 of the body */
	http_sink sink;			/* GET: the object's bytes */
	uint64_t range_off, range_len;	/* GET: only these bytes (len 0:
					 * to the end; both 0: all) */
	void *sink_ctx;
	void (*done)(struct s3_req *r);	/* asynchronous completion */
	void *ctx;
	/* The outcome. */
	struct http_req h;
	int tries;
	struct buf code;		/* S3 error Code, or "" */
	struct buf msg;			/* S3 error Message or transport error */
	/* Private. */
	struct httpx_later later;	/* a retry waiting for its time */
	struct s3 *s3;
};

struct s3 {
	struct s3_cfg cfg;
	struct http *http;
	struct httpx_delays delayed;	/* retries waiting for their time */
	struct httpx_backoff backoff;
};

/* Sets r up for a request (method and key), everything else empty. */
void s3_req_init(struct s3_req *r, const char *method, const char *key);
void s3_req_free(struct s3_req *r);
void s3_req_query(struct s3_req *r, const char *name, const char *value);
void s3_req_header(struct s3_req *r, const char *name, const char *value);

void s3_init(struct s3 *s);	/* after cfg is filled in */
void s3_free(struct s3 *s);	/* also frees cfg's strings */

void s3_start(struct s3 *s, struct s3_req *r);
/* As http_run; counts retries waiting too. */
int s3_run(struct s3 *s, int timeout_ms, int wait_fd);
/* Blocking, with retries; 0 on a 2xx answer.  A GET that breaks after
 * some bytes reached the sink resumes with a Range request, whose answer
 * must start there (Content-Range) or the GET fails; so must the answer
 * to a ranged GET (range_off, range_len). */
int s3_perform(struct s3 *s, struct http_conn *c, struct s3_req *r);

/* 1 if r ended with a 2xx status and no embedded <Error>. */
int s3_ok(const struct s3_req *r);
/* "403 AccessDenied: Access Denied (after 1 try)" and the like. */
void s3_strerror(const struct s3_req *r, struct buf *out);
/* The request as it would be sent: method, URL and headers, with the
 * signature and the session token masked (for --dry-run). */
void s3_describe(const struct s3 *s, struct s3_req *r, struct buf *out);
/* The request's URL (for messages). */
void s3_url(const struct s3_cfg *c, const char *key, struct buf *out);

/* Fills c from the environment and a setting lookup (dlt config keys,
 * see s3.c); NULL lookup is allowed.  endpoint/region/path_style given
 * by flags win (NULL/-1 when not given).  -1 with err set when there are
 * no credentials or the endpoint is unusable. */
int s3_cfg_load(struct s3_cfg *c, const char *bucket, const char *endpoint,
    const char *region, int path_style,
    const char *(*setting)(void *ctx, const char *key), void *sctx,
    struct buf *err);

/* What another storage hands S3's back end (gs:// with HMAC keys, through
 * GCS's S3-interoperable XML API): its endpoint, region and keys, which
 * take the place of the AWS ones s3_cfg_load would look for. */
struct s3_preset {
	const char *endpoint;
	const char *region;
	const char *access_key;
	const char *secret_key;
};
struct storage;
struct storage_opts;
/* storage_s3_ops' open on a preset configuration (storage_s3.c). */
int storage_s3_open_preset(struct storage *st, const char *rest,
    const struct storage_opts *o, const struct s3_preset *pre,
    struct buf *err);

#endif
