/* Request bodies, decoded and checked (request.h). Every check names its
 * field; nothing here touches the system. */
#include "request.h"

#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"

const char *const req_limit_names[REQ_NLIMITS] = {"memory",   "pids",	"time",
						  "cpu_time", "output", "tmpfs_size"};
const char *const req_limit_keys[REQ_NLIMITS] = {"memory",   "pids",   "time",
						 "cpu-time", "output", "tmpfs-size"};

bool req_limit_is_time(int i) { return i == REQ_TIME || i == REQ_CPU_TIME; }

int req_fail(struct req_error *err, unsigned status, const char *field, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err) {
		err->status = status;
		snprintf(err->field, sizeof(err->field), "%s", field);
		snprintf(err->detail, sizeof(err->detail), "%s%s%s", field, *field ? ": " : "", msg);
	}
	return -1;
}

/* The body as a JSON object (an empty body is {}); duplicate keys refused. */
static json_t *parse(const char *body, size_t len, struct req_error *err)
{
	json_error_t je;
	json_t *j;

	if (len == 0)
		return json_object();
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		req_fail(err, 400, "", "the body is not JSON: %s (line %d, column %d)", je.text, je.line,
			 je.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		req_fail(err, 400, "", "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* Every key of obj must be one of names (NULL-terminated). */
static int known_fields(json_t *obj, const char *prefix, const char *const *names, struct req_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		bool ok = false;
		for (const char *const *n = names; *n && !ok; n++)
			ok = strcmp(key, *n) == 0;
		if (!ok) {
			char field[128];
			snprintf(field, sizeof(field), "%s%.100s", prefix, key);
			return req_fail(err, 400, field, "unknown field");
		}
	}
	return 0;
}

/* A JSON string without NUL bytes (jansson allows \u0000), at most max bytes. */
static int string_of(json_t *v, const char *field, size_t max, const char **out, struct req_error *err)
{
	if (!json_is_string(v))
		return req_fail(err, 400, field, "expected a string");
	size_t n = json_string_length(v);
	if (n > max)
		return req_fail(err, 413, field, "longer than %zu bytes", max);
	if (strlen(json_string_value(v)) != n)
		return req_fail(err, 400, field, "contains a NUL byte");
	*out = json_string_value(v);
	return 0;
}

static int dup_string(json_t *v, const char *field, size_t max, char **out, struct req_error *err)
{
	const char *s;
	if (string_of(v, field, max, &s, err) < 0)
		return -1;
	if (!(*out = strdup(s)))
		return req_fail(err, 413, field, "out of memory");
	return 0;
}

/* Bytes of a string in an encoding: "utf8" (as it is) or "base64". */
static int decode_bytes(json_t *v, const char *encoding, const char *field, unsigned char **out, size_t *len,
			struct req_error *err)
{
	if (!json_is_string(v))
		return req_fail(err, 400, field, "expected a string");
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (!encoding || strcmp(encoding, "utf8") == 0) {
		if (!(*out = malloc(n ? n : 1)))
			return req_fail(err, 413, field, "out of memory");
		memcpy(*out, s, n);
		*len = n;
		return 0;
	}
	size_t cap = n / 4 * 3 + 3;
	if (!(*out = malloc(cap ? cap : 1)))
		return req_fail(err, 413, field, "out of memory");
	if (sodium_base642bin(*out, cap, s, n, " \r\n", len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(*out);
		*out = NULL;
		return req_fail(err, 400, field, "not valid base64");
	}
	return 0;
}

static int encoding_of(json_t *obj, const char *key, const char *field, const char **out,
		       struct req_error *err)
{
	json_t *v = json_object_get(obj, key);
	*out = "utf8";
	if (!v)
		return 0;
	if (!json_is_string(v) ||
	    (strcmp(json_string_value(v), "utf8") != 0 && strcmp(json_string_value(v), "base64") != 0))
		return req_fail(err, 400, field, "expected \"utf8\" or \"base64\"");
	*out = json_string_value(v);
	return 0;
}

int req_check_path(const char *path, const char *field, struct req_error *err)
{
	size_t n = strlen(path);
	if (n == 0)
		return req_fail(err, 400, field, "empty path");
	if (n > REQ_MAX_PATH)
		return req_fail(err, 413, field, "longer than %d bytes", REQ_MAX_PATH);
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return req_fail(err, 400, field, "a control character in the path");
	for (const char *p = path; *p;) {
		const char *e = strchrnul(p, '/');
		size_t k = (size_t)(e - p);
		if ((k == 1 && p[0] == '.') || (k == 2 && p[0] == '.' && p[1] == '.'))
			return req_fail(err, 400, field, "\".\" and \"..\" are not allowed in a path");
		p = *e ? e + 1 : e;
	}
	return 0;
}

/* A built-in profile's name (never a path: the service reads no file a
 * client names). Whether the tenant may use it is the caller's check. */
static int profile_of(json_t *v, char **out, struct req_error *err)
{
	const char *s;
	if (string_of(v, "profile", REQ_MAX_NAME, &s, err) < 0)
		return -1;
	if (!*s || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(s))
		return req_fail(err, 400, "profile", "a built-in profile's name (such as default or python)");
	*out = strdup(s);
	return *out ? 0 : req_fail(err, 413, "profile", "out of memory");
}

static int limits_of(json_t *obj, struct req_limits *l, struct req_error *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return req_fail(err, 400, "limits", "expected an object");
	const char *names[REQ_NLIMITS + 1] = {NULL};
	memcpy(names, req_limit_names, sizeof(req_limit_names));
	if (known_fields(obj, "limits.", names, err) < 0)
		return -1;
	json_object_foreach(obj, key, v)
	{
		int i = 0;
		char field[64], text[40];
		struct al_error e = {0};
		while (strcmp(req_limit_names[i], key) != 0)
			i++;
		snprintf(field, sizeof(field), "limits.%s", key);
		if (json_is_integer(v) && json_integer_value(v) >= 0)
			snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(v));
		else if (json_is_real(v) && json_real_value(v) > 0 && json_real_value(v) < 1e12 &&
			 req_limit_is_time(i))
			snprintf(text, sizeof(text), "%.3f", json_real_value(v));
		else if (json_is_string(v) && json_string_length(v) < 32 &&
			 strlen(json_string_value(v)) == json_string_length(v))
			snprintf(text, sizeof(text), "%s", json_string_value(v));
		else
			return req_fail(err, 400, field, "expected a number or a string such as \"%s\"",
					req_limit_is_time(i) ? "30"
					: i == REQ_PIDS	     ? "64"
							     : "256M");
		l->set[i] = true;
		snprintf(l->text[i], sizeof(l->text[i]), "%s", text);
		if (strcmp(text, "unlimited") == 0) {
			l->unlimited[i] = true;
			continue;
		}
		uint64_t n;
		double d;
		int r = i == REQ_PIDS	       ? al_parse_uint(text, 2, 4194304, &n, &e)
			: req_limit_is_time(i) ? al_parse_duration(text, &d, &e)
					       : al_parse_size(text, &n, &e);
		if (r < 0)
			return req_fail(err, 400, field, "%s", e.msg);
		l->value[i] = req_limit_is_time(i) ? d : (double)n;
	}
	return 0;
}

static int network_of(json_t *obj, struct req_network *net, struct req_error *err)
{
	static const char *const fields[] = {"allow", NULL};
	json_t *allow, *v;
	size_t i;

	if (!json_is_object(obj))
		return req_fail(err, 400, "network",
				"expected an object such as {\"allow\": [\"pypi.org\"]}");
	if (known_fields(obj, "network.", fields, err) < 0)
		return -1;
	net->set = true;
	allow = json_object_get(obj, "allow");
	if (!allow)
		allow = json_array();
	else
		json_incref(allow);
	if (!json_is_array(allow)) {
		json_decref(allow);
		return req_fail(err, 400, "network.allow", "expected an array of rules");
	}
	size_t n = json_array_size(allow);
	if (n > REQ_MAX_RULES) {
		json_decref(allow);
		return req_fail(err, 413, "network.allow", "more than %d rules", REQ_MAX_RULES);
	}
	net->allow = calloc(n + 1, sizeof(char *));
	if (!net->allow) {
		json_decref(allow);
		return req_fail(err, 413, "network.allow", "out of memory");
	}
	json_array_foreach(allow, i, v)
	{
		char field[48];
		const char *s;
		snprintf(field, sizeof(field), "network.allow[%zu]", i);
		if (string_of(v, field, REQ_MAX_RULE, &s, err) < 0) {
			json_decref(allow);
			return -1;
		}
		/* One rule: the library's own grammar is checked at start;
		 * here only what would split or smuggle a rule. */
		if (!*s || strpbrk(s, ", \t\r\n") ||
		    s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"0123456789.-_*:[]")]) {
			json_decref(allow);
			return req_fail(err, 400, field,
					"a rule is a host, *.domain or address, with an optional :port");
		}
		net->allow[net->n++] = strdup(s);
		if (!net->allow[net->n - 1]) {
			json_decref(allow);
			return req_fail(err, 413, field, "out of memory");
		}
	}
	json_decref(allow);
	return 0;
}

