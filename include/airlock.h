/* libairlock: run untrusted code in a sandbox, from your own event loop.
 *
 *   al_ctx       what is detected once per process (cgroup hierarchy,
 *                Landlock ABI, compiled seccomp filters); no globals.
 *   al_config    a profile plus overrides, set by name ("memory", "ro"...:
 *                the long options of `airlock run`); validated at start,
 *                with an error that names the bad field.
 *   al_sandbox   a running sandbox: watch al_sandbox_fd() for EPOLLIN in
 *                your loop and call al_sandbox_handle() when it is ready.
 *                Events (output, violations, network decisions, limits,
 *                exits) come to your callback as they happen.
 *
 * A sandbox started with the key "keep" outlives its first command: more
 * commands run in the same namespaces, cgroup and workspace, each with its
 * own id, output, status and violations; files go in and out; the
 * workspace can be snapshot and restored.
 *
 * Every handle is opaque: sizes may change between versions, the API does
 * not. Functions that can fail return a negative value and fill an
 * al_error (which may be NULL). The library never writes to stderr, never
 * calls exit() and never moves the calling process into another cgroup.
 * One handle is used by one thread at a time. */
#ifndef AIRLOCK_H
#define AIRLOCK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define AL_API __attribute__((visibility("default")))
#else
#define AL_API
#endif

#define AL_VERSION_MAJOR 0
#define AL_VERSION_MINOR 12

/* An error: errno of the failing call (0 for a validation error) and a
 * message that names the path or field. */
struct al_error {
	int errnum;
	char msg[512];
};
typedef struct al_error al_error;

typedef struct al_ctx al_ctx;
typedef struct al_config al_config;
typedef struct al_sandbox al_sandbox;

/* "0.12.0" */
AL_API const char *al_version(void);
/* The message, with ": strerror(errnum)" when errnum is set, in buf. */
AL_API const char *al_error_text(const al_error *err, char *buf, size_t len);

/* --- context --- */

/* Log lines: level 1 informative, 2 debug. The library's only output. */
typedef void (*al_log_fn)(void *user, int level, const char *line);

AL_API int al_ctx_new(al_ctx **out, al_error *err);
AL_API void al_ctx_set_log(al_ctx *ctx, al_log_fn fn, void *user);
/* Sandboxes freed while their processes still ran are reaped and their
 * cgroups removed here, without waiting: watch al_ctx_fd() (EPOLLIN) and
 * call al_ctx_handle(). al_ctx_free() finishes what is left (it waits). */
AL_API int al_ctx_fd(const al_ctx *ctx);
AL_API void al_ctx_handle(al_ctx *ctx);
/* What this machine offers, found without starting a sandbox, as JSON
 * (caller frees): {"version", "cgroup": {"version": "v1"|"v2"|"none",
 * "reason"}, "landlock_abi", "user_namespaces", "seccomp_notify",
 * "profiles": [...]}. */
AL_API char *al_ctx_features(al_ctx *ctx);
/* Every sandbox of the context must have been freed. */
AL_API void al_ctx_free(al_ctx *ctx);

/* --- configuration --- */

/* profile: a built-in name ("default", "python", "agent"...), a path to a
 * JSON profile (contains '/' or ends in .json), or NULL for "default". */
AL_API int al_config_new(al_ctx *ctx, const char *profile, al_config **out, al_error *err);
/* A profile given as JSON text. */
AL_API int al_config_new_json(al_ctx *ctx, const char *json, size_t len, al_config **out, al_error *err);
/* Set one option by its `airlock run` long name: "ro" "rw" "env" (add one
 * each call), "workdir" "memory" "pids" "cpu-time" "time" "cpu-weight"
 * "output" "tmpfs-size" "open-files" "file-size" "net" "net-connections"
 * "net-bytes" "net-idle" "uid-range" "on-violation" "cwd"; flags take
 * "true"/"false" (NULL: true): "stdin" "stdin-pipe" "tty" "ro-as-caller"
 * "allow-degraded" "allow-unsafe-binds" "git-writable" "learn"; and
 * "keep" (the sandbox stays up after its first command), "deadline"
 * (seconds a kept sandbox lives at most; default 3600, "unlimited").
 * Values are checked when the sandbox starts. */
