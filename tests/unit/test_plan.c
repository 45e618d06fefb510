/* Plans: overrides on top of a profile, validated with the option named. */
#include "plan.h"
#include "unit.h"

#include <stdlib.h>

static struct al_profile base;

static int build(struct al_overrides *ov, struct al_plan *plan, struct al_error *err)
{
	static char *argv[] = {"true", NULL};
	static char *env[] = {"HOME=/root", "SECRET_TOKEN=hunter2", "LANG=C", NULL};
	return al_plan_build(&base, ov, argv, env, plan, err);
}

static bool has_env(const struct al_plan *plan, const char *entry)
{
	for (size_t i = 0; i < plan->profile.nenv; i++)
		if (strcmp(plan->profile.env[i], entry) == 0)
			return true;
	return false;
}

static const struct al_bind *find_bind(const struct al_plan *plan, const char *inside)
{
	for (size_t i = 0; i < plan->profile.nbinds; i++)
		if (strcmp(plan->profile.binds[i].inside, inside) == 0)
			return &plan->profile.binds[i];
	return NULL;
}

static void bind_specs(void)
{
	struct al_bind b;
	struct al_error err = {0};
	CHECK("bind HOST alone",
	      al_bind_parse("/data", false, &b, &err) == 0 && strcmp(b.inside, "/data") == 0);
	free(b.host), free(b.inside);
	CHECK("bind with an escaped colon", al_bind_parse("/srv/a\\:b:/in", true, &b, &err) == 0 &&
						strcmp(b.host, "/srv/a:b") == 0 &&
						strcmp(b.inside, "/in") == 0 && b.writable);
	free(b.host), free(b.inside);
	CHECK("bind escaped colon on both sides",
	      al_bind_parse("/a\\:b:/c\\:d", false, &b, &err) == 0 && strcmp(b.inside, "/c:d") == 0);
	free(b.host), free(b.inside);
	CHECK("bind with a third part refused",
	      al_bind_parse("/a:/b:/c", false, &b, &err) < 0 && strstr(err.msg, "\\:"));
	CHECK("bind with an empty host refused", al_bind_parse(":/b", false, &b, &err) < 0);
}

static void unsafe_binds(void)
{
	struct al_plan plan;
	struct al_error err = {0};
	static const char *const bad[] = {"/proc",	    "/proc/1",	      "/sys",
					  "/sys/fs/cgroup", "/dev",	      "/dev/sda",
					  "/:/host",	    "/usr/bin:/proc", "/usr/bin:/proc/sys",
					  "/usr/bin:/dev",  "/usr/bin:/dev/x"};
	static const char *const good[] = {"/procx", "/usr/bin:/sysx", "/devices", "/usr/bin:/sys",
					   "/data:/devel"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[96];
		struct al_overrides ov = {.ro = {bad[i]}, .nro = 1};
		snprintf(name, sizeof(name), "unsafe bind %s refused, named", bad[i]);
		CHECK(name, build(&ov, &plan, &err) < 0 && strstr(err.msg, "refused") &&
				strstr(err.msg, "--allow-unsafe-binds"));
		ov.allow_unsafe_binds = true;
		snprintf(name, sizeof(name), "unsafe bind %s with --allow-unsafe-binds", bad[i]);
		CHECK(name, build(&ov, &plan, &err) == 0 && plan.allow_unsafe_binds);
		al_plan_free(&plan);
		ov = (struct al_overrides){.rw = {bad[i]}, .nrw = 1};
		snprintf(name, sizeof(name), "unsafe --rw %s refused", bad[i]);
		CHECK(name, build(&ov, &plan, &err) < 0);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char name[96];
		struct al_overrides ov = {.ro = {good[i]}, .nro = 1};
		snprintf(name, sizeof(name), "ordinary bind %s accepted", good[i]);
		CHECK(name, build(&ov, &plan, &err) == 0 && !plan.allow_unsafe_binds);
		al_plan_free(&plan);
	}
}

