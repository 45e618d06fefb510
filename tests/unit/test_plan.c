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
	ov = (struct al_overrides){ .net = "allow:example.com" };
	CHECK("--net other than none refused", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--net"));
	ov = (struct al_overrides){ .uid_range = "0:100" };
	CHECK("--uid-range may not include 0", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--uid-range"));
	ov = (struct al_overrides){ .uid_range = "4294967000:1000" };
	CHECK("--uid-range may not wrap", build(&ov, &plan, &err) < 0);
	ov = (struct al_overrides){ .uid_range = "200000:10" };
	CHECK("--uid-range accepted", build(&ov, &plan, &err) == 0 && plan.uid_first == 200000 && plan.uid_count == 10);
	al_plan_free(&plan);
	static char *noargs[] = { NULL };
	ov = (struct al_overrides){ 0 };
	CHECK("no command refused", al_plan_build(&base, &ov, noargs, NULL, &plan, &err) < 0 && strstr(err.msg, "no command"));

	unsigned mask;
	CHECK("defence names parse", al_defences_parse("seccomp,mount", &mask, &err) == 0 &&
					      mask == (AL_DEF_SECCOMP | AL_DEF_MOUNT));
	CHECK("unknown defence refused", al_defences_parse("seccomp,magic", &mask, &err) < 0 && strstr(err.msg, "magic"));
	al_profile_free(&base);
	return unit_failures != 0;
}
