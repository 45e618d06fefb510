/* Code contexts (contexts.h). A context is a command of the session's
 * sandbox: python3 running the driver below, which keeps one globals dict
 * for every run. Code reaches it through a FIFO in the working directory
 * (a pool's interpreter reads one run's code from its stdin; a context
 * needs many deliveries to one process), written with al_sandbox_put_file ("NONCE LENGTH\n" and
 * the code); the driver makes the FIFO again when a restore or a reset
 * has replaced the workspace under it. A run's end is a line starting
 * with 0x1e, "END", and the run's nonce on each stream (stdout's carries
 * the result as JSON); what came before it is the run's output. The
 * nonce is new for each run, so that a program cannot end its run early
 * by printing an old one. */
#include "contexts.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "../util.h"
#include "box.h"
#include "request.h"

#define READY_LINE "\x1e" "airlock-context-ready\n"
#define GRACE_S 2.0 /* after SIGINT, before the interpreter is killed */

static const char driver[] =
    "import os, sys, ast, io, json, base64, select, stat, time, traceback\n"
    "os.environ.setdefault('MPLBACKEND', 'Agg')\n"
    "fifo = sys.argv[1]\n"
    "def mk():\n"
    "    try:\n"
    "        os.unlink(fifo)\n"
    "    except FileNotFoundError:\n"
    "        pass\n"
    "    os.mkfifo(fifo, 0o600)\n"
    "    return os.open(fifo, os.O_RDWR)\n"
    "def ours(fd):\n"
    "    try:\n"
    "        return os.stat(fifo).st_ino == os.fstat(fd).st_ino\n"
    "    except OSError:\n"
    "        return False\n"
    "def from_file():\n"
    "    # A restore or a reset replaced the workspace: the code may have come\n"
    "    # as a plain file where the FIFO was. Wait until it is whole.\n"
    "    for _ in range(500):\n"
    "        try:\n"
    "            if not stat.S_ISREG(os.lstat(fifo).st_mode):\n"
    "                return None\n"
    "            data = open(fifo, 'rb').read()\n"
    "        except OSError:\n"
    "            return None\n"
    "        head, _, code = data.partition(b'\\n')\n"
    "        parts = head.split()\n"
    "        if len(parts) == 2 and parts[1].isdigit() and len(code) >= int(parts[1]):\n"
    "            return head + b'\\n' + code[:int(parts[1])]\n"
    "        time.sleep(0.01)\n"
    "    return None\n"
    "def envelope():\n"
    "    global fd\n"
    "    while not select.select([fd], [], [], 0.25)[0]:\n"
    "        if not ours(fd):\n"
    "            data = from_file()\n"
    "            os.close(fd)\n"
    "            fd = mk()\n"
    "            if data:\n"
    "                return data\n"
    "    head = b''\n"
    "    while not head.endswith(b'\\n') and len(head) < 64:\n"
    "        head += os.read(fd, 1)\n"
    "    n = int(head.split()[1])\n"
    "    code = bytearray()\n"
    "    while len(code) < n:\n"
    "        code += os.read(fd, n - len(code))\n"
    "    return head + bytes(code)\n"
    "fd = mk()\n"
    "g = {'__name__': '__main__', '__builtins__': __builtins__}\n"
    "count = 0\n"
    "os.write(1, b'\\x1e" "airlock-context-ready\\n')\n"
    "while True:\n"
    "    try:\n"
    "        head, _, code = envelope().partition(b'\\n')\n"
    "        nonce = head.split()[0]\n"
    "        code = code.decode('utf-8', 'surrogateescape')\n"
    "    except KeyboardInterrupt:\n"
    "        continue\n"
    "    count += 1\n"
    "    res, err = {}, None\n"
    "    try:\n"
    "        tree = ast.parse(code, '<cell>', 'exec')\n"
    "        last = None\n"
    "        if tree.body and isinstance(tree.body[-1], ast.Expr):\n"
    "            last = ast.Expression(tree.body.pop().value)\n"
    "        exec(compile(tree, '<cell>', 'exec'), g)\n"
    "        if last is not None:\n"
    "            v = eval(compile(last, '<cell>', 'eval'), g)\n"
    "            if v is not None:\n"
    "                g['_'] = v\n"
    "                res['text/plain'] = repr(v)[:1 << 20]\n"
    "        plt = sys.modules.get('matplotlib.pyplot')\n"
    "        if plt is not None and plt.get_fignums():\n"
    "            b = io.BytesIO()\n"
    "            plt.gcf().savefig(b, format='png')\n"
    "            res['image/png'] = base64.b64encode(b.getvalue()).decode()\n"
    "            plt.close('all')\n"
    "    except BaseException as e:\n"
    "        tb = e.__traceback__.tb_next if e.__traceback__ else None\n"
    "        err = {'name': type(e).__name__, 'value': str(e),\n"
    "               'traceback': ''.join(traceback.format_exception(type(e), e, tb))}\n"
    "    for f in (sys.stdout, sys.stderr):\n"
    "        try:\n"
    "            f.flush()\n"
    "        except Exception:\n"
    "            pass\n"
    "    msg = json.dumps({'execution_count': count, 'result': res, 'error': err})\n"
    "    os.write(2, b'\\x1e" "END ' + nonce + b'\\n')\n"
    "    os.write(1, b'\\x1e" "END ' + nonce + b' ' + msg.encode() + b'\\n')\n";

