/* cgroups: parsing of /proc/self/cgroup and the v1 and v2 file writes and
 * reads, against fake hierarchy directories (no real v2 hierarchy here). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "unit.h"
#include "util.h"

static void put(int dir, const char *name, const char *text)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	(void)!write(fd, text, strlen(text));
	close(fd);
}

static int has(int dir, const char *name, const char *want)
{
	char buf[256];
	if (al_read_file_at(dir, name, buf, sizeof(buf), NULL) < 0)
		return 0;
	if (strcmp(buf, want) != 0) {
		printf("# %s is '%s', wanted '%s'\n", name, buf, want);
		return 0;
	}
	return 1;
}

static int fake_dir(char *tmpl)
{
	if (!mkdtemp(tmpl))
		return -1;
	return open(tmpl, O_RDONLY | O_DIRECTORY);
}

int main(void)
{
	char out[256];
	const char *v1 =
	    "9:name=systemd:/\n8:pids:/a/b\n4:memory:/process_api/x\n2:cpu,cpuacct:/c\n0::/v2/path\n";
	struct al_limits l = {.memory = 64ull << 20, .pids = 16, .cpu_weight = 50};
	struct al_cgroup_stats st;
	struct al_error err = {0};

	CHECK("self path v1 memory",
	      al_cgroup_self_path(v1, "memory", out, sizeof(out)) == 0 && strcmp(out, "/process_api/x") == 0);
	CHECK("self path v1 joint cpu,cpuacct",
	      al_cgroup_self_path(v1, "cpuacct", out, sizeof(out)) == 0 && strcmp(out, "/c") == 0);
	CHECK("self path v2",
	      al_cgroup_self_path(v1, NULL, out, sizeof(out)) == 0 && strcmp(out, "/v2/path") == 0);
	CHECK("self path missing controller", al_cgroup_self_path(v1, "blkio", out, sizeof(out)) < 0);
	CHECK("self path no partial match",
	      al_cgroup_self_path("3:cpuset:/x\n", "cpu", out, sizeof(out)) < 0);
	CHECK("weight 100 is 1024 shares", al_cgroup_weight_to_shares(100) == 1024);
	CHECK("weight 50 is 512 shares", al_cgroup_weight_to_shares(50) == 512);
	CHECK("weight 1 clamps to 10 shares", al_cgroup_weight_to_shares(1) == 10);

	/* v2: the files a kernel would offer. */
	char t2[] = "/tmp/airlock-unit-v2.XXXXXX";
	int d2 = fake_dir(t2);
	const char *v2files[] = {"memory.max", "memory.swap.max", "memory.oom.group", "pids.max",
				 "cpu.weight"};
	for (size_t i = 0; i < ARRAY_SIZE(v2files); i++)
		put(d2, v2files[i], "");
	CHECK("v2 limits written", al_cgroup_v2_write_limits(d2, &l, &err) == 0);
	CHECK("v2 memory.max", has(d2, "memory.max", "67108864"));
	CHECK("v2 swap not allowed (counted)", has(d2, "memory.swap.max", "0"));
	CHECK("v2 oom.group", has(d2, "memory.oom.group", "1"));
	CHECK("v2 pids.max", has(d2, "pids.max", "16"));
	CHECK("v2 cpu.weight", has(d2, "cpu.weight", "50"));
	put(d2, "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
	put(d2, "memory.peak", "1048576\n");
	put(d2, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 1\n");
	put(d2, "pids.events", "max 7\n");
	al_cgroup_v2_read_stats(d2, &st);
	CHECK("v2 cpu usage", st.cpu_ns == 1500000);
	CHECK("v2 peak", st.peak_bytes == 1048576);
	CHECK("v2 oom kills", st.oom_kills == 1);
	CHECK("v2 pids max events", st.pids_max == 7);
	unlinkat(d2, "memory.max", 0);
	CHECK("v2 missing file fails closed",
	      al_cgroup_v2_write_limits(d2, &l, &err) < 0 && strstr(err.msg, "memory.max"));

	/* v1: four hierarchies. */
	char t1[4][40];
	int fds[AL_V1_N];
	for (int i = 0; i < AL_V1_N; i++) {
		snprintf(t1[i], sizeof(t1[i]), "/tmp/airlock-unit-v1.XXXXXX");
		fds[i] = fake_dir(t1[i]);
	}
	put(fds[AL_V1_MEMORY], "memory.limit_in_bytes", "");
	put(fds[AL_V1_MEMORY], "memory.memsw.limit_in_bytes", "");
	put(fds[AL_V1_PIDS], "pids.max", "");
	put(fds[AL_V1_CPU], "cpu.shares", "");
	bool memsw = false, tcp = false;
	put(fds[AL_V1_MEMORY], "memory.kmem.tcp.limit_in_bytes", "");
	CHECK("v1 limits written", al_cgroup_v1_write_limits(fds, &l, true, &memsw, &tcp, &err) == 0);
	CHECK("v1 memsw detected", memsw);
	CHECK("v1 memory", has(fds[AL_V1_MEMORY], "memory.limit_in_bytes", "67108864"));
	CHECK("v1 memory+swap", has(fds[AL_V1_MEMORY], "memory.memsw.limit_in_bytes", "67108864"));
	CHECK("v1 pids", has(fds[AL_V1_PIDS], "pids.max", "16"));
	CHECK("v1 socket buffers limited as memory",
	      has(fds[AL_V1_MEMORY], "memory.kmem.tcp.limit_in_bytes", "67108864") && tcp);
	CHECK("v1 cpu.shares", has(fds[AL_V1_CPU], "cpu.shares", "512"));
	put(fds[AL_V1_CPUACCT], "cpuacct.usage", "123456789\n");
	put(fds[AL_V1_MEMORY], "memory.memsw.max_usage_in_bytes", "2097152\n");
	put(fds[AL_V1_MEMORY], "memory.max_usage_in_bytes", "1\n");
	put(fds[AL_V1_MEMORY], "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	put(fds[AL_V1_PIDS], "pids.events", "max 4\n");
	al_cgroup_v1_read_stats(fds, true, &st);
	CHECK("v1 cpu usage", st.cpu_ns == 123456789);
	CHECK("v1 peak counts swap", st.peak_bytes == 2097152);
	CHECK("v1 oom kills", st.oom_kills == 2);
	CHECK("v1 pids max events", st.pids_max == 4);
	unlinkat(fds[AL_V1_MEMORY], "memory.memsw.limit_in_bytes", 0);
	CHECK("v1 without memsw still limits memory",
	      al_cgroup_v1_write_limits(fds, &l, true, &memsw, &tcp, &err) == 0 && !memsw);
	put(fds[AL_V1_MEMORY], "memory.kmem.tcp.limit_in_bytes", "");
	CHECK("v1 socket limit left alone when switched off",
	      al_cgroup_v1_write_limits(fds, &l, false, &memsw, &tcp, &err) == 0 &&
		  has(fds[AL_V1_MEMORY], "memory.kmem.tcp.limit_in_bytes", ""));
	unlinkat(fds[AL_V1_MEMORY], "memory.kmem.tcp.limit_in_bytes", 0);
	CHECK("v1 without socket accounting still limits memory, and says so",
	      al_cgroup_v1_write_limits(fds, &l, true, &memsw, &tcp, &err) == 0 && !tcp);

	/* v2 placement: root takes the top; anyone else the highest cgroup
	 * delegated to it (directory, cgroup.procs, cgroup.subtree_control). */
	char tb[] = "/tmp/airlock-unit-base.XXXXXX", want[300], self[300];
	int db = fake_dir(tb);
	CHECK("v2 base: root takes the top",
	      al_cgroup_v2_base(tb, "/elsewhere", 0, out, sizeof(out)) == 0 && strcmp(out, tb) == 0);
	if (geteuid() == 0) {
		const char *dirs[] = {"user", "user/app", "user/app/shell", "session"};
		for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
			char f[300];
			mkdirat(db, dirs[i], 0755);
			snprintf(f, sizeof(f), "%s/cgroup.procs", dirs[i]);
			put(db, f, "");
			snprintf(f, sizeof(f), "%s/cgroup.subtree_control", dirs[i]);
			put(db, f, "");
			if (strcmp(dirs[i], "session") == 0)
				continue; /* root's: not delegated */
			(void)!fchownat(db, dirs[i], 65534, 65534, 0);
			snprintf(f, sizeof(f), "%s/cgroup.procs", dirs[i]);
			(void)!fchownat(db, f, 65534, 65534, 0);
			snprintf(f, sizeof(f), "%s/cgroup.subtree_control", dirs[i]);
			(void)!fchownat(db, f, 65534, 65534, 0);
		}
		snprintf(self, sizeof(self), "%s/user/app/shell", tb);
		snprintf(want, sizeof(want), "%s/user", tb);
		CHECK("v2 base: the top of the delegated subtree, not the caller's busy leaf",
		      al_cgroup_v2_base(tb, self, 65534, out, sizeof(out)) == 0 && strcmp(out, want) == 0);
		CHECK("v2 base: never another user's delegation",
		      al_cgroup_v2_base(tb, self, 65533, out, sizeof(out)) < 0);
		snprintf(self, sizeof(self), "%s/session", tb);
		CHECK("v2 base: a cgroup not delegated is refused",
		      al_cgroup_v2_base(tb, self, 65534, out, sizeof(out)) < 0);
		(void)!fchownat(db, "user/app/cgroup.subtree_control", 0, 0, 0);
		snprintf(self, sizeof(self), "%s/user/app/shell", tb);
		snprintf(want, sizeof(want), "%s/user/app/shell", tb);
		CHECK("v2 base: the walk stops where delegation stops",
		      al_cgroup_v2_base(tb, self, 65534, out, sizeof(out)) == 0 && strcmp(out, want) == 0);
		CHECK("v2 base: a path outside the hierarchy is refused",
		      al_cgroup_v2_base(tb, "/tmp", 65534, out, sizeof(out)) < 0);
	} else {
		printf("# v2 delegation checks need root to chown the fake tree\n");
	}
	close(db);

	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s %s %s %s %s", t2, t1[0], t1[1], t1[2], t1[3], tb);
	(void)!system(cmd);
	return unit_failures != 0;
}
