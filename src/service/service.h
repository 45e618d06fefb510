/* airlock serve: the HTTP/JSON service on libairlock (include/airlock.h).
 *
 * One thread, one epoll set: the HTTP listeners (libmicrohttpd in its
 * external epoll mode, its epoll fd nested in ours), every sandbox's fd
 * (al_sandbox_fd), the context's fd (al_ctx_fd), a signalfd (SIGTERM drains,
 * SIGHUP reloads the config). No thread per connection, none per sandbox.
 *
 *   http.c      listeners, requests, replies, Server-Sent Events
 *   api.c       the routes: authentication, then the handler
 *   request.c   request bodies decoded and checked (pure; fuzzed)
 *   tenants.c   the config: tenants, tokens, quotas, ceilings (pure)
 *   box.c       one sandbox: its commands by id, their output and status
 *   execute.c   a run (one-shot, or a command in a session): files in,
 *               the command, artifacts out, the result
 *   sessions.c  kept sandboxes with TTL and idle timeout, files,
 *               snapshots, restore, reset
 *   metrics.c   counters and histograms, Prometheus text
 *   service.c   the loop, admission (quotas, the queue), drain, reload */
#ifndef AIRLOCK_SERVICE_H
#define AIRLOCK_SERVICE_H

#include <airlock.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "metrics.h"
#include "request.h"
#include "tenants.h"

struct svc;
struct hreq;
struct box;
struct session;
struct job;

enum { SVC_MAX_LISTEN = 16 };

struct svc_options {
	const char *listen[SVC_MAX_LISTEN];
	size_t nlisten;
	const char *config;
	bool allow_degraded;	 /* sandboxes may run without cgroups (rlimits only) */
	uint64_t max_body;	 /* bytes of a request body */
	unsigned max_sandboxes;	 /* sandboxes at once, all tenants */
	unsigned max_queue;	 /* executions waiting for a sandbox */
	unsigned client_timeout; /* seconds a client may stay silent */
	unsigned drain_timeout;	 /* seconds SIGTERM waits for running work */
	const char *tls_cert;	 /* PEM files: TCP listeners speak TLS (GnuTLS, */
	const char *tls_key;	 /* through libmicrohttpd); read once at start */
	/* The audit log (src/audit/): NULL for none. */
	const char *audit_log, *audit_key;
	unsigned audit_records, audit_seconds; /* checkpoint every N records, T seconds */
	uint64_t audit_max_size;	       /* rotate past it; 0: never */
	bool audit_syslog;
};

/* The service's own defences, each of which a test build can switch off
 * (AIRLOCK_TEST_DISABLE_SERVE=tenancy,quotas,...) for the negative controls
 * of tests/functional/serve_*.sh. A release build has no switch: svc_off
 * is constant false there. */
enum {
	SVC_DEF_TENANCY = 1 << 0,    /* a tenant sees only its own sandboxes */
	SVC_DEF_QUOTAS = 1 << 1,     /* sandboxes at once, executions per minute, CPU per hour */
	SVC_DEF_CEILINGS = 1 << 2,   /* a tenant's largest limits */
	SVC_DEF_QUARANTINE = 1 << 3, /* throttle and quarantine after violations */
	SVC_DEF_REDACTION = 1 << 4,  /* secrets' values out of output and files */
	SVC_DEF_LABELS = 1 << 5,     /* the config's label rules */
};
#ifdef AIRLOCK_TEST_SWITCHES
#define svc_off(svc, def) (((svc)->disabled & (def)) != 0)
#else
#define svc_off(svc, def) ((void)(svc), 0)
#endif

/* Something the loop watches: data.ptr of its epoll entry points here. */
struct watch {
	void (*fn)(struct svc *svc, struct watch *w, uint32_t events);
	int fd;
};

/* A tenant's counters, kept by name across config reloads. */
struct tstate {
	struct tstate *next;
	char name[TENANT_NAME_MAX];
	unsigned live; /* sandboxes: sessions, runs, queued runs */
	/* executions_per_minute: the start times of the last `cap` runs. */
	double *times;
	unsigned cap, head, count;
	/* on_violations: the times (s, monotonic) of the last vcap
	 * violations; throttled while at least throttle_after of them lie in
	 * the window; quarantined until quarantined_until. */
	double *vtimes;
	unsigned vcap, vhead, vcount;
	bool throttled, reset_pending;
	double quarantined_until;
	uint64_t violations;
	/* cpu_seconds_per_hour: CPU ms charged in each minute of the last hour. */
	double cpu_ms[60];
	long cpu_minute[60];
};

