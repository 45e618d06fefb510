#include "policy.h"

#include <errno.h>
#include <linux/netlink.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "util.h"

/* The built-in deny-list, in every mode: debugging other processes, changing
 * the file system view, namespaces, and kernel subsystems that have been the
 * way in for many privilege escalations. Numbers are resolved at compile
 * time (SCMP_SYS gives a negative pseudo-number for a call this architecture
 * lacks; such rules are skipped). */
#define DENY(name)                                                                                           \
	{                                                                                                    \
		.nr = SCMP_SYS(name)                                                                         \
	}
#define DENY_IF(name, i, m, v)                                                                               \
	{                                                                                                    \
		.nr = SCMP_SYS(name), .ncond = 1, .cond = {                                                  \
			{.index = i, .op = AL_OP_MASKED_EQ, .mask = m, .value = v}                           \
		}                                                                                            \
	}
/* A call whose mode argument i carries the set-uid or set-gid bit. */
#define DENY_SETID(nr_, i)                                                                                   \
	{.nr = nr_,                                                                                          \
	 .group = AL_SC_GROUP_SETID,                                                                         \
	 .ncond = 1,                                                                                         \
	 .cond = {{.index = i, .op = AL_OP_MASKED_EQ, .mask = S_ISUID, .value = S_ISUID}}},                  \
	{                                                                                                    \
		.nr = nr_, .group = AL_SC_GROUP_SETID, .ncond = 1, .cond = {                                 \
			{.index = i, .op = AL_OP_MASKED_EQ, .mask = S_ISGID, .value = S_ISGID}               \
		}                                                                                            \
	}
/* personality(flag). The query, personality(0xffffffff), has every bit set
 * and changes nothing: the supervisor lets it run (al_policy_decide), as
 * libseccomp cannot test one argument twice in a rule. */
#define DENY_PERSONA(flag)                                                                                   \
	{                                                                                                    \
		.nr = SCMP_SYS(personality), .group = AL_SC_GROUP_PERSONALITY, .ncond = 1, .cond = {         \
			{.index = 0, .op = AL_OP_MASKED_EQ, .mask = flag, .value = flag}                     \
		}                                                                                            \
	}

/* Newer than Debian 12's headers and libseccomp's tables (x86_64 numbers). */
#define NR_OPENAT2 437
#define NR_MEMFD_SECRET 447
#define NR_FCHMODAT2 452
#define NR_SETXATTRAT 463
#define NR_OPEN_TREE_ATTR 467
#define NETLINK_KOBJECT_UEVENT_ 15

