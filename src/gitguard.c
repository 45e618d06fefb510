#include "gitguard.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* Directories git runs things from, bound read-only by the plan. */
static const char *const standard_dirs[] = {"hooks", "info", "modules", "worktrees"};
/* Files that send git to another directory for its config and hooks. */
static const char *const redirects[] = {"commondir", "gitdir", "config.worktree"};

int al_git_guard_prepare(const struct al_plan *plan, struct al_git_guard *g, struct al_error *err)
{
	const struct al_bind *git = NULL;

	g->dirfd = -1;
	g->had = 0;
	for (size_t i = 0; i < plan->profile.nbinds && !git; i++) {
		const struct al_bind *b = &plan->profile.binds[i];
		size_t n = strlen(b->inside);
		if (b->protect && b->writable && n >= 5 && strcmp(b->inside + n - 5, "/.git") == 0)
			git = b;
	}
	if (!git)
		return 0;
	/* No symlink anywhere on the way: the path is the caller's project. */
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS};
	g->dirfd = (int)syscall(SYS_openat2, AT_FDCWD, git->host, &how, sizeof(how));
	if (g->dirfd < 0) {
		if (errno == ENOENT ||
		    errno == ENOTDIR) /* no repository, or a gitdir: file (bound read-only) */
			return 0;
		return al_error_set(err, errno, "%s", git->host);
	}
	for (size_t i = 0; i < ARRAY_SIZE(standard_dirs); i++)
		if (mkdirat(g->dirfd, standard_dirs[i], 0755) < 0 && errno != EEXIST) {
			al_error_set(err, errno, "%s/%s", git->host, standard_dirs[i]);
			al_git_guard_close(g);
			return -1;
		}
	for (size_t i = 0; i < ARRAY_SIZE(redirects); i++)
		if (faccessat(g->dirfd, redirects[i], F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			g->had |= 1u << i;
	return 0;
}

void al_git_guard_sweep(struct al_git_guard *g, char *out, size_t len)
{
	size_t used = 0;

	if (len)
		out[0] = '\0';
	if (g->dirfd < 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(redirects); i++) {
		char to[64];
		if ((g->had >> i & 1) || faccessat(g->dirfd, redirects[i], F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		snprintf(to, sizeof(to), "%s.airlock-quarantined", redirects[i]);
		if (renameat(g->dirfd, redirects[i], g->dirfd, to) == 0 && used < len)
			used += (size_t)snprintf(out + used, len - used, "%s.git/%s", used ? ", " : "",
						 redirects[i]);
	}
}

void al_git_guard_close(struct al_git_guard *g) { al_closep(&g->dirfd); }
