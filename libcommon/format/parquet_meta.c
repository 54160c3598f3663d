/*
 * parquet_meta: FileMetaData, SchemaElement, RowGroup, ColumnChunk,
 * ColumnMetaData and PageHeader of parquet.thrift.  Each struct is a
 * table of the fields kept as they come (thr_member) and a function for
 * those that need more (lists, nested structs, checks); unknown fields
 * are skipped, as Thrift's evolution rules want.  Counts are bounded by
 * the bytes that hold them (thr_list), so a hostile count cannot make an
 * allocation larger than the footer.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parquet_meta.h"
#include "thrift_read.h"

/* thr_member stores an int32_t into enum members. */
_Static_assert(sizeof(enum pq_type) == sizeof(int32_t), "enum size");
_Static_assert(sizeof(enum pq_codec_id) == sizeof(int32_t), "enum size");
_Static_assert(sizeof(enum pq_encoding) == sizeof(int32_t), "enum size");

#define M_SCHEMA(id, type, m)	THR_MEMBER(id, type, struct pq_schema, m)
#define M_CHUNK(id, type, m)	THR_MEMBER(id, type, struct pq_chunk, m)
#define M_PAGE(id, type, m)	THR_MEMBER(id, type, struct pq_page_header, m)

/* TimeUnit, a union of empty structs: the member's id names the unit. */
static int
unit_field(struct thr *t, int16_t id, int type, void *ctx)
{
	(void)t;
	(void)type;
	if (id >= 1 && id <= 3)
		*(enum pq_unit *)ctx = id == 1 ? PQU_MILLIS :
		    id == 2 ? PQU_MICROS : PQU_NANOS;
	return 0;
}

/* TimeType, TimestampType: isAdjustedToUTC (ignored: stage's timestamps
 * are UTC), unit. */
static int
time_field(struct thr *t, int16_t id, int type, void *ctx)
{
	struct pq_schema *s = ctx;

	if (id != 2 || type != THR_STRUCT)
		return 0;
	thr_struct(t, NULL, 0, NULL, unit_field, &s->unit);
	return 1;
}

static const struct thr_member decimal_members[] = {
	M_SCHEMA(1, THR_I32, scale),
	M_SCHEMA(2, THR_I32, precision),
};

static const struct thr_member int_members[] = {
	M_SCHEMA(1, THR_BYTE, bits),
};

/* IntType's isSigned. */
static int
sign_field(struct thr *t, int16_t id, int type, void *ctx)
{
	struct pq_schema *s = ctx;

	if (id != 2 || (type != THR_TRUE && type != THR_FALSE))
		return 0;
	s->logical = thr_bool(t, type) ? PQL_INT : PQL_UINT;
	return 1;
}

/* LogicalType, a union: the member's field id names it. */
static int
logical_field(struct thr *t, int16_t id, int type, void *ctx)
{
	struct pq_schema *s = ctx;

	if (type != THR_STRUCT)
		return 0;
	switch (id) {
	case 1:	s->logical = PQL_STRING; return 0;
	case 4:	s->logical = PQL_STRING; return 0;
	case 6:	s->logical = PQL_DATE; return 0;
	case 11: s->logical = PQL_NONE; return 0;
	case 12: s->logical = PQL_JSON; return 0;
	case 5:
		s->logical = PQL_DECIMAL;
		thr_struct(t, decimal_members, THR_NMEMB(decimal_members), s,
		    NULL, NULL);
		return 1;
	case 7:
	case 8:
		s->logical = id == 7 ? PQL_TIME : PQL_TIMESTAMP;
		thr_struct(t, NULL, 0, NULL, time_field, s);
		return 1;
	case 10:
		s->logical = PQL_INT;
		thr_struct(t, int_members, THR_NMEMB(int_members), s,
		    sign_field, s);
		return 1;
	default:
		s->logical = PQL_OTHER;
		return 0;
	}
}

