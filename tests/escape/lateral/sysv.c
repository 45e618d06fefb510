/* SysV IPC attack and victim programs for the lateral cases.
 *   sysv mq-create KEY        - create a 0666 message queue with KEY (hex)
 *   sysv mq-send KEY TEXT     - send TEXT to the queue with KEY
 *   sysv mq-drain KEY         - print the queue's messages, then remove it
 *   sysv shm-hold TEXT        - a 0666 segment holding TEXT, marked for
 *                               removal (it lives while attached); prints
 *                               "ready" and sleeps until killed
 *   sysv shm-scan             - enumerate every segment of this IPC
 *                               namespace (SHM_INFO/SHM_STAT, no key needed)
 *                               and print those starting with "airlock-" */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <unistd.h>

struct msg {
	long type;
	char text[200];
};

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (argc == 3 && strcmp(cmd, "mq-create") == 0) {
		int id = msgget((key_t)strtoul(argv[2], NULL, 16), IPC_CREAT | IPC_EXCL | 0666);
		if (id < 0) {
			perror("msgget");
			return 2;
		}
		printf("%d\n", id);
		return 0;
	}
	if (argc == 4 && strcmp(cmd, "mq-send") == 0) {
		struct msg m = {.type = 1};
		int id = msgget((key_t)strtoul(argv[2], NULL, 16), 0);
		if (id < 0) {
			printf("msgget: %s\n", strerror(errno));
			return 0;
		}
		snprintf(m.text, sizeof(m.text), "%s", argv[3]);
		if (msgsnd(id, &m, strlen(m.text) + 1, IPC_NOWAIT) < 0)
			printf("msgsnd: %s\n", strerror(errno));
		else
			printf("sent to queue %d\n", id);
		return 0;
	}
	if (argc == 3 && strcmp(cmd, "mq-drain") == 0) {
		struct msg m;
		int id = msgget((key_t)strtoul(argv[2], NULL, 16), 0);
		if (id < 0) {
			perror("msgget");
			return 2;
		}
		while (msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT) >= 0)
			printf("message: %.200s\n", m.text);
		msgctl(id, IPC_RMID, NULL);
		return 0;
	}
	if (argc == 3 && strcmp(cmd, "shm-hold") == 0) {
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
		shmctl(id, IPC_RMID, NULL);
		printf("ready\n");
		fflush(stdout);
		sleep(30);
		return 0;
	}
	if (argc == 2 && strcmp(cmd, "shm-scan") == 0) {
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
	fprintf(stderr, "usage: see sysv.c\n");
	return 2;
}
