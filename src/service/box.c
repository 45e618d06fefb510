/* One sandbox of the service and its commands (box.h). */
#include "box.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"

int buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d)
			return -1;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

void buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static void op_free(struct op *op)
{
	buf_free(&op->out[0]);
	buf_free(&op->out[1]);
	json_decref(op->violations);
	json_decref(op->vcounts);
	json_decref(op->network);
	free(op);
}

static struct op *op_of(struct box *b, unsigned id)
{
	for (struct op *op = b->ops; op; op = op->next)
		if (op->id == id)
			return op;
	return NULL;
}

/* The op has ended: from the running list to the done list (in order). */
static void op_finish(struct box *b, struct op *op)
{
	struct op **pp = &b->ops;
	while (*pp && *pp != op)
		pp = &(*pp)->next;
	if (*pp)
		*pp = op->next;
	op->next = NULL;
	pp = &b->done;
	while (*pp)
		pp = &(*pp)->next;
	*pp = op;
}

/* The sandbox's end as the box keeps it (report: the box's from now on). */
static void ended(struct box *b, const char *status, char *report, double cpu_ms, uint64_t max_rss_kb)
{
	b->ended = true;
	snprintf(b->status, sizeof(b->status), "%s", status ? status : "");
	free(b->report);
	b->report = report;
	b->cpu_ms = cpu_ms;
	svc_charge_cpu(b->svc, b->tenant, cpu_ms);
	b->max_rss_kb = max_rss_kb;
}

static void on_event(void *user, const struct al_event *ev)
{
	struct box *b = user;
	struct metrics *m = &b->svc->metrics;
	struct op *op = op_of(b, ev->command);

	switch (ev->kind) {
	case AL_EV_STARTED:
		snprintf(b->cgroup, sizeof(b->cgroup), "%s", ev->cgroup ? ev->cgroup : "");
		b->landlock = ev->landlock;
		snprintf(b->degraded, sizeof(b->degraded), "%s", ev->degraded ? ev->degraded : "");
		break;
	case AL_EV_OUTPUT:
		if (!op || ev->stream < 1 || ev->stream > 2)
			break;
		op->seen[ev->stream - 1] += ev->len;
		if (op->output)
			op->output(op, ev->stream, ev->data, ev->len);
		else if (op->out[ev->stream - 1].len < op->cap[ev->stream - 1]) {
			size_t room = op->cap[ev->stream - 1] - op->out[ev->stream - 1].len;
			(void)buf_add(&op->out[ev->stream - 1], ev->data, ev->len < room ? ev->len : room);
		}
		break;
	case AL_EV_VIOLATION:
		if (ev->action && strcmp(ev->action, "allow") != 0) {
			m->violations_syscall++;
			svc_violation(b->svc, b->tenant, V_SYSCALL);
		}
		if (!op)
			break;
		if (ev->syscall && (!ev->action || strcmp(ev->action, "allow") != 0) &&
		    json_object_size(op->vcounts) < 1024) {
			json_t *c = json_object_get(op->vcounts, ev->syscall);
			if (c)
				json_integer_set(c, json_integer_value(c) + 1);
			else
				json_object_set_new(op->vcounts, ev->syscall, json_integer(1));
		}
		if (json_array_size(op->violations) >= OP_MAX_VIOLATIONS) {
			op->violations_dropped++;
			break;
		}
		json_array_append_new(op->violations,
				      json_pack("{s:s?,s:s?,s:s?,s:i}", "syscall", ev->syscall, "action",
						ev->action, "args", ev->args, "pid", ev->pid));
		break;
	case AL_EV_NETWORK:
		metrics_egress(m, ev->verdict);
		if (!ev->verdict || strcmp(ev->verdict, "allowed") != 0)
			svc_violation(b->svc, b->tenant, V_EGRESS);
		/* The proxy serves the whole sandbox: a decision goes to the
		 * command it names, else to the newest command running. */
		if (!op)
			for (struct op *o = b->ops; o; o = o->next)
				if (o->kind == OP_EXEC)
					op = o;
		if (op && json_array_size(op->network) < OP_MAX_NETWORK)
			json_array_append_new(
			    op->network, json_pack("{s:s?,s:i,s:s?,s:s?,s:s?,s:s?}", "host", ev->host, "port",
						   ev->port, "verdict", ev->verdict, "reason", ev->reason,
						   "address", ev->address, "method", ev->method));
		break;
	case AL_EV_LIMIT:
		metrics_limit(m, ev->limit);
		svc_violation(b->svc, b->tenant, V_LIMIT);
		break;
	case AL_EV_EXITED:
		if (!op)
			break;
		snprintf(op->status, sizeof(op->status), "%s", ev->status ? ev->status : "exited");
		op->exit_code = ev->exit_code;
		op->signal = ev->signal;
		op->wall_ms = ev->wall_ms;
		snprintf(op->error, sizeof(op->error), "%s", ev->error ? ev->error : "");
		memcpy(op->output_bytes, ev->output_bytes, sizeof(op->output_bytes));
		memcpy(op->truncated, ev->truncated, sizeof(op->truncated));
		op_finish(b, op);
		break;
	case AL_EV_ENDED:
		/* Settled already (box_settle): its figures were charged then. */
		if (!b->ended)
			ended(b, ev->status, ev->report ? strdup(ev->report) : NULL, ev->cpu_ms, ev->max_rss_kb);
		/* Commands still listed never got their EXITED: the sandbox's
		 * end is theirs. */
		while (b->ops) {
			struct op *o = b->ops;
			snprintf(o->status, sizeof(o->status), "%s", b->status);
			o->exit_code = ev->exit_code;
			snprintf(o->error, sizeof(o->error), "the sandbox ended (%s)%s%s", b->status,
				 ev->error ? ": " : "", ev->error ? ev->error : "");
			op_finish(b, o);
		}
		break;
	}
}

