/* A run: files in, the command (with stdin, env), artifacts out, the
 * result (DESIGN.md "Service": the run report's fields plus id, stdout,
 * stderr, artifacts, timings), as JSON or as Server-Sent Events.
 *
 * A one-shot run (POST /v1/execute) starts a kept sandbox of its own
 * (al_sandbox_start with "keep" and no first command), puts the files in
 * (al_sandbox_put_file), runs the command as the sandbox's first command
 * through al_sandbox_exec_input (its own stdin bytes), lists and fetches
 * the artifacts (a shell glob inside the sandbox, then al_sandbox_get_file),
 * and ends the sandbox (al_sandbox_end); its result is the sandbox's run
 * report with the command's own status. One path for every request, the
 * same as a command in a session, which borrows the session's sandbox. */
#ifndef AIRLOCK_SERVICE_EXECUTE_H
#define AIRLOCK_SERVICE_EXECUTE_H

#include <airlock.h>
#include <stdbool.h>

#include "request.h"

struct svc;
struct hreq;
struct session;
struct tenant;

/* A sandbox's config for tenant t: the profile (one the tenant may use),
 * limits (each at most the tenant's ceiling; one not asked for whose
 * profile value is above it is lowered to it), network rules (each under
 * the tenant's egress patterns), env ("NAME=VALUE", or NULL). Errors name
 * the request's field. */
int execute_config(struct svc *svc, const struct tenant *t, const char *profile, const struct req_limits *l,
		   const struct req_network *net, char *const env[], al_config **out, struct req_error *err);

/* A one-shot run, admitted: cfg (taken) is its sandbox's; queued: it
 * waits for a free sandbox (execute_pump starts it). rq is taken. */
void execute_oneshot(struct svc *svc, struct hreq *r, const struct tenant *t, struct req_run *rq,
		     al_config *cfg, bool queued);
/* A command in a session's sandbox. rq is taken. */
void execute_in_session(struct svc *svc, struct hreq *r, const struct tenant *t, struct session *s,
			struct req_run *rq);
/* Data labels against the config's label rules and the egress allowed
 * (allow: the run's or the session's network.allow): 0, or -1 with r
 * answered 403 label_policy naming the rule. */
int execute_check_labels(struct svc *svc, struct hreq *r, const char **labels, size_t n, char *const *allow,
			 size_t nallow, bool session);
/* A session's egress rules (its network.allow), NULL-terminated; free(). */
char **execute_session_allow(struct session *s, size_t *n);
/* The request's secrets are the tenant's, and env does not set them too. */
int execute_check_secrets(const struct tenant *t, const struct req_run *rq, struct req_error *err);
/* data with the set's values replaced, appended to out. */
struct redact_set;
struct buf;
int redact_buf(const struct redact_set *set, const char *data, size_t len, struct buf *out);
/* Start queued runs while sandboxes are free. */
void execute_pump(struct svc *svc);
/* Shutdown: queued runs answered 503. */
void execute_flush_queue(struct svc *svc);

#endif
