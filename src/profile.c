/* Profiles: JSON (parsed by jansson) into struct al_profile. Every error names
 * the field it is about. Profiles are untrusted input: sizes are bounded. */
#include "plan.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

enum { MAX_PROFILE_BYTES = 256 * 1024, MAX_STRING = 4096 };

#define BUILTIN(sym) extern const char sym##_json[], sym##_json_end[]
BUILTIN(al_profile_default);
BUILTIN(al_profile_python);
BUILTIN(al_profile_node);
BUILTIN(al_profile_model_eval);
BUILTIN(al_profile_agent);

static const struct {
	const char *name, *start, *end;
} builtins[] = {
    {"default", al_profile_default_json, al_profile_default_json_end},
    {"python", al_profile_python_json, al_profile_python_json_end},
    {"node", al_profile_node_json, al_profile_node_json_end},
    {"model-eval", al_profile_model_eval_json, al_profile_model_eval_json_end},
    {"agent", al_profile_agent_json, al_profile_agent_json_end},
};

const char *const al_profile_names[] = {"default", "python", "node", "model-eval", "agent", NULL};

const char *al_profile_builtin(const char *name, size_t *len)
{
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
		if (strcmp(builtins[i].name, name) == 0) {
			if (len) /* the assembler appends a NUL */
				*len = (size_t)(builtins[i].end - builtins[i].start) - 1;
			return builtins[i].start;
		}
	}
	return NULL;
}

static int dup_string(json_t *v, const char *field, char **out, struct al_error *err)
{
	if (!json_is_string(v))
		return al_error_set(err, 0, "%s: must be a string", field);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n > MAX_STRING || strlen(s) != n)
		return al_error_set(err, 0, "%s: string too long or contains NUL", field);
	*out = strdup(s);
	if (!*out)
		return al_error_set(err, ENOMEM, "%s", field);
	return 0;
}

bool al_path_ok(const char *p)
{
	if (p[0] != '/')
		return false;
	if (p[1] == '\0')
		return true;
	/* Components separated by single slashes, none empty, ".", or "..";
	 * no trailing slash (it would make the kernel follow a final symlink). */
	for (const char *c = p + 1;;) {
		const char *e = strchrnul(c, '/');
		size_t n = (size_t)(e - c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!*e)
			return true;
		c = e + 1;
	}
}

/* "HOST[:INSIDE]", where "\\:" is a colon that belongs to a path and "\\\\" a
 * backslash; into malloc'd strings. */
static char *bind_part(const char *s, const char **rest)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s && *s != ':'; s++) {
		if (*s == '\\' && (s[1] == ':' || s[1] == '\\'))
			s++;
		*o++ = *s;
	}
	*o = '\0';
	*rest = *s == ':' ? s + 1 : NULL;
	return out;
}

int al_bind_parse(const char *spec, bool writable, struct al_bind *out, struct al_error *err)
{
	const char *rest = NULL, *end = NULL;

	memset(out, 0, sizeof(*out));
	if (strlen(spec) > MAX_STRING)
		return al_error_set(err, 0, "'%s': expected HOST[:INSIDE]", spec);
	out->host = bind_part(spec, &rest);
	out->inside = rest ? bind_part(rest, &end) : (out->host ? strdup(out->host) : NULL);
	out->writable = writable;
	if (!out->host || !out->inside) {
		free(out->host);
		free(out->inside);
		memset(out, 0, sizeof(*out));
		return al_error_set(err, ENOMEM, "bind");
	}
	if (!out->host[0] || end || !al_path_ok(out->host) || !al_path_ok(out->inside) ||
	    strcmp(out->inside, "/") == 0) {
		free(out->host);
		free(out->inside);
		memset(out, 0, sizeof(*out));
		return al_error_set(err, 0,
				    "'%s': expected HOST[:INSIDE], absolute paths without '.' or '..', not "
				    "'/' inside (write a colon in a path as \\:)",
				    spec);
	}
	return 0;
}

