/* The service's counters, histograms and gauges, in Prometheus' text format.
 * Every label takes its value from a fixed list (an unknown status counts
 * as "other"), so that no client or sandbox can grow the set. */
#ifndef AIRLOCK_SERVICE_METRICS_H
#define AIRLOCK_SERVICE_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum { M_STATUS_N = 10, M_LIMIT_N = 9, M_HTTP_N = 15, M_BUCKETS = 15 };

struct histogram {
	uint64_t counts[M_BUCKETS]; /* cumulative at render; here per bucket */
	uint64_t count;
	double sum;
};

struct metrics {
	uint64_t executions[M_STATUS_N];
	struct histogram duration, queue_wait;
	uint64_t violations_syscall, egress[2]; /* allowed, denied */
	uint64_t limits[M_LIMIT_N];
	uint64_t http[M_HTTP_N];
	uint64_t sessions_created, sessions_expired, rejected_quota, rejected_busy;
	uint64_t violations_limit;
	uint64_t countermeasures[3]; /* throttled, quarantined, lifted by the admin */
	uint64_t audit_errors;	     /* audit records that could not be written */
	uint64_t rejected_throttled, rejected_quarantined;
	uint64_t pool_hits, pool_misses; /* python runs a pool's profile had: warm, or cold */
	struct histogram pool_acquire;	 /* taking a ready sandbox until its code is given */
};

/* What is measured at render time. */
struct gauges {
	unsigned running, sessions_idle, sessions_busy, queued, sessions;
	unsigned tenants_throttled, tenants_quarantined;
	uint64_t snapshot_bytes;
	int ready;
	unsigned pool_ready, pool_starting;
};

void metrics_execution(struct metrics *m, const char *status, double seconds);
void metrics_queue_wait(struct metrics *m, double seconds);
void metrics_pool_acquire(struct metrics *m, double seconds);
void metrics_egress(struct metrics *m, const char *verdict);
void metrics_limit(struct metrics *m, const char *limit);
void metrics_http(struct metrics *m, unsigned code);
/* The whole exposition (caller frees), its length in *len. */
char *metrics_render(const struct metrics *m, const struct gauges *g, size_t *len);

#endif
