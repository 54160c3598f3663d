/*
 * hints: each list grows by one entry at a time; hints are few and built
 * once, before any record is read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hints.h"
#include "ident.h"
#include "json.h"

static char *
path_name(const char *s, size_t n)
{
	struct buf b = BUF_INIT;

	ident_normalize_path(&b, s, n);
	return b.p;
}

static int
add_pin(struct schema_hints *h, const char *name, size_t n,
    const char *type, const char *what, char *err, size_t errlen)
{
	enum coltype t;

	if (n == 0) {
		snprintf(err, errlen, "%s: empty column name", what);
		return -1;
	}
	if (coltype_parse(type, &t) < 0) {
		snprintf(err, errlen, "%s: unknown type '%s' (text bigint "
		    "double bool timestamp date time decimal json binary)",
		    what, type);
		return -1;
	}
	h->pin_names = xrealloc(h->pin_names, (h->npins + 1) *
	    sizeof *h->pin_names);
	h->pin_types = xrealloc(h->pin_types, (h->npins + 1) *
	    sizeof *h->pin_types);
	h->pin_names[h->npins] = path_name(name, n);
	h->pin_types[h->npins++] = t;
	return 0;
}

int
hints_pin(struct schema_hints *h, const char *arg, char *err, size_t errlen)
{
	const char *colon = strrchr(arg, ':');

	if (!colon) {
		snprintf(err, errlen, "--column %s: expected name:type", arg);
		return -1;
	}
	return add_pin(h, arg, (size_t)(colon - arg), colon + 1, "--column",
	    err, errlen);
}

static int
slurp(const char *path, struct buf *text)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(text, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

int
hints_read_schema(struct schema_hints *h, const char *path, char *err,
    size_t errlen)
{
	struct buf text = BUF_INIT, name = BUF_INIT, type = BUF_INIT;
	struct json_doc d = { 0 };
	int ret = -1;

	if (slurp(path, &text) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (json_parse(&d, text.p ? text.p : "", text.len) < 0) {
		snprintf(err, errlen, "%s: invalid JSON at byte %zu: %s", path,
		    d.err_off + 1, d.err);
		goto out;
	}
	if (d.tok[0].type != JSON_OBJECT) {
		snprintf(err, errlen, "%s: expected an object "
		    "{\"column\": \"type\", ...}", path);
		goto out;
	}
	for (uint32_t i = 1; i < d.tok[0].end; i = d.tok[i + 1].end) {
		buf_reset(&name);
		buf_reset(&type);
		json_str_decode(&d.tok[i], &name);
		if (d.tok[i + 1].type != JSON_STRING) {
			snprintf(err, errlen, "%s: field '%s': type must be a "
			    "string", path, name.p ? name.p : "");
			goto out;
		}
		json_str_decode(&d.tok[i + 1], &type);
		if (add_pin(h, name.p ? name.p : "", name.len,
		    type.p ? type.p : "", path, err, errlen) < 0)
			goto out;
	}
	ret = 0;
out:
	json_doc_free(&d);
	buf_free(&text);
	buf_free(&name);
	buf_free(&type);
	return ret;
}

int
hints_add_keys(struct schema_hints *h, int pk, const char *arg, char *err,
    size_t errlen)
{
	char ***list = pk ? &h->pk : &h->mk;
	size_t *n = pk ? &h->npk : &h->nmk;
	const char *s = arg;

	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (len == 0) {
			snprintf(err, errlen, "empty column name in '%s'", arg);
			return -1;
		}
		*list = xrealloc(*list, (*n + 1) * sizeof **list);
		(*list)[(*n)++] = path_name(s, len);
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

static void
free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
hints_free(struct schema_hints *h)
{
	free_list(h->pin_names, h->npins);
	free(h->pin_types);
	free_list(h->pk, h->npk);
	free_list(h->mk, h->nmk);
	memset(h, 0, sizeof *h);
}
