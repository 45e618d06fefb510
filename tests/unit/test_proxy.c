/* The proxy's state machine, driven in this process over the host's
 * loopback (127.0.0.1 only): a listener handed to it as the child would,
 * a stand-in destination, and a client. Under ASan, with leak checks. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/proxy.h"
#include "plan.h"
#include "unit.h"
#include "util.h"

static int listen_any(uint16_t *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		abort();
	*port = ntohs(sa.sin_port);
	return fd;
}

static int dial(uint16_t port)
{
	struct sockaddr_in sa = {
	    .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort();
	return fd;
}

/* Run the proxy for ms milliseconds; returns how often it woke up. */
static int spin(struct al_proxy *p, int ms)
{
	struct pollfd pfd = {.fd = al_proxy_fd(p), .events = POLLIN};
	double end = al_now_ms() + ms;
	int wakeups = 0;

	for (double now = al_now_ms(); now < end; now = al_now_ms()) {
		if (poll(&pfd, 1, (int)(end - now) + 1) > 0) {
			wakeups++;
			al_proxy_handle(p);
		}
	}
	return wakeups;
}

/* Read what is there within ms (non-blocking once the first bytes came). */
static size_t slurp(struct al_proxy *p, int fd, char *buf, size_t len, int ms)
{
	size_t n = 0;
	double end = al_now_ms() + ms;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (n < len - 1 && al_now_ms() < end) {
		spin(p, 5);
		ssize_t k = recv(fd, buf + n, len - 1 - n, 0);
		if (k == 0)
			break;
		if (k > 0)
			n += (size_t)k;
	}
	buf[n] = '\0';
	return n;
}

struct rig {
	struct al_profile prof;
	struct al_plan plan;
	struct al_proxy *p;
	uint16_t proxy_port, dest_port;
	int dest; /* the destination's listening socket */
};

static void rig_up(struct rig *r, const char *net_bytes)
{
	struct al_error err = {0};
	char net[64];
	static char *argv[] = {"true", NULL};

	r->dest = listen_any(&r->dest_port);
	snprintf(net, sizeof(net), "allow:127.0.0.1:%u", r->dest_port);
	struct al_overrides ov = {.net = net, .net_bytes = net_bytes};
	if (al_profile_load("default", &r->prof, &err) < 0 ||
	    al_plan_build(&r->prof, &ov, argv, NULL, &r->plan, &err) < 0 ||
	    al_proxy_new(&r->plan, NULL, &r->p, &err) < 0) {
		printf("not ok rig: %s\n", err.msg);
		exit(1);
	}
	int l = listen_any(&r->proxy_port);
	if (al_proxy_adopt(r->p, l, &err) < 0)
		abort();
}

static struct al_net_log *rig_down(struct rig *r)
{
	static struct al_net_log log;
	al_proxy_finish(r->p, &log);
	al_proxy_free(r->p);
	al_plan_free(&r->plan);
	al_profile_free(&r->prof);
	close(r->dest);
	return &log;
}

static void plain_get(void)
{
	struct rig r;
	char buf[8192], req[256];

	rig_up(&r, NULL);
	int c = dial(r.proxy_port);
	int n = snprintf(
	    req, sizeof(req),
	    "GET http://127.0.0.1:%u/x?y HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nProxy-Connection: keep-alive\r\n"
	    "Proxy-Authorization: Basic eA==\r\nX-Keep: 1\r\n\r\n",
	    r.dest_port, r.dest_port);
	send(c, req, (size_t)n, 0);
	spin(r.p, 50);
	int s = accept4(r.dest, NULL, NULL, SOCK_CLOEXEC);
	size_t got = s >= 0 ? slurp(r.p, s, buf, sizeof(buf), 100) : 0;
	CHECK("proxy: GET forwarded in origin-form, hop-by-hop headers dropped",
	      got && strncmp(buf, "GET /x?y HTTP/1.1\r\n", 19) == 0 && strstr(buf, "X-Keep: 1\r\n") &&
		  !strstr(buf, "Proxy-") && strstr(buf, "Connection: close\r\n\r\n"));
	send(s, "HTTP/1.0 200 OK\r\n\r\nhello", 24, 0);
	close(s);
	got = slurp(r.p, c, buf, sizeof(buf), 200);
	CHECK("proxy: the response comes back, then EOF", got == 24 && strstr(buf, "hello"));
	close(c);
	struct al_net_log *log = rig_down(&r);
	CHECK("proxy: one allowed entry with bytes both ways",
	      log->n == 1 && log->e[0].allowed && log->e[0].up > 0 && log->e[0].down == 24 &&
		  strcmp(log->e[0].addr, "127.0.0.1") == 0 && !log->e[0].reason[0]);
}