static const struct al_sc_rule builtin_rules[] = {
    DENY(ptrace),
    DENY(process_vm_readv),
    DENY(process_vm_writev),
    DENY(mount),
    DENY(umount2),
    DENY(pivot_root),
    DENY(chroot),
    DENY(move_mount),
    DENY(open_tree),
    DENY(fsopen),
    DENY(fsconfig),
    DENY(fsmount),
    DENY(fspick),
    DENY(mount_setattr),
    {.nr = NR_OPEN_TREE_ATTR},
    DENY(unshare),
    DENY(setns),
    DENY(bpf),
    DENY(userfaultfd),
    DENY(perf_event_open),
    DENY(io_uring_setup),
    DENY(io_uring_enter),
    DENY(io_uring_register),
    DENY(keyctl),
    DENY(add_key),
    DENY(request_key),
    DENY(kexec_load),
    DENY(kexec_file_load),
    DENY(init_module),
    DENY(finit_module),
    DENY(delete_module),
    DENY(open_by_handle_at),
    DENY(name_to_handle_at),
    DENY(acct),
    DENY(swapon),
    DENY(swapoff),
    DENY(reboot),
    DENY(syslog),
    DENY(quotactl),
    DENY(lookup_dcookie),
    DENY(settimeofday),
    DENY(clock_settime),
    DENY(clock_adjtime),
    DENY(adjtimex),
    DENY(vhangup),
    DENY(iopl),
    DENY(ioperm),
    DENY(uselib),
    DENY(nfsservctl),
    DENY(fanotify_init),
    /* clone: any namespace flag. CLONE_NEWTIME cannot be passed to clone(2)
     * (its bit is part of the exit signal there). */
    DENY_IF(clone, 0, CLONE_NEWNS, CLONE_NEWNS),
    DENY_IF(clone, 0, CLONE_NEWUTS, CLONE_NEWUTS),
    DENY_IF(clone, 0, CLONE_NEWIPC, CLONE_NEWIPC),
    DENY_IF(clone, 0, CLONE_NEWUSER, CLONE_NEWUSER),
    DENY_IF(clone, 0, CLONE_NEWPID, CLONE_NEWPID),
    DENY_IF(clone, 0, CLONE_NEWNET, CLONE_NEWNET),
    DENY_IF(clone, 0, CLONE_NEWCGROUP, CLONE_NEWCGROUP),
    /* clone3 passes its flags in memory the filter cannot read: answered
     * "not implemented" in the filter, and libc falls back to clone. Not a
     * violation: every thread start would report one. */
    {.nr = SCMP_SYS(clone3), .action = AL_SC_ERRNO, .errnum = ENOSYS, .quiet = true},
    /* vsock is not confined by the network namespace: in a virtual machine
     * it reaches the hypervisor's host. */
    DENY_IF(socket, 0, 0xffffffffu, AF_VSOCK),
    /* Terminal injection; the kernel takes the request as 32 bits. */
    DENY_IF(ioctl, 1, 0xffffffffu, TIOCSTI),
    DENY_IF(ioctl, 1, 0xffffffffu, TIOCLINUX),

    /* Set-id bits. A writable bind is nosuid inside, but on the host a file
     * keeps its mode: a set-uid file made here would run as the sandbox's
     * owner for whoever reaches the directory later. Every call that sets a
     * mode: chmod, creation modes, mknod of a regular file, mkdir (set-gid
     * directories hand their group on). The kernel takes modes as 32 bits
     * (umode_t); the bits are tested wherever the upper half points. */
    DENY_SETID(SCMP_SYS(chmod), 1),
    DENY_SETID(SCMP_SYS(fchmod), 1),
    DENY_SETID(SCMP_SYS(fchmodat), 2),
    DENY_SETID(NR_FCHMODAT2, 2),
    DENY_SETID(SCMP_SYS(open), 2),
    DENY_SETID(SCMP_SYS(openat), 3),
    DENY_SETID(SCMP_SYS(creat), 1),
    DENY_SETID(SCMP_SYS(mknod), 1),
    DENY_SETID(SCMP_SYS(mknodat), 2),
    DENY_SETID(SCMP_SYS(mkdir), 1),
    DENY_SETID(SCMP_SYS(mkdirat), 2),
    /* openat2 passes its mode in memory the filter cannot read: "not
     * implemented", and callers fall back to openat (as clone3 to clone). */
    {.nr = NR_OPENAT2, .group = AL_SC_GROUP_SETID, .action = AL_SC_ERRNO, .errnum = ENOSYS, .quiet = true},
    /* File capabilities: the kernel refuses them already (CAP_SETFCAP is
     * dropped); the supervisor reads the attribute's name so that the
     * attempt is reported, and lets other names through. */
    {.nr = SCMP_SYS(setxattr), .group = AL_SC_GROUP_SETID, .inspect = AL_SC_INSPECT_XATTR_NAME},
    {.nr = SCMP_SYS(lsetxattr), .group = AL_SC_GROUP_SETID, .inspect = AL_SC_INSPECT_XATTR_NAME},
    {.nr = SCMP_SYS(fsetxattr), .group = AL_SC_GROUP_SETID, .inspect = AL_SC_INSPECT_XATTR_NAME},
    {.nr = NR_SETXATTRAT, .group = AL_SC_GROUP_SETID, .action = AL_SC_ERRNO, .errnum = ENOSYS, .quiet = true},

    /* Optional hardening, lifted only by a profile that names the group. */
    {.nr = SCMP_SYS(inotify_init), .group = AL_SC_GROUP_INOTIFY},
    {.nr = SCMP_SYS(inotify_init1), .group = AL_SC_GROUP_INOTIFY},
    DENY_PERSONA(0x0040000 /* ADDR_NO_RANDOMIZE */),
    DENY_PERSONA(0x0400000 /* READ_IMPLIES_EXEC */),
    DENY_PERSONA(0x0200000 /* ADDR_COMPAT_LAYOUT */),
    DENY_PERSONA(0x0100000 /* MMAP_PAGE_ZERO */),
    DENY_PERSONA(0x0800000 /* ADDR_LIMIT_32BIT */),
    DENY_PERSONA(0x8000000 /* ADDR_LIMIT_3GB */),
    {.nr = NR_MEMFD_SECRET, .group = AL_SC_GROUP_MEMFD_SECRET},
    {.nr = SCMP_SYS(socket),
     .group = AL_SC_GROUP_UEVENT,
     .ncond = 2,
     .cond = {{.index = 0, .op = AL_OP_MASKED_EQ, .mask = 0xffffffffu, .value = AF_NETLINK},
	      {.index = 2, .op = AL_OP_MASKED_EQ, .mask = 0xffffffffu, .value = NETLINK_KOBJECT_UEVENT_}}},
};