static int parse_binds(json_t *arr, const char *field, bool writable, struct al_profile *p,
		       struct al_error *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return al_error_set(err, 0, "%s: must be an array", field);
	json_array_foreach(arr, i, v)
	{
		char where[64];
		struct al_bind b;

		snprintf(where, sizeof(where), "%s[%zu]", field, i);
		if (p->nbinds >= AL_MAX_BINDS)
			return al_error_set(err, 0, "%s: more than %d binds", where, AL_MAX_BINDS);
		if (json_is_string(v)) {
			if (al_bind_parse(json_string_value(v), writable, &b, err) < 0)
				return al_error_wrap(err, "%s", where);
		} else if (json_is_object(v)) {
			const char *key;
			json_t *f;
			cleanup_free char *host = NULL, *inside = NULL;
			bool optional = false;

			json_object_foreach(v, key, f)
			{
				char sub[96];
				snprintf(sub, sizeof(sub), "%s.%s", where, key);
				if (strcmp(key, "host") == 0) {
					if (dup_string(f, sub, &host, err) < 0)
						return -1;
				} else if (strcmp(key, "inside") == 0) {
					if (dup_string(f, sub, &inside, err) < 0)
						return -1;
				} else if (strcmp(key, "optional") == 0) {
					if (!json_is_boolean(f))
						return al_error_set(err, 0, "%s: must be true or false", sub);
					optional = json_is_true(f);
				} else {
					return al_error_set(err, 0, "%s: unknown field", sub);
				}
			}
			if (!host)
				return al_error_set(err, 0, "%s.host: missing", where);
			if (strchr(host, ':') || (inside && strchr(inside, ':')))
				return al_error_set(err, 0, "%s: paths may not contain ':'", where);
			char spec[2 * MAX_STRING + 2];
			snprintf(spec, sizeof(spec), "%s%s%s", host, inside ? ":" : "", inside ? inside : "");
			if (al_bind_parse(spec, writable, &b, err) < 0)
				return al_error_wrap(err, "%s", where);
			b.optional = optional;
		} else {
			return al_error_set(err, 0, "%s: must be a path or an object", where);
		}
		p->binds[p->nbinds++] = b;
	}
	return 0;
}

static bool env_name_p(const char *s, size_t n)
{
	if (n == 0 || n > 255 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static int parse_env(json_t *obj, struct al_profile *p, struct al_error *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return al_error_set(err, 0, "env: must be an object of strings");
	json_object_foreach(obj, key, v)
	{
		if (!env_name_p(key, strlen(key)))
			return al_error_set(err, 0, "env.%s: not a valid variable name", key);
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
		    json_string_length(v) > MAX_STRING)
			return al_error_set(err, 0, "env.%s: must be a string without NUL", key);
		if (p->nenv >= AL_MAX_ENV)
			return al_error_set(err, 0, "env: more than %d variables", AL_MAX_ENV);
		if (asprintf(&p->env[p->nenv], "%s=%s", key, json_string_value(v)) < 0)
			return al_error_set(err, ENOMEM, "env");
		p->nenv++;
	}
	return 0;
}

/* A limit is a number or a string with a unit; kind picks the parser.
 * "unlimited" says so in words; a 0 that would remove a defence is refused
 * rather than read as unlimited. (Stored as 0, which the code reads as "no
 * limit".) */
enum limit_kind { L_SIZE, L_COUNT, L_DURATION, L_WEIGHT };

static bool is_zero(const char *s)
{
	size_t n = strspn(s, "0.");
	return n > 0 && strchr(s, '0') && (s[n] == '\0' || strchr("kKmMgGtTpPeE", s[n]));
}

static int parse_limit(json_t *v, const char *field, enum limit_kind kind, bool may_be_unlimited, void *out,
		       struct al_error *err)
{
	char buf[64];
	const char *s;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return al_error_set(err, 0, "limits.%s: must not be negative", field);
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		s = buf;
	} else if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!(d >= 0) || d > 4611686018427387904.0)
			return al_error_set(err, 0, "limits.%s: %g is out of range", field, d);
		if (kind != L_DURATION && d != (double)(uint64_t)d)
			return al_error_set(err, 0, "limits.%s: %g is not a whole number", field, d);
		if (kind == L_DURATION)
			snprintf(buf, sizeof(buf), "%.6f", d);
		else
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)d);
		s = buf;
	} else if (json_is_string(v) && json_string_length(v) < sizeof(buf)) {
		s = json_string_value(v);
	} else {
		return al_error_set(err, 0, "limits.%s: must be a number or a string such as \"64M\"", field);
	}
	if (strcmp(s, "unlimited") == 0) {
		if (!may_be_unlimited)
			return al_error_set(err, 0, "limits.%s: cannot be unlimited", field);
		if (kind == L_DURATION)
			*(double *)out = 0;
		else
			*(uint64_t *)out = 0;
		return 0;
	}
	if (may_be_unlimited && is_zero(s))
		return al_error_set(
		    err, 0,
		    "limits.%s: 0 would remove the limit; write \"unlimited\" if that is what you mean",
		    field);
	int r;
	switch (kind) {
	case L_SIZE:
		r = al_parse_size(s, out, err);
		break;
	case L_COUNT:
		r = al_parse_uint(s, 0, 1u << 22, out, err);
		break;
	case L_WEIGHT:
		r = al_parse_uint(s, 1, 10000, out, err);
		break;
	case L_DURATION:
		r = al_parse_duration(s, out, err);
		break;
	default:
		r = -1;
	}
	return r < 0 ? al_error_wrap(err, "limits.%s", field) : 0;
}