static void denied(void)
{
	struct rig r;
	char buf[1024];

	rig_up(&r, NULL);
	int c = dial(r.proxy_port);
	const char *req = "GET http://127.0.0.1:1/ HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n";
	send(c, req, strlen(req), 0);
	slurp(r.p, c, buf, sizeof(buf), 200);
	CHECK("proxy: a port the rule does not name gets 403", strncmp(buf, "HTTP/1.1 403 ", 13) == 0);
	close(c);
	c = dial(r.proxy_port);
	send(c, "\x16\x03\x01", 3, 0);
	slurp(r.p, c, buf, sizeof(buf), 200);
	CHECK("proxy: TLS straight to the proxy gets 400", strncmp(buf, "HTTP/1.1 400 ", 13) == 0);
	close(c);
	struct al_net_log *log = rig_down(&r);
	CHECK("proxy: both denied, with reasons", log->n == 2 && !log->e[0].allowed && !log->e[1].allowed &&
						      strstr(log->e[0].reason, "allow-list") &&
						      strstr(log->e[1].reason, "not an HTTP request"));
}

static int tunnel(struct rig *r, int *server)
{
	char buf[256], req[128];
	int c = dial(r->proxy_port);
	int n = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.1\r\n\r\n", r->dest_port);
	send(c, req, (size_t)n, 0);
	spin(r->p, 30);
	*server = accept4(r->dest, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	slurp(r->p, c, buf, 40, 100);
	if (*server < 0 || strncmp(buf, "HTTP/1.1 200", 12) != 0)
		printf("# tunnel: %s\n", buf);
	return c;
}

static void client_reset(void)
{
	struct rig r;
	int s;

	rig_up(&r, NULL);
	int c = tunnel(&r, &s);
	struct linger lg = {1, 0};
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c); /* RST */
	int wakeups = spin(r.p, 200);
	CHECK("proxy: a client reset ends the tunnel without spinning", wakeups < 20);
	char b;
	CHECK("proxy: ... and the destination sees the end", recv(s, &b, 1, 0) == 0 || errno == ECONNRESET);
	close(s);
	rig_down(&r);
}

/* The client half-closes, the destination sends more than the buffers
 * hold and closes: nothing may spin while the client is slow, and every
 * byte must arrive. */
static void slow_client(void)
{
	struct rig r;
	int s;
	enum { TOTAL = 2 << 20 };
	static char out[65536], in[65536];

	rig_up(&r, NULL);
	int c = tunnel(&r, &s);
	send(c, "go", 2, 0);
	shutdown(c, SHUT_WR);
	memset(out, 'z', sizeof(out));
	size_t sent = 0;
	int wakeups = 0;
	for (int i = 0; i < 400 && sent < TOTAL; i++) {
		ssize_t k =
		    send(s, out, sizeof(out) < TOTAL - sent ? sizeof(out) : TOTAL - sent, MSG_NOSIGNAL);
		if (k > 0)
			sent += (size_t)k;
		wakeups += spin(r.p, 2);
	}
	close(s);
	wakeups = spin(r.p, 200);
	CHECK("proxy: a slow client and a closed destination do not spin the loop", wakeups < 20);
	size_t got = 0;
	fcntl(c, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 2000; i++) {
		ssize_t k = recv(c, in, sizeof(in), 0);
		if (k == 0)
			break;
		if (k > 0)
			got += (size_t)k;
		spin(r.p, 1);
	}
	CHECK("proxy: every byte reaches the slow client, then EOF", got == sent && sent > 0);
	close(c);
	struct al_net_log *log = rig_down(&r);
	CHECK("proxy: bytes down counted", log->n == 1 && log->e[0].down == sent && log->e[0].up == 2);
}

