#include "mount.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* Where the new root is assembled, in this mount namespace only: host paths
 * are cloned with open_tree() before it is covered, so binds of paths under
 * it still see the host's files. */
#define NEWROOT "/tmp"

/* The new root being assembled: its directory, and the open flag that keeps
 * path walks from following symlinks (O_NOFOLLOW; 0 only in a test control). */
struct newroot {
	int fd;
	int nofollow;
};

static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom"};

/* Open the directory that will hold the last component of inside, creating
 * the ones before it, walking down from the new root without following any
 * symlink: a writable bind may hold symlinks that a hostile earlier run
 * planted to send a mount point (and the mount) outside the sandbox. */
static int open_parent(const struct newroot *root, const char *inside, const char **base,
		       struct al_error *err)
{
	int dfd = fcntl(root->fd, F_DUPFD_CLOEXEC, 0);
	const char *p = inside;

	if (dfd < 0)
		return al_error_set(err, errno, "%s", inside);
	for (;;) {
		char comp[256];
		while (*p == '/')
			p++;
		const char *e = strchrnul(p, '/'), *next = e;
		while (*next == '/')
			next++;
		if (*next == '\0') {
			*base = p;
			return dfd;
		}
		size_t n = (size_t)(e - p);
		if (n >= sizeof(comp)) {
			close(dfd);
			return al_error_set(err, ENAMETOOLONG, "%s", inside);
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (mkdirat(dfd, comp, 0755) < 0 && errno != EEXIST) {
			al_error_set(err, errno, "mkdir %.*s", (int)(e - inside), inside);
			close(dfd);
			return -1;
		}
		int nfd = openat(dfd, comp, O_PATH | O_DIRECTORY | root->nofollow | O_CLOEXEC);
		close(dfd);
		if (nfd < 0)
			return al_error_set(err, errno, "%.*s (a symlink or not a directory: not followed)",
					    (int)(e - inside), inside);
		dfd = nfd;
		p = e;
	}
}

/* Create (if needed) and open the mount point for inside: a directory or an
 * empty file. Nothing is followed; a FIFO planted there cannot block us. */
static int make_mountpoint(const struct newroot *root, const char *inside, bool dir, struct al_error *err)
{
	const char *base;
	int fd, parent = open_parent(root, inside, &base, err);

	if (parent < 0)
		return -1;
	if (dir) {
		if (mkdirat(parent, base, 0755) < 0 && errno != EEXIST)
			al_error_set(err, errno, "mkdir %s", inside);
		fd = openat(parent, base, O_PATH | O_DIRECTORY | root->nofollow | O_CLOEXEC);
	} else {
		fd = openat(parent, base, O_RDONLY | O_CREAT | root->nofollow | O_NONBLOCK | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		al_error_set(err, errno, "mount point %s", inside);
	close(parent);
	return fd;
}

/* What a bind must not be, judged on the object opened (no race with the
 * path): a socket (a way to talk to a host service), a device node, or the
 * root of a kernel file system, wherever it is mounted. The plan refused
 * the well-known paths by name already. */
static const char *unsafe_object(int fd)
{
	static const struct {
		unsigned long magic;
		const char *what;
	} kernel_fs[] = {
	    {0x9fa0, "procfs"},		{0x62656572, "sysfs"},	 {0x27e0eb, "cgroup"},
	    {0x63677270, "cgroup2"},	{0x64626720, "debugfs"}, {0x74726163, "tracefs"},
	    {0x73636673, "securityfs"}, {0xcafe4a11, "bpf"},	 {0x62656570, "configfs"},
	    {0xde5e81e4, "efivarfs"},	{0x6165676c, "pstore"},	 {0x6e736673, "nsfs"},
	    {0x1cd1, "devpts"},
	};
	struct stat st;
	struct statfs sf;

	if (fstat(fd, &st) < 0 || fstatfs(fd, &sf) < 0)
		return "cannot be examined";
	if (S_ISSOCK(st.st_mode))
		return "a socket";
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return "a device node";
	for (size_t i = 0; i < ARRAY_SIZE(kernel_fs); i++)
		if ((unsigned long)sf.f_type == kernel_fs[i].magic)
			return kernel_fs[i].what;
	return NULL;
}

/* A bind is cloned with everything mounted beneath it (AT_RECURSIVE): a
 * kernel file system mounted somewhere below a bound directory would come
 * along (a procfs at /srv/data/proc shows the host's processes). Refused
 * here, from one read of the mount table, for the binds that are the
 * caller's (a profile's system directories are the operator's). */
static bool kernel_fs_name(const char *t)
{
	static const char *const names[] = {"proc",    "sysfs",	     "cgroup", "cgroup2",  "debugfs",
					    "tracefs", "securityfs", "bpf",    "configfs", "efivarfs",
					    "pstore",  "nsfs",	     "devpts", "devtmpfs", "mqueue",
					    "fusectl", "binfmt_misc"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(t, names[i]) == 0)
			return true;
	return false;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++, o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*o = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o = *s;
		}
	}
	*o = '\0';
}

int al_mount_check_submounts(const struct al_plan *plan, struct al_error *err)
{
	bool any = false;

	for (size_t i = 0; i < plan->profile.nbinds; i++)
		any = any || plan->profile.binds[i].caller;
	if (!any || plan->allow_unsafe_binds)
		return 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return al_error_set(err, errno, "read the mount table");
	char *line = NULL;
	size_t cap = 0;
	int r = 0;
	while (r == 0 && getline(&line, &cap, f) > 0) {
		char *save = NULL, *mnt = NULL, *sep = strstr(line, " - ");
		if (!sep)
			continue;
		char *tok = strtok_r(line, " ", &save);
		for (int k = 1; tok && k < 5; k++)
			tok = strtok_r(NULL, " ", &save);
		mnt = tok;
		char *type = strtok_r(sep + 3, " ", &save);
		if (!mnt || !type || !kernel_fs_name(type))
			continue;
		unescape(mnt);
		for (size_t i = 0; i < plan->profile.nbinds && r == 0; i++) {
			const struct al_bind *b = &plan->profile.binds[i];
			size_t n = strlen(b->host);
			if (b->caller && strncmp(mnt, b->host, n) == 0 && mnt[n] == '/')
				r = al_error_set(err, 0,
						 "bind %s: refused: a %s is mounted beneath it, at %s "
						 "(--allow-unsafe-binds if you mean it)",
						 b->host, type, mnt);
		}
	}
	free(line);
	fclose(f);
	return r;
}

/* Clone a host tree (recursively) and set its flags on every mount in it at
 * once: mount_setattr(AT_RECURSIVE) leaves no submount writable by accident.
 * check: a user's bind, refused if unsafe_object() says so. */
/* A caller's bind is id-mapped (its owner's files the sandbox root's, what
 * the sandbox makes the caller's) only when it is the caller's own and the
 * caller means to share it that way: writable and not world-writable (in a
 * world-writable sticky directory, root-owned files made by the sandbox
 * would defeat protected_symlinks and protected_regular); read-only only
 * with --ro-as-caller, and then only what others may not read (a private
 * directory handed over). Id-mapping widens what the sandbox reaches in the
 * tree: root-only files, and unix sockets, whose connect() checks write
 * permission through the mapping and which no mount flag or Landlock right
 * of this kernel closes; so a read-only bind stays as it is by default. */
static bool idmap_wanted(const struct stat *st, bool writable, bool ro_as_caller)
{
	if (st->st_uid != getuid())
		return false;
	if (writable)
		return !(st->st_mode & S_IWOTH);
	if (!ro_as_caller)
		return false;
	return S_ISDIR(st->st_mode) ? (st->st_mode & (S_IROTH | S_IXOTH)) != (S_IROTH | S_IXOTH)
				    : !(st->st_mode & S_IROTH);
}

static int clone_tree_idmapped(const char *host, bool writable, bool devices, int nofollow, bool check,
			       int userns_fd, bool ro_as_caller, struct al_error *err)
{
	struct mount_attr attr = {
	    .attr_set = MOUNT_ATTR_NOSUID | (devices ? MOUNT_ATTR_NOEXEC : MOUNT_ATTR_NODEV) |
			(writable ? 0 : MOUNT_ATTR_RDONLY) | (userns_fd >= 0 ? MOUNT_ATTR_IDMAP : 0),
	    .userns_fd = userns_fd >= 0 ? (uint64_t)userns_fd : 0,
	};
	/* The host path is resolved without following any symlink: a writable
	 * bind of an earlier run may have planted one to redirect this one
	 * (to ~/.ssh, say). A path through a symlink must be given resolved. */
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = nofollow ? RESOLVE_NO_SYMLINKS : 0};
	int path = (int)syscall(SYS_openat2, AT_FDCWD, host, &how, sizeof(how));
	if (path < 0)
		return al_error_set(err, errno,
				    errno == ELOOP
					? "bind %s: the path goes through a symlink (give it resolved)"
					: "bind %s",
				    host);
	const char *bad = check ? unsafe_object(path) : NULL;
	if (bad) {
		close(path);
		return al_error_set(err, 0, "bind %s: refused: %s (--allow-unsafe-binds if you mean it)",
				    host, bad);
	}
	/* Id-mapped only where the caller means to share what is theirs, judged
	 * on the object opened: see idmap_wanted(). */
	struct stat st;
	if (userns_fd >= 0 && (fstat(path, &st) < 0 || !idmap_wanted(&st, writable, ro_as_caller))) {
		userns_fd = -1;
		attr.attr_clr = 0;
		attr.attr_set &= ~(uint64_t)MOUNT_ATTR_IDMAP;
		attr.userns_fd = 0;
	}
	int fd = open_tree(path, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	close(path);
	if (fd < 0)
		return al_error_set(err, errno, "bind %s", host);
	if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		al_error_set(err, errno,
			     userns_fd >= 0
				 ? "bind %s: an id-mapped mount (the file system must support them)"
				 : "bind %s: set read-only,nosuid,nodev",
			     host);
		close(fd);
		return -1;
	}
	return fd;
}

