/* The service's loop, admission and life cycle (service.h).
 *
 * Each turn: wait on the one epoll set (HTTP daemons, sandboxes, the
 * context, signals) for at most the nearest deadline (an HTTP timeout, a
 * session's TTL or idle end, the drain's end); handle what is ready; then
 * free the sandboxes closed during the turn, start queued runs in the room
 * made, end expired sessions, and let MHD send what the turn answered. */
#include "service.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../audit/audit.h"
#include "../util.h"
#include "box.h"
#include "execute.h"
#include "http.h"
#include "mcproute.h"
#include "pools.h"
#include "sessions.h"

enum { DEFAULT_SOCKET_DIR_MODE = 0755 };
static const char default_listen[] = "unix:/run/airlock/airlock.sock";

/* --- logs --- */

const char *log_q(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	bool plain = *s && !strpbrk(s, " \"=\\");
	for (const char *p = s; plain && *p; p++)
		plain = (unsigned char)*p >= 0x20 && *p != 0x7f;
	if (plain || len < 3) {
		snprintf(buf, len, "%s", s);
		return buf;
	}
	buf[o++] = '"';
	for (const char *p = s; *p && o + 6 < len; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

void svc_log(const char *level, const char *event, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ level=%s event=%s ", ts.tv_nsec / 1000000,
			      level, event);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	(void)al_write_all(2, line, n);
}

void svc_new_id(const char *prefix, char *out, size_t len)
{
	unsigned char r[10];
	char hex[21];
	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
	snprintf(out, len, "%s%s", prefix, hex);
}

/* --- the loop's watches --- */

int svc_watch(struct svc *svc, struct watch *w, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
	w->fd = fd;
	return epoll_ctl(svc->ep, EPOLL_CTL_ADD, fd, &ev);
}

void svc_unwatch(struct svc *svc, struct watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(svc->ep, EPOLL_CTL_DEL, w->fd, NULL);
	w->fd = -1;
}

/* --- tenants' counters --- */

struct tstate *svc_tstate(struct svc *svc, const char *tenant)
{
	struct tstate *s;
	for (s = svc->tstates; s; s = s->next)
		if (strcmp(s->name, tenant) == 0)
			return s;
	if (!(s = calloc(1, sizeof(*s))))
		return NULL;
	snprintf(s->name, sizeof(s->name), "%s", tenant);
	s->next = svc->tstates;
	svc->tstates = s;
	return s;
}

int svc_admit_rate(struct svc *svc, const struct tenant *t, unsigned *retry_after)
{
	struct tstate *s;
	double now = al_now_ms() / 1000.0;

	if (!t->q_epm || svc_off(svc, SVC_DEF_QUOTAS))
		return 0;
	if (!(s = svc_tstate(svc, t->name))) {
		*retry_after = 1;
		return -1;
	}
	if (s->cap != t->q_epm) {
		/* A new quota (a reload): the window starts over. */
		double *times = calloc(t->q_epm, sizeof(double));
		if (!times) {
			*retry_after = 1;
			return -1;
		}
		free(s->times);
		s->times = times;
		s->cap = t->q_epm;
		s->head = s->count = 0;
	}
	/* The ring holds the last cap start times; times[head] is the oldest. */
	if (s->count == s->cap) {
		double oldest = s->times[s->head];
		if (oldest > now - 60) {
			*retry_after = (unsigned)ceil(oldest + 60 - now);
			if (*retry_after == 0)
				*retry_after = 1;
			return -1;
		}
		s->times[s->head] = now;
		s->head = (s->head + 1) % s->cap;
	} else {
		s->times[(s->head + s->count) % s->cap] = now;
		s->count++;
	}
	return 0;
}

int svc_admit_sandbox(struct svc *svc, const struct tenant *t, bool queue, unsigned *retry_after)
{
	struct tstate *s = svc_tstate(svc, t->name);

	*retry_after = 1;
	if (!s || svc->draining) {
		svc->metrics.rejected_busy++;
		return -2;
	}
	if (t->q_sandboxes && s->live >= t->q_sandboxes && !svc_off(svc, SVC_DEF_QUOTAS)) {
		svc->metrics.rejected_quota++;
		*retry_after = 5;
		return -1;
	}
	if (svc->nboxes < svc->opt.max_sandboxes && !(queue && svc->qhead)) {
		s->live++;
		return 0;
	}
	if (queue && svc->nqueue < svc->opt.max_queue) {
		s->live++;
		return 1;
	}
	svc->metrics.rejected_busy++;
	return -2;
}

void svc_release_sandbox(struct svc *svc, const char *tenant)
{
	struct tstate *s = svc_tstate(svc, tenant);
	if (s && s->live)
		s->live--;
}

/* --- the audit log --- */

int svc_audit(struct svc *svc, const char *action, json_t *fields)
{
	al_error e = {0};
	char msg[600], q[700];
	if (!svc->audit) {
		json_decref(fields);
		return 0;
	}
	if (audit_record(svc->audit, action, fields, &e) < 0) {
		svc->metrics.audit_errors++;
		svc->audit_failed = true;
		svc_log("error", "audit", "action=%s error=%s", action,
			log_q(al_error_text(&e, msg, sizeof(msg)), q, sizeof(q)));
		return -1;
	}
	return 0;
}

bool svc_audit_ok(struct svc *svc)
{
	al_error e = {0};
	char msg[600], q[700];
	if (!svc->audit || !svc->audit_failed)
		return true;
	if (audit_checkpoint(svc->audit, "recovered", &e) < 0) {
		svc_log("error", "audit", "checkpoint=recovered error=%s",
			log_q(al_error_text(&e, msg, sizeof(msg)), q, sizeof(q)));
		return false;
	}
	svc->audit_failed = false;
	svc_log("info", "audit", "msg=%s", log_q("the audit log is writable again", q, sizeof(q)));
	return true;
}

static void audit_tenant(struct svc *svc, const char *action, const char *tenant, const char *by)
{
	svc_audit(svc, action, json_pack("{s:s,s:s?}", "tenant", tenant, "by", by));
}

/* --- countermeasures and the CPU quota --- */

static double mono_s(void) { return al_now_ms() / 1000.0; }

static const struct tenant *tenant_named(struct svc *svc, const char *name)
{
	return svc->tenants ? tenants_by_name(svc->tenants, name) : NULL;
}

/* Violations of s within the last window seconds. */
static unsigned recent(const struct tstate *s, unsigned window, double now)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->vcount; i++)
		if (s->vtimes[(s->vhead + i) % s->vcap] > now - window)
			n++;
	return n;
}

