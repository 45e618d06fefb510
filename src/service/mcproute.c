/* /mcp, streamable HTTP (mcproute.h). */
#include "mcproute.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../mcp/mcp.h"
#include "../util.h"
#include "../version.h"
#include "http.h"
#include "service.h"
#include "tenants.h"

#define INTERNAL_HEADER "Airlock-Internal"

struct msess {
	struct msess *next;
	char id[40];
	char tenant[TENANT_NAME_MAX];
	struct mcp *core;
	double last_ms;
	unsigned busy; /* calls and the end in flight */
	bool ending;
};

/* Work for a thread, and its answer for the loop. */
struct mjob {
	struct mjob *next;
	struct svc *svc;
	struct hreq *r; /* NULL: nobody waits (an idle session's end) */
	struct msess *s;
	struct mcp_msg msg;
	struct mcp_call *call; /* NULL: the session's end */
	json_t *reply;
};

struct mcproute {
	struct watch w; /* the eventfd: jobs done */
	char dir[96], sock[128];
	char secret[65];
	pthread_mutex_t mu; /* done, threads */
	pthread_cond_t idle;
	struct mjob *done;
	unsigned threads;
	struct msess *sessions; /* the loop's */
	unsigned nsessions;
	double idle_ms; /* MCPR_IDLE; test builds: AIRLOCK_TEST_MCP_IDLE_MS */
};

static struct mcproute *route(struct svc *svc) { return svc->mcp; }

int mcproute_tenant(struct svc *svc, struct hreq *r, const struct tenant **t)
{
	struct mcproute *m = route(svc);
	const char *h = hreq_header(r, INTERNAL_HEADER);
	*t = NULL;
	if (!h)
		return 0;
	if (!m || r->kind != LISTEN_UNIX || strlen(h) < 66 || h[64] != ' ' ||
	    sodium_memcmp(h, m->secret, 64) != 0)
		return -1;
	*t = svc->tenants				 ? tenants_by_name(svc->tenants, h + 65)
	     : strcmp(h + 65, tenant_local()->name) == 0 ? tenant_local()
							 : NULL;
	return *t ? 1 : -1;
}

static void *job_thread(void *arg)
{
	struct mjob *j = arg;
	struct mcproute *m = route(j->svc);
	if (j->call)
		j->reply = mcp_handle(j->s->core, &j->msg, j->call);
	else
		mcp_end(j->s->core);
	uint64_t one = 1;
	pthread_mutex_lock(&m->mu);
	j->next = m->done;
	m->done = j;
	if (write(m->w.fd, &one, sizeof(one)) < 0) {
		/* the counter is far from full: nothing to do */
	}
	m->threads--;
	pthread_cond_broadcast(&m->idle);
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

static void session_free(struct mcproute *m, struct msess *s)
{
	for (struct msess **p = &m->sessions; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			m->nsessions--;
			break;
		}
	mcp_free(s->core);
	free(s);
}

/* Hand j to a thread; false when none can be had (j is the caller's). */
static bool start(struct mcproute *m, struct mjob *j)
{
	pthread_t t;
	pthread_attr_t attr;
	bool ok = false;

	pthread_mutex_lock(&m->mu);
	if (m->threads < MCPR_MAX_THREADS) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		ok = pthread_create(&t, &attr, job_thread, j) == 0;
		pthread_attr_destroy(&attr);
		m->threads += ok;
	}
	pthread_mutex_unlock(&m->mu);
	if (ok) {
		j->s->busy++;
		if (j->r)
			hreq_hold(j->r);
	}
	return ok;
}

static void end_session(struct svc *svc, struct msess *s, struct hreq *r)
{
	struct mjob *j = calloc(1, sizeof(*j));
	s->ending = true;
	if (j) {
		*j = (struct mjob){.svc = svc, .r = r, .s = s};
		if (start(route(svc), j))
			return;
		free(j);
	}
	/* No thread: its sandboxes end with their idle timeout. */
	if (r)
		hreq_reply(r, 204, "text/plain", NULL, 0);
	if (!s->busy)
		session_free(route(svc), s);
}

static void on_done(struct svc *svc, struct watch *w, uint32_t events)
{
	struct mcproute *m = route(svc);
	uint64_t n;
	(void)events;
	if (read(w->fd, &n, sizeof(n)) < 0) {
		/* nonblocking: nothing was there */
	}
	pthread_mutex_lock(&m->mu);
	struct mjob *j = m->done;
	m->done = NULL;
	pthread_mutex_unlock(&m->mu);
	while (j) {
		struct mjob *next = j->next;
		struct msess *s = j->s;
		if (j->r) {
			if (!j->call)
				hreq_reply(j->r, 204, "text/plain", NULL, 0);
			else if (j->reply)
				hreq_json(j->r, 200, steal_ptr(j->reply));
			else /* cancelled: no answer is due */
				hreq_reply(j->r, 202, "text/plain", NULL, 0);
			hreq_release(j->r);
		}
		if (j->call)
			mcp_call_free(s->core, j->call);
		mcp_msg_free(&j->msg);
		json_decref(j->reply);
		free(j);
		s->last_ms = al_now_ms();
		if (--s->busy == 0 && s->ending)
			session_free(m, s);
		j = next;
	}
}

