/* The address classifier: which destinations the proxy may connect to.
 * Pure code (no packets, no lookups): unit-tested over every class. */
#ifndef AIRLOCK_NET_ADDR_H
#define AIRLOCK_NET_ADDR_H

#include <stdbool.h>
#include <stdint.h>

/* An IPv4 or IPv6 address in network byte order. */
struct al_ip {
	int family; /* AF_INET or AF_INET6 */
	uint8_t b[16];
};

enum al_addr_class {
	AL_ADDR_PUBLIC = 0,
	AL_ADDR_UNSPECIFIED, /* 0.0.0.0/8, :: */
	AL_ADDR_LOOPBACK,    /* 127/8, ::1 */
	AL_ADDR_PRIVATE,     /* RFC 1918, RFC 4193 fc00::/7, fec0::/10 site-local */
	AL_ADDR_CGNAT,	     /* 100.64/10 (RFC 6598): the provider's internal network */
	AL_ADDR_LINK_LOCAL,  /* 169.254/16 (cloud metadata lives here), fe80::/10 */
	AL_ADDR_MULTICAST,   /* 224/4, ff00::/8 */
	AL_ADDR_BROADCAST,   /* 255.255.255.255 */
	AL_ADDR_RESERVED,    /* documentation, benchmarking, 240/4, IETF, discard, Teredo, ... */
};

/* Classify an address. IPv6 forms that carry an IPv4 address (mapped
 * ::ffff:a.b.c.d, translated ::ffff:0:a.b.c.d, compatible ::a.b.c.d,
 * NAT64 64:ff9b::/96, 6to4 2002::/16) take the class of the IPv4 address
 * inside when that is not public, so no tunnel form reaches what the plain
 * form may not. */
enum al_addr_class al_addr_classify(const struct al_ip *ip);
const char *al_addr_class_name(enum al_addr_class c);

/* Strict literal parse: dotted quad (no octal, hex or short forms) or an
 * IPv6 address without brackets or zone. Returns 0, or -1 if not a literal. */
int al_ip_parse(const char *s, struct al_ip *out);
bool al_ip_equal(const struct al_ip *a, const struct al_ip *b);
/* Text form ("1.2.3.4", "::1"); buf of at least 46 bytes. */
const char *al_ip_str(const struct al_ip *ip, char *buf, unsigned len);

#endif