static int clone_tree(const char *host, bool writable, bool devices, int nofollow, bool check,
		      struct al_error *err)
{
	return clone_tree_idmapped(host, writable, devices, nofollow, check, -1, false, err);
}

int al_mount_open_bind(const struct al_plan *plan, const struct al_bind *b, int userns_fd, bool *is_link,
		       struct al_error *err)
{
	struct stat st;
	int nofollow = (plan->disabled & AL_DEF_NOFOLLOW) ? 0 : O_NOFOLLOW;

	*is_link = false;
	if (lstat(b->host, &st) < 0) {
		if ((errno == ENOENT || errno == ENOTDIR) && b->optional)
			return AL_BIND_SKIP;
		return al_error_set(err, errno, "bind %s", b->host);
	}
	bool writable = b->writable;
	if (b->protect) {
		/* A symlink here would be recreated inside, pointing back into
		 * the writable tree: what it protects would not be. */
		if (S_ISLNK(st.st_mode))
			return al_error_set(
			    err, 0,
			    "%s is a symlink: it cannot be kept read-only (--git-writable to run anyway)",
			    b->host);
		writable = writable && S_ISDIR(st.st_mode);
	}
	/* A host symlink bound at its own path (/lib64 -> usr/lib64 on
	 * merged-/usr systems) is recreated, not followed. */
	if (S_ISLNK(st.st_mode) && strcmp(b->host, b->inside) == 0) {
		*is_link = true;
		return AL_BIND_SKIP;
	}
	return clone_tree_idmapped(b->host, writable, false, nofollow, !plan->allow_unsafe_binds, userns_fd,
				   plan->ro_as_caller, err);
}

