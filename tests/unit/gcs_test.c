/* Unit tests of what gs:// computes itself: CRC-32C (RFC 3720's vectors,
 * streaming in pieces, GCS's base64 form) and the service account's
 * JWT assertion (its header and claims, and an RS256 signature that
 * OpenSSL verifies with the public key). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "crc32c.h"
#include "gauth.h"
#include "json.h"
#include "tap.h"

static void
test_crc32c(void)
{
	unsigned char b[4096];
	char s[9];
	uint32_t whole, parts = 0;

	ok(crc32c_update(0, "123456789", 9) == 0xe3069283u,
	    "crc32c of 123456789 is e3069283");
	memset(b, 0, 32);
	ok(crc32c_update(0, b, 32) == 0x8a9136aau, "32 zero bytes");
	memset(b, 0xff, 32);
	ok(crc32c_update(0, b, 32) == 0x62a8ab43u, "32 0xff bytes");
	for (int i = 0; i < 32; i++)
		b[i] = (unsigned char)i;
	ok(crc32c_update(0, b, 32) == 0x46dd794eu, "bytes 0..31");
	for (size_t i = 0; i < sizeof b; i++)
		b[i] = (unsigned char)(i * 7 + (i >> 5));
	whole = crc32c_update(0, b, sizeof b);
	for (size_t off = 0, n = 1; off < sizeof b; off += n, n = n * 3 + 1) {
		if (off + n > sizeof b)
			n = sizeof b - off;
		parts = crc32c_update(parts, b + off, n);
	}
	ok(whole == parts, "in pieces of any size, unaligned, as in one");
	crc32c_base64(0xe3069283u, s);
	ok(strcmp(s, "4waSgw==") == 0, "base64 of the big-endian bytes: %s",
	    s);
	crc32c_base64(0, s);
	ok(strcmp(s, "AAAAAA==") == 0, "zero is AAAAAA==");
}

static char *
pem_of(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out;
	long n;

	PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(b, &p);
	out = strndup(p, (size_t)n);
	BIO_free(b);
	return out;
}

static int
b64url_dec(const char *s, size_t n, struct buf *out)
{
	struct buf t = BUF_INIT;
	unsigned char *raw;
	int len;

	buf_add(&t, s, n);
	for (size_t i = 0; i < t.len; i++)
		t.p[i] = t.p[i] == '-' ? '+' : t.p[i] == '_' ? '/' : t.p[i];
	while (t.len % 4)
		buf_addc(&t, '=');
	raw = malloc(t.len);
	len = EVP_DecodeBlock(raw, (unsigned char *)t.p, (int)t.len);
	if (len >= 0) {
		while (len > 0 && t.len >= 1 && t.p[t.len - 1] == '=') {
			len--;
			t.len--;
		}
		buf_add(out, raw, (size_t)len);
	}
	free(raw);
	buf_free(&t);
	return len < 0 ? -1 : 0;
}

static int
verify(EVP_PKEY *k, const char *in, size_t n, const struct buf *sig)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int r = EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestVerify(c, (const unsigned char *)sig->p, sig->len,
	    (const unsigned char *)in, n) == 1;

	EVP_MD_CTX_free(c);
	return r;
}

static void
test_assertion(void)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	char *pem = pem_of(k);
	struct gauth g;
	struct buf jwt = BUF_INIT, err = BUF_INIT, h = BUF_INIT, c = BUF_INIT;
	struct buf sig = BUF_INIT;
	struct json_doc d = { 0 };
	char *dot1, *dot2;
	int i;

	ok(gauth_load_fields(&g, "sa@p.iam.gserviceaccount.com", pem, "p",
	    "http://127.0.0.1:1/token", "test", &err) == 0,
	    "a PEM RSA key loads: %s", err.p ? err.p : "");
	ok(gauth_assertion(&g, 1700000000, &jwt, &err) == 0, "signed");
	dot1 = strchr(jwt.p, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	ok(dot1 && dot2 && !strchr(dot2 + 1, '.'), "three parts");
	if (!dot2)
		goto out;
	b64url_dec(jwt.p, (size_t)(dot1 - jwt.p), &h);
	b64url_dec(dot1 + 1, (size_t)(dot2 - dot1 - 1), &c);
	b64url_dec(dot2 + 1, strlen(dot2 + 1), &sig);
	buf_adds(&h, "");
	buf_adds(&c, "");
	ok(strcmp(h.p, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}") == 0,
	    "header: %s", h.p);
	ok(json_parse(&d, c.p, strlen(c.p)) == 0, "claims are JSON: %s", c.p);
	ok((i = json_obj_get(&d, 0, "iss")) >= 0 &&
	    json_str_eq(&d.tok[i], "sa@p.iam.gserviceaccount.com"), "iss");
	ok((i = json_obj_get(&d, 0, "aud")) >= 0 &&
	    json_str_eq(&d.tok[i], "http://127.0.0.1:1/token"), "aud");
	ok((i = json_obj_get(&d, 0, "scope")) >= 0 &&
	    json_str_eq(&d.tok[i], GAUTH_SCOPE), "scope");
	ok(strstr(c.p, "\"iat\":1700000000,\"exp\":1700003600"),
	    "iat now, exp an hour later");
	ok(sig.len == 256, "a 2048-bit signature");
	ok(verify(k, jwt.p, (size_t)(dot2 - jwt.p), &sig),
	    "RS256 signature verifies with the public key");
	sig.p[10] ^= 1;
	ok(!verify(k, jwt.p, (size_t)(dot2 - jwt.p), &sig),
	    "a changed signature does not");
out:
	gauth_free(&g);
	buf_reset(&err);
	ok(gauth_load_fields(&g, "a@b", "-----BEGIN PRIVATE KEY-----\nxx\n"
	    "-----END PRIVATE KEY-----\n", NULL, NULL, "cfg", &err) == -1 &&
	    strstr(err.p, "cfg: private_key: not a PEM private key"),
	    "a broken key is refused: %s", err.p);
	gauth_free(&g);
	json_doc_free(&d);
	buf_free(&jwt);
	buf_free(&err);
	buf_free(&h);
	buf_free(&c);
	buf_free(&sig);
	free(pem);
	EVP_PKEY_free(k);
}

int
main(void)
{
	test_crc32c();
	setenv("STAGE_NO_CPU_CRC32C", "1", 1);	/* the tables, too */
	test_crc32c();
	unsetenv("STAGE_NO_CPU_CRC32C");
	test_assertion();
	return tap_done();
}
