/*
 * http: libcurl glue.  Easy handles are set up afresh for every request
 * (curl_easy_reset keeps a handle's connections), kept in a small pool
 * for the multi handle, whose connection cache serves all of them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cabundle.h"
#include "http.h"
#include "log.h"

struct http {
	CURLM *multi;
	CURL **idle;
	size_t nidle, cap;
	int running;
};

struct http_conn {
	CURL *easy;
};

static void
global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		die(EXIT_FAIL, "libcurl: global init failed");
}

void
http_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, global_init);
}

void
http_req_init(struct http_req *r)
{
	memset(r, 0, sizeof *r);
	r->body_fd = -1;
}

void
http_req_clear(struct http_req *r)
{
	r->status = 0;
	r->curl_rc = 0;
	r->sink_failed = 0;
	r->err[0] = '\0';
	r->received = 0;
	r->sent = 0;
	buf_reset(&r->resp);
	buf_reset(&r->rhdrs);
}

void
http_req_free(struct http_req *r)
{
	free(r->url);
	r->url = NULL;
	curl_slist_free_all(r->hdrs);
	r->hdrs = NULL;
	buf_free(&r->resp);
	buf_free(&r->rhdrs);
}

void
http_req_header(struct http_req *r, const char *line)
{
	struct curl_slist *l = curl_slist_append(r->hdrs, line);

	if (!l)
		die(EXIT_FAIL, "out of memory");
	r->hdrs = l;
}

void
http_req_clear_hdrs(struct http_req *r)
{
	curl_slist_free_all(r->hdrs);
	r->hdrs = NULL;
}

void
http_req_dump(const struct http_req *r, struct buf *out)
{
	buf_printf(out, "%s %s\n", r->method, r->url);
	for (const struct curl_slist *l = r->hdrs; l; l = l->next) {
		size_t n = strlen(l->data);
		if (n && l->data[n - 1] == ':')
			continue;	/* a header curl is told to drop */
		buf_printf(out, "%s\n", l->data);
	}
}

static size_t
on_read(char *p, size_t size, size_t n, void *ctx)
{
	struct http_req *r = ctx;
	uint64_t left = r->body_len - r->sent;
	size_t want = size * n;

	if (want > left)
		want = (size_t)left;
	if (want == 0)
		return 0;
	if (r->body) {
		memcpy(p, r->body + r->sent, want);
	} else {
		ssize_t got;
		do
			got = pread(r->body_fd, p, want,
			    (off_t)(r->body_off + r->sent));
		while (got < 0 && errno == EINTR);
		if (got <= 0) {
			snprintf(r->err, sizeof r->err,
			    "reading the body: %s",
			    got < 0 ? strerror(errno) : "file shrank");
			return CURL_READFUNC_ABORT;
		}
		want = (size_t)got;
	}
	r->sent += want;
	return want;
}

static int
on_seek(void *ctx, curl_off_t off, int origin)
{
	struct http_req *r = ctx;

	if (origin != SEEK_SET || off < 0 || (uint64_t)off > r->body_len)
		return CURL_SEEKFUNC_CANTSEEK;
	r->sent = (uint64_t)off;
	return CURL_SEEKFUNC_OK;
}

static size_t
on_write(char *p, size_t size, size_t n, void *ctx)
{
	struct http_req *r = ctx;
	size_t len = size * n;
	long code = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	if (r->sink && code >= 200 && code < 300) {
		if (r->sink(r->sink_ctx, p, len)) {
			r->sink_failed = 1;
			return 0;
		}
		r->received += len;
		return len;
	}
	if (r->resp.len < HTTP_KEEP)
		buf_add(&r->resp, p, len);
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct http_req *r = ctx;
	size_t len = size * n;

	/* A new status line (after "100 Continue") starts a new set. */
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
		buf_reset(&r->rhdrs);
	buf_add(&r->rhdrs, p, len);
	return len;
}

/* TLS trust: the CA certificates cabundle finds (SSL_CERT_FILE,
 * SSL_CERT_DIR, else the system's bundle), alike for the static build,
 * whose libcurl has no compiled-in CA path, and the dynamic one.  With
 * none, the transfer goes ahead with no trust anchors, so it fails
 * verification (never passes unverified), and r->err keeps cabundle's
 * message naming the places tried instead of curl's. */
static void
trust(CURL *e, struct http_req *r)
{
	struct cabundle ca;

	if (cabundle_find(&ca, r->err, sizeof r->err) == 0) {
		curl_easy_setopt(e, CURLOPT_CAINFO, ca.file);
		curl_easy_setopt(e, CURLOPT_CAPATH, ca.dir);
		return;
	}
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
	curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
}

/* Masks what authenticates a request: the signature in Authorization
 * (SigV4's Signature=, Azure's SharedKey account:signature), a session
 * token, and a SAS token's sig= in the request line, wherever they appear
 * in header text. */
static void
mask_secrets(char *s)
{
	static const struct {
		const char *mark, *stop;
	} marks[] = {
		{ "Signature=", "\r\n," },
		{ "x-amz-security-token: ", "\r\n," },
		{ "X-Amz-Security-Token: ", "\r\n," },
		{ "SharedKey ", "\r\n" },
		{ "sig=", "\r\n& " },
		{ "Bearer ", "\r\n" },
	};
	char *p;

	for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
		for (p = s; (p = strstr(p, marks[i].mark)); ) {
			p += strlen(marks[i].mark);
			while (*p && !strchr(marks[i].stop, *p))
				*p++ = '*';
		}
}

/* -vv: curl's trace of headers and connection events on stderr, with
 * secrets masked; bodies are not shown. */