/* Each ended op to its owner, in the order they ended. */
static void tell_done(struct box *b)
{
	while (b->done) {
		struct op *op = b->done;
		b->done = op->next;
		if (op->done)
			op->done(op);
		op_free(op);
	}
}

/* After the library's handle: each ended op to its owner, then the box's
 * own end, once. */
static void process(struct box *b)
{
	tell_done(b);
	if (b->ended && !b->ops && !b->end_told && !b->closing) {
		b->end_told = true;
		if (b->on_end)
			b->on_end(b);
	}
}

static void box_ready(struct svc *svc, struct watch *w, uint32_t events)
{
	(void)svc;
	(void)events;
	struct box *b = (struct box *)w;
	if (b->closing)
		return;
	(void)al_sandbox_handle(b->sb);
	process(b);
}

static struct op *op_new(struct box *b, enum op_kind kind, al_error *err);
static struct op *op_started(struct box *b, struct op *op, int r);

int box_start(struct svc *svc, al_config *cfg, const char *tenant, char *const first[], struct box **out,
	      struct op **first_op, al_error *err)
{
	struct box *b = calloc(1, sizeof(*b));
	struct op *op = NULL;

	*out = NULL;
	if (!b)
		return al_error_set(err, ENOMEM, "box");
	b->svc = svc;
	svc_new_id("sb-", b->id, sizeof(b->id));
	snprintf(b->tenant, sizeof(b->tenant), "%s", tenant);
	if (al_config_set(cfg, "keep", NULL, err) < 0)
		goto fail;
	if (first &&
	    (al_config_set_argv(cfg, (const char *const *)first, err) < 0 || !(op = op_new(b, OP_EXEC, err))))
		goto fail;
	char *pj = al_config_profile_json(cfg, err);
	json_t *profile = pj ? json_loads(pj, 0, NULL) : NULL;
	free(pj);
	if (!profile) {
		if (!err->msg[0])
			al_error_set(err, 0, "the profile");
		goto fail;
	}
	b->env = json_incref(json_object_get(profile, "env"));
	b->limits = json_incref(json_object_get(profile, "limits"));
	snprintf(b->profile, sizeof(b->profile), "%s",
		 json_string_value(json_object_get(profile, "name")) ?: "");
	json_decref(profile);
	if (al_sandbox_start(svc->ctx, cfg, on_event, b, &b->sb, err) < 0)
		goto fail;
	b->w.fn = box_ready;
	if (svc_watch(svc, &b->w, al_sandbox_fd(b->sb)) < 0) {
		al_error_set(err, errno, "epoll");
		al_sandbox_free(b->sb);
		goto fail;
	}
	b->next = svc->boxes;
	if (svc->boxes)
		svc->boxes->prev = b;
	svc->boxes = b;
	svc->nboxes++;
	if (op) {
		op->id = 0; /* the library's id of the first command */
		*first_op = op_started(b, op, 0);
	}
	*out = b;
	return 0;
fail:
	if (op)
		op_free(op);
	json_decref(b->env);
	json_decref(b->limits);
	free(b);
	return -1;
}

static struct op *op_new(struct box *b, enum op_kind kind, al_error *err)
{
	struct op *op;
	if (b->ended || b->closing) {
		al_error_set(err, 0, "the sandbox has ended");
		return NULL;
	}
	if (!(op = calloc(1, sizeof(*op))) || !(op->violations = json_array()) ||
	    !(op->vcounts = json_object()) || !(op->network = json_array())) {
		if (op)
			op_free(op);
		al_error_set(err, ENOMEM, "command");
		return NULL;
	}
	op->box = b;
	op->kind = kind;
	op->cap[0] = kind == OP_GET || kind == OP_SNAPSHOT ? OP_MAX_FILE : OP_MAX_OUTPUT;
	op->cap[1] = OP_MAX_OUTPUT;
	op->started_ms = al_now_ms();
	return op;
}

static struct op *op_started(struct box *b, struct op *op, int r)
{
	if (r < 0) {
		op_free(op);
		return NULL;
	}
	op->next = b->ops;
	b->ops = op;
	return op;
}

