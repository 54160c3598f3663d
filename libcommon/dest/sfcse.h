/*
 * sfcse: Snowflake's client-side encryption of a file for PUT, as the
 * official drivers do it for a stage that asks for it (the PUT answer's
 * encryptionMaterial: the query stage master key, base64, 128 or 256
 * bits, with its queryId and smkId).  A random file key as long as the
 * master key and a random 16-byte IV encrypt the file with AES-CBC and
 * PKCS#7 padding; the file key, PKCS#7-padded too, is wrapped with
 * AES-ECB under the master key.  What the stage keeps beside the object
 * (the metadata headers of each cloud): the wrapped key and the IV in
 * base64 and the material descriptor {"queryId","smkId","keySize"}.
 *
 * Streaming: the file is read and the ciphertext written 64 KiB at a
 * time, never held whole; the ciphertext's SHA-256 (S3 signs it) and the
 * plaintext's (the drivers' sfc-digest) are computed on the way.
 */
#ifndef STAGE_SFCSE_H
#define STAGE_SFCSE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct sfcse_key {
	unsigned char smk[32];	/* the master key */
	size_t len;		/* 16, 24 or 32 */
	char *query_id;
	char *smk_id;		/* as the answer wrote it (a number) */
};

struct sfcse_meta {
	char key[72];		/* the wrapped file key, base64 */
	char iv[32];		/* base64 */
	char matdesc[256];	/* JSON */
	char digest[48];	/* SHA-256 of the plaintext, base64 */
	char sha256[65];	/* SHA-256 of the ciphertext, hex */
	uint64_t size;		/* bytes of ciphertext */
};

/* Reads encryptionMaterial's fields into k: 0, or -1 with why (the key
 * not base64, or of a length AES does not take). */
int sfcse_key_set(struct sfcse_key *k, const char *smk_b64,
    const char *query_id, const char *smk_id, struct buf *why);
void sfcse_key_free(struct sfcse_key *k);

/* Encrypts the file open on in into out (both file descriptors, read
 * and written from where they are): 0 with m filled, or -1 with why.
 * file_key (k->len bytes) and iv (16) are random when NULL; the unit
 * test gives them for a known answer. */
int sfcse_encrypt(const struct sfcse_key *k, int in, int out,
    const unsigned char *file_key, const unsigned char *iv,
    struct sfcse_meta *m, struct buf *why);

/* GCS's and Azure's "encryptiondata" metadata value (JSON) for m. */
void sfcse_encryptiondata(const struct sfcse_meta *m, struct buf *out);

#endif
