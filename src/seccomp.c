#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"


/* Denied with EPERM: debugging other processes, changing the file system
 * view, namespaces, and kernel subsystems that have been the way in for
 * many privilege escalations. */
static const char *const denied[] = {
	"ptrace", "process_vm_readv", "process_vm_writev",
	"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
	"fsconfig", "fsmount", "fspick", "mount_setattr",
	"unshare", "setns",
	"bpf", "userfaultfd", "perf_event_open",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"keyctl", "add_key", "request_key",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"open_by_handle_at", "name_to_handle_at",
	"acct", "swapon", "swapoff", "reboot", "syslog", "quotactl", "lookup_dcookie",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "vhangup",
	"iopl", "ioperm", "uselib", "nfsservctl", "fanotify_init",
};

/* CLONE_NEWTIME is absent: clone(2) cannot take it (its bit is part of the
 * exit signal there); unshare and clone3, which can, are refused whole. */
static const unsigned long ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
	CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};

static int build(scmp_filter_ctx ctx, struct al_error *err)
{
	int r;

	/* Foreign ABIs (i386 int 0x80, x32) kill the process: the filter only
	 * knows the native table, and a syscall through another one would slip
	 * past it. libseccomp checks the audit arch and, for x86_64, the x32 bit. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0)
		return al_error_set(err, -r, "seccomp: bad-arch action");
	for (size_t i = 0; i < ARRAY_SIZE(denied); i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0)) < 0)
			return al_error_set(err, -r, "seccomp: deny %s", denied[i]);
	}
	/* clone: refuse any namespace flag. clone3 passes its flags in memory
	 * the filter cannot read, so it is refused as unimplemented and libc
	 * falls back to clone. */
	for (size_t i = 0; i < ARRAY_SIZE(ns_flags); i++)
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
					  SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]))) < 0)
			return al_error_set(err, -r, "seccomp: clone flags");
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0)
		return al_error_set(err, -r, "seccomp: clone3");
	/* vsock is not confined by the network namespace: in a virtual machine
	 * it reaches the hypervisor's host. */
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
				  SCMP_A0(SCMP_CMP_EQ, AF_VSOCK))) < 0)
		return al_error_set(err, -r, "seccomp: socket");
	/* Terminal injection: the kernel compares the request as 32 bits. */
	static const unsigned long ioctls[] = { TIOCSTI, TIOCLINUX };
	for (size_t i = 0; i < ARRAY_SIZE(ioctls); i++)
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
					  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, ioctls[i]))) < 0)
			return al_error_set(err, -r, "seccomp: ioctl");
	return 0;
}

int al_seccomp_compile(struct al_filter *f, struct al_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	cleanup_close int mfd = -1;
	struct stat st;
	int r = -1;

	memset(f, 0, sizeof(*f));
	if (!ctx)
		return al_error_set(err, ENOMEM, "seccomp_init");
	if (build(ctx, err) < 0)
		goto out;
	/* libseccomp 2.5 exports BPF only to an fd: use a memfd, read it back. */
	mfd = memfd_create("airlock-bpf", MFD_CLOEXEC);
	if (mfd < 0) {
		al_error_set(err, errno, "memfd");
		goto out;
	}
	if ((r = seccomp_export_bpf(ctx, mfd)) < 0) {
		al_error_set(err, -r, "seccomp export");
		r = -1;
		goto out;
	}
	r = -1;
	if (fstat(mfd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter)) {
		al_error_set(err, EINVAL, "seccomp export size");
		goto out;
	}
	f->insns = malloc((size_t)st.st_size);
	if (!f->insns || pread(mfd, f->insns, (size_t)st.st_size, 0) != st.st_size) {
		al_error_set(err, errno ? errno : EIO, "seccomp read back");
		free(f->insns);
		f->insns = NULL;
		goto out;
	}
	f->len = (size_t)st.st_size / sizeof(struct sock_filter);
	r = 0;
out:
	seccomp_release(ctx);
	return r;
}

void al_seccomp_free(struct al_filter *f)
{
	free(f->insns);
	f->insns = NULL;
	f->len = 0;
}

int al_seccomp_load(const struct al_filter *f, struct al_error *err)
{
	struct sock_fprog prog = { .len = (unsigned short)f->len, .filter = f->insns };

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return al_error_set(err, errno, "load seccomp filter");
	return 0;
}
