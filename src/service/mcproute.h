/* /mcp: the Model Context Protocol over streamable HTTP (DESIGN.md
 * "Agents"), with the same core as `airlock mcp` (src/mcp/mcp.h).
 *
 * The core is a client of the API: a tool call becomes requests to /v1,
 * which come back into this service through a private unix socket (a 0700
 * directory of its own) carrying a secret made at start and the calling
 * tenant's name, so that they meet the tenant's quotas, ceilings, audit
 * and quarantine as any request does. The calls block, so each tool call
 * runs on a thread of its own (at most MCPR_MAX_THREADS); the loop gets
 * its answer back through an eventfd. Everything else (initialize, lists,
 * pings, cancellations) is answered on the loop at once.
 *
 * An MCP session (Mcp-Session-Id) belongs to the tenant that made it,
 * holds a default sandbox, and ends on DELETE or after MCPR_IDLE seconds
 * without a request; its sandboxes are destroyed then. */
#ifndef AIRLOCK_SERVICE_MCPROUTE_H
#define AIRLOCK_SERVICE_MCPROUTE_H

struct svc;
struct hreq;
struct tenant;

enum { MCPR_MAX_THREADS = 32, MCPR_MAX_SESSIONS = 256, MCPR_IDLE = 600 };

/* The private listener and the eventfd (after the listeners). */
int mcproute_new(struct svc *svc, char *msg, unsigned len);
/* A request on /mcp by tenant t. */
void mcproute_handle(struct svc *svc, struct hreq *r, const struct tenant *t);
/* A request of the core's: 1 with *t, 0 when r is not one, -1 when it
 * claims to be one and is not (to be refused). */
int mcproute_tenant(struct svc *svc, struct hreq *r, const struct tenant **t);
/* Idle MCP sessions ended; the next deadline (ms, monotonic) or -1. */
double mcproute_reap(struct svc *svc);
/* After http_free: threads cancelled and waited for, the directory gone. */
void mcproute_free(struct svc *svc);

#endif
