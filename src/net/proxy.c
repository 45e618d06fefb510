/* The egress proxy: one state machine per connection, driven by the
 * proxy's epoll set.
 *
 *   HEAD     read the request head (absolute-form or CONNECT), decide on
 *            the Host header, the allow-list and, for an IP literal, its
 *            address class
 *   RESOLVE  a name: c-ares, its sockets and timer in this same epoll set;
 *            every address must be public (or the rule is that literal)
 *   CONNECT  non-blocking connect from the host's network namespace,
 *            next address on failure
 *   HELLO    a tunnel: nothing goes upstream until the client's first bytes
 *            are checked: a ClientHello whose SNI is the CONNECT host (then
 *            the TLS server is the one destination), or plain HTTP, or
 *            neither (opaque)
 *   RELAY    bytes both ways; a plain request's body by its Content-Length,
 *            and nothing after it (one request per connection); in a plain
 *            HTTP tunnel, every request the client sends, each checked
 *            before any of its bytes go upstream (c->checked)
 *
 * Resolution never blocks the supervisor's loop: c-ares (Debian's) hands us
 * its sockets (sock_state_cb) and its next timeout, and answers through a
 * callback. A lookup outlives the connection that asked for it only as a
 * struct lookup whose conn pointer is cleared when the connection goes. */
#include "net/proxy.h"

#include <ares.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "net/addr.h"
#include "net/http.h"
#include "net/tls.h"
#include "plan.h"
#include "util.h"

enum { CBUF = 40 * 1024, UBUF = 32 * 1024, MAX_ADDRS = 8, NO_ENTRY = -1 };

enum state { S_HEAD, S_RESOLVE, S_CONNECT, S_HELLO, S_RELAY };

struct conn;

/* What an epoll event points at. */
struct ep_tag {
	struct conn *c; /* NULL: the listener or the timer */
	int which;	/* 0 client, 1 upstream, 3 listener, 4 timer, 5 resolver socket, 6 resolver timer */
	int fd;		/* which 5: the resolver's socket */
};

/* A name being resolved; c is cleared when the connection goes first. */
struct lookup {
	struct al_proxy *p;
	struct conn *c;
};

struct conn {
	struct conn *prev, *next;
	int cfd, ufd;
	struct lookup *lk; /* S_RESOLVE: the pending lookup */
	uint32_t cev, uev; /* registered epoll masks */
	struct ep_tag tag[2];
	enum state st;
	struct al_http_req req;
	bool literal_rule; /* the matching rule is this IP literal: any class goes */
	struct al_ip addrs[MAX_ADDRS];
	size_t naddr, next_addr;
	uint8_t cbuf[CBUF]; /* client -> upstream */
	size_t clen;
	uint8_t ubuf[UBUF]; /* upstream -> client */
	size_t ulen;
	uint64_t body_left; /* plain request: body bytes still to forward */
	bool http_tunnel;   /* a tunnel carrying plain HTTP: seq checks it */
	struct al_http_seq seq;
	size_t checked; /* http_tunnel: cbuf bytes checked, free to go upstream */
	bool c_eof, u_eof, u_shut, c_shut;
	int entry;
	double last_ms;
};

enum { MAX_RESOLVER_FDS = 16 };

struct al_proxy {
	const struct al_plan *plan;
	int ep, lfd, tfd;
	ares_channel dns; /* NULL until the first name */
	int dns_tfd;	  /* the resolver's next timeout */
	struct ep_tag dns_ttag;
	struct ep_tag dns_tags[MAX_RESOLVER_FDS]; /* fd -1: free */
	bool timer_armed, cut;			  /* cut: the byte limit was reached */
	struct ep_tag ltag, ttag;
	struct conn *conns;
	size_t nconns;
	struct al_net_log log;
	struct al_net_entry scratch; /* attempts past the table: written, not kept */
	struct al_emit emit;	     /* each decision, as it is made */
};

/* Tell the library's caller of a decision (every one, table full or not). */
static void decided(struct al_proxy *p, const struct al_net_entry *e)
{
	al_emit_event(&p->emit, &(struct al_event){.kind = AL_EV_NETWORK,
						   .host = e->host,
						   .port = e->port,
						   .verdict = e->allowed ? "allowed" : "denied",
						   .reason = e->reason[0] ? e->reason : NULL,
						   .address = e->addr[0] ? e->addr : NULL,
						   .method = e->method[0] ? e->method : NULL});
}

static bool off(const struct al_proxy *p, uint64_t bit) { return al_off(p->plan, bit); }

/* --- the record --- */

static int new_entry(struct al_proxy *p)
{
	if (p->log.n >= AL_NET_MAX_ENTRIES) {
		p->log.dropped++;
		return NO_ENTRY;
	}
	memset(&p->log.e[p->log.n], 0, sizeof(p->log.e[0]));
	return (int)p->log.n++;
}

