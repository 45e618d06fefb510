/* HTTP on libmicrohttpd in external epoll mode (http.h).
 *
 * A request's life: MHD calls on_request once with the headers (a
 * Content-Length over --max-body is answered 413 there, before any body is
 * read), then with each piece of the body (kept, up to --max-body), then once
 * more when it is complete: the API handles it then. A handler that answers
 * at once gets its response queued at once; one that does not (a run) leaves
 * the connection suspended until hreq_reply resumes it, and MHD calls
 * on_request once more to queue the reply. The request's memory lives until
 * MHD is done with the connection and every hold on it is released. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../util.h"
#include "api.h"
#include "service.h"

enum { MAX_HEADERS = 6, STREAM_MAX = 64 << 20, CONN_MEMORY = 64 << 10, CONN_LIMIT = 512 };

struct listener {
	struct watch w; /* MHD's own epoll fd, nested in the loop's */
	struct http *http;
	struct MHD_Daemon *d;
	enum listen_kind kind;
	char name[300];
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool quiesced;
};

struct hreq_private {
	struct hreq pub;
	struct hreq_private *next, *prev;
	struct http *http;
	struct listener *l;
	struct MHD_Connection *conn; /* NULL once MHD is done with it */
	unsigned holds;		     /* the connection's, the stream's, the handlers' */
	char method[16];
	char *path;
	char *body;
	size_t len, cap;
	bool too_large, dispatched, suspended, queued;
	/* The reply, until queued. */
	struct MHD_Response *resp;
	unsigned status;
	char *headers[MAX_HEADERS][2];
	size_t nheaders;
	/* A stream: what is written and not yet sent. */
	bool stream, stream_ended;
	char *sbuf;
	size_t slen, scap, soff;
};

struct http {
	struct svc *svc;
	/* The audit log's record of refusals without a tenant (below). */
	double anon_window;
	unsigned anon_recorded;
	uint64_t anon_dropped;
	struct listener *l[SVC_MAX_LISTEN];
	size_t n;
	struct hreq_private *live;
	unsigned open;
};

static void listener_ready(struct svc *svc, struct watch *w, uint32_t events)
{
	(void)svc;
	(void)events;
	struct listener *l = (struct listener *)w;
	MHD_run(l->d);
}

static void priv_free(struct hreq_private *p)
{
	struct http *h = p->http;
	if (p->prev)
		p->prev->next = p->next;
	else
		h->live = p->next;
	if (p->next)
		p->next->prev = p->prev;
	h->open--;
	if (p->resp)
		MHD_destroy_response(p->resp);
	for (size_t i = 0; i < p->nheaders; i++) {
		free(p->headers[i][0]);
		free(p->headers[i][1]);
	}
	free(p->path);
	free(p->body);
	free(p->sbuf);
	free(p);
}

struct hreq *hreq_hold(struct hreq *r)
{
	r->priv->holds++;
	return r;
}

void hreq_release(struct hreq *r)
{
	struct hreq_private *p = r->priv;
	if (--p->holds == 0)
		priv_free(p);
}

bool hreq_alive(const struct hreq *r) { return r->priv->conn != NULL; }

bool hreq_streaming(const struct hreq *r) { return r->priv->stream; }

const char *hreq_header(struct hreq *r, const char *name)
{
	return r->priv->conn ? MHD_lookup_connection_value(r->priv->conn, MHD_HEADER_KIND, name) : NULL;
}

const char *hreq_query(struct hreq *r, const char *name)
{
	return r->priv->conn ? MHD_lookup_connection_value(r->priv->conn, MHD_GET_ARGUMENT_KIND, name) : NULL;
}

static void wake(struct hreq_private *p)
{
	if (p->suspended && p->conn) {
		p->suspended = false;
		MHD_resume_connection(p->conn);
	}
}

void hreq_add_header(struct hreq *r, const char *name, const char *value)
{
	struct hreq_private *p = r->priv;
	if (p->nheaders == MAX_HEADERS)
		return;
	p->headers[p->nheaders][0] = strdup(name);
	p->headers[p->nheaders][1] = strdup(value);
	p->nheaders++;
}

static void set_response(struct hreq_private *p, unsigned status, struct MHD_Response *resp,
			 const char *ctype)
{
	if (!resp)
		return;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	for (size_t i = 0; i < p->nheaders; i++)
		if (p->headers[i][0] && p->headers[i][1])
			MHD_add_response_header(resp, p->headers[i][0], p->headers[i][1]);
	p->resp = resp;
	p->status = status;
	wake(p);
}

