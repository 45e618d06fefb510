/* The terminal-safe filter: what a sandboxed command's escape sequences
 * become on the caller's terminal, whole or split across reads. */
#include <stdlib.h>

#include "ttysafe.h"
#include "unit.h"

/* The whole input in one chunk, then the end of the stream. */
static size_t run(const char *in, size_t len, char *out, bool one_line)
{
	struct al_ttysafe t;
	al_ttysafe_init(&t, one_line);
	size_t n = al_ttysafe_filter(&t, in, len, out);
	n += al_ttysafe_end(&t, out + n);
	out[n] = '\0';
	return n;
}

static int gives(const char *in, size_t len, const char *want)
{
	char out[AL_TTYSAFE_MAX(256) + 1];
	size_t n = run(in, len, out, false);
	if (n == strlen(want) && memcmp(out, want, n) == 0)
		return 1;
	printf("# got '%s', want '%s'\n", out, want);
	return 0;
}
#define GIVES(in, want) gives(in, sizeof(in) - 1, want)

/* Every split of the input in two, and byte by byte, gives the one-chunk output. */
static int split_invariant(const char *in, size_t len)
{
	char whole[AL_TTYSAFE_MAX(256) + 1], out[AL_TTYSAFE_MAX(256) + 1];
	size_t want = run(in, len, whole, false);
	struct al_ttysafe t;

	for (size_t cut = 0; cut <= len; cut++) {
		al_ttysafe_init(&t, false);
		size_t n = al_ttysafe_filter(&t, in, cut, out);
		n += al_ttysafe_filter(&t, in + cut, len - cut, out + n);
		n += al_ttysafe_end(&t, out + n);
		if (n != want || memcmp(out, whole, n) != 0)
			return 0;
	}
	size_t n = 0;
	al_ttysafe_init(&t, false);
	for (size_t i = 0; i < len; i++)
		n += al_ttysafe_filter(&t, in + i, 1, out + n);
	n += al_ttysafe_end(&t, out + n);
	return n == want && memcmp(out, whole, n) == 0;
}

/* No raw ESC, no C0 but \t \n \r, no DEL, no byte >= 0x80 outside a UTF-8
 * sequence that is not a C1 control. */
static int safe(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			return 0;
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0)
			return 0;
	}
	return 1;
}

