/* The address classifier. Tables of prefixes, longest first where they
 * overlap; an address not in any is public. */
#include "net/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

struct prefix {
	uint8_t b[16];
	unsigned bits;
	enum al_addr_class cls;
};

static const struct prefix v4[] = {
    {{0}, 8, AL_ADDR_UNSPECIFIED}, /* "this network" */
    {{10}, 8, AL_ADDR_PRIVATE},
    {{100, 64}, 10, AL_ADDR_CGNAT},
    {{127}, 8, AL_ADDR_LOOPBACK},
    {{169, 254}, 16, AL_ADDR_LINK_LOCAL}, /* 169.254.169.254: metadata */
    {{172, 16}, 12, AL_ADDR_PRIVATE},
    {{192, 0, 0}, 24, AL_ADDR_RESERVED},   /* IETF protocol assignments */
    {{192, 0, 2}, 24, AL_ADDR_RESERVED},   /* TEST-NET-1 */
    {{192, 88, 99}, 24, AL_ADDR_RESERVED}, /* 6to4 relay anycast */
    {{192, 168}, 16, AL_ADDR_PRIVATE},
    {{198, 18}, 15, AL_ADDR_RESERVED},	    /* benchmarking */
    {{198, 51, 100}, 24, AL_ADDR_RESERVED}, /* TEST-NET-2 */
    {{203, 0, 113}, 24, AL_ADDR_RESERVED},  /* TEST-NET-3 */
    {{224}, 4, AL_ADDR_MULTICAST},
    {{255, 255, 255, 255}, 32, AL_ADDR_BROADCAST},
    {{240}, 4, AL_ADDR_RESERVED}, /* future use; after broadcast */
};

static const struct prefix v6[] = {
    {{0}, 128, AL_ADDR_UNSPECIFIED},
    {{[15] = 1}, 128, AL_ADDR_LOOPBACK},
    {{0x01, 0x00}, 64, AL_ADDR_RESERVED},			  /* discard-only 100::/64 */
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, AL_ADDR_RESERVED}, /* local-use NAT64 */
    {{0x20, 0x01, 0x00, 0x00}, 32, AL_ADDR_RESERVED},		  /* Teredo: hides a v4 address */
    {{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48, AL_ADDR_RESERVED}, /* benchmarking */
    {{0x20, 0x01, 0x0d, 0xb8}, 32, AL_ADDR_RESERVED},		  /* documentation */
    {{0x20, 0x01, 0x00, 0x10}, 28, AL_ADDR_RESERVED},		  /* ORCHID */
    {{0x20, 0x01, 0x00, 0x20}, 28, AL_ADDR_RESERVED},		  /* ORCHIDv2 */
    {{0x3f, 0xff}, 20, AL_ADDR_RESERVED},			  /* documentation (RFC 9637) */
    {{0x5f}, 8, AL_ADDR_RESERVED},				  /* SRv6 SIDs */
    {{0xfc}, 7, AL_ADDR_PRIVATE},				  /* unique local (RFC 4193) */
    {{0xfe, 0x80}, 10, AL_ADDR_LINK_LOCAL},
    {{0xfe, 0xc0}, 10, AL_ADDR_PRIVATE}, /* site-local (deprecated) */
    {{0xff}, 8, AL_ADDR_MULTICAST},
};

static bool in_prefix(const uint8_t *a, const struct prefix *p)
{
	unsigned full = p->bits / 8, rest = p->bits % 8;

	if (memcmp(a, p->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (p->b[full] & mask);
}

static enum al_addr_class lookup(const uint8_t *a, const struct prefix *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (in_prefix(a, &t[i]))
			return t[i].cls;
	return AL_ADDR_PUBLIC;
}

/* The IPv4 address an IPv6 form embeds, if it is one of the forms that
 * deliver to (or through) that IPv4 address. */
static bool embedded_v4(const uint8_t *a, uint8_t out[4])
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	static const uint8_t translated[12] = {[8] = 0xff, [9] = 0xff};
	static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};
	static const uint8_t zero[12] = {0};

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, translated, 12) == 0 || memcmp(a, nat64, 12) == 0 ||
	    memcmp(a, zero, 12) == 0) { /* ::a.b.c.d, "IPv4-compatible" (deprecated) */
		memcpy(out, a + 12, 4);
		return true;
	}
	if (a[0] == 0x20 && a[1] == 0x02) { /* 6to4: 2002:AABB:CCDD::/48 */
		memcpy(out, a + 2, 4);
		return true;
	}
	return false;
}

enum al_addr_class al_addr_classify(const struct al_ip *ip)
{
	if (ip->family == AF_INET)
		return lookup(ip->b, v4, ARRAY_SIZE(v4));
	if (ip->family != AF_INET6)
		return AL_ADDR_RESERVED;
	enum al_addr_class c = lookup(ip->b, v6, ARRAY_SIZE(v6));
	if (c != AL_ADDR_PUBLIC)
		return c;
	uint8_t inner[4];
	if (embedded_v4(ip->b, inner)) {
		c = lookup(inner, v4, ARRAY_SIZE(v4));
		/* The IPv4-compatible form is deprecated and nothing routes it:
		 * refuse it even for a public inner address. */
		static const uint8_t zero[12] = {0};
		if (c == AL_ADDR_PUBLIC && memcmp(ip->b, zero, 12) == 0)
			c = AL_ADDR_RESERVED;
	}
	return c;
}

const char *al_addr_class_name(enum al_addr_class c)
{
	static const char *const names[] = {
	    [AL_ADDR_PUBLIC] = "public",	[AL_ADDR_UNSPECIFIED] = "unspecified",
	    [AL_ADDR_LOOPBACK] = "loopback",	[AL_ADDR_PRIVATE] = "private",
	    [AL_ADDR_CGNAT] = "shared (CGNAT)", [AL_ADDR_LINK_LOCAL] = "link-local",
	    [AL_ADDR_MULTICAST] = "multicast",	[AL_ADDR_BROADCAST] = "broadcast",
	    [AL_ADDR_RESERVED] = "reserved",
	};
	return (unsigned)c < ARRAY_SIZE(names) ? names[c] : "?";
}

int al_ip_parse(const char *s, struct al_ip *out)
{
	memset(out, 0, sizeof(*out));
	/* inet_pton is strict for IPv4: exactly four decimal parts, which
	 * rules out the 0x7f.1 and 2130706433 forms inet_aton would take. */
	if (inet_pton(AF_INET, s, out->b) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (strchr(s, ':') && inet_pton(AF_INET6, s, out->b) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

bool al_ip_equal(const struct al_ip *a, const struct al_ip *b)
{
	return a->family == b->family && memcmp(a->b, b->b, a->family == AF_INET ? 4 : 16) == 0;
}

const char *al_ip_str(const struct al_ip *ip, char *buf, unsigned len)
{
	if (!inet_ntop(ip->family, ip->b, buf, len))
		snprintf(buf, len, "?");
	return buf;
}