void hreq_reply(struct hreq *r, unsigned status, const char *content_type, void *body, size_t len)
{
	struct hreq_private *p = r->priv;
	if (p->resp || p->queued || !p->conn) {
		free(body);
		return;
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    len, body ? body : (void *)"", body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp)
		free(body);
	set_response(p, status, resp, content_type);
}

void hreq_json(struct hreq *r, unsigned status, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	json_decref(j);
	if (!s) {
		hreq_problem(r, 500, "internal", NULL, 0, "out of memory");
		return;
	}
	size_t n = strlen(s);
	char *line = realloc(s, n + 2);
	if (!line) {
		hreq_reply(r, status, "application/json", s, n);
		return;
	}
	line[n] = '\n';
	hreq_reply(r, status, "application/json", line, n + 1);
}

static const char *title_of(const char *code)
{
	static const char *const titles[][2] = {
	    {"unauthorized", "Unauthorized"},
	    {"not_found", "Not found"},
	    {"invalid", "Invalid request"},
	    {"too_large", "Too large"},
	    {"quota_exceeded", "Quota exceeded"},
	    {"busy", "Busy"},
	    {"quarantined", "Quarantined"},
	    {"method_not_allowed", "Method not allowed"},
	    {"conflict", "Conflict"},
	    {"unsupported_media_type", "Unsupported media type"},
	    {"internal", "Internal error"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(titles); i++)
		if (strcmp(titles[i][0], code) == 0)
			return titles[i][1];
	return code;
}

/* Refusals of clients with no tenant yet (a wrong token, a probe) cost
 * them nothing to send: at most HTTP_ANON_RECORDS a second reach the audit
 * log, the rest are counted into the next record that does. */
#define HTTP_ANON_RECORDS 20
static bool refusal_recorded(struct http *h, bool tenant)
{
	if (tenant)
		return true;
	double now = al_now_ms();
	if (now - h->anon_window >= 1000) {
		h->anon_window = now;
		h->anon_recorded = 0;
	}
	if (h->anon_recorded >= HTTP_ANON_RECORDS) {
		h->anon_dropped++;
		return false;
	}
	h->anon_recorded++;
	return true;
}

void hreq_problem(struct hreq *r, unsigned status, const char *code, const char *field, unsigned retry_after,
		  const char *fmt, ...)
{
	char detail[600], type[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	snprintf(type, sizeof(type), "urn:airlock:problem:%s", code);
	json_t *j = json_pack("{s:s,s:s,s:i,s:s,s:s}", "type", type, "title", title_of(code), "status",
			      (int)status, "detail", detail, "code", code);
	/* A detail quotes the client's input, which may not be UTF-8. */
	if (!j)
		j = json_pack("{s:s,s:s,s:i,s:s,s:s}", "type", type, "title", title_of(code), "status",
			      (int)status, "detail", "(not UTF-8)", "code", code);
	if (j && field && *field)
		json_object_set_new(j, "field", json_string(field));
	if (retry_after) {
		char v[16];
		snprintf(v, sizeof(v), "%u", retry_after);
		hreq_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, v);
		if (j)
			json_object_set_new(j, "retry_after", json_integer(retry_after));
	}
	/* A refusal is an action too (who was turned away, and why: a bad
	 * token, a ceiling, another tenant's id), recorded before it is
	 * answered; a log that cannot be written says so itself. */
	if (strcmp(code, "audit_unavailable") != 0 && refusal_recorded(r->priv->http, r->tenant[0] != 0)) {
		json_t *path = json_string(r->path ? r->path : "");
		json_t *f = json_pack("{s:s?,s:s,s:o,s:i,s:s,s:s?,s:O?}", "tenant", r->tenant[0] ? r->tenant : NULL,
				      "method", r->method, "path", path ? path : json_string("(not UTF-8)"),
				      "status", (int)status, "code", code, "field", field && *field ? field : NULL,
				      "detail", j ? json_object_get(j, "detail") : NULL);
		struct http *h = r->priv->http;
		if (f && !r->tenant[0] && h->anon_dropped) {
			json_object_set_new(f, "unrecorded_before", json_integer((json_int_t)h->anon_dropped));
			h->anon_dropped = 0;
		}
		svc_audit(h->svc, "request_refused", f);
	}
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!s) {
		hreq_reply(r, 500, "text/plain", NULL, 0);
		return;
	}
	size_t n = strlen(s);
	char *line = realloc(s, n + 2);
	if (line) {
		line[n] = '\n';
		s = line;
		n++;
	}
	hreq_reply(r, status, "application/problem+json", s, n);
}

