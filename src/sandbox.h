/* The sandbox: spawn one from a plan, supervise it from the caller's event
 * loop, collect its result. Many can run at once: the library keeps no global
 * state and owns every fd and child it creates. */
#ifndef AIRLOCK_SANDBOX_H
#define AIRLOCK_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "net/proxy.h"
#include "notify.h"
#include "plan.h"
#include "seccomp.h"

enum al_status {
	AL_EXITED,
	AL_SIGNALED,
	AL_TIMEOUT,
	AL_CPU_LIMIT,
	AL_MEMORY,
	AL_PIDS,
	AL_OUTPUT_LIMIT,
	AL_VIOLATION,
	AL_SETUP_ERROR,
};
const char *al_status_name(enum al_status s);

struct al_result {
	enum al_status status;
	int exit_code; /* valid when status is exited (or a limit with an exit) */
	int signal;    /* the signal that ended the command, 0 if none */
	double wall_ms, cpu_ms;
	double supervisor_cpu_ms; /* the supervisor's CPU answering the sandbox's denied calls */
	uint64_t max_rss_kb;
	uint64_t output_bytes[2]; /* stdout, stderr: bytes the command wrote */
	bool truncated[2];
	enum al_cgroup_kind cgroup;
	uid_t host_uid;	       /* the host uid the sandbox ran as */
	char degraded[256];    /* what was weaker than asked, "" if nothing */
	char quarantined[192]; /* files the sandbox left for git to follow, renamed away ("" if none) */
	char cgroup_why[160];  /* why that hierarchy */
	int landlock;	       /* the Landlock ABI applied; 0: unavailable */
	char error[512];       /* setup or exec error, "" if none */
	struct al_violations violations; /* denied calls; in learn mode also every call seen */
	struct al_net_log network;	 /* every attempt through the proxy */
};

/* Where the command's output goes; stream is 1 (stdout) or 2 (stderr). */
typedef void (*al_output_fn)(void *ctx, int stream, const char *buf, size_t len);

struct al_sandbox;

/* Start the sandbox. plan and filter must outlive it. filter NULL: compile
 * the plan's policy here, after clone, while the child builds its root (a
 * caller that starts many sandboxes passes one from al_filter_cache_get). */
int al_sandbox_spawn(const struct al_plan *plan, const struct al_filter *filter, al_output_fn out, void *ctx,
		     struct al_sandbox **sbp, struct al_error *err);
/* Send stream 1 (stdout) or 2 (stderr) straight to fd, a pipe or /dev/null,
 * instead of to the callback: the supervisor splices it there, no copy. It
 * never waits on fd: while the pipe is full, the command's own pipe is left
 * unread (the command waits, its clocks run on). The output limit and the
 * byte counts are as with the callback; what is left when the sandbox ends,
 * or once fd fails (EPIPE: the caller ignores SIGPIPE), goes to the
 * callback. fd stays the caller's and open until al_sandbox_free; its file
 * flags are left alone. Call before the first al_sandbox_handle. -1 with
 * EINVAL for any other kind of fd (a terminal, a socket, a regular file,
 * which could block): the callback keeps the stream. */
int al_sandbox_set_sink(struct al_sandbox *sb, int stream, int fd);
/* The fd the caller's loop watches for input (EPOLLIN): the sandbox's own
 * epoll set, which nests in the caller's. */
int al_sandbox_fd(const struct al_sandbox *sb);
/* Handle what is ready; returns 1 once the sandbox is over and the result ready. */
int al_sandbox_handle(struct al_sandbox *sb);
/* With a tty (plan->tty): the terminal's master side, where the caller
 * writes the command's input and sets its window size; -1 otherwise, or
 * once the terminal is closed. */
int al_sandbox_tty_fd(const struct al_sandbox *sb);
/* Forward a signal to the command (through init). */
void al_sandbox_signal(struct al_sandbox *sb, int sig);
const struct al_result *al_sandbox_result(const struct al_sandbox *sb);
/* Kill whatever is left, reap, remove the cgroup, close every fd. */
void al_sandbox_free(struct al_sandbox *sb);

/* Run to completion with a private epoll loop; for callers without one. */
int al_sandbox_run(const struct al_plan *plan, const struct al_filter *filter, al_output_fn out, void *ctx,
		   struct al_result *res, struct al_error *err);

#endif
