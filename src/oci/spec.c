/* config.json into struct oci_spec. Every object's keys are checked
 * against what is honoured: an unknown key, or a known one airlock-oci
 * cannot honour given a value that asks for something, is an error naming
 * it. Sizes are bounded (OCI_MAX_*). */
#include "oci/spec.h"

#include <errno.h>
#include <jansson.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "util.h"

const char *const oci_ns_names[OCI_NS_N] = {"pid", "network", "mount", "ipc", "uts", "user", "cgroup"};

/* Keys an object may have; anything else is refused by name. */
static int keys_check(json_t *o, const char *where, const char *const *known, struct al_error *err)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		bool ok = false;
		for (size_t i = 0; known[i] && !ok; i++)
			ok = strcmp(known[i], k) == 0;
		if (!ok)
			return al_error_set(err, EINVAL, "%s%s%s: not supported by airlock-oci", where,
					    *where ? "." : "", k);
	}
	return 0;
}

/* A value that asks for nothing: null, false, 0, "", [] or {}. */
static bool empty_p(json_t *v)
{
	return !v || json_is_null(v) || json_is_false(v) ||
	       (json_is_integer(v) && json_integer_value(v) == 0) ||
	       (json_is_string(v) && json_string_length(v) == 0) ||
	       (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && json_object_size(v) == 0);
}

static int unsupported(json_t *o, const char *where, const char *key, struct al_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!empty_p(v))
		return al_error_set(err, EINVAL, "%s.%s: not supported by airlock-oci", where, key);
	return 0;
}

static int get_str(json_t *o, const char *key, const char *where, bool required, char **out,
		   struct al_error *err)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return al_error_set(err, EINVAL, "%s.%s: missing", where, key);
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) > OCI_MAX_STRING ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return al_error_set(err, EINVAL, "%s.%s: not a string (or too long, or with a NUL)", where,
				    key);
	*out = strdup(json_string_value(v));
	return *out ? 0 : al_error_set(err, ENOMEM, "%s.%s", where, key);
}

static int get_int(json_t *o, const char *key, const char *where, int64_t min, int64_t max, int64_t *out,
		   struct al_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return al_error_set(err, EINVAL, "%s.%s: not an integer in [%lld, %lld]", where, key,
				    (long long)min, (long long)max);
	*out = json_integer_value(v);
	return 0;
}

/* A u64 that jansson may hold as a negative (> INT64_MAX): seccomp values. */
static int get_u64(json_t *o, const char *key, const char *where, uint64_t *out, struct al_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return al_error_set(err, EINVAL, "%s.%s: not an integer", where, key);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_bool(json_t *o, const char *key, const char *where, bool *out, struct al_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return al_error_set(err, EINVAL, "%s.%s: not a boolean", where, key);
	*out = json_is_true(v);
	return 0;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* An array of strings into a NULL-terminated vector (NULL when absent). */
static int get_strv(json_t *o, const char *key, const char *where, char ***out, struct al_error *err)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;
	*out = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > OCI_MAX_LIST)
		return al_error_set(err, EINVAL, "%s.%s: not an array (of at most %d)", where, key,
				    OCI_MAX_LIST);
	char **r = calloc(json_array_size(a) + 1, sizeof(*r));
	if (!r)
		return al_error_set(err, ENOMEM, "%s.%s", where, key);
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) > OCI_MAX_STRING ||
		    strlen(json_string_value(v)) != json_string_length(v) ||
		    !(r[i] = strdup(json_string_value(v)))) {
			strv_free(r);
			return al_error_set(err, EINVAL, "%s.%s[%zu]: not a string", where, key, i);
		}
	}
	*out = r;
	return 0;
}

/* An object of strings into key, value, ..., NULL. */
static int get_strmap(json_t *o, const char *key, const char *where, char ***out, struct al_error *err)
{
	json_t *m = json_object_get(o, key), *v;
	const char *k;
	size_t i = 0;
	*out = NULL;
	if (!m || json_is_null(m))
		return 0;
	if (!json_is_object(m) || json_object_size(m) > OCI_MAX_LIST)
		return al_error_set(err, EINVAL, "%s.%s: not an object (of at most %d)", where, key,
				    OCI_MAX_LIST);
	char **r = calloc(2 * json_object_size(m) + 1, sizeof(*r));
	if (!r)
		return al_error_set(err, ENOMEM, "%s.%s", where, key);
	json_object_foreach(m, k, v)
	{
		if (!json_is_string(v) || json_string_length(v) > OCI_MAX_STRING ||
		    strlen(json_string_value(v)) != json_string_length(v) || !(r[i] = strdup(k)) ||
		    !(r[i + 1] = strdup(json_string_value(v)))) {
			strv_free(r);
			return al_error_set(err, EINVAL, "%s.%s.%s: not a string", where, key, k);
		}
		i += 2;
	}
	*out = r;
	return 0;
}

static json_t *get_array(json_t *o, const char *key, const char *where, struct al_error *err, bool *bad)
{
	json_t *a = json_object_get(o, key);
	*bad = false;
	if (!a || json_is_null(a))
		return NULL;
	if (!json_is_array(a) || json_array_size(a) > OCI_MAX_LIST) {
		al_error_set(err, EINVAL, "%s.%s: not an array (of at most %d)", where, key, OCI_MAX_LIST);
		*bad = true;
		return NULL;
	}
	return a;
}

static json_t *get_object(json_t *o, const char *key, const char *where, struct al_error *err, bool *bad)
{
	json_t *v = json_object_get(o, key);
	*bad = false;
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_object(v)) {
		al_error_set(err, EINVAL, "%s.%s: not an object", where, key);
		*bad = true;
		return NULL;
	}
	return v;
}

/* --- names */

static const char *const cap_names[] = {"CHOWN",
					"DAC_OVERRIDE",
					"DAC_READ_SEARCH",
					"FOWNER",
					"FSETID",
					"KILL",
					"SETGID",
					"SETUID",
					"SETPCAP",
					"LINUX_IMMUTABLE",
					"NET_BIND_SERVICE",
					"NET_BROADCAST",
					"NET_ADMIN",
					"NET_RAW",
					"IPC_LOCK",
					"IPC_OWNER",
					"SYS_MODULE",
					"SYS_RAWIO",
					"SYS_CHROOT",
					"SYS_PTRACE",
					"SYS_PACCT",
					"SYS_ADMIN",
					"SYS_BOOT",
					"SYS_NICE",
					"SYS_RESOURCE",
					"SYS_TIME",
					"SYS_TTY_CONFIG",
					"MKNOD",
					"LEASE",
					"AUDIT_WRITE",
					"AUDIT_CONTROL",
					"SETFCAP",
					"MAC_OVERRIDE",
					"MAC_ADMIN",
					"SYSLOG",
					"WAKE_ALARM",
					"BLOCK_SUSPEND",
					"AUDIT_READ",
					"PERFMON",
					"BPF",
					"CHECKPOINT_RESTORE"};

const char *oci_cap_name(int nr)
{
	return nr >= 0 && (size_t)nr < ARRAY_SIZE(cap_names) ? cap_names[nr] : NULL;
}

