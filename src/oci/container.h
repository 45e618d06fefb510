/* The container's processes: its init (create, held at the exec fifo until
 * start) and the processes `exec` adds, each through the same tail: limits,
 * user, capabilities, then airlock's layers (no_new_privs, Landlock, its
 * seccomp deny-list with a listener whose violations a monitor records),
 * then the bundle's own seccomp profile, then execve. */
#ifndef AIRLOCK_OCI_CONTAINER_H
#define AIRLOCK_OCI_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "oci/ocicg.h"
#include "oci/spec.h"
#include "policy.h"
#include "seccomp.h"

struct oci_run {
	const struct oci_spec *spec;
	const char *id, *bundle, *rootfs, *state_dir;
	int console_fd;	  /* connected to --console-socket, or -1 */
	int preserve_fds; /* --preserve-fds: fds 3..3+N-1 stay open across exec */
	struct ocicg cg;
	uint64_t disabled; /* AL_DEF_* switched off (test builds only) */
	/* Compiled in the parent, before clone: the child only loads them. */
	struct al_sc_policy policy;
	struct al_filter airlock_filter, bundle_filter;
	bool has_bundle_filter;
	unsigned bundle_filter_flags;
	int landlock_abi;
	/* cgroup v2 with device rules: no eBPF program, so every mount but
	 * /dev is nodev and /dev holds only allowed nodes. */
	bool devices_by_mounts;
	/* Called by create once the init's namespaces and mounts exist, before
	 * pivot_root: the createRuntime and prestart hooks. */
	int (*runtime_hooks)(const struct oci_run *r, pid_t pid, struct al_error *err);
	const char *landlock_rw[64]; /* writable mounts' destinations */
	size_t nlandlock_rw;
};

/* Parent side, before any process: the filters, the Landlock ABI. */
int oci_run_prepare(struct oci_run *r, struct al_error *err);
void oci_run_release(struct oci_run *r);
/* create: the init, in its namespaces and cgroup, its root in place, held
 * at ROOT/ID/exec.fifo. Returns its pid (a child of the caller's
 * subreaper once airlock-oci exits). */
pid_t oci_create(struct oci_run *r, struct al_error *err);
/* exec: a process in the container of init pid `pid`; its host pid. With
 * wait, waits and sets *status (a wait status). */
pid_t oci_exec(struct oci_run *r, const struct oci_process *p, pid_t pid, bool tty, struct al_error *err);
/* The process's start time (/proc/PID/stat field 22): a pid's identity. */
uint64_t oci_starttime(pid_t pid);
/* Run hooks with the state JSON on stdin; the first failure fails. */
int oci_hooks_run(const struct oci_hook *h, size_t n, const char *state_json, const char *what,
		  struct al_error *err);

#endif
