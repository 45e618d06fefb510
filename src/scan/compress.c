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
 *         trailing bytes ignored when a new stream fails at once.
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
		return "zlib (joblib < 0.10)";
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
