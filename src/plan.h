/* The plan: a profile plus command-line overrides, validated once into one
 * immutable description of a sandbox. Pure code: nothing here touches the
 * kernel, so all of it is unit-tested without root. */
#ifndef AIRLOCK_PLAN_H
#define AIRLOCK_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "net/rules.h"
#include "policy.h"

enum { AL_MAX_BINDS = 128, AL_MAX_ENV = 128, AL_MAX_ARGS = 4096, AL_MAX_ENV_DENY = 64 };

/* What a profile does with the caller's current directory. */
enum al_cwd_mode { AL_CWD_NONE, AL_CWD_RO, AL_CWD_RW };

struct al_bind {
	char *host;   /* absolute host path */
	char *inside; /* absolute path inside the sandbox */
	bool writable;
	bool optional; /* skipped when the host path does not exist */
	bool protect;  /* a path git runs things from: never a symlink; writable only as a directory */
	bool caller;   /* the caller's own (--ro, --rw, the cwd): id-mapped to the sandbox's root when run as
			  root */
};

struct al_limits {
	uint64_t memory;	  /* bytes of memory + swap, 0 = unlimited */
	uint64_t pids;		  /* processes and threads, 0 = unlimited */
	uint64_t cpu_weight;	  /* relative CPU share, 1..10000 (cgroup v2 units) */
	double time_s;		  /* wall clock, 0 = unlimited */
	double cpu_time_s;	  /* CPU time of the whole tree, 0 = unlimited */
	uint64_t output;	  /* bytes per stream (stdout, stderr) */
	uint64_t tmpfs_size;	  /* bytes, of /tmp and of the workdir (each its own tmpfs) */
	uint64_t open_files;	  /* RLIMIT_NOFILE */
	uint64_t file_size;	  /* RLIMIT_FSIZE */
	uint64_t net_connections; /* proxy connections at once */
	uint64_t net_bytes;	  /* bytes through the proxy per run, both ways, 0 = unlimited */
	double net_idle_s;	  /* a proxied connection with no traffic this long is closed */
};

/* Debug-only switches that turn one defence off, for the negative controls of
 * the containment suite. Only test builds (AIRLOCK_TEST_SWITCHES) honour them. */
