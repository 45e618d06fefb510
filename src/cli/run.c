/* airlock run: one command in a sandbox, its output relayed, a JSON report. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../log.h"
#include "../plan.h"
#include "../report.h"
#include "../sandbox.h"
#include "../seccomp.h"
#include "../trace.h"
#include "../util.h"
#include "cli.h"
#include "relay.h"
#include "tty.h"

extern char **environ;

static const char run_help[] =
    "usage: airlock run [OPTIONS] -- COMMAND [ARG...]\n"
    "  --profile NAME|FILE   built-in profile (default, python, node, model-eval, agent) or JSON file\n"
    "  --ro HOST[:INSIDE]    bind a host path read-only (repeatable)\n"
    "  --rw HOST[:INSIDE]    bind a host path writable (repeatable)\n"
    "  --workdir DIR         working directory inside (a size-limited tmpfs)\n"
    "  --memory SIZE         memory + swap of the whole sandbox (e.g. 256M)\n"
    "  --pids N              processes and threads\n"
    "  --cpu-time SECONDS    CPU time of the whole sandbox\n"
    "  --time SECONDS        wall-clock time\n"
    "  --cpu-weight N        CPU share relative to others, 1..10000 (default 100)\n"
    "  --output SIZE         bytes per output stream; more ends the run\n"
    "  --tmpfs-size SIZE     size of /tmp and of the workdir (each)\n"
    "  --open-files N        open files per process\n"
    "  --file-size SIZE      largest file a process may write\n"
    "  --net none            network: only loopback (the default)\n"
    "  --net allow:RULE[,RULE...]  egress through airlock's proxy to these only:\n"
    "                        host, *.domain, 1.2.3.4 or [v6], each with :port (default 80, 443)\n"
    "  --net-connections N   proxied connections at once (default 16)\n"
    "  --net-bytes SIZE      bytes through the proxy per run, both ways (default 256M)\n"
    "  --net-idle SECONDS    close a proxied connection idle this long (default 30)\n"
    "  --env NAME[=VALUE]    pass a variable (NAME alone: the caller's value)\n"
    "  --report FILE|-       write the JSON run report (-: as the last line of stdout)\n"
    "  --stdin               the caller's stdin reaches the command (default: /dev/null)\n"
    "  --ro-as-caller        as root: read-only binds of your own private directories are read as you\n"
    "  --tty                 run the command on a pseudo-terminal of its own (interactive use)\n"
    "  --report-fd N         write the JSON run report to file descriptor N (3 or above)\n"
    "  --uid-range FIRST:COUNT  host uids for sandboxes when run as root\n"
    "  --allow-degraded      run with rlimits only if cgroups cannot be made\n"
    "  --allow-unsafe-binds  allow binds of /, /proc, /sys, /dev, sockets and devices\n"
    "  --git-writable        (agent profile) leave .git/config, hooks, info writable\n"
    "  --on-violation deny|kill  a denied system call fails (default), or ends the run\n"
    "  --verbose             say what airlock is doing (and each violation) on stderr\n"
    "  --terminal-escapes    relay the command's control sequences to a terminal as they are\n"
    "                        (by default they are shown as ^[ ... when stdout/stderr is a terminal)\n"
    "exit status: the command's; 128+N if killed by signal N; 125 if airlock could not set up\n";

enum {
	OPT_PROFILE = 256,
	OPT_RO,
	OPT_RW,
	OPT_WORKDIR,
	OPT_MEMORY,
	OPT_PIDS,
	OPT_CPU_TIME,
	OPT_TIME,
	OPT_CPU_WEIGHT,
	OPT_OUTPUT,
	OPT_TMPFS,
	OPT_OPEN_FILES,
	OPT_FILE_SIZE,
	OPT_NET,
	OPT_ENV,
	OPT_REPORT,
	OPT_UID_RANGE,
	OPT_DEGRADED,
	OPT_VERBOSE,
	OPT_HELP,
	OPT_ON_VIOLATION,
	OPT_OUTPUT_PROFILE,
	OPT_NET_CONNECTIONS,
	OPT_NET_BYTES,
	OPT_NET_IDLE,
	OPT_UNSAFE_BINDS,
	OPT_GIT_WRITABLE,
	OPT_TERMINAL_ESCAPES,
	OPT_REPORT_FD,
	OPT_STDIN,
	OPT_TTY,
	OPT_RO_AS_CALLER,
};

static const struct option options[] = {
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"ro", required_argument, NULL, OPT_RO},
    {"rw", required_argument, NULL, OPT_RW},
    {"workdir", required_argument, NULL, OPT_WORKDIR},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"pids", required_argument, NULL, OPT_PIDS},
    {"cpu-time", required_argument, NULL, OPT_CPU_TIME},
    {"time", required_argument, NULL, OPT_TIME},
    {"cpu-weight", required_argument, NULL, OPT_CPU_WEIGHT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"tmpfs-size", required_argument, NULL, OPT_TMPFS},
    {"open-files", required_argument, NULL, OPT_OPEN_FILES},
    {"file-size", required_argument, NULL, OPT_FILE_SIZE},
    {"net", required_argument, NULL, OPT_NET},
    {"env", required_argument, NULL, OPT_ENV},
    {"report", required_argument, NULL, OPT_REPORT},
    {"report-fd", required_argument, NULL, OPT_REPORT_FD},
    {"stdin", no_argument, NULL, OPT_STDIN},
    {"tty", no_argument, NULL, OPT_TTY},
    {"ro-as-caller", no_argument, NULL, OPT_RO_AS_CALLER},
    {"uid-range", required_argument, NULL, OPT_UID_RANGE},
    {"allow-degraded", no_argument, NULL, OPT_DEGRADED},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"help", no_argument, NULL, OPT_HELP},
    {"on-violation", required_argument, NULL, OPT_ON_VIOLATION},
    {"output-profile", required_argument, NULL, OPT_OUTPUT_PROFILE},
    {"net-connections", required_argument, NULL, OPT_NET_CONNECTIONS},
    {"net-bytes", required_argument, NULL, OPT_NET_BYTES},
    {"net-idle", required_argument, NULL, OPT_NET_IDLE},
    {"allow-unsafe-binds", no_argument, NULL, OPT_UNSAFE_BINDS},
    {"git-writable", no_argument, NULL, OPT_GIT_WRITABLE},
    {"terminal-escapes", no_argument, NULL, OPT_TERMINAL_ESCAPES},
    {NULL, 0, NULL, 0},
};

/* Write the report to stdout ("-"), to the caller's fd (--report-fd), or to
 * the file opened before the run. On stdout it is the last line, and always
 * a line of its own: after the command's output, which the command controls
 * and may end without a newline, comes an empty line, then the report. */
