/* Terminal-safe output (see ttysafe.h for what passes and what is shown).
 * The hot loop copies runs of printable ASCII; every other byte takes the
 * slow path, one at a time. */
#include "ttysafe.h"

#include <string.h>

static const char hexdigit[] = "0123456789abcdef";

static char *hex(char *o, uint8_t b)
{
	o[0] = '\\';
	o[1] = 'x';
	o[2] = hexdigit[b >> 4];
	o[3] = hexdigit[b & 15];
	return o + 4;
}

/* The held sequence will not be finished: show its bytes. */
static char *spill(struct al_ttysafe *t, char *o)
{
	for (uint8_t i = 0; i < t->nheld; i++)
		o = hex(o, t->held[i]);
	t->nheld = 0;
	t->need = 0;
	return o;
}

/* A byte that starts a UTF-8 sequence: hold it with the range its second
 * byte must be in (RFC 3629's table: no overlong forms, no surrogates,
 * nothing past U+10FFFF). Returns false for bytes no sequence starts with. */
static bool lead(struct al_ttysafe *t, uint8_t b)
{
	uint8_t need, lo = 0x80, hi = 0xbf;

	if (b >= 0xc2 && b <= 0xdf)
		need = 1;
	else if (b >= 0xe0 && b <= 0xef)
		need = 2, lo = b == 0xe0 ? 0xa0 : 0x80, hi = b == 0xed ? 0x9f : 0xbf;
	else if (b >= 0xf0 && b <= 0xf4)
		need = 3, lo = b == 0xf0 ? 0x90 : 0x80, hi = b == 0xf4 ? 0x8f : 0xbf;
	else
		return false;
	t->held[0] = b;
	t->nheld = 1;
	t->need = need;
	t->lo = lo;
	t->hi = hi;
	return true;
}

void al_ttysafe_init(struct al_ttysafe *t, bool one_line)
{
	memset(t, 0, sizeof(*t));
	t->one_line = one_line;
}

size_t al_ttysafe_filter(struct al_ttysafe *t, const void *in, size_t len, char *out)
{
	const uint8_t *p = in, *end = p + len;
	char *o = out;

	while (p < end) {
		uint8_t b = *p;
		if (t->need) {
			if (b < t->lo || b > t->hi) {
				o = spill(t, o); /* and b starts afresh */
				continue;
			}
			p++;
			if (--t->need) {
				t->held[t->nheld++] = b;
				t->lo = 0x80;
				t->hi = 0xbf;
				continue;
			}
			if (t->held[0] == 0xc2 && b < 0xa0) {
				/* U+0080..U+009F: C1 controls (U+009B is CSI), well-formed or not. */
				o = hex(hex(o, 0xc2), b);
			} else {
				memcpy(o, t->held, t->nheld);
				o += t->nheld;
				*o++ = (char)b;
			}
			t->nheld = 0;
			continue;
		}
		if (b >= 0x20 && b < 0x7f) {
			const uint8_t *s = p;
			while (++p < end && *p >= 0x20 && *p < 0x7f)
				;
			memcpy(o, s, (size_t)(p - s));
			o += p - s;
			continue;
		}
		p++;
		if (b == '\t' || ((b == '\n' || b == '\r') && !t->one_line)) {
			*o++ = (char)b;
		} else if (b < 0x20 || b == 0x7f) {
			*o++ = '^';
			*o++ = b == 0x7f ? '?' : (char)(b + 0x40); /* ESC is ^[, NUL ^@ */
		} else if (!lead(t, b)) {
			o = hex(o, b); /* a C1 byte (0x9b), a stray continuation, 0xc0, 0xf5.. */
		}
	}
	return (size_t)(o - out);
}

size_t al_ttysafe_end(struct al_ttysafe *t, char *out) { return (size_t)(spill(t, out) - out); }

void al_ttysafe_str(const char *s, char *out, size_t size)
{
	struct al_ttysafe t;
	char piece[AL_TTYSAFE_MAX(1)];
	size_t n = 0, k;

	al_ttysafe_init(&t, true);
	for (;; s++) {
		k = *s ? al_ttysafe_filter(&t, s, 1, piece) : al_ttysafe_end(&t, piece);
		if (n + k >= size)
			break; /* whole pieces only: never half a \xNN or half a character */
		memcpy(out + n, piece, k);
		n += k;
		if (!*s)
			break;
	}
	out[n] = '\0';
}
