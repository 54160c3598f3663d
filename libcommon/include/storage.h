/*
 * storage: the staging storages behind one small interface, picked by the
 * bucket URL's scheme the way git picks a transport (table in storage.c:
 * "file" -> storage_file.c, "s3" -> storage_s3.c; a new back end is one
 * new file and one table row).
 *
 * A storage is opened on a bucket URL: a local directory (plain path or
 * file:///abs/dir) or s3://bucket[/prefix].  Keys given to the operations
 * are relative to that URL (its prefix is prepended), '/'-separated.
 *
 * Operations:
 *  - put (asynchronous): upload a local file to a key, given the SHA-256
 *    the manifest says it has.  Idempotent: when the object already holds
 *    that content (S3: its x-amz-meta-sha256; file: same size and hash)
 *    nothing is sent and the result is STORAGE_SKIPPED.  A file whose
 *    bytes do not hash to that SHA-256 is refused (STORAGE_FAILED) and
 *    never becomes visible under the key.  put() queues; storage_run()
 *    moves the work and calls each put's done() from inside it (a back end
 *    may also finish a put inside put() itself).  Back ends run up to
 *    opts.jobs transfers at once (S3: libcurl multi; file: one at a time).
 *  - get (blocking): stream an object to a sink (same shape as zsink in
 *    compress.h), never buffering it whole.  Safe to call from several
 *    threads at once on one storage, each call with its own connection,
 *    so a reader brings its own parallelism.
 *  - get_range (blocking): the same for a byte range of an object.
 *  - del (blocking): remove an object; "already gone" is success.
 *  - describe (dry run): append the requests a put would send, secrets
 *    masked, instead of sending them.
 */
#ifndef STAGE_STORAGE_H
#define STAGE_STORAGE_H

#include <stdint.h>

#include "buf.h"

typedef int (*storage_sink)(void *ctx, const void *p, size_t n);

struct storage_opts {
	/* stage-put's flags for the back end (NULL / -1: not given). */
	const char *endpoint;		/* endpoint URL, NULL: default */
	const char *region;		/* NULL: from the environment */
	int path_style;			/* s3: 0 virtual-hosted, 1 path */
	/* The back end's own members of a manifest line, as a JSON object
	 * (storage_line_opts), or NULL: what stage-put was told, parsed by
	 * the back end; flags above win over it. */
	const char *line;
	int jobs;			/* transfers at once */
	int retries;			/* tries after the first */
	uint64_t part_size;		/* multipart part size */
	uint64_t threshold;		/* multipart from this size on */
	uint64_t composite;		/* gs://: parallel composite uploads
					 * from this size on, 0: never */
	int no_fastcopy;		/* file: plain read/write only */
	int reads_only;			/* no puts: part sizes not checked */
	/* Configuration lookup by dotted dlt key (may be NULL). */
	const char *(*setting)(void *ctx, const char *key);
	void *setting_ctx;
};

/* One of a back end's own members of a manifest line: name and JSON
 * value. */
#define STORAGE_MAXM 4
struct storage_member {
	const char *name;
	struct buf json;
};

enum storage_result { STORAGE_DONE, STORAGE_SKIPPED, STORAGE_FAILED };

struct storage_put {
	const char *path;		/* the local file */
	const char *key;		/* relative to the bucket URL */
	const char *sha256;		/* hex, from the manifest */
	int64_t bytes;			/* size from the manifest, -1: unknown */
	void (*done)(struct storage_put *p);
	void *ctx;
	/* Set before done() is called. */
	enum storage_result result;
	struct buf err;			/* why, when STORAGE_FAILED */
};

struct storage;

