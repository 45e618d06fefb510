/* Profile + overrides -> immutable plan. Pure: no system calls but malloc. */
#include "plan.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static const struct {
	const char *name;
	uint64_t bit;
} defence_names[] = {
    {"userns-uid", AL_DEF_USERNS_UID},
    {"mount", AL_DEF_MOUNT},
    {"env", AL_DEF_ENV},
    {"netns", AL_DEF_NETNS},
    {"pidns", AL_DEF_PIDNS},
    {"ipcns", AL_DEF_IPCNS},
    {"utsns", AL_DEF_UTSNS},
    {"caps", AL_DEF_CAPS},
    {"nnp", AL_DEF_NNP},
    {"seccomp", AL_DEF_SECCOMP},
    {"cgroup", AL_DEF_CGROUP},
    {"rlimits", AL_DEF_RLIMITS},
    {"time", AL_DEF_TIME},
    {"cpu-time", AL_DEF_CPU_TIME},
    {"output", AL_DEF_OUTPUT},
    {"setsid", AL_DEF_SETSID},
    {"dev", AL_DEF_DEV},
    {"tmpfs-size", AL_DEF_TMPFS_SIZE},
    {"deathsig", AL_DEF_DEATHSIG},
    {"cgroupns", AL_DEF_CGROUPNS},
    {"proc", AL_DEF_PROC},
    {"nofollow", AL_DEF_NOFOLLOW},
    {"groups", AL_DEF_GROUPS},
    {"cmdline", AL_DEF_CMDLINE},
    {"landlock", AL_DEF_LANDLOCK},
    {"proxy-rules", AL_DEF_PROXY_RULES},
    {"proxy-addr", AL_DEF_PROXY_ADDR},
    {"proxy-sni", AL_DEF_PROXY_SNI},
    {"proxy-host", AL_DEF_PROXY_HOST},
    {"proxy-chain", AL_DEF_PROXY_CHAIN},
    {"secret-env", AL_DEF_SECRET_ENV},
    {"agent-cwd", AL_DEF_AGENT_CWD},
    {"setid", AL_DEF_SETID},
    {"git-ro", AL_DEF_GIT_RO},
    {"home-resolve", AL_DEF_HOME_RESOLVE},
    {"proc-mask", AL_DEF_PROC_MASK},
    {"sc-inotify", AL_DEF_SC_INOTIFY},
    {"sc-personality", AL_DEF_SC_PERSONALITY},
    {"sc-memfd-secret", AL_DEF_SC_MEMFD_SECRET},
    {"sc-uevent", AL_DEF_SC_UEVENT},
    {"report-path", AL_DEF_REPORT_PATH},
    {"builtin-action", AL_DEF_BUILTIN_ACTION},
    {"bind-check", AL_DEF_BIND_CHECK},
    {"tty-escapes", AL_DEF_TTY_ESCAPES},
    {"proxy-pipeline", AL_DEF_PROXY_PIPELINE},
    {"userns-sysctl", AL_DEF_USERNS_SYSCTL},
    {"rlimit-kernel", AL_DEF_RLIMIT_KERNEL},
    {"tcp-mem", AL_DEF_TCP_MEM},
    {"notify-budget", AL_DEF_NOTIFY_BUDGET},
    {"idmap", AL_DEF_IDMAP},
};

int al_defences_parse(const char *list, uint64_t *out, struct al_error *err)
{
	cleanup_free char *copy = strdup(list);
	char *save = NULL;

	*out = 0;
	if (!copy)
		return al_error_set(err, ENOMEM, "defences");
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(defence_names); i++)
			if (strcmp(defence_names[i].name, tok) == 0)
				break;
		if (i == ARRAY_SIZE(defence_names))
			return al_error_set(err, 0, "unknown defence '%s'", tok);
		*out |= defence_names[i].bit;
	}
	return 0;
}

