/*
 * layout: object names from dlt's layout placeholders (layout.h).
 *
 * The date parts are pendulum's format tokens as dlt uses them, lower
 * case ({MMMM} is "january"), taken from the load's time in UTC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "layout.h"
#include "log.h"

/* Placeholders read from the manifest line. */
static const char *const line_names[] = {
	"dataset", "schema_name", "table_name", "table", "load_id",
	"file_id", "ext", "file_name",
};

/* Placeholders of the load's time. */
static const char *const time_names[] = {
	"YYYY", "YY", "Y", "MMMM", "MMM", "MM", "M", "DD", "D", "HH", "H",
	"mm", "m", "dddd", "ddd", "dd", "d", "ss", "s", "SSSS", "SSS", "SS",
	"S", "Q", "curr_date", "timestamp", "timestamp_ms",
	"load_package_timestamp", "load_package_timestamp_ms",
};

#define NELEM(a) (sizeof(a) / sizeof *(a))

static int
known_in(const char *const *names, size_t nn, const char *s, size_t n)
{
	for (size_t i = 0; i < nn; i++)
		if (strlen(names[i]) == n && strncmp(s, names[i], n) == 0)
			return 1;
	return 0;
}

int
layout_check(const char *t)
{
	for (const char *p = t; (p = strchr(p, '{')); p++) {
		const char *e = strchr(p, '}');
		size_t n = e ? (size_t)(e - p - 1) : 0;
		if (!e || !(known_in(line_names, NELEM(line_names), p + 1, n) ||
		    known_in(time_names, NELEM(time_names), p + 1, n))) {
			log_err("--layout: unknown placeholder in %s (known: "
			    "{dataset} {schema_name} {table_name} {load_id} "
			    "{file_id} {ext} {file_name}, and the load's time: "
			    "{YYYY} {MM} {DD} {HH} {mm} {ss} {curr_date} "
			    "{timestamp} ... as in stage-put(1))", t);
			return -1;
		}
	}
	return 0;
}

static int
bad_line(const struct mline *m, const char *field, const char *why)
{
	log_err("%s:%zu: field '%s' %s", m->src, m->lineno, field, why);
	return -1;
}

/* The load's time from its id, dlt's "seconds[.micros]". */
static int
load_time(const struct mline *m, time_t *sec, long *usec)
{
	struct buf id = BUF_INIT;
	char *end;
	int rc = -1;

	if (mline_str(m, "load_id", &id) == 0 && id.len &&
	    id.p[0] >= '0' && id.p[0] <= '9') {
		long long s = strtoll(id.p, &end, 10);
		long u = 0;
		if (*end == '.') {
			char frac[7] = "000000";
			size_t k = strspn(end + 1, "0123456789");
			memcpy(frac, end + 1, k < 6 ? k : 6);
			end += 1 + k;
			u = strtol(frac, NULL, 10);
		}
		if (*end == '\0' && s >= 0) {
			*sec = (time_t)s;
			*usec = u;
			rc = 0;
		}
	}
	if (rc)
		bad_line(m, "load_id", "is not a time (seconds[.micros]), "
		    "which the layout's date placeholders need");
	buf_free(&id);
	return rc;
}

static const char *const months[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};
static const char *const days[] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday",
};

/* Formats one time placeholder (known to be in time_names) into v. */
static void
time_value(const char *name, time_t sec, long usec, struct buf *v)
{
	struct tm tm;
	long long ms = (long long)sec * 1000 + usec / 1000;

	gmtime_r(&sec, &tm);
	int y = tm.tm_year + 1900, mo = tm.tm_mon, d = tm.tm_mday;
#define IS(s) (strcmp(name, s) == 0)
	if (IS("YYYY") || IS("Y")) buf_printf(v, "%04d", y);
	else if (IS("YY")) buf_printf(v, "%02d", y % 100);
	else if (IS("MMMM")) buf_adds(v, months[mo]);
	else if (IS("MMM")) buf_printf(v, "%.3s", months[mo]);
	else if (IS("MM")) buf_printf(v, "%02d", mo + 1);
	else if (IS("M")) buf_printf(v, "%d", mo + 1);
	else if (IS("DD")) buf_printf(v, "%02d", d);
	else if (IS("D")) buf_printf(v, "%d", d);
	else if (IS("HH")) buf_printf(v, "%02d", tm.tm_hour);
	else if (IS("H")) buf_printf(v, "%d", tm.tm_hour);
	else if (IS("mm")) buf_printf(v, "%02d", tm.tm_min);
	else if (IS("m")) buf_printf(v, "%d", tm.tm_min);
	else if (IS("ss")) buf_printf(v, "%02d", tm.tm_sec);
	else if (IS("s")) buf_printf(v, "%d", tm.tm_sec);
	else if (IS("dddd")) buf_adds(v, days[tm.tm_wday]);
	else if (IS("ddd")) buf_printf(v, "%.3s", days[tm.tm_wday]);
	else if (IS("dd")) buf_printf(v, "%.2s", days[tm.tm_wday]);
	else if (IS("d")) buf_printf(v, "%d", tm.tm_wday);
	else if (IS("SSSS")) buf_printf(v, "%04ld", usec / 100);
	else if (IS("SSS")) buf_printf(v, "%03ld", usec / 1000);
	else if (IS("SS")) buf_printf(v, "%02ld", usec / 10000);
	else if (IS("S")) buf_printf(v, "%ld", usec / 100000);
	else if (IS("Q")) buf_printf(v, "%d", mo / 3 + 1);
	else if (IS("curr_date")) buf_printf(v, "%04d-%02d-%02d", y, mo + 1, d);
	else if (IS("timestamp") || IS("load_package_timestamp"))
		buf_printf(v, "%lld", (long long)sec);
	else
		buf_printf(v, "%lld", ms);
#undef IS
}

