/* The sandbox's pid 1: reaps orphans, forwards signals to the command, and
 * when the command ends reports its status and exits, which makes the kernel
 * kill everything else in the pid namespace (setsid'd and double-forked
 * processes included). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "trace.h"

void al_child_send(int fd, int kind, int errnum, int wait_status, const char *text)
{
	struct al_child_msg m = {.kind = kind, .errnum = errnum, .wait_status = wait_status};

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

void al_init_loop(struct al_child *c, pid_t main_pid)
{
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
		kill(main_pid, SIGKILL);
		al_child_send(c->msg_fd, AL_MSG_SETUP_ERROR, errno, 0, "init: signalfd");
		_exit(125);
	}
	for (;;) {
		struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN}, {.fd = c->go_fd, .events = POLLIN}};
		struct signalfd_siginfo si;

		/* Control only: a sandbox that outlives its supervisor stops watching the lifeline. */
		if (c->plan->disabled & AL_DEF_DEATHSIG)
			pfd[1].fd = -1;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			_exit(125);
		if (pfd[1].revents & (POLLHUP | POLLERR)) {
			/* Supervisor gone (its end of the lifeline closed). */
			kill(-1, SIGKILL);
			_exit(125);
		}
		if (!(pfd[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD) {
			kill(main_pid, (int)si.ssi_signo);
			continue;
		}
		for (;;) {
			int status;
			pid_t pid = waitpid(-1, &status, WNOHANG);
			if (pid <= 0)
				break;
			if (pid == main_pid) {
				AL_TRACE("init: command reaped");
				al_child_send(c->msg_fd, AL_MSG_EXIT, 0, status, NULL);
				/* As pid 1, exiting kills the rest of the namespace. */
				_exit(0);
			}
		}
	}
}
