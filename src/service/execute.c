/* A run, one-shot or in a session (execute.h).
 *
 *   queued -> files (one put at a time) -> run -> list artifacts
 *          -> fetch artifacts (one at a time) -> [one-shot: end] -> result
 *
 * Each step is an op of the job's box; its done() starts the next step. */
#include "execute.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../audit/audit.h"
#include "../util.h"
#include "box.h"
#include "http.h"
#include "pools.h"
#include "redact.h"
#include "service.h"
#include "sessions.h"

/* Artifacts: at most this many files and bytes of content per run. */
enum { ART_MAX_FILES = 64, ART_MAX_BYTES = 16 << 20 };

/* Lists the regular files (not symlinks) the globs match, NUL-separated,
 * inside the sandbox: IFS empty, so a glob is expanded but never split. */
static const char list_script[] = "IFS=; for p in \"$@\"; do for f in $p; do "
				  "if [ -f \"$f\" ] && [ ! -L \"$f\" ]; then printf '%s\\0' \"$f\"; fi; "
				  "done; done";

enum job_state { J_QUEUED, J_FILES, J_RUN, J_LIST, J_FETCH, J_ENDING, J_DONE };

struct job {
	struct svc *svc;
	struct job *qnext;
	struct hreq *req; /* held */
	struct req_run rq;
	char tenant[64];
	char id[40];
	al_config *cfg; /* one-shot, until its sandbox starts */
	struct box *box;
	struct session *session; /* NULL: one-shot (the box is the job's) */
	enum job_state state;
	size_t file_i;
	bool dirs_made;
	bool stream;
	/* A warm pool's sandbox: its interpreter's op, until the code is given. */
	bool warm;
	struct op *warm_op;
	int warm_in; /* its stdin's write end, until the code is given */
	/* The command's end. */
	bool ran;
	char status[32], error[512];
	int exit_code, signal;
	double wall_ms;
	uint64_t output_bytes[2];
	int truncated[2];
	struct buf out[2];
	json_t *violations, *network;
	json_t *vcounts; /* {syscall: count} */
	bool audit_refused; /* its record could not be written: answered 503 */
	/* A UTF-8 sequence cut at the end of a streamed chunk, per stream. */
	char carry[2][4];
	size_t ncarry[2];
	/* What was streamed, per stream, for the audit record. */
	crypto_hash_sha256_state streamed[2];
	bool streamed_on[2];
	/* Artifacts. */
	char **art;
	size_t nart, art_i;
	json_t *artifacts;
	uint64_t art_bytes;
	crypto_hash_sha256_state sha;
	uint64_t art_size;
	struct buf art_data;
	bool art_over;
	/* Timings (ms, monotonic). */
	double t_queued, t_start, t_run, t_ran;
	/* Secrets: the command's environment with them (wiped when freed),
	 * the values to redact (the job's own, or its session's), a matcher
	 * per stream and one for the artifact being fetched. */
	char **env_all;
	struct redact_set own;
	struct redact_set *rs;
	struct redactor red[2], art_red;
	struct sink {
		struct job *j;
		int i;
	} sink[2];
	bool redacting;
	json_t *labels; /* the data labels of its input (and its session's) */
};

static void free_env_all(struct job *j)
{
	for (size_t i = 0; j->env_all && j->env_all[i]; i++) {
		sodium_memzero(j->env_all[i], strlen(j->env_all[i]));
		free(j->env_all[i]);
	}
	free(j->env_all);
	j->env_all = NULL;
}

static void job_free(struct job *j)
{
	if (j->warm_in >= 0)
		close(j->warm_in);
	if (j->req)
		hreq_release(j->req);
	free_env_all(j);
	redactor_free(&j->red[0]);
	redactor_free(&j->red[1]);
	redactor_free(&j->art_red);
	redact_set_free(&j->own);
	json_decref(j->labels);
	req_run_free(&j->rq);
	al_config_free(j->cfg);
	buf_free(&j->out[0]);
	buf_free(&j->out[1]);
	buf_free(&j->art_data);
	json_decref(j->violations);
	json_decref(j->vcounts);
	json_decref(j->network);
	json_decref(j->artifacts);
	for (size_t i = 0; i < j->nart; i++)
		free(j->art[i]);
	free(j->art);
	if (j->session) {
		session_idle(j->session);
		session_unref(j->session);
	} else {
		if (j->box)
			j->box->owner = NULL;
		svc_release_sandbox(j->svc, j->tenant);
	}
	free(j);
}

/* The job could not run: an error to the client, the sandbox ended. */
static void job_fail(struct job *j, unsigned status, const char *code, const char *field, const char *detail)
{
	if (j->req && hreq_streaming(j->req)) {
		json_t *p = json_pack("{s:s,s:i,s:s}", "code", code, "status", (int)status, "detail", detail);
		char *s = p ? json_dumps(p, JSON_COMPACT) : NULL;
		if (s)
			hreq_stream_event(j->req, "error", s, strlen(s));
		free(s);
		json_decref(p);
		hreq_stream_end(j->req);
	} else if (j->req) {
		hreq_problem(j->req, status, code, field, status == 503 ? 5 : 0, "%s", detail);
	}
	if (j->box && !j->session)
		box_close(j->box);
	job_free(j);
}

/* --- the config --- */

#define config_fail(err, ...) req_fail(err, 400, __VA_ARGS__)

/* The request's field that a library message names ("memory: ..."). */
static void field_of(const char *msg, char *field, size_t len)
{
	field[0] = '\0';
	for (int i = 0; i < REQ_NLIMITS; i++) {
		size_t n = strlen(req_limit_keys[i]);
		if (strncmp(msg, req_limit_keys[i], n) == 0 && (msg[n] == ':' || msg[n] == ' ')) {
			snprintf(field, len, "limits.%s", req_limit_names[i]);
			return;
		}
	}
	if (strncmp(msg, "net", 3) == 0)
		snprintf(field, len, "network");
	else if (strncmp(msg, "env", 3) == 0)
		snprintf(field, len, "env");
}

