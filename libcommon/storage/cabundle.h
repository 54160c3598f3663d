/*
 * cabundle: where the trusted CA certificates are, for TLS verification in
 * programs that carry their own OpenSSL and libcurl (the static builds have
 * no compiled-in path that fits every system).
 *
 * SSL_CERT_FILE and SSL_CERT_DIR, when set and not empty, are used and
 * nothing else is searched (as OpenSSL does); otherwise the first readable,
 * non-empty bundle among the usual places of Debian/Ubuntu, RHEL/Fedora,
 * SUSE, Alpine, the BSDs and macOS.  Verification is never turned off
 * here: a caller that finds nothing fails with the message it got.
 */
#ifndef STAGE_CABUNDLE_H
#define STAGE_CABUNDLE_H

#include <stddef.h>

struct cabundle {
	const char *file;	/* PEM bundle (CURLOPT_CAINFO), or NULL */
	const char *dir;	/* hashed directory (CURLOPT_CAPATH), or NULL */
};

/* The places searched, in order, NULL-terminated. */
extern const char *const cabundle_places[];

/* Fills ca from the environment or the first of cabundle_places that is
 * a readable, non-empty file.  Returns 0, or -1 with a message in err
 * ("no CA certificates: ... (tried A, B, ...)") naming what was tried.
 * The strings stay valid as long as the environment is not changed. */
int cabundle_find(struct cabundle *ca, char *err, size_t errlen);

/* cabundle_find with a given list of places instead of cabundle_places:
 * for tests. */
int cabundle_find_in(struct cabundle *ca, const char *const *places,
    char *err, size_t errlen);

#endif
