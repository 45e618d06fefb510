#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Leases are byte-range locks on one root-only file in /run (a tmpfs): byte
 * N locked means host uid N is in use. Open-file-description locks go away
 * with the fd, so a supervisor that dies releases its uid, and no other user
 * can take or squat one (unlike a name in a shared namespace). */
#define LEASE_FILE "/run/airlock-uids.lock"

static int open_lease_file(struct al_error *err)
{
	struct stat st;
	int fd = open(LEASE_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return al_error_set(err, errno, "uid leases: open %s", LEASE_FILE);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077)) {
		close(fd);
		return al_error_set(err, EPERM, "uid leases: %s is not a root-only regular file", LEASE_FILE);
	}
	return fd;
}

static int try_lock(int fd, uid_t uid)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = (off_t)uid, .l_len = 1};
	return fcntl(fd, F_OFD_SETLK, &fl);
}

int al_userns_lease(const struct al_plan *plan, struct al_uid_lease *lease, struct al_error *err)
{
	memset(lease, 0, sizeof(*lease));
	lease->lock_fd = -1;
	if (geteuid() != 0) {
		lease->host_uid = getuid();
		return 0;
	}
	lease->privileged = true;
	int fd = open_lease_file(err);
	if (fd < 0)
		return -1;
	/* Start at a pid-dependent offset so concurrent supervisors rarely collide. */
	uint32_t start = (uint32_t)getpid() * 2654435761u % plan->uid_count;
	for (uint32_t i = 0; i < plan->uid_count; i++) {
		uid_t uid = plan->uid_first + (start + i) % plan->uid_count;
		if (uid == 0 || uid == getuid() || uid == (uid_t)-1)
			continue;
		if (try_lock(fd, uid) == 0) {
			lease->host_uid = uid;
			lease->lock_fd = fd;
			return 0;
		}
		if (errno != EAGAIN && errno != EACCES) {
			al_error_set(err, errno, "uid lease");
			close(fd);
			return -1;
		}
	}
	close(fd);
	return al_error_set(err, 0, "all %u uids of the range %u:%u are in use", plan->uid_count,
			    plan->uid_first, plan->uid_count);
}

void al_userns_release(struct al_uid_lease *lease) { al_closep(&lease->lock_fd); }

int al_userns_write_maps(pid_t child, const struct al_uid_lease *lease, bool map_root, struct al_error *err)
{
	char path[64], map[64];
	cleanup_close int dir = -1;
	uid_t uid = map_root ? 0 : lease->host_uid;
	gid_t gid = map_root ? 0 : (lease->privileged ? (gid_t)lease->host_uid : getgid());

	snprintf(path, sizeof(path), "/proc/%d", (int)child);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return al_error_set(err, errno, "open %s", path);
	/* An unprivileged gid map requires setgroups to be denied (the caller's
	 * groups then stay, as the kernel wants). As root the child sheds the
	 * supervisor's groups itself with setgroups(0), which needs it allowed;
	 * it cannot call it again once its capabilities are gone. */
	if (!lease->privileged && al_write_file_at(dir, "setgroups", "deny", err) < 0)
		return al_error_wrap(err, "user namespace");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if (al_write_file_at(dir, "uid_map", map, err) < 0)
		return al_error_wrap(err, "user namespace");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	if (al_write_file_at(dir, "gid_map", map, err) < 0)
		return al_error_wrap(err, "user namespace");
	return 0;
}

/* inotify: 8 instances (an editor, a file watcher, node's event loop use
 * one each) and 4096 watches, against the host's 128 and ~190,000 per uid;
 * fanotify likewise. */
const struct al_userns_cap al_userns_caps[] = {
    {"max_inotify_instances", 8}, {"max_inotify_watches", 4096}, {"max_fanotify_groups", 8},
    {"max_fanotify_marks", 4096}, {"max_user_namespaces", 0},	 {"max_pid_namespaces", 0},
    {"max_net_namespaces", 0},	  {"max_mnt_namespaces", 0},	 {"max_ipc_namespaces", 0},
    {"max_uts_namespaces", 0},	  {"max_cgroup_namespaces", 0},	 {"max_time_namespaces", 0},
};
const unsigned al_userns_ncaps = ARRAY_SIZE(al_userns_caps);

/* The files are opened beneath one directory fd: a walk of /proc/sys/user
 * for each of the twelve cost ~20 us of init's critical path (105 -> 85 us
 * for all twelve, measured in fresh user namespaces with their own /proc). */
int al_userns_cap_counters(const char *proc_sys_user, struct al_error *err)
{
	cleanup_close int dir = open(proc_sys_user, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0) {
		if (errno == ENOENT)
			return 0; /* no per-user counters on this kernel */
		al_error_set(err, errno, "open %s", proc_sys_user);
		return al_error_wrap(err, "cap the sandbox's per-user counters");
	}
	for (size_t i = 0; i < ARRAY_SIZE(al_userns_caps); i++) {
		char val[16];
		snprintf(val, sizeof(val), "%u", al_userns_caps[i].max);
		if (al_write_file_at(dir, al_userns_caps[i].name, val, err) < 0) {
			if (err->errnum == ENOENT)
				continue;
			return al_error_wrap(err, "cap the sandbox's per-user counters");
		}
	}
	return 0;
}