static double limit_value(json_t *v, int i, bool *unlimited)
{
	struct al_error e;
	*unlimited = false;
	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_string(v) && strcmp(json_string_value(v), "unlimited") == 0) {
		*unlimited = true;
		return 0;
	}
	if (json_is_string(v)) {
		uint64_t n;
		double d;
		if (req_limit_is_time(i) ? al_parse_duration(json_string_value(v), &d, &e) == 0
					 : al_parse_size(json_string_value(v), &n, &e) == 0)
			return req_limit_is_time(i) ? d : (double)n;
	}
	*unlimited = v == NULL;
	return 0;
}

int execute_config(struct svc *svc, const struct tenant *t, const char *profile, const struct req_limits *l,
		   const struct req_network *net, char *const env[], al_config **out, struct req_error *err)
{
	al_config *cfg = NULL;
	al_error e = {0};
	char field[64];

	*out = NULL;
	bool ceilings = !svc_off(svc, SVC_DEF_CEILINGS);
	if (ceilings && !tenant_profile_ok(t, profile))
		return config_fail(err, "profile", "\"%s\" is not a profile this tenant may use%s", profile,
				   t->profiles ? "" : " (default, python, node, model-eval)");
	if (al_config_new(svc->ctx, profile, &cfg, &e) < 0)
		return config_fail(err, "profile", "%s", e.msg);
	if ((svc->opt.allow_degraded && al_config_set(cfg, "allow-degraded", NULL, &e) < 0) ||
	    al_config_set(cfg, "keep", NULL, &e) < 0)
		goto lib_error;
	for (int i = 0; i < REQ_NLIMITS; i++) {
		if (!l->set[i])
			continue;
		snprintf(field, sizeof(field), "limits.%s", req_limit_names[i]);
		if (i == REQ_OUTPUT && (l->unlimited[i] || l->value[i] > (double)OP_MAX_OUTPUT)) {
			al_config_free(cfg);
			return config_fail(err, field, "%s: the service returns at most %llu MiB per stream",
					   l->text[i], OP_MAX_OUTPUT >> 20);
		}
		if (ceilings && t->ceil.set[i] && (l->unlimited[i] || l->value[i] > t->ceil.value[i])) {
			al_config_free(cfg);
			return config_fail(err, field, "%s is above this tenant's ceiling (%s)", l->text[i],
					   t->ceil.text[i]);
		}
		if (al_config_set(cfg, req_limit_keys[i], l->text[i], &e) < 0) {
			al_config_free(cfg);
			return config_fail(err, field, "%s", e.msg);
		}
	}
	if (net && net->set) {
		size_t len = 8;
		for (size_t i = 0; i < net->n; i++) {
			snprintf(field, sizeof(field), "network.allow[%zu]", i);
			if (ceilings && !tenant_egress_ok(t, net->allow[i])) {
				al_config_free(cfg);
				return config_fail(err, field,
						   "\"%s\" is not an egress rule this tenant may use",
						   net->allow[i]);
			}
			len += strlen(net->allow[i]) + 1;
		}
		cleanup_free char *rules = malloc(len);
		if (!rules) {
			al_config_free(cfg);
			return config_fail(err, "network", "out of memory");
		}
		strcpy(rules, net->n ? "allow:" : "none");
		for (size_t i = 0; i < net->n; i++) {
			strcat(rules, net->allow[i]);
			if (i + 1 < net->n)
				strcat(rules, ",");
		}
		if (al_config_set(cfg, "net", rules, &e) < 0) {
			al_config_free(cfg);
			return config_fail(err, "network", "%s", e.msg);
		}
	}
	for (size_t i = 0; env && env[i]; i++)
		if (al_config_set(cfg, "env", env[i], &e) < 0)
			goto lib_error;
	/* Ceilings on what the request left to the profile. */
	char *pj = al_config_profile_json(cfg, &e);
	json_t *prof = pj ? json_loads(pj, 0, NULL) : NULL;
	free(pj);
	if (!prof)
		goto lib_error;
	json_t *limits = json_object_get(prof, "limits");
	for (int i = 0; i < REQ_NLIMITS; i++) {
		bool unlimited;
		double v = limit_value(json_object_get(limits, req_limit_names[i]), i, &unlimited);
		if (ceilings && !l->set[i] && t->ceil.set[i] && (unlimited || v > t->ceil.value[i]) &&
		    al_config_set(cfg, req_limit_keys[i], t->ceil.text[i], &e) < 0) {
			json_decref(prof);
			goto lib_error;
		}
	}
	json_decref(prof);
	if (al_config_check(cfg, &e) < 0)
		goto lib_error;
	*out = cfg;
	return 0;
lib_error:
	field_of(e.msg, field, sizeof(field));
	al_config_free(cfg);
	return config_fail(err, field[0] ? field : "profile", "%s", e.msg);
}

/* --- the result --- */

/* Output as a JSON string when it is UTF-8, else base64 (enc says which). */
static json_t *text_or_base64(const char *data, size_t len, const char **enc)
{
	json_t *s = json_stringn(data ? data : "", len);
	if (s) {
		*enc = "utf8";
		return s;
	}
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *b = malloc(n);
	if (!b)
		return json_null();
	sodium_bin2base64(b, n, (const unsigned char *)data, len, sodium_base64_VARIANT_ORIGINAL);
	s = json_string(b);
	free(b);
	*enc = "base64";
	return s;
}

static bool sandbox_wide(const char *status)
{
	static const char *const wide[] = {"memory", "pids", "cpu_limit", "violation", "setup_error"};
	for (size_t i = 0; i < ARRAY_SIZE(wide); i++)
		if (strcmp(status, wide[i]) == 0)
			return true;
	return false;
}

