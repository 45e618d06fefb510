/* The sandbox's file system: a fresh tmpfs root holding exactly the plan's
 * binds (read-only, nosuid, nodev unless writable), a new /proc, a minimal
 * /dev, size-limited tmpfs for /tmp and the workdir; then pivot_root and the
 * host's root detached. Runs in the child, inside the new mount namespace:
 * the layout is the list of operations mountplan.c builds from the plan,
 * and al_mount_setup() runs it, one operation after the other. */
#ifndef AIRLOCK_MOUNT_H
#define AIRLOCK_MOUNT_H

#include <stdbool.h>

#include "error.h"
#include "mountplan.h"
#include "plan.h"

/* given: NULL, or per plan bind a tree the supervisor opened (a caller's
 * bind, as root; id-mapped where the caller shares their own), AL_BIND_SKIP
 * for one it found missing, -1 where none; used ones are closed, set -1. */
int al_mount_setup(const struct al_plan *plan, int *given, struct al_error *err);

/* Open one bind's host tree, detached, with its flags set (the operation
 * al_mount_bind_op() makes of it): < 0 on error, AL_BIND_SKIP for a missing
 * optional path or a symlink to recreate (*is_link). userns_fd >= 0 makes
 * it an id-mapped mount through that user namespace (the supervisor, as
 * root: the caller's files are the sandbox root's inside, and what it
 * creates is the caller's on the host). b is one of plan's binds. */
int al_mount_open_bind(const struct al_plan *plan, const struct al_bind *b, int userns_fd, bool *is_link,
		       struct al_error *err);
/* The supervisor, before clone: refuse a caller's bind with a kernel file
 * system (procfs, sysfs, cgroup, ...) mounted beneath it. */
int al_mount_check_submounts(const struct al_plan *plan, struct al_error *err);

#endif
