/*
 * snowflake_wire: Snowflake's session protocol over libcurl (http.h),
 * the REST interface every official connector speaks: a login request
 * (password, or a key-pair JWT: sfjwt.h) that returns a session token,
 * then one query request per statement, polled while Snowflake says it
 * is still running.  Results come back as JSON rows (DML, and whatever
 * the session asks JSON for) or as an Arrow IPC stream (arrowipc.h); both
 * are read into struct sfresult, values as text.
 *
 * Retries: a transport error worth retrying, 429 and 5xx are retried
 * with httpx's backoff, at most SFW_TRIES tries, each sent with the same
 * requestId so that Snowflake runs the statement once however often the
 * request arrives; "still running" answers (codes 333333, 333334) are
 * polled at the result URL they give, with the same bounded backoff but
 * no limit but SFW_POLL_S seconds.
 */
#ifndef STAGE_SNOWFLAKE_WIRE_H
#define STAGE_SNOWFLAKE_WIRE_H

#include <stdint.h>

#include "buf.h"

#define SFW_TRIES 6
#define SFW_POLL_S 3600

/* Where and who (all owned by the caller). */
struct sfw_login {
	const char *base;	/* "https://acct.snowflakecomputing.com" */
	const char *account, *user;
	const char *password;	/* or NULL with ... */
	const char *jwt;	/* ... a key-pair token */
	const char *database, *schema, *warehouse, *role;
	const char *label;	/* masked, for messages */
};

/* One statement's result: ncols names, nrows rows of ncols values. */
struct sfresult {
	int ncols;
	int64_t nrows;
	char **names;
	char **v;		/* nrows * ncols, NULL for null */
	int64_t affected;	/* DML: rows inserted, updated, deleted */
	int64_t type_id;	/* statementTypeId */
	struct buf err;		/* "message (code N, SQL state S)" */
	char code[16];
	char sqlstate[8];
};

struct sfwire;

/* Logs in; NULL after reporting "label: why". */
struct sfwire *sfw_open(const struct sfw_login *l);
/* Ends the session (best effort) and frees w. */
void sfw_close(struct sfwire *w);
/* Runs sql: 0 with res filled, -1 when Snowflake refused it (res->err
 * says why, not reported), -2 after reporting a transport or protocol
 * failure.  res is freed and reset first. */
int sfw_query(struct sfwire *w, const char *sql, struct sfresult *res);
/* As sfw_query, and raw gets the final answer's body (a PUT's answer
 * carries its stage information there, not in rows: sfput.h). */
int sfw_query_raw(struct sfwire *w, const char *sql, struct sfresult *res,
    struct buf *raw);
/* The statements sent in this session (each query request once, however
 * often retried or polled): what -v reports and make bench counts. */
int64_t sfw_statements(const struct sfwire *w);
void sfresult_free(struct sfresult *res);
/* Value of row r, column c. */
static inline const char *
sfresult_at(const struct sfresult *res, int64_t r, int c)
{
	return res->v[r * res->ncols + c];
}
/* Index of column name (case-insensitive), or -1. */
int sfresult_col(const struct sfresult *res, const char *name);

/* Reads a query-request answer (the body) into res: 0 done, 1 still
 * running (url gets where to poll), -1 refused (res->err), -2 malformed
 * (why).  Exposed for the tests. */
int sfw_parse(const char *body, size_t n, struct sfresult *res,
    struct buf *url, struct buf *why);

#endif
