/* The supervisor's half: spawn (cgroup, clone3, uid maps), then an
 * event-driven watch over the sandbox's output, clocks, and exit. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gitguard.h"
#include "internal.h"
#include "landlock.h"
#include "log.h"
#include "mount.h"
#include "trace.h"
#include "util.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

enum { AL_READ_BUF = 65536 };
/* Bytes asked of one splice: a pipe moves what it holds, whole pages. */
enum { AL_SPLICE_MAX = 1 << 20 };
#ifndef AL_STREAM_PIPE
#define AL_STREAM_PIPE (1 << 20)
#endif

struct al_sandbox {
	const struct al_plan *plan;
	al_output_fn out;
	void *ctx;
	struct al_cgroup cgroup;
	struct al_cgroup_hierarchy hier; /* found once per spawn, used before or after clone */
	struct al_uid_lease lease;
	pid_t pid; /* init, as seen from here */
	int pidfd;
	int go_fd; /* write end: held open as the child's lifeline */
	int msg_fd;
	int stream_fd[2];  /* stdout, stderr read ends */
	int sink_fd[2];	   /* the caller's pipe or /dev/null per stream, -1: the callback */
	bool sink_pipe[2]; /* else /dev/null */
	bool sink_full[2]; /* the sink took no more: the stream is out of the set, the sink in */
	int wall_fd, cpu_fd;
	int pace_fd;			/* timerfd: the listener's budget has refilled */
	struct al_notify_budget budget; /* the supervisor's CPU for denied calls */
	int ack_fd;			/* write end: "your listener is taken, go on" */
	int ep;				/* epoll over all of the above */
	struct al_notify notify;
	struct al_filter own_filter; /* compiled here when the caller passed none */
	char *buf;		     /* output read buffer (heap: a stack array is probed page by page) */
	struct al_proxy *proxy;	     /* allow-listed egress; NULL with --net none */
	struct al_git_guard git;     /* the agent's repository: redirects swept after the run */
	double started_ms;
	bool exited, have_status, done;
	int wait_status;
	enum al_status killed_for; /* why the supervisor killed it, AL_EXITED if it did not */
	struct rusage rusage;
	struct al_result res;
};

const char *al_status_name(enum al_status s)
{
	static const char *const names[] = {
	    [AL_EXITED] = "exited",
	    [AL_SIGNALED] = "signaled",
	    [AL_TIMEOUT] = "timeout",
	    [AL_CPU_LIMIT] = "cpu_limit",
	    [AL_MEMORY] = "memory",
	    [AL_PIDS] = "pids",
	    [AL_OUTPUT_LIMIT] = "output_limit",
	    [AL_VIOLATION] = "violation",
	    [AL_SETUP_ERROR] = "setup_error",
	};
	return names[s];
}

static void kill_sandbox(struct al_sandbox *sb, enum al_status why)
{
	if (sb->killed_for == AL_EXITED)
		sb->killed_for = why;
	/* Killing init tears down the pid namespace; the cgroup catches the rest. */
	if (!sb->exited && sb->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, sb->pidfd, SIGKILL, NULL, 0);
	al_cgroup_kill(&sb->cgroup);
}

static int arm(int fd, double seconds)
{
	struct itimerspec its = {0};

	if (seconds < 0.001)
		seconds = 0.001;
	its.it_value.tv_sec = (time_t)seconds;
	its.it_value.tv_nsec = (long)((seconds - floor(seconds)) * 1e9);
	return timerfd_settime(fd, 0, &its, NULL);
}

/* The tree cannot burn more than ncpu seconds of CPU per second of wall
 * time, so the next look is due when the rest of the budget could first be
 * gone: no polling, and no overshoot beyond the timer's slack. */
static int arm_cpu_check(struct al_sandbox *sb, bool first)
{
	double limit = sb->plan->profile.limits.cpu_time_s;
	/* The supervisor's work for the sandbox counts against its budget too. */
	double used = first ? 0 : (double)(al_cgroup_cpu_ns(&sb->cgroup) + sb->budget.spent_ns) / 1e9;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (used >= limit)
		return 1;
	return arm(sb->cpu_fd, (limit - used) / (double)(ncpu > 0 ? ncpu : 1)) < 0 ? -1 : 0;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int watch_fd(struct al_sandbox *sb, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
	return epoll_ctl(sb->ep, EPOLL_CTL_ADD, fd, &ev);
}

static int make_socketpair(int fds[2], struct al_error *err)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		return al_error_set(err, errno, "socketpair");
	return 0;
}

static int make_pipe(int fds[2], struct al_error *err)
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return al_error_set(err, errno, "pipe");
	return 0;
}

/* --tty: a pseudo-terminal pair in place of the stdout pipe: [0] the master
 * (read here as stdout, written with the caller's input), [1] the slave,
 * the command's stdio and controlling terminal. */
