/* The sandbox's file system as data: the plan turned into an ordered list of
 * mount operations (bubblewrap's SetupOp list), which mount.c executes in
 * the child with one loop. Pure code: building the list makes no system
 * call, so the layout of every profile is unit-tested without root. The
 * test switches (AL_DEF_*) that touch mounts are applied here, once; the
 * loop that runs the list knows nothing of them. */
#ifndef AIRLOCK_MOUNTPLAN_H
#define AIRLOCK_MOUNTPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "plan.h"

enum al_mount_kind {
	AL_MOUNT_PRIVATE,	 /* mount(NULL, target, flags): no propagation back to the host */
	AL_MOUNT_KEEP_HOST_ROOT, /* test control: no new root; chdir to target, else to / */
	AL_MOUNT_OPEN_BIND,	 /* clone bind's host tree (source) with attr, before anything is covered */
	AL_MOUNT_ROOT,		 /* the new root: a tmpfs (source names it) with flags and data */
	AL_MOUNT_PROC,		 /* a new procfs at target */
	AL_MOUNT_HOST_TREE,	 /* the host's source (no symlink followed), attr set, at target */
	AL_MOUNT_TMPFS,		 /* a tmpfs at target: flags, mode, size (0: no cap) */
	AL_MOUNT_SYMLINK,	 /* a symlink at target whose text is source */
	AL_MOUNT_REMOUNT,	 /* remount target (a mount of ours) read-only, with flags */
	AL_MOUNT_MASK,		 /* bind source over target, if target is a world-readable file */
	AL_MOUNT_ATTACH,	 /* attach bind's tree at target (none: missing and optional, or a link) */
	AL_MOUNT_LINK_BIND,	 /* bind's host path was a symlink (source): recreated at target */
	AL_MOUNT_PIVOT,		 /* pivot_root into the new root, detach the old one, chdir to target */
};

/* Options of an operation (opts). */
enum {
	AL_MOUNT_F_OPTIONAL = 1u << 0, /* a missing host path is skipped */
	AL_MOUNT_F_PROTECT = 1u << 1,  /* never a symlink; writable only as a directory (agent's .git) */
	AL_MOUNT_F_CHECK = 1u << 2,    /* refused if a socket, a device or a kernel file system's root */
	AL_MOUNT_F_FOLLOW = 1u << 3,   /* test control: symlinks followed in the host and inside paths */
	AL_MOUNT_F_GIVEN = 1u << 4, /* the supervisor's tree: id-mapped where the caller shares their own */
	AL_MOUNT_F_RO_AS_CALLER = 1u << 5, /* --ro-as-caller: a private read-only bind id-mapped too */
};

struct al_mount_op {
	enum al_mount_kind kind;
	const char *source;  /* host path, file system name or symlink text; NULL if none */
	const char *target;  /* path inside the sandbox ("/" is the new root) */
	unsigned long flags; /* MS_* of mount(2) */
	uint64_t attr;	     /* MOUNT_ATTR_* set on a cloned tree, recursively */
	const char *mode;    /* tmpfs: its root's mode ("1777") */
	uint64_t size;	     /* tmpfs: bytes, 0 for no cap */
	const char *data;    /* ROOT: the mount options as they are */
	unsigned opts;	     /* AL_MOUNT_F_* */
	int bind;	     /* index of the plan's bind, -1 if none */
};

/* Every bind takes at most three operations (open, attach, link); the rest
 * is a fixed 24: private, root, /proc, /dev (tmpfs, 5 nodes, 4 links,
 * remount), 5 masks, 3 tmpfs, remount, pivot_root. */
enum { AL_MAX_MOUNT_OPS = 3 * AL_MAX_BINDS + 24 };

struct al_mount_ops {
	struct al_mount_op op[AL_MAX_MOUNT_OPS];
	size_t n;
};

/* What the supervisor hands over for a bind (given[i]): a tree it opened, -1
 * for none, or AL_BIND_SKIP for an optional path it found missing. */
enum { AL_BIND_SKIP = -2 };

/* The whole layout of plan, in order. given: NULL, or per plan bind what the
 * supervisor hands over (its trees are attached as they are; what it found
 * missing is not looked at again). Paths point into plan: the list lives no
 * longer than it. Builds on the caller's memory, allocates nothing (the
 * child calls it). */
int al_mount_ops_build(const struct al_plan *plan, const int *given, struct al_mount_ops *out,
		       struct al_error *err);
/* The operation that opens plan bind i: the same for the child, and for the
 * supervisor opening a caller's bind as root. */
struct al_mount_op al_mount_bind_op(const struct al_plan *plan, size_t i);
/* One line for people: "bind ro /usr/bin", "tmpfs /tmp mode=1777 size=67108864". */
const char *al_mount_op_describe(const struct al_mount_op *op, char *buf, size_t len);

#endif
