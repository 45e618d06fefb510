/* The public face of the scanner (include/airlock/scan.h): opaque handles
 * over the internal options and results, their accessors, and a result's
 * JSON. Only what is marked AL_SCAN_API leaves the shared library. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <airlock/scan.h>

#include "scan.h"

_Static_assert(AL_SCAN_SAFE == (int)SCAN_SAFE && AL_SCAN_ERROR == (int)SCAN_ERROR &&
		   AL_SCAN_UNKNOWN == (int)SCAN_UNKNOWN && AL_SCAN_DANGEROUS == (int)SCAN_DANGEROUS,
	       "public and internal verdicts are one order");

/* The options own copies of every string they were given. */
struct al_scan_options {
	struct scan_options o;
	char **allow, **include, **exclude;
};

/* Results, globals and issues are the internal structs; the public types
 * wrap them as their first member, so a pointer to one is a pointer to the
 * other (C11 6.7.2.1p15). */
struct al_scan_result {
	struct scan_result r;
};
struct al_scan_global {
	struct scan_global g;
};
struct al_scan_issue {
	struct scan_issue i;
};

AL_SCAN_API const char *al_scan_version(void) { return "0.1.0"; }

AL_SCAN_API const char *al_scan_verdict_name(enum al_scan_verdict v)
{
	return scan_verdict_name((enum scan_verdict)v);
}

/* The options a scan uses: the caller's, or the defaults. */
static const struct scan_options *options_or_default(const al_scan_options *opt, struct scan_options *def)
{
	if (opt)
		return &opt->o;
	memset(def, 0, sizeof(*def));
	scan_limits_default(&def->limits);
	return def;
}

/* --- options */

AL_SCAN_API al_scan_options *al_scan_options_new(void)
{
	al_scan_options *opt = calloc(1, sizeof(*opt));
	if (opt)
		scan_limits_default(&opt->o.limits);
	return opt;
}

static void free_list(char **list, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(list[k]);
	free(list);
}

AL_SCAN_API void al_scan_options_free(al_scan_options *opt)
{
	if (!opt)
		return;
	free_list(opt->allow, opt->o.nallow);
	free_list(opt->include, opt->o.ninclude);
	free_list(opt->exclude, opt->o.nexclude);
	free(opt);
}

/* Append a copy of s to *list (n entries); the internal view points at it. */
static int push(char ***list, size_t *n, const char *const **view, const char *s)
{
	char *copy = strdup(s);
	char **grown = copy ? realloc(*list, (*n + 1) * sizeof(**list)) : NULL;
	if (!grown) {
		free(copy);
		errno = ENOMEM;
		return -1;
	}
	grown[(*n)++] = copy;
	*list = grown;
	*view = (const char *const *)grown;
	return 0;
}

AL_SCAN_API int al_scan_options_allow(al_scan_options *opt, const char *entry)
{
	if (!opt || !entry || !allowlist_entry_valid_p(entry)) {
		errno = EINVAL;
		return -1;
	}
	return push(&opt->allow, &opt->o.nallow, &opt->o.allow, entry);
}

AL_SCAN_API int al_scan_options_include(al_scan_options *opt, const char *glob)
{
	if (!opt || !glob || !*glob) {
		errno = EINVAL;
		return -1;
	}
	return push(&opt->include, &opt->o.ninclude, &opt->o.include, glob);
}

AL_SCAN_API int al_scan_options_exclude(al_scan_options *opt, const char *glob)
{
	if (!opt || !glob || !*glob) {
		errno = EINVAL;
		return -1;
	}
	return push(&opt->exclude, &opt->o.nexclude, &opt->o.exclude, glob);
}

