/*
 * gauth: Google service-account OAuth 2.0 for gs:// (RFC 7523, the
 * JWT-bearer grant): a JWT assertion {iss: client_email, scope, aud:
 * token_uri, iat, exp} signed RS256 with the key file's private key
 * (OpenSSL), exchanged at the key file's token_uri for an access token,
 * which is cached and refreshed GAUTH_MARGIN_S seconds before it expires,
 * so that no request goes out with a token about to lapse.
 *
 * The key comes from a key file (GOOGLE_APPLICATION_CREDENTIALS) or from
 * dlt's destination.filesystem.credentials fields; either is checked
 * when loaded (JSON, type, fields, the PEM key itself), so a bad key file
 * is a configuration error naming the file and the field, before any
 * upload starts.  The private key and the token are never printed.
 *
 * gauth_header may be called from several threads at once; one of them
 * exchanges, the others wait for its token.
 */
#ifndef STAGE_GAUTH_H
#define STAGE_GAUTH_H

#include <pthread.h>

#include "buf.h"
#include "http.h"

#define GAUTH_SCOPE "https://www.googleapis.com/auth/devstorage.read_write"
#define GAUTH_TOKEN_URI "https://oauth2.googleapis.com/token"
/* Refreshed this long before it expires (Google's libraries: 3m45s). */
#define GAUTH_MARGIN_S 300

struct gauth {
	char *client_email;
	char *project_id;
	char *token_uri;
	char *key_id;		/* private_key_id, the JWT's kid, or NULL */
	void *pkey;		/* EVP_PKEY */
	int retries;		/* tries after the first */
	pthread_mutex_t mu;	/* guards token, expires */
	char *token;
	long long expires;	/* time(NULL) seconds */
	int exchanges;		/* how many were made (for -v) */
};

/* From a service-account key file; -1 with err naming the file and what
 * is wrong. */
int gauth_load_file(struct gauth *g, const char *path, struct buf *err);
/* From fields (dlt's config); where names them in messages.  token_uri
 * NULL: Google's. */
int gauth_load_fields(struct gauth *g, const char *email, const char *pem,
    const char *project, const char *token_uri, const char *where,
    struct buf *err);
void gauth_free(struct gauth *g);
/* The key file's text (path names it in messages), as gauth_load_file;
 * g must be zeroed.  Exposed for the fuzz target, as is gauth_answer: the
 * token endpoint's answer (status and JSON body) taken into g, or -1 and
 * why in err. */
int gauth_parse(struct gauth *g, const char *path, const struct buf *text,
    struct buf *err);
int gauth_answer(struct gauth *g, long status, const struct buf *body,
    struct buf *err);

/* The signed assertion for time now (exposed for the unit test). */
int gauth_assertion(const struct gauth *g, long long now, struct buf *out,
    struct buf *err);
/* "Authorization: Bearer TOKEN" into hdr, exchanging a new token when
 * there is none or it expires within GAUTH_MARGIN_S; c is used for the
 * exchange, *gen says which exchange the token came from.  -1 with err
 * set when the exchange fails. */
int gauth_header(struct gauth *g, struct http_conn *c, struct buf *hdr,
    int *gen, struct buf *err);
/* A request with the token of exchange gen was answered 401 (revoked, or
 * the server's clock is ahead): that token is not used again. */
void gauth_forget(struct gauth *g, int gen);

#endif