static void agent(void)
{
	struct al_profile agent;
	struct al_plan plan;
	struct al_error err = {0};
	static char *argv[] = {"true", NULL};
	static char *env[] = {"HOME=/home/dev", "GITHUB_TOKEN=ghp_x", "OPENAI_API_KEY=sk", "MY_DB_PASSWORD=p",
			      NULL};

	if (al_profile_load("agent", &agent, &err) < 0) {
		printf("not ok load agent: %s\n", err.msg);
		return;
	}
	struct al_overrides ov = {.home = "/home/dev", .cwd = "/home/dev/proj"};
	CHECK("agent: cwd bound writable at its own path, as the workdir",
	      al_plan_build(&agent, &ov, argv, env, &plan, &err) == 0 &&
		  strcmp(plan.profile.workdir, "/home/dev/proj") == 0 && find_bind(&plan, "/home/dev/proj") &&
		  find_bind(&plan, "/home/dev/proj")->writable &&
		  strcmp(find_bind(&plan, "/home/dev/proj")->host, "/home/dev/proj") == 0);
	const struct al_bind *g = find_bind(&plan, "/home/dev/proj/.git/hooks");
	CHECK("agent: .git/hooks read-only, protected, optional",
	      g && !g->writable && g->protect && g->optional);
	g = find_bind(&plan, "/home/dev/proj/.git/config");
	CHECK("agent: .git/config read-only", g && !g->writable && g->protect);
	CHECK("agent: .git/info, modules, worktrees read-only",
	      find_bind(&plan, "/home/dev/proj/.git/info") &&
		  !find_bind(&plan, "/home/dev/proj/.git/info")->writable &&
		  find_bind(&plan, "/home/dev/proj/.git/modules") &&
		  find_bind(&plan, "/home/dev/proj/.git/worktrees"));
	g = find_bind(&plan, "/home/dev/proj/.git");
	CHECK("agent: .git itself pinned (writable as a directory)", g && g->writable && g->protect);
	CHECK("agent: $HOME is a tmpfs at its path, and HOME",
	      plan.profile.home_dir && strcmp(plan.profile.home_dir, "/home/dev") == 0 &&
		  has_env(&plan, "HOME=/home/dev"));
	CHECK("agent: no network by default", plan.profile.net_rules.n == 0);
	al_plan_free(&plan);
	static const char *const secrets[] = {
	    "GITHUB_TOKEN",   "OPENAI_API_KEY",	  "MY_DB_PASSWORD", "AWS_SECRET_ACCESS_KEY=x",
	    "github_token=x", "SSH_AUTH_SOCK=/x", "HF_TOKEN=x",	    "DEPLOY_KEY=x"};
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		char name[96];
		ov = (struct al_overrides){
		    .home = "/home/dev", .cwd = "/home/dev/proj", .env = {secrets[i]}, .nenv = 1};
		snprintf(name, sizeof(name), "agent: --env %s refused as a secret", secrets[i]);
		CHECK(name, al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0 &&
				strstr(err.msg, "never passes secrets"));
	}
	ov = (struct al_overrides){
	    .home = "/home/dev", .cwd = "/home/dev/proj", .env = {"MODE=fast", "EDITOR=vi"}, .nenv = 2};
	CHECK("agent: ordinary variables pass",
	      al_plan_build(&agent, &ov, argv, env, &plan, &err) == 0 && has_env(&plan, "MODE=fast"));
	al_plan_free(&plan);
	ov = (struct al_overrides){.home = "/home/dev", .cwd = "/home/dev"};
	CHECK("agent: cwd = $HOME refused",
	      al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0 && strstr(err.msg, "holds $HOME"));
	ov = (struct al_overrides){.home = "/home/dev", .cwd = "/home"};
	CHECK("agent: cwd above $HOME refused", al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0);
	ov = (struct al_overrides){.home = "/home/dev", .cwd = "/"};
	CHECK("agent: cwd / refused", al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0);
	ov = (struct al_overrides){.home = "/home/dev", .cwd = "/home/devx"};
	CHECK("agent: a sibling of $HOME is fine", al_plan_build(&agent, &ov, argv, env, &plan, &err) == 0);
	al_plan_free(&plan);
	ov = (struct al_overrides){0};
	CHECK("agent: unknown cwd refused", al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0);
	ov = (struct al_overrides){.home = "/home/dev", .cwd = "/home/dev/proj", .git_writable = true};
	CHECK("agent: --git-writable leaves .git alone",
	      al_plan_build(&agent, &ov, argv, env, &plan, &err) == 0 &&
		  !find_bind(&plan, "/home/dev/proj/.git/hooks"));
	al_plan_free(&plan);
	ov = (struct al_overrides){
	    .home = "/home/dev", .cwd = "/home/dev/proj", .rw = {"/home/dev/proj/.git/hooks"}, .nrw = 1};
	CHECK("agent: the caller's own --rw of .git/hooks wins",
	      al_plan_build(&agent, &ov, argv, env, &plan, &err) == 0 &&
		  find_bind(&plan, "/home/dev/proj/.git/hooks")->writable);
	al_plan_free(&plan);
	/* Resolved paths: $HOME typed as /home/dev is /var/home/dev (a symlinked
	 * /home); the caller passes it resolved, and cwd is always resolved. */
	ov = (struct al_overrides){.home = "/var/home/dev", .cwd = "/var/home/dev"};
	CHECK("agent: cwd = resolved $HOME refused, whatever HOME says",
	      al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0 && strstr(err.msg, "holds $HOME"));
	ov = (struct al_overrides){.home = "/var/home/dev", .cwd = "/var/home/dev/proj"};
	CHECK("agent: the home tmpfs goes to the resolved path",
	      al_plan_build(&agent, &ov, argv, env, &plan, &err) == 0 &&
		  strcmp(plan.profile.home_dir, "/var/home/dev") == 0 &&
		  has_env(&plan, "HOME=/var/home/dev"));
	al_plan_free(&plan);
	ov = (struct al_overrides){.home = "/tmp/x", .home_passwd = "/root", .cwd = "/root"};
	CHECK("agent: the passwd home is refused too when HOME says otherwise",
	      al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0 && strstr(err.msg, "/root"));
	ov = (struct al_overrides){.cwd = "/var/home/dev/proj"};
	CHECK("agent: an unresolved $HOME refused", al_plan_build(&agent, &ov, argv, env, &plan, &err) < 0 &&
							strstr(err.msg, "could not be resolved"));
	ov = (struct al_overrides){.cwd = "/var/home/dev", .disabled = AL_DEF_HOME_RESOLVE};
	CHECK("agent: control (home-resolve off) compares $HOME as typed",
	      al_plan_build(&agent, &ov, argv, env, &plan, &err) == 0);
	al_plan_free(&plan);
	al_profile_free(&agent);
}

