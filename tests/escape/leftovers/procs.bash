# Helpers for the exhaustion and leftovers cases: processes and cgroups a
# sandbox might leave behind. Sourced after lib.sh (not a case: no .sh).

# airlock run like `al`, but in the background, so that $! is the
# supervisor's own pid (a simple async command is exec'd, not wrapped).
al_bg() {
	local extra=()
	[ "$(id -u)" = 0 ] || extra+=(--allow-degraded)
	"$AIRLOCK" run "${extra[@]}" --ro "$REPO:$REPO" "$@" &
}

# Pids of live (non-zombie) processes whose command line contains $1.
marker_pids() {
	python3 - "$1" <<'EOF'
import os, sys
m, me = sys.argv[1].encode(), os.getpid()
for p in os.listdir("/proc"):
    if not p.isdigit() or int(p) == me:
        continue
    try:
        cmd = open(f"/proc/{p}/cmdline", "rb").read()
        state = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        continue
    if m in cmd and state != "Z":
        print(p)
EOF
}

# "pid:starttime" of every live descendant of $1 (starttime guards against
# pid reuse when they are looked for again).
descendants() {
	python3 - "$1" <<'EOF'
import os, sys
kids, start = {}, {}
for p in os.listdir("/proc"):
    if not p.isdigit():
        continue
    try:
        f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    if f[0] == "Z":
        continue
    kids.setdefault(int(f[1]), []).append(int(p))
    start[int(p)] = f[19]
todo, seen = [int(sys.argv[1])], []
while todo:
    for k in kids.get(todo.pop(), []):
        seen.append(k)
        todo.append(k)
print(" ".join(f"{p}:{start[p]}" for p in seen))
EOF
}

# Those of the "pid:starttime" words in $@ that are still alive (not zombies).
still_alive() {
	local e pid st f
	for e in "$@"; do
		pid=${e%%:*} st=${e#*:}
		f=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
		f=${f##*) }
		set -- $f
		[ "$1" != Z ] && [ "${20}" = "$st" ] && echo "$pid"
	done
}

# SIGKILL the "pid:starttime" words still alive (cleanup after a control).
kill_listed() {
	local p
	for p in $(still_alive "$@"); do kill -9 "$p" 2>/dev/null; done
}

# The directory in each hierarchy airlock may use where it makes sandboxes'
# cgroups: on v2 BASE/airlock (BASE the top for root, else the highest cgroup
# delegated to the caller: src/cgroup.c), on v1 the caller's own memory,
# pids, cpu and cpuacct directories.
own_cgroup_dirs() {
	python3 - <<'EOF'
import os
mounts = []
for line in open("/proc/self/mountinfo"):
    pre, post = line.split(" - ", 1)
    mnt = pre.split()[4]
    fstype, _, opts = post.split()[:3]
    mounts.append((mnt, fstype, set(opts.split(","))))
def owned(d, uid):
    try:
        return all(os.lstat(d + f).st_uid == uid for f in ("", "/cgroup.procs", "/cgroup.subtree_control"))
    except OSError:
        return False
def v2_base(mnt, d):
    uid, base = os.geteuid(), "/nonexistent"
    if uid == 0:
        return mnt
    while d.startswith(mnt) and owned(d, uid):
        base = d
        if len(d) <= len(mnt):
            break
        d = os.path.dirname(d)
    return base
own = {}
for line in open("/proc/self/cgroup"):
    _, ctrls, path = line.rstrip("\n").split(":", 2)
    for c in (ctrls.split(",") if ctrls else ["<v2>"]):
        own[c] = path
for c in ["<v2>", "memory", "pids", "cpu", "cpuacct"]:
    if c not in own:
        continue
    for mnt, fstype, opts in mounts:
        if (c == "<v2>" and fstype == "cgroup2") or (fstype == "cgroup" and c in opts):
            d = mnt + (own[c] if own[c] != "/" else "")
            if c == "<v2>":
                d = v2_base(mnt, d) + "/airlock"
            if os.path.isdir(d):
                print(d)
            break
EOF
}

# Cgroup directories made by the supervisor with pid $1 (airlock-PID-SEQ-PIDNS), in
# any of the caller's hierarchies.
supervisor_cgroups() {
	local d
	for d in $(own_cgroup_dirs); do
		for c in "$d"/airlock-"$1"-*; do
			[ -d "$c" ] && echo "$c"
		done
	done
}

# Remove the cgroups of supervisor $1 once they are empty (cleanup after a
# killed supervisor); a bounded wait for their tasks to be gone.
remove_supervisor_cgroups() {
	local c i
	for c in $(supervisor_cgroups "$1"); do
		for i in $(seq 50); do
			rmdir "$c" 2>/dev/null && break
			sleep 0.1
		done
	done
}

# Wait (bounded, about $2 seconds) until none of the "pid:starttime" words in
# the rest are alive. Returns 1 if some still are.
wait_gone() {
	local n=$(($1 * 10)) i
	shift
	for ((i = 0; i < n; i++)); do
		[ -z "$(still_alive "$@")" ] && return 0
		sleep 0.1
	done
	return 1
}
