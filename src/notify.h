/* The supervisor's side of seccomp user notification: take the listener fd
 * from the sandboxed command, then answer each denied call as the policy
 * says (errno, log and continue, or kill) and keep the violation record. */
#ifndef AIRLOCK_NOTIFY_H
#define AIRLOCK_NOTIFY_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "events.h"
#include "policy.h"

enum { AL_MAX_VIOLATIONS = 32 };

struct al_violation {
	char syscall[32];
	enum al_sc_action action;
	uint64_t count;
	int pid;       /* the caller's pid inside the sandbox (first seen) */
	char args[96]; /* a short summary of the first call's arguments */
	int nr;
};

struct al_violations {
	struct al_violation v[AL_MAX_VIOLATIONS];
	size_t n;
	uint64_t dropped;		/* calls of kinds beyond the table */
	uint8_t used[AL_SC_NR_MAX / 8]; /* learn mode: every call seen */
};

struct al_notify {
	int fd;
	void *req, *resp; /* kernel-sized buffers */
	size_t req_size, resp_size;
};

/* Take fd number `fd` of the process behind pidfd, once: -1 with EBADF
 * while it has not loaded its filter yet. */
int al_notify_acquire(struct al_notify *n, int pidfd, int fd, struct al_error *err);
/* Adopt a listener fd we already hold (tests; a supervisor that got it otherwise). */
int al_notify_acquire_fd(struct al_notify *n, int fd);
/* Answer one notification. Returns 1 if the policy says to kill the sandbox. */
int al_notify_handle(struct al_notify *n, const struct al_sc_policy *p, struct al_violations *out,
		     const struct al_emit *emit);
void al_notify_close(struct al_notify *n);

/* The supervisor's own CPU for answering denied calls, bounded: a token
 * bucket of CPU nanoseconds, filled at AL_NOTIFY_SHARE_PCT percent of one
 * CPU up to AL_NOTIFY_BURST_NS. A flood of denied calls otherwise made the
 * supervisor burn as much CPU as the sandbox, outside its cgroup and its
 * --cpu-time. When the bucket is empty the supervisor stops reading the
 * listener until it has refilled: the callers wait in the kernel, and a
 * program that makes a few denied calls never notices. Pure code. */
enum { AL_NOTIFY_SHARE_PCT = 5 };
#define AL_NOTIFY_BURST_NS 25000000LL /* 25 ms */
struct al_notify_budget {
	int64_t tokens_ns; /* may go below 0: the last answer cost more than was left */
	uint64_t last_ns;  /* monotonic time of the last refill */
	uint64_t spent_ns; /* all CPU spent answering, for the report and --cpu-time */
};
void al_notify_budget_init(struct al_notify_budget *b, uint64_t now_ns);
/* Refill for the time since the last refill, then take cost_ns. */
void al_notify_budget_spend(struct al_notify_budget *b, uint64_t now_ns, uint64_t cost_ns);
/* Wall nanoseconds from now_ns until the bucket holds a token again; 0 if it does. */
uint64_t al_notify_budget_wait_ns(const struct al_notify_budget *b, uint64_t now_ns);

#endif