unsigned svc_quarantined(struct svc *svc, const char *tenant)
{
	struct tstate *s = svc_tstate(svc, tenant);
	double now = mono_s();
	if (!s || s->quarantined_until == 0)
		return 0;
	if (now >= s->quarantined_until) {
		s->quarantined_until = 0;
		svc_log("info", "quarantine_ended", "tenant=%s by=expiry", tenant);
		audit_tenant(svc, "tenant_lifted", tenant, "expiry");
		return 0;
	}
	unsigned left = (unsigned)ceil(s->quarantined_until - now);
	return left ? left : 1;
}

void svc_violation(struct svc *svc, const char *tenant, enum viol_kind kind)
{
	static const char *const kinds[] = {"syscall", "egress", "limit"};
	const struct tenant *t = tenant_named(svc, tenant);
	struct tstate *s;
	double now = mono_s();

	if (kind == V_LIMIT)
		svc->metrics.violations_limit++;
	if (!t || !(t->throttle_after || t->quarantine_after) || !(s = svc_tstate(svc, tenant)))
		return;
	s->violations++;
	unsigned cap = t->quarantine_after > t->throttle_after ? t->quarantine_after : t->throttle_after;
	if (s->vcap != cap) {
		double *v = calloc(cap, sizeof(double));
		if (!v)
			return;
		free(s->vtimes);
		s->vtimes = v;
		s->vcap = cap;
		s->vhead = s->vcount = 0;
	}
	if (s->vcount == s->vcap) {
		s->vtimes[s->vhead] = now;
		s->vhead = (s->vhead + 1) % s->vcap;
	} else {
		s->vtimes[(s->vhead + s->vcount++) % s->vcap] = now;
	}
	unsigned n = recent(s, t->window, now);
	svc_log("info", "violation", "tenant=%s kind=%s in_window=%u", tenant, kinds[kind], n);
	if (svc_off(svc, SVC_DEF_QUARANTINE))
		return;
	if (t->quarantine_after && n >= t->quarantine_after && !svc_quarantined(svc, tenant)) {
		s->quarantined_until = now + t->quarantine_for;
		s->vcount = s->vhead = 0; /* the count starts over once it is served */
		s->throttled = false;
		s->reset_pending = svc->reset_pending = true;
		svc->metrics.countermeasures[1]++;
		svc_log("warn", "quarantined", "tenant=%s violations=%u window=%u for=%u", tenant, n,
			t->window, t->quarantine_for);
		svc_audit(svc, "tenant_quarantined",
			  json_pack("{s:s,s:i,s:i,s:i}", "tenant", tenant, "violations", (int)n, "window",
				    (int)t->window, "seconds", (int)t->quarantine_for));
	} else if (t->throttle_after && n >= t->throttle_after && !s->throttled) {
		s->throttled = true;
		svc->metrics.countermeasures[0]++;
		svc_log("warn", "throttled", "tenant=%s violations=%u window=%u", tenant, n, t->window);
		svc_audit(svc, "tenant_throttled",
			  json_pack("{s:s,s:i,s:i}", "tenant", tenant, "violations", (int)n, "window", (int)t->window));
	}
}

