/* Plan -> ordered list of mount operations. Pure: no system call. */
#include "mountplan.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "util.h"

/* The device nodes of the sandbox's /dev: each a bind of the host's own. */
static const char *const dev_nodes[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"};

/* The links of /dev that programs expect: [0] inside, [1] the text. */
static const char *const dev_links[][2] = {
    {"/dev/fd", "/proc/self/fd"},
    {"/dev/stdin", "/proc/self/fd/0"},
    {"/dev/stdout", "/proc/self/fd/1"},
    {"/dev/stderr", "/proc/self/fd/2"},
};

/* /proc files that tell the sandbox about the host or about other
 * sandboxes, covered by /dev/null once /dev exists: /proc/locks lists every
 * lock on the machine, the uid leases among them (how many sandboxes run, as
 * which host uids); /proc/cmdline is the host kernel's command line;
 * modules, kallsyms and config.gz say which kernel code is there to attack.
 * Only these: a mount is the dearest step of the launch (about 25 us each
 * here; masking all of the two dozen files runc masks measured 0.7-1.3 ms a
 * run), and what else /proc shows every process (interrupts, iomem,
 * diskstats, meminfo...) is listed in SECURITY.md as a side channel. A file
 * others may not read (owned by the host's root, nobody here) needs no
 * mask; a file this kernel lacks is skipped (mount.c, at run time). /dev/null
 * is bound as it is: its bind is nosuid, noexec, and what is written to it
 * goes nowhere. */
static const char *const masked_files[] = {"/proc/locks", "/proc/cmdline", "/proc/modules", "/proc/kallsyms",
					   "/proc/config.gz"};

/* Index order by inside path, so a parent is mounted before what lies under it. */
static void sort_binds(const struct al_profile *p, size_t *order)
{
	for (size_t i = 0; i < p->nbinds; i++) {
		size_t j = i;
		while (j > 0 && strcmp(p->binds[order[j - 1]].inside, p->binds[i].inside) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}

/* Append op; past the end only counted, so that the build can say so. */
static void add(struct al_mount_ops *out, struct al_mount_op op)
{
	if (out->n < AL_MAX_MOUNT_OPS)
		out->op[out->n] = op;
	out->n++;
}

static unsigned follow_opt(const struct al_plan *plan)
{
	return al_off(plan, AL_DEF_NOFOLLOW) ? AL_MOUNT_F_FOLLOW : 0;
}

struct al_mount_op al_mount_bind_op(const struct al_plan *plan, size_t i)
{
	const struct al_bind *b = &plan->profile.binds[i];

	return (struct al_mount_op){
	    .kind = AL_MOUNT_OPEN_BIND,
	    .source = b->host,
	    .target = b->inside,
	    .attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (b->writable ? 0 : MOUNT_ATTR_RDONLY),
	    .opts = (b->optional ? AL_MOUNT_F_OPTIONAL : 0) | (b->protect ? AL_MOUNT_F_PROTECT : 0) |
		    (plan->allow_unsafe_binds ? 0 : AL_MOUNT_F_CHECK) | follow_opt(plan) |
		    (plan->ro_as_caller ? AL_MOUNT_F_RO_AS_CALLER : 0),
	    .bind = (int)i,
	};
}

int al_mount_ops_build(const struct al_plan *plan, const int *given, struct al_mount_ops *out,
		       struct al_error *err)
{
	const struct al_profile *p = &plan->profile;
	const uint64_t off = plan->disabled;
	const unsigned follow = follow_opt(plan);
	/* Without a pid namespace of our own, a new proc cannot be mounted. */
	const bool own_proc = !(off & (AL_DEF_PROC | AL_DEF_PIDNS));
	const uint64_t size = (off & AL_DEF_TMPFS_SIZE) ? 0 : p->limits.tmpfs_size;
	size_t order[AL_MAX_BINDS];

	out->n = 0;
	/* Nothing we mount may propagate back to the host. */
	add(out, (struct al_mount_op){
		     .kind = AL_MOUNT_PRIVATE, .target = "/", .flags = MS_REC | MS_PRIVATE, .bind = -1});
	if (off & AL_DEF_MOUNT) {
		add(out,
		    (struct al_mount_op){.kind = AL_MOUNT_KEEP_HOST_ROOT, .target = p->workdir, .bind = -1});
		return 0;
	}

	/* 1. Resolve and clone every host path before anything is covered
	 * (the new root is assembled over /tmp, in this namespace only). What
	 * the supervisor opened (a caller's bind, as root), or found missing,
	 * is not looked at again here, where the sandbox's uid may not even
	 * reach it. */
	sort_binds(p, order);
	for (size_t i = 0; i < p->nbinds; i++)
		if (!given || given[order[i]] == -1)
			add(out, al_mount_bind_op(plan, order[i]));

	/* 2. The new root: a small tmpfs, made read-only once populated. Then
	 * what is mounted on it before any bind, so that the root holds only
	 * what we made and a path there is safe to use. */
	add(out, (struct al_mount_op){.kind = AL_MOUNT_ROOT,
				      .source = "airlock",
				      .target = "/",
				      .flags = MS_NOSUID | MS_NODEV,
				      .data = "mode=0755,size=1m,nr_inodes=8192",
				      .bind = -1});
	if (own_proc)
		add(out, (struct al_mount_op){.kind = AL_MOUNT_PROC,
					      .source = "proc",
					      .target = "/proc",
					      .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC,
					      .opts = follow,
					      .bind = -1});
	else
		add(out, (struct al_mount_op){.kind = AL_MOUNT_HOST_TREE,
					      .source = "/proc",
					      .target = "/proc",
					      .attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
					      .opts = follow,
					      .bind = -1});
	if (off & AL_DEF_DEV) {
		add(out, (struct al_mount_op){.kind = AL_MOUNT_HOST_TREE,
					      .source = "/dev",
					      .target = "/dev",
					      .attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
					      .opts = follow,
					      .bind = -1});
	} else {
		/* A minimal /dev: the harmless nodes, bound writable and noexec,
		 * on a tmpfs made read-only once they are there. */
		add(out, (struct al_mount_op){.kind = AL_MOUNT_TMPFS,
					      .target = "/dev",
					      .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC,
					      .mode = "0755",
					      .size = 65536,
					      .opts = follow,
					      .bind = -1});
		for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++)
			add(out, (struct al_mount_op){.kind = AL_MOUNT_HOST_TREE,
						      .source = dev_nodes[i],
						      .target = dev_nodes[i],
						      .attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
						      .opts = follow,
						      .bind = -1});
		for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
			add(out, (struct al_mount_op){.kind = AL_MOUNT_SYMLINK,
						      .source = dev_links[i][1],
						      .target = dev_links[i][0],
						      .bind = -1});
		add(out,
		    (struct al_mount_op){.kind = AL_MOUNT_REMOUNT,
					 .target = "/dev",
					 .flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
					 .bind = -1});
	}
	if (own_proc && !(off & AL_DEF_PROC_MASK))
		for (size_t i = 0; i < ARRAY_SIZE(masked_files); i++)
			add(out, (struct al_mount_op){.kind = AL_MOUNT_MASK,
						      .source = "/dev/null",
						      .target = masked_files[i],
						      .flags = MS_BIND,
						      .bind = -1});
	/* $HOME (agent profile) before the workdir, which may lie beneath it. */
	add(out, (struct al_mount_op){.kind = AL_MOUNT_TMPFS,
				      .target = "/tmp",
				      .flags = MS_NOSUID | MS_NODEV,
				      .mode = "1777",
				      .size = size,
				      .opts = follow,
				      .bind = -1});
	if (p->home_dir)
		add(out, (struct al_mount_op){.kind = AL_MOUNT_TMPFS,
					      .target = p->home_dir,
					      .flags = MS_NOSUID | MS_NODEV,
					      .mode = "0700",
					      .size = size,
					      .opts = follow,
					      .bind = -1});
	add(out, (struct al_mount_op){.kind = AL_MOUNT_TMPFS,
				      .target = p->workdir,
				      .flags = MS_NOSUID | MS_NODEV,
				      .mode = "0755",
				      .size = size,
				      .opts = follow,
				      .bind = -1});

	/* 3. The binds, parents first; symlinks last so that no path created
	 * above is resolved through one. A host symlink bound at its own path
	 * (/lib64 -> usr/lib64 on merged-/usr systems) is recreated, not
	 * followed: only such a bind can turn out to be one. */
	for (size_t i = 0; i < p->nbinds; i++) {
		const struct al_bind *b = &p->binds[order[i]];
		int g = given ? given[order[i]] : -1;
		if (g != AL_BIND_SKIP)
			add(out, (struct al_mount_op){.kind = AL_MOUNT_ATTACH,
						      .source = b->host,
						      .target = b->inside,
						      .opts = follow | (g >= 0 ? AL_MOUNT_F_GIVEN : 0),
						      .bind = (int)order[i]});
	}
	for (size_t i = 0; i < p->nbinds; i++) {
		const struct al_bind *b = &p->binds[order[i]];
		if ((!given || given[order[i]] == -1) && strcmp(b->host, b->inside) == 0)
			add(out, (struct al_mount_op){.kind = AL_MOUNT_LINK_BIND,
						      .source = b->host,
						      .target = b->inside,
						      .opts = follow,
						      .bind = (int)order[i]});
	}
	add(out, (struct al_mount_op){.kind = AL_MOUNT_REMOUNT,
				      .target = "/",
				      .flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
				      .bind = -1});
	add(out, (struct al_mount_op){.kind = AL_MOUNT_PIVOT, .target = p->workdir, .bind = -1});
	if (out->n > AL_MAX_MOUNT_OPS)
		return al_error_set(err, E2BIG, "more than %d mount operations", AL_MAX_MOUNT_OPS);
	return 0;
}

const char *al_mount_op_describe(const struct al_mount_op *op, char *buf, size_t len)
{
	const char *rw = (op->attr & MOUNT_ATTR_RDONLY) ? "ro" : "rw";

	switch (op->kind) {
	case AL_MOUNT_PRIVATE:
		snprintf(buf, len, "private %s", op->target);
		break;
	case AL_MOUNT_KEEP_HOST_ROOT:
		snprintf(buf, len, "keep the host's root, chdir %s", op->target);
		break;
	case AL_MOUNT_OPEN_BIND:
		snprintf(buf, len, "open %s %s%s%s", rw, op->source,
			 (op->opts & AL_MOUNT_F_OPTIONAL) ? " (optional)" : "",
			 (op->opts & AL_MOUNT_F_PROTECT) ? " (protected)" : "");
		break;
	case AL_MOUNT_ROOT:
		snprintf(buf, len, "root tmpfs %s", op->data);
		break;
	case AL_MOUNT_PROC:
		snprintf(buf, len, "proc %s", op->target);
		break;
	case AL_MOUNT_HOST_TREE:
		snprintf(buf, len, "host %s %s", rw, op->target);
		break;
	case AL_MOUNT_TMPFS:
		snprintf(buf, len, "tmpfs %s mode=%s size=%llu", op->target, op->mode,
			 (unsigned long long)op->size);
		break;
	case AL_MOUNT_SYMLINK:
		snprintf(buf, len, "symlink %s -> %s", op->target, op->source);
		break;
	case AL_MOUNT_REMOUNT:
		snprintf(buf, len, "remount %s%s", op->target, (op->flags & MS_RDONLY) ? " read-only" : "");
		break;
	case AL_MOUNT_MASK:
		snprintf(buf, len, "mask %s with %s", op->target, op->source);
		break;
	case AL_MOUNT_ATTACH:
		snprintf(buf, len, "bind %s at %s%s", op->source, op->target,
			 (op->opts & AL_MOUNT_F_GIVEN) ? " (the supervisor's tree)" : "");
		break;
	case AL_MOUNT_LINK_BIND:
		snprintf(buf, len, "link %s if a symlink", op->target);
		break;
	case AL_MOUNT_PIVOT:
		snprintf(buf, len, "pivot_root, chdir %s", op->target);
		break;
	default:
		snprintf(buf, len, "mount operation %d", (int)op->kind);
	}
	return buf;
}
