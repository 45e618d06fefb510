/* The service's config: tenants, tokens, quotas, ceilings (tenants.h). */
#include "tenants.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util.h"

const char *const service_profiles[] = {"default", "python", "node", "model-eval", NULL};

#define fail(err, ...) req_fail(err, 400, __VA_ARGS__)

static int only(json_t *obj, const char *where, const char *const *names, struct req_error *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return fail(err, where, "expected an object");
	json_object_foreach(obj, key, v)
	{
		bool ok = false;
		for (const char *const *n = names; *n && !ok; n++)
			ok = strcmp(*n, key) == 0;
		if (!ok) {
			char field[128];
			snprintf(field, sizeof(field), "%s%s%.64s", where, *where ? "." : "", key);
			return fail(err, field, "unknown field");
		}
	}
	return 0;
}

static int hash_of(json_t *v, const char *field, unsigned char out[32], struct req_error *err)
{
	size_t n;
	if (!json_is_string(v) || json_string_length(v) != 64 ||
	    sodium_hex2bin(out, 32, json_string_value(v), 64, NULL, &n, NULL) != 0 || n != 32)
		return fail(err, field,
			    "expected 64 hex digits (the SHA-256 of the token: "
			    "printf %%s TOKEN | sha256sum)");
	return 0;
}

static int unsigned_of(json_t *v, const char *field, unsigned *out, struct req_error *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000)
		return fail(err, field, "expected a whole number from 1 to 1000000");
	*out = (unsigned)json_integer_value(v);
	return 0;
}

static int strings_of(json_t *a, const char *field, size_t max, char ***out, size_t *n, struct req_error *err)
{
	json_t *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > max)
		return fail(err, field, "expected an array of at most %zu strings", max);
	if (!(*out = calloc(json_array_size(a) + 1, sizeof(char *))))
		return fail(err, field, "out of memory");
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > REQ_MAX_RULE ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return fail(err, field, "item %zu: expected a non-empty string", i);
		if (!((*out)[i] = strdup(json_string_value(v))))
			return fail(err, field, "out of memory");
		(*n)++;
	}
	return 0;
}

static int quotas_of(json_t *q, const char *where, struct tenant *t, struct req_error *err)
{
	static const char *const names[] = {"sandboxes", "executions_per_minute", "cpu_seconds_per_hour",
					    NULL};
	char field[128];
	json_t *v;

	if (only(q, where, names, err) < 0)
		return -1;
	snprintf(field, sizeof(field), "%s.cpu_seconds_per_hour", where);
	if ((v = json_object_get(q, "cpu_seconds_per_hour")) && unsigned_of(v, field, &t->q_cpu_s, err) < 0)
		return -1;
	snprintf(field, sizeof(field), "%s.sandboxes", where);
	if ((v = json_object_get(q, "sandboxes")) && unsigned_of(v, field, &t->q_sandboxes, err) < 0)
		return -1;
	snprintf(field, sizeof(field), "%s.executions_per_minute", where);
	if ((v = json_object_get(q, "executions_per_minute")) && unsigned_of(v, field, &t->q_epm, err) < 0)
		return -1;
	return 0;
}

/* Ceilings take the request's limit names and forms, plus profiles and
 * egress; they are decoded by the request decoder's own limit rules. */
