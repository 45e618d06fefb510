#include "oci/container.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "internal.h" /* al_init_hide_cmdline */
#include "landlock.h"
#include "notify.h"
#include "plan.h"
#include "util.h"

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

/* --- the child's reports to its parent: "E" + message, or "K" (ready). */

static _Noreturn void child_fail(int sync, const struct al_error *err)
{
	char buf[sizeof(err->msg) + 64], text[sizeof(err->msg) + 60];
	int n = snprintf(buf, sizeof(buf), "E%s", al_error_text(err, text, sizeof(text)));
	if (sync < 0 || write(sync, buf, (size_t)n) < 0)
		dprintf(2, "airlock-oci: %s\n", buf + 1);
	_exit(127);
}

static int wait_byte(int fd, char want, struct al_error *err)
{
	char buf[sizeof(err->msg) + 64];
	ssize_t n;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return al_error_set(err, n < 0 ? errno : EPIPE, "the container's process ended during setup");
	buf[n] = '\0';
	if (buf[0] == 'E')
		return al_error_set(err, 0, "%s", buf + 1);
	if (buf[0] != want)
		return al_error_set(err, EPROTO, "setup: unexpected reply");
	return 0;
}

uint64_t oci_starttime(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (al_read_file_at(AT_FDCWD, path, buf, sizeof(buf), NULL) < 0)
		return 0;
	char *p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
	if (!p)
		return 0;
	char state = 0;
	unsigned long long st = 0;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice threads itrealvalue starttime */
	if (sscanf(p + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
		   &state, &st) != 2 ||
	    state == 'Z' || state == 'X')
		return 0;
	return st;
}

/* --- paths inside the root, never leaving it (symlinks resolved as if
 * the rootfs were /): the mount targets are made and opened this way. */

static int open_in_root(int rootfd, const char *path, int flags, struct al_error *err)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	while (*path == '/')
		path++;
	int fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
	if (fd < 0)
		return al_error_set(err, errno, "open %s in the root", path);
	return fd;
}

/* mkdir -p inside the root; the last component a file when is_file. */
static int make_in_root(int rootfd, const char *path, bool is_file, mode_t mode, struct al_error *err)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1;; s++) {
		bool end = *s == '\0';
		if (*s == '/' || end) {
			char save = *s;
			*s = '\0';
			char *slash = strrchr(p, '/');
			*slash = '\0';
			cleanup_close int dir = open_in_root(rootfd, *p ? p : "/", O_PATH | O_DIRECTORY, err);
			*slash = '/';
			if (dir < 0)
				return -1;
			int r = end && is_file ? mknodat(dir, slash + 1, S_IFREG | 0644, 0)
					       : mkdirat(dir, slash + 1, mode);
			if (r < 0 && errno != EEXIST)
				return al_error_set(err, errno, "make %s in the root", p);
			*s = save;
			if (end)
				break;
		}
	}
	return 0;
}

static void fdpath(int fd, char *buf, size_t len) { snprintf(buf, len, "/proc/self/fd/%d", fd); }

/* The flags a bind remount must keep: those the source mount has locked. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	return f;
}

/* Bind src at dest (in the root, where target is already open), then set
 * its options: on the new mount, so dest is opened again (an fd opened
 * before the mount names what is beneath it). */
