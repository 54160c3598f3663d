/*
 * gcs_compose: the pieces of a parallel composite upload to gs:// that
 * are not requests (storage_gcs.c sends those): how a file is cut into
 * parts, what the temporary part objects are named, the compose
 * request's body, and the part names a listing answer holds.
 *
 * A file from --composite-threshold on goes up as at most GCS_MAX_PARTS
 * part objects uploaded in parallel, each with its CRC-32C (which GCS
 * checks), then one compose request that makes the object from them
 * carrying the manifest's sha256 and the whole file's CRC-32C, then the
 * parts deleted.  The parts are named under a prefix of the object's own
 * key (gcs_part_prefix), so that a run killed before it cleaned up leaves
 * them where the re-run lists and deletes them.  See stage-put(1).
 */
#ifndef STAGE_GCS_COMPOSE_H
#define STAGE_GCS_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sha256.h"

/* A compose request takes at most 32 sources. */
#define GCS_MAX_PARTS 32
/* A part is read into memory to be sent: at most this large. */
#define GCS_MAX_PART (128ULL << 20)

struct gcs_parts {
	uint64_t size;		/* the file's */
	uint64_t part;		/* every part's but the last */
	int n;
};

/* Cuts size bytes into parts of part_size, enlarged to keep within
 * GCS_MAX_PARTS; -1 when a part would exceed GCS_MAX_PART or the file
 * makes fewer than two parts (then it is not worth composing). */
int gcs_parts_plan(uint64_t size, uint64_t part_size, struct gcs_parts *pl);
/* Bytes [*off, *off + *len) of part i. */
void gcs_part_range(const struct gcs_parts *pl, int i, uint64_t *off,
    uint64_t *len);

/* The whole file's hashes, taken part by part in order on the helper
 * thread (httpx.h's worker runs its jobs in the order they came). */
struct gcs_hashrun {
	struct sha256 sha;
	uint32_t crc;
	int open;		/* sha holds a context to finish */
};

/* Bytes [off, off + n) of fd into b a piece at a time, each hashed into
 * h and *crc (CRC-32C) while still in the CPU's cache: one pass over
 * memory, not three.  -1 with err set ("reading at byte N: ..."). */
int gcs_read_hashed(int fd, char *b, uint64_t n, uint64_t off,
    struct sha256 *h, uint32_t *crc, struct buf *err);

#define GCS_PART_BOUNDARY "stage-gcs-part-5d1e08a4c3b7f926"

/* The bytes part i's body needs (gcs_part_body), so that the caller
 * can hand it a buffer it keeps for the next request. */
size_t gcs_part_body_size(const struct gcs_parts *pl, const char *key,
    int i);
/* On the helper thread, for parts 0, 1, ... in order: the multipart
 * upload body of part i of fd (name, CRC-32C, the bytes) into body (at
 * least gcs_part_body_size bytes; *len of them used), its bytes hashed
 * into h; after the last part, h's SHA-256 must be want and the whole
 * file's CRC-32C (base64) goes into crc.  -1 with err set (reading, or
 * the SHA-256 not the manifest's). */
int gcs_part_body(struct gcs_hashrun *h, const struct gcs_parts *pl,
    int fd, int i, const char *key, const char *want, char *body,
    size_t *len, char crc[9], struct buf *err);
/* Frees what h holds (a run stopped before its last part). */
void gcs_hashrun_free(struct gcs_hashrun *h);

/* "KEY.stage-parts/" and "KEY.stage-parts/NN" (i from 0). */
void gcs_part_prefix(const char *key, struct buf *out);
void gcs_part_name(const char *key, int i, struct buf *out);

/* The body of objects.compose: the parts 0..n-1 of key, in order, and
 * the destination's type, sha256 metadata and CRC-32C (base64). */
void gcs_compose_body(const char *key, int n, const char *sha256,
    const char *crc, struct buf *out);

/* An objects.list answer ({"items":[{"name":...}],"nextPageToken":...}):
 * the names that start with prefix and go on after it, each followed by
 * a NUL, appended to names (others, and names holding a NUL, are passed
 * over); *more set
 * when there is a next page.  The number of names, or -1 when the answer
 * is not such an object. */
int gcs_list_names(const char *json, size_t n, const char *prefix,
    struct buf *names, int *more);

#endif