/* Still throttled? The state ends when the window holds fewer violations. */
static bool throttled(struct svc *svc, const struct tenant *t, struct tstate *s, unsigned *retry)
{
	double now = mono_s();
	if (!s->throttled)
		return false;
	if (recent(s, t->window, now) < t->throttle_after) {
		s->throttled = false;
		svc_log("info", "throttle_ended", "tenant=%s", t->name);
		audit_tenant(svc, "tenant_unthrottled", t->name, "window");
		return false;
	}
	/* Until the oldest counted violation leaves the window. */
	double oldest = now;
	for (unsigned i = 0; i < s->vcount; i++) {
		double v = s->vtimes[(s->vhead + i) % s->vcap];
		if (v > now - t->window && v < oldest)
			oldest = v;
	}
	*retry = (unsigned)ceil(oldest + t->window - now);
	(void)svc;
	return true;
}

void svc_charge_cpu(struct svc *svc, const char *tenant, double cpu_ms)
{
	struct tstate *s = svc_tstate(svc, tenant);
	long minute = (long)(mono_s() / 60);
	if (!s || cpu_ms <= 0)
		return;
	int i = (int)(minute % 60);
	if (s->cpu_minute[i] != minute) {
		s->cpu_minute[i] = minute;
		s->cpu_ms[i] = 0;
	}
	s->cpu_ms[i] += cpu_ms;
}

double svc_cpu_last_hour(struct svc *svc, const char *tenant)
{
	struct tstate *s = svc_tstate(svc, tenant);
	long minute = (long)(mono_s() / 60);
	double sum = 0;
	for (int i = 0; s && i < 60; i++)
		if (s->cpu_minute[i] > minute - 60)
			sum += s->cpu_ms[i];
	return sum / 1000.0;
}

unsigned svc_admit_tenant(struct svc *svc, const struct tenant *t, bool new_sandbox, unsigned *retry_after,
			  const char **code, char *detail, size_t len)
{
	struct tstate *s = svc_tstate(svc, t->name);
	*retry_after = 1;
	if (!s)
		return 0;
	if (new_sandbox && s->live >= 1 && throttled(svc, t, s, retry_after)) {
		svc->metrics.rejected_throttled++;
		*code = "throttled";
		snprintf(detail, len,
			 "tenant %s is throttled (%u violations in %u s): one sandbox at a time until they "
			 "age out",
			 t->name, t->throttle_after, t->window);
		return 429;
	}
	if (t->q_cpu_s && svc_cpu_last_hour(svc, t->name) >= t->q_cpu_s && !svc_off(svc, SVC_DEF_QUOTAS)) {
		/* Until the oldest minute that holds CPU leaves the hour. */
		long minute = (long)(mono_s() / 60), oldest = minute;
		for (int i = 0; i < 60; i++)
			if (s->cpu_minute[i] > minute - 60 && s->cpu_ms[i] > 0 && s->cpu_minute[i] < oldest)
				oldest = s->cpu_minute[i];
		double until = (double)(oldest + 61) * 60 - mono_s();
		*retry_after = until > 1 ? (unsigned)ceil(until) : 1;
		svc->metrics.rejected_quota++;
		*code = "quota_exceeded";
		snprintf(detail, len, "tenant %s has used its %u CPU seconds of the last hour (%.1f)",
			 t->name, t->q_cpu_s, svc_cpu_last_hour(svc, t->name));
		return 429;
	}
	return 0;
}