AL_API int al_config_set(al_config *cfg, const char *key, const char *value, al_error *err);
/* The first command (copied). May be empty with "keep": al_sandbox_exec
 * then runs the commands. */
AL_API int al_config_set_argv(al_config *cfg, const char *const argv[], al_error *err);
/* Validate now (al_sandbox_start does it too). */
AL_API int al_config_check(al_config *cfg, al_error *err);
/* The profile after the overrides, as JSON (caller frees); NULL if invalid. */
AL_API char *al_config_profile_json(al_config *cfg, al_error *err);
/* The JSON run report of a sandbox that could not start (status
 * "setup_error", err's message), for callers that report every attempt. */
AL_API char *al_config_error_report(al_config *cfg, const al_error *err);
AL_API void al_config_free(al_config *cfg);

/* --- events --- */

enum al_event_kind {
	AL_EV_STARTED = 1, /* the sandbox is set up (cgroup, landlock, degraded, host_uid) */
	AL_EV_OUTPUT,	   /* stream, data, len: bytes the command wrote */
	AL_EV_VIOLATION,   /* syscall, action, args, pid: a call the policy refused */
	AL_EV_NETWORK,	   /* host, port, verdict, reason, address, method */
	AL_EV_LIMIT,	   /* limit: "time", "cpu_time", "memory", "pids", "output", "deadline" */
	AL_EV_EXITED,	   /* a command ended: status, exit_code, signal, wall_ms, error */
	AL_EV_ENDED,	   /* the sandbox is over: status, exit_code, ..., report (JSON) */
};

/* Owned by the library, valid during the callback only: copy what you keep.
 * Fields not named for an event kind are 0 or NULL. The struct may grow at
 * its end in later versions: never allocate or copy one yourself. */
struct al_event {
	enum al_event_kind kind;
	unsigned command; /* 0: the first command, then the ids al_sandbox_exec gave */
	int stream;	  /* OUTPUT: 1 stdout, 2 stderr */
	const char *data; /* OUTPUT */
	size_t len;
	const char *syscall, *action, *args; /* VIOLATION: action "errno", "kill" or "allow" (learn) */
	int pid;			     /* VIOLATION: the caller's pid inside */
	const char *host, *verdict, *reason, *address, *method; /* NETWORK */
	int port;
	const char *limit;  /* LIMIT */
	const char *status; /* EXITED, ENDED: "exited" "signaled" "timeout" "cpu_limit" "memory" "pids"
			       "output_limit" "violation" "setup_error" */
	int exit_code;	    /* EXITED, ENDED: the command's; 128+N for signal N; 125 setup error */
	int signal;
	double wall_ms, cpu_ms;	  /* EXITED: wall; ENDED: both, of the whole sandbox */
	uint64_t max_rss_kb;	  /* ENDED */
	const char *error;	  /* EXITED, ENDED: setup or exec error, NULL if none */
	const char *cgroup;	  /* STARTED: "v1" "v2" "none" */
	int landlock;		  /* STARTED: ABI applied, 0 none */
	const char *degraded;	  /* STARTED: what is weaker than asked, NULL if nothing */
	uint32_t host_uid;	  /* STARTED */
	const char *quarantined;  /* ENDED: files renamed out of git's way, NULL if none */
	const char *report;	  /* ENDED: the JSON run report */
	uint64_t output_bytes[2]; /* EXITED, ENDED: stdout, stderr */
	int truncated[2];	  /* EXITED, ENDED */
};
typedef void (*al_event_fn)(void *user, const struct al_event *ev);

/* --- sandboxes --- */

/* Start the sandbox (cfg may be freed afterwards). Events go to fn. */
AL_API int al_sandbox_start(al_ctx *ctx, al_config *cfg, al_event_fn fn, void *user, al_sandbox **out,
			    al_error *err);
/* The fd your loop watches (EPOLLIN): an epoll set of its own. */
AL_API int al_sandbox_fd(const al_sandbox *sb);
/* Handle what is ready, never waiting; 1 once the sandbox has ended. */
AL_API int al_sandbox_handle(al_sandbox *sb);
/* Send the first command's stream 1 or 2 straight to a pipe or /dev/null
 * (spliced, no copy; no OUTPUT events for it), before the first handle. */
