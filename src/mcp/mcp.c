/* One MCP session on the service's API (mcp.h). */
#include "mcp.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"

struct mcp_call {
	struct mcp_call *next;
	json_t *id;
	pthread_mutex_t mu;
	struct api_slot slot;
};

struct mcp {
	struct api_target api;
	char profile[64], server_version[32];
	unsigned ttl, idle;
	pthread_mutex_t mu;	   /* the fields below */
	pthread_mutex_t create_mu; /* one default sandbox made at a time */
	char def[48];		   /* the default sandbox, or "" */
	json_t *sessions;	   /* ids made by create_session */
	struct mcp_call *calls;
	char version[16];
	bool stopping; /* mcp_stop: the service is ending, its sandboxes with it */
};

struct mcp *mcp_new(const struct api_target *api, const struct mcp_options *opt)
{
	struct mcp *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->api = *api;
	snprintf(m->profile, sizeof(m->profile), "%s", opt->profile ? opt->profile : "python");
	snprintf(m->server_version, sizeof(m->server_version), "%s", opt->server_version);
	m->ttl = opt->ttl ? opt->ttl : 3600;
	m->idle = opt->idle ? opt->idle : 600;
	pthread_mutex_init(&m->mu, NULL);
	pthread_mutex_init(&m->create_mu, NULL);
	m->sessions = json_array();
	return m;
}

bool mcp_is_call(const struct mcp_msg *msg)
{
	return msg->kind == MCP_REQUEST && strcmp(msg->method, "tools/call") == 0;
}

struct mcp_call *mcp_call_new(struct mcp *m, json_t *id)
{
	struct mcp_call *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	c->slot = (struct api_slot){.mu = &c->mu, .fd = -1};
	c->id = json_incref(id);
	pthread_mutex_lock(&m->mu);
	c->next = m->calls;
	m->calls = c;
	pthread_mutex_unlock(&m->mu);
	return c;
}

