/* Join another namespace with setns. The attacker makes a user namespace in
 * a child (unshare; denied too, but tried first so that the control has a
 * namespace to join) and joins it from the parent, which as its owner would
 * get every capability in it. With no such child, the target is the
 * sandbox's own user namespace, which the kernel would refuse with EINVAL:
 * EPERM then shows the filter stopped the call. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

int main(void)
{
	int ready[2], stay[2];
	char c;

	if (pipe(ready) < 0 || pipe(stay) < 0)
		return perror("pipe"), 2;
	pid_t child = fork();
	if (child == 0) {
		c = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
		write(ready[1], &c, 1);
		read(stay[0], &c, 1); /* until the parent is done */
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1)
		return 2;
	char path[64];
	if (c == 'y')
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)child);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/user");
	printf("target: %s (%s)\n", path, c == 'y' ? "the child's new user namespace" : "our own");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return perror(path), 2;
	long r = setns(fd, CLONE_NEWUSER);
	int e = errno;
	must_fail("setns into a user namespace", r, e, EPERM);
	if (r == 0) {
		char line[128];
		FILE *f = fopen("/proc/self/status", "r");
		while (f && fgets(line, sizeof(line), f))
			if (strncmp(line, "CapEff:", 7) == 0)
				printf("after setns: %s", line);
	}
	/* Other namespace types through the same call. */
	static const struct {
		const char *ns;
		int type;
	} other[] = {
	    {"net", CLONE_NEWNET}, {"mnt", CLONE_NEWNS},  {"uts", CLONE_NEWUTS},
	    {"ipc", CLONE_NEWIPC}, {"pid", CLONE_NEWPID}, {"cgroup", CLONE_NEWCGROUP},
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		char what[64];
		snprintf(path, sizeof(path), "/proc/self/ns/%s", other[i].ns);
		int nfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nfd < 0)
			continue;
		snprintf(what, sizeof(what), "setns into own %s namespace", other[i].ns);
		r = setns(nfd, other[i].type);
		/* joining one's own namespace of these types needs CAP_SYS_ADMIN:
		 * EPERM either way, so only a success counts */
		must_fail(what, r, errno, EPERM);
		close(nfd);
	}
	write(stay[1], "x", 1);
	waitpid(child, NULL, 0);
	return verdict();
}