static int ceilings_of(json_t *c, const char *where, struct tenant *t, struct req_error *err)
{
	static const char *const names[] = {"memory",	  "pids",     "time",	"cpu_time", "output",
					    "tmpfs_size", "profiles", "egress", NULL};
	char field[128];
	json_t *v;

	if (only(c, where, names, err) < 0)
		return -1;
	json_t *limits = json_deep_copy(c);
	if (!limits)
		return fail(err, where, "out of memory");
	json_object_del(limits, "profiles");
	json_object_del(limits, "egress");
	char *text = json_dumps(limits, 0);
	json_decref(limits);
	struct req_run run;
	struct req_error e = {0};
	/* {"argv": ["x"], "limits": {...}}: the same checks as a request's. */
	char *body = NULL;
	if (!text || asprintf(&body, "{\"argv\":[\"x\"],\"limits\":%s}", text) < 0) {
		free(text);
		return fail(err, where, "out of memory");
	}
	free(text);
	int r = req_decode_run(body, strlen(body), REQ_EXECUTE, &run, &e);
	free(body);
	if (r < 0) {
		snprintf(field, sizeof(field), "%s.%s", where,
			 strncmp(e.field, "limits.", 7) == 0 ? e.field + 7 : e.field);
		return fail(err, field, "%s", strchr(e.detail, ':') ? strchr(e.detail, ':') + 2 : e.detail);
	}
	t->ceil = run.limits;
	req_run_free(&run);
	for (int i = 0; i < REQ_NLIMITS; i++)
		if (t->ceil.unlimited[i])
			t->ceil.set[i] = false;
	snprintf(field, sizeof(field), "%s.profiles", where);
	if ((v = json_object_get(c, "profiles"))) {
		if (strings_of(v, field, 32, &t->profiles, &t->nprofiles, err) < 0)
			return -1;
		for (size_t i = 0; i < t->nprofiles; i++) {
			bool known = false;
			for (const char *const *p = service_profiles; *p && !known; p++)
				known = strcmp(*p, t->profiles[i]) == 0;
			if (!known)
				return fail(err, field,
					    "\"%s\" is not a profile the service offers (default, "
					    "python, node, model-eval)",
					    t->profiles[i]);
		}
	}
	snprintf(field, sizeof(field), "%s.egress", where);
	if ((v = json_object_get(c, "egress")) &&
	    strings_of(v, field, TENANT_MAX_RULES, &t->egress, &t->negress, err) < 0)
		return -1;
	return 0;
}

/* "on_violations": {throttle_after, quarantine_after, window, quarantine_for}. */
static int on_violations_of(json_t *o, const char *where, struct tenant *t, struct req_error *err)
{
	static const char *const names[] = {"throttle_after", "quarantine_after", "window", "quarantine_for",
					    NULL};
	unsigned *outs[] = {&t->throttle_after, &t->quarantine_after, &t->window, &t->quarantine_for};
	char field[128];
	json_t *v;

	if (only(o, where, names, err) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(outs); i++) {
		snprintf(field, sizeof(field), "%s.%s", where, names[i]);
		if ((v = json_object_get(o, names[i])) && unsigned_of(v, field, outs[i], err) < 0)
			return -1;
	}
	if (!t->throttle_after && !t->quarantine_after)
		return fail(err, where, "throttle_after or quarantine_after is needed");
	if (t->throttle_after && t->quarantine_after && t->quarantine_after < t->throttle_after) {
		snprintf(field, sizeof(field), "%s.quarantine_after", where);
		return fail(err, field, "below throttle_after");
	}
	if (!t->window)
		t->window = 600;
	if (!t->quarantine_for)
		t->quarantine_for = 900;
	return 0;
}

/* "secrets": {"NAME": {"file": PATH} | {"env": VAR}}. */
static int secrets_of(json_t *o, const char *where, struct tenant *t, struct req_error *err)
{
	static const char *const names[] = {"file", "env", NULL};
	const char *key;
	json_t *v;
	char field[200];

	if (!json_is_object(o) || json_object_size(o) > 64)
		return fail(err, where,
			    "expected an object of at most 64 NAME: {\"file\": PATH} or {\"env\": VAR}");
	if (!(t->secrets = calloc(json_object_size(o) + 1, sizeof(*t->secrets))))
		return fail(err, where, "out of memory");
	json_object_foreach(o, key, v)
	{
		struct tenant_secret *s = &t->secrets[t->nsecrets];
		snprintf(field, sizeof(field), "%s.%.64s", where, key);
		if (!*key || strlen(key) > 64 || (key[0] >= '0' && key[0] <= '9') ||
		    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
			strlen(key))
			return fail(err, field, "a secret's name is a variable's: letters, digits and _");
		if (only(v, field, names, err) < 0)
			return -1;
		json_t *file = json_object_get(v, "file"), *env = json_object_get(v, "env");
		if (!file == !env || !json_is_string(file ? file : env) ||
		    json_string_length(file ? file : env) == 0 ||
		    json_string_length(file ? file : env) > 4096)
			return fail(err, field, "expected one of {\"file\": PATH} or {\"env\": VAR}");
		if (file && json_string_value(file)[0] != '/')
			return fail(err, field, "file: an absolute path");
		snprintf(s->name, sizeof(s->name), "%s", key);
		if (!(file ? (s->file = strdup(json_string_value(file)))
			   : (s->env = strdup(json_string_value(env)))))
			return fail(err, field, "out of memory");
		t->nsecrets++;
	}
	return 0;
}