static int write_report(const char *path, int fd, const struct al_plan *plan, const struct al_result *res)
{
	char *json = al_report_json(plan, res);
	int r = -1;

	if (!json)
		return -1;
	if (strcmp(path, "-") == 0) {
		fd = 1;
		if (res->output_bytes[0] > 0 && al_write_all(fd, "\n", 1) < 0)
			fd = -1;
	} else if (strcmp(path, "fd") != 0 && ftruncate(fd, 0) < 0) {
		fd = -1;
	}
	if (fd >= 0)
		r = al_write_all(fd, json, strlen(json)) == 0 && al_write_all(fd, "\n", 1) == 0 ? 0 : -1;
	free(json);
	if (r < 0)
		fprintf(stderr, "airlock: cannot write report %s: %s\n", path, strerror(errno));
	return r;
}

/* --report FILE and --output-profile FILE are opened before the sandbox
 * starts: afterwards a writable bind may hold a symlink or a FIFO planted
 * on their path. (The test control opens them late, as airlock once did.) */
static int open_output(const char *option, const char *path, bool late, int *fd, struct al_error *err)
{
	*fd = -1;
	if (!path || strcmp(path, "-") == 0 || late)
		return 0;
	if ((*fd = al_open_output(path, err)) < 0)
		return al_error_wrap(err, "%s", option);
	return 0;
}

static int run_or_learn(int argc, char **argv, bool learn);

static int setup_failed(const struct al_error *err)
{
	char buf[640];
	fprintf(stderr, "airlock: %s\n", al_error_text(err, buf, sizeof(buf)));
	return EXIT_SETUP;
}

static void restore_sigmask(sigset_t *old) { sigprocmask(SIG_SETMASK, old, NULL); }
#define cleanup_sigmask __attribute__((cleanup(restore_sigmask)))

