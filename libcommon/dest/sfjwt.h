/*
 * sfjwt: Snowflake's key-pair authentication token, an RS256 JWT signed
 * with OpenSSL from the user's private key (PEM, PKCS#8 or traditional,
 * encrypted ones with their passphrase).
 *
 * The claims are the connectors': iss "ACCOUNT.USER.SHA256:<fp>" where fp
 * is the base64 SHA-256 of the public key's DER (SubjectPublicKeyInfo),
 * sub "ACCOUNT.USER", iat now and exp an hour later at most; ACCOUNT is
 * the account locator (before any ".region"), both upper case.
 */
#ifndef STAGE_SFJWT_H
#define STAGE_SFJWT_H

#include <stdint.h>

#include "buf.h"

/* The token for account and user, signed with the PEM key pem (a
 * passphrase for an encrypted one, else NULL), issued at iat (seconds)
 * for lifetime seconds, into out.  0, or -1 with why (no secret in it). */
int sfjwt_make(const char *pem, const char *passphrase, const char *account,
    const char *user, int64_t iat, int lifetime, struct buf *out,
    struct buf *why);

/* "ACCOUNT" of "account.region.cloud": the locator upper case. */
void sfjwt_account(const char *account, struct buf *out);

/* Base64url without padding, as JWTs spell it. */
void sfjwt_b64url(struct buf *out, const void *p, size_t n);

#endif
