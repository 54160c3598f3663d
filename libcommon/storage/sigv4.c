/*
 * sigv4: canonical request, string to sign, signing key and signature, in
 * the order the S3 API reference gives them.  Header names are compared
 * case-insensitively and sorted with their lower-case form, as AWS sorts
 * them; duplicate names are joined with ',' in the order given.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sha256.h"
#include "sigv4.h"

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

void
sigv4_uri_encode(struct buf *out, const char *s, size_t n, int slash_ok)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) || (slash_ok && c == '/')) {
			buf_addc(out, (char)c);
		} else {
			buf_addc(out, '%');
			buf_addc(out, hex[c >> 4]);
			buf_addc(out, hex[c & 15]);
		}
	}
}

struct qpair {
	struct buf name, value;
};

static int
qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c = strcmp(x->name.p, y->name.p);

	return c ? c : strcmp(x->value.p, y->value.p);
}

void
sigv4_query(struct buf *out, const struct sigv4_param *p, size_t n)
{
	struct qpair *q;

	if (n == 0)
		return;
	q = xcalloc(n, sizeof *q);
	for (size_t i = 0; i < n; i++) {
		buf_adds(&q[i].name, "");
		buf_adds(&q[i].value, "");
		sigv4_uri_encode(&q[i].name, p[i].name, strlen(p[i].name), 0);
		sigv4_uri_encode(&q[i].value, p[i].value, strlen(p[i].value),
		    0);
	}
	qsort(q, n, sizeof *q, qpair_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(out, '&');
		buf_add(out, q[i].name.p, q[i].name.len);
		buf_addc(out, '=');
		buf_add(out, q[i].value.p, q[i].value.len);
		buf_free(&q[i].name);
		buf_free(&q[i].value);
	}
	free(q);
}

void
sigv4_date(long long t, char out[17])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

struct chdr {
	char *name;		/* lower case */
	struct buf value;	/* trimmed, squeezed */
	size_t order;
};

static int
chdr_cmp(const void *a, const void *b)
{
	const struct chdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Appends v with leading/trailing white space dropped and inner runs of
 * spaces squeezed to one, as AWS's Trimall does. */
static void
trimall(struct buf *out, const char *v)
{
	int space = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			space = 1;
			continue;
		}
		if (space && out->len)
			buf_addc(out, ' ');
		space = 0;
		buf_addc(out, *v);
	}
}

/* Canonical headers block and the signed-headers list. */
static void
canon_headers(const struct sigv4_req *r, struct buf *block,
    struct buf *signed_hdrs)
{
	struct chdr *h = xcalloc(r->nhdrs ? r->nhdrs : 1, sizeof *h);
	size_t i, j;

	for (i = 0; i < r->nhdrs; i++) {
		h[i].name = xstrdup(r->hdrs[i].name);
		for (char *c = h[i].name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		buf_adds(&h[i].value, "");
		trimall(&h[i].value, r->hdrs[i].value);
		h[i].order = i;
	}
	qsort(h, r->nhdrs, sizeof *h, chdr_cmp);
	for (i = 0; i < r->nhdrs; i = j) {
		buf_adds(block, h[i].name);
		buf_addc(block, ':');
		for (j = i; j < r->nhdrs && strcmp(h[j].name, h[i].name) == 0;
		    j++) {
			if (j > i)
				buf_addc(block, ',');
			buf_add(block, h[j].value.p, h[j].value.len);
		}
		buf_addc(block, '\n');
		if (signed_hdrs->len)
			buf_addc(signed_hdrs, ';');
		buf_adds(signed_hdrs, h[i].name);
	}
	for (i = 0; i < r->nhdrs; i++) {
		free(h[i].name);
		buf_free(&h[i].value);
	}
	free(h);
}

static void
hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int len = 32;

	if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg,
	    strlen(msg), out, &len))
		die(EXIT_FAIL, "sigv4: OpenSSL HMAC failed");
}

static void
hexify(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
sigv4_sign(const struct sigv4_req *r, const struct sigv4_key *k,
    struct buf *auth, struct buf *creq)
{
	struct buf cr = BUF_INIT, sh = BUF_INIT, sts = BUF_INIT;
	struct buf secret = BUF_INIT;
	unsigned char key[32], tmp[32], sig[32];
	char day[9], crhash[65], sighex[65];

	buf_printf(&cr, "%s\n%s\n%s\n", r->method, r->path,
	    r->query ? r->query : "");
	canon_headers(r, &cr, &sh);
	buf_printf(&cr, "\n%s\n%s", sh.p, r->payload_hash);
	sha256_hex(cr.p, cr.len, crhash);

	memcpy(day, r->amz_date, 8);
	day[8] = '\0';
	buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
	    r->amz_date, day, k->region, k->service, crhash);

	buf_printf(&secret, "AWS4%s", k->secret_key);
	hmac(secret.p, secret.len, day, key);
	hmac(key, 32, k->region, tmp);
	hmac(tmp, 32, k->service, key);
	hmac(key, 32, "aws4_request", tmp);
	hmac(tmp, 32, sts.p, sig);
	hexify(sig, 32, sighex);

	buf_printf(auth, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request,"
	    "SignedHeaders=%s,Signature=%s", k->access_key, day, k->region,
	    k->service, sh.p, sighex);
	if (creq)
		buf_add(creq, cr.p, cr.len);
	/* The derived key is as secret as the secret itself. */
	memset(secret.p, 0, secret.len);
	memset(key, 0, sizeof key);
	memset(tmp, 0, sizeof tmp);
	buf_free(&secret);
	buf_free(&cr);
	buf_free(&sh);
	buf_free(&sts);
}
