/* libFuzzer target: everything the proxy parses from the sandbox (request
 * heads, TLS ClientHellos, host names) and the allow-list rules (from
 * profiles and the command line), with invariants on what they accept. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct al_http_req req;
	static char out[AL_HTTP_HEAD_MAX + 512];
	static struct al_net_rules rules, fixed;
	static int init;
	const char *why;

	if (!init) {
		struct al_error err;
		if (al_net_rules_parse("allow:pypi.org,*.pythonhosted.org,1.2.3.4:8080,[2001:db8::1]:443", &fixed, &err) < 0)
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
		struct al_net_target probe = { .host = "pypi.org", .port = 443 };
		(void)al_net_rules_match(&rules, &probe);
		for (size_t i = 0; i < rules.n; i++) {
			struct al_net_target tt = { .port = rules.r[i].port ? rules.r[i].port : 443 };
			int k = snprintf(tt.host, sizeof(tt.host), "%s%s",
					 rules.r[i].kind == AL_RULE_WILDCARD ? "a." : "", rules.r[i].name);
			tt.is_ip = rules.r[i].kind == AL_RULE_IP;
			tt.ip = rules.r[i].ip;
			/* Every rule allows what it names (a wildcard: one label below it). */
			if (k < 0 || (size_t)k >= sizeof(tt.host) || !al_net_rules_match(&rules, &tt))
				abort();
		}
	}
	struct al_net_target tgt = { .port = 443 };
	if (al_net_host_parse(s, size, &tgt) == 0) {
		check_target(&tgt);
		(void)al_net_rules_match(&fixed, &tgt);
	}
	if (al_net_authority_parse(s, size, 80, &tgt) == 0)
		check_target(&tgt);
	free(s);
	return 0;
}