static int make_pty(int fds[2], struct al_error *err)
{
	fds[0] = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fds[0] < 0 || grantpt(fds[0]) < 0 || unlockpt(fds[0]) < 0) {
		al_error_set(err, errno, "pseudo-terminal");
		al_closep(&fds[0]);
		return -1;
	}
	char name[64];
	if (ptsname_r(fds[0], name, sizeof(name)) != 0 ||
	    (fds[1] = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		al_error_set(err, errno, "pseudo-terminal");
		al_closep(&fds[0]);
		return -1;
	}
	return 0;
}

int al_sandbox_tty_fd(const struct al_sandbox *sb) { return sb->plan->tty ? sb->stream_fd[0] : -1; }

static bool child_gone(const struct al_error *err)
{
	return err->errnum == EPIPE || err->errnum == ECONNRESET;
}

static int send_all(int fd, const void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		/* MSG_NOSIGNAL: a child that died must not SIGPIPE the caller. */
		ssize_t n = send(fd, (const char *)buf + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* The filter goes to the command over the ack socket: its length, then the
 * program. The command reads it at its start, before the rlimits. */
static int send_filter(int fd, const struct al_filter *f, struct al_error *err)
{
	uint32_t len = (uint32_t)f->len;

	if (f->len == 0 || f->len > AL_MAX_FILTER_INSNS)
		return al_error_set(err, E2BIG, "seccomp filter of %zu instructions", f->len);
	if (send_all(fd, &len, sizeof(len)) < 0 || send_all(fd, f->insns, f->len * sizeof(*f->insns)) < 0)
		return al_error_set(err, errno, "hand the seccomp filter to the sandbox");
	return 0;
}

/* The caller's binds, as root: opened here, with the caller's authority
 * (the sandbox's uid may not reach them), and id-mapped through the
 * sandbox's own user namespace (host uid 0 <-> the sandbox's root, which is
 * its host uid) where the caller shares what is theirs (idmap_wanted in
 * mount.c): inside, the sandbox writes them as the caller does, and what it
 * creates there is the caller's, while everything else it does is its own
 * unprivileged uid's. The child cannot: an id-mapped mount of a host file
 * system needs CAP_SYS_ADMIN in the initial namespace. Then the word to go,
 * with the trees. */
static int send_go(struct al_sandbox *sb, struct al_error *err)
{
	const struct al_plan *plan = sb->plan;
	struct al_go_msg m = {.go = 'g'};
	int fds[AL_MAX_BINDS];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * AL_MAX_BINDS)];
	} u;
	int r = -1;

	if (sb->lease.privileged && !(plan->disabled & (AL_DEF_MOUNT | AL_DEF_USERNS_UID | AL_DEF_IDMAP))) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)sb->pid);
		cleanup_close int userns = open(path, O_RDONLY | O_CLOEXEC);
		if (userns < 0)
			return al_error_set(err, errno, "open %s", path);
		for (size_t i = 0; i < plan->profile.nbinds; i++) {
			bool is_link;
			if (!plan->profile.binds[i].caller)
				continue;
			int fd = al_mount_open_bind(plan, &plan->profile.binds[i], userns, &is_link, err);
			if (fd == -1)
				goto out;
			if (fd == AL_BIND_SKIP && !is_link)
				m.skip[i / 8] |= (uint8_t)(1u << (i % 8));
			if (fd >= 0) {
				m.idx[m.n] = (uint8_t)i;
				fds[m.n++] = fd;
			}
		}
	}
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (m.n) {
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * m.n);
		struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int) * m.n);
		memcpy(CMSG_DATA(h), fds, sizeof(int) * m.n);
	}
	if (sendmsg(sb->go_fd, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(m)) {
		al_error_set(err, errno, "start sandbox");
		goto out;
	}
	r = 0;
out:
	for (size_t k = 0; k < m.n; k++)
		close(fds[k]);
	return r;
}

int al_sandbox_spawn(const struct al_plan *plan, const struct al_filter *filter, al_output_fn out, void *ctx,
		     struct al_sandbox **sbp, struct al_error *err)
{
	const struct al_limits *l = &plan->profile.limits;
	struct al_sandbox *sb = calloc(1, sizeof(*sb));
	int go[2] = {-1, -1}, msg[2] = {-1, -1}, so[2] = {-1, -1}, se[2] = {-1, -1}, ack[2] = {-1, -1};
	bool degraded = false;

	if (!sb || !(sb->buf = malloc(AL_READ_BUF))) {
		free(sb);
		return al_error_set(err, ENOMEM, "sandbox");
	}
	sb->plan = plan;
	sb->out = out;
	sb->ctx = ctx;
	sb->pidfd = sb->go_fd = sb->msg_fd = sb->wall_fd = sb->cpu_fd = sb->pace_fd = sb->ack_fd = sb->ep =
	    -1;
	sb->notify.fd = -1;
	sb->stream_fd[0] = sb->stream_fd[1] = -1;
	sb->sink_fd[0] = sb->sink_fd[1] = -1;
	sb->started_ms = al_now_ms();
	sb->git.dirfd = -1;
	al_cgroup_init(&sb->cgroup);

