/* airlock run: one command in a sandbox, its output relayed, a JSON report.
 * The library's first client: it uses only include/airlock.h. */
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

#include <airlock.h>
#include <jansson.h>

#include "../audit/audit.h"
#include "../trace.h"
#include "../util.h"
#include "cli.h"
#include "log.h"
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
    "  --audit-log FILE      append the run's audit records (the execution, its violations and\n"
    "                        egress decisions) to FILE, signed with --audit-key KEY\n"
    "  --audit-key KEY       the secret key of airlock audit keygen (mode 0600)\n"
    "  --terminal-escapes    relay the command's control sequences to a terminal as they are\n"
    "                        (by default they are shown as ^[ ... when stdout/stderr is a terminal)\n"
    "exit status: the command's; 128+N if killed by signal N; 125 if airlock could not set up\n";

/* The options: those that configure the sandbox carry its key (the long
 * name, given to al_config_set as it is); the rest are the command line's. */
enum {
	OPT_CONFIG = 1,
	OPT_PROFILE = 256,
	OPT_REPORT,
	OPT_REPORT_FD,
	OPT_VERBOSE,
	OPT_HELP,
	OPT_OUTPUT_PROFILE,
	OPT_TERMINAL_ESCAPES,
	OPT_AUDIT_LOG,
	OPT_AUDIT_KEY,
};

static const struct option options[] = {
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"report", required_argument, NULL, OPT_REPORT},
    {"report-fd", required_argument, NULL, OPT_REPORT_FD},
    {"audit-log", required_argument, NULL, OPT_AUDIT_LOG},
    {"audit-key", required_argument, NULL, OPT_AUDIT_KEY},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"help", no_argument, NULL, OPT_HELP},
    {"output-profile", required_argument, NULL, OPT_OUTPUT_PROFILE},
    {"terminal-escapes", no_argument, NULL, OPT_TERMINAL_ESCAPES},
    {"ro", required_argument, NULL, OPT_CONFIG},
    {"rw", required_argument, NULL, OPT_CONFIG},
    {"workdir", required_argument, NULL, OPT_CONFIG},
    {"memory", required_argument, NULL, OPT_CONFIG},
    {"pids", required_argument, NULL, OPT_CONFIG},
    {"cpu-time", required_argument, NULL, OPT_CONFIG},
    {"time", required_argument, NULL, OPT_CONFIG},
    {"cpu-weight", required_argument, NULL, OPT_CONFIG},
    {"output", required_argument, NULL, OPT_CONFIG},
    {"tmpfs-size", required_argument, NULL, OPT_CONFIG},
    {"open-files", required_argument, NULL, OPT_CONFIG},
    {"file-size", required_argument, NULL, OPT_CONFIG},
    {"net", required_argument, NULL, OPT_CONFIG},
    {"env", required_argument, NULL, OPT_CONFIG},
    {"stdin", no_argument, NULL, OPT_CONFIG},
    {"tty", no_argument, NULL, OPT_CONFIG},
    {"ro-as-caller", no_argument, NULL, OPT_CONFIG},
    {"uid-range", required_argument, NULL, OPT_CONFIG},
    {"allow-degraded", no_argument, NULL, OPT_CONFIG},
    {"on-violation", required_argument, NULL, OPT_CONFIG},
    {"net-connections", required_argument, NULL, OPT_CONFIG},
    {"net-bytes", required_argument, NULL, OPT_CONFIG},
    {"net-idle", required_argument, NULL, OPT_CONFIG},
    {"allow-unsafe-binds", no_argument, NULL, OPT_CONFIG},
    {"git-writable", no_argument, NULL, OPT_CONFIG},
    {NULL, 0, NULL, 0},
};

/* What the run tells us as it goes, for the lines and the report at the end. */
struct run {
	struct relay *relay;
	bool tty;
	/* Test builds: the command runs as the second command of a kept
	 * sandbox (AIRLOCK_TEST_SECOND_COMMAND), so that the containment suite
	 * proves that path too. */
	const char *const *second_argv;
	al_sandbox *sb;
	unsigned second;
	bool second_done;
	uint64_t second_bytes[2];
	int second_truncated[2];
	char second_status[32], second_error[512];
	int second_code, second_signal;
	char status[32];
	int exit_code;
	double wall_ms, cpu_ms;
	uint64_t max_rss_kb, stdout_bytes;
	char degraded[256], quarantined[256], error[512];
	char *report;
	bool ended;
	/* --audit-log: the output's SHA-256 per stream (never the output). */
	bool audit;
	crypto_hash_sha256_state out_hash[2];
};

