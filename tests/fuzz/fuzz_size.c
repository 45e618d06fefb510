/* libFuzzer target: sizes, durations, integers and bind specs, the parsers
 * behind every command-line option. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256];
	uint64_t u;
	double d;
	struct al_bind b;
	uint64_t mask;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (al_parse_size(s, &u, NULL) == 0 && strchr(s, '-'))
		abort(); /* never a negative size */
	if (al_parse_duration(s, &d, NULL) == 0 && !(d > 0 && d <= 365.0 * 86400))
		abort();
	al_parse_uint(s, 1, 10000, &u, NULL);
	if (al_bind_parse(s, size & 1, &b, NULL) == 0) {
		if (!al_path_ok(b.host) || !al_path_ok(b.inside))
			abort();
		free(b.host);
		free(b.inside);
	}
	al_defences_parse(s, &mask, NULL);
	return 0;
}
