/* A small blocking HTTP/1.1 client of the service's API (DESIGN.md
 * "Service"): one request per connection (Connection: close), over a unix
 * socket or plain TCP. The MCP server (mcp.c) is a client of the API like
 * any other: `airlock mcp` reaches a running `airlock serve` with it, and
 * the service's own /mcp route reaches the service through a private
 * socket (src/service/mcproute.c). libcurl would do, but it is not among
 * our dependencies and the static CLI would carry it and its TLS stack for
 * this one use: the subset needed here (no TLS, no redirects, no
 * keep-alive) is short. */
#ifndef AIRLOCK_MCP_APICLIENT_H
#define AIRLOCK_MCP_APICLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Bytes of a reply kept: past it the call fails (a file of the service's
 * largest size, base64'd, does not fit: read_file asks for less). */
#define API_MAX_REPLY (80u << 20)

struct api_target {
	char unix_path[108]; /* a unix socket, or "" for TCP */
	char host[256], port[16];
	/* Header lines sent with every request ("Name: value"), or "". */
	char auth[700];
};

struct api_reply {
	unsigned status;
	char ctype[128];
	char *body; /* NUL-terminated (not counted in len) */
	size_t len;
};

/* One call in flight that another thread may cut short: api_cancel shuts
 * its connection down and every later call on the slot fails at once. */
struct api_slot {
	pthread_mutex_t *mu;
	int fd;
	bool cancelled;
};
void api_cancel(struct api_slot *slot);

/* "unix:PATH", "/PATH", "http://HOST:PORT" (token: NULL or a bearer token). */
int api_target_parse(struct api_target *t, const char *where, const char *token, char *err, size_t len);

/* method path (already %-encoded) with body (NULL: none) of type ctype.
 * 0 with *out filled (any HTTP status), or -1 with err (nothing came back:
 * the service is not there, the call was cancelled, the reply was too large
 * or not HTTP). */
int api_call(const struct api_target *t, const char *method, const char *path, const char *ctype,
	     const void *body, size_t len, struct api_reply *out, struct api_slot *slot, char *err,
	     size_t errlen);
void api_reply_free(struct api_reply *r);

/* Pure: an HTTP/1.x response, whole, into *out (body copied, de-chunked).
 * -1 when it is not one. */
int api_parse_reply(const char *buf, size_t len, struct api_reply *out);
/* Pure: s %-encoded for a path (unreserved bytes and '/' kept), into out. */
int api_path_escape(const char *s, char *out, size_t len);

#endif