static const char *const group_names[AL_SC_GROUP_N] = {
    [AL_SC_GROUP_INOTIFY] = "inotify",
    [AL_SC_GROUP_PERSONALITY] = "personality",
    [AL_SC_GROUP_MEMFD_SECRET] = "memfd_secret",
    [AL_SC_GROUP_UEVENT] = "netlink_uevent",
};

const char *al_policy_group_name(enum al_sc_group g)
{
	return (unsigned)g < AL_SC_GROUP_N ? group_names[g] : NULL;
}

bool al_policy_always_allows(const struct al_sc_policy *p, int nr)
{
	size_t n;
	const struct al_sc_rule *b = al_policy_builtin(&n);

	if (nr < 0 || p->mode == AL_SC_LEARN || (p->mode == AL_SC_ALLOW_LIST && !al_policy_allowed_p(p, nr)))
		return false;
	for (size_t i = 0; i < n; i++)
		if (b[i].nr == nr && al_policy_builtin_active(p, &b[i]))
			return false;
	for (size_t i = 0; i < p->ndeny; i++)
		if (p->deny[i].nr == nr)
			return false;
	return true;
}

bool al_policy_builtin_active(const struct al_sc_policy *p, const struct al_sc_rule *r)
{
	return r->nr >= 0 && !(p->relax & AL_SC_RELAX(r->group));
}

bool al_policy_foreign_abi(uint32_t arch, int nr)
{
	/* x32 shares x86_64's audit arch and marks its numbers with this bit. */
	return arch != seccomp_arch_native() || (nr & 0x40000000) != 0;
}

const struct al_sc_rule *al_policy_builtin(size_t *n)
{
	*n = ARRAY_SIZE(builtin_rules);
	return builtin_rules;
}

void al_policy_default(struct al_sc_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = AL_SC_DENY_LIST;
	p->action = AL_SC_ERRNO;
	p->errnum = EPERM;
}

bool al_policy_rule_matches(const struct al_sc_rule *r, int nr, const uint64_t args[6])
{
	if (r->nr != nr)
		return false;
	for (unsigned i = 0; i < r->ncond; i++) {
		const struct al_sc_cond *c = &r->cond[i];
		uint64_t a = args[c->index];
		bool ok;
		switch (c->op) {
		case AL_OP_EQ:
			ok = a == c->value;
			break;
		case AL_OP_NE:
			ok = a != c->value;
			break;
		case AL_OP_LT:
			ok = a < c->value;
			break;
		case AL_OP_LE:
			ok = a <= c->value;
			break;
		case AL_OP_GT:
			ok = a > c->value;
			break;
		case AL_OP_GE:
			ok = a >= c->value;
			break;
		case AL_OP_MASKED_EQ:
			ok = (a & c->mask) == c->value;
			break;
		default:
			ok = false;
		}
		if (!ok)
			return false;
	}
	return true;
}

static struct al_sc_decision rule_decision(const struct al_sc_policy *p, const struct al_sc_rule *r)
{
	struct al_sc_decision d = {.action = r->action ? (enum al_sc_action)r->action : p->action,
				   .errnum = r->errnum ? r->errnum : p->errnum,
				   .inspect = r->inspect};
	if (p->kill_on_violation && d.action != AL_SC_LOG)
		d.action = AL_SC_KILL;
	return d;
}

/* A built-in rule refuses the call whatever the profile says: a profile's
 * "log" (or a learning run's "allow") never lets it run; "kill" and
 * --on-violation kill are stronger and are kept. */
static struct al_sc_decision builtin_decision(const struct al_sc_policy *p, const struct al_sc_rule *r)
{
	struct al_sc_decision d = rule_decision(p, r);

