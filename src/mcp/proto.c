/* MCP messages and tools (proto.h). */
#include "proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../util.h"

static const char *const versions[] = {"2025-06-18", "2025-03-26", "2024-11-05"};

int mcp_parse(const char *buf, size_t len, struct mcp_msg *m, json_t **reply)
{
	json_error_t je;

	memset(m, 0, sizeof(*m));
	*reply = NULL;
	if (len > MCP_MAX_MESSAGE) {
		*reply = mcp_error(NULL, RPC_INVALID, "the message is larger than %u bytes", MCP_MAX_MESSAGE);
		return -1;
	}
	m->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!m->root) {
		*reply = mcp_error(NULL, RPC_PARSE, "not JSON: %s", je.text);
		return -1;
	}
	json_t *id = json_object_get(m->root, "id"), *method = json_object_get(m->root, "method");
	if (!json_is_object(m->root)) {
		*reply = mcp_error(NULL, RPC_INVALID, "%s",
				   json_is_array(m->root) ? "batches are not supported"
							  : "a message is an object");
		goto bad;
	}
	if (id && !json_is_string(id) && !json_is_integer(id)) {
		*reply = mcp_error(NULL, RPC_INVALID, "id: a string or an integer");
		goto bad;
	}
	if (json_is_string(id) && json_string_length(id) > 256) {
		*reply = mcp_error(NULL, RPC_INVALID, "id: at most 256 bytes");
		goto bad;
	}
	if (!json_is_string(json_object_get(m->root, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(m->root, "jsonrpc")), "2.0") != 0) {
		*reply = mcp_error(id, RPC_INVALID, "jsonrpc: must be \"2.0\"");
		goto bad;
	}
	m->id = id;
	if (!method) {
		if (!id || (!json_object_get(m->root, "result") && !json_object_get(m->root, "error"))) {
			*reply = mcp_error(id, RPC_INVALID, "neither a request nor a response");
			goto bad;
		}
		m->kind = MCP_RESPONSE;
		return 0;
	}
	if (!json_is_string(method) || json_string_length(method) > 128) {
		*reply = mcp_error(id, RPC_INVALID, "method: a string of at most 128 bytes");
		goto bad;
	}
	m->method = json_string_value(method);
	m->params = json_object_get(m->root, "params");
	if (m->params && !json_is_object(m->params)) {
		*reply = mcp_error(id, RPC_INVALID, "params: an object");
		goto bad;
	}
	m->kind = id ? MCP_REQUEST : MCP_NOTIFICATION;
	return 0;
bad:
	/* Answered even when it looked like a notification: JSON-RPC answers
	 * an invalid request, with id null when none could be read. */
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
	return -1;
}

void mcp_msg_free(struct mcp_msg *m)
{
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}

json_t *mcp_reply(json_t *id, json_t *result)
{
	return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", result);
}

json_t *mcp_error(json_t *id, int code, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:s,s:O?,s:{s:i,s:s%}}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error",
			 "code", code, "message", msg, strnlen(msg, sizeof(msg)));
}

bool mcp_version_known(const char *v)
{
	for (size_t i = 0; v && i < ARRAY_SIZE(versions); i++)
		if (strcmp(v, versions[i]) == 0)
			return true;
	return false;
}

const char *mcp_version(const char *asked)
{
	for (size_t i = 0; asked && i < ARRAY_SIZE(versions); i++)
		if (strcmp(asked, versions[i]) == 0)
			return versions[i];
	return versions[0];
}

json_t *mcp_initialize_result(const char *asked, const char *server_version)
{
	return json_pack(
	    "{s:s,s:{s:{s:b}},s:{s:s,s:s,s:s},s:s}", "protocolVersion", mcp_version(asked), "capabilities",
	    "tools", "listChanged", 0, "serverInfo", "name", "airlock", "title", "airlock sandbox", "version",
	    server_version, "instructions",
	    "Runs code and commands in an airlock sandbox: no network unless a session allows hosts, "
	    "limits on memory, time and processes. Calls without a session share one default sandbox, so "
	    "files and installed state persist between calls. A result that says it is a refusal by policy "
	    "is final: do not retry it or work around it.");
}

/* --- The tools: one table gives each tool's input schema and checks its
 * arguments, so that the two cannot disagree. */

