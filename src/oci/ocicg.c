#include "oci/ocicg.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

void ocicg_free(struct ocicg *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->dirs[i]);
		free(cg->ctrls[i]);
	}
	memset(cg, 0, sizeof(*cg));
}

static bool has_ctrl(const char *list, const char *c)
{
	size_t n = strlen(c);
	for (const char *p = list; (p = strstr(p, c)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* A relative cgroupsPath is under the caller's own cgroup in each
 * hierarchy (as runc places it); an absolute one under the hierarchy's root. */
static int add(struct ocicg *cg, const char *mnt, const char *path, bool relative, const char *ctrls,
	       struct al_error *err)
{
	char d[4096], self[2048] = "", own[4096];
	if (cg->n >= OCICG_MAX)
		return al_error_set(err, E2BIG, "cgroup: too many hierarchies");
	if (relative) {
		char first[64];
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(ctrls, ","), ctrls);
		if (al_read_file_at(AT_FDCWD, "/proc/self/cgroup", own, sizeof(own), err) < 0 ||
		    al_cgroup_self_path(own, *first ? first : NULL, self, sizeof(self)) < 0)
			return al_error_set(err, ENOENT, "cgroup: the caller's own %s cgroup",
					    *first ? first : "v2");
		if (strcmp(self, "/") == 0)
			self[0] = '\0';
	}
	if ((size_t)snprintf(d, sizeof(d), "%s%s%s", mnt, self, path) >= sizeof(d))
		return al_error_set(err, ENAMETOOLONG, "cgroup: path too long");
	cg->dirs[cg->n] = strdup(d);
	cg->ctrls[cg->n] = strdup(ctrls);
	if (!cg->dirs[cg->n] || !cg->ctrls[cg->n])
		return al_error_set(err, ENOMEM, "cgroup");
	cg->n++;
	return 0;
}

int ocicg_locate(struct ocicg *cg, const char *cgroups_path, const char *id, bool systemd,
		 struct al_error *err)
{
	char path[2048];
	struct statfs sf;
	bool relative = false;
	memset(cg, 0, sizeof(*cg));
	if (!cgroups_path || !*cgroups_path)
		snprintf(path, sizeof(path), "/airlock-oci/%s", id);
	else if (systemd || (cgroups_path[0] != '/' && strchr(cgroups_path, ':'))) {
		if (oci_systemd_path(cgroups_path, path, sizeof(path)) < 0)
			return al_error_set(err, EINVAL, "linux.cgroupsPath: %s is not slice:prefix:name",
					    cgroups_path);
	} else if (cgroups_path[0] == '/')
		snprintf(path, sizeof(path), "%s", cgroups_path);
	else {
		snprintf(path, sizeof(path), "/%s", cgroups_path);
		relative = true;
	}
	if (strstr(path, "/../") || strstr(path, "/./") ||
	    (strlen(path) >= 3 && !strcmp(path + strlen(path) - 3, "/..")))
		return al_error_set(err, EINVAL, "linux.cgroupsPath: %s has . or .. in it", path);
	if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
		cg->v2 = true;
		return add(cg, "/sys/fs/cgroup", path, relative, "", err);
	}
	/* v1: every mounted hierarchy with a controller (named ones too:
	 * name=systemd, which systemd and podman look at). */
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return al_error_set(err, errno, "cgroup: /proc/self/mountinfo");
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");
		char mnt[1024], fstype[64], src[256], opts[1024];
		if (!sep || sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %255s %1023s", fstype, src, opts) != 3 ||
		    strcmp(fstype, "cgroup") != 0)
			continue;
		/* The hierarchy's controllers are among its super options. */
		char ctrls[256] = "";
		static const char *const known[] = {"cpu",     "cpuacct",  "cpuset",	  "memory",
						    "devices", "freezer",  "blkio",	  "pids",
						    "net_cls", "net_prio", "perf_event",  "hugetlb",
						    "rdma",    "misc",	   "name=systemd"};
		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			if (has_ctrl(opts, known[i]))
				snprintf(ctrls + strlen(ctrls), sizeof(ctrls) - strlen(ctrls), "%s%s",
					 *ctrls ? "," : "", known[i]);
		if (*ctrls && add(cg, mnt, path, relative, ctrls, err) < 0) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	if (!cg->n)
		return al_error_set(err, ENOENT, "cgroup: no cgroup hierarchy is mounted");
	return 0;
}

static int write_at(const char *dir, const char *file, const char *value, struct al_error *err)
{
	cleanup_close int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return al_error_set(err, errno, "cgroup: %s", dir);
	if (al_write_file_at(fd, file, value, err) < 0)
		return al_error_wrap(err, "cgroup %s", dir);
	return 0;
}

/* mkdir -p; a new cpuset directory starts empty and takes no process until
 * its cpus and mems are set: copied from its parent. */
static int mkdirs(const char *dir, bool cpuset, struct al_error *err)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (mkdir(p, 0755) == 0 && cpuset) {
			char parent[4096], buf[256];
			snprintf(parent, sizeof(parent), "%s", p);
			*strrchr(parent, '/') = '\0';
			cleanup_close int pf = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
			cleanup_close int cf = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
			for (int k = 0; k < 2; k++) {
				const char *f = k ? "cpuset.mems" : "cpuset.cpus";
				if (al_read_file_at(pf, f, buf, sizeof(buf), err) < 0 ||
				    al_write_file_at(cf, f, buf, err) < 0)
					return al_error_wrap(err, "cgroup %s", p);
			}
		} else if (errno != EEXIST && errno != 0) {
			if (access(p, F_OK) != 0)
				return al_error_set(err, errno, "cgroup: mkdir %s", p);
		}
		if (!s)
			break;
		*s = '/';
	}
	return 0;
}

