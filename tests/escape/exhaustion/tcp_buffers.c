/* Loopback TCP buffers: connection after connection, each filled until
 * the kernel takes no more (the reader never reads), until BOUND bytes are
 * queued or the kernel stops giving buffer (8 connections in a row that
 * took under 64 KiB, or no more descriptors). Prints "queued N conns C". */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long long bound = argc > 1 ? atoll(argv[1]) : 100 << 20, queued = 0;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	static char buf[1 << 16];
	int lfd = socket(AF_INET, SOCK_STREAM, 0), conns = 0, starved = 0;
	const char *why = "bound";

	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 64) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
		perror("listen");
		return 2;
	}
	memset(buf, 'x', sizeof(buf));
	while (queued < bound) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0) {
			why = strerror(errno);
			break;
		}
		int s = accept(lfd, NULL, NULL);
		if (s < 0) {
			why = strerror(errno);
			break;
		}
		fcntl(c, F_SETFL, O_NONBLOCK);
		long long mine = 0;
		for (;;) {
			ssize_t n = send(c, buf, sizeof(buf), 0);
			if (n <= 0)
				break;
			mine += n;
			if (queued + mine >= bound)
				break;
		}
		queued += mine;
		conns++;
		starved = mine < (64 << 10) ? starved + 1 : 0;
		if (starved == 8) {
			why = "starved";
			break;
		}
	}
	printf("queued %lld conns %d stop %s\n", queued, conns, why);
	fflush(stdout);
	return 0;
}
