/* Debug another process of the sandbox: PTRACE_ATTACH to a child and read
 * its memory, PTRACE_TRACEME, process_vm_readv and process_vm_writev. Each
 * must fail with EPERM. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attack.h"

static volatile long secret = 0x5ec2e75ec2e7L;

int main(void)
{
	pid_t child = fork();
	if (child < 0)
		return perror("fork"), 2;
	if (child == 0)
		for (;;)
			pause();

	long r = ptrace(PTRACE_ATTACH, child, 0, 0);
	int e = errno;
	if (r == 0) {
		waitpid(child, NULL, 0);
		long v = ptrace(PTRACE_PEEKDATA, child, (void *)&secret, 0);
		printf("PTRACE_PEEKDATA read %#lx from the child\n", v);
		ptrace(PTRACE_DETACH, child, 0, 0);
	}
	must_fail("PTRACE_ATTACH to own child", r, e, EPERM);

	long buf = 0;
	struct iovec local = {&buf, sizeof(buf)}, remote = {(void *)&secret, sizeof(secret)};
	r = process_vm_readv(child, &local, 1, &remote, 1, 0);
	e = errno;
	if (r > 0)
		printf("process_vm_readv read %#lx from the child\n", buf);
	must_fail("process_vm_readv", r, e, EPERM);
	buf = 0x41414141;
	r = process_vm_writev(child, &local, 1, &remote, 1, 0);
	must_fail("process_vm_writev", r, errno, EPERM);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);

	/* PTRACE_TRACEME in a fresh child; it exits with errno (0: it worked). */
	pid_t t = fork();
	if (t == 0)
		_exit(ptrace(PTRACE_TRACEME, 0, 0, 0) == 0 ? 0 : errno);
	int st;
	waitpid(t, &st, 0);
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
	must_fail("PTRACE_TRACEME", code == 0 ? 0 : -1, code, EPERM);
	return verdict();
}
