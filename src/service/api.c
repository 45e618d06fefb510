/* The routes (api.h): /healthz, /readyz and /metrics first (no tenant),
 * then the caller's tenant (bearer token, or a unix socket's peer uid),
 * then /v1. A tenant never learns of another's sandboxes: those are 404. */
#include "api.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../util.h"
#include "../version.h"
#include "execute.h"
#include "contexts.h"
#include "http.h"
#include "pools.h"
#include "service.h"
#include "mcproute.h"
#include "sessions.h"

static bool is(const struct hreq *r, const char *method) { return strcmp(r->method, method) == 0; }

static void not_allowed(struct hreq *r, const char *allow)
{
	hreq_add_header(r, "Allow", allow);
	hreq_problem(r, 405, "method_not_allowed", NULL, 0, "%s is not allowed here (%s)", r->method, allow);
}

static const char *bearer(struct hreq *r)
{
	const char *a = hreq_header(r, "Authorization");
	if (!a || strncasecmp(a, "Bearer ", 7) != 0)
		return NULL;
	a += 7;
	while (*a == ' ')
		a++;
	return *a ? a : NULL;
}

static void unauthorized(struct hreq *r, const char *why)
{
	hreq_add_header(r, "WWW-Authenticate", "Bearer realm=\"airlock\"");
	hreq_problem(r, 401, "unauthorized", NULL, 0, "%s", why);
}

/* Who asks: without a config, everyone who can reach the unix socket is
 * "local" (the socket is 0600). With one, a bearer token names a tenant;
 * on a unix socket, the peer's uid may instead. */
static const struct tenant *tenant_of(struct svc *svc, struct hreq *r)
{
	const char *token = bearer(r);
	const struct tenant *t = NULL;

	/* The MCP route's own calls (mcproute.h). */
	int internal = mcproute_tenant(svc, r, &t);
	if (internal) {
		if (internal < 0)
			unauthorized(r, "not a call of the service's own");
		return t;
	}
	if (!svc->tenants) {
		if (r->kind == LISTEN_UNIX)
			return tenant_local();
		unauthorized(r, "TCP needs a config with tenants");
		return NULL;
	}
	if (token)
		t = tenants_by_token(svc->tenants, token);
	else if (r->kind == LISTEN_UNIX && r->has_peer)
		t = tenants_by_uid(svc->tenants, r->peer_uid);
	if (!t)
		unauthorized(r,
			     token ? "the token is not a tenant's" : "Authorization: Bearer TOKEN is needed");
	return t;
}

static void health(struct svc *svc, struct hreq *r, bool ready)
{
	if (!is(r, "GET") && !is(r, "HEAD")) {
		not_allowed(r, "GET, HEAD");
		return;
	}
	if (!ready) {
		hreq_json(r, 200, json_pack("{s:s}", "status", svc->draining ? "draining" : "ok"));
		return;
	}
	char why[160] = "";
	if (svc->ready && !svc->draining && !pools_ready(svc, why, sizeof(why)))
		hreq_json(r, 503, json_pack("{s:s,s:s}", "status", "filling", "error", why));
	else if (svc->ready && !svc->draining)
		hreq_json(r, 200,
			  json_pack("{s:s,s:s,s:i}", "status", "ready", "cgroup", svc->cgroup, "landlock",
				    svc->landlock));
	else
		hreq_json(r, 503,
			  json_pack("{s:s,s:s?}", "status",
				    svc->draining	  ? "draining"
				    : svc->not_ready[0] ? "failed"
							  : "starting",
				    "error", svc->not_ready[0] ? svc->not_ready : NULL));
}

