/* Profiles: JSON (parsed by jansson) into struct al_profile. Every error names
 * the field it is about. Profiles are untrusted input: sizes are bounded. */
#include "plan.h"

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

static const struct {
	const char *name, *start, *end;
} builtins[] = {
	{ "default", al_profile_default_json, al_profile_default_json_end },
	{ "python", al_profile_python_json, al_profile_python_json_end },
	{ "node", al_profile_node_json, al_profile_node_json_end },
	{ "model-eval", al_profile_model_eval_json, al_profile_model_eval_json_end },
};

const char *const al_profile_names[] = { "default", "python", "node", "model-eval", NULL };

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
	/* No "..", no "." components and no empty component beyond the root. */
	for (const char *c = p; *c;) {
		while (*c == '/')
			c++;
		const char *e = strchrnul(c, '/');
		size_t n = (size_t)(e - c);
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c = e;
	}
	return true;
}

int al_bind_parse(const char *spec, bool writable, struct al_bind *out, struct al_error *err)
{
	const char *colon = strchr(spec, ':');
	size_t hlen = colon ? (size_t)(colon - spec) : strlen(spec);

	memset(out, 0, sizeof(*out));
	if (hlen == 0 || hlen > MAX_STRING)
		return al_error_set(err, 0, "'%s': expected HOST[:INSIDE]", spec);
	out->host = strndup(spec, hlen);
	out->inside = strdup(colon ? colon + 1 : out->host);
	out->writable = writable;
	if (!out->host || !out->inside) {
		free(out->host);
		free(out->inside);
		return al_error_set(err, ENOMEM, "bind");
	}
	if (!al_path_ok(out->host) || !al_path_ok(out->inside) ||
	    strcmp(out->inside, "/") == 0) {
		free(out->host);
		free(out->inside);
		memset(out, 0, sizeof(*out));
		return al_error_set(err, 0,
				    "'%s': paths must be absolute, without '.' or '..', and not '/' inside",
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
	json_array_foreach(arr, i, v) {
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

			json_object_foreach(v, key, f) {
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
	json_object_foreach(obj, key, v) {
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

/* A limit is a number or a string with a unit; kind picks the parser. */
enum limit_kind { L_SIZE, L_COUNT, L_DURATION, L_WEIGHT };

static int parse_limit(json_t *v, const char *field, enum limit_kind kind, void *out,
		       struct al_error *err)
{
	char buf[64];
	const char *s;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return al_error_set(err, 0, "limits.%s: must not be negative", field);
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		s = buf;
	} else if (json_is_real(v) && kind == L_DURATION) {
		snprintf(buf, sizeof(buf), "%.6f", json_real_value(v));
		s = buf;
	} else if (json_is_string(v) && json_string_length(v) < sizeof(buf)) {
		s = json_string_value(v);
	} else {
		return al_error_set(err, 0, "limits.%s: must be a number or a string such as \"64M\"",
				    field);
	}
	int r;
	switch (kind) {
	case L_SIZE: r = al_parse_size(s, out, err); break;
	case L_COUNT: r = al_parse_uint(s, 0, 1u << 22, out, err); break;
	case L_WEIGHT: r = al_parse_uint(s, 1, 10000, out, err); break;
	case L_DURATION:
		/* 0 means unlimited for a duration. */
		if (strcmp(s, "0") == 0) {
			*(double *)out = 0;
			return 0;
		}
		r = al_parse_duration(s, out, err);
		break;
	default: r = -1;
	}
	return r < 0 ? al_error_wrap(err, "limits.%s", field) : 0;
}

static const struct {
	const char *name;
	enum limit_kind kind;
	size_t offset;
} limit_fields[] = {
	{ "memory", L_SIZE, offsetof(struct al_limits, memory) },
	{ "pids", L_COUNT, offsetof(struct al_limits, pids) },
	{ "cpu_weight", L_WEIGHT, offsetof(struct al_limits, cpu_weight) },
	{ "time", L_DURATION, offsetof(struct al_limits, time_s) },
	{ "cpu_time", L_DURATION, offsetof(struct al_limits, cpu_time_s) },
	{ "output", L_SIZE, offsetof(struct al_limits, output) },
	{ "tmpfs_size", L_SIZE, offsetof(struct al_limits, tmpfs_size) },
	{ "open_files", L_COUNT, offsetof(struct al_limits, open_files) },
	{ "file_size", L_SIZE, offsetof(struct al_limits, file_size) },
};

int al_limit_set(struct al_limits *l, const char *name, const char *value, struct al_error *err)
{
	json_t *v = json_string(value);
	int r = -1;

	for (size_t i = 0; i < ARRAY_SIZE(limit_fields); i++)
		if (strcmp(limit_fields[i].name, name) == 0)
			r = parse_limit(v, name, limit_fields[i].kind,
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
	json_object_foreach(obj, key, v) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(limit_fields); i++)
			if (strcmp(limit_fields[i].name, key) == 0)
				break;
		if (i == ARRAY_SIZE(limit_fields))
			return al_error_set(err, 0, "limits.%s: unknown limit", key);
		if (parse_limit(v, key, limit_fields[i].kind, (char *)l + limit_fields[i].offset,
				err) < 0)
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
	};
}

static int parse_root(json_t *root, struct al_profile *p, struct al_error *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(root))
		return al_error_set(err, 0, "profile: must be a JSON object");
	json_object_foreach(root, key, v) {
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
		} else if (strcmp(key, "net") == 0) {
			free(p->net);
			r = dup_string(v, "net", &p->net, err);
			if (r == 0 && strcmp(p->net, "none") != 0)
				r = al_error_set(err, 0, "net: only \"none\" is supported");
		} else if (strcmp(key, "limits") == 0)
			r = parse_limits(v, &p->limits, err);
		else
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
		return al_error_set(err, 0, "profile %s: no such built-in profile (default, python, node, model-eval)",
				    name);

	cleanup_close int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
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
	json_object_set_new(lim, "memory", json_integer((json_int_t)l->memory));
	json_object_set_new(lim, "pids", json_integer((json_int_t)l->pids));
	json_object_set_new(lim, "cpu_weight", json_integer((json_int_t)l->cpu_weight));
	json_object_set_new(lim, "time", json_real(l->time_s));
	json_object_set_new(lim, "cpu_time", json_real(l->cpu_time_s));
	json_object_set_new(lim, "output", json_integer((json_int_t)l->output));
	json_object_set_new(lim, "tmpfs_size", json_integer((json_int_t)l->tmpfs_size));
	json_object_set_new(lim, "open_files", json_integer((json_int_t)l->open_files));
	json_object_set_new(lim, "file_size", json_integer((json_int_t)l->file_size));
	json_object_set_new(root, "limits", lim);
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
	memset(p, 0, sizeof(*p));
}
