# The bundle's config as airlock-oci honours it, each field seen from
# inside the container: mounts (read-only bind, tmpfs), maskedPaths and
# readonlyPaths, hostname, sysctl, rlimits, user with additionalGids and
# umask, a user namespace with mappings, joining another container's
# network namespace by path (as a pod's containers join the pause
# container's), a systemd-style cgroupsPath with its limits, hooks
# (createRuntime, prestart, createContainer inside before pivot_root,
# startContainer inside before the process, poststart, poststop) in the
# spec's order with the state on stdin,
# airlock's own pid 1 (run.airlock.init=true).
. "$CASE_DIR/oci.lib"
R=$WORK/root
mkdir -p "$WORK/host-ro" && echo from-host >"$WORK/host-ro/file"
# rro: a mount below the bound directory is read-only too (a plain ro
# bind leaves it writable).
mkdir -p "$WORK/host-rro/sub"
mount -t tmpfs -o size=1m airlock-test "$WORK/host-rro/sub" || fail "tmpfs for rro"
# The slice the systemd-style path makes is removed at the end if it is ours.
PRE_SLICE=$(ls -d /sys/fs/cgroup/*/machine.slice 2>/dev/null)
cleanup() {
	oci_cleanup
	umount "$WORK/host-rro/sub" 2>/dev/null
	[ -z "$PRE_SLICE" ] && rmdir /sys/fs/cgroup/*/machine.slice 2>/dev/null
}
trap cleanup EXIT
cat >"$WORK/hook.sh" <<'SH'
#!/bin/sh
# $1: the hook's name; the state JSON on stdin.
python3 -c 'import json,sys; s=json.load(sys.stdin); print(sys.argv[1], s["id"], s["status"], s["pid"] > 0 or s["status"] == "stopped")' "$1" >>"$2"
SH
chmod 755 "$WORK/hook.sh"
make_bundle "$WORK/b" "
c['hostname'] = 'airlock-box'
c['mounts'].append({'destination': '/data', 'type': 'bind', 'source': '$WORK/host-ro', 'options': ['rbind', 'ro']})
c['mounts'].append({'destination': '/scratch', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid', 'size=1m']})
c['mounts'].append({'destination': '/rro', 'type': 'bind', 'source': '$WORK/host-rro', 'options': ['rbind', 'rro']})
c['linux']['maskedPaths'] = ['/proc/kcore', '/proc/sys/kernel/ostype', '/data/none']
c['linux']['readonlyPaths'] = ['/proc/sys']
c['linux']['sysctl'] = {'net.ipv4.ip_forward': '1'}
c['linux']['cgroupsPath'] = 'machine.slice:airlock-oci-test:cfg$$'
c['linux']['resources'] = {'memory': {'limit': 33554432}, 'pids': {'limit': 20}, 'cpu': {'shares': 512},
                           # as Kubernetes sends them: every size the node knows, 0 when not asked for
                           'hugepageLimits': [{'pageSize': '2MB', 'limit': 0}, {'pageSize': '1GB', 'limit': 0}]}
c['process']['rlimits'] = [{'type': 'RLIMIT_NOFILE', 'soft': 123, 'hard': 456}]
c['process']['user'] = {'uid': 1000, 'gid': 1000, 'additionalGids': [2000, 3000], 'umask': 63}
c['process']['args'] = ['sh', '-c', '''hostname; cat /data/file; touch /data/x 2>/dev/null || echo data-ro;
touch /scratch/y && echo scratch-rw; { grep -q \"^SigIgn:.0*\$\" /proc/self/status && echo no-ignored-signals || grep -E \"^(SigIgn|SigBlk|PPid)\" /proc/self/status; }; touch /rro/sub/z 2>/dev/null || echo rro-sub-ro; wc -c < /proc/sys/kernel/ostype; (echo 0 > /proc/sys/net/ipv4/ip_forward) 2>/dev/null || echo sys-ro;
cat /proc/sys/net/ipv4/ip_forward; ulimit -n; ulimit -Hn; id; umask;
cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.shares 2>&1; cat /scratch/hook''']
hook = lambda name: {'path': '$WORK/hook.sh', 'args': ['hook.sh', name, '$WORK/hooks.log']}
c['hooks'] = {'createRuntime': [hook('createRuntime')], 'prestart': [hook('prestart')],
              'createContainer': [hook('createContainer')],
              'startContainer': [{'path': '/bin/sh', 'args': ['sh', '-c', 'echo startContainer > /scratch/hook']}],
              'poststart': [hook('poststart')], 'poststop': [hook('poststop')]}"
# Created by a caller that has glibc's signals 32 and 33 ignored: the
# container's process must start with none ignored all the same.
OCI_WRAP="python3 $CASE_DIR/ignore_signals.py" run cfg "$WORK/b"
want="airlock-box
from-host
data-ro
scratch-rw
no-ignored-signals
rro-sub-ro
0
sys-ro
1
123
456
uid=1000(user) gid=1000(user) groups=2000,3000
0077
33554432
20
512
startContainer"
[ "$(cat "$WORK/cfg.out")" = "$want" ] || fail "the config from inside:
$(diff <(echo "$want") "$WORK/cfg.out")"
[ -d /sys/fs/cgroup/memory/machine.slice ] || fail "machine.slice"
[ -z "$(cgroups_named "airlock-oci-test-cfg$$.scope")" ] || fail "the scope's cgroups were left"
want="createRuntime cfg creating True
prestart cfg creating True
createContainer cfg created True
poststart cfg running True
poststop cfg stopped True"
[ "$(cat "$WORK/hooks.log")" = "$want" ] || fail "hooks: $(cat "$WORK/hooks.log")"
echo "ok: mounts, paths, hostname, sysctl, rlimits, user, systemd cgroup path and limits, hooks"

# run.airlock.init=true: pid 1 is airlock's (its command line blanked), the
# process is its child, and a signal sent to the container reaches it.
make_bundle "$WORK/b-init" "c['annotations'] = {'run.airlock.init': 'true'}
c['process']['args'] = ['sh', '-c', 'trap \"echo got-term; exit 3\" TERM; echo pid=\$\$; tr \"\\\\0\" \" \" < /proc/1/cmdline; echo; while :; do sleep 0.1; done']"
"$OCI" --root "$R" create --bundle "$WORK/b-init" init >"$WORK/init.out" 2>&1 || fail "init: create: $(cat "$WORK/init.out")"
"$OCI" --root "$R" start init || fail "init: start"
for _ in $(seq 100); do grep -q airlock-init "$WORK/init.out" && break; sleep 0.05; done
"$OCI" --root "$R" kill init TERM || fail "init: kill TERM"
for _ in $(seq 200); do [ "$("$OCI" --root "$R" state init | jget status)" = stopped ] && break; sleep 0.05; done
[ "$("$OCI" --root "$R" state init | jget status)" = stopped ] || fail "init: TERM did not end it: $(cat "$WORK/init.out")"
"$OCI" --root "$R" delete init || fail "init: delete"
grep -q '^pid=[2-9]' "$WORK/init.out" && grep -q '^airlock-init' "$WORK/init.out" && grep -q got-term "$WORK/init.out" ||
	fail "init: $(cat "$WORK/init.out")"
echo "ok: airlock's init"

# A user namespace: root inside is 100000 outside.
USERNS="c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 100000, 'size': 65536}]
c['mounts'] = [m for m in c['mounts'] if m['type'] != 'cgroup']
"
make_bundle "$WORK/b-user" "$USERNS
c['process']['args'] = ['sh', '-c', 'id -u; cat /proc/self/uid_map']"
chown -R 100000:100000 "$WORK/b-user/rootfs" 2>/dev/null
run user "$WORK/b-user"
[ "$(head -1 "$WORK/user.out")" = 0 ] && grep -q '^ *0 *100000 *65536' "$WORK/user.out" || fail "user namespace: $(cat "$WORK/user.out")"
echo "ok: user namespace"

# Joining that kind of user namespace by path (a pod's containers share the
# pause container's): the second container's root is the same 100000.
make_bundle "$WORK/b-upause" "$USERNS
c['process']['args'] = ['sleep', '30']"
chown -R 100000:100000 "$WORK/b-upause/rootfs" 2>/dev/null
"$OCI" --root "$R" create --bundle "$WORK/b-upause" --pid-file "$WORK/upause.pid" upause >/dev/null 2>&1 || fail "create upause"
"$OCI" --root "$R" start upause || fail "start upause"
up=$(cat "$WORK/upause.pid")
make_bundle "$WORK/b-ujoin" "
c['linux']['namespaces'] = [n for n in c['linux']['namespaces'] if n['type'] not in ('network', 'user')]
c['linux']['namespaces'] += [{'type': 'user', 'path': '/proc/$up/ns/user'}, {'type': 'network', 'path': '/proc/$up/ns/net'}]
c['mounts'] = [m for m in c['mounts'] if m['type'] != 'cgroup']
c['process']['args'] = ['sh', '-c', 'id -u; cat /proc/self/uid_map; readlink /proc/self/ns/user']"
chown -R 100000:100000 "$WORK/b-ujoin/rootfs" 2>/dev/null
run ujoin "$WORK/b-ujoin"
user_ns=$(readlink /proc/$up/ns/user)
"$OCI" --root "$R" delete --force upause || fail "delete upause"
[ "$(head -1 "$WORK/ujoin.out")" = 0 ] && grep -q '^ *0 *100000 *65536' "$WORK/ujoin.out" &&
	grep -qxF "$user_ns" "$WORK/ujoin.out" || fail "joined user namespace: $(cat "$WORK/ujoin.out"), the pause's $user_ns"
echo "ok: joining a user namespace by path"

# Joining a network namespace by path: the second container is in the
# first one's (a pod's pause container), not in one of its own.
make_bundle "$WORK/b-pause" "c['process']['args'] = ['sleep', '30']"
"$OCI" --root "$R" create --bundle "$WORK/b-pause" --pid-file "$WORK/pause.pid" pause >/dev/null 2>&1 || fail "create pause"
"$OCI" --root "$R" start pause || fail "start pause"
ppid=$(cat "$WORK/pause.pid")
make_bundle "$WORK/b-join" "
c['linux']['namespaces'] = [n if n['type'] != 'network' else {'type': 'network', 'path': '/proc/$ppid/ns/net'} for n in c['linux']['namespaces']]
c['process']['args'] = ['readlink', '/proc/self/ns/net']"
run join "$WORK/b-join"
pause_ns=$(readlink /proc/$ppid/ns/net)
"$OCI" --root "$R" delete --force pause || fail "delete pause"
[ "$(cat "$WORK/join.out")" = "$pause_ns" ] && [ "$(cat "$WORK/join.out")" != "$(readlink /proc/self/ns/net)" ] ||
	fail "the joined network namespace: $(cat "$WORK/join.out"), the pause container's $pause_ns"
echo "ok: joining a namespace by path"
[ -z "$(ls -A "$R")" ] || fail "state left: $(ls -A "$R")"
