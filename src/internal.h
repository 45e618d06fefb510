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

/* Messages from the sandbox (init and its commands) to the supervisor, one
 * write each (< PIPE_BUF, so never interleaved). */
enum al_msg_kind {
	AL_MSG_SETUP_ERROR = 1,
	AL_MSG_EXEC_ERROR,
	AL_MSG_EXIT, /* wait_status: command id's status */
};
struct al_child_msg {
	int kind;
	unsigned id; /* the command it is about */
	int errnum;
	int wait_status; /* AL_MSG_EXIT: the command's wait status */
	char text[472];
};

/* Each command's own control socket: after loading its filter the command
 * sends the listener's fd number with a pidfd of itself (SCM_RIGHTS), and
 * waits for one byte: the supervisor holds the listener, no denied call can
 * go unanswered. */
struct al_listener_msg {
	int fd; /* -1: the fd sent is the listener itself (al_policy_always_allows sendmsg) */
};

/* The supervisor's requests to init, over the go socket, once the sandbox
 * runs: a header with the command's stdin, stdout, stderr and control
 * socket (SCM_RIGHTS; none for a kill), then len bytes: argc strings, then
 * envc strings, each NUL-terminated. */
enum al_req_op {
	AL_REQ_EXEC = 'x',
	AL_REQ_PUT = 'p',      /* argv[0]: path; stdin: the bytes */
	AL_REQ_GET = 'g',      /* argv[0]: path; stdout: the bytes */
	AL_REQ_SNAPSHOT = 's', /* stdout: the workdir as an archive (workspace.h) */
	AL_REQ_RESTORE = 'r',  /* stdin: an archive that replaces the workdir */
	AL_REQ_KILL = 'k',     /* signal the command id's process group */
};
struct al_req {
	char op;
	uint32_t id;
	uint32_t mode; /* PUT: the file's mode */
	int32_t sig;   /* KILL */
	uint32_t argc, envc;
	uint32_t len; /* of the strings that follow, at most AL_MAX_REQ */
};
enum { AL_MAX_REQ = 1 << 20, AL_REQ_FDS = 4, AL_MAX_LIVE = 64 };
/* The id of init's own messages: a failure of the sandbox, not of a command. */
#define AL_INIT_ID 0xffffffffu

/* One command, as the sandbox's side starts it: its stdio, its control
 * socket, and what to run (argv, or a workspace operation). */
struct al_cmd {
	unsigned id;
	char op; /* an al_req_op */
	int in_fd, out_fd, err_fd, ctl_fd;
	bool tty;	/* out_fd is a terminal: stdin and controlling terminal */
	bool own_stdin; /* in_fd is the caller's stdin (--stdin), kept as it is */
	char *const *argv;
	char *const *env; /* NULL: the profile's */
	size_t nenv;
	unsigned mode;
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
	int ack_fd;		 /* the seccomp filter, then the first command's control socket */
	int out_fd, err_fd;	 /* with a tty: both the terminal's slave side */
	bool tty;		 /* the command takes out_fd as stdin and controlling terminal */
	int trees[AL_MAX_BINDS]; /* per plan bind: a tree the supervisor opened, or -1 (filled from the go
				    message) */
	struct al_filter filter; /* received by init, loaded by each command */
	bool send_listener;	 /* the filter lets sendmsg through: the listener is sent, not taken */
	int null_fd;
	int in_fd; /* the first command's stdin ("stdin-pipe"), or -1 */
};

/* Largest filter the supervisor hands over (the kernel's BPF_MAXINSNS). */
#define AL_MAX_FILTER_INSNS 4096

/* The child's whole life: containment sequence, then init. Never returns. */
_Noreturn void al_contain(struct al_child *c);
/* The tail of the sequence, for every command: session, stdio, rlimits,
 * capabilities, no_new_privs, Landlock, seccomp, then execve (or the
 * workspace operation). Never returns. */
_Noreturn void al_command_start(struct al_child *c, const struct al_cmd *cmd);
/* pid 1: reap, forward signals, start the supervisor's further commands,
 * report each command's status; without keep, exit with the first. */
_Noreturn void al_init_loop(struct al_child *c, pid_t main_pid);
/* Blank init's command line (the supervisor's arguments) in place: before
 * the command exists, so that it can never read them in /proc/1/cmdline. */
void al_init_hide_cmdline(void);
/* Send a message to the supervisor (best effort). */
void al_child_send(int fd, int kind, unsigned id, int errnum, int wait_status, const char *text);

#endif
