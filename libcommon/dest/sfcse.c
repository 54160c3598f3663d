/*
 * sfcse: Snowflake's client-side encryption of a PUT (sfcse.h), with
 * OpenSSL's EVP: AES-CBC over the file in 64 KiB steps, AES-ECB for the
 * file key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "azsign.h"
#include "fdio.h"
#include "json.h"
#include "sfcse.h"

#define CSE_CHUNK (1 << 16)
#define CSE_BLOCK 16

static const EVP_CIPHER *
cbc(size_t len)
{
	return len == 16 ? EVP_aes_128_cbc() : len == 24 ? EVP_aes_192_cbc() :
	    EVP_aes_256_cbc();
}

static const EVP_CIPHER *
ecb(size_t len)
{
	return len == 16 ? EVP_aes_128_ecb() : len == 24 ? EVP_aes_192_ecb() :
	    EVP_aes_256_ecb();
}

int
sfcse_key_set(struct sfcse_key *k, const char *smk_b64,
    const char *query_id, const char *smk_id, struct buf *why)
{
	struct buf raw = BUF_INIT;
	int r = -1;

	memset(k, 0, sizeof *k);
	if (!smk_b64 || azsign_unb64(&raw, smk_b64) < 0) {
		buf_adds(why, "PUT: the stage's master key (encryptionMaterial."
		    "queryStageMasterKey) is missing or not base64");
		goto out;
	}
	if (raw.len != 16 && raw.len != 24 && raw.len != 32) {
		buf_printf(why, "PUT: the stage's master key (encryptionMaterial."
		    "queryStageMasterKey) is %zu bytes, not an AES key (16, 24 "
		    "or 32 bytes)", raw.len);
		goto out;
	}
	memcpy(k->smk, raw.p, raw.len);
	k->len = raw.len;
	k->query_id = strdup(query_id ? query_id : "");
	k->smk_id = strdup(smk_id ? smk_id : "");
	r = k->query_id && k->smk_id ? 0 : -1;
out:
	if (raw.p)
		memset(raw.p, 0, raw.len);
	buf_free(&raw);
	return r;
}

void
sfcse_key_free(struct sfcse_key *k)
{
	free(k->query_id);
	free(k->smk_id);
	memset(k, 0, sizeof *k);
}

static void
b64(char *out, size_t cap, const unsigned char *p, size_t n)
{
	struct buf b = BUF_INIT;

	azsign_b64(&b, p, n);
	snprintf(out, cap, "%s", b.p ? b.p : "");
	buf_free(&b);
}

/* The file key, PKCS#7-padded (a whole block more: the drivers pad
 * before wrapping), under AES-ECB with the master key, into m->key. */
static int
wrap_key(const struct sfcse_key *k, const unsigned char *fk,
    struct sfcse_meta *m)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	unsigned char out[64];
	int n1 = 0, n2 = 0, ok;

	ok = c && EVP_EncryptInit_ex(c, ecb(k->len), NULL, k->smk, NULL) == 1
	    && EVP_EncryptUpdate(c, out, &n1, fk, (int)k->len) == 1 &&
	    EVP_EncryptFinal_ex(c, out + n1, &n2) == 1;
	EVP_CIPHER_CTX_free(c);
	if (ok)
		b64(m->key, sizeof m->key, out, (size_t)(n1 + n2));
	OPENSSL_cleanse(out, sizeof out);
	return ok ? 0 : -1;
}

/* The file through AES-CBC into out, both digests on the way. */
static int
cbc_stream(EVP_CIPHER_CTX *c, int in, int out, struct sfcse_meta *m,
    struct buf *why)
{
	EVP_MD_CTX *hp = EVP_MD_CTX_new(), *hc = EVP_MD_CTX_new();
	unsigned char *ib = malloc(CSE_CHUNK), *ob = malloc(CSE_CHUNK +
	    CSE_BLOCK), md[32];
	ssize_t n;
	int k, r = -1;

