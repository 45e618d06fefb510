/* Compressed joblib dumps, decompressed the way joblib.load reads them.
 *
 * joblib picks a decompressor by the file's first bytes alone
 * (numpy_pickle_utils._detect_compressor) and unpickles whatever comes out,
 * so a compressed dump is as dangerous as its content: it is decompressed
 * here, bounded by limits.max_inflate, and the content is scanned. What
 * each decoder does at the end of a stream follows the Python file object
 * joblib wraps around it:
 *   zlib  joblib's BinaryZlibFile: one stream, bytes after it ignored;
 *   gzip  GzipFile: members one after another, zero padding between them,
 *         anything else after a member raises;
 *   bz2, lzma/xz (LZMAFile, FORMAT_AUTO), lz4 (LZ4FrameFile): the
 *         _compression.DecompressReader loop, streams one after another,
 *         trailing bytes ignored when a new stream fails at once;
 *   ZF    joblib < 0.10 (numpy_pickle_compat.read_zfile, still how
 *         joblib.load reads a file starting with "ZF"): the length in hex
 *         in 19 bytes, an optional space, one zlib stream (bytes after it
 *         ignored, a cut one raises), as long as the length said.
 * A stream that breaks off is reported with what came out before the break
 * (the loader may have unpickled that much); a stream that decompresses past
 * the limit is an error, never a pass. */
#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "scan.h"

/* liblzma's decoder memory: xz -9e needs 65 MiB; past this the file is not
 * decompressed (reported, never passed). */
#define LZMA_MEMLIMIT (256ull << 20)

const char *compress_kind(const uint8_t *d, size_t len)
{
	/* The prefixes joblib registers, made exact where the format allows:
	 * a prefix joblib takes but its decompressor refuses ("x" without a
	 * zlib header, "BZ" without a block size) loads nothing. */
	if (len >= 3 && d[0] == 0x1f && d[1] == 0x8b && d[2] == 8)
		return "gzip";
	if (len >= 4 && memcmp(d, "BZh", 3) == 0 && d[3] >= '1' && d[3] <= '9')
		return "bz2";
	if (len >= 6 && memcmp(d,
			       "\xfd"
			       "7zXZ\0",
			       6) == 0)
		return "xz";
	if (len >= 2 && d[0] == 0x5d && d[1] == 0)
		return "lzma";
	/* zlib at any level: method 8, header checksum (joblib: compress=N) */
	if (len >= 2 && d[0] == 0x78 && ((unsigned)d[0] << 8 | d[1]) % 31 == 0)
		return "zlib";
	if (len >= 2 && memcmp(d, "ZF", 2) == 0)
		return "zfile";
	if (len >= 4 && memcmp(d, "\x04\x22\x4d\x18", 4) == 0)
		return "lz4";
	return NULL;
}

/* An output buffer that grows up to max bytes. */
struct obuf {
	uint8_t *p;
	size_t n, cap;
	uint64_t max;
};

