/* Sizes, durations, integers: the parsers behind every limit. */
#include "unit.h"
#include "util.h"

static int size_is(const char *s, uint64_t want)
{
	uint64_t v;
	return al_parse_size(s, &v, NULL) == 0 && v == want;
}

static int size_bad(const char *s)
{
	uint64_t v;
	return al_parse_size(s, &v, NULL) < 0;
}

static int dur_is(const char *s, double want)
{
	double v;
	return al_parse_duration(s, &v, NULL) == 0 && v > want - 1e-9 && v < want + 1e-9;
}

static int dur_bad(const char *s)
{
	double v;
	return al_parse_duration(s, &v, NULL) < 0;
}

int main(void)
{
	struct al_error err = {0};
	uint64_t u;

	CHECK("size plain bytes", size_is("4096", 4096));
	CHECK("size K", size_is("4k", 4096));
	CHECK("size M", size_is("64M", 64ull << 20));
	CHECK("size MB and MiB", size_is("64MB", 64ull << 20) && size_is("64MiB", 64ull << 20));
	CHECK("size G", size_is("1G", 1ull << 30));
	CHECK("size fraction", size_is("1.5K", 1536));
	CHECK("size rejects empty", size_bad(""));
	CHECK("size rejects negative", size_bad("-1"));
	CHECK("size rejects unit only", size_bad("M"));
	CHECK("size rejects unknown unit", size_bad("5X"));
	CHECK("size rejects trailing junk", size_bad("5Mfoo"));
	CHECK("size rejects overflow", size_bad("99999999999T"));
	CHECK("size P and E (4E is the largest, as the message says)",
	      size_is("1P", 1ull << 50) && size_is("4E", 1ull << 62) && size_bad("5E"));
	CHECK("size rejects exponents and hex", size_bad("1e3") && size_bad("0x10") && size_bad("1.5e2M"));
	CHECK("size rejects more than JSON and cgroups take (fuzz find)", size_bad("16666666666665M"));
	CHECK("size rejects fractional bytes", size_bad("1.5"));
	CHECK("size rejects hex", size_bad("0x10"));
	CHECK("size rejects NaN and inf", size_bad("nan") && size_bad("inf"));
	CHECK("duration seconds", dur_is("30", 30));
	CHECK("duration fraction", dur_is("1.5", 1.5));
	CHECK("duration ms", dur_is("500ms", 0.5));
	CHECK("duration minutes", dur_is("2m", 120));
	CHECK("duration rejects zero", dur_bad("0"));
	CHECK("duration rejects negative", dur_bad("-3"));
	CHECK("duration rejects unit junk", dur_bad("3days"));
	CHECK("duration rejects over a year", dur_bad("400000000"));
	CHECK("uint in range", al_parse_uint("64", 1, 100, &u, &err) == 0 && u == 64);
	CHECK("uint out of range names the range",
	      al_parse_uint("0", 1, 100, &u, &err) < 0 && strstr(err.msg, "[1, 100]"));
	CHECK("uint rejects sign", al_parse_uint("+5", 0, 100, &u, &err) < 0);
	CHECK("uint rejects junk", al_parse_uint("5x", 0, 100, &u, &err) < 0);
	return unit_failures != 0;
}
