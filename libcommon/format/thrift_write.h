/*
 * thrift_write: an encoder of Thrift's compact protocol, the encoding of
 * Parquet's page headers and footer (parquet.thrift).  It appends to a
 * buf; the caller writes fields in ascending id order within each
 * struct, as the compact protocol's field-id deltas assume, and closes
 * every struct it opens.  Structs nest up to TW_DEPTH deep.
 *
 * A union is a struct with one field set; a list's elements follow
 * tw_list (then tw_elem_* for scalars, or tw_elem_struct/tw_end for
 * structs).
 */
#ifndef STAGE_THRIFT_WRITE_H
#define STAGE_THRIFT_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TW_DEPTH 16

/* Compact protocol element types, as list element types. */
enum tw_type {
	TW_BOOL = 1, TW_BYTE = 3, TW_I16 = 4, TW_I32 = 5, TW_I64 = 6,
	TW_DOUBLE = 7, TW_BINARY = 8, TW_LIST = 9, TW_STRUCT = 12
};

struct tw {
	struct buf *b;
	int16_t last;			/* previous field id in this struct */
	int16_t stack[TW_DEPTH];	/* the enclosing structs' last ids */
	int depth;
};

void tw_init(struct tw *w, struct buf *b);
void tw_i32(struct tw *w, int16_t id, int32_t v);
void tw_i64(struct tw *w, int16_t id, int64_t v);
void tw_bool(struct tw *w, int16_t id, int v);
void tw_binary(struct tw *w, int16_t id, const void *p, size_t n);
void tw_string(struct tw *w, int16_t id, const char *s);
/* A struct-valued field: its fields follow, then tw_end. */
void tw_struct(struct tw *w, int16_t id);
/* A list field of n elements of type t. */
void tw_list(struct tw *w, int16_t id, enum tw_type t, size_t n);
void tw_elem_i32(struct tw *w, int32_t v);
void tw_elem_binary(struct tw *w, const void *p, size_t n);
/* A struct element of a list: its fields follow, then tw_end. */
void tw_elem_struct(struct tw *w);
/* Ends the innermost open struct (or, at depth 0, the message). */
void tw_end(struct tw *w);
/* Appends v as an unsigned LEB128 varint (Parquet's RLE headers too). */
void tw_varint(struct buf *b, uint64_t v);

#endif