/* Whether huge pages of this size ("2MB") can be had on this host at all
 * (configured or overcommittable): without a hugetlb controller, a limit
 * on a size that cannot be allocated anyway is kept by the host itself. */
static bool hugepages_possible(const char *size)
{
	unsigned long n = strtoul(size, NULL, 10);
	char unit = size[strspn(size, "0123456789")];
	unsigned long kb = unit == 'K' ? n : unit == 'M' ? n << 10 : n << 20;
	static const char *const files[] = {"nr_hugepages", "nr_overcommit_hugepages"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char path[128], buf[32];
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%lukB/%s", kb, files[i]);
		if (al_read_file_at(AT_FDCWD, path, buf, sizeof(buf), NULL) >= 0 &&
		    strtoul(buf, NULL, 10) > 0)
			return true;
	}
	return false;
}

static int hugetlb_limits(const struct ocicg *cg, const struct oci_resources *r, struct al_error *err)
{
	for (size_t h = 0; h < r->nhugepages; h++) {
		char file[64], buf[32];
		bool done = false;
		snprintf(file, sizeof(file), cg->v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
			 r->hugepages[h].size);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)r->hugepages[h].limit);
		for (size_t i = 0; i < cg->n; i++) {
			char p[4200];
			snprintf(p, sizeof(p), "%s/%s", cg->dirs[i], file);
			if ((cg->v2 || has_ctrl(cg->ctrls[i], "hugetlb")) && access(p, F_OK) == 0) {
				if (write_at(cg->dirs[i], file, buf, err) < 0)
					return -1;
				done = true;
			}
		}
		if (!done && hugepages_possible(r->hugepages[h].size))
			return al_error_set(
			    err, ENOTSUP,
			    "linux.resources.hugepageLimits: no hugetlb cgroup controller here, and "
			    "huge pages of %s can be allocated",
			    r->hugepages[h].size);
	}
	return 0;
}