/* The profile's environment, then extra over it: NAME=VALUE strings. */
static char **merged_env(struct box *b, char *const extra[])
{
	json_t *env = json_deep_copy(b->env ? b->env : json_object());
	const char *key;
	json_t *v;
	char **out = NULL;
	size_t n = 0;

	if (!env)
		return NULL;
	for (size_t i = 0; extra && extra[i]; i++) {
		const char *eq = strchr(extra[i], '=');
		char name[160];
		if (!eq || (size_t)(eq - extra[i]) >= sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(eq - extra[i]), extra[i]);
		json_object_set_new(env, name, json_string(eq + 1));
	}
	if (!(out = calloc(json_object_size(env) + 1, sizeof(char *))))
		goto out;
	json_object_foreach(env, key, v)
	{
		if (json_is_string(v) && asprintf(&out[n], "%s=%s", key, json_string_value(v)) >= 0)
			n++;
		else
			out[n] = NULL;
	}
out:
	json_decref(env);
	return out;
}

struct op *box_exec(struct box *b, char *const argv[], char *const extra_env[], const void *input, size_t len,
		    al_error *err)
{
	struct op *op = op_new(b, OP_EXEC, err);
	char **env = NULL;
	int r;

	if (!op)
		return NULL;
	if (extra_env && extra_env[0] && !(env = merged_env(b, extra_env))) {
		op_free(op);
		al_error_set(err, ENOMEM, "env");
		return NULL;
	}
	r = al_sandbox_exec_input(b->sb, (const char *const *)argv, (const char *const *)env,
				  len ? input : NULL, len, &op->id, err);
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
	return op_started(b, op, r);
}

struct op *box_put(struct box *b, const char *path, const void *data, size_t len, unsigned mode,
		   al_error *err)
{
	struct op *op = op_new(b, OP_PUT, err);
	return op ? op_started(b, op, al_sandbox_put_file(b->sb, path, data, len, mode, &op->id, err)) : NULL;
}

struct op *box_get(struct box *b, const char *path, al_error *err)
{
	struct op *op = op_new(b, OP_GET, err);
	return op ? op_started(b, op, al_sandbox_get_file(b->sb, path, &op->id, err)) : NULL;
}

struct op *box_snapshot(struct box *b, al_error *err)
{
	struct op *op = op_new(b, OP_SNAPSHOT, err);
	return op ? op_started(b, op, al_sandbox_snapshot(b->sb, &op->id, err)) : NULL;
}

struct op *box_restore(struct box *b, const void *data, size_t len, al_error *err)
{
	struct op *op = op_new(b, OP_RESTORE, err);
	return op ? op_started(b, op, al_sandbox_restore(b->sb, data, len, &op->id, err)) : NULL;
}

void box_end(struct box *b)
{
	if (!b->ended && !b->closing)
		al_sandbox_end(b->sb);
}

void box_close(struct box *b) { b->closing = true; }

int box_settle(struct box *b)
{
	al_error err = {0};
	if (b->ended || b->closing || b->ops)
		return -1;
	char *report = al_sandbox_report_now(b->sb, &err);
	json_t *r = report ? json_loads(report, 0, NULL) : NULL;
	if (!r) {
		free(report);
		return -1;
	}
	ended(b, json_string_value(json_object_get(r, "status")), report,
	      json_number_value(json_object_get(r, "cpu_ms")),
	      (uint64_t)json_integer_value(json_object_get(r, "max_rss_kb")));
	/* Its end is told here, by the caller's answer: no on_end follows. */
	b->end_told = true;
	json_decref(r);
	return 0;
}

void box_reap(struct svc *svc)
{
	struct box *b = svc->boxes, *next;
	for (; b; b = next) {
		next = b->next;
		if (!b->closing)
			continue;
		/* Ops still running end now, for their owners to answer. */
		while (b->ops) {
			struct op *o = b->ops;
			snprintf(o->status, sizeof(o->status), "deleted");
			snprintf(o->error, sizeof(o->error), "the sandbox was deleted");
			op_finish(b, o);
		}
		tell_done(b);
		next = b->next; /* done() may have closed others */
		svc_unwatch(svc, &b->w);
		if (b->prev)
			b->prev->next = b->next;
		else
			svc->boxes = b->next;
		if (b->next)
			b->next->prev = b->prev;
		/* Never waits: a sandbox still running is killed and
		 * finished by the context (al_ctx_fd). */
		al_sandbox_free(b->sb);
		if (!b->pooled)
			svc->nboxes--;
		json_decref(b->env);
		json_decref(b->limits);
		free(b->report);
		free(b);
	}
}

const char *op_why(const struct op *op, char *buf, size_t len)
{
	if (op->error[0]) {
		snprintf(buf, len, "%s", op->error);
		return buf;
	}
	const struct buf *e = &op->out[1];
	size_t end = e->len;
	while (end && (e->data[end - 1] == '\n' || e->data[end - 1] == '\r'))
		end--;
	size_t start = end;
	while (start && e->data[start - 1] != '\n')
		start--;
	const char *line = e->data ? e->data + start : "";
	if (strncmp(line, "airlock: ", 9) == 0 && end - start >= 9)
		line += 9, start += 9;
	snprintf(buf, len, "%.*s", (int)(end - start), end > start ? line : "");
	if (!buf[0])
		snprintf(buf, len, "%s, exit %d", op->status, op->exit_code);
	return buf;
}
