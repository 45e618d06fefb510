/* The sandbox's pid 1: reaps orphans, forwards signals to the command, and
 * reports each command's status. Without keep, it exits when the first
 * command ends, which makes the kernel kill everything else in the pid
 * namespace (setsid'd and double-forked processes included). A kept
 * sandbox's init also starts the commands the supervisor asks for, each
 * through the same containment tail as the first (al_command_start). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "trace.h"

void al_child_send(int fd, int kind, unsigned id, int errnum, int wait_status, const char *text)
{
	struct al_child_msg m = {.kind = kind, .id = id, .errnum = errnum, .wait_status = wait_status};

	if (text)
		strncpy(m.text, text, sizeof(m.text) - 1);
	(void)!write(fd, &m, sizeof(m));
}

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/* /proc/1/cmdline is readable by every process of the sandbox, and ours is
 * still the supervisor's: its arguments (paths, values of --env, a daemon's
 * own options) are none of the command's business. Blank them in place. */
void al_init_hide_cmdline(void)
{
	char buf[1024];
	unsigned long start = 0, end = 0;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* Fields after the command name "(...)": arg_start and arg_end are the
	 * 48th and 49th of the line, the 46th and 47th after ") ". */
	char *p = strrchr(buf, ')');
	for (int field = 2; p && field < 48; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%lu %lu", &start, &end) != 2 || end <= start || end - start > (1ul << 20))
		return;
	memset((void *)start, 0, end - start);
	strncpy((char *)start, "airlock-init", end - start - 1);
}

/* The commands init started and has not reaped: pid (in the sandbox) and id. */
struct live {
	pid_t pid[AL_MAX_LIVE];
	unsigned id[AL_MAX_LIVE];
};

static int read_exact(int fd, void *buf, size_t len, int *fds, size_t nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * AL_REQ_FDS)];
	} u;
	size_t got = 0, have = 0;

	while (got < len) {
		struct iovec iov = {.iov_base = (char *)buf + got, .iov_len = len - got};
		struct msghdr mh = {
		    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
		ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
			if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
				continue;
			size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; i++) {
				int f;
				memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
				if (have < nfds)
					fds[have++] = f;
				else
					close(f);
			}
		}
		got += (size_t)n;
	}
	return (int)have;
}

/* Split the request's strings into argv and env (NULL-terminated arrays
 * at the end of the same mapping). */
static int split(char *blob, size_t len, uint32_t argc, uint32_t envc, char **v)
{
	size_t k = 0;
	for (size_t off = 0; k < (size_t)argc + envc; k++) {
		if (off >= len)
			return -1;
		v[k + (k >= argc)] = blob + off;
		char *nul = memchr(blob + off, '\0', len - off);
		if (!nul)
			return -1;
		off = (size_t)(nul - blob) + 1;
	}
	v[argc] = NULL;
	v[argc + 1 + envc] = NULL;
	return argc > 0 ? 0 : -1;
}

/* Start one command the supervisor asked for. fork, not vfork: init must
 * go on reaping and answering while a workspace operation runs, and the
 * child makes itself dumpable (init is not) so that an unprivileged
 * supervisor can take its listener; a raw clone, so that no glibc fork
 * state (inherited from the supervisor's process) is touched. */