static struct al_net_entry *entry(struct al_proxy *p, struct conn *c)
{
	if (c->entry == NO_ENTRY) {
		memset(&p->scratch, 0, sizeof(p->scratch));
		return &p->scratch;
	}
	return &p->log.e[c->entry];
}

/* --- connections --- */

/* An fd that wants nothing is out of the set altogether: epoll reports
 * hang-ups whatever the mask, and a hung-up socket whose data we cannot
 * take yet (the other side's buffer is full) would spin the loop. */
static void set_events(struct al_proxy *p, int fd, uint32_t *cur, uint32_t want, struct ep_tag *tag)
{
	if (fd < 0 || *cur == want)
		return;
	struct epoll_event ev = {.events = want, .data.ptr = tag};
	epoll_ctl(p->ep, *cur == 0 ? EPOLL_CTL_ADD : want == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD, fd, &ev);
	*cur = want;
}

static int add_fd(struct al_proxy *p, int fd, uint32_t events, struct ep_tag *tag)
{
	struct epoll_event ev = {.events = events, .data.ptr = tag};
	return epoll_ctl(p->ep, EPOLL_CTL_ADD, fd, &ev);
}

static void conn_free(struct al_proxy *p, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	p->nconns--;
	al_closep(&c->cfd); /* closing drops them from the epoll set */
	al_closep(&c->ufd);
	if (c->lk)
		c->lk->c = NULL; /* the lookup's answer will find nobody */
	free(c);
}

/* An allowed connection ends; reason says why, if it was cut. */
static void conn_end(struct al_proxy *p, struct conn *c, const char *reason)
{
	struct al_net_entry *e = entry(p, c);
	if (reason && !e->reason[0])
		snprintf(e->reason, sizeof(e->reason), "%s", reason);
	conn_free(p, c);
}

/* Refuse the attempt: record why, tell the client if it still speaks HTTP
 * to us (before a tunnel is up), close. */