/* --- Server-Sent Events --- */

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct hreq_private *p = cls;
	if (p->soff < p->slen) {
		size_t n = p->slen - p->soff < max ? p->slen - p->soff : max;
		memcpy(buf, p->sbuf + p->soff, n);
		p->soff += n;
		if (p->soff == p->slen)
			p->soff = p->slen = 0;
		return (ssize_t)n;
	}
	if (p->stream_ended || !p->conn)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* Nothing yet: wait, out of MHD's loop, for the next event. */
	p->suspended = true;
	MHD_suspend_connection(p->conn);
	return 0;
}

static void stream_done(void *cls) { hreq_release(&((struct hreq_private *)cls)->pub); }

int hreq_stream_start(struct hreq *r)
{
	struct hreq_private *p = r->priv;
	if (p->resp || p->queued || !p->conn)
		return -1;
	struct MHD_Response *resp =
	    MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_read, p, stream_done);
	if (!resp)
		return -1;
	p->holds++; /* the stream's: released by stream_done */
	p->stream = true;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	set_response(p, 200, resp, "text/event-stream");
	return 0;
}

void hreq_stream_event(struct hreq *r, const char *name, const char *data, size_t len)
{
	struct hreq_private *p = r->priv;
	if (!p->stream || p->stream_ended || !p->conn)
		return;
	size_t need = p->slen + len + strlen(name) + 32;
	if (need > STREAM_MAX) {
		/* A client that reads nothing gets no more. */
		p->stream_ended = true;
		wake(p);
		return;
	}
	if (need > p->scap) {
		size_t cap = p->scap ? p->scap : 4096;
		while (cap < need)
			cap *= 2;
		char *b = realloc(p->sbuf, cap);
		if (!b)
			return;
		p->sbuf = b;
		p->scap = cap;
	}
	p->slen += (size_t)sprintf(p->sbuf + p->slen, "event: %s\ndata: ", name);
	memcpy(p->sbuf + p->slen, data, len);
	p->slen += len;
	memcpy(p->sbuf + p->slen, "\n\n", 2);
	p->slen += 2;
	wake(p);
}

void hreq_stream_end(struct hreq *r)
{
	struct hreq_private *p = r->priv;
	p->stream_ended = true;
	wake(p);
}

/* --- MHD's callbacks --- */

static void peer_of(struct hreq_private *p)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(p->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ucred cred;
	socklen_t n = sizeof(cred);
	if (p->l->kind == LISTEN_UNIX && ci &&
	    getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &n) == 0) {
		p->pub.has_peer = true;
		p->pub.peer_uid = cred.uid;
	}
}

static enum MHD_Result queue(struct hreq_private *p)
{
	struct svc *svc = p->http->svc;
	enum MHD_Result r = MHD_queue_response(p->conn, p->status, p->resp);
	char path[200];
	MHD_destroy_response(p->resp);
	p->resp = NULL;
	p->queued = true;
	metrics_http(&svc->metrics, p->status);
	svc_log("info", "request", "method=%s path=%s status=%u ms=%.1f tenant=%s", p->method,
		log_q(p->path, path, sizeof(path)), p->status, al_now_ms() - p->pub.start_ms,
		p->pub.tenant[0] ? p->pub.tenant : "-");
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct listener *l = cls;
	struct http *h = l->http;
	struct hreq_private *p = *con_cls;
	(void)version;

