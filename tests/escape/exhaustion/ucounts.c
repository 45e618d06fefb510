/* Per-user kernel counters: take as much of one as the kernel gives (up to
 * a bound), say how much, and hold it until DONE_FILE exists (at most 10 s);
 * or, as "probe-...", check that one more can still be taken here.
 *   ucounts inotify|sigqueue|mqueue|watches|userns BOUND DONE_FILE
 *   ucounts probe-COUNTER
 * Prints "held N stop REASON"; a probe exits 0 when it could take one. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

static struct mq_attr attr = {.mq_maxmsg = 10, .mq_msgsize = 8192};

/* One more of the counter; 0 on success, else errno. */
static int take(const char *what, long i, int probe)
{
	if (strcmp(what, "inotify") == 0)
		return inotify_init1(IN_CLOEXEC) < 0 ? errno : 0;
	if (strcmp(what, "sigqueue") == 0)
		return sigqueue(getpid(), SIGRTMIN, (union sigval){0}) < 0 ? errno : 0;
	if (strcmp(what, "mqueue") == 0) {
		char name[64];
		snprintf(name, sizeof(name), "/airlock-ucounts-%d-%ld", (int)getpid(), i);
		mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
		/* EACCES (Landlock refuses the open): the queue was made, and
		 * charged, before the open failed; it stays while it has a name. */
		if (q == (mqd_t)-1)
			return errno == EACCES && !probe ? 0 : errno;
		if (!probe)
			mq_unlink(name); /* the open descriptor keeps it, and its charge */
		if (probe) {
			mq_close(q);
			mq_unlink(name);
		}
		return 0;
	}
	if (strcmp(what, "watches") == 0) {
		/* One instance, a watch on each of many files (one per inode). */
		static int fd = -1;
		char name[64];
		if (fd < 0 && (fd = inotify_init1(IN_CLOEXEC)) < 0)
			return errno;
		if (probe) /* the host's: a watch on an inode that is there */
			return inotify_add_watch(fd, "/", IN_MODIFY) < 0 ? errno : 0;
		snprintf(name, sizeof(name), "/tmp/w%ld", i);
		int f = open(name, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (f < 0)
			return errno;
		close(f);
		return inotify_add_watch(fd, name, IN_MODIFY) < 0 ? errno : 0;
	}
	if (strcmp(what, "userns") == 0) /* nested, each kept by the next */
		return unshare(CLONE_NEWUSER) < 0 ? errno : 0;
	fprintf(stderr, "unknown counter %s\n", what);
	exit(2);
}

int main(int argc, char **argv)
{
	sigset_t rt;

	if (argc < 2)
		return 2;
	/* Queued, never delivered: blocked. */
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &rt, NULL);
	if (strncmp(argv[1], "probe-", 6) == 0) {
		int e = take(argv[1] + 6, 0, 1);
		printf("probe %s: %s\n", argv[1] + 6, e ? strerror(e) : "ok");
		return e ? 1 : 0;
	}
	if (argc < 4)
		return 2;
	long bound = atol(argv[2]), n = 0;
	int e = 0;
	while (n < bound && (e = take(argv[1], n, 0)) == 0)
		n++;
	printf("held %ld stop %s\n", n, e ? strerrorname_np(e) : "bound");
	fflush(stdout);
	for (int i = 0; i < 1000 && access(argv[3], F_OK) < 0; i++)
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	return 0;
}
