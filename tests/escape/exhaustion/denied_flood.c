/* A flood of denied calls: THREADS threads call ptrace (denied, answered
 * by the supervisor) as fast as they can for SECONDS. Prints "calls N". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double seconds;
static long counts[16];

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *flood(void *arg)
{
	long *n = arg;
	double end = now() + seconds;
	while (now() < end)
		for (int i = 0; i < 100; i++, (*n)++)
			syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 2 ? atoi(argv[2]) : 2;
	pthread_t t[16];
	long total = 0;

	seconds = argc > 1 ? atof(argv[1]) : 3;
	if (threads < 1 || threads > 16)
		return 2;
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, flood, &counts[i]);
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		total += counts[i];
	}
	printf("calls %ld\n", total);
	return 0;
}