int oci_cap_number(const char *name)
{
	if (strncasecmp(name, "CAP_", 4) != 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (strcasecmp(name + 4, cap_names[i]) == 0)
			return (int)i;
	return -1;
}

static const struct {
	const char *name;
	int nr;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},	      {"QUIT", SIGQUIT}, {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"IOT", SIGIOT},	      {"BUS", SIGBUS},	 {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},     {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL}, {"PWR", SIGPWR},	      {"SYS", SIGSYS},
};

int oci_signal_parse(const char *s)
{
	uint64_t n;
	if (!s || !*s)
		return -1;
	if (al_parse_uint(s, 1, 64, &n, NULL) == 0)
		return (int)n;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].nr;
	if (strncasecmp(s, "RTMIN+", 6) == 0 && al_parse_uint(s + 6, 0, 30, &n, NULL) == 0)
		return SIGRTMIN + (int)n;
	return -1;
}

static const struct {
	const char *name;
	int nr;
} rlimits[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},		  {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},	  {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},	  {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},	  {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},	  {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},	  {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},	  {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

/* --- process */

void oci_process_free(struct oci_process *p)
{
	free(p->apparmor);
	free(p->selinux);
	free(p->gids);
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

static int parse_caps(json_t *c, struct oci_process *p, struct al_error *err)
{
	static const char *const sets[OCI_NCAPSETS] = {"bounding", "effective", "inheritable", "permitted",
						       "ambient"};
	static const char *const known[] = {"bounding",	 "effective", "inheritable",
					    "permitted", "ambient",   NULL};
	if (!json_is_object(c))
		return al_error_set(err, EINVAL, "process.capabilities: not an object");
	if (keys_check(c, "process.capabilities", known, err) < 0)
		return -1;
	p->has_caps = true;
	for (int s = 0; s < OCI_NCAPSETS; s++) {
		char **names;
		char where[64];
		snprintf(where, sizeof(where), "process.capabilities");
		if (get_strv(c, sets[s], where, &names, err) < 0)
			return -1;
		for (size_t i = 0; names && names[i]; i++) {
			int n = oci_cap_number(names[i]);
			if (n < 0) {
				al_error_set(err, EINVAL, "process.capabilities.%s: unknown capability %s",
					     sets[s], names[i]);
				strv_free(names);
				return -1;
			}
			p->caps[s] |= 1ULL << n;
		}
		strv_free(names);
	}
	return 0;
}

static int parse_process(json_t *o, struct oci_process *p, struct al_error *err)
{
	static const char *const known[] = {"terminal",
					    "consoleSize",
					    "user",
					    "args",
					    "commandLine",
					    "env",
					    "cwd",
					    "capabilities",
					    "rlimits",
					    "noNewPrivileges",
					    "apparmorProfile",
					    "oomScoreAdj",
					    "selinuxLabel",
					    "scheduler",
					    "ioPriority",
					    "execCPUAffinity",
					    NULL};
	const char *w = "process";
	bool bad;
	memset(p, 0, sizeof(*p));
	p->umask = -1;
	if (!json_is_object(o))
		return al_error_set(err, EINVAL, "process: not an object");
	if (keys_check(o, w, known, err) < 0 || unsupported(o, w, "commandLine", err) < 0 ||
	    get_str(o, "apparmorProfile", w, false, &p->apparmor, err) < 0 ||
	    get_str(o, "selinuxLabel", w, false, &p->selinux, err) < 0 ||
	    unsupported(o, w, "scheduler", err) < 0 || unsupported(o, w, "ioPriority", err) < 0 ||
	    unsupported(o, w, "execCPUAffinity", err) < 0)
		return -1;
	if (get_bool(o, "terminal", w, &p->terminal, err) < 0 || get_strv(o, "args", w, &p->args, err) < 0 ||
	    get_strv(o, "env", w, &p->env, err) < 0 || get_str(o, "cwd", w, true, &p->cwd, err) < 0 ||
	    get_bool(o, "noNewPrivileges", w, &p->no_new_privs, err) < 0)
		return -1;
	if (!p->args || !p->args[0])
		return al_error_set(err, EINVAL, "process.args: missing or empty");
	if ((p->apparmor && strpbrk(p->apparmor, "\n")) || (p->selinux && strpbrk(p->selinux, "\n")))
		return al_error_set(err, EINVAL, "process.apparmorProfile/selinuxLabel: a newline in it");
	if (p->cwd[0] != '/')
		return al_error_set(err, EINVAL, "process.cwd: not an absolute path");
	json_t *cs = get_object(o, "consoleSize", w, err, &bad);
	if (bad)
		return -1;
	if (cs) {
		static const char *const k[] = {"height", "width", NULL};
		int64_t h = 0, wd = 0;
		if (keys_check(cs, "process.consoleSize", k, err) < 0 ||
		    get_int(cs, "height", "process.consoleSize", 0, 65535, &h, err) < 0 ||
		    get_int(cs, "width", "process.consoleSize", 0, 65535, &wd, err) < 0)
			return -1;
		p->rows = (unsigned short)h;
		p->cols = (unsigned short)wd;
	}
	json_t *u = get_object(o, "user", w, err, &bad);
	if (bad)
		return -1;
	if (!u)
		return al_error_set(err, EINVAL, "process.user: missing");
	static const char *const uk[] = {"uid", "gid", "umask", "additionalGids", "username", NULL};
	int64_t uid = 0, gid = 0, um = -1;
	if (keys_check(u, "process.user", uk, err) < 0 ||
	    unsupported(u, "process.user", "username", err) < 0 ||
	    get_int(u, "uid", "process.user", 0, UINT32_MAX - 1, &uid, err) < 0 ||
	    get_int(u, "gid", "process.user", 0, UINT32_MAX - 1, &gid, err) < 0 ||
	    get_int(u, "umask", "process.user", 0, 0777, &um, err) < 0)
		return -1;
	p->uid = (uid_t)uid;
	p->gid = (gid_t)gid;
	p->umask = (int)um;
	json_t *ag = get_array(u, "additionalGids", "process.user", err, &bad), *v;
	size_t i;
	if (bad)
		return -1;
	if (ag) {
		p->gids = calloc(json_array_size(ag) + 1, sizeof(gid_t));
		if (!p->gids)
			return al_error_set(err, ENOMEM, "additionalGids");
		json_array_foreach(ag, i, v)
		{
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) >= UINT32_MAX)
				return al_error_set(err, EINVAL,
						    "process.user.additionalGids[%zu]: not a gid", i);
			p->gids[p->ngids++] = (gid_t)json_integer_value(v);
		}
	}
	json_t *c = json_object_get(o, "capabilities");
	if (c && !json_is_null(c) && parse_caps(c, p, err) < 0)
		return -1;
	json_t *rl = get_array(o, "rlimits", w, err, &bad);
	if (bad)
		return -1;
	if (rl) {
		p->rlimits = calloc(json_array_size(rl) + 1, sizeof(*p->rlimits));
		if (!p->rlimits)
			return al_error_set(err, ENOMEM, "rlimits");
		json_array_foreach(rl, i, v)
		{
			static const char *const rk[] = {"type", "soft", "hard", NULL};
			char *type = NULL;
			if (!json_is_object(v))
				return al_error_set(err, EINVAL, "process.rlimits[%zu]: not an object", i);
			uint64_t soft = 0, hard = 0;
			if (keys_check(v, "process.rlimits[]", rk, err) < 0 ||
			    get_str(v, "type", "process.rlimits[]", true, &type, err) < 0 ||
			    get_u64(v, "soft", "process.rlimits[]", &soft, err) < 0 ||
			    get_u64(v, "hard", "process.rlimits[]", &hard, err) < 0) {
				free(type);
				return -1;
			}
			int res = -1;
			for (size_t j = 0; j < ARRAY_SIZE(rlimits); j++)
				if (strcmp(rlimits[j].name, type) == 0)
					res = rlimits[j].nr;
			if (res < 0) {
				al_error_set(err, EINVAL, "process.rlimits[%zu].type: unknown %s", i, type);
				free(type);
				return -1;
			}
			free(type);
			if (soft > hard)
				return al_error_set(err, EINVAL, "process.rlimits[%zu]: soft above hard", i);
			p->rlimits[p->nrlimits++] = (struct oci_rlimit){res, soft, hard};
		}
	}
	int64_t oom = 0;
	if (json_object_get(o, "oomScoreAdj")) {
		if (get_int(o, "oomScoreAdj", w, -1000, 1000, &oom, err) < 0)
			return -1;
		p->has_oom_score = true;
		p->oom_score_adj = (int)oom;
	}
	return 0;
}

