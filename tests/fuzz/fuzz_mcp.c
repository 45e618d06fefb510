/* libFuzzer target: what the MCP server reads from outside (src/mcp/):
 * JSON-RPC messages from an agent, with the tool arguments checked and
 * turned into API bodies ('m'); the service's HTTP replies as the API
 * client parses them ('h'); the service's JSON results and problems
 * turned into tool results ('r'); paths %-encoded ('p'). The first byte
 * picks. What is refused comes with a JSON-RPC error; what is accepted
 * holds the parser's promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/apiclient.h"
#include "mcp/proto.h"

static void message(const char *buf, size_t len)
{
	struct mcp_msg m;
	json_t *reply, *args;
	enum mcp_tool tool;
	bool unknown;
	char err[600];

	if (mcp_parse(buf, len, &m, &reply) < 0) {
		json_t *e = json_object_get(reply, "error");
		if (!json_is_integer(json_object_get(e, "code")) ||
		    !json_is_string(json_object_get(e, "message")))
			abort();
		json_decref(reply);
		return;
	}
	if (m.kind != MCP_RESPONSE && (!m.method || (m.params && !json_is_object(m.params))))
		abort();
	if (m.kind == MCP_REQUEST && strcmp(m.method, "tools/call") == 0 && m.params &&
	    mcp_tool_args(m.params, &tool, &args, &unknown, err, sizeof(err)) == 0) {
		if (tool >= T_NTOOLS || (args && !json_is_object(args)))
			abort();
		json_t *b = NULL;
		if (tool == T_RUN_CODE || tool == T_RUN_COMMAND)
			b = mcp_run_body(tool, args);
		else if (tool == T_CREATE_SESSION)
			b = mcp_session_body(args, "python", 60, 60);
		if ((tool == T_RUN_CODE || tool == T_RUN_COMMAND || tool == T_CREATE_SESSION) &&
		    !json_is_object(b))
			abort();
		json_decref(b);
	}
	if (m.kind == MCP_REQUEST && strcmp(m.method, "initialize") == 0) {
		json_t *r = mcp_initialize_result(
		    json_string_value(json_object_get(m.params, "protocolVersion")), "0");
		if (!mcp_version_known(json_string_value(json_object_get(r, "protocolVersion"))))
			abort();
		json_decref(r);
	}
	mcp_msg_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const char *body = (const char *)data + 1;
	size--;
	switch (data[0]) {
	case 'm':
		message(body, size);
		break;
	case 'h': {
		struct api_reply r;
		if (api_parse_reply(body, size, &r) == 0) {
			if (r.status < 100 || r.status > 599 || r.len > size || r.body[r.len] != '\0')
				abort();
			api_reply_free(&r);
		}
		break;
	}
	case 'r': {
		json_t *j = json_loadb(body, size, 0, NULL);
		json_t *res = mcp_run_result(j, "sb-1");
		if (!json_is_array(json_object_get(res, "content")))
			abort();
		json_decref(res);
		json_decref(j);
		res = mcp_tool_problem(403, body, size);
		if (!json_is_true(json_object_get(res, "isError")))
			abort();
		json_decref(res);
		break;
	}
	case 'p': {
		char s[256], out[800];
		size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
		memcpy(s, body, n);
		s[n] = '\0';
		if (api_path_escape(s, out, sizeof(out)) == 0 && strpbrk(out, " ?#\r\n"))
			abort();
		break;
	}
	}
	return 0;
}
