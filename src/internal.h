/* What the supervisor (sandbox.c) and the child (contain.c, init.c) share. */
#ifndef AIRLOCK_INTERNAL_H
#define AIRLOCK_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "plan.h"
#include "sandbox.h"
#include "seccomp.h"
#include "userns.h"

/* Messages from the child to the supervisor, one write each (< PIPE_BUF). */
enum al_msg_kind {
	AL_MSG_SETUP_ERROR = 1,
	AL_MSG_EXEC_ERROR,
	AL_MSG_EXIT,
	AL_MSG_LISTENER, /* wait_status holds the fd number the filter's listener will get */
};
struct al_child_msg {
	int kind;
	int errnum;
	int wait_status; /* AL_MSG_EXIT: the command's wait status */
	char text[480];
};

/* The supervisor's word that the maps are written ("g"), with the id-mapped
 * trees it opened for the caller's binds as SCM_RIGHTS, in the order of idx
 * (plan bind indices). */
struct al_go_msg {
	char go;
	uint8_t n;
	uint8_t idx[AL_MAX_BINDS];
	uint8_t skip[(AL_MAX_BINDS + 7) / 8]; /* optional binds the supervisor found missing: not retried */
};

/* Everything the child needs, prepared by the supervisor before clone: the
 * child allocates nothing. */
struct al_child {
	const struct al_plan *plan;
	struct al_cgroup *cgroup;
	bool cgroup_late;	 /* v1: the tasks fds come over go_fd once made */
	bool degraded;		 /* no cgroup: rlimit fallbacks */
	bool drop_groups;	 /* supervisor is root: shed its supplementary groups */
	int landlock_abi;	 /* 0: not applied */
	int go_fd;		 /* read end: the maps are written; HUP = supervisor gone */
	int msg_fd;		 /* write end of the message pipe */
	int ack_fd;		 /* read end: the seccomp filter, then "the supervisor holds our listener" */
	int out_fd, err_fd;	 /* with a tty: both the terminal's slave side */
	bool tty;		 /* the command takes out_fd as stdin and controlling terminal */
	int trees[AL_MAX_BINDS]; /* per plan bind: a tree the supervisor opened, or -1 (filled from the go
				    message) */
};

/* Largest filter the supervisor hands over (the kernel's BPF_MAXINSNS). */
#define AL_MAX_FILTER_INSNS 4096

/* The child's whole life: containment sequence, then init. Never returns. */
_Noreturn void al_contain(struct al_child *c);
/* pid 1: reap, forward signals, report the command's status, exit. */
_Noreturn void al_init_loop(struct al_child *c, pid_t main_pid);
/* Blank init's command line (the supervisor's arguments) in place: before
 * the command exists, so that it can never read them in /proc/1/cmdline. */
void al_init_hide_cmdline(void);
/* Send a message to the supervisor (best effort). */
void al_child_send(int fd, int kind, int errnum, int wait_status, const char *text);

#endif