int main(void)
{
	struct al_plan plan;
	struct al_error err = {0};
	struct al_overrides ov = {0};

	if (al_profile_load("default", &base, &err) < 0) {
		printf("not ok load default: %s\n", err.msg);
		return 1;
	}
	unsafe_binds();
	bind_specs();
	CHECK("defaults pass", build(&ov, &plan, &err) == 0 && plan.uid_first == 1000000000u &&
				   strcmp(plan.argv[0], "true") == 0 && plan.argv[1] == NULL);
	int leaked = 0;
	for (size_t i = 0; i < plan.profile.nenv; i++)
		leaked |= strstr(plan.profile.env[i], "SECRET") != NULL;
	CHECK("caller environment is not passed by default", !leaked);
	al_plan_free(&plan);

	ov = (struct al_overrides){.ro = {"/data:/in"},
				   .nro = 1,
				   .rw = {"/proj"},
				   .nrw = 1,
				   .env = {"SECRET_TOKEN", "MODE=fast"},
				   .nenv = 2,
				   .memory = "64M",
				   .time = "1.5",
				   .workdir = "/src"};
	CHECK("overrides apply", build(&ov, &plan, &err) == 0);
	const struct al_profile *p = &plan.profile;
	CHECK("ro bind added",
	      strcmp(p->binds[p->nbinds - 2].inside, "/in") == 0 && !p->binds[p->nbinds - 2].writable);
	CHECK("rw bind added",
	      strcmp(p->binds[p->nbinds - 1].host, "/proj") == 0 && p->binds[p->nbinds - 1].writable);
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
	{
		struct al_plan q;
		struct al_overrides o = {.workdir = "/dev/shm"};
		CHECK("--workdir under /dev refused, named",
		      build(&o, &q, &err) < 0 && strstr(err.msg, "--workdir"));
		o = (struct al_overrides){.pids = "1"};
		CHECK("--pids 1 refused, saying why",
		      build(&o, &q, &err) < 0 && strstr(err.msg, "at least 2"));
		o = (struct al_overrides){.memory = "0"};
		CHECK("--memory 0 refused, named",
		      build(&o, &q, &err) < 0 && strstr(err.msg, "--memory") && strstr(err.msg, "unlimited"));
		o = (struct al_overrides){.memory = "unlimited"};
		CHECK("--memory unlimited", build(&o, &q, &err) == 0 && q.profile.limits.memory == 0);
		al_plan_free(&q);
	}
	al_plan_free(&plan);

	ov = (struct al_overrides){.ro = {"/a:/usr/bin"}, .nro = 1};
	size_t before = base.nbinds;
	CHECK("a bind at the same inside path replaces",
	      build(&ov, &plan, &err) == 0 && plan.profile.nbinds == before);
	al_plan_free(&plan);

	ov = (struct al_overrides){.memory = "lots"};
	CHECK("--memory error names the option",
	      build(&ov, &plan, &err) < 0 && strncmp(err.msg, "--memory", 8) == 0);
	ov = (struct al_overrides){.pids = "-3"};
	CHECK("--pids error names the option",
	      build(&ov, &plan, &err) < 0 && strncmp(err.msg, "--pids", 6) == 0);
	ov = (struct al_overrides){.memory = "1M"};
	CHECK("--memory too small", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--memory"));
	ov = (struct al_overrides){.ro = {"relative"}, .nro = 1};
	CHECK("--ro relative refused", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--ro"));
	ov = (struct al_overrides){.env = {"NOT_SET_ANYWHERE"}, .nenv = 1};
	CHECK("--env of an unset variable refused",
	      build(&ov, &plan, &err) < 0 && strstr(err.msg, "NOT_SET_ANYWHERE"));
	ov = (struct al_overrides){.env = {"BAD-NAME=1"}, .nenv = 1};
	CHECK("--env bad name refused", build(&ov, &plan, &err) < 0);
	ov = (struct al_overrides){.workdir = "/"};
	CHECK("--workdir / refused", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--workdir"));
	ov = (struct al_overrides){.net = "allow:example.com,*.pypi.org:8443"};
	CHECK("--net allow: parsed into rules",
	      build(&ov, &plan, &err) == 0 && plan.profile.net_rules.n == 2 &&
		  strcmp(plan.profile.net, "allow:example.com,*.pypi.org:8443") == 0);
	CHECK("--net allow: proxy variables set",
	      has_env(&plan, "HTTP_PROXY=" AL_PROXY_URL) && has_env(&plan, "https_proxy=" AL_PROXY_URL));
	al_plan_free(&plan);
	ov = (struct al_overrides){
	    .net = "allow:example.com", .env = {"NO_PROXY=*", "HTTP_PROXY=http://elsewhere"}, .nenv = 2};
	CHECK("--net allow: NO_PROXY dropped, our HTTP_PROXY wins",
	      build(&ov, &plan, &err) == 0 && !has_env(&plan, "NO_PROXY=*") &&
		  !has_env(&plan, "HTTP_PROXY=http://elsewhere") &&
		  has_env(&plan, "HTTP_PROXY=" AL_PROXY_URL));
	al_plan_free(&plan);
	ov = (struct al_overrides){0};
	CHECK("--net none: no proxy variables",
	      build(&ov, &plan, &err) == 0 && !has_env(&plan, "HTTP_PROXY=" AL_PROXY_URL));
	al_plan_free(&plan);
	ov = (struct al_overrides){.net = "everything"};
	CHECK("--net bad value refused", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--net"));
	ov = (struct al_overrides){.net = "allow:a.com", .net_connections = "0"};
	CHECK("--net-connections 0 refused",
	      build(&ov, &plan, &err) < 0 && strstr(err.msg, "--net-connections"));
	ov = (struct al_overrides){.net_bytes = "lots"};
	CHECK("--net-bytes names the option", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--net-bytes"));
	ov = (struct al_overrides){.net_idle = "5", .net_bytes = "1M", .net_connections = "4"};
	CHECK("--net limits set", build(&ov, &plan, &err) == 0 && plan.profile.limits.net_idle_s == 5 &&
				      plan.profile.limits.net_bytes == 1u << 20 &&
				      plan.profile.limits.net_connections == 4);
	al_plan_free(&plan);
	ov = (struct al_overrides){.uid_range = "0:100"};
	CHECK("--uid-range may not include 0", build(&ov, &plan, &err) < 0 && strstr(err.msg, "--uid-range"));
	ov = (struct al_overrides){.uid_range = "4294967000:1000"};
	CHECK("--uid-range may not wrap", build(&ov, &plan, &err) < 0);
	ov = (struct al_overrides){.uid_range = "200000:10"};
	CHECK("--uid-range accepted",
	      build(&ov, &plan, &err) == 0 && plan.uid_first == 200000 && plan.uid_count == 10);
	al_plan_free(&plan);
	agent();
	static char *noargs[] = {NULL};
	ov = (struct al_overrides){0};
	CHECK("no command refused",
	      al_plan_build(&base, &ov, noargs, NULL, &plan, &err) < 0 && strstr(err.msg, "no command"));

	uint64_t mask;
	CHECK("defence names parse", al_defences_parse("seccomp,mount", &mask, &err) == 0 &&
					 mask == (AL_DEF_SECCOMP | AL_DEF_MOUNT));
	CHECK("unknown defence refused",
	      al_defences_parse("seccomp,magic", &mask, &err) < 0 && strstr(err.msg, "magic"));
	al_profile_free(&base);
	return unit_failures != 0;
}
