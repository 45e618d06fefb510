/* The mount layout as data: the operations each built-in profile's plan
 * turns into, checked without root (mount.c runs the same list in the
 * child). Order, flags, the binds, /proc masks, the agent's git binds, and
 * what each test switch takes out. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>

#include "mountplan.h"
#include "plan.h"
#include "unit.h"
#include "util.h"

static struct al_mount_ops ops;
static struct al_plan plan;

/* Index of the first operation of kind at target (NULL: any), or -1. */
static long find(enum al_mount_kind kind, const char *target)
{
	for (size_t i = 0; i < ops.n; i++)
		if (ops.op[i].kind == kind && (!target || strcmp(ops.op[i].target, target) == 0))
			return (long)i;
	return -1;
}

static size_t count(enum al_mount_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < ops.n; i++)
		n += ops.op[i].kind == kind;
	return n;
}

static const struct al_mount_op *op_at(long i) { return i >= 0 ? &ops.op[i] : NULL; }

/* For a failure: the whole list, as people read it. */
static void dump(const char *what)
{
	char line[512];
	printf("# %s: %zu operations\n", what, ops.n);
	for (size_t i = 0; i < ops.n; i++)
		printf("#  %3zu %s\n", i, al_mount_op_describe(&ops.op[i], line, sizeof(line)));
}

/* Plan and list for a built-in profile; false (and a "not ok") if either fails. */
static bool build(const char *profile, struct al_overrides *ov, const int *given)
{
	static char *argv[] = {"true", NULL};
	static char *env[] = {"HOME=/home/dev", "LANG=C", NULL};
	static struct al_profile prof;
	struct al_error err = {0};

	if (al_profile_load(profile, &prof, &err) < 0) {
		printf("not ok load %s: %s\n", profile, err.msg);
		unit_failures++;
		return false;
	}
	int r = al_plan_build(&prof, ov, argv, env, &plan, &err);
	al_profile_free(&prof);
	if (r < 0) {
		printf("not ok plan %s: %s\n", profile, err.msg);
		unit_failures++;
		return false;
	}
	memset(&ops, 0xa5, sizeof(ops)); /* nothing left over from the last list counts */
	if (al_mount_ops_build(&plan, given, &ops, &err) < 0) {
		printf("not ok mount list %s: %s\n", profile, err.msg);
		unit_failures++;
		al_plan_free(&plan);
		return false;
	}
	return true;
}