static int env_of(json_t *obj, char ***out, size_t *count, size_t *bytes, struct req_error *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return req_fail(err, 400, "env", "expected an object of NAME: value");
	size_t n = json_object_size(obj);
	if (n > REQ_MAX_ENV)
		return req_fail(err, 413, "env", "more than %d variables", REQ_MAX_ENV);
	char **env = calloc(n + 1, sizeof(char *));
	if (!env)
		return req_fail(err, 413, "env", "out of memory");
	*out = env;
	json_object_foreach(obj, key, v)
	{
		char field[160];
		const char *s;
		snprintf(field, sizeof(field), "env.%.128s", key);
		if (!*key || strlen(key) > 128 || (key[0] >= '0' && key[0] <= '9') ||
		    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
			strlen(key))
			return req_fail(err, 400, field, "a variable's name is letters, digits and _");
		if (string_of(v, field, REQ_MAX_ARGS_BYTES, &s, err) < 0)
			return -1;
		*bytes += strlen(key) + strlen(s) + 2;
		if (*bytes > REQ_MAX_ARGS_BYTES)
			return req_fail(err, 413, "env", "arguments and environment longer than %d bytes",
					REQ_MAX_ARGS_BYTES);
		if (asprintf(&env[*count], "%s=%s", key, s) < 0) {
			env[*count] = NULL;
			return req_fail(err, 413, field, "out of memory");
		}
		(*count)++;
	}
	return 0;
}

