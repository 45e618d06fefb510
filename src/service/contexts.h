/* Code contexts (/v1/sandboxes/{id}/contexts): a Python interpreter kept
 * running inside a session's sandbox, under its limits, whose variables
 * persist from one run to the next, as in a notebook. Each run gives
 * stdout, stderr, the last expression's value (text/plain, and image/png
 * for matplotlib figures) or the error (name, value, traceback), and
 * execution_count. A run has a time limit: SIGINT first (the context
 * survives a KeyboardInterrupt), then the interpreter is killed (its
 * state is lost, and the result says so). */
#ifndef AIRLOCK_SERVICE_CONTEXTS_H
#define AIRLOCK_SERVICE_CONTEXTS_H

#include "http.h"
#include "service.h"
#include "sessions.h"

enum { CONTEXTS_MAX = 8 }; /* per session */

/* rest: what follows /v1/sandboxes/{id}/contexts ("", "/CID", "/CID/run",
 * "/CID/interrupt", "/CID/restart"). */
void contexts_route(struct svc *svc, struct hreq *r, struct session *s, const char *rest);
/* The session ends: its contexts are freed, their waiting requests
 * answered. */
void contexts_end(struct session *s);

#endif