/* Make room for more output; -1 past the limit or out of memory. */
static int room(struct obuf *b, const char **why)
{
	if (b->n < b->cap)
		return 0;
	if (b->cap >= b->max) {
		*why = "decompresses past the size limit";
		return -1;
	}
	size_t ncap = b->cap ? b->cap * 2 : 1 << 16;
	if (ncap > b->max)
		ncap = (size_t)b->max;
	uint8_t *np = realloc(b->p, ncap);
	if (!np) {
		*why = "out of memory";
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

static unsigned chunk(size_t n) { return n > (1u << 30) ? 1u << 30 : (unsigned)n; }

/* zlib and gzip. Returns 0 (all read), 1 (broke off: *why), -1 (limit). */
static int dec_zlib(const uint8_t *in, size_t len, bool gzip, struct obuf *o, const char **why)
{
	z_stream z = {0};
	size_t pos = 0;
	int rc = 0;

	if (inflateInit2(&z, gzip ? 31 : 15) != Z_OK) {
		*why = "out of memory";
		return -1;
	}
	for (;;) {
		z.next_in = (Bytef *)in + pos;
		z.avail_in = chunk(len - pos);
		if (room(o, why) < 0) {
			rc = -1;
			break;
		}
		z.next_out = o->p + o->n;
		z.avail_out = chunk(o->cap - o->n);
		unsigned before_in = z.avail_in, before_out = z.avail_out;
		int zr = inflate(&z, Z_NO_FLUSH);
		pos += before_in - z.avail_in;
		o->n += before_out - z.avail_out;
		if (zr == Z_STREAM_END) {
			if (!gzip)
				break; /* BinaryZlibFile: one stream */
			while (pos < len && in[pos] == 0)
				pos++; /* GzipFile skips zero padding */
			if (pos == len)
				break;
			if (len - pos < 2 || in[pos] != 0x1f || in[pos + 1] != 0x8b) {
				*why = "data after a gzip member is not gzip";
				rc = 1;
				break;
			}
			inflateReset(&z);
			continue;
		}
		if (zr == Z_OK || (zr == Z_BUF_ERROR && o->n == o->cap))
			continue;
		*why = zr == Z_BUF_ERROR ? "compressed stream truncated" : "bad compressed data";
		rc = 1;
		break;
	}
	inflateEnd(&z);
	return rc;
}

/* The DecompressReader loop's rule for the stream after the first: one
 * that yields nothing before failing is trailing data and ignored
 * (TRAILING: the caller stops, all read); otherwise the data broke off. */
enum { TRAILING = 2 };
static int next_stream_failed(bool first, size_t out_before, const struct obuf *o, const char *what,
			      const char **why)
{
	if (!first && o->n == out_before)
		return TRAILING;
	*why = what;
	return 1;
}

static int dec_bz2(const uint8_t *in, size_t len, struct obuf *o, const char **why)
{
	size_t pos = 0;
	for (bool first = true; pos < len; first = false) {
		bz_stream s = {0};
		size_t out0 = o->n;
		int br, rc = 0;
		if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK) {
			*why = "out of memory";
			return -1;
		}
		do {
			if (room(o, why) < 0) {
				rc = -1;
				break;
			}
			s.next_in = (char *)in + pos;
			s.avail_in = chunk(len - pos);
			s.next_out = (char *)o->p + o->n;
			s.avail_out = chunk(o->cap - o->n);
			unsigned bi = s.avail_in, bo = s.avail_out;
			br = BZ2_bzDecompress(&s);
			pos += bi - s.avail_in;
			o->n += bo - s.avail_out;
			if (br != BZ_OK && br != BZ_STREAM_END)
				rc = next_stream_failed(first, out0, o, "bad bz2 data", why);
			else if (br == BZ_OK && bi == s.avail_in && bo == s.avail_out)
				rc = next_stream_failed(first, out0, o, "compressed stream truncated", why);
		} while (rc == 0 && br == BZ_OK);
		BZ2_bzDecompressEnd(&s);
		if (rc != 0 || br != BZ_STREAM_END)
			return rc == TRAILING ? 0 : rc;
	}
	return 0;
}

static int dec_lzma(const uint8_t *in, size_t len, struct obuf *o, const char **why)
{
	size_t pos = 0;
	for (bool first = true; pos < len; first = false) {
		lzma_stream s = LZMA_STREAM_INIT;
		size_t out0 = o->n;
		lzma_ret lr;
		int rc = 0;
		if (lzma_auto_decoder(&s, LZMA_MEMLIMIT, 0) != LZMA_OK) {
			*why = "out of memory";
			return -1;
		}
		do {
			if (room(o, why) < 0) {
				rc = -1;
				break;
			}
			s.next_in = in + pos;
			s.avail_in = len - pos;
			s.next_out = o->p + o->n;
			s.avail_out = o->cap - o->n;
			size_t bi = s.avail_in, bo = s.avail_out;
			lr = lzma_code(&s, LZMA_FINISH);
			pos += bi - s.avail_in;
			o->n += bo - s.avail_out;
			if (lr == LZMA_MEMLIMIT_ERROR)
				rc = next_stream_failed(first, out0, o,
							"needs more decoder memory than allowed", why);
			else if (lr == LZMA_BUF_ERROR && o->n < o->cap)
				rc = next_stream_failed(first, out0, o, "compressed stream truncated", why);
			else if (lr != LZMA_OK && lr != LZMA_STREAM_END && lr != LZMA_BUF_ERROR)
				rc = next_stream_failed(first, out0, o, "bad lzma/xz data", why);
		} while (rc == 0 && lr != LZMA_STREAM_END);
		lzma_end(&s);
		if (rc != 0)
			return rc == TRAILING ? 0 : rc;
	}
	return 0;
}

static int dec_lz4(const uint8_t *in, size_t len, struct obuf *o, const char **why)
{
	size_t pos = 0;
	for (bool first = true; pos < len; first = false) {
		LZ4F_dctx *d;
		size_t out0 = o->n, hint = 1;
		int rc = 0;
		if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION))) {
			*why = "out of memory";
			return -1;
		}
		while (rc == 0 && hint != 0) {
			if (room(o, why) < 0) {
				rc = -1;
				break;
			}
			size_t ni = len - pos, no = o->cap - o->n;
			hint = LZ4F_decompress(d, o->p + o->n, &no, in + pos, &ni, NULL);
			pos += ni;
			o->n += no;
			if (LZ4F_isError(hint))
				rc = next_stream_failed(first, out0, o, "bad lz4 data", why);
			else if (hint != 0 && ni == 0 && no == 0)
				rc = next_stream_failed(first, out0, o, "compressed stream truncated", why);
		}
		LZ4F_freeDecompressionContext(d);
		if (rc != 0)
			return rc == TRAILING ? 0 : rc;
	}
	return 0;
}

