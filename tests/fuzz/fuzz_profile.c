/* libFuzzer target: the profile parser (JSON via jansson, then every field's
 * validation), and the dump of what it accepted parsed back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_profile p, q;
	struct al_error err;

	if (al_profile_parse((const char *)data, size, &p, &err) < 0)
		return 0;
	/* What was accepted must survive its own dump. */
	char *dump = al_profile_dump(&p);
	if (dump) {
		if (al_profile_parse(dump, strlen(dump), &q, &err) < 0)
			abort();
		if (q.nbinds != p.nbinds || q.nenv != p.nenv || q.limits.memory != p.limits.memory ||
		    q.seccomp.mode != p.seccomp.mode || q.seccomp.ndeny != p.seccomp.ndeny)
			abort();
		al_profile_free(&q);
		free(dump);
	}
	al_profile_free(&p);
	return 0;
}
