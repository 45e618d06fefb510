/* libFuzzer target: everything the proxy parses from the sandbox (request
 * heads, TLS ClientHellos, host names) and the allow-list rules (from
 * profiles and the command line), with invariants on what they accept. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/addr.h"
#include "net/http.h"
#include "net/rules.h"
#include "net/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_target(const struct al_net_target *t)
{
	size_t n = strnlen(t->host, sizeof(t->host));
	if (n == sizeof(t->host) || n == 0)
		abort();
	for (size_t i = 0; i < n; i++)
		if (t->host[i] >= 'A' && t->host[i] <= 'Z')
			abort(); /* names are lower-cased, literals printed by inet_ntop */
	if (t->is_ip)
		(void)al_addr_classify(&t->ip);
}

/* The input as a tunnel's client bytes, arriving chunk bytes at a time and
 * checked as the proxy checks them. Returns the bytes passed; *refused
 * whether it stopped on a refusal. */
static size_t seq_feed(const struct al_net_target *dst, const char *buf, size_t len, size_t chunk,
		       bool *refused)
{
	static struct al_http_req req;
	struct al_http_seq s;
	size_t have = 0, checked = 0;
	const char *why;

	al_http_seq_init(&s, dst);
	*refused = false;
	while (have < len) {
		have += len - have < chunk ? len - have : chunk;
		while (checked < have) {
			ssize_t n = al_http_seq_next(&s, buf + checked, have - checked, &req, &why);
			if (n < 0) {
				if (!why)
					abort();
				*refused = true;
				return checked;
			}
			if (n == 0)
				break;
			if ((size_t)n > have - checked)
				abort();
			if (req.head_len) {
				/* A head passed: for the tunnel's destination, never CONNECT. */
				if ((size_t)n != req.head_len || req.connect ||
				    !al_http_same_target(&req.target, dst) || !al_http_host_ok(&req))
					abort();
			}
			checked += (size_t)n;
		}
	}
	return checked;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct al_http_req req;
	static char out[AL_HTTP_HEAD_MAX + 512];
	static struct al_net_rules rules, fixed;
	static int init;
	const char *why;

	if (!init) {
		struct al_error err;
		if (al_net_rules_parse("allow:pypi.org,*.pythonhosted.org,1.2.3.4:8080,[2001:db8::1]:443",
				       &fixed, &err) < 0)
			abort();
		init = 1;
	}

	/* The request head, and what would be forwarded. */
	int n = al_http_parse((const char *)data, size, &req, &why);
	if (n > 0) {
		if ((size_t)n > size || (size_t)n != req.head_len)
			abort();
		check_target(&req.target);
		if (req.has_host)
			check_target(&req.host);
		(void)al_http_host_ok(&req);
		(void)al_net_rules_match(&fixed, &req.target);
		int m = al_http_forward_head((const char *)data, &req, out, sizeof(out));
		if (m > (int)sizeof(out) || (m > 0 && memcmp(out + m - 4, "\r\n\r\n", 4) != 0))
			abort();
	} else if (n < 0 && !why) {
		abort();
	}
	(void)al_http_is_connect((const char *)data, size);

	/* The input as requests in a plain-HTTP tunnel: however the bytes
	 * arrive, the same ones pass and the same request is refused. */
	static struct al_net_target dst;
	if (!dst.port && al_net_authority_parse("a.org:80", 8, 0, &dst) < 0)
		abort();
	bool r1, r2, r3;
	size_t whole = seq_feed(&dst, (const char *)data, size, size ? size : 1, &r1);
	size_t bytes = seq_feed(&dst, (const char *)data, size, 1, &r2);
	size_t some = seq_feed(&dst, (const char *)data, size, size > 0 ? 1 + data[0] % 61 : 1, &r3);
	if (whole != bytes || whole != some || r1 != r2 || r1 != r3)
		abort();
	int look = al_http_looks_like((const char *)data, size);
	if (look >= 0 && size > 1 && al_http_looks_like((const char *)data, size - 1) == 1 - look)
		abort(); /* decided on a prefix: the same answer with more bytes */

	/* The ClientHello. */
	struct al_tls_hello h;
	int t = al_tls_client_hello(data, size, &h, &why);
	if (t == 1) {
		if (h.len > size || (h.has_sni && (strlen(h.sni) == 0 || strlen(h.sni) >= sizeof(h.sni))))
			abort();
	} else if (t < 0 && !why) {
		abort();
	}

	/* Rules, and the input as a host. */
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct al_error err;
	if (al_net_rules_parse(s, &rules, &err) == 0) {
		if (rules.n > AL_NET_MAX_RULES)
			abort();
		struct al_net_target probe = {.host = "pypi.org", .port = 443};
		(void)al_net_rules_match(&rules, &probe);
		for (size_t i = 0; i < rules.n; i++) {
			struct al_net_target tt = {.port = rules.r[i].port ? rules.r[i].port : 443};
			int k = snprintf(tt.host, sizeof(tt.host), "%s%s",
					 rules.r[i].kind == AL_RULE_WILDCARD ? "a." : "", rules.r[i].name);
			tt.is_ip = rules.r[i].kind == AL_RULE_IP;
			tt.ip = rules.r[i].ip;
			/* Every rule allows what it names (a wildcard: one label below it). */
			if (k < 0 || (size_t)k >= sizeof(tt.host) || !al_net_rules_match(&rules, &tt))
				abort();
		}
	}
	struct al_net_target tgt = {.port = 443};
	if (al_net_host_parse(s, size, &tgt) == 0) {
		check_target(&tgt);
		(void)al_net_rules_match(&fixed, &tgt);
	}
	if (al_net_authority_parse(s, size, 80, &tgt) == 0)
		check_target(&tgt);
	free(s);
	return 0;
}