static json_t *result_of(struct job *j)
{
	struct box *b = j->box;
	json_t *r = NULL;

	if (!j->session && b && b->report)
		r = json_loads(b->report, 0, NULL);
	if (r) {
		/* The sandbox's report, with the command's own end unless
		 * the sandbox's end was wider (a limit of the whole tree). */
		const char *status = json_string_value(json_object_get(r, "status"));
		if (!status || !sandbox_wide(status)) {
			json_object_set_new(r, "status", json_string(j->status));
			json_object_set_new(r, "exit_code", json_integer(j->exit_code));
			json_object_set_new(r, "signal", j->signal ? json_integer(j->signal) : json_null());
			json_object_set_new(r, "error", j->error[0] ? json_string(j->error) : json_null());
			/* A warm sandbox waited before its run: the command's
			 * own wall time (from when its code came). */
			if (j->warm)
				json_object_set_new(r, "wall_ms", json_real(j->wall_ms));
		} else {
			j->exit_code = (int)json_integer_value(json_object_get(r, "exit_code"));
			snprintf(j->status, sizeof(j->status), "%s", status);
		}
	} else {
		r = json_object();
		if (!r)
			return NULL;
		json_object_set_new(r, "status", json_string(j->status));
		json_object_set_new(r, "exit_code", json_integer(j->exit_code));
		json_object_set_new(r, "signal", j->signal ? json_integer(j->signal) : json_null());
		json_object_set_new(r, "wall_ms", json_real(j->wall_ms));
		json_object_set_new(r, "limits", json_incref(b ? b->limits : NULL) ?: json_null());
		json_object_set_new(r, "violations", json_incref(j->violations));
		json_object_set_new(r, "network", json_incref(j->network));
		json_object_set_new(r, "cgroup", json_string(b ? b->cgroup : ""));
		json_object_set_new(r, "profile", json_string(b ? b->profile : ""));
		json_object_set_new(r, "error", j->error[0] ? json_string(j->error) : json_null());
	}
	json_object_set_new(r, "output_bytes",
			    json_pack("{s:I,s:I}", "stdout", (json_int_t)j->output_bytes[0], "stderr",
				      (json_int_t)j->output_bytes[1]));
	json_object_set_new(r, "truncated",
			    json_pack("{s:b,s:b}", "stdout", j->truncated[0], "stderr", j->truncated[1]));
	json_object_set_new(r, "id", json_string(j->id));
	if (j->session)
		json_object_set_new(r, "sandbox", json_string(j->session->id));
	if (!j->stream) {
		const char *enc;
		json_object_set_new(r, "stdout", text_or_base64(j->out[0].data, j->out[0].len, &enc));
		json_object_set_new(r, "stdout_encoding", json_string(enc));
		json_object_set_new(r, "stderr", text_or_base64(j->out[1].data, j->out[1].len, &enc));
		json_object_set_new(r, "stderr_encoding", json_string(enc));
	}
	json_object_set_new(r, "artifacts", j->artifacts ? json_incref(j->artifacts) : json_array());
	json_object_set_new(r, "labels", j->labels ? json_incref(j->labels) : json_array());
	double now = al_now_ms();
	json_object_set_new(r, "timings",
			    json_pack("{s:f,s:f,s:f,s:b}", "queue_ms", j->t_start - j->t_queued, "start_ms",
				      j->t_run - j->t_start, "run_ms", (j->t_ran ? j->t_ran : now) - j->t_run,
				      "warm", j->session != NULL || j->warm));
	return r;
}

static json_t *sha256_of(const void *data, size_t len) { return audit_sha256_json(data ? data : "", len); }

/* The audit records of a run or a command (before its answer is sent): the
 * execution with its limits and the SHA-256 of its code, argv, stdin and
 * files, its end and the output's SHA-256 and size (never the output, never
 * the secrets' values: only their names); then each violated system call
 * with its count and each egress decision. */
