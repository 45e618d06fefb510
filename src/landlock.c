#include "landlock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

#define FS_EXECUTE (1ULL << 0)
#define FS_WRITE_FILE (1ULL << 1)
#define FS_READ_FILE (1ULL << 2)
#define FS_READ_DIR (1ULL << 3)
#define FS_MAKE_CHAR (1ULL << 6)
#define FS_MAKE_BLOCK (1ULL << 11)
#define FS_ABI1_ALL ((1ULL << 13) - 1) /* execute .. make_sym */
#define FS_REFER (1ULL << 13)	       /* ABI 2 */
#define FS_TRUNCATE (1ULL << 14)       /* ABI 3 */
#define FS_IOCTL_DEV (1ULL << 15)      /* ABI 5 */
#define NET_BIND_TCP (1ULL << 0)       /* ABI 4 */
#define NET_CONNECT_TCP (1ULL << 1)
#define SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define SCOPE_SIGNAL (1ULL << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port {
	uint64_t allowed_access;
	uint64_t port;
};

int al_landlock_abi(void)
{
	long v = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	return v < 0 ? 0 : (int)v;
}

static uint64_t fs_all(int abi)
{
	uint64_t a = FS_ABI1_ALL;
	if (abi >= 2)
		a |= FS_REFER;
	if (abi >= 3)
		a |= FS_TRUNCATE;
	if (abi >= 5)
		a |= FS_IOCTL_DEV;
	return a;
}

/* Allow access beneath path. A path that does not exist gets no rule: that
 * can only take access away, never give it. */
static int allow_path(int ruleset, const char *path, uint64_t access, struct al_error *err)
{
	struct ll_path_beneath pb = {.allowed_access = access};

	pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (pb.parent_fd < 0)
		return errno == ENOENT ? 0 : al_error_set(err, errno, "landlock: open %s", path);
	/* A file (a bound file, a device) takes only file rights. */
	struct stat st;
	if (fstat(pb.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
		pb.allowed_access &= FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV;
	long r = syscall(__NR_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb, 0);
	close(pb.parent_fd);
	if (r < 0)
		return al_error_set(err, errno, "landlock: rule for %s", path);
	return 0;
}

static int allow_ports(int ruleset, const uint16_t *ports, size_t n, uint64_t access, struct al_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct ll_net_port np = {.allowed_access = access, .port = ports[i]};
		if (syscall(__NR_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &np, 0) < 0)
			return al_error_set(err, errno, "landlock: port %u", ports[i]);
	}
	return 0;
}

static int restrict_self(int rs, struct al_error *err)
{
	if (syscall(__NR_landlock_restrict_self, rs, 0) < 0)
		return al_error_set(err, errno, "landlock: restrict self");
	return 0;
}

static int create_ruleset(int abi, struct ll_ruleset_attr *attr, struct al_error *err)
{
	/* The attribute grew with the ABI: pass the size this ABI knows. */
	size_t size = abi >= 6 ? sizeof(*attr) : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
	int rs = (int)syscall(__NR_landlock_create_ruleset, attr, size, 0);
	if (rs < 0)
		return al_error_set(err, errno, "landlock: create ruleset (ABI %d)", abi);
	return rs;
}

int al_landlock_apply(const struct al_plan *plan, int abi, struct al_error *err)
{
	const struct al_profile *p = &plan->profile;
	const struct al_landlock *ll = &p->landlock;
	uint64_t all = fs_all(abi), ro = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR;
	struct ll_ruleset_attr attr = {.handled_access_fs = all};
	int r = -1;

	if (abi >= 4 && ll->tcp_rules)
		attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
	if (abi >= 6)
		attr.scoped = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL;
	int rs = create_ruleset(abi, &attr, err);
	if (rs < 0)
		return -1;

	/* The root itself: listing only (every directory below inherits it). */
	if (allow_path(rs, "/", FS_READ_DIR, err) < 0)
		goto out;
	for (size_t i = 0; i < p->nbinds; i++)
		if (allow_path(rs, p->binds[i].inside, p->binds[i].writable ? all : ro, err) < 0)
			goto out;
	/* Without the mount defence (a test control) /tmp and the workdir are
	 * the host's: they are not the sandbox's tmpfs and get no rule. */
	if (!al_off(plan, AL_DEF_MOUNT) &&
	    (allow_path(rs, "/tmp", all, err) < 0 || allow_path(rs, p->workdir, all, err) < 0 ||
	     (p->home_dir && allow_path(rs, p->home_dir, all, err) < 0)))
		goto out;
	/* In /dev, the five nodes airlock puts there and nothing else beneath it. */
	static const char *const nodes[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
					    "/dev/urandom"};
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++)
		if (allow_path(rs, nodes[i], FS_READ_FILE | FS_WRITE_FILE | (abi >= 5 ? FS_IOCTL_DEV : 0),
			       err) < 0)
			goto out;
	if (allow_path(rs, "/proc", FS_READ_FILE | FS_WRITE_FILE | FS_READ_DIR, err) < 0)
		goto out;
	if (attr.handled_access_net &&
	    (allow_ports(rs, ll->tcp_bind, ll->ntcp_bind, NET_BIND_TCP, err) < 0 ||
	     allow_ports(rs, ll->tcp_connect, ll->ntcp_connect, NET_CONNECT_TCP, err) < 0))
		goto out;
	r = restrict_self(rs, err);
out:
	close(rs);
	return r;
}

int al_landlock_apply_tree(int abi, bool root_readonly, const char *const *rw, size_t nrw, struct al_error *err)
{
	uint64_t all = fs_all(abi), ro = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR;
	struct ll_ruleset_attr attr = {.handled_access_fs = all};
	int r = -1;

	if (abi >= 6)
		attr.scoped = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL;
	int rs = create_ruleset(abi, &attr, err);
	if (rs < 0)
		return -1;
	/* No device node is made inside (whatever CAP_MKNOD the config
	 * gives): the devices are the ones the runtime put in /dev. */
	all &= ~(FS_MAKE_CHAR | FS_MAKE_BLOCK);
	/* A rule on / would reach /proc and /sys too: the root gets what
	 * makes entries (not file writes), its top-level directories the rest. */
	uint64_t top = root_readonly ? ro : all & ~(FS_WRITE_FILE | FS_TRUNCATE);
	if (allow_path(rs, "/", top, err) < 0)
		goto out;
	if (!root_readonly) {
		DIR *d = opendir("/");
		struct dirent *e;
		char path[300];
		while (d && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "proc") ||
			    !strcmp(e->d_name, "sys") || e->d_type == DT_LNK)
				continue;
			snprintf(path, sizeof(path), "/%s", e->d_name);
			if (allow_path(rs, path, all, err) < 0) {
				closedir(d);
				goto out;
			}
		}
		if (d)
			closedir(d);
	}
	for (size_t i = 0; i < nrw; i++)
		if (strncmp(rw[i], "/proc", 5) != 0 && strncmp(rw[i], "/sys", 4) != 0 &&
		    allow_path(rs, rw[i], all, err) < 0)
			goto out;
	r = restrict_self(rs, err);
out:
	close(rs);
	return r;
}
