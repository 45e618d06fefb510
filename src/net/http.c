/* The proxy's request head parser. Everything not plainly valid is refused. */
#include "net/http.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "util.h"

static bool tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool name_is(const char *buf, struct al_http_span s, const char *name)
{
	return strlen(name) == s.len && strncasecmp(buf + s.off, name, s.len) == 0;
}

/* Find the end of the head; refuse a bare LF or NUL anywhere in it. The
 * first from bytes were scanned before (a head arriving in pieces is
 * scanned once, not once per piece). */
static int find_end(const char *buf, size_t len, size_t from, size_t *end, const char **why)
{
	size_t lim = len < AL_HTTP_HEAD_MAX ? len : AL_HTTP_HEAD_MAX;

	for (size_t i = from; i < lim; i++) {
		if (buf[i] == '\0')
			return *why = "NUL in the request head", -1;
		if (buf[i] == '\n') {
			if (i == 0 || buf[i - 1] != '\r')
				return *why = "bare LF in the request head", -1;
			if (i >= 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
				*end = i + 1;
				return 1;
			}
		} else if (i > 0 && buf[i - 1] == '\r') {
			return *why = "bare CR in the request head", -1;
		}
	}
	if (len >= AL_HTTP_HEAD_MAX)
		return *why = "request head larger than 16 KiB", -1;
	return 0;
}

/* tunnel: a request inside a tunnel, to the server itself, where
 * origin-form is the usual target. */
static int parse_target(const char *buf, size_t off, size_t len, bool tunnel, struct al_http_req *req,
			const char **why)
{
	const char *t = buf + off;

	if (req->connect) {
		/* authority-form, port required */
		if (al_net_authority_parse(t, len, 0, &req->target) < 0)
			return *why = "CONNECT target is not host:port", -1;
		return 0;
	}
	if (len > 0 && t[0] == '/' && tunnel) {
		if (memchr(t, '#', len))
			return *why = "fragment in the request target", -1;
		req->origin = true;
		req->path.off = (uint32_t)off;
		req->path.len = (uint32_t)len;
		return 0;
	}
	if (len > 0 && t[0] == '/')
		return *why = "not a proxy request (origin-form target)", -1;
	if (len >= 8 && strncasecmp(t, "https://", 8) == 0)
		return *why = "https:// in a plain request (use CONNECT)", -1;
	if (len < 7 || strncasecmp(t, "http://", 7) != 0)
		return *why = "target is not an http:// URL", -1;
	size_t a = 7, e = a;
	while (e < len && t[e] != '/' && t[e] != '?' && t[e] != '#')
		e++;
	if (memchr(t + a, '@', e - a))
		return *why = "user information in the URL", -1;
	if (memchr(t, '#', len))
		return *why = "fragment in the request target", -1;
	if (al_net_authority_parse(t + a, e - a, 80, &req->target) < 0)
		return *why = "URL host is not a valid host[:port]", -1;
	req->path.off = (uint32_t)(off + e);
	req->path.len = (uint32_t)(len - e);
	return 0;
}