static int v1_limits(const struct ocicg *cg, size_t i, const struct oci_resources *r, struct al_error *err)
{
	const char *d = cg->dirs[i], *c = cg->ctrls[i];
	char buf[64];
	if (has_ctrl(c, "memory")) {
		if (r->mem_limit) {
			snprintf(buf, sizeof(buf), "%lld", (long long)r->mem_limit);
			if (write_at(d, "memory.limit_in_bytes", buf, err) < 0)
				return -1;
		}
		if (r->mem_swap) {
			/* v1's memsw is memory + swap, as the spec's swap is. */
			snprintf(buf, sizeof(buf), "%lld", (long long)r->mem_swap);
			if (write_at(d, "memory.memsw.limit_in_bytes", buf, err) < 0)
				return -1;
		}
		if (r->mem_reservation) {
			snprintf(buf, sizeof(buf), "%lld", (long long)r->mem_reservation);
			if (write_at(d, "memory.soft_limit_in_bytes", buf, err) < 0)
				return -1;
		}
		if (r->swappiness >= 0 && r->swappiness <= 100) {
			snprintf(buf, sizeof(buf), "%lld", (long long)r->swappiness);
			if (write_at(d, "memory.swappiness", buf, err) < 0)
				return -1;
		}
		if (r->disable_oom_killer && write_at(d, "memory.oom_control", "1", err) < 0)
			return -1;
	}
	if (has_ctrl(c, "pids") && r->pids_limit) {
		if (r->pids_limit > 0)
			snprintf(buf, sizeof(buf), "%lld", (long long)r->pids_limit);
		else
			snprintf(buf, sizeof(buf), "max");
		if (write_at(d, "pids.max", buf, err) < 0)
			return -1;
	}
	if (has_ctrl(c, "cpu")) {
		if (r->cpu_shares) {
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)r->cpu_shares);
			if (write_at(d, "cpu.shares", buf, err) < 0)
				return -1;
		}
		if (r->cpu_period) {
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)r->cpu_period);
			if (write_at(d, "cpu.cfs_period_us", buf, err) < 0)
				return -1;
		}
		if (r->cpu_quota) {
			snprintf(buf, sizeof(buf), "%lld", (long long)r->cpu_quota);
			if (write_at(d, "cpu.cfs_quota_us", buf, err) < 0)
				return -1;
		}
	}
	if (has_ctrl(c, "cpuset")) {
		if (r->cpus && *r->cpus && write_at(d, "cpuset.cpus", r->cpus, err) < 0)
			return -1;
		if (r->mems && *r->mems && write_at(d, "cpuset.mems", r->mems, err) < 0)
			return -1;
	}
	bool devices = has_ctrl(c, "devices");
#ifdef AIRLOCK_TEST_SWITCHES
	/* Test builds: leave the device rules to the mounts, as on v2. */
	if (getenv("AIRLOCK_TEST_DEVICES_BY_MOUNTS"))
		devices = false;
#endif
	if (devices)
		for (size_t k = 0; k < r->ndevices; k++) {
			const struct oci_dev_rule *dr = &r->devices[k];
			char rule[96], mj[24], mn[24];
			snprintf(mj, sizeof(mj), dr->major < 0 ? "*" : "%lld", (long long)dr->major);
			snprintf(mn, sizeof(mn), dr->minor < 0 ? "*" : "%lld", (long long)dr->minor);
			if (dr->type == 'a')
				snprintf(rule, sizeof(rule), "a");
			else
				snprintf(rule, sizeof(rule), "%c %s:%s %s", dr->type, mj, mn, dr->access);
			if (write_at(d, dr->allow ? "devices.allow" : "devices.deny", rule, err) < 0)
				return -1;
		}
	/* The nodes every container gets (as runc allows them): after the
	 * config's rules, which usually start by denying everything. */
	static const char *const always[] = {"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm",  "c 1:9 rwm",
					     "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"};
	if (devices && r->ndevices)
		for (size_t k = 0; k < ARRAY_SIZE(always); k++)
			if (write_at(d, "devices.allow", always[k], err) < 0)
				return -1;
	return 0;
}

static int v2_limits(const char *d, const struct oci_resources *r, struct al_error *err)
{
	char buf[64];
	if (r->mem_limit) {
		snprintf(buf, sizeof(buf), r->mem_limit < 0 ? "max" : "%lld", (long long)r->mem_limit);
		if (write_at(d, "memory.max", buf, err) < 0)
			return -1;
	}
	if (r->mem_swap) {
		/* v2 counts swap alone; the spec's swap is memory + swap. */
		if (r->mem_swap < 0 || r->mem_limit <= 0)
			snprintf(buf, sizeof(buf), "max");
		else if (r->mem_swap < r->mem_limit)
			return al_error_set(err, EINVAL, "linux.resources.memory.swap: below memory.limit");
		else
			snprintf(buf, sizeof(buf), "%lld", (long long)(r->mem_swap - r->mem_limit));
		if (write_at(d, "memory.swap.max", buf, err) < 0)
			return -1;
	}
	if (r->mem_reservation > 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)r->mem_reservation);
		if (write_at(d, "memory.low", buf, err) < 0)
			return -1;
	}
	if (r->pids_limit) {
		snprintf(buf, sizeof(buf), r->pids_limit < 0 ? "max" : "%lld", (long long)r->pids_limit);
		if (write_at(d, "pids.max", buf, err) < 0)
			return -1;
	}
	if (r->cpu_shares) {
		/* runc's conversion of v1 shares (2..262144) to a weight (1..10000). */
		unsigned long long w = 1 + ((r->cpu_shares < 2 ? 2 : r->cpu_shares) - 2) * 9999 / 262142;
		snprintf(buf, sizeof(buf), "%llu", w);
		if (write_at(d, "cpu.weight", buf, err) < 0)
			return -1;
	}
	if (r->cpu_quota || r->cpu_period) {
		char q[32];
		snprintf(q, sizeof(q), r->cpu_quota > 0 ? "%lld" : "max", (long long)r->cpu_quota);
		snprintf(buf, sizeof(buf), "%s %llu", q,
			 (unsigned long long)(r->cpu_period ? r->cpu_period : 100000));
		if (write_at(d, "cpu.max", buf, err) < 0)
			return -1;
	}
	if (r->cpus && *r->cpus && write_at(d, "cpuset.cpus", r->cpus, err) < 0)
		return -1;
	if (r->mems && *r->mems && write_at(d, "cpuset.mems", r->mems, err) < 0)
		return -1;
	/* Device rules on v2 would be an eBPF program on the cgroup, which
	 * airlock-oci does not load: the container's mounts enforce them
	 * instead (container.c: nodev everywhere but /dev, whose nodes are
	 * the allowed ones; Landlock refuses mknod). */
	for (size_t k = 0; r->unified && r->unified[k]; k += 2)
		if (write_at(d, r->unified[k], r->unified[k + 1], err) < 0)
			return -1;
	return 0;
}

