/* airlock-oci's pure parts: config.json's parser (what it refuses, by
 * field), signals, systemd cgroup paths, and the cgroup limits written
 * into fake v1 and v2 hierarchies (this machine has no v2 controllers). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/ocicg.h"
#include "oci/spec.h"
#include "unit.h"

static const char base[] =
    "{\"ociVersion\": \"%s\", \"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"sh\"], \"cwd\": "
    "\"/\", "
    "\"user\": {\"uid\": 0, \"gid\": 0}%s}, \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]%s}%s}";

static int parse(const char *version, const char *process, const char *linux_, const char *top, char *msg,
		 size_t len)
{
	char json[4096];
	struct oci_spec s;
	struct al_error err = {0};
	snprintf(json, sizeof(json), base, version, process, linux_, top);
	/* A test that gives the namespaces gives all of them: the default goes. */
	static const char def[] = "\"namespaces\": [{\"type\": \"mount\"}], ";
	char *at = strncmp(linux_, ", \"namespaces\"", 14) == 0 ? strstr(json, def) : NULL;
	if (at)
		memmove(at, at + strlen(def), strlen(at + strlen(def)) + 1);
	int r = oci_spec_parse(json, strlen(json), &s, &err);
	if (r == 0)
		oci_spec_free(&s);
	snprintf(msg, len, "%s", err.msg);
	return r;
}

static void refused(const char *name, const char *process, const char *linux_, const char *top,
		    const char *field)
{
	char msg[600], n[160];
	int r = parse("1.0.2", process, linux_, top, msg, sizeof(msg));
	snprintf(n, sizeof(n), "oci config: %s refused, naming %s", name, field);
	CHECK(n, r < 0 && strstr(msg, field));
	if (!(r < 0 && strstr(msg, field)))
		printf("# got: %s\n", msg);
}

