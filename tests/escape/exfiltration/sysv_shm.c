/* SysV shared memory, both sides of host_sysv_shm.sh.
 *   sysv_shm hold TEXT READY  - create a 0666 segment holding TEXT, mark it
 *                               for removal (it lives while attached), touch
 *                               READY and sleep until killed.
 *   sysv_shm scan             - enumerate every segment this IPC namespace
 *                               holds (SHM_INFO/SHM_STAT, no key needed) and
 *                               print those that start with "airlock-". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "hold") == 0) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0666);
		if (id < 0) {
			perror("shmget");
			return 2;
		}
		char *p = shmat(id, NULL, 0);
		if (p == (void *)-1) {
			perror("shmat");
			shmctl(id, IPC_RMID, NULL);
			return 2;
		}
		snprintf(p, 4096, "%s", argv[2]);
		/* Removed once the last user detaches, even if we are killed. */
		shmctl(id, IPC_RMID, NULL);
		close(open(argv[3], O_WRONLY | O_CREAT, 0644));
		sleep(30);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "scan") == 0) {
		struct shm_info info;
		int max = shmctl(0, SHM_INFO, (struct shmid_ds *)&info);
		int seen = 0;
		for (int i = 0; i <= max; i++) {
			struct shmid_ds ds;
			int id = shmctl(i, SHM_STAT, &ds);
			if (id < 0)
				continue;
			seen++;
			char *p = shmat(id, NULL, SHM_RDONLY);
			if (p == (void *)-1)
				continue;
			if (strncmp(p, "airlock-", 8) == 0)
				printf("segment %d: %.100s\n", id, p);
			shmdt(p);
		}
		printf("%d segments seen\n", seen);
		return 0;
	}
	fprintf(stderr, "usage: sysv_shm hold TEXT READY | scan\n");
	return 2;
}
