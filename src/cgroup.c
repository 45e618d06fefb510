/* cgroup v1 and v2 side by side: creation, limits, accounting, removal. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util.h"

static const char *const v1_names[AL_V1_N] = {"memory", "pids", "cpu", "cpuacct"};

#define CGROUP_ROOT "/sys/fs/cgroup"

void al_cgroup_init(struct al_cgroup *cg)
{
	memset(cg, 0, sizeof(*cg));
	cg->v2_fd = -1;
	for (int i = 0; i < AL_V1_N; i++)
		cg->v1_fd[i] = cg->v1_tasks[i] = -1;
}

uint64_t al_cgroup_weight_to_shares(uint64_t weight)
{
	uint64_t s = weight * 1024 / 100;
	return s < 2 ? 2 : s > 262144 ? 262144 : s;
}

int al_cgroup_self_path(const char *text, const char *controller, char *out, size_t len)
{
	/* Lines are "ID:CONTROLLERS:PATH"; v2 is "0::PATH". */
	for (const char *line = text; line && *line;) {
		const char *nl = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', (size_t)(nl - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(nl - c1 - 1)) : NULL;
		if (c2) {
			bool match = false;
			if (!controller) {
				match = c2 == c1 + 1 && strncmp(line, "0:", 2) == 0;
			} else {
				size_t n = strlen(controller);
				for (const char *t = c1 + 1; t < c2;) {
					const char *e = memchr(t, ',', (size_t)(c2 - t));
					if (!e)
						e = c2;
					if ((size_t)(e - t) == n && strncmp(t, controller, n) == 0)
						match = true;
					t = e + 1;
				}
			}
			if (match) {
				size_t n = (size_t)(nl - c2 - 1);
				if (n + 1 > len)
					return -1;
				memcpy(out, c2 + 1, n);
				out[n] = '\0';
				return 0;
			}
		}
		line = *nl ? nl + 1 : NULL;
	}
	return -1;
}

/* Does a mount's super options list this controller? */
static bool has_option(const char *opts, const char *name)
{
	size_t n = strlen(name);
	for (const char *t = opts; *t;) {
		const char *e = strchrnul(t, ',');
		if ((size_t)(e - t) == n && strncmp(t, name, n) == 0)
			return true;
		t = *e ? e + 1 : e;
	}
	return false;
}

static void join(char *out, size_t len, const char *mnt, const char *self, bool *found)
{
	*found = (size_t)snprintf(out, len, "%s%s", mnt, strcmp(self, "/") == 0 ? "" : self) < len;
}

/* Every mount of the namespace, from mountinfo: exact wherever the
 * hierarchies are mounted. */
static void locate_mountinfo(struct al_cgroup_hierarchy *h, const char *text)
{
	char line[4096], self[2048];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	memset(h, 0, sizeof(*h));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		/* ... mountpoint ... - fstype source superopts */
		char *dash = strstr(line, " - ");
		char mnt[1024], fstype[64], source[256], opts[1024];
		if (!dash || sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %255s %1023s", fstype, source, opts) != 3)
			continue;
		if (strchr(mnt, '\\')) /* octal escapes: not a path we handle */
			continue;
		/* The first mount of each hierarchy wins, as before. */
		if (strcmp(fstype, "cgroup2") == 0 && !h->v2_found) {
			if (al_cgroup_self_path(text, NULL, self, sizeof(self)) == 0 &&
			    (size_t)snprintf(h->v2_mnt, sizeof(h->v2_mnt), "%s", mnt) < sizeof(h->v2_mnt))
				join(h->v2, sizeof(h->v2), mnt, self, &h->v2_found);
		} else if (strcmp(fstype, "cgroup") == 0) {
			for (int i = 0; i < AL_V1_N; i++)
				if (!h->v1_found[i] && has_option(opts, v1_names[i]) &&
				    al_cgroup_self_path(text, v1_names[i], self, sizeof(self)) == 0)
					join(h->v1[i], sizeof(h->v1[i]), mnt, self, &h->v1_found[i]);
		}
	}
	fclose(f);
}