/* What every default layout holds, in its order. */
static void layout(const char *name)
{
	const struct al_profile *p = &plan.profile;
	char what[160];
	int before = unit_failures;
	long root = find(AL_MOUNT_ROOT, "/");
	long proc = find(AL_MOUNT_PROC, "/proc");
	long dev = find(AL_MOUNT_TMPFS, "/dev");
	long devnull = find(AL_MOUNT_HOST_TREE, "/dev/null");
	long devro = find(AL_MOUNT_REMOUNT, "/dev");
	long tmp = find(AL_MOUNT_TMPFS, "/tmp");
	long work = find(AL_MOUNT_TMPFS, p->workdir);
	long first_attach = find(AL_MOUNT_ATTACH, NULL);
	long rootro = find(AL_MOUNT_REMOUNT, "/");

#define NAMED(s) (snprintf(what, sizeof(what), "%s: %s", name, s), what)
	CHECK(NAMED("made private first, recursively"), ops.n > 2 && ops.op[0].kind == AL_MOUNT_PRIVATE &&
							    strcmp(ops.op[0].target, "/") == 0 &&
							    ops.op[0].flags == (MS_REC | MS_PRIVATE));
	CHECK(NAMED("every host path opened before the root tmpfs covers anything"),
	      root == (long)count(AL_MOUNT_OPEN_BIND) + 1 && find(AL_MOUNT_OPEN_BIND, NULL) <= 1);
	CHECK(NAMED("root: a 1m tmpfs, nosuid, nodev"),
	      root > 0 && ops.op[root].flags == (MS_NOSUID | MS_NODEV) &&
		  strcmp(ops.op[root].data, "mode=0755,size=1m,nr_inodes=8192") == 0);
	CHECK(NAMED("pivot_root last, into the workdir"),
	      ops.op[ops.n - 1].kind == AL_MOUNT_PIVOT && strcmp(ops.op[ops.n - 1].target, p->workdir) == 0);
	CHECK(NAMED("root remounted read-only just before"),
	      rootro == (long)ops.n - 2 &&
		  ops.op[rootro].flags == (MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV));
	CHECK(NAMED("a new /proc, nosuid, nodev, noexec, right after the root"),
	      proc == root + 1 && ops.op[proc].flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC));
	CHECK(NAMED("/dev a 64K tmpfs, noexec"), dev == proc + 1 && ops.op[dev].size == 65536 &&
						     strcmp(ops.op[dev].mode, "0755") == 0 &&
						     ops.op[dev].flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC));
	static const char *const nodes[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
					    "/dev/urandom"};
	bool nodes_ok = count(AL_MOUNT_HOST_TREE) == ARRAY_SIZE(nodes);
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		const struct al_mount_op *o = op_at(find(AL_MOUNT_HOST_TREE, nodes[i]));
		nodes_ok = nodes_ok && o && o == &ops.op[devnull + (long)i] &&
			   strcmp(o->source, nodes[i]) == 0 &&
			   o->attr == (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	}
	CHECK(NAMED("the five device nodes bound writable, nosuid, noexec, in /dev"),
	      nodes_ok && devnull == dev + 1);
	CHECK(NAMED("/dev/fd, stdin, stdout, stderr links"),
	      count(AL_MOUNT_SYMLINK) == 4 &&
		  strcmp(op_at(find(AL_MOUNT_SYMLINK, "/dev/fd"))->source, "/proc/self/fd") == 0 &&
		  strcmp(op_at(find(AL_MOUNT_SYMLINK, "/dev/stderr"))->source, "/proc/self/fd/2") == 0);
	CHECK(NAMED("/dev remounted read-only once populated"),
	      devro > find(AL_MOUNT_SYMLINK, "/dev/stderr") &&
		  ops.op[devro].flags == (MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC));
	static const char *const masked[] = {"/proc/locks", "/proc/cmdline", "/proc/modules",
					     "/proc/kallsyms", "/proc/config.gz"};
	bool masks_ok = count(AL_MOUNT_MASK) == ARRAY_SIZE(masked);
	for (size_t i = 0; i < ARRAY_SIZE(masked); i++) {
		long m = find(AL_MOUNT_MASK, masked[i]);
		masks_ok = masks_ok && m == devro + 1 + (long)i &&
			   strcmp(ops.op[m].source, "/dev/null") == 0 && ops.op[m].flags == MS_BIND;
	}
	CHECK(NAMED("/proc masks: locks, cmdline, modules, kallsyms, config.gz, by /dev/null, once /dev is"),
	      masks_ok);
	CHECK(NAMED("/tmp a tmpfs of the profile's size, 1777, after the masks"),
	      tmp == devro + 6 && ops.op[tmp].size == p->limits.tmpfs_size &&
		  strcmp(ops.op[tmp].mode, "1777") == 0 && ops.op[tmp].flags == (MS_NOSUID | MS_NODEV));
	CHECK(NAMED("the workdir a tmpfs of the same size, 0755, before any bind"),
	      work > tmp && work < first_attach && ops.op[work].size == p->limits.tmpfs_size &&
		  strcmp(ops.op[work].mode, "0755") == 0);

	/* Every bind: opened once, with its flags, and attached once, after
	 * the tmpfs mounts; parents first; links last. */
	bool binds_ok = true;
	for (size_t i = 0; i < p->nbinds; i++) {
		const struct al_bind *b = &p->binds[i];
		size_t opened = 0, attached = 0;
		for (size_t k = 0; k < ops.n; k++) {
			const struct al_mount_op *o = &ops.op[k];
			if (o->bind != (int)i)
				continue;
			if (o->kind == AL_MOUNT_OPEN_BIND) {
				opened++;
				binds_ok = binds_ok && (long)k < root && strcmp(o->source, b->host) == 0 &&
					   strcmp(o->target, b->inside) == 0 &&
					   o->attr == (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						       (b->writable ? 0 : MOUNT_ATTR_RDONLY)) &&
					   !(o->opts & AL_MOUNT_F_OPTIONAL) == !b->optional &&
					   !(o->opts & AL_MOUNT_F_PROTECT) == !b->protect &&
					   (o->opts & AL_MOUNT_F_CHECK) && !(o->opts & AL_MOUNT_F_FOLLOW);
			}
			if (o->kind == AL_MOUNT_ATTACH) {
				attached++;
				binds_ok = binds_ok && (long)k > work && strcmp(o->target, b->inside) == 0 &&
					   !(o->opts & AL_MOUNT_F_GIVEN);
			}
			if (o->kind == AL_MOUNT_LINK_BIND)
				binds_ok = binds_ok && strcmp(b->host, b->inside) == 0 &&
					   (long)k > find(AL_MOUNT_ATTACH, NULL) + (long)p->nbinds - 1 &&
					   (long)k < rootro;
		}
		binds_ok = binds_ok && opened == 1 && attached == 1;
	}
	CHECK(
	    NAMED("every bind opened once before the root, ro/rw as planned, attached once after the tmpfs"),
	    binds_ok && count(AL_MOUNT_OPEN_BIND) == p->nbinds && count(AL_MOUNT_ATTACH) == p->nbinds);
	bool sorted = true;
	for (long k = first_attach; k >= 0 && k + 1 < (long)ops.n && ops.op[k + 1].kind == AL_MOUNT_ATTACH;
	     k++)
		sorted = sorted && strcmp(ops.op[k].target, ops.op[k + 1].target) <= 0;
	CHECK(NAMED("binds attached parents first"), sorted);
	bool follows = false;
	for (size_t k = 0; k < ops.n; k++)
		follows = follows || (ops.op[k].opts & AL_MOUNT_F_FOLLOW);
	CHECK(NAMED("nothing follows a symlink"), !follows);
	CHECK(NAMED("list within its bound"), ops.n <= AL_MAX_MOUNT_OPS);
	if (unit_failures != before)
		dump(name);
