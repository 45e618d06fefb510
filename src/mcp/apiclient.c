/* The API's HTTP client (apiclient.h). */
#include "apiclient.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../util.h"

int api_target_parse(struct api_target *t, const char *where, const char *token, char *err, size_t len)
{
	memset(t, 0, sizeof(*t));
	if (strncmp(where, "unix:", 5) == 0)
		where += 5;
	if (where[0] == '/') {
		if (strlen(where) >= sizeof(t->unix_path)) {
			snprintf(err, len, "%s: the socket's path is too long", where);
			return -1;
		}
		snprintf(t->unix_path, sizeof(t->unix_path), "%s", where);
	} else if (strncmp(where, "http://", 7) == 0) {
		const char *h = where + 7, *end = h + strcspn(h, "/"), *colon;
		if (*h == '[') { /* [v6]:port */
			const char *rb = memchr(h, ']', (size_t)(end - h));
			colon = rb && rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
			h++;
			end = rb ? rb : end;
		} else {
			colon = memchr(h, ':', (size_t)(end - h));
		}
		size_t hl = (size_t)((colon && colon < end ? colon : end) - h);
		if (!hl || hl >= sizeof(t->host)) {
			snprintf(err, len, "%s: no host", where);
			return -1;
		}
		memcpy(t->host, h, hl);
		if (colon) {
			const char *p = colon + 1;
			size_t pl = strcspn(p, "/");
			if (!pl || pl >= sizeof(t->port) || strspn(p, "0123456789") != pl) {
				snprintf(err, len, "%s: the port is not a number", where);
				return -1;
			}
			memcpy(t->port, p, pl);
		} else {
			strcpy(t->port, "80");
		}
	} else {
		snprintf(err, len,
			 "%s: give a unix socket (/PATH) or http://HOST:PORT (https is not spoken here)",
			 where);
		return -1;
	}
	if (token && *token) {
		if (strpbrk(token, "\r\n") || strlen(token) > 600) {
			snprintf(err, len, "the token holds a line break or is too long");
			return -1;
		}
		snprintf(t->auth, sizeof(t->auth), "Authorization: Bearer %s", token);
	}
	return 0;
}

void api_cancel(struct api_slot *slot)
{
	pthread_mutex_lock(slot->mu);
	slot->cancelled = true;
	if (slot->fd >= 0)
		shutdown(slot->fd, SHUT_RDWR);
	pthread_mutex_unlock(slot->mu);
}