static int tenant_of(json_t *o, size_t idx, struct tenant *t, struct req_error *err)
{
	static const char *const names[] = {"name",	"token_sha256", "uids",		 "quotas",
					    "ceilings", "secrets",	"on_violations", NULL};
	char where[48], field[96];
	json_t *v;

	snprintf(where, sizeof(where), "tenants[%zu]", idx);
	if (only(o, where, names, err) < 0)
		return -1;
	snprintf(field, sizeof(field), "%s.name", where);
	v = json_object_get(o, "name");
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= TENANT_NAME_MAX ||
	    strspn(json_string_value(v),
		   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
		json_string_length(v))
		return fail(err, field, "expected a name of letters, digits, '-', '_' and '.' (at most %d)",
			    TENANT_NAME_MAX - 1);
	snprintf(t->name, sizeof(t->name), "%s", json_string_value(v));
	snprintf(field, sizeof(field), "%s.on_violations", where);
	if ((v = json_object_get(o, "on_violations")) && on_violations_of(v, field, t, err) < 0)
		return -1;
	snprintf(field, sizeof(field), "%s.secrets", where);
	if ((v = json_object_get(o, "secrets")) && secrets_of(v, field, t, err) < 0)
		return -1;
	snprintf(field, sizeof(field), "%s.token_sha256", where);
	if ((v = json_object_get(o, "token_sha256"))) {
		if (hash_of(v, field, t->token, err) < 0)
			return -1;
		t->has_token = true;
	}
	snprintf(field, sizeof(field), "%s.uids", where);
	if ((v = json_object_get(o, "uids"))) {
		json_t *u;
		size_t i;
		if (!json_is_array(v) || json_array_size(v) > TENANT_MAX_UIDS)
			return fail(err, field, "expected an array of at most %d uids", TENANT_MAX_UIDS);
		json_array_foreach(v, i, u)
		{
			if (!json_is_integer(u) || json_integer_value(u) < 0 ||
			    json_integer_value(u) >= 4294967295LL)
				return fail(err, field, "item %zu: expected a uid", i);
			t->uids[t->nuids++] = (uid_t)json_integer_value(u);
		}
	}
	if (!t->has_token && t->nuids == 0)
		return fail(err, where, "a tenant needs token_sha256 or uids");
	snprintf(field, sizeof(field), "%s.quotas", where);
	if ((v = json_object_get(o, "quotas")) && quotas_of(v, field, t, err) < 0)
		return -1;
	snprintf(field, sizeof(field), "%s.ceilings", where);
	if ((v = json_object_get(o, "ceilings")) && ceilings_of(v, field, t, err) < 0)
		return -1;
	return 0;
}

/* Tenant i against those before it: names, tokens and uids are each one
 * tenant's. */