void svc_lift(struct svc *svc, const char *tenant)
{
	struct tstate *s = svc_tstate(svc, tenant);
	if (!s)
		return;
	s->quarantined_until = 0;
	s->throttled = s->reset_pending = false;
	s->vcount = s->vhead = 0;
	svc->metrics.countermeasures[2]++;
	svc_log("info", "quarantine_ended", "tenant=%s by=admin", tenant);
	audit_tenant(svc, "tenant_lifted", tenant, "admin");
}

json_t *svc_tenant_json(struct svc *svc, const struct tenant *t)
{
	struct tstate *s = svc_tstate(svc, t->name);
	unsigned q = svc_quarantined(svc, t->name), retry = 0;
	bool th = s && !q && throttled(svc, t, s, &retry);
	return json_pack("{s:s,s:s,s:i,s:I,s:i,s:f,s:i}", "name", t->name, "state",
			 q    ? "quarantined"
			 : th ? "throttled"
			      : "ok",
			 "violations_in_window", s && s->vcap ? (int)recent(s, t->window, mono_s()) : 0,
			 "violations", (json_int_t)(s ? s->violations : 0), "quarantine_left", (int)q,
			 "cpu_seconds_last_hour", svc_cpu_last_hour(svc, t->name), "sandboxes",
			 s ? (int)s->live : 0);
}

/* A quarantined tenant's sessions end (their state is not to be trusted). */
static void countermeasures(struct svc *svc)
{
	if (!svc->reset_pending)
		return;
	svc->reset_pending = false;
	for (struct tstate *s = svc->tstates; s; s = s->next)
		if (s->reset_pending) {
			s->reset_pending = false;
			unsigned n = sessions_end_tenant(svc, s->name, "quarantined");
			svc_log("warn", "sessions_reset", "tenant=%s sessions=%u", s->name, n);
		}
}

/* --- readiness: what the machine offers (al_ctx_features), no sandbox --- */

static void features(struct svc *svc)
{
	char *text = al_ctx_features(svc->ctx);
	json_t *f = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (!f) {
		snprintf(svc->not_ready, sizeof(svc->not_ready), "al_ctx_features gave no answer");
		svc_log("error", "not_ready", "error=al_ctx_features");
		return;
	}
	const char *cg = json_string_value(json_object_get(json_object_get(f, "cgroup"), "version"));
	snprintf(svc->cgroup, sizeof(svc->cgroup), "%s", cg ? cg : "none");
	svc->landlock = (int)json_integer_value(json_object_get(f, "landlock_abi"));
	bool userns = json_is_true(json_object_get(f, "user_namespaces")),
	     notify = json_is_true(json_object_get(f, "seccomp_notify"));
	svc->features = f;
	/* Without cgroups a sandbox runs only when degraded mode is allowed. */
	if (!userns || !notify || (strcmp(svc->cgroup, "none") == 0 && !svc->opt.allow_degraded)) {
		snprintf(svc->not_ready, sizeof(svc->not_ready), "%s",
			 !userns   ? "user namespaces are off"
			 : !notify ? "seccomp user notification is missing"
				   : "no usable cgroups, and --allow-degraded was not given");
		char q[600];
		svc_log("error", "not_ready", "error=%s", log_q(svc->not_ready, q, sizeof(q)));
		return;
	}
	svc->ready = true;
	svc_log("info", "ready", "cgroup=%s landlock=%d user_namespaces=yes seccomp_notify=yes", svc->cgroup,
		svc->landlock);
}

/* --- signals, the context --- */

