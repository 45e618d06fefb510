/* libFuzzer target: the audit log's verifier (src/audit/audit.c) reads a
 * log as untrusted input, line by line, as airlock audit verify does. The
 * key is fixed, so that the seed corpus's checkpoints can verify. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	static int ready;
	if (!ready) {
		unsigned char seed[crypto_sign_SEEDBYTES] = {0}, sk[crypto_sign_SECRETKEYBYTES];
		if (sodium_init() < 0)
			abort();
		crypto_sign_seed_keypair(pk, sk, seed);
		ready = 1;
	}
	struct audit_verify v;
	audit_verify_init(&v, pk);
	const char *p = (const char *)data, *end = p + size;
	unsigned long line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		uint64_t seq = v.seq;
		if (audit_verify_line(&v, p, len, "fuzz", ++line) < 0) {
			if (!v.err[0] || v.seq != seq)
				abort(); /* a refusal says why and does not advance the chain */
		} else if (v.seq == seq && v.started && line > 1) {
			abort(); /* an accepted line advances the sequence */
		}
		p += len + 1;
	}
	return 0;
}