static void byte_limit_and_second_request(void)
{
	struct rig r;
	char buf[8192], req[512];
	static char big[5000];

	rig_up(&r, "1000");
	int c = dial(r.proxy_port);
	int n = snprintf(req, sizeof(req), "GET http://127.0.0.1:%u/ HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
			 r.dest_port, r.dest_port);
	send(c, req, (size_t)n, 0);
	spin(r.p, 30);
	int s = accept4(r.dest, NULL, NULL, SOCK_CLOEXEC);
	memset(big, 'b', sizeof(big));
	send(s, big, sizeof(big), MSG_NOSIGNAL);
	size_t got = slurp(r.p, c, buf, sizeof(buf), 200);
	CHECK("proxy: a download is cut at the run's byte limit", got < sizeof(big));
	close(s);
	close(c);
	c = dial(r.proxy_port);
	send(c, req, (size_t)n, 0);
	slurp(r.p, c, buf, sizeof(buf), 100);
	CHECK("proxy: after the limit, requests get 503", strncmp(buf, "HTTP/1.1 503 ", 13) == 0);
	close(c);
	struct al_net_log *log = rig_down(&r);
	CHECK("proxy: the cut is recorded", log->n == 2 && log->e[0].allowed &&
						strstr(log->e[0].reason, "byte limit") && !log->e[1].allowed);

	rig_up(&r, NULL);
	c = dial(r.proxy_port);
	n = snprintf(req, sizeof(req),
		     "GET http://127.0.0.1:%u/ HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n"
		     "GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n",
		     r.dest_port, r.dest_port);
	send(c, req, (size_t)n, 0);
	spin(r.p, 50);
	s = accept4(r.dest, NULL, NULL, SOCK_CLOEXEC);
	got = s >= 0 ? slurp(r.p, s, buf, sizeof(buf), 100) : 0;
	CHECK("proxy: a smuggled second request is never forwarded", !strstr(buf, "evil"));
	if (s >= 0)
		close(s);
	close(c);
	log = rig_down(&r);
	CHECK("proxy: the second request is its own denied entry",
	      log->n == 2 && strcmp(log->e[1].host, "evil.example") == 0 && !log->e[1].allowed &&
		  strstr(log->e[1].reason, "second request"));
}

/* Send buf in pieces of chunk bytes, the proxy running between them. */
static void send_slowly(struct rig *r, int c, const char *buf, size_t len, size_t chunk)
{
	for (size_t i = 0; i < len; i += chunk) {
		send(c, buf + i, len - i < chunk ? len - i : chunk, MSG_NOSIGNAL);
		spin(r->p, 1);
	}
}

/* Whether fd sees its end (EOF or reset, no data) within ms. */
static bool closed_within(struct rig *r, int fd, int ms)
{
	char b[256];
	double end = al_now_ms() + ms;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (al_now_ms() < end) {
		spin(r->p, 5);
		ssize_t k = recv(fd, b, sizeof(b), 0);
		if (k == 0 || (k < 0 && errno != EAGAIN))
			return true;
		if (k > 0)
			return false;
	}
	return false;
}

#define IN_TUNNEL(port) "GET /a HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n", port