static int audit_job(struct job *j, json_t *r)
{
	struct svc *svc = j->svc;
	if (!svc->audit)
		return 0;
	const char *sandbox = j->session ? j->session->id : j->box ? j->box->id : NULL;
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * sizeof(h) + 1];
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < j->rq.argc; i++)
		crypto_hash_sha256_update(&st, (const unsigned char *)j->rq.argv[i], strlen(j->rq.argv[i]) + 1);
	crypto_hash_sha256_final(&st, h);
	json_t *f = json_pack("{s:s,s:s?,s:s,s:s?}", "tenant", j->tenant, "sandbox", sandbox, "id", j->id,
			      "profile", j->box ? j->box->profile : NULL);
	json_object_set_new(f, "limits", j->box && j->box->limits ? json_incref(j->box->limits) : json_null());
	if (j->rq.language && j->rq.argc >= 3) {
		json_object_set_new(f, "language", json_string(j->rq.language));
		json_object_set_new(f, "code_sha256", sha256_of(j->rq.argv[2], strlen(j->rq.argv[2])));
	} else if (j->rq.argc) {
		json_object_set_new(f, "program", json_string(j->rq.argv[0]));
	}
	json_object_set_new(f, "argv_sha256", json_string(sodium_bin2hex(hex, sizeof(hex), h, sizeof(h))));
	if (j->rq.input)
		json_object_set_new(f, "stdin", json_pack("{s:o,s:I}", "sha256", sha256_of(j->rq.input, j->rq.input_len),
							  "size", (json_int_t)j->rq.input_len));
	json_t *files = json_array();
	for (size_t i = 0; i < j->rq.nfiles; i++) {
		const struct req_file *rf = &j->rq.files[i];
		json_array_append_new(files, json_pack("{s:s,s:o,s:I}", "path", rf->path, "sha256",
						       sha256_of(rf->data, rf->len), "size", (json_int_t)rf->len));
	}
	json_object_set_new(f, "files", files);
	json_t *names = json_array();
	for (size_t i = 0; i < j->rq.nsecrets; i++)
		json_array_append_new(names, json_string(j->rq.secrets[i]));
	json_object_set_new(f, "secrets", names);
	if (j->labels)
		json_object_set(f, "labels", j->labels);
	static const char *const keep[] = {"status", "exit_code", "signal", "error", "wall_ms", "cpu_ms", "max_rss_kb",
					   "cgroup", "landlock", "degraded"};
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
		json_t *v = json_object_get(r, keep[i]);
		if (v)
			json_object_set(f, keep[i], v);
	}
	json_t *out = json_object();
	for (int i = 0; i < 2; i++) {
		/* Streamed output is not kept: hashed as it was sent. */
		json_t *o = json_pack("{s:I,s:b}", "size", (json_int_t)j->output_bytes[i], "truncated", j->truncated[i]);
		if (!j->stream) {
			json_object_set_new(o, "sha256", sha256_of(j->out[i].data, j->out[i].len));
		} else {
			if (!j->streamed_on[i])
				crypto_hash_sha256_init(&j->streamed[i]);
			crypto_hash_sha256_final(&j->streamed[i], h);
			j->streamed_on[i] = false;
			sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
			json_object_set_new(o, "sha256", json_string(hex));
		}
		json_object_set_new(out, i ? "stderr" : "stdout", o);
	}
	json_object_set_new(f, "output", out);
	if (json_array_size(j->artifacts))
		json_object_set(f, "artifacts", j->artifacts);
	int rc = svc_audit(svc, j->session ? "command" : "execution", f);
	/* Violations: each system call once, with its count (all of them, not
	 * only the first OP_MAX_VIOLATIONS the answer lists). */
	json_t *v;
	size_t i;
	const char *sc;
	json_object_foreach(j->vcounts, sc, v)
	{
		rc |= svc_audit(svc, "violation",
				json_pack("{s:s,s:s?,s:s,s:s,s:O}", "tenant", j->tenant, "sandbox", sandbox, "id",
					  j->id, "syscall", sc, "count", v));
	}
	json_array_foreach(j->network, i, v)
	{
		json_t *e = json_deep_copy(v);
		json_object_set_new(e, "tenant", json_string(j->tenant));
		json_object_set_new(e, "sandbox", sandbox ? json_string(sandbox) : json_null());
		json_object_set_new(e, "id", json_string(j->id));
		rc |= svc_audit(svc, "egress", e);
	}
	return rc;
}

