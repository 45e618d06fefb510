/* Workspace operations of a kept sandbox (workspace.h), run inside it. */
#include "workspace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

struct rec {
	uint8_t type;
	uint8_t mode[4], plen[4], size[8];
} __attribute__((packed));

static const char magic[8] = {'A', 'L', 'S', 'N', 'A', 'P', '1', '\n'};

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Exactly len bytes, or -1 at an early end. */
static int read_all(int fd, void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* Copy up to len bytes (all of in, when len is UINT64_MAX); a file that
 * shrank meanwhile is padded with zeros so that the archive's sizes hold. */
static int copy(int in, int out, uint64_t len, bool pad)
{
	char buf[65536];
	while (len > 0) {
		size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t n = read(in, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			if (!pad || len == UINT64_MAX)
				return len == UINT64_MAX ? 0 : -1;
			memset(buf, 0, want);
			n = (ssize_t)want;
		}
		if (al_write_all(out, buf, (size_t)n) < 0)
			return -1;
		if (len != UINT64_MAX)
			len -= (uint64_t)n;
	}
	return 0;
}

static int fail(const char *what, const char *path)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "airlock: %s %s: %s\n", what, path, strerror(errno));
	(void)al_write_all(2, msg, n < (int)sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	return 1;
}

static int emit(int out, char type, unsigned mode, const char *path, size_t plen, uint64_t size)
{
	struct rec r = {.type = (uint8_t)type};
	put_le(r.mode, mode, 4);
	put_le(r.plen, plen, 4);
	put_le(r.size, size, 8);
	return al_write_all(out, &r, sizeof(r)) < 0 || al_write_all(out, path, plen) < 0 ? -1 : 0;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Each entry of dirfd, depth first; path holds the entry's path so far. */
static int walk(int dirfd, char *path, size_t plen, int depth, int out)
{
	char buf[4096];
	long n;

	if (depth > AL_SNAP_MAX_DEPTH) {
		errno = ELOOP;
		return fail("snapshot: too deep at", path);
	}
	while ((n = syscall(SYS_getdents64, dirfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
				continue;
			size_t nl = strlen(d->d_name), len = plen + (plen ? 1 : 0) + nl;
			if (len >= AL_SNAP_MAX_PATH) {
				errno = ENAMETOOLONG;
				return fail("snapshot:", d->d_name);
			}
			if (plen)
				path[plen] = '/';
			memcpy(path + plen + (plen ? 1 : 0), d->d_name, nl + 1);
			struct stat st;
			if (fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				return fail("snapshot: stat", path);
			int r = 0;
			if (S_ISDIR(st.st_mode)) {
				int fd =
				    openat(dirfd, d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (fd < 0)
					return fail("snapshot: open", path);
				r = emit(out, 'd', st.st_mode & 0777, path, len, 0) < 0
					? 1
					: walk(fd, path, len, depth + 1, out);
				close(fd);
			} else if (S_ISREG(st.st_mode)) {
				int fd = openat(dirfd, d->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
				if (fd < 0)
					return fail("snapshot: open", path);
				r = emit(out, 'f', st.st_mode & 0777, path, len, (uint64_t)st.st_size) < 0 ||
					    copy(fd, out, (uint64_t)st.st_size, true) < 0
					? fail("snapshot: copy", path)
					: 0;
				close(fd);
			} else if (S_ISLNK(st.st_mode)) {
				char target[AL_SNAP_MAX_PATH];
				ssize_t tl = readlinkat(dirfd, d->d_name, target, sizeof(target));
				if (tl < 0 || tl == (ssize_t)sizeof(target))
					return fail("snapshot: readlink", path);
				r = emit(out, 'l', 0777, path, len, (uint64_t)tl) < 0 ||
				    al_write_all(out, target, (size_t)tl) < 0;
			} /* devices, FIFOs, sockets: not part of a workspace */
			path[plen] = '\0';
			if (r)
				return 1;
		}
	}
	return n < 0 ? fail("snapshot: read directory", path[0] ? path : ".") : 0;
}

/* Remove everything below dirfd (the workdir itself stays). */
static int clear(int dirfd, int depth)
{
	char buf[4096];
	long n;

	if (depth > AL_SNAP_MAX_DEPTH)
		return -1;
	/* Entries are removed while being listed: list again until empty. */
	for (bool again = true; again;) {
		again = false;
		if (lseek(dirfd, 0, SEEK_SET) < 0)
			return -1;
		while ((n = syscall(SYS_getdents64, dirfd, buf, sizeof(buf))) > 0) {
			for (long off = 0; off < n;) {
				struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
				off += d->d_reclen;
				if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
					continue;
				if (unlinkat(dirfd, d->d_name, 0) == 0)
					continue;
				int fd =
				    openat(dirfd, d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (fd < 0)
					return -1;
				int r = clear(fd, depth + 1);
				close(fd);
				if (r < 0 || unlinkat(dirfd, d->d_name, AT_REMOVEDIR) < 0)
					return -1;
				again = true;
			}
		}
		if (n < 0)
			return -1;
	}
	return 0;
}

/* A path of the archive: relative, no empty, "." or ".." parts. */
static bool path_ok(const char *p, size_t len)
{
	if (len == 0 || p[0] == '/' || memchr(p, '\0', len))
		return false;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && p[j] != '/')
			j++;
		size_t n = j - i;
		if (n == 0 || (n == 1 && p[i] == '.') || (n == 2 && p[i] == '.' && p[i + 1] == '.'))
			return false;
		i = j + 1;
		if (j + 1 == len)
			return false; /* a trailing slash */
	}
	return true;
}

/* The directory holding path, reached one part at a time, following no
 * symlink: an earlier record may have made one on the way. make: create
 * the missing ones. An absolute path starts at / (the sandbox's). */
static int open_parent(int dirfd, char *path, const char **name, bool make)
{
	int fd = path[0] == '/'	     ? open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
		 : dirfd == AT_FDCWD ? open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
				     : dup(dirfd);
	char *p = path, *slash;

	while (*p == '/')
		p++;
	while (fd >= 0 && (slash = strchr(p, '/'))) {
		*slash = '\0';
		if (make && *p)
			(void)mkdirat(fd, p, 0755);
		int next = *p ? openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : dup(fd);
		*slash = '/';
		close(fd);
		fd = next;
		p = slash + 1;
	}
	*name = p;
	return fd;
}

int al_snapshot_restore(int in, int dirfd, char *why, size_t len)
{
	char head[sizeof(magic)], path[AL_SNAP_MAX_PATH], target[AL_SNAP_MAX_PATH];
	struct rec r;

#define BAD(...)                                                                                             \
	do {                                                                                                 \
		snprintf(why, len, __VA_ARGS__);                                                             \
		return -1;                                                                                   \
	} while (0)
	if (read_all(in, head, sizeof(head)) < 0 || memcmp(head, magic, sizeof(magic)) != 0)
		BAD("not an airlock snapshot");
	for (;;) {
		if (read_all(in, &r, sizeof(r)) < 0)
			BAD("truncated archive");
		if (r.type == 'e')
			return 0;
		uint64_t plen = get_le(r.plen, 4), size = get_le(r.size, 8);
		unsigned mode = (unsigned)get_le(r.mode, 4) & 0777;
		if (plen >= sizeof(path) || read_all(in, path, (size_t)plen) < 0)
			BAD("a path too long, or truncated");
		path[plen] = '\0';
		if (!path_ok(path, (size_t)plen))
			BAD("a path that leaves the workspace: %.64s", path);
		const char *name;
		int pfd = open_parent(dirfd, path, &name, false);
		if (pfd < 0)
			BAD("%s: parent: %s", path, strerror(errno));
		int rc = 0;
		if (r.type == 'd') {
			rc = mkdirat(pfd, name, mode | 0700) < 0 && errno != EEXIST ? -1 : 0;
		} else if (r.type == 'f') {
			int fd =
			    openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
			rc = fd < 0 || copy(in, fd, size, false) < 0 ? -1 : 0;
			if (fd >= 0)
				close(fd);
		} else if (r.type == 'l') {
			if (size >= sizeof(target) || read_all(in, target, (size_t)size) < 0) {
				close(pfd);
				BAD("%s: a link target too long, or truncated", path);
			}
			target[size] = '\0';
			rc = symlinkat(target, pfd, name);
		} else {
			close(pfd);
			BAD("a record of unknown type %u", r.type);
		}
		int e = errno;
		close(pfd);
		if (rc < 0)
			BAD("%s: %s", path, strerror(e));
	}
#undef BAD
}

int al_workspace_op(const struct al_plan *plan, char op, const char *path, unsigned mode)
{
	(void)plan;
	switch (op) {
	case AL_REQ_PUT: {
		/* Its parents made as needed, never through a symlink; never a
		 * set-id bit: the file is data, not a program to trust. */
		char p[AL_SNAP_MAX_PATH];
		const char *name;
		if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p)) {
			errno = ENAMETOOLONG;
			return fail("put", path);
		}
		int dir = open_parent(AT_FDCWD, p, &name, true);
		int fd = dir < 0 ? -1
				 : openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
					  mode & 0777);
		if (dir >= 0)
			close(dir);
		if (fd < 0 || copy(0, fd, UINT64_MAX, false) < 0 || close(fd) < 0)
			return fail("put", path);
		return 0;
	}
	case AL_REQ_GET: {
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0)
			return fail("get", path);
		if (!S_ISREG(st.st_mode)) {
			errno = EINVAL;
			return fail("get (not a regular file)", path);
		}
		return copy(fd, 1, UINT64_MAX, false) < 0 ? fail("get", path) : 0;
	}
	case AL_REQ_SNAPSHOT: {
		char p[AL_SNAP_MAX_PATH] = "";
		int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || al_write_all(1, magic, sizeof(magic)) < 0)
			return fail("snapshot", ".");
		if (walk(fd, p, 0, 0, 1) != 0)
			return 1;
		return emit(1, 'e', 0, "", 0, 0) < 0 ? fail("snapshot", "write") : 0;
	}
	case AL_REQ_RESTORE: {
		char why[512];
		int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || clear(fd, 0) < 0)
			return fail("restore: empty the workspace", ".");
		if (al_snapshot_restore(0, fd, why, sizeof(why)) < 0) {
			char msg[600];
			int n = snprintf(msg, sizeof(msg), "airlock: restore: %s\n", why);
			(void)al_write_all(2, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
			return 1;
		}
		return 0;
	}
	}
	return 2;
}