static const struct {
	const char *name;
	enum limit_kind kind;
	bool unlimited; /* may be "unlimited" (stored as 0); a plain 0 is refused */
	size_t offset;
} limit_fields[] = {
    {"memory", L_SIZE, true, offsetof(struct al_limits, memory)},
    {"pids", L_COUNT, true, offsetof(struct al_limits, pids)},
    {"cpu_weight", L_WEIGHT, false, offsetof(struct al_limits, cpu_weight)},
    {"time", L_DURATION, true, offsetof(struct al_limits, time_s)},
    {"cpu_time", L_DURATION, true, offsetof(struct al_limits, cpu_time_s)},
    {"output", L_SIZE, true, offsetof(struct al_limits, output)},
    {"tmpfs_size", L_SIZE, true, offsetof(struct al_limits, tmpfs_size)},
    {"open_files", L_COUNT, true, offsetof(struct al_limits, open_files)},
    {"file_size", L_SIZE, true, offsetof(struct al_limits, file_size)},
    {"net_connections", L_COUNT, false, offsetof(struct al_limits, net_connections)},
    {"net_bytes", L_SIZE, true, offsetof(struct al_limits, net_bytes)},
    {"net_idle", L_DURATION, false, offsetof(struct al_limits, net_idle_s)},
};

int al_limit_set(struct al_limits *l, const char *name, const char *value, struct al_error *err)
{
	json_t *v = json_string(value);
	int r = -1;

	for (size_t i = 0; i < ARRAY_SIZE(limit_fields); i++)
		if (strcmp(limit_fields[i].name, name) == 0)
			r = parse_limit(v, name, limit_fields[i].kind, limit_fields[i].unlimited,
					(char *)l + limit_fields[i].offset, err);
	json_decref(v);
	return r;
}

static int parse_limits(json_t *obj, struct al_limits *l, struct al_error *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return al_error_set(err, 0, "limits: must be an object");
	json_object_foreach(obj, key, v)
	{
		size_t i;
		for (i = 0; i < ARRAY_SIZE(limit_fields); i++)
			if (strcmp(limit_fields[i].name, key) == 0)
				break;
		if (i == ARRAY_SIZE(limit_fields))
			return al_error_set(err, 0, "limits.%s: unknown limit", key);
		if (parse_limit(v, key, limit_fields[i].kind, limit_fields[i].unlimited,
				(char *)l + limit_fields[i].offset, err) < 0)
			return -1;
	}
	return 0;
}

/* Defaults for fields a profile leaves out: the safe, small ones. */
static void limits_default(struct al_limits *l)
{
	*l = (struct al_limits){
	    .memory = 256ull << 20,
	    .pids = 64,
	    .cpu_weight = 100,
	    .time_s = 30,
	    .cpu_time_s = 30,
	    .output = 1ull << 20,
	    .tmpfs_size = 64ull << 20,
	    .open_files = 256,
	    .file_size = 64ull << 20,
	    .net_connections = 16,
	    .net_bytes = 256ull << 20,
	    .net_idle_s = 30,
	};
}

static const struct {
	const char *name;
	uint64_t value;
} constants[] = {
    {"AF_UNIX", 1},
    {"AF_INET", 2},
    {"AF_INET6", 10},
    {"AF_NETLINK", 16},
    {"AF_PACKET", 17},
    {"AF_BLUETOOTH", 31},
    {"AF_ALG", 38},
    {"AF_VSOCK", 40},
    {"SOCK_STREAM", 1},
    {"SOCK_DGRAM", 2},
    {"SOCK_RAW", 3},
    {"CLONE_NEWNS", 0x20000},
    {"CLONE_NEWCGROUP", 0x2000000},
    {"CLONE_NEWUTS", 0x4000000},
    {"CLONE_NEWIPC", 0x8000000},
    {"CLONE_NEWUSER", 0x10000000},
    {"CLONE_NEWPID", 0x20000000},
    {"CLONE_NEWNET", 0x40000000},
    {"TIOCSTI", 0x5412},
    {"TIOCLINUX", 0x541c},
};

/* An argument value: a number, "0x..." or a known constant ("AF_NETLINK"). */
static int parse_value(json_t *v, const char *field, uint64_t *out, struct al_error *err)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		for (size_t i = 0; i < ARRAY_SIZE(constants); i++)
			if (strcmp(constants[i].name, s) == 0) {
				*out = constants[i].value;
				return 0;
			}
		errno = 0;
		unsigned long long x = strtoull(s, &end, 0);
		if (*s && !*end && !errno && (isdigit((unsigned char)*s))) {
			*out = x;
			return 0;
		}
	}
	return al_error_set(err, 0, "%s: must be a non-negative number, \"0x...\" or a known constant",
			    field);
}

static int parse_action(json_t *v, const char *field, uint8_t *out, struct al_error *err)
{
	static const char *const names[] = {"errno", "kill", "log"};
	if (json_is_string(v))
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (strcmp(json_string_value(v), names[i]) == 0) {
				*out = (uint8_t)(AL_SC_ERRNO + i);
				return 0;
			}
	return al_error_set(err, 0, "%s: must be \"errno\", \"kill\" or \"log\"", field);
}