	if (!p) {
		if (!(p = calloc(1, sizeof(*p))) || !(p->path = strdup(url))) {
			free(p);
			return MHD_NO;
		}
		p->pub.priv = p;
		p->http = h;
		p->l = l;
		p->conn = conn;
		p->holds = 1; /* the connection's, released when MHD completes it */
		p->pub.kind = l->kind;
		p->pub.start_ms = al_now_ms();
		snprintf(p->method, sizeof(p->method), "%s", method);
		p->pub.method = p->method;
		p->pub.path = p->path;
		p->next = h->live;
		if (h->live)
			h->live->prev = p;
		h->live = p;
		h->open++;
		*con_cls = p;
		peer_of(p);
		const char *cl =
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > h->svc->opt.max_body) {
			/* Refused before a byte of the body is read. */
			p->dispatched = true;
			hreq_problem(&p->pub, 413, "too_large", NULL, 0, "the body is larger than %llu bytes",
				     (unsigned long long)h->svc->opt.max_body);
			return queue(p);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (p->too_large || p->dispatched)
			return MHD_YES;
		if (p->len + n > h->svc->opt.max_body) {
			p->too_large = true;
			free(p->body);
			p->body = NULL;
			p->len = p->cap = 0;
			return MHD_YES;
		}
		if (p->len + n + 1 > p->cap) {
			size_t cap = p->cap ? p->cap : 4096;
			while (cap < p->len + n + 1)
				cap *= 2;
			char *b = realloc(p->body, cap);
			if (!b)
				return MHD_NO;
			p->body = b;
			p->cap = cap;
		}
		memcpy(p->body + p->len, upload_data, n);
		p->len += n;
		p->body[p->len] = '\0';
		return MHD_YES;
	}
	if (!p->dispatched) {
		p->dispatched = true;
		p->pub.body = p->body ? p->body : "";
		p->pub.body_len = p->len;
		if (p->too_large)
			hreq_problem(&p->pub, 413, "too_large", NULL, 0, "the body is larger than %llu bytes",
				     (unsigned long long)h->svc->opt.max_body);
		else
			api_handle(h->svc, &p->pub);
	}
	if (p->queued)
		return MHD_YES;
	if (p->resp)
		return queue(p);
	/* The answer comes later: out of MHD's loop until hreq_reply. */
	p->suspended = true;
	MHD_suspend_connection(conn);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct hreq_private *p = *con_cls;
	if (!p)
		return;
	*con_cls = NULL;
	p->conn = NULL;
	p->suspended = false;
	hreq_release(&p->pub);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[400], q[500];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	svc_log("warn", "http", "msg=%s", log_q(msg, q, sizeof(q)));
}

/* --- listeners --- */

struct http *http_new(struct svc *svc)
{
	struct http *h = calloc(1, sizeof(*h));
	if (h)
		h->svc = svc;
	return h;
}

/* A unix socket at path, mode 0600. A socket file left by a service that
 * died is replaced; one that answers is someone else's. */
static int unix_socket(const char *path, char *unix_path, char *msg, size_t len)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct stat st;

	if (strlen(path) >= sizeof(a.sun_path) || !*path) {
		snprintf(msg, len, "unix:%s: the path is empty or too long", path);
		return -1;
	}
	strcpy(a.sun_path, path);
	if (fd < 0) {
		snprintf(msg, len, "socket: %s", strerror(errno));
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(msg, len, "unix:%s: exists and is not a socket", path);
			return -1;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int r = probe >= 0 ? connect(probe, (struct sockaddr *)&a, sizeof(a)) : -1;
		int e = errno;
		if (probe >= 0)
			close(probe);
		if (r == 0 || e != ECONNREFUSED) {
			snprintf(msg, len, "unix:%s: in use by another service", path);
			return -1;
		}
		unlink(path);
	}
	/* The file is made 0600 by the umask, never wider for a moment. */
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	int e = errno;
	umask(old);
	if (r < 0 || listen(fd, 128) < 0) {
		snprintf(msg, len, "unix:%s: %s", path, strerror(r < 0 ? e : errno));
		if (r == 0)
			unlink(path);
		return -1;
	}
	strcpy(unix_path, path);
	return take_fd(fd);
}

static int tcp_socket(const char *spec, char *name, size_t nlen, char *msg, size_t len)
{
	char host[256], port[16];
	const char *colon = spec[0] == '[' ? strstr(spec, "]:") : strrchr(spec, ':');
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE},
			*res = NULL;

	if (!colon ||
	    (spec[0] == '[' ? (size_t)(colon - spec) - 1 : (size_t)(colon - spec)) >= sizeof(host) ||
	    strlen(colon + (spec[0] == '[' ? 2 : 1)) >= sizeof(port)) {
		snprintf(msg, len, "tcp:%s: expected tcp:HOST:PORT", spec);
		return -1;
	}
	if (spec[0] == '[') {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec - 1), spec + 1);
		snprintf(port, sizeof(port), "%s", colon + 2);
	} else {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
		snprintf(port, sizeof(port), "%s", colon + 1);
	}
	int r = getaddrinfo(host, port, &hints, &res);
	if (r != 0) {
		snprintf(msg, len, "tcp:%s: %s", spec, gai_strerror(r));
		return -1;
	}
	cleanup_close int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		snprintf(msg, len, "tcp:%s: %s", spec, strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned p = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
			p = ntohs(in->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *in = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &in->sin6_addr, addr, sizeof(addr));
			p = ntohs(in->sin6_port);
		}
	}
	snprintf(name, nlen, ss.ss_family == AF_INET6 ? "tcp:[%s]:%u" : "tcp:%s:%u", addr, p);
	return take_fd(fd);
}

