/* airlock-oci: runc's command line over src/oci/. Called as `airlock-oci`
 * (a link to airlock) by podman, containerd's runc shim (BinaryName) and so
 * Kubernetes through a RuntimeClass. State lives in --root/ID: the config
 * as created, state.json, exec.fifo until start, violations.jsonl. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../version.h"
#include "cli.h"
#include "oci/container.h"
#include "oci/ocicg.h"
#include "oci/spec.h"
#include "plan.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static const char *root_dir = "/run/airlock-oci", *log_path, *log_format = "text";
static bool systemd_cgroup;

/* One line per message: to --log (JSON or text, as runc writes them), and
 * errors also to stderr, which the caller shows when --log is not read. */
static void say(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *level, const char *fmt, ...)
{
	char msg[2048], ts[40];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (log_path) {
		int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			char *line = NULL;
			if (strcmp(log_format, "json") == 0) {
				json_t *o =
				    json_pack("{s:s,s:s,s:s}", "level", level, "msg", msg, "time", ts);
				char *j = o ? json_dumps(o, JSON_COMPACT) : NULL;
				if (j && asprintf(&line, "%s\n", j) < 0)
					line = NULL;
				free(j);
				json_decref(o);
			} else if (asprintf(&line, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level, msg) < 0)
				line = NULL;
			if (line)
				al_write_all(fd, line, strlen(line));
			free(line);
			close(fd);
		}
	}
	if (strcmp(level, "error") == 0 || strcmp(level, "warning") == 0)
		fprintf(stderr, "airlock-oci: %s\n", msg);
}

static int fail(const struct al_error *err)
{
	char buf[700];
	say("error", "%s", al_error_text(err, buf, sizeof(buf)));
	return 1;
}

static int failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int failf(const char *fmt, ...)
{
	struct al_error e = {0};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	return fail(&e);
}

/* --- options: "--flag value", "--flag=value", one dash or two. */

struct opts {
	int argc;
	char **argv;
	int i;
};

/* The next option's name (without dashes) and its inline value; NULL at
 * the first non-option. */
static const char *next_opt(struct opts *o, char **inline_val)
{
	static char name[64];
	*inline_val = NULL;
	if (o->i >= o->argc || o->argv[o->i][0] != '-' || !o->argv[o->i][1])
		return NULL;
	if (strcmp(o->argv[o->i], "--") == 0) {
		o->i++;
		return NULL;
	}
	const char *a = o->argv[o->i++];
	a += a[1] == '-' ? 2 : 1;
	const char *eq = strchr(a, '=');
	snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
	if (eq)
		*inline_val = (char *)eq + 1;
	return name;
}

static const char *opt_value(struct opts *o, const char *name, char *inline_val)
{
	if (inline_val)
		return inline_val;
	if (o->i >= o->argc) {
		failf("option --%s needs a value", name);
		exit(1);
	}
	return o->argv[o->i++];
}

static bool opt_is(const char *name, const char *a, const char *b)
{
	return strcmp(name, a) == 0 || (b && strcmp(name, b) == 0);
}

/* A boolean flag may be given as --flag or --flag=true|false. */
static bool opt_bool(const char *inline_val) { return !inline_val || strcmp(inline_val, "false") != 0; }

/* --- state */

