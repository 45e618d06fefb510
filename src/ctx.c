/* The context (ctx.h): detected once, shared by the sandboxes of a process. */
#include "ctx.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "landlock.h"
#include "plan.h"
#include "util.h"
#include "version.h"

struct al_grave {
	struct al_grave *next;
	pid_t pid;
	int pidfd;
	struct al_cgroup cgroup;
	struct al_uid_lease lease;
};

const char *al_version(void) { return AIRLOCK_VERSION; }

int al_ctx_new(al_ctx **out, al_error *err)
{
	struct al_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx || !(ctx->filters = al_filter_cache_new())) {
		free(ctx);
		return al_error_set(err, ENOMEM, "context");
	}
	ctx->landlock_abi = -1;
	ctx->ep = epoll_create1(EPOLL_CLOEXEC);
	if (ctx->ep < 0) {
		al_error_set(err, errno, "context: epoll");
		al_filter_cache_free(ctx->filters);
		free(ctx);
		return -1;
	}
	*out = ctx;
	return 0;
}

void al_ctx_set_log(al_ctx *ctx, al_log_fn fn, void *user)
{
	ctx->log = fn;
	ctx->log_user = user;
}

void al_ctx_log(const struct al_ctx *ctx, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!ctx || !ctx->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ctx->log(ctx->log_user, level, line);
}

int al_ctx_landlock_abi(struct al_ctx *ctx)
{
	if (ctx->landlock_abi < 0)
		ctx->landlock_abi = al_landlock_abi();
	return ctx->landlock_abi;
}

const struct al_cgroup_hierarchy *al_ctx_hierarchy(struct al_ctx *ctx)
{
	if (!ctx->hier_known) {
		al_cgroup_detect(&ctx->hier);
		ctx->hier_known = true;
	}
	return &ctx->hier;
}

static void grave_close(struct al_grave *g)
{
	al_cgroup_destroy(&g->cgroup);
	al_userns_release(&g->lease);
	al_closep(&g->pidfd);
	free(g);
}

void al_ctx_bury(struct al_ctx *ctx, pid_t pid, int pidfd, struct al_cgroup *cg, struct al_uid_lease *lease)
{
	struct al_grave *g = calloc(1, sizeof(*g));

	if (g) {
		g->pid = pid;
		g->pidfd = pidfd;
		g->cgroup = *cg;
		g->lease = *lease;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = g};
		if (pidfd >= 0 && epoll_ctl(ctx->ep, EPOLL_CTL_ADD, pidfd, &ev) == 0) {
			g->next = ctx->graves;
			ctx->graves = g;
			al_cgroup_init(cg);
			lease->lock_fd = -1;
			return;
		}
		free(g);
	}
	/* Nowhere to keep it: finish it now (it was sent SIGKILL). */
	if (pid > 0)
		waitpid(pid, NULL, 0);
	al_cgroup_destroy(cg);
	al_userns_release(lease);
	if (pidfd >= 0)
		close(pidfd);
}

int al_ctx_fd(const al_ctx *ctx) { return ctx->ep; }

/* Unprivileged user namespaces: off when the sysctl says 0 (Debian's
 * kernel.unprivileged_userns_clone, or user.max_user_namespaces). */
static bool userns_enabled(void)
{
	uint64_t v;
	if (al_read_u64_at(AT_FDCWD, "/proc/sys/kernel/unprivileged_userns_clone", &v, NULL) == 0 && v == 0 &&
	    geteuid() != 0)
		return false;
	return !(al_read_u64_at(AT_FDCWD, "/proc/sys/user/max_user_namespaces", &v, NULL) == 0 && v == 0);
}

char *al_ctx_features(al_ctx *ctx)
{
	static const char *const kinds[] = {"none", "v1", "v2"};
	const struct al_cgroup_hierarchy *h = al_ctx_hierarchy(ctx);
	struct seccomp_notif_sizes sizes;
	json_t *profiles = json_array();

	for (size_t i = 0; al_profile_names[i]; i++)
		json_array_append_new(profiles, json_string(al_profile_names[i]));
	json_t *j =
	    json_pack("{s:s,s:{s:s,s:s},s:i,s:b,s:b,s:o}", "version", AIRLOCK_VERSION, "cgroup", "version",
		      kinds[h->kind], "reason", h->why, "landlock_abi", al_ctx_landlock_abi(ctx),
		      "user_namespaces", userns_enabled(), "seccomp_notify",
		      syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0, "profiles", profiles);
	char *s = j ? json_dumps(j, JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	return s;
}

static void reap(struct al_ctx *ctx, bool wait)
{
	for (struct al_grave **p = &ctx->graves; *p;) {
		struct al_grave *g = *p;
		pid_t w = waitpid(g->pid, NULL, wait ? 0 : WNOHANG);
		if (w == 0) {
			p = &g->next;
			continue;
		}
		*p = g->next;
		epoll_ctl(ctx->ep, EPOLL_CTL_DEL, g->pidfd, NULL);
		grave_close(g);
	}
}

void al_ctx_handle(al_ctx *ctx)
{
	struct epoll_event evs[16];

	/* Level-triggered: drained by reaping, whichever graves were ready. */
	if (epoll_wait(ctx->ep, evs, 16, 0) > 0)
		reap(ctx, false);
}

void al_ctx_free(al_ctx *ctx)
{
	if (!ctx)
		return;
	reap(ctx, true);
	al_closep(&ctx->ep);
	al_filter_cache_free(ctx->filters);
	free(ctx);
}
