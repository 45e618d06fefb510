/* The i386 system-call table through `int $0x80`: there unshare is number
 * 310 (on x86_64, 272; 310 is process_vm_readv), so a filter that matched
 * numbers without checking the architecture would be fooled. The filter
 * kills the process on any foreign ABI. The attack calls i386
 * unshare(CLONE_NEWUSER); it must die by SIGSYS before the call returns. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>

static long int80(long nr, long a1)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a1) : "memory");
	return ret;
}

int main(int argc, char **argv)
{
	/* "probe": does this kernel have the i386 entry at all? Without i386
	 * emulation, int $0x80 faults (SIGSEGV) before any filter runs. */
	if (argc > 1)
		return int80(20 /* __NR_getpid, i386 */, 0) > 0 ? 0 : 1;
	printf("calling i386 unshare(CLONE_NEWUSER) through int $0x80\n");
	fflush(stdout);
	long r = int80(310 /* __NR_unshare, i386 */, CLONE_NEWUSER);
	if (r == 0)
		printf("ESCAPED: i386 unshare(CLONE_NEWUSER) worked\n");
	else
		printf("i386 unshare returned %ld (not killed)\n", r);
	return r == 0 ? 1 : 2;
}