static int attach(const struct newroot *root, int tree, const char *inside, struct al_error *err)
{
	struct stat st;

	if (fstat(tree, &st) < 0)
		return al_error_set(err, errno, "bind %s", inside);
	int target = make_mountpoint(root, inside, S_ISDIR(st.st_mode), err);
	if (target < 0)
		return al_error_wrap(err, "bind");
	int r = move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	close(target);
	if (r < 0)
		return al_error_set(err, errno, "bind %s", inside);
	return 0;
}

/* For tmpfs, /proc and /dev: mounted before any bind, so the root holds
 * only what we made and a path is safe to use. */
static int make_dir_path(const struct newroot *root, const char *inside, char *path, size_t len,
			 struct al_error *err)
{
	int fd = make_mountpoint(root, inside, true, err);

	if (fd < 0)
		return -1;
	close(fd);
	snprintf(path, len, NEWROOT "%s", inside);
	return 0;
}

static int mount_tmpfs(const struct newroot *root, const char *inside, uint64_t size, const char *mode,
		       unsigned long flags, struct al_error *err)
{
	char path[4096], opts[128];

	if (make_dir_path(root, inside, path, sizeof(path), err) < 0)
		return -1;
	if (size) {
		/* An inode cap as well, so a sandbox cannot exhaust memory with empty files. */
		uint64_t inodes = size / 1024 < 1024	     ? 1024
				  : size / 1024 > (1u << 20) ? (1u << 20)
							     : size / 1024;
		snprintf(opts, sizeof(opts), "mode=%s,size=%" PRIu64 ",nr_inodes=%" PRIu64, mode, size,
			 inodes);
	} else {
		snprintf(opts, sizeof(opts), "mode=%s", mode);
	}
	if (mount("tmpfs", path, "tmpfs", flags | MS_NOSUID | MS_NODEV, opts) < 0)
		return al_error_set(err, errno, "tmpfs %s", inside);
	return 0;
}

