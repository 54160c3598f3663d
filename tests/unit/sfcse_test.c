/* sfcse: Snowflake's client-side encryption against known answers
 * (computed with Python's cryptography package: AES-CBC with PKCS#7 of
 * the file, the padded file key under AES-ECB), and the master keys it
 * refuses.  With arguments, "sfcse_test SMK_B64 IN OUT" encrypts IN into
 * OUT with random keys and prints the metadata, one "name value" a
 * line, for tests/snowflake-cse.bats to decrypt independently. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfcse.h"
#include "tap.h"

struct kat {
	size_t klen, n;		/* key bytes; plaintext bytes */
	const char *smk, *sha256, *key;
	uint64_t size;
};

static const char *IV_B64 = "ZGVmZ2hpamtsbW5vcHFycw==";
static const char *K16 = "AAECAwQFBgcICQoLDA0ODw==";
static const char *K32 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
static const char *W16 = "JoWQhz7xgKtTnPRhpcX4kpVPZPLk6G6e7oLSAhZoSJk=";
static const char *W32 =
    "rlv53arVPyPetO+unbckYsbosNBg+dRdjhJH2kq1P1CfO3UEkm+L024xGOkDpM1K";

static void
plaintext(unsigned char *p, size_t n, size_t which)
{
	for (size_t i = 0; i < n; i++)
		p[i] = which == 16 ? 'x' : (unsigned char)(i * 31);
}

/* Encrypts the n-byte plaintext of k with fixed file key and IV. */
static int
run(const struct kat *t, struct sfcse_meta *m)
{
	unsigned char fk[32], iv[16], *pt = malloc(t->n + 1);
	char in[] = "/tmp/sfcse_test.XXXXXX", out[] = "/tmp/sfcse_out.XXXXXX";
	int fi = mkstemp(in), fo = mkstemp(out), r;
	struct sfcse_key k;
	struct buf why = BUF_INIT;

	for (size_t i = 0; i < sizeof fk; i++)
		fk[i] = (unsigned char)(i * 7 + 3);
	for (size_t i = 0; i < sizeof iv; i++)
		iv[i] = (unsigned char)(100 + i);
	plaintext(pt, t->n, t->n);
	if (write(fi, pt, t->n) != (ssize_t)t->n)
		return -1;
	lseek(fi, 0, SEEK_SET);
	r = sfcse_key_set(&k, t->smk, "01a-q", "4242", &why);
	if (r == 0)
		r = sfcse_encrypt(&k, fi, fo, fk, iv, m, &why);
	sfcse_key_free(&k);
	close(fi);
	close(fo);
	unlink(in);
	unlink(out);
	free(pt);
	buf_free(&why);
	return r;
}

static int
encrypt_file(const char *smk, const char *in, const char *out)
{
	struct sfcse_key k;
	struct sfcse_meta m;
	struct buf why = BUF_INIT, ed = BUF_INIT;
	int fi = open(in, O_RDONLY), fo = open(out, O_WRONLY | O_CREAT |
	    O_TRUNC, 0600);

	if (fi < 0 || fo < 0 || sfcse_key_set(&k, smk, "q-1", "77", &why) <
	    0 || sfcse_encrypt(&k, fi, fo, NULL, NULL, &m, &why) < 0) {
		fprintf(stderr, "sfcse_test: %s\n", why.len ? why.p : "open");
		return 1;
	}
	sfcse_encryptiondata(&m, &ed);
	printf("key %s\niv %s\nmatdesc %s\ndigest %s\nsha256 %s\nsize %llu\n"
	    "encryptiondata %s\n", m.key, m.iv, m.matdesc, m.digest, m.sha256,
	    (unsigned long long)m.size, ed.p);
	sfcse_key_free(&k);
	buf_free(&ed);
	buf_free(&why);
	close(fi);
	close(fo);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct kat kats[] = {
		{ 16, 0, K16, "a233f4599ebc00970d34612cfaaa89b3c137d8862a32eedba8cd25a557c98838", W16, 16 },
		{ 16, 16, K16, "2860a65f8ef7e9df9f82887024f3e81228c07a262e400f0cf8e68b1bcd681a00", W16, 32 },
		{ 16, 100000, K16, "b473f54b00e4a6ac7fa445b97c2a50b018deb1a039efa3c8443466a03f05fbf9", W16, 100016 },
		{ 32, 0, K32, "a3e964d66e961a5815e51449509caf05850df9b0e54bf57df323cdbe4ddf7245", W32, 16 },
		{ 32, 16, K32, "07b3f066c48a6d01d03c23e9e9863b9344808770ed9982cfa47d56139f9a0d1f", W32, 32 },
		{ 32, 100000, K32, "10d389815a45a53dfbb96c5c38f5074207c206ecd3024de97b91fd755fc3f0be", W32, 100016 },
	};
	struct sfcse_meta m;
	struct sfcse_key k;
	struct buf why = BUF_INIT;

	if (argc == 4)
		return encrypt_file(argv[1], argv[2], argv[3]);
	for (size_t i = 0; i < sizeof kats / sizeof *kats; i++) {
		const struct kat *t = &kats[i];
		ok(run(t, &m) == 0 && strcmp(m.sha256, t->sha256) == 0 &&
		    m.size == t->size, "AES-%zu, %zu bytes: the ciphertext "
		    "Python's cryptography makes (%s)", t->klen * 8, t->n,
		    m.sha256);
		ok(strcmp(m.key, t->key) == 0 && strcmp(m.iv, IV_B64) == 0,
		    "AES-%zu: the wrapped file key and the IV (%s)",
		    t->klen * 8, m.key);
	}
	ok(strcmp(m.matdesc, "{\"queryId\":\"01a-q\",\"smkId\":\"4242\","
	    "\"keySize\":\"256\"}") == 0, "matdesc: %s", m.matdesc);
	ok(strcmp(m.digest, "fnbxnJ1zvP2mO7ozehrQHyTNMRA491mHNqUQvZKqIzs=")
	    == 0, "sfc-digest: the plaintext's SHA-256 (%s)", m.digest);
	ok(sfcse_key_set(&k, "not base64!", "q", "1", &why) < 0 &&
	    strstr(why.p, "not base64"), "an undecodable key: %s", why.p);
	buf_reset(&why);
	ok(sfcse_key_set(&k, "AAECAwQFBgcICQoLDA0ODxAR", "q", "1", &why) < 0
	    && strstr(why.p, "18 bytes"), "a key of 18 bytes: %s", why.p);
	buf_reset(&why);
	ok(sfcse_key_set(&k, NULL, "q", "1", &why) < 0, "no key: refused");
	buf_free(&why);
	return tap_done();
}