	AL_TRACE("sup: spawn");
	if (al_userns_lease(plan, &sb->lease, err) < 0 || al_mount_check_submounts(plan, err) < 0 ||
	    al_git_guard_prepare(plan, &sb->git, err) < 0)
		goto fail;
	AL_TRACE("sup: uid lease");
	sb->res.host_uid = (plan->disabled & AL_DEF_USERNS_UID) ? 0 : sb->lease.host_uid;

	/* cgroup v1 is made after clone, while the child builds its root: on
	 * two CPUs its mkdirs and limit writes cost no wall time. The child
	 * moves itself in just before it starts the command. v2 needs the
	 * cgroup first (CLONE_INTO_CGROUP). */
	enum al_cgroup_kind kind =
	    (plan->disabled & AL_DEF_CGROUP) ? AL_CGROUP_NONE : al_cgroup_detect(&sb->hier);
	bool late_cgroup = kind == AL_CGROUP_V1;
	if (!(plan->disabled & AL_DEF_CGROUP) && !late_cgroup) {
		if (al_cgroup_create(&sb->cgroup, &sb->hier, l, !(plan->disabled & AL_DEF_TCP_MEM), err) <
		    0) {
			/* Fail closed unless the caller accepted weaker limits. */
			if (!plan->allow_degraded) {
				al_error_wrap(err, "cannot apply memory/pids/cpu limits (use "
						   "--allow-degraded to run with rlimits only)");
				goto fail;
			}
			al_cgroup_init(&sb->cgroup);
			degraded = true;
			snprintf(sb->res.degraded, sizeof(sb->res.degraded),
				 "no cgroup: memory as RLIMIT_AS per process, pids as RLIMIT_NPROC per uid, "
				 "CPU time per process, no CPU weight, no peak memory of the tree");
		}
	}
	sb->res.cgroup = late_cgroup ? AL_CGROUP_V1 : sb->cgroup.kind;
	snprintf(sb->res.cgroup_why, sizeof(sb->res.cgroup_why), "%s",
		 (plan->disabled & AL_DEF_CGROUP) ? "switched off" : sb->hier.why);
	AL_TRACE("sup: cgroup located (v2: created)");
	if (plan->profile.net_rules.n > 0 && al_proxy_new(plan, &sb->proxy, err) < 0)
		goto fail;

	/* Landlock: applied when the kernel has it; a profile may require it.
	 * (The test switch makes the kernel look as if it had none.) */
	int abi = (plan->disabled & AL_DEF_LANDLOCK) ? 0 : al_landlock_abi();
	sb->res.landlock = abi;
	if (abi == 0 && plan->profile.landlock.required) {
		al_error_set(err, 0, "the profile requires Landlock, which this kernel does not offer");
		goto fail;
	}

	/* go and ack are socket pairs: a send to a dead child must not raise
	 * SIGPIPE in the caller's process (MSG_NOSIGNAL). */
	if (make_socketpair(go, err) < 0 || make_pipe(msg, err) < 0 ||
	    (plan->tty ? make_pty(so, err) : make_pipe(so, err)) < 0 || make_pipe(se, err) < 0 ||
	    make_socketpair(ack, err) < 0)
		goto fail_fds;