static int parse_errno(json_t *v, const char *field, int *out, struct al_error *err)
{
	char buf[32];
	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
	else
		buf[0] = '\0';
	if ((*out = al_policy_errno(buf)) < 0)
		return al_error_set(err, 0, "%s: unknown errno (a name such as \"EPERM\" or 1..4095)", field);
	return 0;
}

static int parse_syscall(json_t *v, const char *field, int *nr, struct al_error *err)
{
	if (!json_is_string(v) || (*nr = al_policy_nr(json_string_value(v))) < 0)
		return al_error_set(err, 0, "%s: not a system call of this architecture", field);
	return 0;
}

static int parse_cond(json_t *v, const char *field, struct al_sc_cond *c, struct al_error *err)
{
	static const char *const ops[] = {"eq", "ne", "lt", "le", "gt", "ge", "masked_eq"};
	const char *key;
	json_t *f;
	bool has_op = false, has_value = false, has_mask = false;
	char sub[128];

	if (!json_is_object(v))
		return al_error_set(err, 0, "%s: must be an object {index, op, value[, mask]}", field);
	memset(c, 0, sizeof(*c));
	json_object_foreach(v, key, f)
	{
		snprintf(sub, sizeof(sub), "%s.%s", field, key);
		if (strcmp(key, "index") == 0) {
			if (!json_is_integer(f) || json_integer_value(f) < 0 || json_integer_value(f) > 5)
				return al_error_set(err, 0, "%s: must be 0..5", sub);
			c->index = (uint8_t)json_integer_value(f);
		} else if (strcmp(key, "op") == 0) {
			size_t i;
			for (i = 0; i < ARRAY_SIZE(ops); i++)
				if (json_is_string(f) && strcmp(json_string_value(f), ops[i]) == 0)
					break;
			if (i == ARRAY_SIZE(ops))
				return al_error_set(err, 0, "%s: one of eq, ne, lt, le, gt, ge, masked_eq",
						    sub);
			c->op = (uint8_t)i;
			has_op = true;
		} else if (strcmp(key, "value") == 0) {
			if (parse_value(f, sub, &c->value, err) < 0)
				return -1;
			has_value = true;
		} else if (strcmp(key, "mask") == 0) {
			if (parse_value(f, sub, &c->mask, err) < 0)
				return -1;
			has_mask = true;
		} else {
			return al_error_set(err, 0, "%s: unknown field", sub);
		}
	}
	if (!has_op || !has_value)
		return al_error_set(err, 0, "%s: needs op and value", field);
	if ((c->op == AL_OP_MASKED_EQ) != has_mask)
		return al_error_set(err, 0, "%s: mask goes with masked_eq, and only with it", field);
	if (c->op == AL_OP_MASKED_EQ && (c->value & ~c->mask))
		return al_error_set(err, 0, "%s: value has bits outside mask", field);
	return 0;
}

static int parse_deny(json_t *v, const char *field, struct al_sc_rule *r, struct al_error *err)
{
	const char *key;
	json_t *f;
	char sub[128];

	memset(r, 0, sizeof(*r));
	if (json_is_string(v))
		return parse_syscall(v, field, &r->nr, err);
	if (!json_is_object(v))
		return al_error_set(err, 0, "%s: a system call name or an object", field);
	r->nr = -1;
	json_object_foreach(v, key, f)
	{
		snprintf(sub, sizeof(sub), "%s.%s", field, key);
		if (strcmp(key, "syscall") == 0) {
			if (parse_syscall(f, sub, &r->nr, err) < 0)
				return -1;
		} else if (strcmp(key, "action") == 0) {
			if (parse_action(f, sub, &r->action, err) < 0)
				return -1;
		} else if (strcmp(key, "errno") == 0) {
			if (parse_errno(f, sub, &r->errnum, err) < 0)
				return -1;
		} else if (strcmp(key, "args") == 0) {
			size_t i;
			json_t *c;
			if (!json_is_array(f) || json_array_size(f) > AL_SC_MAX_COND)
				return al_error_set(err, 0, "%s: an array of at most %d conditions", sub,
						    AL_SC_MAX_COND);
			json_array_foreach(f, i, c)
			{
				char csub[160];
				snprintf(csub, sizeof(csub), "%s[%zu]", sub, i);
				if (parse_cond(c, csub, &r->cond[i], err) < 0)
					return -1;
				r->ncond++;
			}
		} else {
			return al_error_set(err, 0, "%s: unknown field", sub);
		}
	}
	if (r->nr < 0)
		return al_error_set(err, 0, "%s.syscall: missing", field);
	return 0;
}

