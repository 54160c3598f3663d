/*
 * parquet_meta: FileMetaData, SchemaElement, RowGroup, ColumnChunk,
 * ColumnMetaData and PageHeader of parquet.thrift, field by field.
 * Unknown fields are skipped, as Thrift's evolution rules want; counts
 * are bounded by the bytes that hold them (thr_list), so a hostile count
 * cannot make an allocation larger than the footer.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parquet_meta.h"
#include "thrift_read.h"

/* A loop over the fields of one struct, id and type set for each. */
#define STRUCT_FIELDS(t, last, type, id) \
	for (int16_t last = 0; thr_field(t, &last, &type, &id);)

static void
time_unit(struct thr *t, enum pq_unit *u)
{
	int16_t id;
	int type;

	if (thr_enter(t) < 0)
		return;
	STRUCT_FIELDS(t, last, type, id) {
		if (id == 1)
			*u = PQU_MILLIS;
		else if (id == 2)
			*u = PQU_MICROS;
		else if (id == 3)
			*u = PQU_NANOS;
		thr_skip(t, type);
	}
	thr_leave(t);
}

/* TimeType, TimestampType: isAdjustedToUTC (ignored: stage's timestamps
 * are UTC), unit. */
static void
time_type(struct thr *t, struct pq_schema *s)
{
	int16_t id;
	int type;

	if (thr_enter(t) < 0)
		return;
	STRUCT_FIELDS(t, last, type, id) {
		if (id == 2 && type == THR_STRUCT)
			time_unit(t, &s->unit);
		else
			thr_skip(t, type);
	}
	thr_leave(t);
}

static void
decimal_type(struct thr *t, struct pq_schema *s)
{
	int16_t id;
	int type;

	if (thr_enter(t) < 0)
		return;
	STRUCT_FIELDS(t, last, type, id) {
		if (id == 1 && type == THR_I32)
			s->scale = thr_i32(t);
		else if (id == 2 && type == THR_I32)
			s->precision = thr_i32(t);
		else
			thr_skip(t, type);
	}
	thr_leave(t);
}

static void
int_type(struct thr *t, struct pq_schema *s)
{
	int16_t id;
	int type, sign = 1;

	if (thr_enter(t) < 0)
		return;
	STRUCT_FIELDS(t, last, type, id) {
		if (id == 1 && type == THR_BYTE && t->p < t->end)
			s->bits = (int8_t)*t->p++;
		else if (id == 2 && (type == THR_TRUE || type == THR_FALSE))
			sign = thr_bool(t, type);
		else
			thr_skip(t, type);
	}
	s->logical = sign ? PQL_INT : PQL_UINT;
	thr_leave(t);
}

