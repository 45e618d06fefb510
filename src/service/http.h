/* HTTP on libmicrohttpd, driven from the service's loop: one daemon per
 * listener in MHD's external epoll mode, its epoll fd nested in the loop's.
 * A request whose answer takes time (a run) is suspended, and resumed when
 * its reply is set; a stream (Server-Sent Events) suspends while it has
 * nothing to send. */
#ifndef AIRLOCK_SERVICE_HTTP_H
#define AIRLOCK_SERVICE_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct svc;
struct http;

enum listen_kind { LISTEN_UNIX, LISTEN_TCP };

/* One request. The handler reads these fields; the rest is http.c's. */
struct hreq {
	const char *method, *path; /* path: decoded, without the query */
	const char *body;
	size_t body_len;
	enum listen_kind kind;
	bool has_peer; /* unix socket: the peer's credentials */
	uid_t peer_uid;
	double start_ms;
	char tenant[64]; /* set once authenticated, for the log */
	struct hreq_private *priv;
};

struct http *http_new(struct svc *svc);
/* "unix:PATH" or "tcp:HOST:PORT" (PORT 0: any; the one taken is logged). */
int http_listen(struct http *h, const char *spec, char *msg, size_t len);
/* Let each daemon do what is ready (accept, read, write, timeouts). */
void http_run(struct http *h);
/* Milliseconds until a daemon needs http_run for its timeouts; -1 none. */
int http_timeout_ms(struct http *h);
/* Stop accepting: listeners closed, socket files removed. */
void http_quiesce(struct http *h);
/* Requests still open (read, waiting for their answer, or being sent). */
unsigned http_open_requests(struct http *h);
/* Answer every request still waiting with 503 and stop (shutdown). */
void http_free(struct http *h);

/* What came with the request. */
const char *hreq_header(struct hreq *r, const char *name);
const char *hreq_query(struct hreq *r, const char *name);
/* The client is still there to be answered. */
bool hreq_alive(const struct hreq *r);
/* Keep r past its handler (a reply that comes later); every hold is
 * released once, whatever happened to the client. */
struct hreq *hreq_hold(struct hreq *r);
void hreq_release(struct hreq *r);

/* Replies: each request gets one (further ones are ignored). */
void hreq_add_header(struct hreq *r, const char *name, const char *value);
void hreq_reply(struct hreq *r, unsigned status, const char *content_type, void *body,
		size_t len);				    /* takes body */
void hreq_json(struct hreq *r, unsigned status, json_t *j); /* takes j */
/* application/problem+json {type, title, status, detail, code[, field]};
 * retry_after > 0 adds Retry-After. */
void hreq_problem(struct hreq *r, unsigned status, const char *code, const char *field, unsigned retry_after,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Server-Sent Events: the headers go now, events as they come. */
int hreq_stream_start(struct hreq *r);
/* One event: "event: NAME\ndata: DATA\n\n" (data has no newline). */
void hreq_stream_event(struct hreq *r, const char *name, const char *data, size_t len);
void hreq_stream_end(struct hreq *r);
bool hreq_streaming(const struct hreq *r);

#endif