static int copy_profile(const struct al_profile *src, struct al_profile *dst, struct al_error *err)
{
	memset(dst, 0, sizeof(*dst));
	dst->name = strdup(src->name ? src->name : "custom");
	dst->description = src->description ? strdup(src->description) : NULL;
	dst->workdir = strdup(src->workdir ? src->workdir : "/work");
	dst->net = strdup(src->net ? src->net : "none");
	dst->limits = src->limits;
	dst->seccomp = src->seccomp;
	dst->has_seccomp = src->has_seccomp;
	dst->landlock = src->landlock;
	dst->net_rules = src->net_rules;
	dst->cwd = src->cwd;
	dst->home_tmpfs = src->home_tmpfs;
	for (size_t i = 0; i < src->nenv_deny; i++) {
		if (!(dst->env_deny[i] = strdup(src->env_deny[i])))
			goto oom;
		dst->nenv_deny++;
	}
	for (size_t i = 0; i < src->nbinds; i++) {
		dst->binds[i] = src->binds[i];
		dst->binds[i].host = strdup(src->binds[i].host);
		dst->binds[i].inside = strdup(src->binds[i].inside);
		dst->binds[i].protect = dst->binds[i].caller =
		    false; /* only the plan sets them, never a profile */
		dst->nbinds++;
		if (!dst->binds[i].host || !dst->binds[i].inside)
			goto oom;
	}
	for (size_t i = 0; i < src->nenv; i++) {
		if (!(dst->env[i] = strdup(src->env[i])))
			goto oom;
		dst->nenv++;
	}
	if (!dst->name || !dst->workdir || !dst->net)
		goto oom;
	return 0;
oom:
	al_profile_free(dst);
	return al_error_set(err, ENOMEM, "plan");
}

/* A later bind at the same inside path replaces the earlier one. */
static int add_bind(struct al_profile *p, const char *spec, bool writable, struct al_error *err)
{
	struct al_bind b;

	if (al_bind_parse(spec, writable, &b, err) < 0)
		return al_error_wrap(err, writable ? "--rw" : "--ro");
	b.caller = true;
	for (size_t i = 0; i < p->nbinds; i++) {
		if (strcmp(p->binds[i].inside, b.inside) == 0) {
			free(p->binds[i].host);
			free(p->binds[i].inside);
			p->binds[i] = b;
			return 0;
		}
	}
	if (p->nbinds >= AL_MAX_BINDS) {
		free(b.host);
		free(b.inside);
		return al_error_set(err, 0, "more than %d binds", AL_MAX_BINDS);
	}
	p->binds[p->nbinds++] = b;
	return 0;
}

static const char *env_lookup(char *const env[], const char *name, size_t n)
{
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i];
	return NULL;
}

static int set_env(struct al_profile *p, const char *spec, char *const host_env[], bool check_deny,
		   struct al_error *err)
{
	const char *eq = strchr(spec, '=');
	size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
	char *entry;