enum ftype { F_STRING, F_INTEGER, F_STRINGS, F_OBJECT };

struct field {
	const char *name;
	enum ftype type;
	bool required;
	size_t max; /* bytes of a string, items of an array, or the largest integer */
	const char *const *choices;
	const char *desc;
};

struct tooldef {
	const char *name, *title, *desc;
	struct field fields[8];
	const char *output; /* JSON Schema */
	bool read_only, destructive;
};

static const char *const languages[] = {"python", "sh", NULL};
static const char *const encodings[] = {"utf8", "base64", NULL};

#define SESSION_FIELD                                                                                        \
	{                                                                                                    \
		"session", F_STRING, false, 40, NULL,                                                        \
		    "A session's id (create_session); without it, this conversation's default sandbox"       \
	}

#define STDIN_FIELD                                                                                          \
	{                                                                                                    \
		"stdin", F_STRING, false, MCP_MAX_MESSAGE, NULL, "Standard input"                            \
	}
#define ARTIFACTS_FIELD                                                                                      \
	{                                                                                                    \
		"artifacts", F_STRINGS, false, 16, NULL, "Globs of files to return after the run"            \
	}

/* What run_code and run_command share. */
#define RUN_FIELDS SESSION_FIELD, STDIN_FIELD, ARTIFACTS_FIELD

#define RUN_OUTPUT                                                                                           \
	"{\"type\":\"object\",\"properties\":{"                                                              \
	"\"status\":{\"type\":\"string\",\"description\":\"exited, killed, timeout, oom, ...\"},"            \
	"\"exit_code\":{\"type\":[\"integer\",\"null\"]},\"signal\":{\"type\":[\"integer\",\"null\"]},"      \
	"\"stdout\":{\"type\":\"string\"},\"stderr\":{\"type\":\"string\"},"                                 \
	"\"stdout_encoding\":{\"type\":\"string\"},\"stderr_encoding\":{\"type\":\"string\"},"               \
	"\"stdout_truncated\":{\"type\":\"boolean\"},\"stderr_truncated\":{\"type\":\"boolean\"},"           \
	"\"violations\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"                               \
	"\"network\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"                                  \
	"\"artifacts\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"                                \
	"\"error\":{\"type\":[\"string\",\"null\"]},\"wall_ms\":{\"type\":\"number\"},"                      \
	"\"session\":{\"type\":\"string\"}},"                                                                \
	"\"required\":[\"status\",\"exit_code\",\"stdout\",\"stderr\",\"stdout_truncated\","                 \
	"\"stderr_truncated\",\"violations\",\"session\"]}"