static int argv_of(json_t *a, struct req_run *r, size_t *bytes, struct req_error *err)
{
	json_t *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) == 0)
		return req_fail(err, 400, "argv", "expected a non-empty array of strings");
	if (json_array_size(a) > REQ_MAX_ARGV)
		return req_fail(err, 413, "argv", "more than %d arguments", REQ_MAX_ARGV);
	if (!(r->argv = calloc(json_array_size(a) + 1, sizeof(char *))))
		return req_fail(err, 413, "argv", "out of memory");
	json_array_foreach(a, i, v)
	{
		char field[32];
		snprintf(field, sizeof(field), "argv[%zu]", i);
		if (dup_string(v, field, REQ_MAX_CODE, &r->argv[i], err) < 0)
			return -1;
		r->argc++;
		*bytes += strlen(r->argv[i]) + 1;
		if (*bytes > REQ_MAX_ARGS_BYTES)
			return req_fail(err, 413, "argv", "arguments and environment longer than %d bytes",
					REQ_MAX_ARGS_BYTES);
	}
	if (!r->argv[0][0])
		return req_fail(err, 400, "argv[0]", "the program is an empty string");
	return 0;
}

/* language + code -> argv. */
static int code_of(json_t *lang, json_t *code, struct req_run *r, struct req_error *err)
{
	const char *l, *c;

	if (!lang)
		return req_fail(err, 400, "language", "code needs a language (python or sh)");
	if (!code)
		return req_fail(err, 400, "code", "language needs code");
	if (string_of(lang, "language", REQ_MAX_NAME, &l, err) < 0 ||
	    string_of(code, "code", REQ_MAX_CODE, &c, err) < 0)
		return -1;
	if (strcmp(l, "python") == 0)
		r->language = "python";
	else if (strcmp(l, "sh") == 0)
		r->language = "sh";
	else
		return req_fail(err, 400, "language", "python or sh, not \"%.40s\"", l);
	const char *prog = r->language[0] == 'p' ? "python3" : "/bin/sh";
	if (!(r->argv = calloc(4, sizeof(char *))) || !(r->argv[0] = strdup(prog)) ||
	    !(r->argv[1] = strdup("-c")) || !(r->argv[2] = strdup(c)))
		return req_fail(err, 413, "code", "out of memory");
	r->argc = 3;
	return 0;
}