enum cstate { C_STARTING, C_IDLE, C_RUNNING, C_DEAD };

struct context {
	struct context *next;
	struct svc *svc;
	struct session *s;
	char id[40];
	char fifo[64];
	struct op *op; /* the interpreter; NULL once it has ended */
	enum cstate state;
	char why[256]; /* C_DEAD: how it ended */
	struct hreq *r; /* the create, the restart or the run that waits */
	unsigned ready_status; /* 201 for a create, 200 for a restart */
	/* The run. */
	char nonce[33];
	struct buf out[2];
	size_t end[2]; /* where the end line starts, once seen (+1) */
	json_t *meta;
	double t0, timeout;
	bool interrupted, timed_out;
	struct watch tw; /* its time limit: SIGINT, then SIGKILL */
	bool tw_on;
};

static const char *const state_names[] = {"starting", "idle", "running", "dead"};

static void timer_stop(struct context *c)
{
	if (!c->tw_on)
		return;
	svc_unwatch(c->svc, &c->tw);
	close(c->tw.fd);
	c->tw_on = false;
}

static void run_reset(struct context *c)
{
	timer_stop(c);
	for (int i = 0; i < 2; i++) {
		buf_free(&c->out[i]);
		c->end[i] = 0;
	}
	json_decref(c->meta);
	c->meta = NULL;
	c->interrupted = c->timed_out = false;
}

static void answer_problem(struct context *c, unsigned status, const char *code, const char *detail)
{
	if (!c->r)
		return;
	hreq_problem(c->r, status, code, NULL, 0, "%s", detail);
	hreq_release(c->r);
	c->r = NULL;
	session_idle(c->s);
}

static json_t *context_json(struct context *c)
{
	return json_pack("{s:s,s:s,s:s,s:s?}", "id", c->id, "language", "python", "state", state_names[c->state],
			 "error", c->state == C_DEAD && c->why[0] ? c->why : NULL);
}

static json_t *text_of(const struct buf *b, size_t n)
{
	json_t *s = json_stringn(b->data ? b->data : "", n);
	if (!s) { /* not UTF-8: each byte as U+FFFD would lie; base64 */
		size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
		char *t = malloc(len);
		if (t) {
			sodium_bin2base64(t, len, (const unsigned char *)b->data, n, sodium_base64_VARIANT_ORIGINAL);
			s = json_pack("{s:s}", "base64", t);
			free(t);
		}
	}
	return s;
}

/* The run's answer: its output before the end lines, and the driver's
 * JSON (or, when the interpreter died, why). */
static void run_answer(struct context *c, bool survived)
{
	if (!c->r)
		return;
	json_t *err = json_object_get(c->meta, "error");
	const char *name = json_string_value(json_object_get(err, "name"));
	const char *status = c->timed_out		       ? "timeout"
			     : !survived			       ? "died"
			     : c->interrupted && name && !strcmp(name, "KeyboardInterrupt") ? "interrupted"
			     : json_is_object(err)		       ? "error"
								       : "ok";
	size_t n0 = c->end[0] ? c->end[0] - 1 : c->out[0].len, n1 = c->end[1] ? c->end[1] - 1 : c->out[1].len;
	json_t *res = json_object_get(c->meta, "result");
	json_t *j = json_pack("{s:s,s:s,s:o,s:o,s:o,s:O,s:O,s:b,s:f}", "id", c->id, "status", status, "stdout",
			      text_of(&c->out[0], n0), "stderr", text_of(&c->out[1], n1), "result",
			      res ? json_incref(res) : json_object(), "error", err ?: json_null(),
			      "execution_count", json_object_get(c->meta, "execution_count") ?: json_null(),
			      "state_survived", survived, "wall_ms", al_now_ms() - c->t0);
	if (!survived && c->why[0])
		json_object_set_new(j, "detail", json_string(c->why));
	svc_audit(c->svc, "context_run",
		  json_pack("{s:s,s:s,s:s,s:s,s:b,s:O?,s:I,s:I}", "tenant", c->s->tenant, "sandbox", c->s->id,
			    "context", c->id, "status", status, "state_survived", survived, "execution_count",
			    json_object_get(c->meta, "execution_count"), "stdout_size", (json_int_t)n0,
			    "stderr_size", (json_int_t)n1));
	hreq_json(c->r, 200, j);
	hreq_release(c->r);
	c->r = NULL;
	session_idle(c->s);
}

