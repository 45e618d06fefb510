/* The MCP server's pure parts (src/mcp/proto.c, the parsers of
 * src/mcp/apiclient.c): JSON-RPC messages and their errors, version
 * negotiation, the tools' schemas and argument checks, the service's
 * answers as tool results (policy refusals, violations, images), HTTP
 * replies, paths and targets. */
#include <stdlib.h>

#include "mcp/apiclient.h"
#include "mcp/proto.h"
#include "unit.h"

static int parse_code(const char *text)
{
	struct mcp_msg m;
	json_t *reply;
	if (mcp_parse(text, strlen(text), &m, &reply) == 0) {
		mcp_msg_free(&m);
		return 0;
	}
	int code = (int)json_integer_value(json_object_get(json_object_get(reply, "error"), "code"));
	json_decref(reply);
	return code;
}

static void messages(void)
{
	struct mcp_msg m;
	json_t *reply;
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{}}";
	CHECK("mcp: a request", mcp_parse(req, strlen(req), &m, &reply) == 0 && m.kind == MCP_REQUEST &&
				    strcmp(m.method, "tools/list") == 0 && json_integer_value(m.id) == 7);
	mcp_msg_free(&m);
	const char *note = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
	CHECK("mcp: a notification",
	      mcp_parse(note, strlen(note), &m, &reply) == 0 && m.kind == MCP_NOTIFICATION);
	mcp_msg_free(&m);
	const char *resp = "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":{}}";
	CHECK("mcp: a response", mcp_parse(resp, strlen(resp), &m, &reply) == 0 && m.kind == MCP_RESPONSE);
	mcp_msg_free(&m);
	CHECK("mcp: not JSON is a parse error", parse_code("{\"jsonrpc\":") == RPC_PARSE);
	CHECK("mcp: a batch is refused",
	      parse_code("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]") == RPC_INVALID);
	CHECK("mcp: jsonrpc must be 2.0",
	      parse_code("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}") == RPC_INVALID);
	CHECK("mcp: an id is a string or an integer",
	      parse_code("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}") == RPC_INVALID);
	CHECK("mcp: params must be an object",
	      parse_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":[1]}") == RPC_INVALID);
	CHECK("mcp: duplicate keys are refused",
	      parse_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}") == RPC_PARSE);
	CHECK("mcp: neither request nor response",
	      parse_code("{\"jsonrpc\":\"2.0\",\"id\":1}") == RPC_INVALID);
	char *big = malloc(MCP_MAX_MESSAGE + 2);
	memset(big, ' ', MCP_MAX_MESSAGE + 1);
	big[MCP_MAX_MESSAGE + 1] = '\0';
	CHECK("mcp: a message past the limit is refused before parsing", parse_code(big) == RPC_INVALID);
	free(big);
	CHECK("mcp: the version asked for, when known", strcmp(mcp_version("2025-03-26"), "2025-03-26") == 0);
	CHECK("mcp: else the newest", strcmp(mcp_version("1999-01-01"), "2025-06-18") == 0 &&
					  strcmp(mcp_version(NULL), "2025-06-18") == 0);
}

static int args_err(const char *params, char *err, size_t len, bool *unknown)
{
	json_t *p = json_loads(params, 0, NULL), *args;
	enum mcp_tool t;
	int rc = mcp_tool_args(p, &t, &args, unknown, err, len);
	json_decref(p);
	return rc;
}

