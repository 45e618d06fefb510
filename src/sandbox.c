/* The supervisor's half: spawn (cgroup, clone3, uid maps), then an
 * event-driven watch over the sandbox's commands (output, clocks, seccomp
 * listeners, exits), the proxy and init, from the caller's event loop. */
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

#include "config.h"
#include "ctx.h"
#include "gitguard.h"
#include "internal.h"
#include "landlock.h"
#include "mount.h"
#include "report.h"
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
/* Tries at the listener of a command that announced it: every 20 us at
 * first, doubling to 10 ms, for about 2 s in all (then it fails closed). */
enum { AL_LISTENER_TRIES = 220 };

/* One command of the sandbox: the first (id 0), or one a kept sandbox was
 * asked to run. Each has its own pipes, listener, clock and status. */
struct command {
	bool used;
	unsigned id;
	char op;	  /* an al_req_op */
	int stream_fd[2]; /* stdout, stderr read ends */
	int in_fd;	  /* write end of its stdin, while there is input to give */
	char *in_buf;	  /* that input (put, restore) */
	size_t in_len, in_off;
	int ctl_fd;	 /* control socket: the listener's announcement */
	int pidfd;	 /* the command, from the announcement */
	int listener_no; /* the fd number announced */
	int retry_fd;	 /* timerfd: try the listener again */
	unsigned retries;
	struct al_notify notify;
	int wall_fd; /* a kept sandbox's commands: each its own wall clock */
	bool exited; /* init reported its status */
	int wait_status;
	enum al_status killed_for; /* AL_EXITED if nobody killed it */
	double started_ms;
	uint64_t oom_kills, pids_max; /* the cgroup's counters when it started */
	uint64_t output_bytes[2];
	bool truncated[2];
	char error[480];
};

