/*
 * format: the table of formats.  Names are the manifest's vocabulary and
 * outlive implementations: a format named here without a row in formats[]
 * is known (a manifest may say it) but not written or read by this build.
 */
#include <string.h>

#include "format.h"

static const char *const names[] = { "csv", "jsonl", "parquet" };

/* The formats this build writes and reads, one file each; a new format
 * is one row (and its declaration). */
extern const struct format_ops format_csv_ops;
extern const struct format_ops format_jsonl_ops;
extern const struct format_ops format_parquet_ops;

static const struct format_ops *const formats[] = {
	&format_csv_ops,
	&format_jsonl_ops,
	&format_parquet_ops,
};

#define NNAMES (sizeof names / sizeof names[0])
#define NFORMATS (sizeof formats / sizeof formats[0])

int
format_parse(const char *name, enum format_id *id)
{
	for (size_t i = 0; i < NNAMES; i++)
		if (strcmp(name, names[i]) == 0) {
			*id = (enum format_id)i;
			return 0;
		}
	return -1;
}

const char *
format_name(enum format_id id)
{
	return (size_t)id < NNAMES ? names[id] : "?";
}

const struct format_ops *
format_get(enum format_id id)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i]->id == id)
			return formats[i];
	return NULL;
}

const struct format_ops *
format_find(const char *name)
{
	enum format_id id;

	return format_parse(name, &id) < 0 ? NULL : format_get(id);
}

void
format_names(struct buf *b)
{
	for (size_t i = 0; i < NFORMATS; i++)
		buf_printf(b, "%s%s", i ? ", " : "", formats[i]->name);
}

void
format_file_ext(struct buf *out, const char *format, const char *compression)
{
	const struct format_ops *fo = format_find(format);
	enum compression c;

	buf_adds(out, fo ? fo->ext : format);
	if (!(fo && fo->self_compressing) &&
	    compression_parse(compression, &c) == 0)
		buf_adds(out, compression_ext(c));
}