static void tools(void)
{
	json_t *list = mcp_tools_list(), *t;
	size_t i;
	bool schemas = json_array_size(json_object_get(list, "tools")) == T_NTOOLS;
	json_array_foreach(json_object_get(list, "tools"), i, t)
	{
		json_t *in = json_object_get(t, "inputSchema"), *out = json_object_get(t, "outputSchema");
		schemas = schemas && strcmp(json_string_value(json_object_get(in, "type")), "object") == 0 &&
			  strcmp(json_string_value(json_object_get(out, "type")), "object") == 0 &&
			  json_is_array(json_object_get(out, "required"));
	}
	CHECK("mcp: 7 tools, each with an input and an output schema", schemas);
	json_decref(list);

	char err[600];
	bool unknown;
	CHECK("mcp: good arguments",
	      args_err("{\"name\":\"run_code\",\"arguments\":{\"code\":\"1\",\"language\":\"sh\"}}", err,
		       sizeof(err), &unknown) == 0);
	CHECK("mcp: an unknown tool",
	      args_err("{\"name\":\"nope\"}", err, sizeof(err), &unknown) < 0 && unknown);
	CHECK("mcp: a missing argument is named",
	      args_err("{\"name\":\"run_code\",\"arguments\":{}}", err, sizeof(err), &unknown) < 0 &&
		  !unknown && strncmp(err, "code:", 5) == 0);
	CHECK("mcp: a wrong type is named", args_err("{\"name\":\"run_code\",\"arguments\":{\"code\":5}}",
						     err, sizeof(err), &unknown) < 0 &&
						strcmp(err, "code: must be a string") == 0);
	CHECK("mcp: a choice outside the enum",
	      args_err("{\"name\":\"run_code\",\"arguments\":{\"code\":\"1\",\"language\":\"perl\"}}", err,
		       sizeof(err), &unknown) < 0);
	CHECK("mcp: an argument the tool does not take",
	      args_err("{\"name\":\"list_files\",\"arguments\":{\"x\":1}}", err, sizeof(err), &unknown) < 0);
	CHECK("mcp: an integer out of range",
	      args_err("{\"name\":\"create_session\",\"arguments\":{\"ttl\":0}}", err, sizeof(err),
		       &unknown) < 0);
	CHECK("mcp: an array of strings, checked item by item",
	      args_err("{\"name\":\"create_session\",\"arguments\":{\"allow\":[\"a\",3]}}", err, sizeof(err),
		       &unknown) < 0 &&
		  strncmp(err, "allow[1]", 8) == 0);
}

static const char *text_of(json_t *res)
{
	return json_string_value(json_object_get(json_array_get(json_object_get(res, "content"), 0), "text"));
}

static void results(void)
{
	const char *ceil = "{\"code\":\"invalid\",\"field\":\"profile\",\"detail\":\"profile: \\\"x\\\" is "
			   "not a profile this "
			   "tenant may use (python)\"}";
	json_t *r = mcp_tool_problem(400, ceil, strlen(ceil));
	CHECK("mcp: a ceiling is a refusal by policy, not to be retried",
	      json_is_true(json_object_get(r, "isError")) &&
		  strncmp(text_of(r), "Refused by policy", 17) == 0 && strstr(text_of(r), "do not retry"));
	json_decref(r);
	const char *bad = "{\"code\":\"invalid\",\"field\":\"argv\",\"detail\":\"argv: empty\"}";
	r = mcp_tool_problem(400, bad, strlen(bad));
	CHECK("mcp: a bad request is not called a policy", !strstr(text_of(r), "policy"));
	json_decref(r);
	r = mcp_tool_problem(403, NULL, 0);
	CHECK("mcp: 403 is a refusal by policy", strncmp(text_of(r), "Refused by policy", 17) == 0);
	json_decref(r);
	r = mcp_tool_problem(429, NULL, 0);
	CHECK("mcp: 429 says retry later", strstr(text_of(r), "Retry later") != NULL);
	json_decref(r);

	json_t *api = json_loads(
	    "{\"status\":\"exited\",\"exit_code\":1,\"signal\":null,\"stdout\":\"o\",\"stderr\":\"e\","
	    "\"violations\":[{\"syscall\":\"ptrace\"}],\"truncated\":{\"stdout\":true},"
	    "\"artifacts\":[{\"path\":\"plot.png\",\"size\":3,\"content_base64\":\"iVBO\"},"
	    "{\"path\":\"a.txt\",\"size\":1,\"content_base64\":\"YQ==\"}]}",
	    0, NULL);
	r = mcp_run_result(api, "sb-1");
	json_t *sc = json_object_get(r, "structuredContent"), *content = json_object_get(r, "content");
	CHECK("mcp: a run's structured content",
	      json_integer_value(json_object_get(sc, "exit_code")) == 1 &&
		  json_is_true(json_object_get(sc, "stdout_truncated")) &&
		  json_is_false(json_object_get(sc, "stderr_truncated")) &&
		  json_array_size(json_object_get(sc, "violations")) == 1 &&
		  strcmp(json_string_value(json_object_get(sc, "session")), "sb-1") == 0 &&
		  json_array_size(json_object_get(sc, "artifacts")) == 2 &&
		  !json_object_get(json_array_get(json_object_get(sc, "artifacts"), 0), "content_base64"));
	CHECK("mcp: a PNG artifact is an image, other files are not",
	      json_array_size(content) == 2 &&
		  strcmp(json_string_value(json_object_get(json_array_get(content, 1), "mimeType")),
			 "image/png") == 0);
	CHECK("mcp: a run the policy interrupted says so",
	      strstr(text_of(r), "refusal by policy") != NULL && json_is_true(json_object_get(r, "isError")));
	json_decref(r);
	json_object_set_new(api, "violations", json_array());
	r = mcp_run_result(api, "sb-1");
	CHECK("mcp: a program's own failure is not a tool error",
	      json_is_false(json_object_get(r, "isError")));
	json_decref(r);
	json_decref(api);
	/* Over MCP_MAX_TEXT, cut where a two-byte character straddles the
	 * limit: the text ends before it (jansson refuses half a character). */
	size_t big = MCP_MAX_TEXT + 2;
	char *out = malloc(big + 1);
	memset(out, 'x', big);
	memcpy(out + MCP_MAX_TEXT - 1, "\xc3\xa9", 2);
	out[big] = 0;
	api = json_pack("{s:s,s:i,s:s%,s:s}", "status", "exited", "exit_code", 0, "stdout", out, big, "stderr", "");
	r = mcp_run_result(api, "sb-1");
	const char *so = json_string_value(json_object_get(json_object_get(r, "structuredContent"), "stdout"));
	CHECK("mcp: a long output cut inside a character ends at its start",
	      so && strlen(so) == MCP_MAX_TEXT - 1 && json_is_false(json_object_get(r, "isError")));
	json_decref(r);
	json_decref(api);
	free(out);
	r = mcp_run_result(NULL, "sb-1");
	CHECK("mcp: a result from nothing still has every required field",
	      json_is_null(json_object_get(json_object_get(r, "structuredContent"), "exit_code")) &&
		  json_is_string(json_object_get(json_object_get(r, "structuredContent"), "stdout")));
	json_decref(r);
}

