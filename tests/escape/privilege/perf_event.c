/* perf_event_open: performance counters are a side channel and a long
 * series of kernel bugs. At kernel.perf_event_paranoid=2 anyone may count
 * events of their own process in user mode (at 3 and above the kernel
 * answers EACCES, still not the filter's EPERM). The call must fail with
 * EPERM; with a counter, the attack reads it. */
#include <linux/perf_event.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attack.h"

int main(void)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_TASK_CLOCK;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	filtered("perf_event_open (own task clock, user mode)", fd, errno, EPERM);
	if (fd >= 0) {
		uint64_t v = 0;
		for (volatile int i = 0; i < 1000000; i++)
			;
		if (read((int)fd, &v, sizeof(v)) == sizeof(v))
			printf("task clock counter: %llu ns\n", (unsigned long long)v);
	}
	return verdict();
}