/* Supervise one sandbox; SIGINT, SIGTERM and SIGHUP go to the command. */
static int supervise(const struct al_plan *plan, const struct al_filter *filter, struct relay *relay,
		     struct al_result *res, struct al_error *err)
{
	struct al_sandbox *sb;
	sigset_t sigs;
	cleanup_close int ep = epoll_create1(EPOLL_CLOEXEC), sfd = -1;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	if (plan->tty)
		sigaddset(&sigs, SIGWINCH);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (ep < 0 || sfd < 0)
		return al_error_set(err, errno, "epoll/signalfd");
	/* Blocked only while the signalfd forwards them to the command; after
	 * it, a signal ends airlock as usual, whatever it then waits for. */
	cleanup_sigmask sigset_t old;
	sigprocmask(SIG_BLOCK, &sigs, &old);
	if (al_sandbox_spawn(plan, filter, relay_push, relay, &sb, err) < 0)
		return -1;
	/* A pipe or /dev/null takes the output straight from the sandbox's
	 * pipe (spliced, never copied here); a terminal goes through the
	 * relay's filter, a file or socket through its thread. */
	for (int fd = 1; fd <= 2; fd++)
		if (!relay_filters(relay, fd))
			(void)al_sandbox_set_sink(sb, fd, fd);
	relay_start(relay);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = sfd};
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = al_sandbox_fd(sb);
	epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	struct tty_session tty = {.master = -1};
	if (plan->tty) {
		tty_begin(&tty, al_sandbox_tty_fd(sb));
		ev.data.fd = 0;
		epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev); /* fails harmlessly for a regular file: no input then */
	}
	for (;;) {
		struct epoll_event evs[8];
		int k = epoll_wait(ep, evs, 8, -1);
		if (k < 0 && errno != EINTR)
			break;
		for (int i = 0; i < k; i++) {
			int fd = evs[i].data.fd;
			if (fd == sfd) {
				struct signalfd_siginfo si;
				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGWINCH)
					tty_resize(&tty);
				else
					al_sandbox_signal(sb, (int)si.ssi_signo);
			} else if (fd == 0) {
				tty.master = al_sandbox_tty_fd(sb);
				if (tty_forward(&tty) == 0)
					epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL);
			} else if (al_sandbox_handle(sb) == 1) {
				tty_end(&tty);
				*res = *al_sandbox_result(sb);
				al_sandbox_free(sb);
				return 0;
			}
		}
	}
	al_error_set(err, errno, "epoll_wait");
	tty_end(&tty);
	al_sandbox_free(sb);
	return -1;
}

/* Learn mode's product: the profile with an allow-list of exactly the calls
 * the run made, plus what starting a command needs whatever it is. */
static int write_learned(const char *path, int fd, const struct al_plan *plan, const struct al_result *res)
{
	static const char *const launch[] = {"execve", "read",	     "write",	     "close",
					     "exit",   "exit_group", "rt_sigreturn", "restart_syscall"};
	struct al_profile p = plan->profile;
	char name[128];

	p.seccomp.mode = AL_SC_ALLOW_LIST;
	memcpy(p.seccomp.allowed, res->violations.used, sizeof(p.seccomp.allowed));
	for (size_t i = 0; i < ARRAY_SIZE(launch); i++)
		al_policy_allow(&p.seccomp, al_policy_nr(launch[i]));
	p.has_seccomp = true;
	snprintf(name, sizeof(name), "%s-learned", plan->profile.name);
	p.name = name;
	char *json = al_profile_dump(&p);
	if (!json)
		return -1;
	int r = fd >= 0 && ftruncate(fd, 0) == 0 && al_write_all(fd, json, strlen(json)) == 0 &&
			al_write_all(fd, "\n", 1) == 0
		    ? 0
		    : -1;
	free(json);
	if (r < 0)
		fprintf(stderr, "airlock: cannot write %s: %s\n", path, strerror(errno));
	return r;
}

int cli_learn(int argc, char **argv) { return run_or_learn(argc, argv, true); }

int cli_run(int argc, char **argv) { return run_or_learn(argc, argv, false); }

struct run_state {
	struct al_overrides ov;
	struct al_profile profile;
	struct al_plan plan;
	struct al_result res;
};

