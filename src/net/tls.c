/* ClientHello parsing (RFC 8446 4.1.2, RFC 6066 3), bounds-checked at
 * every step through a cursor. */
#include "net/tls.h"

#include <string.h>

struct cur {
	const uint8_t *p;
	size_t n;
	bool bad;
};

static uint32_t get(struct cur *c, size_t bytes)
{
	uint32_t v = 0;

	if (c->bad || c->n < bytes) {
		c->bad = true;
		return 0;
	}
	for (size_t i = 0; i < bytes; i++)
		v = v << 8 | c->p[i];
	c->p += bytes;
	c->n -= bytes;
	return v;
}

/* A sub-cursor over the next len bytes. */
static struct cur take(struct cur *c, size_t len)
{
	struct cur s = {c->p, len, c->bad || c->n < len};

	if (s.bad) {
		c->bad = true;
		s.n = 0;
		return s;
	}
	c->p += len;
	c->n -= len;
	return s;
}

bool al_tls_looks_like(const uint8_t *buf, size_t len)
{
	return len >= 1 && buf[0] == 0x16 && (len < 2 || buf[1] == 0x03);
}

static int parse_sni(struct cur ext, struct al_tls_hello *out, const char **why)
{
	struct cur list = take(&ext, get(&ext, 2));

	if (ext.bad || ext.n != 0)
		return *why = "malformed server_name extension", -1;
	while (list.n > 0) {
		uint32_t type = get(&list, 1);
		struct cur name = take(&list, get(&list, 2));
		if (list.bad)
			return *why = "malformed server_name extension", -1;
		if (type != 0)
			return *why = "server_name of an unknown type", -1;
		if (out->has_sni)
			return *why = "two host names in server_name", -1;
		if (name.n == 0 || name.n >= sizeof(out->sni))
			return *why = "server name empty or too long", -1;
		for (size_t i = 0; i < name.n; i++) {
			uint8_t ch = name.p[i];
			if (ch >= 'A' && ch <= 'Z')
				ch = (uint8_t)(ch - 'A' + 'a');
			if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
			      ch == '.' || ch == '_'))
				return *why = "server name with characters no host name has", -1;
			out->sni[i] = (char)ch;
		}
		size_t n = name.n;
		if (out->sni[n - 1] == '.')
			n--;
		out->sni[n] = '\0';
		out->has_sni = true;
	}
	return 0;
}

static int parse_hello(struct cur c, struct al_tls_hello *out, const char **why)
{
	uint16_t seen[128];
	size_t nseen = 0;

	get(&c, 2);   /* legacy_version */
	take(&c, 32); /* random */
	struct cur sid = take(&c, get(&c, 1));
	struct cur suites = take(&c, get(&c, 2));
	struct cur comp = take(&c, get(&c, 1));
	if (c.bad || sid.n > 32 || suites.n < 2 || suites.n % 2 || comp.n < 1)
		return *why = "malformed ClientHello", -1;
	if (c.n == 0)
		return 0; /* no extensions: no SNI */
	struct cur exts = take(&c, get(&c, 2));
	if (c.bad || c.n != 0)
		return *why = "malformed ClientHello extensions", -1;
	while (exts.n > 0) {
		uint16_t type = (uint16_t)get(&exts, 2);
		struct cur ext = take(&exts, get(&exts, 2));
		if (exts.bad)
			return *why = "malformed ClientHello extension", -1;
		/* RFC 8446: no two extensions of one type. A second server_name
		 * could otherwise say something else to the server than to us. */
		for (size_t i = 0; i < nseen; i++)
			if (seen[i] == type)
				return *why = "a ClientHello extension twice", -1;
		if (nseen >= sizeof(seen) / sizeof(seen[0]))
			return *why = "too many ClientHello extensions", -1;
		seen[nseen++] = type;
		if (type == 0 && parse_sni(ext, out, why) < 0)
			return -1;
		if (type == 0xfe0d)
			out->ech = true;
	}
	return 0;
}

int al_tls_client_hello(const uint8_t *buf, size_t len, struct al_tls_hello *out, const char **why)
{
	uint8_t hs[AL_TLS_HELLO_MAX];
	size_t have = 0, off = 0;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	/* Collect the handshake layer from consecutive handshake records. */
	for (;;) {
		if (len - off < 5) {
			if (len - off >= 1 && buf[off] != 0x16)
				return *why = "not a TLS handshake", -1;
			return 0;
		}
		const uint8_t *r = buf + off;
		size_t rlen = (size_t)r[3] << 8 | r[4];
		if (r[0] != 0x16 || r[1] != 0x03 || r[2] > 0x04)
			return *why = "not a TLS handshake record", -1;
		if (rlen == 0 || rlen > AL_TLS_HELLO_MAX)
			return *why = "TLS record of an invalid length", -1;
		if (len - off - 5 < rlen)
			return 0;
		if (rlen > sizeof(hs) - have)
			return *why = "ClientHello larger than 16 KiB", -1;
		memcpy(hs + have, r + 5, rlen);
		have += rlen;
		off += 5 + rlen;
		if (have >= 4) {
			if (hs[0] != 1)
				return *why = "first handshake message is not a ClientHello", -1;
			size_t mlen = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];
			if (mlen > sizeof(hs) - 4)
				return *why = "ClientHello larger than 16 KiB", -1;
			if (have >= 4 + mlen) {
				/* Anything after the ClientHello in its record would be
				 * a second message before the server spoke: refuse. */
				if (have != 4 + mlen)
					return *why = "data after the ClientHello", -1;
				struct cur c = {hs + 4, mlen, false};
				if (parse_hello(c, out, why) < 0)
					return -1;
				out->len = off;
				return 1;
			}
		}
	}
}