static int bind_at(const char *src, int rootfd, const char *dest, int target, unsigned long flags, bool rec,
		   unsigned long prop, struct al_error *err)
{
	char t[64];
	fdpath(target, t, sizeof(t));
	if (mount(src, t, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		return al_error_set(err, errno, "bind %s", src);
	unsigned long keep =
	    flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME);
	if (!keep && !prop)
		return 0;
	cleanup_close int now = open_in_root(rootfd, dest, O_PATH | O_NOFOLLOW, err);
	if (now < 0)
		return -1;
	fdpath(now, t, sizeof(t));
	if (keep && mount(NULL, t, NULL, MS_BIND | MS_REMOUNT | keep | locked_flags(t), NULL) < 0)
		return al_error_set(err, errno, "remount %s with its options", src);
	if (prop && mount(NULL, t, NULL, prop, NULL) < 0)
		return al_error_set(err, errno, "propagation of %s", src);
	return 0;
}

static const struct {
	const char *name;
	unsigned maj, min;
} default_devices[] = {{"null", 1, 3},	 {"zero", 1, 5},    {"full", 1, 7},
		       {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

/* A device node in the root: mknod, or in a user namespace (where mknod is
 * refused) a bind of the host's node. */
static int make_device(const struct oci_run *r, int rootfd, const char *path, char type, unsigned maj,
		       unsigned min, mode_t mode, uid_t uid, gid_t gid, struct al_error *err)
{
	char rel[4096];
	snprintf(rel, sizeof(rel), "%s", path);
	char *slash = strrchr(rel, '/');
	*slash = '\0';
	if (make_in_root(rootfd, *rel ? rel : "/", false, 0755, err) < 0)
		return -1;
	cleanup_close int dir = open_in_root(rootfd, *rel ? rel : "/", O_PATH | O_DIRECTORY, err);
	if (dir < 0)
		return -1;
	mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
	if (r->spec->ns_new[OCI_NS_USER] || r->spec->ns_path[OCI_NS_USER]) {
		if (mknodat(dir, slash + 1, S_IFREG | 0644, 0) < 0 && errno != EEXIST)
			return al_error_set(err, errno, "device %s", path);
		cleanup_close int t = openat(dir, slash + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (t < 0)
			return al_error_set(err, errno, "device %s", path);
		return bind_at(path, rootfd, path, t, 0, false, 0, err);
	}
	unlinkat(dir, slash + 1, 0);
	if (mknodat(dir, slash + 1, kind | (mode & 07777), makedev(maj, min)) < 0)
		return al_error_set(err, errno, "mknod %s", path);
	/* The mode as given, whatever airlock-oci's umask. */
	if (fchownat(dir, slash + 1, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(dir, slash + 1, mode & 07777, 0) < 0)
		return al_error_set(err, errno, "chown/chmod %s", path);
	return 0;
}

static int mount_cgroup(const struct oci_run *r, int rootfd, const struct oci_mount *m, int target,
			struct al_error *err)
{
	char t[64];
	fdpath(target, t, sizeof(t));
	if (r->cg.v2) {
		if (r->spec->ns_new[OCI_NS_CGROUP] &&
		    mount("cgroup2", t, "cgroup2", m->flags & ~MS_RDONLY, NULL) == 0) {
			cleanup_close int now = open_in_root(rootfd, m->dest, O_PATH | O_NOFOLLOW, err);
			if (now < 0)
				return -1;
			fdpath(now, t, sizeof(t));
			if ((m->flags & MS_RDONLY) &&
			    mount(NULL, t, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(t), NULL) <
				0)
				return al_error_set(err, errno, "cgroup2 read-only");
			return 0;
		}
		return bind_at(r->cg.dirs[0], rootfd, m->dest, target, m->flags, true, 0, err);
	}
	/* v1: a tmpfs holding each hierarchy's container directory. */
	if (mount("tmpfs", t, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return al_error_set(err, errno, "tmpfs at %s", m->dest);
	for (size_t i = 0; i < r->cg.n; i++) {
		const char *name =
		    strncmp(r->cg.ctrls[i], "name=", 5) == 0 ? r->cg.ctrls[i] + 5 : r->cg.ctrls[i];
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s/%s", m->dest, name);
		if (make_in_root(rootfd, sub, false, 0755, err) < 0)
			return -1;
		cleanup_close int st = open_in_root(rootfd, sub, O_PATH | O_DIRECTORY, err);
		if (st < 0 || bind_at(r->cg.dirs[i], rootfd, sub, st,
				      m->flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, false, 0, err) < 0)
			return -1;
	}
	cleanup_close int now = open_in_root(rootfd, m->dest, O_PATH | O_NOFOLLOW, err);
	if (now < 0)
		return -1;
	fdpath(now, t, sizeof(t));
	if ((m->flags & MS_RDONLY) &&
	    mount(NULL, t, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return al_error_set(err, errno, "cgroup tmpfs read-only");
	return 0;
}

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
struct mount_attr_v0 {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/* "rro" and the like: the attributes on the mount at dest and every mount
 * below it. The atime mode is one field: clearing it sets relatime. */
static int recursive_attrs(int rootfd, const struct oci_mount *m, struct al_error *err)
{
	if (!m->rattr_set && !m->rattr_clr)
		return 0;
	cleanup_close int fd = open_in_root(rootfd, m->dest, O_PATH | O_NOFOLLOW, err);
	if (fd < 0)
		return -1;
	struct mount_attr_v0 a = {.attr_set = m->rattr_set, .attr_clr = m->rattr_clr};
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
		return al_error_set(err, errno, "recursive mount attributes on %s", m->dest);
	return 0;
}

static bool under_dev(const char *dest)
{
	return strcmp(dest, "/dev") == 0 || strncmp(dest, "/dev/", 5) == 0;
}

static int do_mount(const struct oci_run *r, int rootfd, const struct oci_mount *mo, struct al_error *err)
{
	char src[4096];
	struct stat st;
	bool file = false;
	struct oci_mount copy = *mo;
	const struct oci_mount *m = &copy;
	if (mo->bind) {
		if (mo->source[0] == '/')
			snprintf(src, sizeof(src), "%s", mo->source);
		else
			snprintf(src, sizeof(src), "%s/%s", r->bundle, mo->source);
		if (stat(src, &st) < 0)
			return al_error_set(err, errno, "mount source %s", src);
		file = !S_ISDIR(st.st_mode);
	}
	if (r->devices_by_mounts) {
		bool dev = mo->bind && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode));
		if (dev && !oci_device_allowed(&r->spec->res, S_ISBLK(st.st_mode) ? 'b' : 'c',
					       major(st.st_rdev), minor(st.st_rdev)))
			return al_error_set(err, EPERM, "%s: a device linux.resources.devices does not allow",
					    src);
		if (!dev && !under_dev(mo->dest))
			copy.flags |= MS_NODEV;
	}
	if (make_in_root(rootfd, m->dest, file, 0755, err) < 0)
		return -1;
	cleanup_close int target = open_in_root(rootfd, m->dest, O_PATH, err);
	if (target < 0)
		return -1;
	if (m->bind)
		return bind_at(src, rootfd, m->dest, target, m->flags, m->recursive, m->propagation, err);
	if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0)
		return mount_cgroup(r, rootfd, m, target, err);
	char t[64];
	fdpath(target, t, sizeof(t));
	const char *source = m->source ? m->source : m->type;
	if (mount(source, t, m->type, m->flags, *m->data ? m->data : NULL) < 0) {
		/* sysfs belongs to the network namespace: without one of our
		 * own (or in a user namespace) it can only be bound. */
		if (strcmp(m->type, "sysfs") == 0 && (errno == EPERM || errno == EBUSY))
			return bind_at("/sys", rootfd, m->dest, target,
				       m->flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, true, 0, err);
		return al_error_set(err, errno, "mount %s on %s", m->type, m->dest);
	}
	if (m->propagation) {
		cleanup_close int now = open_in_root(rootfd, m->dest, O_PATH | O_NOFOLLOW, err);
		if (now < 0)
			return -1;
		fdpath(now, t, sizeof(t));
		if (mount(NULL, t, NULL, m->propagation, NULL) < 0)
			return al_error_set(err, errno, "propagation of %s", m->dest);
	}
	return 0;
}

/* The state on a hook's stdin, from inside the init (its host pid read
 * from the host's /proc, still mounted until pivot_root). */
static void hook_state(const struct oci_run *r, const char *status, char *buf, size_t len)
{
	char host_pid[24] = "0";
	ssize_t n = readlink("/proc/self", host_pid, sizeof(host_pid) - 1);
	host_pid[n > 0 ? n : 1] = '\0';
	/* jansson, so that a bundle path with quotes stays JSON (the init is
	 * single-threaded: allocating here is fine). */
	json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:s}", "ociVersion", "1.2.0", "id", r->id, "status", status,
			      "pid", (json_int_t)atoll(host_pid), "bundle", r->bundle);
	if (o && r->spec->annotations_json)
		json_object_set_new(o, "annotations", json_loads(r->spec->annotations_json, 0, NULL));
	char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
	snprintf(buf, len, "%s", t ? t : "{}");
	free(t);
	json_decref(o);
}

/* The root: the bundle's rootfs with its mounts, devices, then pivot_root,
 * then the masked and read-only paths. */
static int setup_root(const struct oci_run *r, int sync, struct al_error *err)
{
	const struct oci_spec *s = r->spec;
	unsigned long prop = s->rootfs_propagation ? s->rootfs_propagation : MS_SLAVE | MS_REC;
	/* Nothing mounted here reaches the host's mount table. */
	if (mount(NULL, "/", NULL, (prop & MS_SHARED) ? (MS_SLAVE | MS_REC) : prop | MS_REC, NULL) < 0)
		return al_error_set(err, errno, "make / %s", "not shared");
	if (mount(r->rootfs, r->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return al_error_set(err, errno, "bind the rootfs %s", r->rootfs);
	cleanup_close int rootfd = open(r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return al_error_set(err, errno, "rootfs %s", r->rootfs);
	/* Device rules without a device cgroup: the image's own device
	 * nodes cannot be opened. */
	if (r->devices_by_mounts &&
	    mount(NULL, r->rootfs, NULL, MS_BIND | MS_REMOUNT | MS_NODEV | locked_flags(r->rootfs), NULL) < 0)
		return al_error_set(err, errno, "the rootfs nodev");
	for (size_t i = 0; i < s->nmounts; i++)
		if (do_mount(r, rootfd, &s->mounts[i], err) < 0 ||
		    recursive_attrs(rootfd, &s->mounts[i], err) < 0)
			return al_error_wrap(err, "mounts[%zu] (%s)", i, s->mounts[i].dest);
	for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
		char p[32];
		bool given = false;
		snprintf(p, sizeof(p), "/dev/%s", default_devices[i].name);
		for (size_t j = 0; j < s->ndevices && !given; j++)
			given = strcmp(s->devices[j].path, p) == 0;
		if (!given && make_device(r, rootfd, p, 'c', default_devices[i].maj, default_devices[i].min,
					  0666, 0, 0, err) < 0)
			return -1;
	}
	for (size_t j = 0; j < s->ndevices; j++) {
		const struct oci_device *d = &s->devices[j];
		if (r->devices_by_mounts && (d->type == 'c' || d->type == 'b' || d->type == 'u') &&
		    !oci_device_allowed(&s->res, d->type == 'b' ? 'b' : 'c', d->major, d->minor))
			return al_error_set(err, EPERM,
					    "linux.devices[%zu] %s: not allowed by linux.resources.devices",
					    j, d->path);
		if (make_device(r, rootfd, d->path, d->type, (unsigned)d->major, (unsigned)d->minor,
				d->mode ? d->mode : 0666, d->uid, d->gid, err) < 0)
			return -1;
	}
	static const char *const links[][2] = {{"/proc/self/fd", "fd"},
					       {"/proc/self/fd/0", "stdin"},
					       {"/proc/self/fd/1", "stdout"},
					       {"/proc/self/fd/2", "stderr"},
					       {"pts/ptmx", "ptmx"}};
	cleanup_close int dev = open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, err);
	if (dev < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		if (strcmp(links[i][1], "ptmx") == 0)
			unlinkat(dev, "ptmx", 0); /* a bound host ptmx would be the host's ptys */
		if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
			return al_error_set(err, errno, "/dev/%s", links[i][1]);
	}
	/* The runtime's hooks (createRuntime, prestart) now, in the parent. */
	if (write(sync, "H", 1) != 1 || wait_byte(sync, 'G', err) < 0)
		return -1;
	/* createContainer hooks: mounts done, in the container's namespaces,
	 * paths still the runtime's. */
	if (s->hooks.ncreate_container) {
		char st[8192];
		hook_state(r, "created", st, sizeof(st));
		if (oci_hooks_run(s->hooks.create_container, s->hooks.ncreate_container, st,
				  "createContainer", err) < 0)
			return -1;
	}
	/* pivot_root with the old root stacked under the new one, then detached. */
	if (fchdir(rootfd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return al_error_set(err, errno, "pivot_root to %s", r->rootfs);
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2(".", MNT_DETACH) < 0 ||
	    chdir("/") < 0)
		return al_error_set(err, errno, "detach the old root");
	if (s->rootfs_propagation && mount(NULL, "/", NULL, s->rootfs_propagation, NULL) < 0)
		return al_error_set(err, errno, "linux.rootfsPropagation");
	/* sysctls before /proc/sys turns read-only. */
	for (size_t i = 0; s->sysctl && s->sysctl[i]; i += 2) {
		char path[512];
		snprintf(path, sizeof(path), "/proc/sys/%s", s->sysctl[i]);
		for (char *d = path + 10; *d; d++)
			if (*d == '.')
				*d = '/';
		if (al_write_file_at(AT_FDCWD, path, s->sysctl[i + 1], err) < 0)
			return al_error_wrap(err, "linux.sysctl");
	}
	for (size_t i = 0; s->masked && s->masked[i]; i++) {
		struct stat st;
		if (stat(s->masked[i], &st) < 0)
			continue;
		int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", s->masked[i], "tmpfs", MS_RDONLY, "size=0")
					     : mount("/dev/null", s->masked[i], NULL, MS_BIND, NULL);
		if (rc < 0)
			return al_error_set(err, errno, "linux.maskedPaths: %s", s->masked[i]);
	}
	for (size_t i = 0; s->readonly && s->readonly[i]; i++) {
		const char *p = s->readonly[i];
		if (access(p, F_OK) < 0)
			continue;
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(p), NULL) < 0)
			return al_error_set(err, errno, "linux.readonlyPaths: %s", p);
	}
	if (s->root_readonly &&
	    mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), NULL) < 0)
		return al_error_set(err, errno, "root.readonly");
	return 0;
}

/* A pty of the container's own devpts: its master to the console socket,
 * its slave as stdio and controlling terminal. */
static int setup_console(int sock, const struct oci_process *p, struct al_error *err)
{
	cleanup_close int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return al_error_set(err, errno, "process.terminal: /dev/ptmx in the container");
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return al_error_set(err, errno, "unlockpt");
	cleanup_close int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return al_error_set(err, errno, "the pty's slave");
	if (p->rows || p->cols) {
		struct winsize ws = {.ws_row = p->rows, .ws_col = p->cols};
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	if (fchown(slave, p->uid, (gid_t)-1) < 0 && errno != EINVAL)
		return al_error_set(err, errno, "chown the pty");
	char name[] = "/dev/ptmx";
	if (al_send_fds(sock, name, sizeof(name) - 1, &master, 1) < 0)
		return al_error_set(err, errno, "--console-socket: send the pty master");
	if (setsid() < 0 && errno != EPERM)
		return al_error_set(err, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return al_error_set(err, errno, "the pty as controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return al_error_set(err, errno, "the pty as stdio");
	return 0;
}

/* --- the tail every process goes through */

static int set_caps(const struct oci_process *p, struct al_error *err)
{
	uint64_t eff = p->has_caps ? p->caps[OCI_CAP_EFFECTIVE] : 0,
		 perm = p->has_caps ? p->caps[OCI_CAP_PERMITTED] : 0,
		 inh = p->has_caps ? p->caps[OCI_CAP_INHERITABLE] : 0;
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {
	    {(uint32_t)eff, (uint32_t)perm, (uint32_t)inh},
	    {(uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32)}};
	if (syscall(SYS_capset, &h, d) < 0)
		return al_error_set(err, errno, "process.capabilities: capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return al_error_set(err, errno, "process.capabilities.ambient: clear");
	/* An ambient capability needs to be permitted and inheritable too;
	 * one that is not is simply not granted (as runc does): less power,
	 * never more. */
	for (int c = 0; c < 64 && p->has_caps; c++)
		if ((p->caps[OCI_CAP_AMBIENT] & perm & inh) >> c & 1 &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return al_error_set(err, errno, "process.capabilities.ambient: cap %d", c);
	return 0;
}

static int drop_bounding(const struct oci_process *p, struct al_error *err)
{
	uint64_t keep = p->has_caps ? p->caps[OCI_CAP_BOUNDING] : 0;
	for (int c = 0; c < 64; c++) {
		if (keep >> c & 1)
			continue;
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
			break; /* past the kernel's last capability */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return al_error_set(err, errno, "process.capabilities.bounding: drop %d", c);
	}
	return 0;
}

/* Landlock over the container's tree: everything readable and executable;
 * writable where the config makes it so (the root unless read-only, each
 * writable mount), never /proc or /sys (whose read-only mounts a process
 * with CAP_SYS_ADMIN could remount); abstract unix sockets and signals
 * scoped to the container (ABI 6). */
static int apply_landlock(const struct oci_run *r, struct al_error *err)
{
	int abi = r->landlock_abi;
	if (abi <= 0)
		return al_error_set(err, ENOSYS, "landlock: the kernel has none (airlock-oci requires it)");
	/* The calls through landlock.c's helpers: a ruleset of this ABI. */
	return al_landlock_apply_tree(abi, r->spec->root_readonly, (const char *const *)r->landlock_rw,
				      r->nlandlock_rw, err);
}

/* The process's AppArmor profile or SELinux label: refused before the
 * container is reported ready when the host's kernel has no such LSM (as
 * runc refuses it), never dropped. */
static int lsm_check(const struct oci_process *p, struct al_error *err)
{
	char buf[8];
	if (p->apparmor && *p->apparmor &&
	    (al_read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", buf, sizeof(buf), NULL) <
		 0 ||
	     buf[0] != 'Y'))
		return al_error_set(err, ENOTSUP,
				    "process.apparmorProfile: AppArmor is not enabled on this host");
	if (p->selinux && *p->selinux && access("/sys/fs/selinux/enforce", F_OK) < 0)
		return al_error_set(err, ENOTSUP,
				    "process.selinuxLabel: SELinux is not enabled on this host");
	return 0;
}

/* Exec into the label: the kernel applies it at execve. */
static int lsm_apply(const struct oci_process *p, struct al_error *err)
{
	char buf[4200];
	if (p->apparmor && *p->apparmor) {
		snprintf(buf, sizeof(buf), "exec %s", p->apparmor);
		if (al_write_file_at(AT_FDCWD, "/proc/self/attr/apparmor/exec", buf, NULL) < 0 &&
		    al_write_file_at(AT_FDCWD, "/proc/self/attr/exec", buf, err) < 0)
			return al_error_wrap(err, "process.apparmorProfile %s", p->apparmor);
	}
	if (p->selinux && *p->selinux &&
	    al_write_file_at(AT_FDCWD, "/proc/self/attr/exec", p->selinux, err) < 0)
		return al_error_wrap(err, "process.selinuxLabel %s", p->selinux);
	return 0;
}

/* Everything from here on runs in the process that will exec: no allocation. */
static _Noreturn void finish(const struct oci_run *r, const struct oci_process *p, int sync, int monitor)
{
	struct al_error err = {0};
	for (size_t i = 0; i < p->nrlimits; i++) {
		struct rlimit rl = {p->rlimits[i].soft, p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0) {
			al_error_set(&err, errno, "process.rlimits: resource %d", p->rlimits[i].resource);
			child_fail(sync, &err);
		}
	}
	if (p->has_oom_score) {
		char v[16];
		snprintf(v, sizeof(v), "%d", p->oom_score_adj);
		if (al_write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", v, &err) < 0)
			child_fail(sync, &err);
	}
	if (p->umask >= 0)
		umask((mode_t)p->umask);
	bool cwd_done = chdir(p->cwd) == 0;
	if (lsm_apply(p, &err) < 0 || drop_bounding(p, &err) < 0)
		child_fail(sync, &err);
	if (setgroups(p->ngids, p->gids) < 0 &&
	    !(errno == EPERM && (r->spec->ns_new[OCI_NS_USER] || r->spec->ns_path[OCI_NS_USER]) &&
	      !p->ngids)) {
		al_error_set(&err, errno, "process.user.additionalGids");
		child_fail(sync, &err);
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresgid(p->gid, p->gid, p->gid) < 0 ||
	    setresuid(p->uid, p->uid, p->uid) < 0 || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) {
		al_error_set(&err, errno, "process.user: uid %u gid %u", p->uid, p->gid);
		child_fail(sync, &err);
	}
	if (!cwd_done && chdir(p->cwd) < 0) {
		al_error_set(&err, errno, "process.cwd: %s", p->cwd);
		child_fail(sync, &err);
	}
	if (set_caps(p, &err) < 0)
		child_fail(sync, &err);
	/* airlock's layers. no_new_privs first: Landlock and an unprivileged
	 * seccomp filter need it, and set-uid files can no longer lift the
	 * process above what it was given. */
	if ((p->no_new_privs || !(r->disabled & AL_DEF_NNP)) && al_caps_no_new_privs(&err) < 0)
		child_fail(sync, &err);
	if (!(r->disabled & AL_DEF_LANDLOCK) && apply_landlock(r, &err) < 0)
		child_fail(sync, &err);
	if (!(r->disabled & AL_DEF_SECCOMP)) {
		/* The deny-list with its listener, handed to the monitor,
		 * which answers and records each refused call. */
		int lfd = al_seccomp_load(&r->airlock_filter, &err);
		if (lfd < 0)
			child_fail(sync, &err);
		if (monitor >= 0 && al_send_fds(monitor, "L", 1, &lfd, 1) < 0) {
			al_error_set(&err, errno, "seccomp: hand the listener to the monitor");
			child_fail(sync, &err);
		}
		close(lfd);
	}
	if (monitor >= 0)
		close(monitor);
	if (r->has_bundle_filter) {
		struct sock_fprog prog = {.len = (unsigned short)r->bundle_filter.len,
					  .filter = r->bundle_filter.insns};
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, r->bundle_filter_flags, &prog) < 0) {
			al_error_set(&err, errno, "linux.seccomp: load the bundle's filter");
			child_fail(sync, &err);
		}
	}
	/* The process starts as a fresh one would: no signal blocked or
	 * ignored that its caller (conmon, the shim, a shell) had. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Through the kernel, not signal(3): glibc refuses its own two
	 * (32 and 33), and a caller may have had them ignored too. */
	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP) {
			struct {
				void *handler;
				unsigned long flags;
				void *restorer;
				uint64_t mask;
			} dfl = {SIG_DFL, 0, NULL, 0};
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
		}
	environ = p->env ? p->env : (char *[]){NULL};
	if (sync >= 0)
		close(sync);
	/* Nothing of the caller's reaches the container but stdio and what
	 * --preserve-fds names. */
	if (syscall(SYS_close_range, 3 + r->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		al_error_set(&err, errno, "close_range");
		child_fail(-1, &err);
	}
	execvp(p->args[0], p->args);
	dprintf(2, "airlock-oci: exec %s: %s\n", p->args[0], strerror(errno));
	_exit(127);
}

/* args[0] as execvp would find it, with the process's own PATH. */
static bool findable(const struct oci_process *p)
{
	const char *a = p->args[0];
	if (strchr(a, '/'))
		return access(a, X_OK) == 0;
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (size_t i = 0; p->env && p->env[i]; i++)
		if (strncmp(p->env[i], "PATH=", 5) == 0)
			path = p->env[i] + 5;
	char buf[4096];
	for (const char *s = path; *s;) {
		const char *e = strchrnul(s, ':');
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(e - s), s, a);
		if (access(buf, X_OK) == 0)
			return true;
		s = *e ? e + 1 : e;
	}
	return false;
}

/* --- the monitor: a small process outside the container that holds the
 * seccomp listener, answers each call the deny-list refuses, and appends
 * the violation to ROOT/ID/violations.jsonl (and the log). */

struct mon_ctx {
	int out;
};

static void mon_event(void *user, const struct al_event *ev)
{
	struct mon_ctx *m = user;
	if (ev->kind != AL_EV_VIOLATION)
		return;
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:s}", "time", ts, "syscall", ev->syscall ? ev->syscall : "?",
			      "action", ev->action ? ev->action : "?", "pid", ev->pid, "args",
			      ev->args ? ev->args : "");
	char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (line) {
		al_write_all(m->out, line, strlen(line));
		al_write_all(m->out, "\n", 1);
	}
	free(line);
	json_decref(o);
}

static _Noreturn void monitor_main(const struct oci_run *r, int sock)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/violations.jsonl", r->state_dir);
	int out = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	char buf[4];
	int fds[1] = {-1};
	struct iovec iov = {buf, sizeof(buf)};
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof(cm.b)};
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (n <= 0 || !c || c->cmsg_type != SCM_RIGHTS)
		_exit(0); /* the process ended before its exec */
	memcpy(fds, CMSG_DATA(c), sizeof(int));
	close(sock);
	struct al_notify nt;
	if (al_notify_acquire_fd(&nt, fds[0]) < 0)
		_exit(1);
	struct al_violations v;
	memset(&v, 0, sizeof(v));
	struct mon_ctx m = {out};
	struct al_emit emit = {.fn = mon_event, .user = &m};
	for (;;) {
		struct pollfd pf = {nt.fd, POLLIN, 0};
		if (poll(&pf, 1, -1) < 0 && errno != EINTR)
			break;
		if (pf.revents & POLLIN) {
			if (al_notify_handle(&nt, &r->policy, &v, &emit) == 1)
				ocicg_kill(&r->cg); /* kill_on_violation: the whole container */
		} else if (pf.revents & (POLLHUP | POLLERR | POLLNVAL))
			break; /* no process uses the filter any more */
	}
	_exit(0);
}

/* A monitor, detached (its parent exits at once, so that it is nobody's
 * child to wait for): returns the socket the process sends its listener on. */
static int monitor_start(const struct oci_run *r, struct al_error *err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return al_error_set(err, errno, "monitor socket");
	pid_t p = fork();
	if (p < 0) {
		close(sv[0]);
		close(sv[1]);
		return al_error_set(err, errno, "fork the monitor");
	}
	if (p == 0) {
		if (fork() != 0)
			_exit(0);
		setsid();
		/* Nothing of the caller's held open: conmon and the shim wait
		 * for EOF on the container's stdio. */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int i = 0; i < 3; i++)
			dup2(null, i);
		int keep = fcntl(sv[0], F_DUPFD_CLOEXEC, 3);
		for (int fd = 3; fd < 4096; fd++)
			if (fd != keep)
				close(fd);
		monitor_main(r, keep);
	}
	close(sv[0]);
	waitpid(p, NULL, 0);
	return sv[1];
}

/* --- create */

static int write_idmap(pid_t pid, const char *file, const struct oci_idmap *m, size_t n, struct al_error *err)
{
	char buf[8192], path[64];
	size_t used = 0;
	for (size_t i = 0; i < n && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%u %u %u\n", m[i].container,
					 m[i].host, m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return al_write_file_at(AT_FDCWD, path, buf, err);
}

static int ns_flag(int t)
{
	static const int f[OCI_NS_N] = {CLONE_NEWPID, CLONE_NEWNET,  CLONE_NEWNS,    CLONE_NEWIPC,
					CLONE_NEWUTS, CLONE_NEWUSER, CLONE_NEWCGROUP};
	return f[t];
}

/* run.airlock.init=true: pid 1 is airlock's, the bundle's process its
 * child. It reaps orphans (a process that double-forks leaves no zombie),
 * forwards the signals a runtime sends (a shell as pid 1 ignores SIGTERM),
 * and exits with the process's status, which ends the rest of the pid
 * namespace. It keeps nothing: the process's uid (so that it may signal
 * it), no capability, no_new_privs, and its command line blanked. */
static const int init_forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

static void init_reaper(const struct oci_process *p, pid_t child)
{
	struct al_error err = {0};
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(init_forwarded); i++)
		sigaddset(&set, init_forwarded[i]);
	al_init_hide_cmdline();
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		_exit(127);
	if (setresgid(p->gid, p->gid, p->gid) < 0 || setresuid(p->uid, p->uid, p->uid) < 0 ||
	    al_caps_drop_all(&err) < 0 || al_caps_no_new_privs(&err) < 0) {
		kill(child, SIGKILL);
		dprintf(2, "airlock-oci: init: %s\n", err.msg[0] ? err.msg : strerror(errno));
		_exit(127);
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		int st;
		pid_t w;
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == child)
				_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
}

static _Noreturn void init_main(struct oci_run *r, int sync, int monitor, const int nsfd[OCI_NS_N], int fifo)
{
	const struct oci_spec *s = r->spec;
	struct al_error err = {0};
	/* Not dumpable until execve: no process of the container may ptrace
	 * this copy of airlock or open its /proc/PID/exe (runc's
	 * CVE-2019-5736). execve of the container's program resets it. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		_exit(127);
	/* Wait until the parent has written the id maps and placed us in the cgroup. */
	if (wait_byte(sync, 'G', &err) < 0)
		_exit(127);
	/* The user namespace first: it owns the others a pod shares. */
	/* (a user namespace joined by path was joined before the others were
	 * made: via_user_ns) */
	static const int order[] = {OCI_NS_NET, OCI_NS_IPC, OCI_NS_UTS, OCI_NS_CGROUP};
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		int t = order[i];
		if (nsfd[t] >= 0 && setns(nsfd[t], ns_flag(t)) < 0) {
			al_error_set(&err, errno, "linux.namespaces: join %s", s->ns_path[t]);
			child_fail(sync, &err);
		}
	}
	if (s->ns_new[OCI_NS_USER] && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
		al_error_set(&err, errno, "root in the user namespace");
		child_fail(sync, &err);
	}
	if (setsid() < 0) {
		al_error_set(&err, errno, "setsid");
		child_fail(sync, &err);
	}
	if (setup_root(r, sync, &err) < 0)
		child_fail(sync, &err);
	if (s->hostname && *s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0) {
		al_error_set(&err, errno, "hostname");
		child_fail(sync, &err);
	}
	if (s->domainname && *s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0) {
		al_error_set(&err, errno, "domainname");
		child_fail(sync, &err);
	}
	if (s->process.terminal) {
		if (r->console_fd < 0) {
			al_error_set(&err, EINVAL, "process.terminal: needs --console-socket");
			child_fail(sync, &err);
		}
		if (setup_console(r->console_fd, &s->process, &err) < 0)
			child_fail(sync, &err);
		close(r->console_fd);
	}
	if (lsm_check(&s->process, &err) < 0)
		child_fail(sync, &err);
	if (!findable(&s->process)) {
		al_error_set(&err, ENOENT, "process.args[0]: %s: executable file not found in $PATH",
			     s->process.args[0]);
		child_fail(sync, &err);
	}
	/* Ready: the parent writes the state and exits; start opens the fifo. */
	if (write(sync, "K", 1) != 1)
		_exit(127);
	char fp[64];
	fdpath(fifo, fp, sizeof(fp));
	int w = open(fp, O_WRONLY | O_CLOEXEC);
	if (w < 0 || write(w, "0", 1) != 1)
		_exit(127);
	close(w);
	close(fifo);
	close(sync);
	if (s->hooks.nstart_container) {
		/* startContainer hooks: in the container, before its process. */
		char st[8192];
		hook_state(r, "running", st, sizeof(st));
		if (oci_hooks_run(s->hooks.start_container, s->hooks.nstart_container, st, "startContainer",
				  &err) < 0) {
			dprintf(2, "airlock-oci: %s\n", err.msg);
			_exit(127);
		}
	}
	if (s->airlock_init) {
		sigset_t set, old;
		sigemptyset(&set);
		sigaddset(&set, SIGCHLD);
		for (size_t i = 0; i < ARRAY_SIZE(init_forwarded); i++)
			sigaddset(&set, init_forwarded[i]);
		sigprocmask(SIG_BLOCK, &set, &old);
		if (!s->ns_new[OCI_NS_PID])
			prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		pid_t child = fork();
		if (child < 0)
			_exit(127);
		if (child > 0) {
			if (monitor >= 0)
				close(monitor);
			init_reaper(&s->process, child);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* The process leads its own session and group (the terminal's,
		 * when there is one), as it would as pid 1. */
		if (!s->process.terminal)
			setsid();
	}
	finish(r, &s->process, -1, monitor);
}

/* A user namespace joined by path must own the namespaces the container
 * makes (a mount namespace of the host's user namespace could not be set
 * up by root of the joined one, nor proc be mounted for a pid namespace
 * that is not its own): an intermediate process joins it first, makes
 * them with unshare, and clones the init as the caller's child
 * (CLONE_PARENT). Returns the init's pid (0 in the init). */
static pid_t via_user_ns(const struct oci_run *r, int flags, const int nsfd[OCI_NS_N], int sv[2],
			 struct al_error *err)
{
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		return al_error_set(err, errno, "pipe");
	pid_t a = fork();
	if (a < 0) {
		close(pp[0]);
		close(pp[1]);
		return al_error_set(err, errno, "fork");
	}
	if (a == 0) {
		struct al_error e = {0};
		close(pp[0]);
		if (setns(nsfd[OCI_NS_USER], CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 ||
		    setresuid(0, 0, 0) < 0 || unshare(flags) < 0) {
			al_error_set(&e, errno, "linux.namespaces: join %s and make the others in it",
				     r->spec->ns_path[OCI_NS_USER]);
			child_fail(sv[1], &e);
		}
		pid_t b =
		    (pid_t)syscall(SYS_clone, (unsigned long)CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, 0);
		if (b == 0) {
			close(pp[1]);
			return 0; /* the init */
		}
		_exit(b > 0 && write(pp[1], &b, sizeof(b)) == sizeof(b) ? 0 : 127);
	}
	close(pp[1]);
	pid_t b = -1;
	if (read(pp[0], &b, sizeof(b)) != sizeof(b))
		b = -1;
	close(pp[0]);
	waitpid(a, NULL, 0);
	if (b < 0) {
		close(take_fd(sv[1]));
		if (wait_byte(sv[0], 'K', err) == 0)
			al_error_set(err, EPROTO, "no init");
		sv[1] = -1;
		return -1;
	}
	return b;
}

/* The host ids of the container's root: from the config's mappings, else
 * (a user namespace joined by /proc/PID/ns/user) from that process's maps. */
static int root_host_ids(const struct oci_spec *s, uid_t *u, gid_t *g, struct al_error *err)
{
	*u = (uid_t)-1;
	*g = (gid_t)-1;
	for (size_t i = 0; i < s->nuid_map; i++)
		if (s->uid_map[i].container == 0)
			*u = s->uid_map[i].host;
	for (size_t i = 0; i < s->ngid_map; i++)
		if (s->gid_map[i].container == 0)
			*g = s->gid_map[i].host;
	int pid;
	char tail[8];
	if (*u == (uid_t)-1 && s->ns_path[OCI_NS_USER] &&
	    sscanf(s->ns_path[OCI_NS_USER], "/proc/%d/ns/user%7s", &pid, tail) == 1) {
		for (int k = 0; k < 2; k++) {
			char path[64], buf[4096];
			snprintf(path, sizeof(path), "/proc/%d/%s", pid, k ? "gid_map" : "uid_map");
			if (al_read_file_at(AT_FDCWD, path, buf, sizeof(buf), NULL) < 0)
				continue;
			for (char *line = buf; line && *line;
			     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
				unsigned long in, out, n;
				if (sscanf(line, "%lu %lu %lu", &in, &out, &n) == 3 && in == 0) {
					if (k)
						*g = (gid_t)out;
					else
						*u = (uid_t)out;
				}
			}
		}
	}
	if (*u == (uid_t)-1 || *g == (gid_t)-1)
		return al_error_set(err, EINVAL,
				    "linux.uidMappings: the container's root has no host id (give the "
				    "mappings of the user namespace joined)");
	return 0;
}

pid_t oci_create(struct oci_run *r, struct al_error *err)
{
	const struct oci_spec *s = r->spec;
	int nsfd[OCI_NS_N];
	pid_t pid = -1;
	int flags = 0, sv[2] = {-1, -1}, monitor = -1;
	char fifo_path[4200];

	for (int t = 0; t < OCI_NS_N; t++) {
		nsfd[t] = -1;
		if (s->ns_new[t])
			flags |= ns_flag(t);
		if (s->ns_path[t] && (nsfd[t] = open(s->ns_path[t], O_RDONLY | O_CLOEXEC)) < 0) {
			al_error_set(err, errno, "linux.namespaces: %s", s->ns_path[t]);
			goto fail;
		}
	}
	if (!s->ns_new[OCI_NS_MNT]) {
		al_error_set(err, EINVAL,
			     "linux.namespaces: a container without a mount namespace of its own is not "
			     "supported by airlock-oci");
		goto fail;
	}
	/* A pid namespace is joined by the parent: only children enter it. */
	if (nsfd[OCI_NS_PID] >= 0 && setns(nsfd[OCI_NS_PID], CLONE_NEWPID) < 0) {
		al_error_set(err, errno, "linux.namespaces: join %s", s->ns_path[OCI_NS_PID]);
		goto fail;
	}
	snprintf(fifo_path, sizeof(fifo_path), "%s/exec.fifo", r->state_dir);
	if (mkfifo(fifo_path, 0600) < 0) {
		al_error_set(err, errno, "%s", fifo_path);
		goto fail;
	}
	cleanup_close int fifo = open(fifo_path, O_PATH | O_CLOEXEC);
	if (fifo < 0) {
		al_error_set(err, errno, "%s", fifo_path);
		goto fail;
	}
	/* In a user namespace the init opens it as the container's root. */
	if (s->ns_new[OCI_NS_USER] || s->ns_path[OCI_NS_USER]) {
		uid_t u;
		gid_t g;
		if (root_host_ids(s, &u, &g, err) < 0)
			goto fail;
		if (chown(fifo_path, u, g) < 0) {
			al_error_set(err, errno, "%s", fifo_path);
			goto fail;
		}
	}
	if (!(r->disabled & AL_DEF_SECCOMP) && (monitor = monitor_start(r, err)) < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		al_error_set(err, errno, "socketpair");
		goto fail;
	}
	if (ocicg_create(&r->cg, &s->res, err) < 0)
		goto fail;
	if (nsfd[OCI_NS_USER] >= 0)
		pid = via_user_ns(r, flags, nsfd, sv, err);
	else
		pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0) {
		if (!err->msg[0])
			al_error_set(err, errno, "clone");
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		init_main(r, sv[1], monitor, nsfd, fifo);
	}
	close(take_fd(sv[1]));
	if (monitor >= 0)
		close(take_fd(monitor));
	if (ocicg_enter(&r->cg, pid, err) < 0)
		goto kill;
	if (s->ns_new[OCI_NS_USER]) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		al_write_file_at(AT_FDCWD, path, "allow", NULL);
		if (write_idmap(pid, "uid_map", s->uid_map, s->nuid_map, err) < 0 ||
		    write_idmap(pid, "gid_map", s->gid_map, s->ngid_map, err) < 0)
			goto kill;
	}
	if (write(sv[0], "G", 1) != 1) {
		al_error_set(err, errno, "sync");
		goto kill;
	}
	if (wait_byte(sv[0], 'H', err) < 0 || (r->runtime_hooks && r->runtime_hooks(r, pid, err) < 0))
		goto kill;
	if (write(sv[0], "G", 1) != 1) {
		al_error_set(err, errno, "sync");
		goto kill;
	}
	if (wait_byte(sv[0], 'K', err) < 0)
		goto kill;
	close(sv[0]);
	for (int t = 0; t < OCI_NS_N; t++)
		if (nsfd[t] >= 0)
			close(nsfd[t]);
	return pid;
kill:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(fifo_path);
fail:
	for (int t = 0; t < OCI_NS_N; t++)
		if (nsfd[t] >= 0)
			close(nsfd[t]);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (monitor >= 0)
		close(monitor);
	return -1;
}

