/* Zip containers, read the way the lenient loaders read them: PyTorch's
 * reader (miniz) ignores general-purpose flag bits and CRCs, finds names
 * case-insensitively; Python's zipfile (numpy.load on .npz) accepts data
 * before the first entry. libzip refuses some of these, so this is a small
 * central-directory reader over the mapped file: every length is checked
 * against the buffer, entries and inflated bytes are bounded, and every
 * member that a loader could unpickle is scanned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "scan.h"

static uint64_t le(const uint8_t *s, int n)
{
	uint64_t v = 0;
	for (int k = n - 1; k >= 0; k--)
		v = v << 8 | s[k];
	return v;
}

struct cd {
	uint64_t eocd;    /* offset of the end record */
	uint64_t cd_off;  /* where the central directory really is */
	uint64_t cd_size;
	uint64_t entries;
	uint64_t concat;  /* bytes before the archive (self-extractor style) */
};

/* The end-of-central-directory record, the zip64 one if present, and the
 * real position of the central directory (shifted when data was prepended). */
static bool find_cd(const uint8_t *d, size_t len, struct cd *c)
{
	if (len < 22)
		return false;
	size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
	for (size_t k = len - 22 + 1; k-- > lo;) {
		if (memcmp(d + k, "PK\x05\x06", 4) != 0)
			continue;
		uint64_t n = le(d + k + 10, 2), size = le(d + k + 12, 4), off = le(d + k + 16, 4);
		uint64_t end = k; /* the CD ends where the zip64 records or the EOCD start */
		if ((n == 0xFFFF || size == 0xFFFFFFFF || off == 0xFFFFFFFF) && k >= 20 &&
		    memcmp(d + k - 20, "PK\x06\x07", 4) == 0) {
			uint64_t z = le(d + k - 20 + 8, 8);
			/* the zip64 record sits just before the locator; its stated offset may be shifted */
			uint64_t zpos = k - 20 >= 56 ? k - 20 - 56 : 0;
			if (z + 56 <= len && memcmp(d + z, "PK\x06\x06", 4) == 0)
				zpos = z;
			if (zpos + 56 > len || memcmp(d + zpos, "PK\x06\x06", 4) != 0)
				continue;
			n = le(d + zpos + 32, 8);
			size = le(d + zpos + 40, 8);
			off = le(d + zpos + 48, 8);
			end = zpos;
		}
		if (size > end)
			continue;
		c->eocd = k;
		c->cd_size = size;
		c->entries = n;
		if (off + size <= end && off + 4 <= len && (size == 0 || memcmp(d + off, "PK\x01\x02", 4) == 0)) {
			c->cd_off = off;
			c->concat = 0;
		} else {
			uint64_t real = end - size;
			if (real < off || (size && (real + 4 > len || memcmp(d + real, "PK\x01\x02", 4) != 0)))
				continue;
			c->cd_off = real;
			c->concat = real - off;
		}
		return true;
	}
	return false;
}

bool zip_find_p(const uint8_t *data, size_t len)
{
	struct cd c;
	return find_cd(data, len, &c);
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Inflate a raw deflate stream into a new buffer of at most max bytes. */
static uint8_t *inflate_all(const uint8_t *src, uint64_t slen, uint64_t want, uint64_t max, size_t *outlen,
			    const char **why)
{
	z_stream z = { 0 };
	size_t cap = want && want <= max ? (size_t)want + 1 : 1 << 16, n = 0;
	uint8_t *out = malloc(cap);
	int rc;

	if (!out || inflateInit2(&z, -15) != Z_OK) {
		free(out);
		*why = "out of memory";
		return NULL;
	}
	z.next_in = (Bytef *)src;
	uint64_t left = slen;
	do {
		if (n == cap) {
			if (cap >= max) {
				*why = "inflates past the size limit";
				goto bad;
			}
			size_t ncap = cap * 2 > max ? (size_t)max : cap * 2;
			uint8_t *nb = realloc(out, ncap);
			if (!nb) {
				*why = "out of memory";
				goto bad;
			}
			out = nb;
			cap = ncap;
		}
		if (z.avail_in == 0) {
			z.avail_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
			left -= z.avail_in;
		}
		z.next_out = out + n;
		z.avail_out = (uInt)(cap - n > (1u << 30) ? (1u << 30) : cap - n);
		size_t before = z.avail_out;
		rc = inflate(&z, Z_NO_FLUSH);
		n += before - z.avail_out;
		if (rc == Z_BUF_ERROR && z.avail_in == 0 && left == 0) {
			*why = "deflate data truncated";
			goto bad;
		}
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
			*why = "bad deflate data";
			goto bad;
		}
	} while (rc != Z_STREAM_END);
	inflateEnd(&z);
	*outlen = n;
	return out;
bad:
	inflateEnd(&z);
	free(out);
	return NULL;
}

