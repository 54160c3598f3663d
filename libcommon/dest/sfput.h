/*
 * sfput: the client side of Snowflake's PUT, as the official drivers do
 * it.  The PUT statement itself only asks: its answer (the query
 * request's "data") says where the file goes (stageInfo: locationType,
 * location, creds, and for GCS a presigned URL) and whether the client
 * must encrypt it (encryptionMaterial).  The client then moves the bytes
 * itself.
 *
 * Supported: LOCAL_FS (a file copy into the location, a directory the
 * client shares with the server), GCS (a presigned URL, or the JSON API
 * with the stage's GCS_ACCESS_TOKEN), S3 (our SigV4 client, s3.h, with
 * the stage's temporary AWS_KEY_ID / AWS_SECRET_KEY / AWS_TOKEN) and
 * AZURE (a Put Blob with the stage's AZURE_SAS_TOKEN): sfput_cloud.c.
 * A stage that asks for client-side encryption gets the file encrypted
 * as the drivers do (sfcse.h) into a temporary file beside it, the
 * key, IV and material descriptor in the object's metadata.
 */
#ifndef STAGE_SFPUT_H
#define STAGE_SFPUT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct sfput {
	char *type;		/* locationType: LOCAL_FS, S3, AZURE, GCS */
	char *location;		/* bucket/path/ or a directory */
	char *presigned;	/* GCS presignedUrl, or NULL */
	char *command;		/* UPLOAD */
	char *region;		/* S3 */
	char *endpoint;		/* endPoint: S3 host, Azure's blob suffix */
	char *account;		/* Azure storageAccount */
	char *key_id, *secret, *token;	/* creds: AWS_KEY_ID ... */
	char *sas;		/* AZURE_SAS_TOKEN */
	char *gcs_token;	/* GCS_ACCESS_TOKEN */
	int encrypted;		/* encryptionMaterial given */
	char *smk;		/* queryStageMasterKey (base64) */
	char *query_id;
	char *smk_id;		/* smkId as written (a number) */
};

/* Reads a PUT's answer (the query request's whole body): 0; 1 with why
 * when Snowflake refused the PUT (its message and code); -1 with why
 * when the answer is malformed. */
int sfput_parse(const char *body, size_t n, struct sfput *p,
    struct buf *why);
/* 0 when sfput_upload can move the file, -1 with why when not. */
int sfput_check(const struct sfput *p, struct buf *why);
/* Moves the local file path as name into p's location: 0, or -1 with
 * why.  HTTP is retried (transport errors, 429, 5xx) with backoff. */
int sfput_upload(const struct sfput *p, const char *path, const char *name,
    struct buf *why);
void sfput_free(struct sfput *p);

/* The cloud uploads (sfput_cloud.c) of path, already encrypted when
 * meta is not NULL, as name under p->location: 0, or -1 with why. */
struct sfcse_meta;
int sfput_s3(const struct sfput *p, int fd, uint64_t size,
    const struct sfcse_meta *meta, const char *sha256, const char *name,
    struct buf *why);
int sfput_azure(const struct sfput *p, int fd, uint64_t size,
    const struct sfcse_meta *meta, const char *name, struct buf *why);
int sfput_gcs(const struct sfput *p, int fd, uint64_t size,
    const struct sfcse_meta *meta, const char *name, struct buf *why);

/* stage-copy's temporary directories: sfput_tmpdir makes a fresh one,
 * TMPDIR/stage-sfput.<pid>.XXXXXX, into dir (cap bytes), first removing
 * those a process that is gone left (kill -9): 0, or -1 with errno.
 * With dry it only writes the name's template into dir, as a dry run
 * shows it, and touches nothing. */
int sfput_tmpdir(char *dir, size_t cap, int dry);

#endif