static bool is_fs(const char *path, long magic)
{
	struct statfs st;
	return statfs(path, &st) == 0 && st.f_type == magic;
}

/* The usual layout, where systemd and the distributions mount the
 * hierarchies: v2 at /sys/fs/cgroup or /sys/fs/cgroup/unified, each v1
 * controller at /sys/fs/cgroup/NAME (a symlink to NAME,OTHER when mounted
 * together). A few statfs calls, where reading mountinfo (the kernel
 * formats every mount of the namespace) cost ~0.1 ms of each launch. A
 * v1 directory counts only if it is a cgroup file system whose name lists
 * the controller and which has the controller's own files (pids has none
 * at the top: a wrong guess there fails the pids.max write, never
 * silently). Returns false when the layout is not the usual one. */
static bool locate_usual(struct al_cgroup_hierarchy *h, const char *text)
{
	static const char *const marker[AL_V1_N] = {"memory.limit_in_bytes", NULL, "cpu.shares",
						    "cpuacct.usage"};
	char self[2048], mnt[64], link[32], file[2304];

	memset(h, 0, sizeof(*h));
	if (is_fs(CGROUP_ROOT, CGROUP2_SUPER_MAGIC))
		snprintf(h->v2_mnt, sizeof(h->v2_mnt), "%s", CGROUP_ROOT);
	else if (is_fs(CGROUP_ROOT "/unified", CGROUP2_SUPER_MAGIC))
		snprintf(h->v2_mnt, sizeof(h->v2_mnt), "%s", CGROUP_ROOT "/unified");
	else
		return false;
	if (al_cgroup_self_path(text, NULL, self, sizeof(self)) == 0)
		join(h->v2, sizeof(h->v2), h->v2_mnt, self, &h->v2_found);
	if (strcmp(h->v2_mnt, CGROUP_ROOT) == 0)
		return true; /* pure v2: no v1 hierarchy there */
	for (int i = 0; i < AL_V1_N; i++) {
		snprintf(mnt, sizeof(mnt), CGROUP_ROOT "/%s", v1_names[i]);
		ssize_t n = readlink(mnt, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			if (strchr(link, '/'))
				continue;
			snprintf(mnt, sizeof(mnt), CGROUP_ROOT "/%s", link);
		}
		/* The directory's name lists the controller: "cpu,cpuacct". */
		const char *base = mnt + strlen(CGROUP_ROOT "/");
		if (!has_option(base, v1_names[i]) || !is_fs(mnt, CGROUP_SUPER_MAGIC) ||
		    al_cgroup_self_path(text, v1_names[i], self, sizeof(self)) < 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", mnt, marker[i] ? marker[i] : "cgroup.procs");
		if (access(file, F_OK) == 0)
			join(h->v1[i], sizeof(h->v1[i]), mnt, self, &h->v1_found[i]);
	}
	return true;
}

/* Does a space-separated controller list name all of memory, pids and cpu? */
static bool lists_ours(const char *list)
{
	static const char *const want[] = {"memory", "pids", "cpu"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(want[i]);
		bool found = false;
		for (const char *t = list; *t && !found;) {
			t += strspn(t, " \n");
			size_t w = strcspn(t, " \n");
			found = w == n && strncmp(t, want[i], n) == 0;
			t += w;
		}
		if (!found)
			return false;
	}
	return true;
}

/* Are memory, pids and cpu available to DIR's children (its own
 * cgroup.controllers lists what it may enable for them)? */
static bool v2_has_controllers(const char *dir)
{
	char path[2304], buf[512];

	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	if (al_read_file_at(AT_FDCWD, path, buf, sizeof(buf), NULL) < 0)
		return false;
	return lists_ours(buf);
}

static bool owned_by(const char *dir, const char *file, uid_t uid)
{
	char path[2304];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s%s", dir, file ? "/" : "", file ? file : "");
	return lstat(path, &st) == 0 && st.st_uid == uid &&
	       (file ? S_ISREG(st.st_mode) : S_ISDIR(st.st_mode));
}

int al_cgroup_v2_base(const char *mnt, const char *self_dir, uid_t euid, char *out, size_t len)
{
	char dir[2048];
	size_t ml = strlen(mnt);
	bool found = false;

	if (euid == 0)
		return (size_t)snprintf(out, len, "%s", mnt) < len ? 0 : -1;
	if ((size_t)snprintf(dir, sizeof(dir), "%s", self_dir) >= sizeof(dir) || strncmp(dir, mnt, ml) != 0 ||
	    (dir[ml] != '/' && dir[ml] != '\0'))
		return -1;
	/* Walk up while the cgroup is delegated to us; the last one wins. */
	for (;;) {
		if (!owned_by(dir, NULL, euid) || !owned_by(dir, "cgroup.procs", euid) ||
		    !owned_by(dir, "cgroup.subtree_control", euid))
			break;
		if ((size_t)snprintf(out, len, "%s", dir) >= len)
			return -1;
		found = true;
		char *slash = strrchr(dir, '/');
		if (strlen(dir) <= ml || !slash || (size_t)(slash - dir) < ml)
			break;
		*slash = '\0';
	}
	return found ? 0 : -1;
}

static enum al_cgroup_kind detect(struct al_cgroup_hierarchy *h)
{
	const char *v2 = "no v2 hierarchy";

	if (h->v2_found) {
		if (al_cgroup_v2_base(h->v2_mnt, h->v2, geteuid(), h->v2_base, sizeof(h->v2_base)) < 0) {
			v2 = "v2: no cgroup delegated to this user";
		} else if (!v2_has_controllers(h->v2_base)) {
			v2 = "v2: memory, pids or cpu not available";
		} else {
			snprintf(h->why, sizeof(h->why), "v2: %s",
				 geteuid() == 0 ? "root, the top of the hierarchy"
						: "the caller's delegated subtree");
			return AL_CGROUP_V2;
		}
	}
	for (int i = 0; i < AL_V1_N; i++)
		if (!h->v1_found[i] || access(h->v1[i], W_OK) < 0) {
			snprintf(h->why, sizeof(h->why), "%s; v1 %s %s", v2, v1_names[i],
				 h->v1_found[i] ? "not writable" : "not mounted");
			return AL_CGROUP_NONE;
		}
	snprintf(h->why, sizeof(h->why), "%s; v1 memory, pids, cpu, cpuacct writable", v2);
	return AL_CGROUP_V1;
}

enum al_cgroup_kind al_cgroup_detect(struct al_cgroup_hierarchy *h)
{
	char text[4096];

	if (al_read_file_at(AT_FDCWD, "/proc/self/cgroup", text, sizeof(text), NULL) < 0)
		text[0] = '\0';
	/* What the usual places offer is what mountinfo would find there (a
	 * controller belongs to one hierarchy only); only when they offer
	 * nothing usable is the rest of the namespace searched. */
	if (locate_usual(h, text) && (h->kind = detect(h)) != AL_CGROUP_NONE)
		return h->kind;
	locate_mountinfo(h, text);
	h->kind = detect(h);
	return h->kind;
}

/* Our pid namespace's inode: part of every cgroup name, because a pid only
 * means something in its own namespace and a hierarchy may be shared with
 * supervisors in other containers. */
static unsigned long pidns_id(void)
{
	struct stat st;
	return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* Remove leftovers of supervisors that were killed before they could clean
 * up: empty "airlock-PID-SEQ-PIDNS" cgroups of our pid namespace whose PID is
 * gone. rmdir refuses a cgroup that still has processes, so this never
 * disturbs a live sandbox. A cgroup directory's link count is 2 plus its
 * child cgroups: with none there is nothing to look for (the common case
 * for a caller's own cgroup). The entries are read with getdents64 into a
 * buffer on the stack: opendir's 32 KiB buffer was fresh heap, eight page
 * faults of each hierarchy on each launch. */
static void reap_stale(const char *parent)
{
	unsigned long self_ns, seq, ns;
	char buf[2048];
	struct stat st;
	int pid;

	if (stat(parent, &st) < 0 || st.st_nlink <= 2)
		return;
	self_ns = pidns_id();
	cleanup_close int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (long off = 0; off < n;) {
			struct linux_dirent64 {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *e = (struct linux_dirent64 *)(buf + off);
			off += e->reclen;
			if (e->type != DT_DIR ||
			    sscanf(e->name, "airlock-%d-%lu-%lu", &pid, &seq, &ns) != 3 || pid <= 0 ||
			    ns != self_ns)
				continue;
			if (kill(pid, 0) == 0 || errno != ESRCH)
				continue;
			unlinkat(fd, e->name, AT_REMOVEDIR);
		}
	}
}

static int make_dir(const char *parent, const char *name, char **path, int *fd, struct al_error *err)
{
	reap_stale(parent);
	if (asprintf(path, "%s/%s", parent, name) < 0) {
		*path = NULL;
		return al_error_set(err, ENOMEM, "cgroup");
	}
	/* mkdir fails on an existing name: never adopt someone else's cgroup. */
	if (mkdir(*path, 0700) < 0)
		return al_error_set(err, errno, "mkdir %s", *path);
	*fd = open(*path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return al_error_set(err, errno, "open %s", *path);
	return 0;
}

int al_cgroup_v2_write_limits(int dirfd, const struct al_limits *l, struct al_error *err)
{
	char buf[64];

	if (l->memory) {
		snprintf(buf, sizeof(buf), "%" PRIu64, l->memory);
		if (al_write_file_at(dirfd, "memory.max", buf, err) < 0)
			return -1;
		/* Swap is counted by allowing none: memory.max is then memory + swap. */
		if (al_write_file_at(dirfd, "memory.swap.max", "0", err) < 0 && err->errnum != ENOENT)
			return -1;
		/* One OOM kill takes the whole sandbox, not one victim. */
		if (al_write_file_at(dirfd, "memory.oom.group", "1", err) < 0)
			return -1;
	}
	if (l->pids) {
		snprintf(buf, sizeof(buf), "%" PRIu64, l->pids);
		if (al_write_file_at(dirfd, "pids.max", buf, err) < 0)
			return -1;
	}
	snprintf(buf, sizeof(buf), "%" PRIu64, l->cpu_weight ? l->cpu_weight : 100);
	return al_write_file_at(dirfd, "cpu.weight", buf, err);
}

int al_cgroup_v2_read_stats(int dirfd, struct al_cgroup_stats *st)
{
	uint64_t usec = 0;

	memset(st, 0, sizeof(*st));
	if (al_read_keyed_u64_at(dirfd, "cpu.stat", "usage_usec", &usec) == 0)
		st->cpu_ns = usec * 1000;
	al_read_u64_at(dirfd, "memory.peak", &st->peak_bytes, NULL);
	al_read_keyed_u64_at(dirfd, "memory.events", "oom_kill", &st->oom_kills);
	al_read_keyed_u64_at(dirfd, "pids.events", "max", &st->pids_max);
	return 0;
}

int al_cgroup_v1_write_limits(const int fds[AL_V1_N], const struct al_limits *l, bool tcp_mem, bool *memsw,
			      bool *tcp_charged, struct al_error *err)
{
	char buf[64];

	*tcp_charged = false;
	*memsw = faccessat(fds[AL_V1_MEMORY], "memory.memsw.limit_in_bytes", F_OK, 0) == 0;
	if (l->memory) {
		snprintf(buf, sizeof(buf), "%" PRIu64, l->memory);
		/* memsw must stay >= limit_in_bytes: set the plain limit first. */
		if (al_write_file_at(fds[AL_V1_MEMORY], "memory.limit_in_bytes", buf, err) < 0)
			return -1;
		if (*memsw &&
		    al_write_file_at(fds[AL_V1_MEMORY], "memory.memsw.limit_in_bytes", buf, err) < 0)
			return -1;
		/* v1 charges socket buffers to no memory counter until a TCP
		 * limit is written: then TCP (and UDP) buffers of sockets made
		 * in the cgroup go to a counter of their own (kmem.tcp, apart
		 * from limit_in_bytes), and a socket that would pass it gets no
		 * more buffer. Without it, one loopback connection after another
		 * pinned the host's TCP pool (470 MiB under --memory 32M). The
		 * sandbox may so hold its memory limit twice: once in memory,
		 * once in socket buffers. (v2 charges socket memory to
		 * memory.max itself.) A kernel without the file has no v1
		 * socket accounting to turn on. */
		if (tcp_mem) {
			if (al_write_file_at(fds[AL_V1_MEMORY], "memory.kmem.tcp.limit_in_bytes", buf, err) ==
			    0)
				*tcp_charged = true;
			else if (err->errnum != ENOENT)
				return -1;
		}
	}
	if (l->pids) {
		snprintf(buf, sizeof(buf), "%" PRIu64, l->pids);
		if (al_write_file_at(fds[AL_V1_PIDS], "pids.max", buf, err) < 0)
			return -1;
	}
	snprintf(buf, sizeof(buf), "%" PRIu64,
		 al_cgroup_weight_to_shares(l->cpu_weight ? l->cpu_weight : 100));
	return al_write_file_at(fds[AL_V1_CPU], "cpu.shares", buf, err);
}

int al_cgroup_v1_read_stats(const int fds[AL_V1_N], bool memsw, struct al_cgroup_stats *st)
{
	memset(st, 0, sizeof(*st));
	al_read_u64_at(fds[AL_V1_CPUACCT], "cpuacct.usage", &st->cpu_ns, NULL);
	al_read_u64_at(fds[AL_V1_MEMORY],
		       memsw ? "memory.memsw.max_usage_in_bytes" : "memory.max_usage_in_bytes",
		       &st->peak_bytes, NULL);
	al_read_keyed_u64_at(fds[AL_V1_MEMORY], "memory.oom_control", "oom_kill", &st->oom_kills);
	al_read_keyed_u64_at(fds[AL_V1_PIDS], "pids.events", "max", &st->pids_max);
	return 0;
}

/* Enable memory, pids and cpu for DIR's children, writing only what is
 * missing: the write is refused (EBUSY, v2's "no internal processes" rule)
 * in a cgroup that holds processes, even when it would change nothing. */
static int v2_enable_controllers(const char *dir, struct al_error *err)
{
	char path[2304], buf[512];

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	if (al_read_file_at(AT_FDCWD, path, buf, sizeof(buf), err) < 0)
		return -1;
	if (lists_ours(buf))
		return 0;
	return al_write_file_at(AT_FDCWD, path, "+memory +pids +cpu", err);
}

/* BASE/airlock: a cgroup holding only sandboxes' cgroups (never a process,
 * so its controllers can always be enabled), made by the first sandbox and
 * removed by the last. */
static int v2_parent(const char *base, char **parent, struct al_error *err)
{
	struct stat st;

	if (v2_enable_controllers(base, err) < 0)
		return -1;
	if (asprintf(parent, "%s/airlock", base) < 0) {
		*parent = NULL;
		return al_error_set(err, ENOMEM, "cgroup");
	}
	if (mkdir(*parent, 0755) < 0 && errno != EEXIST)
		return al_error_set(err, errno, "mkdir %s", *parent);
	/* Never adopt a cgroup someone else made there. */
	if (lstat(*parent, &st) < 0)
		return al_error_set(err, errno, "%s", *parent);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return al_error_set(err, EPERM, "%s is not airlock's own cgroup (owner %u)", *parent,
				    (unsigned)st.st_uid);
	return v2_enable_controllers(*parent, err);
}

static unsigned long next_seq(void)
{
	/* A per-process counter keeps names unique across sandboxes of one
	 * supervisor; the pid keeps them unique across supervisors. */
	static unsigned long seq;
	return __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
}

int al_cgroup_create(struct al_cgroup *cg, const struct al_cgroup_hierarchy *h, const struct al_limits *l,
		     bool tcp_mem, struct al_error *err)
{
	char name[64], dir[2048];

	al_cgroup_init(cg);
	snprintf(name, sizeof(name), "airlock-%d-%lu-%lu", (int)getpid(), next_seq(), pidns_id());
	cg->kind = h->kind;
	if (cg->kind == AL_CGROUP_V2) {
		/* Another supervisor's last sandbox may remove BASE/airlock
		 * between our mkdirs: then make it again. */
		for (int tries = 0;; tries++) {
			free(cg->v2_parent);
			cg->v2_parent = NULL;
			if (v2_parent(h->v2_base, &cg->v2_parent, err) == 0) {
				free(cg->v2_path);
				if (make_dir(cg->v2_parent, name, &cg->v2_path, &cg->v2_fd, err) == 0)
					break;
			}
			if (err->errnum != ENOENT || tries == 3)
				goto fail;
		}
		if (al_cgroup_v2_write_limits(cg->v2_fd, l, err) < 0)
			goto fail;
		return 0;
	}
	if (cg->kind == AL_CGROUP_V1) {
		for (int i = 0; i < AL_V1_N; i++) {
			snprintf(dir, sizeof(dir), "%s", h->v1[i]);
			/* Controllers mounted together (cpu,cpuacct) share one directory. */
			int same = -1;
			for (int j = 0; j < i; j++)
				if (cg->v1_path[j] && strncmp(cg->v1_path[j], dir, strlen(dir)) == 0 &&
				    cg->v1_path[j][strlen(dir)] == '/' &&
				    strcmp(cg->v1_path[j] + strlen(dir) + 1, name) == 0)
					same = j;
			if (same >= 0) {
				cg->v1_fd[i] = fcntl(cg->v1_fd[same], F_DUPFD_CLOEXEC, 0);
				continue;
			}
			if (make_dir(dir, name, &cg->v1_path[i], &cg->v1_fd[i], err) < 0)
				goto fail;
			cg->v1_tasks[i] = openat(cg->v1_fd[i], "tasks", O_WRONLY | O_CLOEXEC);
			if (cg->v1_tasks[i] < 0) {
				al_error_set(err, errno, "open %s/tasks", cg->v1_path[i]);
				goto fail;
			}
		}
		if (al_cgroup_v1_write_limits(cg->v1_fd, l, tcp_mem, &cg->memsw, &cg->tcp_charged, err) < 0)
			goto fail;
		return 0;
	}
	return al_error_set(
	    err, 0, "no usable cgroup hierarchy (v2 without memory/pids/cpu controllers, v1 not writable)");
fail:
	al_error_wrap(err, "cgroup");
	al_cgroup_destroy(cg);
	return -1;
}

int al_cgroup_send_tasks(const struct al_cgroup *cg, int sock, struct al_error *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * AL_V1_N)];
		struct cmsghdr align;
	} u;
	int fds[AL_V1_N], n = 0;

	for (int i = 0; i < AL_V1_N; i++)
		if (cg->v1_tasks[i] >= 0)
			fds[n++] = cg->v1_tasks[i];
	memset(&u, 0, sizeof(u));
	struct iovec iov = {.iov_base = (char[]){(char)n}, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	if (n == 0 || sendmsg(sock, &mh, MSG_NOSIGNAL) != 1)
		return al_error_set(err, n ? errno : 0, "cgroup: hand the tasks files to the sandbox");
	return 0;
}

int al_cgroup_recv_enter(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * AL_V1_N)];
		struct cmsghdr align;
	} u;
	char count;
	struct iovec iov = {.iov_base = &count, .iov_len = 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	int r = 0;

	ssize_t got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (got != 1) {
		if (got == 0)
			errno = EPIPE; /* the supervisor is gone */
		return -1;
	}
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    (mh.msg_flags & MSG_CTRUNC)) {
		errno = EPROTO;
		return -1;
	}
	size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	int fds[AL_V1_N];
	if (n != (size_t)count || n > AL_V1_N) {
		errno = EPROTO;
		return -1;
	}
	memcpy(fds, CMSG_DATA(cm), n * sizeof(int));
	for (size_t i = 0; i < n; i++) {
		if (r == 0 && write(fds[i], "0", 1) != 1)
			r = -1;
		close(fds[i]);
	}
	return r;
}

