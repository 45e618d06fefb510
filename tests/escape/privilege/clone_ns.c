/* New namespaces with clone(2) flags: the filter reads clone's flags (its
 * first argument) and refuses any namespace flag with EPERM. A plain fork
 * (clone without such flags) must still work. (CLONE_NEWTIME is left out:
 * for clone(2) its bit is part of the exit signal.) */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

static const struct {
	const char *name;
	unsigned long flag;
} flags[] = {
    {"CLONE_NEWUSER", CLONE_NEWUSER},
    {"CLONE_NEWNS", CLONE_NEWNS},
    {"CLONE_NEWUTS", CLONE_NEWUTS},
    {"CLONE_NEWIPC", CLONE_NEWIPC},
    {"CLONE_NEWPID", CLONE_NEWPID},
    {"CLONE_NEWNET", CLONE_NEWNET},
    {"CLONE_NEWCGROUP", CLONE_NEWCGROUP},
    {"CLONE_NEWUSER|CLONE_NEWNET", CLONE_NEWUSER | CLONE_NEWNET},
    /* bits above the 32 the kernel reads must not hide the flag */
    {"CLONE_NEWUSER|1<<40", CLONE_NEWUSER | (1UL << 40)},
};

/* fork-like raw clone: new stack not needed (the child runs on a copy). */
static long raw_clone(unsigned long flags) { return syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0); }

int main(void)
{
	char what[64];

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		long p = raw_clone(flags[i].flag);
		int e = errno;
		if (p == 0)
			_exit(42);
		if (p > 0) {
			int st;
			waitpid((pid_t)p, &st, 0);
			printf("clone(%s) made child %ld\n", flags[i].name, p);
		}
		snprintf(what, sizeof(what), "clone(%s)", flags[i].name);
		must_fail(what, p, e, EPERM);
	}
	long p = raw_clone(0);
	if (p == 0)
		_exit(0);
	if (p < 0) {
		printf("UNEXPECTED: plain clone failed: %s\n", strerror(errno));
		n_unexpected++;
	} else {
		waitpid((pid_t)p, NULL, 0);
		printf("plain clone (fork) works\n");
	}
	return verdict();
}
