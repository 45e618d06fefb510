/* Warm pools (the config's "pools"): for a profile, sandboxes started ahead
 * of need, each with a Python interpreter that has imported the pool's
 * modules and waits for one run's code. A request whose sandbox would be
 * exactly such a sandbox (same profile, limits, network: the same
 * al_config_profile_json) takes one instead of starting cold; the
 * interpreter runs its code, the sandbox ends with the request, and the
 * pool starts another in the background. Each sandbox serves one request
 * and is made like a cold one (its own namespaces, cgroup, Landlock,
 * seccomp, a fresh interpreter with its own address layout): no process,
 * file or memory passes from one request to the next. */
#ifndef AIRLOCK_SERVICE_POOLS_H
#define AIRLOCK_SERVICE_POOLS_H

#include <airlock.h>
#include <stdbool.h>

#include "box.h"
#include "service.h"

/* The pools the config names (start, reload): pools no longer named, or
 * changed, are ended; new ones start filling. */
void pools_sync(struct svc *svc);
/* Refill, and replace sandboxes that waited longer than max_age (the loop,
 * each turn). Returns ms until it wants a turn again (-1: none). */
int pools_tick(struct svc *svc);
/* A ready sandbox for a python run whose config is cfg (of profile), given
 * to tenant: the box (counted as running from now), its waiting
 * interpreter's op (no done or output set) and the write end of its stdin
 * (the caller's, for pool_give), whose pipe holds code_len bytes. NULL
 * when no pool matches (counted as a
 * miss only when a pool has the same profile). */
struct box *pool_take(struct svc *svc, al_config *cfg, const char *profile, const char *tenant, size_t code_len,
		      struct op **boot, int *in_fd);
/* Give the waiting interpreter its code (in_fd is closed): its clock, time
 * and output limits start now. */
int pool_give(struct box *b, struct op *boot, int in_fd, const char *code, al_error *err);
/* Every pool and its sandboxes freed (shutdown; the sandboxes are killed). */
void pools_free(struct svc *svc);
/* Sandboxes ready and starting, over every pool (the metrics' gauges). */
void pools_count(const struct svc *svc, unsigned *ready, unsigned *starting);
/* Every pool has at least one ready sandbox (or none is configured). */
bool pools_ready(const struct svc *svc, char *why, size_t len);

#endif