void mcp_call_free(struct mcp *m, struct mcp_call *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&m->mu);
	for (struct mcp_call **p = &m->calls; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	pthread_mutex_unlock(&m->mu);
	json_decref(c->id);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static void cancel(struct mcp *m, json_t *id)
{
	pthread_mutex_lock(&m->mu);
	for (struct mcp_call *c = m->calls; c; c = c->next)
		if (!id || json_equal(c->id, id))
			api_cancel(&c->slot);
	pthread_mutex_unlock(&m->mu);
}

/* One API call; body a JSON value (taken) or raw bytes. -1 with a tool
 * error in *res when the service could not be asked (or the call was
 * cancelled: *res NULL). */
static int call_api(struct mcp *m, struct mcp_call *c, const char *method, const char *path, json_t *json,
		    const void *raw, size_t rawlen, struct api_reply *out, json_t **res)
{
	char err[600];
	char *text = json ? json_dumps(json, JSON_COMPACT) : NULL;
	json_decref(json);
	if (json && !text) {
		*res = mcp_tool_error("out of memory");
		return -1;
	}
	int rc = api_call(&m->api, method, path, json ? "application/json" : "application/octet-stream",
			  json ? text : raw, json ? strlen(text) : rawlen, out, c ? &c->slot : NULL, err,
			  sizeof(err));
	free(text);
	if (rc < 0) {
		bool cancelled = false;
		if (c) {
			pthread_mutex_lock(&c->mu);
			cancelled = c->slot.cancelled;
			pthread_mutex_unlock(&c->mu);
		}
		*res = cancelled ? NULL : mcp_tool_error("The service could not be reached: %s", err);
	}
	return rc;
}

static void forget_session(struct mcp *m, const char *sid)
{
	pthread_mutex_lock(&m->mu);
	if (strcmp(m->def, sid) == 0)
		m->def[0] = '\0';
	for (size_t i = 0; i < json_array_size(m->sessions); i++)
		if (strcmp(json_string_value(json_array_get(m->sessions, i)), sid) == 0) {
			json_array_remove(m->sessions, i);
			break;
		}
	pthread_mutex_unlock(&m->mu);
}

static void destroy(struct mcp *m, const char *sid)
{
	char path[128], err[300];
	struct api_reply r;
	pthread_mutex_lock(&m->mu);
	bool stopping = m->stopping;
	pthread_mutex_unlock(&m->mu);
	snprintf(path, sizeof(path), "/v1/sandboxes/%s", sid);
	/* A stopping service's loop waits for this thread: asking it would
	 * only wait out the stop's deadline; the sandbox ends with it. */
	if (!stopping && api_call(&m->api, "DELETE", path, NULL, NULL, 0, &r, NULL, err, sizeof(err)) == 0)
		api_reply_free(&r);
	forget_session(m, sid);
}

/* The sandbox a tool works in: args' session, or the default one (made
 * now if there is none). 0 with sid, or -1 with *res. */
static int sandbox_of(struct mcp *m, struct mcp_call *c, json_t *args, char *sid, size_t len,
		      bool *is_default, json_t **res)
{
	const char *given = json_string_value(json_object_get(args, "session"));
	struct api_reply r;

	*is_default = !given;
	if (given) {
		if (!*given || strspn(given, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(given)) {
			*res = mcp_tool_error("session: not a session's id");
			return -1;
		}
		snprintf(sid, len, "%s", given);
		return 0;
	}
	pthread_mutex_lock(&m->create_mu);
	pthread_mutex_lock(&m->mu);
	snprintf(sid, len, "%s", m->def);
	pthread_mutex_unlock(&m->mu);
	if (!*sid) {
		if (call_api(m, c, "POST", "/v1/sandboxes",
			     mcp_session_body(NULL, m->profile, m->ttl, m->idle), NULL, 0, &r, res) < 0) {
			pthread_mutex_unlock(&m->create_mu);
			return -1;
		}
		json_t *j = r.status == 201 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
		const char *id = json_string_value(json_object_get(j, "id"));
		if (id && strlen(id) < len) {
			snprintf(sid, len, "%s", id);
			pthread_mutex_lock(&m->mu);
			snprintf(m->def, sizeof(m->def), "%s", id);
			pthread_mutex_unlock(&m->mu);
		} else {
			*res = mcp_tool_problem(r.status, r.body, r.len);
		}
		json_decref(j);
		api_reply_free(&r);
	}
	pthread_mutex_unlock(&m->create_mu);
	return *sid ? 0 : -1;
}

static const char *path_arg(json_t *args, const char *dflt)
{
	const char *p = json_string_value(json_object_get(args, "path"));
	return p && *p ? p : dflt;
}

/* /v1/sandboxes/SID/files/PATH, %-encoded. */
static int files_path(const char *sid, const char *path, bool dir, char *out, size_t len)
{
	char esc[4096 * 3 + 1];
	if (api_path_escape(path, esc, sizeof(esc)) < 0)
		return -1;
	size_t el = strlen(esc);
	int n = snprintf(out, len, "/v1/sandboxes/%s/files/%s%s", sid, strcmp(esc, ".") == 0 ? "" : esc,
			 dir && el && esc[el - 1] != '/' && strcmp(esc, ".") != 0 ? "/" : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static json_t *run(struct mcp *m, struct mcp_call *c, enum mcp_tool tool, json_t *args, const char *sid,
		   struct api_reply *r)
{
	char path[128];
	json_t *res = NULL;
	snprintf(path, sizeof(path), "/v1/sandboxes/%s/commands", sid);
	if (call_api(m, c, "POST", path, mcp_run_body(tool, args), NULL, 0, r, &res) < 0)
		return res;
	if (r->status != 200)
		return mcp_tool_problem(r->status, r->body, r->len);
	json_t *j = json_loadb(r->body, r->len, 0, NULL);
	res = j ? mcp_run_result(j, sid) : mcp_tool_error("the service's answer is not JSON");
	json_decref(j);
	return res;
}

static json_t *write_file(struct mcp *m, struct mcp_call *c, json_t *args, const char *sid,
			  struct api_reply *r)
{
	char path[4096 * 3 + 128];
	json_t *res = NULL, *content = json_object_get(args, "content");
	const char *enc = json_string_value(json_object_get(args, "encoding"));
	const char *data = json_string_value(content);
	size_t len = json_string_length(content);
	cleanup_free unsigned char *bin = NULL;

	if (enc && strcmp(enc, "base64") == 0) {
		size_t bl = 0;
		if (!(bin = malloc(len / 4 * 3 + 3)) ||
		    sodium_base642bin(bin, len / 4 * 3 + 3, data, len, " \r\n", &bl, NULL,
				      sodium_base64_VARIANT_ORIGINAL) < 0)
			return mcp_tool_error("content: not base64");
		data = (const char *)bin;
		len = bl;
	}
	if (files_path(sid, path_arg(args, ""), false, path, sizeof(path)) < 0 || !*path_arg(args, ""))
		return mcp_tool_error("path: not a path");
	if (call_api(m, c, "PUT", path, NULL, data, len, r, &res) < 0)
		return res;
	if (r->status != 200 && r->status != 201)
		return mcp_tool_problem(r->status, r->body, r->len);
	return mcp_tool_ok(
	    json_pack("{s:s,s:I,s:s}", "path", path_arg(args, ""), "size", (json_int_t)len, "session", sid),
	    "wrote %zu bytes to %s", len, path_arg(args, ""));
}

static json_t *read_file(struct mcp *m, struct mcp_call *c, json_t *args, const char *sid,
			 struct api_reply *r)
{
	char path[4096 * 3 + 128];
	json_t *res = NULL;
	const char *p = path_arg(args, "");

	if (files_path(sid, p, false, path, sizeof(path)) < 0 || !*p)
		return mcp_tool_error("path: not a path");
	if (call_api(m, c, "GET", path, NULL, NULL, 0, r, &res) < 0)
		return res;
	if (r->status != 200)
		return mcp_tool_problem(r->status, r->body, r->len);
	if (strncmp(r->ctype, "application/octet-stream", 24) != 0)
		return mcp_tool_error("%s is a directory: use list_files", p);
	/* Text when it is UTF-8 (cut at a character's start), else base64. */
	size_t n = r->len > MCP_MAX_TEXT ? MCP_MAX_TEXT : r->len;
	json_t *text = mcp_text_prefix(r->body, r->len, MCP_MAX_TEXT), *img = NULL;
	if (text)
		n = json_string_length(text);
	const char *enc = "utf8";
	if (!text) {
		if (n > MCP_MAX_TEXT / 4 * 3)
			n = MCP_MAX_TEXT / 4 * 3;
		size_t bl = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
		cleanup_free char *b64 = malloc(bl);
		if (!b64)
			return mcp_tool_error("out of memory");
		sodium_bin2base64(b64, bl, (const unsigned char *)r->body, n, sodium_base64_VARIANT_ORIGINAL);
		text = json_string(b64);
		enc = "base64";
		if (n == r->len && r->len > 8 && memcmp(r->body, "\x89PNG\r\n\x1a\n", 8) == 0)
			img = json_pack("{s:s,s:O,s:s}", "type", "image", "data", text, "mimeType",
					"image/png");
	}
	bool truncated = n < r->len;
	res = mcp_tool_ok(json_pack("{s:s,s:I,s:s,s:O,s:b,s:s}", "path", p, "size", (json_int_t)r->len,
				    "encoding", enc, "content", text, "truncated", truncated, "session", sid),
			  "%s (%zu bytes%s%s)", p, r->len, strcmp(enc, "utf8") ? ", base64" : "",
			  truncated ? ", truncated" : "");
	json_t *content = json_object_get(res, "content");
	if (strcmp(enc, "utf8") == 0)
		json_array_append_new(content, json_pack("{s:s,s:O}", "type", "text", "text", text));
	if (img)
		json_array_append_new(content, img);
	json_decref(text);
	return res;
}

static json_t *list_files(struct mcp *m, struct mcp_call *c, json_t *args, const char *sid,
			  struct api_reply *r)
{
	char path[4096 * 3 + 128];
	json_t *res = NULL;
	const char *p = path_arg(args, ".");

	if (files_path(sid, p, true, path, sizeof(path)) < 0)
		return mcp_tool_error("path: not a path");
	if (call_api(m, c, "GET", path, NULL, NULL, 0, r, &res) < 0)
		return res;
	if (r->status != 200)
		return mcp_tool_problem(r->status, r->body, r->len);
	json_t *j = json_loadb(r->body, r->len, 0, NULL), *e;
	json_t *entries = json_object_get(j, "entries");
	if (!json_is_array(entries)) {
		json_decref(j);
		return mcp_tool_error("%s is not a directory", p);
	}
	/* The text: one line per entry, as ls -l would give it. */
	char *text = NULL;
	size_t tl = 0, i;
	FILE *f = open_memstream(&text, &tl);
	json_array_foreach(entries, i, e) if (f)
	    fprintf(f, "%s %10lld %s\n", json_string_value(json_object_get(e, "type")) ?: "?",
		    (long long)json_integer_value(json_object_get(e, "size")),
		    json_string_value(json_object_get(e, "name")) ?: "?");
	if (f)
		fclose(f);
	res = mcp_tool_ok(json_pack("{s:s,s:O,s:b,s:s}", "path", p, "entries", entries, "truncated",
				    json_is_true(json_object_get(j, "truncated")), "session", sid),
			  "%s: %zu entries\n%.1000s", p, json_array_size(entries), text ? text : "");
	free(text);
	json_decref(j);
	return res;
}

static json_t *create_session(struct mcp *m, struct mcp_call *c, json_t *args, struct api_reply *r)
{
	json_t *res = NULL;
	if (call_api(m, c, "POST", "/v1/sandboxes", mcp_session_body(args, m->profile, m->ttl, m->idle), NULL,
		     0, r, &res) < 0)
		return res;
	if (r->status != 201)
		return mcp_tool_problem(r->status, r->body, r->len);
	json_t *j = json_loadb(r->body, r->len, 0, NULL);
	const char *id = json_string_value(json_object_get(j, "id"));
	if (!id) {
		json_decref(j);
		return mcp_tool_error("the service's answer has no id");
	}
	pthread_mutex_lock(&m->mu);
	json_array_append_new(m->sessions, json_string(id));
	pthread_mutex_unlock(&m->mu);
	res =
	    mcp_tool_ok(json_pack("{s:s,s:O?,s:O?,s:O?}", "session", id, "profile",
				  json_object_get(j, "profile"), "expires_at",
				  json_object_get(j, "expires_at"), "network", json_object_get(j, "network")),
			"session %s created (profile %s); pass it as `session` to the other tools", id,
			json_string_value(json_object_get(j, "profile")) ?: "?");
	json_decref(j);
	return res;
}

static json_t *close_session(struct mcp *m, struct mcp_call *c, json_t *args, struct api_reply *r)
{
	char path[128];
	json_t *res = NULL;
	const char *sid = json_string_value(json_object_get(args, "session"));
	if (strspn(sid, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(sid) || !*sid)
		return mcp_tool_error("session: not a session's id");
	snprintf(path, sizeof(path), "/v1/sandboxes/%s", sid);
	if (call_api(m, c, "DELETE", path, NULL, NULL, 0, r, &res) < 0)
		return res;
	if (r->status != 204 && r->status != 200)
		return mcp_tool_problem(r->status, r->body, r->len);
	forget_session(m, sid);
	return mcp_tool_ok(json_pack("{s:s,s:b}", "session", sid, "closed", 1), "session %s closed", sid);
}

/* The service's answer says the sandbox itself is not there (not a file
 * in it): 404 "no sandbox ID" (api.c). */
static bool sandbox_gone(const struct api_reply *r)
{
	if (r->status != 404 || !r->body)
		return false;
	json_t *p = json_loadb(r->body, r->len, 0, NULL);
	const char *detail = json_string_value(json_object_get(p, "detail"));
	bool gone = detail && strncmp(detail, "no sandbox ", 11) == 0;
	json_decref(p);
	return gone;
}

static json_t *tool_call(struct mcp *m, struct mcp_call *c, const struct mcp_msg *msg)
{
	char err[600], sid[48] = "";
	enum mcp_tool tool;
	json_t *args = NULL, *res = NULL;
	bool unknown, is_default = false;
	struct api_reply r = {0};

	if (mcp_tool_args(msg->params, &tool, &args, &unknown, err, sizeof(err)) < 0)
		return unknown ? mcp_error(msg->id, RPC_PARAMS, "%s", err)
			       : mcp_reply(msg->id, mcp_tool_error("Invalid arguments: %s", err));
	if (tool == T_CREATE_SESSION)
		res = create_session(m, c, args, &r);
	else if (tool == T_CLOSE_SESSION)
		res = close_session(m, c, args, &r);
	else
		for (int attempt = 0; attempt < 2; attempt++) {
			if (sandbox_of(m, c, args, sid, sizeof(sid), &is_default, &res) < 0)
				break;
			if (tool == T_RUN_CODE || tool == T_RUN_COMMAND)
				res = run(m, c, tool, args, sid, &r);
			else if (tool == T_WRITE_FILE)
				res = write_file(m, c, args, sid, &r);
			else if (tool == T_READ_FILE)
				res = read_file(m, c, args, sid, &r);
			else
				res = list_files(m, c, args, sid, &r);
			/* The default sandbox ended (its TTL, an admin): a new one. */
			if (!(is_default && attempt == 0 && sandbox_gone(&r)))
				break;
			forget_session(m, sid);
			json_decref(res);
			res = NULL;
			api_reply_free(&r);
		}
	api_reply_free(&r);
	if (!res && c) { /* cancelled: the sandbox goes, and the run with it */
		if (!*sid)
			snprintf(sid, sizeof(sid), "%s",
				 json_string_value(json_object_get(args, "session")) ?: "");
		if (*sid)
			destroy(m, sid);
		return NULL;
	}
	return mcp_reply(msg->id, res ? res : mcp_tool_error("failed"));
}

json_t *mcp_handle(struct mcp *m, const struct mcp_msg *msg, struct mcp_call *call)
{
	if (msg->kind == MCP_RESPONSE)
		return NULL;
	if (msg->kind == MCP_NOTIFICATION) {
		if (strcmp(msg->method, "notifications/cancelled") == 0) {
			json_t *id = json_object_get(msg->params, "requestId");
			if (json_is_string(id) || json_is_integer(id))
				cancel(m, id);
		}
		return NULL;
	}
	const char *method = msg->method;
	if (strcmp(method, "initialize") == 0) {
		const char *asked = json_string_value(json_object_get(msg->params, "protocolVersion"));
		pthread_mutex_lock(&m->mu);
		snprintf(m->version, sizeof(m->version), "%s", mcp_version(asked));
		pthread_mutex_unlock(&m->mu);
		return mcp_reply(msg->id, mcp_initialize_result(asked, m->server_version));
	}
	if (strcmp(method, "ping") == 0)
		return mcp_reply(msg->id, json_object());
	if (strcmp(method, "tools/list") == 0)
		return mcp_reply(msg->id, mcp_tools_list());
	if (strcmp(method, "tools/call") == 0) {
		if (!msg->params)
			return mcp_error(msg->id, RPC_PARAMS, "tools/call needs params");
		bool own = !call;
		if (own && !(call = mcp_call_new(m, msg->id)))
			return mcp_error(msg->id, RPC_INTERNAL, "out of memory");
		json_t *res = tool_call(m, call, msg);
		if (own)
			mcp_call_free(m, call);
		return res;
	}
	return mcp_error(msg->id, RPC_NO_METHOD, "no method %.128s", method);
}

const char *mcp_negotiated(struct mcp *m, char *buf, size_t len)
{
	pthread_mutex_lock(&m->mu);
	snprintf(buf, len, "%s", m->version);
	pthread_mutex_unlock(&m->mu);
	return buf;
}

void mcp_cancel_calls(struct mcp *m) { cancel(m, NULL); }

void mcp_stop(struct mcp *m)
{
	pthread_mutex_lock(&m->mu);
	m->stopping = true;
	pthread_mutex_unlock(&m->mu);
	cancel(m, NULL);
}

void mcp_end(struct mcp *m)
{
	cancel(m, NULL);
	for (;;) {
		char sid[48] = "";
		pthread_mutex_lock(&m->mu);
		if (m->def[0])
			snprintf(sid, sizeof(sid), "%s", m->def);
		else if (json_array_size(m->sessions))
			snprintf(sid, sizeof(sid), "%s", json_string_value(json_array_get(m->sessions, 0)));
		pthread_mutex_unlock(&m->mu);
		if (!*sid)
			break;
		destroy(m, sid);
	}
}

void mcp_free(struct mcp *m)
{
	if (!m)
		return;
	json_decref(m->sessions);
	pthread_mutex_destroy(&m->mu);
	pthread_mutex_destroy(&m->create_mu);
	free(m);
}
