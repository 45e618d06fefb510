/* The seccomp filter: compiled from a policy (policy.h) with libseccomp in
 * the supervisor, cached per policy, loaded in the child as the very last
 * step before execve. Every call the policy denies goes to the supervisor as
 * a user notification, which decides, answers and reports it; only foreign
 * ABIs are killed by the filter itself. */
#ifndef AIRLOCK_SECCOMP_H
#define AIRLOCK_SECCOMP_H

#include <linux/filter.h>
#include <stddef.h>

#include "error.h"
#include "policy.h"

struct al_filter {
	struct sock_filter *insns;
	size_t len;
};

int al_seccomp_compile(const struct al_sc_policy *p, struct al_filter *f, struct al_error *err);
void al_seccomp_free(struct al_filter *f);
/* Child side: install the filter and return the notification listener fd
 * (needs no_new_privs or CAP_SYS_ADMIN). No allocation. */
int al_seccomp_load(const struct al_filter *f, struct al_error *err);

/* Compiled filters by policy, for a supervisor that starts many sandboxes. */
struct al_filter_cache;
struct al_filter_cache *al_filter_cache_new(void);
/* The filter for p, compiled on first use; owned by the cache. */
const struct al_filter *al_filter_cache_get(struct al_filter_cache *c, const struct al_sc_policy *p,
					    struct al_error *err);
void al_filter_cache_free(struct al_filter_cache *c);

#endif