/* The text as JSON, bounded; what: the file, for the error. */
static json_t *load_json(const char *json, size_t len, const char *what, struct al_error *err)
{
	json_error_t je;
	if (len > OCI_MAX_CONFIG) {
		al_error_set(err, EFBIG, "%s: more than %d bytes", what, OCI_MAX_CONFIG);
		return NULL;
	}
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		al_error_set(err, EINVAL, "%s: line %d: %s", what, je.line, je.text);
	return root;
}

int oci_process_parse(const char *json, size_t len, struct oci_process *out, struct al_error *err)
{
	memset(out, 0, sizeof(*out));
	json_t *root = load_json(json, len, "process", err);
	if (!root)
		return -1;
	int r = parse_process(root, out, err);
	json_decref(root);
	if (r < 0)
		oci_process_free(out);
	return r;
}

/* --- mounts */

static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} mount_flags[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"defaults", false, 0},
};

static const struct {
	const char *name;
	unsigned long flag;
} propagations[] = {
    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* Recursive attributes (mount_setattr with AT_RECURSIVE), runc's "rro"...:
 * what each sets and clears (MOUNT_ATTR_*; the atime ones share a field). */
static const struct {
	const char *name;
	uint64_t set, clr;
} recursive_attrs[] = {
    {"rro", 0x1, 0},	      {"rrw", 0, 0x1},	      {"rnosuid", 0x2, 0},	    {"rsuid", 0, 0x2},
    {"rnodev", 0x4, 0},	      {"rdev", 0, 0x4},	      {"rnoexec", 0x8, 0},	    {"rexec", 0, 0x8},
    {"rnoatime", 0x10, 0x70}, {"rrelatime", 0, 0x70}, {"rstrictatime", 0x20, 0x70}, {"rnodiratime", 0x80, 0},
    {"rdiratime", 0, 0x80},
};

static int parse_mount(json_t *m, size_t idx, struct oci_mount *out, struct al_error *err)
{
	static const char *const known[] = {"destination", "type",	  "source", "options",
					    "uidMappings", "gidMappings", NULL};
	char **opts = NULL;
	char where[48];
	snprintf(where, sizeof(where), "mounts[%zu]", idx);
	if (!json_is_object(m))
		return al_error_set(err, EINVAL, "%s: not an object", where);
	if (keys_check(m, where, known, err) < 0 || unsupported(m, where, "uidMappings", err) < 0 ||
	    unsupported(m, where, "gidMappings", err) < 0 ||
	    get_str(m, "destination", where, true, &out->dest, err) < 0 ||
	    get_str(m, "type", where, false, &out->type, err) < 0 ||
	    get_str(m, "source", where, false, &out->source, err) < 0 ||
	    get_strv(m, "options", where, &opts, err) < 0)
		return -1;
	if (out->dest[0] != '/')
		return strv_free(opts),
		       al_error_set(err, EINVAL, "%s.destination: not absolute: %s", where, out->dest);
	size_t cap = 1, used = 0;
	for (size_t i = 0; opts && opts[i]; i++)
		cap += strlen(opts[i]) + 1;
	out->data = calloc(1, cap);
	if (!out->data)
		return strv_free(opts), al_error_set(err, ENOMEM, "%s", where);
	/* A bind takes no data: what it does not know is an error below. */
	if (out->type && strcmp(out->type, "bind") == 0)
		out->bind = true;
	for (size_t i = 0; opts && opts[i]; i++)
		if (strcmp(opts[i], "bind") == 0 || strcmp(opts[i], "rbind") == 0)
			out->bind = true;
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *o = opts[i];
		bool done = false;
		if (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0) {
			out->bind = true;
			out->recursive |= o[0] == 'r';
			continue;
		}
		for (size_t j = 0; j < ARRAY_SIZE(mount_flags) && !done; j++)
			if (strcmp(o, mount_flags[j].name) == 0) {
				if (mount_flags[j].clear)
					out->flags &= ~mount_flags[j].flag;
				else
					out->flags |= mount_flags[j].flag;
				done = true;
			}
		for (size_t j = 0; j < ARRAY_SIZE(propagations) && !done; j++)
			if (strcmp(o, propagations[j].name) == 0) {
				out->propagation = propagations[j].flag;
				done = true;
			}
		for (size_t j = 0; j < ARRAY_SIZE(recursive_attrs) && !done; j++)
			if (strcmp(o, recursive_attrs[j].name) == 0) {
				out->rattr_set &= ~recursive_attrs[j].clr;
				out->rattr_clr |= recursive_attrs[j].clr;
				out->rattr_set |= recursive_attrs[j].set;
				out->rattr_clr &= ~recursive_attrs[j].set;
				done = true;
			}
		if (done)
			continue;
		/* Options the kernel parses itself ("mode=755", "size=64m", "newinstance"). */
		if (strchr(o, ',') || (out->bind && !strchr(o, '='))) {
			al_error_set(err, EINVAL, "%s.options: %s: not supported by airlock-oci", where, o);
			strv_free(opts);
			return -1;
		}
		used += (size_t)snprintf(out->data + used, cap - used, "%s%s", used ? "," : "", o);
	}
	strv_free(opts);
	if (out->bind && *out->data)
		return al_error_set(err, EINVAL, "%s.options: %s: not supported by airlock-oci for a bind",
				    where, out->data);
	if (!out->type && !out->bind)
		return al_error_set(err, EINVAL, "%s.type: missing (and not a bind mount)", where);
	if (out->type && strcmp(out->type, "bind") == 0)
		out->bind = true;
	if (out->bind && !out->source)
		return al_error_set(err, EINVAL, "%s.source: a bind mount needs one", where);
	return 0;
}

