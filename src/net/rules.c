/* Rules of the allow-list: parsing and matching. */
#include "net/rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* A DNS name, lower-cased into out. The last label must not be all digits:
 * "1.2.3" or "0x7f.1" are numbers in disguise, which a resolver could take
 * for an address. */
static int name_parse(const char *s, size_t len, char *out)
{
	size_t label = 0;
	bool digits_only = true;

	if (len > 0 && s[len - 1] == '.')
		len--; /* the absolute form names the same host */
	if (len == 0 || len >= AL_NET_HOST_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '.') {
			if (label == 0 || out[i - 1] == '-')
				return -1;
			label = 0;
			digits_only = true;
		} else {
			if (!label_char(c) || (label == 0 && c == '-') || ++label > 63)
				return -1;
			if (c < '0' || c > '9')
				digits_only = false;
		}
		out[i] = c;
	}
	out[len] = '\0';
	if (label == 0 || digits_only || out[len - 1] == '-')
		return -1;
	/* Whatever inet_aton takes as an address ("0x7f000001") is not a name. */
	struct in_addr a;
	if (inet_aton(out, &a))
		return -1;
	return 0;
}

int al_net_host_parse(const char *s, size_t len, struct al_net_target *t)
{
	char buf[AL_NET_HOST_MAX];

	t->is_ip = false;
	memset(&t->ip, 0, sizeof(t->ip));
	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len))
		return -1;
	if (s[0] == '[') {
		/* IPv6 only in brackets, and no zone ("%eth0"): a zone names an
		 * interface of the proxy's host. */
		if (len < 3 || s[len - 1] != ']')
			return -1;
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = '\0';
		if (strchr(buf, '%') || al_ip_parse(buf, &t->ip) < 0 || t->ip.family != AF_INET6)
			return -1;
		t->is_ip = true;
		al_ip_str(&t->ip, t->host, sizeof(t->host));
		return 0;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (al_ip_parse(buf, &t->ip) == 0) {
		if (t->ip.family != AF_INET)
			return -1; /* IPv6 without brackets */
		t->is_ip = true;
		al_ip_str(&t->ip, t->host, sizeof(t->host));
		return 0;
	}
	return name_parse(s, len, t->host);
}

static int port_parse(const char *s, size_t len, uint16_t *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535 || (s[0] == '0'))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* Split "host:port" / "[v6]:port" at the port's colon; returns the host's
 * length, and the port's start (NULL when there is none). */
static size_t split_port(const char *s, size_t len, const char **port, size_t *plen)
{
	const char *colon = NULL;

	*port = NULL;
	*plen = 0;
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (close && (size_t)(close - s) + 1 < len && close[1] == ':')
			colon = close + 1;
	} else {
		colon = memrchr(s, ':', len);
	}
	if (!colon)
		return len;
	*port = colon + 1;
	*plen = len - (size_t)(colon + 1 - s);
	return (size_t)(colon - s);
}

int al_net_authority_parse(const char *s, size_t len, uint16_t default_port, struct al_net_target *t)
{
	const char *port;
	size_t plen, hlen = split_port(s, len, &port, &plen);

	if (port) {
		if (port_parse(port, plen, &t->port) < 0)
			return -1;
	} else if (default_port) {
		t->port = default_port;
	} else {
		return -1;
	}
	return al_net_host_parse(s, hlen, t);
}

static int rule_parse(const char *s, size_t len, struct al_net_rule *r, struct al_error *err)
{
	const char *port;
	size_t plen, hlen = split_port(s, len, &port, &plen);
	struct al_net_target t;

	memset(r, 0, sizeof(*r));
	if (port && port_parse(port, plen, &r->port) < 0)
		return al_error_set(err, 0, "'%.*s': the port must be a number from 1 to 65535", (int)len, s);
	if (!(s[0] == '[') && memchr(s, ':', hlen))
		return al_error_set(err, 0, "'%.*s': write an IPv6 address in brackets, [::1]:443", (int)len,
				    s);
	if (hlen > 2 && s[0] == '*' && s[1] == '.') {
		/* Room for at least one label before it, or it could match nothing. */
		if (name_parse(s + 2, hlen - 2, r->name) < 0 || strlen(r->name) > AL_NET_HOST_MAX - 4)
			return al_error_set(err, 0, "'%.*s': not a valid domain after '*.'", (int)len, s);
		r->kind = AL_RULE_WILDCARD;
		return 0;
	}
	if (memchr(s, '*', hlen))
		return al_error_set(err, 0, "'%.*s': '*' only as a whole first label, *.example.com",
				    (int)len, s);
	if (al_net_host_parse(s, hlen, &t) < 0)
		return al_error_set(
		    err, 0, "'%.*s': not a host name, *.domain, IPv4 address or [IPv6 address]", (int)len, s);
	if (t.is_ip) {
		r->kind = AL_RULE_IP;
		r->ip = t.ip;
	} else {
		r->kind = AL_RULE_HOST;
	}
	snprintf(r->name, sizeof(r->name), "%s", t.host);
	return 0;
}

int al_net_rules_parse(const char *spec, struct al_net_rules *out, struct al_error *err)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(spec, "none") == 0)
		return 0;
	if (strncmp(spec, "allow:", 6) != 0)
		return al_error_set(err, 0, "'%s': expected none or allow:RULE[,RULE...]", spec);
	for (const char *p = spec + 6;;) {
		const char *e = strchrnul(p, ',');
		if (e == p)
			return al_error_set(err, 0, "'%s': an empty rule", spec);
		if (out->n >= AL_NET_MAX_RULES)
			return al_error_set(err, 0, "more than %d rules", AL_NET_MAX_RULES);
		if (rule_parse(p, (size_t)(e - p), &out->r[out->n], err) < 0)
			return -1;
		out->n++;
		if (!*e)
			break;
		p = e + 1;
	}
	return 0;
}

static bool port_ok(const struct al_net_rule *r, uint16_t port)
{
	return r->port ? r->port == port : (port == 80 || port == 443);
}

const struct al_net_rule *al_net_rules_match(const struct al_net_rules *rules, const struct al_net_target *t)
{
	size_t tlen = strlen(t->host);

	for (size_t i = 0; i < rules->n; i++) {
		const struct al_net_rule *r = &rules->r[i];
		if (!port_ok(r, t->port))
			continue;
		switch (r->kind) {
		case AL_RULE_IP:
			if (t->is_ip && al_ip_equal(&r->ip, &t->ip))
				return r;
			break;
		case AL_RULE_HOST:
			if (!t->is_ip && strcmp(r->name, t->host) == 0)
				return r;
			break;
		case AL_RULE_WILDCARD: {
			size_t n = strlen(r->name);
			if (!t->is_ip && tlen > n + 1 && t->host[tlen - n - 1] == '.' &&
			    strcmp(t->host + tlen - n, r->name) == 0)
				return r;
			break;
		}
		}
	}
	return NULL;
}