#undef NAMED
}

static bool ro_bind_at(const char *inside, bool writable)
{
	const struct al_mount_op *o = op_at(find(AL_MOUNT_ATTACH, inside));
	if (!o)
		return false;
	const struct al_mount_op *open = NULL;
	for (size_t i = 0; i < ops.n && !open; i++)
		if (ops.op[i].kind == AL_MOUNT_OPEN_BIND && ops.op[i].bind == o->bind)
			open = &ops.op[i];
	return open && !(open->attr & MOUNT_ATTR_RDONLY) == writable;
}

static void profiles(void)
{
	struct al_overrides ov = {0};

	if (build("default", &ov, NULL)) {
		layout("default");
		CHECK("default: /usr/bin bound read-only", ro_bind_at("/usr/bin", false));
		CHECK("default: /lib64 may be recreated as the host's symlink",
		      find(AL_MOUNT_LINK_BIND, "/lib64") > find(AL_MOUNT_ATTACH, "/usr/lib64"));
		CHECK("default: no $HOME tmpfs", count(AL_MOUNT_TMPFS) == 3);
		al_plan_free(&plan);
	}
	if (build("python", &ov, NULL)) {
		layout("python");
		al_plan_free(&plan);
	}
	ov = (struct al_overrides){.ro = {"/srv/models/llama:/model"}, .nro = 1};
	if (build("model-eval", &ov, NULL)) {
		layout("model-eval");
		CHECK("model-eval: the model read-only at /model", ro_bind_at("/model", false));
		CHECK("model-eval: /model not a symlink candidate (bound elsewhere)",
		      find(AL_MOUNT_LINK_BIND, "/model") < 0);
		al_plan_free(&plan);
	}
	ov = (struct al_overrides){
	    .home = "/home/dev", .cwd = "/home/dev/proj", .rw = {"/srv/out:/out"}, .nrw = 1};
	if (build("agent", &ov, NULL)) {
		layout("agent");
		long home = find(AL_MOUNT_TMPFS, "/home/dev"), work = find(AL_MOUNT_TMPFS, "/home/dev/proj");
		CHECK("agent: $HOME a 0700 tmpfs, before the workdir beneath it",
		      home > find(AL_MOUNT_TMPFS, "/tmp") && home < work &&
			  strcmp(ops.op[home].mode, "0700") == 0);
		CHECK("agent: the project bound writable at its own path",
		      ro_bind_at("/home/dev/proj", true));
		CHECK("agent: --rw bound writable", ro_bind_at("/out", true));
		static const char *const git[] = {
		    "/home/dev/proj/.git/config",  "/home/dev/proj/.git/config.worktree",
		    "/home/dev/proj/.git/hooks",   "/home/dev/proj/.git/info",
		    "/home/dev/proj/.git/modules", "/home/dev/proj/.git/worktrees"};
		bool ok = ro_bind_at("/home/dev/proj/.git", true);
		long dotgit = find(AL_MOUNT_ATTACH, "/home/dev/proj/.git");
		for (size_t i = 0; i < ARRAY_SIZE(git); i++) {
			long a = find(AL_MOUNT_ATTACH, git[i]);
			ok = ok && ro_bind_at(git[i], false) && a > dotgit;
		}
		CHECK(
		    "agent: .git pinned, its config, hooks, info, modules, worktrees bound read-only over it",
		    ok && dotgit > find(AL_MOUNT_ATTACH, "/home/dev/proj"));
		ok = true;
		for (size_t i = 0; i < ops.n; i++)
			if (ops.op[i].kind == AL_MOUNT_OPEN_BIND && strstr(ops.op[i].target, "/.git"))
				ok = ok && (ops.op[i].opts & (AL_MOUNT_F_PROTECT | AL_MOUNT_F_OPTIONAL)) ==
					       (AL_MOUNT_F_PROTECT | AL_MOUNT_F_OPTIONAL);
		CHECK("agent: the git binds protected (no symlink) and optional", ok);
		al_plan_free(&plan);
	}
}