static int set_size(size_t *field, uint64_t value)
{
	if (value < 1 || value > SIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	*field = (size_t)value;
	return 0;
}

static int set_u64(uint64_t *field, uint64_t value)
{
	if (value < 1) {
		errno = EINVAL;
		return -1;
	}
	*field = value;
	return 0;
}

AL_SCAN_API int al_scan_options_set_limit(al_scan_options *opt, enum al_scan_limit which, uint64_t value)
{
	if (!opt) {
		errno = EINVAL;
		return -1;
	}
	struct scan_limits *l = &opt->o.limits;

	switch (which) {
	case AL_SCAN_LIMIT_STACK:
		return set_size(&l->max_stack, value);
	case AL_SCAN_LIMIT_MARKS:
		return set_size(&l->max_marks, value);
	case AL_SCAN_LIMIT_MEMO:
		return set_size(&l->max_memo, value);
	case AL_SCAN_LIMIT_STRING:
		return set_size(&l->max_string, value);
	case AL_SCAN_LIMIT_GLOBALS:
		return set_size(&l->max_globals, value);
	case AL_SCAN_LIMIT_PICKLES:
		return set_size(&l->max_pickles, value);
	case AL_SCAN_LIMIT_ZIP_ENTRIES:
		return set_size(&l->max_zip_entries, value);
	case AL_SCAN_LIMIT_INFLATE:
		return set_u64(&l->max_inflate, value);
	case AL_SCAN_LIMIT_HEADER:
		return set_u64(&l->max_header, value);
	case AL_SCAN_LIMIT_DEPTH:
		if (value > 64)
			break;
		l->max_depth = (unsigned)value;
		return 0;
	}
	errno = EINVAL;
	return -1;
}

AL_SCAN_API uint64_t al_scan_options_limit(const al_scan_options *opt, enum al_scan_limit which)
{
	struct scan_options def;
	const struct scan_limits *l = &options_or_default(opt, &def)->limits;
	switch (which) {
	case AL_SCAN_LIMIT_STACK:
		return l->max_stack;
	case AL_SCAN_LIMIT_MARKS:
		return l->max_marks;
	case AL_SCAN_LIMIT_MEMO:
		return l->max_memo;
	case AL_SCAN_LIMIT_STRING:
		return l->max_string;
	case AL_SCAN_LIMIT_GLOBALS:
		return l->max_globals;
	case AL_SCAN_LIMIT_PICKLES:
		return l->max_pickles;
	case AL_SCAN_LIMIT_ZIP_ENTRIES:
		return l->max_zip_entries;
	case AL_SCAN_LIMIT_INFLATE:
		return l->max_inflate;
	case AL_SCAN_LIMIT_HEADER:
		return l->max_header;
	case AL_SCAN_LIMIT_DEPTH:
		return l->max_depth;
	}
	return 0;
}

/* --- scanning */

AL_SCAN_API al_scan_result *al_scan_buffer(const void *data, size_t len, const char *name,
					   const al_scan_options *opt)
{
	struct scan_options def;
	al_scan_result *res = calloc(1, sizeof(*res));

	if (!res)
		return NULL;
	scan_buffer(data, len, name, options_or_default(opt, &def), &res->r);
	if (!res->r.path) {
		al_scan_result_free(res);
		errno = ENOMEM;
		return NULL;
	}
	return res;
}

AL_SCAN_API al_scan_result *al_scan_file(const char *path, const al_scan_options *opt)
{
	struct scan_options def;
	al_scan_result *res = calloc(1, sizeof(*res));

	if (!res)
		return NULL;
	scan_file(path, options_or_default(opt, &def), &res->r);
	if (!res->r.path) {
		al_scan_result_free(res);
		errno = ENOMEM;
		return NULL;
	}
	return res;
}

struct relay {
	al_scan_cb cb;
	void *arg;
};

static void relay(const struct scan_result *r, void *arg)
{
	const struct relay *rl = arg;
	rl->cb((const al_scan_result *)r, rl->arg);
}

AL_SCAN_API int al_scan_path(const char *path, const al_scan_options *opt, al_scan_cb cb, void *arg)
{
	struct scan_options def;
	struct relay rl = {cb, arg};

	if (!path || !cb) {
		errno = EINVAL;
		return -1;
	}
	int rc = scan_path(path, options_or_default(opt, &def), relay, &rl);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

AL_SCAN_API void al_scan_result_free(al_scan_result *r)
{
	if (!r)
		return;
	scan_result_free(&r->r);
	free(r);
}

/* --- a result */

AL_SCAN_API enum al_scan_verdict al_scan_result_verdict(const al_scan_result *r)
{
	return (enum al_scan_verdict)r->r.verdict;
}
AL_SCAN_API const char *al_scan_result_path(const al_scan_result *r) { return r->r.path; }
AL_SCAN_API const char *al_scan_result_format(const al_scan_result *r)
{
	return r->r.format ? r->r.format : "unknown";
}
AL_SCAN_API const char *al_scan_result_error(const al_scan_result *r) { return r->r.error; }
AL_SCAN_API const char *al_scan_result_skipped(const al_scan_result *r) { return r->r.skipped; }
AL_SCAN_API size_t al_scan_result_globals_seen(const al_scan_result *r) { return r->r.globals_seen; }

AL_SCAN_API size_t al_scan_result_nglobals(const al_scan_result *r) { return r->r.nglobals; }
AL_SCAN_API const al_scan_global *al_scan_result_global(const al_scan_result *r, size_t k)
{
	return k < r->r.nglobals ? (const al_scan_global *)&r->r.globals[k] : NULL;
}
AL_SCAN_API const char *al_scan_global_module(const al_scan_global *g) { return g->g.module; }
AL_SCAN_API const char *al_scan_global_name(const al_scan_global *g) { return g->g.name; }
AL_SCAN_API const char *al_scan_global_member(const al_scan_global *g) { return g->g.member; }
AL_SCAN_API uint64_t al_scan_global_offset(const al_scan_global *g) { return g->g.offset; }
AL_SCAN_API const char *al_scan_global_opcode(const al_scan_global *g) { return g->g.opcode; }
AL_SCAN_API enum al_scan_verdict al_scan_global_verdict(const al_scan_global *g)
{
	return (enum al_scan_verdict)g->g.verdict;
}
AL_SCAN_API const char *al_scan_global_reason(const al_scan_global *g) { return g->g.reason; }
AL_SCAN_API int al_scan_global_called(const al_scan_global *g) { return g->g.called; }

AL_SCAN_API size_t al_scan_result_nissues(const al_scan_result *r) { return r->r.nissues; }
AL_SCAN_API const al_scan_issue *al_scan_result_issue(const al_scan_result *r, size_t k)
{
	return k < r->r.nissues ? (const al_scan_issue *)&r->r.issues[k] : NULL;
}
AL_SCAN_API enum al_scan_verdict al_scan_issue_verdict(const al_scan_issue *i)
{
	return (enum al_scan_verdict)i->i.verdict;
}
AL_SCAN_API const char *al_scan_issue_what(const al_scan_issue *i) { return i->i.what; }
AL_SCAN_API const char *al_scan_issue_member(const al_scan_issue *i) { return i->i.member; }
AL_SCAN_API uint64_t al_scan_issue_offset(const al_scan_issue *i) { return i->i.offset; }

/* --- JSON */

/* A JSON string for bytes from the file: names and members may be anything
 * a pickle or a zip holds, and JSON text must be UTF-8. What is not valid
 * UTF-8 is spelled as Python's backslashreplace spells it ("\xed"), so a
 * name keeps one printable spelling that a reader can reproduce. */
static json_t *json_bytes(const char *s)
{
	json_t *j;
	if (!s)
		return json_null();
	if ((j = json_string(s)))
		return j;
	size_t n = strlen(s), o = 0;
	char *buf = malloc(4 * n + 1);
	if (!buf)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t k = 0; k < n;) {
		size_t len = scan_utf8_seq(p + k, n - k);
		if (len) {
			memcpy(buf + o, p + k, len);
			o += len;
			k += len;
		} else {
			o += (size_t)sprintf(buf + o, "\\x%02x", p[k]);
			k++;
		}
	}
	buf[o] = 0;
	j = json_string(buf);
	free(buf);
	return j;
}

static json_t *result_json(const struct scan_result *r)
{
	json_t *o = json_object(), *gl = json_array(), *is = json_array();
	if (!o || !gl || !is) {
		json_decref(o);
		json_decref(gl);
		json_decref(is);
		return NULL;
	}
	json_object_set_new(o, "path", json_bytes(r->path));
	json_object_set_new(o, "format", json_string(r->format ? r->format : "unknown"));
	json_object_set_new(o, "verdict",
			    json_string(r->skipped ? "skipped" : scan_verdict_name(r->verdict)));
	json_object_set_new(o, "error", json_bytes(r->error));
	if (r->skipped)
		json_object_set_new(o, "reason", json_bytes(r->skipped));
	for (size_t k = 0; k < r->nglobals; k++) {
		const struct scan_global *g = &r->globals[k];
		json_t *j = json_object();
		if (!j)
			continue;
		json_object_set_new(j, "module", json_bytes(g->module));
		json_object_set_new(j, "name", json_bytes(g->name));
		json_object_set_new(j, "verdict", json_string(scan_verdict_name(g->verdict)));
		json_object_set_new(j, "offset", json_integer((json_int_t)g->offset));
		json_object_set_new(j, "opcode", json_string(g->opcode));
		json_object_set_new(j, "called", json_boolean(g->called));
		if (g->member)
			json_object_set_new(j, "member", json_bytes(g->member));
		if (g->reason)
			json_object_set_new(j, "reason", json_string(g->reason));
		json_array_append_new(gl, j);
	}
	for (size_t k = 0; k < r->nissues; k++) {
		const struct scan_issue *i = &r->issues[k];
		json_t *j = json_object();
		if (!j)
			continue;
		json_object_set_new(j, "verdict", json_string(scan_verdict_name(i->verdict)));
		json_object_set_new(j, "what", json_bytes(i->what));
		json_object_set_new(j, "offset", json_integer((json_int_t)i->offset));
		if (i->member)
			json_object_set_new(j, "member", json_bytes(i->member));
		json_array_append_new(is, j);
	}
	json_object_set_new(o, "globals", gl);
	json_object_set_new(o, "globals_seen", json_integer((json_int_t)r->globals_seen));
	json_object_set_new(o, "issues", is);
	return o;
}

AL_SCAN_API char *al_scan_result_json(const al_scan_result *r)
{
	json_t *o = result_json(&r->r);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!s)
		errno = ENOMEM;
	return s;
}