	uint64_t flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
			 CLONE_NEWUTS | CLONE_PIDFD;
	if (plan->disabled & AL_DEF_PIDNS)
		flags &= ~(uint64_t)CLONE_NEWPID;
	if (plan->disabled & AL_DEF_NETNS)
		flags &= ~(uint64_t)CLONE_NEWNET;
	if (plan->disabled & AL_DEF_IPCNS)
		flags &= ~(uint64_t)CLONE_NEWIPC;
	if (plan->disabled & AL_DEF_UTSNS)
		flags &= ~(uint64_t)CLONE_NEWUTS;
	struct clone_args ca = {
	    .flags = flags,
	    .pidfd = (uint64_t)(uintptr_t)&sb->pidfd,
	    .exit_signal = SIGCHLD,
	};
	if (sb->cgroup.kind == AL_CGROUP_V2) {
		/* Born in its cgroup: no migration at all. */
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)sb->cgroup.v2_fd;
	}
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0) {
		al_error_set(err, errno, "clone3 (new user, mount, pid, net, ipc, uts namespaces)");
		goto fail_fds;
	}
	if (pid == 0) {
		struct al_child c = {
		    .plan = plan,
		    .cgroup = &sb->cgroup,
		    .cgroup_late = late_cgroup,
		    .degraded = degraded,
		    .go_fd = go[0],
		    .msg_fd = msg[1],
		    .out_fd = so[1],
		    .err_fd = plan->tty ? so[1] : se[1],
		    .tty = plan->tty,
		    .ack_fd = ack[0],
		    .drop_groups = sb->lease.privileged && !(plan->disabled & AL_DEF_GROUPS),
		    .landlock_abi = abi,
		};
		close(ack[1]);
		close(go[1]);
		close(msg[0]);
		close(so[0]);
		close(se[0]);
		al_contain(&c);
	}
	AL_TRACE("sup: clone3 returned");
	sb->pid = pid;
	al_cgroup_after_clone(&sb->cgroup);
	close(go[0]);
	close(msg[1]);
	close(so[1]);
	close(se[1]);
	close(ack[0]);
	sb->ack_fd = ack[1];
	sb->go_fd = go[1];
	sb->msg_fd = msg[0];
	sb->stream_fd[0] = so[0];
	sb->stream_fd[1] = se[0];
	fcntl(so[0], F_SETFL, O_NONBLOCK);
	fcntl(se[0], F_SETFL, O_NONBLOCK);
	/* Fewer wake-ups per megabyte: the command runs ahead of the
	 * supervisor by this much. Its pages are the command's (charged to
	 * the cgroup that writes them); failing, the default 64 KiB does. */
	(void)fcntl(so[0], F_SETPIPE_SZ, AL_STREAM_PIPE);
	(void)fcntl(se[0], F_SETPIPE_SZ, AL_STREAM_PIPE);
	fcntl(msg[0], F_SETFL, O_NONBLOCK);

	if (al_userns_write_maps(pid, &sb->lease, plan->disabled & AL_DEF_USERNS_UID, err) < 0) {
		kill_sandbox(sb, AL_SETUP_ERROR);
		goto fail;
	}
	AL_TRACE("sup: uid/gid maps written");
	if (send_go(sb, err) < 0) {
		kill_sandbox(sb, AL_SETUP_ERROR);
		goto fail;
	}
	/* While the child mounts: its cgroup (v1), then its filter. v1 was
	 * found writable: failing to make the cgroup now is an error, never a
	 * reason to degrade (--allow-degraded is for hosts without a usable
	 * hierarchy, decided before clone). A child
	 * that already failed has closed its ends (EPIPE): its own message
	 * says why, and the watch below reads it. */
	if (late_cgroup) {
		if (al_cgroup_create(&sb->cgroup, &sb->hier, l, !(plan->disabled & AL_DEF_TCP_MEM), err) <
			0 ||
		    (al_cgroup_send_tasks(&sb->cgroup, sb->go_fd, err) < 0 && !child_gone(err))) {
			al_error_wrap(err, "cannot apply memory/pids/cpu limits");
			kill_sandbox(sb, AL_SETUP_ERROR);
			goto fail;
		}
		al_cgroup_after_clone(&sb->cgroup);
		/* Say what v1 could not limit (fail closed is not possible: the
		 * kernel lacks the knob, not the permission). */
		snprintf(sb->res.degraded, sizeof(sb->res.degraded), "%s%s%s",
			 sb->cgroup.memsw ? "" : "swap not counted (no memory.memsw)",
			 !sb->cgroup.memsw && l->memory && !sb->cgroup.tcp_charged &&
				 !(plan->disabled & AL_DEF_TCP_MEM)
			     ? "; "
			     : "",
			 l->memory && !sb->cgroup.tcp_charged && !(plan->disabled & AL_DEF_TCP_MEM)
			     ? "socket buffers not charged to the memory limit (no memory.kmem.tcp)"
			     : "");
		AL_TRACE("sup: cgroup v1 created and handed over");
	}
	if (!filter) {
		if (al_seccomp_compile(&plan->profile.seccomp, &sb->own_filter, err) < 0) {
			kill_sandbox(sb, AL_SETUP_ERROR);
			goto fail;
		}
		filter = &sb->own_filter;
	}
	if (send_filter(sb->ack_fd, filter, err) < 0 && !child_gone(err)) {
		kill_sandbox(sb, AL_SETUP_ERROR);
		goto fail;
	}
	AL_TRACE("sup: filter handed over");

	sb->wall_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sb->cpu_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sb->pace_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	al_notify_budget_init(&sb->budget, clock_ns(CLOCK_MONOTONIC));
	if (sb->wall_fd < 0 || sb->cpu_fd < 0 || sb->pace_fd < 0) {
		al_error_set(err, errno, "timerfd");
		kill_sandbox(sb, AL_SETUP_ERROR);
		goto fail;
	}
	if ((l->time_s > 0 && !(plan->disabled & AL_DEF_TIME) && arm(sb->wall_fd, l->time_s) < 0) ||
	    (l->cpu_time_s > 0 && !(plan->disabled & AL_DEF_CPU_TIME) && sb->cgroup.kind != AL_CGROUP_NONE &&
	     arm_cpu_check(sb, true) < 0)) {
		al_error_set(err, errno, "arm the time limits");
		kill_sandbox(sb, AL_SETUP_ERROR);
		goto fail;
	}
	sb->ep = epoll_create1(EPOLL_CLOEXEC);
	const int watch[] = {sb->stream_fd[0], sb->stream_fd[1], sb->msg_fd, sb->pidfd,
			     sb->wall_fd,      sb->cpu_fd,	 sb->pace_fd};
	for (size_t i = 0; i < ARRAY_SIZE(watch) && sb->ep >= 0; i++)
		if (watch_fd(sb, watch[i]) < 0)
			al_closep(&sb->ep);
	/* The proxy: its listener comes over the go socket, then its own set. */
	if (sb->proxy && sb->ep >= 0 &&
	    (watch_fd(sb, sb->go_fd) < 0 || watch_fd(sb, al_proxy_fd(sb->proxy)) < 0))
		al_closep(&sb->ep);
	if (sb->ep < 0) {
		al_error_set(err, errno, "epoll");
		kill_sandbox(sb, AL_SETUP_ERROR);
		goto fail;
	}
	AL_TRACE("sup: watching");
	*sbp = sb;
	return 0;

