/* The seccomp filter, compiled by libseccomp and run: each check forks a
 * child that loads the filter and makes one call. */
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp.h"
#include "unit.h"

static struct al_filter filter;

enum { ALLOWED = 100, EPERM_SEEN, ENOSYS_SEEN, OTHER };

/* Run fn under the filter; returns its exit code, or -signal. */
static int under_filter(long (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		struct al_error err;
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (al_seccomp_load(&filter, &err) < 0)
			_exit(OTHER + 1);
		long r = fn();
		_exit(r >= 0 ? ALLOWED : errno == EPERM ? EPERM_SEEN : errno == ENOSYS ? ENOSYS_SEEN : OTHER);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static long do_getpid(void) { return syscall(SYS_getpid); }
static long do_ptrace(void) { return syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0); }
static long do_unshare(void) { return syscall(SYS_unshare, CLONE_NEWUSER); }
static long do_mount(void) { return syscall(SYS_mount, "none", "/", "tmpfs", 0, 0); }
static long do_bpf(void) { return syscall(SYS_bpf, 0, 0, 0); }
static long do_keyctl(void) { return syscall(SYS_keyctl, 0, 0, 0); }
static long do_uring(void) { return syscall(425 /* io_uring_setup */, 1, 0); }
static long do_ufd(void) { return syscall(SYS_userfaultfd, 0); }
static long do_tiocsti(void) { return syscall(SYS_ioctl, 0, TIOCSTI, "x"); }
/* The kernel takes ioctl's request as 32 bits: high bits must not dodge the rule. */
static long do_tiocsti_high(void) { return syscall(SYS_ioctl, 0, 0xdead00000000ul | TIOCSTI, "x"); }
static long do_tioclinux(void) { return syscall(SYS_ioctl, 0, TIOCLINUX, "x"); }
static long do_fionread(void)
{
	int n;
	return syscall(SYS_ioctl, 0, FIONREAD, &n) < 0 && errno == EPERM ? -1 : 0;
}
static long do_clone_ns(void)
{
	long r = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	return r;
}
static long do_clone_plain(void)
{
	long r = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	return r;
}
static long do_clone3(void)
{
	struct clone_args a = { .exit_signal = SIGCHLD };
	long r = syscall(SYS_clone3, &a, sizeof(a));
	if (r == 0)
		_exit(0);
	return r;
}
/* x32 ABI: the same audit arch as x86_64, syscall number with bit 30 set. */
static long do_x32(void) { return syscall(0x40000000 | SYS_getpid); }
static long do_int80(void)
{
	long r;
	/* i386 getpid (20) through the 32-bit entry. */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
	return r;
}

int main(void)
{
	struct al_error err = { 0 };

	CHECK("filter compiles", al_seccomp_compile(&filter, &err) == 0 && filter.len > 10);
	CHECK("getpid allowed", under_filter(do_getpid) == ALLOWED);
	CHECK("plain clone (fork) allowed", under_filter(do_clone_plain) == ALLOWED);
	CHECK("ordinary ioctl allowed", under_filter(do_fionread) != EPERM_SEEN);
	CHECK("ptrace denied", under_filter(do_ptrace) == EPERM_SEEN);
	CHECK("unshare denied", under_filter(do_unshare) == EPERM_SEEN);
	CHECK("mount denied", under_filter(do_mount) == EPERM_SEEN);
	CHECK("bpf denied", under_filter(do_bpf) == EPERM_SEEN);
	CHECK("keyctl denied", under_filter(do_keyctl) == EPERM_SEEN);
	CHECK("io_uring_setup denied", under_filter(do_uring) == EPERM_SEEN);
	CHECK("userfaultfd denied", under_filter(do_ufd) == EPERM_SEEN);
	CHECK("clone with a namespace flag denied", under_filter(do_clone_ns) == EPERM_SEEN);
	CHECK("clone3 unavailable", under_filter(do_clone3) == ENOSYS_SEEN);
	CHECK("TIOCSTI denied", under_filter(do_tiocsti) == EPERM_SEEN);
	CHECK("TIOCSTI with high bits denied", under_filter(do_tiocsti_high) == EPERM_SEEN);
	CHECK("TIOCLINUX denied", under_filter(do_tioclinux) == EPERM_SEEN);
	CHECK("x32 syscall kills", under_filter(do_x32) == -SIGSYS);
	CHECK("i386 int 0x80 kills", under_filter(do_int80) == -SIGSYS);
	al_seccomp_free(&filter);
	return unit_failures != 0;
}
