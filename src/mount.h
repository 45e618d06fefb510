/* The sandbox's file system: a fresh tmpfs root holding exactly the plan's
 * binds (read-only, nosuid, nodev unless writable), a new /proc, a minimal
 * /dev, size-limited tmpfs for /tmp and the workdir; then pivot_root and the
 * host's root detached. Runs in the child, inside the new mount namespace. */
#ifndef AIRLOCK_MOUNT_H
#define AIRLOCK_MOUNT_H

#include "error.h"
#include "plan.h"

int al_mount_setup(const struct al_plan *plan, struct al_error *err);

#endif