fail_fds:
	for (int i = 0; i < 2; i++) {
		al_closep(&go[i]);
		al_closep(&msg[i]);
		al_closep(&so[i]);
		al_closep(&se[i]);
		al_closep(&ack[i]);
	}
fail:
	al_sandbox_free(sb);
	return -1;
}

int al_sandbox_fd(const struct al_sandbox *sb) { return sb->ep; }

int al_sandbox_set_sink(struct al_sandbox *sb, int stream, int fd)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (stream < 1 || stream > 2 || fl < 0 || (fl & O_ACCMODE) == O_RDONLY || fstat(fd, &st) < 0 ||
	    !(S_ISFIFO(st.st_mode) || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)))) {
		errno = EINVAL;
		return -1;
	}
	sb->sink_fd[stream - 1] = fd;
	sb->sink_pipe[stream - 1] = S_ISFIFO(st.st_mode);
	return 0;
}

/* The sink is full: the stream leaves the set (it would be reported ready
 * on every turn) until the sink can take more. The command meanwhile
 * waits on its full pipe, and its clocks run. */
static int wait_for_sink(struct al_sandbox *sb, int i)
{
	struct epoll_event ev = {.events = EPOLLOUT, .data.fd = sb->sink_fd[i]};

	/* EEXIST: the other stream waits on the same sink. */
	if (epoll_ctl(sb->ep, EPOLL_CTL_ADD, sb->sink_fd[i], &ev) < 0 && errno != EEXIST)
		return -1;
	epoll_ctl(sb->ep, EPOLL_CTL_DEL, sb->stream_fd[i], NULL);
	sb->sink_full[i] = true;
	return 0;
}

/* The sink has room: every stream that waited on it is back in the set. */
static void sink_ready(struct al_sandbox *sb, int fd)
{
	epoll_ctl(sb->ep, EPOLL_CTL_DEL, fd, NULL);
	for (int i = 0; i < 2; i++)
		if (sb->sink_full[i] && sb->sink_fd[i] == fd) {
			sb->sink_full[i] = false;
			/* Failing that, the command would wait for ever: end the run. */
			if (watch_fd(sb, sb->stream_fd[i]) < 0)
				kill_sandbox(sb, AL_SETUP_ERROR);
		}
}

/* Move the stream's bytes into its sink with splice: no copy, and with
 * SPLICE_F_NONBLOCK no wait on either pipe. At most room bytes, so that the
 * output limit stays exact. Returns 0 at EOF; 1 when the stream is empty or
 * the sink full (the stream then waits for it, unless final); 2 when the
 * rest must be read instead: the room is used up (what comes after is
 * counted there), the sink failed (a reader that hung up loses the output,
 * as with the callback), or final with a full sink (the callback gets what
 * is left: the run is over and must not wait for its caller's reader). */
static int splice_stream(struct al_sandbox *sb, int i, uint64_t room, bool final)
{
	for (;;) {
		if (room == 0)
			return 2;
		ssize_t n = splice(sb->stream_fd[i], NULL, sb->sink_fd[i], NULL,
				   room < AL_SPLICE_MAX ? (size_t)room : AL_SPLICE_MAX, SPLICE_F_NONBLOCK);
		if (n > 0) {
			sb->res.output_bytes[i] += (uint64_t)n;
			room -= (uint64_t)n;
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			sb->sink_fd[i] = -1;
			return 2;
		}
		/* EAGAIN: either side. /dev/null is never full; a pipe that
		 * takes more meant an empty stream (if bytes came since, the
		 * set reports them). */
		struct pollfd p = {.fd = sb->sink_fd[i], .events = POLLOUT};
		if (!sb->sink_pipe[i] || poll(&p, 1, 0) != 0)
			return 1;
		if (final || wait_for_sink(sb, i) < 0) {
			sb->sink_fd[i] = -1;
			return 2;
		}
		return 1;
	}
}

