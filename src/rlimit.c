#include "rlimit.h"

#include <errno.h>
#include <math.h>
#include <sys/resource.h>

static int set(int res, const char *name, rlim_t v, struct al_error *err)
{
	struct rlimit rl = {v, v};

	if (setrlimit(res, &rl) < 0)
		return al_error_set(err, errno, "setrlimit %s", name);
	return 0;
}

/* Lower only: a caller's stricter limit stays (raising it would fail). */
static int lower(int res, const char *name, rlim_t v, struct al_error *err)
{
	struct rlimit cur;

	if (getrlimit(res, &cur) == 0 && cur.rlim_max < v)
		v = cur.rlim_max;
	return set(res, name, v, err);
}

int al_rlimit_apply(const struct al_limits *l, bool degraded, bool cap_kernel, struct al_error *err)
{
	if (cap_kernel && (lower(RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING", AL_RLIMIT_SIGPENDING, err) < 0 ||
			   lower(RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE", AL_RLIMIT_MSGQUEUE, err) < 0 ||
			   lower(RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", AL_RLIMIT_MEMLOCK, err) < 0))
		return -1;
	/* No core files: a dump could fill the workspace or leak memory contents. */
	if (set(RLIMIT_CORE, "RLIMIT_CORE", 0, err) < 0)
		return -1;
	if (l->open_files && set(RLIMIT_NOFILE, "RLIMIT_NOFILE", l->open_files, err) < 0)
		return -1;
	if (l->file_size && set(RLIMIT_FSIZE, "RLIMIT_FSIZE", l->file_size, err) < 0)
		return -1;
	/* With a cgroup, a per-process backstop a second behind the supervisor's
	 * whole-tree clock. Without one, the limit itself: SIGXCPU at it (which
	 * tells the cause of death apart), SIGKILL a second later. */
	if (l->cpu_time_s > 0) {
		rlim_t secs = (rlim_t)ceil(l->cpu_time_s);
		struct rlimit rl = {degraded ? secs : secs + 1, secs + 1};
		if (setrlimit(RLIMIT_CPU, &rl) < 0)
			return al_error_set(err, errno, "setrlimit RLIMIT_CPU");
	}
	if (degraded) {
		if (l->memory && set(RLIMIT_AS, "RLIMIT_AS", l->memory, err) < 0)
			return -1;
		if (l->pids && set(RLIMIT_NPROC, "RLIMIT_NPROC", l->pids, err) < 0)
			return -1;
	}
	return 0;
}