/* --- hooks */

static void hooks_free(struct oci_hook *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].path);
		strv_free(h[i].args);
		strv_free(h[i].env);
	}
	free(h);
}

static int parse_hook_list(json_t *hooks, const char *key, struct oci_hook **out, size_t *n,
			   struct al_error *err)
{
	bool bad;
	json_t *a = get_array(hooks, key, "hooks", err, &bad), *v;
	size_t i;
	if (bad)
		return -1;
	if (!a)
		return 0;
	*out = calloc(json_array_size(a) + 1, sizeof(**out));
	if (!*out)
		return al_error_set(err, ENOMEM, "hooks");
	json_array_foreach(a, i, v)
	{
		static const char *const known[] = {"path", "args", "env", "timeout", NULL};
		char where[48];
		int64_t t = 0;
		struct oci_hook *h = &(*out)[i];
		snprintf(where, sizeof(where), "hooks.%s[%zu]", key, i);
		if (!json_is_object(v))
			return al_error_set(err, EINVAL, "%s: not an object", where);
		(*n)++;
		if (keys_check(v, where, known, err) < 0 ||
		    get_str(v, "path", where, true, &h->path, err) < 0 ||
		    get_strv(v, "args", where, &h->args, err) < 0 ||
		    get_strv(v, "env", where, &h->env, err) < 0 ||
		    get_int(v, "timeout", where, 1, 86400, &t, err) < 0)
			return -1;
		if (h->path[0] != '/')
			return al_error_set(err, EINVAL, "%s.path: not absolute", where);
		h->timeout = (int)t;
	}
	return 0;
}

static int parse_hooks(json_t *o, struct oci_hooks *h, struct al_error *err)
{
	static const char *const known[] = {
	    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL};
	if (!json_is_object(o))
		return al_error_set(err, EINVAL, "hooks: not an object");
	if (keys_check(o, "hooks", known, err) < 0)
		return -1;
	return parse_hook_list(o, "prestart", &h->prestart, &h->nprestart, err) < 0 ||
		       parse_hook_list(o, "createContainer", &h->create_container, &h->ncreate_container,
				       err) < 0 ||
		       parse_hook_list(o, "startContainer", &h->start_container, &h->nstart_container, err) <
			   0 ||
		       parse_hook_list(o, "createRuntime", &h->create_runtime, &h->ncreate_runtime, err) <
			   0 ||
		       parse_hook_list(o, "poststart", &h->poststart, &h->npoststart, err) < 0 ||
		       parse_hook_list(o, "poststop", &h->poststop, &h->npoststop, err) < 0
		   ? -1
		   : 0;
}

/* --- linux */

static int parse_idmap(json_t *l, const char *key, struct oci_idmap **out, size_t *n, struct al_error *err)
{
	bool bad;
	json_t *a = get_array(l, key, "linux", err, &bad), *v;
	size_t i;
	if (bad)
		return -1;
	if (!a)
		return 0;
	if (json_array_size(a) > 340)
		return al_error_set(err, EINVAL, "linux.%s: more than 340 ranges", key);
	*out = calloc(json_array_size(a) + 1, sizeof(**out));
	if (!*out)
		return al_error_set(err, ENOMEM, "%s", key);
	json_array_foreach(a, i, v)
	{
		static const char *const known[] = {"containerID", "hostID", "size", NULL};
		int64_t c = 0, h = 0, s = 0;
		char where[48];
		snprintf(where, sizeof(where), "linux.%s[%zu]", key, i);
		if (!json_is_object(v) || keys_check(v, where, known, err) < 0 ||
		    get_int(v, "containerID", where, 0, UINT32_MAX, &c, err) < 0 ||
		    get_int(v, "hostID", where, 0, UINT32_MAX, &h, err) < 0 ||
		    get_int(v, "size", where, 1, UINT32_MAX, &s, err) < 0)
			return al_error_set(err, EINVAL, "%s: not a valid mapping", where);
		(*out)[(*n)++] = (struct oci_idmap){(uint32_t)c, (uint32_t)h, (uint32_t)s};
	}
	return 0;
}

static int parse_devices(json_t *l, struct oci_spec *s, struct al_error *err)
{
	bool bad;
	json_t *a = get_array(l, "devices", "linux", err, &bad), *v;
	size_t i;
	if (bad)
		return -1;
	if (!a)
		return 0;
	s->devices = calloc(json_array_size(a) + 1, sizeof(*s->devices));
	if (!s->devices)
		return al_error_set(err, ENOMEM, "devices");
	json_array_foreach(a, i, v)
	{
		static const char *const known[] = {"path",	"type", "major", "minor",
						    "fileMode", "uid",	"gid",	 NULL};
		struct oci_device *d = &s->devices[i];
		char where[48], *type = NULL;
		int64_t mj = 0, mn = 0, mode = 0666, uid = 0, gid = 0;
		snprintf(where, sizeof(where), "linux.devices[%zu]", i);
		if (!json_is_object(v))
			return al_error_set(err, EINVAL, "%s: not an object", where);
		s->ndevices++;
		if (keys_check(v, where, known, err) < 0 ||
		    get_str(v, "path", where, true, &d->path, err) < 0 ||
		    get_str(v, "type", where, true, &type, err) < 0 ||
		    get_int(v, "major", where, 0, 4095, &mj, err) < 0 ||
		    get_int(v, "minor", where, 0, 1048575, &mn, err) < 0 ||
		    get_int(v, "fileMode", where, 0, 07777, &mode, err) < 0 ||
		    get_int(v, "uid", where, 0, UINT32_MAX - 1, &uid, err) < 0 ||
		    get_int(v, "gid", where, 0, UINT32_MAX - 1, &gid, err) < 0) {
			free(type);
			return -1;
		}
		bool ok = strlen(type) == 1 && strchr("cbup", type[0]);
		d->type = type[0];
		free(type);
		if (!ok)
			return al_error_set(err, EINVAL, "%s.type: not c, b, u or p", where);
		if (d->path[0] != '/' || strncmp(d->path, "/dev/", 5) != 0)
			return al_error_set(err, EINVAL, "%s.path: not under /dev", where);
		d->major = mj;
		d->minor = mn;
		d->mode = (uint32_t)mode;
		d->uid = (uid_t)uid;
		d->gid = (gid_t)gid;
	}
	return 0;
}

