/* The supervisor's record of a sandbox (internal; the API is airlock.h):
 * how it ended, what it did, what it was refused. */
#ifndef AIRLOCK_SANDBOX_H
#define AIRLOCK_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <airlock.h>

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
	uid_t host_uid;			 /* the host uid the sandbox ran as */
	char degraded[256];		 /* what was weaker than asked, "" if nothing */
	char quarantined[192];		 /* files the sandbox left for git to follow, renamed away ("" if none) */
	char cgroup_why[160];		 /* why that hierarchy */
	int landlock;			 /* the Landlock ABI applied; 0: unavailable */
	char error[512];		 /* setup or exec error, "" if none */
	unsigned commands;		 /* commands run (a kept sandbox runs more than one) */
	struct al_violations violations; /* denied calls; in learn mode also every call seen */
	struct al_net_log network;	 /* every attempt through the proxy */
};

#endif
