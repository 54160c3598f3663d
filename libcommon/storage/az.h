/*
 * az: Azure Blob Storage requests on top of http.h and azsign.h: the
 * account's blob endpoint (https://ACCOUNT.blob.core.windows.net, or the
 * BlobEndpoint of a connection string, Azurite's path-style
 * http://127.0.0.1:10000/devstoreaccount1 included), SharedKey signing
 * with the account key or a SAS token appended to every URL.  Transient
 * failures (transport resets and timeouts, 408, 429, 5xx but 501/505:
 * ServerBusy, OperationTimedOut, InternalError) are retried up to
 * cfg.retries more times with httpx.h's backoff and jitter, each retry
 * logged with -v; the final error says how many tries were made.
 *
 * Asynchronous use: az_start then az_run in a loop (one thread).
 * Blocking use: az_perform with an http_conn the caller owns (one per
 * thread; the configuration is only read).
 */
#ifndef STAGE_AZ_H
#define STAGE_AZ_H

#include <stdint.h>

#include "azsign.h"
#include "buf.h"
#include "http.h"
#include "httpx.h"

#define AZ_VERSION "2021-08-06"

struct az_cfg {
	char *scheme;		/* "https" or "http" */
	char *host;		/* host[:port] */
	char *base;		/* path before the container ("" or
				 * "/devstoreaccount1" on Azurite) */
	char *account;
	char *container;
	struct buf key;		/* the account key, decoded; empty: none */
	char *sas;		/* SAS token (no '?'), or NULL */
	int retries;		/* tries after the first */
	int backoff_ms;
	int stall_s;
};

#define AZ_MAXQ 4
#define AZ_MAXH 6

struct az_req {
	/* What to send (strings owned by the caller, alive until done). */
	const char *method;
	const char *key;		/* blob name; NULL: the container */
	struct azsign_hdr query[AZ_MAXQ];	/* raw names and values */
	size_t nquery;
	struct azsign_hdr hdrs[AZ_MAXH];	/* more headers, all signed */
	size_t nhdrs;
	const char *body;		/* in memory, or a file range: */
	int body_fd;
	uint64_t body_off, body_len;
	http_sink sink;			/* GET: the blob's bytes */
	uint64_t range_off, range_len;	/* GET: only these (as s3.h) */
	void *sink_ctx;
	void (*done)(struct az_req *r);	/* asynchronous completion */
	void *ctx;
	/* The outcome. */
	struct http_req h;
	int tries;
	struct buf code;		/* x-ms-error-code or <Code>, or "" */
	struct buf msg;			/* <Message>'s first line, or
					 * the transport error */
	/* Private. */
	struct httpx_later later;
	struct az *az;
};

struct az {
	struct az_cfg cfg;
	struct http *http;
	struct httpx_delays delayed;
	struct httpx_backoff backoff;
};

void az_req_init(struct az_req *r, const char *method, const char *key);
void az_req_free(struct az_req *r);
void az_req_query(struct az_req *r, const char *name, const char *value);
void az_req_header(struct az_req *r, const char *name, const char *value);

void az_init(struct az *a);	/* after cfg is filled in */
void az_free(struct az *a);	/* also frees cfg's strings, wipes the key */

void az_start(struct az *a, struct az_req *r);
int az_run(struct az *a, int timeout_ms, int wait_fd);
/* Blocking, with retries and range resume (as s3_perform); 0 on 2xx. */
int az_perform(struct az *a, struct http_conn *c, struct az_req *r);

int az_ok(const struct az_req *r);
/* "403 AuthenticationFailed: Server failed to ... (after 1 try)". */
void az_strerror(const struct az_req *r, struct buf *out);
/* The request as it would be sent, the signature and the SAS token's
 * sig masked (for --dry-run). */
void az_describe(const struct az *a, struct az_req *r, struct buf *out);

/*
 * Fills c for container: the account, key, SAS and endpoint, from (first
 * found wins, field by field) the URL (abfss://container@ACCOUNT.dfs...:
 * url_account, url_host), dlt's destination.filesystem.credentials
 * (azure_storage_account_name, azure_storage_account_key,
 * azure_storage_sas_token, azure_account_host) through setting,
 * AZURE_STORAGE_ACCOUNT_NAME / AZURE_STORAGE_ACCOUNT_KEY /
 * AZURE_STORAGE_SAS_TOKEN, then AZURE_STORAGE_CONNECTION_STRING
 * (AccountName, AccountKey, SharedAccessSignature, BlobEndpoint,
 * DefaultEndpointsProtocol, EndpointSuffix, UseDevelopmentStorage).  The
 * endpoint flag wins over all.  -1 with err set (nothing secret in it)
 * when something is missing or malformed.
 */
int az_cfg_load(struct az_cfg *c, const char *container,
    const char *url_account, const char *url_host, const char *endpoint,
    const char *(*setting)(void *ctx, const char *key), void *sctx,
    struct buf *err);

#endif
