/*
 * sfput: the client side of Snowflake's PUT, as the official drivers do
 * it.  The PUT statement itself only asks: its answer (the query
 * request's "data") says where the file goes (stageInfo: locationType,
 * location, creds, and for GCS a presigned URL) and whether the client
 * must encrypt it (encryptionMaterial).  The client then moves the bytes
 * itself.
 *
 * Supported: LOCAL_FS (a file copy into the location, a directory the
 * client shares with the server) and GCS through a presigned URL (one
 * HTTP PUT; what fakesnow answers).  Not supported, and said so by
 * sfput_check: S3, AZURE and GCS without a presigned URL (they need the
 * cloud's request signing with the temporary credentials), and any stage
 * that asks for client-side encryption (real Snowflake's internal stages
 * unless made with ENCRYPTION = (TYPE = 'SNOWFLAKE_SSE')).
 */
#ifndef STAGE_SFPUT_H
#define STAGE_SFPUT_H

#include <stddef.h>

#include "buf.h"

struct sfput {
	char *type;		/* locationType: LOCAL_FS, S3, AZURE, GCS */
	char *location;		/* bucket/path/ or a directory */
	char *presigned;	/* GCS presignedUrl, or NULL */
	char *command;		/* UPLOAD */
	int encrypted;		/* encryptionMaterial given */
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

#endif
