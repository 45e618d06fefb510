/* The workspace operations of a kept sandbox: a file in, a file out, the
 * whole workdir as an archive and back. They run inside the sandbox, as a
 * command does, after the same containment tail (caps, no_new_privs,
 * Landlock, seccomp): whatever the workspace holds, reading or writing it
 * can harm nothing outside. Data comes on stdin and goes to stdout.
 *
 * The archive: "ALSNAP1\n", then records { u8 type ('d' directory, 'f'
 * file, 'l' symlink, 'e' end), u32 mode, u32 path length, u64 size, the
 * path (relative, no "." or ".." parts), size bytes (contents, or the
 * link's target) }, integers little-endian. Directories come before what
 * they hold. */
#ifndef AIRLOCK_WORKSPACE_H
#define AIRLOCK_WORKSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

enum { AL_SNAP_MAX_PATH = 4096, AL_SNAP_MAX_DEPTH = 64 };

/* Run op (an al_req_op: put, get, snapshot, restore) in the current
 * directory (the workdir); returns the exit status, a message on stderr
 * when it fails. Allocates nothing (a raw-cloned child of init). */
int al_workspace_op(const struct al_plan *plan, char op, const char *path, unsigned mode);

/* Read an archive from fd into the current directory's tree at dirfd;
 * exposed for the fuzz target. Returns 0, or -1 with a message in why. */
int al_snapshot_restore(int in_fd, int dirfd, char *why, size_t len);

#endif
