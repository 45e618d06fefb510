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

/* One reading of the central directory. Python's zipfile (np.load) finds
 * it at "end record minus its stated size", shifts every local header by
 * the difference to the stated offset, and reads every record within the
 * stated size whatever the stated count. PyTorch's reader (miniz) takes the
 * stated offset and reads exactly the stated count. A second, hidden
 * central directory or an understated count shows one reader members the
 * other does not see: both readings are scanned. */
struct cd {
	uint64_t cd_off; /* where this reader reads the central directory */
	uint64_t cd_size;
	uint64_t entries; /* records to read; UINT64_MAX: all within cd_size */
	int64_t concat;	  /* added to each local header offset */
	const char *who;
};

/* Walks the records of a view; false when that reader would refuse it. */
static bool cd_valid(const uint8_t *d, size_t len, const struct cd *c, uint64_t max)
{
	uint64_t p = c->cd_off, end = c->cd_off + c->cd_size, k = 0;
	if (c->cd_off > len || c->cd_size > len - c->cd_off)
		return false;
	for (; c->entries == UINT64_MAX ? p < end : k < c->entries; k++) {
		if (k > max || p + 46 > end || memcmp(d + p, "PK\x01\x02", 4) != 0)
			return false;
		p += 46 + le(d + p + 28, 2) + le(d + p + 30, 2) + le(d + p + 32, 2);
		if (c->entries != UINT64_MAX && p > end)
			return false;
	}
	return true;
}

/* The end record (the last one, as both readers search backwards) and the
 * views of the two readers: *n gets how many are valid (0 to 2). */
static void find_cd(const uint8_t *d, size_t len, uint64_t max, struct cd v[2], int *nv)
{
	*nv = 0;
	if (len < 22)
		return;
	size_t lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
	for (size_t k = len - 22 + 1; k-- > lo;) {
		if (memcmp(d + k, "PK\x05\x06", 4) != 0)
			continue;
		uint64_t n = le(d + k + 10, 2), size = le(d + k + 12, 4), off = le(d + k + 16, 4);
		uint64_t pn = n, psize = size, poff = off, pend = k, tn = n, tsize = size, toff = off;
		bool loc = k >= 20 && memcmp(d + k - 20, "PK\x06\x07", 4) == 0, pok = true, tok = true;
		if (loc) {
			/* zipfile: the zip64 record right before the locator; miniz:
			 * the one at the locator's stated offset */
			uint64_t zp = k - 20 >= 56 ? k - 20 - 56 : UINT64_MAX, zt = le(d + k - 20 + 8, 8);
			pok = zp != UINT64_MAX && memcmp(d + zp, "PK\x06\x06", 4) == 0;
			if (pok)
				pn = le(d + zp + 32, 8), psize = le(d + zp + 40, 8),
				poff = le(d + zp + 48, 8), pend = zp;
			tok = len >= 56 && zt <= len - 56 && memcmp(d + zt, "PK\x06\x06", 4) == 0;
			if (tok)
				tn = le(d + zt + 32, 8), tsize = le(d + zt + 40, 8),
				toff = le(d + zt + 48, 8);
		}
		(void)pn;
		if (pok && psize <= pend && poff <= (uint64_t)INT64_MAX) {
			struct cd c = {pend - psize, psize, UINT64_MAX,
				       (int64_t)(pend - psize) - (int64_t)poff, "zipfile"};
			if (cd_valid(d, len, &c, max))
				v[(*nv)++] = c;
		}
		if (tok && tn <= max) {
			struct cd c = {toff, tsize, tn, 0, "PyTorch"};
			bool same = *nv && v[0].cd_off == c.cd_off && v[0].concat == 0;
			if (cd_valid(d, len, &c, max) && !same)
				v[(*nv)++] = c;
			else if (same && cd_valid(d, len, &c, max)) {
				/* same place: differs only when the count is understated,
				 * and zipfile's view then holds every record already */
			}
		}
		if (*nv)
			return;
	}
}