static void serve(struct al_child *c, struct live *live)
{
	struct al_req rq;
	int fds[AL_REQ_FDS] = {-1, -1, -1, -1};
	int n = read_exact(c->go_fd, &rq, sizeof(rq), fds, AL_REQ_FDS);

	if (n < 0) {
		/* The supervisor is gone, or spoke nonsense: end the sandbox. */
		kill(-1, SIGKILL);
		_exit(125);
	}
	if (rq.op == AL_REQ_KILL) {
		for (int i = 0; i < AL_MAX_LIVE; i++)
			if (live->pid[i] > 0 && live->id[i] == rq.id)
				kill(-live->pid[i], rq.sig);
		return;
	}
	size_t vsize = ((size_t)rq.argc + rq.envc + 2) * sizeof(char *);
	size_t size = rq.len + vsize;
	char *blob = NULL;
	int slot = -1;
	for (int i = 0; i < AL_MAX_LIVE && slot < 0; i++)
		if (live->pid[i] <= 0)
			slot = i;
	if (n == AL_REQ_FDS && rq.len <= AL_MAX_REQ && rq.argc + rq.envc <= AL_MAX_REQ / 2)
		blob = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (blob == MAP_FAILED)
		blob = NULL;
	if (blob && read_exact(c->go_fd, blob + vsize, rq.len, NULL, 0) < 0) {
		kill(-1, SIGKILL);
		_exit(125);
	}
	char **v = (char **)blob;
	if (!blob || slot < 0 || split(blob + vsize, rq.len, rq.argc, rq.envc, v) < 0) {
		al_child_send(c->msg_fd, AL_MSG_SETUP_ERROR, rq.id, 0, 0,
			      slot < 0 ? "too many commands at once in the sandbox" : "a malformed request");
		al_child_send(c->msg_fd, AL_MSG_EXIT, rq.id, 0, 125 << 8, NULL);
	} else {
		struct al_cmd cmd = {
		    .id = rq.id,
		    .op = rq.op,
		    .in_fd = fds[0],
		    .out_fd = fds[1],
		    .err_fd = fds[2],
		    .ctl_fd = fds[3],
		    .argv = v,
		    .env = rq.envc ? v + rq.argc + 1 : NULL,
		    .mode = rq.mode,
		};
		pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (pid == 0) {
			prctl(PR_SET_DUMPABLE, 1);
			al_command_start(c, &cmd);
		}
		if (pid < 0) {
			al_child_send(c->msg_fd, AL_MSG_SETUP_ERROR, rq.id, errno, 0, "fork");
			al_child_send(c->msg_fd, AL_MSG_EXIT, rq.id, 0, 125 << 8, NULL);
		} else {
			live->pid[slot] = pid;
			live->id[slot] = rq.id;
		}
	}
	if (blob)
		munmap(blob, size);
	for (int i = 0; i < n && i < AL_REQ_FDS; i++)
		close(fds[i]);
}

void al_init_loop(struct al_child *c, pid_t main_pid)
{
	struct live live = {0};
	sigset_t set;
	int sfd;

	/* Without a pid namespace (a test control), orphans would go to the host's init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		/* Without it we could neither reap nor report: end it now. */
		if (main_pid > 0)
			kill(main_pid, SIGKILL);
		al_child_send(c->msg_fd, AL_MSG_SETUP_ERROR, AL_INIT_ID, errno, 0, "init: signalfd");
		_exit(125);
	}
	live.pid[0] = main_pid;
	for (;;) {
		struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN}, {.fd = c->go_fd, .events = POLLIN}};
		struct signalfd_siginfo si;

		/* Control only: a sandbox that outlives its supervisor stops watching the lifeline. */
		if (al_off(c->plan, AL_DEF_DEATHSIG))
			pfd[1].fd = -1;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			_exit(125);
		if (pfd[1].revents & POLLIN) {
			serve(c, &live);
		} else if (pfd[1].revents & (POLLHUP | POLLERR)) {
			/* Supervisor gone (its end of the lifeline closed). */
			kill(-1, SIGKILL);
			_exit(125);
		}
		if (!(pfd[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			if (main_pid > 0)
				kill(main_pid, (int)si.ssi_signo);
			continue;
		}
		for (;;) {
			int status;
			pid_t pid = waitpid(-1, &status, WNOHANG);
			if (pid <= 0)
				break;
			for (int i = 0; i < AL_MAX_LIVE; i++) {
				if (live.pid[i] != pid)
					continue;
				live.pid[i] = 0;
				al_child_send(c->msg_fd, AL_MSG_EXIT, live.id[i], 0, status, NULL);
				/* As pid 1, exiting kills the rest of the namespace. */
				if (pid == main_pid && !c->plan->keep) {
					AL_TRACE("init: command reaped");
					_exit(0);
				}
				if (pid == main_pid)
					main_pid = 0;
			}
		}
	}
}
