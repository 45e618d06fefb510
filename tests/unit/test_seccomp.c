/* The policy compiler against the filter it produces: each check forks a
 * child that loads the compiled filter, hands us its listener, and makes one
 * call; we answer notifications with the same code the supervisor uses. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notify.h"
#include "policy.h"
#include "seccomp.h"
#include "unit.h"
#include "util.h"

static struct al_filter filter;
static struct al_sc_policy policy;
static struct al_violations seen;

enum { ALLOWED = 100, EPERM_SEEN, ENOSYS_SEEN, EACCES_SEEN, OTHER };

/* Run fn under the filter; returns its exit code, or -signal. The child
 * announces its listener's fd number before loading, as airlock's command
 * does, and we take it with pidfd_getfd: no call of the child's needs to pass
 * the filter before we listen (in learn mode, every call does). */
static int under_filter(long (*fn)(void))
{
	int pp[2];
	memset(&seen, 0, sizeof(seen));
	if (pipe2(pp, O_CLOEXEC) < 0)
		return -1000;
	pid_t pid = fork();
	if (pid == 0) {
		struct al_error err;
		int next = fcntl(0, F_DUPFD, 0);
		close(next);
		(void)!write(pp[1], &next, sizeof(next));
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (al_seccomp_load(&filter, &err) < 0)
			_exit(OTHER + 1);
		long r = fn();
		_exit(r >= 0		? ALLOWED
		      : errno == EPERM	? EPERM_SEEN
		      : errno == ENOSYS ? ENOSYS_SEEN
		      : errno == EACCES ? EACCES_SEEN
					: OTHER);
	}
	close(pp[1]);
	int fd = -1, status;
	struct al_notify n = {.fd = -1};
	struct al_error err;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), got = -1;
	/* The library takes the listener once per try and retries on a timer
	 * of the caller's loop; here, a plain loop of tries. */
	if (read(pp[0], &fd, sizeof(fd)) == sizeof(fd))
		for (int i = 0; i < 20000 && (got = al_notify_acquire(&n, pidfd, fd, &err)) < 0 && err.errnum == EBADF;
		     i++)
			usleep(50);
	close(pidfd);
	if (got == 0) {
		for (;;) {
			struct pollfd p = {.fd = n.fd, .events = POLLIN};
			if (waitpid(pid, &status, WNOHANG) == pid)
				goto done;
			if (poll(&p, 1, 10) > 0 && (p.revents & POLLIN) &&
			    al_notify_handle(&n, &policy, &seen, NULL) == 1)
				kill(pid, SIGKILL);
		}
	}
	waitpid(pid, &status, 0);
done:
	close(pp[0]);
	al_notify_close(&n);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static int compile(void)
{
	struct al_error err = {0};
	al_seccomp_free(&filter);
	memset(&seen, 0, sizeof(seen));
	if (al_seccomp_compile(&policy, &filter, &err) < 0) {
		printf("# compile: %s\n", err.msg);
		return 0;
	}
	return 1;
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
static long do_vsock(void) { return syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0); }
static long do_netlink(void) { return syscall(SYS_socket, 16 /* AF_NETLINK */, SOCK_RAW, 0); }
static long do_unix(void) { return syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0); }
static long do_uname(void)
{
	char buf[512];
	return syscall(SYS_uname, buf);
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
	struct clone_args a = {.exit_signal = SIGCHLD};
	long r = syscall(SYS_clone3, &a, sizeof(a));
	if (r == 0)
		_exit(0);
	return r;
}
static char scratch[64];
static long do_chmod_suid(void) { return syscall(SYS_chmod, scratch, 04755); }
static long do_chmod_sgid(void) { return syscall(SYS_chmod, scratch, 02755); }
static long do_chmod_plain(void) { return syscall(SYS_chmod, scratch, 0755); }
static long do_fchmod_suid(void)
{
	int fd = open(scratch, O_RDONLY | O_CLOEXEC);
	return syscall(SYS_fchmod, fd, 04755);
}
static long do_open_suid(void) { return syscall(SYS_open, scratch, O_CREAT | O_WRONLY, 04755); }
static long do_open_plain(void) { return syscall(SYS_open, scratch, O_CREAT | O_WRONLY, 0644); }
static long do_mknod_suid(void) { return syscall(SYS_mknod, "/nonexistent/x", 0100000 | 04755, 0); }
static long do_fchmodat2_suid(void) { return syscall(452, AT_FDCWD, scratch, 04755, 0); }
static long do_openat2(void)
{
	uint64_t how[3] = {O_RDONLY, 0, 0};
	return syscall(437, AT_FDCWD, scratch, how, sizeof(how));
}
static long do_xattr_user(void) { return syscall(SYS_setxattr, scratch, "user.airlock", "1", 1, 0); }
static long do_xattr_cap(void)
{
	char cap[20] = {0, 0, 0, 2}; /* VFS_CAP_REVISION_2 */
	return syscall(SYS_setxattr, scratch, "security.capability", cap, sizeof(cap), 0);
}
static long do_inotify(void) { return syscall(SYS_inotify_init1, 0); }
static long do_persona_query(void) { return syscall(SYS_personality, 0xffffffffUL); }
static long do_persona_linux(void) { return syscall(SYS_personality, 0UL); }
static long do_persona_norandom(void) { return syscall(SYS_personality, 0x0040000UL); }
static long do_persona_rie(void) { return syscall(SYS_personality, 0xf00000000UL | 0x0400000UL); }
static long do_memfd_secret(void) { return syscall(447, 0); }
static long do_uevent(void) { return syscall(SYS_socket, 16 /* AF_NETLINK */, SOCK_DGRAM, 15); }
/* x32 ABI: the same audit arch as x86_64, syscall number with bit 30 set. */
static long do_x32(void) { return syscall(0x40000000 | SYS_getpid); }
/* The filter's verdict for one call, by interpreting its classic BPF here:
 * kernel-independent proof of what the filter does with inputs the kernel
 * may never deliver (a kernel built without i386 emulation faults on
 * int 0x80 before seccomp sees it). Only the instructions libseccomp emits. */