static void reload(struct svc *svc)
{
	struct tenants *ts;
	char msg[700], q[800];

	if (!svc->opt.config) {
		svc_log("info", "reload", "msg=%s", log_q("no --config: nothing to reload", q, sizeof(q)));
		svc_audit(svc, "config_reloaded", json_pack("{s:b,s:s}", "ok", 0, "error", "no --config"));
		return;
	}
	if (tenants_load(svc->opt.config, &ts, msg, sizeof(msg)) < 0) {
		svc_log("error", "reload", "msg=%s", log_q(msg, q, sizeof(q)));
		svc_audit(svc, "config_reloaded", json_pack("{s:b,s:s,s:s}", "ok", 0, "config", svc->opt.config, "error", msg));
		return;
	}
	/* Runs and sessions keep their tenant by name: nothing points in. */
	tenants_free(svc->tenants);
	svc->tenants = ts;
	svc_log("info", "reload", "tenants=%zu", ts->n);
	pools_sync(svc);
	svc_audit(svc, "config_reloaded",
		  json_pack("{s:b,s:s,s:I,s:o?}", "ok", 1, "config", svc->opt.config, "tenants", (json_int_t)ts->n,
			    "sha256", audit_file_sha256_json(svc->opt.config, NULL)));
}

static void drain(struct svc *svc)
{
	if (svc->draining)
		return;
	svc->draining = true;
	svc->drain_deadline = al_now_ms() + svc->opt.drain_timeout * 1000.0;
	http_quiesce(svc->http);
	svc_log("info", "draining", "running=%u queued=%u sessions=%u timeout=%u", svc->nboxes, svc->nqueue,
		svc->nsessions, svc->opt.drain_timeout);
}

static void on_signal(struct svc *svc, struct watch *w, uint32_t events)
{
	struct signalfd_siginfo si;
	(void)events;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(svc);
		else if (svc->draining)
			svc->drain_deadline = 0; /* a second SIGTERM: now */
		else
			drain(svc);
	}
}

static void on_ctx(struct svc *svc, struct watch *w, uint32_t events)
{
	(void)w;
	(void)events;
	al_ctx_handle(svc->ctx);
}

static void ctx_log(void *user, int level, const char *line)
{
	char q[700];
	(void)user;
	if (level <= 1)
		svc_log("info", "library", "msg=%s", log_q(line, q, sizeof(q)));
}

/* Drained: nothing is running or waiting, every request answered. */
static bool drained(struct svc *svc)
{
	bool busy = svc->nqueue > 0 || http_open_requests(svc->http) > 0;
	for (struct session *s = svc->sessions; s && !busy; s = s->next)
		busy = s->running > 0;
	return !busy;
}

static int wait_ms(struct svc *svc)
{
	double now = al_now_ms(), next = sessions_reap(svc), mnext = mcproute_reap(svc);
	if (mnext >= 0 && (next < 0 || mnext < next))
		next = mnext;
	int ms = http_timeout_ms(svc->http);
	if (ms < 0 || ms > 1000)
		ms = 1000;
	if (next >= 0 && next - now < ms)
		ms = next <= now ? 0 : (int)(next - now) + 1;
	int pm = pools_tick(svc);
	if (pm >= 0 && pm < ms)
		ms = pm;
	int am = audit_timeout_ms(svc->audit);
	if (am >= 0 && am < ms)
		ms = am;
	if (svc->draining && svc->drain_deadline - now < ms)
		ms = svc->drain_deadline <= now ? 0 : (int)(svc->drain_deadline - now) + 1;
	return ms;
}

static void turn(struct svc *svc)
{
	struct epoll_event evs[64];
	int n = epoll_wait(svc->ep, evs, 64, wait_ms(svc));

	for (int i = 0; i < n; i++) {
		struct watch *w = evs[i].data.ptr;
		w->fn(svc, w, evs[i].events);
	}
	box_reap(svc);
	countermeasures(svc);
	execute_pump(svc);
	box_reap(svc);
	if (svc->audit) {
		al_error e = {0};
		char msg[600], q[700];
		if (audit_tick(svc->audit, &e) < 0)
			svc_log("error", "audit", "checkpoint=time error=%s",
				log_q(al_error_text(&e, msg, sizeof(msg)), q, sizeof(q)));
	}
	http_run(svc->http);
}

/* A PEM file, whole (at most 1 MiB), NUL-terminated. */
static char *read_pem(const char *option, const char *path)
{
	struct stat st;
	char *buf = NULL;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	ssize_t n = -1;

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    st.st_size <= (1 << 20) && (buf = calloc(1, (size_t)st.st_size + 1)))
		n = read(fd, buf, (size_t)st.st_size);
	if (n != (buf ? (ssize_t)st.st_size : -2)) {
		fprintf(stderr, "airlock serve: --%s %s: %s\n", option, path,
			fd < 0 ? strerror(errno) : "not a regular file of at most 1 MiB");
		free(buf);
		return NULL;
	}
	return buf;
}

