/* The sandbox's pid 1: reaps orphans, forwards signals to the command, and
 * when the command ends reports its status and exits, which makes the kernel
 * kill everything else in the pid namespace (setsid'd and double-forked
 * processes included). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

void al_child_send(int fd, int kind, int errnum, int wait_status, const char *text)
{
	struct al_child_msg m = { .kind = kind, .errnum = errnum, .wait_status = wait_status };

	if (text)
		strncpy(m.text, text, sizeof(m.text) - 1);
	(void)!write(fd, &m, sizeof(m));
}

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

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
	for (;;) {
		struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN }, { .fd = c->go_fd, .events = POLLIN } };
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
				al_child_send(c->msg_fd, AL_MSG_EXIT, 0, status, NULL);
				/* As pid 1, exiting kills the rest of the namespace. */
				_exit(0);
			}
		}
	}
}