/* --- exec */

pid_t oci_exec(struct oci_run *r, const struct oci_process *p, pid_t pid, bool tty, struct al_error *err)
{
	static const char *const files[OCI_NS_N] = {"pid", "net", "mnt", "ipc", "uts", "user", "cgroup"};
	int nsfd[OCI_NS_N], sv[2] = {-1, -1}, pp[2] = {-1, -1}, monitor = -1;
	pid_t child = -1;
	char self[64];
	for (int t = 0; t < OCI_NS_N; t++) {
		char path[64];
		struct stat a, b;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, files[t]);
		snprintf(self, sizeof(self), "/proc/self/ns/%s", files[t]);
		nsfd[t] = -1;
		/* Only the namespaces that differ from ours (a user namespace
		 * cannot be joined when it is our own). */
		if (stat(path, &a) < 0 || stat(self, &b) < 0 ||
		    (a.st_ino == b.st_ino && a.st_dev == b.st_dev))
			continue;
		if ((nsfd[t] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			al_error_set(err, errno, "exec: %s", path);
			goto out;
		}
	}
	if (!(r->disabled & AL_DEF_SECCOMP) && (monitor = monitor_start(r, err)) < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(pp, O_CLOEXEC) < 0) {
		al_error_set(err, errno, "exec: socketpair");
		goto out;
	}
	pid_t a = fork();
	if (a < 0) {
		al_error_set(err, errno, "exec: fork");
		goto out;
	}
	if (a == 0) {
		/* The joiner: user namespace first (it owns the others). Not
		 * dumpable (see init_main), nor the child it clones. */
		struct al_error e = {0};
		close(sv[0]);
		close(pp[0]);
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
			al_error_set(&e, errno, "exec: not dumpable");
			child_fail(sv[1], &e);
		}
		static const int order[] = {OCI_NS_USER, OCI_NS_PID,	OCI_NS_NET, OCI_NS_IPC,
					    OCI_NS_UTS,	 OCI_NS_CGROUP, OCI_NS_MNT};
		for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
			int t = order[i];
			if (nsfd[t] >= 0 && setns(nsfd[t], ns_flag(t)) < 0) {
				al_error_set(&e, errno, "exec: join the container's %s namespace", files[t]);
				child_fail(sv[1], &e);
			}
		}
		/* In the pid namespace only as a child: the process that execs,
		 * a child of airlock-oci's caller (CLONE_PARENT). */
		pid_t b =
		    (pid_t)syscall(SYS_clone, (unsigned long)CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, 0);
		if (b < 0) {
			al_error_set(&e, errno, "exec: clone");
			child_fail(sv[1], &e);
		}
		if (b > 0) {
			if (write(pp[1], &b, sizeof(b)) != sizeof(b))
				_exit(1);
			_exit(0);
		}
		close(pp[1]);
		if (wait_byte(sv[1], 'G', &e) < 0)
			_exit(127);
		if (setsid() < 0 && tty) {
			al_error_set(&e, errno, "setsid");
			child_fail(sv[1], &e);
		}
		if (p->terminal || tty) {
			if (r->console_fd < 0) {
				al_error_set(&e, EINVAL, "exec --tty: needs --console-socket");
				child_fail(sv[1], &e);
			}
			if (setup_console(r->console_fd, p, &e) < 0)
				child_fail(sv[1], &e);
			close(r->console_fd);
		}
		if (lsm_check(p, &e) < 0)
			child_fail(sv[1], &e);
		if (!findable(p)) {
			al_error_set(&e, ENOENT, "exec: %s: executable file not found in $PATH", p->args[0]);
			child_fail(sv[1], &e);
		}
		if (write(sv[1], "K", 1) != 1)
			_exit(127);
		finish(r, p, sv[1], monitor);
	}
	close(take_fd(sv[1]));
	close(take_fd(pp[1]));
	if (monitor >= 0)
		close(take_fd(monitor));
	int st;
	waitpid(a, &st, 0);
	if (read(pp[0], &child, sizeof(child)) != sizeof(child)) {
		if (wait_byte(sv[0], 'K', err) == 0)
			al_error_set(err, EPROTO, "exec: no process");
		child = -1;
		goto out;
	}
	if (ocicg_enter(&r->cg, child, err) < 0 || write(sv[0], "G", 1) != 1 ||
	    wait_byte(sv[0], 'K', err) < 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
out:
	for (int t = 0; t < OCI_NS_N; t++)
		if (nsfd[t] >= 0)
			close(nsfd[t]);
	for (int i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (pp[i] >= 0)
			close(pp[i]);
	}
	if (monitor >= 0)
		close(monitor);
	return child;
}