void al_cgroup_after_clone(struct al_cgroup *cg)
{
	for (int i = 0; i < AL_V1_N; i++)
		al_closep(&cg->v1_tasks[i]);
}

int al_cgroup_stats(const struct al_cgroup *cg, struct al_cgroup_stats *st)
{
	if (cg->kind == AL_CGROUP_V2)
		return al_cgroup_v2_read_stats(cg->v2_fd, st);
	if (cg->kind == AL_CGROUP_V1)
		return al_cgroup_v1_read_stats(cg->v1_fd, cg->memsw, st);
	memset(st, 0, sizeof(*st));
	return -1;
}

uint64_t al_cgroup_cpu_ns(const struct al_cgroup *cg)
{
	uint64_t v = 0;

	if (cg->kind == AL_CGROUP_V2 && al_read_keyed_u64_at(cg->v2_fd, "cpu.stat", "usage_usec", &v) == 0)
		return v * 1000;
	if (cg->kind == AL_CGROUP_V1 &&
	    al_read_u64_at(cg->v1_fd[AL_V1_CPUACCT], "cpuacct.usage", &v, NULL) == 0)
		return v;
	return 0;
}

/* Kill every pid listed in dirfd/cgroup.procs, reading the whole file: a
 * list cut short could end in a fragment that is another process's pid. At
 * the end of a run the file is empty: one read into a buffer on the stack,
 * no stdio buffer on the heap. */
