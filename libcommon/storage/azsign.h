/*
 * azsign: Azure Storage's SharedKey authorization for the Blob service,
 * on OpenSSL's HMAC-SHA256, written from Microsoft's "Authorize with
 * Shared Key" reference (version 2015-02-21 and later rules).
 *
 * The string to sign is the verb, the values of eleven standard headers
 * (Content-Length empty when 0) one a line, the x-ms-* headers lower-cased,
 * sorted and trimmed ("name:value\n" each), then the canonicalized
 * resource: "/" account, the URL's path as sent, and each query parameter
 * as "\nname:value", names lower-cased and sorted, values percent-decoded
 * (repeated names joined by ',').  The Authorization value is
 * "SharedKey account:" and the base64 HMAC-SHA256 of that string under
 * the base64-decoded account key.  No state: safe from any thread.
 */
#ifndef STAGE_AZSIGN_H
#define STAGE_AZSIGN_H

#include <stddef.h>

#include "buf.h"

struct azsign_hdr {
	const char *name;
	const char *value;
};

struct azsign_req {
	const char *method;
	const char *path;	/* the URL's path as sent (encoded) */
	const char *query;	/* the URL's query as sent, no '?' ("": none) */
	const struct azsign_hdr *hdrs;	/* every header sent but Host */
	size_t nhdrs;
	unsigned long long content_length;
};

/* Appends s[0..n) percent-encoded: all but A-Z a-z 0-9 - . _ ~, and '/'
 * when slash_ok. */
void azsign_encode(struct buf *out, const char *s, size_t n, int slash_ok);
/* Base64 of p[0..n) appended to out. */
void azsign_b64(struct buf *out, const void *p, size_t n);
/* Decodes base64 s into out; -1 when s is not base64. */
int azsign_unb64(struct buf *out, const char *s);
/* The string to sign of r for account into sts. */
void azsign_string(const struct azsign_req *r, const char *account,
    struct buf *sts);
/* Appends "SharedKey account:signature" for r; key is the raw (decoded)
 * account key.  sts, if not NULL, gets the string signed. */
void azsign_sign(const struct azsign_req *r, const char *account,
    const struct buf *key, struct buf *auth, struct buf *sts);
/* "Sun, 06 Nov 1994 08:49:37 GMT" for t (x-ms-date). */
void azsign_date(long long t, char out[30]);

#endif
