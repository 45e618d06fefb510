/* libFuzzer target: a kept sandbox's restore (src/workspace.c), which reads
 * an archive the caller hands over, often one a sandbox made. It runs inside
 * the sandbox, contained; still it must never write outside the directory
 * it is given, crash, or loop. Each input is restored into a fresh
 * directory, which is then checked and removed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workspace.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char outer[] = "/tmp/airlock-fuzz-snap.XXXXXX";

static void remove_outer(void) { rmdir(outer); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char why[512];

	/* outer/ws is the workspace; outer/ws's sibling "canary" must stay untouched. */
	if (!ready) {
		if (!mkdtemp(outer))
			abort();
		atexit(remove_outer);
		ready = 1;
	}
	char ws[64], canary[64];
	snprintf(ws, sizeof(ws), "%s/ws", outer);
	snprintf(canary, sizeof(canary), "%s/canary", outer);
	if (mkdir(ws, 0700) < 0)
		abort();
	int in = memfd_create("archive", MFD_CLOEXEC);
	if (in < 0 || write(in, data, size) != (ssize_t)size || lseek(in, 0, SEEK_SET) < 0)
		abort();
	int dir = open(ws, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		abort();
	(void)al_snapshot_restore(in, dir, why, sizeof(why));
	close(dir);
	close(in);
	struct stat st;
	if (lstat(canary, &st) == 0)
		abort(); /* something was written beside the workspace */
	nftw(ws, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