	if (!hp || !hc || !ib || !ob ||
	    EVP_DigestInit_ex(hp, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestInit_ex(hc, EVP_sha256(), NULL) != 1) {
		buf_adds(why, "encryption: out of memory");
		goto out;
	}
	m->size = 0;
	errno = 0;
	while ((n = read(in, ib, CSE_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || EVP_DigestUpdate(hp, ib, (size_t)n) != 1 ||
		    EVP_EncryptUpdate(c, ob, &k, ib, (int)n) != 1)
			goto io;
		if (EVP_DigestUpdate(hc, ob, (size_t)k) != 1 ||
		    fd_write_all(out, ob, (size_t)k) < 0)
			goto io;
		m->size += (uint64_t)k;
	}
	if (EVP_EncryptFinal_ex(c, ob, &k) != 1 ||
	    EVP_DigestUpdate(hc, ob, (size_t)k) != 1 ||
	    fd_write_all(out, ob, (size_t)k) < 0)
		goto io;
	m->size += (uint64_t)k;
	EVP_DigestFinal_ex(hp, md, NULL);
	b64(m->digest, sizeof m->digest, md, sizeof md);
	EVP_DigestFinal_ex(hc, md, NULL);
	for (size_t i = 0; i < sizeof md; i++)
		snprintf(m->sha256 + 2 * i, 3, "%02x", md[i]);
	r = 0;
	goto out;
io:
	buf_printf(why, "encryption: %s", errno ? strerror(errno) :
	    "OpenSSL failed");
out:
	EVP_MD_CTX_free(hp);
	EVP_MD_CTX_free(hc);
	free(ib);
	free(ob);
	return r;
}

static void
matdesc(const struct sfcse_key *k, struct sfcse_meta *m)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "{\"queryId\":");
	json_put_str(&b, k->query_id, strlen(k->query_id));
	buf_adds(&b, ",\"smkId\":");
	json_put_str(&b, k->smk_id, strlen(k->smk_id));
	buf_printf(&b, ",\"keySize\":\"%zu\"}", k->len * 8);
	snprintf(m->matdesc, sizeof m->matdesc, "%s", b.p);
	buf_free(&b);
}

int
sfcse_encrypt(const struct sfcse_key *k, int in, int out,
    const unsigned char *file_key, const unsigned char *iv,
    struct sfcse_meta *m, struct buf *why)
{
	unsigned char fk[32], v[CSE_BLOCK];
	EVP_CIPHER_CTX *c = NULL;
	int r = -1;

	memset(m, 0, sizeof *m);
	if (file_key)
		memcpy(fk, file_key, k->len);
	if (iv)
		memcpy(v, iv, sizeof v);
	if ((!file_key && RAND_bytes(fk, (int)k->len) != 1) ||
	    (!iv && RAND_bytes(v, sizeof v) != 1)) {
		buf_adds(why, "encryption: no random bytes from OpenSSL");
		goto out;
	}
	if (!(c = EVP_CIPHER_CTX_new()) ||
	    EVP_EncryptInit_ex(c, cbc(k->len), NULL, fk, v) != 1) {
		buf_adds(why, "encryption: OpenSSL cannot set up AES-CBC");
		goto out;
	}
	if (cbc_stream(c, in, out, m, why) < 0)
		goto out;
	if (wrap_key(k, fk, m) < 0) {
		buf_adds(why, "encryption: OpenSSL cannot wrap the file key");
		goto out;
	}
	b64(m->iv, sizeof m->iv, v, sizeof v);
	matdesc(k, m);
	r = 0;
out:
	EVP_CIPHER_CTX_free(c);
	OPENSSL_cleanse(fk, sizeof fk);
	return r;
}

/* The drivers name the algorithm AES_CBC_256 whatever the key's size
 * (matdesc's keySize says it); so does stage. */
void
sfcse_encryptiondata(const struct sfcse_meta *m, struct buf *out)
{
	buf_printf(out, "{\"EncryptionMode\":\"FullBlob\",\"WrappedContentKey\":"
	    "{\"KeyId\":\"symmKey1\",\"EncryptedKey\":\"%s\",\"Algorithm\":"
	    "\"AES_CBC_256\"},\"EncryptionAgent\":{\"Protocol\":\"1.0\","
	    "\"EncryptionAlgorithm\":\"AES_CBC_256\"},\"ContentEncryptionIV\":"
	    "\"%s\",\"KeyWrappingMetadata\":{\"EncryptionLibrary\":"
	    "\"Java 5.3.0\"}}", m->key, m->iv);
}
