/* The allow-list of --net allow:RULE[,RULE...] and the names it is matched
 * against. Pure code: parsing and matching, no lookups. */
#ifndef AIRLOCK_NET_RULES_H
#define AIRLOCK_NET_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "net/addr.h"

enum { AL_NET_MAX_RULES = 64, AL_NET_HOST_MAX = 254 };

/* A destination as a client names it: a host name (lower case, no trailing
 * dot) or an IP literal, and a port. */
struct al_net_target {
	char host[AL_NET_HOST_MAX]; /* the name, or the literal's text form */
	bool is_ip;
	struct al_ip ip;
	uint16_t port;
};

enum al_rule_kind { AL_RULE_HOST, AL_RULE_WILDCARD, AL_RULE_IP };

struct al_net_rule {
	enum al_rule_kind kind;
	char name[AL_NET_HOST_MAX]; /* HOST: the name; WILDCARD: the suffix after "*." */
	struct al_ip ip;	    /* IP */
	uint16_t port;		    /* 0: the default ports, 80 and 443 */
};

struct al_net_rules {
	struct al_net_rule r[AL_NET_MAX_RULES];
	size_t n; /* 0: no network (--net none) */
};

/* "none" or "allow:RULE[,RULE...]"; a rule is host, *.domain, a.b.c.d or
 * [v6], each with an optional :port. Errors name the rule. */
int al_net_rules_parse(const char *spec, struct al_net_rules *out, struct al_error *err);

/* A host as it appears in a request (no port): a name, a dotted quad or a
 * bracketed IPv6 literal. Normalized into t->host/ip (port untouched).
 * Returns -1 for anything else: empty labels, characters outside
 * [A-Za-z0-9-_], non-ASCII, numeric forms such as 0x7f.1 or 2130706433. */
int al_net_host_parse(const char *s, size_t len, struct al_net_target *t);
/* "host:port" (port required unless default_port is not 0). */
int al_net_authority_parse(const char *s, size_t len, uint16_t default_port, struct al_net_target *t);

/* The first rule that allows the target, or NULL. A name rule matches only
 * that name; *.domain matches names below domain (not domain itself); an IP
 * rule matches only the same literal (never a name that resolves to it). */
const struct al_net_rule *al_net_rules_match(const struct al_net_rules *rules, const struct al_net_target *t);

#endif