#define AL_DEF_BIT(n) ((uint64_t)1 << (n))
enum al_defence {
	AL_DEF_USERNS_UID = 1u << 0, /* run as host root instead of an unprivileged uid */
	AL_DEF_MOUNT = 1u << 1,	     /* keep the host's root instead of a fresh one */
	AL_DEF_ENV = 1u << 2,	     /* pass the caller's whole environment */
	AL_DEF_NETNS = 1u << 3,
	AL_DEF_PIDNS = 1u << 4,
	AL_DEF_IPCNS = 1u << 5,
	AL_DEF_UTSNS = 1u << 6,
	AL_DEF_CAPS = 1u << 7, /* keep capabilities (in the user namespace) */
	AL_DEF_NNP = 1u << 8,
	AL_DEF_SECCOMP = 1u << 9,
	AL_DEF_CGROUP = 1u << 10, /* no cgroup limits at all */
	AL_DEF_RLIMITS = 1u << 11,
	AL_DEF_TIME = 1u << 12, /* no wall-clock limit */
	AL_DEF_CPU_TIME = 1u << 13,
	AL_DEF_OUTPUT = 1u << 14,
	AL_DEF_SETSID = 1u << 15, /* keep the caller's session and stdin */
	AL_DEF_DEV = 1u << 16,	  /* bind the host's whole /dev */
	AL_DEF_TMPFS_SIZE = 1u << 17,
	AL_DEF_DEATHSIG = 1u << 18, /* sandbox survives its supervisor */
	AL_DEF_CGROUPNS = 1u << 20,
	AL_DEF_PROC = 1u << 21,	    /* bind the host's /proc instead of a new one */
	AL_DEF_NOFOLLOW = 1u << 22, /* follow symlinks in bind paths (host and inside) */
	AL_DEF_GROUPS = 1u << 23,   /* keep the root supervisor's supplementary groups */
	AL_DEF_CMDLINE = 1u << 24,  /* leave the supervisor's arguments in /proc/1/cmdline */
	AL_DEF_LANDLOCK = 1u << 25,
	/* The proxy's checks, one switch each. */
	AL_DEF_PROXY_RULES = 1u << 19, /* every destination allowed, as if named by a rule */
	AL_DEF_PROXY_ADDR = 1u << 26,  /* loopback, private, link-local... addresses reachable */
	AL_DEF_PROXY_SNI = 1u << 27,   /* a tunnel's TLS server name not compared */
	AL_DEF_PROXY_HOST = 1u << 28,  /* a Host header naming another host forwarded */
	AL_DEF_PROXY_CHAIN = 1u << 29, /* CONNECT in a tunnel, a second request on a forwarded connection */
	AL_DEF_SECRET_ENV = 1u << 30,  /* a profile's env_deny patterns not applied */
	AL_DEF_AGENT_CWD = 1u << 31,   /* cwd binds of $HOME or above it allowed */
};
/* The switches past bit 31 (an enum constant is an int). */
#define AL_DEF_SETID AL_DEF_BIT(32)	      /* chmod/open/mknod may set set-uid/set-gid bits */
#define AL_DEF_GIT_RO AL_DEF_BIT(33)	      /* the agent's .git/config, hooks, info writable */
#define AL_DEF_HOME_RESOLVE AL_DEF_BIT(34)    /* $HOME compared as typed, not resolved */
#define AL_DEF_PROC_MASK AL_DEF_BIT(35)	      /* /proc/locks, /proc/cmdline... not masked */
#define AL_DEF_SC_INOTIFY AL_DEF_BIT(36)      /* inotify allowed */
#define AL_DEF_SC_PERSONALITY AL_DEF_BIT(37)  /* personality flags that weaken ASLR allowed */
#define AL_DEF_SC_MEMFD_SECRET AL_DEF_BIT(38) /* memfd_secret allowed */
#define AL_DEF_SC_UEVENT AL_DEF_BIT(39)	      /* NETLINK_KOBJECT_UEVENT sockets allowed */
#define AL_DEF_REPORT_PATH AL_DEF_BIT(40)     /* --report/--output-profile opened after the run */
#define AL_DEF_BUILTIN_ACTION AL_DEF_BIT(41)  /* built-in rules take the profile's action */
#define AL_DEF_BIND_CHECK AL_DEF_BIT(42)      /* binds of /proc, /sys, /dev, /, sockets allowed */
#define AL_DEF_TTY_ESCAPES AL_DEF_BIT(43)     /* terminal control sequences relayed as they are */
#define AL_DEF_PROXY_PIPELINE AL_DEF_BIT(44)  /* requests after the first in a tunnel unchecked */
#define AL_DEF_USERNS_SYSCTL AL_DEF_BIT(45)   /* the sandbox's per-user kernel counters uncapped */
#define AL_DEF_RLIMIT_KERNEL AL_DEF_BIT(46)   /* RLIMIT_SIGPENDING, _MSGQUEUE, _MEMLOCK as inherited */
#define AL_DEF_TCP_MEM AL_DEF_BIT(47)	      /* socket memory not charged to the v1 memory cgroup */
#define AL_DEF_NOTIFY_BUDGET AL_DEF_BIT(48)   /* the supervisor answers denied calls without bound */
#define AL_DEF_IDMAP                                                                                         \
	AL_DEF_BIT(49) /* the caller's binds not id-mapped (root: they belong to nobody inside) */
/* bits 50-55: free */
/* Whether the plan switches this defence off: every check reads through
 * here (only test builds can set any). */
#define al_off(plan, def) (((plan)->disabled & (def)) != 0)
/* "seccomp,mount" -> mask; unknown names are an error. */
int al_defences_parse(const char *list, uint64_t *out, struct al_error *err);

enum { AL_MAX_PORTS = 32 };

/* The port of the proxy's listening socket inside the sandbox (127.0.0.1). */
enum { AL_PROXY_PORT = 3128 };
#define AL_PROXY_URL "http://127.0.0.1:3128"

/* Landlock settings of a profile; the file-system rules follow the binds. */
struct al_landlock {
	bool required;	/* refuse to run on a kernel without Landlock */
	bool tcp_rules; /* TCP bind/connect limited to the lists below */
	uint16_t tcp_bind[AL_MAX_PORTS], tcp_connect[AL_MAX_PORTS];
	size_t ntcp_bind, ntcp_connect;
};