static uint32_t bpf_verdict(const struct al_filter *f, uint32_t arch, int nr, uint64_t arg0)
{
	struct seccomp_data d = {.nr = nr, .arch = arch, .args = {arg0}};
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};

	for (size_t pc = 0; pc < f->len; pc++) {
		const struct sock_filter *i = &f->insns[pc];
		uint32_t k = i->k, src = BPF_SRC(i->code) == BPF_X ? x : k;
		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
			if (BPF_MODE(i->code) == BPF_ABS && k + 4 <= sizeof(d))
				memcpy(&a, (const char *)&d + k, 4);
			else if (BPF_MODE(i->code) == BPF_IMM)
				a = k;
			else if (BPF_MODE(i->code) == BPF_MEM && k < BPF_MEMWORDS)
				a = mem[k];
			else
				return 0xdead;
			break;
		case BPF_LDX:
			x = BPF_MODE(i->code) == BPF_MEM && k < BPF_MEMWORDS ? mem[k] : k;
			break;
		case BPF_ST:
			if (k < BPF_MEMWORDS)
				mem[k] = a;
			break;
		case BPF_STX:
			if (k < BPF_MEMWORDS)
				mem[k] = x;
			break;
		case BPF_ALU:
			switch (BPF_OP(i->code)) {
			case BPF_ADD:
				a += src;
				break;
			case BPF_SUB:
				a -= src;
				break;
			case BPF_AND:
				a &= src;
				break;
			case BPF_OR:
				a |= src;
				break;
			case BPF_XOR:
				a ^= src;
				break;
			case BPF_LSH:
				a <<= (src & 31);
				break;
			case BPF_RSH:
				a >>= (src & 31);
				break;
			case BPF_NEG:
				a = -a;
				break;
			default:
				return 0xdead;
			}
			break;
		case BPF_JMP: {
			bool t;
			switch (BPF_OP(i->code)) {
			case BPF_JA:
				pc += k;
				continue;
			case BPF_JEQ:
				t = a == src;
				break;
			case BPF_JGT:
				t = a > src;
				break;
			case BPF_JGE:
				t = a >= src;
				break;
			case BPF_JSET:
				t = (a & src) != 0;
				break;
			default:
				return 0xdead;
			}
			pc += t ? i->jt : i->jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(i->code) == BPF_A ? a : k;
		case BPF_MISC:
			if (BPF_MISCOP(i->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return 0xdead; /* fell off the end: not a valid filter */
}

static long do_int80(void)
{
	long r;
	/* i386 getpid (20) through the 32-bit entry. */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
	return r;
}

/* Does int 0x80 reach the system call table at all? Without i386
 * emulation the kernel answers it with SIGSEGV. */
static bool kernel_has_ia32(void)
{
	int status;
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL); /* the sanitizer's handler would report it */
		_exit(do_int80() > 0 ? 0 : 1);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int reported(const char *name, enum al_sc_action a)
{
	for (size_t i = 0; i < seen.n; i++)
		if (strcmp(seen.v[i].syscall, name) == 0 && seen.v[i].action == a && seen.v[i].count >= 1)
			return 1;
	return 0;
}

int main(void)
{
	/* A file of our own for the mode calls (a tmpfs or the build dir). */
	snprintf(scratch, sizeof(scratch), "/tmp/airlock-seccomp-test.%d", (int)getpid());
	close(open(scratch, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	al_policy_default(&policy);
	CHECK("default policy compiles", compile() && filter.len > 10);
	CHECK("getpid allowed", under_filter(do_getpid) == ALLOWED);
	CHECK("plain clone (fork) allowed", under_filter(do_clone_plain) == ALLOWED);
	CHECK("ordinary ioctl allowed", under_filter(do_fionread) != EPERM_SEEN);
	CHECK("unix socket allowed", under_filter(do_unix) == ALLOWED);
	CHECK("ptrace denied", under_filter(do_ptrace) == EPERM_SEEN);
	CHECK("ptrace reported", reported("ptrace", AL_SC_ERRNO) && seen.v[0].args[0]);
	CHECK("unshare denied", under_filter(do_unshare) == EPERM_SEEN);
	CHECK("mount denied", under_filter(do_mount) == EPERM_SEEN);
	CHECK("bpf denied", under_filter(do_bpf) == EPERM_SEEN);
	CHECK("keyctl denied", under_filter(do_keyctl) == EPERM_SEEN);
	CHECK("io_uring_setup denied", under_filter(do_uring) == EPERM_SEEN);
	CHECK("userfaultfd denied", under_filter(do_ufd) == EPERM_SEEN);
	CHECK("clone with a namespace flag denied", under_filter(do_clone_ns) == EPERM_SEEN);
	CHECK("clone reported with its flags",
	      reported("clone", AL_SC_ERRNO) && strstr(seen.v[0].args, "0x4000"));
	CHECK("clone3 unavailable, not reported", under_filter(do_clone3) == ENOSYS_SEEN && seen.n == 0);
	CHECK("TIOCSTI denied", under_filter(do_tiocsti) == EPERM_SEEN);
	CHECK("TIOCSTI with high bits denied", under_filter(do_tiocsti_high) == EPERM_SEEN);
	CHECK("TIOCLINUX denied", under_filter(do_tioclinux) == EPERM_SEEN);
	CHECK("vsock socket denied", under_filter(do_vsock) == EPERM_SEEN);
	CHECK("x32 syscall ends the sandbox", under_filter(do_x32) == -SIGKILL);
	CHECK("x32 syscall reported as a kill",
	      seen.n == 1 && strncmp(seen.v[0].syscall, "x32:", 4) == 0 && seen.v[0].action == AL_SC_KILL);
	CHECK("foreign ABIs recognised", al_policy_foreign_abi(AUDIT_ARCH_I386, 20) &&
					     al_policy_foreign_abi(AUDIT_ARCH_X86_64, 0x40000000 | 39) &&
					     !al_policy_foreign_abi(AUDIT_ARCH_X86_64, 39));
	/* The foreign ABIs, as the filter decides them (kernel-independent). */
	CHECK("interpreter agrees: native getpid allowed",
	      bpf_verdict(&filter, AUDIT_ARCH_X86_64, SYS_getpid, 0) == SECCOMP_RET_ALLOW);
	CHECK("interpreter agrees: native ptrace goes to the supervisor",
	      (bpf_verdict(&filter, AUDIT_ARCH_X86_64, SYS_ptrace, 0) & SECCOMP_RET_ACTION_FULL) ==
		  SECCOMP_RET_USER_NOTIF);
	CHECK("i386 ABI goes to the supervisor (i386 getpid, 20)",
	      (bpf_verdict(&filter, AUDIT_ARCH_I386, 20, 0) & SECCOMP_RET_ACTION_FULL) ==
		  SECCOMP_RET_USER_NOTIF);
	CHECK("i386 ABI goes to the supervisor (i386 unshare, 310)",
	      (bpf_verdict(&filter, AUDIT_ARCH_I386, 310, CLONE_NEWUSER) & SECCOMP_RET_ACTION_FULL) ==
		  SECCOMP_RET_USER_NOTIF);
	CHECK("x32 ABI goes to the supervisor (x32 getpid)",
	      (bpf_verdict(&filter, AUDIT_ARCH_X86_64, 0x40000000 | SYS_getpid, 0) &
	       SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF);
	CHECK("an unknown architecture goes to the supervisor",
	      (bpf_verdict(&filter, AUDIT_ARCH_AARCH64, SYS_getpid, 0) & SECCOMP_RET_ACTION_FULL) ==
		  SECCOMP_RET_USER_NOTIF);
	/* And through the kernel, where it still has the i386 entry. */
	if (kernel_has_ia32())
		CHECK("i386 int 0x80 ends the sandbox", under_filter(do_int80) == -SIGKILL);
	else
		printf("# i386 int 0x80 through the kernel: this kernel has no i386 entry (int 0x80 faults); "
		       "proved by interpretation above\n");

	/* Set-id bits, file capabilities, and the optional hardening groups. */
	CHECK("chmod u+s denied",
	      under_filter(do_chmod_suid) == EPERM_SEEN && reported("chmod", AL_SC_ERRNO));
	CHECK("chmod g+s denied", under_filter(do_chmod_sgid) == EPERM_SEEN);
	CHECK("fchmod u+s denied", under_filter(do_fchmod_suid) == EPERM_SEEN);
	CHECK("plain chmod allowed", under_filter(do_chmod_plain) == ALLOWED);
	CHECK("open(O_CREAT, 04755) denied", under_filter(do_open_suid) == EPERM_SEEN);
	CHECK("open(O_CREAT, 0644) allowed", under_filter(do_open_plain) == ALLOWED);
	CHECK("mknod of a set-uid regular file denied", under_filter(do_mknod_suid) == EPERM_SEEN);
	CHECK("fchmodat2 with set-uid denied", under_filter(do_fchmodat2_suid) == EPERM_SEEN);
	CHECK("openat2 unavailable, not reported", under_filter(do_openat2) == ENOSYS_SEEN && seen.n == 0);
	CHECK("setxattr user.* allowed", under_filter(do_xattr_user) == ALLOWED);
	CHECK("setxattr security.capability denied and reported",
	      under_filter(do_xattr_cap) == EPERM_SEEN && reported("setxattr", AL_SC_ERRNO));
	CHECK("inotify denied",
	      under_filter(do_inotify) == EPERM_SEEN && reported("inotify_init1", AL_SC_ERRNO));
	CHECK("personality query allowed", under_filter(do_persona_query) == ALLOWED);
	CHECK("personality(PER_LINUX) allowed", under_filter(do_persona_linux) == ALLOWED);
	CHECK("personality(ADDR_NO_RANDOMIZE) denied", under_filter(do_persona_norandom) == EPERM_SEEN);
	CHECK("personality(READ_IMPLIES_EXEC) with high bits denied",
	      under_filter(do_persona_rie) == EPERM_SEEN);
	CHECK("memfd_secret denied", under_filter(do_memfd_secret) == EPERM_SEEN);
	CHECK("NETLINK_KOBJECT_UEVENT socket denied", under_filter(do_uevent) == EPERM_SEEN);
	CHECK("NETLINK_ROUTE socket allowed", under_filter(do_netlink) == ALLOWED);
	policy.relax = AL_SC_RELAX(AL_SC_GROUP_INOTIFY);
	CHECK("a lifted group compiles", compile());
	CHECK("relax inotify: inotify allowed", under_filter(do_inotify) == ALLOWED);
	CHECK("relax inotify: personality still denied", under_filter(do_persona_norandom) == EPERM_SEEN);
	CHECK("relax inotify: ptrace still denied", under_filter(do_ptrace) == EPERM_SEEN);
	policy.relax = 0;

	/* No profile action weakens a built-in rule (class 8 of issue 11). */
	{
		static const enum al_sc_action actions[] = {AL_SC_ALLOW, AL_SC_ERRNO, AL_SC_KILL, AL_SC_LOG};
		uint64_t newuser[6] = {CLONE_NEWUSER};
		for (size_t i = 0; i < 4; i++) {
			for (int kill = 0; kill < 2; kill++) {
				char name[128];
				al_policy_default(&policy);
				policy.action = actions[i];
				policy.kill_on_violation = kill;
				struct al_sc_decision d = al_policy_decide(&policy, SYS_unshare, newuser);
				snprintf(name, sizeof(name),
					 "profile action %s%s: unshare(CLONE_NEWUSER) still refused",
					 al_policy_action_name(actions[i]),
					 kill ? " + kill on violation" : "");
				CHECK(name, d.action == AL_SC_ERRNO || d.action == AL_SC_KILL);
				snprintf(name, sizeof(name), "profile action %s%s: kill stays kill",
					 al_policy_action_name(actions[i]),
					 kill ? " + kill on violation" : "");
				CHECK(name, (actions[i] == AL_SC_KILL || kill) == (d.action == AL_SC_KILL));
			}
		}
		al_policy_default(&policy);
		policy.action = AL_SC_LOG;
		CHECK("log profile compiles", compile());
		CHECK("log profile: unshare still fails", under_filter(do_unshare) == EPERM_SEEN);
		CHECK("log profile: io_uring still fails", under_filter(do_uring) == EPERM_SEEN);
		CHECK("log profile: vsock still fails", under_filter(do_vsock) == EPERM_SEEN);
		policy.builtin_weak = true;
		CHECK("test control (builtin_weak): log lets unshare's decision through",
		      al_policy_decide(&policy, SYS_unshare, newuser).action == AL_SC_LOG);
	}

	/* A profile's own rules: socket(AF_NETLINK) with a chosen errno; uname logged. */
	al_policy_default(&policy);
	policy.deny[policy.ndeny++] =
	    (struct al_sc_rule){.nr = SYS_socket,
				.action = AL_SC_ERRNO,
				.errnum = EACCES,
				.ncond = 1,
				.cond = {{.index = 0, .op = AL_OP_EQ, .value = 16}}};
	policy.deny[policy.ndeny++] = (struct al_sc_rule){.nr = SYS_uname, .action = AL_SC_LOG};
	CHECK("profile rules compile", compile());
	CHECK("argument condition: netlink denied with EACCES", under_filter(do_netlink) == EACCES_SEEN);
	CHECK("argument condition: unix socket still allowed", under_filter(do_unix) == ALLOWED);
	CHECK("log action lets the call through",
	      under_filter(do_uname) == ALLOWED && reported("uname", AL_SC_LOG));
	CHECK("built-in list still applies", under_filter(do_ptrace) == EPERM_SEEN);

	/* Kill on violation. */
	policy.kill_on_violation = true;
	CHECK("kill policy compiles", compile());
	CHECK("a violation kills", under_filter(do_ptrace) == -SIGKILL && reported("ptrace", AL_SC_KILL));
	CHECK("kill policy: a user.* setxattr is no violation",
	      under_filter(do_xattr_user) == ALLOWED && seen.n == 0);
	CHECK("kill policy: security.capability kills", under_filter(do_xattr_cap) == -SIGKILL);
	CHECK("decision says kill",
	      al_policy_decide(&policy, SYS_ptrace, (uint64_t[6]){0}).action == AL_SC_KILL);

	/* An allow-list of every call but uname (the sanitizer runtime in this
	 * test needs many calls; what matters is that the unlisted one fails). */
	al_policy_default(&policy);
	policy.mode = AL_SC_ALLOW_LIST;
	for (int nr = 0; nr < 500; nr++)
		if (nr != SYS_uname)
			al_policy_allow(&policy, nr);
	CHECK("allow-list compiles", compile());
	CHECK("allow-list: listed call allowed", under_filter(do_getpid) == ALLOWED);
	CHECK("allow-list: unlisted call denied",
	      under_filter(do_uname) == EPERM_SEEN && reported("uname", AL_SC_ERRNO));
	CHECK("allow-list: listed clone without flags allowed", under_filter(do_clone_plain) == ALLOWED);
	CHECK("allow-list: built-in denials win over the list", under_filter(do_ptrace) == EPERM_SEEN);
	CHECK("allow-list: clone flags still denied", under_filter(do_clone_ns) == EPERM_SEEN);
	CHECK("allow-list: unknown syscall numbers denied",
	      al_policy_decide(&policy, 1000, (uint64_t[6]){0}).action == AL_SC_ERRNO);

	/* Learn mode: everything runs, everything is recorded, built-ins still denied. */
	al_policy_default(&policy);
	policy.mode = AL_SC_LEARN;
	CHECK("learn compiles", compile());
	CHECK("learn: uname runs",
	      under_filter(do_uname) == ALLOWED && (seen.used[SYS_uname / 8] >> (SYS_uname % 8) & 1));
	CHECK("learn: not a violation", !reported("uname", AL_SC_ERRNO));
	CHECK("learn: ptrace still denied", under_filter(do_ptrace) == EPERM_SEEN);
	al_seccomp_free(&filter);

	/* The cache compiles once per policy. */
	struct al_error err = {0};
	struct al_filter_cache *cache = al_filter_cache_new();
	al_policy_default(&policy);
	const struct al_filter *a = al_filter_cache_get(cache, &policy, &err);
	const struct al_filter *b = al_filter_cache_get(cache, &policy, &err);
	policy.mode = AL_SC_LEARN;
	const struct al_filter *c = al_filter_cache_get(cache, &policy, &err);
	CHECK("cache returns the same filter for the same policy", a && a == b);
	CHECK("cache compiles a different policy apart", c && c != a);
	al_filter_cache_free(cache);
	unlink(scratch);
	return unit_failures != 0;
}
