/*
 * gcs: Google Cloud Storage's JSON API requests on objreq.h: the
 * bucket's and objects' URLs (an object name is one percent-encoded path
 * segment, '/' included), the service account's token from gauth.h in
 * each try's Authorization (none for an emulator), the message of a JSON
 * error answer in the place of S3's and Azure's code, and which answers
 * to retry (transport resets and timeouts, 408, 429, 5xx but 501; a 401
 * goes again at once with a new token, once).  A request carries the
 * whole URL the caller made (objreq.url), or its key names an object
 * (objx_get and objx_delete: its bytes with alt=media).
 *
 * The request type, the retries and the sending are objreq.h's, shared
 * with s3.h and az.h: this module brings only what is GCS's.
 */
#ifndef STAGE_GCS_H
#define STAGE_GCS_H

#include "buf.h"
#include "gauth.h"
#include "httpx.h"
#include "objreq.h"

struct gcs {
	char *base;			/* scheme://host[:port] */
	char *bucket;
	struct gauth auth;
	int has_auth;			/* 0: an emulator, no token */
	int stall_s;
	struct httpx_pool conns;	/* blocking requests, exchanges */
	struct objx x;
};

/* The engine and the pool, once base, bucket, auth and stall_s are set. */
void gcs_init(struct gcs *g, int retries, int backoff_ms);
/* Everything; safe on a gcs never initialised (zeroed). */
void gcs_free(struct gcs *g);

/* The bucket's resource (key NULL) or an object's, ?query added. */
void gcs_object_url(const struct gcs *g, const char *key, const char *query,
    struct buf *out);
/* An upload's: uploadType=type, &name=key with a key. */
void gcs_upload_url(const struct gcs *g, const char *type, const char *key,
    struct buf *out);
/* s percent-encoded as one path segment or query value. */
void gcs_enc(struct buf *out, const char *s);

/* r->h as it would be sent, but for the token (dry runs). */
void gcs_build(const struct gcs *g, struct objreq *r);
/* 1 if r was sent and answered 2xx. */
int gcs_ok(const struct objreq *r);

#endif