/* The second command's end is the run's, unless the sandbox's own end
 * says more (a limit of the whole sandbox, a violation that killed it). */
static void second_result(struct run *r, const struct al_event *ev)
{
	static const char *const sandbox_wide[] = {"memory", "pids", "cpu_limit", "violation", "setup_error"};
	bool wide = false;

	for (size_t i = 0; i < sizeof(sandbox_wide) / sizeof(sandbox_wide[0]); i++)
		wide |= strcmp(ev->status, sandbox_wide[i]) == 0;
	if (!r->second_done) {
		snprintf(r->second_status, sizeof(r->second_status), "%s", ev->status);
		r->second_code = ev->exit_code;
	}
	if (!wide) {
		snprintf(r->status, sizeof(r->status), "%s", r->second_status);
		snprintf(r->error, sizeof(r->error), "%s", r->second_error);
	}
	r->exit_code = wide && strcmp(r->status, "setup_error") == 0 ? EXIT_SETUP : r->second_code;
	json_t *j = json_loads(r->report, 0, NULL);
	if (!j)
		return;
	json_object_set_new(j, "status", json_string(r->status));
	json_object_set_new(j, "exit_code", json_integer(r->exit_code));
	json_object_set_new(j, "signal", r->second_signal ? json_integer(r->second_signal) : json_null());
	json_object_set_new(j, "error", r->error[0] ? json_string(r->error) : json_null());
	json_object_set_new(j, "output_bytes",
			    json_pack("{s:I,s:I}", "stdout", (json_int_t)r->second_bytes[0], "stderr",
				      (json_int_t)r->second_bytes[1]));
	json_object_set_new(
	    j, "truncated",
	    json_pack("{s:b,s:b}", "stdout", r->second_truncated[0], "stderr", r->second_truncated[1]));
	r->stdout_bytes = r->second_bytes[0];
	free(r->report);
	r->report = json_dumps(j, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	json_decref(j);
}

static void on_event(void *user, const struct al_event *ev)
{
	struct run *r = user;

	switch (ev->kind) {
	case AL_EV_OUTPUT:
		relay_push(r->relay, ev->stream, ev->data, ev->len);
		if (r->audit && (ev->stream == 1 || ev->stream == 2))
			crypto_hash_sha256_update(&r->out_hash[ev->stream - 1], (const unsigned char *)ev->data,
						  ev->len);
		break;
	case AL_EV_STARTED:
		snprintf(r->degraded, sizeof(r->degraded), "%s", ev->degraded ? ev->degraded : "");
		break;
	case AL_EV_VIOLATION:
		al_info("violation: %s(%s) by pid %d: %s", ev->syscall, ev->args, ev->pid, ev->action);
		break;
	case AL_EV_NETWORK:
		if (strcmp(ev->verdict, "denied") != 0)
			break;
		if (!ev->host || !ev->host[0])
			al_info("network: denied a connection: %s", ev->reason ? ev->reason : "");
		else
			al_info("network: denied %s%s%s:%d: %s", strchr(ev->host, ':') ? "[" : "", ev->host,
				strchr(ev->host, ':') ? "]" : "", ev->port, ev->reason ? ev->reason : "");
		break;
	case AL_EV_LIMIT:
		if (strcmp(ev->limit, "net_bytes") == 0)
			al_info("network: %s",
				ev->reason ? ev->reason : "the run's network byte limit was reached");
		break;
	case AL_EV_EXITED:
		if (r->second_argv && ev->command == r->second && !r->second_done) {
			r->second_done = true;
			snprintf(r->second_status, sizeof(r->second_status), "%s", ev->status);
			r->second_code = ev->exit_code;
			r->second_signal = ev->signal;
			snprintf(r->second_error, sizeof(r->second_error), "%s", ev->error ? ev->error : "");
			memcpy(r->second_bytes, ev->output_bytes, sizeof(r->second_bytes));
			memcpy(r->second_truncated, ev->truncated, sizeof(r->second_truncated));
			al_sandbox_end(r->sb);
		}
		break;
	case AL_EV_ENDED:
		r->ended = true;
		snprintf(r->status, sizeof(r->status), "%s", ev->status);
		r->exit_code = ev->exit_code;
		r->wall_ms = ev->wall_ms;
		r->cpu_ms = ev->cpu_ms;
		r->max_rss_kb = ev->max_rss_kb;
		r->stdout_bytes = ev->output_bytes[0];
		snprintf(r->quarantined, sizeof(r->quarantined), "%s",
			 ev->quarantined ? ev->quarantined : "");
		snprintf(r->error, sizeof(r->error), "%s", ev->error ? ev->error : "");
		if (ev->quarantined)
			al_info("quarantined what the sandbox left for git to follow: %s", ev->quarantined);
		free(r->report);
		r->report = strdup(ev->report);
		if (r->second_argv)
			second_result(r, ev);
		break;
	}
}

/* Write the report to stdout ("-"), to the caller's fd (--report-fd), or to
 * the file opened before the run. On stdout it is the last line, and always
 * a line of its own: after the command's output, which the command controls
 * and may end without a newline, comes an empty line, then the report. */
static int write_report(const char *path, int fd, const char *json, bool had_stdout)
{
	int r = -1;

	if (!json)
		return -1;
	if (strcmp(path, "-") == 0) {
		fd = 1;
		if (had_stdout && al_write_all(fd, "\n", 1) < 0)
			fd = -1;
	} else if (strcmp(path, "fd") != 0 && ftruncate(fd, 0) < 0) {
		fd = -1;
	}
	if (fd >= 0)
		r = al_write_all(fd, json, strlen(json)) == 0 && al_write_all(fd, "\n", 1) == 0 ? 0 : -1;
	if (r < 0)
		fprintf(stderr, "airlock: cannot write report %s: %s\n", path, strerror(errno));
	return r;
}

static int write_text(const char *path, int fd, const char *text)
{
	int r = text && fd >= 0 && ftruncate(fd, 0) == 0 && al_write_all(fd, text, strlen(text)) == 0 &&
			al_write_all(fd, "\n", 1) == 0
		    ? 0
		    : -1;
	if (r < 0)
		fprintf(stderr, "airlock: cannot write %s: %s\n", path, strerror(errno));
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
static int supervise(al_ctx *ctx, al_config *cfg, struct run *run, al_sandbox **sbp, struct al_error *err)
{
	al_sandbox *sb;
	sigset_t sigs;
	cleanup_close int ep = epoll_create1(EPOLL_CLOEXEC), sfd = -1;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	if (run->tty)
		sigaddset(&sigs, SIGWINCH);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (ep < 0 || sfd < 0)
		return al_error_set(err, errno, "epoll/signalfd");
	/* Blocked only while the signalfd forwards them to the command; after
	 * it, a signal ends airlock as usual, whatever it then waits for. */
	cleanup_sigmask sigset_t old;
	sigprocmask(SIG_BLOCK, &sigs, &old);
	if (al_sandbox_start(ctx, cfg, on_event, run, &sb, err) < 0)
		return -1;
	*sbp = run->sb = sb;
	/* A sandbox whose setup failed refuses the command (its end of the
	 * socket is gone): its ENDED event then says why. */
	if (run->second_argv && al_sandbox_exec(sb, run->second_argv, NULL, &run->second, err) < 0)
		run->second = ~0u;
	/* A pipe or /dev/null takes the output straight from the sandbox's
	 * pipe (spliced, never copied here); a terminal goes through the
	 * relay's filter, a file or socket through its thread. */
	for (int fd = 1; fd <= 2; fd++)
		if (!relay_filters(run->relay, fd))
			(void)al_sandbox_set_sink(sb, fd, fd);
	relay_start(run->relay);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = sfd};
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = al_sandbox_fd(sb);
	epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	struct tty_session tty = {.master = -1};
	if (run->tty) {
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
				return 0;
			}
		}
	}
	al_error_set(err, errno, "epoll_wait");
	tty_end(&tty);
	return -1;
}