static void job_done(struct job *j)
{
	json_t *r = result_of(j);
	if (audit_job(j, r) < 0 && r) {
		/* Never an answer the log does not hold: the run is refused after the fact. */
		json_decref(r);
		r = json_pack("{s:s,s:s,s:s}", "id", j->id, "status", "audit_unavailable", "error",
			      "the audit log could not be written");
		j->audit_refused = true;
	}
	char labels[REQ_MAX_LABELS * (REQ_MAX_LABEL + 1) * 2] = "-";
	for (size_t i = 0; i < json_array_size(j->labels); i++)
		snprintf(labels + (i ? strlen(labels) : 0), sizeof(labels) - (i ? strlen(labels) : 0), "%s%s",
			 i ? "," : "", json_string_value(json_array_get(j->labels, i)));
	metrics_execution(&j->svc->metrics, j->status, (al_now_ms() - j->t_start) / 1000.0);
	svc_log("info", "execution", "id=%s tenant=%s sandbox=%s status=%s exit_code=%d ms=%.1f labels=%s",
		j->id, j->tenant, j->box ? j->box->id : "-", j->status, j->exit_code,
		al_now_ms() - j->t_start, labels);
	if (j->req && j->stream) {
		char *s = r ? json_dumps(r, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
		if (s)
			hreq_stream_event(j->req, "exit", s, strlen(s));
		free(s);
		hreq_stream_end(j->req);
		json_decref(r);
	} else if (j->req) {
		hreq_json(j->req, j->audit_refused ? 503 : r ? 200 : 500, r);
	} else {
		json_decref(r);
	}
	if (j->box && !j->session)
		box_close(j->box);
	job_free(j);
}

/* --- the steps --- */

static void run_command(struct job *j);
static void command_running(struct job *j, struct op *op);
static void warm_give(struct job *j);
static void list_artifacts(struct job *j);
static void fetch_next(struct job *j);
static void finish(struct job *j);

static void put_done(struct op *op)
{
	struct job *j = op->user;
	char why[512], field[48];
	if (op->exit_code != 0 || strcmp(op->status, "exited") != 0) {
		snprintf(field, sizeof(field), "files[%zu].path", j->file_i);
		snprintf(why, sizeof(why), "%s: ", field);
		op_why(op, why + strlen(why), sizeof(why) - strlen(why));
		if (strcmp(op->status, "deleted") == 0)
			job_fail(j, 409, "conflict", NULL, "the sandbox was deleted");
		else
			job_fail(j, 400, "invalid", field, why);
		return;
	}
	j->file_i++;
	run_command(j);
}

/* A cut UTF-8 sequence at the end of data: how many bytes to carry. */
static size_t utf8_tail(const char *data, size_t len)
{
	for (size_t k = 1; k <= 3 && k <= len; k++) {
		unsigned char c = (unsigned char)data[len - k];
		if ((c & 0xc0) == 0x80)
			continue; /* a continuation byte: look further back */
		size_t need = c >= 0xf8 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		return need > k ? k : 0;
	}
	return 0;
}

static void emit_chunk(struct job *j, int i, const char *data, size_t len)
{
	const char *enc;
	json_t *s = text_or_base64(data, len, &enc);
	json_t *o = strcmp(enc, "utf8") == 0 ? json_incref(s) : json_pack("{s:O}", "base64", s);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (text)
		hreq_stream_event(j->req, i == 0 ? "stdout" : "stderr", text, strlen(text));
	free(text);
	json_decref(o);
	json_decref(s);
}

/* SSE: each chunk as an event, a JSON string (or {"base64": ...} when the
 * bytes are not UTF-8); a sequence cut between chunks is sent whole. */
static void stream_chunk(struct job *j, int i, const char *data, size_t len)
{
	struct buf b = {0};
	if (!j->streamed_on[i]) {
		crypto_hash_sha256_init(&j->streamed[i]);
		j->streamed_on[i] = true;
	}
	crypto_hash_sha256_update(&j->streamed[i], (const unsigned char *)data, len);
	if (buf_add(&b, j->carry[i], j->ncarry[i]) < 0 || buf_add(&b, data, len) < 0) {
		buf_free(&b);
		return;
	}
	size_t keep = utf8_tail(b.data, b.len);
	memcpy(j->carry[i], b.data + b.len - keep, keep);
	j->ncarry[i] = keep;
	if (b.len > keep)
		emit_chunk(j, i, b.data, b.len - keep);
	buf_free(&b);
}

static bool listened(struct job *j)
{
	if (j->req && hreq_alive(j->req))
		return true;
	/* Nobody listens: a one-shot run is ended early. */
	if (!j->session && j->box)
		box_end(j->box);
	return false;
}

static void stream_output(struct op *op, int stream, const char *data, size_t len)
{
	struct job *j = op->user;
	if (listened(j))
		stream_chunk(j, stream - 1, data, len);
}

/* Redacted output: streamed, or kept up to what an op keeps. */
static void sink_emit(void *user, const char *data, size_t len)
{
	struct sink *k = user;
	struct job *j = k->j;
	if (j->stream) {
		if (j->req && hreq_alive(j->req))
			stream_chunk(j, k->i, data, len);
		return;
	}
	size_t room = OP_MAX_OUTPUT - j->out[k->i].len;
	(void)buf_add(&j->out[k->i], data, len < room ? len : room);
}

static void redacted_output(struct op *op, int stream, const char *data, size_t len)
{
	struct job *j = op->user;
	if (j->stream && !listened(j))
		return;
	redactor_feed(&j->red[stream - 1], data, len);
}

static void command_done(struct op *op)
{
	struct job *j = op->user;
	j->ran = true;
	j->t_ran = al_now_ms();
	snprintf(j->status, sizeof(j->status), "%s", op->status);
	snprintf(j->error, sizeof(j->error), "%s", op->error);
	j->exit_code = op->exit_code;
	j->signal = op->signal;
	j->wall_ms = op->wall_ms;
	memcpy(j->output_bytes, op->output_bytes, sizeof(j->output_bytes));
	memcpy(j->truncated, op->truncated, sizeof(j->truncated));
	for (int i = 0; i < 2; i++) {
		if (j->redacting) {
			redactor_flush(&j->red[i]);
		} else {
			j->out[i] = op->out[i];
			memset(&op->out[i], 0, sizeof(op->out[i]));
		}
		if (j->stream && j->ncarry[i] && j->req)
			emit_chunk(j, i, j->carry[i], j->ncarry[i]);
	}
	j->violations = json_incref(op->violations);
	j->vcounts = json_incref(op->vcounts);
	j->network = json_incref(op->network);
	if (strcmp(op->status, "deleted") == 0) {
		if (j->svc->draining)
			job_fail(j, 503, "busy", NULL,
				 "the service stopped at its drain deadline while the command ran");
		else
			job_fail(j, 409, "conflict", NULL, "the sandbox was deleted while the command ran");
		return;
	}
	list_artifacts(j);
}

static void dirs_done(struct op *op)
{
	struct job *j = op->user;
	char why[512];
	if (op->exit_code != 0 || strcmp(op->status, "exited") != 0) {
		if (strcmp(op->status, "deleted") == 0)
			job_fail(j, 409, "conflict", NULL, "the sandbox was deleted");
		else
			job_fail(j, 400, "invalid", "files", op_why(op, why, sizeof(why)));
		return;
	}
	run_command(j);
}

/* The files' directories, made inside the sandbox (mkdir -p), so that a
 * file may go to src/app/main.py. */
static int make_dirs(struct job *j, al_error *e)
{
	size_t n = 0;
	char **argv = calloc(j->rq.nfiles + 4, sizeof(char *));

	j->dirs_made = true;
	if (!argv)
		return al_error_set(e, ENOMEM, "files");
	argv[n++] = (char *)"mkdir";
	argv[n++] = (char *)"-p";
	argv[n++] = (char *)"--";
	for (size_t i = 0; i < j->rq.nfiles; i++) {
		char *path = j->rq.files[i].path, *slash = strrchr(path, '/');
		if (!slash || slash == path)
			continue;
		char *dir = strndup(path, (size_t)(slash - path));
		bool dup = false;
		for (size_t k = 3; dir && k < n && !dup; k++)
			dup = strcmp(argv[k], dir) == 0;
		if (dir && !dup)
			argv[n++] = dir;
		else
			free(dir);
	}
	if (n == 3) {
		free(argv);
		return 0;
	}
	struct op *op = box_exec(j->box, argv, NULL, NULL, 0, e);
	for (size_t k = 3; k < n; k++)
		free(argv[k]);
	free(argv);
	if (!op)
		return -1;
	op->done = dirs_done;
	op->user = j;
	return 1;
}

static void run_command(struct job *j)
{
	al_error e = {0};
	char msg[600];

	if (!j->dirs_made && j->rq.nfiles) {
		int r = make_dirs(j, &e);
		if (r < 0) {
			job_fail(j, 409, "conflict", NULL, al_error_text(&e, msg, sizeof(msg)));
			return;
		}
		if (r > 0)
			return;
	}
	if (j->file_i < j->rq.nfiles) {
		struct req_file *f = &j->rq.files[j->file_i];
		j->state = J_FILES;
		struct op *op = box_put(j->box, f->path, f->data, f->len, f->mode, &e);
		if (!op) {
			char field[48];
			snprintf(field, sizeof(field), "files[%zu].path", j->file_i);
			job_fail(j, 409, "conflict", field, al_error_text(&e, msg, sizeof(msg)));
			return;
		}
		op->done = put_done;
		op->user = j;
		return;
	}
	if (j->warm_op) {
		warm_give(j);
		return;
	}
	j->t_run = al_now_ms();
	struct op *op = box_exec(j->box, j->rq.argv, j->env_all ? j->env_all : j->rq.env, j->rq.input,
				 j->rq.input_len, &e);
	if (!op) {
		job_fail(j, j->session ? 409 : 500, j->session ? "conflict" : "internal", NULL,
			 al_error_text(&e, msg, sizeof(msg)));
		return;
	}
	command_running(j, op);
}

/* A warm run: the interpreter's op becomes the command, then its code
 * goes in (the clock of its time limit starts there). */
static void warm_give(struct job *j)
{
	al_error e = {0};
	char msg[600], q[700];
	struct op *boot = j->warm_op;
	int in_fd = j->warm_in;
	j->warm_op = NULL;
	j->warm_in = -1;
	j->t_run = al_now_ms();
	command_running(j, boot);
	if (pool_give(j->box, boot, in_fd, j->rq.argv[2], &e) < 0) {
		/* Its interpreter never gets the code: ended, the run says why. */
		svc_log("warn", "pool", "id=%s error=%s", j->id,
			log_q(al_error_text(&e, msg, sizeof(msg)), q, sizeof(q)));
		box_end(j->box);
	}
	metrics_pool_acquire(&j->svc->metrics, (al_now_ms() - j->t_start) / 1000.0);
}

/* The command's op: its output to the job (kept, streamed, redacted), its
 * end to command_done. */
static void command_running(struct job *j, struct op *op)
{
	j->state = J_RUN;
	op->done = command_done;
	op->user = j;
	/* Output is kept up to the output limit (the library ends the
	 * command there); a stream sends it as it comes. */
	if (j->stream && hreq_stream_start(j->req) == 0)
		op->output = stream_output;
	else
		j->stream = false;
	if (j->rs && j->rs->n) {
		j->redacting = true;
		op->output = redacted_output;
	}
}

static void list_done(struct op *op)
{
	struct job *j = op->user;
	const char *p = op->out[0].data, *end = p ? p + op->out[0].len : NULL;
	size_t max = ART_MAX_FILES;

	if (!(j->art = calloc(max, sizeof(char *)))) {
		finish(j);
		return;
	}
	/* NUL-separated paths; a last one cut short is dropped. */
	while (p && p < end && j->nart < max) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		if (!z)
			break;
		bool dup = false;
		for (size_t i = 0; i < j->nart && !dup; i++)
			dup = strcmp(j->art[i], p) == 0;
		if (!dup && z > p && (j->art[j->nart] = strdup(p)))
			j->nart++;
		p = z + 1;
	}
	fetch_next(j);
}