static int files_of(json_t *a, struct req_run *r, struct req_error *err)
{
	static const char *const fields[] = {"path", "content", "encoding", "mode", "labels", NULL};
	json_t *f;
	size_t i;

	if (!json_is_array(a))
		return req_fail(err, 400, "files", "expected an array of {path, content, encoding}");
	if (json_array_size(a) > REQ_MAX_FILES)
		return req_fail(err, 413, "files", "more than %d files", REQ_MAX_FILES);
	if (!(r->files = calloc(json_array_size(a) + 1, sizeof(*r->files))))
		return req_fail(err, 413, "files", "out of memory");
	json_array_foreach(a, i, f)
	{
		char prefix[32], field[48];
		const char *enc;
		struct req_file *rf = &r->files[i];
		snprintf(prefix, sizeof(prefix), "files[%zu]", i);
		if (!json_is_object(f))
			return req_fail(err, 400, prefix, "expected {path, content, encoding}");
		snprintf(prefix, sizeof(prefix), "files[%zu].", i);
		if (known_fields(f, prefix, fields, err) < 0)
			return -1;
		r->nfiles++;
		snprintf(field, sizeof(field), "files[%zu].path", i);
		json_t *p = json_object_get(f, "path");
		if (!p)
			return req_fail(err, 400, field, "missing");
		if (dup_string(p, field, REQ_MAX_PATH, &rf->path, err) < 0 ||
		    req_check_path(rf->path, field, err) < 0)
			return -1;
		snprintf(field, sizeof(field), "files[%zu].encoding", i);
		if (encoding_of(f, "encoding", field, &enc, err) < 0)
			return -1;
		snprintf(field, sizeof(field), "files[%zu].content", i);
		json_t *c = json_object_get(f, "content");
		if (!c)
			return req_fail(err, 400, field, "missing");
		if (decode_bytes(c, enc, field, &rf->data, &rf->len, err) < 0)
			return -1;
		rf->mode = 0644;
		json_t *m = json_object_get(f, "mode");
		if (m) {
			snprintf(field, sizeof(field), "files[%zu].mode", i);
			if (!json_is_integer(m) || json_integer_value(m) < 0 || json_integer_value(m) > 0777)
				return req_fail(err, 400, field, "permission bits, 0 to 511 (0777)");
			rf->mode = (unsigned)json_integer_value(m);
		}
		json_t *ls = json_object_get(f, "labels");
		if (ls) {
			json_t *l;
			size_t k;
			snprintf(field, sizeof(field), "files[%zu].labels", i);
			if (!json_is_array(ls) || json_array_size(ls) > REQ_MAX_LABELS)
				return req_fail(err, 400, field, "expected an array of at most %d labels",
						REQ_MAX_LABELS);
			if (!(rf->labels = calloc(json_array_size(ls) + 1, sizeof(char *))))
				return req_fail(err, 413, field, "out of memory");
			json_array_foreach(ls, k, l)
			{
				snprintf(field, sizeof(field), "files[%zu].labels[%zu]", i, k);
				if (dup_string(l, field, REQ_MAX_LABEL, &rf->labels[k], err) < 0)
					return -1;
				rf->nlabels++;
				if (req_check_label(rf->labels[k], field, err) < 0)
					return -1;
			}
		}
	}
	return 0;
}

int req_check_label(const char *label, const char *field, struct req_error *err)
{
	if (!*label || strlen(label) > REQ_MAX_LABEL ||
	    strspn(label, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(label))
		return req_fail(err, 400, field,
				"a label is lower-case letters, digits, _ and - (at most %d)", REQ_MAX_LABEL);
	return 0;
}

size_t req_run_labels(const struct req_run *r, const char **labels, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nfiles; i++)
		for (size_t k = 0; k < r->files[i].nlabels; k++) {
			bool dup = false;
			for (size_t m = 0; m < n && !dup; m++)
				dup = strcmp(labels[m], r->files[i].labels[k]) == 0;
			if (!dup && n < max)
				labels[n++] = r->files[i].labels[k];
		}
	return n;
}

static int artifacts_of(json_t *a, struct req_run *r, struct req_error *err)
{
	json_t *v;
	size_t i;

	if (!json_is_array(a))
		return req_fail(err, 400, "artifacts", "expected an array of globs");
	if (json_array_size(a) > REQ_MAX_ARTIFACTS)
		return req_fail(err, 413, "artifacts", "more than %d globs", REQ_MAX_ARTIFACTS);
	if (!(r->artifacts = calloc(json_array_size(a) + 1, sizeof(char *))))
		return req_fail(err, 413, "artifacts", "out of memory");
	json_array_foreach(a, i, v)
	{
		char field[32];
		snprintf(field, sizeof(field), "artifacts[%zu]", i);
		if (dup_string(v, field, REQ_MAX_PATH, &r->artifacts[i], err) < 0)
			return -1;
		r->nartifacts++;
		if (req_check_path(r->artifacts[i], field, err) < 0)
			return -1;
		if (r->artifacts[i][0] == '/')
			return req_fail(err, 400, field, "a glob relative to the working directory");
	}
	return 0;
}

