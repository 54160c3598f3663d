/*
 * sigv4: AWS Signature Version 4 for the Authorization header, on
 * OpenSSL's HMAC-SHA256, written from AWS's S3 API reference
 * ("Signature Calculations for the Authorization Header").
 *
 * The caller builds the canonical URI with sigv4_uri_encode (S3 rules: each
 * byte but A-Z a-z 0-9 - . _ ~ is %XX-encoded, '/' kept in paths, never
 * double-encoded) and the canonical query with sigv4_query (names and
 * values encoded, '/' included, sorted by name then value), sends exactly
 * that path and query, and passes every header it signs.  sigv4_sign
 * lower-cases and sorts header names, trims values and squeezes inner
 * runs of spaces, and writes the Authorization value.  No state, no
 * allocation beyond the output buffers: safe from any thread.
 */
#ifndef STAGE_SIGV4_H
#define STAGE_SIGV4_H

#include <stddef.h>

#include "buf.h"

struct sigv4_hdr {
	const char *name;
	const char *value;
};

struct sigv4_param {
	const char *name;	/* raw, not encoded */
	const char *value;	/* raw; "" for a bare "?uploads" */
};

struct sigv4_key {
	const char *access_key;
	const char *secret_key;
	const char *region;	/* "us-east-1" */
	const char *service;	/* "s3" */
};

struct sigv4_req {
	const char *method;
	const char *path;	/* canonical URI, already encoded */
	const char *query;	/* canonical query string ("" for none) */
	const struct sigv4_hdr *hdrs;	/* every header to sign, incl. host */
	size_t nhdrs;
	const char *payload_hash;	/* hex SHA-256 of the body */
	const char *amz_date;	/* "20130524T000000Z", also in x-amz-date */
};

/* Appends s[0..n) URI-encoded; slash_ok keeps '/' (object key paths). */
void sigv4_uri_encode(struct buf *out, const char *s, size_t n, int slash_ok);
/* Appends the canonical query string of params (order of p is free). */
void sigv4_query(struct buf *out, const struct sigv4_param *p, size_t n);
/* Formats t (UTC) as "YYYYMMDDTHHMMSSZ" (17 bytes with the NUL). */
void sigv4_date(long long t, char out[17]);

/* auth gets the Authorization header value; creq, if not NULL, the
 * canonical request (for -v debugging and tests). */
void sigv4_sign(const struct sigv4_req *r, const struct sigv4_key *k,
    struct buf *auth, struct buf *creq);

#endif