static int clash(const struct tenants *ts, size_t i, struct req_error *err)
{
	const struct tenant *t = &ts->t[i];
	char field[48];

	snprintf(field, sizeof(field), "tenants[%zu]", i);
	for (size_t k = 0; k < i; k++) {
		if (strcmp(ts->t[k].name, t->name) == 0)
			return fail(err, field, "a second tenant named \"%s\"", t->name);
		if (t->has_token && ts->t[k].has_token && sodium_memcmp(t->token, ts->t[k].token, 32) == 0)
			return fail(err, field, "the same token as tenants[%zu]", k);
		for (size_t a = 0; a < t->nuids; a++)
			for (size_t b = 0; b < ts->t[k].nuids; b++)
				if (t->uids[a] == ts->t[k].uids[b])
					return fail(err, field, "uid %u is also tenants[%zu]'s",
						    (unsigned)t->uids[a], k);
	}
	return 0;
}

/* "label_rules": [{"name", "labels": [...], "egress": [...]}]. */
static int label_rules_of(json_t *a, struct tenants *ts, struct req_error *err)
{
	static const char *const names[] = {"name", "labels", "egress", NULL};
	char where[48], field[96];
	json_t *o, *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > 64)
		return fail(err, "label_rules", "expected an array of at most 64 rules");
	if (!(ts->rules = calloc(json_array_size(a) + 1, sizeof(*ts->rules))))
		return fail(err, "label_rules", "out of memory");
	json_array_foreach(a, i, o)
	{
		struct label_rule *r = &ts->rules[ts->nrules++];
		snprintf(where, sizeof(where), "label_rules[%zu]", i);
		if (only(o, where, names, err) < 0)
			return -1;
		snprintf(field, sizeof(field), "%s.name", where);
		v = json_object_get(o, "name");
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) >= TENANT_NAME_MAX)
			return fail(err, field, "expected a name of at most %d bytes", TENANT_NAME_MAX - 1);
		snprintf(r->name, sizeof(r->name), "%s", json_string_value(v));
		snprintf(field, sizeof(field), "%s.labels", where);
		v = json_object_get(o, "labels");
		if (!v || strings_of(v, field, 32, &r->labels, &r->nlabels, err) < 0)
			return v ? -1 : fail(err, field, "missing");
		snprintf(field, sizeof(field), "%s.egress", where);
		if ((v = json_object_get(o, "egress")) &&
		    strings_of(v, field, TENANT_MAX_RULES, &r->egress, &r->negress, err) < 0)
			return -1;
	}
	return 0;
}

/* A module name as import takes it: dotted identifiers. */
static bool module_name_ok(const char *m)
{
	bool start = true;
	for (; *m; m++) {
		bool alpha = (*m >= 'a' && *m <= 'z') || (*m >= 'A' && *m <= 'Z') || *m == '_';
		if (*m == '.' && !start)
			start = true;
		else if (alpha || (!start && *m >= '0' && *m <= '9'))
			start = false;
		else
			return false;
	}
	return !start;
}

