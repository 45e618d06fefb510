/* Change the file system view: mount a tmpfs with mount(2) and with the new
 * mount API, unmount /proc, chroot, pivot_root, and clone or reconfigure a
 * mount. Each must fail with EPERM. In the sandbox's own mount namespace
 * nothing here would touch the host, so the harm is what a mount lets the
 * attacker do next (hide or replace files, remount a bind read-write). */
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attack.h"

static int mounted(const char *path)
{
	char line[1024], needle[256];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = 0;
	snprintf(needle, sizeof(needle), " %s ", path);
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			found = 1;
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	long r;
	int e;

	mkdir("/tmp/m1", 0755);
	mkdir("/tmp/m2", 0755);
	r = mount("none", "/tmp/m1", "tmpfs", 0, "size=1m");
	e = errno;
	if (r == 0 && mounted("/tmp/m1"))
		printf("a tmpfs is mounted on /tmp/m1\n");
	must_fail("mount(2) tmpfs on /tmp/m1", r, e, EPERM);

	/* New mount API: fsopen, fsconfig, fsmount, move_mount. */
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	e = errno;
	must_fail("fsopen tmpfs", fs, e, EPERM);
	if (fs >= 0) {
		syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
		int m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
		must_fail("fsmount", m, errno, EPERM);
		if (m >= 0) {
			r = syscall(SYS_move_mount, m, "", AT_FDCWD, "/tmp/m2", MOVE_MOUNT_F_EMPTY_PATH);
			must_fail("move_mount onto /tmp/m2", r, errno, EPERM);
		}
	}
	/* Calls whose own checks would not answer EPERM with these arguments:
	 * EPERM shows the filter stopped them first. */
	r = syscall(SYS_fsconfig, -1, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
	filtered("fsconfig on a bad fd", r, errno, EPERM);
	r = syscall(SYS_open_tree, AT_FDCWD, "/", 0);
	filtered("open_tree of / (no clone)", r, errno, EPERM);
	r = syscall(SYS_fspick, AT_FDCWD, "/", 0x80000000u);
	filtered("fspick with bad flags", r, errno, EPERM);
	struct mount_attr attr = {.attr_clr = MOUNT_ATTR_RDONLY};
	r = syscall(SYS_mount_setattr, AT_FDCWD, "/nonexistent-airlock", 0, &attr, sizeof(attr));
	filtered("mount_setattr on a missing path", r, errno, EPERM);
	r = umount2("/nonexistent-airlock", 0);
	filtered("umount2 of a missing path", r, errno, EPERM);

	r = syscall(SYS_open_tree, AT_FDCWD, "/usr", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	must_fail("open_tree clone of /usr", r, errno, EPERM);
	r = umount2("/proc", MNT_DETACH);
	must_fail("umount2 /proc", r, errno, EPERM);
	r = chroot("/tmp");
	must_fail("chroot /tmp", r, errno, EPERM);
	r = syscall(SYS_pivot_root, "/nonexistent-airlock", "/nonexistent-airlock");
	filtered("pivot_root of a missing path", r, errno, EPERM);
	return verdict();
}
