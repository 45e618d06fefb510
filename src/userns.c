#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

static int try_lock(uid_t uid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "airlock/uid/%u", (unsigned)uid);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
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
	/* Start at a pid-dependent offset so concurrent supervisors rarely collide. */
	uint32_t start = (uint32_t)getpid() * 2654435761u % plan->uid_count;
	for (uint32_t i = 0; i < plan->uid_count; i++) {
		uid_t uid = plan->uid_first + (start + i) % plan->uid_count;
		if (uid == 0 || uid == getuid() || uid == (uid_t)-1)
			continue;
		int fd = try_lock(uid);
		if (fd >= 0) {
			lease->host_uid = uid;
			lease->lock_fd = fd;
			return 0;
		}
		if (errno != EADDRINUSE)
			return al_error_set(err, errno, "uid lock");
	}
	return al_error_set(err, 0, "all %u uids of the range %u:%u are in use", plan->uid_count,
			    plan->uid_first, plan->uid_count);
}

void al_userns_release(struct al_uid_lease *lease)
{
	al_closep(&lease->lock_fd);
}

int al_userns_write_maps(pid_t child, const struct al_uid_lease *lease, bool map_root,
			 struct al_error *err)
{
	char path[64], map[64];
	cleanup_close int dir = -1;
	uid_t uid = map_root ? 0 : lease->host_uid;
	gid_t gid = map_root ? 0 : (lease->privileged ? (gid_t)lease->host_uid : getgid());

	snprintf(path, sizeof(path), "/proc/%d", (int)child);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return al_error_set(err, errno, "open %s", path);
	/* Unprivileged gid maps require setgroups to be denied; deny it always:
	 * a sandbox has no use for supplementary groups. */
	if (al_write_file_at(dir, "setgroups", "deny", err) < 0)
		return al_error_wrap(err, "user namespace");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if (al_write_file_at(dir, "uid_map", map, err) < 0)
		return al_error_wrap(err, "user namespace");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	if (al_write_file_at(dir, "gid_map", map, err) < 0)
		return al_error_wrap(err, "user namespace");
	return 0;
}