static const struct tooldef tools[T_NTOOLS] = {
    [T_RUN_CODE] =
	{"run_code",
	 "Run code",
	 "Run a program's source in the sandbox (python or sh) and return its exit status, stdout, "
	 "stderr and any policy violations. Files and installed state persist in the session. "
	 "PNG files matching `artifacts` (default *.png) come back as images.",
	 {{"code", F_STRING, true, MCP_MAX_MESSAGE, NULL, "The source to run"},
	  {"language", F_STRING, false, 16, languages, "python (the default) or sh"},
	  RUN_FIELDS},
	 RUN_OUTPUT},
    [T_RUN_COMMAND] = {"run_command",
		       "Run a shell command",
		       "Run a shell command line (sh -c) in the sandbox and return its exit status, stdout, "
		       "stderr and any policy violations.",
		       {{"command", F_STRING, true, 1 << 20, NULL, "The command line, run by sh -c"},
			RUN_FIELDS},
		       RUN_OUTPUT},
    [T_CREATE_SESSION] =
	{"create_session",
	 "Create a sandbox session",
	 "Create a sandbox session of its own (a profile, hosts it may reach, a lifetime); "
	 "pass its id as `session` to the other tools. Without one, the tools share a default "
	 "sandbox with no network.",
	 {{"profile", F_STRING, false, 64, NULL, "python (the default), default, node, ..."},
	  {"allow", F_STRINGS, false, 64, NULL,
	   "Egress allow-list: hosts (\"pypi.org\", \"*.example.com\", \"host:443\")"},
	  {"ttl", F_INTEGER, false, 86400, NULL, "Seconds the session lives at most"},
	  {"idle_timeout", F_INTEGER, false, 86400, NULL, "Seconds it may stay idle"},
	  {"limits", F_OBJECT, false, 0, NULL,
	   "memory, pids, time (seconds a command may run), output, tmpfs_size"}},
	 "{\"type\":\"object\",\"properties\":{\"session\":{\"type\":\"string\"},"
	 "\"profile\":{\"type\":\"string\"},\"expires_at\":{\"type\":\"string\"},"
	 "\"network\":{\"type\":\"object\"}},\"required\":[\"session\",\"profile\"]}"},
    [T_CLOSE_SESSION] = {"close_session",
			 "Close a sandbox session",
			 "Destroy a session made by create_session, with its files and processes.",
			 {{"session", F_STRING, true, 40, NULL, "The session's id"}},
			 "{\"type\":\"object\",\"properties\":{\"session\":{\"type\":\"string\"},"
			 "\"closed\":{\"type\":\"boolean\"}},\"required\":[\"session\",\"closed\"]}",
			 .destructive = true},
    [T_WRITE_FILE] = {"write_file",
		      "Write a file",
		      "Write a file into the sandbox's working directory (directories are made).",
		      {{"path", F_STRING, true, 4096, NULL, "A path relative to the working directory"},
		       {"content", F_STRING, true, MCP_MAX_MESSAGE, NULL, "The file's content"},
		       {"encoding", F_STRING, false, 8, encodings, "utf8 (the default) or base64"},
		       SESSION_FIELD},
		      "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
		      "\"size\":{\"type\":\"integer\"},\"session\":{\"type\":\"string\"}},"
		      "\"required\":[\"path\",\"size\",\"session\"]}"},
    [T_READ_FILE] =
	{"read_file",
	 "Read a file",
	 "Read a file from the sandbox's working directory (text, or base64 when it is not UTF-8; "
	 "a PNG also comes back as an image).",
	 {{"path", F_STRING, true, 4096, NULL, "A path relative to the working directory"}, SESSION_FIELD},
	 "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
	 "\"size\":{\"type\":\"integer\"},\"encoding\":{\"type\":\"string\"},"
	 "\"content\":{\"type\":\"string\"},\"truncated\":{\"type\":\"boolean\"},"
	 "\"session\":{\"type\":\"string\"}},"
	 "\"required\":[\"path\",\"size\",\"encoding\",\"content\",\"truncated\",\"session\"]}",
	 .read_only = true},
    [T_LIST_FILES] = {"list_files",
		      "List files",
		      "List a directory of the sandbox (default: the working directory).",
		      {{"path", F_STRING, false, 4096, NULL, "A directory relative to the working directory"},
		       SESSION_FIELD},
		      "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
		      "\"entries\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
		      "\"name\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},"
		      "\"size\":{\"type\":\"integer\"}}}},"
		      "\"truncated\":{\"type\":\"boolean\"},\"session\":{\"type\":\"string\"}},"
		      "\"required\":[\"path\",\"entries\",\"session\"]}",
		      .read_only = true},
};

static json_t *input_schema(const struct tooldef *d)
{
	json_t *props = json_object(), *req = json_array();
	for (const struct field *f = d->fields; f->name; f++) {
		json_t *p = json_pack("{s:s}", "description", f->desc);
		switch (f->type) {
		case F_STRING:
			json_object_set_new(p, "type", json_string("string"));
			break;
		case F_INTEGER:
			json_object_set_new(p, "type", json_string("integer"));
			json_object_set_new(p, "minimum", json_integer(1));
			json_object_set_new(p, "maximum", json_integer((json_int_t)f->max));
			break;
		case F_STRINGS:
			json_object_set_new(p, "type", json_string("array"));
			json_object_set_new(p, "items", json_pack("{s:s}", "type", "string"));
			json_object_set_new(p, "maxItems", json_integer((json_int_t)f->max));
			break;
		case F_OBJECT:
			json_object_set_new(p, "type", json_string("object"));
			break;
		}
		if (f->choices) {
			json_t *e = json_array();
			for (const char *const *c = f->choices; *c; c++)
				json_array_append_new(e, json_string(*c));
			json_object_set_new(p, "enum", e);
		}
		json_object_set_new(props, f->name, p);
		if (f->required)
			json_array_append_new(req, json_string(f->name));
	}
	return json_pack("{s:s,s:o,s:o,s:b}", "type", "object", "properties", props, "required", req,
			 "additionalProperties", 0);
}

