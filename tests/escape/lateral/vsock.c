/* vsock is not confined by the network namespace: inside a virtual machine
 * it reaches the hypervisor's host. Creating the socket must fail; nothing
 * is ever connected or sent. */
#include <sys/socket.h>
#include <unistd.h>

#include "../privilege/attack.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

int main(void)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	must_fail("socket(AF_VSOCK, SOCK_STREAM)", fd, errno, EPERM);
	if (fd >= 0)
		close(fd);
	fd = socket(AF_VSOCK, SOCK_DGRAM, 0);
	if (fd >= 0 || errno != EAFNOSUPPORT) /* some transports have no datagrams */
		must_fail("socket(AF_VSOCK, SOCK_DGRAM)", fd, errno, EPERM);
	if (fd >= 0)
		close(fd);
	return verdict();
}
