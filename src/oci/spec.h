/* An OCI bundle's config.json (runtime-spec 1.x), parsed with jansson into
 * a plain struct: pure code, fuzzed (tests/fuzz/fuzz_oci_spec.c). Whatever
 * airlock-oci cannot honour is refused here, naming the field, so that a
 * container never runs with less than its config asked for. */
#ifndef AIRLOCK_OCI_SPEC_H
#define AIRLOCK_OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum {
	OCI_MAX_CONFIG = 4 << 20, /* bytes of config.json */
	OCI_MAX_LIST = 1024,	  /* entries of any one array */
	OCI_MAX_STRING = 65536,	  /* bytes of any one string */
	OCI_NCAPSETS = 5,
	OCI_MAX_ARGS = 6,
};

enum oci_ns {
	OCI_NS_PID,
	OCI_NS_NET,
	OCI_NS_MNT,
	OCI_NS_IPC,
	OCI_NS_UTS,
	OCI_NS_USER,
	OCI_NS_CGROUP,
	OCI_NS_N
};
enum oci_capset {
	OCI_CAP_BOUNDING,
	OCI_CAP_EFFECTIVE,
	OCI_CAP_INHERITABLE,
	OCI_CAP_PERMITTED,
	OCI_CAP_AMBIENT
};

struct oci_rlimit {
	int resource;
	uint64_t soft, hard;
};

struct oci_process {
	bool terminal;
	unsigned short rows, cols; /* consoleSize, 0 = none */
	uid_t uid;
	gid_t gid;
	gid_t *gids;
	size_t ngids;
	int umask;	    /* -1: unset */
	char **args, **env; /* NULL-terminated */
	char *cwd;
	bool has_caps;
	uint64_t caps[OCI_NCAPSETS];
	struct oci_rlimit *rlimits;
	size_t nrlimits;
	bool no_new_privs;
	char *apparmor, *selinux; /* the label to exec into, or NULL */
	bool has_oom_score;
	int oom_score_adj;
};

struct oci_mount {
	char *dest, *type, *source;
	unsigned long flags;	       /* MS_* for the mount itself */
	unsigned long propagation;     /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (| MS_REC) */
	uint64_t rattr_set, rattr_clr; /* "rro"...: MOUNT_ATTR_* for the mount and all below it */
	bool bind, recursive;
	char *data; /* the options the kernel takes as text ("mode=755,size=65536k") */
};

struct oci_hook {
	char *path;
	char **args, **env;
	int timeout; /* seconds, 0 = none */
};

struct oci_hooks {
	struct oci_hook *prestart, *create_runtime, *poststart, *poststop;
	size_t nprestart, ncreate_runtime, npoststart, npoststop;
	/* Run by the container's init, in its namespaces: createContainer
	 * before pivot_root (path in the runtime's root), startContainer just
	 * before the process's execve (path in the container's root). */
	struct oci_hook *create_container, *start_container;
	size_t ncreate_container, nstart_container;
};

struct oci_idmap {
	uint32_t container, host, size;
};

struct oci_device {
	char *path;
	char type; /* c, b, u, p */
	int64_t major, minor;
	uint32_t mode;
	uid_t uid;
	gid_t gid;
};

struct oci_dev_rule {
	bool allow;
	char type;	      /* a, c, b */
	int64_t major, minor; /* -1 = any */
	char access[4];
};

struct oci_resources {
	int64_t mem_limit, mem_swap, mem_reservation; /* -1 or 0 = unset; -1 also "unlimited" */
	int64_t swappiness;			      /* -1 = unset */
	bool disable_oom_killer;
	int64_t pids_limit; /* 0 = unset, -1 = unlimited */
	uint64_t cpu_shares, cpu_period;
	int64_t cpu_quota; /* 0 = unset */
	char *cpus, *mems;
	struct oci_dev_rule *devices;
	size_t ndevices;
	char **unified; /* key, value, key, value, ..., NULL (cgroup v2 files) */
	struct {
		char size[16]; /* "2MB" */
		uint64_t limit;
	} hugepages[8];
	size_t nhugepages;
};

struct oci_sc_arg {
	unsigned index;
	uint64_t value, value2;
	int op; /* enum scmp_compare */
};
struct oci_sc_rule {
	char **names;	 /* NULL-terminated */
	uint32_t action; /* SCMP_ACT_* */
	struct oci_sc_arg args[OCI_MAX_ARGS];
	size_t nargs;
};
struct oci_seccomp {
	uint32_t default_action;
	uint32_t *archs; /* SCMP_ARCH_* */
	size_t narchs;
	bool flag_log, flag_spec_allow;
	struct oci_sc_rule *rules;
	size_t nrules;
};

struct oci_spec {
	char *version;
	char *root_path;
	bool root_readonly;
	struct oci_process process;
	char *hostname, *domainname;
	struct oci_mount *mounts;
	size_t nmounts;
	struct oci_hooks hooks;
	char *airlock_profile;	/* annotation run.airlock.profile */
	bool airlock_init;	/* annotation run.airlock.init=true: airlock's pid 1 */
	char *annotations_json; /* the annotations object as JSON text, for state */
	/* linux */
	bool ns_new[OCI_NS_N];
	char *ns_path[OCI_NS_N]; /* join this one instead of making one */
	struct oci_idmap *uid_map, *gid_map;
	size_t nuid_map, ngid_map;
	struct oci_device *devices;
	size_t ndevices;
	char *cgroups_path;
	struct oci_resources res;
	char **sysctl;			  /* key, value, ..., NULL */
	struct oci_seccomp *seccomp;	  /* NULL: none */
	char **masked, **readonly;	  /* NULL-terminated */
	unsigned long rootfs_propagation; /* 0: MS_REC|MS_SLAVE (the default) */
};

/* Parse config.json's text. Errors name the field ("linux.resources.blockIO: not supported"). */
int oci_spec_parse(const char *json, size_t len, struct oci_spec *out, struct al_error *err);
/* A "process" object alone (airlock-oci exec --process FILE). */
int oci_process_parse(const char *json, size_t len, struct oci_process *out, struct al_error *err);
/* A linux.resources object alone (airlock-oci update --resources FILE). */
int oci_resources_parse(const char *json, size_t len, struct oci_resources *out, struct al_error *err);
void oci_resources_free(struct oci_resources *r);
void oci_spec_free(struct oci_spec *s);
void oci_process_free(struct oci_process *p);
/* Whether linux.resources.devices lets the container read or write this
 * device (type 'c' or 'b'). */
bool oci_device_allowed(const struct oci_resources *res, char type, int64_t major, int64_t minor);
/* "SIGKILL", "KILL", "9" -> 9; -1 when unknown. */
int oci_signal_parse(const char *s);
/* Capability name -> number, or -1. */
int oci_cap_number(const char *name);
/* Number -> name without CAP_ ("SYS_ADMIN"), NULL past the last known. */
const char *oci_cap_name(int nr);
/* runc's cgroupsPath in the systemd form "slice:prefix:name" into a
 * cgroupfs path ("/machine.slice/libpod-ID.scope"); 0 or -1. */
int oci_systemd_path(const char *spec, char *out, size_t len);
extern const char *const oci_ns_names[OCI_NS_N];

#endif