static void
ext_value(const struct mline *m, const char *base, struct buf *v)
{
	struct buf f = BUF_INIT, c = BUF_INIT;

	if (mline_str(m, "format", &f) == 0 && f.len) {
		mline_str(m, "compression", &c);
		format_file_ext(v, f.p, c.len ? c.p : "none");
	} else {
		const char *dot = strchr(base, '.');
		buf_adds(v, dot ? dot + 1 : "bin");
	}
	buf_free(&f);
	buf_free(&c);
}

static int
file_id_value(const struct mline *m, struct buf *v)
{
	const struct json_tok *t = mline_get(m, "file_id");

	if (t && t->type == JSON_NUMBER && (t->flags & JSON_F_INT))
		json_put_raw(v, t);
	else if (t && t->type == JSON_STRING)
		json_str_decode(t, v);
	else if (!t)
		buf_add(v, mline_get(m, "sha256")->p, 16);
	else
		return bad_line(m, "file_id", "is not a string or integer");
	return 0;
}

/* A string member of the line, required. */
static int
str_value(const struct mline *m, const char *key, struct buf *v)
{
	if (mline_str(m, key, v) || !v->len)
		return bad_line(m, key, "missing or not a string");
	return 0;
}

/* The value of placeholder name[0..n) for line m, appended to out. */
static int
placeholder(const struct mline *m, const char *name, size_t n,
    const char *file, struct buf *out)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	struct buf v = BUF_INIT;
	char key[32];
	int rc = 0;

	snprintf(key, sizeof key, "%.*s", (int)n, name);
	if (known_in(time_names, NELEM(time_names), name, n)) {
		time_t sec;
		long usec;
		rc = load_time(m, &sec, &usec);
		if (rc == 0)
			time_value(key, sec, usec, &v);
	} else if (strcmp(key, "dataset") == 0 || strcmp(key, "load_id") == 0) {
		rc = str_value(m, key, &v);
	} else if (strcmp(key, "schema_name") == 0) {
		/* dlt's schema; a manifest names one only if its writer did */
		if (mline_str(m, "schema_name", &v) || !v.len)
			rc = str_value(m, "dataset", &v);
	} else if (strcmp(key, "table_name") == 0 || strcmp(key, "table") == 0) {
		rc = str_value(m, "table", &v);
	} else if (strcmp(key, "file_id") == 0) {
		rc = file_id_value(m, &v);
	} else if (strcmp(key, "file_name") == 0) {
		buf_adds(&v, base);
	} else {
		ext_value(m, base, &v);
	}
	/* A value must not climb out of its place in the key. */
	if (rc == 0 && (!v.len || strchr(v.p, '/') || strcmp(v.p, ".") == 0 ||
	    strcmp(v.p, "..") == 0)) {
		log_err("%s:%zu: {%.*s} would be '%s', not usable in an object "
		    "name", m->src, m->lineno, (int)n, name, v.p ? v.p : "");
		rc = -1;
	}
	if (rc == 0)
		buf_add(out, v.p, v.len);
	buf_free(&v);
	return rc;
}

int
layout_expand(const char *t, const struct mline *m, const char *file,
    struct buf *out)
{
	for (const char *p = t; *p; p++) {
		if (*p != '{') {
			buf_addc(out, *p);
			continue;
		}
		const char *e = strchr(p, '}');
		if (placeholder(m, p + 1, (size_t)(e - p - 1), file, out))
			return -1;
		p = e;
	}
	return 0;
}