bool zip_find_p(const uint8_t *data, size_t len)
{
	struct cd v[2];
	int nv;
	find_cd(data, len, 1u << 20, v, &nv);
	return nv > 0;
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
	z_stream z = {0};
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

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void zip_scan(const uint8_t *data, size_t len, const char *member, unsigned depth,
	      const struct scan_options *opt, struct scan_result *res)
{
	struct cd views[2];
	int nv;
	bool torch = false, all_npy = true;
	uint64_t nentries = 0;
	uint64_t *seen = NULL; /* local headers already scanned (sorted): one member, one scan */
	size_t nseen = 0;

	find_cd(data, len, opt->limits.max_zip_entries, views, &nv);
	if (!nv) {
		scan_set_error(res, member, "zip without a readable central directory (or over %zu entries)",
			       opt->limits.max_zip_entries);
		return;
	}
	if (nv == 2)
		scan_add_issue(res, SCAN_SAFE, member, 0,
			       "zipfile and PyTorch read different central directories: both scanned");
	seen = calloc(opt->limits.max_zip_entries + 2, sizeof(*seen));
	if (!seen) {
		scan_set_error(res, member, "out of memory");
		return;
	}
	for (int vi = 0; vi < nv; vi++) {
		struct cd c = views[vi];
		if (vi == 1)
			qsort(seen, nseen, sizeof(*seen), u64_cmp);
		if (c.concat > 0)
			scan_add_issue(res, SCAN_SAFE, member, 0, "%lld bytes before the first zip entry",
				       (long long)c.concat);
		uint64_t p = c.cd_off, end = c.cd_off + c.cd_size;
		for (uint64_t k = 0; c.entries == UINT64_MAX ? p < end : k < c.entries; k++) {
			if (p + 46 > end || memcmp(data + p, "PK\x01\x02", 4) != 0)
				break; /* cd_valid checked it */
			const uint8_t *e = data + p;
			unsigned flags = (unsigned)le(e + 8, 2), method = (unsigned)le(e + 10, 2);
			uint32_t crc = (uint32_t)le(e + 16, 4);
			uint64_t csize = le(e + 20, 4), usize = le(e + 24, 4), lho = le(e + 42, 4);
			size_t nlen = (size_t)le(e + 28, 2), elen = (size_t)le(e + 30, 2),
			       clen = (size_t)le(e + 32, 2);
			/* zipfile reads a last record cut by the stated size as far as it goes */
			if (p + 46 + nlen > end)
				nlen = (size_t)(end - p - 46);
			if (p + 46 + nlen + elen > end)
				elen = (size_t)(end - p - 46 - nlen);
			if (p + 46 + nlen + elen + clen > end)
				clen = (size_t)(end - p - 46 - nlen - elen);
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
			snprintf(name, sizeof(name), "%.*s",
				 (int)(nlen < sizeof(name) - 1 ? nlen : sizeof(name) - 1),
				 (const char *)e + 46);
			for (char *q = name; *q; q++)
				if ((unsigned char)*q < 0x20)
					*q = '?';
			p += 46 + nlen + elen + clen;
			if (member)
				snprintf(full, sizeof(full), "%s:%s", member, name);
			else
				snprintf(full, sizeof(full), "%s", name);
			nentries++;
			if (ends_with_ci(name, "/data.pkl") || strcasecmp(name, "data.pkl") == 0) {
				torch = true;
				if (!strstr(name, "data.pkl"))
					scan_add_issue(
					    res, SCAN_SAFE, full, 0,
					    "name differs in case from data.pkl (PyTorch finds it anyway)");
			}
			if (!ends_with_ci(name, ".npy"))
				all_npy = false;
			if (nlen && e[46 + nlen - 1] == '/' &&
			    usize == 0)	  /* the stored name: name[] may be cut */
				continue; /* a directory */

			/* The data: after the local header, whose name and extra lengths
			 * may differ from the central directory's (both readers use them). */
			uint64_t lh = lho + (uint64_t)c.concat;
			if (vi == 0 && nseen < opt->limits.max_zip_entries + 1)
				seen[nseen++] = lh;
			else if (vi == 1 && bsearch(&lh, seen, nseen, sizeof(*seen), u64_cmp))
				continue; /* the first view scanned it */
			if (lh > len || len - lh < 30 || memcmp(data + lh, "PK\x03\x04", 4) != 0) {
				scan_set_error(res, full, "zip local header missing");
				continue;
			}
			uint64_t doff = lh + 30 + le(data + lh + 26, 2) + le(data + lh + 28, 2);
			if (doff > len || csize > len - doff) {
				scan_set_error(res, full, "zip entry data outside the file");
				continue;
			}
			if (le(data + lh + 26, 2) != nlen || memcmp(data + lh + 30, e + 46, nlen) != 0)
				scan_add_issue(res, SCAN_SAFE, full, lh,
					       "local header name differs from the central directory");
			if (flags & 1) {
				scan_add_issue(res, SCAN_UNKNOWN, full, lh,
					       "encrypted zip entry: cannot be scanned");
				continue;
			}
			bool named = ends_with_ci(name, ".pkl") || ends_with_ci(name, ".pickle") ||
				     ends_with_ci(name, ".npy") || ends_with_ci(name, ".pt") ||
				     ends_with_ci(name, ".pth") || ends_with_ci(name, ".joblib");
			const uint8_t *content;
			size_t clen2;
			uint8_t *owned = NULL;
			if (method == 0) {
				content = data + doff;
				clen2 = (size_t)csize;
			} else if (method == 8) {
				const char *why = "";
				owned = inflate_all(data + doff, csize, usize, opt->limits.max_inflate,
						    &clen2, &why);
				if (!owned) {
					if (named)
						scan_set_error(res, full, "%s", why);
					else
						scan_add_issue(res, SCAN_UNKNOWN, full, lh,
							       "cannot inflate: %s", why);
					continue;
				}
				content = owned;
			} else {
				scan_add_issue(res, SCAN_UNKNOWN, full, lh,
					       "compression method %u is not scanned", method);
				continue;
			}
			bool sniffed = !named && clen2 >= 2 &&
				       ((content[0] == 0x80 && content[1] >= 1 && content[1] <= 5) ||
					(clen2 >= 6 && memcmp(content, "\x93NUMPY", 6) == 0) ||
					(clen2 >= 4 && memcmp(content, "PK\x03\x04", 4) == 0));
			if (named || sniffed) {
				uLong got = crc32(0L, Z_NULL, 0);
				for (size_t q = 0; q < clen2; q += 1u << 30)
					got = crc32(got, content + q,
						    (uInt)(clen2 - q > (1u << 30) ? 1u << 30 : clen2 - q));
				if ((uint32_t)got != crc)
					scan_add_issue(res, SCAN_SAFE, full, lh,
						       "bad CRC (PyTorch loads it anyway)");
				if (named) {
					formats_scan(content, clen2, full, depth + 1, opt, res);
				} else {
					/* Raw tensor bytes can start like a pickle by chance: what
					 * they import counts, a failed parse does not. */
					struct scan_result tmp = {0};
					tmp.format = "unknown";
					formats_scan(content, clen2, full, depth + 1, opt, &tmp);
					scan_merge(res, opt, &tmp);
					scan_result_free(&tmp);
				}
				/* A stored entry whose two sizes differ: zipfile reads the
				 * compressed size, PyTorch's reader the uncompressed one
				 * (seen: 210 bytes of a stored data.pkl whose compressed size
				 * says 68, loaded). No writer makes one: both are scanned. */
				if (method == 0 && usize != csize && usize <= len - doff) {
					struct scan_result tmp = {0};
					scan_add_issue(
					    res, SCAN_UNKNOWN, full, lh,
					    "stored entry of %llu bytes whose compressed size says %llu: "
					    "PyTorch and zipfile read different bytes",
					    (unsigned long long)usize, (unsigned long long)csize);
					tmp.format = "unknown";
					formats_scan(data + doff, (size_t)usize, full, depth + 1, opt, &tmp);
					scan_merge(res, opt, &tmp);
					scan_result_free(&tmp);
				}
			}
			free(owned);
		}
	}
	free(seen);
	if (!member || !res->format || strcmp(res->format, "unknown") == 0 ||
	    strcmp(res->format, "pickle") == 0) {
		const char *f = torch ? "pytorch-zip" : all_npy && nentries ? "npz" : "zip";
		if (!member && res->format && strcmp(res->format, "pickle") == 0)
			f = "pickle+zip";
		res->format = f;
	}
}
