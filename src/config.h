/* al_config (config.c): what al_config_set fills, turned into a plan. */
#ifndef AIRLOCK_CONFIG_H
#define AIRLOCK_CONFIG_H

#include <airlock.h>

#include "plan.h"

struct al_config {
	al_ctx *ctx;
	struct al_profile profile;
	struct al_overrides ov;
	char **strs; /* copies of every value and argument, owned */
	size_t nstrs;
	char **argv; /* into strs; NULL: none given */
};

/* Build the plan: the profile, the overrides, the caller's cwd and home. */
int al_config_plan(al_config *cfg, struct al_plan *plan, al_error *err);

#endif
