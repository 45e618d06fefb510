/* The proxy's pure parts: address classifier, rules, request heads, SNI.
 * No packet is sent: addresses are only classified. */
#include <stdlib.h>
#include <sys/socket.h>

#include "net/addr.h"
#include "net/http.h"
#include "net/rules.h"
#include "net/tls.h"
#include "tls_hellos.h"
#include "unit.h"

static enum al_addr_class cls(const char *s)
{
	struct al_ip ip;
	if (al_ip_parse(s, &ip) < 0)
		return (enum al_addr_class) - 1;
	return al_addr_classify(&ip);
}

static void check_class(const char *addr, enum al_addr_class want)
{
	char name[128];
	snprintf(name, sizeof(name), "classify %s is %s", addr, al_addr_class_name(want));
	CHECK(name, cls(addr) == want);
}

static void classifier(void)
{
	static const struct {
		const char *a;
		enum al_addr_class c;
	} cases[] = {
	    {"8.8.8.8", AL_ADDR_PUBLIC},
	    {"1.1.1.1", AL_ADDR_PUBLIC},
	    {"172.32.0.1", AL_ADDR_PUBLIC},
	    {"100.128.0.1", AL_ADDR_PUBLIC},
	    {"223.255.255.255", AL_ADDR_PUBLIC},
	    {"11.0.0.1", AL_ADDR_PUBLIC},
	    {"0.0.0.0", AL_ADDR_UNSPECIFIED},
	    {"0.1.2.3", AL_ADDR_UNSPECIFIED},
	    {"127.0.0.1", AL_ADDR_LOOPBACK},
	    {"127.255.255.254", AL_ADDR_LOOPBACK},
	    {"10.0.0.1", AL_ADDR_PRIVATE},
	    {"10.255.255.255", AL_ADDR_PRIVATE},
	    {"172.16.0.1", AL_ADDR_PRIVATE},
	    {"172.31.255.255", AL_ADDR_PRIVATE},
	    {"192.168.0.1", AL_ADDR_PRIVATE},
	    {"192.168.255.255", AL_ADDR_PRIVATE},
	    {"100.64.0.1", AL_ADDR_CGNAT},
	    {"100.127.255.255", AL_ADDR_CGNAT},
	    {"169.254.169.254", AL_ADDR_LINK_LOCAL},
	    {"169.254.0.1", AL_ADDR_LINK_LOCAL},
	    {"224.0.0.1", AL_ADDR_MULTICAST},
	    {"239.255.255.250", AL_ADDR_MULTICAST},
	    {"255.255.255.255", AL_ADDR_BROADCAST},
	    {"240.0.0.1", AL_ADDR_RESERVED},
	    {"255.255.255.254", AL_ADDR_RESERVED},
	    {"192.0.2.1", AL_ADDR_RESERVED},
	    {"198.51.100.7", AL_ADDR_RESERVED},
	    {"203.0.113.9", AL_ADDR_RESERVED},
	    {"198.18.0.1", AL_ADDR_RESERVED},
	    {"198.19.255.255", AL_ADDR_RESERVED},
	    {"192.0.0.170", AL_ADDR_RESERVED},
	    {"192.88.99.1", AL_ADDR_RESERVED},
	    /* IPv6 */
	    {"2606:4700:4700::1111", AL_ADDR_PUBLIC},
	    {"2001:4860:4860::8888", AL_ADDR_PUBLIC},
	    {"::", AL_ADDR_UNSPECIFIED},
	    {"::1", AL_ADDR_LOOPBACK},
	    {"fc00::1", AL_ADDR_PRIVATE},
	    {"fd12:3456:789a::1", AL_ADDR_PRIVATE},
	    {"fec0::1", AL_ADDR_PRIVATE},
	    {"fe80::1", AL_ADDR_LINK_LOCAL},
	    {"febf::1", AL_ADDR_LINK_LOCAL},
	    {"ff02::1", AL_ADDR_MULTICAST},
	    {"ff05::1:3", AL_ADDR_MULTICAST},
	    {"2001:db8::1", AL_ADDR_RESERVED},
	    {"3fff::1", AL_ADDR_RESERVED},
	    {"100::1", AL_ADDR_RESERVED},
	    {"2001::1", AL_ADDR_RESERVED}, /* Teredo */
	    {"64:ff9b:1::1", AL_ADDR_RESERVED},
	    /* IPv6 forms that carry an IPv4 address */
	    {"::ffff:127.0.0.1", AL_ADDR_LOOPBACK},
	    {"::ffff:7f00:1", AL_ADDR_LOOPBACK},
	    {"::ffff:169.254.169.254", AL_ADDR_LINK_LOCAL},
	    {"::ffff:10.1.2.3", AL_ADDR_PRIVATE},
	    {"::ffff:100.64.1.1", AL_ADDR_CGNAT},
	    {"::ffff:0.0.0.0", AL_ADDR_UNSPECIFIED},
	    {"::ffff:224.0.0.1", AL_ADDR_MULTICAST},
	    {"::ffff:255.255.255.255", AL_ADDR_BROADCAST},
	    {"::ffff:8.8.8.8", AL_ADDR_PUBLIC},
	    {"::ffff:0:127.0.0.1", AL_ADDR_LOOPBACK},
	    {"::ffff:0:192.168.1.1", AL_ADDR_PRIVATE},
	    {"::127.0.0.1", AL_ADDR_LOOPBACK},
	    {"::169.254.169.254", AL_ADDR_LINK_LOCAL},
	    {"::8.8.8.8", AL_ADDR_RESERVED}, /* IPv4-compatible: deprecated, refused */
	    {"64:ff9b::127.0.0.1", AL_ADDR_LOOPBACK},
	    {"64:ff9b::a9fe:a9fe", AL_ADDR_LINK_LOCAL},
	    {"64:ff9b::10.0.0.1", AL_ADDR_PRIVATE},
	    {"64:ff9b::8.8.8.8", AL_ADDR_PUBLIC},
	    {"2002:7f00:1::1", AL_ADDR_LOOPBACK},
	    {"2002:a9fe:a9fe::", AL_ADDR_LINK_LOCAL},
	    {"2002:c0a8:101::1", AL_ADDR_PRIVATE},
	    {"2002:808:808::1", AL_ADDR_PUBLIC},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_class(cases[i].a, cases[i].c);

	struct al_ip ip;
	CHECK("literal: short IPv4 form 127.1 is not one", al_ip_parse("127.1", &ip) < 0);
	CHECK("literal: hex 0x7f.0.0.1 is not one", al_ip_parse("0x7f.0.0.1", &ip) < 0);
	CHECK("literal: integer 2130706433 is not one", al_ip_parse("2130706433", &ip) < 0);
	CHECK("literal: octal 0177.0.0.1 is not one", al_ip_parse("0177.0.0.1", &ip) < 0);
	CHECK("literal: 256.0.0.1 is not one", al_ip_parse("256.0.0.1", &ip) < 0);
	CHECK("literal: IPv6 with zone is not one", al_ip_parse("fe80::1%lo", &ip) < 0);
	CHECK("every class has a name", strcmp(al_addr_class_name(AL_ADDR_CGNAT), "?") != 0 &&
					    strcmp(al_addr_class_name((enum al_addr_class)99), "?") == 0);
}

static bool target(const char *host, uint16_t port, struct al_net_target *t)
{
	t->port = port;
	return al_net_host_parse(host, strlen(host), t) == 0;
}

static bool allowed(const struct al_net_rules *r, const char *host, uint16_t port)
{
	struct al_net_target t;
	return target(host, port, &t) && al_net_rules_match(r, &t) != NULL;
}

static bool rule_bad(const char *spec, const char *word)
{
	struct al_net_rules r;
	struct al_error err = {0};
	return al_net_rules_parse(spec, &r, &err) < 0 && (!word || strstr(err.msg, word));
}

static void rules(void)
{
	struct al_net_rules *r = calloc(1, sizeof(*r));
	struct al_error err = {0};

	CHECK("rules: none", al_net_rules_parse("none", r, &err) == 0 && r->n == 0);
	CHECK("rules: parse five kinds",
	      al_net_rules_parse(
		  "allow:pypi.org,*.pythonhosted.org,1.2.3.4:8080,[2001:db8::1]:443,Example.COM.", r, &err) ==
		      0 &&
		  r->n == 5 && r->r[0].kind == AL_RULE_HOST && r->r[1].kind == AL_RULE_WILDCARD &&
		  strcmp(r->r[1].name, "pythonhosted.org") == 0 && r->r[2].kind == AL_RULE_IP &&
		  r->r[2].port == 8080 && r->r[3].kind == AL_RULE_IP && r->r[3].ip.family == AF_INET6 &&
		  strcmp(r->r[4].name, "example.com") == 0 && r->r[0].port == 0);
	CHECK("rules: name on default port 443", allowed(r, "pypi.org", 443));
	CHECK("rules: name on default port 80", allowed(r, "pypi.org", 80));
	CHECK("rules: name not on another port", !allowed(r, "pypi.org", 8080));
	CHECK("rules: names compare case-insensitively", allowed(r, "PyPI.Org", 443));
	CHECK("rules: absolute name (trailing dot) is the same", allowed(r, "pypi.org.", 443));
	CHECK("rules: a longer name is not the name", !allowed(r, "evil-pypi.org", 443));
	CHECK("rules: the name as a prefix is not the name", !allowed(r, "pypi.org.evil.com", 443));
	CHECK("rules: a subdomain of a plain name is not allowed", !allowed(r, "x.pypi.org", 443));
	CHECK("rules: wildcard matches one label", allowed(r, "files.pythonhosted.org", 443));
	CHECK("rules: wildcard matches deeper names", allowed(r, "a.b.pythonhosted.org", 443));
	CHECK("rules: wildcard does not match the domain itself", !allowed(r, "pythonhosted.org", 443));
	CHECK("rules: wildcard does not match a suffix without a dot", !allowed(r, "xpythonhosted.org", 443));
	CHECK("rules: IP literal with its port", allowed(r, "1.2.3.4", 8080));
	CHECK("rules: IP literal not on another port", !allowed(r, "1.2.3.4", 443));
	CHECK("rules: IPv6 literal, any spelling", allowed(r, "[2001:db8:0:0::1]", 443));
	CHECK("rules: IPv6 without brackets is no host", !allowed(r, "2001:db8::1", 443));
	CHECK("rules: mapped form of an allowed IPv4 is another address",
	      !allowed(r, "[::ffff:1.2.3.4]", 8080));

	al_net_rules_parse("allow:127.0.0.1:8000,localhost", r, &err);
	CHECK("rules: an IP rule does not allow a name", !allowed(r, "localhost", 8000) || r->r[1].port == 0);
	CHECK("rules: a name rule does not allow its address", !allowed(r, "127.0.0.1", 443));
	CHECK("rules: the name rule allows the name", allowed(r, "localhost", 443));

	CHECK("rules: bad prefix", rule_bad("deny:x.com", "allow:"));
	CHECK("rules: empty list", rule_bad("allow:", "empty"));
	CHECK("rules: empty rule", rule_bad("allow:a.com,,b.com", "empty"));
	CHECK("rules: bare IPv6", rule_bad("allow:::1", "brackets"));
	CHECK("rules: bare IPv6 with port", rule_bad("allow:2001:db8::1:443", "brackets"));
	CHECK("rules: lone star", rule_bad("allow:*", NULL));
	CHECK("rules: star-dot only", rule_bad("allow:*.", NULL));
	CHECK("rules: star inside a label", rule_bad("allow:a*.b.com", "'*'"));
	CHECK("rules: star not first", rule_bad("allow:a.*.com", "'*'"));
	CHECK("rules: port 0", rule_bad("allow:a.com:0", "port"));
	CHECK("rules: port 65536", rule_bad("allow:a.com:65536", "port"));
	CHECK("rules: port with leading zero", rule_bad("allow:a.com:080", "port"));
	CHECK("rules: empty port", rule_bad("allow:a.com:", "port"));
	CHECK("rules: bad characters", rule_bad("allow:bad!host.com", "not a host"));
	CHECK("rules: non-ASCII name", rule_bad("allow:b\xc3\xbc"
						"cher.de",
						"not a host"));
	CHECK("rules: numeric last label", rule_bad("allow:1.2.3", "not a host"));
	CHECK("rules: hex address in disguise", rule_bad("allow:0x7f000001", "not a host"));
	CHECK("rules: label with a leading hyphen", rule_bad("allow:-a.com", "not a host"));
	CHECK("rules: empty label", rule_bad("allow:a..com", "not a host"));
	CHECK("rules: label over 63",
	      rule_bad("allow:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
		       "not a host"));
	char longwild[300] = "allow:*.";
	for (int i = 0; i < 5; i++)
		strcat(longwild, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
	strcat(longwild, "com");
	CHECK("rules: a wildcard domain too long to have a name below it (fuzz find)",
	      rule_bad(longwild, "domain"));
	CHECK("rules: IPv6 zone", rule_bad("allow:[fe80::1%eth0]", "not a host"));
	CHECK("rules: a URL is no rule", rule_bad("allow:http://a.com", NULL));
	char many[2048] = "allow:a.com";
	for (int i = 0; i < 64; i++)
		strcat(many, ",b.com");
	CHECK("rules: at most 64", rule_bad(many, "64"));
	free(r);
}

static int parse(const char *s, struct al_http_req *req, const char **why)
{
	return al_http_parse(s, strlen(s), req, why);
}

static bool refused(const char *s, const char *word)
{
	struct al_http_req req;
	const char *why = NULL;
	int r = parse(s, &req, &why);
	if (r >= 0 || !why)
		printf("# %s -> %d\n", s, r);
	return r < 0 && why && (!word || strstr(why, word));
}

static void http(void)
{
	struct al_http_req req;
	const char *why;
	char out[4096];

	const char *get = "GET http://Example.com:8080/a/b?c=1 HTTP/1.1\r\nHost: example.com:8080\r\n"
			  "User-Agent: t\r\nProxy-Connection: keep-alive\r\nConnection: keep-alive\r\n"
			  "Proxy-Authorization: Basic eA==\r\nAccept: */*\r\n\r\nBODY";
	int n = parse(get, &req, &why);
	CHECK("http: absolute-form GET",
	      n == (int)strlen(get) - 4 && !req.connect && strcmp(req.target.host, "example.com") == 0 &&
		  req.target.port == 8080 && req.minor == 1 && al_http_host_ok(&req));
	int m = al_http_forward_head(get, &req, out, sizeof(out));
	out[m > 0 ? m : 0] = '\0';
	CHECK("http: forwarded head is origin-form, hop-by-hop headers dropped, one request",
	      m > 0 && strcmp(out, "GET /a/b?c=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t\r\n"
				   "Accept: */*\r\nConnection: close\r\n\r\n") == 0);
	CHECK("http: forwarded head does not fit a small buffer",
	      al_http_forward_head(get, &req, out, 20) < 0);
	CHECK("http: incomplete head needs more", al_http_parse(get, 30, &req, &why) == 0);
	CHECK("http: default port 80",
	      parse("GET http://a.org HTTP/1.1\r\nHost: a.org\r\n\r\n", &req, &why) > 0 &&
		  req.target.port == 80 && al_http_host_ok(&req));
	m = al_http_forward_head("GET http://a.org HTTP/1.1\r\nHost: a.org\r\n\r\n", &req, out, sizeof(out));
	CHECK("http: empty path becomes /", m > 0 && strncmp(out, "GET / HTTP/1.1\r\n", 16) == 0);
	const char *q = "GET http://a.org?x HTTP/1.0\r\n\r\n";
	CHECK("http: HTTP/1.0 without Host is fine", parse(q, &req, &why) > 0 && al_http_host_ok(&req));
	m = al_http_forward_head(q, &req, out, sizeof(out));
	out[m > 0 ? m : 0] = '\0';
	CHECK("http: query-only path and an added Host",
	      strcmp(out, "GET /?x HTTP/1.0\r\nHost: a.org:80\r\nConnection: close\r\n\r\n") == 0);
	CHECK("http: HTTP/1.1 without Host is refused",
	      parse("GET http://a.org/ HTTP/1.1\r\n\r\n", &req, &why) > 0 && !al_http_host_ok(&req));
	CHECK("http: Host naming another host is refused",
	      parse("GET http://a.org/ HTTP/1.1\r\nHost: evil.org\r\n\r\n", &req, &why) > 0 &&
		  !al_http_host_ok(&req));
	CHECK("http: Host naming another port is refused",
	      parse("GET http://a.org/ HTTP/1.1\r\nHost: a.org:81\r\n\r\n", &req, &why) > 0 &&
		  !al_http_host_ok(&req));
	CHECK("http: Host in another case is the same host",
	      parse("GET http://a.org/ HTTP/1.1\r\nHost: A.ORG:80\r\n\r\n", &req, &why) > 0 &&
		  al_http_host_ok(&req));
	CHECK("http: IPv6 target",
	      parse("GET http://[::1]:8000/ HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n", &req, &why) > 0 &&
		  req.target.is_ip && req.target.ip.family == AF_INET6 && al_http_host_ok(&req));
	CHECK("http: CONNECT",
	      parse("CONNECT pypi.org:443 HTTP/1.1\r\nHost: pypi.org:443\r\n\r\n", &req, &why) > 0 &&
		  req.connect && req.target.port == 443 && al_http_host_ok(&req));
	CHECK("http: CONNECT without Host", parse("CONNECT 1.2.3.4:443 HTTP/1.0\r\n\r\n", &req, &why) > 0 &&
						req.target.is_ip && al_http_host_ok(&req));
	CHECK("http: CONNECT with another Host",
	      parse("CONNECT a.org:443 HTTP/1.1\r\nHost: b.org:443\r\n\r\n", &req, &why) > 0 &&
		  !al_http_host_ok(&req));
	CHECK("http: CONNECT IPv6",
	      parse("CONNECT [2001:db8::1]:443 HTTP/1.1\r\n\r\n", &req, &why) > 0 && req.target.is_ip);
	CHECK("http: Content-Length",
	      parse("POST http://a.org/ HTTP/1.1\r\nHost: a.org\r\nContent-Length: 12\r\n\r\n", &req, &why) >
		      0 &&
		  req.content_length == 12);

	CHECK("http: CONNECT without port", refused("CONNECT a.org HTTP/1.1\r\n\r\n", "host:port"));
	CHECK("http: CONNECT to a URL", refused("CONNECT http://a.org:443 HTTP/1.1\r\n\r\n", "host:port"));
	CHECK("http: CONNECT with a body",
	      refused("CONNECT a.org:443 HTTP/1.1\r\nContent-Length: 3\r\n\r\n", "body"));
	CHECK("http: origin-form", refused("GET / HTTP/1.1\r\nHost: a.org\r\n\r\n", "origin-form"));
	CHECK("http: https:// absolute-form", refused("GET https://a.org/ HTTP/1.1\r\n\r\n", "CONNECT"));
	CHECK("http: other scheme", refused("GET ftp://a.org/ HTTP/1.1\r\n\r\n", "http://"));
	CHECK("http: user information", refused("GET http://user@a.org/ HTTP/1.1\r\n\r\n", "user"));
	CHECK("http: user information hiding the host",
	      refused("GET http://allowed.org@evil.org/ HTTP/1.1\r\n\r\n", "user"));
	CHECK("http: fragment", refused("GET http://a.org/#x HTTP/1.1\r\n\r\n", "fragment"));
	CHECK("http: bad port", refused("GET http://a.org:99999/ HTTP/1.1\r\n\r\n", "host"));
	CHECK("http: numeric host in disguise", refused("GET http://2130706433/ HTTP/1.1\r\n\r\n", "host"));
	CHECK("http: hex host", refused("GET http://0x7f.1/ HTTP/1.1\r\n\r\n", "host"));
	CHECK("http: bare IPv6", refused("GET http://::1/ HTTP/1.1\r\n\r\n", "host"));
	CHECK("http: bare LF", refused("GET http://a.org/ HTTP/1.1\nHost: a.org\n\n", "LF"));
	CHECK("http: bare CR", refused("GET http://a.org/ HTTP/1.1\r\nX: a\rb\r\n\r\n", "CR"));
	static const char nul[] = "GET http://a.org/ HTTP/1.1\r\nX: a\0b\r\n\r\n";
	CHECK("http: NUL", al_http_parse(nul, sizeof(nul) - 1, &req, &why) < 0 && strstr(why, "NUL"));
	CHECK("http: folded header",
	      refused("GET http://a.org/ HTTP/1.1\r\nHost: a.org\r\n X: y\r\n\r\n", "folded"));
	CHECK("http: space before colon",
	      refused("GET http://a.org/ HTTP/1.1\r\nHost : a.org\r\n\r\n", "header name"));
	CHECK("http: two Host headers",
	      refused("GET http://a.org/ HTTP/1.1\r\nHost: a.org\r\nHost: b.org\r\n\r\n", "two Host"));
	CHECK("http: bad Host", refused("GET http://a.org/ HTTP/1.1\r\nHost: a.org:x\r\n\r\n", "Host"));
	CHECK("http: Transfer-Encoding",
	      refused("POST http://a.org/ HTTP/1.1\r\nHost: a.org\r\nTransfer-Encoding: chunked\r\n\r\n",
		      "Transfer-Encoding"));
	CHECK("http: two Content-Length",
	      refused("POST http://a.org/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		      "two Content-Length"));
	CHECK("http: signed Content-Length",
	      refused("POST http://a.org/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "Content-Length"));
	CHECK("http: lower-case method", refused("get http://a.org/ HTTP/1.1\r\n\r\n", "not an HTTP"));
	CHECK("http: HTTP/2.0", refused("GET http://a.org/ HTTP/2.0\r\n\r\n", "HTTP/1"));
	CHECK("http: two spaces", refused("GET  http://a.org/ HTTP/1.1\r\n\r\n", "target"));
	CHECK("http: control character in a value",
	      refused("GET http://a.org/ HTTP/1.1\r\nX: a\x01\r\n\r\n", "control"));
	CHECK("http: TLS bytes to the proxy", refused("\x16\x03\x01\x02\x00\x01", "not an HTTP"));
	char *big = malloc(AL_HTTP_HEAD_MAX + 64);
	strcpy(big, "GET http://a.org/ HTTP/1.1\r\nX: ");
	memset(big + strlen(big), 'a', AL_HTTP_HEAD_MAX);
	big[AL_HTTP_HEAD_MAX + 30] = '\0';
	CHECK("http: head over 16 KiB", refused(big, "16 KiB"));
	free(big);
	char hdrs[8192] = "GET http://a.org/ HTTP/1.1\r\n";
	for (int i = 0; i < 65; i++)
		strcat(hdrs, "X: y\r\n");
	strcat(hdrs, "\r\n");
	CHECK("http: over 64 headers", refused(hdrs, "64"));

	CHECK("http: CONNECT inside a tunnel",
	      al_http_is_connect("CONNECT evil.org:443 HTTP/1.1\r\n", 31) == 1);
	CHECK("http: CONNECT after blank lines, any case",
	      al_http_is_connect("\r\nconnect x:1 HTTP/1.1", 22) == 1);
	CHECK("http: a prefix of CONNECT is undecided", al_http_is_connect("CONN", 4) == -1);
	CHECK("http: other data is not CONNECT",
	      al_http_is_connect("GET / HTTP/1.1\r\n", 16) == 0 && al_http_is_connect("SSH-2.0", 7) == 0);
}

/* Feed a tunnel's client bytes to the request-sequence checker as the proxy
 * does: chunk bytes arrive at a time, each arrival checked as far as it
 * goes. Returns the bytes passed (free to go upstream); *refused and *why
 * say whether and why it stopped, *nreq how many heads passed. */
static size_t seq_feed(const char *dst, const char *buf, size_t len, size_t chunk, bool *refused,
		       const char **why, uint64_t *nreq)
{
	struct al_net_target t;
	struct al_http_seq s;
	struct al_http_req req;
	size_t have = 0, checked = 0;

	if (al_net_authority_parse(dst, strlen(dst), 0, &t) < 0)
		abort();
	al_http_seq_init(&s, &t);
	*refused = false;
	*why = NULL;
	while (have < len) {
		have += len - have < chunk ? len - have : chunk;
		while (checked < have) {
			ssize_t n = al_http_seq_next(&s, buf + checked, have - checked, &req, why);
			if (n < 0) {
				*refused = true;
				*nreq = s.nreq;
				return checked;
			}
			if (n == 0)
				break;
			checked += (size_t)n;
		}
	}
	*nreq = s.nreq;
	return checked;
}

/* The stream passes whole, in one piece, in pieces of 7 and byte by byte. */
static bool seq_passes(const char *dst, const char *buf, uint64_t want_nreq)
{
	static const size_t chunks[] = {SIZE_MAX, 7, 1};
	size_t len = strlen(buf);
	bool refused;
	const char *why;
	uint64_t nreq;

	for (size_t i = 0; i < 3; i++) {
		size_t n = seq_feed(dst, buf, len, chunks[i], &refused, &why, &nreq);
		if (refused || n != len || nreq != want_nreq) {
			printf("# chunk %zu: passed %zu of %zu, %llu heads, %s\n", chunks[i], n, len,
			       (unsigned long long)nreq, why ? why : "not refused");
			return false;
		}
	}
	return true;
}

/* The stream is refused at byte passed (everything before it passes, nothing
 * from it), for a reason containing what, however it arrives. */
static bool seq_refused(const char *dst, const char *buf, size_t passed, const char *what)
{
	static const size_t chunks[] = {SIZE_MAX, 7, 1};
	size_t len = strlen(buf);
	bool refused;
	const char *why;
	uint64_t nreq;

	for (size_t i = 0; i < 3; i++) {
		size_t n = seq_feed(dst, buf, len, chunks[i], &refused, &why, &nreq);
		if (!refused || n != passed || !why || !strstr(why, what)) {
			printf("# chunk %zu: passed %zu (want %zu), %s\n", chunks[i], n, passed,
			       why ? why : "not refused");
			return false;
		}
	}
	return true;
}

#define GOOD "GET /a HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"

static void http_seq(void)
{
	const char *d = "127.0.0.1:8080";

	CHECK("tunnel: pipelined requests pass in order",
	      seq_passes(d,
			 GOOD "GET http://127.0.0.1:8080/b?c HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
			      "HEAD /c HTTP/1.0\r\n\r\n" GOOD,
			 4));
	CHECK("tunnel: blank lines between requests pass", seq_passes(d, "\r\n" GOOD "\r\n\r\n" GOOD, 2));
	bool refused;
	const char *why;
	uint64_t nreq;
	const char *part = GOOD "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n";
	CHECK("tunnel: an incomplete head passes nothing yet",
	      seq_feed(d, part, strlen(part), 1, &refused, &why, &nreq) == strlen(GOOD) && !refused &&
		  nreq == 1);
	CHECK("tunnel: a POST body passes whole, then the next head is checked",
	      seq_passes(d, "POST /p HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 5\r\n\r\nhello" GOOD,
			 2));
	/* A body that holds a request head: the server reads it as a body, so
	 * must the checker (skipped, not parsed), and the head after it is
	 * parsed. */
	const char *hidden = "GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n";
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "POST / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: %zu\r\n\r\n%s" GOOD,
		 strlen(hidden), hidden);
	CHECK("tunnel: a body that looks like a request is skipped, not parsed", seq_passes(d, buf, 2));
	size_t head = strlen(buf) - strlen(GOOD);
	snprintf(buf, sizeof(buf),
		 "POST / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: %zu\r\n\r\n%s%s", strlen(hidden),
		 hidden, hidden);
	CHECK("tunnel: ... and the request after the body is checked",
	      seq_refused(d, buf, head, "URL names another"));
	snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(hidden) - 1, hidden);
	CHECK("tunnel: the body ends exactly at its Content-Length",
	      seq_refused(d, buf, strlen(buf) - 1, "not an HTTP"));

	size_t g = strlen(GOOD);
	CHECK("tunnel: a pipelined CONNECT is refused",
	      seq_refused(d, GOOD "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n", g,
			  "CONNECT"));
	CHECK("tunnel: a CONNECT as the first request is refused",
	      seq_refused(d, "CONNECT evil.example:443 HTTP/1.1\r\n\r\n", 0, "CONNECT"));
	CHECK("tunnel: absolute-form to another host is refused",
	      seq_refused(d, GOOD "GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n", g,
			  "URL names another"));
	CHECK("tunnel: absolute-form to another port is refused",
	      seq_refused(d, GOOD "GET http://127.0.0.1:8081/ HTTP/1.1\r\nHost: 127.0.0.1:8081\r\n\r\n", g,
			  "URL names another"));
	CHECK("tunnel: a Host header for another host is refused",
	      seq_refused(d, GOOD "GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n", g,
			  "Host header names another"));
	CHECK("tunnel: a Host header without the tunnel's port is refused",
	      seq_refused(d, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 0, "Host header names another"));
	CHECK("tunnel: a URL naming the tunnel with another Host is refused",
	      seq_refused(d, "GET http://127.0.0.1:8080/ HTTP/1.1\r\nHost: evil.example:8080\r\n\r\n", 0,
			  "Host header"));
	CHECK("tunnel: HTTP/1.1 without Host is refused",
	      seq_refused(d, GOOD "GET / HTTP/1.1\r\nX: y\r\n\r\n", g, "without a Host"));
	CHECK("tunnel: Transfer-Encoding is refused",
	      seq_refused(
		  d,
		  GOOD
		  "POST / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		  g, "Transfer-Encoding"));
	CHECK("tunnel: two Host headers are refused",
	      seq_refused(d, GOOD "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nHost: evil.example\r\n\r\n", g,
			  "two Host"));
	CHECK("tunnel: https:// in a plain tunnel is refused",
	      seq_refused(d, "GET https://127.0.0.1:8080/ HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", 0,
			  "https://"));
	CHECK("tunnel: a fragment is refused",
	      seq_refused(d, "GET /#x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", 0, "fragment"));
	CHECK("tunnel: bytes that are no request after one are refused",
	      seq_refused(d, GOOD "\x16\x03\x01\x00\x10", g, "not an HTTP"));
	CHECK("tunnel: a bare LF between requests is refused",
	      seq_refused(d, GOOD "\n" GOOD, g, "not an HTTP"));
	CHECK("tunnel: a lower-case method is refused",
	      seq_refused(d, "get / HTTP/1.1\r\n\r\n", 0, "not an HTTP"));
	CHECK("tunnel: the port 80 default",
	      seq_passes("a.org:80", "GET http://A.org/ HTTP/1.1\r\nHost: a.org\r\n\r\n", 1));
	CHECK("tunnel: IPv6, any spelling",
	      seq_passes("[::1]:8000",
			 "GET http://[0::1]:8000/ HTTP/1.1\r\nHost: [::1]:8000\r\n\r\nGET / "
			 "HTTP/1.1\r\nHost: [0:0::1]:8000\r\n\r\n",
			 2));

	char *big = malloc(AL_HTTP_HEAD_MAX + 200);
	strcpy(big, GOOD "GET / HTTP/1.1\r\nX: ");
	memset(big + strlen(big), 'a', AL_HTTP_HEAD_MAX);
	big[AL_HTTP_HEAD_MAX + 100] = '\0';
	CHECK("tunnel: a head over 16 KiB is refused, however it arrives", seq_refused(d, big, g, "16 KiB"));
	free(big);

	CHECK("tunnel looks like HTTP: a request line", al_http_looks_like("GET / HTTP/1.1\r\n", 16) == 1 &&
							    al_http_looks_like("\r\nPOST ", 7) == 1 &&
							    al_http_looks_like("get /", 5) == 1);
	CHECK("tunnel looks like HTTP: not SSH, TLS, binary",
	      al_http_looks_like("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", 32) == 0 &&
		  al_http_looks_like("\x16\x03\x01", 3) == 0 && al_http_looks_like("*1\r\n$4\r\n", 8) == 0 &&
		  al_http_looks_like("\0\0\0\x08", 4) == 0);
	CHECK("tunnel looks like HTTP: too short to tell",
	      al_http_looks_like("GE", 2) == -1 && al_http_looks_like("SS", 2) == -1 &&
		  al_http_looks_like("\r\n", 2) == -1 && al_http_looks_like("", 0) == -1);
}

/* A ClientHello record with the given extensions block. */
static size_t make_hello(uint8_t *out, const uint8_t *ext, size_t extlen)
{
	uint8_t body[1024];
	size_t n = 0;
	body[n++] = 3;
	body[n++] = 3;
	memset(body + n, 7, 32);
	n += 32;
	body[n++] = 0; /* session id */
	body[n++] = 0;
	body[n++] = 2;
	body[n++] = 0x13;
	body[n++] = 0x01;
	body[n++] = 1;
	body[n++] = 0; /* compression */
	if (ext) {
		body[n++] = (uint8_t)(extlen >> 8);
		body[n++] = (uint8_t)extlen;
		memcpy(body + n, ext, extlen);
		n += extlen;
	}
	size_t hl = n + 4;
	out[0] = 0x16;
	out[1] = 3;
	out[2] = 1;
	out[3] = (uint8_t)(hl >> 8);
	out[4] = (uint8_t)hl;
	out[5] = 1;
	out[6] = 0;
	out[7] = (uint8_t)(n >> 8);
	out[8] = (uint8_t)n;
	memcpy(out + 9, body, n);
	return 9 + n;
}

static int hello(const uint8_t *b, size_t n, struct al_tls_hello *h)
{
	const char *why;
	return al_tls_client_hello(b, n, h, &why);
}

static void tls(void)
{
	struct al_tls_hello h;
	uint8_t buf[4096];
	const char *why;

	CHECK("tls: openssl s_client ClientHello: SNI",
	      hello(hello_openssl, sizeof(hello_openssl), &h) == 1 && h.has_sni &&
		  strcmp(h.sni, "example.com") == 0 && !h.ech && h.len == sizeof(hello_openssl));
	CHECK("tls: curl ClientHello: SNI", hello(hello_curl, sizeof(hello_curl), &h) == 1 && h.has_sni &&
						strcmp(h.sni, "www.example.org") == 0);
	bool more = true;
	for (size_t i = 0; i < sizeof(hello_curl); i++)
		more = more && hello(hello_curl, i, &h) == 0;
	CHECK("tls: every prefix of a ClientHello needs more", more);
	CHECK("tls: looks like TLS",
	      al_tls_looks_like(hello_curl, 3) && !al_tls_looks_like((const uint8_t *)"GET", 3));

	/* The same handshake message split over two records. */
	size_t body = sizeof(hello_curl) - 5, cut = 100, n = 0;
	buf[n++] = 0x16, buf[n++] = 3, buf[n++] = 1, buf[n++] = 0, buf[n++] = (uint8_t)cut;
	memcpy(buf + n, hello_curl + 5, cut);
	n += cut;
	buf[n++] = 0x16, buf[n++] = 3, buf[n++] = 1, buf[n++] = (uint8_t)((body - cut) >> 8),
	buf[n++] = (uint8_t)(body - cut);
	memcpy(buf + n, hello_curl + 5 + cut, body - cut);
	n += body - cut;
	CHECK("tls: ClientHello over two records",
	      hello(buf, n, &h) == 1 && strcmp(h.sni, "www.example.org") == 0 && h.len == n);

	memcpy(buf, hello_curl, sizeof(hello_curl));
	buf[0] = 0x17;
	CHECK("tls: application data first is refused", hello(buf, sizeof(hello_curl), &h) == -1);
	memcpy(buf, hello_curl, sizeof(hello_curl));
	buf[5] = 2;
	CHECK("tls: a ServerHello is refused", hello(buf, sizeof(hello_curl), &h) == -1);
	CHECK("tls: HTTP is refused", hello((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &h) == -1);
	memcpy(buf, hello_curl, sizeof(hello_curl));
	buf[sizeof(hello_curl)] = 0x17;
	CHECK("tls: trailing bytes after the ClientHello record are left",
	      hello(buf, sizeof(hello_curl) + 1, &h) == 1);

	n = make_hello(buf, NULL, 0);
	CHECK("tls: ClientHello without extensions: no SNI", hello(buf, n, &h) == 1 && !h.has_sni);
	static const uint8_t sni[] = {0, 0, 0, 10, 0, 8, 0, 0, 5, 'a', '.', 'O', 'r', 'g'};
	n = make_hello(buf, sni, sizeof(sni));
	CHECK("tls: constructed SNI, lower-cased", hello(buf, n, &h) == 1 && strcmp(h.sni, "a.org") == 0);
	static const uint8_t two[] = {0, 0, 0, 10, 0, 8, 0, 0, 5, 'a', '.', 'o', 'r', 'g',
				      0, 0, 0, 10, 0, 8, 0, 0, 5, 'b', '.', 'o', 'r', 'g'};
	n = make_hello(buf, two, sizeof(two));
	CHECK("tls: two server_name extensions are refused", hello(buf, n, &h) == -1);
	static const uint8_t twonames[] = {0,	0,   0,	  18, 0, 16, 0,	  0,   5,   'a', '.',
					   'o', 'r', 'g', 0,  0, 5,  'b', '.', 'o', 'r', 'g'};
	n = make_hello(buf, twonames, sizeof(twonames));
	CHECK("tls: two host names are refused", hello(buf, n, &h) == -1);
	static const uint8_t nul[] = {0, 0, 0, 10, 0, 8, 0, 0, 5, 'a', '.', 0, 'r', 'g'};
	n = make_hello(buf, nul, sizeof(nul));
	CHECK("tls: NUL in the server name is refused", hello(buf, n, &h) == -1);
	static const uint8_t overrun[] = {0, 0, 0, 10, 0, 8, 0, 0, 9, 'a', '.', 'o', 'r', 'g'};
	n = make_hello(buf, overrun, sizeof(overrun));
	CHECK("tls: a name longer than its extension is refused", hello(buf, n, &h) == -1);
	static const uint8_t ech[] = {0,   0,	0,   10,  0,	8,    0, 0, 5, 'a',
				      '.', 'o', 'r', 'g', 0xfe, 0x0d, 0, 1, 0};
	n = make_hello(buf, ech, sizeof(ech));
	CHECK("tls: encrypted_client_hello is flagged", hello(buf, n, &h) == 1 && h.ech);
	CHECK("tls: reason given",
	      al_tls_client_hello((const uint8_t *)"\x16\x03\x01\x00\x00", 5, &h, &why) == -1 && why);
}

int main(void)
{
	classifier();
	rules();
	http();
	http_seq();
	tls();
	return unit_failures ? 1 : 0;
}