	if (p->builtin_weak)
		return d;
	if (p->kill_on_violation)
		d.action = AL_SC_KILL;
	else if (d.action != AL_SC_KILL)
		d = (struct al_sc_decision){AL_SC_ERRNO,
					    r->errnum	? r->errnum
					    : p->errnum ? p->errnum
							: EPERM,
					    r->inspect};
	return d;
}

struct al_sc_decision al_policy_decide(const struct al_sc_policy *p, int nr, const uint64_t args[6])
{
	size_t n;
	const struct al_sc_rule *b = al_policy_builtin(&n);

	/* The kernel reads personality's argument as 32 bits; all ones is the query. */
	bool persona_query = nr == SCMP_SYS(personality) && (uint32_t)args[0] == 0xffffffffu;
	for (size_t i = 0; i < n; i++)
		if (al_policy_builtin_active(p, &b[i]) && al_policy_rule_matches(&b[i], nr, args) &&
		    !(persona_query && b[i].group == AL_SC_GROUP_PERSONALITY)) {
			if (b[i].quiet)
				return (struct al_sc_decision){AL_SC_ERRNO, b[i].errnum, 0};
			return builtin_decision(p, &b[i]);
		}
	for (size_t i = 0; i < p->ndeny; i++)
		if (al_policy_rule_matches(&p->deny[i], nr, args))
			return rule_decision(p, &p->deny[i]);
	if (p->mode == AL_SC_ALLOW_LIST && !al_policy_allowed_p(p, nr)) {
		struct al_sc_rule unlisted = {.nr = nr};
		return rule_decision(p, &unlisted);
	}
	return (struct al_sc_decision){AL_SC_ALLOW, 0, 0};
}

const char *al_policy_name(int nr, char *buf, size_t len)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

	if (name) {
		snprintf(buf, len, "%s", name);
		free(name);
	} else {
		snprintf(buf, len, "syscall_%d", nr);
	}
	return buf;
}

int al_policy_nr(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	return nr == __NR_SCMP_ERROR || nr < 0 ? -1 : nr;
}

static const struct {
	const char *name;
	int value;
} errnos[] = {
    {"EPERM", EPERM},		{"EACCES", EACCES}, {"ENOSYS", ENOSYS},
    {"EINVAL", EINVAL},		{"ENOENT", ENOENT}, {"EAFNOSUPPORT", EAFNOSUPPORT},
    {"EOPNOTSUPP", EOPNOTSUPP}, {"EROFS", EROFS},   {"ENOTTY", ENOTTY},
    {"EAGAIN", EAGAIN},		{"ENOMEM", ENOMEM}, {"EIO", EIO},
    {"EBADF", EBADF},		{"ENXIO", ENXIO},   {"ENOTSUP", ENOTSUP},
};

int al_policy_errno(const char *s)
{
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++)
		if (strcmp(errnos[i].name, s) == 0)
			return errnos[i].value;
	if (al_parse_uint(s, 1, 4095, &v, NULL) == 0)
		return (int)v;
	return -1;
}

const char *al_policy_action_name(enum al_sc_action a)
{
	static const char *const names[] = {"allow", "errno", "kill", "log"};
	return a <= AL_SC_LOG ? names[a] : "?";
}

void al_policy_summarize(int nr, const uint64_t a[6], char *buf, size_t len)
{
	if (nr == SCMP_SYS(clone))
		snprintf(buf, len, "flags=0x%llx", (unsigned long long)a[0]);
	else if (nr == SCMP_SYS(unshare))
		snprintf(buf, len, "flags=0x%llx", (unsigned long long)a[0]);
	else if (nr == SCMP_SYS(socket))
		snprintf(buf, len, "family=%llu type=%llu", (unsigned long long)a[0],
			 (unsigned long long)a[1]);
	else if (nr == SCMP_SYS(ioctl))
		snprintf(buf, len, "fd=%lld request=0x%llx", (long long)a[0],
			 (unsigned long long)(a[1] & 0xffffffffu));
	else if (nr == SCMP_SYS(ptrace))
		snprintf(buf, len, "request=%llu pid=%lld", (unsigned long long)a[0], (long long)a[1]);
	else if (nr == SCMP_SYS(mount))
		snprintf(buf, len, "flags=0x%llx", (unsigned long long)a[3]);
	else
		snprintf(buf, len, "0x%llx, 0x%llx, 0x%llx", (unsigned long long)a[0],
			 (unsigned long long)a[1], (unsigned long long)a[2]);
}
