/* userfaultfd lets a process stall the kernel in the middle of a copy from
 * user memory, the classic way to win kernel races. With
 * UFFD_USER_MODE_ONLY it needs no privilege (vm.unprivileged_userfaultfd
 * only governs kernel-mode faults). It must fail with EPERM; the attack
 * then registers a page and takes a fault through it, which must not work. */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attack.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

int main(void)
{
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	must_fail("userfaultfd(UFFD_USER_MODE_ONLY)", fd, errno, EPERM);
	if (fd >= 0) {
		struct uffdio_api api = {.api = UFFD_API};
		long page = sysconf(_SC_PAGESIZE);
		void *mem =
		    mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct uffdio_register reg = {
		    .range = {.start = (unsigned long)mem, .len = (unsigned long)page},
		    .mode = UFFDIO_REGISTER_MODE_MISSING,
		};
		if (ioctl((int)fd, UFFDIO_API, &api) == 0 && ioctl((int)fd, UFFDIO_REGISTER, &reg) == 0)
			printf("registered a page with userfaultfd: its faults are ours to serve\n");
	}
	long r = syscall(SYS_userfaultfd, UFFD_USER_MODE_ONLY | 0x40000000);
	filtered("userfaultfd(user mode, bad flag): kernel EINVAL", r, errno, EPERM);
	return verdict();
}