static int
on_debug(CURL *e, curl_infotype type, char *data, size_t n, void *ctx)
{
	const char *tag;
	struct buf b = BUF_INIT;

	(void)e;
	(void)ctx;
	switch (type) {
	case CURLINFO_TEXT: tag = "* "; break;
	case CURLINFO_HEADER_OUT: tag = "> "; break;
	case CURLINFO_HEADER_IN: tag = "< "; break;
	default: return 0;
	}
	buf_add(&b, data, n);
	mask_secrets(b.p);
	for (char *line = b.p, *nl; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		fprintf(stderr, "%s%s\n", tag, line);
	}
	buf_free(&b);
	return 0;
}

static void
setup(CURL *e, struct http_req *r)
{
	curl_easy_reset(e);
	r->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	/* A stalled transfer (under 1 byte/s for stall_s, a minute by
	 * default) is a timeout, which the caller may retry; a slow but
	 * moving one is not. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
	    r->stall_s > 0 ? (long)r->stall_s : 60L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->err);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	if (strncmp(r->url, "https://", 8) == 0)
		trust(e, r);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 1024L * 1024);
	if (strcmp(r->method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (strcmp(r->method, "PUT") == 0) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)r->body_len);
	} else if (strcmp(r->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)r->body_len);
	} else if (strcmp(r->method, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	}
	curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(e, CURLOPT_READDATA, r);
	curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
	curl_easy_setopt(e, CURLOPT_SEEKDATA, r);
	if (log_get_level() >= LOG_DEBUG) {
		curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	}
}

static void
finish(CURL *e, struct http_req *r, CURLcode rc)
{
	r->curl_rc = (int)rc;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	if (rc != CURLE_OK && !r->err[0])
		snprintf(r->err, sizeof r->err, "%s", curl_easy_strerror(rc));
	if (rc != CURLE_OK)
		r->status = 0;
	r->easy = NULL;
}

struct http *
http_new(void)
{
	struct http *h = xcalloc(1, sizeof *h);

	h->multi = curl_multi_init();
	if (!h->multi)
		die(EXIT_FAIL, "libcurl: cannot create a multi handle");
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 64L);
	return h;
}

void
http_free(struct http *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nidle; i++)
		curl_easy_cleanup(h->idle[i]);
	free(h->idle);
	curl_multi_cleanup(h->multi);
	free(h);
}

void
http_start(struct http *h, struct http_req *r)
{
	CURL *e = h->nidle ? h->idle[--h->nidle] : curl_easy_init();

	if (!e)
		die(EXIT_FAIL, "libcurl: cannot create an easy handle");
	http_req_clear(r);
	setup(e, r);
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK)
		die(EXIT_FAIL, "libcurl: cannot add a transfer");
	h->running++;
}

static void
park(struct http *h, CURL *e)
{
	if (h->nidle == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 16;
		h->idle = xrealloc(h->idle, h->cap * sizeof *h->idle);
	}
	h->idle[h->nidle++] = e;
}

/* Calls done for every finished transfer; returns how many. */
static int
reap(struct http *h)
{
	CURLMsg *m;
	int left, n = 0;

	while ((m = curl_multi_info_read(h->multi, &left))) {
		struct http_req *r;
		CURL *e = m->easy_handle;
		CURLcode rc = m->data.result;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
		finish(e, r, rc);
		curl_multi_remove_handle(h->multi, e);
		park(h, e);
		h->running--;
		n++;
		r->done(r);
	}
	return n;
}

int
http_run(struct http *h, int timeout_ms, int wait_fd)
{
	struct curl_waitfd w = { wait_fd, CURL_WAIT_POLLIN, 0 };
	int still;

	curl_multi_perform(h->multi, &still);
	if (reap(h))
		return h->running;
	if (timeout_ms > 0)
		curl_multi_poll(h->multi, wait_fd >= 0 ? &w : NULL,
		    wait_fd >= 0 ? 1 : 0, timeout_ms, NULL);
	curl_multi_perform(h->multi, &still);
	reap(h);
	return h->running;
}

void
http_wakeup(struct http *h)
{
	curl_multi_wakeup(h->multi);
}

struct http_conn *
http_conn_new(void)
{
	struct http_conn *c = xcalloc(1, sizeof *c);

	if (!(c->easy = curl_easy_init()))
		die(EXIT_FAIL, "libcurl: cannot create an easy handle");
	return c;
}

void
http_conn_free(struct http_conn *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->easy);
	free(c);
}

int
http_conn_perform(struct http_conn *c, struct http_req *r)
{
	CURLcode rc;

	http_req_clear(r);
	setup(c->easy, r);
	rc = curl_easy_perform(c->easy);
	finish(c->easy, r, rc);
	return rc == CURLE_OK ? 0 : -1;
}

int
http_header(const struct http_req *r, const char *name, struct buf *out)
{
	size_t nlen = strlen(name);
	const char *p = r->rhdrs.p, *end = p ? p + r->rhdrs.len : NULL;

	while (p && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *v, *ve;

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nlen && p[nlen] == ':' &&
		    strncasecmp(p, name, nlen) == 0) {
			v = p + nlen + 1;
			ve = eol;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			buf_add(out, v, (size_t)(ve - v));
			return 0;
		}
		p = eol + 1;
	}
	return -1;
}

int
http_transient(const struct http_req *r)
{
	switch (r->curl_rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

const char *
http_strerror(const struct http_req *r)
{
	return r->err[0] ? r->err : curl_easy_strerror((CURLcode)r->curl_rc);
}