static int setup_dev(const struct newroot *root, const struct al_plan *plan, struct al_error *err)
{
	if (plan->disabled & AL_DEF_DEV) {
		int t = clone_tree("/dev", true, true, O_NOFOLLOW, false, err);
		return t < 0 ? -1 : attach(root, t, "/dev", err);
	}
	if (mount_tmpfs(root, "/dev", 65536, "0755", MS_NOEXEC, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		char host[32], inside[32];
		snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i]);
		snprintf(inside, sizeof(inside), "/dev/%s", dev_nodes[i]);
		int t = clone_tree(host, true, true, O_NOFOLLOW, false, err);
		if (t < 0)
			return -1;
		int r = attach(root, t, inside, err);
		close(t);
		if (r < 0)
			return -1;
	}
	static const char *const links[][2] = {
	    {"/proc/self/fd", "fd"},
	    {"/proc/self/fd/0", "stdin"},
	    {"/proc/self/fd/1", "stdout"},
	    {"/proc/self/fd/2", "stderr"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		char path[64];
		snprintf(path, sizeof(path), NEWROOT "/dev/%s", links[i][1]);
		if (symlink(links[i][0], path) < 0)
			return al_error_set(err, errno, "symlink /dev/%s", links[i][1]);
	}
	if (mount(NULL, NEWROOT "/dev", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
		  NULL) < 0)
		return al_error_set(err, errno, "remount /dev read-only");
	return 0;
}

static int setup_proc(const struct newroot *root, const struct al_plan *plan, struct al_error *err)
{
	char path[64];

	/* Without a pid namespace of our own, a new proc cannot be mounted. */
	if (plan->disabled & (AL_DEF_PROC | AL_DEF_PIDNS)) {
		int t = clone_tree("/proc", true, false, O_NOFOLLOW, false, err);
		return t < 0 ? -1 : attach(root, t, "/proc", err);
	}
	if (make_dir_path(root, "/proc", path, sizeof(path), err) < 0)
		return -1;
	if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return al_error_set(err, errno, "mount /proc");
	return 0;
}

/* /proc files that tell the sandbox about the host or about other
 * sandboxes, covered by /dev/null once /dev exists: /proc/locks lists every
 * lock on the machine, the uid leases among them (how many sandboxes run, as
 * which host uids); /proc/cmdline is the host kernel's command line;
 * modules, kallsyms and config.gz say which kernel code is there to attack.
 * Only these: a mount is the dearest step of the launch (about 25 us each
 * here; masking all of the two dozen files runc masks measured 0.7-1.3 ms a
 * run), and what else /proc shows every process (interrupts, iomem,
 * diskstats, meminfo...) is listed in SECURITY.md as a side channel. A file
 * others may not read (owned by the host's root, nobody here) needs no
 * mask; a file this kernel lacks is skipped. /dev/null is bound as it is:
 * its bind is nosuid, noexec, and what is written to it goes nowhere. */
static const char *const masked_files[] = {"locks", "cmdline", "modules", "kallsyms", "config.gz"};

static int mask_proc(const struct al_plan *plan, struct al_error *err)
{
	char path[128];
	struct stat st;

	if (plan->disabled & (AL_DEF_PROC_MASK | AL_DEF_PROC | AL_DEF_PIDNS))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(masked_files); i++) {
		snprintf(path, sizeof(path), NEWROOT "/proc/%s", masked_files[i]);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IROTH))
			continue;
		if (mount(NEWROOT "/dev/null", path, NULL, MS_BIND, NULL) < 0)
			return al_error_set(err, errno, "mask /proc/%s", masked_files[i]);
	}
	return 0;
}