struct storage_ops {
	const char *scheme;
	/* Multipart part-size limits the back end accepts (0: none); a part
	 * size must suit every back end's (storage_open checks). */
	uint64_t min_part, max_part;
	/* Once per process, before the first open (NULL: nothing). */
	void (*init)(void);
	/* rest: the URL after "scheme://" (for file, an absolute path). */
	int (*open)(struct storage *st, const char *rest,
	    const struct storage_opts *o, struct buf *err);
	void (*close)(struct storage *st);
	void (*put)(struct storage *st, struct storage_put *p);
	int (*run)(struct storage *st, int timeout_ms, int wait_fd);
	/* get and get_range: bytes [off, off + len), both 0: all. */
	int (*get_range)(struct storage *st, const char *key, uint64_t off,
	    uint64_t len, storage_sink sink, void *ctx, struct buf *err);
	int (*del)(struct storage *st, const char *key, struct buf *err);
	int (*describe)(struct storage *st, const struct storage_put *p,
	    struct buf *out);
	/* The members it writes into a manifest line (NULL-terminated), and
	 * their values for st into m (at most STORAGE_MAXM): how many. */
	const char *const *members;
	size_t (*line)(const struct storage *st, struct storage_member *m);
	/* 1: "name@host" before the first '/' is part of the address
	 * (abfss://container@account.dfs...), not credentials. */
	int at_account;
	/* stage-put --check: reaches the bucket, changing nothing, and says
	 * in out where and as whom (secrets masked).  0, or -1 with why in
	 * out.  NULL: the back end cannot tell. */
	int (*check)(struct storage *st, struct buf *out);
};

struct storage {
	const struct storage_ops *ops;
	char *url;		/* the root: file:///abs/dir, s3://bucket */
	char *prefix;		/* "" or "prefix/" */
	struct storage_opts opts;
	void *be;		/* the back end's state */
};

/* 0, or -1 with err set: 2 when the scheme is unknown or the options do
 * not suit the back end (a usage error), 1 otherwise (returned through
 * *status if not NULL).  Initialises what the back end's transport needs
 * (libcurl): call it before any thread of the caller's starts. */
int storage_open(struct storage *st, const char *url,
    const struct storage_opts *o, struct buf *err, int *status);
void storage_close(struct storage *st);

/* The full key (prefix + key) and the full URL of a key. */
void storage_key(const struct storage *st, const char *key, struct buf *out);
void storage_url(const struct storage *st, const char *key, struct buf *out);

void storage_put(struct storage *st, struct storage_put *p);
/* Moves work for up to timeout_ms, or until something finishes or
 * wait_fd (>= 0) is readable.  Returns the number of puts unfinished. */
int storage_run(struct storage *st, int timeout_ms, int wait_fd);
int storage_get(struct storage *st, const char *key, storage_sink sink,
    void *ctx, struct buf *err);
/* As storage_get, bytes [off, off + len) of the object only (len 0: to
 * its end; fewer when the object ends first; a range starting at or past
 * the end fails).  The manifest's bytes gives the size, so a footer
 * (Parquet's) is read first with off = bytes - n. */
int storage_get_range(struct storage *st, const char *key, uint64_t off,
    uint64_t len, storage_sink sink, void *ctx, struct buf *err);
int storage_del(struct storage *st, const char *key, struct buf *err);
int storage_describe(struct storage *st, const struct storage_put *p,
    struct buf *out);
/* The back end's check (stage-put --check): 0, or -1 with why in out. */
int storage_check(struct storage *st, struct buf *out);

/* The back end's own members for each manifest line stage-put stores
 * (s3: the flags that reach its endpoint), so that stage-copy and
 * stage-merge --delete-staged, which have no such flags, reach the same
 * place.  Returns how many it set in m (free them with
 * storage_members_free). */
size_t storage_members(const struct storage *st,
    struct storage_member m[STORAGE_MAXM]);
void storage_members_free(struct storage_member *m, size_t n);
/* The members of line m that any back end owns, as one JSON object for
 * storage_opts.line, or NULL when there are none. */
struct mline;
char *storage_line_opts(const struct mline *m);

/* The known schemes, ", "-separated ("file, s3"), into out. */
void storage_known(struct buf *out);

/* Back ends. */
extern const struct storage_ops storage_file_ops;
extern const struct storage_ops storage_s3_ops;
extern const struct storage_ops storage_az_ops;
extern const struct storage_ops storage_abfss_ops;
extern const struct storage_ops storage_gcs_ops;

/* Shared by back ends: hashes fd's bytes [0, n) into hex; -1 on error. */
int storage_hash_fd(int fd, char hex[65], uint64_t *bytes);

#endif