struct al_sandbox {
	struct al_ctx *ctx;
	struct al_plan plan; /* owned */
	struct al_emit emit;
	struct al_cgroup cgroup;
	struct al_cgroup_hierarchy hier;
	struct al_uid_lease lease;
	pid_t pid; /* init, as seen from here */
	int pidfd;
	int go_fd; /* the lifeline, and the requests to init */
	int msg_fd;
	int stdin_fd; /* "stdin-pipe": the first command's stdin, until taken */
	int sink_fd[2];	   /* the first command's pipe or /dev/null per stream, -1: events */
	bool sink_pipe[2]; /* else /dev/null */
	bool sink_full[2]; /* the sink took no more: the stream is out of the set, the sink in */
	int wall_fd;	   /* the time limit; with keep, the deadline */
	int cpu_fd;
	int pace_fd;			/* timerfd: the listener's budget has refilled */
	struct al_notify_budget budget; /* the supervisor's CPU for denied calls */
	bool paced;			/* the listeners are out of the set until pace_fd */
	int ep;				/* epoll over all of the above */
	struct command cmds[AL_MAX_LIVE];
	unsigned next_id;
	const struct al_filter *filter;
	struct al_filter own_filter; /* when the context's cache could not compile one */
	char *buf;		     /* output read buffer (heap: a stack array is probed page by page) */
	struct al_proxy *proxy;	     /* allow-listed egress; NULL with --net none */
	struct al_git_guard git;     /* the agent's repository: redirects swept after the run */
	double started_ms;
	bool exited, done;
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

static const char *limit_name(enum al_status why, bool keep)
{
	switch (why) {
	case AL_TIMEOUT:
		return keep ? "deadline" : "time";
	case AL_CPU_LIMIT:
		return "cpu_time";
	case AL_OUTPUT_LIMIT:
		return "output";
	case AL_MEMORY:
		return "memory";
	case AL_PIDS:
		return "pids";
	default:
		return NULL;
	}
}

static void emit(struct al_sandbox *sb, unsigned id, struct al_event *ev)
{
	struct al_emit e = sb->emit;
	e.command = id;
	al_emit_event(&e, ev);
}

static void kill_sandbox(struct al_sandbox *sb, enum al_status why)
{
	if (sb->killed_for == AL_EXITED) {
		sb->killed_for = why;
		const char *limit = limit_name(why, sb->plan.keep);
		if (limit)
			emit(sb, 0, &(struct al_event){.kind = AL_EV_LIMIT, .limit = limit});
	}
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
	double limit = sb->plan.profile.limits.cpu_time_s;
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

int al_sandbox_tty_fd(const struct al_sandbox *sb) { return sb->plan.tty ? sb->cmds[0].stream_fd[0] : -1; }

int al_sandbox_take_stdin(struct al_sandbox *sb) { return take_fd(sb->stdin_fd); }

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
	const struct al_plan *plan = &sb->plan;
	struct al_go_msg m = {.go = 'g'};
	int fds[AL_MAX_BINDS];
	int r = -1;

	if (sb->lease.privileged && !al_off(plan, AL_DEF_MOUNT | AL_DEF_USERNS_UID | AL_DEF_IDMAP)) {
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
	if (al_send_fds(sb->go_fd, &m, sizeof(m), fds, m.n) != (ssize_t)sizeof(m)) {
		al_error_set(err, errno, "start sandbox");
		goto out;
	}
	r = 0;
out:
	for (size_t k = 0; k < m.n; k++)
		close(fds[k]);
	return r;
}

static void command_init(struct command *c)
{
	memset(c, 0, sizeof(*c));
	c->stream_fd[0] = c->stream_fd[1] = c->in_fd = c->ctl_fd = c->pidfd = c->retry_fd = c->wall_fd = -1;
	c->notify.fd = -1;
}

static void command_close(struct command *c)
{
	for (int i = 0; i < 2; i++)
		al_closep(&c->stream_fd[i]);
	al_closep(&c->in_fd);
	al_closep(&c->ctl_fd);
	al_closep(&c->pidfd);
	al_closep(&c->retry_fd);
	al_closep(&c->wall_fd);
	al_notify_close(&c->notify);
	free(c->in_buf);
	command_init(c);
}

static struct al_sandbox *sandbox_new(struct al_ctx *ctx, al_event_fn fn, void *user)
{
	struct al_sandbox *sb = calloc(1, sizeof(*sb));

	if (!sb || !(sb->buf = malloc(AL_READ_BUF))) {
		free(sb);
		return NULL;
	}
	sb->ctx = ctx;
	sb->emit = (struct al_emit){fn, user, 0};
	sb->stdin_fd = -1;
	sb->pidfd = sb->go_fd = sb->msg_fd = sb->wall_fd = sb->cpu_fd = sb->pace_fd = sb->ep = -1;
	sb->sink_fd[0] = sb->sink_fd[1] = -1;
	for (int i = 0; i < AL_MAX_LIVE; i++)
		command_init(&sb->cmds[i]);
	sb->started_ms = al_now_ms();
	sb->git.dirfd = -1;
	al_cgroup_init(&sb->cgroup);
	return sb;
}

/* Stage 1, before clone: the uid, what the binds may not hide, the
 * agent's repository, the cgroup (v2: the child is born in it), the
 * proxy, Landlock. Everything here can still fail without a child. */
static int prepare(struct al_sandbox *sb, bool *late_cgroup, bool *degraded, struct al_error *err)
{
	const struct al_plan *plan = &sb->plan;
	const struct al_limits *l = &plan->profile.limits;

	if (al_userns_lease(plan, &sb->lease, err) < 0 || al_mount_check_submounts(plan, err) < 0 ||
	    al_git_guard_prepare(plan, &sb->git, err) < 0)
		return -1;
	AL_TRACE("sup: uid lease");
	sb->res.host_uid = al_off(plan, AL_DEF_USERNS_UID) ? 0 : sb->lease.host_uid;

	/* cgroup v1 is made after clone, while the child builds its root: on
	 * two CPUs its mkdirs and limit writes cost no wall time. The child
	 * moves itself in just before it starts the command. v2 needs the
	 * cgroup first (CLONE_INTO_CGROUP). */
	enum al_cgroup_kind kind = AL_CGROUP_NONE;
	if (!al_off(plan, AL_DEF_CGROUP)) {
		sb->hier = *al_ctx_hierarchy(sb->ctx);
		kind = sb->hier.kind;
	}
	*late_cgroup = kind == AL_CGROUP_V1;
	if (!al_off(plan, AL_DEF_CGROUP) && !*late_cgroup &&
	    al_cgroup_create(&sb->cgroup, &sb->hier, l, !al_off(plan, AL_DEF_TCP_MEM), err) < 0) {
		/* Fail closed unless the caller accepted weaker limits. */
		if (!plan->allow_degraded)
			return al_error_wrap(err, "cannot apply memory/pids/cpu limits (use --allow-degraded "
						  "to run with rlimits only)");
		al_cgroup_init(&sb->cgroup);
		*degraded = true;
		snprintf(
		    sb->res.degraded, sizeof(sb->res.degraded),
		    "no cgroup: memory as RLIMIT_AS per process, pids as RLIMIT_NPROC per uid, CPU time per "
		    "process, no CPU weight, no peak memory of the tree");
	}
	sb->res.cgroup = *late_cgroup ? AL_CGROUP_V1 : sb->cgroup.kind;
	snprintf(sb->res.cgroup_why, sizeof(sb->res.cgroup_why), "%s",
		 al_off(plan, AL_DEF_CGROUP) ? "switched off" : sb->hier.why);
	AL_TRACE("sup: cgroup located (v2: created)");
	if (plan->profile.net_rules.n > 0 && al_proxy_new(plan, &sb->emit, &sb->proxy, err) < 0)
		return -1;
	/* Landlock: applied when the kernel has it; a profile may require it.
	 * (The test switch makes the kernel look as if it had none.) */
	sb->res.landlock = al_off(plan, AL_DEF_LANDLOCK) ? 0 : al_ctx_landlock_abi(sb->ctx);
	if (sb->res.landlock == 0 && plan->profile.landlock.required)
		return al_error_set(err, 0,
				    "the profile requires Landlock, which this kernel does not offer");
	return 0;
}

/* Stage 2: clone3 into new namespaces (and, on v2, the cgroup); the child
 * runs the containment sequence (al_contain) and never returns. */
static int clone_child(struct al_sandbox *sb, bool late_cgroup, bool degraded, struct al_error *err)
{
	const struct al_plan *plan = &sb->plan;
	int go[2] = {-1, -1}, msg[2] = {-1, -1}, so[2] = {-1, -1}, se[2] = {-1, -1}, ack[2] = {-1, -1};
	int si[2] = {-1, -1};
	int r = -1;

	/* go and ack are socket pairs: a send to a dead child must not raise
	 * SIGPIPE in the caller's process (MSG_NOSIGNAL). */
	if (make_socketpair(go, err) < 0 || make_pipe(msg, err) < 0 ||
	    (plan->tty ? make_pty(so, err) : make_pipe(so, err)) < 0 || make_pipe(se, err) < 0 ||
	    make_socketpair(ack, err) < 0 || (plan->stdin_pipe && make_pipe(si, err) < 0))
		goto out;
	uint64_t flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
			 CLONE_NEWUTS | CLONE_PIDFD;
	if (al_off(plan, AL_DEF_PIDNS))
		flags &= ~(uint64_t)CLONE_NEWPID;
	if (al_off(plan, AL_DEF_NETNS))
		flags &= ~(uint64_t)CLONE_NEWNET;
	if (al_off(plan, AL_DEF_IPCNS))
		flags &= ~(uint64_t)CLONE_NEWIPC;
	if (al_off(plan, AL_DEF_UTSNS))
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
		goto out;
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
		    .drop_groups = sb->lease.privileged && !al_off(plan, AL_DEF_GROUPS),
		    .landlock_abi = sb->res.landlock,
		    .send_listener = al_policy_always_allows(&plan->profile.seccomp, SYS_sendmsg),
		    .in_fd = si[0],
		};
		if (si[1] >= 0)
			close(si[1]);
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
	struct command *first = &sb->cmds[0];
	sb->go_fd = take_fd(go[1]);
	sb->msg_fd = take_fd(msg[0]);
	first->stream_fd[0] = take_fd(so[0]);
	first->stream_fd[1] = take_fd(se[0]);
	first->ctl_fd = take_fd(ack[1]);
	sb->stdin_fd = take_fd(si[1]);
	first->used = plan->argv[0] != NULL;
	first->op = AL_REQ_EXEC;
	first->started_ms = sb->started_ms;
	sb->next_id = 1;
	for (int i = 0; i < 2; i++) {
		fcntl(first->stream_fd[i], F_SETFL, O_NONBLOCK);
		/* Fewer wake-ups per megabyte: the command runs ahead of the
		 * supervisor by this much. Its pages are the command's (charged
		 * to the cgroup that writes them); failing, the default 64 KiB does. */
		(void)fcntl(first->stream_fd[i], F_SETPIPE_SZ, AL_STREAM_PIPE);
	}
	fcntl(sb->msg_fd, F_SETFL, O_NONBLOCK);
	r = 0;
out:
	for (int i = 0; i < 2; i++) {
		al_closep(&go[i]);
		al_closep(&msg[i]);
		al_closep(&so[i]);
		al_closep(&se[i]);
		al_closep(&si[i]);
		al_closep(&ack[i]);
	}
	return r;
}

/* Stage 3, while the child mounts: its uid maps, the word to go, its
 * cgroup (v1), then its filter. A child that already failed has closed its
 * ends (EPIPE): its own message says why, and the watch reads it. */
static int hand_over(struct al_sandbox *sb, bool late_cgroup, struct al_error *err)
{
	const struct al_plan *plan = &sb->plan;
	const struct al_limits *l = &plan->profile.limits;

	if (al_userns_write_maps(sb->pid, &sb->lease, al_off(plan, AL_DEF_USERNS_UID), err) < 0)
		return -1;
	AL_TRACE("sup: uid/gid maps written");
	if (send_go(sb, err) < 0)
		return -1;
	/* v1 was found writable: failing to make the cgroup now is an error,
	 * never a reason to degrade (--allow-degraded is for hosts without a
	 * usable hierarchy, decided before clone). */
	if (late_cgroup) {
		if (al_cgroup_create(&sb->cgroup, &sb->hier, l, !al_off(plan, AL_DEF_TCP_MEM), err) < 0 ||
		    (al_cgroup_send_tasks(&sb->cgroup, sb->go_fd, err) < 0 && !child_gone(err)))
			return al_error_wrap(err, "cannot apply memory/pids/cpu limits");
		al_cgroup_after_clone(&sb->cgroup);
		/* Say what v1 could not limit (fail closed is not possible: the
		 * kernel lacks the knob, not the permission). */
		bool tcp_uncharged = l->memory && !sb->cgroup.tcp_charged && !al_off(plan, AL_DEF_TCP_MEM);
		snprintf(sb->res.degraded, sizeof(sb->res.degraded), "%s%s%s",
			 sb->cgroup.memsw ? "" : "swap not counted (no memory.memsw)",
			 !sb->cgroup.memsw && tcp_uncharged ? "; " : "",
			 tcp_uncharged ? "socket buffers not charged to the memory limit (no memory.kmem.tcp)"
				       : "");
		AL_TRACE("sup: cgroup v1 created and handed over");
	}
	/* The context's cache: one compile per policy per process. */
	sb->filter = al_filter_cache_get(sb->ctx->filters, &plan->profile.seccomp, err);
	if (!sb->filter) {
		if (al_seccomp_compile(&plan->profile.seccomp, &sb->own_filter, err) < 0)
			return -1;
		sb->filter = &sb->own_filter;
	}
	if (send_filter(sb->cmds[0].ctl_fd, sb->filter, err) < 0 && !child_gone(err))
		return -1;
	AL_TRACE("sup: filter handed over");
	return 0;
}

/* Stage 4: the clocks and the epoll set the caller's loop watches. */
static int watch(struct al_sandbox *sb, struct al_error *err)
{
	const struct al_plan *plan = &sb->plan;
	const struct al_limits *l = &plan->profile.limits;
	struct command *first = &sb->cmds[0];

	sb->wall_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sb->cpu_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sb->pace_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	first->retry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	al_notify_budget_init(&sb->budget, clock_ns(CLOCK_MONOTONIC));
	if (sb->wall_fd < 0 || sb->cpu_fd < 0 || sb->pace_fd < 0 || first->retry_fd < 0)
		return al_error_set(err, errno, "timerfd");
	/* Without keep, the time limit is the sandbox's; with it, the
	 * deadline is, and each command has its own time limit. */
	double wall = plan->keep ? plan->deadline_s : l->time_s;
	if (plan->keep && first->used && l->time_s > 0 && !al_off(plan, AL_DEF_TIME)) {
		first->wall_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (first->wall_fd < 0 || arm(first->wall_fd, l->time_s) < 0)
			return al_error_set(err, errno, "arm the time limit"); /* watched below */
	}
	if ((wall > 0 && !al_off(plan, AL_DEF_TIME) && arm(sb->wall_fd, wall) < 0) ||
	    (l->cpu_time_s > 0 && !al_off(plan, AL_DEF_CPU_TIME) && sb->cgroup.kind != AL_CGROUP_NONE &&
	     arm_cpu_check(sb, true) < 0))
		return al_error_set(err, errno, "arm the time limits");
	sb->ep = epoll_create1(EPOLL_CLOEXEC);
	const int fds[] = {first->stream_fd[0], first->stream_fd[1], first->ctl_fd,
			   first->retry_fd,	sb->msg_fd,	     sb->pidfd,
			   sb->wall_fd,		sb->cpu_fd,	     sb->pace_fd};
	for (size_t i = 0; i < ARRAY_SIZE(fds) && sb->ep >= 0; i++)
		if (watch_fd(sb, fds[i]) < 0)
			al_closep(&sb->ep);
	/* The proxy: its listener comes over the go socket, then its own set. */
	if (sb->proxy && sb->ep >= 0 &&
	    (watch_fd(sb, sb->go_fd) < 0 || watch_fd(sb, al_proxy_fd(sb->proxy)) < 0))
		al_closep(&sb->ep);
	if (sb->ep < 0)
		return al_error_set(err, errno, "epoll");
	if (first->wall_fd >= 0 && watch_fd(sb, first->wall_fd) < 0)
		return al_error_set(err, errno, "epoll");
	return 0;
}

int al_sandbox_start(al_ctx *ctx, al_config *cfg, al_event_fn fn, void *user, al_sandbox **out, al_error *err)
{
	struct al_sandbox *sb = sandbox_new(ctx, fn, user);
	bool late_cgroup = false, degraded = false;

	*out = NULL;
	if (!sb)
		return al_error_set(err, ENOMEM, "sandbox");
	AL_TRACE("sup: spawn");
	if (al_config_plan(cfg, &sb->plan, err) < 0) {
		al_sandbox_free(sb);
		return -1;
	}
	if (prepare(sb, &late_cgroup, &degraded, err) < 0 ||
	    clone_child(sb, late_cgroup, degraded, err) < 0) {
		al_sandbox_free(sb);
		return -1;
	}
	if (hand_over(sb, late_cgroup, err) < 0 || watch(sb, err) < 0) {
		kill_sandbox(sb, AL_SETUP_ERROR);
		al_sandbox_free(sb);
		return -1;
	}
	AL_TRACE("sup: watching");
	static const char *const cgroup_names[] = {"none", "v1", "v2"};
	emit(sb, 0,
	     &(struct al_event){.kind = AL_EV_STARTED,
				.cgroup = cgroup_names[sb->res.cgroup],
				.landlock = sb->res.landlock,
				.degraded = sb->res.degraded[0] ? sb->res.degraded : NULL,
				.host_uid = (uint32_t)sb->res.host_uid});
	*out = sb;
	return 0;
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
	if (!sb->cmds[0].used || sb->cmds[0].stream_fd[stream - 1] < 0) {
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
	epoll_ctl(sb->ep, EPOLL_CTL_DEL, sb->cmds[0].stream_fd[i], NULL);
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
			if (watch_fd(sb, sb->cmds[0].stream_fd[i]) < 0)
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
		ssize_t n = splice(sb->cmds[0].stream_fd[i], NULL, sb->sink_fd[i], NULL,
				   room < AL_SPLICE_MAX ? (size_t)room : AL_SPLICE_MAX, SPLICE_F_NONBLOCK);
		if (n > 0) {
			sb->cmds[0].output_bytes[i] += (uint64_t)n;
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

/* A kept sandbox's command is stopped alone (its process group, through
 * init); the first command of a sandbox that is not kept ends the sandbox. */
static int send_request(struct al_sandbox *sb, const struct al_req *rq, const int *fds, size_t nfds,
			const char *blob);

static void kill_command(struct al_sandbox *sb, struct command *c, enum al_status why)
{
	if (!sb->plan.keep) {
		kill_sandbox(sb, why);
		return;
	}
	if (c->killed_for == AL_EXITED) {
		c->killed_for = why;
		const char *limit = why == AL_TIMEOUT ? "time" : limit_name(why, false);
		if (limit)
			emit(sb, c->id, &(struct al_event){.kind = AL_EV_LIMIT, .limit = limit});
	}
	struct al_req rq = {.op = AL_REQ_KILL, .id = c->id, .sig = SIGKILL};
	if (!c->exited && send_request(sb, &rq, NULL, 0, NULL) < 0)
		kill_sandbox(sb, AL_SETUP_ERROR);
}

/* Returns 0 on EOF (stream done), 1 if more may come. final: the command
 * is over, take what is there without waiting for a sink. */
static int read_stream(struct al_sandbox *sb, struct command *c, int i, bool final)
{
	char *buf = sb->buf;
	uint64_t cap = sb->plan.profile.limits.output;
	/* A file or the workspace coming out is bounded by the workspace's
	 * size, and was asked for: no output limit. */
	bool capped = cap && !al_off(&sb->plan, AL_DEF_OUTPUT) && (c->op == AL_REQ_EXEC || i == 1);
	bool first = c == &sb->cmds[0];

	if (first && sb->sink_full[i] && !final)
		return 1; /* a stale report: the stream waits for its sink */
	if (first && sb->sink_fd[i] >= 0 && !sb->sink_full[i]) {
		uint64_t sent = c->output_bytes[i];
		int r = splice_stream(sb, i, !capped ? UINT64_MAX : sent >= cap ? 0 : cap - sent, final);
		if (r < 2)
			return r;
	}
	for (;;) {
		ssize_t n = read(c->stream_fd[i], buf, AL_READ_BUF);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 1 : 0;
		if (n == 0)
			return 0;
		uint64_t before = c->output_bytes[i];
		c->output_bytes[i] += (uint64_t)n;
		size_t pass = (size_t)n;
		if (capped && c->output_bytes[i] > cap) {
			pass = before >= cap ? 0 : (size_t)(cap - before);
			c->truncated[i] = true;
			kill_command(sb, c, AL_OUTPUT_LIMIT);
		}
		if (pass)
			emit(sb, c->id,
			     &(struct al_event){
				 .kind = AL_EV_OUTPUT, .stream = i + 1, .data = buf, .len = pass});
		if (final && c->truncated[i])
			return 0;
	}
}

/* Put the command's listener in the set and let the command go on. */
static void listener_taken(struct al_sandbox *sb, struct command *c)
{
	AL_TRACE("sup: listener taken");
	if (!sb->paced && watch_fd(sb, c->notify.fd) < 0) {
		kill_sandbox(sb, AL_SETUP_ERROR);
		return;
	}
	(void)!send(c->ctl_fd, "a", 1, MSG_NOSIGNAL);
	epoll_ctl(sb->ep, EPOLL_CTL_DEL, c->ctl_fd, NULL);
	epoll_ctl(sb->ep, EPOLL_CTL_DEL, c->retry_fd, NULL);
	al_closep(&c->ctl_fd);
	al_closep(&c->pidfd);
	al_closep(&c->retry_fd);
}

static void setup_failed(struct al_sandbox *sb, struct command *c, const struct al_error *err)
{
	char buf[512];
	if (c == &sb->cmds[0] && !sb->res.error[0]) {
		snprintf(sb->res.error, sizeof(sb->res.error), "%s", al_error_text(err, buf, sizeof(buf)));
		sb->res.exit_code = 125;
	}
	/* Fail closed: without the listener, denied calls could not be answered. */
	kill_sandbox(sb, AL_SETUP_ERROR);
}

/* One try at the announced listener; the next on the command's timer. */
static void try_listener(struct al_sandbox *sb, struct command *c)
{
	struct al_error err = {0};

	if (al_notify_acquire(&c->notify, c->pidfd, c->listener_no, &err) == 0) {
		listener_taken(sb, c);
		return;
	}
	if (err.errnum != EBADF || ++c->retries > AL_LISTENER_TRIES) {
		if (err.errnum == EBADF)
			al_error_set(&err, ETIMEDOUT,
				     "seccomp listener: the command did not load its filter");
		setup_failed(sb, c, &err);
		return;
	}
	double wait = 20e-6 * (double)(1u << (c->retries < 10 ? c->retries : 9));
	if (arm(c->retry_fd, wait < 0.01 ? wait : 0.01) < 0)
		setup_failed(sb, c, &(struct al_error){errno, "seccomp listener: timer"});
}

/* The command's announcement: the listener's fd number and its pidfd. */
static void read_announcement(struct al_sandbox *sb, struct command *c)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct al_listener_msg m;
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};

	ssize_t n = recvmsg(c->ctl_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	struct cmsghdr *h = n == (ssize_t)sizeof(m) ? CMSG_FIRSTHDR(&mh) : NULL;
	if (!h || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS ||
	    h->cmsg_len != CMSG_LEN(sizeof(int))) {
		/* EOF: no filter (a control), or the command died first; its
		 * message, if any, says why. */
		epoll_ctl(sb->ep, EPOLL_CTL_DEL, c->ctl_fd, NULL);
		al_closep(&c->ctl_fd);
		return;
	}
	int fd;
	memcpy(&fd, CMSG_DATA(h), sizeof(int));
	if (m.fd == -1) {
		/* The listener itself: the command has gone on already. */
		if (al_notify_acquire_fd(&c->notify, fd) < 0) {
			al_notify_close(&c->notify); /* it holds fd */
			setup_failed(sb, c, &(struct al_error){errno, "seccomp notification buffers"});
			return;
		}
		listener_taken(sb, c);
		return;
	}
	c->pidfd = fd;
	c->listener_no = m.fd;
	epoll_ctl(sb->ep, EPOLL_CTL_DEL, c->ctl_fd, NULL); /* until the listener is taken */
	try_listener(sb, c);
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
		if (al_proxy_adopt(sb->proxy, fd, &err) < 0)
			setup_failed(sb, &sb->cmds[0], &err);
	}
}

static struct command *find_command(struct al_sandbox *sb, unsigned id)
{
	for (int i = 0; i < AL_MAX_LIVE; i++)
		if (sb->cmds[i].used && sb->cmds[i].id == id)
			return &sb->cmds[i];
	return NULL;
}

/* The cgroup's kill counters when a command starts: what grows while it
 * runs is its doing (a kept sandbox's commands share the cgroup). */
static void note_counters(struct al_sandbox *sb, struct command *c)
{
	struct al_cgroup_stats st = {0};
	if (al_cgroup_stats(&sb->cgroup, &st) == 0) {
		c->oom_kills = st.oom_kills;
		c->pids_max = st.pids_max;
	}
}

/* A command of a kept sandbox is over: what it wrote, then its status:
 * a limit the supervisor enforced on it, what the kernel enforced while it
 * ran (an OOM kill, a refused fork), how it ended. */
static void command_done(struct al_sandbox *sb, struct command *c)
{
	struct al_event ev = {.kind = AL_EV_EXITED};

	for (int i = 0; i < 2; i++)
		if (c->stream_fd[i] >= 0) {
			epoll_ctl(sb->ep, EPOLL_CTL_DEL, c->stream_fd[i], NULL);
			read_stream(sb, c, i, true);
		}
	enum al_status st = AL_EXITED;
	int code = 0, sig = 0;
	if (WIFEXITED(c->wait_status)) {
		code = WEXITSTATUS(c->wait_status);
	} else {
		st = AL_SIGNALED;
		sig = WTERMSIG(c->wait_status);
		code = 128 + sig;
	}
	struct al_cgroup_stats now = {0};
	bool have = al_cgroup_stats(&sb->cgroup, &now) == 0;
	if (c->killed_for != AL_EXITED)
		st = c->killed_for;
	else if (c->error[0])
		st = AL_SETUP_ERROR; /* it never ran: setup or execve failed */
	else if (have && now.oom_kills > c->oom_kills)
		st = AL_MEMORY;
	else if (have && now.pids_max > c->pids_max && !(st == AL_EXITED && code == 0))
		st = AL_PIDS;
	else if (sb->cgroup.kind == AL_CGROUP_NONE && st == AL_SIGNALED && sig == SIGXCPU)
		st = AL_CPU_LIMIT; /* degraded: RLIMIT_CPU enforced it */
	if ((st == AL_MEMORY || st == AL_PIDS) && c->killed_for == AL_EXITED)
		emit(sb, c->id, &(struct al_event){.kind = AL_EV_LIMIT, .limit = limit_name(st, false)});
	ev.status = al_status_name(st);
	ev.exit_code = code;
	ev.signal = sig;
	ev.wall_ms = al_now_ms() - c->started_ms;
	ev.error = c->error[0] ? c->error : NULL;
	memcpy(ev.output_bytes, c->output_bytes, sizeof(ev.output_bytes));
	ev.truncated[0] = c->truncated[0];
	ev.truncated[1] = c->truncated[1];
	if (c == &sb->cmds[0]) {
		sb->res.exit_code = code;
		sb->res.signal = sig;
		memcpy(sb->res.output_bytes, c->output_bytes, sizeof(c->output_bytes));
		memcpy(sb->res.truncated, c->truncated, sizeof(c->truncated));
	}
	emit(sb, c->id, &ev);
	for (int i = 0; i < 2; i++)
		if (c->stream_fd[i] >= 0)
			epoll_ctl(sb->ep, EPOLL_CTL_DEL, c->stream_fd[i], NULL);
	if (c->notify.fd >= 0)
		epoll_ctl(sb->ep, EPOLL_CTL_DEL, c->notify.fd, NULL);
	command_close(c);
}

static void read_messages(struct al_sandbox *sb)
{
	struct al_child_msg m;
	ssize_t n;

	if (sb->msg_fd < 0)
		return;
	while ((n = read(sb->msg_fd, &m, sizeof(m))) == sizeof(m)) {
		m.text[sizeof(m.text) - 1] = '\0';
		struct command *c = find_command(sb, m.id);
		if (m.kind == AL_MSG_EXIT) {
			AL_TRACE("sup: exit status received");
			if (!c)
				continue;
			c->exited = true;
			c->wait_status = m.wait_status;
			sb->res.commands++;
			if (sb->plan.keep)
				command_done(sb, c);
			continue;
		}
		char text[512];
		if (m.errnum)
			snprintf(text, sizeof(text), "%s: %s", m.text, strerror(m.errnum));
		else
			snprintf(text, sizeof(text), "%s", m.text);
		if (c && !c->error[0])
			snprintf(c->error, sizeof(c->error), "%s", text);
		/* init's own failure is the sandbox's; without keep, so is the
		 * first command's. */
		if ((m.id == AL_INIT_ID || (!sb->plan.keep && m.id == 0)) && !sb->res.error[0]) {
			sb->killed_for = AL_SETUP_ERROR;
			snprintf(sb->res.error, sizeof(sb->res.error), "%s", text);
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

/* The figures and the status as they stand: the cgroup's counters now,
 * then the status: a limit the supervisor enforced, then what the kernel
 * enforced (OOM kill, pids), then how the command itself ended. Only
 * bookkeeping on r: finish() settles the sandbox's report with it, and
 * al_sandbox_report_now() a report before the teardown. */
static void settle(struct al_sandbox *sb, struct al_result *r)
{
	struct al_cgroup_stats st = {0};
	bool have_stats = al_cgroup_stats(&sb->cgroup, &st) == 0;
	const struct command *first = &sb->cmds[0];

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
	if (sb->plan.keep) {
		/* The sandbox's own end: its commands' ends were reported each. */
		r->status = AL_EXITED;
	} else if (first->exited) {
		if (WIFEXITED(first->wait_status)) {
			r->status = AL_EXITED;
			r->exit_code = WEXITSTATUS(first->wait_status);
		} else {
			r->status = AL_SIGNALED;
			r->signal = WTERMSIG(first->wait_status);
			r->exit_code = 128 + r->signal;
		}
	} else if (sb->killed_for != AL_SETUP_ERROR) {
		/* init itself was killed: by us, or by the OOM killer. */
		r->status = AL_SIGNALED;
		r->signal = SIGKILL;
		r->exit_code = 128 + SIGKILL;
	}
	if (sb->killed_for == AL_SETUP_ERROR)
		r->status = AL_SETUP_ERROR;
	else if (sb->killed_for != AL_EXITED)
		r->status = sb->killed_for;
	else if (st.oom_kills > 0)
		r->status = AL_MEMORY;
	else if (st.pids_max > 0 && !(r->status == AL_EXITED && r->exit_code == 0))
		r->status = AL_PIDS;
	else if (sb->cgroup.kind == AL_CGROUP_NONE && r->status == AL_SIGNALED &&
		 sb->plan.profile.limits.cpu_time_s > 0 &&
		 (r->signal == SIGXCPU ||
		  (r->signal == SIGKILL && r->cpu_ms >= sb->plan.profile.limits.cpu_time_s * 1000)))
		r->status = AL_CPU_LIMIT; /* degraded: RLIMIT_CPU enforced it (SIGXCPU, then SIGKILL) */
	if (r->status == AL_SETUP_ERROR && !r->exit_code)
		r->exit_code = 125;
}

char *al_sandbox_report_now(al_sandbox *sb, al_error *err)
{
	char *report;
	if (sb->done) {
		report = al_report_json(&sb->plan, &sb->res);
	} else if (sb->cgroup.kind == AL_CGROUP_NONE) {
		/* Without a cgroup the figures are init's children's rusage,
		 * which only its reaping gives. */
		al_error_set(err, EAGAIN, "no cgroup: the figures come with the sandbox's end");
		return NULL;
	} else {
		/* A copy: the counters move on, and the sandbox's own end
		 * settles its result again (the copy shares the logs, never
		 * frees them). */
		struct al_result *r = malloc(sizeof(*r));
		if (!r) {
			al_error_set(err, ENOMEM, "report");
			return NULL;
		}
		memcpy(r, &sb->res, sizeof(*r));
		settle(sb, r);
		report = al_report_json(&sb->plan, r);
		free(r);
	}
	if (!report)
		al_error_set(err, ENOMEM, "report");
	return report;
}

static void finish(struct al_sandbox *sb)
{
	struct al_result *r = &sb->res;
	struct command *first = &sb->cmds[0];
	bool keep = sb->plan.keep;

	/* Nothing of the sandbox runs any more: what it left for git to follow
	 * goes out of git's way now. */
	al_git_guard_sweep(&sb->git, r->quarantined, sizeof(r->quarantined));
	read_messages(sb);
	if (!keep && first->used) {
		for (int i = 0; i < 2; i++)
			if (first->stream_fd[i] >= 0) {
				read_stream(sb, first, i, true);
				al_closep(&first->stream_fd[i]);
			}
		memcpy(r->output_bytes, first->output_bytes, sizeof(r->output_bytes));
		memcpy(r->truncated, first->truncated, sizeof(r->truncated));
	}
	for (int i = 0; i < AL_MAX_LIVE; i++)
		al_notify_close(&sb->cmds[i].notify);
	if (sb->proxy)
		al_proxy_finish(sb->proxy, &r->network);
	settle(sb, r);
	if (r->status == AL_MEMORY || r->status == AL_PIDS)
		emit(sb, 0, &(struct al_event){.kind = AL_EV_LIMIT, .limit = limit_name(r->status, false)});
	/* The first command's end (without keep, it is the sandbox's), then
	 * the commands a kept sandbox still ran, then the sandbox's. */
	struct al_event ev = {.status = al_status_name(r->status),
			      .exit_code = r->exit_code,
			      .signal = r->signal,
			      .wall_ms = r->wall_ms,
			      .cpu_ms = r->cpu_ms,
			      .max_rss_kb = r->max_rss_kb,
			      .error = r->error[0] ? r->error : NULL,
			      .quarantined = r->quarantined[0] ? r->quarantined : NULL,
			      .output_bytes = {r->output_bytes[0], r->output_bytes[1]},
			      .truncated = {r->truncated[0], r->truncated[1]}};
	if (!keep && first->used) {
		ev.kind = AL_EV_EXITED;
		emit(sb, 0, &ev);
	}
	for (int i = 0; i < AL_MAX_LIVE; i++)
		if (sb->cmds[i].used && keep) {
			struct command *c = &sb->cmds[i];
			if (!c->exited) {
				c->wait_status = SIGKILL; /* died with the sandbox */
				if (c->killed_for == AL_EXITED && sb->killed_for != AL_EXITED)
					c->killed_for = sb->killed_for;
			}
			command_done(sb, c);
		}
	char *report = al_report_json(&sb->plan, r);
	ev.kind = AL_EV_ENDED;
	ev.report = report;
	emit(sb, 0, &ev);
	free(report);
	sb->done = true;
}

/* Answer one denied call, on the budget: the CPU it took (this thread's
 * clock) is spent, and once the bucket is empty the listeners leave the
 * set until the pace timer says it has refilled. The callers meanwhile
 * wait in the kernel; nothing else in the loop waits. Learn mode sends
 * every call here by the operator's choice, and is not paced. */
static void answer_call(struct al_sandbox *sb, struct command *c)
{
	uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	struct al_emit e = sb->emit;
	e.command = c->id;
	int kill = al_notify_handle(&c->notify, &sb->plan.profile.seccomp, &sb->res.violations, &e);
	uint64_t now = clock_ns(CLOCK_MONOTONIC);

	al_notify_budget_spend(&sb->budget, now, clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0);
	if (kill == 1) {
		kill_sandbox(sb, AL_VIOLATION);
		return;
	}
	if (al_off(&sb->plan, AL_DEF_NOTIFY_BUDGET) || sb->plan.profile.seccomp.mode == AL_SC_LEARN)
		return;
	uint64_t wait = al_notify_budget_wait_ns(&sb->budget, now);
	if (wait == 0)
		return;
	/* Pauses of at least 10 ms: fewer wake-ups, each answering more. */
	t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	for (int i = 0; i < AL_MAX_LIVE; i++)
		if (sb->cmds[i].notify.fd >= 0)
			epoll_ctl(sb->ep, EPOLL_CTL_DEL, sb->cmds[i].notify.fd, NULL);
	sb->paced = true;
	arm(sb->pace_fd, wait < 10000000 ? 0.01 : (double)wait / 1e9);
	al_notify_budget_spend(&sb->budget, now, clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0);
}

static void resume_calls(struct al_sandbox *sb)
{
	uint64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID), ticks;

	/* The listeners back in the set; failing that, their callers would
	 * wait for ever: end the run. */
	if (read(sb->pace_fd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
		sb->paced = false;
		for (int i = 0; i < AL_MAX_LIVE; i++)
			if (sb->cmds[i].notify.fd >= 0 && watch_fd(sb, sb->cmds[i].notify.fd) < 0)
				kill_sandbox(sb, AL_SETUP_ERROR);
	}
	al_notify_budget_spend(&sb->budget, clock_ns(CLOCK_MONOTONIC),
			       clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0);
}

/* Give a command its input (put, restore), as the pipe takes it. */
static void feed(struct al_sandbox *sb, struct command *c)
{
	while (c->in_off < c->in_len) {
		ssize_t n = write(c->in_fd, c->in_buf + c->in_off, c->in_len - c->in_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			break; /* the command is gone: its status says so */
		c->in_off += (size_t)n;
	}
	epoll_ctl(sb->ep, EPOLL_CTL_DEL, c->in_fd, NULL);
	al_closep(&c->in_fd);
	free(c->in_buf);
	c->in_buf = NULL;
}

/* An fd of one of the commands: its output, input, announcement, listener
 * or clock. Returns false if it is none of theirs. */
static bool handle_command_fd(struct al_sandbox *sb, int fd, uint32_t events)
{
	uint64_t ticks;

	for (int k = 0; k < AL_MAX_LIVE; k++) {
		struct command *c = &sb->cmds[k];
		if (fd == c->stream_fd[0] || fd == c->stream_fd[1]) {
			int i = fd == c->stream_fd[1];
			if (read_stream(sb, c, i, false) == 0) {
				epoll_ctl(sb->ep, EPOLL_CTL_DEL, fd, NULL);
				al_closep(&c->stream_fd[i]);
			}
		} else if (fd == c->notify.fd) {
			/* The listener hangs up once no process uses the filter
			 * any more: drop it, or the level-triggered set would
			 * report it forever. */
			if (events & EPOLLIN)
				answer_call(sb, c);
			else
				al_notify_close(&c->notify);
		} else if (fd == c->ctl_fd) {
			read_announcement(sb, c);
		} else if (fd == c->retry_fd) {
			if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks))
				try_listener(sb, c);
		} else if (fd == c->in_fd) {
			feed(sb, c);
		} else if (fd == c->wall_fd) {
			if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks))
				kill_command(sb, c, AL_TIMEOUT);
		} else {
			continue;
		}
		return true;
	}
	return false;
}

static int handle_fd(struct al_sandbox *sb, int fd, uint32_t events)
{
	uint64_t ticks;

	if ((sb->sink_full[0] && fd == sb->sink_fd[0]) || (sb->sink_full[1] && fd == sb->sink_fd[1])) {
		sink_ready(sb, fd);
	} else if (handle_command_fd(sb, fd, events)) {
		return 0;
	} else if (fd == sb->msg_fd) {
		read_messages(sb);
	} else if (sb->proxy && fd == sb->go_fd) {
		take_proxy_socket(sb);
	} else if (sb->proxy && fd == al_proxy_fd(sb->proxy)) {
		al_proxy_handle(sb->proxy);
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

void al_sandbox_end(struct al_sandbox *sb)
{
	if (!sb->exited && sb->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, sb->pidfd, SIGKILL, NULL, 0);
	al_cgroup_kill(&sb->cgroup);
}

/* --- commands of a kept sandbox --- */

static int send_request(struct al_sandbox *sb, const struct al_req *rq, const int *fds, size_t nfds,
			const char *blob)
{
	/* init reads requests as they come; it never waits on anything else
	 * that a request could be stuck behind. */
	if (al_send_fds(sb->go_fd, rq, sizeof(*rq), fds, nfds) != (ssize_t)sizeof(*rq))
		return -1;
	return rq->len ? send_all(sb->go_fd, blob, rq->len) : 0;
}

static int start_command(struct al_sandbox *sb, char op, const char *const argv[], const char *const env[],
			 const void *input, size_t input_len, unsigned mode, unsigned *id, al_error *err)
{
	struct al_req rq = {.op = op, .mode = mode};
	struct command *c = NULL;
	int in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1}, ctl[2] = {-1, -1};
	char *blob = NULL;
	int r = -1;

	if (!sb->plan.keep)
		return al_error_set(err, 0, "not a kept sandbox (set \"keep\")");
	if (sb->exited || sb->done || sb->killed_for != AL_EXITED)
		return al_error_set(err, ESRCH, "the sandbox has ended");
	/* Slot 0 is the first command's, even when there was none. */
	for (int i = 1; i < AL_MAX_LIVE && !c; i++)
		if (!sb->cmds[i].used)
			c = &sb->cmds[i];
	if (!c)
		return al_error_set(err, EBUSY, "more than %d commands at once", AL_MAX_LIVE);
	size_t len = 0;
	for (const char *const *v = argv; *v; v++, rq.argc++)
		len += strlen(*v) + 1;
	for (const char *const *v = env; v && *v; v++, rq.envc++)
		len += strlen(*v) + 1;
	if (rq.argc == 0 || !argv[0][0])
		return al_error_set(err, EINVAL, "argv: no command");
	if (len > AL_MAX_REQ)
		return al_error_set(err, E2BIG, "argv and env: more than %d bytes", AL_MAX_REQ);
	rq.len = (uint32_t)len;
	if (!(blob = malloc(len ? len : 1)))
		return al_error_set(err, ENOMEM, "command");
	char *p = blob;
	for (const char *const *v = argv; *v; v++)
		p = stpcpy(p, *v) + 1;
	for (const char *const *v = env; v && *v; v++)
		p = stpcpy(p, *v) + 1;
	if (make_pipe(in, err) < 0 || make_pipe(out, err) < 0 || make_pipe(er, err) < 0 ||
	    make_socketpair(ctl, err) < 0)
		goto out;
	command_init(c);
	c->id = rq.id = sb->next_id;
	c->op = op;
	c->started_ms = al_now_ms();
	c->stream_fd[0] = take_fd(out[0]);
	c->stream_fd[1] = take_fd(er[0]);
	c->ctl_fd = take_fd(ctl[0]);
	c->retry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (input_len) {
		c->in_fd = take_fd(in[1]);
		if (!(c->in_buf = malloc(input_len))) {
			al_error_set(err, ENOMEM, "command input");
			goto fail;
		}
		memcpy(c->in_buf, input, input_len);
		c->in_len = input_len;
		fcntl(c->in_fd, F_SETFL, O_NONBLOCK);
	}
	double t = sb->plan.profile.limits.time_s;
	if (op == AL_REQ_EXEC && t > 0 && !al_off(&sb->plan, AL_DEF_TIME)) {
		c->wall_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (c->wall_fd < 0 || arm(c->wall_fd, t) < 0) {
			al_error_set(err, errno, "time limit");
			goto fail;
		}
	}
	c->used = true;
	note_counters(sb, c);
	fcntl(c->stream_fd[0], F_SETFL, O_NONBLOCK);
	fcntl(c->stream_fd[1], F_SETFL, O_NONBLOCK);
	const int mine[] = {c->stream_fd[0], c->stream_fd[1], c->ctl_fd, c->retry_fd, c->in_fd, c->wall_fd};
	for (size_t i = 0; i < ARRAY_SIZE(mine); i++)
		if (mine[i] >= 0 &&
		    (mine[i] == c->in_fd
			 ? epoll_ctl(sb->ep, EPOLL_CTL_ADD, c->in_fd,
				     &(struct epoll_event){.events = EPOLLOUT, .data.fd = c->in_fd})
			 : watch_fd(sb, mine[i])) < 0) {
			al_error_set(err, errno, "epoll");
			goto fail;
		}
	const int theirs[AL_REQ_FDS] = {in[0], out[1], er[1], ctl[1]};
	if (send_request(sb, &rq, theirs, AL_REQ_FDS, blob) < 0) {
		al_error_set(err, errno, "hand the command to the sandbox");
		goto fail;
	}
	sb->next_id++;
	*id = c->id;
	r = 0;
	goto out;
fail:
	for (size_t i = 0; i < 2; i++)
		if (c->stream_fd[i] >= 0)
			epoll_ctl(sb->ep, EPOLL_CTL_DEL, c->stream_fd[i], NULL);
	command_close(c);
out:
	for (int i = 0; i < 2; i++) {
		al_closep(&in[i]);
		al_closep(&out[i]);
		al_closep(&er[i]);
		al_closep(&ctl[i]);
	}
	free(blob);
	return r;
}

int al_sandbox_exec(al_sandbox *sb, const char *const argv[], const char *const env[], unsigned *id,
		    al_error *err)
{
	if (!argv)
		return al_error_set(err, EINVAL, "argv: no command");
	return start_command(sb, AL_REQ_EXEC, argv, env, NULL, 0, 0, id, err);
}

int al_sandbox_exec_input(al_sandbox *sb, const char *const argv[], const char *const env[],
			  const void *input, size_t len, unsigned *id, al_error *err)
{
	if (!argv)
		return al_error_set(err, EINVAL, "argv: no command");
	if (len && !input)
		return al_error_set(err, EINVAL, "input: NULL");
	return start_command(sb, AL_REQ_EXEC, argv, env, input, len, 0, id, err);
}

int al_sandbox_put_file(al_sandbox *sb, const char *path, const void *data, size_t len, unsigned mode,
			unsigned *id, al_error *err)
{
	const char *argv[] = {path, NULL};
	if (!path || !path[0])
		return al_error_set(err, EINVAL, "path: empty");
	return start_command(sb, AL_REQ_PUT, argv, NULL, data, len, mode, id, err);
}

int al_sandbox_get_file(al_sandbox *sb, const char *path, unsigned *id, al_error *err)
{
	const char *argv[] = {path, NULL};
	if (!path || !path[0])
		return al_error_set(err, EINVAL, "path: empty");
	return start_command(sb, AL_REQ_GET, argv, NULL, NULL, 0, 0, id, err);
}

int al_sandbox_snapshot(al_sandbox *sb, unsigned *id, al_error *err)
{
	const char *argv[] = {".", NULL};
	return start_command(sb, AL_REQ_SNAPSHOT, argv, NULL, NULL, 0, 0, id, err);
}

int al_sandbox_restore(al_sandbox *sb, const void *archive, size_t len, unsigned *id, al_error *err)
{
	const char *argv[] = {".", NULL};
	return start_command(sb, AL_REQ_RESTORE, argv, NULL, archive, len, 0, id, err);
}

int al_sandbox_kill(al_sandbox *sb, unsigned id, int sig)
{
	struct command *c = find_command(sb, id);
	if (!c || !sb->plan.keep || sb->exited) {
		errno = ESRCH;
		return -1;
	}
	struct al_req rq = {.op = AL_REQ_KILL, .id = id, .sig = sig};
	return send_request(sb, &rq, NULL, 0, NULL);
}

int al_sandbox_restart_clock(al_sandbox *sb, unsigned id)
{
	struct command *c = find_command(sb, id);
	if (!c || !sb->plan.keep || sb->exited) {
		errno = ESRCH;
		return -1;
	}
	c->started_ms = al_now_ms();
	c->output_bytes[0] = c->output_bytes[1] = 0;
	if (c->wall_fd >= 0 && arm(c->wall_fd, sb->plan.profile.limits.time_s) < 0)
		return -1;
	return 0;
}

/* --- results --- */

const char *al_sandbox_status(const al_sandbox *sb) { return al_status_name(sb->res.status); }

int al_sandbox_exit_code(const al_sandbox *sb) { return sb->res.exit_code; }

char *al_sandbox_report(const al_sandbox *sb) { return al_report_json(&sb->plan, &sb->res); }

/* Learn mode's product: the profile with an allow-list of exactly the calls
 * the run made, plus what starting a command needs whatever it is. */
char *al_sandbox_learned_profile(const al_sandbox *sb)
{
	static const char *const launch[] = {"execve", "read",	     "write",	     "close",
					     "exit",   "exit_group", "rt_sigreturn", "restart_syscall"};
	struct al_profile p = sb->plan.profile;
	char name[128];

	if (p.seccomp.mode != AL_SC_LEARN)
		return NULL;
	p.seccomp.mode = AL_SC_ALLOW_LIST;
	memcpy(p.seccomp.allowed, sb->res.violations.used, sizeof(p.seccomp.allowed));
	for (size_t i = 0; i < ARRAY_SIZE(launch); i++)
		al_policy_allow(&p.seccomp, al_policy_nr(launch[i]));
	p.has_seccomp = true;
	snprintf(name, sizeof(name), "%s-learned", sb->plan.profile.name);
	p.name = name;
	return al_profile_dump(&p);
}

void al_sandbox_free(struct al_sandbox *sb)
{
	if (!sb)
		return;
	if (sb->pid > 0 && !sb->exited) {
		/* Still running: killed now, reaped and its cgroup removed by the
		 * context, so that the caller's loop does not wait for it. */
		kill_sandbox(sb, AL_SETUP_ERROR);
		al_ctx_bury(sb->ctx, sb->pid, take_fd(sb->pidfd), &sb->cgroup, &sb->lease);
	}
	al_cgroup_destroy(&sb->cgroup);
	al_git_guard_close(&sb->git);
	AL_TRACE("sup: cgroup removed");
	al_userns_release(&sb->lease);
	for (int i = 0; i < AL_MAX_LIVE; i++)
		command_close(&sb->cmds[i]);
	al_closep(&sb->pidfd);
	al_closep(&sb->go_fd);
	al_closep(&sb->msg_fd);
	al_closep(&sb->stdin_fd);
	al_closep(&sb->wall_fd);
	al_closep(&sb->cpu_fd);
	al_closep(&sb->pace_fd);
	al_closep(&sb->ep);
	al_seccomp_free(&sb->own_filter);
	free(sb->buf);
	al_proxy_free(sb->proxy);
	al_plan_free(&sb->plan);
	free(sb);
}