/* Good requests, pipelined and split anywhere, reach the destination whole
 * and in order; a body that holds a request head passes as a body. */
static void tunnel_pipeline_ok(void)
{
	struct rig r;
	char req[1024], buf[4096];
	int s;
	const char *hidden = "GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n";

	rig_up(&r, NULL);
	int c = tunnel(&r, &s);
	int n = snprintf(req, sizeof(req),
			 "GET /a HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n"
			 "POST /b HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nContent-Length: %zu\r\n\r\n%s"
			 "GET http://127.0.0.1:%u/c HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
			 r.dest_port, r.dest_port, strlen(hidden), hidden, r.dest_port, r.dest_port);
	send_slowly(&r, c, req, 10, 1);	      /* a head byte by byte */
	send_slowly(&r, c, req + 10, 70, 7);  /* the rest of it, into the next head */
	send(c, req + 80, (size_t)n - 80, 0); /* the body and a third request in one read */
	shutdown(c, SHUT_WR);
	size_t got = slurp(r.p, s, buf, sizeof(buf), 300);
	CHECK("proxy tunnel: pipelined requests, split anywhere, pass whole and in order",
	      got == (size_t)n && memcmp(buf, req, got) == 0);
	close(s);
	spin(r.p, 20);
	close(c);
	struct al_net_log *log = rig_down(&r);
	CHECK("proxy tunnel: one allowed entry, all bytes up, no reason",
	      log->n == 1 && log->e[0].allowed && log->e[0].up == (uint64_t)n && !log->e[0].reason[0]);
}

/* In a tunnel, after a first good request, one that asks for more: the
 * good one reaches the destination, nothing of the bad one does, the tunnel
 * closes, and the bad one is an entry of its own. */
static void tunnel_refused(const char *name, const char *bad, size_t chunk, const char *host, uint16_t port,
			   const char *method, const char *reason)
{
	struct rig r;
	char req[1024], buf[4096], label[160];
	int s;

	rig_up(&r, NULL);
	int c = tunnel(&r, &s);
	int g = snprintf(req, sizeof(req), IN_TUNNEL(r.dest_port));
	const char *at = strstr(bad, "PORT"); /* the destination's port, where the request names it */
	if (at)
		snprintf(req + g, sizeof(req) - (size_t)g, "%.*s%u%s", (int)(at - bad), bad, r.dest_port,
			 at + 4);
	else
		snprintf(req + g, sizeof(req) - (size_t)g, "%s", bad);
	send_slowly(&r, c, req, strlen(req), chunk);
	size_t got = slurp(r.p, s, buf, sizeof(buf), 200);
	snprintf(label, sizeof(label), "proxy tunnel: %s: the first request passes, nothing of the second",
		 name);
	CHECK(label, got == (size_t)g && memcmp(buf, req, got) == 0);
	snprintf(label, sizeof(label), "proxy tunnel: %s: the tunnel is closed", name);
	CHECK(label, closed_within(&r, c, 200)); /* while the destination still holds it open */
	close(s);
	close(c);
	struct al_net_log *log = rig_down(&r);
	snprintf(label, sizeof(label), "proxy tunnel: %s: a denied entry of its own", name);
	bool ok = log->n == 2 && log->e[0].allowed && strstr(log->e[0].reason, "tunnel closed") &&
		  log->e[0].up == (uint64_t)g && !log->e[1].allowed && strcmp(log->e[1].host, host) == 0 &&
		  log->e[1].port == (port ? port : r.dest_port) && strcmp(log->e[1].method, method) == 0 &&
		  strstr(log->e[1].reason, "request 2 in the tunnel to 127.0.0.1:") &&
		  strstr(log->e[1].reason, reason);
	if (!ok && log->n == 2)
		printf("# %s %u %s: %s\n", log->e[1].host, log->e[1].port, log->e[1].method,
		       log->e[1].reason);
	CHECK(label, ok);
}