static int parse_request_line(const char *buf, size_t eol, bool tunnel, struct al_http_req *req,
			      const char **why)
{
	size_t m = 0;

	while (m < eol && buf[m] >= 'A' && buf[m] <= 'Z')
		m++;
	if (m == 0 || m >= sizeof(req->method) || m >= eol || buf[m] != ' ')
		return *why = "malformed request line", -1;
	memcpy(req->method, buf, m);
	req->method[m] = '\0';
	req->connect = strcmp(req->method, "CONNECT") == 0;
	size_t t = m + 1, te = t;
	while (te < eol && buf[te] > ' ' && buf[te] < 0x7f)
		te++;
	if (te == t || te >= eol || buf[te] != ' ')
		return *why = "malformed request target", -1;
	if (eol - (te + 1) != 8 || strncmp(buf + te + 1, "HTTP/1.", 7) != 0 ||
	    (buf[te + 8] != '0' && buf[te + 8] != '1'))
		return *why = "not HTTP/1.0 or HTTP/1.1", -1;
	req->minor = buf[te + 8] - '0';
	return parse_target(buf, t, te - t, tunnel, req, why);
}

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 15)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int parse_header(const char *buf, size_t off, size_t eol, struct al_http_req *req, bool *seen_cl,
			const char **why)
{
	static const char *const hop_by_hop[] = {
	    "connection", "proxy-connection", "keep-alive", "proxy-authorization", "proxy-authenticate",
	    "te",	  "trailer",	      "upgrade"};
	size_t n = off;

	if (buf[off] == ' ' || buf[off] == '\t')
		return *why = "folded header line", -1;
	while (n < eol && tchar((unsigned char)buf[n]))
		n++;
	if (n == off || n >= eol || buf[n] != ':')
		return *why = "malformed header name", -1;
	if (req->nlines >= AL_HTTP_MAX_HEADERS)
		return *why = "more than 64 headers", -1;
	struct al_http_span name = {(uint32_t)off, (uint32_t)(n - off)};
	size_t v = n + 1, ve = eol;
	while (v < ve && (buf[v] == ' ' || buf[v] == '\t'))
		v++;
	while (ve > v && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
		ve--;
	for (size_t i = v; i < ve; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t')
			return *why = "control character in a header value", -1;
	size_t i = req->nlines++;
	req->lines[i] = (struct al_http_span){(uint32_t)off, (uint32_t)(eol - off)};
	for (size_t k = 0; k < ARRAY_SIZE(hop_by_hop); k++)
		if (name_is(buf, name, hop_by_hop[k]))
			req->hop[i] = true;
	if (name_is(buf, name, "host")) {
		if (req->has_host)
			return *why = "two Host headers", -1;
		req->has_host = true;
		if (al_net_authority_parse(buf + v, ve - v, req->connect ? 0 : 80, &req->host) < 0)
			return *why = "Host header is not a valid host[:port]", -1;
	} else if (name_is(buf, name, "content-length")) {
		if (*seen_cl)
			return *why = "two Content-Length headers", -1;
		*seen_cl = true;
		if (parse_u64(buf + v, ve - v, &req->content_length) < 0)
			return *why = "Content-Length is not a number", -1;
	} else if (name_is(buf, name, "transfer-encoding")) {
		/* A body whose end only chunk parsing can find is where request
		 * smuggling lives; bodies need a Content-Length here. */
		return *why = "Transfer-Encoding in a request (send a Content-Length)", -1;
	}
	return 0;
}

static int parse_head(const char *buf, size_t len, bool tunnel, struct al_http_req *req, const char **why)
{
	size_t end;
	bool seen_cl = false;

	memset(req, 0, sizeof(*req));
	*why = NULL;
	if (len > 0 && (buf[0] < 'A' || buf[0] > 'Z'))
		return *why = "not an HTTP request", -1;
	int r = find_end(buf, len, 0, &end, why);
	if (r <= 0)
		return r;
	size_t eol = (size_t)((const char *)memchr(buf, '\r', end) - buf);
	if (parse_request_line(buf, eol, tunnel, req, why) < 0)
		return -1;
	for (size_t off = eol + 2; off < end - 2;) {
		size_t e = (size_t)((const char *)memchr(buf + off, '\r', end - off) - buf);
		if (parse_header(buf, off, e, req, &seen_cl, why) < 0)
			return -1;
		off = e + 2;
	}
	if (req->connect && req->content_length)
		return *why = "CONNECT with a body", -1;
	req->head_len = end;
	return (int)end;
}

int al_http_parse(const char *buf, size_t len, struct al_http_req *req, const char **why)
{
	return parse_head(buf, len, false, req, why);
}

bool al_http_same_target(const struct al_net_target *a, const struct al_net_target *b)
{
	return a->port == b->port && a->is_ip == b->is_ip && strcmp(a->host, b->host) == 0;
}

bool al_http_host_ok(const struct al_http_req *req)
{
	if (!req->has_host)
		return req->connect || req->minor == 0;
	return al_http_same_target(&req->host, &req->target);
}

static bool put(char *out, size_t outlen, size_t *n, const char *s, size_t len)
{
	if (len > outlen - *n)
		return false;
	memcpy(out + *n, s, len);
	*n += len;
	return true;
}

int al_http_forward_head(const char *buf, const struct al_http_req *req, char *out, size_t outlen)
{
	char line[AL_NET_HOST_MAX + 64];
	size_t n = 0;
	bool ok = true;

	ok = ok && put(out, outlen, &n, req->method, strlen(req->method)) && put(out, outlen, &n, " ", 1);
	if (req->path.len == 0 || buf[req->path.off] == '?')
		ok = ok && put(out, outlen, &n, "/", 1);
	ok = ok && put(out, outlen, &n, buf + req->path.off, req->path.len);
	int k = snprintf(line, sizeof(line), " HTTP/1.%d\r\n", req->minor);
	ok = ok && put(out, outlen, &n, line, (size_t)k);
	if (!req->has_host) {
		bool v6 = req->target.is_ip && req->target.ip.family == AF_INET6;
		k = snprintf(line, sizeof(line), "Host: %s%s%s:%u\r\n", v6 ? "[" : "", req->target.host,
			     v6 ? "]" : "", req->target.port);
		ok = ok && put(out, outlen, &n, line, (size_t)k);
	}
	for (size_t i = 0; i < req->nlines && ok; i++)
		if (!req->hop[i])
			ok = put(out, outlen, &n, buf + req->lines[i].off, req->lines[i].len) &&
			     put(out, outlen, &n, "\r\n", 2);
	ok = ok && put(out, outlen, &n, "Connection: close\r\n\r\n", 21);
	return ok ? (int)n : -1;
}

int al_http_is_connect(const char *buf, size_t len)
{
	size_t i = 0;

	/* Leading blank lines are tolerated by servers, so by this check too. */
	while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (len - i >= 8)
		return strncasecmp(buf + i, "CONNECT ", 8) == 0;
	return strncasecmp(buf + i, "CONNECT ", len - i) == 0 ? -1 : 0;
}

int al_http_looks_like(const char *buf, size_t len)
{
	size_t i = 0, j;

	while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (len - i < 4 && len < AL_HTTP_HEAD_MAX && strncmp(buf + i, "SSH-", len - i) == 0)
		return -1;
	if (len - i >= 4 && strncmp(buf + i, "SSH-", 4) == 0)
		return 0; /* RFC 4253: the identification string may carry a space */
	for (j = i; j < len && tchar((unsigned char)buf[j]); j++)
		;
	if (j == len)
		return len >= AL_HTTP_HEAD_MAX ? 1 : -1;
	return j > i && buf[j] == ' ';
}

void al_http_seq_init(struct al_http_seq *s, const struct al_net_target *dst)
{
	memset(s, 0, sizeof(*s));
	s->dst = *dst;
}

ssize_t al_http_seq_next(struct al_http_seq *s, const char *buf, size_t len, struct al_http_req *req,
			 const char **why)
{
	size_t end, k = 0;

	memset(req, 0, sizeof(*req));
	*why = NULL;
	if (len == 0)
		return 0;
	if (s->body_left) {
		/* A body: passed, never read (what it holds is the server's to
		 * read as a body, not as a request). */
		size_t n = len < s->body_left ? len : (size_t)s->body_left;
		if (n > SSIZE_MAX)
			n = SSIZE_MAX;
		s->body_left -= n;
		return (ssize_t)n;
	}
	if (s->scanned == 0) {
		/* Blank lines (CRLF) before a request line are ignored by servers
		 * (RFC 9112, 2.2), and old clients send one after a body. */
		while (k + 1 < len && buf[k] == '\r' && buf[k + 1] == '\n')
			k += 2;
		if (k > 0)
			return (ssize_t)k;
		if (len == 1 && buf[0] == '\r')
			return 0;
	}
	if (buf[0] < 'A' || buf[0] > 'Z')
		return *why = "not an HTTP request", -1;
	int r = find_end(buf, len, s->scanned, &end, why);
	if (r < 0)
		return -1;
	if (r == 0) {
		s->scanned = len < AL_HTTP_HEAD_MAX ? len : AL_HTTP_HEAD_MAX;
		return 0;
	}
	if (parse_head(buf, end, true, req, why) < 0)
		return -1;
	if (req->connect)
		return *why = "CONNECT inside a tunnel", -1;
	if (req->origin)
		req->target = s->dst;
	else if (!al_http_same_target(&req->target, &s->dst))
		return *why = "the request's URL names another destination than the tunnel's", -1;
	if (!al_http_host_ok(req))
		return *why = req->has_host ? "the Host header names another destination than the tunnel's"
					    : "HTTP/1.1 request without a Host header",
		       -1;
	s->body_left = req->content_length;
	s->scanned = 0;
	s->nreq++;
	return (ssize_t)end;
}
