/*
 * manifest: the NDJSON lines the four programs pass along (doc/DESIGN.md).
 *
 * Reading: manifest_in walks the file arguments (or stdin), parses each
 * line and says where it came from, so errors can name input and line.
 * Writing: mline_rebuild copies every member of a line through except the
 * ones a step sets, then appends those; manifest_emit writes one whole line
 * to stdout and flushes it.  Completeness: mloads tracks, per load_id, the
 * file lines seen and whether its end line arrived.
 */
#ifndef STAGE_MANIFEST_H
#define STAGE_MANIFEST_H

#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "lines.h"

#define MANIFEST_VERSION 1

/* Every member name the steps read or write, in one place
 * (stage-manifest(5)); mf_name[MF_X] is its spelling. */
enum mf {
	MF_V, MF_END, MF_LOAD_ID, MF_FILES, MF_ROWS, MF_DATASET, MF_TABLE,
	MF_DISPOSITION, MF_PRIMARY_KEY, MF_MERGE_KEY, MF_COLUMNS, MF_CSV,
	MF_FILE, MF_URL, MF_FORMAT, MF_COMPRESSION, MF_BYTES, MF_SHA256,
	MF_FILE_ID, MF_COPIED, MF_MERGED, MF_DESTINATION, MF_SKIPPED,
	MF_NFIELDS
};
extern const char *const mf_name[MF_NFIELDS];

struct mline {
	struct json_doc doc;	/* token 0 is the line's object */
	char *text;		/* the line, without '\n' (owned by the reader) */
	size_t len;
	const char *src;	/* input name: a file argument or "stdin" */
	size_t lineno;
	int end;		/* 1 for an end line */
};

struct manifest_in {
	char **files;
	int nfiles, idx;
	int fd;
	const char *name;
	struct lines lr;
};

void manifest_in_open(struct manifest_in *in, int nfiles, char **files);
/* 1: *m holds the next line; 0: end of all input; -1: malformed line or
 * read error, already reported as "src:line: why" (exit 3 is the rule). */
int manifest_in_next(struct manifest_in *in, struct mline *m);
void manifest_in_close(struct manifest_in *in);
void mline_free(struct mline *m);
/* Reads every line of the inputs (as manifest_in_open takes them) and
 * hands each to fn until fn returns nonzero.  Returns fn's nonzero
 * status, EXIT_INCOMPLETE after a malformed line, or 0 at the end. */
int manifest_each(int nfiles, char **files,
    int (*fn)(void *arg, const struct mline *m), void *arg);

/* Member access on a parsed line; NULL or -1 when absent or mistyped. */
const struct json_tok *mline_get(const struct mline *m, const char *key);
int mline_str(const struct mline *m, const char *key, struct buf *out);
int mline_i64(const struct mline *m, const char *key, int64_t *v);
/* Checks that key is present with the given type; else reports
 * "src:line: field 'key' missing or not a <type>" and returns -1. */
int mline_need(const struct mline *m, const char *key, enum json_type t);

/* The members of a file line every step shares, parsed once; strings
 * are NULL when absent (or not strings). */
struct mfile {
	char *load_id;		/* required */
	char *file, *url, *sha256, *format, *compression;
	char *file_id;		/* a string's value or a number's digits */
	int64_t seq;		/* file_id when a count, else -1 */
	int64_t rows;		/* required count */
	int64_t bytes;		/* -1 when absent */
	char *copied_to;	/* copied.destination, set by stage-copy */
};

/* Parses m's shared members into f: -1 after reporting "src:line: field
 * 'x' ..." when load_id, rows or bytes is missing or mistyped.  f is to be
 * freed with mfile_free either way. */
int mfile_parse(const struct mline *m, struct mfile *f);
void mfile_free(struct mfile *f);

/* A file line as the first step writes it; columns and extra (members a
 * format adds, without a leading comma, or NULL) are JSON text. */
struct mfile_out {
	const char *load_id, *dataset, *table, *disposition;
	const char *const *pk, *const *mk;
	size_t npk, nmk;
	const char *columns, *extra;
	const char *file, *format, *compression, *sha256;
	uint64_t rows, bytes;
	unsigned file_id;
};
void mfile_emit(const struct mfile_out *f);
/* The end line of a load with its totals. */
void mend_emit(const char *load_id, uint64_t files, uint64_t rows);

/* What a step did with a file line, the member it adds ("copied" or
 * "merged"): {"table":..,"rows":..[,"skipped":true][,"destination":..]}. */
struct mresult {
	enum mf key;
	const char *table;
	int64_t rows;
	int skipped;
	const char *destination;	/* or NULL */
};
/* Emits the line text (as this step read it) with r's member set. */
void mresult_emit(const char *text, size_t len, const struct mresult *r);

/* A member a step sets: key and its value as JSON text. */
struct mfield {
	const char *key;
	const char *json;
	size_t len;
};

/* out = the line's members minus those named in set, then set's. */
void mline_rebuild(struct buf *out, const struct mline *m,
    const struct mfield *set, size_t nset);

/* Writes line (no '\n' needed) and a newline to stdout.  A closed pipe ends
 * the program quietly with status 1; any other write error is reported. */
void manifest_emit(const struct buf *line);
/* Parses text (a line this step read) again and emits it rebuilt with
 * set; nothing if it does not parse. */
void manifest_emit_set(const char *text, size_t len,
    const struct mfield *set, size_t nset);

/* Per-load bookkeeping for the completeness rule. */
struct mload {
	char *id;
	size_t files;		/* file lines seen */
	size_t done;		/* files this step finished */
	size_t failed;		/* files this step failed */
	int64_t rows;		/* rows of file lines seen */
	int ended;		/* its end line was read */
	int emitted;		/* this step wrote its end line */
	struct buf endline;	/* the end line as read, for rebuilding */
};

struct mloads {
	struct mload *v;
	size_t n, cap;
};

struct mload *mloads_get(struct mloads *l, const char *id);
/* The load of m's load_id (an end line's, which check_line made sure of). */
struct mload *mloads_of(struct mloads *l, const struct mline *m);
/* 1 if every load seen has its end line (and at least one was seen). */
int mloads_complete(const struct mloads *l);
void mloads_free(struct mloads *l);
/* A file line m of load ld with its rows: -1 after reporting
 * "src:line: file line after the end line of load ID"; else counts it
 * and returns its position among the load's files, from 0. */
int64_t mload_file(struct mload *ld, const struct mline *m, int64_t rows);
/* The end line m of ld: -1 after reporting that the files or rows it
 * promises are not those seen; else marks ld ended and keeps the line in
 * ld->endline. */
int mload_end(struct mload *ld, const struct mline *m);

#endif