json_t *mcp_tools_list(void)
{
	json_t *a = json_array();
	for (size_t i = 0; i < T_NTOOLS; i++) {
		const struct tooldef *d = &tools[i];
		json_t *out = json_loads(d->output, 0, NULL);
		json_array_append_new(
		    a, json_pack("{s:s,s:s,s:s,s:o,s:o,s:{s:s,s:b,s:b,s:b}}", "name", d->name, "title",
				 d->title, "description", d->desc, "inputSchema", input_schema(d),
				 "outputSchema", out, "annotations", "title", d->title, "readOnlyHint",
				 d->read_only, "destructiveHint", d->destructive, "openWorldHint", 0));
	}
	return json_pack("{s:o}", "tools", a);
}

static int check_field(const struct field *f, json_t *v, char *err, size_t len)
{
	switch (f->type) {
	case F_STRING:
		if (!json_is_string(v))
			break;
		if (json_string_length(v) > f->max) {
			snprintf(err, len, "%s: at most %zu bytes", f->name, f->max);
			return -1;
		}
		if (f->choices) {
			for (const char *const *c = f->choices; *c; c++)
				if (strcmp(*c, json_string_value(v)) == 0)
					return 0;
			snprintf(err, len, "%s: not one of the choices", f->name);
			return -1;
		}
		return 0;
	case F_INTEGER:
		if (!json_is_integer(v))
			break;
		if (json_integer_value(v) < 1 || (uint64_t)json_integer_value(v) > f->max) {
			snprintf(err, len, "%s: from 1 to %zu", f->name, f->max);
			return -1;
		}
		return 0;
	case F_STRINGS:
		if (!json_is_array(v))
			break;
		if (json_array_size(v) > f->max) {
			snprintf(err, len, "%s: at most %zu items", f->name, f->max);
			return -1;
		}
		for (size_t i = 0; i < json_array_size(v); i++)
			if (!json_is_string(json_array_get(v, i)) ||
			    json_string_length(json_array_get(v, i)) > 1024) {
				snprintf(err, len, "%s[%zu]: a string of at most 1024 bytes", f->name, i);
				return -1;
			}
		return 0;
	case F_OBJECT:
		if (!json_is_object(v))
			break;
		return 0;
	}
	static const char *const names[] = {"a string", "an integer", "an array of strings", "an object"};
	snprintf(err, len, "%s: must be %s", f->name, names[f->type]);
	return -1;
}

int mcp_tool_args(json_t *params, enum mcp_tool *tool, json_t **args, bool *unknown, char *err, size_t len)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	json_t *a = json_object_get(params, "arguments");
	const char *key;
	json_t *v;

	*unknown = false;
	for (*tool = 0; name && *tool < T_NTOOLS; (*tool)++)
		if (strcmp(tools[*tool].name, name) == 0)
			break;
	if (!name || *tool == T_NTOOLS) {
		*unknown = true;
		snprintf(err, len, "no tool %.100s", name ? name : "(params.name is missing)");
		return -1;
	}
	if (a && !json_is_object(a)) {
		snprintf(err, len, "arguments: must be an object");
		return -1;
	}
	const struct tooldef *d = &tools[*tool];
	json_object_foreach(a, key, v)
	{
		const struct field *f = d->fields;
		while (f->name && strcmp(f->name, key) != 0)
			f++;
		if (!f->name) {
			snprintf(err, len, "%.100s: %s takes no such argument", key, d->name);
			return -1;
		}
		if (check_field(f, v, err, len) < 0)
			return -1;
	}
	for (const struct field *f = d->fields; f->name; f++)
		if (f->required && !json_object_get(a, f->name)) {
			snprintf(err, len, "%s: %s needs it", f->name, d->name);
			return -1;
		}
	*args = a;
	return 0;
}

static json_t *text_content(const char *text, size_t len)
{
	return json_pack("{s:s,s:s%}", "type", "text", "text", text, len);
}

json_t *mcp_tool_error(const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:[o],s:b}", "content", text_content(msg, strnlen(msg, sizeof(msg))), "isError",
			 1);
}

bool mcp_problem_is_policy(unsigned status, const char *code, const char *detail)
{
	if (status == 403) /* quarantined, a label rule */
		return true;
	/* A ceiling or a list of the tenant's: the request was well-formed. */
	return status == 400 && detail &&
	       (strstr(detail, "this tenant may use") || strstr(detail, "ceiling")) &&
	       (!code || strcmp(code, "invalid") == 0);
}

