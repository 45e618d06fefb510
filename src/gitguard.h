/* The agent profile's git protection, beyond its read-only binds (plan.c
 * protect_git): what git runs from a repository must not be planted where
 * a bind cannot cover it. Before the run, the standard directories git
 * runs things from (hooks, info, modules, worktrees) are made if missing,
 * so that they can be bound read-only; after it, a file that redirects git
 * elsewhere (commondir, gitdir, config.worktree) and was not there before
 * is renamed out of git's way and reported. */
#ifndef AIRLOCK_GITGUARD_H
#define AIRLOCK_GITGUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "plan.h"

struct al_git_guard {
	int dirfd;    /* the repository's .git, O_PATH; -1: nothing to guard */
	unsigned had; /* bit i: redirect file i existed before the run */
};

/* Before the sandbox starts (the missing directories must exist to be bound). */
int al_git_guard_prepare(const struct al_plan *plan, struct al_git_guard *g, struct al_error *err);
/* After the sandbox is gone: quarantine what appeared; names them into out. */
void al_git_guard_sweep(struct al_git_guard *g, char *out, size_t len);
void al_git_guard_close(struct al_git_guard *g);

#endif
