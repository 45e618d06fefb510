/* Helpers for the library's tests: they use only <airlock.h>, as any other
 * program would. Each check prints "ok NAME" or "not ok NAME" (tests/run.sh
 * counts them). */
#ifndef AIRLOCK_TEST_LIB_H
#define AIRLOCK_TEST_LIB_H

#include <airlock.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                                                     \
	do {                                                                                                 \
		if (cond) {                                                                                  \
			printf("ok ");                                                                       \
		} else {                                                                                     \
			printf("not ok ");                                                                   \
			failures++;                                                                          \
		}                                                                                            \
		printf(__VA_ARGS__);                                                                         \
		printf("\n");                                                                                \
		fflush(stdout);                                                                              \
	} while (0)

static inline void die(const char *what, const al_error *err)
{
	char buf[640];
	printf("not ok %s: %s\n", what, al_error_text(err, buf, sizeof(buf)));
	exit(1);
}

/* A config for the tests: unprivileged users have no cgroups here. */
static inline al_config *test_config(al_ctx *ctx, const char *const *argv)
{
	al_config *cfg;
	al_error err = {0};

	if (al_config_new(ctx, "default", &cfg, &err) < 0)
		die("config", &err);
	if (getuid() != 0 && al_config_set(cfg, "allow-degraded", NULL, &err) < 0)
		die("config", &err);
	if (argv && al_config_set_argv(cfg, argv, &err) < 0)
		die("config argv", &err);
	return cfg;
}

#endif
