/* Sessions (/v1/sandboxes): a kept sandbox that lives until it is deleted,
 * its TTL passes (the library's "deadline" too) or it stays idle past its
 * idle timeout; files in and out, snapshots kept in the service's memory
 * (bounded), restore, and reset to the snapshot taken at creation. */
#ifndef AIRLOCK_SERVICE_SESSIONS_H
#define AIRLOCK_SERVICE_SESSIONS_H

#include <jansson.h>
#include <stdbool.h>

#include "box.h"
#include "redact.h"

enum { SESSION_MAX_SNAPSHOTS = 8, SESSION_TTL = 600, SESSION_IDLE = 300, SESSION_MAX_TTL = 86400 };

struct snap {
	char id[40];
	char *data;
	size_t len;
	double at; /* wall clock, seconds */
};

struct session {
	struct session *next;
	struct svc *svc;
	char id[40];
	char tenant[64];
	struct box *box;
	double created, expires; /* wall clock, seconds */
	double idle_timeout, last_active_ms;
	unsigned running; /* requests in flight in it */
	unsigned refs;	  /* the table's and each request's */
	bool gone;	  /* deleted or expired: out of the table */
	bool ready;	  /* created: the initial snapshot is taken */
	json_t *info;	  /* profile, limits, network, env names */
	struct snap snaps[SESSION_MAX_SNAPSHOTS];
	unsigned nsnaps;
	struct snap initial;
	struct hreq *creating;	   /* the POST that waits for the initial snapshot */
	struct redact_set secrets; /* given to its commands: redacted in all it returns */
	json_t *labels;		   /* data labels of what was put in it */
	struct context *contexts;  /* contexts.c */
};

struct session *session_ref(struct session *s);
/* A data label now in the session (once). */
void session_label(struct session *s, const char *label);
void session_unref(struct session *s);
/* A request in it began or ended (idle time counts from the last end). */
void session_busy(struct session *s);
void session_idle(struct session *s);

/* The routes: the caller authenticated the tenant (whose ceilings and
 * quotas apply) and took the session id from the path. */
struct tenant;
void sessions_create(struct svc *svc, struct hreq *r, const struct tenant *t);
void sessions_list(struct svc *svc, struct hreq *r, const char *tenant);
/* A session of this tenant, or NULL (another tenant's is not found). */
struct session *sessions_find(struct svc *svc, const char *tenant, const char *id);
void sessions_get(struct svc *svc, struct hreq *r, struct session *s);
void sessions_delete(struct svc *svc, struct hreq *r, struct session *s);
void sessions_file(struct svc *svc, struct hreq *r, struct session *s, const char *path);
void sessions_snapshot(struct svc *svc, struct hreq *r, struct session *s);
void sessions_restore(struct svc *svc, struct hreq *r, struct session *s, bool reset);
/* Expired and idle sessions ended; the next deadline (ms, monotonic) or -1. */
double sessions_reap(struct svc *svc);
/* Every session of a tenant ended (quarantine): how many. */
unsigned sessions_end_tenant(struct svc *svc, const char *tenant, const char *why);
/* Shutdown: every session ended. */
void sessions_end_all(struct svc *svc);

#endif
