/*
 * sfjwt: Snowflake's key-pair JWT (sfjwt.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "json.h"
#include "sfjwt.h"

void
sfjwt_b64url(struct buf *out, const void *p, size_t n)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		buf_addc(out, al[v >> 18]);
		buf_addc(out, al[(v >> 12) & 63]);
		buf_addc(out, al[(v >> 6) & 63]);
		buf_addc(out, al[v & 63]);
	}
	if (n - i == 1) {
		buf_addc(out, al[s[i] >> 2]);
		buf_addc(out, al[(s[i] & 3) << 4]);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)s[i] << 8 | s[i + 1];
		buf_addc(out, al[v >> 10]);
		buf_addc(out, al[(v >> 4) & 63]);
		buf_addc(out, al[(v & 15) << 2]);
	}
}

void
sfjwt_account(const char *account, struct buf *out)
{
	for (; *account && *account != '.'; account++)
		buf_addc(out, (char)toupper((unsigned char)*account));
}

static void
upper(struct buf *out, const char *s)
{
	for (; *s; s++)
		buf_addc(out, (char)toupper((unsigned char)*s));
}

static int
pass_cb(char *b, int size, int rw, void *u)
{
	const char *p = u;
	size_t n;

	(void)rw;
	if (!p)
		return -1;
	n = strlen(p);
	if (n > (size_t)size)
		return -1;
	memcpy(b, p, n);
	return (int)n;
}

static EVP_PKEY *
load_key(const char *pem, const char *passphrase, struct buf *why)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, pass_cb,
	    (void *)passphrase) : NULL;

	BIO_free(bio);
	ERR_clear_error();
	if (!k) {
		buf_adds(why, passphrase ? "private key: not a PEM private key, "
		    "or the passphrase does not open it" : "private key: not "
		    "a PEM private key (an encrypted one needs "
		    "private_key_passphrase)");
		return NULL;
	}
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
		buf_adds(why, "private key: not an RSA key (Snowflake's "
		    "key-pair authentication signs with RS256)");
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

/* "SHA256:" and the base64 SHA-256 of the public key's DER. */
static int
fingerprint(EVP_PKEY *k, struct buf *out)
{
	unsigned char *der = NULL, md[32], b64[48];
	int n = i2d_PUBKEY(k, &der);

	if (n <= 0)
		return -1;
	EVP_Digest(der, (size_t)n, md, NULL, EVP_sha256(), NULL);
	OPENSSL_free(der);
	EVP_EncodeBlock(b64, md, 32);
	buf_adds(out, "SHA256:");
	buf_adds(out, (char *)b64);
	return 0;
}

static int
sign(EVP_PKEY *k, const struct buf *in, struct buf *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	size_t n = 0;
	int r = -1;

	if (c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestSign(c, NULL, &n, (const unsigned char *)in->p,
	    in->len) == 1) {
		sig = xmalloc(n);
		if (EVP_DigestSign(c, sig, &n, (const unsigned char *)in->p,
		    in->len) == 1) {
			sfjwt_b64url(out, sig, n);
			r = 0;
		}
	}
	free(sig);
	EVP_MD_CTX_free(c);
	ERR_clear_error();
	return r;
}

int
sfjwt_make(const char *pem, const char *passphrase, const char *account,
    const char *user, int64_t iat, int lifetime, struct buf *out,
    struct buf *why)
{
	static const char hdr[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	struct buf sub = BUF_INIT, iss = BUF_INIT, cl = BUF_INIT;
	struct buf msg = BUF_INIT;
	EVP_PKEY *k = load_key(pem, passphrase, why);
	int r = -1;

	if (!k)
		return -1;
	sfjwt_account(account, &sub);
	buf_addc(&sub, '.');
	upper(&sub, user);
	buf_adds(&iss, sub.p);
	buf_addc(&iss, '.');
	if (fingerprint(k, &iss) < 0) {
		buf_adds(why, "private key: cannot encode its public key");
		goto out;
	}
	buf_adds(&cl, "{\"iss\":");
	json_put_str(&cl, iss.p, iss.len);
	buf_adds(&cl, ",\"sub\":");
	json_put_str(&cl, sub.p, sub.len);
	buf_printf(&cl, ",\"iat\":%lld,\"exp\":%lld}", (long long)iat,
	    (long long)(iat + lifetime));
	sfjwt_b64url(&msg, hdr, sizeof hdr - 1);
	buf_addc(&msg, '.');
	sfjwt_b64url(&msg, cl.p, cl.len);
	buf_reset(out);
	buf_add(out, msg.p, msg.len);
	buf_addc(out, '.');
	if (sign(k, &msg, out) < 0) {
		buf_adds(why, "private key: signing failed");
		goto out;
	}
	r = 0;
out:
	EVP_PKEY_free(k);
	buf_free(&sub);
	buf_free(&iss);
	buf_free(&cl);
	buf_free(&msg);
	return r;
}
