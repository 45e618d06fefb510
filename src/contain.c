/* The containment sequence, in order, from clone to execve. Each step is a
 * call into its mechanism's file; read this function to know what a sandbox
 * is. Runs in the child: no allocation, errors go to the supervisor. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "internal.h"
#include "landlock.h"
#include "mount.h"
#include "net/netns.h"
#include "rlimit.h"
#include "trace.h"
#include "userns.h"
#include "util.h"
#include "workspace.h"

static _Noreturn void fail(struct al_child *c, const struct al_error *err)
{
	al_child_send(c->msg_fd, AL_MSG_SETUP_ERROR, AL_INIT_ID, err->errnum, 0, err->msg);
	_exit(125);
}

static const char *env_get(char *const env[], size_t n, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return env[i] + len + 1;
	return NULL;
}

/* execve with a PATH search in the sandbox's own PATH (execvpe would use the
 * supervisor's). Returns the errno to report. */
static int exec_command(char *const argv[], char *const env[], size_t nenv)
{
	const char *path = env_get(env, nenv, "PATH");
	int saved = ENOENT;

	if (strchr(argv[0], '/') || !path) {
		execve(argv[0], argv, env);
		return errno;
	}
	for (const char *p = path; *p;) {
		const char *e = strchrnul(p, ':');
		char full[4096];
		if ((size_t)snprintf(full, sizeof(full), "%.*s/%s", (int)(e - p), p, argv[0]) <
		    sizeof(full)) {
			execve(full, argv, env);
			if (errno == EACCES)
				saved = EACCES;
			else if (errno != ENOENT && errno != ENOTDIR)
				return errno;
		}
		p = *e ? e + 1 : e;
	}
	return saved;
}

