/* The pickle opcode machine and the verdict tables, compressed joblib,
 * joblib's dtype rule, npy headers, FRAME readings and zips: opcode semantics that
 * decide which global a pickle reaches (memo, marks, fence, STACK_GLOBAL,
 * text operands), verdicts, and limits. */
#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include <airlock/scan.h>

#include "scan/scan.h"
#include "unit.h"

static struct scan_options opt;

/* Scan bytes as a whole file; returns the verdict, fills *r. */
static enum scan_verdict scan(const char *p, size_t n, struct scan_result *r)
{
	scan_buffer((const uint8_t *)p, n, "t", &opt, r);
	return r->verdict;
}
#define S(lit) lit, sizeof(lit) - 1

static int verdict_of(const char *p, size_t n)
{
	struct scan_result r;
	int v = scan(p, n, &r);
	scan_result_free(&r);
	return v;
}

static int first_global_is(const char *p, size_t n, const char *mod, const char *name)
{
	struct scan_result r;
	scan(p, n, &r);
	int ok =
	    r.nglobals > 0 && strcmp(r.globals[0].module, mod) == 0 && strcmp(r.globals[0].name, name) == 0;
	scan_result_free(&r);
	return ok;
}

/* --- compressed joblib: each compressor joblib registers, made here with
 * the same libraries, around a pickle that calls os.system. */
static const char evil[] = "\x80\x02"
			   "cos\nsystem\n(S'id'\ntR.";

static size_t pack(const char *kind, const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	if (strcmp(kind, "zlib") == 0 || strcmp(kind, "gzip") == 0) {
		z_stream z = {0};
		if (deflateInit2(&z, 6, Z_DEFLATED, kind[0] == 'g' ? 31 : 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return 0;
		z.next_in = (Bytef *)in;
		z.avail_in = (uInt)n;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		int rc = deflate(&z, Z_FINISH);
		size_t got = cap - z.avail_out;
		deflateEnd(&z);
		return rc == Z_STREAM_END ? got : 0;
	}
	if (strcmp(kind, "bz2") == 0) {
		unsigned int got = (unsigned int)cap;
		return BZ2_bzBuffToBuffCompress((char *)out, &got, (char *)in, (unsigned int)n, 9, 0, 0) ==
			       BZ_OK
			   ? got
			   : 0;
	}
	if (strcmp(kind, "xz") == 0) {
		size_t got = 0;
		return lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, in, n, out, &got, cap) == LZMA_OK
			   ? got
			   : 0;
	}
	if (strcmp(kind, "lz4") == 0) {
		size_t got = LZ4F_compressFrame(out, cap, in, n, NULL);
		return LZ4F_isError(got) ? 0 : got;
	}
	return 0;
}

static void test_compressed(void)
{
	static const char *const kinds[] = {"zlib", "gzip", "bz2", "xz", "lz4"};
	uint8_t buf[4096], two[8192];
	char name[80];
	struct scan_result r;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t n = pack(kinds[k], (const uint8_t *)evil, sizeof(evil) - 1, buf, sizeof(buf));
		snprintf(name, sizeof(name), "%s-compressed os.system is dangerous, format joblib-%s",
			 kinds[k], kinds[k]);
		scan((const char *)buf, n, &r);
		CHECK(name, n > 0 && r.verdict == SCAN_DANGEROUS && !r.error && r.format &&
				strcmp(r.format + 7, kinds[k]) == 0);
		scan_result_free(&r);
	}
	/* gzip: a second member after zero padding is read on */
	size_t a = pack("gzip", (const uint8_t *)"N.", 2, two, sizeof(two));
	memset(two + a, 0, 3);
	size_t b = pack("gzip", (const uint8_t *)evil, sizeof(evil) - 1, two + a + 3, sizeof(two) - a - 3);
	CHECK("gzip: the second member is scanned",
	      verdict_of((const char *)two, a + 3 + b) == SCAN_DANGEROUS);
	/* a stream that breaks off after the pickle: scanned, never safe */
	size_t n = pack("gzip", (const uint8_t *)evil, sizeof(evil) - 1, buf, sizeof(buf));
	scan((const char *)buf, n - 8, &r);
	CHECK("gzip without its trailer: the pickle is still scanned",
	      r.verdict == SCAN_DANGEROUS && r.nissues > 0);
	scan_result_free(&r);
	n = pack("gzip", (const uint8_t *)"N.", 2, buf, sizeof(buf));
	scan((const char *)buf, n - 8, &r);
	CHECK("a benign pickle in a cut gzip stream is not safe", r.verdict != SCAN_SAFE);
	scan_result_free(&r);
	/* trailing bytes after a stream: ignored, as DecompressReader ignores
	 * them (a new stream that fails at once ends the reading) */
	static const char *const multi[] = {"bz2", "xz", "lz4"};
	for (size_t k = 0; k < 3; k++) {
		n = pack(multi[k], (const uint8_t *)"N.", 2, buf, sizeof(buf));
		memcpy(buf + n, "trailing", 8);
		snprintf(name, sizeof(name), "%s: trailing bytes after the stream are ignored", multi[k]);
		CHECK(name, verdict_of((const char *)buf, n + 8) == SCAN_SAFE);
	}
	/* the decompressed size is bounded: past it, an error */
	static uint8_t big[64 * 1024];
	for (size_t k = 0; k + 2 <= sizeof(big); k += 2)
		memcpy(big + k, "N0", 2); /* NONE, POP, ... */
	memcpy(big + sizeof(big) - 2, "N.", 2);
	n = pack("xz", big, sizeof(big), buf, sizeof(buf));
	struct scan_options small = opt;
	small.limits.max_inflate = 4096;
	scan_buffer(buf, n, "t", &small, &r);
	CHECK("decompressing past max_inflate is an error", n > 0 && r.verdict == SCAN_ERROR && r.error);
	scan_result_free(&r);
	scan_buffer(buf, n, "t", &opt, &r);
	CHECK("the same stream within the limit is read", r.verdict == SCAN_SAFE && !r.error);
	scan_result_free(&r);
}

