/* libFuzzer target: the zip reader (central directory, zip64, prepended
 * data, local headers, inflate) and the members it hands to the formats. */
#include <stdint.h>
#include <stdlib.h>

#include "scan/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_options opt = {0};
	struct scan_result r = {0};

	scan_limits_default(&opt.limits);
	opt.limits.max_inflate = 1 << 20;
	opt.limits.max_zip_entries = 256;
	opt.limits.max_stack = 4096;
	opt.limits.max_memo = 4096;
	r.format = "unknown";
	zip_scan(data, size, NULL, 0, &opt, &r);
	if (r.error && r.verdict == SCAN_SAFE)
		abort();
	scan_result_free(&r);
	return 0;
}