static void kill_listed(int dirfd)
{
	cleanup_close int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	char buf[1024];
	size_t have = 0;

	if (fd < 0)
		return;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			n = 0;
		have += (size_t)n;
		buf[have] = '\0';
		/* Every complete line; a partial last one waits for the next read. */
		char *p = buf, *nl;
		while ((nl = strchr(p, '\n')) || (n == 0 && *p)) {
			long pid = strtol(p, NULL, 10);
			if (pid > 0)
				kill((pid_t)pid, SIGKILL);
			p = nl ? nl + 1 : p + strlen(p);
		}
		have = strlen(p);
		memmove(buf, p, have);
		if (n == 0 || have == sizeof(buf) - 1)
			return;
	}
}

void al_cgroup_kill(const struct al_cgroup *cg)
{
	if (cg->kind == AL_CGROUP_V2 && cg->v2_fd >= 0) {
		if (al_write_file_at(cg->v2_fd, "cgroup.kill", "1", NULL) < 0)
			kill_listed(cg->v2_fd);
	} else if (cg->kind == AL_CGROUP_V1 && cg->v1_fd[AL_V1_PIDS] >= 0) {
		/* v1 has no cgroup.kill; the pids hierarchy holds every task. */
		kill_listed(cg->v1_fd[AL_V1_PIDS]);
	}
}

static void remove_dir(char **path)
{
	if (!*path)
		return;
	/* A killed task leaves the cgroup only when it is fully gone: retry briefly. */
	for (int i = 0; i < 200 && rmdir(*path) < 0 && errno == EBUSY; i++)
		usleep(500);
	free(*path);
	*path = NULL;
}

void al_cgroup_destroy(struct al_cgroup *cg)
{
	al_cgroup_kill(cg);
	al_closep(&cg->v2_fd);
	remove_dir(&cg->v2_path);
	/* Refused (EBUSY) while another sandbox is in it: the last one out
	 * removes it. */
	if (cg->v2_parent)
		rmdir(cg->v2_parent);
	free(cg->v2_parent);
	cg->v2_parent = NULL;
	for (int i = 0; i < AL_V1_N; i++) {
		al_closep(&cg->v1_tasks[i]);
		al_closep(&cg->v1_fd[i]);
		remove_dir(&cg->v1_path[i]);
	}
}
