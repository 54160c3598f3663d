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
 * The request type, the retries and the sending are objreq.h's, shared
 * with S3's s3.h: this module brings Azure's URLs, signing and errors.
 */
#ifndef STAGE_AZ_H
#define STAGE_AZ_H

#include <stdint.h>

#include "azsign.h"
#include "buf.h"
#include "http.h"
#include "httpx.h"
#include "objreq.h"

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

/* A request is objreq.h's; az_init sets up the engine (objx) with
 * Azure's protocol, and objx_start / objx_run / objx_perform send it. */
struct az {
	struct az_cfg cfg;
	struct objx x;
};

void az_init(struct az *a);	/* after cfg is filled in */
void az_free(struct az *a);	/* also frees cfg's strings, wipes the key */

int az_ok(const struct objreq *r);
/* The request as it would be sent, the signature and the SAS token's
 * sig masked (for --dry-run). */
void az_describe(const struct az *a, struct objreq *r, struct buf *out);

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
