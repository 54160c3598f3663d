/*
 * azsign: SharedKey signing for Azure Blob Storage (azsign.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "azsign.h"
#include "log.h"

/* The standard headers, in the order the string to sign lists them. */
static const char *const std_hdrs[] = {
	"Content-Encoding", "Content-Language", "Content-Length",
	"Content-MD5", "Content-Type", "Date", "If-Modified-Since",
	"If-Match", "If-None-Match", "If-Unmodified-Since", "Range",
};

void
azsign_encode(struct buf *out, const char *s, size_t n, int slash_ok)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~' || (slash_ok && c == '/')) {
			buf_addc(out, (char)c);
		} else {
			buf_addc(out, '%');
			buf_addc(out, hex[c >> 4]);
			buf_addc(out, hex[c & 15]);
		}
	}
	if (!out->p)
		buf_adds(out, "");
}

void
azsign_b64(struct buf *out, const void *p, size_t n)
{
	size_t need = 4 * ((n + 2) / 3) + 1;

	buf_grow(out, need);
	out->len += (size_t)EVP_EncodeBlock((unsigned char *)out->p + out->len,
	    p, (int)n);
	out->p[out->len] = '\0';
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

int
azsign_unb64(struct buf *out, const char *s)
{
	size_t n = strlen(s), pad = 0;
	unsigned v = 0;
	int bits = 0;

	while (n > 0 && s[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if (n == 0 || (n + pad) % 4 != 0)
		return -1;
	buf_grow(out, n);
	for (size_t i = 0; i < n; i++) {
		int d = b64val((unsigned char)s[i]);
		if (d < 0)
			return -1;
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (char)((v >> bits) & 0xff));
		}
	}
	return 0;
}

static const char *
hdr_value(const struct azsign_req *r, const char *name)
{
	for (size_t i = 0; i < r->nhdrs; i++)
		if (strcasecmp(r->hdrs[i].name, name) == 0)
			return r->hdrs[i].value;
	return NULL;
}

/* Appends v without leading and trailing blanks. */
static void
add_trimmed(struct buf *out, const char *v)
{
	size_t n;

	while (*v == ' ' || *v == '\t')
		v++;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	buf_add(out, v, n);
}

struct pair {
	struct buf name, value;
};

static int
pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->name.p, y->name.p);

	return c ? c : strcmp(x->value.p, y->value.p);
}

/* The service orders x-ms-* names by a collation that weighs letters
 * and digits first and hyphens only to break ties: as if the hyphens
 * were not there, then byte by byte. */
static int
hdr_cmp(const void *a, const void *b)
{
	const char *x = ((const struct pair *)a)->name.p;
	const char *y = ((const struct pair *)b)->name.p;

	for (const char *p = x, *q = y;; p++, q++) {
		while (*p == '-')
			p++;
		while (*q == '-')
			q++;
		if (*p != *q)
			return (unsigned char)*p < (unsigned char)*q ? -1 : 1;
		if (!*p)
			break;
	}
	return strcmp(x, y);
}

static void
lower(struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->p[i] >= 'A' && b->p[i] <= 'Z')
			b->p[i] = (char)(b->p[i] - 'A' + 'a');
}

static void
canon_headers(const struct azsign_req *r, struct buf *out)
{
	struct pair *p = xcalloc(r->nhdrs + 1, sizeof *p);
	size_t n = 0;

	for (size_t i = 0; i < r->nhdrs; i++) {
		if (strncasecmp(r->hdrs[i].name, "x-ms-", 5) != 0)
			continue;
		buf_adds(&p[n].name, r->hdrs[i].name);
		lower(&p[n].name);
		buf_adds(&p[n].value, "");
		add_trimmed(&p[n].value, r->hdrs[i].value);
		n++;
	}
	qsort(p, n, sizeof *p, hdr_cmp);
	for (size_t i = 0; i < n; i++) {
		buf_printf(out, "%s:%s\n", p[i].name.p, p[i].value.p);
		buf_free(&p[i].name);
		buf_free(&p[i].value);
	}
	free(p);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* s[0..n) percent-decoded into out ('+' stays: Azure's own clients send
 * spaces as %20). */
static void
decode(struct buf *out, const char *s, size_t n)
{
	buf_adds(out, "");
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '%' && i + 2 < n &&
		    (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0) {
			buf_addc(out, (char)(h << 4 | l));
			i += 2;
		} else {
			buf_addc(out, s[i]);
		}
	}
}

/* "\nname:v1,v2" for each query parameter, names lower-cased, sorted. */
static void
canon_query(const char *q, struct buf *out)
{
	size_t cap = 1, n = 0;
	struct pair *p;
	const char *s;

	for (s = q; *s; s++)
		cap += *s == '&';
	p = xcalloc(cap, sizeof *p);
	for (s = q; *s; ) {
		size_t len = strcspn(s, "&"), nl = strcspn(s, "=");
		if (nl > len)
			nl = len;
		if (len) {
			decode(&p[n].name, s, nl);
			lower(&p[n].name);
			decode(&p[n].value, s + nl + (nl < len),
			    len - nl - (nl < len));
			n++;
		}
		s += len + (s[len] == '&');
	}
	qsort(p, n, sizeof *p, pair_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(p[i].name.p, p[i - 1].name.p) == 0)
			buf_printf(out, ",%s", p[i].value.p);
		else
			buf_printf(out, "\n%s:%s", p[i].name.p, p[i].value.p);
	}
	for (size_t i = 0; i < n; i++) {
		buf_free(&p[i].name);
		buf_free(&p[i].value);
	}
	free(p);
}

void
azsign_string(const struct azsign_req *r, const char *account,
    struct buf *sts)
{
	buf_printf(sts, "%s\n", r->method);
	for (size_t i = 0; i < sizeof std_hdrs / sizeof *std_hdrs; i++) {
		const char *v = hdr_value(r, std_hdrs[i]);
		if (strcmp(std_hdrs[i], "Content-Length") == 0) {
			if (r->content_length)
				buf_printf(sts, "%llu", r->content_length);
		} else if (v) {
			add_trimmed(sts, v);
		}
		buf_addc(sts, '\n');
	}
	canon_headers(r, sts);
	buf_printf(sts, "/%s%s", account, *r->path ? r->path : "/");
	canon_query(r->query, sts);
}

void
azsign_sign(const struct azsign_req *r, const char *account,
    const struct buf *key, struct buf *auth, struct buf *sts)
{
	struct buf s = BUF_INIT;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	azsign_string(r, account, &s);
	if (!HMAC(EVP_sha256(), key->p, (int)key->len,
	    (const unsigned char *)s.p, s.len, mac, &maclen))
		die(EXIT_FAIL, "azsign: OpenSSL HMAC failed");
	buf_printf(auth, "SharedKey %s:", account);
	azsign_b64(auth, mac, maclen);
	if (sts)
		buf_add(sts, s.p, s.len);
	buf_free(&s);
}

void
azsign_date(long long t, char out[30])
{
	static const char day[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char mon[][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	/* Not strftime's %a and %b: those follow the locale. */
	gmtime_r(&tt, &tm);
	snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    day[tm.tm_wday % 7], tm.tm_mday % 100, mon[tm.tm_mon % 12],
	    (tm.tm_year + 1900) % 10000, tm.tm_hour % 100, tm.tm_min % 100,
	    tm.tm_sec % 100);
}