json_t *mcp_tool_problem(unsigned status, const char *body, size_t len)
{
	json_t *p = body ? json_loadb(body, len, 0, NULL) : NULL;
	const char *code = json_string_value(json_object_get(p, "code"));
	const char *detail = json_string_value(json_object_get(p, "detail"));
	json_t *r;

	if (mcp_problem_is_policy(status, code, detail))
		r = mcp_tool_error(
		    "Refused by policy (%s): %s. This is the sandbox's policy, not a transient "
		    "failure: do not retry it, and do not try to work around it.",
		    code ? code : "refused", detail ? detail : "no detail");
	else if (status == 429 || status == 503)
		r = mcp_tool_error("The service is busy or over quota (%s): %s. Retry later.",
				   code ? code : "busy", detail ? detail : "no detail");
	else
		r = mcp_tool_error("The service refused the call (HTTP %u, %s): %s", status,
				   code ? code : "error", detail ? detail : "no detail");
	json_decref(p);
	return r;
}

json_t *mcp_tool_ok(json_t *structured, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:[o],s:o,s:b}", "content", text_content(msg, strnlen(msg, sizeof(msg))),
			 "structuredContent", structured, "isError", 0);
}

json_t *mcp_text_prefix(const char *data, size_t len, size_t max)
{
	size_t n = len > max ? max : len;
	json_t *text = json_stringn(data, n);
	/* Cut inside a character: at its start instead (at most 3 back). */
	for (int back = 1; !text && n < len && back <= 3 && (size_t)back <= n; back++)
		text = json_stringn(data, n - (size_t)back);
	return text;
}

/* stdout or stderr of a run, as text (at most MCP_MAX_TEXT bytes, cut at a
 * character's start). */
static json_t *stream_text(json_t *api, const char *name)
{
	json_t *s = json_object_get(api, name);
	if (!json_is_string(s))
		return json_string("");
	size_t n = json_string_length(s);
	if (n <= MCP_MAX_TEXT)
		return json_incref(s);
	return mcp_text_prefix(json_string_value(s), n, MCP_MAX_TEXT) ?: json_string("");
}