/* --- hooks */

int oci_hooks_run(const struct oci_hook *h, size_t n, const char *state_json, const char *what,
		  struct al_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int in[2];
		if (pipe2(in, O_CLOEXEC) < 0)
			return al_error_set(err, errno, "hooks.%s", what);
		pid_t p = fork();
		if (p < 0)
			return al_error_set(err, errno, "hooks.%s: fork", what);
		if (p == 0) {
			dup2(in[0], 0);
			char *none[] = {NULL}, *argv0[] = {h[i].path, NULL};
			execve(h[i].path, h[i].args ? h[i].args : argv0, h[i].env ? h[i].env : none);
			_exit(127);
		}
		close(in[0]);
		/* A hook that does not read its stdin must not kill us; the
		 * disposition is put back (the init execs after this, and an
		 * ignored SIGPIPE would be inherited by the container). */
		void (*was)(int) = signal(SIGPIPE, SIG_IGN);
		al_write_all(in[1], state_json, strlen(state_json));
		signal(SIGPIPE, was);
		close(in[1]);
		int st = 0;
		double deadline = al_now_ms() + (h[i].timeout ? h[i].timeout * 1000.0 : 1e12);
		for (;;) {
			pid_t w = waitpid(p, &st, WNOHANG);
			if (w == p)
				break;
			if (al_now_ms() > deadline) {
				kill(p, SIGKILL);
				waitpid(p, &st, 0);
				return al_error_set(err, ETIMEDOUT, "hooks.%s[%zu] %s: timed out", what, i,
						    h[i].path);
			}
			usleep(2000);
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return al_error_set(err, 0, "hooks.%s[%zu] %s: failed (status %d)", what, i,
					    h[i].path, st);
	}
	return 0;
}

