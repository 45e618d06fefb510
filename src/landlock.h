/* Landlock, the second wall: file-system rules that mirror the mount plan
 * (read-only binds readable, writable binds and the tmpfs writable, nothing
 * else), optional TCP port rules, and scoping of abstract unix sockets and
 * signals. The ABI is negotiated at run time; Debian's headers are older than
 * the kernel, so the constants are defined here. */
#ifndef AIRLOCK_LANDLOCK_H
#define AIRLOCK_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "plan.h"

/* The kernel's Landlock ABI version, or 0 when it has none (or it is off). */
int al_landlock_abi(void);
/* In the command, after no_new_privs and before seccomp. No allocation. */
int al_landlock_apply(const struct al_plan *plan, int abi, struct al_error *err);

/* An OCI container's tree (src/oci/): everything readable and executable;
 * writable beneath each of rw (and beneath every top-level directory of the
 * root but /proc and /sys unless root_readonly); abstract unix sockets and
 * signals scoped (ABI 6). After pivot_root, no_new_privs. */
int al_landlock_apply_tree(int abi, bool root_readonly, const char *const *rw, size_t nrw, struct al_error *err);

#endif