/* "relax": ["inotify", ...]: lift optional built-in groups by name. */
static int parse_relax(json_t *v, const char *field, uint32_t *out, struct al_error *err)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return al_error_set(err, 0, "%s: an array of group names", field);
	json_array_foreach(v, i, e)
	{
		const char *s = json_is_string(e) ? json_string_value(e) : "";
		int g;
		for (g = 0; g < AL_SC_GROUP_N; g++)
			if (al_policy_group_name((enum al_sc_group)g) &&
			    strcmp(al_policy_group_name((enum al_sc_group)g), s) == 0)
				break;
		if (g == AL_SC_GROUP_N)
			return al_error_set(err, 0,
					    "%s[%zu]: '%s' is not a group a profile may lift (inotify, "
					    "personality, memfd_secret, netlink_uevent)",
					    field, i, s);
		*out |= AL_SC_RELAX(g);
	}
	return 0;
}

static int parse_seccomp(json_t *obj, struct al_sc_policy *p, struct al_error *err)
{
	const char *key;
	json_t *v;
	char sub[96];
	json_t *allow = NULL;

	if (!json_is_object(obj))
		return al_error_set(err, 0, "seccomp: must be an object");
	json_object_foreach(obj, key, v)
	{
		snprintf(sub, sizeof(sub), "seccomp.%s", key);
		if (strcmp(key, "mode") == 0) {
			if (json_is_string(v) && strcmp(json_string_value(v), "deny-list") == 0)
				p->mode = AL_SC_DENY_LIST;
			else if (json_is_string(v) && strcmp(json_string_value(v), "allow-list") == 0)
				p->mode = AL_SC_ALLOW_LIST;
			else
				return al_error_set(err, 0, "%s: \"deny-list\" or \"allow-list\"", sub);
		} else if (strcmp(key, "action") == 0) {
			uint8_t a;
			if (parse_action(v, sub, &a, err) < 0)
				return -1;
			p->action = (enum al_sc_action)a;
		} else if (strcmp(key, "errno") == 0) {
			if (parse_errno(v, sub, &p->errnum, err) < 0)
				return -1;
		} else if (strcmp(key, "on_violation") == 0) {
			if (json_is_string(v) && strcmp(json_string_value(v), "kill") == 0)
				p->kill_on_violation = true;
			else if (json_is_string(v) && strcmp(json_string_value(v), "deny") == 0)
				p->kill_on_violation = false;
			else
				return al_error_set(err, 0, "%s: \"deny\" or \"kill\"", sub);
		} else if (strcmp(key, "allow") == 0) {
			allow = v;
		} else if (strcmp(key, "relax") == 0) {
			if (parse_relax(v, sub, &p->relax, err) < 0)
				return -1;
		} else if (strcmp(key, "deny") == 0) {
			size_t i;
			json_t *d;
			if (!json_is_array(v) || json_array_size(v) > AL_SC_MAX_DENY)
				return al_error_set(err, 0, "%s: an array of at most %d rules", sub,
						    AL_SC_MAX_DENY);
			json_array_foreach(v, i, d)
			{
				char dsub[112];
				snprintf(dsub, sizeof(dsub), "%s[%zu]", sub, i);
				if (parse_deny(d, dsub, &p->deny[p->ndeny], err) < 0)
					return -1;
				p->ndeny++;
			}
		} else {
			return al_error_set(err, 0, "%s: unknown field", sub);
		}
	}
	if (allow) {
		size_t i;
		json_t *a;
		if (p->mode != AL_SC_ALLOW_LIST)
			return al_error_set(err, 0, "seccomp.allow: only with \"mode\": \"allow-list\"");
		if (!json_is_array(allow))
			return al_error_set(err, 0, "seccomp.allow: an array of system call names");
		json_array_foreach(allow, i, a)
		{
			char asub[64];
			int nr;
			snprintf(asub, sizeof(asub), "seccomp.allow[%zu]", i);
			if (parse_syscall(a, asub, &nr, err) < 0)
				return -1;
			al_policy_allow(p, nr);
		}
		if (!al_policy_allowed_p(p, al_policy_nr("execve")))
			return al_error_set(err, 0,
					    "seccomp.allow: must contain execve (the command is started with "
					    "it; airlock learn writes a list that works)");
	} else if (p->mode == AL_SC_ALLOW_LIST) {
		return al_error_set(err, 0, "seccomp.allow: missing (an allow-list needs its list)");
	}
	return 0;
}

static int parse_ports(json_t *v, const char *field, uint16_t *ports, size_t *n, struct al_error *err)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) > AL_MAX_PORTS)
		return al_error_set(err, 0, "%s: an array of at most %d ports", field, AL_MAX_PORTS);
	json_array_foreach(v, i, e)
	{
		if (!json_is_integer(e) || json_integer_value(e) < 1 || json_integer_value(e) > 65535)
			return al_error_set(err, 0, "%s[%zu]: a port 1..65535", field, i);
		ports[(*n)++] = (uint16_t)json_integer_value(e);
	}
	return 0;
}

