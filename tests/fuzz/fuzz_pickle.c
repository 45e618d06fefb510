/* libFuzzer target: the pickle opcode machine on arbitrary bytes, through
 * the same entry as a file (format detection, stacked pickles, joblib
 * hooks), with small limits so that deep inputs reach the limit paths; and
 * the "not a pickle" test that lets files be skipped, held against it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_options opt = {0};
	struct scan_result r;
	struct pickle_sink sink;
	struct scan_error err;
	size_t used;

	scan_limits_default(&opt.limits);
	opt.limits.max_stack = 4096;
	opt.limits.max_memo = 4096;
	opt.limits.max_globals = 64;
	opt.limits.max_inflate = 1 << 20; /* compressed joblib: bombs hit the limit */
	scan_buffer(data, size, "fuzz", &opt, &r);
	/* A file that did not parse is never safe. */
	if (r.error && r.verdict == SCAN_SAFE && !r.skipped)
		abort();
	/* A skipped file has no findings at all. */
	if (r.skipped && (r.error || r.verdict != SCAN_SAFE || r.globals_seen || r.nissues))
		abort();
	scan_result_free(&r);

	memset(&r, 0, sizeof(r));
	sink = (struct pickle_sink){.res = &r, .opt = &opt};
	int rc = pickle_scan_one(data, size, &used, &sink, &err);
	if (rc == 0 && used > size)
		abort();
	/* What cannot start a pickle must stop the machine before any global.
	 * (Not for INT, LONG, FLOAT: the machine does not check their text.) */
	char why[128];
	if (size && !strchr("ILF", data[0]) && pickle_cannot_start_p(data, size, why, sizeof(why)) &&
	    (rc == 0 || r.globals_seen))
		abort();
	scan_result_free(&r);
	return 0;
}
