/* The user namespace: which host uid the sandbox runs as, and its uid/gid maps. */
#ifndef AIRLOCK_USERNS_H
#define AIRLOCK_USERNS_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "plan.h"

struct al_uid_lease {
	uid_t host_uid;  /* root inside maps to this host uid (and gid) */
	int lock_fd;     /* held while the sandbox runs: the uid is ours alone */
	bool privileged; /* supervisor is root: a uid from the range */
};

/* As root: take a host uid from the plan's range that no other running
 * sandbox holds (a byte-range lock in a root-only file under /run, released
 * by the kernel when the supervisor dies). As a user: the caller's. */
int al_userns_lease(const struct al_plan *plan, struct al_uid_lease *lease, struct al_error *err);
void al_userns_release(struct al_uid_lease *lease);
/* Parent's half: write setgroups, uid_map and gid_map of the child. */
int al_userns_write_maps(pid_t child, const struct al_uid_lease *lease, bool map_root,
			 struct al_error *err);

#endif
