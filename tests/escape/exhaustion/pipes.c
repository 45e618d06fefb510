/* Pin kernel memory in pipe buffers: open pipes, grow each to
 * /proc/sys/fs/pipe-max-size with F_SETPIPE_SZ and fill it, until something
 * refuses or MAX pipes are full (the bound a control keeps to). Prints a
 * progress line every 8 pipes (the run may end in an OOM kill) and a last
 *   pipes N buffered BYTES stop ERRNO-NAME setsize-refused K
 * line.   pipes MAX */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *name(int e)
{
	switch (e) {
	case 0:
		return "none";
	case EMFILE:
		return "EMFILE";
	case ENFILE:
		return "ENFILE";
	case ENOMEM:
		return "ENOMEM";
	case EPERM:
		return "EPERM";
	case EBUSY:
		return "EBUSY";
	default:
		return strerror(e);
	}
}

int main(int argc, char **argv)
{
	static char chunk[65536];
	int max = argc > 1 ? atoi(argv[1]) : 300, n = 0, refused = 0, stop = 0;
	long size = 1 << 20;
	unsigned long long total = 0;
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");

	if (f) {
		if (fscanf(f, "%ld", &size) != 1)
			size = 1 << 20;
		fclose(f);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(chunk, 'p', sizeof(chunk));
	printf("pipe-max-size %ld, up to %d pipes\n", size, max);
	while (n < max) {
		int p[2];
		if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
			stop = errno;
			break;
		}
		n++;
		if (fcntl(p[1], F_SETPIPE_SZ, (int)size) < 0)
			refused++; /* EPERM past the kernel's per-user soft limit: keep the default size */
		for (;;) {
			ssize_t w = write(p[1], chunk, sizeof(chunk));
			if (w > 0) {
				total += (unsigned long long)w;
				continue;
			}
			if (errno != EAGAIN)
				stop = errno;
			break;
		}
		if (stop)
			break;
		if (n % 8 == 0)
			printf("progress pipes %d buffered %llu\n", n, total);
	}
	printf("pipes %d buffered %llu stop %s setsize-refused %d\n", n, total, name(stop), refused);
	return 0;
}