int mcproute_new(struct svc *svc, char *msg, unsigned len)
{
	struct mcproute *m = calloc(1, sizeof(*m));
	const char *tmp = getenv("TMPDIR");
	unsigned char key[32];

	if (!m) {
		snprintf(msg, len, "mcp: out of memory");
		return -1;
	}
	svc->mcp = m;
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->idle, NULL);
	m->w.fn = on_done;
	m->w.fd = -1;
	m->idle_ms = MCPR_IDLE * 1000.0;
#ifdef AIRLOCK_TEST_SWITCHES
	/* So that a test sees an idle session end without waiting minutes. */
	const char *idle = getenv("AIRLOCK_TEST_MCP_IDLE_MS");
	if (idle && atoi(idle) > 0)
		m->idle_ms = atoi(idle);
#endif
	randombytes_buf(key, sizeof(key));
	sodium_bin2hex(m->secret, sizeof(m->secret), key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	/* Beside the first unix listener (a crash leaves it where it leaves
	 * that socket), else in $TMPDIR or /tmp. */
	const char *where = tmp && *tmp && strlen(tmp) < 60 ? tmp : "/tmp";
	int wl = (int)strlen(where);
	for (size_t i = 0; i < svc->opt.nlisten; i++) {
		const char *l = svc->opt.listen[i], *slash = strrchr(l, '/');
		if (strncmp(l, "unix:", 5) == 0 && slash && slash - (l + 5) < 60) {
			where = slash == l + 5 ? "/" : l + 5;
			wl = slash == l + 5 ? 1 : (int)(slash - where);
			break;
		}
	}
	snprintf(m->dir, sizeof(m->dir), "%.*s/airlock-mcp.XXXXXX", wl, where);
	if (!mkdtemp(m->dir)) {
		snprintf(msg, len, "mcp: %s: %s", m->dir, strerror(errno));
		m->dir[0] = '\0';
		return -1;
	}
	snprintf(m->sock, sizeof(m->sock), "unix:%s/api.sock", m->dir);
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0 || svc_watch(svc, &m->w, fd) < 0) {
		if (fd >= 0)
			close(fd);
		snprintf(msg, len, "mcp: eventfd: %s", strerror(errno));
		return -1;
	}
	return http_listen(svc->http, m->sock, msg, len);
}

/* A JSON-RPC error as the whole answer, with an HTTP status. */
static void rpc_error(struct hreq *r, unsigned status, json_t *err) { hreq_json(r, status, err); }

static struct msess *find(struct mcproute *m, const char *id, const char *tenant)
{
	for (struct msess *s = m->sessions; id && s; s = s->next)
		if (!s->ending && strcmp(s->id, id) == 0 && strcmp(s->tenant, tenant) == 0)
			return s;
	return NULL;
}

/* A browser's page may not drive the tools (DNS rebinding): an Origin, when
 * one is sent, must be this machine's. */
static bool origin_ok(struct hreq *r)
{
	const char *o = hreq_header(r, "Origin");
	if (!o)
		return true;
	static const char *const local[] = {"http://localhost",	 "http://127.0.0.1",  "http://[::1]",
					    "https://localhost", "https://127.0.0.1", "https://[::1]"};
	for (size_t i = 0; i < ARRAY_SIZE(local); i++) {
		size_t n = strlen(local[i]);
		if (strncmp(o, local[i], n) == 0 && (o[n] == '\0' || o[n] == ':'))
			return true;
	}
	return false;
}