/* Find "\x1eEND NONCE" in stream i (from where the last look stopped). */
static void look_for_end(struct context *c, int i)
{
	char mark[48];
	int m = snprintf(mark, sizeof(mark), "\x1e" "END %s", c->nonce);
	struct buf *b = &c->out[i];
	if (c->end[i] || b->len < (size_t)m)
		return;
	const char *p = memmem(b->data, b->len, mark, (size_t)m);
	if (!p)
		return;
	const char *nl = memchr(p, '\n', b->len - (size_t)(p - b->data));
	if (!nl)
		return; /* the rest of the line is on its way */
	if (i == 0) {
		const char *js = p + m;
		c->meta = json_loadb(js, (size_t)(nl - js), 0, NULL);
		if (!json_is_object(c->meta)) {
			json_decref(c->meta);
			c->meta = json_object();
		}
	}
	c->end[i] = (size_t)(p - b->data) + 1;
}

static void ctx_output(struct op *op, int stream, const char *data, size_t len)
{
	struct context *c = op->user;
	int i = stream - 1;
	if (c->state == C_STARTING) {
		if (i == 0 && (size_t)c->out[0].len + len <= sizeof(READY_LINE) - 1)
			(void)buf_add(&c->out[0], data, len);
		if (c->out[0].len == sizeof(READY_LINE) - 1 && !memcmp(c->out[0].data, READY_LINE, c->out[0].len)) {
			buf_free(&c->out[0]);
			c->state = C_IDLE;
			if (c->r) {
				hreq_json(c->r, c->ready_status, context_json(c));
				hreq_release(c->r);
				c->r = NULL;
				session_idle(c->s);
			}
		}
		return;
	}
	if (c->state != C_RUNNING || c->end[i])
		return; /* between runs: nothing is the program's */
	size_t room = OP_MAX_OUTPUT - c->out[i].len;
	(void)buf_add(&c->out[i], data, len < room ? len : room);
	look_for_end(c, i);
	if (c->end[0] && c->end[1]) {
		timer_stop(c);
		c->state = C_IDLE;
		run_answer(c, true);
		run_reset(c);
	}
}

static void ctx_done(struct op *op)
{
	struct context *c = op->user;
	c->op = NULL;
	snprintf(c->why, sizeof(c->why), "the interpreter ended: %s%s%s", op->status, op->error[0] ? ": " : "",
		 op->error);
	enum cstate was = c->state;
	c->state = C_DEAD;
	if (was == C_RUNNING)
		run_answer(c, false);
	else
		answer_problem(c, 500, "internal", c->why);
	run_reset(c);
}

static int ctx_start(struct context *c, al_error *e)
{
	char *argv[] = {"python3", "-c", (char *)driver, c->fifo, NULL};
	struct op *op = box_exec(c->s->box, argv, NULL, NULL, 0, e);
	if (!op)
		return -1;
	c->op = op;
	c->state = C_STARTING;
	c->why[0] = 0;
	op->output = ctx_output;
	op->done = ctx_done;
	op->user = c;
	return 0;
}

static void given(struct op *op);

static void ctx_free(struct context *c)
{
	/* Puts of its code may still be on their way (a run can end before
	 * the put that brought its code has reported): they forget it. */
	for (int l = 0; l < 2; l++)
		for (struct op *o = l ? c->s->box->done : c->s->box->ops; o; o = o->next)
			if (o->done == given && o->user == c) {
				o->done = NULL;
				o->user = NULL;
			}
	if (c->op) {
		c->op->output = NULL;
		c->op->done = NULL;
		c->op->user = NULL;
		if (!c->s->box->ended)
			al_sandbox_kill(c->s->box->sb, c->op->id, SIGKILL);
	}
	answer_problem(c, 409, "conflict", "the context was deleted or its sandbox ended");
	run_reset(c);
	free(c);
}