/* The test switch: only the first bytes are checked, and the pipelined
 * CONNECT goes through (what the escape case's control shows end to end). */
static void tunnel_pipeline_control(void)
{
	struct rig r;
	char req[512], buf[4096];
	int s;

	rig_up(&r, NULL);
	r.plan.disabled |= AL_DEF_PROXY_PIPELINE;
	int c = tunnel(&r, &s);
	int n = snprintf(req, sizeof(req), IN_TUNNEL(r.dest_port));
	n += snprintf(req + n, sizeof(req) - (size_t)n, "CONNECT evil.example:443 HTTP/1.1\r\n\r\n");
	send(c, req, (size_t)n, 0);
	size_t got = slurp(r.p, s, buf, sizeof(buf), 200);
	CHECK("proxy tunnel: with proxy-pipeline off, the pipelined CONNECT is forwarded",
	      got == (size_t)n && strstr(buf, "evil.example"));
	close(s);
	close(c);
	rig_down(&r);
}

/* A tunnel that is not HTTP (SSH here) stays opaque; one whose client
 * stops in the middle of a head forwards nothing of it; one waiting for
 * the end of a head does not spin. */
static void tunnel_opaque_and_partial(void)
{
	struct rig r;
	char req[512], buf[4096];
	int s;

	rig_up(&r, NULL);
	int c = tunnel(&r, &s);
	const char *ssh = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\nGET http://x/ HTTP/1.1\r\n\r\n";
	send(c, ssh, strlen(ssh), 0);
	size_t got = slurp(r.p, s, buf, sizeof(buf), 200);
	CHECK("proxy tunnel: an SSH stream stays opaque", got == strlen(ssh));
	close(s);
	close(c);
	struct al_net_log *log = rig_down(&r);
	CHECK("proxy tunnel: ... one allowed entry", log->n == 1 && log->e[0].allowed);

	rig_up(&r, NULL);
	c = tunnel(&r, &s);
	int g = snprintf(req, sizeof(req), IN_TUNNEL(r.dest_port));
	strcat(req, "GET /b HTTP/1.1\r\nHost: 127.0.0.1:");
	send(c, req, strlen(req), 0);
	spin(r.p, 20);
	int wakeups = spin(r.p, 200);
	CHECK("proxy tunnel: waiting for the rest of a head does not spin", wakeups < 20);
	shutdown(c, SHUT_WR);
	got = slurp(r.p, s, buf, sizeof(buf), 200);
	CHECK("proxy tunnel: a head cut by the client's end is not forwarded, the end is",
	      got == (size_t)g && memcmp(buf, req, got) == 0);
	close(s);
	spin(r.p, 20);
	close(c);
	log = rig_down(&r);
	CHECK("proxy tunnel: ... and the entry says so",
	      log->n == 1 && strstr(log->e[0].reason, "middle of a request head"));
}

int main(void)
{
	plain_get();
	denied();
	client_reset();
	slow_client();
	byte_limit_and_second_request();
	tunnel_pipeline_ok();
	tunnel_refused("pipelined CONNECT",
		       "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n", 1000,
		       "evil.example", 443, "CONNECT", "CONNECT inside a tunnel");
	tunnel_refused("absolute-form to another host",
		       "GET http://evil.example/x HTTP/1.1\r\nHost: evil.example\r\n\r\n", 1, "evil.example",
		       80, "GET", "URL names another");
	tunnel_refused("Host for another host", "GET / HTTP/1.1\r\nHost: evil.example:PORT\r\n\r\n", 3,
		       "evil.example", 0, "GET", "Host header names another");
	tunnel_refused("Transfer-Encoding",
		       "POST / HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nTransfer-Encoding: chunked\r\n\r\n", 1000,
		       "127.0.0.1", 0, "POST", "Transfer-Encoding");
	tunnel_pipeline_control();
	tunnel_opaque_and_partial();
	return unit_failures ? 1 : 0;
}