static void deny(struct al_proxy *p, struct conn *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void deny(struct al_proxy *p, struct conn *c, int code, const char *fmt, ...)
{
	struct al_net_entry *e = entry(p, c);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	e->allowed = false;
	decided(p, e);
	if (code) {
		const char *text = code == 400	 ? "Bad Request"
				   : code == 403 ? "Forbidden"
				   : code == 502 ? "Bad Gateway"
						 : "Service Unavailable";
		char msg[512];
		int body = (int)strlen(e->reason) + 24;
		int n = snprintf(msg, sizeof(msg),
				 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
				 "Connection: close\r\n\r\nairlock proxy: denied: %s\n",
				 code, text, body, e->reason);
		/* Best effort: a fresh socket's buffer takes this much. */
		if (n > 0)
			(void)!send(c->cfd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1,
				    MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	conn_free(p, c);
}

/* The client's bytes that may go upstream: in a plain-HTTP tunnel, those
 * checked so far; the rest wait for the end of their request head. */
static size_t ready(const struct conn *c) { return c->http_tunnel ? c->checked : c->clen; }

/* Which fds want what, from the state and the buffers. */
static void update(struct al_proxy *p, struct conn *c)
{
	uint32_t cw = 0, uw = 0;
	bool tunnel_up = c->st == S_HELLO || c->st == S_RELAY;

	if (!c->c_eof && ((c->st == S_HEAD && c->clen < AL_HTTP_HEAD_MAX) || (tunnel_up && c->clen < CBUF)))
		cw |= EPOLLIN;
	if (c->ulen)
		cw |= EPOLLOUT;
	if (c->st == S_CONNECT)
		uw |= EPOLLOUT;
	if (tunnel_up && !c->u_eof && c->ulen < UBUF)
		uw |= EPOLLIN;
	if (c->st == S_RELAY && ready(c))
		uw |= EPOLLOUT;
	set_events(p, c->cfd, &c->cev, cw, &c->tag[0]);
	set_events(p, c->ufd, &c->uev, uw, &c->tag[1]);
}

/* --- resolution (c-ares) --- */

/* c-ares opens, watches and closes its sockets: mirror them in our set. */
static void dns_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct al_proxy *p = data;
	struct ep_tag *t = NULL, *free_tag = NULL;

	for (size_t i = 0; i < MAX_RESOLVER_FDS; i++) {
		if (p->dns_tags[i].fd == fd)
			t = &p->dns_tags[i];
		else if (p->dns_tags[i].fd < 0 && !free_tag)
			free_tag = &p->dns_tags[i];
	}
	uint32_t want = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	if (!want) {
		if (t) {
			epoll_ctl(p->ep, EPOLL_CTL_DEL, fd, NULL);
			t->fd = -1;
		}
		return;
	}
	if (!t) {
		if (!free_tag)
			return; /* more sockets than servers we would ever use: its lookups time out */
		t = free_tag;
		*t = (struct ep_tag){NULL, 5, fd};
		struct epoll_event ev = {.events = want, .data.ptr = t};
		epoll_ctl(p->ep, EPOLL_CTL_ADD, fd, &ev);
		return;
	}
	struct epoll_event ev = {.events = want, .data.ptr = t};
	epoll_ctl(p->ep, EPOLL_CTL_MOD, fd, &ev);
}

/* The resolver's own timeouts (retries, giving up) on a timerfd. */
static void dns_arm(struct al_proxy *p)
{
	struct timeval tv, *next = p->dns ? ares_timeout(p->dns, NULL, &tv) : NULL;
	struct itimerspec its = {0};

	if (next) {
		its.it_value.tv_sec = next->tv_sec;
		its.it_value.tv_nsec = next->tv_usec * 1000L;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1; /* now: zero would disarm */
	}
	timerfd_settime(p->dns_tfd, 0, &its, NULL);
}

/* c-ares' process-wide setup, once (it is not thread-safe). */
static void dns_lib_init(void) { ares_library_init(ARES_LIB_INIT_ALL); }

static int dns_init(struct al_proxy *p)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct ares_options o = {.sock_state_cb = dns_sock_state, .sock_state_cb_data = p};

	if (p->dns)
		return 0;
	pthread_once(&once, dns_lib_init);
	if (ares_library_initialized() != ARES_SUCCESS)
		return -1;
	if (ares_init_options(&p->dns, &o, ARES_OPT_SOCK_STATE_CB) != ARES_SUCCESS) {
		p->dns = NULL;
		return -1;
	}
	return 0;
}

static void try_connect(struct al_proxy *p, struct conn *c);
static bool addrs_ok(struct al_proxy *p, struct conn *c);

static void dns_answer(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct lookup *lk = arg;
	struct conn *c = lk->c;

	(void)timeouts;
	if (c) {
		c->lk = NULL;
		c->naddr = 0;
		for (struct ares_addrinfo_node *n = res ? res->nodes : NULL; n && c->naddr < MAX_ADDRS;
		     n = n->ai_next) {
			struct al_ip ip = {.family = n->ai_family};
			if (n->ai_family == AF_INET)
				memcpy(ip.b, &((struct sockaddr_in *)n->ai_addr)->sin_addr, 4);
			else if (n->ai_family == AF_INET6)
				memcpy(ip.b, &((struct sockaddr_in6 *)n->ai_addr)->sin6_addr, 16);
			else
				continue;
			bool dup = false;
			for (size_t i = 0; i < c->naddr && !dup; i++)
				dup = al_ip_equal(&c->addrs[i], &ip);
			if (!dup)
				c->addrs[c->naddr++] = ip;
		}
		if (status != ARES_SUCCESS || c->naddr == 0)
			deny(lk->p, c, 502, "cannot resolve %s: %s", c->req.target.host,
			     status != ARES_SUCCESS ? ares_strerror(status) : "no address");
		else if (addrs_ok(lk->p, c))
			try_connect(lk->p, c);
	}
	if (res)
		ares_freeaddrinfo(res);
	free(lk);
}

static int start_resolve(struct al_proxy *p, struct conn *c)
{
	struct ares_addrinfo_hints hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct lookup *lk = calloc(1, sizeof(*lk));

	if (!lk || dns_init(p) < 0) {
		free(lk);
		return -1;
	}
	*lk = (struct lookup){p, c};
	c->lk = lk;
	c->st = S_RESOLVE;
	update(p, c);
	/* The answer may come at once (an IP in /etc/hosts, a cached one): the
	 * callback then runs inside this call and may free c. */
	ares_getaddrinfo(p->dns, c->req.target.host, NULL, &hints, dns_answer, lk); /* lk: transferred */
	dns_arm(p);
	return 0;
}

static void dns_event(struct al_proxy *p, struct ep_tag *t, uint32_t events)
{
	if (t->which == 6) {
		uint64_t ticks;
		(void)!read(p->dns_tfd, &ticks, sizeof(ticks));
		ares_process_fd(p->dns, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	} else {
		int fd = t->fd;
		ares_process_fd(p->dns, (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ? fd : ARES_SOCKET_BAD,
				(events & EPOLLOUT) ? fd : ARES_SOCKET_BAD);
	}
	dns_arm(p);
}

static int pump(struct al_proxy *p, struct conn *c);

/* Every address the destination has must be one the sandbox may reach:
 * a name that resolves to one public and one private address is refused
 * as a whole rather than trusted to pick the public one. */
static bool addrs_ok(struct al_proxy *p, struct conn *c)
{
	char buf[48];

	if (c->literal_rule || off(p, AL_DEF_PROXY_ADDR))
		return true;
	for (size_t i = 0; i < c->naddr; i++) {
		enum al_addr_class k = al_addr_classify(&c->addrs[i]);
		if (k != AL_ADDR_PUBLIC) {
			if (c->req.target.is_ip)
				deny(p, c, 403, "%s is a %s address",
				     al_ip_str(&c->addrs[i], buf, sizeof(buf)), al_addr_class_name(k));
			else
				deny(p, c, 403, "%s resolves to %s, a %s address", c->req.target.host,
				     al_ip_str(&c->addrs[i], buf, sizeof(buf)), al_addr_class_name(k));
			return false;
		}
	}
	return true;
}

/* Decide on a complete head. */
static void decide(struct al_proxy *p, struct conn *c)
{
	const struct al_http_req *q = &c->req;
	struct al_net_entry *e = entry(p, c);

	snprintf(e->host, sizeof(e->host), "%s", q->target.host);
	e->port = q->target.port;
	snprintf(e->method, sizeof(e->method), "%s", q->method);
	if (!off(p, AL_DEF_PROXY_HOST) && !al_http_host_ok(q)) {
		if (q->has_host)
			deny(p, c, 400, "Host header %s:%u is not the request's host", q->host.host,
			     q->host.port);
		else
			deny(p, c, 400, "HTTP/1.1 request without a Host header");
		return;
	}
	if (p->cut) {
		deny(p, c, 503, "the run's network byte limit is used up");
		return;
	}
	const struct al_net_rule *rule = al_net_rules_match(&p->plan->profile.net_rules, &q->target);
	if (!rule && !off(p, AL_DEF_PROXY_RULES)) {
		deny(p, c, 403, "not in the allow-list");
		return;
	}
	/* Only the literal itself in a rule lets a non-public address through
	 * (the control without rules behaves as if every target had one). */
	c->literal_rule = q->target.is_ip && (rule ? rule->kind == AL_RULE_IP : true);
	if (q->target.is_ip) {
		c->addrs[0] = q->target.ip;
		c->naddr = 1;
		if (addrs_ok(p, c))
			try_connect(p, c);
		return;
	}
	if (start_resolve(p, c) < 0)
		deny(p, c, 502, "cannot start resolving %s", q->target.host);
}

static void read_head(struct al_proxy *p, struct conn *c)
{
	ssize_t n = recv(c->cfd, c->cbuf + c->clen, AL_HTTP_HEAD_MAX - c->clen, MSG_DONTWAIT);
	const char *why;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* A client that hangs up before a whole head asked for nothing. */
		if (c->clen > 0) {
			c->entry = new_entry(p);
			deny(p, c, 0, "connection closed before a whole request head");
		} else {
			conn_free(p, c);
		}
		return;
	}
	c->clen += (size_t)n;
	int r = al_http_parse((const char *)c->cbuf, c->clen, &c->req, &why);
	if (r == 0)
		return;
	c->entry = new_entry(p);
	if (r < 0) {
		deny(p, c, 400, "%s", why);
		return;
	}
	decide(p, c);
}

/* A request the proxy refuses arrived on a connection it allowed: that
 * connection's entry says why it was closed, and the request is recorded
 * as an attempt of its own, denied (it was one), naming what it asked for
 * (named, NULL if unknown). */
static void deny_next(struct al_proxy *p, struct conn *c, const char *closed,
		      const struct al_net_target *named, const char *method, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void deny_next(struct al_proxy *p, struct conn *c, const char *closed,
		      const struct al_net_target *named, const char *method, const char *fmt, ...)
{
	char reason[sizeof(p->scratch.reason)];
	va_list ap;

	snprintf(entry(p, c)->reason, sizeof(entry(p, c)->reason), "%s", closed);
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	c->entry = new_entry(p);
	struct al_net_entry *e = entry(p, c);
	if (named) {
		snprintf(e->host, sizeof(e->host), "%s", named->host);
		e->port = named->port;
	}
	snprintf(e->method, sizeof(e->method), "%s", method);
	deny(p, c, 0, "%s", reason);
}

/* Bytes after a plain request's body belong to no request we checked;
 * blank lines aside (old clients send a CRLF after a body), they end the
 * connection. Returns how many of the n bytes at buf are to be forwarded,
 * or -1 if the connection was denied. */
static ssize_t body_part(struct al_proxy *p, struct conn *c, const uint8_t *buf, size_t n)
{
	size_t body = n < c->body_left ? n : (size_t)c->body_left, k = body;

	c->body_left -= body;
	while (k < n && (buf[k] == '\r' || buf[k] == '\n'))
		k++;
	if (k == n)
		return (ssize_t)body;
	if (off(p, AL_DEF_PROXY_CHAIN))
		return (ssize_t)n; /* control: forwarded unchecked */
	struct al_http_req second;
	const char *why;
	bool parsed = al_http_parse((const char *)buf + k, n - k, &second, &why) > 0;
	deny_next(p, c, "the client sent a second request; connection closed", parsed ? &second.target : NULL,
		  parsed ? second.method : "",
		  "a second request on a forwarded connection (one request per connection)");
	return -1;
}

/* The connection to the destination is up. Returns -1 if c is gone. */
static int connected(struct al_proxy *p, struct conn *c)
{
	struct al_net_entry *e = entry(p, c);
	size_t head = c->req.head_len, rest = c->clen - head;

	e->allowed = true;
	decided(p, e);
	c->last_ms = al_now_ms();
	if (c->req.connect) {
		static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
		memmove(c->cbuf, c->cbuf + head, rest);
		c->clen = rest;
		memcpy(c->ubuf, ok, sizeof(ok) - 1);
		c->ulen = sizeof(ok) - 1;
		c->st = S_HELLO;
		return 0;
	}
	/* A plain request: the forwarded head, then at most the body. */
	char fwd[AL_HTTP_HEAD_MAX + 512];
	int m = al_http_forward_head((const char *)c->cbuf, &c->req, fwd, sizeof(fwd));
	c->body_left = c->req.content_length;
	ssize_t keep = body_part(p, c, c->cbuf + head, rest);
	if (keep < 0)
		return -1;
	if (m < 0 || (size_t)m + (size_t)keep > CBUF) {
		deny(p, c, 400, "request head too large to forward");
		return -1;
	}
	memmove(c->cbuf + m, c->cbuf + head, (size_t)keep);
	memcpy(c->cbuf, fwd, (size_t)m);
	c->clen = (size_t)m + (size_t)keep;
	c->st = S_RELAY;
	return 0;
}

static void try_connect(struct al_proxy *p, struct conn *c)
{
	char buf[48];

	while (c->next_addr < c->naddr) {
		const struct al_ip *ip = &c->addrs[c->next_addr++];
		struct sockaddr_storage ss = {0};
		socklen_t len;
		if (ip->family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			s4->sin_family = AF_INET;
			s4->sin_port = htons(c->req.target.port);
			memcpy(&s4->sin_addr, ip->b, 4);
			len = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(c->req.target.port);
			memcpy(&s6->sin6_addr, ip->b, 16);
			len = sizeof(*s6);
		}
		al_closep(&c->ufd);
		c->uev = 0;
		c->ufd = socket(ip->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->ufd < 0)
			continue;
		snprintf(entry(p, c)->addr, sizeof(entry(p, c)->addr), "%s", al_ip_str(ip, buf, sizeof(buf)));
		if (connect(c->ufd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
			continue;
		c->tag[1] = (struct ep_tag){c, 1, -1};
		c->st = S_CONNECT;
		update(p, c);
		return;
	}
	entry(p, c)->addr[0] = '\0';
	deny(p, c, 502, "cannot connect to %s:%u", c->req.target.host, c->req.target.port);
}

static void connect_done(struct al_proxy *p, struct conn *c)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e != 0) {
		try_connect(p, c);
		return;
	}
	if (connected(p, c) == 0)
		pump(p, c);
}

static void count(struct al_proxy *p, struct conn *c, size_t n, bool up)
{
	struct al_net_entry *e = entry(p, c);
	if (up)
		e->up += n;
	else
		e->down += n;
	p->log.bytes += n;
	c->last_ms = al_now_ms();
}

/* Returns -1 when the connection is gone. */
static int from_client(struct al_proxy *p, struct conn *c)
{
	ssize_t n = recv(c->cfd, c->cbuf + c->clen, CBUF - c->clen, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) { /* reset: the client is gone, and can take nothing more */
		conn_end(p, c, NULL);
		return -1;
	}
	if (n == 0) {
		c->c_eof = true;
		return 0;
	}
	c->last_ms = al_now_ms();
	if (c->st == S_RELAY && !c->req.connect) {
		ssize_t keep = body_part(p, c, c->cbuf + c->clen, (size_t)n);
		if (keep < 0)
			return -1;
		c->clen += (size_t)keep;
		return 0;
	}
	c->clen += (size_t)n;
	return 0;
}

/* What the run's byte limit still allows through (both ways). */
static size_t budget(const struct al_proxy *p)
{
	uint64_t lim = p->plan->profile.limits.net_bytes;
	if (!lim)
		return SIZE_MAX;
	return p->log.bytes >= lim ? 0 : (size_t)(lim - p->log.bytes);
}

static int flush(int fd, uint8_t *buf, size_t *len, size_t max, size_t *sent)
{
	*sent = 0;
	while (*len && *sent < max) {
		size_t want = *len < max - *sent ? *len : max - *sent;
		ssize_t n = send(fd, buf, want, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		memmove(buf, buf + n, *len - (size_t)n);
		*len -= (size_t)n;
		*sent += (size_t)n;
	}
	return 0;
}

/* The first bytes of a tunnel, before any of them go upstream. Returns 1
 * when the tunnel may open, 0 to wait for more, -1 when it was denied. */
static int check_hello(struct al_proxy *p, struct conn *c)
{
	const struct al_net_target *t = &c->req.target;
	struct al_tls_hello h;
	const char *why;

	if (c->clen == 0)
		return 0;
	if (t->port == 443 || al_tls_looks_like(c->cbuf, c->clen)) {
		int r = al_tls_client_hello(c->cbuf, c->clen, &h, &why);
		if (r == 0 && c->clen < CBUF)
			return 0;
		if (r <= 0) {
			deny(p, c, 0, "tunnel to port %u: %s", t->port,
			     r == 0 ? "ClientHello too large" : why);
			return -1;
		}
		if (off(p, AL_DEF_PROXY_SNI))
			return 1;
		if (h.ech) {
			deny(p, c, 0, "encrypted ClientHello: the server name is hidden");
			return -1;
		}
		/* A name: the SNI must be that name. An IP literal: clients send
		 * no SNI (RFC 6066 has none for addresses); a host name there
		 * would ask a shared front end for some other site. */
		if (!t->is_ip && (!h.has_sni || strcmp(h.sni, t->host) != 0)) {
			deny(p, c, 0, "TLS server name %s%s%s is not the CONNECT host %s",
			     h.has_sni ? "'" : "", h.has_sni ? h.sni : "(none)", h.has_sni ? "'" : "",
			     t->host);
			return -1;
		}
		if (t->is_ip && h.has_sni && strcmp(h.sni, t->host) != 0) {
			deny(p, c, 0, "TLS server name '%s' in a tunnel to the address %s", h.sni, t->host);
			return -1;
		}
		return 1;
	}
	if (!off(p, AL_DEF_PROXY_PIPELINE)) {
		/* Plain HTTP: every request is checked as it comes (check_stream);
		 * anything else (SSH, a database's protocol) is opaque. */
		int k = al_http_looks_like((const char *)c->cbuf, c->clen);
		if (k == -1 && !c->c_eof)
			return 0;
		/* Undecided at the client's end (a few letters): no request,
		 * and nothing more is coming; they go as they are. */
		if (k == 1) {
			c->http_tunnel = true;
			c->checked = 0;
			al_http_seq_init(&c->seq, t);
		}
		return 1;
	}
	/* Control: only the first bytes are checked, as before requests in
	 * tunnels were. */
	if (off(p, AL_DEF_PROXY_CHAIN))
		return 1;
	int k = al_http_is_connect((const char *)c->cbuf, c->clen);
	if (k == -1)
		return 0;
	if (k == 1) {
		deny(p, c, 0, "CONNECT inside a tunnel");
		return -1;
	}
	return 1;
}

/* The destination a refused request in a tunnel asked for: its URL's or
 * its Host header's if either names another one, else the tunnel's. */
static const struct al_net_target *named_by(const struct al_http_req *q, const struct al_net_target *dst)
{
	if (q->target.host[0] && !q->origin && !al_http_same_target(&q->target, dst))
		return &q->target;
	if (q->has_host && !al_http_same_target(&q->host, dst))
		return &q->host;
	return dst;
}

/* A plain-HTTP tunnel: check the client's bytes past c->checked, request
 * by request, as far as they go. Returns -1 when the tunnel was closed. */
static int check_stream(struct al_proxy *p, struct conn *c)
{
	struct al_http_req q;
	const char *why;

	while (c->http_tunnel && c->checked < c->clen) {
		ssize_t n = al_http_seq_next(&c->seq, (const char *)c->cbuf + c->checked,
					     c->clen - c->checked, &q, &why);
		if (n > 0) {
			c->checked += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (q.head_len && q.connect && off(p, AL_DEF_PROXY_CHAIN)) {
			c->http_tunnel = false; /* control: a tunnel in the tunnel, unchecked */
			break;
		}
		/* The requests before it were checked: they go (as far as the
		 * socket takes them now), nothing of this one does. */
		size_t sent, max = budget(p) < c->checked ? budget(p) : c->checked;
		if (flush(c->ufd, c->cbuf, &c->clen, max, &sent) == 0)
			count(p, c, sent, true);
		const struct al_net_target *t = &c->req.target;
		bool v6 = t->is_ip && t->ip.family == AF_INET6;
		deny_next(p, c, "the client sent a request the proxy refuses; tunnel closed", named_by(&q, t),
			  q.method, "request %llu in the tunnel to %s%s%s:%u: %s",
			  (unsigned long long)c->seq.nreq + 1, v6 ? "[" : "", t->host, v6 ? "]" : "", t->port,
			  why);
		return -1;
	}
	if (c->http_tunnel && c->c_eof && c->checked < c->clen) {
		/* The client is done in the middle of a request head: that is no
		 * request, and nothing of it goes upstream. */
		c->clen = c->checked;
		snprintf(entry(p, c)->reason, sizeof(entry(p, c)->reason), "%s",
			 "the client closed the tunnel in the middle of a request head (not forwarded)");
	}
	return 0;
}

static uint64_t limit_bytes(const struct al_proxy *p) { return p->plan->profile.limits.net_bytes; }

/* Move what can move; returns -1 when the connection is gone. */
static int pump(struct al_proxy *p, struct conn *c)
{
	size_t sent;

	if (c->st == S_HELLO) {
		int r = check_hello(p, c);
		if (r < 0)
			return -1;
		if (r == 1)
			c->st = S_RELAY;
	}
	if (c->st == S_RELAY && c->http_tunnel && check_stream(p, c) < 0)
		return -1;
	if (c->st == S_RELAY && ready(c)) {
		size_t max = budget(p) < ready(c) ? budget(p) : ready(c);
		if (flush(c->ufd, c->cbuf, &c->clen, max, &sent) < 0) {
			conn_end(p, c, NULL);
			return -1;
		}
		if (c->http_tunnel)
			c->checked -= sent;
		count(p, c, sent, true);
	}
	if (c->ulen && flush(c->cfd, c->ubuf, &c->ulen, SIZE_MAX, &sent) < 0) {
		conn_end(p, c, NULL);
		return -1;
	}
	if (c->st == S_RELAY) {
		if (c->c_eof && !c->clen && !c->u_shut) {
			shutdown(c->ufd, SHUT_WR);
			c->u_shut = true;
		}
		if (c->u_eof && !c->ulen) {
			if (!c->req.connect || c->c_eof || c->c_shut) {
				conn_end(p, c, NULL);
				return -1;
			}
			shutdown(c->cfd, SHUT_WR);
			c->c_shut = true;
		}
	} else if (c->st == S_HELLO && (c->c_eof || (c->u_eof && !c->ulen))) {
		conn_end(p, c, NULL);
		return -1;
	}
	uint64_t lim = limit_bytes(p);
	if (lim && p->log.bytes >= lim) {
		p->cut = true;
		char why[96];
		snprintf(why, sizeof(why), "cut: the run's network byte limit (%llu bytes) was reached",
			 (unsigned long long)lim);
		al_emit_event(&p->emit, &(struct al_event){.kind = AL_EV_LIMIT, .limit = "net_bytes", .reason = why});
		while (p->conns)
			conn_end(p, p->conns, why);
		return -1;
	}
	update(p, c);
	return 0;
}

static int from_upstream(struct al_proxy *p, struct conn *c)
{
	size_t room = UBUF - c->ulen, left = budget(p);
	if (room > left)
		room = left; /* the limit is exact: nothing past it is read */
	if (room == 0)
		return 0;
	ssize_t n = recv(c->ufd, c->ubuf + c->ulen, room, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		c->u_eof = true;
		return 0;
	}
	c->ulen += (size_t)n;
	count(p, c, (size_t)n, false);
	return 0;
}

static void accept_all(struct al_proxy *p)
{
	for (;;) {
		int fd = accept4(p->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		uint64_t max = p->plan->profile.limits.net_connections;
		if (max && p->nconns >= max) {
			int i = new_entry(p);
			struct al_net_entry *e = i == NO_ENTRY ? &p->scratch : &p->log.e[i];
			snprintf(e->reason, sizeof(e->reason), "more than %llu connections at once",
				 (unsigned long long)max);
			decided(p, e);
			static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
						   "Connection: close\r\n\r\n";
			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->cfd = fd;
		c->ufd = -1;
		c->entry = NO_ENTRY;
		c->last_ms = al_now_ms();
		c->tag[0] = (struct ep_tag){c, 0, -1};
		c->cev = EPOLLIN;
		if (add_fd(p, fd, EPOLLIN, &c->tag[0]) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = p->conns;
		if (p->conns)
			p->conns->prev = c;
		p->conns = c;
		p->nconns++;
	}
}

/* Once a second while connections are open: close the idle ones. */
static void sweep(struct al_proxy *p)
{
	double idle = p->plan->profile.limits.net_idle_s, now = al_now_ms();
	char why[64];

	if (idle <= 0)
		return;
	snprintf(why, sizeof(why), "closed: idle for %g s", idle);
	for (struct conn *c = p->conns, *next; c; c = next) {
		next = c->next;
		if (now - c->last_ms < idle * 1000)
			continue;
		if (c->entry == NO_ENTRY && c->st == S_HEAD) {
			c->entry = new_entry(p);
			deny(p, c, 0, "no request head within %g s", idle);
		} else if (c->st == S_RESOLVE || c->st == S_CONNECT) {
			deny(p, c, 502, "%s: no answer within %g s",
			     c->st == S_RESOLVE ? "resolving" : "connecting", idle);
		} else {
			conn_end(p, c, why);
		}
	}
}

static void arm_timer(struct al_proxy *p)
{
	bool want = p->nconns > 0;
	if (want == p->timer_armed)
		return;
	struct itimerspec its = {0};
	if (want)
		its.it_value.tv_sec = its.it_interval.tv_sec = 1;
	timerfd_settime(p->tfd, 0, &its, NULL);
	p->timer_armed = want;
}

static void conn_event(struct al_proxy *p, struct conn *c, int which, uint32_t events)
{
	if (c->st == S_HEAD) {
		read_head(p, c);
		return;
	}
	if (c->st == S_CONNECT) {
		if (which == 1)
			connect_done(p, c);
		else if (events & (EPOLLHUP | EPOLLERR))
			conn_end(p, c, NULL);
		return;
	}
	if (c->st == S_RESOLVE) {
		if (events & (EPOLLHUP | EPOLLERR))
			conn_end(p, c, NULL);
		return;
	}
	/* A client socket that hung up or failed can take nothing more; an
	 * upstream one may still hold data to read, so that is read first. */
	if (which == 0 && (events & (EPOLLHUP | EPOLLERR))) {
		conn_end(p, c, NULL);
		return;
	}
	if (which == 0 && (events & EPOLLIN) && from_client(p, c) < 0)
		return;
	if (which == 1 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		from_upstream(p, c);
	pump(p, c);
}

/* A connection may be freed while a batch still holds events for it:
 * handle one event per epoll_wait, so that no stale pointer is used. */
void al_proxy_handle(struct al_proxy *p)
{
	struct epoll_event ev;

	for (int rounds = 0; rounds < 256; rounds++) {
		if (epoll_wait(p->ep, &ev, 1, 0) != 1)
			break;
		struct ep_tag *tag = ev.data.ptr;
		if (!tag->c) {
			if (tag->which == 3) {
				accept_all(p);
			} else if (tag->which == 5 || tag->which == 6) {
				dns_event(p, tag, ev.events);
			} else {
				uint64_t ticks;
				if (read(p->tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
					sweep(p);
			}
		} else {
			struct conn *c = tag->c;
			conn_event(p, c, tag->which, ev.events);
		}
	}
	arm_timer(p);
}

int al_proxy_new(const struct al_plan *plan, const struct al_emit *emit, struct al_proxy **out,
		 struct al_error *err)
{
	struct al_proxy *p = calloc(1, sizeof(*p));

	if (!p)
		return al_error_set(err, ENOMEM, "proxy");
	p->plan = plan;
	if (emit)
		p->emit = *emit;
	p->lfd = -1;
	p->ep = epoll_create1(EPOLL_CLOEXEC);
	p->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	p->ttag = (struct ep_tag){NULL, 4, -1};
	p->ltag = (struct ep_tag){NULL, 3, -1};
	p->dns_ttag = (struct ep_tag){NULL, 6, -1};
	for (size_t i = 0; i < MAX_RESOLVER_FDS; i++)
		p->dns_tags[i] = (struct ep_tag){NULL, 5, -1};
	p->dns_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (p->ep < 0 || p->tfd < 0 || p->dns_tfd < 0 || add_fd(p, p->tfd, EPOLLIN, &p->ttag) < 0 ||
	    add_fd(p, p->dns_tfd, EPOLLIN, &p->dns_ttag) < 0) {
		al_error_set(err, errno, "proxy: epoll/timerfd");
		al_proxy_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int al_proxy_fd(const struct al_proxy *p) { return p->ep; }

int al_proxy_adopt(struct al_proxy *p, int fd, struct al_error *err)
{
	if (p->lfd >= 0) {
		close(fd);
		return al_error_set(err, 0, "proxy: a second listener");
	}
	p->lfd = fd;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0 || add_fd(p, fd, EPOLLIN, &p->ltag) < 0)
		return al_error_set(err, errno, "proxy: listener");
	return 0;
}

void al_proxy_finish(struct al_proxy *p, struct al_net_log *out)
{
	while (p->conns)
		conn_end(p, p->conns,
			 p->conns->st == S_RELAY || p->conns->st == S_HELLO ? NULL : "sandbox ended");
	*out = p->log;
}

void al_proxy_free(struct al_proxy *p)
{
	if (!p)
		return;
	while (p->conns)
		conn_free(p, p->conns);
	/* Pending lookups are answered (ARES_EDESTRUCTION) and freed here; their
	 * connections are gone already. */
	if (p->dns)
		ares_destroy(p->dns);
	al_closep(&p->lfd);
	al_closep(&p->tfd);
	al_closep(&p->dns_tfd);
	al_closep(&p->ep);
	free(p);
}