/* Index order by inside path, so a parent is mounted before what lies under it. */
static void sort_binds(const struct al_profile *p, size_t *order)
{
	for (size_t i = 0; i < p->nbinds; i++) {
		size_t j = i;
		while (j > 0 && strcmp(p->binds[order[j - 1]].inside, p->binds[i].inside) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}

static int pivot(const char *workdir, struct al_error *err)
{
	if (chdir(NEWROOT) < 0)
		return al_error_set(err, errno, "chdir new root");
	/* pivot_root(".", ".") stacks the old root on the new one; detaching
	 * "." then removes the host's root from this namespace for good. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return al_error_set(err, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return al_error_set(err, errno, "detach old root");
	if (chdir("/") < 0 || chdir(workdir) < 0)
		return al_error_set(err, errno, "chdir %s", workdir);
	return 0;
}

int al_mount_setup(const struct al_plan *plan, int *given, struct al_error *err)
{
	const struct al_profile *p = &plan->profile;
	int trees[AL_MAX_BINDS];
	size_t order[AL_MAX_BINDS];
	bool is_link[AL_MAX_BINDS]; /* bound at its own path and a symlink: recreated */
	char link[256];
	struct newroot nr = {-1, (plan->disabled & AL_DEF_NOFOLLOW) ? 0 : O_NOFOLLOW};
	const struct newroot *root = &nr;
	int r = -1;

	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return al_error_set(err, errno, "make / private");
	if (plan->disabled & AL_DEF_MOUNT) {
		if (chdir(p->workdir) < 0 && chdir("/") < 0)
			return al_error_set(err, errno, "chdir");
		return 0;
	}

	/* 1. Resolve and clone every host path before anything is covered. */
	sort_binds(p, order);
	for (size_t i = 0; i < p->nbinds; i++) {
		trees[i] = -1;
		is_link[i] = false;
	}
	for (size_t i = 0; i < p->nbinds; i++) {
		/* Opened by the supervisor already (a caller's bind, as root), or
		 * found missing there (AL_BIND_SKIP): not looked at again here,
		 * where the sandbox's uid may not even reach it. */
		if (given && given[order[i]] != -1) {
			trees[i] = given[order[i]];
			given[order[i]] = -1;
			continue;
		}
		trees[i] = al_mount_open_bind(plan, &p->binds[order[i]], -1, &is_link[i], err);
		if (trees[i] == -1)
			goto out;
	}

	/* 2. The new root: a small tmpfs, made read-only once populated. */
	if (mount("airlock", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m,nr_inodes=8192") <
	    0) {
		al_error_set(err, errno, "tmpfs root");
		goto out;
	}
	nr.fd = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (nr.fd < 0) {
		al_error_set(err, errno, "open new root");
		goto out;
	}
	if (setup_proc(root, plan, err) < 0 || setup_dev(root, plan, err) < 0 || mask_proc(plan, err) < 0)
		goto out;
	uint64_t size = (plan->disabled & AL_DEF_TMPFS_SIZE) ? 0 : p->limits.tmpfs_size;
	/* $HOME (agent profile) before the workdir, which may lie beneath it. */
	if (mount_tmpfs(root, "/tmp", size, "1777", 0, err) < 0 ||
	    (p->home_dir && mount_tmpfs(root, p->home_dir, size, "0700", 0, err) < 0) ||
	    mount_tmpfs(root, p->workdir, size, "0755", 0, err) < 0)
		goto out;

	/* 3. The binds, parents first; symlinks last so that no path created
	 * above is resolved through one. */
	for (size_t i = 0; i < p->nbinds; i++)
		if (trees[i] >= 0 && attach(root, trees[i], p->binds[order[i]].inside, err) < 0)
			goto out;
	for (size_t i = 0; i < p->nbinds; i++) {
		const char *base;
		if (!is_link[i])
			continue;
		/* The host's view is still there, beside the new root. */
		ssize_t n = readlink(p->binds[order[i]].host, link, sizeof(link) - 1);
		if (n < 0) {
			al_error_set(err, errno, "readlink %s", p->binds[order[i]].host);
			goto out;
		}
		link[n] = '\0';
		int parent = open_parent(root, p->binds[order[i]].inside, &base, err);
		if (parent < 0)
			goto out;
		int sr = symlinkat(link, parent, base);
		close(parent);
		if (sr < 0 && errno != EEXIST) {
			al_error_set(err, errno, "symlink %s", p->binds[order[i]].inside);
			goto out;
		}
	}
	if (mount(NULL, NEWROOT, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0) {
		al_error_set(err, errno, "remount root read-only");
		goto out;
	}
	r = pivot(p->workdir, err);
out:
	for (size_t i = 0; i < p->nbinds; i++)
		if (trees[i] >= 0)
			close(trees[i]);
	if (nr.fd >= 0)
		close(nr.fd);
	return r;
}
