/* New namespaces with unshare(2): a new user namespace needs no privilege
 * from the kernel and brings a full set of capabilities inside it (mount,
 * network configuration, ...), the first step of most kernel exploits from
 * a container. Every namespace flag must fail with EPERM. */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *name;
	int flag;
} flags[] = {
    {"CLONE_NEWUSER", CLONE_NEWUSER},
    {"CLONE_NEWNS", CLONE_NEWNS},
    {"CLONE_NEWUTS", CLONE_NEWUTS},
    {"CLONE_NEWIPC", CLONE_NEWIPC},
    {"CLONE_NEWPID", CLONE_NEWPID},
    {"CLONE_NEWNET", CLONE_NEWNET},
    {"CLONE_NEWCGROUP", CLONE_NEWCGROUP},
    {"CLONE_NEWTIME", CLONE_NEWTIME},
    {"CLONE_NEWUSER|CLONE_NEWNS", CLONE_NEWUSER | CLONE_NEWNS},
};

int main(void)
{
	char what[64];

	/* Each attempt in a child, so a namespace that is made does not change
	 * the next attempt. The child reports errno (0: it worked). */
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		pid_t p = fork();
		if (p == 0) {
			if (unshare(flags[i].flag) < 0)
				_exit(errno);
			if (flags[i].flag == (CLONE_NEWUSER | CLONE_NEWNS)) {
				/* What the new namespace gives: a mount of our own. */
				mkdir("/tmp/u", 0755);
				if (mount("none", "/tmp/u", "tmpfs", 0, NULL) == 0)
					printf("in the new user namespace: mounted a tmpfs on /tmp/u\n");
				fflush(stdout);
			}
			_exit(0);
		}
		int st;
		waitpid(p, &st, 0);
		int err = WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
		snprintf(what, sizeof(what), "unshare(%s)", flags[i].name);
		must_fail(what, err ? -1 : 0, err, EPERM);
	}
	return verdict();
}