/* Returns 0 on EOF (stream done), 1 if more may come. final: the run is
 * over, take what is there without waiting for a sink. */
static int read_stream(struct al_sandbox *sb, int i, bool final)
{
	char *buf = sb->buf;
	uint64_t cap = sb->plan->profile.limits.output;
	bool capped = cap && !(sb->plan->disabled & AL_DEF_OUTPUT);

	if (sb->sink_full[i] && !final)
		return 1; /* a stale report: the stream waits for its sink */
	if (sb->sink_fd[i] >= 0 && !sb->sink_full[i]) {
		uint64_t sent = sb->res.output_bytes[i];
		int r = splice_stream(sb, i, !capped ? UINT64_MAX : sent >= cap ? 0 : cap - sent, final);
		if (r < 2)
			return r;
	}
	for (;;) {
		ssize_t n = read(sb->stream_fd[i], buf, AL_READ_BUF);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 1 : 0;
		if (n == 0)
			return 0;
		uint64_t before = sb->res.output_bytes[i];
		sb->res.output_bytes[i] += (uint64_t)n;
		size_t pass = (size_t)n;
		if (capped && sb->res.output_bytes[i] > cap) {
			pass = before >= cap ? 0 : (size_t)(cap - before);
			sb->res.truncated[i] = true;
			kill_sandbox(sb, AL_OUTPUT_LIMIT);
		}
		if (pass && sb->out)
			sb->out(sb->ctx, i + 1, buf, pass);
	}
}

/* The command is about to load its filter: take its listener, then let it go on. */
static void take_listener(struct al_sandbox *sb, int fd)
{
	struct al_error err = {0};

	if (sb->notify.fd >= 0 ||
	    al_notify_acquire(&sb->notify, al_notify_command_pid(sb->pid), fd, &err) < 0 ||
	    watch_fd(sb, sb->notify.fd) < 0) {
		/* Fail closed: without the listener, denied calls could not be answered. */
		if (!sb->res.error[0]) {
			char buf[512];
			snprintf(sb->res.error, sizeof(sb->res.error), "%s",
				 al_error_text(&err, buf, sizeof(buf)));
			sb->res.exit_code = 125;
		}
		kill_sandbox(sb, AL_SETUP_ERROR);
		return;
	}
	AL_TRACE("sup: listener taken");
	(void)!send(sb->ack_fd, "a", 1, MSG_NOSIGNAL);
	al_closep(&sb->ack_fd);
}

/* The child's proxy socket, sent with SCM_RIGHTS; the go socket is then
 * only the lifeline again, out of the set. */
static void take_proxy_socket(struct al_sandbox *sb)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	struct al_error err = {0};

	ssize_t n = recvmsg(sb->go_fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && errno == EAGAIN)
		return;
	epoll_ctl(sb->ep, EPOLL_CTL_DEL, sb->go_fd, NULL);
	struct cmsghdr *c = n == 1 ? CMSG_FIRSTHDR(&m) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int))) {
		int fd;
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
		if (al_proxy_adopt(sb->proxy, fd, &err) < 0 && !sb->res.error[0]) {
			char buf[512];
			snprintf(sb->res.error, sizeof(sb->res.error), "%s",
				 al_error_text(&err, buf, sizeof(buf)));
			sb->res.exit_code = 125;
			kill_sandbox(sb, AL_SETUP_ERROR);
		}
	}
}

static void read_messages(struct al_sandbox *sb)
{
	struct al_child_msg m;
	ssize_t n;

	if (sb->msg_fd < 0)
		return;
	while ((n = read(sb->msg_fd, &m, sizeof(m))) == sizeof(m)) {
		m.text[sizeof(m.text) - 1] = '\0';
		if (m.kind == AL_MSG_LISTENER) {
			take_listener(sb, m.wait_status);
		} else if (m.kind == AL_MSG_EXIT) {
			AL_TRACE("sup: exit status received");
			sb->have_status = true;
			sb->wait_status = m.wait_status;
		} else if (!sb->res.error[0]) {
			sb->killed_for = AL_SETUP_ERROR;
			if (m.errnum)
				snprintf(sb->res.error, sizeof(sb->res.error), "%s: %s", m.text,
					 strerror(m.errnum));
			else
				snprintf(sb->res.error, sizeof(sb->res.error), "%s", m.text);
			if (m.kind == AL_MSG_SETUP_ERROR)
				sb->res.exit_code = 125;
			else
				sb->res.exit_code = m.errnum == ENOENT ? 127 : 126;
		}
	}
	/* init closes its end when it exits, well before it can be reaped (it
	 * first waits out the rest of its pid namespace): at EOF the pipe
	 * leaves the level-triggered set, which would otherwise report its
	 * hang-up on every turn, a CPU spinning while init exits. */
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		if (sb->ep >= 0)
			epoll_ctl(sb->ep, EPOLL_CTL_DEL, sb->msg_fd, NULL);
		al_closep(&sb->msg_fd);
	}
}

