/* Per-process limits, applied just before execve. Soft = hard, so the
 * sandbox cannot raise them back (that needs CAP_SYS_RESOURCE). */
#ifndef AIRLOCK_RLIMIT_H
#define AIRLOCK_RLIMIT_H

#include <stdbool.h>

#include "error.h"
#include "plan.h"

/* degraded: no cgroup, so memory and pids fall back to RLIMIT_AS and
 * RLIMIT_NPROC (per process and per uid: weaker, and said in the report). */
/* cap_kernel: also cap the rlimits behind per-user kernel counters (below). */
int al_rlimit_apply(const struct al_limits *l, bool degraded, bool cap_kernel, struct al_error *err);

/* The kernel counts queued signals, POSIX message queue bytes and locked
 * shared memory per uid, and charges a user namespace's counts again to
 * its creator (root, or the caller) up to the creator's own rlimit: with
 * the inherited limits (96,362 signals, 800 KiB of queues here) one sandbox
 * could take all of its creator's share, and the creator's host processes
 * would then fail sigqueue, timer_create or mq_open. The sandbox's uid
 * gets these instead, a small share. */
enum {
	AL_RLIMIT_SIGPENDING = 1024,	/* queued signals */
	AL_RLIMIT_MSGQUEUE = 128 << 10, /* one default-sized queue (10 x 8 KiB) */
	AL_RLIMIT_MEMLOCK = 64 << 10,	/* the pre-5.16 default */
};

#endif