json_t *mcp_run_result(json_t *api, const char *sid)
{
	json_t *trunc = json_object_get(api, "truncated"), *viol = json_object_get(api, "violations");
	json_t *out = stream_text(api, "stdout"), *err = stream_text(api, "stderr");
	const char *status = json_string_value(json_object_get(api, "status"));
	json_t *s = json_pack(
	    "{s:s,s:O?,s:O?,s:O,s:O,s:s,s:s,s:b,s:b,s:o,s:o,s:o,s:O?,s:O?,s:s}", "status",
	    status ? status : "unknown", "exit_code", json_object_get(api, "exit_code"), "signal",
	    json_object_get(api, "signal"), "stdout", out, "stderr", err, "stdout_encoding",
	    json_string_value(json_object_get(api, "stdout_encoding")) ?: "utf8", "stderr_encoding",
	    json_string_value(json_object_get(api, "stderr_encoding")) ?: "utf8", "stdout_truncated",
	    json_is_true(json_object_get(trunc, "stdout")) ||
		json_string_length(json_object_get(api, "stdout")) > MCP_MAX_TEXT,
	    "stderr_truncated",
	    json_is_true(json_object_get(trunc, "stderr")) ||
		json_string_length(json_object_get(api, "stderr")) > MCP_MAX_TEXT,
	    "violations", json_is_array(viol) ? json_incref(viol) : json_array(), "network",
	    json_is_array(json_object_get(api, "network")) ? json_incref(json_object_get(api, "network"))
							   : json_array(),
	    "artifacts", json_array(), "error", json_object_get(api, "error"), "wall_ms",
	    json_object_get(api, "wall_ms"), "session", sid);
	if (!s) {
		json_decref(out);
		json_decref(err);
		return mcp_tool_error("out of memory");
	}
	if (!json_object_get(s, "exit_code"))
		json_object_set_new(s, "exit_code", json_null());
	json_t *images = json_array();
	json_t *arts = json_object_get(s, "artifacts"), *a;
	size_t i;
	json_array_foreach(json_object_get(api, "artifacts"), i, a)
	{
		const char *path = json_string_value(json_object_get(a, "path"));
		const char *b64 = json_string_value(json_object_get(a, "content_base64"));
		json_array_append_new(arts, json_pack("{s:s?,s:O?,s:O?}", "path", path, "size",
						      json_object_get(a, "size"), "sha256",
						      json_object_get(a, "sha256")));
		size_t pl = path ? strlen(path) : 0;
		if (b64 && pl > 4 && strcasecmp(path + pl - 4, ".png") == 0)
			json_array_append_new(images, json_pack("{s:s,s:s,s:s}", "type", "image", "data", b64,
								"mimeType", "image/png"));
	}
	/* The text an agent reads: the outcome, the policy's verdicts, the output. */
	char head[600];
	size_t nv = json_array_size(json_object_get(s, "violations"));
	json_t *ec = json_object_get(s, "exit_code");
	int hl = snprintf(head, sizeof(head), "%s%s", status ? status : "unknown", "");
	if (json_is_integer(ec))
		hl += snprintf(head + hl, sizeof(head) - (size_t)hl, ", exit code %lld",
			       (long long)json_integer_value(ec));
	if (json_is_integer(json_object_get(s, "signal")))
		hl += snprintf(head + hl, sizeof(head) - (size_t)hl, ", signal %lld",
			       (long long)json_integer_value(json_object_get(s, "signal")));
	if (nv)
		hl += snprintf(
		    head + hl, sizeof(head) - (size_t)hl,
		    "; the sandbox's policy blocked %zu operation(s) (see violations): that is a refusal "
		    "by policy, do not retry it",
		    nv);
	if (json_is_true(json_object_get(s, "stdout_truncated")) ||
	    json_is_true(json_object_get(s, "stderr_truncated")))
		hl += snprintf(head + hl, sizeof(head) - (size_t)hl, "; output truncated");
	json_t *text = json_sprintf("%s\n--- stdout ---\n%s\n--- stderr ---\n%s", head,
				    json_string_value(out), json_string_value(err));
	json_t *content = json_array();
	json_array_append_new(
	    content, json_pack("{s:s,s:o}", "type", "text", "text", text ? text : json_string(head)));
	json_array_extend(content, images);
	json_decref(images);
	json_decref(out);
	json_decref(err);
	bool failed =
	    !status || strcmp(status, "exited") != 0 || !json_is_integer(ec) || json_integer_value(ec) != 0;
	return json_pack("{s:o,s:o,s:b}", "content", content, "structuredContent", s, "isError",
			 failed && nv);
}

json_t *mcp_run_body(enum mcp_tool tool, json_t *args)
{
	json_t *b;
	if (tool == T_RUN_CODE)
		b = json_pack("{s:s,s:O}", "language",
			      json_string_value(json_object_get(args, "language")) ?: "python", "code",
			      json_object_get(args, "code"));
	else
		b = json_pack("{s:[s,s,O]}", "argv", "sh", "-c", json_object_get(args, "command"));
	if (!b)
		return NULL;
	if (json_object_get(args, "stdin"))
		json_object_set(b, "stdin", json_object_get(args, "stdin"));
	json_t *arts = json_object_get(args, "artifacts");
	json_object_set_new(b, "artifacts", arts ? json_incref(arts) : json_pack("[s]", "*.png"));
	return b;
}

json_t *mcp_session_body(json_t *args, const char *profile, unsigned ttl, unsigned idle)
{
	json_t *b = json_pack("{s:s,s:i,s:i}", "profile",
			      json_string_value(json_object_get(args, "profile")) ?: profile, "ttl",
			      json_is_integer(json_object_get(args, "ttl"))
				  ? (int)json_integer_value(json_object_get(args, "ttl"))
				  : (int)ttl,
			      "idle_timeout",
			      json_is_integer(json_object_get(args, "idle_timeout"))
				  ? (int)json_integer_value(json_object_get(args, "idle_timeout"))
				  : (int)idle);
	if (b && json_object_get(args, "allow"))
		json_object_set_new(b, "network",
				    json_pack("{s:O}", "allow", json_object_get(args, "allow")));
	if (b && json_object_get(args, "limits"))
		json_object_set(b, "limits", json_object_get(args, "limits"));
	return b;
}