static void http(void)
{
	struct api_reply r;
	const char *chunked =
	    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n";
	CHECK("apiclient: a chunked reply", api_parse_reply(chunked, strlen(chunked), &r) == 0 &&
						r.status == 200 && strcmp(r.body, "{\"a\":1}") == 0 &&
						strcmp(r.ctype, "application/json") == 0);
	api_reply_free(&r);
	const char *cl = "HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}trailing";
	CHECK("apiclient: Content-Length bounds the body",
	      api_parse_reply(cl, strlen(cl), &r) == 0 && r.status == 404 && r.len == 2);
	api_reply_free(&r);
	const char *cut = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
	CHECK("apiclient: a body cut short is refused", api_parse_reply(cut, strlen(cut), &r) < 0);
	const char *badchunk = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffff\r\nab";
	CHECK("apiclient: a chunk past the end is refused",
	      api_parse_reply(badchunk, strlen(badchunk), &r) < 0);
	CHECK("apiclient: not HTTP", api_parse_reply("SSH-2.0\r\n\r\n", 11, &r) < 0);
	char out[64];
	CHECK("apiclient: paths %-encoded, slashes kept",
	      api_path_escape("a b/c?d#é", out, sizeof(out)) == 0 &&
		  strcmp(out, "a%20b/c%3Fd%23%C3%A9") == 0);
	CHECK("apiclient: a path too long for the buffer", api_path_escape("abcdef", out, 4) < 0);
	struct api_target t;
	char err[200];
	CHECK("apiclient: unix:PATH", api_target_parse(&t, "unix:/run/a.sock", NULL, err, sizeof(err)) == 0 &&
					  strcmp(t.unix_path, "/run/a.sock") == 0 && !t.auth[0]);
	CHECK("apiclient: http://HOST:PORT with a token",
	      api_target_parse(&t, "http://127.0.0.1:8080/", "tok", err, sizeof(err)) == 0 &&
		  strcmp(t.host, "127.0.0.1") == 0 && strcmp(t.port, "8080") == 0 &&
		  strcmp(t.auth, "Authorization: Bearer tok") == 0);
	CHECK("apiclient: [v6]:port", api_target_parse(&t, "http://[::1]:9/", NULL, err, sizeof(err)) == 0 &&
					  strcmp(t.host, "::1") == 0 && strcmp(t.port, "9") == 0);
	CHECK("apiclient: https is refused", api_target_parse(&t, "https://h:1", NULL, err, sizeof(err)) < 0);
	CHECK("apiclient: a token with a line break is refused",
	      api_target_parse(&t, "/s", "a\r\nX: y", err, sizeof(err)) < 0);
}

int main(void)
{
	messages();
	tools();
	results();
	http();
	return unit_failures ? 1 : 0;
}