struct al_profile {
	char *name;
	char *description;
	struct al_bind binds[AL_MAX_BINDS];
	size_t nbinds;
	char *env[AL_MAX_ENV]; /* "NAME=VALUE" */
	size_t nenv;
	char *workdir;
	char *net;		       /* "none" or "allow:RULE[,RULE...]", as given */
	struct al_net_rules net_rules; /* net, parsed; n == 0: no network */
	struct al_limits limits;
	struct al_sc_policy seccomp;
	bool has_seccomp;
	struct al_landlock landlock; /* the profile had a "seccomp" section (for dumps) */
	/* The agent's shape (profile "agent"): */
	enum al_cwd_mode cwd;		 /* bind the caller's cwd at its own path, as the workdir */
	bool home_tmpfs;		 /* the caller's $HOME path: an empty tmpfs, and HOME */
	char *home_dir;			 /* set by the plan: where that tmpfs goes */
	char *env_deny[AL_MAX_ENV_DENY]; /* --env names matching these (fnmatch, any case) are refused */
	size_t nenv_deny;
};

/* Parse a profile from JSON text; errors name the field ("limits.memory: ..."). */
int al_profile_parse(const char *json, size_t len, struct al_profile *out, struct al_error *err);
/* Load a built-in profile by name, or a JSON file when name contains '/' or ends in .json. */
int al_profile_load(const char *name_or_path, struct al_profile *out, struct al_error *err);
/* The JSON text of a built-in profile, or NULL. */
const char *al_profile_builtin(const char *name, size_t *len);
/* Names of the built-in profiles, NULL-terminated. */
extern const char *const al_profile_names[];
/* The profile as JSON (caller frees). */
char *al_profile_dump(const struct al_profile *p);
void al_profile_free(struct al_profile *p);

/* Command-line or API overrides on top of a profile. */
struct al_overrides {
	const char *ro[AL_MAX_BINDS];
	size_t nro;
	const char *rw[AL_MAX_BINDS];
	size_t nrw;
	const char *env[AL_MAX_ENV]; /* NAME or NAME=VALUE */
	size_t nenv;
	const char *workdir;
	const char *memory, *pids, *cpu_weight, *time, *cpu_time, *output, *tmpfs_size, *open_files,
	    *file_size, *net_connections, *net_bytes, *net_idle;
	const char *net;
	const char *cwd;  /* the caller's current directory (resolved), for "cwd" profiles */
	const char *home; /* the caller's home, resolved (al_home_resolve), for "cwd"/"home" profiles */
	const char *home_passwd;  /* the passwd entry's home, resolved, if it differs: never bound either */
	bool git_writable;	  /* cwd profiles: leave .git/config, hooks, info... writable */
	bool stdin_inherit;	  /* the caller's stdin reaches the command (else /dev/null) */
	bool stdin_pipe;	  /* the first command's stdin is a pipe the caller writes (al_sandbox_take_stdin) */
	bool tty;		  /* the command's stdio is a new pseudo-terminal (interactive use) */
	bool ro_as_caller;	  /* as root: the caller's private read-only binds id-mapped too */
	const char *uid_range;	  /* "FIRST:COUNT", host uids used when run as root */
	const char *on_violation; /* "deny" (default) or "kill" */
	bool learn;		  /* allow and record every call but the built-in deny-list */
	bool keep;		  /* the sandbox outlives its first command (which may be absent) */
	const char *deadline;	  /* with keep: seconds the sandbox lives at most */
	bool allow_degraded;	  /* run without cgroups when they cannot be made */
	bool allow_unsafe_binds;  /* binds of /, /proc, /sys, /dev, sockets and devices */
	uint64_t disabled;	  /* al_defence mask (test builds only) */
};

struct al_plan {
	struct al_profile profile; /* binds, env, workdir, limits after overrides */
	char **argv;		   /* command, NULL-terminated */
	uint32_t uid_first, uid_count;
	bool allow_degraded;
	bool allow_unsafe_binds;
	bool stdin_inherit;
	bool stdin_pipe;
	bool tty;
	bool ro_as_caller;
	bool keep;	   /* stays up after its first command; argv may be empty */
	double deadline_s; /* with keep: torn down after this long, 0 = never */
	uint64_t disabled;
};

/* Build the plan. host_env is the caller's environment, consulted only for
 * "--env NAME" without a value. The plan owns copies of everything. */
int al_plan_build(const struct al_profile *profile, const struct al_overrides *ov, char *const argv[],
		  char *const host_env[], struct al_plan *out, struct al_error *err);
void al_plan_free(struct al_plan *plan);

/* Set one limit by its profile name ("memory") from a string; profiles and
 * command-line overrides share it, so both accept exactly the same syntax. */
int al_limit_set(struct al_limits *l, const char *name, const char *value, struct al_error *err);
/* An absolute path without "." or ".." components. */
bool al_path_ok(const char *path);
/* Parse "HOST[:INSIDE]" into a bind (pure). */
int al_bind_parse(const char *spec, bool writable, struct al_bind *out, struct al_error *err);

#endif