static void ctx_timer(struct svc *svc, struct watch *w, uint32_t events)
{
	(void)svc;
	(void)events;
	struct context *c = (struct context *)((char *)w - offsetof(struct context, tw));
	uint64_t n;
	if (read(w->fd, &n, sizeof(n)) < 0 && errno == EAGAIN)
		return;
	if (c->state != C_RUNNING || !c->op)
		return;
	c->timed_out = true;
	if (!c->interrupted) {
		/* First a KeyboardInterrupt, which the context survives. */
		c->interrupted = true;
		al_sandbox_kill(c->s->box->sb, c->op->id, SIGINT);
		struct itimerspec its = {.it_value = {.tv_sec = (time_t)GRACE_S}};
		timerfd_settime(w->fd, 0, &its, NULL);
		return;
	}
	snprintf(c->why, sizeof(c->why), "the run passed its time limit (%.1f s) and ignored SIGINT", c->timeout);
	al_sandbox_kill(c->s->box->sb, c->op->id, SIGKILL);
}

static struct context *find(struct session *s, const char *id, size_t n)
{
	for (struct context *c = s->contexts; c; c = c->next)
		if (strlen(c->id) == n && !strncmp(c->id, id, n))
			return c;
	return NULL;
}

static void create(struct svc *svc, struct hreq *r, struct session *s)
{
	struct req_error err = {0};
	al_error e = {0};
	char msg[600];
	unsigned n = 0;

	if (req_decode_context(r->body, r->body_len, &err) < 0) {
		hreq_problem(r, err.status, "invalid", err.field, 0, "%s", err.detail);
		return;
	}
	for (struct context *c = s->contexts; c; c = c->next)
		n++;
	if (n >= CONTEXTS_MAX) {
		hreq_problem(r, 409, "conflict", NULL, 0, "a session keeps at most %d contexts", CONTEXTS_MAX);
		return;
	}
	struct context *c = calloc(1, sizeof(*c));
	if (!c) {
		hreq_problem(r, 503, "busy", NULL, 1, "out of memory");
		return;
	}
	c->svc = svc;
	c->s = s;
	svc_new_id("ctx-", c->id, sizeof(c->id));
	snprintf(c->fifo, sizeof(c->fifo), ".airlock-%s", c->id);
	if (ctx_start(c, &e) < 0) {
		hreq_problem(r, 409, "conflict", NULL, 0, "%s", al_error_text(&e, msg, sizeof(msg)));
		free(c);
		return;
	}
	c->r = hreq_hold(r);
	c->ready_status = 201;
	session_busy(s);
	c->next = s->contexts;
	s->contexts = c;
	svc_audit(svc, "context_created",
		  json_pack("{s:s,s:s,s:s}", "tenant", s->tenant, "sandbox", s->id, "context", c->id));
}

static void given(struct op *op)
{
	struct context *c = op->user;
	char why[512];
	if (op->exit_code == 0 && !strcmp(op->status, "exited"))
		return;
	/* The code never reached the interpreter: the run cannot end. */
	snprintf(c->why, sizeof(c->why), "the code could not be given: %s", op_why(op, why, sizeof(why)));
	if (c->op)
		al_sandbox_kill(c->s->box->sb, c->op->id, SIGKILL);
}