int http_listen(struct http *h, const char *spec, char *msg, size_t len)
{
	struct listener *l;
	int fd;

	if (h->n == SVC_MAX_LISTEN) {
		snprintf(msg, len, "at most %d listeners", SVC_MAX_LISTEN);
		return -1;
	}
	if (!(l = calloc(1, sizeof(*l)))) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	l->http = h;
	if (strncmp(spec, "unix:", 5) == 0) {
		l->kind = LISTEN_UNIX;
		fd = unix_socket(spec + 5, l->unix_path, msg, len);
		snprintf(l->name, sizeof(l->name), "%s", spec);
	} else if (strncmp(spec, "tcp:", 4) == 0) {
		l->kind = LISTEN_TCP;
		fd = tcp_socket(spec + 4, l->name, sizeof(l->name), msg, len);
	} else {
		snprintf(msg, len, "--listen %s: expected unix:PATH or tcp:HOST:PORT", spec);
		fd = -1;
	}
	if (fd < 0) {
		free(l);
		return -1;
	}
	struct svc *svc = h->svc;
	/* TCP speaks TLS when the service has a certificate (unix sockets
	 * never: their peer is on this machine, known by its uid). */
	bool tls = l->kind == LISTEN_TCP && svc->tls_key;
	struct MHD_OptionItem tls_opts[] = {
	    {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, svc->tls_key},
	    {MHD_OPTION_HTTPS_MEM_CERT, 0, svc->tls_cert},
	    {MHD_OPTION_END, 0, NULL},
	};
	if (tls)
		snprintf(l->name + strlen(l->name), sizeof(l->name) - strlen(l->name), " tls=yes");
	/* No thread of MHD's own: the service's loop runs it. Slow clients
	 * are timed out; headers live in CONN_MEMORY (more: 431). */
	l->d = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0), 0, NULL,
	    NULL, on_request, l, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_ARRAY, tls_opts,
	    MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)svc->opt.client_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)CONN_LIMIT, MHD_OPTION_NOTIFY_COMPLETED, on_completed, l,
	    MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, MHD_OPTION_END);
	const union MHD_DaemonInfo *di = l->d ? MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	l->w.fn = listener_ready;
	if (!l->d || !di || svc_watch(svc, &l->w, di->epoll_fd) < 0) {
		snprintf(msg, len, "%s: cannot start the HTTP daemon", l->name);
		if (l->d)
			MHD_stop_daemon(l->d);
		else
			close(fd);
		if (l->unix_path[0])
			unlink(l->unix_path);
		free(l);
		return -1;
	}
	h->l[h->n++] = l;
	svc_log("info", "listening", "listen=%s", l->name);
	return 0;
}

void http_run(struct http *h)
{
	for (size_t i = 0; h && i < h->n; i++)
		MHD_run(h->l[i]->d);
}

int http_timeout_ms(struct http *h)
{
	int best = -1;
	for (size_t i = 0; h && i < h->n; i++) {
		MHD_UNSIGNED_LONG_LONG t;
		if (MHD_get_timeout(h->l[i]->d, &t) == MHD_YES) {
			int ms = t > 60000 ? 60000 : (int)t;
			if (best < 0 || ms < best)
				best = ms;
		}
	}
	return best;
}

void http_quiesce(struct http *h)
{
	for (size_t i = 0; h && i < h->n; i++) {
		struct listener *l = h->l[i];
		if (l->quiesced)
			continue;
		l->quiesced = true;
		MHD_socket fd = MHD_quiesce_daemon(l->d);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		if (l->unix_path[0])
			unlink(l->unix_path);
	}
}

unsigned http_open_requests(struct http *h) { return h ? h->open : 0; }

void http_free(struct http *h)
{
	if (!h)
		return;
	/* MHD must not stop with a connection suspended: answer and resume. */
	for (struct hreq_private *p = h->live; p; p = p->next) {
		if (!p->queued && !p->resp && p->dispatched)
			hreq_problem(&p->pub, 503, "busy", NULL, 1, "the service is shutting down");
		p->stream_ended = true;
		wake(p);
	}
	http_run(h);
	for (size_t i = 0; i < h->n; i++) {
		struct listener *l = h->l[i];
		svc_unwatch(h->svc, &l->w);
		MHD_stop_daemon(l->d);
		if (l->unix_path[0] && !l->quiesced)
			unlink(l->unix_path);
		free(l);
	}
	h->n = 0;
	/* Every handler has released its requests by now (svc_main ends the
	 * runs first); one still held keeps h, rather than be freed under it. */
	if (h->open == 0)
		free(h);
}