static int read_full(int fd, void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = read(fd, (char *)buf + done, len - done);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* The supervisor compiled the filter while we were mounting; init keeps it
 * for every command. Into fresh pages (mmap, not a stack array: stack-clash
 * probing would touch every page of the largest filter, a page fault each),
 * and before the rlimits, which may cap the address space. */
static int receive_filter(struct al_child *c, struct al_filter *filter, struct al_error *err)
{
	uint32_t len;

	if (read_full(c->ack_fd, &len, sizeof(len)) < 0 || len == 0 || len > AL_MAX_FILTER_INSNS)
		return al_error_set(err, errno, "seccomp: receive the filter");
	filter->insns = mmap(NULL, len * sizeof(*filter->insns), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (filter->insns == MAP_FAILED ||
	    read_full(c->ack_fd, filter->insns, len * sizeof(*filter->insns)) < 0)
		return al_error_set(err, errno, "seccomp: receive the filter");
	filter->len = len;
	return 0;
}

/* Load the filter and hand its listener to the supervisor. The listener
 * gets the lowest free fd: we announce that number, with a pidfd of
 * ourselves, over the command's control socket, load, and wait until the
 * supervisor has taken it (pidfd_getfd) before going on, so that no denied
 * call can happen while nobody listens. Announced before, not after: in
 * learn mode every call after the load waits for the listener, the
 * announcement's too. The supervisor tries once per timer tick of its
 * loop until the listener is there; it never waits for us. */
static int load_filter(struct al_child *c, const struct al_cmd *cmd, struct al_error *err)
{
	char ack;

	/* Where the filter lets sendmsg through untouched (not learn mode, no
	 * rule names it), the listener itself goes to the supervisor, right
	 * after the load, and the command goes on: a denied call meanwhile
	 * waits in the kernel, its listener alive in the message, until the
	 * supervisor reads it and answers. No round trip, no pidfd_getfd. */
	if (c->send_listener) {
		int fd = al_seccomp_load(&c->filter, err);
		struct al_listener_msg m = {.fd = -1};
		if (fd < 0)
			return -1;
		if (al_send_fds(cmd->ctl_fd, &m, sizeof(m), &fd, 1) != (ssize_t)sizeof(m))
			_exit(125); /* the supervisor is gone */
		close(fd);
		close(cmd->ctl_fd);
		return 0;
	}
	/* Open (close-on-exec) until execve: every fd below it is taken, so
	 * the number found next is above it and stays the lowest free one. */
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	int next = self < 0 ? -1 : fcntl(0, F_DUPFD, 0);

	if (self < 0 || next < 0)
		return al_error_set(err, errno, "seccomp: announce the listener");
	close(next);
	struct al_listener_msg m = {.fd = next};
	if (al_send_fds(cmd->ctl_fd, &m, sizeof(m), &self, 1) != (ssize_t)sizeof(m))
		_exit(125); /* the supervisor is gone */
	int fd = al_seccomp_load(&c->filter, err);
	if (fd < 0)
		return -1;
	if (fd != next)
		return al_error_set(err, 0, "seccomp: listener at fd %d, announced %d", fd, next);
	if (read(cmd->ctl_fd, &ack, 1) != 1)
		_exit(125); /* the supervisor is gone */
	close(cmd->ctl_fd);
	close(fd); /* the supervisor has its own copy */
	return 0;
}

/* Where the command's stdio comes from: its own session, no controlling
 * terminal but its own (--tty), no signals from the caller's job control. */
static int set_stdio(const struct al_plan *plan, const struct al_cmd *cmd, struct al_error *err)
{
	if (al_off(plan, AL_DEF_SETSID))
		return dup2(cmd->out_fd, 1) < 0 || dup2(cmd->err_fd, 2) < 0
			   ? al_error_set(err, errno, "stdio")
			   : 0;
	if (setsid() < 0)
		return al_error_set(err, errno, "setsid");
	if (cmd->tty) {
		if (ioctl(cmd->out_fd, TIOCSCTTY, 0) < 0 || dup2(cmd->out_fd, 0) < 0)
			return al_error_set(err, errno, "controlling terminal");
	} else if (!cmd->own_stdin && dup2(cmd->in_fd, 0) < 0) {
		return al_error_set(err, errno, "stdin");
	}
	if (dup2(cmd->out_fd, 1) < 0 || dup2(cmd->err_fd, 2) < 0)
		return al_error_set(err, errno, "stdout/stderr");
	return 0;
}

static void report_exec_error(struct al_child *c, const struct al_cmd *cmd, int e, char *const env[],
			      size_t nenv)
{
	char msg[400];
	const char *arg0 = cmd->argv[0];
	const char *path = env_get(env, nenv, "PATH");

	/* Say where it was looked for: only what the profile binds exists inside. */
	if (e == ENOENT && strchr(arg0, '/'))
		snprintf(msg, sizeof(msg),
			 "execve %s: not in the sandbox (it holds only what the profile binds; add --ro "
			 "HOST[:INSIDE])",
			 arg0);
	else if (e == ENOENT)
		snprintf(msg, sizeof(msg), "execve %s: not found in the sandbox's PATH (%s)", arg0,
			 path ? path : "unset");
	else
		snprintf(msg, sizeof(msg), "execve %s", arg0);
	al_child_send(c->msg_fd, AL_MSG_EXEC_ERROR, cmd->id, e, 0, msg);
}

/* The tail of the containment sequence, the same for every command, in
 * DESIGN.md's order: session and stdio; nothing else open; rlimits;
 * capabilities gone; no_new_privs; Landlock; seccomp last, its listener in
 * the supervisor's hands; then execve, or the workspace operation.
 * noinline: run by a vfork child, its locals must live in a frame of its
 * own, below init's, never in init's (as they would if inlined into
 * al_contain, where init reads them again after the command's execve). */
_Noreturn __attribute__((noinline)) void al_command_start(struct al_child *c, const struct al_cmd *cmd)
{
	const struct al_plan *plan = c->plan;
	const struct al_profile *p = &plan->profile;
	struct al_error err = {0};
	extern char **environ;
	char *const *env = al_off(plan, AL_DEF_ENV) ? environ : cmd->env ? cmd->env : p->env;
	size_t nenv = 0;
	bool seccomp = !al_off(plan, AL_DEF_SECCOMP);
	sigset_t none;

	AL_TRACE("cmd: cloned");
	while (env[nenv] && (al_off(plan, AL_DEF_ENV) || cmd->env || nenv < p->nenv))
		nenv++;
	/* 1. Session and stdio. */
	if (set_stdio(plan, cmd, &err) < 0)
		goto fail;
	/* 2. Nothing but stdio (and the control socket, until the listener is
	 * handed over) crosses execve: any fd the caller leaked is closed then. */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	AL_TRACE("cmd: stdio and session");
	/* 3. Resource limits, while we may still raise none of them back. A
	 * workspace operation is airlock's own code with a fixed buffer: the
	 * address-space cap that stands in for a missing memory cgroup is the
	 * program's (under the sanitizers, whose shadow mappings exceed any
	 * cap, it would kill the operation's first allocation). */
	struct al_limits lim = p->limits;
	if (cmd->op != AL_REQ_EXEC)
		lim.memory = 0;
	if (!al_off(plan, AL_DEF_RLIMITS) &&
	    al_rlimit_apply(&lim, c->degraded, !al_off(plan, AL_DEF_RLIMIT_KERNEL), &err) < 0)
		goto fail;
	/* Control only: without no_new_privs, seccomp needs CAP_SYS_ADMIN, so
	 * it is loaded while the capabilities are still there. */
	if (al_off(plan, AL_DEF_NNP) && seccomp) {
		if (load_filter(c, cmd, &err) < 0)
			goto fail;
		seccomp = false;
	}
	/* 4. No capabilities, and none to be had again through execve. */
	if (!al_off(plan, AL_DEF_CAPS) && al_caps_drop_all(&err) < 0)
		goto fail;
	if (!al_off(plan, AL_DEF_NNP) && al_caps_no_new_privs(&err) < 0)
		goto fail;
	AL_TRACE("cmd: rlimits, caps, no_new_privs");
	/* 5. Landlock: the file system as the plan's binds, whatever mounts
	 * the command could still see or make. */
	if (c->landlock_abi > 0 && !al_off(plan, AL_DEF_NNP) &&
	    al_landlock_apply(plan, c->landlock_abi, &err) < 0)
		goto fail;
	AL_TRACE("cmd: landlock");
	/* 6. seccomp, last: everything above needed calls it may deny. */
	if (seccomp && load_filter(c, cmd, &err) < 0)
		goto fail;
	AL_TRACE("cmd: seccomp loaded, listener taken");
	/* 7. The command, or the workspace operation the supervisor asked for. */
	if (cmd->op != AL_REQ_EXEC)
		_exit(al_workspace_op(plan, cmd->op, cmd->argv[0], cmd->mode));
	AL_TRACE("cmd: execve");
	int e = exec_command(cmd->argv, (char *const *)env, nenv);
	report_exec_error(c, cmd, e, (char *const *)env, nenv);
	_exit(e == ENOENT ? 127 : 126);
fail:
	al_child_send(c->msg_fd, AL_MSG_SETUP_ERROR, cmd->id, err.errnum, 0, err.msg);
	_exit(125);
}

/* Close every fd but stdio and ours, moving ours above stdio first: a
 * supervisor with fds 0-2 closed may have been given them for our pipes. */
static void keep_only_our_fds(struct al_child *c)
{
	int *ours[] = {
	    &c->go_fd,
	    &c->msg_fd,
	    &c->out_fd,
	    &c->err_fd,
	    &c->ack_fd,
	    &c->in_fd,
	    &c->cgroup->v1_tasks[0],
	    &c->cgroup->v1_tasks[1],
	    &c->cgroup->v1_tasks[2],
	    &c->cgroup->v1_tasks[3],
#ifdef AIRLOCK_TRACE
	    &(int){AL_TRACE_FD},
#endif
	};
	int keep[ARRAY_SIZE(ours)];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ours); i++) {
		if (*ours[i] >= 0 && *ours[i] < 3)
			*ours[i] = fcntl(*ours[i], F_DUPFD_CLOEXEC, 3);
		if (*ours[i] < 0)
			continue;
		size_t j = n++;
		while (j > 0 && keep[j - 1] > *ours[i]) {
			keep[j] = keep[j - 1];
			j--;
		}
		keep[j] = *ours[i];
	}
	unsigned lo = 3;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)keep[i] > lo)
			syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
		if ((unsigned)keep[i] + 1 > lo)
			lo = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, lo, ~0U, 0);
}

