/* Prometheus text format (version 0.0.4) of the service's metrics. */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"

static const char *const statuses[M_STATUS_N] = {"exited",	"signaled", "timeout",	    "cpu_limit",
						 "memory",	"pids",	    "output_limit", "violation",
						 "setup_error", "other"};
static const char *const limit_names[M_LIMIT_N] = {"time",	"cpu_time", "memory",	  "pids", "output",
						   "net_bytes", "deadline", "open_files", "other"};
static const unsigned http_codes[M_HTTP_N] = {200, 201, 204, 400, 401, 403, 404, 405,
					      409, 413, 415, 429, 500, 503, 0};
/* Seconds: a run of /bin/true takes milliseconds, a notebook cell minutes. */
static const double bounds[M_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
					 2.5,	5,    10,    30,   60,	120,  300};

static size_t index_of(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n - 1; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return n - 1; /* "other" */
}

static void observe(struct histogram *h, double v)
{
	size_t i = 0;
	while (i < M_BUCKETS && v > bounds[i])
		i++;
	if (i < M_BUCKETS)
		h->counts[i]++;
	h->count++;
	h->sum += v;
}

void metrics_execution(struct metrics *m, const char *status, double seconds)
{
	m->executions[index_of(statuses, M_STATUS_N, status)]++;
	observe(&m->duration, seconds);
}

void metrics_queue_wait(struct metrics *m, double seconds) { observe(&m->queue_wait, seconds); }

void metrics_pool_acquire(struct metrics *m, double seconds) { observe(&m->pool_acquire, seconds); }

void metrics_egress(struct metrics *m, const char *verdict)
{
	m->egress[verdict && strcmp(verdict, "allowed") == 0 ? 0 : 1]++;
}

void metrics_limit(struct metrics *m, const char *limit)
{
	m->limits[index_of(limit_names, M_LIMIT_N, limit)]++;
}

void metrics_http(struct metrics *m, unsigned code)
{
	size_t i = 0;
	while (i < M_HTTP_N - 1 && http_codes[i] != code)
		i++;
	m->http[i]++;
}

/* A growing text buffer; on allocation failure it stays NULL. */
struct text {
	char *s;
	size_t len, cap;
	int failed;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	if (t->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = 1;
			return;
		}
		if (t->s && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap * 2 : 8192;
		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		char *s = realloc(t->s, cap);
		if (!s) {
			t->failed = 1;
			return;
		}
		t->s = s;
		t->cap = cap;
	}
}

static void histogram(struct text *t, const char *name, const char *help, const struct histogram *h)
{
	uint64_t cum = 0;
	add(t, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t i = 0; i < M_BUCKETS; i++) {
		cum += h->counts[i];
		add(t, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], (unsigned long long)cum);
	}
	add(t, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
	    (unsigned long long)h->count, name, h->sum, name, (unsigned long long)h->count);
}

