/* The Model Context Protocol's messages, pure (no I/O; fuzzed by
 * tests/fuzz/fuzz_mcp.c): JSON-RPC 2.0 decoded with jansson under size
 * limits, the protocol version negotiated, the tools described (input
 * schemas generated from the same table that checks the arguments, output
 * schemas), and the service's answers turned into tool results. */
#ifndef AIRLOCK_MCP_PROTO_H
#define AIRLOCK_MCP_PROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* One message, at most (stdio line, HTTP body). */
#define MCP_MAX_MESSAGE (16u << 20)
/* Text of stdout, stderr or a file put in a result. */
#define MCP_MAX_TEXT (1u << 20)

enum {
	RPC_PARSE = -32700,
	RPC_INVALID = -32600,
	RPC_NO_METHOD = -32601,
	RPC_PARAMS = -32602,
	RPC_INTERNAL = -32603
};

enum mcp_kind { MCP_REQUEST, MCP_NOTIFICATION, MCP_RESPONSE };

struct mcp_msg {
	json_t *root; /* owned; the fields below are borrowed from it */
	enum mcp_kind kind;
	json_t *id;	    /* requests and responses */
	const char *method; /* requests and notifications */
	json_t *params;	    /* an object, or NULL */
};

/* 0 with *m (free with mcp_msg_free), or -1 with *reply: the JSON-RPC
 * error to send (id null when none could be read). */
int mcp_parse(const char *buf, size_t len, struct mcp_msg *m, json_t **reply);
void mcp_msg_free(struct mcp_msg *m);

json_t *mcp_reply(json_t *id, json_t *result); /* takes result */
json_t *mcp_error(json_t *id, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The version this server speaks with a client that asked for `asked`:
 * the same when known, else the newest. */
const char *mcp_version(const char *asked);
bool mcp_version_known(const char *v);
json_t *mcp_initialize_result(const char *asked, const char *server_version);

/* tools/list's result. */
json_t *mcp_tools_list(void);

enum mcp_tool {
	T_RUN_CODE,
	T_RUN_COMMAND,
	T_CREATE_SESSION,
	T_CLOSE_SESSION,
	T_WRITE_FILE,
	T_READ_FILE,
	T_LIST_FILES,
	T_NTOOLS
};
/* tools/call's params checked: the tool and its arguments (borrowed from
 * params; an object). -1 with err: JSON-RPC's invalid params when the
 * tool is unknown (*unknown set), else a message for an error result. */
int mcp_tool_args(json_t *params, enum mcp_tool *tool, json_t **args, bool *unknown, char *err, size_t len);

/* Tool results (CallToolResult). */
json_t *mcp_tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A refusal by the service (an application/problem+json body, or NULL)
 * as an error result: one by policy says so, so that the agent does not
 * retry around it. */
json_t *mcp_tool_problem(unsigned status, const char *body, size_t len);
bool mcp_problem_is_policy(unsigned status, const char *code, const char *detail);
/* A run's result (the service's execute/command result) for session sid:
 * structured content, the text, images of PNG artifacts. */
json_t *mcp_run_result(json_t *api, const char *sid);
/* Any other structured result, with a line of text. */
json_t *mcp_tool_ok(json_t *structured, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The API body of a run (language+code or a command, stdin, artifacts). */
json_t *mcp_run_body(enum mcp_tool tool, json_t *args);
/* The API body that creates a session (create_session's arguments, or the
 * default sandbox's when args is NULL). */
json_t *mcp_session_body(json_t *args, const char *profile, unsigned ttl, unsigned idle);

/* The longest UTF-8 prefix of data of at most max bytes, cut at a
 * character's start, as a JSON string; NULL when it is not UTF-8. */
json_t *mcp_text_prefix(const char *data, size_t len, size_t max);

#endif
