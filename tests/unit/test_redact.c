/* The service's streaming redactor (src/service/redact.c): every value is
 * replaced wherever the stream is cut, and no more than the longest value
 * less one byte is ever held back. */
#include <stdlib.h>

/* The service is not in the unit tests' library: its pure file is built in. */
#include "service/redact.c"
#include "unit.h"

struct out {
	char s[4096];
	size_t len;
};

static void emit(void *user, const char *data, size_t len)
{
	struct out *o = user;
	if (o->len + len < sizeof(o->s)) {
		memcpy(o->s + o->len, data, len);
		o->len += len;
		o->s[o->len] = '\0';
	}
}

/* text fed in pieces cut at a and b; the result. */
static const char *run(const struct redact_set *set, const char *text, size_t a, size_t b, size_t *max_held)
{
	static struct out o;
	struct redactor r;
	size_t n = strlen(text);
	memset(&o, 0, sizeof(o));
	if (redactor_init(&r, set, emit, &o) < 0)
		return "";
	redactor_feed(&r, text, a);
	if (r.nheld > *max_held)
		*max_held = r.nheld;
	redactor_feed(&r, text + a, b - a);
	if (r.nheld > *max_held)
		*max_held = r.nheld;
	redactor_feed(&r, text + b, n - b);
	redactor_flush(&r);
	redactor_free(&r);
	return o.s;
}

static int every_cut(const struct redact_set *set, const char *text, const char *want, size_t *max_held)
{
	size_t n = strlen(text);
	for (size_t a = 0; a <= n; a++)
		for (size_t b = a; b <= n; b++)
			if (strcmp(run(set, text, a, b, max_held), want) != 0) {
				printf("# cut %zu %zu: %s\n", a, b, run(set, text, a, b, max_held));
				return 0;
			}
	return 1;
}

int main(void)
{
	struct redact_set set = {0};
	size_t held = 0;

	CHECK("redact: add", redact_add(&set, "KEY", "sk-12345", 8) == 0 &&
				 redact_add(&set, "PIN", "1234", 4) == 0 &&
				 redact_add(&set, "TOK", "abcabd", 6) == 0);
	CHECK("redact: an empty value is refused", redact_add(&set, "E", "", 0) < 0);
	CHECK("redact: longest first", set.s[0].len == 8 && set.longest == 8);
	CHECK("redact: every cut, two values and one inside another",
	      every_cut(&set, "x sk-12345 y 1234 z sk-1234",
			"x [REDACTED:KEY] y [REDACTED:PIN] z sk-[REDACTED:PIN]", &held));
	CHECK("redact: a value after a false start (abcabcabd)",
	      every_cut(&set, "abcabcabd!", "abc[REDACTED:TOK]!", &held));
	CHECK("redact: back to back",
	      every_cut(&set, "12341234sk-12345", "[REDACTED:PIN][REDACTED:PIN][REDACTED:KEY]", &held));
	CHECK("redact: an unfinished value at the end comes out as it is",
	      every_cut(&set, "..sk-123", "..sk-123", &held));
	CHECK("redact: nothing held beyond the longest value less one", held <= 7);
	redact_set_free(&set);
	struct redact_set none = {0};
	CHECK("redact: no secrets, bytes unchanged", every_cut(&none, "sk-12345", "sk-12345", &held));
	return unit_failures ? 1 : 0;
}