/* --- the parent's preparation */

static int compile_bundle_filter(struct oci_run *r, struct al_error *err)
{
	const struct oci_seccomp *sc = r->spec->seccomp;
	scmp_filter_ctx ctx = seccomp_init(sc->default_action);
	int rc = -1;
	if (!ctx)
		return al_error_set(err, EINVAL, "linux.seccomp: defaultAction");
	seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
	bool native = false;
	for (size_t i = 0; i < sc->narchs; i++) {
		if (sc->archs[i] == seccomp_arch_native())
			native = true;
		int e = seccomp_arch_add(ctx, sc->archs[i]);
		if (e < 0 && e != -EEXIST) {
			al_error_set(err, -e, "linux.seccomp.architectures");
			goto out;
		}
	}
	if (!native)
		seccomp_arch_add(ctx, SCMP_ARCH_NATIVE);
	for (size_t i = 0; i < sc->nrules; i++) {
		const struct oci_sc_rule *rule = &sc->rules[i];
		struct scmp_arg_cmp cmp[OCI_MAX_ARGS];
		for (size_t k = 0; k < rule->nargs; k++)
			cmp[k] =
			    (struct scmp_arg_cmp){rule->args[k].index, (enum scmp_compare)rule->args[k].op,
						  rule->args[k].value, rule->args[k].value2};
		if (rule->action == sc->default_action)
			continue; /* libseccomp refuses a rule that is the default */
		for (size_t j = 0; rule->names[j]; j++) {
			int nr = seccomp_syscall_resolve_name(rule->names[j]);
			if (nr == __NR_SCMP_ERROR)
				continue; /* a call this kernel or libseccomp does not know: nothing to filter
					   */
			int e = seccomp_rule_add_array(ctx, rule->action, nr, (unsigned)rule->nargs, cmp);
			if (e < 0 && e != -EEXIST) {
				al_error_set(err, -e, "linux.seccomp.syscalls[%zu]: %s", i, rule->names[j]);
				goto out;
			}
		}
	}
	cleanup_close int mfd = memfd_create("oci-bpf", MFD_CLOEXEC);
	struct stat st;
	if (mfd < 0 || seccomp_export_bpf(ctx, mfd) < 0 || fstat(mfd, &st) < 0 || st.st_size <= 0 ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
		al_error_set(err, errno ? errno : EINVAL, "linux.seccomp: compile");
		goto out;
	}
	r->bundle_filter.insns = malloc((size_t)st.st_size);
	if (!r->bundle_filter.insns ||
	    pread(mfd, r->bundle_filter.insns, (size_t)st.st_size, 0) != st.st_size) {
		al_error_set(err, EIO, "linux.seccomp: read back");
		goto out;
	}
	r->bundle_filter.len = (size_t)st.st_size / sizeof(struct sock_filter);
	r->has_bundle_filter = true;
	r->bundle_filter_flags = (sc->flag_log ? SECCOMP_FILTER_FLAG_LOG : 0) |
				 (sc->flag_spec_allow ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0);
	rc = 0;
out:
	seccomp_release(ctx);
	return rc;
}

