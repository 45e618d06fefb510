/* clone3 passes its flags in memory the filter cannot read, so the filter
 * refuses it outright with ENOSYS (libc then falls back to clone, whose
 * flags it can check). Attack: clone3 with CLONE_NEWUSER, and a plain
 * clone3. Threads must still work through the fallback. */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

static long try_clone3(uint64_t flags)
{
	struct clone_args ca = {.flags = flags, .exit_signal = SIGCHLD};
	long p = syscall(SYS_clone3, &ca, sizeof(ca));
	int e = errno;
	if (p == 0)
		_exit(0);
	if (p > 0)
		waitpid((pid_t)p, NULL, 0);
	errno = e;
	return p;
}

static void *thread(void *arg) { return arg; }

int main(void)
{
	long r = try_clone3(CLONE_NEWUSER);
	must_fail("clone3(CLONE_NEWUSER)", r, errno, ENOSYS);
	r = try_clone3(CLONE_NEWUSER | CLONE_NEWNET);
	must_fail("clone3(CLONE_NEWUSER|CLONE_NEWNET)", r, errno, ENOSYS);
	r = try_clone3(0);
	filtered("clone3 without flags", r, errno, ENOSYS);

	pthread_t t;
	void *ret = NULL;
	if (pthread_create(&t, NULL, thread, (void *)42) != 0 || pthread_join(t, &ret) != 0 ||
	    ret != (void *)42) {
		printf("UNEXPECTED: pthread_create does not work\n");
		n_unexpected++;
	} else {
		printf("threads work (libc fell back to clone)\n");
	}
	return verdict();
}