static void counter_head(struct text *t, const char *name, const char *help, const char *type)
{
	add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *metrics_render(const struct metrics *m, const struct gauges *g, size_t *len)
{
	struct text t = {0};

	counter_head(&t, "airlock_executions_total",
		     "Runs (one-shot and session commands) by how they ended.", "counter");
	for (size_t i = 0; i < M_STATUS_N; i++)
		add(&t, "airlock_executions_total{status=\"%s\"} %llu\n", statuses[i],
		    (unsigned long long)m->executions[i]);
	histogram(&t, "airlock_execution_duration_seconds", "Wall time of a run, from start to result.",
		  &m->duration);
	histogram(&t, "airlock_queue_wait_seconds", "Time a one-shot run waited for a free sandbox.",
		  &m->queue_wait);
	counter_head(&t, "airlock_sandboxes", "Sandboxes by state.", "gauge");
	add(&t,
	    "airlock_sandboxes{state=\"running\"} %u\nairlock_sandboxes{state=\"session_idle\"} %u\n"
	    "airlock_sandboxes{state=\"session_busy\"} %u\nairlock_sandboxes{state=\"queued\"} %u\n",
	    g->running, g->sessions_idle, g->sessions_busy, g->queued);
	counter_head(&t, "airlock_violations_total", "Refusals inside sandboxes, by kind.", "counter");
	add(&t,
	    "airlock_violations_total{kind=\"syscall\"} %llu\nairlock_violations_total{kind=\"egress\"} "
	    "%llu\nairlock_violations_total{kind=\"limit\"} %llu\n",
	    (unsigned long long)m->violations_syscall, (unsigned long long)m->egress[1],
	    (unsigned long long)m->violations_limit);
	counter_head(&t, "airlock_countermeasures_total",
		     "Tenants throttled or quarantined for their violations, and quarantines lifted.",
		     "counter");
	add(&t,
	    "airlock_countermeasures_total{action=\"throttled\"} %llu\n"
	    "airlock_countermeasures_total{action=\"quarantined\"} %llu\n"
	    "airlock_countermeasures_total{action=\"lifted\"} %llu\n",
	    (unsigned long long)m->countermeasures[0], (unsigned long long)m->countermeasures[1],
	    (unsigned long long)m->countermeasures[2]);
	counter_head(&t, "airlock_tenants", "Tenants under a countermeasure now.", "gauge");
	add(&t, "airlock_tenants{state=\"throttled\"} %u\nairlock_tenants{state=\"quarantined\"} %u\n",
	    g->tenants_throttled, g->tenants_quarantined);
	counter_head(&t, "airlock_egress_decisions_total",
		     "Connections through the egress proxy, by verdict.", "counter");
	add(&t,
	    "airlock_egress_decisions_total{verdict=\"allowed\"} %llu\n"
	    "airlock_egress_decisions_total{verdict=\"denied\"} %llu\n",
	    (unsigned long long)m->egress[0], (unsigned long long)m->egress[1]);
	counter_head(&t, "airlock_limits_hit_total", "Limits that ended a command or a sandbox.", "counter");
	for (size_t i = 0; i < M_LIMIT_N; i++)
		add(&t, "airlock_limits_hit_total{limit=\"%s\"} %llu\n", limit_names[i],
		    (unsigned long long)m->limits[i]);
	counter_head(&t, "airlock_http_responses_total", "HTTP responses by status code.", "counter");
	for (size_t i = 0; i < M_HTTP_N; i++) {
		char code[16];
		snprintf(code, sizeof(code), "%u", http_codes[i]);
		add(&t, "airlock_http_responses_total{code=\"%s\"} %llu\n", http_codes[i] ? code : "other",
		    (unsigned long long)m->http[i]);
	}
	counter_head(&t, "airlock_rejections_total", "Requests refused for capacity, by reason.", "counter");
	add(&t,
	    "airlock_rejections_total{reason=\"quota_exceeded\"} %llu\n"
	    "airlock_rejections_total{reason=\"busy\"} %llu\n"
	    "airlock_rejections_total{reason=\"throttled\"} %llu\n"
	    "airlock_rejections_total{reason=\"quarantined\"} %llu\n",
	    (unsigned long long)m->rejected_quota, (unsigned long long)m->rejected_busy,
	    (unsigned long long)m->rejected_throttled, (unsigned long long)m->rejected_quarantined);
	counter_head(&t, "airlock_sessions_created_total", "Sessions created.", "counter");
	add(&t, "airlock_sessions_created_total %llu\n", (unsigned long long)m->sessions_created);
	counter_head(&t, "airlock_sessions_expired_total", "Sessions ended by their TTL or idle timeout.",
		     "counter");
	add(&t, "airlock_sessions_expired_total %llu\n", (unsigned long long)m->sessions_expired);
	counter_head(&t, "airlock_snapshot_bytes", "Bytes of session snapshots held in memory.", "gauge");
	add(&t, "airlock_snapshot_bytes %llu\n", (unsigned long long)g->snapshot_bytes);
	counter_head(&t, "airlock_pool_sandboxes", "Warm pools' sandboxes, ready or starting.", "gauge");
	add(&t, "airlock_pool_sandboxes{state=\"ready\"} %u\nairlock_pool_sandboxes{state=\"starting\"} %u\n",
	    g->pool_ready, g->pool_starting);
	counter_head(&t, "airlock_pool_requests_total",
		     "Python runs of a pooled profile: served warm (hit) or started cold (miss).", "counter");
	add(&t, "airlock_pool_requests_total{result=\"hit\"} %llu\nairlock_pool_requests_total{result=\"miss\"} %llu\n",
	    (unsigned long long)m->pool_hits, (unsigned long long)m->pool_misses);
	histogram(&t, "airlock_pool_acquire_seconds", "Taking a ready sandbox and giving it the code.",
		  &m->pool_acquire);
	counter_head(&t, "airlock_ready",
		     "1 when the machine offers what sandboxes need (al_ctx_features at start).", "gauge");
	add(&t, "airlock_ready %d\n", g->ready);
	if (t.failed) {
		free(t.s);
		return NULL;
	}
	*len = t.len;
	return t.s;
}
