/* A system call through the x32 ABI (x86_64's audit arch with bit 30 set in
 * the number), made by a grandchild of init: a kill in the filter itself left
 * no trace in the report when a shell reaped the caller. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long r = syscall(0x40000000 | SYS_getpid);
	printf("x32 call returned %ld\n", r);
	return 0;
}