static int parse_landlock(json_t *obj, struct al_landlock *l, struct al_error *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return al_error_set(err, 0, "landlock: must be an object");
	json_object_foreach(obj, key, v)
	{
		if (strcmp(key, "required") == 0) {
			if (!json_is_boolean(v))
				return al_error_set(err, 0, "landlock.required: true or false");
			l->required = json_is_true(v);
		} else if (strcmp(key, "tcp_bind") == 0) {
			l->tcp_rules = true;
			if (parse_ports(v, "landlock.tcp_bind", l->tcp_bind, &l->ntcp_bind, err) < 0)
				return -1;
		} else if (strcmp(key, "tcp_connect") == 0) {
			l->tcp_rules = true;
			if (parse_ports(v, "landlock.tcp_connect", l->tcp_connect, &l->ntcp_connect, err) < 0)
				return -1;
		} else {
			return al_error_set(err, 0, "landlock.%s: unknown field", key);
		}
	}
	return 0;
}

static int parse_env_deny(json_t *v, struct al_profile *p, struct al_error *err)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return al_error_set(err, 0, "env_deny: must be an array of name patterns");
	json_array_foreach(v, i, e)
	{
		char field[32];
		snprintf(field, sizeof(field), "env_deny[%zu]", i);
		if (p->nenv_deny >= AL_MAX_ENV_DENY)
			return al_error_set(err, 0, "env_deny: more than %d patterns", AL_MAX_ENV_DENY);
		if (dup_string(e, field, &p->env_deny[p->nenv_deny], err) < 0)
			return -1;
		const char *s = p->env_deny[p->nenv_deny++];
		if (!*s || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_*?") !=
			       strlen(s))
			return al_error_set(err, 0, "%s: '%s': letters, digits, _ and the wildcards * and ?",
					    field, s);
	}
	return 0;
}

static int parse_root(json_t *root, struct al_profile *p, struct al_error *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(root))
		return al_error_set(err, 0, "profile: must be a JSON object");
	json_object_foreach(root, key, v)
	{
		int r;
		if (strcmp(key, "name") == 0)
			r = dup_string(v, "name", &p->name, err);
		else if (strcmp(key, "description") == 0)
			r = dup_string(v, "description", &p->description, err);
		else if (strcmp(key, "ro") == 0)
			r = parse_binds(v, "ro", false, p, err);
		else if (strcmp(key, "rw") == 0)
			r = parse_binds(v, "rw", true, p, err);
		else if (strcmp(key, "env") == 0)
			r = parse_env(v, p, err);
		else if (strcmp(key, "workdir") == 0) {
			free(p->workdir);
			r = dup_string(v, "workdir", &p->workdir, err);
			if (r == 0 && (!al_path_ok(p->workdir) || strcmp(p->workdir, "/") == 0))
				r = al_error_set(err, 0, "workdir: must be an absolute path other than /");
			else if (r == 0 &&
				 (strncmp(p->workdir, "/proc", 5) == 0 ||
				  strncmp(p->workdir, "/dev", 4) == 0) &&
				 (p->workdir[p->workdir[1] == 'p' ? 5 : 4] == '\0' ||
				  p->workdir[p->workdir[1] == 'p' ? 5 : 4] == '/'))
				r = al_error_set(
				    err, 0,
				    "workdir: /proc and /dev are the sandbox's own; pick another directory");
		} else if (strcmp(key, "net") == 0) {
			free(p->net);
			r = dup_string(v, "net", &p->net, err);
			if (r == 0 && al_net_rules_parse(p->net, &p->net_rules, err) < 0)
				r = al_error_wrap(err, "net");
		} else if (strcmp(key, "limits") == 0)
			r = parse_limits(v, &p->limits, err);
		else if (strcmp(key, "landlock") == 0)
			r = parse_landlock(v, &p->landlock, err);
		else if (strcmp(key, "cwd") == 0) {
			const char *s = json_is_string(v) ? json_string_value(v) : "";
			p->cwd = strcmp(s, "rw") == 0	? AL_CWD_RW
				 : strcmp(s, "ro") == 0 ? AL_CWD_RO
							: AL_CWD_NONE;
			r = p->cwd == AL_CWD_NONE && strcmp(s, "none") != 0
				? al_error_set(err, 0, "cwd: \"rw\", \"ro\" or \"none\"")
				: 0;
		} else if (strcmp(key, "home") == 0) {
			const char *s = json_is_string(v) ? json_string_value(v) : "";
			p->home_tmpfs = strcmp(s, "tmpfs") == 0;
			r = !p->home_tmpfs && strcmp(s, "none") != 0
				? al_error_set(err, 0, "home: \"tmpfs\" or \"none\"")
				: 0;
		} else if (strcmp(key, "env_deny") == 0)
			r = parse_env_deny(v, p, err);
		else if (strcmp(key, "seccomp") == 0) {
			r = parse_seccomp(v, &p->seccomp, err);
			p->has_seccomp = true;
		} else
			r = al_error_set(err, 0, "%s: unknown field", key);
		if (r < 0)
			return -1;
	}
	return 0;
}

