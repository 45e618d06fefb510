/* libFuzzer target: the terminal filter (src/ttysafe.c) over any bytes.
 * Invariants: no raw ESC, no C0 but \t \n \r, no DEL, no C1 control, only
 * well-formed UTF-8 out; at most 4 bytes out per byte in; the output of
 * the input split anywhere (at a cut taken from the first byte, and byte by
 * byte) is the output of the input in one chunk. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ttysafe.h"

static size_t filter(const uint8_t *in, size_t len, size_t cut, char *out)
{
	struct al_ttysafe t;
	size_t n = 0;

	al_ttysafe_init(&t, false);
	if (cut == 0) { /* byte by byte */
		for (size_t i = 0; i < len; i++)
			n += al_ttysafe_filter(&t, in + i, 1, out + n);
	} else {
		n = al_ttysafe_filter(&t, in, cut, out);
		n += al_ttysafe_filter(&t, in + cut, len - cut, out + n);
	}
	return n + al_ttysafe_end(&t, out + n);
}

/* Safe for a terminal: the check is written apart from the filter, as a
 * UTF-8 validator. */
static void check_safe(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
				abort();
			i++;
			continue;
		}
		size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (c < 0xc2 || c > 0xf4 || i + k > n)
			abort();
		uint32_t cp = c & (0x7f >> k);
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				abort();
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < 0xa0 || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			abort();
		i += k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > 4096)
		return 0;
	size_t cut = data[0] % size;
	char *whole = malloc(AL_TTYSAFE_MAX(size)), *split = malloc(AL_TTYSAFE_MAX(size) + 12);
	if (!whole || !split)
		abort();
	struct al_ttysafe t;
	al_ttysafe_init(&t, false);
	size_t n = al_ttysafe_filter(&t, data, size, whole);
	n += al_ttysafe_end(&t, whole + n);
	if (n > 4 * size)
		abort();
	check_safe((const uint8_t *)whole, n);
	for (size_t c = 0; c <= 1; c++) {
		size_t m = filter(data, size, c ? cut : 0, split);
		if (m != n || memcmp(whole, split, n) != 0)
			abort();
	}
	/* One-line mode: no \n or \r either. */
	char line[256];
	char *str = malloc(size + 1);
	if (!str)
		abort();
	memcpy(str, data, size);
	str[size] = '\0';
	al_ttysafe_str(str, line, sizeof(line));
	size_t ln = strlen(line);
	if (ln >= sizeof(line) || memchr(line, '\n', ln) || memchr(line, '\r', ln))
		abort();
	check_safe((const uint8_t *)line, ln);
	free(str);
	free(whole);
	free(split);
	return 0;
}
