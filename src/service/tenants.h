/* The service's config (--config FILE, JSON; DESIGN.md "Service"): tenants,
 * their bearer tokens (SHA-256, hex), unix uids, quotas and ceilings. Pure
 * code: text in, tables out; every field checked and named in errors. */
#ifndef AIRLOCK_SERVICE_TENANTS_H
#define AIRLOCK_SERVICE_TENANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "request.h"

enum { TENANT_NAME_MAX = 64, TENANT_MAX = 1024, TENANT_MAX_UIDS = 64, TENANT_MAX_RULES = 256 };

/* A secret by reference: its value comes from a file or the service's
 * environment, read when the config is loaded (start, SIGHUP). */
struct tenant_secret {
	char name[72]; /* also the variable's name in the sandbox */
	char *file, *env;
	char *value; /* wiped when freed */
	size_t len;
};

struct tenant {
	char name[TENANT_NAME_MAX];
	bool has_token;
	unsigned char token[32]; /* SHA-256 of the bearer token */
	uid_t uids[TENANT_MAX_UIDS];
	size_t nuids;
	unsigned q_sandboxes, q_epm; /* 0: no quota */
	unsigned q_cpu_s;	     /* CPU seconds per hour; 0: no quota */
	/* on_violations: 0 where not set (no throttle, no quarantine). */
	unsigned throttle_after, quarantine_after, window, quarantine_for;
	struct req_limits ceil; /* set[i]: the largest value[i] allowed */
	char **profiles;	/* NULL: every profile the service offers */
	size_t nprofiles;
	bool any_egress; /* "local" without a config: any rule */
	char **egress;	 /* patterns a rule must fall under; none: no network */
	size_t negress;
	struct tenant_secret *secrets;
	size_t nsecrets;
};

/* A data-label rule: input carrying one of labels may only run with
 * egress under patterns (none: no network at all). */
struct label_rule {
	char name[TENANT_NAME_MAX];
	char **labels, **egress;
	size_t nlabels, negress;
};

/* "pools": sandboxes of a profile kept started, an interpreter in each
 * that has imported preload and waits for one run's code (pools.c). */
enum { POOL_MAX = 8, POOL_MAX_READY = 64, POOL_MAX_PRELOAD = 32 };
struct pool_spec {
	char profile[TENANT_NAME_MAX];
	unsigned ready;	 /* sandboxes kept ready */
	char **preload;	 /* module names */
	size_t npreload;
	unsigned max_age; /* seconds a ready sandbox waits before it is replaced */
};

struct tenants {
	struct tenant *t;
	size_t n;
	struct pool_spec *pools;
	size_t npools;
	struct label_rule *rules;
	size_t nrules;
	bool has_admin;
	unsigned char admin[32];
};

/* The profiles the service offers at all: built-in, and none that binds
 * the service's own directories (the agent profile binds its cwd). */
extern const char *const service_profiles[];

int tenants_parse(const char *json, size_t len, struct tenants **out, struct req_error *err);
/* Read and parse path (at most 1 MiB); msg says what is wrong. */
int tenants_load(const char *path, struct tenants **out, char *msg, size_t len);
void tenants_free(struct tenants *ts);
/* Read every secret's value (tenants_load does): 0, or -1 with msg. */
int tenants_resolve_secrets(struct tenants *ts, char *msg, size_t len);
const struct tenant_secret *tenant_secret(const struct tenant *t, const char *name);

/* The tenant whose token hashes to this one's SHA-256 (compared in
 * constant time with every tenant's, sodium_memcmp), or NULL. */
const struct tenant *tenants_by_token(const struct tenants *ts, const char *token);
const struct tenant *tenants_by_name(const struct tenants *ts, const char *name);
const struct tenant *tenants_by_uid(const struct tenants *ts, uid_t uid);
bool tenants_is_admin(const struct tenants *ts, const char *token);
/* The one tenant when the service runs without a config. */
const struct tenant *tenant_local(void);

bool tenant_profile_ok(const struct tenant *t, const char *profile);
/* A rule "host[:port]" falls under one of the tenant's egress patterns. */
bool tenant_egress_ok(const struct tenant *t, const char *rule);
/* The same against a list of patterns. */
bool egress_match(char *const *patterns, size_t n, const char *rule);
/* The first label rule that labels[] with the egress rules allow[] break:
 * its index and the offending label and egress rule, or -1. */
int tenants_label_check(const struct tenants *ts, char *const *labels, size_t nlabels, char *const *allow,
			size_t nallow, const char **label, size_t *allow_i);

#endif