/* Decide the status: a limit the supervisor enforced, then what the kernel
 * enforced (OOM kill, pids), then how the command itself ended. */
static void finish(struct al_sandbox *sb)
{
	struct al_result *r = &sb->res;
	struct al_cgroup_stats st = {0};
	bool have_stats = al_cgroup_stats(&sb->cgroup, &st) == 0;

	/* Nothing of the sandbox runs any more: what it left for git to follow
	 * goes out of git's way now. */
	al_git_guard_sweep(&sb->git, r->quarantined, sizeof(r->quarantined));
	if (r->quarantined[0])
		al_info("quarantined what the sandbox left for git to follow: %s", r->quarantined);

	for (int i = 0; i < 2; i++)
		if (sb->stream_fd[i] >= 0) {
			read_stream(sb, i, true);
			al_closep(&sb->stream_fd[i]);
		}
	read_messages(sb);
	r->wall_ms = al_now_ms() - sb->started_ms;
	r->supervisor_cpu_ms = (double)sb->budget.spent_ns / 1e6;
	if (have_stats) {
		r->cpu_ms = (double)st.cpu_ns / 1e6;
		r->max_rss_kb = st.peak_bytes / 1024;
	} else {
		r->cpu_ms =
		    (double)sb->rusage.ru_utime.tv_sec * 1e3 + (double)sb->rusage.ru_utime.tv_usec / 1e3 +
		    (double)sb->rusage.ru_stime.tv_sec * 1e3 + (double)sb->rusage.ru_stime.tv_usec / 1e3;
		r->max_rss_kb = (uint64_t)sb->rusage.ru_maxrss;
	}
	if (sb->have_status) {
		if (WIFEXITED(sb->wait_status)) {
			r->status = AL_EXITED;
			r->exit_code = WEXITSTATUS(sb->wait_status);
		} else {
			r->status = AL_SIGNALED;
			r->signal = WTERMSIG(sb->wait_status);
			r->exit_code = 128 + r->signal;
		}
	} else if (sb->killed_for != AL_SETUP_ERROR) {
		/* init itself was killed: by us, or by the OOM killer. */
		r->status = AL_SIGNALED;
		r->signal = SIGKILL;
		r->exit_code = 128 + SIGKILL;
	}
	al_notify_close(&sb->notify);
	if (sb->proxy)
		al_proxy_finish(sb->proxy, &r->network);
	if (sb->killed_for == AL_SETUP_ERROR)
		r->status = AL_SETUP_ERROR;
	else if (sb->killed_for != AL_EXITED)
		r->status = sb->killed_for;
	else if (st.oom_kills > 0)
		r->status = AL_MEMORY;
	else if (st.pids_max > 0 && !(r->status == AL_EXITED && r->exit_code == 0))
		r->status = AL_PIDS;
	else if (sb->cgroup.kind == AL_CGROUP_NONE && r->status == AL_SIGNALED &&
		 sb->plan->profile.limits.cpu_time_s > 0 &&
		 (r->signal == SIGXCPU ||
		  (r->signal == SIGKILL && r->cpu_ms >= sb->plan->profile.limits.cpu_time_s * 1000)))
		r->status = AL_CPU_LIMIT; /* degraded: RLIMIT_CPU enforced it (SIGXCPU, then SIGKILL) */
	sb->done = true;
}

/* Answer one denied call, on the budget: the CPU it took (this thread's
 * clock) is spent, and once the bucket is empty the listener leaves the set
 * until the pace timer says it has refilled. The callers meanwhile wait in
 * the kernel; nothing else in the loop waits. Learn mode sends every call
 * here by the operator's choice, and is not paced. */
static void answer_call(struct al_sandbox *sb)
{
	uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	int kill = al_notify_handle(&sb->notify, &sb->plan->profile.seccomp, &sb->res.violations);
	uint64_t now = clock_ns(CLOCK_MONOTONIC);

	al_notify_budget_spend(&sb->budget, now, clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0);
	if (kill == 1) {
		kill_sandbox(sb, AL_VIOLATION);
		return;
	}
	if ((sb->plan->disabled & AL_DEF_NOTIFY_BUDGET) || sb->plan->profile.seccomp.mode == AL_SC_LEARN)
		return;
	uint64_t wait = al_notify_budget_wait_ns(&sb->budget, now);
	if (wait == 0)
		return;
	/* Pauses of at least 10 ms: fewer wake-ups, each answering more. */
	t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	if (epoll_ctl(sb->ep, EPOLL_CTL_DEL, sb->notify.fd, NULL) == 0)
		arm(sb->pace_fd, wait < 10000000 ? 0.01 : (double)wait / 1e9);
	al_notify_budget_spend(&sb->budget, now, clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0);
}