/* LogicalType, a union: the member's field id names it. */
static void
logical_type(struct thr *t, struct pq_schema *s)
{
	int16_t id;
	int type;

	if (thr_enter(t) < 0)
		return;
	STRUCT_FIELDS(t, last, type, id) {
		if (type != THR_STRUCT) {
			thr_skip(t, type);
			continue;
		}
		switch (id) {
		case 1:	s->logical = PQL_STRING; thr_skip(t, type); break;
		case 4:	s->logical = PQL_STRING; thr_skip(t, type); break;
		case 5:	s->logical = PQL_DECIMAL; decimal_type(t, s); break;
		case 6:	s->logical = PQL_DATE; thr_skip(t, type); break;
		case 7:	s->logical = PQL_TIME; time_type(t, s); break;
		case 8:	s->logical = PQL_TIMESTAMP; time_type(t, s); break;
		case 10: int_type(t, s); break;
		case 11: s->logical = PQL_NONE; thr_skip(t, type); break;
		case 12: s->logical = PQL_JSON; thr_skip(t, type); break;
		default: s->logical = PQL_OTHER; thr_skip(t, type); break;
		}
	}
	thr_leave(t);
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

static void
schema_element(struct thr *t, struct pq_schema *s)
{
	int16_t id;
	int type, has_logical = 0, conv = -1;
	size_t n;

	if (thr_enter(t) < 0)
		return;
	STRUCT_FIELDS(t, last, type, id) {
		if (id == 1 && type == THR_I32) {
			int32_t v = thr_i32(t);
			if (v < 0 || v > PQT_FIXED)
				thr_fail(t, "unknown physical type");
			s->type = (enum pq_type)v;
			s->has_type = 1;
		} else if (id == 2 && type == THR_I32) {
			s->type_length = thr_i32(t);
		} else if (id == 3 && type == THR_I32) {
			s->repetition = thr_i32(t);
		} else if (id == 4 && type == THR_BINARY) {
			thr_bin(t, &s->name, &n);
			s->namelen = n;
		} else if (id == 5 && type == THR_I32) {
			s->num_children = thr_i32(t);
		} else if (id == 6 && type == THR_I32) {
			conv = thr_i32(t);
		} else if (id == 7 && type == THR_I32) {
			s->scale = thr_i32(t);
		} else if (id == 8 && type == THR_I32) {
			s->precision = thr_i32(t);
		} else if (id == 10 && type == THR_STRUCT) {
			logical_type(t, s);
			has_logical = 1;
		} else {
			thr_skip(t, type);
		}
	}
	if (!has_logical && conv >= 0)
		converted_type(s, conv);
	thr_leave(t);
}

static void
column_meta(struct thr *t, struct pq_chunk *c)
{
	int16_t id;
	int type, elem;

	if (thr_enter(t) < 0)
		return;
	c->has_meta = 1;
	STRUCT_FIELDS(t, last, type, id) {
		if (id == 1 && type == THR_I32) {
			c->type = (enum pq_type)thr_i32(t);
		} else if (id == 3 && type == THR_LIST) {
			uint32_t n = thr_list(t, &elem);
			if (elem != THR_BINARY)
				thr_fail(t, "path_in_schema not strings");
			c->path_depth = n;
			for (uint32_t i = 0; i < n && !t->err; i++)
				thr_bin(t, &c->path, &c->pathlen);
		} else if (id == 4 && type == THR_I32) {
			c->codec = (enum pq_codec_id)thr_i32(t);
		} else if (id == 5 && type == THR_I64) {
			c->num_values = thr_i64(t);
		} else if (id == 7 && type == THR_I64) {
			c->total_compressed = thr_i64(t);
		} else if (id == 9 && type == THR_I64) {
			c->data_off = thr_i64(t);
		} else if (id == 11 && type == THR_I64) {
			c->dict_off = thr_i64(t);
		} else {
			thr_skip(t, type);
		}
	}
	thr_leave(t);
}

static void
column_chunk(struct thr *t, struct pq_chunk *c)
{
	int16_t id;
	int type;

	if (thr_enter(t) < 0)
		return;
	STRUCT_FIELDS(t, last, type, id) {
		if (id == 1 && type == THR_BINARY) {
			thr_skip(t, type);
			c->has_path = 1;
		} else if (id == 3 && type == THR_STRUCT) {
			column_meta(t, c);
		} else {
			thr_skip(t, type);
		}
	}
	thr_leave(t);
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

static void
chunk_fn(struct thr *t, void *p)
{
	column_chunk(t, p);
}

static void
row_group(struct thr *t, struct pq_rowgroup *g)
{
	int16_t id;
	int type;

	if (thr_enter(t) < 0)
		return;
	STRUCT_FIELDS(t, last, type, id) {
		if (id == 1 && type == THR_LIST && !g->cols)
			g->cols = struct_list(t, &g->ncols, sizeof *g->cols,
			    chunk_fn);
		else if (id == 3 && type == THR_I64)
			g->num_rows = thr_i64(t);
		else
			thr_skip(t, type);
	}
	thr_leave(t);
}

static void
schema_fn(struct thr *t, void *p)
{
	schema_element(t, p);
}

static void
rg_fn(struct thr *t, void *p)
{
	row_group(t, p);
}

int
pq_meta_parse(struct pq_meta *m, const void *p, size_t n, const char **why)
{
	struct thr t;
	int16_t id;
	int type;

	memset(m, 0, sizeof *m);
	thr_init(&t, p, n);
	STRUCT_FIELDS(&t, last, type, id) {
		if (id == 2 && type == THR_LIST && !m->schema)
			m->schema = struct_list(&t, &m->nschema,
			    sizeof *m->schema, schema_fn);
		else if (id == 3 && type == THR_I64)
			m->num_rows = thr_i64(&t);
		else if (id == 4 && type == THR_LIST && !m->rg)
			m->rg = struct_list(&t, &m->nrg, sizeof *m->rg, rg_fn);
		else
			thr_skip(&t, type);
	}
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

static void
data_page_v1(struct thr *t, struct pq_page_header *h)
{
	int16_t id;
	int type;

	if (thr_enter(t) < 0)
		return;
	STRUCT_FIELDS(t, last, type, id) {
		if (id == 1 && type == THR_I32)
			h->num_values = thr_i32(t);
		else if (id == 2 && type == THR_I32)
			h->encoding = (enum pq_encoding)thr_i32(t);
		else
			thr_skip(t, type);
	}
	thr_leave(t);
}

static void
data_page_v2(struct thr *t, struct pq_page_header *h)
{
	int16_t id;
	int type;

	if (thr_enter(t) < 0)
		return;
	STRUCT_FIELDS(t, last, type, id) {
		if (id == 1 && type == THR_I32)
			h->num_values = thr_i32(t);
		else if (id == 2 && type == THR_I32)
			h->num_nulls = thr_i32(t);
		else if (id == 3 && type == THR_I32)
			h->num_rows = thr_i32(t);
		else if (id == 4 && type == THR_I32)
			h->encoding = (enum pq_encoding)thr_i32(t);
		else if (id == 5 && type == THR_I32)
			h->def_len = thr_i32(t);
		else if (id == 6 && type == THR_I32)
			h->rep_len = thr_i32(t);
		else if (id == 7 && (type == THR_TRUE || type == THR_FALSE))
			h->is_compressed = thr_bool(t, type);
		else
			thr_skip(t, type);
	}
	thr_leave(t);
}

int
pq_page_header_parse(struct pq_page_header *h, const void *p, size_t n,
    size_t *used, const char **why)
{
	struct thr t;
	int16_t id;
	int type;

	memset(h, 0, sizeof *h);
	h->type = -1;
	h->is_compressed = 1;
	thr_init(&t, p, n);
	STRUCT_FIELDS(&t, last, type, id) {
		if (id == 1 && type == THR_I32)
			h->type = thr_i32(&t);
		else if (id == 2 && type == THR_I32)
			h->uncompressed = thr_i32(&t);
		else if (id == 3 && type == THR_I32)
			h->compressed = thr_i32(&t);
		else if (id == 4 && type == THR_I32) {
			h->crc = (uint32_t)thr_i32(&t);
			h->has_crc = 1;
		} else if (id == 5 && type == THR_STRUCT)
			data_page_v1(&t, h);
		else if (id == 7 && type == THR_STRUCT)
			data_page_v1(&t, h);	/* num_values, encoding */
		else if (id == 8 && type == THR_STRUCT)
			data_page_v2(&t, h);
		else
			thr_skip(&t, type);
	}
	if (!t.err && (h->uncompressed < 0 || h->compressed < 0))
		thr_fail(&t, "negative page size");
	*why = t.err;
	*used = (size_t)(t.p - (const uint8_t *)p);
	return t.err ? -1 : 0;
}