int al_profile_parse(const char *json, size_t len, struct al_profile *out, struct al_error *err)
{
	json_error_t jerr;

	memset(out, 0, sizeof(*out));
	limits_default(&out->limits);
	al_policy_default(&out->seccomp);
	if (len > MAX_PROFILE_BYTES)
		return al_error_set(err, 0, "profile: larger than %d bytes", MAX_PROFILE_BYTES);
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return al_error_set(err, 0, "profile: line %d column %d: %s", jerr.line, jerr.column,
				    jerr.text);
	int r = parse_root(root, out, err);
	json_decref(root);
	if (r == 0 && !out->workdir && !(out->workdir = strdup("/work")))
		r = al_error_set(err, ENOMEM, "workdir");
	if (r == 0 && !out->net && !(out->net = strdup("none")))
		r = al_error_set(err, ENOMEM, "net");
	if (r == 0 && !out->name && !(out->name = strdup("custom")))
		r = al_error_set(err, ENOMEM, "name");
	if (r < 0)
		al_profile_free(out);
	return r;
}

int al_profile_load(const char *name, struct al_profile *out, struct al_error *err)
{
	size_t len;
	const char *text = al_profile_builtin(name, &len);

	if (text)
		return al_profile_parse(text, len, out, err);
	if (!strchr(name, '/') && !strstr(name, ".json"))
		return al_error_set(
		    err, 0, "profile %s: no such built-in profile (default, python, node, model-eval, agent)",
		    name);

	/* O_NONBLOCK: a FIFO planted at the path must not block us; it is
	 * refused below as not a regular file. */
	cleanup_close int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return al_error_set(err, errno, "profile %s", name);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return al_error_set(err, 0, "profile %s: not a regular file", name);
	if (st.st_size > MAX_PROFILE_BYTES)
		return al_error_set(err, 0, "profile %s: larger than %d bytes", name, MAX_PROFILE_BYTES);
	cleanup_free char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return al_error_set(err, ENOMEM, "profile %s", name);
	ssize_t n = read(fd, buf, (size_t)st.st_size + 1);
	if (n < 0)
		return al_error_set(err, errno, "profile %s", name);
	if (al_profile_parse(buf, (size_t)n, out, err) < 0)
		return al_error_wrap(err, "%s", name);
	return 0;
}

static json_t *dump_seccomp(const struct al_sc_policy *sp)
{
	static const char *const ops[] = {"eq", "ne", "lt", "le", "gt", "ge", "masked_eq"};
	json_t *o = json_object(), *deny = json_array();
	char name[64];

	json_object_set_new(o, "mode",
			    json_string(sp->mode == AL_SC_ALLOW_LIST ? "allow-list" : "deny-list"));
	json_object_set_new(o, "action", json_string(al_policy_action_name(sp->action)));
	json_object_set_new(o, "errno", json_integer(sp->errnum));
	json_object_set_new(o, "on_violation", json_string(sp->kill_on_violation ? "kill" : "deny"));
	if (sp->relax) {
		json_t *relax = json_array();
		for (int g = 0; g < AL_SC_GROUP_N; g++)
			if ((sp->relax & AL_SC_RELAX(g)) && al_policy_group_name((enum al_sc_group)g))
				json_array_append_new(relax,
						      json_string(al_policy_group_name((enum al_sc_group)g)));
		json_object_set_new(o, "relax", relax);
	}
	if (sp->mode == AL_SC_ALLOW_LIST) {
		json_t *allow = json_array();
		for (int nr = 0; nr < AL_SC_NR_MAX; nr++)
			if (al_policy_allowed_p(sp, nr) && al_policy_name(nr, name, sizeof(name)) &&
			    strncmp(name, "syscall_", 8) != 0)
				json_array_append_new(allow, json_string(name));
		json_object_set_new(o, "allow", allow);
	}
	for (size_t i = 0; i < sp->ndeny; i++) {
		const struct al_sc_rule *r = &sp->deny[i];
		json_t *d = json_object(), *args = json_array();
		json_object_set_new(d, "syscall", json_string(al_policy_name(r->nr, name, sizeof(name))));
		if (r->action)
			json_object_set_new(d, "action", json_string(al_policy_action_name(r->action)));
		if (r->errnum)
			json_object_set_new(d, "errno", json_integer(r->errnum));
		for (unsigned k = 0; k < r->ncond; k++) {
			json_t *c = json_pack("{s:i,s:s,s:I}", "index", r->cond[k].index, "op",
					      ops[r->cond[k].op], "value", (json_int_t)r->cond[k].value);
			if (r->cond[k].op == AL_OP_MASKED_EQ)
				json_object_set_new(c, "mask", json_integer((json_int_t)r->cond[k].mask));
			json_array_append_new(args, c);
		}
		json_object_set_new(d, "args", args);
		json_array_append_new(deny, d);
	}
	json_object_set_new(o, "deny", deny);
	return o;
}

