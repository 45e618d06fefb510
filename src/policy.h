/* Syscall policy: what a profile says about system calls, the built-in
 * deny-list, and the decision for one call. Pure code: the supervisor asks
 * it about each seccomp notification, the compiler turns it into BPF, and
 * unit tests check both against each other. */
#ifndef AIRLOCK_POLICY_H
#define AIRLOCK_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Syscall numbers the filter covers one by one (x86_64 has < 1024). */
enum { AL_SC_NR_MAX = 1024, AL_SC_MAX_DENY = 128, AL_SC_MAX_COND = 3 };

enum al_sc_action { AL_SC_ALLOW = 0, AL_SC_ERRNO, AL_SC_KILL, AL_SC_LOG };
enum al_sc_op { AL_OP_EQ, AL_OP_NE, AL_OP_LT, AL_OP_LE, AL_OP_GT, AL_OP_GE, AL_OP_MASKED_EQ };
enum al_sc_mode {
	AL_SC_DENY_LIST,  /* everything but the denied */
	AL_SC_ALLOW_LIST, /* only the allowed (and never what the built-in list denies) */
	AL_SC_LEARN,	  /* everything but the built-in deny-list, each call recorded */
};

struct al_sc_cond {
	uint8_t index; /* argument 0..5 */
	uint8_t op;    /* enum al_sc_op */
	uint64_t value, mask;
};

/* Groups of built-in rules. The core group always applies; the optional
 * hardening groups apply unless a profile lifts them by name ("relax");
 * set-id bits only in a test build's negative control. */
enum al_sc_group {
	AL_SC_GROUP_CORE = 0,
	AL_SC_GROUP_SETID,	  /* set-uid/set-gid bits, file capabilities */
	AL_SC_GROUP_INOTIFY,	  /* watching what the host does in read-only binds */
	AL_SC_GROUP_PERSONALITY,  /* personality flags that weaken ASLR or NX */
	AL_SC_GROUP_MEMFD_SECRET, /* memory hidden even from the kernel's own views */
	AL_SC_GROUP_UEVENT,	  /* NETLINK_KOBJECT_UEVENT: the host's device events */
	AL_SC_GROUP_N,
};
#define AL_SC_RELAX(g) (1u << (g))

/* How the supervisor looks at a call before deciding (see notify.c). */
enum al_sc_inspect {
	AL_SC_INSPECT_NONE = 0,
	AL_SC_INSPECT_XATTR_NAME, /* setxattr family: denied when the name sets capabilities or labels */
};

struct al_sc_rule {
	int nr;
	uint8_t group;	 /* enum al_sc_group (built-in rules) */
	uint8_t inspect; /* enum al_sc_inspect */
	uint8_t action;	 /* enum al_sc_action; ALLOW means "the policy's action" */
	int errnum;	 /* for AL_SC_ERRNO; 0 means the policy's */
	uint8_t ncond;	 /* all must hold; none = every call */
	bool quiet;	 /* answered in the filter itself, not reported (clone3 -> ENOSYS) */
	struct al_sc_cond cond[AL_SC_MAX_COND];
};

struct al_sc_policy {
	enum al_sc_mode mode;
	enum al_sc_action action;	   /* for denied calls without their own action */
	int errnum;			   /* errno for AL_SC_ERRNO (default EPERM) */
	bool kill_on_violation;		   /* end the sandbox at the first denied call */
	uint32_t relax;			   /* AL_SC_RELAX(group): optional built-in groups lifted */
	bool builtin_weak;		   /* test control only: built-in rules take the profile's action */
	uint8_t allowed[AL_SC_NR_MAX / 8]; /* allow-list mode: bitmap of numbers */
	struct al_sc_rule deny[AL_SC_MAX_DENY]; /* the profile's own denials */
	size_t ndeny;
};

struct al_sc_decision {
	enum al_sc_action action; /* AL_SC_ALLOW: not a violation */
	int errnum;
	uint8_t inspect; /* enum al_sc_inspect: look at the call before answering */
};

void al_policy_default(struct al_sc_policy *p);
/* The built-in deny-list, resolved for this architecture; *n rules. */
const struct al_sc_rule *al_policy_builtin(size_t *n);
/* A built-in rule applies under this policy (its group is not lifted). */
bool al_policy_builtin_active(const struct al_sc_policy *p, const struct al_sc_rule *r);
/* The name of a group a profile may lift ("inotify"), or NULL for the core
 * and set-id groups, which no profile lifts. */
const char *al_policy_group_name(enum al_sc_group g);
/* A call through a foreign ABI (i386, x32): never run, always a kill. */
bool al_policy_foreign_abi(uint32_t arch, int nr);
/* What happens to syscall nr with these arguments. */
struct al_sc_decision al_policy_decide(const struct al_sc_policy *p, int nr, const uint64_t args[6]);
/* The filter lets nr through whatever its arguments, never to the
 * listener: no rule of the policy's or of the built-in list names it, and
 * the mode is not learn (allow-list: it is on the list). */
bool al_policy_always_allows(const struct al_sc_policy *p, int nr);
/* A rule's conditions hold for these arguments. */
bool al_policy_rule_matches(const struct al_sc_rule *r, int nr, const uint64_t args[6]);

static inline bool al_policy_allowed_p(const struct al_sc_policy *p, int nr)
{
	return nr >= 0 && nr < AL_SC_NR_MAX && (p->allowed[nr / 8] >> (nr % 8) & 1);
}
static inline void al_policy_allow(struct al_sc_policy *p, int nr)
{
	if (nr >= 0 && nr < AL_SC_NR_MAX)
		p->allowed[nr / 8] |= (uint8_t)(1u << (nr % 8));
}

/* Syscall name for a number ("syscall_460" when libseccomp does not know it). */
const char *al_policy_name(int nr, char *buf, size_t len);
/* Number for a name, or -1. */
int al_policy_nr(const char *name);
/* "EPERM" or "13" -> errno value; -1 if unknown. */
int al_policy_errno(const char *s);
const char *al_policy_action_name(enum al_sc_action a);
/* A short summary of a call's arguments for reports: "flags=0x10000000". */
void al_policy_summarize(int nr, const uint64_t args[6], char *buf, size_t len);

#endif