/* w is a space-separated word of list (cgroup.controllers). */
static bool word_p(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* v2: the controllers the limits need, enabled down to the container's parent. */
static int v2_enable(const char *dir, struct al_error *err)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s", dir);
	if (strncmp(p, "/sys/fs/cgroup/", 15) != 0)
		return 0; /* a fake hierarchy (unit tests) */
	char *last = strrchr(p, '/');
	for (char *s = strchr(p + strlen("/sys/fs/cgroup"), '/'); s && s <= last; s = strchr(s + 1, '/')) {
		*s = '\0';
		char avail[512], want[512] = "";
		cleanup_close int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && al_read_file_at(fd, "cgroup.controllers", avail, sizeof(avail), NULL) >= 0) {
			static const char *const c[] = {"cpu", "cpuset", "memory", "pids", "io", "hugetlb"};
			for (size_t i = 0; i < ARRAY_SIZE(c); i++)
				if (word_p(avail, c[i]))
					snprintf(want + strlen(want), sizeof(want) - strlen(want), "+%s ",
						 c[i]);
			for (char *t = strtok(want, " "); t; t = strtok(NULL, " "))
				al_write_file_at(fd, "cgroup.subtree_control", t, NULL);
		}
		*s = '/';
	}
	(void)err;
	return 0;
}

int ocicg_set(const struct ocicg *cg, const struct oci_resources *res, struct al_error *err)
{
	if (!cg->v2 && res->unified && res->unified[0])
		return al_error_set(err, ENOTSUP,
				    "linux.resources.unified: needs cgroup v2 (this host has v1)");
	for (size_t i = 0; i < cg->n; i++)
		if (cg->v2 ? v2_limits(cg->dirs[i], res, err) < 0 : v1_limits(cg, i, res, err) < 0)
			return -1;
	return hugetlb_limits(cg, res, err);
}

int ocicg_create(struct ocicg *cg, const struct oci_resources *res, struct al_error *err)
{
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->v2 && v2_enable(cg->dirs[i], err) < 0)
			return -1;
		if (mkdirs(cg->dirs[i], !cg->v2 && has_ctrl(cg->ctrls[i], "cpuset"), err) < 0)
			return -1;
	}
	return ocicg_set(cg, res, err);
}

int ocicg_enter(const struct ocicg *cg, pid_t pid, struct al_error *err)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++)
		if (write_at(cg->dirs[i], "cgroup.procs", buf, err) < 0)
			return -1;
	return 0;
}

pid_t *ocicg_pids(const struct ocicg *cg, size_t *n)
{
	*n = 0;
	if (!cg->n)
		return calloc(1, sizeof(pid_t));
	/* v1: the pids or freezer hierarchy holds every process; any will do. */
	size_t pick = 0;
	for (size_t i = 0; i < cg->n; i++)
		if (has_ctrl(cg->ctrls[i], "pids") || has_ctrl(cg->ctrls[i], "freezer"))
			pick = i;
	char path[4200];
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->dirs[pick]);
	FILE *f = fopen(path, "re");
	size_t cap = 16;
	pid_t *v = calloc(cap, sizeof(pid_t));
	if (!v) {
		if (f)
			fclose(f);
		return NULL;
	}
	int p;
	while (f && fscanf(f, "%d", &p) == 1) {
		if (*n + 1 >= cap) {
			pid_t *nv = realloc(v, 2 * cap * sizeof(pid_t));
			if (!nv)
				break;
			v = nv;
			cap *= 2;
		}
		v[(*n)++] = p;
	}
	if (f)
		fclose(f);
	return v;
}

