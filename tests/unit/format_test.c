/* Unit tests of the format table and of the formats' reader sides. */
#include <string.h>

#include "dest.h"
#include "format.h"
#include "tap.h"

static int
collect(void *ctx, const void *p, size_t n)
{
	buf_add(ctx, p, n);
	return 0;
}

/* Feeds text to a format's reader in pieces of `step` bytes. */
static int
read_all(const struct format_ops *fo, const struct dtable *t,
    const char *text, size_t step, struct buf *out, char *err, size_t errlen)
{
	struct format_read r;
	size_t n = strlen(text);
	int rc = 0;

	memset(&r, 0, sizeof r);
	r.t = t;
	r.object = "t";
	r.sink = collect;
	r.ctx = out;
	if (fo->open && fo->open(&r) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < n; i += step)
		rc = fo->feed(&r, text + i, i + step < n ? step : n - i);
	if (rc == 0 && fo->finish)
		rc = fo->finish(&r);
	snprintf(err, errlen, "%s", r.err);
	if (fo->close)
		fo->close(&r);
	return rc;
}

static void
names(void)
{
	const char *all[] = { "csv", "jsonl", "parquet" };
	struct buf known = BUF_INIT;
	enum format_id id;

	for (size_t i = 0; i < 3; i++)
		ok(format_parse(all[i], &id) == 0 &&
		    strcmp(format_name(id), all[i]) == 0, "%s round-trips",
		    all[i]);
	ok(format_parse("CSV", &id) < 0 && format_parse("", &id) < 0,
	    "unknown names are refused");
	ok(format_find("csv") && format_find("jsonl"),
	    "csv and jsonl are implemented");
	format_names(&known);
	ok(strncmp(known.p, "csv, jsonl", 10) == 0, "listed: %s", known.p);
	buf_free(&known);
	for (size_t i = 0; i < 3; i++) {
		const struct format_ops *fo = format_find(all[i]);
		if (!fo)
			continue;
		format_parse(all[i], &id);
		ok(fo->id == id &&
		    strcmp(fo->name, all[i]) == 0 && fo->ext[0] && fo->row &&
		    (fo->feed || fo->read),
		    "%s: a complete row", all[i]);
	}
	ok(strcmp(format_find("csv")->ext, "csv") == 0 &&
	    strcmp(format_find("jsonl")->ext, "jsonl") == 0 &&
	    !format_find("csv")->self_compressing &&
	    !format_find("jsonl")->self_compressing,
	    "csv and jsonl: their extensions, stream compression");
}

static void
ext(const char *format, const char *comp, const char *want)
{
	struct buf b = BUF_INIT;

	format_file_ext(&b, format, comp);
	ok(b.p && strcmp(b.p, want) == 0, "%s, %s: .%s", format, comp, want);
	buf_free(&b);
}

static void
exts(void)
{
	ext("csv", "none", "csv");
	ext("csv", "gzip", "csv.gz");
	ext("jsonl", "zstd", "jsonl.zst");
	ext("jsonl", "lz4", "jsonl");
	ext("avro", "gzip", "avro.gz");
}

static void
readers(void)
{
	struct dcol cols[] = { { "id", CT_BIGINT, 1 }, { "name", CT_TEXT, 1 },
	    { "j", CT_JSON, 1 } };
	struct dtable t = { .cols = cols, .ncols = 3 };
	const char *jl = "{\"id\":1,\"name\":\"a\\\"b\",\"j\":[1,2]}\r\n\n"
	    "{\"id\":2,\"name\":\"\"}\n{\"name\":null}";
	const char *want = "\"id\",\"name\",\"j\"\n1,\"a\"\"b\",\"[1,2]\"\n"
	    "2,\"\",\n,,\n";
	const char *csv = "id,name\n1,\"x,y\"\n";
	struct buf out = BUF_INIT;
	char err[200];

	for (size_t step = 1; step <= 64; step *= 4) {
		buf_reset(&out);
		ok(read_all(format_find("jsonl"), &t, jl, step, &out, err,
		    sizeof err) == 0 && out.p && strcmp(out.p, want) == 0,
		    "jsonl -> csv in pieces of %zu", step);
	}
	buf_reset(&out);
	ok(read_all(format_find("jsonl"), &t, "{\"id\":1}\n[1]\n", 5, &out,
	    err, sizeof err) < 0 && strcmp(err, "line 2: not a JSON object")
	    == 0, "a bad jsonl line is named (%s)", err);
	buf_reset(&out);
	ok(read_all(format_find("csv"), &t, csv, 3, &out, err, sizeof err)
	    == 0 && strcmp(out.p, csv) == 0, "csv passes through");
	buf_free(&out);
}

int
main(void)
{
	names();
	exts();
	readers();
	return tap_done();
}