static int setup_tls(struct svc *svc)
{
	bool tcp = false;
	if (!svc->opt.tls_cert && !svc->opt.tls_key)
		return 0;
	if (!svc->opt.tls_cert || !svc->opt.tls_key) {
		fprintf(stderr, "airlock serve: --tls-cert and --tls-key go together\n");
		return -1;
	}
	for (size_t i = 0; i < svc->opt.nlisten; i++)
		tcp |= strncmp(svc->opt.listen[i], "tcp:", 4) == 0;
	if (!tcp) {
		fprintf(stderr,
			"airlock serve: --tls-cert: TLS is for tcp listeners, and none is asked for\n");
		return -1;
	}
	svc->tls_cert = read_pem("tls-cert", svc->opt.tls_cert);
	svc->tls_key = svc->tls_cert ? read_pem("tls-key", svc->opt.tls_key) : NULL;
	return svc->tls_key ? 0 : -1;
}

/* Test builds: AIRLOCK_TEST_DISABLE_SERVE names defences to switch off;
 * a name it does not know stops the service (a typo must not make a
 * control pass). */
static int test_switches(struct svc *svc)
{
#ifdef AIRLOCK_TEST_SWITCHES
	static const char *const names[] = {"tenancy",	  "quotas",    "ceilings",
					    "quarantine", "redaction", "labels"};
	const char *list = getenv("AIRLOCK_TEST_DISABLE_SERVE");
	while (list && *list) {
		size_t n = strcspn(list, ","), i;
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (strlen(names[i]) == n && strncmp(list, names[i], n) == 0)
				break;
		if (i == ARRAY_SIZE(names)) {
			fprintf(stderr, "airlock serve: AIRLOCK_TEST_DISABLE_SERVE: unknown defence %.*s\n",
				(int)n, list);
			return -1;
		}
		svc->disabled |= 1u << i;
		list += n + (list[n] == ',');
	}
	if (svc->disabled)
		svc_log("warn", "test_switches", "disabled=%s", getenv("AIRLOCK_TEST_DISABLE_SERVE"));
#else
	(void)svc;
#endif
	return 0;
}

