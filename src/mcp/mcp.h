/* One MCP session (DESIGN.md "Agents"): the protocol's requests answered,
 * the tools run as calls to the service's API (apiclient.h). Used by both
 * front ends: `airlock mcp` over stdio (src/cli/mcp.c) and the service's
 * /mcp route, streamable HTTP (src/service/mcproute.c).
 *
 * Tools without a `session` argument share a default sandbox, created at
 * the first such call, so that state persists between calls without the
 * agent keeping ids; it and every session made by create_session are
 * destroyed by mcp_end (the MCP session's end), and they carry an idle
 * timeout of their own in case the end never comes. Cancelling a call
 * (notifications/cancelled) cuts its API call short and destroys the
 * sandbox it ran in, which kills the run; a default sandbox is made anew
 * at the next call.
 *
 * Thread-safe: calls may run at once, each on its own thread, while
 * another thread handles the quick messages and cancellations. */
#ifndef AIRLOCK_MCP_MCP_H
#define AIRLOCK_MCP_MCP_H

#include <jansson.h>
#include <stdbool.h>

#include "apiclient.h"
#include "proto.h"

struct mcp_options {
	const char *profile; /* the default sandbox's ("python") */
	unsigned ttl, idle;  /* its lifetime and idle timeout, seconds */
	const char *server_version;
};

struct mcp;
struct mcp_call;

struct mcp *mcp_new(const struct api_target *api, const struct mcp_options *opt);
/* Every call cancelled, every sandbox of the session destroyed. */
void mcp_end(struct mcp *m);
/* Every call cancelled (their connections shut down); mcp_end follows. */
void mcp_cancel_calls(struct mcp *m);
/* The service is stopping: every call cancelled, and no sandbox destroyed
 * through the API from now on (the service's loop, which would answer,
 * waits for the calls' threads; the sandboxes end with the service). */
void mcp_stop(struct mcp *m);
void mcp_free(struct mcp *m);

/* A message that takes time (tools/call): handle it on a thread of its
 * own, with a call registered first (so that a cancellation that comes
 * before the thread starts is not lost). */
bool mcp_is_call(const struct mcp_msg *msg);
struct mcp_call *mcp_call_new(struct mcp *m, json_t *id);
void mcp_call_free(struct mcp *m, struct mcp_call *c);

/* The reply to msg, or NULL when none is due (a notification, a response,
 * a cancelled call). call: the registered call of a tools/call, else NULL. */
json_t *mcp_handle(struct mcp *m, const struct mcp_msg *msg, struct mcp_call *call);
/* The version negotiated at initialize ("" before). */
const char *mcp_negotiated(struct mcp *m, char *buf, size_t len);

#endif
