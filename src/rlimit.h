/* Per-process limits, applied just before execve. Soft = hard, so the
 * sandbox cannot raise them back (that needs CAP_SYS_RESOURCE). */
#ifndef AIRLOCK_RLIMIT_H
#define AIRLOCK_RLIMIT_H

#include <stdbool.h>

#include "error.h"
#include "plan.h"

/* degraded: no cgroup, so memory and pids fall back to RLIMIT_AS and
 * RLIMIT_NPROC (per process and per uid: weaker, and said in the report). */
int al_rlimit_apply(const struct al_limits *l, bool degraded, struct al_error *err);

#endif
