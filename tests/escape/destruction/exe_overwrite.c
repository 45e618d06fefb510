/* The runc CVE-2019-5736 pattern: keep a handle on /proc/self/exe (the
 * program's own binary, a host file), execve something else so the binary
 * is no longer busy, then reopen the handle through /proc/self/fd for
 * writing and replace the host binary. The binary sits on a read-only
 * bind, so the reopen must fail. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	char target[512] = {0};
	int fd = open("/proc/self/exe", O_PATH); /* survives execve */
	if (fd < 0 || dup2(fd, 7) < 0)
		return perror("/proc/self/exe"), 2;
	if (readlink("/proc/self/fd/7", target, sizeof(target) - 1) > 0)
		printf("holding %s as fd 7\n", target);
	fflush(stdout);
	execl("/bin/sh", "sh", "-c",
	      "printf '#!/bin/sh\\necho pwned\\n' >/proc/self/fd/7 && echo 'OVERWROTE the binary'",
	      (char *)NULL);
	perror("execl");
	return 2;
}