/* --- joblib: a NumpyArrayWrapper of a V16 dtype (a sub-array of objects
 * pickles so) followed by 16 bytes that are also a pickle calling
 * os.system. numpy trusts the state's flags: with NPY_ITEM_HASOBJECT joblib
 * pickle.loads the bytes, without it they are raw data. */
static size_t wrapper(char *out, const char *flags)
{
	size_t n = 0;
#define PUT(lit) (memcpy(out + n, lit, sizeof(lit) - 1), n += sizeof(lit) - 1)
	PUT("\x80\x04\x8c\x13"
	    "joblib.numpy_pickle"
	    "\x8c\x11"
	    "NumpyArrayWrapper"
	    "\x93)\x81}(");
	PUT("\x8c\x05"
	    "shape"
	    "K\x01\x85");
	PUT("\x8c\x05"
	    "dtype"
	    "\x8c\x05"
	    "numpy"
	    "\x8c\x05"
	    "dtype"
	    "\x93\x8c\x03"
	    "V16"
	    "\x89\x88\x87R");
	PUT("(K\x03\x8c\x01"
	    "|NNNK\x10K\x08");
	memcpy(out + n, flags, 2);
	n += 2;
	PUT("tb\x8c\x05"
	    "order"
	    "\x8c\x01"
	    "C"
	    "ub");
	PUT("cos\nsystem\nNN\x86R."); /* 16 bytes */
	PUT(".");
#undef PUT
	return n;
}

static void test_joblib_dtype(void)
{
	char buf[512];
	struct scan_result r;
	size_t n = wrapper(buf, "K\x3f");
	scan(buf, n, &r);
	CHECK("joblib: V16 whose flags say objects: the data is a pickle, scanned",
	      r.verdict == SCAN_DANGEROUS && r.format && strcmp(r.format, "joblib") == 0);
	scan_result_free(&r);
	n = wrapper(buf, "K\x01");
	CHECK("joblib: NPY_ITEM_HASOBJECT alone decides", verdict_of(buf, n) == SCAN_DANGEROUS);
	n = wrapper(buf, "K\x00");
	scan(buf, n, &r);
	CHECK("joblib: V16 without the flag: 16 raw bytes skipped", r.verdict == SCAN_SAFE && !r.error);
	scan_result_free(&r);
	n = wrapper(buf, "N\x85");
	CHECK("joblib: flags that are no int are not guessed", verdict_of(buf, n) != SCAN_SAFE);
}

/* --- npy: the header as numpy's literal_eval reads it; object arrays are pickles. */
static size_t npy(char *out, const char *header, const char *payload, size_t plen)
{
	size_t h = strlen(header);
	memcpy(out, "\x93NUMPY\x01\x00", 8);
	out[8] = (char)((h + 1) & 0xff);
	out[9] = (char)((h + 1) >> 8);
	memcpy(out + 10, header, h);
	out[10 + h] = '\n';
	memcpy(out + 11 + h, payload, plen);
	return 11 + h + plen;
}

