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

#include "mountplan.h"
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

/* Clone a host tree (recursively) and set attr on every mount in it at
 * once: mount_setattr(AT_RECURSIVE) leaves no submount writable by accident.
 * check: a user's bind, refused if unsafe_object() says so. userns_fd >= 0:
 * id-mapped through it, where idmap_wanted() says so. */
static int clone_tree(const char *host, uint64_t attr_set, bool nofollow, bool check, int userns_fd,
		      bool ro_as_caller, struct al_error *err)
{
	struct mount_attr attr = {
	    .attr_set = attr_set | (userns_fd >= 0 ? MOUNT_ATTR_IDMAP : 0),
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
	if (userns_fd >= 0 &&
	    (fstat(path, &st) < 0 || !idmap_wanted(&st, !(attr_set & MOUNT_ATTR_RDONLY), ro_as_caller))) {
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

/* An AL_MOUNT_OPEN_BIND: the bind's host tree, detached, its flags set. */
static int open_bind(const struct al_mount_op *op, int userns_fd, bool *is_link, struct al_error *err)
{
	struct stat st;
	uint64_t attr = op->attr;

	*is_link = false;
	if (lstat(op->source, &st) < 0) {
		if ((errno == ENOENT || errno == ENOTDIR) && (op->opts & AL_MOUNT_F_OPTIONAL))
			return AL_BIND_SKIP;
		return al_error_set(err, errno, "bind %s", op->source);
	}
	if (op->opts & AL_MOUNT_F_PROTECT) {
		/* A symlink here would be recreated inside, pointing back into
		 * the writable tree: what it protects would not be. */
		if (S_ISLNK(st.st_mode))
			return al_error_set(
			    err, 0,
			    "%s is a symlink: it cannot be kept read-only (--git-writable to run anyway)",
			    op->source);
		if (!S_ISDIR(st.st_mode))
			attr |= MOUNT_ATTR_RDONLY;
	}
	/* A host symlink bound at its own path (/lib64 -> usr/lib64 on
	 * merged-/usr systems) is recreated, not followed. */
	if (S_ISLNK(st.st_mode) && strcmp(op->source, op->target) == 0) {
		*is_link = true;
		return AL_BIND_SKIP;
	}
	return clone_tree(op->source, attr, !(op->opts & AL_MOUNT_F_FOLLOW), op->opts & AL_MOUNT_F_CHECK,
			  userns_fd, op->opts & AL_MOUNT_F_RO_AS_CALLER, err);
}

int al_mount_open_bind(const struct al_plan *plan, const struct al_bind *b, int userns_fd, bool *is_link,
		       struct al_error *err)
{
	struct al_mount_op op = al_mount_bind_op(plan, (size_t)(b - plan->profile.binds));

	return open_bind(&op, userns_fd, is_link, err);
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

static int mount_tmpfs(const struct newroot *root, const struct al_mount_op *op, struct al_error *err)
{
	char path[4096], opts[128];

	if (make_dir_path(root, op->target, path, sizeof(path), err) < 0)
		return -1;
	if (op->size) {
		/* An inode cap as well, so a sandbox cannot exhaust memory with empty files. */
		uint64_t size = op->size;
		uint64_t inodes = size / 1024 < 1024	     ? 1024
				  : size / 1024 > (1u << 20) ? (1u << 20)
							     : size / 1024;
		snprintf(opts, sizeof(opts), "mode=%s,size=%" PRIu64 ",nr_inodes=%" PRIu64, op->mode, size,
			 inodes);
	} else {
		snprintf(opts, sizeof(opts), "mode=%s", op->mode);
	}
	if (mount("tmpfs", path, "tmpfs", op->flags, opts) < 0)
		return al_error_set(err, errno, "tmpfs %s", op->target);
	return 0;
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

/* What the operations share while the list runs. */
struct layout {
	int root;		    /* the new root, O_PATH; -1 until made */
	int trees[AL_MAX_BINDS];    /* per plan bind: its tree, AL_BIND_SKIP, or -1 */
	bool is_link[AL_MAX_BINDS]; /* per plan bind: a symlink bound at its own path */
};

/* A path under the new root, while it is assembled beside the host's. */
static const char *in_newroot(const char *inside, char *buf, size_t len)
{
	snprintf(buf, len, NEWROOT "%s", strcmp(inside, "/") == 0 ? "" : inside);
	return buf;
}

/* One operation of the list. Errors name the operation's path. */
static int run_op(struct layout *l, const struct al_mount_op *op, struct al_error *err)
{
	const struct newroot root = {l->root, (op->opts & AL_MOUNT_F_FOLLOW) ? 0 : O_NOFOLLOW};
	char path[4096], src[4096];
	struct stat st;

	switch (op->kind) {
	case AL_MOUNT_PRIVATE:
		if (mount(NULL, op->target, NULL, op->flags, NULL) < 0)
			return al_error_set(err, errno, "make %s private", op->target);
		return 0;
	case AL_MOUNT_KEEP_HOST_ROOT:
		if (chdir(op->target) < 0 && chdir("/") < 0)
			return al_error_set(err, errno, "chdir");
		return 0;
	case AL_MOUNT_OPEN_BIND:
		l->trees[op->bind] = open_bind(op, -1, &l->is_link[op->bind], err);
		return l->trees[op->bind] == -1 ? -1 : 0;
	case AL_MOUNT_ROOT:
		if (mount(op->source, NEWROOT, "tmpfs", op->flags, op->data) < 0)
			return al_error_set(err, errno, "tmpfs root");
		l->root = open(NEWROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (l->root < 0)
			return al_error_set(err, errno, "open new root");
		return 0;
	case AL_MOUNT_PROC:
		if (make_dir_path(&root, op->target, path, sizeof(path), err) < 0)
			return -1;
		if (mount(op->source, path, "proc", op->flags, NULL) < 0)
			return al_error_set(err, errno, "mount %s", op->target);
		return 0;
	case AL_MOUNT_HOST_TREE: {
		/* The host's own kernel paths: never through a symlink, never checked. */
		int t = clone_tree(op->source, op->attr, true, false, -1, false, err);
		if (t < 0)
			return -1;
		int r = attach(&root, t, op->target, err);
		close(t);
		return r;
	}
	case AL_MOUNT_TMPFS:
		return mount_tmpfs(&root, op, err);
	case AL_MOUNT_SYMLINK:
		if (symlink(op->source, in_newroot(op->target, path, sizeof(path))) < 0)
			return al_error_set(err, errno, "symlink %s", op->target);
		return 0;
	case AL_MOUNT_REMOUNT:
		if (mount(NULL, in_newroot(op->target, path, sizeof(path)), NULL, op->flags, NULL) < 0)
			return al_error_set(err, errno, "remount %s read-only",
					    strcmp(op->target, "/") == 0 ? "root" : op->target);
		return 0;
	case AL_MOUNT_MASK:
		in_newroot(op->target, path, sizeof(path));
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IROTH))
			return 0;
		if (mount(in_newroot(op->source, src, sizeof(src)), path, NULL, op->flags, NULL) < 0)
			return al_error_set(err, errno, "mask %s", op->target);
		return 0;
	case AL_MOUNT_ATTACH:
		/* < 0: optional and missing, or a symlink (AL_MOUNT_LINK_BIND). */
		if (l->trees[op->bind] < 0)
			return 0;
		return attach(&root, l->trees[op->bind], op->target, err);
	case AL_MOUNT_LINK_BIND: {
		const char *base;
		char link[256];
		if (!l->is_link[op->bind])
			return 0;
		/* The host's view is still there, beside the new root. */
		ssize_t n = readlink(op->source, link, sizeof(link) - 1);
		if (n < 0)
			return al_error_set(err, errno, "readlink %s", op->source);
		link[n] = '\0';
		int parent = open_parent(&root, op->target, &base, err);
		if (parent < 0)
			return -1;
		int sr = symlinkat(link, parent, base);
		close(parent);
		if (sr < 0 && errno != EEXIST)
			return al_error_set(err, errno, "symlink %s", op->target);
		return 0;
	}
	case AL_MOUNT_PIVOT:
		return pivot(op->target, err);
	}
	return al_error_set(err, EINVAL, "mount operation %d", (int)op->kind);
}

int al_mount_setup(const struct al_plan *plan, int *given, struct al_error *err)
{
	struct al_mount_ops ops;
	struct layout l = {.root = -1};
	int r = 0;

	if (al_mount_ops_build(plan, given, &ops, err) < 0)
		return -1;
	/* The supervisor's trees are ours from here. */
	for (size_t i = 0; i < plan->profile.nbinds; i++) {
		l.trees[i] = given ? given[i] : -1;
		if (given)
			given[i] = -1;
	}
	for (size_t i = 0; i < ops.n && r == 0; i++)
		r = run_op(&l, &ops.op[i], err);
	for (size_t i = 0; i < plan->profile.nbinds; i++)
		if (l.trees[i] >= 0)
			close(l.trees[i]);
	if (l.root >= 0)
		close(l.root);
	return r;
}