char *al_profile_dump(const struct al_profile *p)
{
	json_t *root = json_object(), *ro = json_array(), *rw = json_array(), *env = json_object(),
	       *lim = json_object();

	json_object_set_new(root, "name", json_string(p->name));
	if (p->description)
		json_object_set_new(root, "description", json_string(p->description));
	for (size_t i = 0; i < p->nbinds; i++) {
		const struct al_bind *b = &p->binds[i];
		json_t *o = json_object();
		json_object_set_new(o, "host", json_string(b->host));
		if (strcmp(b->host, b->inside) != 0)
			json_object_set_new(o, "inside", json_string(b->inside));
		if (b->optional)
			json_object_set_new(o, "optional", json_true());
		json_array_append_new(b->writable ? rw : ro, o);
	}
	json_object_set_new(root, "ro", ro);
	json_object_set_new(root, "rw", rw);
	for (size_t i = 0; i < p->nenv; i++) {
		char *eq = strchr(p->env[i], '=');
		cleanup_free char *k = strndup(p->env[i], (size_t)(eq - p->env[i]));
		json_object_set_new(env, k, json_string(eq + 1));
	}
	json_object_set_new(root, "env", env);
	json_object_set_new(root, "workdir", json_string(p->workdir));
	json_object_set_new(root, "net", json_string(p->net));
	const struct al_limits *l = &p->limits;
#define COUNT_OR_UNLIMITED(v) ((v) ? json_integer((json_int_t)(v)) : json_string("unlimited"))
#define SECONDS_OR_UNLIMITED(v) ((v) > 0 ? json_real(v) : json_string("unlimited"))
	json_object_set_new(lim, "memory", COUNT_OR_UNLIMITED(l->memory));
	json_object_set_new(lim, "pids", COUNT_OR_UNLIMITED(l->pids));
	json_object_set_new(lim, "cpu_weight", json_integer((json_int_t)l->cpu_weight));
	json_object_set_new(lim, "time", SECONDS_OR_UNLIMITED(l->time_s));
	json_object_set_new(lim, "cpu_time", SECONDS_OR_UNLIMITED(l->cpu_time_s));
	json_object_set_new(lim, "output", COUNT_OR_UNLIMITED(l->output));
	json_object_set_new(lim, "tmpfs_size", COUNT_OR_UNLIMITED(l->tmpfs_size));
	json_object_set_new(lim, "open_files", COUNT_OR_UNLIMITED(l->open_files));
	json_object_set_new(lim, "file_size", COUNT_OR_UNLIMITED(l->file_size));
	json_object_set_new(lim, "net_connections", json_integer((json_int_t)l->net_connections));
	json_object_set_new(lim, "net_bytes", COUNT_OR_UNLIMITED(l->net_bytes));
	json_object_set_new(lim, "net_idle", json_real(l->net_idle_s));
	json_object_set_new(root, "limits", lim);
	json_t *ll = json_object();
	json_object_set_new(ll, "required", json_boolean(p->landlock.required));
	if (p->landlock.tcp_rules) {
		json_t *b = json_array(), *c = json_array();
		for (size_t i = 0; i < p->landlock.ntcp_bind; i++)
			json_array_append_new(b, json_integer(p->landlock.tcp_bind[i]));
		for (size_t i = 0; i < p->landlock.ntcp_connect; i++)
			json_array_append_new(c, json_integer(p->landlock.tcp_connect[i]));
		json_object_set_new(ll, "tcp_bind", b);
		json_object_set_new(ll, "tcp_connect", c);
	}
	json_object_set_new(root, "landlock", ll);
	static const char *const cwd_names[] = {"none", "ro", "rw"};
	if (p->cwd != AL_CWD_NONE)
		json_object_set_new(root, "cwd", json_string(cwd_names[p->cwd]));
	if (p->home_tmpfs)
		json_object_set_new(root, "home", json_string("tmpfs"));
	if (p->nenv_deny) {
		json_t *d = json_array();
		for (size_t i = 0; i < p->nenv_deny; i++)
			json_array_append_new(d, json_string(p->env_deny[i]));
		json_object_set_new(root, "env_deny", d);
	}
	if (p->has_seccomp || p->seccomp.mode != AL_SC_DENY_LIST)
		json_object_set_new(root, "seccomp", dump_seccomp(&p->seccomp));
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}

void al_profile_free(struct al_profile *p)
{
	free(p->name);
	free(p->description);
	for (size_t i = 0; i < p->nbinds; i++) {
		free(p->binds[i].host);
		free(p->binds[i].inside);
	}
	for (size_t i = 0; i < p->nenv; i++)
		free(p->env[i]);
	free(p->workdir);
	free(p->net);
	free(p->home_dir);
	for (size_t i = 0; i < p->nenv_deny; i++)
		free(p->env_deny[i]);
	memset(p, 0, sizeof(*p));
}