static void post(struct svc *svc, struct hreq *r, const struct tenant *t)
{
	struct mcproute *m = route(svc);
	const char *sid = hreq_header(r, "Mcp-Session-Id");
	struct mcp_msg msg;
	json_t *err;

	if (mcp_parse(r->body, r->body_len, &msg, &err) < 0) {
		rpc_error(r, 400, err);
		return;
	}
	bool init = msg.kind == MCP_REQUEST && strcmp(msg.method, "initialize") == 0;
	struct msess *s = init ? NULL : find(m, sid, t->name);
	if (!init && !s) {
		rpc_error(r, sid ? 404 : 400,
			  mcp_error(msg.id, RPC_INVALID, "%s",
				    sid ? "no such MCP session (it ended): initialize anew"
					: "Mcp-Session-Id is needed (initialize first)"));
		mcp_msg_free(&msg);
		return;
	}
	if (init) {
		if (m->nsessions >= MCPR_MAX_SESSIONS) {
			hreq_problem(r, 503, "busy", NULL, 5, "too many MCP sessions");
			mcp_msg_free(&msg);
			return;
		}
		struct api_target target = {0};
		struct mcp_options mo = {
		    .profile = "python", .ttl = 3600, .idle = MCPR_IDLE, .server_version = AIRLOCK_VERSION};
		snprintf(target.unix_path, sizeof(target.unix_path), "%s", m->sock + 5);
		snprintf(target.auth, sizeof(target.auth), INTERNAL_HEADER ": %s %s", m->secret, t->name);
		s = calloc(1, sizeof(*s));
		if (!s || !(s->core = mcp_new(&target, &mo))) {
			free(s);
			hreq_problem(r, 500, "internal", NULL, 0, "out of memory");
			mcp_msg_free(&msg);
			return;
		}
		sodium_memzero(&target, sizeof(target));
		svc_new_id("mcp-", s->id, sizeof(s->id));
		snprintf(s->tenant, sizeof(s->tenant), "%s", t->name);
		s->next = m->sessions;
		m->sessions = s;
		m->nsessions++;
		hreq_add_header(r, "Mcp-Session-Id", s->id);
		svc_log("info", "mcp_session", "tenant=%s id=%s", t->name, s->id);
	}
	s->last_ms = al_now_ms();
	if (!mcp_is_call(&msg)) {
		json_t *reply = mcp_handle(s->core, &msg, NULL);
		if (reply)
			hreq_json(r, 200, reply);
		else
			hreq_reply(r, 202, "text/plain", NULL, 0);
		mcp_msg_free(&msg);
		return;
	}
	struct mjob *j = calloc(1, sizeof(*j));
	if (j) {
		*j = (struct mjob){
		    .svc = svc, .r = r, .s = s, .msg = msg, .call = mcp_call_new(s->core, msg.id)};
		if (j->call && start(m, j))
			return;
		mcp_call_free(s->core, j->call);
		free(j);
	}
	rpc_error(r, 503, mcp_error(msg.id, RPC_INTERNAL, "too many tool calls at once: retry later"));
	mcp_msg_free(&msg);
}

void mcproute_handle(struct svc *svc, struct hreq *r, const struct tenant *t)
{
	struct mcproute *m = route(svc);
	const char *v = hreq_header(r, "MCP-Protocol-Version");

	if (!m) {
		hreq_problem(r, 404, "not_found", NULL, 0, "no /mcp here");
		return;
	}
	if (!origin_ok(r)) {
		hreq_problem(r, 403, "forbidden", NULL, 0, "Origin: not this machine's");
		return;
	}
	if (v && !mcp_version_known(v)) {
		hreq_problem(r, 400, "invalid", NULL, 0, "MCP-Protocol-Version: %.40s is not spoken here", v);
		return;
	}
	if (strcmp(r->method, "POST") == 0) {
		post(svc, r, t);
	} else if (strcmp(r->method, "DELETE") == 0) {
		struct msess *s = find(m, hreq_header(r, "Mcp-Session-Id"), t->name);
		if (!s) {
			hreq_problem(r, 404, "not_found", NULL, 0, "no such MCP session");
			return;
		}
		svc_log("info", "mcp_session_end", "tenant=%s id=%s why=delete", t->name, s->id);
		end_session(svc, s, r);
	} else {
		/* No stream of the server's own: every answer comes with its POST. */
		hreq_add_header(r, "Allow", "POST, DELETE");
		hreq_problem(r, 405, "method_not_allowed", NULL, 0,
			     "%s /mcp: POST a message, DELETE a session", r->method);
	}
}

double mcproute_reap(struct svc *svc)
{
	struct mcproute *m = route(svc);
	double now = al_now_ms(), next = -1;
	if (!m)
		return -1;
	for (struct msess *s = m->sessions, *n; s; s = n) {
		n = s->next;
		if (s->ending || s->busy)
			continue;
		double at = s->last_ms + m->idle_ms;
		if (at <= now) {
			svc_log("info", "mcp_session_end", "tenant=%s id=%s why=idle", s->tenant, s->id);
			end_session(svc, s, NULL);
		} else if (next < 0 || at < next) {
			next = at;
		}
	}
	return next;
}

void mcproute_free(struct svc *svc)
{
	struct mcproute *m = route(svc);
	struct timespec until;
	if (!m)
		return;
	/* What still runs is cut short; its sandboxes end with the service. */
	for (struct msess *s = m->sessions; s; s = s->next)
		mcp_stop(s->core);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&m->mu);
	while (m->threads && pthread_cond_timedwait(&m->idle, &m->mu, &until) == 0)
		;
	pthread_mutex_unlock(&m->mu);
	on_done(svc, &m->w, 0);
	if (m->w.fd >= 0) {
		svc_unwatch(svc, &m->w);
		close(m->w.fd);
	}
	if (m->threads) /* a thread stuck in a call: leave it what it uses */
		return;
	while (m->sessions)
		session_free(m, m->sessions);
	if (m->dir[0]) {
		unlink(m->sock + 5);
		rmdir(m->dir);
	}
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->idle);
	svc->mcp = NULL;
	free(m);
}
