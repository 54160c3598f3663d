/*
 * csvin: the RFC 4180 state machine (see csvin.h).  Runs of plain bytes
 * are copied with one buf_add, so the per-byte work is a table-free
 * switch only at delimiters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvin.h"

enum cstate {
	C_START,	/* at the start of a field */
	C_PLAIN,	/* inside an unquoted field */
	C_QUOTED,	/* inside a quoted field */
	C_QUOTE,	/* a '"' inside a quoted field: "" or the end */
	C_CR		/* a CR outside quotes: LF must follow */
};

struct csvin {
	csvin_row cb;
	void *ctx;
	enum cstate st;
	struct buf rec;		/* field bytes, each NUL-terminated */
	size_t *ends;		/* end offset (at the NUL) of each field */
	unsigned char *quoted;
	size_t nf, cap;
	struct csvfield *out;
	size_t outcap;
	size_t line;		/* current physical line */
	size_t rec_line;	/* where the record began */
	size_t quote_line;	/* where the open quote began */
	int begun;		/* the record has a byte */
	int cr_quoted;		/* the field before the CR was quoted */
	int stopped;		/* callback said stop */
	char err[160];
};

struct csvin *
csvin_new(csvin_row cb, void *ctx)
{
	struct csvin *c = xcalloc(1, sizeof *c);

	c->cb = cb;
	c->ctx = ctx;
	c->line = c->rec_line = 1;
	return c;
}

void
csvin_free(struct csvin *c)
{
	if (!c)
		return;
	buf_free(&c->rec);
	free(c->ends);
	free(c->quoted);
	free(c->out);
	free(c);
}

const char *
csvin_error(const struct csvin *c)
{
	return c->err[0] ? c->err : NULL;
}

static int
fail(struct csvin *c, const char *why)
{
	snprintf(c->err, sizeof c->err, "line %zu, field %zu: %s", c->line,
	    c->nf + 1, why);
	return -1;
}

static void
end_field(struct csvin *c, int quoted)
{
	if (c->nf == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->ends = xrealloc(c->ends, c->cap * sizeof *c->ends);
		c->quoted = xrealloc(c->quoted, c->cap);
	}
	c->ends[c->nf] = c->rec.len;
	c->quoted[c->nf++] = (unsigned char)quoted;
	buf_addc(&c->rec, '\0');
}

static int
end_record(struct csvin *c)
{
	size_t start = 0;
	int r;

	if (c->nf > c->outcap) {
		c->outcap = c->nf;
		c->out = xrealloc(c->out, c->outcap * sizeof *c->out);
	}
	for (size_t i = 0; i < c->nf; i++) {
		c->out[i].p = c->rec.p + start;
		c->out[i].len = c->ends[i] - start;
		c->out[i].null = !c->quoted[i] && c->out[i].len == 0;
		start = c->ends[i] + 1;
	}
	r = c->cb(c->ctx, c->out, c->nf, c->rec_line);
	buf_reset(&c->rec);
	c->nf = 0;
	c->begun = 0;
	c->rec_line = c->line;
	if (r < 0) {
		c->stopped = 1;
		return -1;
	}
	return 0;
}

/* Length of the run of bytes at p that need no decision in state st. */
static size_t
plain_run(const char *p, size_t n, enum cstate st)
{
	size_t i = 0;

	if (st == C_QUOTED) {
		while (i < n && p[i] != '"' && p[i] != '\n' && p[i] != '\0')
			i++;
	} else {
		while (i < n && p[i] != ',' && p[i] != '"' && p[i] != '\n' &&
		    p[i] != '\r' && p[i] != '\0')
			i++;
	}
	return i;
}

/* A line end outside quotes (the LF of LF or CRLF). */
static int
newline(struct csvin *c, int quoted)
{
	end_field(c, quoted);
	c->line++;
	c->st = C_START;
	return end_record(c);
}

static int
step(struct csvin *c, char ch)
{
	if (ch == '\0')
		return fail(c, "NUL byte");
	switch (c->st) {
	case C_START:
	case C_PLAIN:
		if (ch == ',') {
			end_field(c, 0);
			c->st = C_START;
		} else if (ch == '\n') {
			return newline(c, 0);
		} else if (ch == '\r') {
			c->cr_quoted = 0;
			c->st = C_CR;
		} else if (ch == '"') {
			if (c->st == C_PLAIN)
				return fail(c, "quote inside an unquoted field");
			c->st = C_QUOTED;
			c->quote_line = c->line;
		} else {
			buf_addc(&c->rec, ch);
			c->st = C_PLAIN;
		}
		return 0;
	case C_QUOTED:
		if (ch == '"')
			c->st = C_QUOTE;
		else {
			if (ch == '\n')
				c->line++;
			buf_addc(&c->rec, ch);
		}
		return 0;
	case C_QUOTE:
		if (ch == '"') {
			buf_addc(&c->rec, '"');
			c->st = C_QUOTED;
		} else if (ch == ',') {
			end_field(c, 1);
			c->st = C_START;
		} else if (ch == '\n') {
			return newline(c, 1);
		} else if (ch == '\r') {
			c->cr_quoted = 1;
			c->st = C_CR;
		} else {
			return fail(c, "text after a closing quote");
		}
		return 0;
	case C_CR:
		if (ch != '\n')
			return fail(c, "carriage return not followed by a "
			    "line feed");
		return newline(c, c->cr_quoted);
	}
	return 0;
}

int
csvin_feed(void *vc, const void *vp, size_t n)
{
	struct csvin *c = vc;
	const char *p = vp;

	if (c->err[0] || c->stopped)
		return -1;
	while (n > 0) {
		if (c->st == C_PLAIN || c->st == C_QUOTED ||
		    (c->st == C_START && *p != '"')) {
			size_t k = plain_run(p, n, c->st);
			if (k > 0) {
				buf_add(&c->rec, p, k);
				if (c->st == C_START)
					c->st = C_PLAIN;
				c->begun = 1;
				p += k;
				n -= k;
				continue;
			}
		}
		c->begun = 1;
		if (step(c, *p) < 0)
			return -1;
		p++;
		n--;
	}
	return 0;
}

int
csvin_finish(struct csvin *c)
{
	if (c->err[0] || c->stopped)
		return -1;
	switch (c->st) {
	case C_QUOTED:
		snprintf(c->err, sizeof c->err, "line %zu, field %zu: quote is "
		    "never closed", c->quote_line, c->nf + 1);
		return -1;
	case C_CR:
		return fail(c, "carriage return not followed by a line feed");
	case C_QUOTE:
		end_field(c, 1);
		return end_record(c);
	case C_START:
		if (!c->begun)
			return 0;
		/* FALLTHROUGH */
	case C_PLAIN:
		end_field(c, 0);
		return end_record(c);
	}
	return 0;
}