int cli_learn(int argc, char **argv) { return run_or_learn(argc, argv, true); }

int cli_run(int argc, char **argv) { return run_or_learn(argc, argv, false); }

static void config_freep(al_config **c) { al_config_free(*c); }
static void ctx_freep(al_ctx **c) { al_ctx_free(*c); }
static void sandbox_freep(al_sandbox **s) { al_sandbox_free(*s); }

/* --audit-log: the execution's record, then one per violation (syscall,
 * count) and per egress decision, all from the run's report; the output
 * only as its SHA-256 and size. */
static int audit_run(struct audit *a, struct run *run, const char *profile, char **argv, struct al_error *err)
{
	json_t *rep = run->report ? json_loads(run->report, 0, NULL) : NULL;
	json_t *f = json_object(), *args = json_array(); /* args: only hashed */
	char id[32];
	unsigned char rnd[8];
	randombytes_buf(rnd, sizeof(rnd));
	memcpy(id, "run-", 4);
	sodium_bin2hex(id + 4, sizeof(id) - 4, rnd, sizeof(rnd));
	crypto_hash_sha256_state argv_hash;
	crypto_hash_sha256_init(&argv_hash);
	for (char **p = argv; *p; p++) {
		json_array_append_new(args, json_string(*p));
		crypto_hash_sha256_update(&argv_hash, (const unsigned char *)*p, strlen(*p) + 1);
	}
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * sizeof(h) + 1];
	crypto_hash_sha256_final(&argv_hash, h);
	json_object_set_new(f, "caller_uid", json_integer((json_int_t)getuid()));
	json_object_set_new(f, "sandbox", json_string(id));
	json_object_set_new(f, "profile", json_string(profile));
	/* The program's name, the whole command line only as its hash (it may carry a token). */
	json_object_set_new(f, "program", json_string(argv[0] ? argv[0] : ""));
	json_decref(args);
	json_object_set_new(f, "argv_sha256", json_string(sodium_bin2hex(hex, sizeof(hex), h, sizeof(h))));
	if (argv[0] && strchr(argv[0], '/')) {
		uint64_t size = 0;
		json_t *code = audit_file_sha256_json(argv[0], &size);
		if (code)
			json_object_set_new(f, "program_sha256", code);
	}
	static const char *const keep[] = {"status", "exit_code", "signal", "error", "wall_ms", "cpu_ms",
					   "max_rss_kb", "limits", "cgroup", "landlock", "degraded", "host_uid"};
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		json_t *v = json_object_get(rep, keep[i]);
		if (v)
			json_object_set(f, keep[i], v);
	}
	if (!rep) {
		json_object_set_new(f, "status", json_string(run->status));
		json_object_set_new(f, "exit_code", json_integer(run->exit_code));
	}
	json_t *out = json_object();
	for (int i = 0; i < 2; i++) {
		crypto_hash_sha256_final(&run->out_hash[i], h);
		json_t *bytes = json_object_get(json_object_get(rep, "output_bytes"), i ? "stderr" : "stdout");
		json_object_set_new(out, i ? "stderr" : "stdout",
				    json_pack("{s:s,s:O?}", "sha256", sodium_bin2hex(hex, sizeof(hex), h, sizeof(h)),
					      "size", bytes));
	}
	json_object_set_new(f, "output", out);
	int r = audit_record(a, "execution", f, err);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(rep, "violations"), i, v)
	{
		if (r == 0)
			r = audit_record(a, "violation",
					 json_pack("{s:s,s:O?,s:O?,s:O?}", "sandbox", id, "syscall",
						   json_object_get(v, "syscall"), "response", json_object_get(v, "action"),
						   "count", json_object_get(v, "count")),
					 err);
	}
	json_array_foreach(json_object_get(rep, "network"), i, v)
	{
		if (r == 0) {
			json_t *e = json_deep_copy(v);
			json_object_set_new(e, "sandbox", json_string(id));
			r = audit_record(a, "egress", e, err);
		}
	}
	json_decref(rep);
	return r;
}