static int parse_resources(json_t *r, struct oci_resources *res, struct al_error *err)
{
	static const char *const known[] = {"devices",	      "memory",	 "cpu",	 "pids",    "blockIO",
					    "hugepageLimits", "network", "rdma", "unified", NULL};
	const char *w = "linux.resources";
	bool bad;
	if (!json_is_object(r))
		return al_error_set(err, EINVAL, "%s: not an object", w);
	if (keys_check(r, w, known, err) < 0 || unsupported(r, w, "blockIO", err) < 0 ||
	    unsupported(r, w, "network", err) < 0 || unsupported(r, w, "rdma", err) < 0 ||
	    get_strmap(r, "unified", w, &res->unified, err) < 0)
		return -1;
	/* Kubernetes sends one for every page size the node knows, 0 when
	 * the pod asked for none. */
	json_t *hp = get_array(r, "hugepageLimits", w, err, &bad), *hv;
	size_t hi;
	if (bad)
		return -1;
	if (hp && json_array_size(hp) > 8)
		return al_error_set(err, EINVAL, "%s.hugepageLimits: more than 8", w);
	json_array_foreach(hp, hi, hv)
	{
		static const char *const hk[] = {"pageSize", "limit", NULL};
		char where[64], *size = NULL;
		uint64_t limit = 0;
		snprintf(where, sizeof(where), "%s.hugepageLimits[%zu]", w, hi);
		if (!json_is_object(hv))
			return al_error_set(err, EINVAL, "%s: not an object", where);
		if (keys_check(hv, where, hk, err) < 0 ||
		    get_str(hv, "pageSize", where, true, &size, err) < 0 ||
		    get_u64(hv, "limit", where, &limit, err) < 0) {
			free(size);
			return -1;
		}
		size_t n = strlen(size), digits = strspn(size, "0123456789");
		bool ok = n >= 3 && n < sizeof(res->hugepages[0].size) && digits == n - 2 && digits > 0 &&
			  strchr("KMG", size[n - 2]) && size[n - 1] == 'B';
		if (ok)
			snprintf(res->hugepages[res->nhugepages].size, sizeof(res->hugepages[0].size), "%s",
				 size);
		free(size);
		if (!ok)
			return al_error_set(err, EINVAL, "%s.pageSize: not like 2MB", where);
		res->hugepages[res->nhugepages++].limit = limit;
	}
	json_t *m = get_object(r, "memory", w, err, &bad);
	if (bad)
		return -1;
	if (m) {
		static const char *const mk[] = {"limit",
						 "reservation",
						 "swap",
						 "kernel",
						 "kernelTCP",
						 "swappiness",
						 "disableOOMKiller",
						 "useHierarchy",
						 "checkBeforeUpdate",
						 NULL};
		const char *mw = "linux.resources.memory";
		if (keys_check(m, mw, mk, err) < 0 || unsupported(m, mw, "kernel", err) < 0 ||
		    unsupported(m, mw, "kernelTCP", err) < 0 || unsupported(m, mw, "useHierarchy", err) < 0 ||
		    unsupported(m, mw, "checkBeforeUpdate", err) < 0 ||
		    get_int(m, "limit", mw, -1, INT64_MAX, &res->mem_limit, err) < 0 ||
		    get_int(m, "reservation", mw, -1, INT64_MAX, &res->mem_reservation, err) < 0 ||
		    get_int(m, "swap", mw, -1, INT64_MAX, &res->mem_swap, err) < 0 ||
		    get_int(m, "swappiness", mw, 0, 100, &res->swappiness, err) < 0 ||
		    get_bool(m, "disableOOMKiller", mw, &res->disable_oom_killer, err) < 0)
			return -1;
	}
	json_t *c = get_object(r, "cpu", w, err, &bad);
	if (bad)
		return -1;
	if (c) {
		static const char *const ck[] = {"shares",	   "quota", "period", "realtimeRuntime",
						 "realtimePeriod", "cpus",  "mems",   "idle",
						 "burst",	   NULL};
		const char *cw = "linux.resources.cpu";
		int64_t shares = 0, period = 0;
		if (keys_check(c, cw, ck, err) < 0 || unsupported(c, cw, "realtimeRuntime", err) < 0 ||
		    unsupported(c, cw, "realtimePeriod", err) < 0 || unsupported(c, cw, "idle", err) < 0 ||
		    unsupported(c, cw, "burst", err) < 0 ||
		    get_int(c, "shares", cw, 0, 262144, &shares, err) < 0 ||
		    get_int(c, "quota", cw, -1, INT64_MAX, &res->cpu_quota, err) < 0 ||
		    get_int(c, "period", cw, 0, 1000000, &period, err) < 0 ||
		    get_str(c, "cpus", cw, false, &res->cpus, err) < 0 ||
		    get_str(c, "mems", cw, false, &res->mems, err) < 0)
			return -1;
		res->cpu_shares = (uint64_t)shares;
		res->cpu_period = (uint64_t)period;
	}
	json_t *p = get_object(r, "pids", w, err, &bad);
	if (bad)
		return -1;
	if (p) {
		static const char *const pk[] = {"limit", NULL};
		if (keys_check(p, "linux.resources.pids", pk, err) < 0 ||
		    get_int(p, "limit", "linux.resources.pids", INT64_MIN, INT64_MAX, &res->pids_limit, err) <
			0)
			return -1;
		if (res->pids_limit < 0)
			res->pids_limit = -1;
	}
	json_t *d = get_array(r, "devices", w, err, &bad), *v;
	size_t i;
	if (bad)
		return -1;
	if (d) {
		res->devices = calloc(json_array_size(d) + 1, sizeof(*res->devices));
		if (!res->devices)
			return al_error_set(err, ENOMEM, "devices");
		json_array_foreach(d, i, v)
		{
			static const char *const dk[] = {"allow", "type", "major", "minor", "access", NULL};
			struct oci_dev_rule *rule = &res->devices[i];
			char where[64], *type = NULL, *access = NULL;
			int64_t mj = -1, mn = -1;
			snprintf(where, sizeof(where), "linux.resources.devices[%zu]", i);
			if (!json_is_object(v) || !json_is_boolean(json_object_get(v, "allow")))
				return al_error_set(err, EINVAL, "%s: not an object with allow", where);
			rule->allow = json_is_true(json_object_get(v, "allow"));
			if (keys_check(v, where, dk, err) < 0 ||
			    get_str(v, "type", where, false, &type, err) < 0 ||
			    get_str(v, "access", where, false, &access, err) < 0 ||
			    get_int(v, "major", where, -1, 4095, &mj, err) < 0 ||
			    get_int(v, "minor", where, -1, 1048575, &mn, err) < 0) {
				free(type);
				free(access);
				return -1;
			}
			rule->type = type ? type[0] : 'a';
			bool ok = !type || (strlen(type) == 1 && strchr("acb", type[0]));
			ok = ok &&
			     (!access || (strlen(access) <= 3 && strspn(access, "rwm") == strlen(access)));
			snprintf(rule->access, sizeof(rule->access), "%s",
				 access && *access ? access : "rwm");
			free(type);
			free(access);
			if (!ok)
				return al_error_set(err, EINVAL,
						    "%s: type must be a, c or b; access of r, w, m", where);
			rule->major = mj;
			rule->minor = mn;
			res->ndevices++;
		}
	}
	return 0;
}

