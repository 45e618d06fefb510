/* Plans: overrides on top of a profile, validated with the option named. */
#include "plan.h"
#include "unit.h"

static struct al_profile base;

static int build(struct al_overrides *ov, struct al_plan *plan, struct al_error *err)
{
	static char *argv[] = { "true", NULL };
	static char *env[] = { "HOME=/root", "SECRET_TOKEN=hunter2", "LANG=C", NULL };
	return al_plan_build(&base, ov, argv, env, plan, err);
}

static bool has_env(const struct al_plan *plan, const char *entry)
{
	for (size_t i = 0; i < plan->profile.nenv; i++)
		if (strcmp(plan->profile.env[i], entry) == 0)
			return true;
	return false;
}

static void agent(void)
{
	struct al_profile agent;
	struct al_plan plan;
	struct al_error err = { 0 };
	static char *argv[] = { "true", NULL };
	static char *env[] = { "HOME=/home/dev", "GITHUB_TOKEN=ghp_x", "OPENAI_API_KEY=sk", "MY_DB_PASSWORD=p", NULL };

	if (al_profile_load("agent", &agent, &err) < 0) {
		printf("not ok load agent: %s\n", err.msg);
		return;
	}
	struct al_overrides ov = { .cwd = "/home/dev/proj" };
	CHECK("agent: cwd bound writable at its own path, as the workdir",
	      al_plan_build(&agent, &ov, argv, env, &plan, &err) == 0 &&
		      strcmp(plan.profile.workdir, "/home/dev/proj") == 0 &&
		      strcmp(plan.profile.binds[plan.profile.nbinds - 1].host, "/home/dev/proj") == 0 &&
		      plan.profile.binds[plan.profile.nbinds - 1].writable);
	CHECK("agent: $HOME is a tmpfs at its path, and HOME", plan.profile.home_dir &&
								 strcmp(plan.profile.home_dir, "/home/dev") == 0 &&
								 has_env(&plan, "HOME=/home/dev"));
	CHECK("agent: no network by default", plan.profile.net_rules.n == 0);
	al_plan_free(&plan);
	static const char *const secrets[] = { "GITHUB_TOKEN", "OPENAI_API_KEY", "MY_DB_PASSWORD", "AWS_SECRET_ACCESS_KEY=x",
					       "github_token=x", "SSH_AUTH_SOCK=/x", "HF_TOKEN=x", "DEPLOY_KEY=x" };
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		char name[96];
		ov = (struct al_overrides){ .cwd = "/home/dev/proj", .env = { secrets[i] }, .nenv = 1 };
		snprintf(name, sizeof(name), "agent: --env %s refused as a secret", secrets[i]);
		CHECK(name, al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0 && strstr(err.msg, "never passes secrets"));
	}
	ov = (struct al_overrides){ .cwd = "/home/dev/proj", .env = { "MODE=fast", "EDITOR=vi" }, .nenv = 2 };
	CHECK("agent: ordinary variables pass", al_plan_build(&agent, &ov, argv, env, &plan, &err) == 0 &&
							has_env(&plan, "MODE=fast"));
	al_plan_free(&plan);
	ov = (struct al_overrides){ .cwd = "/home/dev" };
	CHECK("agent: cwd = $HOME refused", al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0 &&
						   strstr(err.msg, "holds $HOME"));
	ov = (struct al_overrides){ .cwd = "/home" };
	CHECK("agent: cwd above $HOME refused", al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0);
	ov = (struct al_overrides){ .cwd = "/" };
	CHECK("agent: cwd / refused", al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0);
	ov = (struct al_overrides){ .cwd = "/home/devx" };
	CHECK("agent: a sibling of $HOME is fine", al_plan_build(&agent, &ov, argv, env, &plan, &err) == 0);
	al_plan_free(&plan);
	ov = (struct al_overrides){ 0 };
	CHECK("agent: unknown cwd refused", al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0);
	ov = (struct al_overrides){ .cwd = "/home/dev/proj", .disabled = AL_DEF_AGENT_CWD | AL_DEF_SECRET_ENV };
	(void)ov;
	al_profile_free(&agent);
}

