/* The user namespace: which host uid the sandbox runs as, and its uid/gid maps. */
#ifndef AIRLOCK_USERNS_H
#define AIRLOCK_USERNS_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "plan.h"

struct al_uid_lease {
	uid_t host_uid;	 /* root inside maps to this host uid (and gid) */
	int lock_fd;	 /* held while the sandbox runs: the uid is ours alone */
	bool privileged; /* supervisor is root: a uid from the range */
};

/* As root: take a host uid from the plan's range that no other running
 * sandbox holds (a byte-range lock in a root-only file under /run, released
 * by the kernel when the supervisor dies). As a user: the caller's. */
int al_userns_lease(const struct al_plan *plan, struct al_uid_lease *lease, struct al_error *err);
void al_userns_release(struct al_uid_lease *lease);
/* Parent's half: write setgroups, uid_map and gid_map of the child. */
int al_userns_write_maps(pid_t child, const struct al_uid_lease *lease, bool map_root, struct al_error *err);

/* The per-user counters of the kernel (kernel/ucount.c) are hierarchical: a
 * charge inside the sandbox's user namespace is charged again, in the
 * parent, to the namespace's creator (root, or the caller). The host's
 * limit of that uid is then shared with the sandbox. These are the
 * sandbox's own maxima, written into its namespace's /proc/sys/user, so
 * that it can take no more than this share. Namespaces: none beyond those
 * it was given (counts are of live ones; init's cgroup namespace is
 * already made when they are written). */
struct al_userns_cap {
	const char *name; /* file in /proc/sys/user */
	unsigned max;
};
extern const struct al_userns_cap al_userns_caps[];
extern const unsigned al_userns_ncaps;
/* Child's half, as root of the new namespace with CAP_SYS_RESOURCE in it:
 * write the caps under proc_sys_user ("/proc/sys/user"). A counter the
 * kernel lacks (an older kernel) is skipped; any other failure is an error. */
int al_userns_cap_counters(const char *proc_sys_user, struct al_error *err);

#endif