static void run(struct svc *svc, struct hreq *r, struct context *c)
{
	struct req_error err = {0};
	al_error e = {0};
	char msg[600], *code;
	double timeout;
	unsigned char rnd[16];

	if (req_decode_context_run(r->body, r->body_len, &code, &timeout, &err) < 0) {
		hreq_problem(r, err.status, "invalid", err.field, 0, "%s", err.detail);
		return;
	}
	if (c->state != C_IDLE) {
		hreq_problem(r, 409, "conflict", NULL, 0, "the context is %s%s%s", state_names[c->state],
			     c->state == C_DEAD ? " (restart it): " : "", c->state == C_DEAD ? c->why : "");
		free(code);
		return;
	}
	/* The session's time limit bounds a run (the library kills the
	 * interpreter there); ours comes before it by the grace and a second,
	 * so that SIGINT has its chance. A shorter one may be asked. */
	double limit = json_number_value(json_object_get(c->s->box->limits, "time"));
	double most = limit > GRACE_S + 2 ? limit - GRACE_S - 1 : limit;
	if (!timeout || (most > 0 && timeout > most))
		timeout = most > 0 ? most : 0;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(c->nonce, sizeof(c->nonce), rnd, sizeof(rnd));
	size_t len = strlen(code);
	char head[64];
	int h = snprintf(head, sizeof(head), "%s %zu\n", c->nonce, len);
	char *msgbuf = malloc((size_t)h + len);
	if (!msgbuf) {
		free(code);
		hreq_problem(r, 503, "busy", NULL, 1, "out of memory");
		return;
	}
	memcpy(msgbuf, head, (size_t)h);
	memcpy(msgbuf + h, code, len);
	free(code);
	(void)al_sandbox_restart_clock(c->s->box->sb, c->op->id);
	struct op *put = box_put(c->s->box, c->fifo, msgbuf, (size_t)h + len, 0600, &e);
	free(msgbuf);
	if (!put) {
		hreq_problem(r, 409, "conflict", NULL, 0, "%s", al_error_text(&e, msg, sizeof(msg)));
		return;
	}
	put->done = given;
	put->user = c;
	c->state = C_RUNNING;
	c->r = hreq_hold(r);
	c->t0 = al_now_ms();
	c->timeout = timeout;
	session_busy(c->s);
	if (timeout > 0) {
		int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		struct itimerspec its = {.it_value = {.tv_sec = (time_t)timeout,
						      .tv_nsec = (long)((timeout - (double)(time_t)timeout) * 1e9)}};
		if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL) == 0) {
			c->tw.fn = ctx_timer;
			if (svc_watch(svc, &c->tw, fd) == 0)
				c->tw_on = true;
			else
				close(fd);
		} else if (fd >= 0) {
			close(fd);
		}
	}
}

void contexts_route(struct svc *svc, struct hreq *r, struct session *s, const char *rest)
{
	if (!*rest || !strcmp(rest, "/")) {
		if (!strcmp(r->method, "POST")) {
			create(svc, r, s);
		} else if (!strcmp(r->method, "GET")) {
			json_t *a = json_array();
			for (struct context *c = s->contexts; c; c = c->next)
				json_array_append_new(a, context_json(c));
			hreq_json(r, 200, json_pack("{s:o}", "contexts", a));
		} else {
			hreq_add_header(r, "Allow", "GET, POST");
			hreq_problem(r, 405, "method_not_allowed", NULL, 0, "%s is not allowed here (GET, POST)",
				     r->method);
		}
		return;
	}
	rest++;
	size_t n = strcspn(rest, "/");
	struct context *c = find(s, rest, n);
	if (!c) {
		hreq_problem(r, 404, "not_found", NULL, 0, "no context %.*s", (int)(n < 64 ? n : 64), rest);
		return;
	}
	const char *verb = rest[n] ? rest + n + 1 : "";
	bool post = !strcmp(r->method, "POST");
	if (!*verb && !strcmp(r->method, "GET")) {
		hreq_json(r, 200, context_json(c));
	} else if (!*verb && !strcmp(r->method, "DELETE")) {
		for (struct context **pp = &s->contexts; *pp; pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		ctx_free(c);
		hreq_reply(r, 204, "text/plain", NULL, 0);
	} else if (!strcmp(verb, "run") && post) {
		run(svc, r, c);
	} else if (!strcmp(verb, "interrupt") && post) {
		if (c->state == C_RUNNING && c->op) {
			c->interrupted = true;
			al_sandbox_kill(s->box->sb, c->op->id, SIGINT);
		}
		hreq_json(r, 200, context_json(c));
	} else if (!strcmp(verb, "restart") && post) {
		al_error e = {0};
		char msg[600];
		if (c->op) {
			c->op->output = NULL;
			c->op->done = NULL;
			c->op->user = NULL;
			al_sandbox_kill(s->box->sb, c->op->id, SIGKILL);
			c->op = NULL;
		}
		answer_problem(c, 409, "conflict", "the context was restarted");
		run_reset(c);
		if (ctx_start(c, &e) < 0) {
			c->state = C_DEAD;
			snprintf(c->why, sizeof(c->why), "%s", al_error_text(&e, msg, sizeof(msg)));
			hreq_problem(r, 409, "conflict", NULL, 0, "%s", c->why);
			return;
		}
		c->r = hreq_hold(r);
		c->ready_status = 200;
		session_busy(s);
	} else {
		hreq_problem(r, 404, "not_found", NULL, 0, "no such route: %.200s", r->path);
	}
}

void contexts_end(struct session *s)
{
	while (s->contexts) {
		struct context *c = s->contexts;
		s->contexts = c->next;
		ctx_free(c);
	}
}