static int run_or_learn(int argc, char **argv, bool learn)
{
	struct al_error err = {0};
	const char *profile = "default", *report = NULL, *learned = NULL, *report_fd_arg = NULL;
	const char *audit_log = NULL, *audit_key = NULL;
	bool raw_escapes = false, stdin_given = false;
	int opt, idx;
	/* The options in order, applied once the profile is known. */
	const char **keys = calloc((size_t)argc + 1, sizeof(char *)),
		   **values = calloc((size_t)argc + 1, sizeof(char *));
	size_t nset = 0;
	__attribute__((cleanup(config_freep))) al_config *cfg = NULL;
	__attribute__((cleanup(ctx_freep))) al_ctx *ctx = NULL;
	__attribute__((cleanup(sandbox_freep))) al_sandbox *sb = NULL;
	struct run run = {0};

	if (!keys || !values) {
		free(keys);
		free(values);
		return setup_failed(&(struct al_error){ENOMEM, "airlock"});
	}
	while ((opt = getopt_long(argc, argv, "+", options, &idx)) != -1) {
		switch (opt) {
		case OPT_CONFIG:
			keys[nset] = options[idx].name;
			values[nset++] = options[idx].has_arg ? optarg : NULL;
			stdin_given |= strcmp(options[idx].name, "stdin") == 0;
			run.tty |= strcmp(options[idx].name, "tty") == 0;
			break;
		case OPT_PROFILE:
			profile = optarg;
			break;
		case OPT_REPORT:
			report = optarg;
			break;
		case OPT_REPORT_FD:
			report_fd_arg = optarg;
			break;
		case OPT_VERBOSE:
			al_log_level++;
			break;
		case OPT_HELP:
			free(keys);
			free(values);
			fputs(run_help, stdout);
			return 0;
		case OPT_OUTPUT_PROFILE:
			learned = optarg;
			break;
		case OPT_TERMINAL_ESCAPES:
			raw_escapes = true;
			break;
		case OPT_AUDIT_LOG:
			audit_log = optarg;
			break;
		case OPT_AUDIT_KEY:
			audit_key = optarg;
			break;
		default:
			free(keys);
			free(values);
			fputs(run_help, stderr);
			return EXIT_SETUP;
		}
	}
	int r = al_ctx_new(&ctx, &err) < 0 || al_config_new(ctx, profile, &cfg, &err) < 0 ? -1 : 0;
	for (size_t i = 0; i < nset && r == 0; i++)
		r = al_config_set(cfg, keys[i], values[i], &err) < 0 ? -1 : 0;
	free(keys);
	free(values);
	if (r < 0)
		return setup_failed(&err);
	bool late = false;
#ifdef AIRLOCK_TEST_SWITCHES
	/* Test builds only: switch one defence off for a negative control. */
	const char *off = getenv("AIRLOCK_TEST_DISABLE");
	if (off && *off && al_config_set(cfg, "test-disable", off, &err) < 0)
		return setup_failed(&err);
	late = off && strstr(off, "report-path");
#endif
	if (learn != (learned != NULL))
		return setup_failed(
		    &(struct al_error){0, "--output-profile FILE goes with airlock learn, and only with it"});
	if ((learn && al_config_set(cfg, "learn", NULL, &err) < 0) ||
	    al_config_set_argv(cfg, (const char *const *)argv + optind, &err) < 0 ||
	    al_config_check(cfg, &err) < 0)
		return setup_failed(&err);
#ifdef AIRLOCK_TEST_SWITCHES
	if (getenv("AIRLOCK_TEST_SECOND_COMMAND")) {
		static const char *const none[] = {NULL};
		run.second_argv = (const char *const *)argv + optind;
		if (al_config_set(cfg, "keep", NULL, &err) < 0 || al_config_set_argv(cfg, none, &err) < 0)
			return setup_failed(&err);
	}
#endif
	AL_TRACE("sup: options parsed, plan checked");
	/* A terminal handed over as stdin would be the command's to write to
	 * and reconfigure (escape sequences, stty), past the output filter. */
	if (stdin_given && isatty(0))
		return setup_failed(
		    &(struct al_error){0, "--stdin: stdin is a terminal; use --tty (a terminal of the "
					  "command's own), or pipe the input"});
	cleanup_close int report_fd = -1, learned_fd = -1;
	if (report_fd_arg) {
		/* The caller's own fd, as bubblewrap's --json-status-fd: found
		 * open and writable before the run; never one of stdio, which
		 * the command's output shares. */
		uint64_t n;
		int fl;
		if (report)
			return setup_failed(
			    &(struct al_error){0, "--report-fd and --report: one or the other"});
		if (al_parse_uint(report_fd_arg, 3, 1 << 20, &n, NULL) < 0 ||
		    (fl = fcntl((int)n, F_GETFL)) < 0 || (fl & O_ACCMODE) == O_RDONLY)
			return setup_failed(&(struct al_error){
			    0, "--report-fd: expected an open, writable file descriptor of 3 or above"});
		report = "fd";
		report_fd = fcntl((int)n, F_DUPFD_CLOEXEC, 3);
	}
	if ((!report_fd_arg && open_output("--report", report, late, &report_fd, &err) < 0) ||
	    open_output("--output-profile", learned, late, &learned_fd, &err) < 0)
		return setup_failed(&err);
	/* The log and its key are checked before anything runs: a run that
	 * cannot be recorded does not happen. */
	struct audit *audit = NULL;
	if (!audit_log != !audit_key)
		return setup_failed(&(struct al_error){0, "--audit-log FILE and --audit-key KEY go together"});
	if (audit_log) {
		struct audit_options ao = {.path = audit_log, .key = audit_key, .who = "run"};
		if (audit_open(&audit, &ao, &err) < 0)
			return setup_failed(&err);
		run.audit = true;
		crypto_hash_sha256_init(&run.out_hash[0]);
		crypto_hash_sha256_init(&run.out_hash[1]);
	}
	signal(SIGPIPE, SIG_IGN);
	/* The command's escape sequences reach a terminal only when asked for
	 * (src/ttysafe.h says why); a pipe or file gets its bytes untouched. */
#ifdef AIRLOCK_TEST_SWITCHES
	raw_escapes |= off && strstr(off, "tty-escapes");
#endif
	run.relay = relay_new(!raw_escapes && isatty(1), !raw_escapes && isatty(2));
	if (!run.relay)
		return setup_failed(&(struct al_error){0, "cannot start the output relay"});
	int sr = supervise(ctx, cfg, &run, &sb, &err);
	/* The command's output goes out before airlock's own lines and the report. */
	size_t dropped = relay_finish(run.relay);
	if (dropped)
		fprintf(
		    stderr,
		    "airlock: %zu bytes of output dropped: airlock's own output was not read fast enough\n",
		    dropped);
	if (sr < 0 || !run.ended) {
		char buf[640];
		snprintf(run.status, sizeof(run.status), "setup_error");
		run.exit_code = EXIT_SETUP;
		snprintf(run.error, sizeof(run.error), "%s", al_error_text(&err, buf, sizeof(buf)));
		free(run.report);
		run.report = al_config_error_report(cfg, &err);
	}
	if (strcmp(run.status, "setup_error") == 0)
		fprintf(stderr, "airlock: %s\n", run.error);
	int status = run.exit_code;
	if (audit) {
		if (audit_run(audit, &run, profile, argv + optind, &err) < 0) {
			char buf[640];
			fprintf(stderr, "airlock: audit log: %s\n", al_error_text(&err, buf, sizeof(buf)));
			status = EXIT_SETUP;
		}
		audit_close(audit);
	}
	if (al_log_level > 0)
		fprintf(stderr, "airlock: %s, exit %d, wall %.1f ms, cpu %.1f ms, peak %llu KiB\n",
			run.status, run.exit_code, run.wall_ms, run.cpu_ms,
			(unsigned long long)run.max_rss_kb);
	if (run.degraded[0])
		fprintf(stderr, "airlock: degraded: %s\n", run.degraded);
	if (run.quarantined[0])
		fprintf(stderr,
			"airlock: renamed out of git's way what the sandbox left for it to follow: %s\n",
			run.quarantined);
	if (late && report && !report_fd_arg && strcmp(report, "-") != 0)
		report_fd = open(report, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (late && learned)
		learned_fd = open(learned, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (report && write_report(report, report_fd, run.report, run.stdout_bytes > 0) < 0 && status == 0)
		status = EXIT_SETUP;
	if (learned && sb && strcmp(run.status, "setup_error") != 0) {
		char *text = al_sandbox_learned_profile(sb);
		if (write_text(learned, learned_fd, text) < 0 && status == 0)
			status = EXIT_SETUP;
		else if (strcmp(run.status, "exited") != 0 || run.exit_code != 0)
			fprintf(stderr,
				"airlock: the learning run did not succeed (%s); the profile covers only "
				"what it did\n",
				run.status);
		free(text);
	}
	free(run.report);
	AL_TRACE("sup: exit");
	return status;
}