/* The legacy ConvertedType, where no LogicalType says more. */
static void
converted_type(struct pq_schema *s, int32_t c)
{
	static const struct { int32_t c; enum pq_logical l; enum pq_unit u;
	    int bits; } map[] = {
		{ 0, PQL_STRING, 0, 0 }, { 4, PQL_STRING, 0, 0 },
		{ 5, PQL_DECIMAL, 0, 0 }, { 6, PQL_DATE, 0, 0 },
		{ 7, PQL_TIME, PQU_MILLIS, 0 },
		{ 8, PQL_TIME, PQU_MICROS, 0 },
		{ 9, PQL_TIMESTAMP, PQU_MILLIS, 0 },
		{ 10, PQL_TIMESTAMP, PQU_MICROS, 0 },
		{ 11, PQL_UINT, 0, 8 }, { 12, PQL_UINT, 0, 16 },
		{ 13, PQL_UINT, 0, 32 }, { 14, PQL_UINT, 0, 64 },
		{ 15, PQL_INT, 0, 8 }, { 16, PQL_INT, 0, 16 },
		{ 17, PQL_INT, 0, 32 }, { 18, PQL_INT, 0, 64 },
		{ 19, PQL_JSON, 0, 0 },
	};

	s->logical = PQL_OTHER;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].c == c) {
			s->logical = map[i].l;
			s->unit = map[i].u;
			s->bits = map[i].bits;
		}
}

static const struct thr_member schema_members[] = {
	M_SCHEMA(2, THR_I32, type_length),
	M_SCHEMA(3, THR_I32, repetition),
	M_SCHEMA(5, THR_I32, num_children),
	M_SCHEMA(7, THR_I32, scale),
	M_SCHEMA(8, THR_I32, precision),
};

struct schema_ctx {
	struct pq_schema *s;
	int has_logical;
	int32_t conv;
};

static int
schema_field(struct thr *t, int16_t id, int type, void *ctx)
{
	struct schema_ctx *c = ctx;
	size_t n;

	if (id == 1 && type == THR_I32) {
		int32_t v = thr_i32(t);
		if (v < 0 || v > PQT_FIXED)
			thr_fail(t, "unknown physical type");
		c->s->type = (enum pq_type)v;
		c->s->has_type = 1;
	} else if (id == 4 && type == THR_BINARY) {
		thr_bin(t, &c->s->name, &n);
		c->s->namelen = n;
	} else if (id == 6 && type == THR_I32) {
		c->conv = thr_i32(t);
	} else if (id == 10 && type == THR_STRUCT) {
		thr_struct(t, NULL, 0, NULL, logical_field, c->s);
		c->has_logical = 1;
	} else {
		return 0;
	}
	return 1;
}

static void
schema_element(struct thr *t, void *p)
{
	struct schema_ctx c = { p, 0, -1 };

	thr_struct(t, schema_members, THR_NMEMB(schema_members), p,
	    schema_field, &c);
	if (!c.has_logical && c.conv >= 0)
		converted_type(c.s, c.conv);
}

static const struct thr_member column_members[] = {
	M_CHUNK(1, THR_I32, type),
	M_CHUNK(4, THR_I32, codec),
	M_CHUNK(5, THR_I64, num_values),
	M_CHUNK(7, THR_I64, total_compressed),
	M_CHUNK(9, THR_I64, data_off),
	M_CHUNK(11, THR_I64, dict_off),
};

/* ColumnMetaData's path_in_schema: its depth and last element. */
static int
path_field(struct thr *t, int16_t id, int type, void *ctx)
{
	struct pq_chunk *c = ctx;
	int elem;

	if (id != 3 || type != THR_LIST)
		return 0;
	c->path_depth = thr_list(t, &elem);
	if (elem != THR_BINARY)
		thr_fail(t, "path_in_schema not strings");
	for (uint32_t i = 0; i < c->path_depth && !t->err; i++)
		thr_bin(t, &c->path, &c->pathlen);
	return 1;
}

/* ColumnChunk: file_path (data in another file), meta_data. */
static int
chunk_field(struct thr *t, int16_t id, int type, void *ctx)
{
	struct pq_chunk *c = ctx;

	if (id == 1 && type == THR_BINARY) {
		c->has_path = 1;
		return 0;
	}
	if (id != 3 || type != THR_STRUCT)
		return 0;
	c->has_meta = 1;
	thr_struct(t, column_members, THR_NMEMB(column_members), c,
	    path_field, c);
	return 1;
}

static void
column_chunk(struct thr *t, void *p)
{
	thr_struct(t, NULL, 0, NULL, chunk_field, p);
}

/* A list of structs into a new array of n elements of size sz, each
 * read by fn. */
static void *
struct_list(struct thr *t, uint32_t *n, size_t sz,
    void (*fn)(struct thr *, void *))
{
	int elem;
	char *a;

	if (thr_enter(t) < 0)
		return NULL;
	*n = thr_list(t, &elem);
	if (elem != THR_STRUCT && *n)
		thr_fail(t, "list of the wrong type");
	if (t->err)
		*n = 0;
	a = xcalloc(*n ? *n : 1, sz);
	for (uint32_t i = 0; i < *n && !t->err; i++)
		fn(t, a + i * sz);
	thr_leave(t);
	return a;
}