static void list_artifacts(struct job *j)
{
	al_error e = {0};
	if (!j->rq.nartifacts || j->box->ended) {
		finish(j);
		return;
	}
	j->state = J_LIST;
	j->artifacts = json_array();
	size_t n = 4 + j->rq.nartifacts;
	char **argv = calloc(n + 1, sizeof(char *));
	if (!argv) {
		finish(j);
		return;
	}
	argv[0] = (char *)"/bin/sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)list_script;
	argv[3] = (char *)"sh";
	for (size_t i = 0; i < j->rq.nartifacts; i++)
		argv[4 + i] = j->rq.artifacts[i];
	struct op *op = box_exec(j->box, argv, NULL, NULL, 0, &e);
	free(argv);
	if (!op) {
		finish(j);
		return;
	}
	op->done = list_done;
	op->user = j;
}

static void art_bytes(void *user, const char *data, size_t len)
{
	struct job *j = user;
	crypto_hash_sha256_update(&j->sha, (const unsigned char *)data, len);
	j->art_size += len;
	if (j->art_over || j->art_bytes + j->art_data.len + len > ART_MAX_BYTES) {
		j->art_over = true;
		buf_free(&j->art_data);
		return;
	}
	if (buf_add(&j->art_data, data, len) < 0) {
		j->art_over = true;
		buf_free(&j->art_data);
	}
}

/* An artifact's bytes, redacted: its size and SHA-256 are those of what
 * is returned. */
static void art_output(struct op *op, int stream, const char *data, size_t len)
{
	struct job *j = op->user;
	if (stream == 1)
		redactor_feed(&j->art_red, data, len);
}

static void fetch_done(struct op *op)
{
	struct job *j = op->user;
	char *path = j->art[j->art_i];
	redactor_flush(&j->art_red);
	redactor_free(&j->art_red);
	if (j->rs && j->rs->n) {
		/* A file's name may hold a value too. */
		struct buf b = {0};
		if (redact_buf(j->rs, path, strlen(path), &b) == 0 && b.data) {
			free(path);
			path = j->art[j->art_i] = b.data;
		}
	}
	if (op->exit_code == 0 && strcmp(op->status, "exited") == 0) {
		unsigned char h[32];
		char hex[65];
		crypto_hash_sha256_final(&j->sha, h);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		json_t *a =
		    json_pack("{s:s,s:I,s:s}", "path", path, "size", (json_int_t)j->art_size, "sha256", hex);
		if (a && !j->art_over) {
			size_t n = sodium_base64_encoded_len(j->art_data.len, sodium_base64_VARIANT_ORIGINAL);
			char *b = malloc(n);
			if (b) {
				sodium_bin2base64(
				    b, n, (const unsigned char *)(j->art_data.data ? j->art_data.data : ""),
				    j->art_data.len, sodium_base64_VARIANT_ORIGINAL);
				json_object_set_new(a, "content_base64", json_string(b));
				free(b);
			}
			j->art_bytes += j->art_data.len;
		} else if (a) {
			json_object_set_new(a, "content_base64", json_null());
			json_object_set_new(a, "omitted",
					    json_string("past the 16 MiB of artifacts a run returns"));
		}
		/* json_pack refused a name that is not UTF-8: none is listed. */
		if (a)
			json_array_append_new(j->artifacts, a);
	}
	buf_free(&j->art_data);
	j->art_i++;
	fetch_next(j);
}

