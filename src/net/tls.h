/* The server name a TLS client asks for: SNI from the ClientHello, read by
 * the proxy before any byte of a tunnel to port 443 goes upstream. Pure. */
#ifndef AIRLOCK_NET_TLS_H
#define AIRLOCK_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { AL_TLS_HELLO_MAX = 16384 };

struct al_tls_hello {
	bool has_sni;
	char sni[256]; /* lower case, no trailing dot */
	bool ech;      /* encrypted_client_hello: the real name is hidden */
	size_t len;    /* bytes of the records that carried the ClientHello */
};

/* Parse the ClientHello at the start of buf (it may span records).
 * Returns 1 when complete, 0 if more bytes are needed, -1 if this is not a
 * well-formed ClientHello (reason in *why). */
int al_tls_client_hello(const uint8_t *buf, size_t len, struct al_tls_hello *out, const char **why);

/* Whether the first bytes may be a TLS handshake record. */
bool al_tls_looks_like(const uint8_t *buf, size_t len);

#endif