static bool id_ok(const char *id)
{
	size_t n = strlen(id);
	if (!n || n > 1024 || id[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9') || strchr("_.-+", id[i])))
			return false;
	return true;
}

struct state {
	char dir[PATH_MAX];
	json_t *j;
	pid_t pid;
	uint64_t starttime;
	struct ocicg cg;
	struct oci_spec spec;
	bool has_spec;
};

static void state_free(struct state *s)
{
	json_decref(s->j);
	ocicg_free(&s->cg);
	if (s->has_spec)
		oci_spec_free(&s->spec);
}

static char *read_small(const char *path, size_t max, size_t *len, struct al_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		al_error_set(err, errno, "%s", path);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		al_error_set(err, EFBIG, "%s: not a regular file of at most %zu bytes", path, max);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	ssize_t n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	if (n < 0) {
		free(buf);
		al_error_set(err, errno, "read %s", path);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static int state_load(const char *id, struct state *s, bool with_spec, struct al_error *err)
{
	memset(s, 0, sizeof(*s));
	if (!id_ok(id))
		return al_error_set(err, EINVAL, "container id %s: not valid", id);
	snprintf(s->dir, sizeof(s->dir), "%s/%s", root_dir, id);
	char path[PATH_MAX + 32];
	json_error_t je;
	snprintf(path, sizeof(path), "%s/state.json", s->dir);
	s->j = json_load_file(path, 0, &je);
	if (!s->j)
		return al_error_set(err, ENOENT, "container \"%s\" does not exist", id);
	s->pid = (pid_t)json_integer_value(json_object_get(s->j, "pid"));
	s->starttime = (uint64_t)json_integer_value(json_object_get(s->j, "starttime"));
	ocicg_load(&s->cg, json_string_value(json_object_get(s->j, "cgroup")) ?: "");
	if (with_spec) {
		size_t len;
		snprintf(path, sizeof(path), "%s/config.json", s->dir);
		char *text = read_small(path, OCI_MAX_CONFIG, &len, err);
		if (!text)
			return -1;
		int r = oci_spec_parse(text, len, &s->spec, err);
		free(text);
		if (r < 0)
			return -1;
		s->has_spec = true;
	}
	return 0;
}

static bool alive(const struct state *s)
{
	return s->pid > 0 && s->starttime && oci_starttime(s->pid) == s->starttime;
}

static const char *status_of(const struct state *s)
{
	char fifo[PATH_MAX + 16];
	if (!alive(s))
		return "stopped";
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", s->dir);
	if (access(fifo, F_OK) == 0)
		return "created";
	return ocicg_frozen_p(&s->cg) ? "paused" : "running";
}

/* The state as the runtime spec defines it (and runc's extra fields,
 * which containerd's shim reads). */
static char *state_json(const struct state *s, const char *status)
{
	json_t *o = json_pack("{s:s,s:O,s:s,s:i,s:O,s:O,s:O,s:s}", "ociVersion", "1.2.0", "id",
			      json_object_get(s->j, "id"), "status", status, "pid",
			      strcmp(status, "stopped") ? (json_int_t)s->pid : 0, "bundle",
			      json_object_get(s->j, "bundle"), "rootfs", json_object_get(s->j, "rootfs"),
			      "created", json_object_get(s->j, "created"), "owner", "");
	json_t *an = json_object_get(s->j, "annotations");
	if (o && an)
		json_object_set(o, "annotations", an);
	char *t = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
	json_decref(o);
	return t;
}

static int write_atomic(const char *path, const char *text, struct al_error *err)
{
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return al_error_set(err, errno, "%s", tmp);
	if (al_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		close(fd);
		unlink(tmp);
		return al_error_set(err, errno, "write %s", tmp);
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return al_error_set(err, errno, "rename to %s", path);
	}
	return 0;
}

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX + 300];
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static uint64_t test_disabled(void)
{
	uint64_t off = 0;
#ifdef AIRLOCK_TEST_SWITCHES
	/* Test builds only: switch one of airlock's layers off (seccomp,
	 * nnp, landlock) for a negative control. */
	const char *s = getenv("AIRLOCK_TEST_DISABLE");
	struct al_error e;
	if (s && *s && al_defences_parse(s, &off, &e) < 0) {
		fail(&e);
		exit(1);
	}
#endif
	return off;
}

static int console_connect(const char *path, struct al_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return al_error_set(err, ENAMETOOLONG, "--console-socket %s", path);
	memcpy(sa.sun_path, path, strlen(path));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		al_error_set(err, errno, "--console-socket %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* VERB [--LONG|-SHORT[=true|false]] ID: the one boolean flag kill and
 * delete take, then the container's id. */
static int flag_then_id(struct opts *o, const char *verb, const char *lng, const char *shrt, bool *flag,
			const char **id)
{
	char *iv;
	const char *name;
	while ((name = next_opt(o, &iv))) {
		if (!opt_is(name, lng, shrt))
			return failf("%s: unknown option --%s", verb, name);
		*flag = opt_bool(iv);
	}
	if (o->i >= o->argc)
		return failf("%s: a container id expected", verb);
	*id = o->argv[o->i++];
	return 0;
}

/* The container's state, or the error said (1). */
static int load(const char *id, struct state *s, bool with_spec)
{
	struct al_error err = {0};
	if (state_load(id, s, with_spec, &err) < 0) {
		state_free(s);
		memset(s, 0, sizeof(*s));
		return fail(&err);
	}
	return 0;
}

/* createRuntime and prestart, with the state ("creating") on stdin: called
 * by oci_create while the init waits before pivot_root. */
static int runtime_hooks(const struct oci_run *r, pid_t pid, struct al_error *err)
{
	const struct oci_spec *sp = r->spec;
	if (!sp->hooks.ncreate_runtime && !sp->hooks.nprestart)
		return 0;
	struct state s = {.pid = pid};
	s.j = json_pack("{s:s,s:s,s:s,s:s}", "id", r->id, "bundle", r->bundle, "rootfs", r->rootfs, "created",
			"");
	if (s.j && sp->annotations_json)
		json_object_set_new(s.j, "annotations", json_loads(sp->annotations_json, 0, NULL));
	char *sj = s.j ? state_json(&s, "creating") : NULL;
	json_decref(s.j);
	int hr =
	    sj ? oci_hooks_run(sp->hooks.create_runtime, sp->hooks.ncreate_runtime, sj, "createRuntime", err)
	       : al_error_set(err, ENOMEM, "hooks: state");
	if (hr == 0)
		hr = oci_hooks_run(sp->hooks.prestart, sp->hooks.nprestart, sj, "prestart", err);
	free(sj);
	return hr;
}

/* --- verbs */

static int cmd_create(struct opts *o)
{
	const char *bundle = ".", *pid_file = NULL, *console = NULL, *name;
	char *iv;
	long preserve = 0;
	while ((name = next_opt(o, &iv))) {
		if (opt_is(name, "bundle", "b"))
			bundle = opt_value(o, name, iv);
		else if (opt_is(name, "pid-file", NULL))
			pid_file = opt_value(o, name, iv);
		else if (opt_is(name, "console-socket", NULL))
			console = opt_value(o, name, iv);
		else if (opt_is(name, "preserve-fds", NULL))
			preserve = atol(opt_value(o, name, iv));
		else if (opt_is(name, "no-new-keyring", NULL) || opt_is(name, "no-pivot", NULL)) {
			if (strcmp(name, "no-pivot") == 0 && opt_bool(iv))
				return failf("--no-pivot: airlock-oci always uses pivot_root");
		} else
			return failf("create: unknown option --%s", name);
	}
	if (o->i != o->argc - 1)
		return failf("create: one container id expected");
	const char *id = o->argv[o->i];
	if (!id_ok(id))
		return failf("container id %s: not valid", id);
	if (preserve < 0 || preserve > 1024)
		return failf("--preserve-fds %ld: 0 to 1024", preserve);
	struct al_error err = {0};
	char bpath[PATH_MAX], cpath[PATH_MAX + 16], rootfs[PATH_MAX * 2], dir[PATH_MAX];
	if (!realpath(bundle, bpath))
		return failf("--bundle %s: %s", bundle, strerror(errno));
	snprintf(cpath, sizeof(cpath), "%s/config.json", bpath);
	size_t len;
	char *text = read_small(cpath, OCI_MAX_CONFIG, &len, &err);
	if (!text)
		return fail(&err);
	struct oci_spec spec;
	if (oci_spec_parse(text, len, &spec, &err) < 0) {
		free(text);
		return fail(&err);
	}
	if (spec.root_path[0] == '/')
		snprintf(rootfs, sizeof(rootfs), "%s", spec.root_path);
	else
		snprintf(rootfs, sizeof(rootfs), "%s/%s", bpath, spec.root_path);
	char rreal[PATH_MAX];
	if (!realpath(rootfs, rreal)) {
		free(text);
		oci_spec_free(&spec);
		return failf("root.path %s: %s", rootfs, strerror(errno));
	}
	/* --root and its parents (the shim's /run/containerd/runc/NAMESPACE). */
	char rp[PATH_MAX];
	snprintf(rp, sizeof(rp), "%s", root_dir);
	for (char *sl = strchr(rp + 1, '/');; sl = strchr(sl + 1, '/')) {
		if (sl)
			*sl = '\0';
		mkdir(rp, 0700);
		if (!sl)
			break;
		*sl = '/';
	}
	snprintf(dir, sizeof(dir), "%s/%s", root_dir, id);
	if (mkdir(dir, 0700) < 0) {
		int e = errno;
		free(text);
		oci_spec_free(&spec);
		return e == EEXIST ? failf("container with id exists: %s", id)
				   : failf("%s: %s", dir, strerror(e));
	}
	struct oci_run run = {.spec = &spec,
			      .id = id,
			      .bundle = bpath,
			      .rootfs = rreal,
			      .state_dir = dir,
			      .console_fd = -1,
			      .disabled = test_disabled(),
			      .preserve_fds = (int)preserve,
			      .runtime_hooks = runtime_hooks};
	int rc = 1;
	pid_t pid = -1;
	char *cgtext = NULL, *st = NULL;
	snprintf(cpath, sizeof(cpath), "%s/config.json", dir);
	if (write_atomic(cpath, text, &err) < 0 ||
	    ocicg_locate(&run.cg, spec.cgroups_path, id, systemd_cgroup, &err) < 0 ||
	    oci_run_prepare(&run, &err) < 0)
		goto out;
	if (console && (run.console_fd = console_connect(console, &err)) < 0)
		goto out;
	if ((pid = oci_create(&run, &err)) < 0)
		goto out;
	char created[40];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cgtext = ocicg_save(&run.cg);
	json_t *j = json_pack("{s:s,s:i,s:I,s:s,s:s,s:s,s:s}", "id", id, "pid", (json_int_t)pid, "starttime",
			      (json_int_t)oci_starttime(pid), "bundle", bpath, "rootfs", rreal, "created",
			      created, "cgroup", cgtext ? cgtext : "");
	if (j && spec.annotations_json)
		json_object_set_new(j, "annotations", json_loads(spec.annotations_json, 0, NULL));
	st = j ? json_dumps(j, JSON_COMPACT) : NULL;
	snprintf(cpath, sizeof(cpath), "%s/state.json", dir);
	if (!st || write_atomic(cpath, st, &err) < 0) {
		json_decref(j);
		goto kill;
	}
	json_decref(j);
	if (pid_file) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%d", (int)pid);
		if (write_atomic(pid_file, buf, &err) < 0)
			goto kill;
	}
	rc = 0;
	goto out;
kill:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
out:
	if (rc) {
		fail(&err);
		ocicg_destroy(&run.cg, NULL);
		rm_tree(dir);
	}
	free(cgtext);
	free(st);
	oci_run_release(&run);
	oci_spec_free(&spec);
	free(text);
	return rc;
}

static const char *one_id(struct opts *o, const char *verb)
{
	char *iv;
	const char *name;
	while ((name = next_opt(o, &iv)))
		;
	(void)iv;
	if (o->i >= o->argc) {
		failf("%s: a container id expected", verb);
		return NULL;
	}
	return o->argv[o->i++];
}

static int cmd_start(struct opts *o)
{
	const char *id = one_id(o, "start");
	struct state s;
	struct al_error err = {0};
	if (!id || load(id, &s, true))
		return 1;
	const char *status = status_of(&s);
	if (strcmp(status, "created") != 0) {
		state_free(&s);
		return failf("cannot start a container that is %s", status);
	}
	char fifo[PATH_MAX + 16];
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", s.dir);
	/* The init waits in open(O_WRONLY): this open meets it. */
	int fd = open(fifo, O_RDONLY | O_CLOEXEC);
	char b;
	ssize_t n = fd >= 0 ? read(fd, &b, 1) : -1;
	if (fd >= 0)
		close(fd);
	unlink(fifo);
	if (n != 1) {
		state_free(&s);
		return failf("start: the container's init is gone");
	}
	char *sj = state_json(&s, "running");
	if (sj && oci_hooks_run(s.spec.hooks.poststart, s.spec.hooks.npoststart, sj, "poststart", &err) < 0)
		say("warning", "%s", err.msg);
	free(sj);
	state_free(&s);
	return 0;
}

static int cmd_state(struct opts *o)
{
	const char *id = one_id(o, "state");
	struct state s;
	if (!id || load(id, &s, false))
		return 1;
	char *t = state_json(&s, status_of(&s));
	if (t)
		printf("%s\n", t);
	free(t);
	state_free(&s);
	return t ? 0 : 1;
}

static int signal_one(const struct state *s, int sig)
{
	int fd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	/* The pid is this container's only if its start time still matches. */
	if (fd < 0 || !alive(s)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int r = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
	close(fd);
	return r;
}

static int cmd_kill(struct opts *o)
{
	bool all = false;
	const char *id;
	if (flag_then_id(o, "kill", "all", "a", &all, &id))
		return 1;
	const char *signame = o->i < o->argc ? o->argv[o->i] : "SIGTERM";
	int sig = oci_signal_parse(signame);
	if (sig < 0)
		return failf("kill: unknown signal %s", signame);
	struct state s;
	if (load(id, &s, false))
		return 1;
	int rc = 0;
	if (!alive(&s) && !all) {
		rc = failf("container not running");
	} else if (all) {
		size_t n;
		pid_t *pids = ocicg_pids(&s.cg, &n);
		for (size_t i = 0; pids && i < n; i++)
			kill(pids[i], sig);
		free(pids);
	} else if (signal_one(&s, sig) < 0)
		rc = failf("kill %s: %s", id, strerror(errno));
	state_free(&s);
	return rc;
}

static int cmd_delete(struct opts *o)
{
	bool force = false;
	const char *id;
	if (flag_then_id(o, "delete", "force", "f", &force, &id))
		return 1;
	struct state s;
	struct al_error err = {0};
	if (state_load(id, &s, true, &err) < 0) {
		bool gone = s.j == NULL;
		state_free(&s);
		if (gone && force)
			return 0;
		return fail(&err);
	}
	const char *status = status_of(&s);
	if ((!strcmp(status, "running") || !strcmp(status, "paused")) && !force) {
		state_free(&s);
		return failf("cannot delete container %s that is not stopped: %s (use --force)", id, status);
	}
	if (alive(&s))
		signal_one(&s, SIGKILL);
	int rc = 0;
	if (ocicg_destroy(&s.cg, &err) < 0)
		rc = fail(&err);
	char *sj = state_json(&s, "stopped");
	if (sj && oci_hooks_run(s.spec.hooks.poststop, s.spec.hooks.npoststop, sj, "poststop", &err) < 0)
		say("warning", "%s", err.msg);
	free(sj);
	if (rc == 0)
		rm_tree(s.dir);
	state_free(&s);
	return rc;
}

static int cmd_freeze(struct opts *o, bool frozen)
{
	const char *id = one_id(o, frozen ? "pause" : "resume");
	struct state s;
	struct al_error err = {0};
	if (!id || load(id, &s, false))
		return 1;
	const char *status = status_of(&s);
	int rc = 0;
	if (strcmp(status, frozen ? "running" : "paused") != 0)
		rc = failf("container %s is %s, not %s", id, status, frozen ? "running" : "paused");
	else if (ocicg_freeze(&s.cg, frozen, &err) < 0)
		rc = fail(&err);
	state_free(&s);
	return rc;
}

static int cmd_ps(struct opts *o)
{
	const char *format = "table";
	char *iv;
	const char *name;
	while ((name = next_opt(o, &iv))) {
		if (opt_is(name, "format", "f"))
			format = opt_value(o, name, iv);
		else
			return failf("ps: unknown option --%s", name);
	}
	if (o->i >= o->argc)
		return failf("ps: a container id expected");
	struct state s;
	if (load(o->argv[o->i], &s, false))
		return 1;
	size_t n;
	pid_t *pids = ocicg_pids(&s.cg, &n);
	if (strcmp(format, "json") == 0) {
		printf("[");
		for (size_t i = 0; pids && i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
	} else {
		printf("PID\n");
		for (size_t i = 0; pids && i < n; i++)
			printf("%d\n", (int)pids[i]);
	}
	free(pids);
	state_free(&s);
	return 0;
}

static int cmd_exec(struct opts *o)
{
	const char *process = NULL, *pid_file = NULL, *console = NULL, *cwd = NULL;
	bool detach = false, tty = false;
	long preserve = 0;
	char *iv;
	const char *name;
	while ((name = next_opt(o, &iv))) {
		if (opt_is(name, "process", "p"))
			process = opt_value(o, name, iv);
		else if (opt_is(name, "pid-file", NULL))
			pid_file = opt_value(o, name, iv);
		else if (opt_is(name, "console-socket", NULL))
			console = opt_value(o, name, iv);
		else if (opt_is(name, "cwd", NULL))
			cwd = opt_value(o, name, iv);
		else if (opt_is(name, "detach", "d"))
			detach = opt_bool(iv);
		else if (opt_is(name, "tty", "t"))
			tty = opt_bool(iv);
		else if (opt_is(name, "preserve-fds", NULL))
			preserve = atol(opt_value(o, name, iv));
		else
			return failf("exec: unknown option --%s", name);
	}
	if (o->i >= o->argc)
		return failf("exec: a container id expected");
	const char *id = o->argv[o->i++];
	struct state s;
	struct al_error err = {0};
	if (load(id, &s, true))
		return 1;
	const char *status = status_of(&s);
	if (strcmp(status, "running") != 0 && strcmp(status, "created") != 0) {
		state_free(&s);
		return failf("cannot exec in a container that is %s", status);
	}
	struct oci_process p;
	int rc = 1;
	if (process) {
		size_t len;
		char *text = read_small(process, OCI_MAX_CONFIG, &len, &err);
		if (!text || oci_process_parse(text, len, &p, &err) < 0) {
			free(text);
			state_free(&s);
			return fail(&err);
		}
		free(text);
	} else {
		/* exec ID CMD ARGS...: the config's process with these args. */
		if (o->i >= o->argc) {
			state_free(&s);
			return failf("exec: --process FILE or a command expected");
		}
		p = s.spec.process;
		memset(&s.spec.process, 0, sizeof(s.spec.process));
		for (size_t i = 0; p.args[i]; i++)
			free(p.args[i]);
		free(p.args);
		p.args = calloc((size_t)(o->argc - o->i) + 1, sizeof(char *));
		for (int i = o->i; p.args && i < o->argc; i++)
			p.args[i - o->i] = strdup(o->argv[i]);
		p.terminal = tty;
		if (cwd) {
			free(p.cwd);
			p.cwd = strdup(cwd);
		}
	}
	struct oci_run run = {.spec = &s.spec,
			      .id = id,
			      .bundle = json_string_value(json_object_get(s.j, "bundle")),
			      .rootfs = json_string_value(json_object_get(s.j, "rootfs")),
			      .state_dir = s.dir,
			      .console_fd = -1,
			      .disabled = test_disabled(),
			      .cg = s.cg,
			      .preserve_fds = preserve > 0 && preserve <= 1024 ? (int)preserve : 0};
	memset(&s.cg, 0, sizeof(s.cg)); /* transferred */
	pid_t child = -1;
	if (oci_run_prepare(&run, &err) < 0 ||
	    (console && (run.console_fd = console_connect(console, &err)) < 0) ||
	    (child = oci_exec(&run, &p, s.pid, tty || p.terminal, &err)) < 0) {
		fail(&err);
		goto out;
	}
	if (pid_file) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%d", (int)child);
		if (write_atomic(pid_file, buf, &err) < 0) {
			fail(&err);
			kill(child, SIGKILL);
			goto out;
		}
	}
	if (detach) {
		rc = 0;
		goto out;
	}
	int st;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
out:
	oci_run_release(&run);
	oci_process_free(&p);
	state_free(&s);
	return rc;
}

/* update [--resources FILE|-] ID: new limits for a running container
 * (containerd's CRI resizes pods this way). */
static int cmd_update(struct opts *o)
{
	const char *file = NULL;
	char *iv;
	const char *name;
	while ((name = next_opt(o, &iv))) {
		if (opt_is(name, "resources", "r"))
			file = opt_value(o, name, iv);
		else
			return failf("update: --%s: only --resources is supported by airlock-oci", name);
	}
	if (o->i >= o->argc || !file)
		return failf("update: --resources FILE and a container id expected");
	struct state s;
	if (load(o->argv[o->i], &s, false))
		return 1;
	struct al_error err = {0};
	struct oci_resources res;
	size_t len = 0;
	char *text = NULL;
	if (strcmp(file, "-") == 0) {
		size_t cap = 0;
		FILE *m = open_memstream(&text, &cap);
		char buf[4096];
		size_t n;
		while (m && (n = fread(buf, 1, sizeof(buf), stdin)) > 0 && len <= OCI_MAX_CONFIG)
			len += fwrite(buf, 1, n, m);
		if (m)
			fclose(m);
	} else
		text = read_small(file, OCI_MAX_CONFIG, &len, &err);
	int rc = 1;
	if (!text)
		fail(err.msg[0] ? &err : &(struct al_error){0, "update: --resources: cannot read it"});
	else if (oci_resources_parse(text, len, &res, &err) < 0)
		fail(&err);
	else {
		rc = ocicg_set(&s.cg, &res, &err) < 0 ? fail(&err) : 0;
		oci_resources_free(&res);
	}
	free(text);
	state_free(&s);
	return rc;
}

static int cmd_features(void)
{
	json_t *caps = json_array();
	for (int c = 0; oci_cap_name(c); c++) {
		char b[40];
		snprintf(b, sizeof(b), "CAP_%s", oci_cap_name(c));
		json_array_append_new(caps, json_string(b));
	}
	json_t *f = json_pack(
	    "{s:s,s:s,s:[s,s,s,s,s,s],s:[s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s],"
	    "s:{s:[s,s,s,s,s,s,s],s:o,s:{s:b,s:b,s:b,s:b},s:{s:b,s:[s,s,s,s,s,s,s,s],s:[s,s,s,s,s,s,s],s:[s,"
	    "s]},"
	    "s:{s:b},s:{s:b}},s:{s:s,s:s,s:s}}",
	    "ociVersionMin", "1.0.0", "ociVersionMax", "1.2.0", "hooks", "prestart", "createRuntime",
	    "createContainer", "startContainer", "poststart", "poststop", "mountOptions", "async", "atime",
	    "bind", "defaults", "dev", "dirsync", "exec", "mand", "noatime", "nodev", "nodiratime", "noexec",
	    "nomand", "nosuid", "private", "rbind", "relatime", "ro", "rprivate", "rshared", "rslave", "rw",
	    "shared", "slave", "linux", "namespaces", "cgroup", "ipc", "mount", "network", "pid", "user",
	    "uts", "capabilities", caps, "cgroup", "v1", 1, "v2", 1, "systemd", 1, "systemdUser", 0,
	    "seccomp", "enabled", 1, "actions", "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
	    "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE",
	    "SCMP_ACT_TRAP", "operators", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
	    "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", "archs", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
	    "apparmor", "enabled", 0, "selinux", "enabled", 0, "annotations", "run.airlock.profile",
	    "a built-in airlock profile whose syscall policy replaces the default deny-list layer",
	    "run.airlock.version", AIRLOCK_VERSION, "run.airlock.layers",
	    "no_new_privs, landlock, seccomp deny-list with violation reports");
	/* The rest of what spec.c's tables take. */
	static const char *const more[] = {
	    "rro",	 "rrw",		"rnosuid",  "rsuid",	 "rnodev",	 "rdev",
	    "rnoexec",	 "rexec",	"rnoatime", "rrelatime", "rstrictatime", "rnodiratime",
	    "rdiratime", "strictatime", "sync",	    "suid",	 "unbindable",	 "runbindable"};
	json_t *mo = f ? json_object_get(f, "mountOptions") : NULL;
	for (size_t i = 0; mo && i < ARRAY_SIZE(more); i++)
		json_array_append_new(mo, json_string(more[i]));
	char *t = f ? json_dumps(f, JSON_INDENT(2)) : NULL;
	if (t)
		printf("%s\n", t);
	free(t);
	json_decref(f);
	return t ? 0 : 1;
}

static void usage(FILE *f)
{
	fputs("usage: airlock-oci [--root DIR] [--log FILE] [--log-format text|json] [--systemd-cgroup] "
	      "COMMAND\n"
	      "  create --bundle DIR [--pid-file FILE] [--console-socket SOCK] ID\n"
	      "  start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID\n"
	      "  exec --process FILE [--detach] [--tty] [--pid-file FILE] [--console-socket SOCK] ID\n"
	      "  ps [--format table|json] ID | pause ID | resume ID | update --resources FILE ID\n"
	      "  features | --version\n"
	      "runc's command line, with airlock's defences added to the bundle's (man airlock)\n",
	      f);
}

int cli_oci(int argc, char **argv)
{
	struct opts o = {argc, argv, 1};
	char *iv;
	const char *name;
	while ((name = next_opt(&o, &iv))) {
		if (opt_is(name, "root", NULL))
			root_dir = opt_value(&o, name, iv);
		else if (opt_is(name, "log", NULL))
			log_path = opt_value(&o, name, iv);
		else if (opt_is(name, "log-format", NULL)) {
			log_format = opt_value(&o, name, iv);
			if (strcmp(log_format, "json") != 0 && strcmp(log_format, "text") != 0)
				return failf("--log-format %s: text or json", log_format);
		} else if (opt_is(name, "systemd-cgroup", NULL))
			systemd_cgroup = opt_bool(iv);
		else if (opt_is(name, "debug", NULL) || opt_is(name, "criu", NULL) ||
			 opt_is(name, "rootless", NULL)) {
			if (strcmp(name, "criu") == 0 && !iv && o.i < o.argc)
				o.i++;
			if (strcmp(name, "rootless") == 0 && iv && strcmp(iv, "true") == 0)
				return failf("--rootless=true: not supported by airlock-oci");
		} else if (opt_is(name, "version", "v")) {
			const struct scmp_version *v = seccomp_version();
			printf("airlock-oci version %s\nspec: 1.2.0\nlibseccomp: %u.%u.%u\n", AIRLOCK_VERSION,
			       v->major, v->minor, v->micro);
			return 0;
		} else if (opt_is(name, "help", "h")) {
			usage(stdout);
			return 0;
		} else
			return failf("unknown global option --%s", name);
	}
	if (o.i >= argc) {
		usage(stderr);
		return 1;
	}
	const char *cmd = argv[o.i++];
	if (!strcmp(cmd, "create"))
		return cmd_create(&o);
	if (!strcmp(cmd, "start"))
		return cmd_start(&o);
	if (!strcmp(cmd, "state"))
		return cmd_state(&o);
	if (!strcmp(cmd, "kill"))
		return cmd_kill(&o);
	if (!strcmp(cmd, "delete"))
		return cmd_delete(&o);
	if (!strcmp(cmd, "exec"))
		return cmd_exec(&o);
	if (!strcmp(cmd, "ps"))
		return cmd_ps(&o);
	if (!strcmp(cmd, "pause"))
		return cmd_freeze(&o, true);
	if (!strcmp(cmd, "resume"))
		return cmd_freeze(&o, false);
	if (!strcmp(cmd, "features"))
		return cmd_features();
	if (!strcmp(cmd, "update"))
		return cmd_update(&o);
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("airlock-oci version %s\nspec: 1.2.0\n", AIRLOCK_VERSION);
		return 0;
	}
	return failf("unknown command %s (run, checkpoint and restore are not supported)", cmd);
}
