/* A container's cgroup, at the path its config names (cgroupfs or systemd
 * style), on cgroup v1 (one directory per mounted controller) or v2. Not
 * airlock's own per-sandbox cgroups (src/cgroup.c), whose place and names
 * airlock chooses: here the caller (podman, containerd) chooses them. */
#ifndef AIRLOCK_OCI_CGROUP_H
#define AIRLOCK_OCI_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci/spec.h"

enum { OCICG_MAX = 16 };

struct ocicg {
	bool v2;
	size_t n;
	char *dirs[OCICG_MAX];	/* v1: one per hierarchy; v2: one */
	char *ctrls[OCICG_MAX]; /* v1: the hierarchy's controllers ("cpu,cpuacct") */
};

/* Where the container's cgroup is: path from the config (systemd form when
 * systemd is set or the path looks like slice:prefix:name), else /airlock-oci/ID. */
int ocicg_locate(struct ocicg *cg, const char *cgroups_path, const char *id, bool systemd,
		 struct al_error *err);
/* Make the directories and write the limits (fails naming the file). */
int ocicg_create(struct ocicg *cg, const struct oci_resources *res, struct al_error *err);
/* Write the limits (create, and update on a running container). */
int ocicg_set(const struct ocicg *cg, const struct oci_resources *res, struct al_error *err);
int ocicg_enter(const struct ocicg *cg, pid_t pid, struct al_error *err);
/* The pids in the container's cgroup; *n of them (caller frees). */
pid_t *ocicg_pids(const struct ocicg *cg, size_t *n);
int ocicg_freeze(const struct ocicg *cg, bool frozen, struct al_error *err);
bool ocicg_frozen_p(const struct ocicg *cg);
/* SIGKILL to every process in it (thawed, so that they die). */
void ocicg_kill(const struct ocicg *cg);
/* Kill what is left, then remove the directories (deepest only: parents
 * such as machine.slice are shared). */
int ocicg_destroy(const struct ocicg *cg, struct al_error *err);
void ocicg_free(struct ocicg *cg);
/* The directories as "v1|v2 dir ctrls" lines, and back (the state file). */
char *ocicg_save(const struct ocicg *cg);
int ocicg_load(struct ocicg *cg, const char *text);

#endif