/* The OCI seccomp action names, for libseccomp. */
static int sc_action(const char *name, uint32_t errno_ret, bool has_errno, uint32_t *out)
{
	if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
		*out = SCMP_ACT_ALLOW;
	else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
		*out = SCMP_ACT_ERRNO(has_errno ? errno_ret : EPERM);
	else if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
		*out = SCMP_ACT_KILL_THREAD;
	else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
		*out = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
		*out = SCMP_ACT_TRAP;
	else if (strcmp(name, "SCMP_ACT_LOG") == 0)
		*out = SCMP_ACT_LOG;
	else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
		*out = SCMP_ACT_TRACE(has_errno ? errno_ret : EPERM);
	else
		return -1; /* SCMP_ACT_NOTIFY: airlock's own listener is the only one */
	return 0;
}

static const struct {
	const char *name;
	int op;
} sc_ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static void seccomp_free(struct oci_seccomp *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->nrules; i++)
		strv_free(sc->rules[i].names);
	free(sc->rules);
	free(sc->archs);
	free(sc);
}

static int parse_seccomp(json_t *o, struct oci_spec *s, struct al_error *err)
{
	static const char *const known[] = {"defaultAction", "defaultErrnoRet",	 "architectures", "flags",
					    "listenerPath",  "listenerMetadata", "syscalls",	  NULL};
	const char *w = "linux.seccomp";
	char *da = NULL, **archs = NULL, **flags = NULL;
	int64_t der = EPERM;
	bool bad;
	if (!json_is_object(o))
		return al_error_set(err, EINVAL, "%s: not an object", w);
	struct oci_seccomp *sc = s->seccomp = calloc(1, sizeof(*sc));
	if (!sc)
		return al_error_set(err, ENOMEM, "seccomp");
	if (keys_check(o, w, known, err) < 0 || unsupported(o, w, "listenerPath", err) < 0 ||
	    unsupported(o, w, "listenerMetadata", err) < 0 ||
	    get_str(o, "defaultAction", w, true, &da, err) < 0 ||
	    get_int(o, "defaultErrnoRet", w, 0, 4095, &der, err) < 0)
		goto fail;
	if (sc_action(da, (uint32_t)der, true, &sc->default_action) < 0) {
		al_error_set(err, EINVAL, "%s.defaultAction: %s not supported", w, da);
		goto fail;
	}
	if (get_strv(o, "architectures", w, &archs, err) < 0 || get_strv(o, "flags", w, &flags, err) < 0)
		goto fail;
	for (size_t i = 0; flags && flags[i]; i++) {
		if (strcmp(flags[i], "SECCOMP_FILTER_FLAG_LOG") == 0)
			sc->flag_log = true;
		else if (strcmp(flags[i], "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			sc->flag_spec_allow = true;
		else {
			al_error_set(err, EINVAL, "%s.flags: %s not supported", w, flags[i]);
			goto fail;
		}
	}
	size_t na = 0;
	while (archs && archs[na])
		na++;
	sc->archs = calloc(na + 1, sizeof(uint32_t));
	if (!sc->archs) {
		al_error_set(err, ENOMEM, "seccomp");
		goto fail;
	}
	for (size_t i = 0; i < na; i++) {
		const char *a = archs[i];
		if (strncmp(a, "SCMP_ARCH_", 10) != 0) {
			al_error_set(err, EINVAL, "%s.architectures: %s", w, a);
			goto fail;
		}
		char lower[32];
		size_t j;
		for (j = 0; a[10 + j] && j < sizeof(lower) - 1; j++)
			lower[j] = (char)(a[10 + j] >= 'A' && a[10 + j] <= 'Z' ? a[10 + j] + 32 : a[10 + j]);
		lower[j] = '\0';
		uint32_t t = seccomp_arch_resolve_name(lower);
		if (!t) {
			al_error_set(err, EINVAL, "%s.architectures: %s unknown", w, a);
			goto fail;
		}
		sc->archs[sc->narchs++] = t;
	}
	json_t *sys = get_array(o, "syscalls", w, err, &bad), *v;
	size_t i;
	if (bad)
		goto fail;
	if (sys) {
		sc->rules = calloc(json_array_size(sys) + 1, sizeof(*sc->rules));
		if (!sc->rules) {
			al_error_set(err, ENOMEM, "seccomp");
			goto fail;
		}
		json_array_foreach(sys, i, v)
		{
			static const char *const rk[] = {"names",   "action",	"errnoRet", "args",
							 "comment", "includes", "excludes", NULL};
			struct oci_sc_rule *r = &sc->rules[i];
			char where[48], *act = NULL;
			int64_t er = EPERM;
			snprintf(where, sizeof(where), "%s.syscalls[%zu]", w, i);
			if (!json_is_object(v)) {
				al_error_set(err, EINVAL, "%s: not an object", where);
				goto fail;
			}
			sc->nrules++;
			if (keys_check(v, where, rk, err) < 0 || unsupported(v, where, "includes", err) < 0 ||
			    unsupported(v, where, "excludes", err) < 0 ||
			    get_strv(v, "names", where, &r->names, err) < 0 ||
			    get_str(v, "action", where, true, &act, err) < 0 ||
			    get_int(v, "errnoRet", where, 0, 4095, &er, err) < 0) {
				free(act);
				goto fail;
			}
			int ar =
			    sc_action(act, (uint32_t)er, json_object_get(v, "errnoRet") != NULL, &r->action);
			if (ar < 0)
				al_error_set(err, EINVAL, "%s.action: %s not supported", where, act);
			free(act);
			if (ar < 0)
				goto fail;
			if (!r->names || !r->names[0]) {
				al_error_set(err, EINVAL, "%s.names: missing or empty", where);
				goto fail;
			}
			json_t *args = get_array(v, "args", where, err, &bad), *x;
			size_t k;
			if (bad)
				goto fail;
			if (args && json_array_size(args) > OCI_MAX_ARGS) {
				al_error_set(err, EINVAL, "%s.args: more than %d", where, OCI_MAX_ARGS);
				goto fail;
			}
			json_array_foreach(args, k, x)
			{
				static const char *const ak[] = {"index", "value", "valueTwo", "op", NULL};
				struct oci_sc_arg *sa = &r->args[k];
				int64_t idx = 0;
				char *op = NULL;
				if (!json_is_object(x) || keys_check(x, where, ak, err) < 0 ||
				    get_int(x, "index", where, 0, 5, &idx, err) < 0 ||
				    get_u64(x, "value", where, &sa->value, err) < 0 ||
				    get_u64(x, "valueTwo", where, &sa->value2, err) < 0 ||
				    get_str(x, "op", where, true, &op, err) < 0) {
					free(op);
					if (!err->msg[0])
						al_error_set(err, EINVAL, "%s.args[%zu]: not an object",
							     where, k);
					goto fail;
				}
				sa->index = (unsigned)idx;
				sa->op = -1;
				for (size_t j = 0; j < ARRAY_SIZE(sc_ops); j++)
					if (strcmp(op, sc_ops[j].name) == 0)
						sa->op = sc_ops[j].op;
				free(op);
				if (sa->op < 0) {
					al_error_set(err, EINVAL, "%s.args[%zu].op: unknown", where, k);
					goto fail;
				}
				r->nargs++;
			}
		}
	}
	free(da);
	strv_free(archs);
	strv_free(flags);
	return 0;
fail:
	free(da);
	strv_free(archs);
	strv_free(flags);
	return -1;
}

static int parse_linux(json_t *l, struct oci_spec *s, struct al_error *err)
{
	static const char *const known[] = {
	    "namespaces",	 "uidMappings", "gidMappings", "timeOffsets",  "devices",     "cgroupsPath",
	    "rootfsPropagation", "seccomp",	"sysctl",      "resources",    "maskedPaths", "readonlyPaths",
	    "mountLabel",	 "intelRdt",	"personality", "memoryPolicy", "netDevices",  NULL};
	const char *w = "linux";
	bool bad;
	if (!json_is_object(l))
		return al_error_set(err, EINVAL, "linux: not an object");
	if (keys_check(l, w, known, err) < 0 || unsupported(l, w, "timeOffsets", err) < 0 ||
	    unsupported(l, w, "mountLabel", err) < 0 || unsupported(l, w, "intelRdt", err) < 0 ||
	    unsupported(l, w, "personality", err) < 0 || unsupported(l, w, "memoryPolicy", err) < 0 ||
	    unsupported(l, w, "netDevices", err) < 0)
		return -1;
	json_t *ns = get_array(l, "namespaces", w, err, &bad), *v;
	size_t i;
	if (bad)
		return -1;
	json_array_foreach(ns, i, v)
	{
		static const char *const nk[] = {"type", "path", NULL};
		char *type = NULL, *path = NULL, where[48];
		snprintf(where, sizeof(where), "linux.namespaces[%zu]", i);
		if (!json_is_object(v))
			return al_error_set(err, EINVAL, "%s: not an object", where);
		if (keys_check(v, where, nk, err) < 0 || get_str(v, "type", where, true, &type, err) < 0 ||
		    get_str(v, "path", where, false, &path, err) < 0) {
			free(type);
			free(path);
			return -1;
		}
		int t = -1;
		for (int j = 0; j < OCI_NS_N; j++)
			if (strcmp(type, oci_ns_names[j]) == 0)
				t = j;
		if (t < 0 || s->ns_new[t] || s->ns_path[t]) {
			al_error_set(err, EINVAL, "%s.type: %s %s", where, type,
				     t < 0 ? "not supported" : "given twice");
			free(type);
			free(path);
			return -1;
		}
		free(type);
		if (path && *path) {
			if (path[0] != '/') {
				free(path);
				return al_error_set(err, EINVAL, "%s.path: not absolute", where);
			}
			s->ns_path[t] = path;
		} else {
			free(path);
			s->ns_new[t] = true;
		}
	}
	if (s->ns_path[OCI_NS_MNT])
		return al_error_set(err, EINVAL,
				    "linux.namespaces: joining an existing mount namespace by path is not "
				    "supported by airlock-oci");
	if (parse_idmap(l, "uidMappings", &s->uid_map, &s->nuid_map, err) < 0 ||
	    parse_idmap(l, "gidMappings", &s->gid_map, &s->ngid_map, err) < 0 ||
	    parse_devices(l, s, err) < 0 || get_str(l, "cgroupsPath", w, false, &s->cgroups_path, err) < 0 ||
	    get_strmap(l, "sysctl", w, &s->sysctl, err) < 0 ||
	    get_strv(l, "maskedPaths", w, &s->masked, err) < 0 ||
	    get_strv(l, "readonlyPaths", w, &s->readonly, err) < 0)
		return -1;
	if ((s->nuid_map || s->ngid_map) && !s->ns_new[OCI_NS_USER] && !s->ns_path[OCI_NS_USER])
		return al_error_set(err, EINVAL, "linux.uidMappings: given without a user namespace");
	if (s->ns_new[OCI_NS_USER] && (!s->nuid_map || !s->ngid_map))
		return al_error_set(err, EINVAL,
				    "linux.uidMappings: a new user namespace needs uid and gid mappings");
	for (size_t k = 0; s->sysctl && s->sysctl[k]; k += 2)
		if (strstr(s->sysctl[k], "..") || strchr(s->sysctl[k], '/') || s->sysctl[k][0] == '.')
			return al_error_set(err, EINVAL, "linux.sysctl.%s: not a sysctl name", s->sysctl[k]);
	for (size_t k = 0; s->res.unified && s->res.unified[k]; k += 2)
		if (strchr(s->res.unified[k], '/') || s->res.unified[k][0] == '.')
			return al_error_set(err, EINVAL, "linux.resources.unified.%s: not a file name",
					    s->res.unified[k]);
	char *prop = NULL;
	if (get_str(l, "rootfsPropagation", w, false, &prop, err) < 0)
		return -1;
	if (prop && *prop) {
		for (size_t j = 0; j < ARRAY_SIZE(propagations); j++)
			if (strcmp(prop, propagations[j].name) == 0)
				s->rootfs_propagation = propagations[j].flag;
		if (!s->rootfs_propagation) {
			al_error_set(err, EINVAL, "linux.rootfsPropagation: %s unknown", prop);
			free(prop);
			return -1;
		}
	}
	free(prop);
	json_t *r = json_object_get(l, "resources");
	if (r && !json_is_null(r) && parse_resources(r, &s->res, err) < 0)
		return -1;
	json_t *sc = json_object_get(l, "seccomp");
	if (sc && !json_is_null(sc) && parse_seccomp(sc, s, err) < 0)
		return -1;
	return 0;
}

static int parse_spec(json_t *root, struct oci_spec *s, struct al_error *err)
{
	static const char *const known[] = {"ociVersion", "root",  "mounts",	  "process",  "hostname",
					    "domainname", "hooks", "annotations", "linux",    "solaris",
					    "windows",	  "vm",	   "zos",	  "features", NULL};
	bool bad;
	if (!json_is_object(root))
		return al_error_set(err, EINVAL, "config: not an object");
	if (keys_check(root, "", known, err) < 0 || unsupported(root, "config", "solaris", err) < 0 ||
	    unsupported(root, "config", "windows", err) < 0 || unsupported(root, "config", "vm", err) < 0 ||
	    unsupported(root, "config", "zos", err) < 0 || unsupported(root, "config", "features", err) < 0 ||
	    get_str(root, "ociVersion", "config", true, &s->version, err) < 0)
		return -1;
	if (strncmp(s->version, "1.", 2) != 0)
		return al_error_set(err, EINVAL, "ociVersion: %s is not 1.x", s->version);
	json_t *rt = get_object(root, "root", "config", err, &bad);
	if (bad)
		return -1;
	if (!rt)
		return al_error_set(err, EINVAL, "root: missing");
	static const char *const rk[] = {"path", "readonly", NULL};
	if (keys_check(rt, "root", rk, err) < 0 ||
	    get_str(rt, "path", "root", true, &s->root_path, err) < 0 ||
	    get_bool(rt, "readonly", "root", &s->root_readonly, err) < 0)
		return -1;
	json_t *p = json_object_get(root, "process");
	if (!p)
		return al_error_set(err, EINVAL, "process: missing");
	if (parse_process(p, &s->process, err) < 0 ||
	    get_str(root, "hostname", "config", false, &s->hostname, err) < 0 ||
	    get_str(root, "domainname", "config", false, &s->domainname, err) < 0)
		return -1;
	json_t *ms = get_array(root, "mounts", "config", err, &bad), *v;
	size_t i;
	if (bad)
		return -1;
	if (ms) {
		s->mounts = calloc(json_array_size(ms) + 1, sizeof(*s->mounts));
		if (!s->mounts)
			return al_error_set(err, ENOMEM, "mounts");
		json_array_foreach(ms, i, v)
		{
			s->nmounts++;
			if (parse_mount(v, i, &s->mounts[i], err) < 0)
				return -1;
		}
	}
	json_t *h = json_object_get(root, "hooks");
	if (h && !json_is_null(h) && parse_hooks(h, &s->hooks, err) < 0)
		return -1;
	json_t *an = get_object(root, "annotations", "config", err, &bad);
	if (bad)
		return -1;
	if (an) {
		const char *k;
		json_object_foreach(an, k, v)
		{
			if (!json_is_string(v))
				return al_error_set(err, EINVAL, "annotations.%s: not a string", k);
		}
		if (get_str(an, "run.airlock.profile", "annotations", false, &s->airlock_profile, err) < 0)
			return -1;
		json_t *init = json_object_get(an, "run.airlock.init");
		if (init && strcmp(json_string_value(init), "true") != 0 &&
		    strcmp(json_string_value(init), "false") != 0)
			return al_error_set(err, EINVAL, "annotations.run.airlock.init: true or false");
		s->airlock_init = init && strcmp(json_string_value(init), "true") == 0;
		s->annotations_json = json_dumps(an, JSON_COMPACT);
	}
	json_t *l = json_object_get(root, "linux");
	if (!l)
		return al_error_set(err, EINVAL, "linux: missing (airlock-oci runs Linux containers)");
	return parse_linux(l, s, err);
}

int oci_spec_parse(const char *json, size_t len, struct oci_spec *out, struct al_error *err)
{
	memset(out, 0, sizeof(*out));
	out->res.swappiness = -1; /* unset: the kernel's own */
	json_t *root = load_json(json, len, "config.json", err);
	if (!root)
		return -1;
	int r = parse_spec(root, out, err);
	json_decref(root);
	if (r < 0)
		oci_spec_free(out);
	return r;
}

int oci_resources_parse(const char *json, size_t len, struct oci_resources *out, struct al_error *err)
{
	memset(out, 0, sizeof(*out));
	out->swappiness = -1;
	json_t *root = load_json(json, len, "resources", err);
	if (!root)
		return -1;
	int r = parse_resources(root, out, err);
	json_decref(root);
	if (r < 0)
		oci_resources_free(out);
	return r;
}

void oci_resources_free(struct oci_resources *r)
{
	free(r->cpus);
	free(r->mems);
	free(r->devices);
	strv_free(r->unified);
	memset(r, 0, sizeof(*r));
}

void oci_spec_free(struct oci_spec *s)
{
	free(s->version);
	free(s->root_path);
	oci_process_free(&s->process);
	free(s->hostname);
	free(s->domainname);
	for (size_t i = 0; i < s->nmounts; i++) {
		free(s->mounts[i].dest);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		free(s->mounts[i].data);
	}
	free(s->mounts);
	hooks_free(s->hooks.prestart, s->hooks.nprestart);
	hooks_free(s->hooks.create_runtime, s->hooks.ncreate_runtime);
	hooks_free(s->hooks.create_container, s->hooks.ncreate_container);
	hooks_free(s->hooks.start_container, s->hooks.nstart_container);
	hooks_free(s->hooks.poststart, s->hooks.npoststart);
	hooks_free(s->hooks.poststop, s->hooks.npoststop);
	free(s->airlock_profile);
	free(s->annotations_json);
	for (int i = 0; i < OCI_NS_N; i++)
		free(s->ns_path[i]);
	free(s->uid_map);
	free(s->gid_map);
	for (size_t i = 0; i < s->ndevices; i++)
		free(s->devices[i].path);
	free(s->devices);
	free(s->cgroups_path);
	oci_resources_free(&s->res);
	strv_free(s->sysctl);
	seccomp_free(s->seccomp);
	strv_free(s->masked);
	strv_free(s->readonly);
	memset(s, 0, sizeof(*s));
}

bool oci_device_allowed(const struct oci_resources *res, char type, int64_t major, int64_t minor)
{
	/* In order, the last rule that matches decides (a cgroup v1
	 * devices list, and runc's emulation of it); none: allowed. */
	bool allowed = true;
	for (size_t i = 0; i < res->ndevices; i++) {
		const struct oci_dev_rule *d = &res->devices[i];
		if (d->type != 'a' && d->type != type)
			continue;
		if (d->type != 'a' &&
		    ((d->major >= 0 && d->major != major) || (d->minor >= 0 && d->minor != minor)))
			continue;
		if (!strchr(d->access, 'r') && !strchr(d->access, 'w'))
			continue;
		allowed = d->allow;
	}
	return allowed;
}

/* "machine.slice:libpod:ID" -> "/machine.slice/libpod-ID.scope"; a slice
 * "a-b.slice" sits in "a.slice" (systemd's naming). */
int oci_systemd_path(const char *spec, char *out, size_t len)
{
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || strchr(c2 + 1, ':') || strchr(spec, '/'))
		return -1;
	char slice[256];
	size_t sl = (size_t)(c1 - spec);
	if (sl >= sizeof(slice))
		return -1;
	memcpy(slice, spec, sl);
	slice[sl] = '\0';
	if (!*slice)
		snprintf(slice, sizeof(slice), "system.slice");
	size_t n = strlen(slice);
	if (n < 7 || strcmp(slice + n - 6, ".slice") != 0)
		return -1;
	/* The slice's ancestors: "a-b-c.slice" -> /a.slice/a-b.slice/a-b-c.slice. */
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n - 6; i++) {
		if (slice[i] == '-' || i == n - 7) {
			size_t upto = slice[i] == '-' ? i : n - 6;
			if (upto == 0)
				return -1;
			int w = snprintf(out + used, len - used, "/%.*s.slice", (int)upto, slice);
			if (w < 0 || (size_t)w >= len - used)
				return -1;
			used += (size_t)w;
		}
	}
	const char *prefix = c1 + 1, *name = c2 + 1;
	int w;
	if (!*name)
		return -1;
	size_t nl = strlen(name);
	if (nl > 6 && strcmp(name + nl - 6, ".slice") == 0)
		w = snprintf(out + used, len - used, "/%s", name);
	else if (c2 > prefix)
		w = snprintf(out + used, len - used, "/%.*s-%s.scope", (int)(c2 - prefix), prefix, name);
	else
		w = snprintf(out + used, len - used, "/%s.scope", name);
	if (w < 0 || (size_t)w >= len - used || strstr(out, ".."))
		return -1;
	return 0;
}
