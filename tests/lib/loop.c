/* 1,000 sandboxes one after another on one context: no fd, no memory and
 * no child left growing (LeakSanitizer checks the heap at exit; here, the
 * open fds and the resident size after the first 100 and after all). */
#include <dirent.h>

#include "lib.h"

static int ended;

static void on_event(void *user, const struct al_event *ev)
{
	(void)user;
	if (ev->kind == AL_EV_ENDED && strcmp(ev->status, "exited") == 0 && ev->exit_code == 0)
		ended++;
}

static int open_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static long rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	int total = argc > 1 ? atoi(argv[1]) : 1000, fds = 0;
	long rss = 0;
	al_ctx *ctx;
	al_error err = {0};
	const char *cmd[] = {"/bin/true", NULL};

	if (al_ctx_new(&ctx, &err) < 0)
		die("context", &err);
	for (int i = 0; i < total; i++) {
		al_config *cfg = test_config(ctx, cmd);
		al_sandbox *sb;
		if (al_sandbox_start(ctx, cfg, on_event, NULL, &sb, &err) < 0)
			die("start", &err);
		al_config_free(cfg);
		struct pollfd p = {.fd = al_sandbox_fd(sb), .events = POLLIN};
		while (al_sandbox_handle(sb) != 1)
			if (poll(&p, 1, 600000) <= 0)
				break;
		al_sandbox_free(sb);
		if (i == total / 10 - 1) {
			fds = open_fds();
			rss = rss_kb();
		}
	}
	CHECK(ended == total, "%d sandboxes in a row, each ended as it should (%d did)", total, ended);
	CHECK(open_fds() == fds, "no fd left behind (%d open after %d, %d after all)", fds, total / 10,
	      open_fds());
	/* Run with a small ASan quarantine (library.sh): freed memory is then
	 * reused, and a leak of even one 64 KiB buffer per sandbox would show
	 * as 57 MiB here. */
	long grown = rss_kb() - rss;
	CHECK(grown < 16384, "resident size grew %ld KiB from sandbox %d to %d", grown, total / 10, total);
	al_ctx_free(ctx);
	return failures ? 1 : 0;
}