static const struct thr_member rowgroup_members[] = {
	THR_MEMBER(3, THR_I64, struct pq_rowgroup, num_rows),
};

static int
rowgroup_field(struct thr *t, int16_t id, int type, void *ctx)
{
	struct pq_rowgroup *g = ctx;

	if (id != 1 || type != THR_LIST || g->cols)
		return 0;
	g->cols = struct_list(t, &g->ncols, sizeof *g->cols, column_chunk);
	return 1;
}

static void
row_group(struct thr *t, void *p)
{
	thr_struct(t, rowgroup_members, THR_NMEMB(rowgroup_members), p,
	    rowgroup_field, p);
}

static const struct thr_member meta_members[] = {
	THR_MEMBER(3, THR_I64, struct pq_meta, num_rows),
};

/* FileMetaData: schema, row_groups. */
static int
meta_field(struct thr *t, int16_t id, int type, void *ctx)
{
	struct pq_meta *m = ctx;

	if (type != THR_LIST)
		return 0;
	if (id == 2 && !m->schema)
		m->schema = struct_list(t, &m->nschema, sizeof *m->schema,
		    schema_element);
	else if (id == 4 && !m->rg)
		m->rg = struct_list(t, &m->nrg, sizeof *m->rg, row_group);
	else
		return 0;
	return 1;
}

int
pq_meta_parse(struct pq_meta *m, const void *p, size_t n, const char **why)
{
	struct thr t;

	memset(m, 0, sizeof *m);
	thr_init(&t, p, n);
	thr_fields(&t, meta_members, THR_NMEMB(meta_members), m, meta_field,
	    m);
	if (!t.err && !m->schema)
		thr_fail(&t, "no schema");
	*why = t.err;
	return t.err ? -1 : 0;
}

void
pq_meta_free(struct pq_meta *m)
{
	for (uint32_t i = 0; m->rg && i < m->nrg; i++)
		free(m->rg[i].cols);
	free(m->rg);
	free(m->schema);
	memset(m, 0, sizeof *m);
}

/* DataPageHeader, DictionaryPageHeader (num_values, encoding) and
 * DataPageHeaderV2. */
static const struct thr_member v1_members[] = {
	M_PAGE(1, THR_I32, num_values),
	M_PAGE(2, THR_I32, encoding),
};

static const struct thr_member v2_members[] = {
	M_PAGE(1, THR_I32, num_values),
	M_PAGE(2, THR_I32, num_nulls),
	M_PAGE(3, THR_I32, num_rows),
	M_PAGE(4, THR_I32, encoding),
	M_PAGE(5, THR_I32, def_len),
	M_PAGE(6, THR_I32, rep_len),
	M_PAGE(7, THR_TRUE, is_compressed),
};

static const struct thr_member page_members[] = {
	M_PAGE(1, THR_I32, type),
	M_PAGE(2, THR_I32, uncompressed),
	M_PAGE(3, THR_I32, compressed),
};

static int
page_field(struct thr *t, int16_t id, int type, void *ctx)
{
	struct pq_page_header *h = ctx;

	if (id == 4 && type == THR_I32) {
		h->crc = (uint32_t)thr_i32(t);
		h->has_crc = 1;
	} else if ((id == 5 || id == 7) && type == THR_STRUCT) {
		thr_struct(t, v1_members, THR_NMEMB(v1_members), h, NULL,
		    NULL);
	} else if (id == 8 && type == THR_STRUCT) {
		thr_struct(t, v2_members, THR_NMEMB(v2_members), h, NULL,
		    NULL);
	} else {
		return 0;
	}
	return 1;
}

int
pq_page_header_parse(struct pq_page_header *h, const void *p, size_t n,
    size_t *used, const char **why)
{
	struct thr t;

	memset(h, 0, sizeof *h);
	h->type = -1;
	h->is_compressed = 1;
	thr_init(&t, p, n);
	thr_fields(&t, page_members, THR_NMEMB(page_members), h, page_field,
	    h);
	if (!t.err && (h->uncompressed < 0 || h->compressed < 0))
		thr_fail(&t, "negative page size");
	*why = t.err;
	*used = (size_t)(t.p - (const uint8_t *)p);
	return t.err ? -1 : 0;
}