int ocicg_freeze(const struct ocicg *cg, bool frozen, struct al_error *err)
{
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->v2)
			return write_at(cg->dirs[i], "cgroup.freeze", frozen ? "1" : "0", err);
		if (has_ctrl(cg->ctrls[i], "freezer"))
			return write_at(cg->dirs[i], "freezer.state", frozen ? "FROZEN" : "THAWED", err);
	}
	return al_error_set(err, ENOTSUP, "pause: no freezer cgroup");
}

bool ocicg_frozen_p(const struct ocicg *cg)
{
	char buf[64];
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_close int fd = open(cg->dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (cg->v2)
			return al_read_file_at(fd, "cgroup.freeze", buf, sizeof(buf), NULL) >= 0 &&
			       buf[0] == '1';
		if (has_ctrl(cg->ctrls[i], "freezer"))
			return al_read_file_at(fd, "freezer.state", buf, sizeof(buf), NULL) >= 0 &&
			       strncmp(buf, "FROZEN", 6) == 0;
	}
	return false;
}

void ocicg_kill(const struct ocicg *cg)
{
	size_t n;
	pid_t *pids = ocicg_pids(cg, &n);
	for (size_t i = 0; pids && i < n; i++)
		kill(pids[i], SIGKILL);
	free(pids);
	ocicg_freeze(cg, false, NULL);
}

int ocicg_destroy(const struct ocicg *cg, struct al_error *err)
{
	for (int tries = 0; tries < 200; tries++) {
		size_t n;
		pid_t *pids = ocicg_pids(cg, &n);
		if (pids && n) {
			/* A frozen cgroup's processes die only once thawed. */
			ocicg_freeze(cg, false, NULL);
			for (size_t i = 0; i < n; i++)
				kill(pids[i], SIGKILL);
		}
		free(pids);
		bool left = false;
		for (size_t i = 0; i < cg->n; i++)
			if (rmdir(cg->dirs[i]) < 0 && errno != ENOENT)
				left = true;
		if (!left) {
			/* The parent airlock-oci made for configs without a
			 * cgroupsPath goes with its last container. */
			for (size_t i = 0; i < cg->n; i++) {
				char parent[4096];
				snprintf(parent, sizeof(parent), "%s", cg->dirs[i]);
				char *slash = strrchr(parent, '/');
				if (slash && slash - parent >= 12 &&
				    strncmp(slash - 12, "/airlock-oci", 12) == 0) {
					*slash = '\0';
					rmdir(parent); /* busy while another container is in it */
				}
			}
			return 0;
		}
		usleep(10000);
	}
	return al_error_set(err, EBUSY, "cgroup: %s still busy", cg->dirs[0]);
}

char *ocicg_save(const struct ocicg *cg)
{
	size_t len = 1;
	for (size_t i = 0; i < cg->n; i++)
		len += strlen(cg->dirs[i]) + strlen(cg->ctrls[i]) + 8;
	char *s = calloc(1, len), *p = s;
	if (!s)
		return NULL;
	for (size_t i = 0; i < cg->n; i++)
		p += sprintf(p, "%s %s %s\n", cg->v2 ? "v2" : "v1", cg->dirs[i],
			     *cg->ctrls[i] ? cg->ctrls[i] : "-");
	return s;
}

int ocicg_load(struct ocicg *cg, const char *text)
{
	memset(cg, 0, sizeof(*cg));
	const char *p = text;
	while (p && *p && cg->n < OCICG_MAX) {
		char kind[4], dir[4096], ctrls[256];
		if (sscanf(p, "%3s %4095s %255s", kind, dir, ctrls) != 3)
			return -1;
		cg->v2 = strcmp(kind, "v2") == 0;
		cg->dirs[cg->n] = strdup(dir);
		cg->ctrls[cg->n] = strdup(strcmp(ctrls, "-") ? ctrls : "");
		if (!cg->dirs[cg->n] || !cg->ctrls[cg->n])
			return -1;
		cg->n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}
