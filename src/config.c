/* al_config: a profile plus overrides set by name, the library's face of
 * the command line's options. Everything is copied; the plan is built (and
 * every value checked, errors naming the field) when the sandbox starts. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "report.h"
#include "sandbox.h"
#include "util.h"

extern char **environ;

static const char *keep_str(struct al_config *cfg, const char *s, al_error *err)
{
	char *copy = strdup(s);
	char **grown = copy ? realloc(cfg->strs, (cfg->nstrs + 1) * sizeof(char *)) : NULL;

	if (!grown) {
		free(copy);
		al_error_set(err, ENOMEM, "config");
		return NULL;
	}
	cfg->strs = grown;
	cfg->strs[cfg->nstrs++] = copy;
	return copy;
}

static int config_new(al_ctx *ctx, al_config **out, al_error *err)
{
	struct al_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return al_error_set(err, ENOMEM, "config");
	cfg->ctx = ctx;
	*out = cfg;
	return 0;
}

int al_config_new(al_ctx *ctx, const char *profile, al_config **out, al_error *err)
{
	if (config_new(ctx, out, err) < 0)
		return -1;
	if (al_profile_load(profile ? profile : "default", &(*out)->profile, err) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int al_config_new_json(al_ctx *ctx, const char *json, size_t len, al_config **out, al_error *err)
{
	if (config_new(ctx, out, err) < 0)
		return -1;
	if (al_profile_parse(json, len, &(*out)->profile, err) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int flag(const char *key, const char *value, bool *out, al_error *err)
{
	if (!value || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
		*out = true;
	else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
		*out = false;
	else
		return al_error_set(err, 0, "%s: expected true or false, not \"%s\"", key, value);
	return 0;
}

int al_config_set(al_config *cfg, const char *key, const char *value, al_error *err)
{
	struct al_overrides *ov = &cfg->ov;
	/* The keys that set one field: a string, or a flag (true/false). */
	static const struct {
		const char *key;
		size_t off;
		bool flag;
	} fields[] = {
#define S(k, f) {k, offsetof(struct al_overrides, f), false}
#define F(k, f)                                                                                              \
	{                                                                                                    \
		k, offsetof(struct al_overrides, f), true                                                    \
	}
	    S("workdir", workdir),
	    S("memory", memory),
	    S("pids", pids),
	    S("cpu-weight", cpu_weight),
	    S("time", time),
	    S("cpu-time", cpu_time),
	    S("output", output),
	    S("tmpfs-size", tmpfs_size),
	    S("open-files", open_files),
	    S("file-size", file_size),
	    S("net", net),
	    S("net-connections", net_connections),
	    S("net-bytes", net_bytes),
	    S("net-idle", net_idle),
	    S("uid-range", uid_range),
	    S("on-violation", on_violation),
	    S("deadline", deadline),
	    S("cwd", cwd),
	    F("stdin", stdin_inherit),
	    F("stdin-pipe", stdin_pipe),
	    F("tty", tty),
	    F("ro-as-caller", ro_as_caller),
	    F("allow-degraded", allow_degraded),
	    F("allow-unsafe-binds", allow_unsafe_binds),
	    F("git-writable", git_writable),
	    F("learn", learn),
	    F("keep", keep),
#undef S
#undef F
	};

	if (!key)
		return al_error_set(err, EINVAL, "config: no key");
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (fields[i].flag && strcmp(key, fields[i].key) == 0)
			return flag(key, value, (bool *)((char *)ov + fields[i].off), err);
	if (!value)
		return al_error_set(err, 0, "%s: a value is needed", key);
	const char *v = keep_str(cfg, value, err);
	if (!v)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (strcmp(key, fields[i].key) == 0) {
			*(const char **)((char *)ov + fields[i].off) = v;
			return 0;
		}
	if (strcmp(key, "ro") == 0 || strcmp(key, "rw") == 0) {
		bool rw = key[1] == 'w';
		size_t *n = rw ? &ov->nrw : &ov->nro;
		if (*n >= AL_MAX_BINDS)
			return al_error_set(err, 0, "%s: more than %d binds", key, AL_MAX_BINDS);
		(rw ? ov->rw : ov->ro)[(*n)++] = v;
		return 0;
	}
	if (strcmp(key, "env") == 0) {
		if (ov->nenv >= AL_MAX_ENV)
			return al_error_set(err, 0, "env: more than %d variables", AL_MAX_ENV);
		ov->env[ov->nenv++] = v;
		return 0;
	}
