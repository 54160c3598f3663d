/*
 * thrift_read: a reader of Thrift's compact protocol, the encoding of a
 * Parquet footer and of its page headers.  It reads from a byte range it
 * never leaves; every read checks the bounds and the nesting depth, so a
 * hostile input ends in t->err, never a read past the end.  Errors are
 * sticky: after the first, every read returns 0 values and fails, so a
 * caller may check once at the end of a struct.
 *
 * A struct is read as a loop of thr_field until it returns 0 (the stop
 * field); thr_skip passes over a value of a type the caller does not
 * want.  Field ids are delta-coded against the previous field of the same
 * struct, which the caller keeps (one int16_t per struct level).
 */
#ifndef STAGE_THRIFT_READ_H
#define STAGE_THRIFT_READ_H

#include <stddef.h>
#include <stdint.h>

/* Compact protocol types (as in the field and list headers). */
enum thr_type {
	THR_STOP = 0, THR_TRUE = 1, THR_FALSE = 2, THR_BYTE = 3,
	THR_I16 = 4, THR_I32 = 5, THR_I64 = 6, THR_DOUBLE = 7,
	THR_BINARY = 8, THR_LIST = 9, THR_SET = 10, THR_MAP = 11,
	THR_STRUCT = 12
};

#define THR_MAX_DEPTH 32

struct thr {
	const uint8_t *p, *end;
	int depth;		/* structs and lists entered */
	const char *err;	/* the first error, or NULL */
	int bool_val;		/* a bool field's value (in its header) */
};

void thr_init(struct thr *t, const void *p, size_t n);
/* The next field of the current struct: 1 with *type and *id set, 0 at
 * the stop field or on an error. */
int thr_field(struct thr *t, int16_t *last, int *type, int16_t *id);
int32_t thr_i32(struct thr *t);
int64_t thr_i64(struct thr *t);
/* A bool: in a field, what thr_field saw (type THR_TRUE / THR_FALSE);
 * in a list, one byte. */
int thr_bool(struct thr *t, int type);
/* A binary or string: *p into the input, *n its length. */
void thr_bin(struct thr *t, const uint8_t **p, size_t *n);
/* A list or set header: its element type and count (at most what the
 * remaining bytes can hold). */
uint32_t thr_list(struct thr *t, int *elem);
/* Enter and leave a nested struct or list (depth accounting). */
int thr_enter(struct thr *t);
void thr_leave(struct thr *t);
/* Passes over one value of type type. */
void thr_skip(struct thr *t, int type);
/* Sets the error (if none yet) and returns -1. */
int thr_fail(struct thr *t, const char *why);

/*
 * A struct read by table: each field the caller keeps as it comes is a
 * thr_member (its id, its type -- THR_I32, THR_I64, THR_BYTE, or
 * THR_TRUE for a bool -- and the member it goes to: an integer of 1, 4
 * or 8 bytes, or an enum the size of an int32_t); any other field is
 * offered to a thr_more_fn, which returns 0 when it did not read it, and
 * is skipped then.
 */
struct thr_member {
	int16_t id;
	uint8_t type;
	uint8_t size;
	size_t off;
};
#define THR_MEMBER(id, type, T, m) \
	{ (id), (type), sizeof(((T *)0)->m), offsetof(T, m) }
#define THR_NMEMB(a) (sizeof (a) / sizeof (a)[0])

typedef int thr_more_fn(struct thr *t, int16_t id, int type, void *ctx);

/* The fields of the current struct, up to its stop field, into obj
 * (members) and through more with ctx (more may be NULL). */
void thr_fields(struct thr *t, const struct thr_member *m, size_t n,
    void *obj, thr_more_fn *more, void *ctx);
/* The same for a nested struct: thr_enter, thr_fields, thr_leave. */
void thr_struct(struct thr *t, const struct thr_member *m, size_t n,
    void *obj, thr_more_fn *more, void *ctx);

#endif