static int run_or_learn(int argc, char **argv, bool learn)
{
	/* The big state on the heap: large enough that calloc maps fresh pages,
	 * faulted in only where used (as locals, stack-clash probing touched
	 * every page of them, ~140 KiB, on each run). */
	cleanup_free struct run_state *st = calloc(1, sizeof(*st));
	struct al_error err = {0};
	const char *profile_name = "default", *report = NULL, *learned = NULL, *report_fd_arg = NULL;
	bool raw_escapes = false;
	int opt;

	if (!st)
		return setup_failed(&(struct al_error){ENOMEM, "airlock"});
	while ((opt = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		switch (opt) {
		case OPT_PROFILE:
			profile_name = optarg;
			break;
		case OPT_RO:
			if (st->ov.nro >= AL_MAX_BINDS)
				return setup_failed(&(struct al_error){0, "--ro: too many binds"});
			st->ov.ro[st->ov.nro++] = optarg;
			break;
		case OPT_RW:
			if (st->ov.nrw >= AL_MAX_BINDS)
				return setup_failed(&(struct al_error){0, "--rw: too many binds"});
			st->ov.rw[st->ov.nrw++] = optarg;
			break;
		case OPT_ENV:
			if (st->ov.nenv >= AL_MAX_ENV)
				return setup_failed(&(struct al_error){0, "--env: too many variables"});
			st->ov.env[st->ov.nenv++] = optarg;
			break;
		case OPT_WORKDIR:
			st->ov.workdir = optarg;
			break;
		case OPT_MEMORY:
			st->ov.memory = optarg;
			break;
		case OPT_PIDS:
			st->ov.pids = optarg;
			break;
		case OPT_CPU_TIME:
			st->ov.cpu_time = optarg;
			break;
		case OPT_TIME:
			st->ov.time = optarg;
			break;
		case OPT_CPU_WEIGHT:
			st->ov.cpu_weight = optarg;
			break;
		case OPT_OUTPUT:
			st->ov.output = optarg;
			break;
		case OPT_TMPFS:
			st->ov.tmpfs_size = optarg;
			break;
		case OPT_OPEN_FILES:
			st->ov.open_files = optarg;
			break;
		case OPT_FILE_SIZE:
			st->ov.file_size = optarg;
			break;
		case OPT_NET:
			st->ov.net = optarg;
			break;
		case OPT_REPORT:
			report = optarg;
			break;
		case OPT_REPORT_FD:
			report_fd_arg = optarg;
			break;
		case OPT_STDIN:
			st->ov.stdin_inherit = true;
			break;
		case OPT_TTY:
			st->ov.tty = true;
			break;
		case OPT_RO_AS_CALLER:
			st->ov.ro_as_caller = true;
			break;
		case OPT_UID_RANGE:
			st->ov.uid_range = optarg;
			break;
		case OPT_DEGRADED:
			st->ov.allow_degraded = true;
			break;
		case OPT_VERBOSE:
			al_log_level++;
			break;
		case OPT_HELP:
			fputs(run_help, stdout);
			return 0;
		case OPT_ON_VIOLATION:
			st->ov.on_violation = optarg;
			break;
		case OPT_OUTPUT_PROFILE:
			learned = optarg;
			break;
		case OPT_NET_CONNECTIONS:
			st->ov.net_connections = optarg;
			break;
		case OPT_NET_BYTES:
			st->ov.net_bytes = optarg;
			break;
		case OPT_NET_IDLE:
			st->ov.net_idle = optarg;
			break;
		case OPT_UNSAFE_BINDS:
			st->ov.allow_unsafe_binds = true;
			break;
		case OPT_GIT_WRITABLE:
			st->ov.git_writable = true;
			break;
		case OPT_TERMINAL_ESCAPES:
			raw_escapes = true;
			break;
		default:
			fputs(run_help, stderr);
			return EXIT_SETUP;
		}
	}
#ifdef AIRLOCK_TEST_SWITCHES
	/* Test builds only: switch one defence off for a negative control. */
	const char *off = getenv("AIRLOCK_TEST_DISABLE");
	if (off && *off && al_defences_parse(off, &st->ov.disabled, &err) < 0)
		return setup_failed(&err);
#endif
	if (learn != (learned != NULL))
		return setup_failed(
		    &(struct al_error){0, "--output-profile FILE goes with airlock learn, and only with it"});
	st->ov.learn = learn;
	AL_TRACE("sup: options parsed");
	char cwd[4096], home[4096];
	st->ov.cwd = getcwd(cwd, sizeof(cwd)); /* for profiles that bind it (agent) */
	/* Profiles that hide $HOME need it resolved; an error says why when
	 * they do (the plan refuses a profile that needs it without it). */
	struct al_error home_err = {0};
	if (al_home_resolve(environ, home, sizeof(home), &home_err) == 0)
		st->ov.home = home;
	char home_pw[4096];
	struct al_error pw_err = {0};
	if (al_home_resolve(NULL, home_pw, sizeof(home_pw), &pw_err) == 0)
		st->ov.home_passwd = home_pw;
	if (al_profile_load(profile_name, &st->profile, &err) < 0)
		return setup_failed(&err);
	int r = al_plan_build(&st->profile, &st->ov, argv + optind, environ, &st->plan, &err);
	al_profile_free(&st->profile);
	if (r < 0) {
		if (!st->ov.home && home_err.msg[0] && strstr(err.msg, "$HOME"))
			al_error_wrap(&err, "%s", home_err.msg);
		return setup_failed(&err);
	}
	/* A terminal handed over as stdin would be the command's to write to
	 * and reconfigure (escape sequences, stty), past the output filter. */
	if (st->plan.stdin_inherit && isatty(0)) {
		al_plan_free(&st->plan);
		return setup_failed(
		    &(struct al_error){0, "--stdin: stdin is a terminal; use --tty (a terminal of the "
					  "command's own), or pipe the input"});
	}
	bool late = (st->plan.disabled & AL_DEF_REPORT_PATH) != 0;
	cleanup_close int report_fd = -1, learned_fd = -1;
	if (report_fd_arg) {
		/* The caller's own fd, as bubblewrap's --json-status-fd: found
		 * open and writable before the run; never one of stdio, which
		 * the command's output shares. */
		uint64_t n;
		int fl;
		if (report) {
			al_plan_free(&st->plan);
			return setup_failed(
			    &(struct al_error){0, "--report-fd and --report: one or the other"});
		}
		if (al_parse_uint(report_fd_arg, 3, 1 << 20, &n, NULL) < 0 ||
		    (fl = fcntl((int)n, F_GETFL)) < 0 || (fl & O_ACCMODE) == O_RDONLY) {
			al_plan_free(&st->plan);
			return setup_failed(&(struct al_error){
			    0, "--report-fd: expected an open, writable file descriptor of 3 or above"});
		}
		report = "fd";
		report_fd = fcntl((int)n, F_DUPFD_CLOEXEC, 3);
	}
	if ((!report_fd_arg && open_output("--report", report, late, &report_fd, &err) < 0) ||
	    open_output("--output-profile", learned, late, &learned_fd, &err) < 0) {
		al_plan_free(&st->plan);
		return setup_failed(&err);
	}
	AL_TRACE("sup: profile loaded, plan built");
	signal(SIGPIPE, SIG_IGN);
	int status;
	/* The command's escape sequences reach a terminal only when asked for
	 * (src/ttysafe.h says why); a pipe or file gets its bytes untouched. */
	raw_escapes |= (st->plan.disabled & AL_DEF_TTY_ESCAPES) != 0;
	struct relay *relay = relay_new(!raw_escapes && isatty(1), !raw_escapes && isatty(2));
	if (!relay) {
		al_plan_free(&st->plan);
		return setup_failed(&(struct al_error){0, "cannot start the output relay"});
	}
	/* No filter: the sandbox compiles the plan's while its child mounts. */
	int sr = supervise(&st->plan, NULL, relay, &st->res, &err);
	/* The command's output goes out before airlock's own lines and the report. */
	size_t dropped = relay_finish(relay);
	if (dropped)
		fprintf(
		    stderr,
		    "airlock: %zu bytes of output dropped: airlock's own output was not read fast enough\n",
		    dropped);
	if (sr < 0) {
		char buf[640];
		st->res.status = AL_SETUP_ERROR;
		st->res.exit_code = EXIT_SETUP;
		snprintf(st->res.error, sizeof(st->res.error), "%s", al_error_text(&err, buf, sizeof(buf)));
	}
	if (st->res.status == AL_SETUP_ERROR)
		fprintf(stderr, "airlock: %s\n", st->res.error);
	status = st->res.exit_code;
	if (al_log_level > 0)
		fprintf(stderr, "airlock: %s, exit %d, wall %.1f ms, cpu %.1f ms, peak %llu KiB\n",
			al_status_name(st->res.status), st->res.exit_code, st->res.wall_ms, st->res.cpu_ms,
			(unsigned long long)st->res.max_rss_kb);
	if (st->res.degraded[0])
		fprintf(stderr, "airlock: degraded: %s\n", st->res.degraded);
	if (st->res.quarantined[0])
		fprintf(stderr,
			"airlock: renamed out of git's way what the sandbox left for it to follow: %s\n",
			st->res.quarantined);
	if (late && report && !report_fd_arg && strcmp(report, "-") != 0)
		report_fd = open(report, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (late && learned)
		learned_fd = open(learned, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (report && write_report(report, report_fd, &st->plan, &st->res) < 0 && status == 0)
		status = EXIT_SETUP;
	if (learned && st->res.status != AL_SETUP_ERROR) {
		if (write_learned(learned, learned_fd, &st->plan, &st->res) < 0 && status == 0)
			status = EXIT_SETUP;
		else if (st->res.status != AL_EXITED || st->res.exit_code != 0)
			fprintf(stderr,
				"airlock: the learning run did not succeed (%s); the profile covers only "
				"what it did\n",
				al_status_name(st->res.status));
	}
	al_plan_free(&st->plan);
	AL_TRACE("sup: exit");
	return status;
}