/* "pools": [{"profile", "ready", "preload": [...], "max_age"}]. */
static int pools_of(json_t *a, struct tenants *ts, struct req_error *err)
{
	static const char *const names[] = {"profile", "ready", "preload", "max_age", NULL};
	char where[32], field[64];
	json_t *o, *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > POOL_MAX)
		return fail(err, "pools", "expected an array of at most %d pools", POOL_MAX);
	if (!(ts->pools = calloc(json_array_size(a) + 1, sizeof(*ts->pools))))
		return fail(err, "pools", "out of memory");
	json_array_foreach(a, i, o)
	{
		struct pool_spec *p = &ts->pools[i];
		ts->npools++;
		snprintf(where, sizeof(where), "pools[%zu]", i);
		if (only(o, where, names, err) < 0)
			return -1;
		snprintf(field, sizeof(field), "%s.profile", where);
		const char *prof = json_string_value(json_object_get(o, "profile"));
		size_t k = 0;
		while (prof && service_profiles[k] && strcmp(service_profiles[k], prof) != 0)
			k++;
		if (!prof || !service_profiles[k] || strcmp(prof, "node") == 0)
			return fail(err, field, "a profile with python3: default, python or model-eval");
		for (size_t q = 0; q < i; q++)
			if (strcmp(ts->pools[q].profile, prof) == 0)
				return fail(err, field, "\"%s\" has a pool already (pools[%zu])", prof, q);
		snprintf(p->profile, sizeof(p->profile), "%s", prof);
		p->ready = 2;
		snprintf(field, sizeof(field), "%s.ready", where);
		if ((v = json_object_get(o, "ready")) && unsigned_of(v, field, &p->ready, err) < 0)
			return -1;
		if (p->ready < 1 || p->ready > POOL_MAX_READY)
			return fail(err, field, "1 to %d sandboxes", POOL_MAX_READY);
		p->max_age = 300;
		snprintf(field, sizeof(field), "%s.max_age", where);
		if ((v = json_object_get(o, "max_age")) && unsigned_of(v, field, &p->max_age, err) < 0)
			return -1;
		if (p->max_age < 5 || p->max_age > 3000)
			return fail(err, field, "5 to 3000 seconds (a kept sandbox's deadline is an hour)");
		snprintf(field, sizeof(field), "%s.preload", where);
		if ((v = json_object_get(o, "preload")) &&
		    strings_of(v, field, POOL_MAX_PRELOAD, &p->preload, &p->npreload, err) < 0)
			return -1;
		for (size_t m = 0; m < p->npreload; m++)
			if (!module_name_ok(p->preload[m]))
				return fail(err, field, "item %zu: \"%.80s\" is not a module name", m, p->preload[m]);
	}
	return 0;
}

int tenants_parse(const char *json, size_t len, struct tenants **out, struct req_error *err)
{
	static const char *const names[] = {"admin", "tenants", "pools", "label_rules", NULL};
	static const char *const admin_names[] = {"token_sha256", NULL};
	json_error_t je;
	json_t *j, *v;
	struct tenants *ts = calloc(1, sizeof(*ts));
	int rc = -1;

	*out = NULL;
	if (!ts)
		return fail(err, "config", "out of memory");
	j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		fail(err, "config", "not JSON: %s (line %d, column %d)", je.text, je.line, je.column);
		goto out;
	}
	if (only(j, "", names, err) < 0)
		goto out;
	if ((v = json_object_get(j, "pools")) && pools_of(v, ts, err) < 0)
		goto out;
	if ((v = json_object_get(j, "admin"))) {
		if (only(v, "admin", admin_names, err) < 0 || !json_object_get(v, "token_sha256") ||
		    hash_of(json_object_get(v, "token_sha256"), "admin.token_sha256", ts->admin, err) < 0) {
			if (!err->detail[0])
				fail(err, "admin.token_sha256", "missing");
			goto out;
		}
		ts->has_admin = true;
	}
	if ((v = json_object_get(j, "label_rules")) && label_rules_of(v, ts, err) < 0)
		goto out;
	v = json_object_get(j, "tenants");
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > TENANT_MAX) {
		fail(err, "tenants", "expected an array of 1 to %d tenants", TENANT_MAX);
		goto out;
	}
	if (!(ts->t = calloc(json_array_size(v), sizeof(*ts->t)))) {
		fail(err, "tenants", "out of memory");
		goto out;
	}
	json_t *o;
	size_t i;
	json_array_foreach(v, i, o)
	{
		struct tenant *t = &ts->t[i];
		ts->n++;
		if (tenant_of(o, i, t, err) < 0)
			goto out;
		if (clash(ts, i, err) < 0)
			goto out;
	}
	*out = ts;
	ts = NULL;
	rc = 0;
out:
	json_decref(j);
	tenants_free(ts);
	return rc;
}

