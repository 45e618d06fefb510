/* cgroups: one per sandbox, holding memory (with swap), pids and CPU limits,
 * and the accounting of the whole tree. v2 where the hierarchy has the
 * controllers, else v1 (memory, pids, cpu, cpuacct), else none. */
#ifndef AIRLOCK_CGROUP_H
#define AIRLOCK_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "plan.h"

enum al_cgroup_kind { AL_CGROUP_NONE, AL_CGROUP_V1, AL_CGROUP_V2 };

enum { AL_V1_MEMORY, AL_V1_PIDS, AL_V1_CPU, AL_V1_CPUACCT, AL_V1_N };

struct al_cgroup {
	enum al_cgroup_kind kind;
	int v2_fd; /* v2: the sandbox's cgroup directory (for CLONE_INTO_CGROUP) */
	char *v2_path;
	char *v2_parent;       /* v2: BASE/airlock, removed at the end when no other sandbox is in it */
	int v1_fd[AL_V1_N];    /* v1: the sandbox's directory in each hierarchy */
	int v1_tasks[AL_V1_N]; /* v1: its "tasks" file, opened for the child to move itself */
	char *v1_path[AL_V1_N];
	bool memsw;	  /* v1: swap is counted (memory.memsw.* exists) */
	bool tcp_charged; /* v1: socket buffers are limited (memory.kmem.tcp.* written) */
};

struct al_cgroup_stats {
	uint64_t cpu_ns;     /* CPU time of the whole tree */
	uint64_t peak_bytes; /* peak memory (+ swap on v1) */
	uint64_t oom_kills;  /* processes killed for memory */
	uint64_t pids_max;   /* forks refused at the pids limit */
};

/* Where the caller's own cgroups are, in every hierarchy: found with one
 * read of /proc/self/mountinfo and one of /proc/self/cgroup. */
struct al_cgroup_hierarchy {
	enum al_cgroup_kind kind; /* what al_cgroup_detect found usable */
	bool v2_found;
	char v2[2048];	    /* the caller's v2 cgroup directory */
	char v2_mnt[1024];  /* where the v2 hierarchy is mounted */
	char v2_base[2048]; /* the cgroup airlock owns, under which its "airlock" subtree goes */
	char why[160];	    /* why this hierarchy (for the report) */
	bool v1_found[AL_V1_N];
	char v1[AL_V1_N][2048]; /* the caller's v1 directory per controller */
};

/* Find the hierarchies and which one is usable. */
enum al_cgroup_kind al_cgroup_detect(struct al_cgroup_hierarchy *h);

/* Create the sandbox's cgroup in the hierarchy al_cgroup_detect found (v1:
 * under the caller's own cgroup; v2: in BASE/airlock, see
 * al_cgroup_v2_base), and write the limits. Fails (with the
 * reason) when no hierarchy can be used. */
/* tcp_mem: on v1, also charge (and limit) the sandbox's socket buffers. */
int al_cgroup_create(struct al_cgroup *cg, const struct al_cgroup_hierarchy *h, const struct al_limits *l,
		     bool tcp_mem, struct al_error *err);
/* v1, made after clone: send the tasks fds to the child over a unix
 * socket (SCM_RIGHTS); the child receives them, moves itself in by writing
 * "0" to each, and closes them. */
int al_cgroup_send_tasks(const struct al_cgroup *cg, int sock, struct al_error *err);
int al_cgroup_recv_enter(int sock);
/* Close the child-only fds in the parent after clone. */
void al_cgroup_after_clone(struct al_cgroup *cg);
int al_cgroup_stats(const struct al_cgroup *cg, struct al_cgroup_stats *st);
/* CPU time of the tree so far, in ns (0 without a cgroup). */
uint64_t al_cgroup_cpu_ns(const struct al_cgroup *cg);
/* Kill every process in the cgroup (v2 cgroup.kill, v1 by listing). */
void al_cgroup_kill(const struct al_cgroup *cg);
/* Remove the cgroup; kills stragglers first. Safe to call twice. */
void al_cgroup_destroy(struct al_cgroup *cg);
void al_cgroup_init(struct al_cgroup *cg);

/* Pure pieces, unit-tested against a fake hierarchy directory. */
int al_cgroup_v2_write_limits(int dirfd, const struct al_limits *l, struct al_error *err);
int al_cgroup_v2_read_stats(int dirfd, struct al_cgroup_stats *st);
int al_cgroup_v1_write_limits(const int fds[AL_V1_N], const struct al_limits *l, bool tcp_mem, bool *memsw,
			      bool *tcp_charged, struct al_error *err);
int al_cgroup_v1_read_stats(const int fds[AL_V1_N], bool memsw, struct al_cgroup_stats *st);
/* The caller's cgroup path for a v1 controller ("memory") or v2 (NULL), from
 * the text of /proc/self/cgroup. */
int al_cgroup_self_path(const char *proc_self_cgroup, const char *controller, char *out, size_t len);
/* v2: the cgroup airlock may own, for a caller of this euid whose cgroup is
 * SELF_DIR in the hierarchy mounted at MNT. Root: the top of the hierarchy
 * (MNT itself; the root cgroup is exempt from v2's "no internal processes"
 * rule, so a busy caller's cgroup never matters). Anyone else: the highest
 * ancestor of SELF_DIR (itself included, never above MNT) delegated to
 * euid as systemd delegates (the directory, its cgroup.procs and its
 * cgroup.subtree_control owned by euid); the caller's own processes stay
 * where they are, and the kernel lets the sandbox be born anywhere in that
 * subtree. Fails when nothing is delegated. */
int al_cgroup_v2_base(const char *mnt, const char *self_dir, uid_t euid, char *out, size_t len);
/* v1 cpu.shares for a v2-style weight (1..10000, default 100 = 1024 shares). */
uint64_t al_cgroup_weight_to_shares(uint64_t weight);

#endif