void zip_scan(const uint8_t *data, size_t len, const char *member, unsigned depth, const struct scan_options *opt,
	      struct scan_result *res)
{
	struct cd c;
	bool torch = false, all_npy = true;
	char first_dir[256] = "";

	if (!find_cd(data, len, &c)) {
		scan_set_error(res, member, "zip without a readable central directory");
		return;
	}
	if (c.entries > opt->limits.max_zip_entries) {
		scan_set_error(res, member, "zip with %llu entries is over the limit", (unsigned long long)c.entries);
		return;
	}
	if (c.concat)
		scan_add_issue(res, SCAN_SAFE, member, 0, "%llu bytes before the first zip entry",
			       (unsigned long long)c.concat);
	uint64_t p = c.cd_off, end = c.cd_off + c.cd_size;
	for (uint64_t k = 0; k < c.entries; k++) {
		if (p + 46 > end || memcmp(data + p, "PK\x01\x02", 4) != 0) {
			scan_set_error(res, member, "zip central directory entry %llu is broken", (unsigned long long)k);
			return;
		}
		const uint8_t *e = data + p;
		unsigned flags = (unsigned)le(e + 8, 2), method = (unsigned)le(e + 10, 2);
		uint32_t crc = (uint32_t)le(e + 16, 4);
		uint64_t csize = le(e + 20, 4), usize = le(e + 24, 4), lho = le(e + 42, 4);
		size_t nlen = (size_t)le(e + 28, 2), elen = (size_t)le(e + 30, 2), clen = (size_t)le(e + 32, 2);
		if (p + 46 + nlen + elen + clen > end) {
			scan_set_error(res, member, "zip central directory entry %llu is truncated", (unsigned long long)k);
			return;
		}
		/* zip64 sizes and offset, in this order, for the fields at their maximum */
		const uint8_t *x = e + 46 + nlen, *xend = x + elen;
		while (x + 4 <= xend) {
			unsigned id = (unsigned)le(x, 2), sz = (unsigned)le(x + 2, 2);
			const uint8_t *f = x + 4;
			if (f + sz > xend)
				break;
			if (id == 1) {
				const uint8_t *q = f;
				if (usize == 0xFFFFFFFF && q + 8 <= f + sz)
					usize = le(q, 8), q += 8;
				if (csize == 0xFFFFFFFF && q + 8 <= f + sz)
					csize = le(q, 8), q += 8;
				if (lho == 0xFFFFFFFF && q + 8 <= f + sz)
					lho = le(q, 8), q += 8;
			}
			x = f + sz;
		}
		char name[1024], full[1400];
		snprintf(name, sizeof(name), "%.*s", (int)(nlen < sizeof(name) - 1 ? nlen : sizeof(name) - 1),
			 (const char *)e + 46);
		for (char *q = name; *q; q++)
			if ((unsigned char)*q < 0x20)
				*q = '?';
		p += 46 + nlen + elen + clen;
		if (member)
			snprintf(full, sizeof(full), "%s:%s", member, name);
		else
			snprintf(full, sizeof(full), "%s", name);
		if (k == 0) {
			const char *slash = strchr(name, '/');
			snprintf(first_dir, sizeof(first_dir), "%.*s", slash ? (int)(slash - name) : 0, name);
		}
		if (ends_with_ci(name, "/data.pkl") || strcasecmp(name, "data.pkl") == 0) {
			torch = true;
			if (!strstr(name, "data.pkl"))
				scan_add_issue(res, SCAN_SAFE, full, 0, "name differs in case from data.pkl (PyTorch finds it anyway)");
		}
		if (!ends_with_ci(name, ".npy"))
			all_npy = false;
		if (name[nlen ? nlen - 1 : 0] == '/' && usize == 0)
			continue; /* a directory */

		/* The data: after the local header, whose name and extra lengths
		 * may differ from the central directory's (both readers use them). */
		uint64_t lh = lho + c.concat;
		if (lh + 30 > len || memcmp(data + lh, "PK\x03\x04", 4) != 0) {
			scan_set_error(res, full, "zip local header missing");
			return;
		}
		uint64_t doff = lh + 30 + le(data + lh + 26, 2) + le(data + lh + 28, 2);
		if (doff > len || csize > len - doff) {
			scan_set_error(res, full, "zip entry data outside the file");
			return;
		}
		if (le(data + lh + 26, 2) != nlen || memcmp(data + lh + 30, e + 46, nlen) != 0)
			scan_add_issue(res, SCAN_SAFE, full, lh, "local header name differs from the central directory");
		if (flags & 1) {
			scan_add_issue(res, SCAN_UNKNOWN, full, lh, "encrypted zip entry: cannot be scanned");
			continue;
		}
		bool named = ends_with_ci(name, ".pkl") || ends_with_ci(name, ".pickle") || ends_with_ci(name, ".npy") ||
			     ends_with_ci(name, ".pt") || ends_with_ci(name, ".pth") || ends_with_ci(name, ".joblib");
		const uint8_t *content;
		size_t clen2;
		uint8_t *owned = NULL;
		if (method == 0) {
			content = data + doff;
			clen2 = (size_t)csize;
		} else if (method == 8) {
			const char *why = "";
			owned = inflate_all(data + doff, csize, usize, opt->limits.max_inflate, &clen2, &why);
			if (!owned) {
				if (named)
					scan_set_error(res, full, "%s", why);
				else
					scan_add_issue(res, SCAN_UNKNOWN, full, lh, "cannot inflate: %s", why);
				continue;
			}
			content = owned;
		} else {
			scan_add_issue(res, SCAN_UNKNOWN, full, lh, "compression method %u is not scanned", method);
			continue;
		}
		bool sniffed = !named && clen2 >= 2 &&
			       ((content[0] == 0x80 && content[1] >= 1 && content[1] <= 5) ||
				(clen2 >= 6 && memcmp(content, "\x93NUMPY", 6) == 0) ||
				(clen2 >= 4 && memcmp(content, "PK\x03\x04", 4) == 0));
		if (named || sniffed) {
			uLong got = crc32(0L, Z_NULL, 0);
			for (size_t q = 0; q < clen2; q += 1u << 30)
				got = crc32(got, content + q, (uInt)(clen2 - q > (1u << 30) ? 1u << 30 : clen2 - q));
			if ((uint32_t)got != crc)
				scan_add_issue(res, SCAN_SAFE, full, lh, "bad CRC (PyTorch loads it anyway)");
			if (named) {
				formats_scan(content, clen2, full, depth + 1, opt, res);
			} else {
				/* Raw tensor bytes can start like a pickle by chance: what
				 * they import counts, a failed parse does not. */
				struct scan_result tmp = { 0 };
				tmp.format = "unknown";
				formats_scan(content, clen2, full, depth + 1, opt, &tmp);
				for (size_t g = 0; g < tmp.nglobals; g++) {
					struct scan_global *sg = &tmp.globals[g];
					scan_add_global(res, opt, sg->module, sg->name, sg->member, sg->offset, sg->opcode,
							sg->verdict, sg->reason);
				}
				for (size_t g = 0; g < tmp.nissues; g++)
					scan_add_issue(res, tmp.issues[g].verdict, tmp.issues[g].member, tmp.issues[g].offset,
						       "%s", tmp.issues[g].what);
				scan_result_free(&tmp);
			}
		}
		free(owned);
	}
	if (!member || !res->format || strcmp(res->format, "unknown") == 0 || strcmp(res->format, "pickle") == 0) {
		const char *f = torch ? "pytorch-zip" : all_npy && c.entries ? "npz" : "zip";
		if (!member && res->format && strcmp(res->format, "pickle") == 0)
			f = "pickle+zip";
		res->format = f;
	}
	(void)first_dir;
}