int tenants_load(const char *path, struct tenants **out, char *msg, size_t len)
{
	enum { MAX = 1 << 20 };
	struct req_error err = {0};
	struct stat st;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(msg, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAX) {
		snprintf(msg, len, "%s: not a regular file of at most 1 MiB", path);
		return -1;
	}
	cleanup_free char *buf = malloc((size_t)st.st_size + 1);
	ssize_t n = buf ? read(fd, buf, (size_t)st.st_size + 1) : -1;
	if (n < 0 || n > st.st_size) {
		snprintf(msg, len, "%s: %s", path, n < 0 ? strerror(errno) : "changed while read");
		return -1;
	}
	if (tenants_parse(buf, (size_t)n, out, &err) < 0) {
		snprintf(msg, len, "%s: %s", path, err.detail);
		return -1;
	}
	if (tenants_resolve_secrets(*out, msg, len) < 0) {
		tenants_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* A secret file: at most 64 KiB, one trailing newline dropped (as
 * `echo VALUE > FILE` writes it). */
static int read_secret(struct tenant_secret *s, char *msg, size_t len)
{
	struct stat st;
	cleanup_close int fd = open(s->file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(msg, len, "secret %s: %s: %s", s->name, s->file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > 65536) {
		snprintf(msg, len, "secret %s: %s: not a regular file of at most 64 KiB", s->name, s->file);
		return -1;
	}
	if (!(s->value = malloc((size_t)st.st_size + 1)))
		return -1;
	ssize_t n = read(fd, s->value, (size_t)st.st_size + 1);
	if (n < 0 || n > st.st_size) {
		snprintf(msg, len, "secret %s: %s: %s", s->name, s->file,
			 n < 0 ? strerror(errno) : "changed while read");
		return -1;
	}
	s->len = (size_t)n;
	return 0;
}

int tenants_resolve_secrets(struct tenants *ts, char *msg, size_t len)
{
	for (size_t i = 0; i < ts->n; i++)
		for (size_t k = 0; k < ts->t[i].nsecrets; k++) {
			struct tenant_secret *s = &ts->t[i].secrets[k];
			if (s->file) {
				if (read_secret(s, msg, len) < 0)
					return -1;
			} else {
				const char *v = getenv(s->env);
				if (!v || !(s->value = strdup(v))) {
					snprintf(msg, len, "secret %s: the service's environment has no %s",
						 s->name, s->env);
					return -1;
				}
				s->len = strlen(v);
			}
			if (s->len && s->value[s->len - 1] == '\n' && s->file)
				s->len--;
			s->value[s->len] = '\0';
			if (s->len == 0 || strlen(s->value) != s->len) {
				snprintf(msg, len, "secret %s: empty, or a NUL byte in it", s->name);
				return -1;
			}
		}
	return 0;
}

const struct tenant_secret *tenant_secret(const struct tenant *t, const char *name)
{
	for (size_t i = 0; i < t->nsecrets; i++)
		if (strcmp(t->secrets[i].name, name) == 0)
			return &t->secrets[i];
	return NULL;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void tenants_free(struct tenants *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i < ts->n; i++) {
		free_strv(ts->t[i].profiles, ts->t[i].nprofiles);
		free_strv(ts->t[i].egress, ts->t[i].negress);
		for (size_t k = 0; k < ts->t[i].nsecrets; k++) {
			struct tenant_secret *sc = &ts->t[i].secrets[k];
			if (sc->value)
				sodium_memzero(sc->value, sc->len);
			free(sc->value);
			free(sc->file);
			free(sc->env);
		}
		free(ts->t[i].secrets);
	}
	for (size_t i = 0; i < ts->npools; i++)
		free_strv(ts->pools[i].preload, ts->pools[i].npreload);
	free(ts->pools);
	for (size_t i = 0; i < ts->nrules; i++) {
		free_strv(ts->rules[i].labels, ts->rules[i].nlabels);
		free_strv(ts->rules[i].egress, ts->rules[i].negress);
	}
	free(ts->rules);
	sodium_memzero(ts->admin, sizeof(ts->admin));
	free(ts->t);
	free(ts);
}

const struct tenant *tenants_by_token(const struct tenants *ts, const char *token)
{
	unsigned char h[32];
	const struct tenant *found = NULL;

	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	/* Every tenant compared, found or not: the time says nothing of which. */
	for (size_t i = 0; i < ts->n; i++)
		if (ts->t[i].has_token && sodium_memcmp(h, ts->t[i].token, 32) == 0)
			found = &ts->t[i];
	sodium_memzero(h, sizeof(h));
	return found;
}

bool tenants_is_admin(const struct tenants *ts, const char *token)
{
	unsigned char h[32];
	if (!ts->has_admin || !token)
		return false;
	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	bool ok = sodium_memcmp(h, ts->admin, 32) == 0;
	sodium_memzero(h, sizeof(h));
	return ok;
}

const struct tenant *tenants_by_name(const struct tenants *ts, const char *name)
{
	for (size_t i = 0; ts && i < ts->n; i++)
		if (strcmp(ts->t[i].name, name) == 0)
			return &ts->t[i];
	return NULL;
}

const struct tenant *tenants_by_uid(const struct tenants *ts, uid_t uid)
{
	for (size_t i = 0; i < ts->n; i++)
		for (size_t k = 0; k < ts->t[i].nuids; k++)
			if (ts->t[i].uids[k] == uid)
				return &ts->t[i];
	return NULL;
}

const struct tenant *tenant_local(void)
{
	static const struct tenant local = {.name = "local", .any_egress = true};
	return &local;
}

bool tenant_profile_ok(const struct tenant *t, const char *profile)
{
	bool offered = false;
	for (const char *const *p = service_profiles; *p && !offered; p++)
		offered = strcmp(*p, profile) == 0;
	if (!offered || !t->profiles)
		return offered;
	for (size_t i = 0; i < t->nprofiles; i++)
		if (strcmp(t->profiles[i], profile) == 0)
			return true;
	return false;
}

/* "host", "host:port", "[v6]", "[v6]:port" -> host (brackets kept) and port
 * (NULL when none). */
static void split_rule(const char *rule, char *host, size_t len, const char **port)
{
	const char *colon = rule[0] == '[' ? strchr(rule, ']') : rule;
	colon = colon ? strrchr(colon, ':') : NULL;
	size_t n = colon ? (size_t)(colon - rule) : strlen(rule);
	snprintf(host, len, "%.*s", (int)n, rule);
	*port = colon ? colon + 1 : NULL;
}

bool tenant_egress_ok(const struct tenant *t, const char *rule)
{
	return t->any_egress || egress_match(t->egress, t->negress, rule);
}

int tenants_label_check(const struct tenants *ts, char *const *labels, size_t nlabels, char *const *allow,
			size_t nallow, const char **label, size_t *allow_i)
{
	for (size_t r = 0; ts && r < ts->nrules; r++)
		for (size_t l = 0; l < nlabels; l++) {
			bool has = false;
			for (size_t k = 0; k < ts->rules[r].nlabels && !has; k++)
				has = strcmp(ts->rules[r].labels[k], labels[l]) == 0;
			if (!has)
				continue;
			for (size_t a = 0; a < nallow; a++)
				if (!egress_match(ts->rules[r].egress, ts->rules[r].negress, allow[a])) {
					*label = labels[l];
					*allow_i = a;
					return (int)r;
				}
		}
	return -1;
}

bool egress_match(char *const *patterns, size_t n, const char *rule)
{
	char host[REQ_MAX_RULE + 1], phost[REQ_MAX_RULE + 1];
	const char *port, *pport;

	split_rule(rule, host, sizeof(host), &port);
	for (size_t i = 0; i < n; i++) {
		split_rule(patterns[i], phost, sizeof(phost), &pport);
		/* A pattern without a port covers the rule's default ports
		 * (80, 443) and those named explicitly; with one, only it. */
		bool port_ok = pport ? port && strcmp(port, pport) == 0
				     : !port || strcmp(port, "80") == 0 || strcmp(port, "443") == 0;
		if (port_ok && fnmatch(phost, host, FNM_CASEFOLD) == 0)
			return true;
	}
	return false;
}
