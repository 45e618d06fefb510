#include "report.h"

#include <jansson.h>

static json_t *limit_or_null(uint64_t v) { return v ? json_integer((json_int_t)v) : json_null(); }

static json_t *seconds_or_null(double v) { return v > 0 ? json_real(v) : json_null(); }

char *al_report_json(const struct al_plan *plan, const struct al_result *res)
{
	const struct al_limits *l = &plan->profile.limits;
	static const char *const cgroup_names[] = {"none", "v1", "v2"};
	json_t *root = json_object(), *lim = json_object(), *trunc = json_object();

	json_object_set_new(root, "status", json_string(al_status_name(res->status)));
	json_object_set_new(root, "exit_code", json_integer(res->exit_code));
	json_object_set_new(root, "signal", res->signal ? json_integer(res->signal) : json_null());
	json_object_set_new(root, "wall_ms", json_real(res->wall_ms));
	json_object_set_new(root, "cpu_ms", json_real(res->cpu_ms));
	json_object_set_new(root, "supervisor_cpu_ms", json_real(res->supervisor_cpu_ms));
	json_object_set_new(root, "max_rss_kb", json_integer((json_int_t)res->max_rss_kb));
	json_object_set_new(lim, "memory", limit_or_null(l->memory));
	json_object_set_new(lim, "pids", limit_or_null(l->pids));
	json_object_set_new(lim, "time_s", seconds_or_null(l->time_s));
	json_object_set_new(lim, "cpu_time_s", seconds_or_null(l->cpu_time_s));
	json_object_set_new(lim, "output", limit_or_null(l->output));
	json_object_set_new(lim, "tmpfs_size", limit_or_null(l->tmpfs_size));
	json_object_set_new(lim, "open_files", limit_or_null(l->open_files));
	json_object_set_new(lim, "file_size", limit_or_null(l->file_size));
	json_object_set_new(lim, "cpu_weight", json_integer((json_int_t)l->cpu_weight));
	json_object_set_new(lim, "net_connections", json_integer((json_int_t)l->net_connections));
	json_object_set_new(lim, "net_bytes", limit_or_null(l->net_bytes));
	json_object_set_new(lim, "net_idle_s", seconds_or_null(l->net_idle_s));
	json_object_set_new(root, "limits", lim);
	json_t *viol = json_array();
	for (size_t i = 0; i < res->violations.n; i++) {
		const struct al_violation *v = &res->violations.v[i];
		json_array_append_new(viol, json_pack("{s:s,s:s,s:I,s:i,s:s}", "syscall", v->syscall,
						      "action", al_policy_action_name(v->action), "count",
						      (json_int_t)v->count, "pid", v->pid, "args", v->args));
	}
	json_object_set_new(root, "violations", viol);
	if (res->violations.dropped)
		json_object_set_new(root, "violations_dropped",
				    json_integer((json_int_t)res->violations.dropped));
	json_t *net = json_array();
	for (size_t i = 0; i < res->network.n; i++) {
		const struct al_net_entry *e = &res->network.e[i];
		json_array_append_new(net, json_pack("{s:s,s:i,s:s,s:s,s:s?,s:I,s:I,s:s?}", "host", e->host,
						     "port", e->port, "verdict",
						     e->allowed ? "allowed" : "denied", "method", e->method,
						     "address", e->addr[0] ? e->addr : NULL, "bytes_up",
						     (json_int_t)e->up, "bytes_down", (json_int_t)e->down,
						     "reason", e->reason[0] ? e->reason : NULL));
	}
	json_object_set_new(root, "network", net);
	if (res->network.dropped)
		json_object_set_new(root, "network_dropped", json_integer((json_int_t)res->network.dropped));
	json_object_set_new(root, "cgroup", json_string(cgroup_names[res->cgroup]));
	json_object_set_new(root, "cgroup_reason", json_string(res->cgroup_why));
	json_object_set_new(root, "landlock",
			    res->landlock > 0 ? json_integer(res->landlock) : json_string("unavailable"));
	json_object_set_new(trunc, "stdout", json_boolean(res->truncated[0]));
	json_object_set_new(trunc, "stderr", json_boolean(res->truncated[1]));
	json_object_set_new(root, "truncated", trunc);
	json_object_set_new(root, "output_bytes",
			    json_pack("{s:I,s:I}", "stdout", (json_int_t)res->output_bytes[0], "stderr",
				      (json_int_t)res->output_bytes[1]));
	json_object_set_new(root, "profile", json_string(plan->profile.name));
	json_object_set_new(root, "host_uid", json_integer((json_int_t)res->host_uid));
	json_object_set_new(root, "degraded", res->degraded[0] ? json_string(res->degraded) : json_null());
	json_object_set_new(root, "quarantined",
			    res->quarantined[0] ? json_string(res->quarantined) : json_null());
	json_object_set_new(root, "error", res->error[0] ? json_string(res->error) : json_null());
	char *s = json_dumps(root, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	json_decref(root);
	return s;
}