static void resume_calls(struct al_sandbox *sb)
{
	uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID), ticks;

	/* The listener back in the set (unless it is gone meanwhile); failing
	 * that, its callers would wait for ever: end the run. */
	if (read(sb->pace_fd, &ticks, sizeof(ticks)) == sizeof(ticks) && sb->notify.fd >= 0 &&
	    watch_fd(sb, sb->notify.fd) < 0)
		kill_sandbox(sb, AL_SETUP_ERROR);
	al_notify_budget_spend(&sb->budget, clock_ns(CLOCK_MONOTONIC),
			       clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0);
}

static int handle_fd(struct al_sandbox *sb, int fd, uint32_t events)
{
	uint64_t ticks;

	/* The listener hangs up once no process uses the filter any more:
	 * drop it, or the level-triggered set would report it forever. */
	if (fd == sb->notify.fd && !(events & EPOLLIN)) {
		al_notify_close(&sb->notify);
		return 0;
	}

	if ((sb->sink_full[0] && fd == sb->sink_fd[0]) || (sb->sink_full[1] && fd == sb->sink_fd[1])) {
		sink_ready(sb, fd);
	} else if (fd == sb->stream_fd[0] || fd == sb->stream_fd[1]) {
		int i = fd == sb->stream_fd[1];
		if (read_stream(sb, i, false) == 0)
			al_closep(&sb->stream_fd[i]);
	} else if (fd == sb->msg_fd) {
		read_messages(sb);
	} else if (sb->proxy && fd == sb->go_fd) {
		take_proxy_socket(sb);
	} else if (sb->proxy && fd == al_proxy_fd(sb->proxy)) {
		al_proxy_handle(sb->proxy);
	} else if (fd == sb->notify.fd) {
		answer_call(sb);
	} else if (fd == sb->pace_fd) {
		resume_calls(sb);
	} else if (fd == sb->wall_fd) {
		if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks))
			kill_sandbox(sb, AL_TIMEOUT);
	} else if (fd == sb->cpu_fd) {
		if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks) && arm_cpu_check(sb, false) == 1)
			kill_sandbox(sb, AL_CPU_LIMIT);
	} else if (fd == sb->pidfd) {
		int status;
		/* init is gone: the pid namespace with it. Anything left (only
		 * possible without a pid namespace) dies with the cgroup. */
		pid_t w = wait4(sb->pid, &status, WNOHANG, &sb->rusage);
		/* ECHILD: the caller ignores SIGCHLD (or reaps for us); init is
		 * gone all the same, and its report came through the pipe. */
		if (w == 0 || (w < 0 && errno != ECHILD))
			return 0;
		sb->exited = true;
		AL_TRACE("sup: init reaped");
		al_cgroup_kill(&sb->cgroup);
		finish(sb);
		AL_TRACE("sup: result");
		return 1;
	}
	return 0;
}

int al_sandbox_handle(struct al_sandbox *sb)
{
	struct epoll_event evs[8];

	if (sb->done)
		return 1;
	int n = epoll_wait(sb->ep, evs, ARRAY_SIZE(evs), 0);
	for (int i = 0; i < n; i++)
		if (handle_fd(sb, evs[i].data.fd, evs[i].events) == 1)
			return 1;
	return 0;
}

void al_sandbox_signal(struct al_sandbox *sb, int sig)
{
	if (!sb->exited && sb->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, sb->pidfd, sig, NULL, 0);
}

const struct al_result *al_sandbox_result(const struct al_sandbox *sb) { return &sb->res; }

void al_sandbox_free(struct al_sandbox *sb)
{
	if (!sb)
		return;
	if (sb->pid > 0 && !sb->exited) {
		kill_sandbox(sb, AL_SETUP_ERROR);
		waitpid(sb->pid, NULL, 0);
	}
	al_cgroup_destroy(&sb->cgroup);
	al_git_guard_close(&sb->git);
	AL_TRACE("sup: cgroup removed");
	al_userns_release(&sb->lease);
	al_closep(&sb->pidfd);
	al_closep(&sb->go_fd);
	al_closep(&sb->msg_fd);
	al_closep(&sb->stream_fd[0]);
	al_closep(&sb->stream_fd[1]);
	al_closep(&sb->wall_fd);
	al_closep(&sb->cpu_fd);
	al_closep(&sb->pace_fd);
	al_closep(&sb->ack_fd);
	al_closep(&sb->ep);
	al_notify_close(&sb->notify);
	al_seccomp_free(&sb->own_filter);
	free(sb->buf);
	al_proxy_free(sb->proxy);
	free(sb);
}

int al_sandbox_run(const struct al_plan *plan, const struct al_filter *filter, al_output_fn out, void *ctx,
		   struct al_result *res, struct al_error *err)
{
	struct al_sandbox *sb;

	if (al_sandbox_spawn(plan, filter, out, ctx, &sb, err) < 0)
		return -1;
	struct pollfd pfd = {.fd = sb->ep, .events = POLLIN};
	while (al_sandbox_handle(sb) != 1)
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
	*res = sb->res;
	al_sandbox_free(sb);
	return 0;
}