#ifdef AIRLOCK_TEST_SWITCHES
	/* Test builds only: switch defences off for a negative control. */
	if (strcmp(key, "test-disable") == 0) {
		uint64_t mask;
		if (al_defences_parse(v, &mask, err) < 0)
			return -1;
		ov->disabled |= mask;
		return 0;
	}
#endif
	return al_error_set(err, 0, "config: unknown key \"%s\"", key);
}

int al_config_set_argv(al_config *cfg, const char *const argv[], al_error *err)
{
	size_t n = 0;

	while (argv && argv[n])
		n++;
	char **copy = calloc(n + 1, sizeof(char *));
	if (!copy)
		return al_error_set(err, ENOMEM, "config");
	for (size_t i = 0; i < n; i++)
		if (!(copy[i] = (char *)keep_str(cfg, argv[i], err))) {
			free(copy);
			return -1;
		}
	free(cfg->argv);
	cfg->argv = copy;
	return 0;
}

int al_config_plan(al_config *cfg, struct al_plan *plan, al_error *err)
{
	struct al_overrides ov = cfg->ov;
	char cwd[4096], home[4096], home_pw[4096];
	al_error home_err = {0}, pw_err = {0};

	/* The caller's directory and home, for the profiles that bind the one
	 * and hide the other (agent): this process's, unless set. Only for
	 * them: the passwd lookup is the costliest step of a plan. */
	if (cfg->profile.home_tmpfs || cfg->profile.cwd != AL_CWD_NONE) {
		if (!ov.cwd)
			ov.cwd = getcwd(cwd, sizeof(cwd));
		if (al_home_resolve(environ, home, sizeof(home), &home_err) == 0)
			ov.home = home;
		if (al_home_resolve(NULL, home_pw, sizeof(home_pw), &pw_err) == 0)
			ov.home_passwd = home_pw;
	}
	if (al_plan_build(&cfg->profile, &ov, cfg->argv, environ, plan, err) < 0) {
		if (!ov.home && home_err.msg[0] && strstr(err->msg, "$HOME"))
			al_error_wrap(err, "%s", home_err.msg);
		return -1;
	}
	return 0;
}

int al_config_check(al_config *cfg, al_error *err)
{
	struct al_plan plan;

	if (al_config_plan(cfg, &plan, err) < 0)
		return -1;
	al_plan_free(&plan);
	return 0;
}

char *al_config_profile_json(al_config *cfg, al_error *err)
{
	struct al_plan plan;

	if (al_config_plan(cfg, &plan, err) < 0)
		return NULL;
	char *s = al_profile_dump(&plan.profile);
	al_plan_free(&plan);
	return s;
}

char *al_config_error_report(al_config *cfg, const al_error *err)
{
	struct al_plan plan;
	struct al_result *res = calloc(1, sizeof(*res));
	al_error ignored = {0};
	char *json = NULL;

	if (!res)
		return NULL;
	res->status = AL_SETUP_ERROR;
	res->exit_code = 125;
	al_error_text(err, res->error, sizeof(res->error));
	/* The limits it would have had, when the options make a plan at all. */
	if (al_config_plan(cfg, &plan, &ignored) == 0) {
		json = al_report_json(&plan, res);
		al_plan_free(&plan);
	} else {
		memset(&plan, 0, sizeof(plan));
		plan.profile.name = cfg->profile.name;
		json = al_report_json(&plan, res);
	}
	free(res);
	return json;
}

void al_config_free(al_config *cfg)
{
	if (!cfg)
		return;
	al_profile_free(&cfg->profile);
	for (size_t i = 0; i < cfg->nstrs; i++)
		free(cfg->strs[i]);
	free(cfg->strs);
	free(cfg->argv);
	free(cfg);
}