static void test_npy(void)
{
	static const char pay[] = "cos\nsystem\nNN\x86R.";
	char buf[512];
	size_t n;
	n = npy(buf, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", pay, 16);
	CHECK("npy: an object array is a pickle", verdict_of(buf, n) == SCAN_DANGEROUS);
	n = npy(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", pay, 16);
	CHECK("npy: float data is data", verdict_of(buf, n) == SCAN_SAFE);
	n = npy(buf, "{'descr': [('a', '<f8'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }", pay,
		16);
	CHECK("npy: a record with an object field is a pickle", verdict_of(buf, n) == SCAN_DANGEROUS);
	n = npy(buf, "{\"descr\": \"|O\", \"fortran_order\": False, \"shape\": (1,)}", pay, 16);
	CHECK("npy: double quotes and no trailing comma, as literal_eval reads them",
	      verdict_of(buf, n) == SCAN_DANGEROUS);
	n = npy(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': b'\\u00e9'}", pay, 16);
	CHECK("npy: \\u in a bytes literal is kept as written (and ends)", verdict_of(buf, n) == SCAN_ERROR);
	n = npy(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}", pay, 16);
	CHECK("npy: keys numpy refuses are an error", verdict_of(buf, n) == SCAN_ERROR);
}

/* --- FRAMEs whose stated length lies (issue 14, class 4). */
static void test_frames(void)
{
	char ops[80], buf[256];
	size_t k = 0, n = 0;
	memcpy(ops,
	       "\x8c\x02"
	       "os"
	       "\x8c\x06"
	       "system"
	       "\x93\x8c\x02"
	       "id"
	       "\x85R0",
	       21);
	k = 21;
	while (k + 2 <= 78) {
		memcpy(ops + k, "N0", 2);
		k += 2;
	}
	/* the C Unpickler on a BytesIO drops the rest of a frame an operand
	 * runs past and reads on after it: os.system there */
	memcpy(buf,
	       "\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00\x8c\x0c"
	       "aaaaaaaaaaaa"
	       "CN",
	       27);
	n = 27;
	memcpy(buf + n, ops, k);
	n += k;
	buf[n++] = '.';
	CHECK("frame too short: the C file reading is scanned", verdict_of(buf, n) == SCAN_DANGEROUS);
	/* Python's _Unframer reads a frame longer than the file as far as it goes */
	memcpy(buf, "\x80\x04\x95\xe8\x03\x00\x00\x00\x00\x00\x00", 11);
	memcpy(buf + 11, ops, k - 1);
	buf[11 + k - 1] = '.';
	CHECK("frame too long: the Python reading is scanned", verdict_of(buf, 11 + k) == SCAN_DANGEROUS);
	CHECK("a frame longer than the file can start a pickle (not skipped)",
	      !pickle_cannot_start_p((const uint8_t *)"\x95\xe8\x03\x00\x00\x00\x00\x00\x00N.", 11, ops,
				     sizeof(ops)));
}

/* --- zip: a stored member found through the central directory, as
 * zipfile and PyTorch's reader both find it. */
static size_t zip1(uint8_t *out, const char *name, const char *data, size_t dlen)
{
	size_t nl = strlen(name), n = 0;
	uint32_t crc = (uint32_t)crc32(0, (const Bytef *)data, (uInt)dlen);
	uint8_t lh[30] = {'P', 'K', 3, 4, 20};
	memcpy(lh + 14, &crc, 4);
	lh[18] = lh[22] = (uint8_t)dlen;
	lh[26] = (uint8_t)nl;
	memcpy(out, lh, 30);
	memcpy(out + 30, name, nl);
	memcpy(out + 30 + nl, data, dlen);
	n = 30 + nl + dlen;
	size_t cd = n;
	uint8_t c[46] = {'P', 'K', 1, 2, 20, 0, 20};
	memcpy(c + 16, &crc, 4);
	c[20] = c[24] = (uint8_t)dlen;
	c[28] = (uint8_t)nl;
	memcpy(out + n, c, 46);
	memcpy(out + n + 46, name, nl);
	n += 46 + nl;
	uint8_t e[22] = {'P', 'K', 5, 6};
	e[8] = e[10] = 1;
	e[12] = (uint8_t)(46 + nl);
	e[16] = (uint8_t)cd;
	memcpy(out + n, e, 22);
	return n + 22;
}

static void test_zip(void)
{
	uint8_t buf[512];
	size_t n = zip1(buf, "archive/data.pkl", evil, sizeof(evil) - 1);
	CHECK("zip: a stored data.pkl calling os.system is dangerous",
	      verdict_of((const char *)buf, n) == SCAN_DANGEROUS);
	n = zip1(buf, "archive/data.pkl", "\x80\x02}.", 4);
	CHECK("zip: a stored benign data.pkl is safe", verdict_of((const char *)buf, n) == SCAN_SAFE);
	/* a pickle with the zip appended: both readings */
	uint8_t two[600];
	memcpy(two, evil, sizeof(evil) - 1);
	n = zip1(two + sizeof(evil) - 1, "archive/data.pkl", "\x80\x02}.", 4);
	CHECK("zip appended to a malicious pickle: the pickle reading counts",
	      verdict_of((const char *)two, n + sizeof(evil) - 1) == SCAN_DANGEROUS);
}

/* Does r list module.name (as C strings)? */
static bool lists(const struct scan_result *r, const char *mod, const char *name)
{
	for (size_t k = 0; k < r->nglobals; k++)
		if (strcmp(r->globals[k].module, mod) == 0 && strcmp(r->globals[k].name, name) == 0)
			return true;
	return false;
}

static bool scan_lists(const char *p, size_t n, const char *mod, const char *name)
{
	struct scan_result r;
	scan(p, n, &r);
	bool ok = lists(&r, mod, name);
	scan_result_free(&r);
	return ok;
}

/* Where the loaders read on after the C Unpickler stops (Python's reader:
 * joblib, pickle._Unpickler), files of another format read as pickles, and
 * names spelled as the loaders spell them: the classes the fuzz bridge
 * found (tests/scan/fuzz_differential.sh). */
static void test_readings(void)
{
	struct scan_result r;

	/* Python's readline() at the end of the file: no newline needed, and
	 * nothing at all is the empty string: find_class('', '') */
	CHECK("GLOBAL at the end of the file: find_class('', '')", scan_lists(S("(c"), "", ""));
	CHECK("a last line without newline loses its last byte",
	      scan_lists(S("(cos\nsystemX"), "os", "system"));
	scan(S("(cos\nsystemX"), &r);
	CHECK("... and the file is judged by that import, the C error kept",
	      r.verdict == SCAN_DANGEROUS && r.error && strstr(r.error, "no newline"));
	scan_result_free(&r);
	/* an empty name line: the C Unpickler refuses it, Python's imports '' */
	CHECK("empty name line: find_class('os', '')", scan_lists(S("cos\n\n."), "os", ""));
	CHECK("empty module line: find_class('', 'x')", scan_lists(S("c\nx\n."), "", "x"));
	/* a frame longer than the file ends where the file does; a line read
	 * at its end comes from the file: find_class('', '') */
	CHECK("short frame, GLOBAL at its end", scan_lists(S("\x80\x04\x95\xc0\x00\x00\x00\x00\x00\x00\x00"
							     "\x8c\x02os\x94\x88"
							     "c"),
							   "", ""));
	/* INST: Python's load_inst imports before it pops the MARK */
	scan(S("ios\nsystem\n."), &r);
	CHECK("INST without a MARK: imported by Python's reader",
	      lists(&r, "os", "system") && r.verdict == SCAN_DANGEROUS);
	scan_result_free(&r);
	/* GET and PUT read their index without the last byte at the end */
	CHECK("PUT at the end of the file: index without its last byte",
	      verdict_of(S("(S'a'\np12")) != SCAN_SAFE);

	/* names: kept whole however long, cut only at a NUL */
	char big[400];
	memcpy(big, "\x80\x04\x8c\x02xy\x8d\x2c\x01\x00\x00\x00\x00\x00\x00", 15);
	memset(big + 15, 'a', 300);
	memcpy(big + 315, "\x93.", 2);
	scan(big, 317, &r);
	CHECK("a 300-byte name is listed whole, unknown",
	      r.nglobals == 1 && strlen(r.globals[0].name) == 300 && r.verdict == SCAN_UNKNOWN);
	scan_result_free(&r);
	/* protocol 4 walks a dotted name: os.path.os.path...system is os.system */
	memcpy(big + 4, "os", 2);
	big[7] = 0x26; /* 294 bytes */
	for (size_t k = 0; k + 8 <= 294; k += 8)
		memcpy(big + 15 + k, "path.os.", 8);
	memcpy(big + 15 + 288, "system", 6);
	memcpy(big + 15 + 294, "\x93.", 2);
	scan(big, 15 + 296, &r);
	CHECK("a long attribute path from os is dangerous",
	      r.nglobals == 1 && strlen(r.globals[0].name) == 294 && r.verdict == SCAN_DANGEROUS);
	scan_result_free(&r);
	CHECK("a name with a NUL is cut there", scan_lists(S("\x80\x04\x8c\x02os\x8c\x03"
							     "a\x00"
							     "b\x93."),
							   "os", "a"));
	/* a lone surrogate (BINUNICODE is decoded with surrogatepass) */
	scan(S("\x80\x04\x8c\x02os\x8c\x03\xed\xa0\x80\x93."), &r);
	CHECK("a name with a lone surrogate is listed",
	      r.nglobals == 1 && strcmp(r.globals[0].name, "\xed\xa0\x80") == 0);
	scan_result_free(&r);
	al_scan_result *pr = al_scan_buffer(S("\x80\x04\x8c\x02os\x8c\x03\xed\xa0\x80\x93."), "t", NULL);
	char *json = pr ? al_scan_result_json(pr) : NULL;
	CHECK("... and spelled in JSON as backslashreplace spells it",
	      json && strstr(json, "\"name\":\"\\\\xed\\\\xa0\\\\x80\""));
	free(json);
	al_scan_result_free(pr);
	/* STRING/BINSTRING bytes: torch.load decodes UTF-8, Latin-1 otherwise */
	CHECK("SHORT_BINSTRING of UTF-8 is read as torch.load reads it",
	      scan_lists(S("\x80\x02U\x02\xc3\xa9U\x01x\x93."), "\xc3\xa9", "x"));
	CHECK("SHORT_BINSTRING of other bytes is read as Latin-1",
	      scan_lists(S("\x80\x02U\x01\xe9U\x01x\x93."), "\xc3\xa9", "x"));
	CHECK("STRING escapes of UTF-8 too", scan_lists(S("S'\\xc3\\xa9'\nS'x'\n\x93."), "\xc3\xa9", "x"));

	/* files of another format, read as a pickle by pickle.load/joblib.load */
	scan(S("GGUF\x03\x00\x00\x00\x00"
	       "cos\nsystem\n."),
	     &r);
	CHECK("GGUF magic read as BINFLOAT: the pickle behind it is scanned",
	      r.verdict == SCAN_DANGEROUS && lists(&r, "os", "system"));
	scan_result_free(&r);
	/* an empty zip (end record only) whose comment the unpickler reaches
	 * after PERSID's line */
	char ez[64] = "PK\x05\x06";
	const char *tail = "\n0cos\nsystem\n.";
	ez[20] = (char)strlen(tail);
	memcpy(ez + 22, tail, strlen(tail));
	scan(ez, 22 + strlen(tail), &r);
	CHECK("a zip read as PERSID and on: the pickle is scanned",
	      r.verdict == SCAN_DANGEROUS && lists(&r, "os", "system"));
	scan_result_free(&r);
	/* a stored entry whose compressed size understates: PyTorch reads the
	 * uncompressed size */
	uint8_t zb[512];
	size_t n = zip1(zb, "archive/data.pkl", evil, sizeof(evil) - 1);
	size_t cd = 30 + strlen("archive/data.pkl") + sizeof(evil) - 1;
	zb[cd + 20] = 4;
	zb[cd + 12] = 1; /* a nonzero time: PyTorch's reader checks the sizes only without */
	scan((const char *)zb, n, &r);
	CHECK("stored entry, sizes differ: both lengths are read",
	      r.verdict == SCAN_DANGEROUS && lists(&r, "os", "system"));
	scan_result_free(&r);
}

/* joblib < 0.10 wrote "ZF", the length in hex padded to 19 bytes, and one
 * zlib stream (numpy_pickle_compat.write_zfile); joblib.load still reads it. */
static size_t zfile(uint8_t *out, size_t cap, const char *data, size_t n, const char *len_text, bool space)
{
	size_t at = 0;
	memcpy(out, "ZF", 2);
	memset(out + 2, ' ', 19);
	memcpy(out + 2, len_text, strlen(len_text));
	at = 21 + (space ? 1 : 0);
	if (space)
		out[21] = ' ';
	uLongf clen = (uLongf)(cap - at);
	if (compress2(out + at, &clen, (const Bytef *)data, (uLong)n, 1) != Z_OK)
		return 0;
	return at + clen;
}

static void test_zfile(void)
{
	uint8_t buf[512];
	char hex[32];
	struct scan_result r;

	snprintf(hex, sizeof(hex), "0x%zx", sizeof(evil) - 1);
	size_t n = zfile(buf, sizeof(buf), evil, sizeof(evil) - 1, hex, false);
	scan((const char *)buf, n, &r);
	CHECK("ZF: os.system inside is dangerous, format joblib-zfile",
	      n && r.verdict == SCAN_DANGEROUS && !r.error && strcmp(r.format, "joblib-zfile") == 0);
	scan_result_free(&r);
	n = zfile(buf, sizeof(buf), "\x80\x02}.", 4, "0x4", true);
	CHECK("ZF: a benign pickle is safe (Python 2's extra space too)",
	      verdict_of((const char *)buf, n) == SCAN_SAFE);
	n = zfile(buf, sizeof(buf), "\x80\x02}.", 4, " +4_0 ", false);
	CHECK("ZF: a length that is not what decompresses is not safe",
	      verdict_of((const char *)buf, n) == SCAN_UNKNOWN);
	n = zfile(buf, sizeof(buf), "\x80\x02}.", 4, "zz", false);
	CHECK("ZF: a length joblib cannot read is an error", verdict_of((const char *)buf, n) == SCAN_ERROR);
	n = zfile(buf, sizeof(buf), "\x80\x02}.", 4, "0x4", false);
	CHECK("ZF: a cut stream is an error", verdict_of((const char *)buf, n - 3) == SCAN_ERROR);
	n = zfile(buf, sizeof(buf), "\x00\x01\x02\x03", 4, "4", false);
	scan((const char *)buf, n, &r);
	CHECK("ZF of raw array bytes (a companion file) is skipped", r.skipped && r.verdict == SCAN_SAFE);
	scan_result_free(&r);
}

int main(void)
{
	const char *reason;
	struct scan_result r;

	scan_limits_default(&opt.limits);
	CHECK("benign protocol 2 dict is safe", verdict_of(S("\x80\x02}q\x00X\x01\x00\x00\x00"
							     "aK\x01s.")) == SCAN_SAFE);
	CHECK("GLOBAL os.system is dangerous", verdict_of(S("cos\nsystem\n.")) == SCAN_DANGEROUS);
	CHECK("fix_imports maps __builtin__ below protocol 3",
	      first_global_is(S("\x80\x02"
				"c__builtin__\nset\n."),
			      "builtins", "set") &&
		  verdict_of(S("\x80\x02"
			       "c__builtin__\nset\n.")) == SCAN_SAFE);
	CHECK("no mapping from protocol 3", first_global_is(S("\x80\x03"
							      "c__builtin__\nset\n."),
							    "__builtin__", "set"));
	CHECK("STACK_GLOBAL takes module then name",
	      first_global_is(S("\x80\x04\x8c\x02os\x8c\x06system\x93."), "os", "system"));
	CHECK("STACK_GLOBAL operands from the memo",
	      first_global_is(S("\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x30\x30h\x00h\x01\x93."), "os",
			      "system"));
	CHECK(
	    "MEMOIZE index is the memo length",
	    first_global_is(
		S("\x80\x04\x8c\x01xr\x09\x00\x00\x00\x8c\x02os\x94\x8c\x01y\x94\x30\x30\x30h\x01h\x01\x93."),
		"os", "os"));
	CHECK("memo overwrite: the last PUT wins", first_global_is(S("\x80\x04\x8c\x01"
								     "aq\x01\x8c\x02"
								     "osq\x01\x8c\x01"
								     "bq\x02\x8c\x06"
								     "systemq\x02"
								     "0000h\x01h\x02\x93."),
								   "os", "system"));
	CHECK("text PUT index ends at NUL, like CPython",
	      first_global_is(S("(S'os'\np5\x00junk\n0S'system'\np6\n0g5\ng6\n\x93."), "os", "system"));
	CHECK("text PUT index with underscores and spaces",
	      first_global_is(S("S'os'\np 1_0 \n0S'x'\np11\n0g10\ng11\n\x93."), "os", "x"));
	CHECK("GET of a missing index is an error", verdict_of(S("N0g7\n.")) == SCAN_ERROR);
	CHECK("STRING escapes decoded",
	      first_global_is(S("S'\\x6fs'\nS'sys\\164em'\n\x93."), "os", "system"));
	CHECK("UNICODE raw-unicode-escape decoded",
	      first_global_is(S("V\\u006fs\nVsystem\n\x93."), "os", "system"));
	CHECK("STACK_GLOBAL requires str", verdict_of(S("K\x01K\x02\x93.")) == SCAN_ERROR);
	CHECK("fence: REDUCE cannot reach below a MARK",
	      verdict_of(S("cos\nsystem\n()R.")) == SCAN_DANGEROUS);
	scan(S("cbuiltins\nlist\n()R."), &r);
	CHECK("fence: REDUCE below a MARK is an error", r.error != NULL);
	scan_result_free(&r);
	CHECK("POP pops a MARK on top", verdict_of(S("K\x01(0.")) == SCAN_SAFE);
	CHECK("INST calls", verdict_of(S("(S'id'\nios\nsystem\n.")) == SCAN_DANGEROUS);
	scan(S("(S'id'\nios\nsystem\n."), &r);
	CHECK("INST global marked called at its offset",
	      r.nglobals == 1 && r.globals[0].called && r.globals[0].offset == 7);
	scan_result_free(&r);
	CHECK("OBJ", verdict_of(S("(cos\nsystem\nS'id'\no.")) == SCAN_DANGEROUS);
	CHECK("EXT is unknown", verdict_of(S("\x80\x02\x82\x01.")) == SCAN_UNKNOWN);
	CHECK("EXT code 0 is an error", verdict_of(S("\x80\x02\x82\x00.")) == SCAN_ERROR);
	CHECK("BUILD on an imported global is dangerous",
	      verdict_of(S("\x80\x02"
			   "ccollections\nOrderedDict\n}b.")) == SCAN_DANGEROUS);
	CHECK("calling a call's result is unknown",
	      verdict_of(S("\x80\x02"
			   "ccollections\nOrderedDict\n)R)R.")) == SCAN_UNKNOWN);
	CHECK("PROTO 6 is an error", verdict_of(S("\x80\x06N.")) == SCAN_ERROR);
	CHECK("truncated BINUNICODE is an error", verdict_of(S("\x80\x04X\xff\x00\x00\x00ab")) == SCAN_ERROR);
	CHECK("huge BINBYTES8 is an error",
	      verdict_of(S("\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\xff.")) == SCAN_ERROR);
	CHECK("FRAME longer than the data is an error",
	      verdict_of(S("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00N.")) == SCAN_ERROR);
	CHECK("no STOP is an error", verdict_of(S("\x80\x02K\x01")) == SCAN_ERROR);
	/* A last line without its newline: the C Unpickler raises, Python's
	 * (joblib's) takes what is left and cuts its last byte off. */
	CHECK("line without newline: Python's reader imports os.syste",
	      verdict_of(S("cos\nsystem")) == SCAN_DANGEROUS &&
		  first_global_is(S("cos\nsystem"), "os", "syste"));
	CHECK("stacked pickles: the second is scanned", verdict_of(S("N.cos\nsystem\n.")) == SCAN_DANGEROUS);
	CHECK("stacked pickles: a broken trailer after a good pickle is not an error",
	      verdict_of(S("N.\xff\xff")) == SCAN_SAFE);
	CHECK("DICT with odd items is an error", verdict_of(S("(K\x01"
							      "d.")) == SCAN_ERROR);
	CHECK("SETITEMS with odd items is an error", verdict_of(S("}(K\x01u.")) == SCAN_ERROR);
	CHECK("NEXT_BUFFER is an error", verdict_of(S("\x80\x05\x97.")) == SCAN_ERROR);
	CHECK("INT 01 is a bool, text ints fine", verdict_of(S("I01\nI-5\nL12L\nF1.5\n\x86.")) == SCAN_SAFE);

	/* verdict tables */
	CHECK("allow: torch rebuild",
	      allowlist_verdict("torch._utils", "_rebuild_tensor_v2", &opt, &reason) == SCAN_SAFE);
	CHECK("allow: numpy reconstruct",
	      allowlist_verdict("numpy.core.multiarray", "_reconstruct", &opt, &reason) == SCAN_SAFE);
	CHECK("allow: torch.nn classes",
	      allowlist_verdict("torch.nn.modules.linear", "Linear", &opt, &reason) == SCAN_SAFE);
	CHECK("deny: submodule os.path",
	      allowlist_verdict("os.path", "join", &opt, &reason) == SCAN_DANGEROUS);
	CHECK("deny: posix", allowlist_verdict("posix", "system", &opt, &reason) == SCAN_DANGEROUS);
	CHECK("deny: builtins.getattr",
	      allowlist_verdict("builtins", "getattr", &opt, &reason) == SCAN_DANGEROUS);
	CHECK("not a prefix match: osx", allowlist_verdict("osx", "thing", &opt, &reason) == SCAN_UNKNOWN);
	CHECK("dunder path",
	      allowlist_verdict("collections", "OrderedDict.__init__", &opt, &reason) == SCAN_DANGEROUS);
	CHECK("attribute path to os",
	      allowlist_verdict("torch.serialization", "os.system", &opt, &reason) == SCAN_DANGEROUS);
	CHECK("unknown by default", allowlist_verdict("mypkg", "Model", &opt, &reason) == SCAN_UNKNOWN);
	const char *allow[] = {"mypkg.Model", "other.*"};
	struct scan_options o2 = opt;
	o2.allow = allow;
	o2.nallow = 2;
	CHECK("--allow exact", allowlist_verdict("mypkg", "Model", &o2, &reason) == SCAN_SAFE);
	CHECK("--allow module.*", allowlist_verdict("other.sub", "Thing", &o2, &reason) == SCAN_SAFE);
	CHECK("--allow never overrides the deny-list",
	      allowlist_verdict("os", "system", &o2, &reason) == SCAN_DANGEROUS);
	CHECK("--allow entry syntax", allowlist_entry_valid_p("a.b") && allowlist_entry_valid_p("a.*") &&
					  !allowlist_entry_valid_p("a") && !allowlist_entry_valid_p("a..b") &&
					  !allowlist_entry_valid_p("a b.c") &&
					  !allowlist_entry_valid_p("*.a"));

	/* what is not a pickle: CPython raises at the first opcode, importing nothing */
	char why[128];
#define CANNOT(lit) pickle_cannot_start_p((const uint8_t *)lit, sizeof(lit) - 1, why, sizeof(why))
	CHECK("not a pickle: '[' (vocab.txt) is no opcode", CANNOT("[PAD]\n[UNK]\n"));
	CHECK("not a pickle: '#', '-', '*', '<', NUL",
	      CANNOT("#version: 0.2\n") && CANNOT("---\nlicense: mit\n") && CANNOT("*.bin filter=lfs\n") &&
		  CANNOT("<pad>\n") && CANNOT("\x00\x01"));
	CHECK("not a pickle: opcodes that need a stack, a MARK or the memo",
	      CANNOT("hello\n") && CANNOT("a\n") && CANNOT("the end\n") && CANNOT("2024\n") && CANNOT(".") &&
		  CANNOT("g0\n") && CANNOT("p0\n") && CANNOT("R"));
	/* INST: Python's reader imports the class before it looks for the MARK */
	CHECK("a pickle: INST with ASCII lines (imported before the MARK is missed)",
	      !CANNOT("ios\nsystem\n") && !CANNOT("i\nos\nsystem\n") && !CANNOT("import torch\n"));
	CHECK("not a pickle: INST whose module or name is not ASCII",
	      CANNOT("i\xc3\xa9\nx\n") && CANNOT("ios\nsyst\xe8m\n"));
	CHECK("not a pickle: counted operand past the end",
	      CANNOT("The model\n") && CANNOT("Ux") && CANNOT("K"));
	CHECK("not a pickle: text operands that cannot parse",
	      CANNOT("S no quotes\n") && CANNOT("Infinity\n") && CANNOT("Llama\n") &&
		  CANNOT("Fast model\n") && CANNOT("S'unterminated"));
	CHECK("a pickle: PROTO, even a broken one", !CANNOT("\x80\x02") && !CANNOT("\x80\x09N."));
	CHECK("a pickle: opcodes that cannot fail",
	      !CANNOT("N") && !CANNOT("(") && !CANNOT("]") && !CANNOT("}"));
	CHECK("a pickle: GLOBAL, PERSID and EXT reach outside the unpickler",
	      !CANNOT("cos\nsystem\n") && !CANNOT("c") && !CANNOT("P0\n") && !CANNOT("\x82\x01"));
	CHECK("a pickle: text operands that may parse",
	      !CANNOT("I01\n") && !CANNOT("I 5\n") && !CANNOT("I\n") && !CANNOT("I\x00x\n") &&
		  !CANNOT("Finf\n") && !CANNOT("S'os'\n") && !CANNOT("Vanything\n"));
	CHECK("a pickle: counted operand that fits", !CANNOT("U\x02"
							     "ab.") &&
							 !CANNOT("X\x01\x00\x00\x00"
								 "a."));
	CHECK("EXT code 0 cannot start", CANNOT("\x82\x00"));
	scan(S("[PAD]\n[UNK]\n[CLS]\n"), &r);
	CHECK("vocab.txt is skipped, not an error",
	      r.skipped && !r.error && r.verdict == SCAN_SAFE && strcmp(r.format, "skipped") == 0);
	scan_result_free(&r);
	scan(S("{\"hidden_size\": 4}"), &r);
	CHECK("JSON is skipped", r.skipped && r.verdict == SCAN_SAFE);
	scan_result_free(&r);
	scan(S("(S'id'\nios\nsystem\n."), &r);
	CHECK("a protocol 0 pickle is never skipped", !r.skipped && r.verdict == SCAN_DANGEROUS);
	scan_result_free(&r);
	scan(S("cos\nsystem\n"), &r);
	CHECK("a broken pickle with a GLOBAL is judged, not skipped",
	      !r.skipped && r.verdict == SCAN_DANGEROUS);
	scan_result_free(&r);
	scan(S("Note: nothing\n"), &r);
	CHECK("text whose first byte can start a pickle is read as one",
	      !r.skipped && r.verdict == SCAN_ERROR);
	scan_result_free(&r);
	CHECK("cut-off compressed joblib is an error: zlib level 3, lzma, gzip, bz2",
	      verdict_of(S("\x78\x5e\x2d\x4f")) == SCAN_ERROR &&
		  verdict_of(S("\x5d\x00\x00\x40\x00")) == SCAN_ERROR &&
		  verdict_of(S("\x1f\x8b\x08\x00")) == SCAN_ERROR && verdict_of(S("BZh91AY")) == SCAN_ERROR);
	test_compressed();
	test_joblib_dtype();
	test_npy();
	test_frames();
	test_zip();
	test_readings();
	test_zfile();
	CHECK("'x' without a zlib header checksum is no zlib", verdict_of(S("xyz\n")) == SCAN_SAFE);

	/* directory walks: include/exclude, joined paths */
	const char *inc[] = {"*.bin", "sub/*.pt"}, *exc[] = {".git", "*.tmp.bin"};
	struct scan_options so = opt;
	CHECK("no globs: everything", scan_selected_p(&so, "a/b.txt", false));
	so.include = inc;
	so.ninclude = 2;
	so.exclude = exc;
	so.nexclude = 2;
	CHECK("include by base name", scan_selected_p(&so, "deep/dir/model.bin", false));
	CHECK("include by relative path",
	      scan_selected_p(&so, "sub/m.pt", false) && !scan_selected_p(&so, "m.pt", false));
	CHECK("not included", !scan_selected_p(&so, "README.md", false));
	CHECK("directories are entered to find included files", scan_selected_p(&so, "deep", true));
	CHECK("exclude wins over include", !scan_selected_p(&so, "x.tmp.bin", false));
	CHECK("excluded directory not entered", !scan_selected_p(&so, "a/.git", true));
	char *j1 = scan_join("dir/", "f"), *j2 = scan_join("dir", "f"), *j3 = scan_join("/", "f"),
	     *j4 = scan_join("d//", "f");
	CHECK("joined paths have one slash", j1 && j2 && j3 && j4 && strcmp(j1, "dir/f") == 0 &&
						 strcmp(j2, "dir/f") == 0 && strcmp(j3, "/f") == 0 &&
						 strcmp(j4, "d/f") == 0);
	free(j1);
	free(j2);
	free(j3);
	free(j4);

	/* limits */
	struct scan_options small = opt;
	small.limits.max_stack = 4;
	struct scan_result r2;
	scan_buffer((const uint8_t *)"NNNNNNN.", 8, "t", &small, &r2);
	CHECK("stack limit", r2.verdict == SCAN_ERROR);
	scan_result_free(&r2);
	small = opt;
	small.limits.max_globals = 1;
	scan_buffer((const uint8_t *)"cmypkg\na\ncos\nsystem\n.", 21, "t", &small, &r2);
	CHECK("globals past the record limit are still judged",
	      r2.verdict == SCAN_DANGEROUS && r2.nglobals == 1 && r2.globals_seen == 2);
	scan_result_free(&r2);
	return unit_failures ? 1 : 0;
}