enum viol_kind { V_SYSCALL, V_EGRESS, V_LIMIT };

struct svc {
	struct svc_options opt;
	int ep;
	struct watch sigw, ctxw;
	al_ctx *ctx;
	struct http *http;
	struct tenants *tenants;  /* NULL: no --config; every caller is "local" */
	char *tls_cert, *tls_key; /* the PEM texts, NULL without TLS */
	struct tstate *tstates;
	struct box *boxes; /* every live sandbox */
	unsigned nboxes;   /* of which running (counted against max_sandboxes) */
	struct job *qhead, *qtail;
	unsigned nqueue;
	struct session *sessions;
	unsigned nsessions;
	struct pool *pools; /* pools.c */
	uint64_t snapshot_bytes;
	struct metrics metrics;
	bool draining, stop;
	bool reset_pending; /* a tenant was quarantined: end its sessions */
	double drain_deadline;
	/* What the machine offers (al_ctx_features, read at start): readiness
	 * and /v1/info. */
	json_t *features;
	bool ready;
	char not_ready[512];
	char cgroup[8];
	int landlock;
	char degraded[256];
	double started_ms;
	unsigned disabled; /* SVC_DEF_*: test builds only */
	struct mcproute *mcp; /* /mcp (mcproute.h) */
	struct audit *audit; /* NULL: no --audit-log */
	bool audit_failed;   /* a record could not be written: no new work until one can */
};

/* The loop's watches (service.c). */
int svc_watch(struct svc *svc, struct watch *w, int fd);
void svc_unwatch(struct svc *svc, struct watch *w);

/* Structured log lines on stderr: "ts=... level=info event=NAME k=v...";
 * fmt gives the key=value pairs (values quoted with log_q). */
void svc_log(const char *level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A value for a log line: quoted, control bytes escaped (into buf). */
const char *log_q(const char *s, char *buf, size_t len);

/* One audit record (fields taken; may be NULL), written before the answer
 * of the request it describes is sent. Without --audit-log: nothing. A
 * failed write is logged; returns -1. */
int svc_audit(struct svc *svc, const char *action, json_t *fields);
/* May new work start? false while the audit log cannot be written (after
 * a failed record, each call tries a checkpoint: the log may be writable
 * again). */
bool svc_audit_ok(struct svc *svc);

/* A random id with a prefix: "sb-" + 20 hex digits. */
void svc_new_id(const char *prefix, char *out, size_t len);

/* Tenancy and admission (service.c). */
struct tstate *svc_tstate(struct svc *svc, const char *tenant);
/* Admit one execution of tenant t (its per-minute rate): 0, or -1 with
 * *retry_after seconds. */
int svc_admit_rate(struct svc *svc, const struct tenant *t, unsigned *retry_after);
/* Admit one more sandbox of tenant t: 0; -1 quota (429), -2 busy (503),
 * with *retry_after. queue: the sandbox may wait in the queue. */
int svc_admit_sandbox(struct svc *svc, const struct tenant *t, bool queue, unsigned *retry_after);
/* The sandbox of a tenant is gone (or its queued run). */
void svc_release_sandbox(struct svc *svc, const char *tenant);

/* Countermeasures (service.c): a violation inside one of the tenant's
 * sandboxes (from the library's events), and the CPU a sandbox used. */
void svc_violation(struct svc *svc, const char *tenant, enum viol_kind kind);
void svc_charge_cpu(struct svc *svc, const char *tenant, double cpu_ms);
/* Seconds of quarantine left (0: none). */
unsigned svc_quarantined(struct svc *svc, const char *tenant);
/* May tenant t start work now (new_sandbox: a run or a session, else a
 * command in one)? 0, or the HTTP status (429) with code and detail and
 * *retry_after: throttled (one sandbox at a time), or past its CPU
 * seconds of the last hour. */
unsigned svc_admit_tenant(struct svc *svc, const struct tenant *t, bool new_sandbox, unsigned *retry_after,
			  const char **code, char *detail, size_t len);
/* Lift a quarantine and forget the violations (the admin endpoint). */
void svc_lift(struct svc *svc, const char *tenant);
/* The tenant's state as JSON (the admin endpoint). */
json_t *svc_tenant_json(struct svc *svc, const struct tenant *t);
/* CPU seconds charged to the tenant in the last hour. */
double svc_cpu_last_hour(struct svc *svc, const char *tenant);

/* Entry point (src/cli/serve.c): runs until SIGTERM/SIGINT has drained. */
int svc_main(const struct svc_options *opt);

#endif
