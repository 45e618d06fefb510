/* The context: what a process detects once and shares between its
 * sandboxes (cgroup hierarchy, Landlock ABI, compiled filters), the log
 * callback, and the sandboxes that were freed while still running, finished
 * here without making the caller wait. */
#ifndef AIRLOCK_CTX_H
#define AIRLOCK_CTX_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "seccomp.h"
#include "userns.h"

struct al_grave;

struct al_ctx {
	al_log_fn log;
	void *log_user;
	struct al_filter_cache *filters;
	int landlock_abi; /* -1 until asked */
	bool hier_known;
	struct al_cgroup_hierarchy hier;
	int ep; /* the graves' pidfds */
	struct al_grave *graves;
};

/* One line to the caller's log callback (dropped without one). */
void al_ctx_log(const struct al_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int al_ctx_landlock_abi(struct al_ctx *ctx);
/* The caller's cgroups, found at the first sandbox. */
const struct al_cgroup_hierarchy *al_ctx_hierarchy(struct al_ctx *ctx);
/* Finish a sandbox that was killed but may not be reaped yet: reap pid,
 * then remove its cgroup and release its uid. Takes pidfd, cg and lease. */
void al_ctx_bury(struct al_ctx *ctx, pid_t pid, int pidfd, struct al_cgroup *cg, struct al_uid_lease *lease);

#endif