static char *slurp(const char *dir, const char *file)
{
	static char buf[256];
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	int fd = open(p, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void touch(const char *dir, const char *file)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	close(open(p, O_CREAT | O_WRONLY, 0644));
}

int main(void)
{
	char msg[600], out[512];
	CHECK("oci config: a minimal 1.0.2 config", parse("1.0.2", "", "", "", msg, sizeof(msg)) == 0);
	CHECK("oci config: 1.2.1-dev accepted", parse("1.2.1-dev", "", "", "", msg, sizeof(msg)) == 0);
	CHECK("oci config: 2.0.0 refused",
	      parse("2.0.0", "", "", "", msg, sizeof(msg)) < 0 && strstr(msg, "ociVersion"));
	refused("an unknown top-level key", "", "", ", \"frob\": 1", "frob");
	refused("an unknown process key", ", \"frob\": 1", "", "", "process.frob");
	refused("a label with a newline", ", \"apparmorProfile\": \"x\\ny\"", "", "",
		"process.apparmorProfile");
	CHECK("oci config: an AppArmor profile and an SELinux label parse",
	      parse("1.0.2",
		    ", \"apparmorProfile\": \"p\", \"selinuxLabel\": \"system_u:system_r:container_t:s0\"",
		    "", "", msg, sizeof(msg)) == 0);
	refused("an unknown capability", ", \"capabilities\": {\"bounding\": [\"CAP_FROB\"]}", "", "",
		"CAP_FROB");
	refused("blockIO limits", "", ", \"resources\": {\"blockIO\": {\"weight\": 10}}", "",
		"linux.resources.blockIO");
	refused("a hugepage size not like 2MB", "",
		", \"resources\": {\"hugepageLimits\": [{\"pageSize\": \"2XB\", \"limit\": 1}]}", "",
		"linux.resources.hugepageLimits[0].pageSize");
	refused("intelRdt", "", ", \"intelRdt\": {\"closID\": \"x\"}", "", "linux.intelRdt");
	refused("a seccomp listener", "",
		", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/x\"}", "",
		"linux.seccomp.listenerPath");
	refused("SCMP_ACT_NOTIFY", "",
		", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		"[\"read\"], \"action\": "
		"\"SCMP_ACT_NOTIFY\"}]}",
		"", "linux.seccomp.syscalls[0].action");
	refused("a hook with a relative path", "", "",
		", \"hooks\": {\"createContainer\": [{\"path\": \"x\"}]}", "hooks.createContainer[0].path");
	refused("joining a mount namespace", "",
		", \"namespaces\": [{\"type\": \"mount\", \"path\": \"/proc/1/ns/mnt\"}]", "", "mount");
	refused("a user namespace without mappings", "",
		", \"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}]", "", "uidMappings");
	refused("a sysctl with a slash", "", ", \"sysctl\": {\"../x\": \"1\"}", "", "linux.sysctl");
	refused("an unknown bind option", "", "",
		", \"mounts\": [{\"destination\": \"/x\", \"type\": \"bind\", \"source\": \"/\", "
		"\"options\": [\"rfrob\"]}]",
		"mounts[0].options");
	CHECK("oci config: rro and rnosuid parse",
	      parse("1.0.2", "", "",
		    ", \"mounts\": [{\"destination\": \"/x\", \"type\": \"bind\", \"source\": \"/\", "
		    "\"options\": [\"rbind\", \"rro\", \"rnosuid\"]}]",
		    msg, sizeof(msg)) == 0);
	refused("a duplicate key", ", \"cwd\": \"/\"", "", "", "duplicate");

	{
		/* Unset fields write nothing: swappiness 0 would be a choice. */
		struct oci_spec sp;
		struct al_error e = {0};
		static const char min[] =
		    "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"process\": "
		    "{\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}, "
		    "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}";
		CHECK("oci config: swappiness unset when not given",
		      oci_spec_parse(min, strlen(min), &sp, &e) == 0 && sp.res.swappiness == -1);
		oci_spec_free(&sp);
		struct oci_resources rr;
		CHECK("oci resources: update's JSON",
		      oci_resources_parse("{\"pids\": {\"limit\": 5}}", strlen("{\"pids\": {\"limit\": 5}}"),
					  &rr, &e) == 0 &&
			  rr.pids_limit == 5 && rr.swappiness == -1);
		oci_resources_free(&rr);
		CHECK("oci resources: an unknown key refused",
		      oci_resources_parse("{\"frob\": 1}", strlen("{\"frob\": 1}"), &rr, &e) < 0 &&
			  strstr(e.msg, "frob"));
	}
	CHECK("oci signal: SIGKILL", oci_signal_parse("SIGKILL") == 9);
	CHECK("oci signal: KILL", oci_signal_parse("KILL") == 9);
	CHECK("oci signal: 9", oci_signal_parse("9") == 9);
	CHECK("oci signal: sigterm (any case)", oci_signal_parse("sigterm") == 15);
	CHECK("oci signal: RTMIN+2", oci_signal_parse("RTMIN+2") > 32);
	CHECK("oci signal: unknown",
	      oci_signal_parse("FROB") < 0 && oci_signal_parse("65") < 0 && oci_signal_parse("") < 0);

	CHECK("systemd path: machine.slice:libpod:ID",
	      oci_systemd_path("machine.slice:libpod:abc", out, sizeof(out)) == 0 &&
		  strcmp(out, "/machine.slice/libpod-abc.scope") == 0);
	CHECK("systemd path: nested slice",
	      oci_systemd_path("kubepods-besteffort.slice:cri-containerd:x", out, sizeof(out)) == 0 &&
		  strcmp(out, "/kubepods.slice/kubepods-besteffort.slice/cri-containerd-x.scope") == 0);
	CHECK("systemd path: empty slice is system.slice",
	      oci_systemd_path(":p:n", out, sizeof(out)) == 0 && strcmp(out, "/system.slice/p-n.scope") == 0);
	CHECK("systemd path: no .. or slashes",
	      oci_systemd_path("machine.slice:a:../x", out, sizeof(out)) < 0 &&
		  oci_systemd_path("machine.slice:a", out, sizeof(out)) < 0);

	/* v2 limits into a fake hierarchy: the spec's swap is memory+swap. */
	char t2[] = "/tmp/airlock-unit-oci.XXXXXX";
	if (!mkdtemp(t2))
		return 1;
	char d2[600];
	snprintf(d2, sizeof(d2), "%s/c", t2);
	mkdir(d2, 0755);
	static const char *const v2files[] = {"memory.max",  "memory.swap.max", "memory.low",
					      "pids.max",    "cpu.weight",	"cpu.max",
					      "memory.high", "hugetlb.2MB.max"};
	for (size_t i = 0; i < sizeof(v2files) / sizeof(v2files[0]); i++)
		touch(d2, v2files[i]);
	struct ocicg cg = {.v2 = true, .n = 1};
	cg.dirs[0] = strdup(d2);
	cg.ctrls[0] = strdup("");
	char *unified[] = {"memory.high", "1000", NULL};
	struct oci_resources res = {.mem_limit = 1 << 20,
				    .mem_swap = 3 << 20,
				    .pids_limit = 7,
				    .cpu_shares = 1024,
				    .cpu_quota = 50000,
				    .cpu_period = 100000,
				    .swappiness = -1,
				    .unified = unified};
	struct al_error err = {0};
	snprintf(res.hugepages[0].size, sizeof(res.hugepages[0].size), "2MB");
	res.hugepages[0].limit = 4194304;
	snprintf(res.hugepages[1].size, sizeof(res.hugepages[1].size), "64KB"); /* no such size here */
	res.nhugepages = 2;
	CHECK("oci cgroup v2: limits written", ocicg_create(&cg, &res, &err) == 0);
	CHECK("oci cgroup v2: hugetlb.2MB.max", strcmp(slurp(d2, "hugetlb.2MB.max"), "4194304") == 0);
	CHECK("oci cgroup v2: memory.max", strcmp(slurp(d2, "memory.max"), "1048576") == 0);
	CHECK("oci cgroup v2: memory.swap.max is swap minus memory",
	      strcmp(slurp(d2, "memory.swap.max"), "2097152") == 0);
	CHECK("oci cgroup v2: pids.max", strcmp(slurp(d2, "pids.max"), "7") == 0);
	CHECK("oci cgroup v2: cpu.weight from shares 1024", strcmp(slurp(d2, "cpu.weight"), "39") == 0);
	CHECK("oci cgroup v2: cpu.max", strcmp(slurp(d2, "cpu.max"), "50000 100000") == 0);
	CHECK("oci cgroup v2: unified", strcmp(slurp(d2, "memory.high"), "1000") == 0);
	struct oci_dev_rule rules[2] = {
	    {.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
	    {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"}};
	struct oci_resources devs = {.swappiness = -1, .devices = rules, .ndevices = 2};
	CHECK("oci cgroup v2: device rules accepted (the mounts enforce them)",
	      ocicg_create(&cg, &devs, &err) == 0);
	CHECK("oci devices: deny all, then c 1:3 allowed", oci_device_allowed(&devs, 'c', 1, 3));
	CHECK("oci devices: deny all: c 1:4 refused", !oci_device_allowed(&devs, 'c', 1, 4));
	CHECK("oci devices: deny all: b 8:0 refused", !oci_device_allowed(&devs, 'b', 8, 0));
	struct oci_resources none = {.swappiness = -1};
	CHECK("oci devices: no rules: allowed", oci_device_allowed(&none, 'b', 8, 0));
	ocicg_free(&cg);

	/* v1: the same limits, each in its controller's directory. */
	char d1[600];
	snprintf(d1, sizeof(d1), "%s/v1", t2);
	mkdir(d1, 0755);
	static const char *const v1files[] = {
	    "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "pids.max",	     "cpu.shares",
	    "cpu.cfs_quota_us",	     "cpu.cfs_period_us",	    "devices.allow", "devices.deny"};
	for (size_t i = 0; i < sizeof(v1files) / sizeof(v1files[0]); i++)
		touch(d1, v1files[i]);
	struct ocicg c1 = {.v2 = false, .n = 1};
	c1.dirs[0] = strdup(d1);
	c1.ctrls[0] = strdup("cpu,memory,pids,devices");
	res.unified = NULL;
	res.devices = rules;
	res.ndevices = 2;
	CHECK("oci cgroup v1: limits written", ocicg_create(&c1, &res, &err) == 0);
	CHECK("oci cgroup v1: memsw is the spec's swap",
	      strcmp(slurp(d1, "memory.memsw.limit_in_bytes"), "3145728") == 0);
	CHECK("oci cgroup v1: cpu.shares", strcmp(slurp(d1, "cpu.shares"), "1024") == 0);
	CHECK("oci cgroup v1: the last device rule is runc's always-allowed pts",
	      strcmp(slurp(d1, "devices.allow"), "c 136:* rwm") == 0);
	res.unified = unified;
	CHECK("oci cgroup v1: unified refused",
	      ocicg_create(&c1, &res, &err) < 0 && strstr(err.msg, "unified"));
	char *saved = ocicg_save(&c1);
	struct ocicg back;
	CHECK("oci cgroup: saved and loaded back",
	      saved && ocicg_load(&back, saved) == 0 && back.n == 1 && strcmp(back.dirs[0], d1) == 0 &&
		  strcmp(back.ctrls[0], "cpu,memory,pids,devices") == 0 && !back.v2);
	free(saved);
	ocicg_free(&back);
	ocicg_free(&c1);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t2);
	if (system(cmd) != 0)
		return 1;
	return unit_failures ? 1 : 0;
}
