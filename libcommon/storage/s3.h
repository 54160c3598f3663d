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
 * The request type, the retries and the sending are objreq.h's, shared
 * with Azure's az.h: this module brings S3's URLs, signing and errors.
 */
#ifndef STAGE_S3_H
#define STAGE_S3_H

#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "httpx.h"
#include "objreq.h"
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

/* A request is objreq.h's; s3_init sets up the engine (objx) with S3's
 * protocol, and objx_start / objx_run / objx_perform send it. */
struct s3 {
	struct s3_cfg cfg;
	struct objx x;
};

void s3_init(struct s3 *s);	/* after cfg is filled in */
void s3_free(struct s3 *s);	/* also frees cfg's strings */

/* 1 if r ended with a 2xx status and no embedded <Error>. */
int s3_ok(const struct objreq *r);
/* The request as it would be sent: method, URL and headers, with the
 * signature and the session token masked (for --dry-run). */
void s3_describe(const struct s3 *s, struct objreq *r, struct buf *out);
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