/* What the supervisor hands over changes who opens, not what is mounted. */
static void given(void)
{
	struct al_overrides ov = {.ro = {"/srv/a:/a", "/srv/b:/b"}, .nro = 2};
	int g[AL_MAX_BINDS];

	for (size_t i = 0; i < AL_MAX_BINDS; i++)
		g[i] = -1;
	/* The two caller binds come last in the plan. */
	if (!build("default", &ov, NULL))
		return;
	size_t n = plan.profile.nbinds;
	al_plan_free(&plan);
	g[n - 2] = 42;		 /* /a: a tree the supervisor opened */
	g[n - 1] = AL_BIND_SKIP; /* /b: missing, found so by the supervisor */
	if (!build("default", &ov, g))
		return;
	const struct al_mount_op *a = op_at(find(AL_MOUNT_ATTACH, "/a"));
	bool opened = false;
	for (size_t i = 0; i < ops.n; i++)
		opened = opened || (ops.op[i].kind == AL_MOUNT_OPEN_BIND && ops.op[i].bind >= (int)n - 2);
	CHECK("given: the supervisor's trees not opened again", !opened);
	CHECK("given: its tree attached, marked as its",
	      a && (a->opts & AL_MOUNT_F_GIVEN) && a->bind == (int)n - 2);
	CHECK("given: what it found missing not attached", find(AL_MOUNT_ATTACH, "/b") < 0);
	CHECK("given: the others still opened by the child",
	      count(AL_MOUNT_OPEN_BIND) == n - 2 && count(AL_MOUNT_ATTACH) == n - 1);
	struct al_mount_op sup = al_mount_bind_op(&plan, n - 2);
	CHECK("given: the supervisor opens /a with the child's flags",
	      sup.kind == AL_MOUNT_OPEN_BIND && strcmp(sup.source, "/srv/a") == 0 &&
		  sup.attr == (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_RDONLY) &&
		  (sup.opts & AL_MOUNT_F_CHECK) && sup.bind == (int)n - 2);
	al_plan_free(&plan);
	ov.ro_as_caller = true;
	if (build("default", &ov, NULL)) {
		CHECK("--ro-as-caller reaches the open operation",
		      (op_at(find(AL_MOUNT_OPEN_BIND, "/a"))->opts & AL_MOUNT_F_RO_AS_CALLER) != 0);
		al_plan_free(&plan);
	}
}

