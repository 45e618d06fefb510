/* The proxy's request head: a strict parser of what a client sends a
 * forward proxy (absolute-form requests and CONNECT), the head that is
 * forwarded upstream, and the requests a client sends one after another
 * inside a plain-HTTP tunnel. Pure code.
 *
 * Hand-written on purpose: libmicrohttpd (DESIGN.md's HTTP library) is an
 * origin server and cannot parse absolute-form targets or CONNECT as a
 * proxy must, and a head this small parsed this strictly (CRLF only, no
 * folding, one Host, one Content-Length, no Transfer-Encoding, 16 KiB) is
 * simpler to audit than an adapter around a general parser. */
#ifndef AIRLOCK_NET_HTTP_H
#define AIRLOCK_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/rules.h"

enum { AL_HTTP_HEAD_MAX = 16384, AL_HTTP_MAX_HEADERS = 64 };

struct al_http_span {
	uint32_t off, len;
};

struct al_http_req {
	size_t head_len; /* bytes of the head, final CRLF CRLF included */
	char method[16];
	bool connect;
	int minor;		     /* HTTP/1.minor */
	struct al_net_target target; /* from the request target */
	bool origin;		     /* an origin-form target ("/path", in a tunnel only) */
	struct al_http_span path;    /* origin-form path of an absolute-form target */
	bool has_host;		     /* a Host header, parsed into host */
	struct al_net_target host;
	uint64_t content_length;			/* request body bytes (0 without the header) */
	struct al_http_span lines[AL_HTTP_MAX_HEADERS]; /* each header line, CRLF excluded */
	bool hop[AL_HTTP_MAX_HEADERS];			/* a hop-by-hop header, not forwarded */
	size_t nlines;
};

/* Parse a head from the first len bytes of buf. Returns the head's length
 * (> 0), 0 if more bytes are needed, -1 if the request is refused, with a
 * short reason in *why. */
int al_http_parse(const char *buf, size_t len, struct al_http_req *req, const char **why);

/* Whether the Host header names the target (absent: only HTTP/1.0 and CONNECT). */
bool al_http_host_ok(const struct al_http_req *req);

/* Whether two targets are one destination (same normalized host, same port). */
bool al_http_same_target(const struct al_net_target *a, const struct al_net_target *b);

/* The head to send upstream: origin-form request line, the client's headers
 * less hop-by-hop ones, "Connection: close" (one request per connection).
 * Returns its length, or -1 if it does not fit in out. */
int al_http_forward_head(const char *buf, const struct al_http_req *req, char *out, size_t outlen);

/* Whether data starts an HTTP request line with method CONNECT (a tunnel
 * inside a tunnel): 1 yes, 0 no, -1 too short to tell (a prefix of it). */
int al_http_is_connect(const char *buf, size_t len);

/* Whether a tunnel's first bytes start an HTTP/1.x request: a token and a
 * space (blank lines before it aside), not an SSH identification string
 * ("SSH-2.0-x y"). 1 yes, 0 no, -1 too short to tell (16 KiB without an
 * answer is a yes: the stricter reading). */
int al_http_looks_like(const char *buf, size_t len);

/* The client-to-server bytes of a tunnel that carries plain HTTP/1.x, read
 * as a sequence of requests, every one checked as a plain request is (the
 * same head rules and limits), and more: the target is origin-form
 * ("/path") or absolute-form naming the tunnel's destination, never
 * CONNECT; the Host header names the destination as al_http_host_ok says;
 * bodies by Content-Length only, skipped byte-exactly, never parsed. */
struct al_http_seq {
	struct al_net_target dst; /* the CONNECT target */
	uint64_t body_left;	  /* body bytes of the last request not yet passed */
	size_t scanned;		  /* bytes of the pending head already scanned */
	uint64_t nreq;		  /* request heads passed */
};

void al_http_seq_init(struct al_http_seq *s, const struct al_net_target *dst);

/* Check the next piece of the stream at buf (the bytes after those already
 * passed): blank lines between requests, body bytes, or one request head.
 * Returns how many bytes at buf are checked and may go upstream (> 0), 0 if
 * more bytes are needed (call again with the same start and more bytes), -1
 * if the request there is refused: *why says why, and req->head_len > 0 if
 * its head parsed (req then says what it asked for). */
ssize_t al_http_seq_next(struct al_http_seq *s, const char *buf, size_t len, struct al_http_req *req,
			 const char **why);

#endif