static void metrics(struct svc *svc, struct hreq *r)
{
	struct gauges g = {.queued = svc->nqueue, .snapshot_bytes = svc->snapshot_bytes, .ready = svc->ready};
	size_t len;

	if (!is(r, "GET")) {
		not_allowed(r, "GET");
		return;
	}
	if (svc->tenants && svc->tenants->has_admin && !tenants_is_admin(svc->tenants, bearer(r))) {
		unauthorized(r, "/metrics needs the admin token");
		return;
	}
	for (struct session *s = svc->sessions; s; s = s->next)
		s->running ? g.sessions_busy++ : g.sessions_idle++;
	g.running = svc->nboxes > svc->nsessions ? svc->nboxes - svc->nsessions : 0;
	for (size_t i = 0; svc->tenants && i < svc->tenants->n; i++) {
		json_t *st = svc_tenant_json(svc, &svc->tenants->t[i]);
		const char *state = json_string_value(json_object_get(st, "state"));
		g.tenants_throttled += state && strcmp(state, "throttled") == 0;
		g.tenants_quarantined += state && strcmp(state, "quarantined") == 0;
		json_decref(st);
	}
	pools_count(svc, &g.pool_ready, &g.pool_starting);
	char *text = metrics_render(&svc->metrics, &g, &len);
	if (!text) {
		hreq_problem(r, 500, "internal", NULL, 0, "out of memory");
		return;
	}
	hreq_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static json_t *limits_json(const struct req_limits *l)
{
	json_t *o = json_object();
	for (int i = 0; i < REQ_NLIMITS; i++)
		if (l->set[i])
			json_object_set_new(o, req_limit_names[i],
					    req_limit_is_time(i) ? json_real(l->value[i])
								 : json_integer((json_int_t)l->value[i]));
	return o;
}

static void info(struct svc *svc, struct hreq *r, const struct tenant *t)
{
	json_t *profiles = json_array(), *egress;

	for (const char *const *p = service_profiles; *p; p++)
		if (tenant_profile_ok(t, *p))
			json_array_append_new(profiles, json_string(*p));
	if (t->any_egress) {
		egress = json_string("any");
	} else {
		egress = json_array();
		for (size_t i = 0; i < t->negress; i++)
			json_array_append_new(egress, json_string(t->egress[i]));
	}
	/* What the machine offers (al_ctx_features at start). */
	json_t *f = svc->features;
	json_t *j = json_pack(
	    "{s:s,s:i,s:s,s:{s:b,s:i,s:s,s:b,s:s?},s:o,s:{s:o,s:o},s:{s:i,s:i,s:i},s:{s:I,s:i,s:i}}",
	    "version", AIRLOCK_VERSION, "api", 1, "tenant", t->name, "features", "user_namespaces",
	    json_is_true(json_object_get(f, "user_namespaces")), "landlock_abi", svc->landlock, "cgroup",
	    svc->cgroup, "seccomp_notify", json_is_true(json_object_get(f, "seccomp_notify")), "degraded",
	    strcmp(svc->cgroup, "none") == 0 && svc->opt.allow_degraded ? "no cgroups: rlimits only" : NULL,
	    "profiles", profiles, "ceilings", "limits", limits_json(&t->ceil), "egress", egress, "quotas",
	    "sandboxes", (int)t->q_sandboxes, "executions_per_minute", (int)t->q_epm, "cpu_seconds_per_hour",
	    (int)t->q_cpu_s, "service", "max_body", (json_int_t)svc->opt.max_body, "max_sandboxes",
	    (int)svc->opt.max_sandboxes, "queue", (int)svc->opt.max_queue);
	if (j && svc->tenants)
		json_object_set_new(j, "state", svc_tenant_json(svc, t));
	hreq_json(r, j ? 200 : 500, j);
}

static void rate_limited(struct svc *svc, struct hreq *r, const struct tenant *t, unsigned retry)
{
	svc->metrics.rejected_quota++;
	hreq_problem(r, 429, "quota_exceeded", NULL, retry, "tenant %s has used its %u executions per minute",
		     t->name, t->q_epm);
}

/* Throttle and CPU quota: false when r was answered 429. */
static bool admitted(struct svc *svc, struct hreq *r, const struct tenant *t, bool new_sandbox)
{
	char detail[300];
	const char *code = "";
	unsigned retry;
	unsigned st = svc_admit_tenant(svc, t, new_sandbox, &retry, &code, detail, sizeof(detail));
	if (st)
		hreq_problem(r, st, code, NULL, retry, "%s", detail);
	return st == 0;
}

static void execute(struct svc *svc, struct hreq *r, const struct tenant *t)
{
	struct req_run rq;
	struct req_error err = {0};
	al_config *cfg;
	unsigned retry = 0;

	if (req_decode_run(r->body, r->body_len, REQ_EXECUTE, &rq, &err) < 0) {
		hreq_problem(r, err.status, err.status == 413 ? "too_large" : "invalid", err.field, 0, "%s",
			     err.detail);
		return;
	}
	const char *profile = rq.profile					  ? rq.profile
			      : rq.language && strcmp(rq.language, "python") == 0 ? "python"
										  : "default";
	const char *labels[REQ_MAX_FILES * REQ_MAX_LABELS];
	size_t nl = req_run_labels(&rq, labels, ARRAY_SIZE(labels));
	if (execute_check_labels(svc, r, labels, nl, rq.network.allow, rq.network.n, false) < 0) {
		req_run_free(&rq);
		return;
	}
	if (execute_check_secrets(t, &rq, &err) < 0 ||
	    execute_config(svc, t, profile, &rq.limits, &rq.network, NULL, &cfg, &err) < 0) {
		hreq_problem(r, err.status, "invalid", err.field, 0, "%s", err.detail);
		req_run_free(&rq);
		return;
	}
	if (!admitted(svc, r, t, true)) {
		al_config_free(cfg);
		req_run_free(&rq);
		return;
	}
	int a = svc_admit_sandbox(svc, t, true, &retry);
	if (a >= 0 && svc_admit_rate(svc, t, &retry) < 0) {
		svc_release_sandbox(svc, t->name);
		a = -3;
	}
	if (a < 0) {
		if (a == -3)
			rate_limited(svc, r, t, retry);
		else if (a == -1)
			hreq_problem(r, 429, "quota_exceeded", NULL, retry,
				     "tenant %s has its quota of %u sandboxes at once", t->name,
				     t->q_sandboxes);
		else
			hreq_problem(r, 503, "busy", NULL, retry,
				     "every sandbox is taken and the queue is full");
		al_config_free(cfg);
		req_run_free(&rq);
		return;
	}
	execute_oneshot(svc, r, t, &rq, cfg, a == 1);
}

static void command(struct svc *svc, struct hreq *r, const struct tenant *t, struct session *s)
{
	struct req_run rq;
	struct req_error err = {0};
	unsigned retry = 0;

	if (req_decode_run(r->body, r->body_len, REQ_COMMAND, &rq, &err) < 0) {
		hreq_problem(r, err.status, err.status == 413 ? "too_large" : "invalid", err.field, 0, "%s",
			     err.detail);
		return;
	}
	if (execute_check_secrets(t, &rq, &err) < 0) {
		hreq_problem(r, err.status, "invalid", err.field, 0, "%s", err.detail);
		req_run_free(&rq);
		return;
	}
	const char *labels[REQ_MAX_FILES * REQ_MAX_LABELS];
	size_t nl = req_run_labels(&rq, labels, ARRAY_SIZE(labels)), na;
	char **allow = execute_session_allow(s, &na);
	int bad = execute_check_labels(svc, r, labels, nl, allow, na, true);
	free(allow);
	if (bad < 0) {
		req_run_free(&rq);
		return;
	}
	if (!s->ready || s->box->ended) {
		hreq_problem(r, 409, "conflict", NULL, 0, "the sandbox is %s",
			     s->ready ? "ending" : "being created");
		req_run_free(&rq);
		return;
	}
	if (!admitted(svc, r, t, false)) {
		req_run_free(&rq);
		return;
	}
	if (svc_admit_rate(svc, t, &retry) < 0) {
		rate_limited(svc, r, t, retry);
		req_run_free(&rq);
		return;
	}
	execute_in_session(svc, r, t, s, &rq);
}

/* /v1/sandboxes/{id}[/rest] */
static void sandbox(struct svc *svc, struct hreq *r, const struct tenant *t, const char *rest)
{
	char id[48];
	size_t n = strcspn(rest, "/");
	struct session *s = NULL;

	if (n < sizeof(id)) {
		snprintf(id, sizeof(id), "%.*s", (int)n, rest);
		s = sessions_find(svc, t->name, id);
	}
	if (!s) {
		hreq_problem(r, 404, "not_found", NULL, 0, "no sandbox %.*s", (int)(n < 64 ? n : 64), rest);
		return;
	}
	rest += n;
	if (!*rest) {
		if (is(r, "GET"))
			sessions_get(svc, r, s);
		else if (is(r, "DELETE"))
			sessions_delete(svc, r, s);
		else
			not_allowed(r, "GET, DELETE");
		return;
	}
	rest++;
	if (strcmp(rest, "contexts") == 0 || strncmp(rest, "contexts/", 9) == 0) {
		if (!s->ready || s->box->ended)
			hreq_problem(r, 409, "conflict", NULL, 0, "the sandbox is %s",
				     s->ready ? "ending" : "being created");
		else
			contexts_route(svc, r, s, rest + 8);
		return;
	}
	if (strcmp(rest, "files") == 0 || strncmp(rest, "files/", 6) == 0) {
		sessions_file(svc, r, s, rest[5] ? rest + 6 : "");
		return;
	}
	static const char *const posts[] = {"commands", "snapshots", "restore", "reset"};
	for (size_t i = 0; i < ARRAY_SIZE(posts); i++) {
		if (strcmp(rest, posts[i]) != 0)
			continue;
		if (!is(r, "POST"))
			not_allowed(r, "POST");
		else if (i == 0)
			command(svc, r, t, s);
		else if (i == 1)
			sessions_snapshot(svc, r, s);
		else
			sessions_restore(svc, r, s, i == 3);
		return;
	}
	hreq_problem(r, 404, "not_found", NULL, 0, "no such route: %s", r->path);
}

/* /v1/admin/...: the admin token only. GET tenants: every tenant's state;
 * POST tenants/{name}/lift: a quarantine lifted, the violations forgotten. */
static void admin(struct svc *svc, struct hreq *r, const char *p)
{
	if (!svc->tenants || !tenants_is_admin(svc->tenants, bearer(r))) {
		unauthorized(r, "/v1/admin needs the admin token (the config's admin.token_sha256)");
		return;
	}
	snprintf(r->tenant, sizeof(r->tenant), "admin");
	if (strcmp(p, "tenants") == 0) {
		if (!is(r, "GET")) {
			not_allowed(r, "GET");
			return;
		}
		json_t *a = json_array();
		for (size_t i = 0; i < svc->tenants->n; i++)
			json_array_append_new(a, svc_tenant_json(svc, &svc->tenants->t[i]));
		hreq_json(r, 200, json_pack("{s:o}", "tenants", a));
		return;
	}
	size_t n = strlen(p);
	if (strncmp(p, "tenants/", 8) == 0 && n > 13 && strcmp(p + n - 5, "/lift") == 0) {
		char name[TENANT_NAME_MAX];
		snprintf(name, sizeof(name), "%.*s",
			 (int)(n - 13 < sizeof(name) - 1 ? n - 13 : sizeof(name) - 1), p + 8);
		const struct tenant *t = tenants_by_name(svc->tenants, name);
		if (!is(r, "POST")) {
			not_allowed(r, "POST");
		} else if (!t) {
			hreq_problem(r, 404, "not_found", NULL, 0, "no tenant %s", name);
		} else {
			svc_lift(svc, t->name);
			hreq_json(r, 200, svc_tenant_json(svc, t));
		}
		return;
	}
	hreq_problem(r, 404, "not_found", NULL, 0, "no such route: %.200s", r->path);
}

void api_handle(struct svc *svc, struct hreq *r)
{
	const char *p = r->path;

	if (strcmp(p, "/healthz") == 0 || strcmp(p, "/readyz") == 0) {
		health(svc, r, p[1] == 'r');
		return;
	}
	if (strcmp(p, "/metrics") == 0) {
		metrics(svc, r);
		return;
	}
	if (strcmp(p, "/mcp") == 0) {
		const struct tenant *t = tenant_of(svc, r);
		if (t) {
			snprintf(r->tenant, sizeof(r->tenant), "%s", t->name);
			mcproute_handle(svc, r, t);
		}
		return;
	}
	if (strncmp(p, "/v1/", 4) != 0) {
		hreq_problem(r, 404, "not_found", NULL, 0, "no such route: %.200s", p);
		return;
	}
	if (strncmp(p, "/v1/admin/", 10) == 0) {
		admin(svc, r, p + 10);
		return;
	}
	const struct tenant *t = tenant_of(svc, r);
	if (!t)
		return;
	snprintf(r->tenant, sizeof(r->tenant), "%s", t->name);
	p += 4;
	unsigned q = svc_quarantined(svc, t->name);
	if (q && !(strcmp(p, "info") == 0 && is(r, "GET"))) {
		svc->metrics.rejected_quarantined++;
		hreq_problem(
		    r, 403, "quarantined", NULL, q,
		    "tenant %s is quarantined for its violations (%u s left, or until an admin lifts it)",
		    t->name, q);
		return;
	}
	if (svc->draining && !is(r, "GET") && !is(r, "DELETE")) {
		hreq_problem(r, 503, "busy", NULL, 5, "the service is shutting down");
		return;
	}
	/* Nothing that would go unrecorded: work waits for the audit log. */
	if (!(strcmp(p, "info") == 0 && is(r, "GET")) && !svc_audit_ok(svc)) {
		hreq_problem(r, 503, "audit_unavailable", NULL, 5,
			     "the audit log cannot be written; no work until it can (see the service's log)");
		return;
	}
	if (strcmp(p, "info") == 0) {
		if (is(r, "GET"))
			info(svc, r, t);
		else
			not_allowed(r, "GET");
	} else if (strcmp(p, "execute") == 0) {
		if (is(r, "POST"))
			execute(svc, r, t);
		else
			not_allowed(r, "POST");
	} else if (strcmp(p, "sandboxes") == 0) {
		if (is(r, "POST")) {
			if (admitted(svc, r, t, true))
				sessions_create(svc, r, t);
		} else if (is(r, "GET"))
			sessions_list(svc, r, t->name);
		else
			not_allowed(r, "GET, POST");
	} else if (strncmp(p, "sandboxes/", 10) == 0 && p[10]) {
		sandbox(svc, r, t, p + 10);
	} else {
		hreq_problem(r, 404, "not_found", NULL, 0, "no such route: %.200s", r->path);
	}
}