/* Each test switch that touches mounts, read once, in the list. */
static void switches(void)
{
	struct al_overrides ov = {0};
	size_t full;

	if (!build("default", &ov, NULL))
		return;
	full = ops.n;
	al_plan_free(&plan);

	ov.disabled = AL_DEF_MOUNT;
	if (build("default", &ov, NULL)) {
		CHECK("switch mount: private, then only a chdir on the host's root",
		      ops.n == 2 && ops.op[0].kind == AL_MOUNT_PRIVATE &&
			  ops.op[1].kind == AL_MOUNT_KEEP_HOST_ROOT &&
			  strcmp(ops.op[1].target, "/work") == 0);
		al_plan_free(&plan);
	}
	ov.disabled = AL_DEF_PROC_MASK;
	if (build("default", &ov, NULL)) {
		CHECK("switch proc-mask: no masks, nothing else changed",
		      count(AL_MOUNT_MASK) == 0 && ops.n == full - 5);
		al_plan_free(&plan);
	}
	uint64_t noproc[] = {AL_DEF_PROC, AL_DEF_PIDNS};
	for (size_t i = 0; i < ARRAY_SIZE(noproc); i++) {
		ov.disabled = noproc[i];
		if (build("default", &ov, NULL)) {
			const struct al_mount_op *o = op_at(find(AL_MOUNT_HOST_TREE, "/proc"));
			CHECK(i == 0
				  ? "switch proc: the host's /proc bound, nothing masked"
				  : "switch pidns: the host's /proc bound (a new one needs a pid namespace)",
			      find(AL_MOUNT_PROC, NULL) < 0 && o && strcmp(o->source, "/proc") == 0 &&
				  o->attr == (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV) &&
				  count(AL_MOUNT_MASK) == 0 && o == &ops.op[find(AL_MOUNT_ROOT, "/") + 1]);
			al_plan_free(&plan);
		}
	}
	ov.disabled = AL_DEF_DEV;
	if (build("default", &ov, NULL)) {
		const struct al_mount_op *o = op_at(find(AL_MOUNT_HOST_TREE, "/dev"));
		CHECK("switch dev: the host's whole /dev bound, no tmpfs, nodes, links or remount",
		      o && o->attr == (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC) &&
			  find(AL_MOUNT_TMPFS, "/dev") < 0 && count(AL_MOUNT_HOST_TREE) == 1 &&
			  count(AL_MOUNT_SYMLINK) == 0 && find(AL_MOUNT_REMOUNT, "/dev") < 0 &&
			  count(AL_MOUNT_MASK) == 5);
		al_plan_free(&plan);
	}
	ov.disabled = AL_DEF_TMPFS_SIZE;
	if (build("default", &ov, NULL)) {
		CHECK("switch tmpfs-size: /tmp and the workdir without a size, /dev still 64K",
		      ops.op[find(AL_MOUNT_TMPFS, "/tmp")].size == 0 &&
			  ops.op[find(AL_MOUNT_TMPFS, "/work")].size == 0 &&
			  ops.op[find(AL_MOUNT_TMPFS, "/dev")].size == 65536 && ops.n == full);
		al_plan_free(&plan);
	}
	ov.disabled = AL_DEF_NOFOLLOW;
	if (build("default", &ov, NULL)) {
		bool all = true;
		for (size_t i = 0; i < ops.n; i++)
			if (ops.op[i].kind == AL_MOUNT_OPEN_BIND || ops.op[i].kind == AL_MOUNT_ATTACH ||
			    ops.op[i].kind == AL_MOUNT_TMPFS || ops.op[i].kind == AL_MOUNT_HOST_TREE)
				all = all && (ops.op[i].opts & AL_MOUNT_F_FOLLOW);
		CHECK("switch nofollow: binds and mount points follow symlinks", all && ops.n == full);
		al_plan_free(&plan);
	}
	ov.disabled = AL_DEF_BIND_CHECK;
	if (build("default", &ov, NULL)) {
		CHECK("switch bind-check: binds not examined",
		      !(op_at(find(AL_MOUNT_OPEN_BIND, "/usr/bin"))->opts & AL_MOUNT_F_CHECK));
		al_plan_free(&plan);
	}
	ov = (struct al_overrides){.home = "/home/dev", .cwd = "/home/dev/proj", .disabled = AL_DEF_GIT_RO};
	if (build("agent", &ov, NULL)) {
		bool none = true;
		for (size_t i = 0; i < ops.n; i++)
			none = none && !strstr(ops.op[i].target, "/.git");
		CHECK("switch git-ro: no git binds", none);
		al_plan_free(&plan);
	}
}

/* The most binds a plan holds, each possibly a symlink: the list still fits. */
static void capacity(void)
{
	static char specs[AL_MAX_BINDS][32];
	struct al_overrides ov = {.home = "/home/dev", .cwd = "/home/dev/proj"};

	if (!build("agent", &ov, NULL))
		return;
	size_t room = AL_MAX_BINDS - plan.profile.nbinds;
	al_plan_free(&plan);
	for (size_t i = 0; i < room; i++) {
		snprintf(specs[i], sizeof(specs[i]), "/srv/d%zu", i);
		ov.ro[ov.nro++] = specs[i];
	}
	if (build("agent", &ov, NULL)) {
		CHECK("capacity: a full plan fits",
		      plan.profile.nbinds == AL_MAX_BINDS && ops.n <= AL_MAX_MOUNT_OPS);
		al_plan_free(&plan);
	}
}

static void describe(void)
{
	char line[256];
	struct al_overrides ov = {0};

	if (!build("default", &ov, NULL))
		return;
	CHECK("describe: an open names its path and ro",
	      strcmp(al_mount_op_describe(op_at(find(AL_MOUNT_OPEN_BIND, "/usr/bin")), line, sizeof(line)),
		     "open ro /usr/bin") == 0);
	CHECK("describe: a mask",
	      strcmp(al_mount_op_describe(op_at(find(AL_MOUNT_MASK, "/proc/locks")), line, sizeof(line)),
		     "mask /proc/locks with /dev/null") == 0);
	al_plan_free(&plan);
}

int main(void)
{
	profiles();
	given();
	switches();
	capacity();
	describe();
	return unit_failures != 0;
}