/* The go message, and its fds (see struct al_go_msg). */
static int receive_go(struct al_child *c)
{
	struct al_go_msg m;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * AL_MAX_BINDS)];
	} u;
	int fds[AL_MAX_BINDS];
	size_t got = 0, nfds = 0;

	for (size_t i = 0; i < AL_MAX_BINDS; i++)
		c->trees[i] = -1;
	while (got < sizeof(m)) {
		struct iovec iov = {.iov_base = (char *)&m + got, .iov_len = sizeof(m) - got};
		struct msghdr mh = {
		    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
		ssize_t n = recvmsg(c->go_fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
			size_t k = h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS
				       ? (h->cmsg_len - CMSG_LEN(0)) / sizeof(int)
				       : 0;
			if (nfds + k > AL_MAX_BINDS)
				return -1;
			memcpy(fds + nfds, CMSG_DATA(h), k * sizeof(int));
			nfds += k;
		}
		got += (size_t)n;
	}
	if (m.go != 'g' || nfds != m.n)
		return -1;
	for (size_t k = 0; k < nfds; k++) {
		if (m.idx[k] >= c->plan->profile.nbinds)
			return -1;
		c->trees[m.idx[k]] = fds[k];
	}
	for (size_t i = 0; i < c->plan->profile.nbinds; i++)
		if ((m.skip[i / 8] >> (i % 8) & 1) && c->trees[i] < 0)
			c->trees[i] = AL_BIND_SKIP;
	return 0;
}

