/*
 * parquet_typed: Parquet values as struct fval (parquet_typed.h).  What
 * is not typed here goes through pq_text_put, so a value's text and its
 * refusal are the CSV path's own.
 */
#include <float.h>
#include <math.h>

#include "parquet_typed.h"

/* Years 1 to 9999, as parquet_text.c's dates. */
#define DAY_MIN (-719162)
#define DAY_MAX 2932896
#define US_PER_DAY INT64_C(86400000000)

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* v in unit u as microseconds since 1970, when whole and in range. */
static int
ts_micros(int64_t v, enum pq_unit u, int64_t *us)
{
	int64_t per = u == PQU_MILLIS ? 1000 : 1, days;

	if (u != PQU_MILLIS && u != PQU_MICROS)
		return -1;
	days = floor_div(v, US_PER_DAY / per);
	if (days < DAY_MIN || days > DAY_MAX)
		return -1;
	*us = v * per;
	return 0;
}

static int
typed(struct fval *fv, const struct pq_out *o, enum coltype want,
    const struct pq_val *v)
{
	switch (o->kind) {
	case PK_INT:
		fv->kind = FV_INT;
		fv->i = v->u.i;
		return want == CT_BIGINT ? 0 : -1;
	case PK_BOOL:
		fv->kind = FV_BOOL;
		fv->i = v->u.i != 0;
		return want == CT_BOOL ? 0 : -1;
	case PK_DOUBLE:
		fv->kind = FV_DOUBLE;
		fv->d = v->u.d;
		return want == CT_DOUBLE && isfinite(v->u.d) &&
		    (v->u.d == 0 || fabs(v->u.d) >= DBL_MIN) ? 0 : -1;
	case PK_TS:
		fv->kind = FV_TS;
		return want == CT_TIMESTAMP ? ts_micros(v->u.i, o->unit,
		    &fv->i) : -1;
	case PK_DATE_TS:
		fv->kind = FV_TS;
		if (want != CT_TIMESTAMP || v->u.i < DAY_MIN ||
		    v->u.i > DAY_MAX)
			return -1;
		fv->i = v->u.i * US_PER_DAY;
		return 0;
	case PK_TEXT:
	case PK_BIN:
		fv->kind = FV_TEXT;
		fv->p = (const char *)v->p;
		fv->n = (size_t)v->u.n;
		return 0;
	default:
		return -1;
	}
}

int
pq_typed(struct fval *fv, const struct pq_out *o, enum coltype want,
    const struct pq_val *v, int null, struct buf *txt, char *why,
    size_t whylen)
{
	if (null) {
		fv->kind = FV_NULL;
		return 0;
	}
	if (typed(fv, o, want, v) == 0)
		return 0;
	buf_reset(txt);
	if (pq_text_put(txt, o, v, why, whylen) < 0)
		return -1;
	fv->kind = FV_TEXT;
	fv->p = txt->p ? txt->p : "";
	fv->n = txt->len;
	return 0;
}
