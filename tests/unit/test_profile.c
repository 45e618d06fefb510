/* Profiles: the built-ins parse; bad input is refused with the field named. */
#include <stdlib.h>

#include "plan.h"
#include "policy.h"
#include "unit.h"
#include "util.h"

static int fails_naming(const char *json, const char *field)
{
	struct al_profile p;
	struct al_error err = {0};

	if (al_profile_parse(json, strlen(json), &p, &err) == 0) {
		al_profile_free(&p);
		return 0;
	}
	if (!strstr(err.msg, field)) {
		printf("# expected '%s' in: %s\n", field, err.msg);
		return 0;
	}
	return 1;
}

int main(void)
{
	struct al_profile p;
	struct al_error err = {0};

	for (size_t i = 0; al_profile_names[i]; i++) {
		char name[64];
		snprintf(name, sizeof(name), "built-in %s parses", al_profile_names[i]);
		int ok = al_profile_load(al_profile_names[i], &p, &err) == 0;
		CHECK(name, ok && strcmp(p.name, al_profile_names[i]) == 0 && p.nbinds > 0);
		if (ok) {
			/* What `profile show` of a file prints must parse back the same. */
			char *dump = al_profile_dump(&p);
			struct al_profile q;
			snprintf(name, sizeof(name), "built-in %s round-trips", al_profile_names[i]);
			CHECK(name, dump && al_profile_parse(dump, strlen(dump), &q, &err) == 0 &&
					q.nbinds == p.nbinds && q.nenv == p.nenv &&
					q.limits.memory == p.limits.memory && q.limits.pids == p.limits.pids);
			if (dump)
				al_profile_free(&q);
			free(dump);
			al_profile_free(&p);
		}
	}
	CHECK("python binds the standard library", al_profile_load("python", &p, &err) == 0);
	int found = 0;
	for (size_t i = 0; i < p.nbinds; i++)
		found |= strcmp(p.binds[i].inside, "/usr/lib/python3.11") == 0;
	CHECK("python has /usr/lib/python3.11", found);
	al_profile_free(&p);

	/* The data-science binds name single files under /etc and /usr/lib (the
	 * BLAS alternatives, matplotlib's rc, torch's libraries): never those
	 * directories whole, nor /etc/alternatives. */
	static const char *const wholesale[] = {"/",	"/etc",	    "/etc/alternatives", "/etc/fonts",
						"/usr", "/usr/lib", "/usr/share"};
	for (size_t i = 0; al_profile_names[i]; i++) {
		char name[96];
		int narrow = al_profile_load(al_profile_names[i], &p, &err) == 0;
		for (size_t k = 0; narrow && k < p.nbinds; k++)
			for (size_t w = 0; w < ARRAY_SIZE(wholesale); w++)
				narrow &= strcmp(p.binds[k].host, wholesale[w]) != 0;
		snprintf(name, sizeof(name), "built-in %s binds no /etc, /usr/lib or /usr/share whole",
			 al_profile_names[i]);
		CHECK(name, narrow);
		al_profile_free(&p);
	}

	const char *minimal =
	    "{\"ro\": [\"/usr/bin\", {\"host\": \"/opt/x\", \"inside\": \"/x\", \"optional\": true}]}";
	CHECK("minimal profile gets safe defaults",
	      al_profile_parse(minimal, strlen(minimal), &p, &err) == 0 && p.limits.memory == 256ull << 20 &&
		  p.limits.pids == 64 && strcmp(p.workdir, "/work") == 0 && p.nbinds == 2 &&
		  p.binds[1].optional && strcmp(p.binds[1].inside, "/x") == 0 && !p.binds[0].writable);
	al_profile_free(&p);

	const char *unl =
	    "{\"limits\": {\"time\": \"unlimited\", \"cpu_time\": \"unlimited\", \"memory\": \"unlimited\","
	    " \"pids\": \"unlimited\", \"output\": \"unlimited\"}}";
	CHECK("\"unlimited\" in words", al_profile_parse(unl, strlen(unl), &p, &err) == 0 &&
					    p.limits.time_s == 0 && p.limits.cpu_time_s == 0 &&
					    p.limits.memory == 0 && p.limits.pids == 0 &&
					    p.limits.output == 0);
	char *dumped = al_profile_dump(&p);
	CHECK("a dump says unlimited and reads back", dumped && strstr(dumped, "\"memory\": \"unlimited\"") &&
							  strstr(dumped, "\"time\": \"unlimited\""));
	al_profile_free(&p);
	CHECK("the dump parses",
	      dumped && al_profile_parse(dumped, strlen(dumped), &p, &err) == 0 && p.limits.memory == 0);
	al_profile_free(&p);
	free(dumped);
	/* A 0 that would remove a defence is refused, never read as unlimited. */
	static const char *const zeros[] = {
	    "{\"limits\": {\"time\": 0.0}}",	"{\"limits\": {\"cpu_time\": \"0\"}}",
	    "{\"limits\": {\"pids\": 0}}",	"{\"limits\": {\"memory\": \"0M\"}}",
	    "{\"limits\": {\"output\": 0}}",	"{\"limits\": {\"tmpfs_size\": 0}}",
	    "{\"limits\": {\"file_size\": 0}}", "{\"limits\": {\"open_files\": 0}}"};
	for (size_t i = 0; i < sizeof(zeros) / sizeof(zeros[0]); i++) {
		char name[96];
		snprintf(name, sizeof(name), "0 refused: %s", zeros[i]);
		CHECK(name, fails_naming(zeros[i], "unlimited"));
	}
	CHECK("net_connections cannot be unlimited",
	      fails_naming("{\"limits\": {\"net_connections\": \"unlimited\"}}", "cannot be unlimited"));
	CHECK("a huge real is out of range, named",
	      fails_naming("{\"limits\": {\"memory\": 1e300}}", "out of range"));
	CHECK("a fractional byte count refused", fails_naming("{\"limits\": {\"memory\": 1.5}}", "whole"));
	CHECK("workdir /dev refused", fails_naming("{\"workdir\": \"/dev/x\"}", "own"));
	CHECK("an allow-list without execve refused",
	      fails_naming("{\"seccomp\": {\"mode\": \"allow-list\", \"allow\": []}}", "execve"));
	CHECK("not JSON", fails_naming("{", "line 1"));
	CHECK("not an object", fails_naming("[]", "profile"));
	CHECK("unknown field named", fails_naming("{\"rox\": []}", "rox"));
	CHECK("duplicate key refused",
	      fails_naming("{\"workdir\": \"/a\", \"workdir\": \"/b\"}", "duplicate"));
	CHECK("relative bind names its index", fails_naming("{\"ro\": [\"/usr\", \"usr/lib\"]}", "ro[1]"));
	CHECK("dotdot bind refused", fails_naming("{\"rw\": [\"/data/../etc\"]}", "rw[0]"));
	CHECK("bind onto / refused", fails_naming("{\"ro\": [\"/usr:/\"]}", "ro[0]"));
	CHECK("bind object without host", fails_naming("{\"ro\": [{\"inside\": \"/x\"}]}", "ro[0].host"));
	CHECK("bind object unknown key",
	      fails_naming("{\"ro\": [{\"host\": \"/x\", \"mode\": 1}]}", "ro[0].mode"));
	CHECK("bad memory names limits.memory",
	      fails_naming("{\"limits\": {\"memory\": \"lots\"}}", "limits.memory"));
	CHECK("negative pids", fails_naming("{\"limits\": {\"pids\": -1}}", "limits.pids"));
	CHECK("unknown limit", fails_naming("{\"limits\": {\"gpus\": 1}}", "limits.gpus"));
	CHECK("cpu_weight range", fails_naming("{\"limits\": {\"cpu_weight\": 0}}", "limits.cpu_weight"));
	CHECK("bad env name", fails_naming("{\"env\": {\"A-B\": \"x\"}}", "env.A-B"));
	CHECK("env value not a string", fails_naming("{\"env\": {\"A\": 1}}", "env.A"));
	CHECK("workdir relative", fails_naming("{\"workdir\": \"work\"}", "workdir"));
	CHECK("net neither none nor allow:", fails_naming("{\"net\": \"host\"}", "net"));
	CHECK("net with a bad rule", fails_naming("{\"net\": \"allow:a..b\"}", "net"));
	const char *allow = "{\"net\": \"allow:pypi.org\"}";
	CHECK("net allow parses",
	      al_profile_parse(allow, strlen(allow), &p, &err) == 0 && p.net_rules.n == 1);
	al_profile_free(&p);
	CHECK("cwd value", fails_naming("{\"cwd\": \"yes\"}", "cwd"));
	CHECK("home value", fails_naming("{\"home\": 1}", "home"));
	CHECK("env_deny pattern", fails_naming("{\"env_deny\": [\"A-B\"]}", "env_deny[0]"));
	CHECK("net limits", fails_naming("{\"limits\": {\"net_bytes\": \"x\"}}", "limits.net_bytes"));
	CHECK("NUL in string refused", fails_naming("{\"workdir\": \"/a\\u0000b\"}", "u0000"));
	char *big = malloc(300 * 1024);
	memset(big, ' ', 300 * 1024);
	big[0] = '{';
	big[300 * 1024 - 1] = '}';
	CHECK("oversized profile refused",
	      al_profile_parse(big, 300 * 1024, &p, &err) < 0 && strstr(err.msg, "larger"));
	free(big);
	/* Seccomp sections. */
	const char *sc = "{\"seccomp\": {\"mode\": \"allow-list\", \"allow\": [\"read\", \"write\", "
			 "\"execve\"], \"errno\": \"EACCES\","
			 " \"on_violation\": \"kill\", \"deny\": [\"uname\", {\"syscall\": \"socket\", "
			 "\"action\": \"log\","
			 " \"args\": [{\"index\": 0, \"op\": \"eq\", \"value\": \"AF_NETLINK\"}]}]}}";
	CHECK("seccomp section parses",
	      al_profile_parse(sc, strlen(sc), &p, &err) == 0 && p.seccomp.mode == AL_SC_ALLOW_LIST &&
		  p.seccomp.errnum == 13 && p.seccomp.kill_on_violation && p.seccomp.ndeny == 2 &&
		  al_policy_allowed_p(&p.seccomp, al_policy_nr("read")) &&
		  !al_policy_allowed_p(&p.seccomp, al_policy_nr("open")) &&
		  p.seccomp.deny[1].cond[0].value == 16 && p.seccomp.deny[1].action == AL_SC_LOG);
	if (p.name)
		al_profile_free(&p);
	CHECK("allow-list needs its list",
	      fails_naming("{\"seccomp\": {\"mode\": \"allow-list\"}}", "seccomp.allow"));
	CHECK("allow without allow-list",
	      fails_naming("{\"seccomp\": {\"allow\": [\"read\"]}}", "seccomp.allow"));
	CHECK("unknown syscall named",
	      fails_naming("{\"seccomp\": {\"deny\": [\"frobnicate\"]}}", "seccomp.deny[0]"));
	CHECK("unknown errno", fails_naming("{\"seccomp\": {\"errno\": \"EWHAT\"}}", "seccomp.errno"));
	CHECK("bad action", fails_naming("{\"seccomp\": {\"action\": \"maybe\"}}", "seccomp.action"));
	CHECK("bad arg index", fails_naming("{\"seccomp\": {\"deny\": [{\"syscall\": \"socket\", \"args\": "
					    "[{\"index\": 7, \"op\": \"eq\", \"value\": 1}]}]}}",
					    "args[0].index"));
	CHECK("mask without masked_eq",
	      fails_naming("{\"seccomp\": {\"deny\": [{\"syscall\": \"ioctl\", \"args\": [{\"index\": 1, "
			   "\"op\": \"eq\", \"value\": 1, \"mask\": 3}]}]}}",
			   "mask"));
	CHECK("landlock ports", fails_naming("{\"landlock\": {\"tcp_bind\": [0]}}", "landlock.tcp_bind[0]"));
	CHECK("unknown built-in named", al_profile_load("pyhton", &p, &err) < 0 && strstr(err.msg, "pyhton"));
	CHECK("missing profile file",
	      al_profile_load("/nonexistent/p.json", &p, &err) < 0 && err.errnum != 0);
	return unit_failures != 0;
}