int oci_run_prepare(struct oci_run *r, struct al_error *err)
{
	const struct oci_spec *s = r->spec;
	al_policy_default(&r->policy);
	if (s->airlock_profile && strcmp(s->airlock_profile, "strict") == 0) {
		/* The deny-list, and the first refused call ends the container. */
		r->policy.kill_on_violation = true;
	} else if (s->airlock_profile && *s->airlock_profile) {
		/* A stricter airlock profile: its syscall policy is the layer's. */
		struct al_profile prof;
		if (strchr(s->airlock_profile, '/') || strstr(s->airlock_profile, ".json"))
			return al_error_set(err, EINVAL,
					    "annotations.run.airlock.profile: a built-in profile's name, "
					    "not a file");
		if (al_profile_load(s->airlock_profile, &prof, err) < 0)
			return al_error_wrap(err, "annotations.run.airlock.profile");
		r->policy = prof.seccomp;
		if (r->policy.mode == AL_SC_LEARN)
			r->policy.mode = AL_SC_DENY_LIST;
		al_profile_free(&prof);
	}
	if (!(r->disabled & AL_DEF_SECCOMP) && al_seccomp_compile(&r->policy, &r->airlock_filter, err) < 0)
		return al_error_wrap(err, "airlock's seccomp layer");
	if (s->seccomp && compile_bundle_filter(r, err) < 0)
		return -1;
	r->devices_by_mounts = r->cg.v2 && s->res.ndevices > 0;
#ifdef AIRLOCK_TEST_SWITCHES
	/* Test builds: the v2 way of enforcing device rules, on v1 too. */
	if (getenv("AIRLOCK_TEST_DEVICES_BY_MOUNTS") && s->res.ndevices > 0)
		r->devices_by_mounts = true;
#endif
	r->landlock_abi = al_landlock_abi();
	if (!(r->disabled & AL_DEF_LANDLOCK) && r->landlock_abi <= 0)
		return al_error_set(err, ENOSYS, "landlock: this kernel has none; airlock-oci requires it");
	/* Landlock's writable places: each writable mount but the kernel's
	 * own file systems. */
	r->nlandlock_rw = 0;
	for (size_t i = 0; i < s->nmounts && r->nlandlock_rw < ARRAY_SIZE(r->landlock_rw); i++) {
		const struct oci_mount *m = &s->mounts[i];
		if ((m->flags & MS_RDONLY) ||
		    (m->type && (!strcmp(m->type, "proc") || !strcmp(m->type, "sysfs") ||
				 !strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2"))))
			continue;
		r->landlock_rw[r->nlandlock_rw++] = m->dest;
	}
	return 0;
}

void oci_run_release(struct oci_run *r)
{
	al_seccomp_free(&r->airlock_filter);
	al_seccomp_free(&r->bundle_filter);
	ocicg_free(&r->cg);
	if (r->console_fd >= 0)
		close(r->console_fd);
	r->console_fd = -1;
}