static void fetch_next(struct job *j)
{
	al_error e = {0};
	j->state = J_FETCH;
	if (j->art_i >= j->nart || j->box->ended) {
		finish(j);
		return;
	}
	crypto_hash_sha256_init(&j->sha);
	j->art_size = 0;
	j->art_over = false;
	if (redactor_init(&j->art_red, j->rs, art_bytes, j) < 0) {
		finish(j);
		return;
	}
	struct op *op = box_get(j->box, j->art[j->art_i], &e);
	if (!op) {
		finish(j);
		return;
	}
	op->done = fetch_done;
	op->output = art_output;
	op->user = j;
}

static void oneshot_ended(struct box *b)
{
	struct job *j = b->owner;
	if (j && j->state == J_ENDING)
		job_done(j);
}

/* The command and its artifacts are done: a one-shot sandbox is ended
 * (its report comes with ENDED), a session's goes on. */
static void finish(struct job *j)
{
	if (j->session) {
		job_done(j);
		return;
	}
	j->state = J_ENDING;
	/* The answer does not wait for the sandbox's teardown: its report as
	 * it stands now that the command and the artifacts are done, then the
	 * answer; job_done closes the box, and the context reaps its init and
	 * removes its cgroup (the figures differ from the end's by what init
	 * does while it exits). */
	if (j->box->ended || box_settle(j->box) == 0) {
		job_done(j);
		return;
	}
	box_end(j->box);
}

/* --- entry points --- */

static void buf_emit(void *user, const char *data, size_t len) { (void)buf_add(user, data, len); }

int redact_buf(const struct redact_set *set, const char *data, size_t len, struct buf *out)
{
	struct redactor r;
	if (redactor_init(&r, set, buf_emit, out) < 0)
		return -1;
	redactor_feed(&r, data, len);
	redactor_flush(&r);
	redactor_free(&r);
	return 0;
}

int execute_check_secrets(const struct tenant *t, const struct req_run *rq, struct req_error *err)
{
	for (size_t i = 0; i < rq->nsecrets; i++) {
		snprintf(err->field, sizeof(err->field), "secrets[%zu]", i);
		err->status = 400;
		if (!tenant_secret(t, rq->secrets[i])) {
			snprintf(err->detail, sizeof(err->detail), "%s: \"%s\" is not a secret of tenant %s",
				 err->field, rq->secrets[i], t->name);
			return -1;
		}
		size_t n = strlen(rq->secrets[i]);
		for (size_t k = 0; k < rq->nenv; k++)
			if (strncmp(rq->env[k], rq->secrets[i], n) == 0 && rq->env[k][n] == '=') {
				snprintf(err->detail, sizeof(err->detail), "%s: env sets %s too", err->field,
					 rq->secrets[i]);
				return -1;
			}
	}
	return 0;
}

/* The request's secrets (checked by execute_check_secrets): into the
 * command's environment and the set to redact. */
static int job_secrets(struct job *j, const struct tenant *t, struct redact_set *set)
{
	if (!j->rq.nsecrets)
		return 0;
	if (!(j->env_all = calloc(j->rq.nenv + j->rq.nsecrets + 1, sizeof(char *))))
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < j->rq.nenv; i++)
		if (!(j->env_all[n++] = strdup(j->rq.env[i])))
			return -1;
	for (size_t i = 0; i < j->rq.nsecrets; i++) {
		const struct tenant_secret *s = tenant_secret(t, j->rq.secrets[i]);
		if (!s || asprintf(&j->env_all[n], "%s=%s", s->name, s->value) < 0) {
			j->env_all[n] = NULL;
			return -1;
		}
		n++;
		if (!svc_off(j->svc, SVC_DEF_REDACTION) && redact_add(set, s->name, s->value, s->len) < 0)
			return -1;
	}
	return 0;
}

static struct job *job_new(struct svc *svc, struct hreq *r, const char *tenant, struct req_run *rq)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->svc = svc;
	j->warm_in = -1;
	j->req = hreq_hold(r);
	j->rq = *rq;
	memset(rq, 0, sizeof(*rq));
	snprintf(j->tenant, sizeof(j->tenant), "%s", tenant);
	svc_new_id("ex-", j->id, sizeof(j->id));
	const char *accept = hreq_header(r, "Accept");
	j->stream = accept && strstr(accept, "text/event-stream");
	j->t_queued = j->t_start = al_now_ms();
	for (int i = 0; i < 2; i++)
		j->sink[i] = (struct sink){j, i};
	const char *labels[REQ_MAX_FILES * REQ_MAX_LABELS];
	size_t n = req_run_labels(&j->rq, labels, ARRAY_SIZE(labels));
	j->labels = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(j->labels, json_string(labels[i]));
	return j;
}

int execute_check_labels(struct svc *svc, struct hreq *r, const char **labels, size_t n, char *const *allow,
			 size_t nallow, bool session)
{
	const char *label;
	size_t a;
	int k = svc->tenants && !svc_off(svc, SVC_DEF_LABELS)
		    ? tenants_label_check(svc->tenants, (char *const *)labels, n, allow, nallow, &label, &a)
		    : -1;
	if (k < 0)
		return 0;
	const struct label_rule *rule = &svc->tenants->rules[k];
	char field[48], q[80];
	snprintf(field, sizeof(field), "network.allow[%zu]", a);
	svc_log("warn", "label_refused", "tenant=%s rule=%s label=%s egress=%s", r->tenant,
		log_q(rule->name, q, sizeof(q)), label, allow[a]);
	hreq_problem(r, 403, "label_policy", field, 0,
		     "%s: rule \"%s\" does not let data labelled %s go with egress to \"%s\"%s", field,
		     rule->name, label, allow[a], session ? " (the session's network)" : "");
	return -1;
}

