#include "net/netns.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

int al_net_loopback_up(struct al_error *err)
{
	struct ifreq ifr = {0};
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return al_error_set(err, errno, "loopback socket");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return al_error_set(err, errno, "loopback flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return al_error_set(err, errno, "loopback up");
	return 0;
}

int al_net_proxy_listen(int sock, int port, struct al_error *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return al_error_set(err, errno, "proxy socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return al_error_set(err, errno, "proxy socket: bind 127.0.0.1:%d", port);
	if (listen(fd, 64) < 0)
		return al_error_set(err, errno, "proxy socket: listen");
	if (al_send_fds(sock, "L", 1, &fd, 1) != 1)
		return al_error_set(err, errno, "proxy socket: hand over");
	return 0;
}
