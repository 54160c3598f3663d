/* libFuzzer harness for the Parquet number encoders (parquet_value.c):
 * any text either is refused or gives 16 bytes whose value, printed in
 * decimal by this harness, is the text's number times 10^9 exactly, as a
 * slow reference on digit strings computes it; and every number that
 * fits (38 digits at scale 9) is accepted.  pqv_double, fast path or
 * not, gives strtod's double bit for bit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The 16 big-endian two's complement bytes as a decimal string. */
static void
to_text(const unsigned char b[16], char *out)
{
	unsigned char m[16];
	char tmp[64];
	int neg = b[0] & 0x80, n = 0, k = 0;

	memcpy(m, b, 16);
	if (neg) {		/* negate */
		int carry = 1;
		for (int i = 15; i >= 0; i--) {
			int v = (unsigned char)~m[i] + carry;
			m[i] = (unsigned char)v;
			carry = v >> 8;
		}
	}
	for (;;) {		/* divide by 10 until zero */
		int rem = 0, zero = 1;
		for (int i = 0; i < 16; i++) {
			int v = rem * 256 + m[i];
			m[i] = (unsigned char)(v / 10);
			rem = v % 10;
			zero &= m[i] == 0;
		}
		tmp[n++] = (char)('0' + rem);
		if (zero)
			break;
	}
	if (neg && !(n == 1 && tmp[0] == '0'))
		out[k++] = '-';
	while (n)
		out[k++] = tmp[--n];
	out[k] = '\0';
}

/* The reference: a JSON-number-like text times 10^9 as a digit string,
 * or NULL when it is not a number or not a whole number then or has
 * more than 38 digits. */
static int
reference(const char *s, size_t n, char *out)
{
	char digits[128];
	size_t nd = 0, i = 0;
	long frac = 0, exp = 0, shift;
	int neg = 0, point = 0, any = 0, k = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < n && ((s[i] >= '0' && s[i] <= '9') || (s[i] == '.' &&
	    !point)); i++) {
		if (s[i] == '.') {
			point = 1;
			continue;
		}
		any = 1;
		frac += point;
		if (nd == 0 && s[i] == '0')	/* leading zeros */
			continue;
		if (nd >= sizeof digits - 1)
			return 0;
		digits[nd++] = s[i];
	}
	if (!any)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		int eneg = 0;
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (exp < 100000)
				exp = exp * 10 + (s[i] - '0');
		if (eneg)
			exp = -exp;
	}
	if (i != n)
		return 0;
	if (nd == 0) {
		strcpy(out, "0");
		return 1;
	}
	shift = exp - frac + 9;
	for (; shift < 0; shift++) {	/* drop zeros past the scale */
		if (digits[nd - 1] != '0')
			return 0;
		nd--;
		if (nd == 0) {
			strcpy(out, "0");
			return 1;
		}
	}
	if (shift > 38 || nd + (size_t)shift > 38)
		return 0;
	if (neg)
		out[k++] = '-';
	memcpy(out + k, digits, nd);
	k += (int)nd;
	while (shift-- > 0)
		out[k++] = '0';
	out[k] = '\0';
	return 1;
}

static void
check_double(const char *p, size_t n)
{
	char s[128], *end;
	double d, e;

	memcpy(s, p, n);
	s[n] = '\0';
	if (memchr(p, '\0', n) || n == 0 || (p[0] != '-' && (p[0] < '0' ||
	    p[0] > '9')))
		return;		/* JSON numbers only: no hex, inf, space */
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789.eE+-", p[i]))
			return;
	e = strtod(s, &end);
	if (end != s + n) {
		if (pqv_double(p, n, &d) == 0)
			abort();
		return;
	}
	if (pqv_double(p, n, &d) < 0 || memcmp(&d, &e, sizeof d) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char b[16];
	char got[64], want[160];
	int r, ok;

	if (size > 100)
		return 0;
	r = pqv_decimal((const char *)data, size, b);
	ok = reference((const char *)data, size, want);
	if ((r == 0) != ok)
		abort();
	if (r == 0) {
		to_text(b, got);
		if (strcmp(got, want) != 0)
			abort();
	}
	check_double((const char *)data, size);
	return 0;
}