char **execute_session_allow(struct session *s, size_t *n)
{
	json_t *allow = json_object_get(json_object_get(s->info, "network"), "allow");
	char **v = calloc(json_array_size(allow) + 1, sizeof(char *));
	*n = 0;
	for (size_t i = 0; v && i < json_array_size(allow); i++)
		v[(*n)++] = (char *)json_string_value(json_array_get(allow, i));
	return v;
}

static int job_redactors(struct job *j)
{
	if (!j->rs || !j->rs->n)
		return 0;
	for (int i = 0; i < 2; i++)
		if (redactor_init(&j->red[i], j->rs, sink_emit, &j->sink[i]) < 0)
			return -1;
	return 0;
}

static void oneshot_begin(struct job *j)
{
	struct svc *svc = j->svc;
	al_error e = {0};
	char msg[600];

	j->t_start = al_now_ms();
	if (j->t_start - j->t_queued > 0.5)
		metrics_queue_wait(&svc->metrics, (j->t_start - j->t_queued) / 1000.0);
	if (j->req && !hreq_alive(j->req)) {
		job_free(j); /* gone while it waited */
		return;
	}
	/* Nothing to put in first (files, stdin, an environment of its own):
	 * the command starts with the sandbox. */
	bool first = !j->rq.nfiles && !j->rq.input_len && !j->rq.nenv && !j->env_all;
	struct op *op = NULL;
	/* Python code with nothing of its own for the interpreter's start
	 * (stdin, environment, secrets): a warm pool's sandbox if one of the
	 * very same config is ready. */
	if (j->rq.language && strcmp(j->rq.language, "python") == 0 && !j->rq.input_len && !j->rq.nenv &&
	    !j->env_all &&
	    (j->box = pool_take(svc, j->cfg, j->rq.profile ? j->rq.profile : "python", j->tenant,
				strlen(j->rq.argv[2]), &op,
				&j->warm_in))) {
		j->warm = true;
		j->warm_op = op;
		al_config_free(j->cfg);
		j->cfg = NULL;
		j->box->owner = j;
		j->box->on_end = oneshot_ended;
		run_command(j);
		return;
	}
	j->t_run = al_now_ms();
	if (box_start(svc, j->cfg, j->tenant, first ? j->rq.argv : NULL, &j->box, &op, &e) < 0) {
		char q[700];
		svc_log("warn", "sandbox", "tenant=%s error=%s", j->tenant,
			log_q(al_error_text(&e, msg, sizeof(msg)), q, sizeof(q)));
		job_fail(j, 500, "internal", NULL, al_error_text(&e, msg, sizeof(msg)));
		return;
	}
	al_config_free(j->cfg);
	j->cfg = NULL;
	j->box->owner = j;
	j->box->on_end = oneshot_ended;
	if (op)
		command_running(j, op);
	else
		run_command(j);
}

void execute_oneshot(struct svc *svc, struct hreq *r, const struct tenant *t, struct req_run *rq,
		     al_config *cfg, bool queued)
{
	struct job *j = job_new(svc, r, t->name, rq);
	if (j && (job_secrets(j, t, &j->own) < 0 || (j->rs = &j->own, job_redactors(j) < 0))) {
		job_free(j);
		j = NULL;
		svc_release_sandbox(svc, t->name);
		al_config_free(cfg);
		hreq_problem(r, 503, "busy", NULL, 1, "out of memory");
		return;
	}
	if (!j) {
		al_config_free(cfg);
		svc_release_sandbox(svc, t->name);
		hreq_problem(r, 503, "busy", NULL, 1, "out of memory");
		return;
	}
	j->cfg = cfg;
	if (!queued) {
		oneshot_begin(j);
		return;
	}
	j->state = J_QUEUED;
	if (svc->qtail)
		svc->qtail->qnext = j;
	else
		svc->qhead = j;
	svc->qtail = j;
	svc->nqueue++;
}

void execute_in_session(struct svc *svc, struct hreq *r, const struct tenant *t, struct session *s,
			struct req_run *rq)
{
	struct job *j = job_new(svc, r, s->tenant, rq);
	if (!j) {
		hreq_problem(r, 503, "busy", NULL, 1, "out of memory");
		return;
	}
	j->session = session_ref(s);
	session_busy(s);
	j->box = s->box;
	/* Labels stay with the session: its workspace holds the data. */
	if (!s->labels)
		s->labels = json_array();
	for (size_t i = 0; i < json_array_size(j->labels); i++)
		session_label(s, json_string_value(json_array_get(j->labels, i)));
	json_decref(j->labels);
	j->labels = json_incref(s->labels);
	/* A secret given to one command stays redacted in the session's
	 * output and files from then on (a file may hold it). */
	j->rs = &s->secrets;
	if (job_secrets(j, t, &s->secrets) < 0 || job_redactors(j) < 0) {
		job_fail(j, 503, "busy", NULL, "out of memory");
		return;
	}
	run_command(j);
}

static struct job *dequeue(struct svc *svc)
{
	struct job *j = svc->qhead;
	if (j) {
		svc->qhead = j->qnext;
		if (!svc->qhead)
			svc->qtail = NULL;
		svc->nqueue--;
	}
	return j;
}

void execute_pump(struct svc *svc)
{
	while (svc->qhead && svc->nboxes < svc->opt.max_sandboxes && !svc->stop)
		oneshot_begin(dequeue(svc));
}

void execute_flush_queue(struct svc *svc)
{
	struct job *j;
	while ((j = dequeue(svc)))
		job_fail(j, 503, "busy", NULL, "the service is shutting down");
}