void al_contain(struct al_child *c)
{
	const struct al_plan *plan = c->plan;
	uint64_t off = plan->disabled;
	struct al_error err = {0};

	/* 1. A clean slate: the supervisor's signal handlers are not ours, and
	 * no fd of the supervisor's but the few we need survives. */
	AL_TRACE("init: cloned");
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	keep_only_our_fds(c);
	AL_TRACE("init: fds closed");
	/* 2. Wait until the supervisor has written our uid/gid maps (EOF: it died),
	 * and take the trees it opened for us. */
	if (receive_go(c) < 0)
		_exit(125);
	/* Become root of the new user namespace: until now our ids are the
	 * supervisor's, which the namespace does not map. Raw system calls:
	 * glibc's would try to signal the supervisor's other threads, which do
	 * not exist in this child. As root, the supervisor's supplementary
	 * groups (often gid 0) go first: they are real on the host. */
	if (c->drop_groups && syscall(SYS_setgroups, 0, NULL) < 0) {
		al_error_set(&err, errno, "setgroups");
		fail(c, &err);
	}
	if (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0) {
		al_error_set(&err, errno, "setresuid in user namespace");
		fail(c, &err);
	}
	AL_TRACE("init: maps written, root in the namespace");
	/* Die with the supervisor. Only now: a change of uid clears the
	 * parent-death signal. Then make sure it did not die already (its end
	 * of the lifeline is closed). */
	if (!(off & AL_DEF_DEATHSIG)) {
		struct pollfd pfd = {.fd = c->go_fd, .events = POLLIN};
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR)))
			_exit(125);
	}
	/* 3. A session, a hostname and loopback of our own. */
	if (!(off & AL_DEF_SETSID) && setsid() < 0) {
		al_error_set(&err, errno, "setsid");
		fail(c, &err);
	}
	if (!(off & AL_DEF_UTSNS) && sethostname("airlock", 7) < 0) {
		al_error_set(&err, errno, "sethostname");
		fail(c, &err);
	}
	if (!(off & AL_DEF_NETNS) && al_net_loopback_up(&err) < 0)
		fail(c, &err);
	AL_TRACE("init: session, hostname, loopback");
	/* Allow-listed egress: the proxy's socket, made here, served outside. */
	if (plan->profile.net_rules.n > 0 && al_net_proxy_listen(c->go_fd, AL_PROXY_PORT, &err) < 0)
		fail(c, &err);
	/* 4. The file system: fresh root, binds, /proc, /dev, tmpfs, pivot_root. */
	if (al_mount_setup(plan, c->trees, &err) < 0)
		fail(c, &err);
	AL_TRACE("init: mounts and pivot_root");
	/* 5. Into the cgroup before anything can fork: v1 sends its tasks files
	 * now (they were made while we mounted); v2 put us there at clone.
	 * Then the cgroup namespace, so that its root is the sandbox's own. */
	if (c->cgroup_late && al_cgroup_recv_enter(c->go_fd) < 0) {
		al_error_set(&err, errno, "cgroup: enter");
		fail(c, &err);
	}
	if (!(off & AL_DEF_CGROUPNS) && unshare(CLONE_NEWCGROUP) < 0) {
		al_error_set(&err, errno, "cgroup namespace");
		fail(c, &err);
	}
	AL_TRACE("init: cgroup entered, cgroup namespace");
	/* The per-user kernel counters (inotify, namespaces) that the kernel
	 * charges to our creator too: capped in our namespace, in the /proc we
	 * mounted, while init still holds CAP_SYS_RESOURCE here; after the
	 * cgroup namespace, the last one we make ourselves. */
	if (!(off & AL_DEF_USERNS_SYSCTL) && al_userns_cap_counters("/proc/sys/user", &err) < 0)
		fail(c, &err);
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0) {
		al_error_set(&err, errno, "open /dev/null");
		fail(c, &err);
	}
	if (!(off & AL_DEF_CMDLINE))
		al_init_hide_cmdline();
	/* The filter every command loads, compiled by the supervisor meanwhile. */
	if (!(off & AL_DEF_SECCOMP) && receive_filter(c, &c->filter, &err) < 0)
		fail(c, &err);
	c->null_fd = null_fd;
	/* 6. The command, as pid 2 under this init (a kept sandbox may have
	 * none yet: the supervisor's requests bring them). */
	sigset_t mask;
	sigfillset(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	struct al_cmd first = {
	    .id = 0,
	    .op = AL_REQ_EXEC,
	    .in_fd = c->in_fd >= 0 ? c->in_fd : null_fd,
	    .out_fd = c->out_fd,
	    .err_fd = c->err_fd,
	    .ctl_fd = c->ack_fd,
	    .tty = c->tty,
	    .own_stdin = plan->stdin_inherit,
	    .argv = plan->argv,
	};
	/* vfork: the command shares init's memory until its execve and init
	 * waits meanwhile, so no page table is copied and no page copied on
	 * write (a fork here cost more than all the mounts). Not fork(): glibc's
	 * runs atfork handlers and takes malloc locks that another thread of the
	 * supervisor may have held when we were cloned from it; vfork takes
	 * none. The command allocates nothing, writes nothing of init's and
	 * never returns from al_command_start, as vfork requires; init does not
	 * look at errno after it (shared). */
	pid_t main_pid = 0;
	if (plan->argv[0]) {
		main_pid = vfork();
		if (main_pid < 0) {
			al_error_set(&err, errno, "fork");
			fail(c, &err);
		}
		if (main_pid == 0)
			al_command_start(c, &first);
	}

	/* 7. Init keeps nothing of use to the command: no capabilities, not
	 * dumpable, no stdio. The command runs before this (vfork: init resumes
	 * after its execve); until here init's /proc files (mem, environ, fd/
	 * with the host's stdio) are closed to it because init holds
	 * capabilities the command lacks. So: not dumpable first, then drop
	 * the capabilities, never the other way round. (Not dumpable before
	 * the vfork instead: the supervisor could then not take the command's
	 * seccomp listener when it runs unprivileged.) */
	close(c->out_fd);
	close(c->err_fd);
	close(c->ack_fd);
	if (c->in_fd >= 0)
		close(c->in_fd);
	dup2(null_fd, 0);
	dup2(null_fd, 1);
	dup2(null_fd, 2);
	prctl(PR_SET_DUMPABLE, 0);
	if (!(off & AL_DEF_CAPS) && al_caps_drop_all(&err) < 0) {
		if (main_pid > 0)
			kill(main_pid, SIGKILL);
		fail(c, &err);
	}
	al_caps_no_new_privs(&err);
	al_init_loop(c, main_pid);
}