/* Names only: the values are the tenant's config's (execute.c). */
static int secrets_of(json_t *a, struct req_run *r, struct req_error *err)
{
	json_t *v;
	size_t i;

	if (!json_is_array(a))
		return req_fail(err, 400, "secrets", "expected an array of secrets' names");
	if (json_array_size(a) > 64)
		return req_fail(err, 413, "secrets", "more than 64 secrets");
	if (!(r->secrets = calloc(json_array_size(a) + 1, sizeof(char *))))
		return req_fail(err, 413, "secrets", "out of memory");
	json_array_foreach(a, i, v)
	{
		char field[32];
		snprintf(field, sizeof(field), "secrets[%zu]", i);
		if (dup_string(v, field, REQ_MAX_NAME, &r->secrets[i], err) < 0)
			return -1;
		r->nsecrets++;
		if (!r->secrets[i][0] ||
		    strspn(r->secrets[i],
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
			strlen(r->secrets[i]))
			return req_fail(err, 400, field, "a secret's name (letters, digits and _)");
	}
	return 0;
}

int req_decode_run(const char *body, size_t len, enum req_kind kind, struct req_run *r, struct req_error *err)
{
	static const char *const exec_fields[] = {"argv",	    "language", "code",	 "profile", "stdin",
						  "stdin_encoding", "env",	"files", "limits",  "network",
						  "artifacts",	    "secrets",	NULL};
	static const char *const session_only[] = {"profile", "limits", "network"};
	json_t *j, *v;
	size_t bytes = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!(j = parse(body, len, err)))
		return -1;
	if (known_fields(j, "", exec_fields, err) < 0)
		goto out;
	for (size_t i = 0; kind == REQ_COMMAND && i < ARRAY_SIZE(session_only); i++)
		if (json_object_get(j, session_only[i])) {
			req_fail(err, 400, session_only[i],
				 "set when the session is created, not per command");
			goto out;
		}
	json_t *argv = json_object_get(j, "argv"), *lang = json_object_get(j, "language"),
	       *code = json_object_get(j, "code");
	if (argv && (lang || code)) {
		req_fail(err, 400, lang ? "language" : "code", "either argv, or language and code");
		goto out;
	}
	if (!argv && !lang && !code) {
		req_fail(err, 400, "argv", "missing: give argv, or language and code");
		goto out;
	}
	if (argv ? argv_of(argv, r, &bytes, err) < 0 : code_of(lang, code, r, err) < 0)
		goto out;
	if ((v = json_object_get(j, "profile")) && profile_of(v, &r->profile, err) < 0)
		goto out;
	const char *enc;
	if (encoding_of(j, "stdin_encoding", "stdin_encoding", &enc, err) < 0)
		goto out;
	if ((v = json_object_get(j, "stdin")) &&
	    decode_bytes(v, enc, "stdin", &r->input, &r->input_len, err) < 0)
		goto out;
	if ((v = json_object_get(j, "env")) && env_of(v, &r->env, &r->nenv, &bytes, err) < 0)
		goto out;
	if ((v = json_object_get(j, "files")) && files_of(v, r, err) < 0)
		goto out;
	if ((v = json_object_get(j, "limits")) && limits_of(v, &r->limits, err) < 0)
		goto out;
	if ((v = json_object_get(j, "network")) && network_of(v, &r->network, err) < 0)
		goto out;
	if ((v = json_object_get(j, "artifacts")) && artifacts_of(v, r, err) < 0)
		goto out;
	if ((v = json_object_get(j, "secrets")) && secrets_of(v, r, err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(j);
	if (rc < 0)
		req_run_free(r);
	return rc;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void req_run_free(struct req_run *r)
{
	free_strv(r->argv);
	free(r->profile);
	free(r->input);
	free_strv(r->env);
	for (size_t i = 0; r->files && i < r->nfiles; i++) {
		free(r->files[i].path);
		free(r->files[i].data);
		free_strv(r->files[i].labels);
	}
	free(r->files);
	free_strv(r->network.allow);
	free_strv(r->artifacts);
	free_strv(r->secrets);
	memset(r, 0, sizeof(*r));
}

static int seconds_of(json_t *v, const char *field, double max, double *out, struct req_error *err)
{
	if (!json_is_number(v) || json_number_value(v) <= 0)
		return req_fail(err, 400, field, "expected a number of seconds above 0");
	if (json_number_value(v) > max)
		return req_fail(err, 400, field, "at most %.0f seconds", max);
	*out = json_number_value(v);
	return 0;
}

int req_decode_session(const char *body, size_t len, struct req_session *s, struct req_error *err)
{
	static const char *const fields[] = {"profile", "ttl", "idle_timeout", "limits", "network",
					     "env",	NULL};
	json_t *j, *v;
	size_t bytes = 0;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (!(j = parse(body, len, err)))
		return -1;
	if (known_fields(j, "", fields, err) < 0)
		goto out;
	if ((v = json_object_get(j, "profile")) && profile_of(v, &s->profile, err) < 0)
		goto out;
	if ((v = json_object_get(j, "ttl")) && seconds_of(v, "ttl", 7 * 86400, &s->ttl, err) < 0)
		goto out;
	if ((v = json_object_get(j, "idle_timeout")) &&
	    seconds_of(v, "idle_timeout", 7 * 86400, &s->idle_timeout, err) < 0)
		goto out;
	if ((v = json_object_get(j, "limits")) && limits_of(v, &s->limits, err) < 0)
		goto out;
	if ((v = json_object_get(j, "network")) && network_of(v, &s->network, err) < 0)
		goto out;
	if ((v = json_object_get(j, "env")) && env_of(v, &s->env, &s->nenv, &bytes, err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(j);
	if (rc < 0)
		req_session_free(s);
	return rc;
}

void req_session_free(struct req_session *s)
{
	free(s->profile);
	free_strv(s->network.allow);
	free_strv(s->env);
	memset(s, 0, sizeof(*s));
}

int req_decode_restore(const char *body, size_t len, char *id, size_t idlen, struct req_error *err)
{
	static const char *const fields[] = {"snapshot", NULL};
	json_t *j = parse(body, len, err);
	const char *s;
	int rc = -1;

	if (!j)
		return -1;
	json_t *v = json_object_get(j, "snapshot");
	if (known_fields(j, "", fields, err) == 0) {
		if (!v)
			req_fail(err, 400, "snapshot", "missing: the id a snapshot was given");
		else if (string_of(v, "snapshot", REQ_MAX_NAME, &s, err) == 0) {
			snprintf(id, idlen, "%s", s);
			rc = 0;
		}
	}
	json_decref(j);
	return rc;
}

int req_decode_context(const char *body, size_t len, struct req_error *err)
{
	static const char *const fields[] = {"language", NULL};
	json_t *j = parse(body, len, err);
	const char *l;
	int rc = -1;

	if (!j)
		return -1;
	json_t *v = json_object_get(j, "language");
	if (known_fields(j, "", fields, err) == 0 &&
	    (!v || string_of(v, "language", REQ_MAX_NAME, &l, err) == 0)) {
		if (v && strcmp(l, "python") != 0)
			req_fail(err, 400, "language", "python (the only language of contexts), not \"%.40s\"", l);
		else
			rc = 0;
	}
	json_decref(j);
	return rc;
}

int req_decode_context_run(const char *body, size_t len, char **code, double *timeout, struct req_error *err)
{
	static const char *const fields[] = {"code", "timeout", NULL};
	json_t *j = parse(body, len, err);
	const char *c;
	int rc = -1;

	*code = NULL;
	*timeout = 0;
	if (!j)
		return -1;
	json_t *v = json_object_get(j, "code"), *t = json_object_get(j, "timeout");
	if (known_fields(j, "", fields, err) < 0)
		goto out;
	if (!v) {
		req_fail(err, 400, "code", "missing: the code to run");
		goto out;
	}
	if (string_of(v, "code", REQ_MAX_CODE, &c, err) < 0)
		goto out;
	if (t && (!json_is_number(t) || json_number_value(t) <= 0 || json_number_value(t) > 86400)) {
		req_fail(err, 400, "timeout", "seconds, more than 0 and at most 86400");
		goto out;
	}
	if (!(*code = strdup(c))) {
		req_fail(err, 413, "code", "out of memory");
		goto out;
	}
	*timeout = t ? json_number_value(t) : 0;
	rc = 0;
out:
	json_decref(j);
	return rc;
}

int req_decode_empty(const char *body, size_t len, struct req_error *err)
{
	static const char *const none[] = {NULL};
	json_t *j = parse(body, len, err);
	int rc = j ? known_fields(j, "", none, err) : -1;
	json_decref(j);
	return rc;
}
