/*
 * sfput: the client side of Snowflake's PUT (sfput.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "httpx.h"
#include "json.h"
#include "sfput.h"

#define SFPUT_TRIES 6

void
sfput_free(struct sfput *p)
{
	free(p->type);
	free(p->location);
	free(p->presigned);
	free(p->command);
	memset(p, 0, sizeof *p);
}

static void
refusal(const struct json_doc *d, struct buf *why)
{
	char *msg = json_obj_str(d, 0, "message");
	char *code = json_obj_str(d, 0, "code");

	buf_printf(why, "PUT refused: %s", msg ? msg : "no message");
	if (code)
		buf_printf(why, " (code %s)", code);
	free(msg);
	free(code);
}

int
sfput_parse(const char *body, size_t n, struct sfput *p, struct buf *why)
{
	struct json_doc d = { 0 };
	int ok, data, si, em, r = -1;

	memset(p, 0, sizeof *p);
	if (json_parse(&d, body, n) < 0 || d.tok[0].type != JSON_OBJECT) {
		buf_printf(why, "PUT: the answer is not JSON (%s)", d.err);
		goto out;
	}
	ok = json_obj_get(&d, 0, "success");
	if (ok < 0 || d.tok[ok].type != JSON_TRUE) {
		refusal(&d, why);
		r = 1;
		goto out;
	}
	data = json_obj_get(&d, 0, "data");
	if (data < 0 || d.tok[data].type != JSON_OBJECT ||
	    (si = json_obj_get(&d, data, "stageInfo")) < 0 ||
	    d.tok[si].type != JSON_OBJECT) {
		buf_adds(why, "PUT: the answer has no stageInfo (is this a "
		    "Snowflake that stages files?)");
		goto out;
	}
	p->type = json_obj_str(&d, si, "locationType");
	p->location = json_obj_str(&d, si, "location");
	p->presigned = json_obj_str(&d, si, "presignedUrl");
	p->command = json_obj_str(&d, data, "command");
	if (p->presigned && !*p->presigned) {
		free(p->presigned);
		p->presigned = NULL;
	}
	em = json_obj_get(&d, data, "encryptionMaterial");
	p->encrypted = em >= 0 && d.tok[em].type != JSON_NULL &&
	    !((d.tok[em].type == JSON_ARRAY || d.tok[em].type == JSON_OBJECT)
	    && d.tok[em].end == (uint32_t)em + 1);
	if (!p->type || !p->location) {
		buf_adds(why, "PUT: stageInfo lacks locationType or location");
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		sfput_free(p);
	json_doc_free(&d);
	return r;
}

int
sfput_check(const struct sfput *p, struct buf *why)
{
	if (p->command && strcmp(p->command, "UPLOAD") != 0)
		buf_printf(why, "PUT answered command %s, not UPLOAD",
		    p->command);
	else if (p->encrypted)
		buf_printf(why, "the %s stage asks for client-side encryption, "
		    "which stage does not implement (a named stage made with "
		    "ENCRYPTION = (TYPE = 'SNOWFLAKE_SSE') needs none)",
		    p->type);
	else if (strcmp(p->type, "LOCAL_FS") == 0 ||
	    (strcmp(p->type, "GCS") == 0 && p->presigned))
		return 0;
	else
		buf_printf(why, "stage location type %s%s is not supported "
		    "(LOCAL_FS, and GCS through a presigned URL, are)", p->type,
		    strcmp(p->type, "GCS") == 0 ? " without a presigned URL" :
		    "");
	return -1;
}

/* mkdir -p of dir. */
static int
mkdirs(const char *dir)
{
	char *d = strdup(dir);
	int r = 0;

	if (!d)
		return -1;
	for (char *s = d + 1; r == 0 && *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(d, 0777) < 0 && errno != EEXIST)
			r = -1;
		*s = '/';
	}
	if (r == 0 && mkdir(d, 0777) < 0 && errno != EEXIST)
		r = -1;
	free(d);
	return r;
}

static int
copy_fd(int in, int out)
{
	char b[1 << 16];
	ssize_t n;

	while ((n = read(in, b, sizeof b)) > 0)
		for (ssize_t w = 0; w < n;) {
			ssize_t k = write(out, b + w, (size_t)(n - w));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return -1;
			w += k;
		}
	return n < 0 ? -1 : 0;
}

/* LOCAL_FS: a copy into location, made under a temporary name and
 * renamed, so that a reader never sees half a file. */
static int
local_copy(const struct sfput *p, const char *path, const char *name,
    struct buf *why)
{
	struct buf dst = BUF_INIT, tmp = BUF_INIT;
	int in = -1, out = -1, r = -1;
	size_t l = strlen(p->location);

	buf_printf(&dst, "%s%s%s", p->location, l && p->location[l - 1] ==
	    '/' ? "" : "/", name);
	buf_printf(&tmp, "%s.part%ld", dst.p, (long)getpid());
	if (mkdirs(p->location) < 0) {
		buf_printf(why, "PUT: cannot make %s: %s", p->location,
		    strerror(errno));
		goto out;
	}
	if ((in = open(path, O_RDONLY)) < 0 ||
	    (out = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0 ||
	    copy_fd(in, out) < 0 || close(out) < 0 ||
	    rename(tmp.p, dst.p) < 0) {
		buf_printf(why, "PUT: cannot copy %s to %s: %s", path, dst.p,
		    strerror(errno));
		out = -1;
		unlink(tmp.p);
		goto out;
	}
	out = -1;
	r = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	buf_free(&dst);
	buf_free(&tmp);
	return r;
}

static int
worth_retry(const struct http_req *r)
{
	return r->status == 0 ? http_transient(r) : r->status == 429 ||
	    r->status >= 500;
}

/* GCS through the presigned URL: one HTTP PUT of the file's bytes. */
static int
presigned_put(const struct sfput *p, const char *path, struct buf *why)
{
	struct http_conn *c;
	struct http_req r;
	struct httpx_backoff bo;
	struct stat st;
	int fd = open(path, O_RDONLY), tries, rc = -1;

	if (fd < 0 || fstat(fd, &st) < 0) {
		buf_printf(why, "PUT: cannot read %s: %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	http_init();
	c = http_conn_new();
	httpx_backoff_init(&bo, 100);
	http_req_init(&r);
	r.method = "PUT";
	r.url = strdup(p->presigned);
	r.body_fd = fd;
	r.body_off = 0;
	r.body_len = (uint64_t)st.st_size;
	http_req_header(&r, "Content-Type: application/octet-stream");
	for (tries = 1;; tries++) {
		http_req_clear(&r);
		http_conn_perform(c, &r);
		if (!worth_retry(&r) || tries >= SFPUT_TRIES)
			break;
		httpx_sleep_ms(httpx_backoff_ms(&bo, tries));
	}
	if (r.status >= 200 && r.status < 300)
		rc = 0;
	else if (r.status == 0)
		buf_printf(why, "PUT: upload failed: %s (after %d tries)",
		    http_strerror(&r), tries);
	else
		buf_printf(why, "PUT: upload failed: HTTP %ld (after %d %s)",
		    r.status, tries, tries == 1 ? "try" : "tries");
	http_req_free(&r);
	http_conn_free(c);
	close(fd);
	return rc;
}

int
sfput_upload(const struct sfput *p, const char *path, const char *name,
    struct buf *why)
{
	if (sfput_check(p, why) < 0)
		return -1;
	if (strcmp(p->type, "LOCAL_FS") == 0)
		return local_copy(p, path, name, why);
	return presigned_put(p, path, why);
}
