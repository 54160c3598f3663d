/* csvin: RFC 4180 records, NULL vs "", line numbers, every byte split,
 * and the errors named by line and field. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvin.h"
#include "tap.h"

struct got {
	struct buf b;
	int stop_after;		/* stop after this many records; 0: never */
	int n;
};

/* Records as "LINE:[f1],N,[f3];" (N for NULL). */
static int
row(void *ctx, const struct csvfield *f, size_t n, size_t line)
{
	struct got *g = ctx;

	buf_printf(&g->b, "%zu:", line);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addc(&g->b, ',');
		if (f[i].null)
			buf_addc(&g->b, 'N');
		else {
			buf_addc(&g->b, '[');
			buf_add(&g->b, f[i].p, f[i].len);
			buf_addc(&g->b, ']');
		}
		if (f[i].p[f[i].len] != '\0')
			buf_adds(&g->b, "<no NUL>");
	}
	buf_addc(&g->b, ';');
	return ++g->n == g->stop_after ? -1 : 0;
}

/* Parses s fed in pieces of `piece` bytes (0: whole); returns the records
 * or "ERR:<error>". */
static char *
parse(const char *s, size_t len, size_t piece)
{
	struct got g = { BUF_INIT, 0, 0 };
	struct csvin *c = csvin_new(row, &g);
	int r = 0;

	if (piece == 0)
		piece = len ? len : 1;
	for (size_t i = 0; i < len && r == 0; i += piece)
		r = csvin_feed(c, s + i, len - i < piece ? len - i : piece);
	if (r == 0)
		r = csvin_finish(c);
	if (r < 0) {
		buf_reset(&g.b);
		buf_printf(&g.b, "ERR:%s", csvin_error(c) ? csvin_error(c) :
		    "(stopped)");
	}
	csvin_free(c);
	if (!g.b.p)
		buf_adds(&g.b, "");
	return g.b.p;
}

static void
check(const char *s, const char *want, const char *what)
{
	size_t len = strlen(s);
	char *got = parse(s, len, 0);
	int same = 1;

	ok(strcmp(got, want) == 0, "%s: got %s", what, got);
	/* every split point gives the same records */
	for (size_t piece = 1; piece < 4 && same; piece++) {
		char *g2 = parse(s, len, piece);
		same = strcmp(g2, got) == 0;
		free(g2);
	}
	ok(same, "%s: same when fed 1, 2 and 3 bytes at a time", what);
	free(got);
}

int
main(void)
{
	check("id,name\n1,alice\n", "1:[id],[name];2:[1],[alice];",
	    "header and a row");
	check("1,,\"\"\n", "1:[1],N,[];", "empty unquoted is NULL, \"\" is "
	    "the empty string");
	check("\"a,b\",\"x\ny\",\"he said \"\"hi\"\"\"\n2,z,w\n",
	    "1:[a,b],[x\ny],[he said \"hi\"];3:[2],[z],[w];",
	    "quoted comma, newline and quotes; the next record's line counts "
	    "the embedded newline");
	check("a,b\r\n1,2\r\n", "1:[a],[b];2:[1],[2];", "CRLF line ends");
	check("\"a\"\r\n\"\"\r\n", "1:[a];2:[];", "quoted field before CRLF");
	check("a,b", "1:[a],[b];", "last record without a line end");
	check("a,\n", "1:[a],N;", "trailing empty field is NULL");
	check("a\n\nb\n", "1:[a];2:N;3:[b];", "an empty line is one NULL field");
	check("", "", "empty input has no records");
	check("\"\"", "1:[];", "a lone \"\" at EOF");
	check(",", "1:N,N;", "a lone comma is two NULLs");
	check("x,\"a\"\"\"\n", "1:[x],[a\"];", "escaped quote at the end of a "
	    "quoted field");

	check("a,b\"c\n", "ERR:line 1, field 2: quote inside an unquoted "
	    "field", "quote inside an unquoted field");
	check("ok\n\"a\"b\n", "ERR:line 2, field 1: text after a closing quote",
	    "text after a closing quote");
	check("a\rb\n", "ERR:line 1, field 1: carriage return not followed by "
	    "a line feed", "bare CR");
	check("a\r", "ERR:line 1, field 1: carriage return not followed by a "
	    "line feed", "bare CR at EOF");
	check("1\n2,\"ab\ncd\n", "ERR:line 2, field 2: quote is never "
	    "closed", "unterminated quote names where it opened");
	{
		char *got = parse("a,b\0c\n", 6, 0);
		ok(strcmp(got, "ERR:line 1, field 2: NUL byte") == 0,
		    "NUL byte is an error: %s", got);
		free(got);
	}
	{
		struct got g = { BUF_INIT, 1, 0 };
		struct csvin *c = csvin_new(row, &g);
		int r = csvin_feed(c, "a\nb\nc\n", 6);
		ok(r == -1 && csvin_error(c) == NULL && g.n == 1,
		    "a callback that stops ends the feed without a syntax "
		    "error");
		ok(csvin_feed(c, "d\n", 2) == -1 && csvin_finish(c) == -1,
		    "and later calls fail too");
		csvin_free(c);
		buf_free(&g.b);
	}
	{
		/* a long field across many feeds */
		struct buf big = BUF_INIT;
		char *got;
		buf_adds(&big, "\"");
		for (int i = 0; i < 100000; i++)
			buf_adds(&big, i % 1000 ? "x" : "\"\"");
		buf_adds(&big, "\",1\n");
		got = parse(big.p, big.len, 4096);
		ok(strncmp(got, "1:[\"xxx", 7) == 0 &&
		    strlen(got) == 4 + 100000 + 4 + 1, "100 kB quoted field "
		    "in 4 kB pieces (%zu)", strlen(got));
		free(got);
		buf_free(&big);
	}
	return tap_done();
}