int main(void)
{
	struct al_plan plan;
	struct al_error err = { 0 };
	struct al_overrides ov = { 0 };

	if (al_profile_load("default", &base, &err) < 0) {
		printf("not ok load default: %s\n", err.msg);
		return 1;
	}
	CHECK("defaults pass", build(&ov, &plan, &err) == 0 && plan.uid_first == 1000000000u &&
				       strcmp(plan.argv[0], "true") == 0 && plan.argv[1] == NULL);
	int leaked = 0;
	for (size_t i = 0; i < plan.profile.nenv; i++)
		leaked |= strstr(plan.profile.env[i], "SECRET") != NULL;
	CHECK("caller environment is not passed by default", !leaked);
	al_plan_free(&plan);

	ov = (struct al_overrides){ .ro = { "/data:/in" }, .nro = 1, .rw = { "/proj" }, .nrw = 1,
				    .env = { "SECRET_TOKEN", "MODE=fast" }, .nenv = 2,
				    .memory = "64M", .time = "1.5", .workdir = "/src" };
	CHECK("overrides apply", build(&ov, &plan, &err) == 0);
	const struct al_profile *p = &plan.profile;
	CHECK("ro bind added", strcmp(p->binds[p->nbinds - 2].inside, "/in") == 0 && !p->binds[p->nbinds - 2].writable);
	CHECK("rw bind added", strcmp(p->binds[p->nbinds - 1].host, "/proj") == 0 && p->binds[p->nbinds - 1].writable);
	int tok = 0, mode = 0;
	for (size_t i = 0; i < p->nenv; i++) {
		tok |= strcmp(p->env[i], "SECRET_TOKEN=hunter2") == 0;
		mode |= strcmp(p->env[i], "MODE=fast") == 0;
	}
	CHECK("--env NAME takes the caller's value", tok);
	CHECK("--env NAME=VALUE", mode);
	CHECK("--memory", p->limits.memory == 64ull << 20);
	CHECK("--time", p->limits.time_s == 1.5);
	CHECK("--workdir", strcmp(p->workdir, "/src") == 0);
	al_plan_free(&plan);

	ov = (struct al_overrides){ .ro = { "/a:/usr/bin" }, .nro = 1 };
	size_t before = base.nbinds;
	CHECK("a bind at the same inside path replaces", build(&ov, &plan, &err) == 0 && plan.profile.nbinds == before);
	al_plan_free(&plan);

	ov = (struct al_overrides){ .memory = "lots" };
	CHECK("--memory error names the option", build(&ov, &plan, &err) < 0 && strncmp(err.msg, "--memory", 8) == 0);
	ov = (struct al_overrides){ .pids = "-3" };
	CHECK("--pids error names the option", build(&ov, &plan, &err) < 0 && strncmp(err.msg, "--pids", 6) == 0);
	ov = (struct al_overrides){ .memory = "1M" };
	CHECK("--memory too small", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--memory"));
	ov = (struct al_overrides){ .ro = { "relative" }, .nro = 1 };
	CHECK("--ro relative refused", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--ro"));
	ov = (struct al_overrides){ .env = { "NOT_SET_ANYWHERE" }, .nenv = 1 };
	CHECK("--env of an unset variable refused", build(&ov, &plan, &err) < 0 && strstr(err.msg, "NOT_SET_ANYWHERE"));
	ov = (struct al_overrides){ .env = { "BAD-NAME=1" }, .nenv = 1 };
	CHECK("--env bad name refused", build(&ov, &plan, &err) < 0);
	ov = (struct al_overrides){ .workdir = "/" };
	CHECK("--workdir / refused", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--workdir"));
	ov = (struct al_overrides){ .net = "allow:example.com,*.pypi.org:8443" };
	CHECK("--net allow: parsed into rules", build(&ov, &plan, &err) == 0 && plan.profile.net_rules.n == 2 &&
							strcmp(plan.profile.net, "allow:example.com,*.pypi.org:8443") == 0);
	CHECK("--net allow: proxy variables set", has_env(&plan, "HTTP_PROXY=" AL_PROXY_URL) &&
						       has_env(&plan, "https_proxy=" AL_PROXY_URL));
	al_plan_free(&plan);
	ov = (struct al_overrides){ .net = "allow:example.com", .env = { "NO_PROXY=*", "HTTP_PROXY=http://elsewhere" }, .nenv = 2 };
	CHECK("--net allow: NO_PROXY dropped, our HTTP_PROXY wins",
	      build(&ov, &plan, &err) == 0 && !has_env(&plan, "NO_PROXY=*") && !has_env(&plan, "HTTP_PROXY=http://elsewhere") &&
		      has_env(&plan, "HTTP_PROXY=" AL_PROXY_URL));
	al_plan_free(&plan);
	ov = (struct al_overrides){ 0 };
	CHECK("--net none: no proxy variables", build(&ov, &plan, &err) == 0 && !has_env(&plan, "HTTP_PROXY=" AL_PROXY_URL));
	al_plan_free(&plan);
	ov = (struct al_overrides){ .net = "everything" };
	CHECK("--net bad value refused", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--net"));
	ov = (struct al_overrides){ .net = "allow:a.com", .net_connections = "0" };
	CHECK("--net-connections 0 refused", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--net-connections"));
	ov = (struct al_overrides){ .net_bytes = "lots" };
	CHECK("--net-bytes names the option", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--net-bytes"));
	ov = (struct al_overrides){ .net_idle = "5", .net_bytes = "1M", .net_connections = "4" };
	CHECK("--net limits set", build(&ov, &plan, &err) == 0 && plan.profile.limits.net_idle_s == 5 &&
					  plan.profile.limits.net_bytes == 1u << 20 && plan.profile.limits.net_connections == 4);
	al_plan_free(&plan);
	ov = (struct al_overrides){ .uid_range = "0:100" };
	CHECK("--uid-range may not include 0", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--uid-range"));
	ov = (struct al_overrides){ .uid_range = "4294967000:1000" };
	CHECK("--uid-range may not wrap", build(&ov, &plan, &err) < 0);
	ov = (struct al_overrides){ .uid_range = "200000:10" };
	CHECK("--uid-range accepted", build(&ov, &plan, &err) == 0 && plan.uid_first == 200000 && plan.uid_count == 10);
	al_plan_free(&plan);
	agent();
	static char *noargs[] = { NULL };
	ov = (struct al_overrides){ 0 };
	CHECK("no command refused", al_plan_build(&base, &ov, noargs, NULL, &plan, &err) < 0 && strstr(err.msg, "no command"));

	uint64_t mask;
	CHECK("defence names parse", al_defences_parse("seccomp,mount", &mask, &err) == 0 &&
					      mask == (AL_DEF_SECCOMP | AL_DEF_MOUNT));
	CHECK("unknown defence refused", al_defences_parse("seccomp,magic", &mask, &err) < 0 && strstr(err.msg, "magic"));
	al_profile_free(&base);
	return unit_failures != 0;
}
