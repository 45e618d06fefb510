/* Sessions: kept sandboxes behind /v1/sandboxes (sessions.h). */
#include "sessions.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../audit/audit.h"
#include "../util.h"
#include "contexts.h"
#include "execute.h"
#include "http.h"
#include "service.h"

/* Snapshots of every session together, in the service's memory. */
enum { SNAPSHOT_BUDGET = 1 << 30 };

/* A directory's entries, NUL-separated "MODE(hex) SIZE MTIME NAME", made
 * inside the sandbox with the shell and stat (coreutils, in every profile). */
static const char list_script[] =
    "[ -d \"$1\" ] || exit 3; cd -- \"$1\" || exit 3; set --; "
    "for f in * .[!.]* ..?*; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then set -- \"$@\" \"$f\"; fi; done; "
    "[ $# -eq 0 ] || exec stat --printf='%f %s %Y %n\\0' -- \"$@\"";

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* RFC 3339, UTC, to the second. */
static json_t *iso_time(double t)
{
	char s[32];
	time_t sec = (time_t)t;
	struct tm tm;
	gmtime_r(&sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(s);
}

struct session *session_ref(struct session *s)
{
	s->refs++;
	return s;
}

void session_unref(struct session *s)
{
	if (--s->refs)
		return;
	for (unsigned i = 0; i < s->nsnaps; i++) {
		s->svc->snapshot_bytes -= s->snaps[i].len;
		free(s->snaps[i].data);
	}
	s->svc->snapshot_bytes -= s->initial.len;
	free(s->initial.data);
	json_decref(s->info);
	redact_set_free(&s->secrets);
	json_decref(s->labels);
	free(s);
}

void session_busy(struct session *s) { s->running++; }

void session_label(struct session *s, const char *label)
{
	if (!s->labels && !(s->labels = json_array()))
		return;
	for (size_t i = 0; i < json_array_size(s->labels); i++)
		if (strcmp(json_string_value(json_array_get(s->labels, i)), label) == 0)
			return;
	json_array_append_new(s->labels, json_string(label));
}

void session_idle(struct session *s)
{
	if (s->running)
		s->running--;
	s->last_active_ms = al_now_ms();
}

/* Out of the table: its sandbox closed, its tenant's count released. */
static void session_remove(struct session *s, const char *why)
{
	struct svc *svc = s->svc;
	if (s->gone)
		return;
	s->gone = true;
	for (struct session **pp = &svc->sessions; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	svc->nsessions--;
	if (s->creating) {
		hreq_problem(s->creating, 500, "internal", NULL, 0,
			     "the sandbox ended while it was created: %s",
			     s->box->status[0] ? s->box->status : why);
		hreq_release(s->creating);
		s->creating = NULL;
	}
	contexts_end(s);
	s->box->owner = NULL;
	box_close(s->box);
	svc_release_sandbox(svc, s->tenant);
	svc_log("info", "session_end", "id=%s tenant=%s why=%s", s->id, s->tenant, why);
	svc_audit(svc,
		  strcmp(why, "deleted") == 0				      ? "session_destroyed"
		  : strcmp(why, "ttl") == 0 || strcmp(why, "idle_timeout") == 0 ? "session_expired"
									      : "session_ended",
		  json_pack("{s:s,s:s,s:s}", "tenant", s->tenant, "sandbox", s->id, "why", why));
	session_unref(s);
}

static void session_ended(struct box *b)
{
	struct session *s = b->owner;
	if (s)
		session_remove(s, b->status[0] ? b->status : "ended");
}

static json_t *session_json(struct session *s)
{
	json_t *j = json_deep_copy(s->info);
	json_t *snaps = json_array();
	if (!j)
		return NULL;
	for (unsigned i = 0; i < s->nsnaps; i++)
		json_array_append_new(snaps, json_pack("{s:s,s:I,s:o}", "id", s->snaps[i].id, "size",
						       (json_int_t)s->snaps[i].len, "created_at",
						       iso_time(s->snaps[i].at)));
	json_object_set_new(j, "snapshots", snaps);
	json_object_set_new(j, "state", json_string(!s->ready ? "creating" : s->running ? "busy" : "idle"));
	json_object_set_new(j, "expires_at", iso_time(s->expires));
	json_object_set_new(
	    j, "idle_expires_at",
	    iso_time(wall_now() + s->idle_timeout - (al_now_ms() - s->last_active_ms) / 1000.0));
	return j;
}

/* --- creation --- */

static void created(struct op *op)
{
	struct session *s = op->box->owner;
	if (!s || s->gone)
		return;
	struct hreq *r = s->creating;
	s->creating = NULL;
	if (op->exit_code != 0 || strcmp(op->status, "exited") != 0 || !op_whole(op)) {
		char why[512];
		if (r) {
			hreq_problem(r, 500, "internal", NULL, 0, "the initial snapshot failed: %s",
				     op_why(op, why, sizeof(why)));
			hreq_release(r);
		}
		session_remove(s, "setup_error");
		return;
	}
	s->initial.data = op->out[0].data;
	s->initial.len = op->out[0].len;
	memset(&op->out[0], 0, sizeof(op->out[0]));
	s->svc->snapshot_bytes += s->initial.len;
	s->ready = true;
	s->last_active_ms = al_now_ms();
	json_object_set_new(s->info, "cgroup", json_string(s->box->cgroup));
	svc_audit(s->svc, "session_created",
		  json_pack("{s:s,s:s,s:s,s:O?,s:s,s:i,s:s?}", "tenant", s->tenant, "sandbox", s->id, "profile",
			    s->box->profile, "limits", s->box->limits, "cgroup", s->box->cgroup, "landlock",
			    s->box->landlock, "degraded", s->box->degraded[0] ? s->box->degraded : NULL));
	if (r) {
		char loc[80];
		snprintf(loc, sizeof(loc), "/v1/sandboxes/%s", s->id);
		hreq_add_header(r, "Location", loc);
		hreq_json(r, 201, session_json(s));
		hreq_release(r);
	}
	svc_log("info", "session_created", "id=%s tenant=%s profile=%s", s->id, s->tenant, s->box->profile);
}

void sessions_create(struct svc *svc, struct hreq *r, const struct tenant *t)
{
	struct req_session rq;
	struct req_error err = {0};
	al_config *cfg = NULL;
	al_error e = {0};
	unsigned retry = 0;
	char msg[600];

	if (req_decode_session(r->body, r->body_len, &rq, &err) < 0) {
		hreq_problem(r, err.status, err.status == 413 ? "too_large" : "invalid", err.field, 0, "%s",
			     err.detail);
		return;
	}
	double ttl = rq.ttl ? rq.ttl : SESSION_TTL, idle = rq.idle_timeout ? rq.idle_timeout : SESSION_IDLE;
	if (ttl > SESSION_MAX_TTL) {
		hreq_problem(r, 400, "invalid", "ttl", 0, "ttl: at most %d seconds", SESSION_MAX_TTL);
		req_session_free(&rq);
		return;
	}
	int a = svc_admit_sandbox(svc, t, false, &retry);
	if (a < 0) {
		hreq_problem(r, a == -1 ? 429 : 503, a == -1 ? "quota_exceeded" : "busy", NULL, retry,
			     a == -1 ? "tenant %s has its quota of sandboxes at once"
				     : "the service runs as many sandboxes as it may (%s)",
			     a == -1 ? t->name : "try again later");
		req_session_free(&rq);
		return;
	}
	if (execute_config(svc, t, rq.profile ? rq.profile : "default", &rq.limits, &rq.network, rq.env, &cfg,
			   &err) < 0) {
		svc_release_sandbox(svc, t->name);
		hreq_problem(r, err.status, "invalid", err.field, 0, "%s", err.detail);
		req_session_free(&rq);
		return;
	}
	/* The library ends it a little after the TTL, should the reaper not. */
	char deadline[32];
	snprintf(deadline, sizeof(deadline), "%.3f", ttl + 5);
	struct session *s = calloc(1, sizeof(*s));
	struct box *b = NULL;
	if (!s || al_config_set(cfg, "deadline", deadline, &e) < 0 ||
	    box_start(svc, cfg, t->name, NULL, &b, NULL, &e) < 0) {
		svc_release_sandbox(svc, t->name);
		hreq_problem(r, 500, "internal", NULL, 0, "%s",
			     s ? al_error_text(&e, msg, sizeof(msg)) : "memory");
		free(s);
		al_config_free(cfg);
		req_session_free(&rq);
		return;
	}
	al_config_free(cfg);
	s->svc = svc;
	s->refs = 1; /* the table's */
	s->box = b;
	snprintf(s->id, sizeof(s->id), "%s", b->id);
	snprintf(s->tenant, sizeof(s->tenant), "%s", t->name);
	s->created = wall_now();
	s->expires = s->created + ttl;
	s->idle_timeout = idle;
	s->last_active_ms = al_now_ms();
	json_t *env = json_array();
	for (size_t i = 0; rq.env && rq.env[i]; i++)
		json_array_append_new(env, json_stringn(rq.env[i], strcspn(rq.env[i], "=")));
	json_t *net = json_array();
	for (size_t i = 0; i < rq.network.n; i++)
		json_array_append_new(net, json_string(rq.network.allow[i]));
	s->info = json_pack("{s:s,s:s,s:o,s:f,s:f,s:O?,s:{s:o},s:o}", "id", s->id, "profile", b->profile,
			    "created_at", iso_time(s->created), "ttl", ttl, "idle_timeout", idle, "limits",
			    b->limits, "network", "allow", net, "env", env);
	if (!s->info)
		s->info = json_object();
	req_session_free(&rq);
	b->owner = s;
	b->on_end = session_ended;
	s->next = svc->sessions;
	svc->sessions = s;
	svc->nsessions++;
	svc->metrics.sessions_created++;
	/* The state at creation, for reset. */
	struct op *op = box_snapshot(b, &e);
	if (!op) {
		hreq_problem(r, 500, "internal", NULL, 0, "%s", al_error_text(&e, msg, sizeof(msg)));
		session_remove(s, "setup_error");
		return;
	}
	op->done = created;
	s->creating = hreq_hold(r);
}

/* --- the table --- */

struct session *sessions_find(struct svc *svc, const char *tenant, const char *id)
{
	for (struct session *s = svc->sessions; s; s = s->next)
		if (strcmp(s->id, id) == 0 &&
		    (strcmp(s->tenant, tenant) == 0 || svc_off(svc, SVC_DEF_TENANCY)))
			return s;
	return NULL;
}

void sessions_list(struct svc *svc, struct hreq *r, const char *tenant)
{
	json_t *a = json_array();
	for (struct session *s = svc->sessions; s; s = s->next)
		if (strcmp(s->tenant, tenant) == 0 || svc_off(svc, SVC_DEF_TENANCY))
			json_array_append_new(a, session_json(s));
	hreq_json(r, 200, json_pack("{s:o}", "sandboxes", a));
}

void sessions_get(struct svc *svc, struct hreq *r, struct session *s)
{
	(void)svc;
	hreq_json(r, 200, session_json(s));
}

void sessions_delete(struct svc *svc, struct hreq *r, struct session *s)
{
	(void)svc;
	session_remove(s, "deleted");
	hreq_reply(r, 204, "text/plain", NULL, 0);
}

double sessions_reap(struct svc *svc)
{
	double now = al_now_ms(), wall = wall_now(), next = -1;
	struct session *s = svc->sessions, *n;
	for (; s; s = n) {
		n = s->next;
		if (!s->ready)
			continue;
		double idle_at = s->last_active_ms + s->idle_timeout * 1000.0;
		double ttl_at = now + (s->expires - wall) * 1000.0;
		if (wall >= s->expires || (!s->running && now >= idle_at)) {
			svc->metrics.sessions_expired++;
			session_remove(s, wall >= s->expires ? "ttl" : "idle_timeout");
			continue;
		}
		double at = s->running || idle_at > ttl_at ? ttl_at : idle_at;
		if (next < 0 || at < next)
			next = at;
	}
	return next;
}

unsigned sessions_end_tenant(struct svc *svc, const char *tenant, const char *why)
{
	unsigned n = 0;
	struct session *s = svc->sessions, *next;
	for (; s; s = next) {
		next = s->next;
		if (strcmp(s->tenant, tenant) == 0) {
			session_remove(s, why);
			n++;
		}
	}
	return n;
}

void sessions_end_all(struct svc *svc)
{
	while (svc->sessions)
		session_remove(svc->sessions, "shutdown");
}

/* --- requests on a session's sandbox: files, snapshots, restore --- */

enum sop_kind { S_PUT, S_GET, S_LIST, S_TAR, S_DELETE, S_SNAPSHOT, S_RESTORE };

struct sop {
	struct hreq *r;
	struct session *s;
	enum sop_kind kind;
	char path[REQ_MAX_PATH + 1];
	char snap[40];
	size_t size; /* PUT: the bytes written */
	bool dir_made;
};

static void sop_free(struct sop *o)
{
	hreq_release(o->r);
	session_idle(o->s);
	session_unref(o->s);
	free(o);
}

static bool deleted(struct op *op, struct sop *o)
{
	if (strcmp(op->status, "deleted") != 0 && !o->s->gone)
		return false;
	hreq_problem(o->r, 409, "conflict", NULL, 0, "the sandbox was deleted or has ended");
	return true;
}

static bool missing(const struct op *op)
{
	return op->out[1].data && strstr(op->out[1].data, "No such file");
}

static void listing_done(struct op *op);

static struct op *start_listing(struct sop *o, al_error *e)
{
	char *argv[] = {"/bin/sh", "-c", (char *)list_script, "sh", o->path[0] ? o->path : ".", NULL};
	struct op *op = box_exec(o->s->box, argv, NULL, NULL, 0, e);
	if (op) {
		o->kind = S_LIST;
		op->done = listing_done;
		op->user = o;
	}
	return op;
}

static void listing_done(struct op *op)
{
	struct sop *o = op->user;
	char why[512];
	if (deleted(op, o)) {
		sop_free(o);
		return;
	}
	if (op->exit_code == 3) {
		hreq_problem(o->r, 404, "not_found", "path", 0, "%s: no such directory", o->path);
		sop_free(o);
		return;
	}
	if (op->exit_code != 0) {
		hreq_problem(o->r, 400, "invalid", "path", 0, "%s: %s", o->path,
			     op_why(op, why, sizeof(why)));
		sop_free(o);
		return;
	}
	json_t *entries = json_array();
	const char *p = op->out[0].data, *end = p ? p + op->out[0].len : NULL;
	while (p && p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		unsigned mode;
		unsigned long long size, mtime;
		int at = 0;
		if (!z)
			break;
		if (sscanf(p, "%x %llu %llu %n", &mode, &size, &mtime, &at) == 3 && at > 0) {
			const char *type = S_ISREG(mode)   ? "file"
					   : S_ISDIR(mode) ? "directory"
					   : S_ISLNK(mode) ? "symlink"
							   : "other";
			json_t *e = json_pack("{s:s,s:s,s:I,s:I}", "name", p + at, "type", type, "size",
					      (json_int_t)size, "mtime", (json_int_t)mtime);
			if (e)
				json_array_append_new(entries, e);
		}
		p = z + 1;
	}
	hreq_json(o->r, 200,
		  json_pack("{s:s,s:o,s:b}", "path", o->path[0] ? o->path : ".", "entries", entries,
			    "truncated", op->truncated[0]));
	sop_free(o);
}

static void audit_sop(struct sop *o, struct op *op, bool ok);

static void file_done(struct op *op)
{
	struct sop *o = op->user;
	char why[512];
	al_error e = {0};

	if (deleted(op, o)) {
		sop_free(o);
		return;
	}
	bool ok = op->exit_code == 0 && strcmp(op->status, "exited") == 0;
	audit_sop(o, op, ok);
	switch (o->kind) {
	case S_PUT:
		if (ok && !o->dir_made) {
			/* The directory is there: now the file. */
			o->dir_made = true;
			struct hreq *r = o->r;
			struct op *put = box_put(o->s->box, o->path, r->body, r->body_len, 0644, &e);
			if (put) {
				put->done = file_done;
				put->user = o;
				return;
			}
			hreq_problem(o->r, 409, "conflict", NULL, 0, "%s",
				     al_error_text(&e, why, sizeof(why)));
		} else if (ok)
			hreq_json(o->r, 200,
				  json_pack("{s:s,s:I}", "path", o->path, "size", (json_int_t)o->size));
		else
			hreq_problem(o->r, missing(op) ? 404 : 400, missing(op) ? "not_found" : "invalid",
				     "path", 0, "%s: %s", o->path, op_why(op, why, sizeof(why)));
		break;
	case S_GET:
		if (ok && !op_whole(op)) {
			hreq_problem(o->r, 413, "too_large", NULL, 0,
				     "%s: larger than the %llu MiB a GET returns", o->path,
				     OP_MAX_FILE >> 20);
		} else if (ok && o->s->secrets.n) {
			struct buf b = {0};
			if (redact_buf(&o->s->secrets, op->out[0].data, op->out[0].len, &b) < 0) {
				hreq_problem(o->r, 500, "internal", NULL, 0, "out of memory");
				break;
			}
			hreq_reply(o->r, 200, "application/octet-stream", b.data ? b.data : strdup(""),
				   b.len);
		} else if (ok) {
			hreq_reply(o->r, 200, "application/octet-stream", op->out[0].data, op->out[0].len);
			memset(&op->out[0], 0, sizeof(op->out[0]));
		} else if (op->out[1].data && strstr(op->out[1].data, "not a regular file")) {
			/* A directory: its listing. */
			if (start_listing(o, &e))
				return;
			hreq_problem(o->r, 409, "conflict", NULL, 0, "%s",
				     al_error_text(&e, why, sizeof(why)));
		} else {
			hreq_problem(o->r, missing(op) ? 404 : 400, missing(op) ? "not_found" : "invalid",
				     "path", 0, "%s: %s", o->path, op_why(op, why, sizeof(why)));
		}
		break;
	case S_TAR:
		if (ok && !op->truncated[0]) {
			hreq_reply(o->r, 200, "application/x-tar", op->out[0].data, op->out[0].len);
			memset(&op->out[0], 0, sizeof(op->out[0]));
		} else if (op->truncated[0] || strcmp(op->status, "output_limit") == 0) {
			hreq_problem(o->r, 413, "too_large", NULL, 0,
				     "%s: the archive is larger than the session's output limit", o->path);
		} else {
			hreq_problem(o->r, missing(op) ? 404 : 400, missing(op) ? "not_found" : "invalid",
				     "path", 0, "%s: %s", o->path, op_why(op, why, sizeof(why)));
		}
		break;
	case S_DELETE:
		if (ok)
			hreq_reply(o->r, 204, "text/plain", NULL, 0);
		else
			hreq_problem(o->r, missing(op) ? 404 : 400, missing(op) ? "not_found" : "invalid",
				     "path", 0, "%s: %s", o->path, op_why(op, why, sizeof(why)));
		break;
	case S_SNAPSHOT:
		if (!ok) {
			hreq_problem(o->r, 500, "internal", NULL, 0, "snapshot: %s",
				     op_why(op, why, sizeof(why)));
		} else if (o->s->nsnaps == SESSION_MAX_SNAPSHOTS) {
			hreq_problem(o->r, 409, "conflict", NULL, 0, "a session keeps at most %d snapshots",
				     SESSION_MAX_SNAPSHOTS);
		} else if (o->s->svc->snapshot_bytes + op->out[0].len > SNAPSHOT_BUDGET) {
			hreq_problem(o->r, 503, "busy", NULL, 60,
				     "the service holds as many snapshots as it may");
		} else {
			struct snap *sn = &o->s->snaps[o->s->nsnaps++];
			svc_new_id("snap-", sn->id, sizeof(sn->id));
			sn->data = op->out[0].data;
			sn->len = op->out[0].len;
			sn->at = wall_now();
			memset(&op->out[0], 0, sizeof(op->out[0]));
			o->s->svc->snapshot_bytes += sn->len;
			svc_audit(o->s->svc, "snapshot",
				  json_pack("{s:s,s:s,s:s,s:I,s:o}", "tenant", o->s->tenant, "sandbox", o->s->id,
					    "snapshot", sn->id, "size", (json_int_t)sn->len, "sha256",
					    audit_sha256_json(sn->data ? sn->data : "", sn->len)));
			hreq_json(o->r, 201,
				  json_pack("{s:s,s:I,s:o}", "id", sn->id, "size", (json_int_t)sn->len,
					    "created_at", iso_time(sn->at)));
		}
		break;
	case S_RESTORE:
		if (ok)
			hreq_json(o->r, 200, json_pack("{s:s}", "restored", o->snap));
		else
			hreq_problem(o->r, 500, "internal", NULL, 0, "restore: %s",
				     op_why(op, why, sizeof(why)));
		break;
	case S_LIST:
		break;
	}
	sop_free(o);
}

/* The audit record of a file or state operation, before its answer: what
 * was written or read (path, size, SHA-256 of the bytes in the sandbox,
 * never the bytes), deleted, restored or reset; failures too. */
static void audit_sop(struct sop *o, struct op *op, bool ok)
{
	struct svc *svc = o->s->svc;
	const char *action = NULL;
	json_t *f = NULL;
	if (!svc->audit)
		return;
	switch (o->kind) {
	case S_PUT:
		if (ok && !o->dir_made)
			return; /* the directory: the file comes next */
		action = "file_written";
		f = json_pack("{s:s,s:I,s:o}", "path", o->path, "size", (json_int_t)o->r->body_len, "sha256",
			      audit_sha256_json(o->r->body ? o->r->body : "", o->r->body_len));
		break;
	case S_GET:
	case S_TAR:
		if (!ok)
			return; /* a directory's listing comes next, or a refusal: nothing read */
		action = "file_read";
		f = json_pack("{s:s,s:s,s:I,s:o}", "path", o->path, "format", o->kind == S_TAR ? "tar" : "file",
			      "size", (json_int_t)op->out[0].len, "sha256",
			      audit_sha256_json(op->out[0].data ? op->out[0].data : "", op->out[0].len));
		break;
	case S_DELETE:
		action = "file_deleted";
		f = json_pack("{s:s}", "path", o->path);
		break;
	case S_RESTORE:
		action = strcmp(o->snap, "initial") == 0 ? "session_reset" : "session_restored";
		f = json_pack("{s:s}", "snapshot", o->snap);
		break;
	case S_SNAPSHOT: /* with its id, where it is kept */
	case S_LIST:
		return;
	}
	json_object_set_new(f, "tenant", json_string(o->s->tenant));
	json_object_set_new(f, "sandbox", json_string(o->s->id));
	json_object_set_new(f, "ok", json_boolean(ok));
	svc_audit(svc, action, f);
}

static struct sop *sop_new(struct hreq *r, struct session *s, enum sop_kind kind)
{
	struct sop *o = calloc(1, sizeof(*o));
	if (!o) {
		hreq_problem(r, 503, "busy", NULL, 1, "out of memory");
		return NULL;
	}
	o->r = hreq_hold(r);
	o->s = session_ref(s);
	o->kind = kind;
	session_busy(s);
	return o;
}

static void sop_started(struct sop *o, struct op *op, al_error *e)
{
	char msg[600];
	if (!op) {
		hreq_problem(o->r, 409, "conflict", NULL, 0, "%s", al_error_text(e, msg, sizeof(msg)));
		sop_free(o);
		return;
	}
	op->done = o->kind == S_LIST ? listing_done : file_done;
	op->user = o;
}

static bool not_ready(struct hreq *r, struct session *s)
{
	if (s->ready && !s->box->ended)
		return false;
	hreq_problem(r, 409, "conflict", NULL, 0, "the sandbox is %s", s->ready ? "ending" : "being created");
	return true;
}

void sessions_file(struct svc *svc, struct hreq *r, struct session *s, const char *path)
{
	struct req_error err = {0};
	al_error e = {0};
	struct op *op = NULL;
	bool dir = !*path || path[strlen(path) - 1] == '/';
	const char *format = hreq_query(r, "format");

	if (not_ready(r, s))
		return;
	char clean[REQ_MAX_PATH + 1];
	snprintf(clean, sizeof(clean), "%s", path);
	while (*clean && clean[strlen(clean) - 1] == '/' && strlen(clean) > 1)
		clean[strlen(clean) - 1] = '\0';
	if (*path && (strlen(path) > REQ_MAX_PATH || req_check_path(clean, "path", &err) < 0)) {
		hreq_problem(r, 400, "invalid", "path", 0, "%s",
			     err.detail[0] ? err.detail : "path: too long");
		return;
	}
	if (format && strcmp(format, "tar") != 0) {
		hreq_problem(r, 400, "invalid", "format", 0, "format: only tar");
		return;
	}
	if (format && s->secrets.n) {
		/* A value cut out of a tarball would break its headers. */
		hreq_problem(r, 409, "conflict", "format", 0,
			     "format: a session given secrets returns files one at a time, redacted");
		return;
	}
	bool get = strcmp(r->method, "GET") == 0, put = strcmp(r->method, "PUT") == 0,
	     del = strcmp(r->method, "DELETE") == 0;
	if ((put || del) && dir) {
		hreq_problem(r, 400, "invalid", "path", 0, "path: a file's path, not a directory's");
		return;
	}
	/* PUT ?labels=pii,phi: the file's data labels, checked against the
	 * session's network like a run's files. */
	const char *lq = put ? hreq_query(r, "labels") : NULL;
	if (lq) {
		char copy[REQ_MAX_LABELS * (REQ_MAX_LABEL + 1)], *save = NULL;
		const char *labels[REQ_MAX_LABELS];
		size_t nl = 0;
		if (strlen(lq) >= sizeof(copy)) {
			hreq_problem(r, 400, "invalid", "labels", 0, "labels: at most %d labels",
				     REQ_MAX_LABELS);
			return;
		}
		snprintf(copy, sizeof(copy), "%s", lq);
		for (char *l = strtok_r(copy, ",", &save); l; l = strtok_r(NULL, ",", &save)) {
			if (nl == REQ_MAX_LABELS || req_check_label(l, "labels", &err) < 0) {
				hreq_problem(r, 400, "invalid", "labels", 0, "%s",
					     err.detail[0] ? err.detail : "labels: too many");
				return;
			}
			labels[nl++] = l;
		}
		size_t na;
		char **allow = execute_session_allow(s, &na);
		int bad = execute_check_labels(svc, r, labels, nl, allow, na, true);
		free(allow);
		if (bad < 0)
			return;
		for (size_t i = 0; i < nl; i++)
			session_label(s, labels[i]);
	}
	enum sop_kind kind = put ? S_PUT : del ? S_DELETE : format ? S_TAR : dir ? S_LIST : S_GET;
	struct sop *o = get || put || del ? sop_new(r, s, kind) : NULL;
	if (!o) {
		if (!(get || put || del)) {
			hreq_add_header(r, "Allow", "GET, PUT, DELETE");
			hreq_problem(r, 405, "method_not_allowed", NULL, 0, "%s on a file", r->method);
		}
		return;
	}
	snprintf(o->path, sizeof(o->path), "%s", *path ? clean : "");
	switch (kind) {
	case S_PUT: {
		/* Its directory first (mkdir -p inside the sandbox), then it. */
		char *slash = strrchr(o->path, '/');
		o->size = r->body_len;
		if (slash && slash != o->path) {
			char parent[REQ_MAX_PATH + 1];
			snprintf(parent, sizeof(parent), "%.*s", (int)(slash - o->path), o->path);
			char *argv[] = {"mkdir", "-p", "--", parent, NULL};
			op = box_exec(s->box, argv, NULL, NULL, 0, &e);
		} else {
			o->dir_made = true;
			op = box_put(s->box, o->path, r->body, r->body_len, 0644, &e);
		}
		break;
	}
	case S_GET:
		op = box_get(s->box, o->path, &e);
		break;
	case S_LIST:
		op = start_listing(o, &e);
		if (op)
			return;
		break;
	case S_TAR: {
		/* A directory's contents, relative to it; or the one file. */
		char *argv[] = {
		    "/bin/sh",
		    "-c",
		    "if [ -d \"$1\" ]; then exec tar -cf - -C \"$1\" .; else exec tar -cf - -- \"$1\"; fi",
		    "sh",
		    o->path[0] ? o->path : ".",
		    NULL};
		op = box_exec(s->box, argv, NULL, NULL, 0, &e);
		break;
	}
	case S_DELETE: {
		char *argv[] = {"rm", "-r", "--", o->path, NULL};
		op = box_exec(s->box, argv, NULL, NULL, 0, &e);
		break;
	}
	default:
		break;
	}
	sop_started(o, op, &e);
}

void sessions_snapshot(struct svc *svc, struct hreq *r, struct session *s)
{
	struct req_error err = {0};
	al_error e = {0};
	(void)svc;

	if (req_decode_empty(r->body, r->body_len, &err) < 0) {
		hreq_problem(r, 400, "invalid", err.field, 0, "%s", err.detail);
		return;
	}
	if (not_ready(r, s))
		return;
	if (s->nsnaps == SESSION_MAX_SNAPSHOTS) {
		hreq_problem(r, 409, "conflict", NULL, 0, "a session keeps at most %d snapshots",
			     SESSION_MAX_SNAPSHOTS);
		return;
	}
	struct sop *o = sop_new(r, s, S_SNAPSHOT);
	if (o)
		sop_started(o, box_snapshot(s->box, &e), &e);
}

void sessions_restore(struct svc *svc, struct hreq *r, struct session *s, bool reset)
{
	struct req_error err = {0};
	al_error e = {0};
	char id[REQ_MAX_NAME + 1] = "";
	const struct snap *sn = NULL;
	(void)svc;

	if (reset ? req_decode_empty(r->body, r->body_len, &err) < 0
		  : req_decode_restore(r->body, r->body_len, id, sizeof(id), &err) < 0) {
		hreq_problem(r, 400, "invalid", err.field, 0, "%s", err.detail);
		return;
	}
	if (not_ready(r, s))
		return;
	if (reset) {
		sn = &s->initial;
	} else {
		for (unsigned i = 0; i < s->nsnaps && !sn; i++)
			if (strcmp(s->snaps[i].id, id) == 0)
				sn = &s->snaps[i];
		if (!sn) {
			hreq_problem(r, 404, "not_found", "snapshot", 0,
				     "snapshot: no snapshot %s in this sandbox", id);
			return;
		}
	}
	struct sop *o = sop_new(r, s, S_RESTORE);
	if (!o)
		return;
	snprintf(o->snap, sizeof(o->snap), "%s", reset ? "initial" : sn->id);
	sop_started(o, box_restore(s->box, sn->data, sn->len, &e), &e);
}