static int dial(const struct api_target *t, char *err, size_t len)
{
	if (t->unix_path[0]) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->unix_path);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			snprintf(err, len, "%s: %s (is airlock serve running?)", t->unix_path,
				 strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		return fd;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int rc = getaddrinfo(t->host, t->port, &hints, &res), fd = -1;
	if (rc) {
		snprintf(err, len, "%s: %s", t->host, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
			snprintf(err, len, "%s:%s: %s (is airlock serve running?)", t->host, t->port,
				 strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/* A header's value in [h, end) (name without the colon), or NULL. */
static const char *header(const char *h, const char *end, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	while (h < end) {
		const char *eol = memmem(h, (size_t)(end - h), "\r\n", 2);
		if (!eol)
			eol = end;
		if ((size_t)(eol - h) > nl && h[nl] == ':' && strncasecmp(h, name, nl) == 0) {
			const char *v = h + nl + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = (size_t)(eol - v);
			return v;
		}
		h = eol + 2;
	}
	return NULL;
}

/* Chunked transfer coding: the chunks' data joined into out (len bytes of
 * room at least). -1 when a size is malformed or runs past the end. */
static int dechunk(const char *p, const char *end, char *out, size_t *olen)
{
	size_t n = 0;
	for (;;) {
		/* The size in hex, read within the buffer (not NUL-terminated). */
		unsigned long long sz = 0;
		const char *e = p;
		for (; e < end && strchr("0123456789abcdefABCDEF", *e) && *e; e++) {
			if (sz >> 60)
				return -1;
			sz = sz * 16 + (unsigned)(*e <= '9' ? *e - '0' : (*e | 0x20) - 'a' + 10);
		}
		if (e == p)
			return -1;
		const char *eol = memmem(e, (size_t)(end - e), "\r\n", 2);
		if (!eol)
			return -1;
		p = eol + 2;
		if (sz == 0)
			break;
		if (sz > (unsigned long long)(end - p))
			return -1;
		memcpy(out + n, p, sz);
		n += sz;
		p += sz;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return -1;
		p += 2;
	}
	*olen = n;
	return 0;
}

int api_parse_reply(const char *buf, size_t len, struct api_reply *out)
{
	const char *end = buf + len, *hend = memmem(buf, len, "\r\n\r\n", 4);
	unsigned status;
	char *e;

	memset(out, 0, sizeof(*out));
	if (!hend || len < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
		return -1;
	status = (unsigned)strtoul(buf + 9, &e, 10);
	if (e != buf + 12 || status < 100 || status > 599)
		return -1;
	/* hend starts a CRLF: the status line ends there or before. */
	const char *h = (const char *)memmem(buf, (size_t)(hend - buf) + 2, "\r\n", 2) + 2, *body = hend + 4,
		   *v;
	size_t vl = 0, blen = (size_t)(end - body);
	if ((v = header(h, hend + 2, "Content-Type", &vl)))
		snprintf(out->ctype, sizeof(out->ctype), "%.*s", (int)vl, v);
	if (!(out->body = malloc(blen + 1)))
		return -1;
	if ((v = header(h, hend + 2, "Transfer-Encoding", &vl)) && vl >= 7 &&
	    strncasecmp(v + vl - 7, "chunked", 7) == 0) {
		if (dechunk(body, end, out->body, &out->len) < 0) {
			api_reply_free(out);
			return -1;
		}
	} else {
		out->len = blen;
		if ((v = header(h, hend + 2, "Content-Length", &vl))) {
			unsigned long long cl = strtoull(v, &e, 10);
			if (e == v || cl > blen) { /* cut short */
				api_reply_free(out);
				return -1;
			}
			out->len = cl;
		}
		memcpy(out->body, body, out->len);
	}
	out->body[out->len] = '\0';
	out->status = status;
	return 0;
}

void api_reply_free(struct api_reply *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

int api_path_escape(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    strchr("-._~/", c);
		if (n + (keep ? 1 : 3) >= len)
			return -1;
		if (keep) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

/* The slot's fd is forgotten (before it is closed: a cancel never shuts
 * down an fd number reused since); true when the call was cancelled. */
static bool slot_clear(struct api_slot *slot)
{
	bool c;
	if (!slot)
		return false;
	pthread_mutex_lock(slot->mu);
	slot->fd = -1;
	c = slot->cancelled;
	pthread_mutex_unlock(slot->mu);
	return c;
}

static int slot_set(struct api_slot *slot, int fd)
{
	int rc = 0;
	if (!slot)
		return 0;
	pthread_mutex_lock(slot->mu);
	if (slot->cancelled)
		rc = -1;
	else
		slot->fd = fd;
	pthread_mutex_unlock(slot->mu);
	return rc;
}

int api_call(const struct api_target *t, const char *method, const char *path, const char *ctype,
	     const void *body, size_t len, struct api_reply *out, struct api_slot *slot, char *err,
	     size_t errlen)
{
	char head[2048];
	char *in = NULL; /* the reply as it comes */
	size_t inlen = 0;
	FILE *inf = NULL;
	cleanup_close int fd = -1;

	memset(out, 0, sizeof(*out));
	if ((fd = dial(t, err, errlen)) < 0)
		return -1;
	if (slot_set(slot, fd) < 0) {
		snprintf(err, errlen, "cancelled");
		return -1;
	}
	int hl = snprintf(head, sizeof(head),
			  "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nAccept: application/json\r\n"
			  "User-Agent: airlock-mcp\r\n%s%s",
			  method, path, t->unix_path[0] ? "localhost" : t->host, t->auth,
			  t->auth[0] ? "\r\n" : "");
	if (body)
		hl += snprintf(head + hl, sizeof(head) - (size_t)hl,
			       "Content-Type: %s\r\nContent-Length: %zu\r\n",
			       ctype ? ctype : "application/json", len);
	else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
		hl += snprintf(head + hl, sizeof(head) - (size_t)hl, "Content-Length: 0\r\n");
	hl += snprintf(head + hl, sizeof(head) - (size_t)hl, "\r\n");
	int rc = -1;
	if (hl >= (int)sizeof(head)) {
		snprintf(err, errlen, "the request's path is too long");
		goto out;
	}
	/* Both front ends ignore SIGPIPE: a service gone mid-request is an error here. */
	if (al_write_all(fd, head, (size_t)hl) < 0 || (body && al_write_all(fd, body, len) < 0)) {
		snprintf(err, errlen, "sending the request: %s", strerror(errno));
		goto out;
	}
	if (!(inf = open_memstream(&in, &inlen))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (;;) {
		char chunk[65536];
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "reading the reply: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (inlen + (size_t)n > API_MAX_REPLY) {
			snprintf(err, errlen, "the reply is larger than %u bytes", API_MAX_REPLY);
			goto out;
		}
		if (fwrite(chunk, 1, (size_t)n, inf) != (size_t)n || fflush(inf) != 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	if (api_parse_reply(in ? in : "", inlen, out) < 0)
		snprintf(err, errlen, "the reply is not HTTP");
	else
		rc = 0;
out:
	if (inf)
		fclose(inf);
	free(in);
	if (slot_clear(slot)) {
		api_reply_free(out);
		snprintf(err, errlen, "cancelled");
		rc = -1;
	}
	return rc;
}