int main(void)
{
	CHECK("ttysafe printable ASCII passes", GIVES("hello, world ~!", "hello, world ~!"));
	CHECK("ttysafe \\r \\n \\t pass", GIVES("50%\r100%\n\ta\r\n", "50%\r100%\n\ta\r\n"));
	CHECK("ttysafe OSC 52 clipboard write shown, not sent",
	      GIVES("\033]52;c;ZWNobyBwd25lZAo=\a", "^[]52;c;ZWNobyBwd25lZAo=^G"));
	CHECK("ttysafe OSC 52 ended by ST", GIVES("\033]52;c;eA==\033\\", "^[]52;c;eA==^[\\"));
	CHECK("ttysafe CSI shown", GIVES("\033[2J\033[31mred\033[0m", "^[[2J^[[31mred^[[0m"));
	CHECK("ttysafe bare ESC", GIVES("a\033", "a^[") && GIVES("\033", "^["));
	CHECK("ttysafe BEL", GIVES("\a", "^G"));
	CHECK("ttysafe NUL, DEL, other C0", gives("\0\x7f\b\x1f\x0b\x0c", 6, "^@^?^H^_^K^L"));
	CHECK("ttysafe C1 CSI as UTF-8 (U+009B)", GIVES("\xc2\x9b"
							"2J",
							"\\xc2\\x9b2J"));
	CHECK("ttysafe C1 range ends at U+009F",
	      GIVES("\xc2\x80\xc2\x9f\xc2\xa0", "\\xc2\\x80\\xc2\\x9f\xc2\xa0"));
	CHECK("ttysafe raw 0x9b (8-bit CSI)", GIVES("\x9b"
						    "31m",
						    "\\x9b31m"));
	CHECK("ttysafe raw 0x9d (8-bit OSC)", GIVES("\x9d"
						    "52;c;eA==\x9c",
						    "\\x9d52;c;eA==\\x9c"));
	CHECK("ttysafe 2-, 3-byte UTF-8 pass", GIVES("caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac"));
	CHECK("ttysafe 4-byte emoji passes", GIVES("\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!"));
	CHECK("ttysafe U+10FFFF passes, U+110000 not", GIVES("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf") &&
							   GIVES("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"));
	CHECK("ttysafe overlong forms shown", GIVES("\xc0\x9b", "\\xc0\\x9b") &&
						  GIVES("\xc1\xbf", "\\xc1\\xbf") &&
						  GIVES("\xe0\x82\x9b", "\\xe0\\x82\\x9b") &&
						  GIVES("\xf0\x80\x80\x9b", "\\xf0\\x80\\x80\\x9b"));
	CHECK("ttysafe surrogates shown",
	      GIVES("\xed\xa0\x80", "\\xed\\xa0\\x80") && GIVES("\xed\x9f\xbf", "\xed\x9f\xbf"));
	CHECK("ttysafe stray continuation, 0xf5..0xff", GIVES("\x80"
							      "a\xbf\xf5\xff",
							      "\\x80a\\xbf\\xf5\\xff"));
	CHECK("ttysafe cut sequence: held bytes shown, next byte starts afresh",
	      GIVES("\xe2\x82"
		    "a",
		    "\\xe2\\x82a") &&
		  GIVES("\xf0\x9f\033[", "\\xf0\\x9f^[[") && GIVES("\xe2\xe2\x82\xac", "\\xe2\xe2\x82\xac"));
	CHECK("ttysafe sequence cut by the end of the stream", GIVES("ok\xf0\x9f\x98", "ok\\xf0\\x9f\\x98"));

	static const char mix[] = "a\033]52;c;ZQ==\a\xf0\x9f\x98\x80\xc2\x9b\x9b\xe2\x82\xac\xe2\x82\r\n\t"
				  "\xed\xa0\x80\xf4\x8f\xbf\xbf\x7f\xc3";
	CHECK("ttysafe every split gives the one-chunk output", split_invariant(mix, sizeof(mix) - 1));

	/* Worst cases and a sweep over all byte pairs and triples. */
	char out[AL_TTYSAFE_MAX(256) + 1];
	CHECK("ttysafe at most 4 bytes out per byte in", run("\x9b\x9b\x9b", 3, out, false) == 12 &&
							     run("\xf0\x9f\x98", 3, out, false) == 12 &&
							     run("\xc2\x80", 2, out, false) == 8);
	int all_safe = 1, all_split = 1, all_bounded = 1;
	for (int a = 0; a < 256; a++)
		for (int b = 0; b < 256; b++) {
			char in[3] = {(char)a, (char)b, (char)(a ^ b)};
			size_t n = run(in, 3, out, false);
			all_safe &= safe(out, n);
			all_bounded &= n <= 12;
			if ((a & 7) == 0)
				all_split &= split_invariant(in, 3);
		}
	CHECK("ttysafe byte triples: output safe", all_safe);
	CHECK("ttysafe byte triples: output bounded", all_bounded);
	CHECK("ttysafe byte triples: split-invariant", all_split);

	char line[32];
	al_ttysafe_str("evil\033]0;pwned\a\r\nhost", line, sizeof(line));
	CHECK("ttysafe str: one line, \\r \\n shown", strcmp(line, "evil^[]0;pwned^G^M^Jhost") == 0);
	al_ttysafe_str("\x9b\x9b\x9b\x9b\x9b\x9b\x9b\x9b", line, 10);
	CHECK("ttysafe str: cut at a whole piece", strcmp(line, "\\x9b\\x9b") == 0);
	al_ttysafe_str("ab\xf0\x9f\x98\x80", line, 6);
	CHECK("ttysafe str: no half character", strcmp(line, "ab") == 0);
	return unit_failures ? 1 : 0;
}