static int setup(struct svc *svc, const struct svc_options *opt)
{
	char msg[700];
	al_error e = {0};
	sigset_t sigs;

	svc->opt = *opt;
	svc->started_ms = al_now_ms();
	if (test_switches(svc) < 0)
		return -1;
	svc->sigw.fd = svc->ctxw.fd = -1;
	if (opt->config && tenants_load(opt->config, &svc->tenants, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "airlock serve: --config %s\n", msg);
		return -1;
	}
	if (svc->opt.nlisten == 0)
		svc->opt.listen[svc->opt.nlisten++] = default_listen;
	for (size_t i = 0; i < svc->opt.nlisten; i++)
		if (strncmp(svc->opt.listen[i], "tcp:", 4) == 0 && !svc->tenants) {
			fprintf(stderr,
				"airlock serve: --listen %s: TCP needs --config with tenants (and their "
				"tokens)\n",
				svc->opt.listen[i]);
			return -1;
		}
	if (setup_tls(svc) < 0)
		return -1;
	if (!opt->audit_log != !opt->audit_key) {
		fprintf(stderr, "airlock serve: --audit-log FILE and --audit-key KEY go together\n");
		return -1;
	}
	if (opt->audit_log) {
		/* Before the first listener: a service that cannot record does not
		 * serve (and a key others may read is refused). */
		struct audit_options ao = {.path = opt->audit_log,
					   .key = opt->audit_key,
					   .checkpoint_records = opt->audit_records,
					   .checkpoint_seconds = opt->audit_seconds,
					   .max_size = opt->audit_max_size,
					   .syslog = opt->audit_syslog,
					   .who = "serve"};
		if (audit_open(&svc->audit, &ao, &e) < 0) {
			fprintf(stderr, "airlock serve: --audit-log: %s\n", al_error_text(&e, msg, sizeof(msg)));
			return -1;
		}
	}
	if (strcmp(svc->opt.listen[0], default_listen) == 0 && svc->opt.nlisten == 1)
		(void)mkdir("/run/airlock", DEFAULT_SOCKET_DIR_MODE);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	svc->ep = epoll_create1(EPOLL_CLOEXEC);
	int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	svc->sigw.fn = on_signal;
	if (svc->ep < 0 || sfd < 0 || svc_watch(svc, &svc->sigw, sfd) < 0) {
		fprintf(stderr, "airlock serve: epoll/signalfd: %s\n", strerror(errno));
		return -1;
	}
	if (al_ctx_new(&svc->ctx, &e) < 0) {
		fprintf(stderr, "airlock serve: %s\n", al_error_text(&e, msg, sizeof(msg)));
		return -1;
	}
	al_ctx_set_log(svc->ctx, ctx_log, svc);
	svc->ctxw.fn = on_ctx;
	if (svc_watch(svc, &svc->ctxw, al_ctx_fd(svc->ctx)) < 0 || !(svc->http = http_new(svc))) {
		fprintf(stderr, "airlock serve: %s\n", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < svc->opt.nlisten; i++)
		if (http_listen(svc->http, svc->opt.listen[i], msg, sizeof(msg)) < 0) {
			fprintf(stderr, "airlock serve: %s\n", msg);
			return -1;
		}
	if (mcproute_new(svc, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "airlock serve: %s\n", msg);
		return -1;
	}
	return 0;
}

static void teardown(struct svc *svc)
{
	pools_free(svc);
	execute_flush_queue(svc);
	sessions_end_all(svc);
	for (struct box *b = svc->boxes; b; b = b->next)
		box_close(b);
	box_reap(svc);
	http_free(svc->http);
	mcproute_free(svc);
	if (svc->ctx)
		al_ctx_free(svc->ctx); /* waits for what the sandboxes left */
	if (svc->sigw.fd >= 0)
		close(svc->sigw.fd);
	if (svc->ep >= 0)
		close(svc->ep);
	tenants_free(svc->tenants);
	json_decref(svc->features);
	if (svc->tls_key)
		sodium_memzero(svc->tls_key, strlen(svc->tls_key));
	free(svc->tls_key);
	free(svc->tls_cert);
	while (svc->tstates) {
		struct tstate *s = svc->tstates;
		svc->tstates = s->next;
		free(s->times);
		free(s->vtimes);
		free(s);
	}
}

int svc_main(const struct svc_options *opt)
{
	struct svc svc = {.ep = -1};
	int rc = 0;

	if (sodium_init() < 0) {
		fprintf(stderr, "airlock serve: libsodium did not initialize\n");
		return 1;
	}
	if (setup(&svc, opt) < 0) {
		teardown(&svc);
		audit_close(svc.audit);
		return 1;
	}
	json_t *listen = json_array();
	for (size_t i = 0; i < svc.opt.nlisten; i++)
		json_array_append_new(listen, json_string(svc.opt.listen[i]));
	svc_audit(&svc, "service_started",
		  json_pack("{s:s,s:i,s:i,s:o,s:s?,s:o?,s:i,s:i}", "version", al_version(), "pid", (int)getpid(),
			    "uid", (int)getuid(), "listen", listen, "config", opt->config, "config_sha256",
			    opt->config ? audit_file_sha256_json(opt->config, NULL) : NULL, "max_sandboxes",
			    (int)opt->max_sandboxes, "queue", (int)opt->max_queue));
	svc_log("info", "started", "version=%s pid=%d tenants=%zu max_sandboxes=%u queue=%u", al_version(),
		(int)getpid(), svc.tenants ? svc.tenants->n : 0, opt->max_sandboxes, opt->max_queue);
	features(&svc);
	pools_sync(&svc);
	for (;;) {
		turn(&svc);
		if (!svc.draining)
			continue;
		if (drained(&svc))
			break;
		if (al_now_ms() >= svc.drain_deadline) {
			svc_log("warn", "drain_timeout", "running=%u queued=%u", svc.nboxes, svc.nqueue);
			rc = 0;
			break;
		}
	}
	teardown(&svc);
	svc_audit(&svc, "service_stopped", json_pack("{s:i}", "pid", (int)getpid()));
	audit_close(svc.audit); /* the shutdown checkpoint, fsync'd */
	svc_log("info", "stopped", "pid=%d", (int)getpid());
	return rc;
}