	if (n == 0 || n > 255 ||
	    strspn(spec, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != n ||
	    (spec[0] >= '0' && spec[0] <= '9'))
		return al_error_set(err, 0, "--env %s: not a valid variable name", spec);
	/* A secret asked for by name is refused, not silently dropped: the
	 * caller learns at once that the command will not have it. */
	char name[256];
	memcpy(name, spec, n);
	name[n] = '\0';
	for (size_t i = 0; check_deny && i < p->nenv_deny; i++)
		if (fnmatch(p->env_deny[i], name, FNM_CASEFOLD) == 0)
			return al_error_set(err, 0,
					    "--env %s: the %s profile never passes secrets (%s matches its "
					    "env_deny pattern %s)",
					    name, p->name, name, p->env_deny[i]);
	if (eq) {
		entry = strdup(spec);
	} else {
		const char *host = env_lookup(host_env, spec, n);
		if (!host)
			return al_error_set(err, 0, "--env %s: not set in the caller's environment", spec);
		entry = strdup(host);
	}
	if (!entry)
		return al_error_set(err, ENOMEM, "--env");
	for (size_t i = 0; i < p->nenv; i++) {
		if (strncmp(p->env[i], entry, n + 1) == 0) {
			free(p->env[i]);
			p->env[i] = entry;
			return 0;
		}
	}
	if (p->nenv >= AL_MAX_ENV) {
		free(entry);
		return al_error_set(err, 0, "--env: more than %d variables", AL_MAX_ENV);
	}
	p->env[p->nenv++] = entry;
	return 0;
}

/* With egress allowed, ordinary clients find the proxy through these; a
 * NO_PROXY would only make them try a direct connection, which has no route. */
static int set_proxy_env(struct al_profile *p, struct al_error *err)
{
	static const char *const drop[] = {"NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"};
	static const char *const set[] = {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"};

	for (size_t i = 0; i < p->nenv;) {
		bool gone = false;
		for (size_t k = 0; k < ARRAY_SIZE(drop) + ARRAY_SIZE(set) && !gone; k++) {
			const char *name = k < ARRAY_SIZE(drop) ? drop[k] : set[k - ARRAY_SIZE(drop)];
			size_t n = strlen(name);
			gone = strncmp(p->env[i], name, n) == 0 && p->env[i][n] == '=';
		}
		if (gone) {
			free(p->env[i]);
			p->env[i] = p->env[--p->nenv];
		} else {
			i++;
		}
	}
	if (p->net_rules.n == 0)
		return 0;
	for (size_t k = 0; k < ARRAY_SIZE(set); k++) {
		if (p->nenv >= AL_MAX_ENV)
			return al_error_set(err, 0, "--env: more than %d variables", AL_MAX_ENV);
		if (asprintf(&p->env[p->nenv], "%s=%s", set[k], AL_PROXY_URL) < 0)
			return al_error_set(err, ENOMEM, "plan");
		p->nenv++;
	}
	return 0;
}

/* cwd is path or below it. */
static bool under(const char *cwd, const char *path)
{
	size_t n = strlen(cwd);
	return strncmp(cwd, path, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1);
}

/* What git runs from a repository's own directory: its config (core.fsmonitor,
 * core.pager, aliases, filters), hooks, info/attributes, and the same in the
 * git directories of submodules and linked worktrees. Bound read-only over a
 * writable cwd, so that code inside cannot plant what the user's own git
 * runs later, unconfined; objects, refs, the index and logs stay writable,
 * so commits work. .git itself is bound too (writable if a directory,
 * read-only if a "gitdir:" file): a mount point cannot be renamed or
 * removed, so a fresh .git cannot replace it. Optional: a path that does
 * not exist is skipped; one that is a symlink is refused (mount.c). */
static const char *const git_protected[] = {".git",	 ".git/config",	 ".git/config.worktree", ".git/hooks",
					    ".git/info", ".git/modules", ".git/worktrees"};

static int protect_git(struct al_profile *p, const char *cwd, struct al_error *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(git_protected); i++) {
		cleanup_free char *path = NULL;
		bool taken = false;
		if (asprintf(&path, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, git_protected[i]) < 0)
			return al_error_set(err, ENOMEM, "plan");
		for (size_t k = 0; k < p->nbinds && !taken; k++)
			taken = strcmp(p->binds[k].inside, path) == 0; /* the caller's own --ro/--rw wins */
		if (taken)
			continue;
		if (p->nbinds >= AL_MAX_BINDS)
			return al_error_set(err, 0, "more than %d binds", AL_MAX_BINDS);
		struct al_bind *b = &p->binds[p->nbinds];
		*b = (struct al_bind){.host = strdup(path),
				      .inside = strdup(path),
				      .optional = true,
				      .protect = true,
				      .writable = i == 0,
				      .caller = true};
		p->nbinds++;
		if (!b->host || !b->inside)
			return al_error_set(err, ENOMEM, "plan");
	}
	return 0;
}

/* The agent's shape: the caller's cwd bound at its own path as the
 * workdir, and $HOME's path an empty tmpfs. A cwd that is $HOME or above
 * it would bind ~/.ssh, ~/.aws and the rest into the sandbox: refused. Both
 * paths are resolved (no symlink in either), so that a home reached through
 * a symlink (/home -> var/home) is still recognised. */
static int apply_cwd_home(struct al_profile *p, const struct al_overrides *ov, char *const host_env[],
			  uint64_t disabled, struct al_error *err)
{
	const char *home = ov->home;

	if (!(p->home_tmpfs || p->cwd != AL_CWD_NONE))
		return 0;
	if (disabled & AL_DEF_HOME_RESOLVE) {
		/* Control only: $HOME as typed, as before issue 11. */
		const char *home_env = env_lookup(host_env, "HOME", 4);
		home = home_env ? home_env + 5 : "/home/agent";
	}
	if (!home)
		return al_error_set(err, 0, "the %s profile hides $HOME, which could not be resolved",
				    p->name);
	if (!al_path_ok(home) || strcmp(home, "/") == 0)
		return al_error_set(
		    err, 0, "$HOME %s: must be an absolute path other than /, without '.' or '..'", home);
	if (p->cwd != AL_CWD_NONE) {
		const char *cwd = ov->cwd;
		if (!cwd)
			return al_error_set(
			    err, 0, "the %s profile binds the current directory, which is unknown", p->name);
		if (!al_path_ok(cwd) || strchr(cwd, ':'))
			return al_error_set(
			    err, 0, "current directory %s: cannot be bound (not a plain absolute path)", cwd);
		/* Both homes: HOME may not be the passwd one (sudo -E, a service). */
		const char *held = under(cwd, home)				    ? home
				   : ov->home_passwd && under(cwd, ov->home_passwd) ? ov->home_passwd
										    : NULL;
		if (held && !(disabled & AL_DEF_AGENT_CWD))
			return al_error_set(err, 0,
					    "current directory %s holds $HOME (%s): the %s profile would "
					    "expose all of it; run it from a project directory",
					    cwd, held, p->name);
		cleanup_free char *spec = NULL;
		if (asprintf(&spec, "%s:%s", cwd, cwd) < 0)
			return al_error_set(err, ENOMEM, "plan");
		if (add_bind(p, spec, p->cwd == AL_CWD_RW, err) < 0)
			return al_error_wrap(err, "current directory");
		if (p->cwd == AL_CWD_RW && !ov->git_writable && !(disabled & AL_DEF_GIT_RO) &&
		    protect_git(p, cwd, err) < 0)
			return -1;
		free(p->workdir);
		if (!(p->workdir = strdup(cwd)))
			return al_error_set(err, ENOMEM, "plan");
	}
	if (p->home_tmpfs) {
		cleanup_free char *entry = NULL;
		if (!(p->home_dir = strdup(home)) || asprintf(&entry, "HOME=%s", home) < 0)
			return al_error_set(err, ENOMEM, "plan");
		if (set_env(p, entry, host_env, false, err) < 0)
			return -1;
	}
	return 0;
}

/* Host paths that are the kernel's or the machine's, not data: the host's
 * root, /proc (every host process), /sys and /dev (devices, the kernel's
 * knobs), /run (the sockets of its services: docker, containerd, dbus);
 * and inside paths where a bind would replace the sandbox's own
 * /proc or /dev. Checked as strings here (bind paths contain no symlink: the
 * child opens them with RESOLVE_NO_SYMLINKS), and by file type and file
 * system in the child (a socket, a device, procfs mounted elsewhere). */
static int check_binds(const struct al_profile *p, bool allow_unsafe, struct al_error *err)
{
	static const char *const host_bad[] = {"/proc", "/sys", "/dev", "/run", "/var/run"};
	static const char *const inside_bad[] = {"/proc", "/dev"};

	if (allow_unsafe)
		return 0;
	for (size_t i = 0; i < p->nbinds; i++) {
		const struct al_bind *b = &p->binds[i];
		const char *why = NULL;
		if (strcmp(b->host, "/") == 0)
			why = "the host's whole root";
		for (size_t k = 0; k < ARRAY_SIZE(host_bad) && !why; k++)
			if (under(host_bad[k], b->host))
				why = k == 0   ? "the host's processes (/proc)"
				      : k == 1 ? "the kernel's devices and settings (/sys)"
				      : k == 2 ? "the host's devices (/dev)"
					       : "the host's services' sockets (/run)";
		for (size_t k = 0; k < ARRAY_SIZE(inside_bad) && !why; k++)
			if (under(inside_bad[k], b->inside))
				why = "it would replace the sandbox's own /proc or /dev";
		if (why)
			return al_error_set(err, 0,
					    "bind %s:%s: refused: %s (--allow-unsafe-binds if you mean it)",
					    b->host, b->inside, why);
	}
	return 0;
}

static int parse_uid_range(const char *s, uint32_t *first, uint32_t *count, struct al_error *err)
{
	unsigned long long f, c;
	char tail;

	if (sscanf(s, "%llu:%llu%c", &f, &c, &tail) != 2 || f == 0 || c == 0 || f + c > 4294967294ull)
		return al_error_set(
		    err, 0, "--uid-range %s: expected FIRST:COUNT with FIRST > 0 and FIRST+COUNT < 2^32-1",
		    s);
	*first = (uint32_t)f;
	*count = (uint32_t)c;
	return 0;
}

int al_plan_build(const struct al_profile *profile, const struct al_overrides *ov, char *const argv[],
		  char *const host_env[], struct al_plan *out, struct al_error *err)
{
	struct al_profile *p = &out->profile;
	size_t argc = 0;

	memset(out, 0, sizeof(*out));
	if (copy_profile(profile, p, err) < 0)
		return -1;
	out->uid_first = 1000000000u; /* default range: 1e9 .. 1e9+65535 */
	out->uid_count = 65536;
	out->allow_degraded = ov->allow_degraded;
	out->stdin_inherit = ov->stdin_inherit;
	out->stdin_pipe = ov->stdin_pipe;
	out->tty = ov->tty;
	out->ro_as_caller = ov->ro_as_caller;
	if ((ov->tty || ov->stdin_inherit) && ov->stdin_pipe) {
		al_error_set(err, 0, "stdin-pipe: not with --tty or --stdin (the first command has one stdin)");
		goto fail;
	}
	if (ov->tty && ov->stdin_inherit) {
		al_error_set(
		    err, 0,
		    "--tty and --stdin: one or the other (with --tty, input goes to the command's terminal)");
		goto fail;
	}
#ifdef AIRLOCK_TEST_SWITCHES
	out->disabled = ov->disabled;
#else
	/* Release builds ignore the test switches, whoever asks. */
	out->disabled = 0;
#endif

	/* Negative controls: one built-in group lifted, or built-in rules
	 * taking the profile's action (always 0 in release builds). */
	static const struct {
		uint64_t bit;
		enum al_sc_group group;
	} lifts[] = {
	    {AL_DEF_SETID, AL_SC_GROUP_SETID},
	    {AL_DEF_SC_INOTIFY, AL_SC_GROUP_INOTIFY},
	    {AL_DEF_SC_PERSONALITY, AL_SC_GROUP_PERSONALITY},
	    {AL_DEF_SC_MEMFD_SECRET, AL_SC_GROUP_MEMFD_SECRET},
	    {AL_DEF_SC_UEVENT, AL_SC_GROUP_UEVENT},
	};
	for (size_t i = 0; i < ARRAY_SIZE(lifts); i++)
		if (al_off(out, lifts[i].bit))
			p->seccomp.relax |= AL_SC_RELAX(lifts[i].group);
	p->seccomp.builtin_weak = al_off(out, AL_DEF_BUILTIN_ACTION);

	for (size_t i = 0; i < ov->nro; i++)
		if (add_bind(p, ov->ro[i], false, err) < 0)
			goto fail;
	for (size_t i = 0; i < ov->nrw; i++)
		if (add_bind(p, ov->rw[i], true, err) < 0)
			goto fail;
	for (size_t i = 0; i < ov->nenv; i++)
		if (set_env(p, ov->env[i], host_env, !al_off(out, AL_DEF_SECRET_ENV), err) < 0)
			goto fail;
	if (apply_cwd_home(p, ov, host_env, out->disabled, err) < 0)
		goto fail;
	out->allow_unsafe_binds = ov->allow_unsafe_binds || al_off(out, AL_DEF_BIND_CHECK);
	if (check_binds(p, out->allow_unsafe_binds, err) < 0)
		goto fail;
	if (ov->workdir) {
		if (!al_path_ok(ov->workdir) || strcmp(ov->workdir, "/") == 0) {
			al_error_set(
			    err, 0,
			    "--workdir %s: must be an absolute path other than /, without '.' or '..'",
			    ov->workdir);
			goto fail;
		}
		if (under("/proc", ov->workdir) || under("/dev", ov->workdir)) {
			al_error_set(
			    err, 0,
			    "--workdir %s: /proc and /dev are the sandbox's own; pick another directory",
			    ov->workdir);
			goto fail;
		}
		free(p->workdir);
		if (!(p->workdir = strdup(ov->workdir))) {
			al_error_set(err, ENOMEM, "plan");
			goto fail;
		}
	}
	const struct {
		const char *name, *value, *flag;
	} limits[] = {
	    {"memory", ov->memory, "--memory"},
	    {"pids", ov->pids, "--pids"},
	    {"cpu_weight", ov->cpu_weight, "--cpu-weight"},
	    {"time", ov->time, "--time"},
	    {"cpu_time", ov->cpu_time, "--cpu-time"},
	    {"output", ov->output, "--output"},
	    {"tmpfs_size", ov->tmpfs_size, "--tmpfs-size"},
	    {"open_files", ov->open_files, "--open-files"},
	    {"file_size", ov->file_size, "--file-size"},
	    {"net_connections", ov->net_connections, "--net-connections"},
	    {"net_bytes", ov->net_bytes, "--net-bytes"},
	    {"net_idle", ov->net_idle, "--net-idle"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		if (limits[i].value && al_limit_set(&p->limits, limits[i].name, limits[i].value, err) < 0) {
			/* Replace the profile field name with the option the user typed. */
			char msg[sizeof(err->msg)];
			const char *colon = strchr(err->msg, ':');
			snprintf(msg, sizeof(msg), "%s%s", limits[i].flag, colon ? colon : err->msg);
			snprintf(err->msg, sizeof(err->msg), "%s", msg);
			goto fail;
		}
	}
	if (p->limits.tmpfs_size && p->limits.tmpfs_size < 4096) {
		al_error_set(err, 0, "--tmpfs-size: at least 4K");
		goto fail;
	}
	if (p->limits.open_files && p->limits.open_files < 8) {
		al_error_set(err, 0, "--open-files: at least 8 (the command needs its stdio)");
		goto fail;
	}
	if (p->limits.pids && p->limits.pids < 2) {
		al_error_set(err, 0, "--pids: at least 2 (airlock's init and the command)");
		goto fail;
	}
	if (p->limits.memory && p->limits.memory < (4u << 20)) {
		al_error_set(err, 0, "--memory: at least 4M");
		goto fail;
	}
	if (ov->net) {
		if (al_net_rules_parse(ov->net, &p->net_rules, err) < 0) {
			al_error_wrap(err, "--net");
			goto fail;
		}
		free(p->net);
		if (!(p->net = strdup(ov->net))) {
			al_error_set(err, ENOMEM, "plan");
			goto fail;
		}
	}
	if (p->net_rules.n > 0 && p->limits.net_connections == 0) {
		al_error_set(err, 0, "--net-connections: at least 1 with --net allow:...");
		goto fail;
	}
	if (set_proxy_env(p, err) < 0)
		goto fail;
	/* A profile that limits TCP connects with Landlock still reaches the proxy. */
	if (p->net_rules.n > 0 && p->landlock.tcp_rules) {
		bool have = false;
		for (size_t i = 0; i < p->landlock.ntcp_connect; i++)
			have = have || p->landlock.tcp_connect[i] == AL_PROXY_PORT;
		if (!have && p->landlock.ntcp_connect < AL_MAX_PORTS)
			p->landlock.tcp_connect[p->landlock.ntcp_connect++] = AL_PROXY_PORT;
	}
	if (ov->on_violation) {
		if (strcmp(ov->on_violation, "kill") == 0) {
			p->seccomp.kill_on_violation = true;
		} else if (strcmp(ov->on_violation, "deny") == 0) {
			p->seccomp.kill_on_violation = false;
		} else {
			al_error_set(err, 0, "--on-violation %s: \"deny\" or \"kill\"", ov->on_violation);
			goto fail;
		}
	}
	if (ov->learn)
		p->seccomp.mode = AL_SC_LEARN;
	if (ov->uid_range && parse_uid_range(ov->uid_range, &out->uid_first, &out->uid_count, err) < 0)
		goto fail;

	out->keep = ov->keep;
	if (ov->keep) {
		out->deadline_s = 3600;
		if (ov->deadline && strcmp(ov->deadline, "unlimited") == 0)
			out->deadline_s = 0;
		else if (ov->deadline && al_parse_duration(ov->deadline, &out->deadline_s, err) < 0) {
			al_error_wrap(err, "deadline");
			goto fail;
		}
	} else if (ov->deadline) {
		al_error_set(err, 0, "deadline: only for a kept sandbox (keep)");
		goto fail;
	}
	while (argv && argv[argc])
		argc++;
	if (argc == 0 && ov->keep) {
		out->argv = calloc(1, sizeof(char *));
		if (!out->argv) {
			al_error_set(err, ENOMEM, "plan");
			goto fail;
		}
		return 0;
	}
	if (argc == 0) {
		al_error_set(err, 0, "no command given (airlock run [OPTIONS] -- COMMAND [ARG...])");
		goto fail;
	}
	if (!argv[0][0]) {
		al_error_set(err, 0, "the command is an empty string");
		goto fail;
	}
	if (argc > AL_MAX_ARGS) {
		al_error_set(err, 0, "more than %d arguments", AL_MAX_ARGS);
		goto fail;
	}
	out->argv = calloc(argc + 1, sizeof(char *));
	if (!out->argv) {
		al_error_set(err, ENOMEM, "plan");
		goto fail;
	}
	for (size_t i = 0; i < argc; i++) {
		if (!(out->argv[i] = strdup(argv[i]))) {
			al_error_set(err, ENOMEM, "plan");
			goto fail;
		}
	}
	return 0;
fail:
	al_plan_free(out);
	return -1;
}

void al_plan_free(struct al_plan *plan)
{
	al_profile_free(&plan->profile);
	for (size_t i = 0; plan->argv && plan->argv[i]; i++)
		free(plan->argv[i]);
	free(plan->argv);
	memset(plan, 0, sizeof(*plan));
}