/* Python's int(s, 16) on the bytes of the ZF header: spaces around, a
 * sign, an optional 0x, hex digits with single underscores between them
 * (one may follow the 0x). Returns -1 where int() raises; -2 for a value
 * no buffer holds. */
static int py_hex(const uint8_t *s, size_t n, uint64_t *out)
{
	size_t k = 0, end = n, digits = 0;
	bool neg = false;
	uint64_t v = 0;

	if (memchr(s, 0, n))
		return -1; /* int() of bytes with a NUL raises */
	while (k < end && strchr(" \t\n\v\f\r", s[k]))
		k++;
	while (end > k && strchr(" \t\n\v\f\r", s[end - 1]))
		end--;
	if (k < end && (s[k] == '+' || s[k] == '-'))
		neg = s[k++] == '-';
	if (end - k >= 2 && s[k] == '0' && (s[k + 1] == 'x' || s[k + 1] == 'X')) {
		k += 2;
		if (k < end && s[k] == '_')
			k++;
	}
	for (; k < end; k++) {
		int h = s[k] >= '0' && s[k] <= '9'   ? s[k] - '0'
			: s[k] >= 'a' && s[k] <= 'f' ? s[k] - 'a' + 10
			: s[k] >= 'A' && s[k] <= 'F' ? s[k] - 'A' + 10
						     : -1;
		if (h < 0) {
			if (s[k] != '_' || !digits || k + 1 >= end || s[k + 1] == '_')
				return -1;
			continue;
		}
		if (v >> 60)
			return -2;
		v = v << 4 | (uint64_t)h;
		digits++;
	}
	if (!digits)
		return -1;
	if (neg && v)
		return -1; /* zlib.decompress: bufsize must be non-negative */
	*out = v;
	return 0;
}

enum { ZF_LEN = 19 }; /* len(hex(2 ** 64)) */

static int dec_zfile(const uint8_t *in, size_t len, struct obuf *o, const char **why)
{
	size_t hlen = len < 2 + ZF_LEN ? len - 2 : ZF_LEN, start = 2 + ZF_LEN;
	uint64_t want = 0;

	if (py_hex(in + 2, hlen, &want) < 0) {
		*why = "the length in the ZF header is not a number joblib reads";
		return -1;
	}
	if (len > start && in[start] == ' ')
		start++; /* joblib <= 0.8.4 under Python 2 wrote one more space */
	if (len <= start) {
		*why = "no compressed data after the ZF header";
		return -1;
	}
	int rc = dec_zlib(in + start, len - start, false, o, why);
	if (rc != 0)
		return -1; /* zlib.decompress raised: nothing was unpickled */
	if (o->n != want) {
		/* joblib asserts the length (an assert: gone under python -O) */
		*why = "another length decompresses than its header says (joblib asserts they agree)";
		return 1;
	}
	return 0;
}

int compress_decode(const char *kind, const uint8_t *in, size_t len, uint64_t max, uint8_t **out,
		    size_t *outlen, const char **why)
{
	struct obuf o = {.max = max ? max : 1};
	int rc;

	if (strcmp(kind, "zlib") == 0 || strcmp(kind, "gzip") == 0)
		rc = dec_zlib(in, len, kind[0] == 'g', &o, why);
	else if (strcmp(kind, "bz2") == 0)
		rc = dec_bz2(in, len, &o, why);
	else if (strcmp(kind, "xz") == 0 || strcmp(kind, "lzma") == 0)
		rc = dec_lzma(in, len, &o, why); /* LZMAFile(FORMAT_AUTO) for both */
	else if (strcmp(kind, "lz4") == 0)
		rc = dec_lz4(in, len, &o, why);
	else if (strcmp(kind, "zfile") == 0)
		rc = dec_zfile(in, len, &o, why);
	else {
		*why = "not decompressed by airlock";
		rc = -1;
	}
	if (rc < 0) {
		free(o.p);
		return -1;
	}
	*out = o.p;
	*outlen = o.n;
	return rc;
}