AL_API int al_sandbox_set_sink(al_sandbox *sb, int stream, int fd);
/* With "tty": the terminal's master side (input, window size); else -1. */
AL_API int al_sandbox_tty_fd(const al_sandbox *sb);
/* With "stdin-pipe": the write end of the first command's stdin, once
 * (the caller owns it: what it writes is the command's input, its close
 * the command's end of file); -1 otherwise or after the first call. */
AL_API int al_sandbox_take_stdin(al_sandbox *sb);
/* Forward a signal to the first command (through the sandbox's init). */
AL_API void al_sandbox_signal(al_sandbox *sb, int sig);
/* End it now: every process of the sandbox is killed; ENDED follows. */
AL_API void al_sandbox_end(al_sandbox *sb);
/* The JSON report as it stands: after ENDED, al_sandbox_report's; before,
 * what it would say if the sandbox ended now, its figures read from the
 * cgroup now. A caller whose commands have all ended can answer with it
 * and free the sandbox at once: the teardown (init's exit, the cgroup's
 * removal) then happens off its path. Caller frees; NULL and err on
 * failure, and before ENDED for a sandbox without a cgroup (its figures
 * are then init's children's, known when init is reaped). */
AL_API char *al_sandbox_report_now(al_sandbox *sb, al_error *err);

/* Kept sandboxes ("keep"). Each call starts a command and gives its id;
 * its output, violations and EXITED event carry that id. */
/* Run argv with env (NULL: the profile's environment) in the workdir. */
AL_API int al_sandbox_exec(al_sandbox *sb, const char *const argv[], const char *const env[], unsigned *id,
			   al_error *err);
/* The same, with these bytes as the command's stdin (then end of file). */
AL_API int al_sandbox_exec_input(al_sandbox *sb, const char *const argv[], const char *const env[],
				 const void *input, size_t len, unsigned *id, al_error *err);
/* Write a file of the workspace (path relative to the workdir, or
 * absolute inside it) with these bytes, making its missing parent
 * directories (0755; never through a symlink); EXITED with exit_code 0
 * once done. */
AL_API int al_sandbox_put_file(al_sandbox *sb, const char *path, const void *data, size_t len, unsigned mode,
			       unsigned *id, al_error *err);
/* Read a file of the workspace: its bytes arrive as OUTPUT (stream 1). */
AL_API int al_sandbox_get_file(al_sandbox *sb, const char *path, unsigned *id, al_error *err);
/* The whole workspace as an archive, arriving as OUTPUT (stream 1). */
AL_API int al_sandbox_snapshot(al_sandbox *sb, unsigned *id, al_error *err);
/* Replace the workspace with an archive that al_sandbox_snapshot made. */
AL_API int al_sandbox_restore(al_sandbox *sb, const void *archive, size_t len, unsigned *id, al_error *err);
/* Send a signal to one command (its process group). */
AL_API int al_sandbox_kill(al_sandbox *sb, unsigned id, int sig);
/* Start a running command's clock again: its time limit, its wall time
 * and its output limit count from now (a command that waits for work,
 * such as a pre-started interpreter, is measured per piece of work). */
AL_API int al_sandbox_restart_clock(al_sandbox *sb, unsigned id);

/* After ENDED: how it ended. */
AL_API const char *al_sandbox_status(const al_sandbox *sb);
/* The exit status airlock run gives: the command's, 128+N, 125. */
AL_API int al_sandbox_exit_code(const al_sandbox *sb);
/* The JSON run report (caller frees). */
AL_API char *al_sandbox_report(const al_sandbox *sb);
/* Learn mode: the profile with an allow-list of the calls the run made
 * (caller frees); NULL when not learning. */
AL_API char *al_sandbox_learned_profile(const al_sandbox *sb);
/* Kill what is left and free. Never waits: a sandbox still running is
 * finished by its context (al_ctx_handle, al_ctx_free). */
AL_API void al_sandbox_free(al_sandbox *sb);

#ifdef __cplusplus
}
#endif
#endif
