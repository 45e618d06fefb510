#!/bin/bash
# Stage 2 of the pure-v2 VM (tests/v2/check.sh): bash and everything else
# from the host's /usr (9p, read-only). Runs airlock's cgroup checks and the
# containment suite's cgroup cases in three placements:
#   top        root, in the root cgroup
#   busy       root, in a cgroup that holds other processes (a login
#              session's scope, a service without Delegate=yes)
#   delegated  uid 65534, in a subtree delegated to it as systemd delegates
#              (directory, cgroup.procs, cgroup.subtree_control chowned),
#              itself in a busy leaf of it
# Every line for the host starts with "V2 "; the last is
# "V2-RESULT PASSED FAILED SKIPPED", then the VM powers off.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ln -sf /proc/self/fd /dev/fd
CG=/sys/fs/cgroup
cd /suite || exit 1
AIRLOCK=/suite/build/airlock # the static release binary
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "V2 ok $*"; }
bad() { fail=$((fail + 1)); echo "V2 FAIL $*"; }
finish() {
	echo "V2-RESULT $pass $fail $skip"
	sync
	echo o >/proc/sysrq-trigger 2>/dev/null
	poweroff -f
}
trap finish EXIT

echo # off the line the firmware's escape codes left
echo "V2 kernel $(uname -r), cgroup controllers: $(cat $CG/cgroup.controllers)"
grep -q '^cgroup ' /proc/mounts && bad "a v1 hierarchy is mounted: cgroup_no_v1=all did not hold"
# The kernel's own Landlock ABI, asked directly (landlock_create_ruleset
# with LANDLOCK_CREATE_RULESET_VERSION), to hold the report's figure against.
ABI=$(python3 -c 'import ctypes; l = ctypes.CDLL(None, use_errno=True); print(l.syscall(444, None, 0, 1))')
echo "V2 Landlock ABI of this kernel: $ABI (the host's is 7)"
echo "+memory +pids +cpu" >$CG/cgroup.subtree_control || bad "enable controllers at the top"

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2" 2>/dev/null; }
# expect PLACEMENT WHAT STATUS -- airlock run arguments; run by $RUN_AS.
expect() {
	local where=$1 what=$2 want=$3 rep
	shift 4
	rep=$(mktemp /tmp/v2-report.XXXXXX)
	chmod 666 "$rep"
	local out
	out=$($RUN_AS "$AIRLOCK" run --report "$rep" "$@" 2>&1)
	local st cg ll
	st=$(field "$rep" status) cg=$(field "$rep" cgroup) ll=$(field "$rep" landlock)
	if [ "$st" = "$want" ] && [ "$cg" = v2 ]; then
		ok "$where: $what: status $st, cgroup $cg"
	else
		bad "$where: $what: status '$st' (wanted $want), cgroup '$cg': $(tail -3 <<<"$out")"
	fi
	if [ "$what" = "true" ]; then
		local why
		why=$(field "$rep" cgroup_reason)
		[[ "$why" == "v2: "* ]] && ok "$where: the report says why: $why" || bad "$where: cgroup_reason '$why'"
		if [ "$ll" = "$ABI" ] && [ "$ABI" -lt 7 ]; then
			ok "$where: the report gives the kernel's older Landlock ABI ($ll)"
		else
			bad "$where: report landlock '$ll', kernel's ABI $ABI"
		fi
	fi
	rm -f "$rep"
}
# What airlock leaves in the hierarchy: any cgroup named airlock* but the
# test runner's own safety nets.
leftovers() {
	find $CG -name 'airlock*' -type d ! -name 'airlock-test-net-*' 2>/dev/null
}
direct() { # direct PLACEMENT
	local where=$1 t=$SECONDS
	expect "$where" true exited -- -- /bin/true
	expect "$where" "512M against --memory 48M" memory -- --profile python --memory 48M -- \
		python3 -c 'b = bytearray(512 << 20); print(len(b))'
	expect "$where" "forks against --pids 16" pids -- --profile python --pids 16 -- python3 -c '
import os, sys, time
for i in range(100):
    try:
        if os.fork() == 0:
            time.sleep(3); os._exit(0)
    except OSError:
        sys.exit(1)'
	expect "$where" "a busy loop against --cpu-time 1" cpu_limit -- --cpu-time 1 --time 60 -- /bin/sh -c 'while :; do :; done'
	local left
	left=$(leftovers)
	if [ -z "$left" ]; then ok "$where: no cgroup left behind"; else bad "$where: left behind: $left"; fi
	echo "V2 time: $where: direct checks $((SECONDS - t)) s"
}
# The containment suite's cases that a cgroup decides (or that look at
# cgroups), through the suite's own runner.
CASES="exhaustion/memory_bomb exhaustion/memory_tree exhaustion/fork_bomb exhaustion/threads_bomb
exhaustion/cpu_busy exhaustion/cpu_multi exhaustion/cpu_weight exhaustion/tmpfs_memory exhaustion/pipes
exhaustion/tcp_buffers leftovers/after_normal_run leftovers/after_timeout leftovers/daemon_survives
leftovers/stale_cgroup_reap exfiltration/cgroup_path destruction/sysfs_cgroup_write"
# make check-v2 V2_CASES=a,b: only these cases, no direct checks (to debug).
only=$(sed -n 's/.*v2\.cases=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$only" ]; then
	CASES=${only//,/ }
	direct() { :; }
fi
suite() { # suite PLACEMENT [VAR=VALUE...]
	local where=$1 r=/tmp/v2-results t=$SECONDS
	shift
	env "$@" CASES="$CASES" LEFTOVERS=1 RESULTS=$r LABEL="suite, $where" tests/run.sh 2>&1 | sed 's/^/V2 /'
	if [ -f "$r" ]; then
		read -r p f s <"$r"
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	else
		bad "$where: the suite gave no result"
	fi
	rm -f "$r"
	local left
	left=$(leftovers)
	if [ -z "$left" ]; then ok "$where: no cgroup left behind by the suite"; else bad "$where: suite left: $left"; fi
	echo "V2 time: $where: suite $((SECONDS - t)) s"
}

# --- root, at the top.
RUN_AS=
direct "root at the top"
suite "root at the top" V2_NET=none MODES=root

# --- root, in a busy cgroup: another process shares it, and stays there.
mkdir $CG/busy.scope
sleep 100000 &
other=$!
echo $other >$CG/busy.scope/cgroup.procs
(
	echo $BASHPID >$CG/busy.scope/cgroup.procs
	direct "root in a busy scope"
	echo "$pass $fail" >/tmp/v2-sub
)
read -r pass fail </tmp/v2-sub
if grep -qx "$other" $CG/busy.scope/cgroup.procs; then
	ok "root in a busy scope: the scope's other process was not moved"
else
	bad "root in a busy scope: the scope's other process moved to $(cat /proc/$other/cgroup)"
fi
kill $other
wait $other 2>/dev/null
rmdir $CG/busy.scope
# The runner puts each case's shell in its safety net's leaf, where the
# supervisor runs too: a busy cgroup again. What the placement decides is
# where the sandbox's cgroup is made and that it goes again: the cases
# that look at that (and the CPU weight, relative to the siblings there);
# the limits themselves were checked at the top and by the direct checks.
BUSY_CASES="leftovers/after_normal_run leftovers/after_timeout leftovers/daemon_survives
leftovers/stale_cgroup_reap exfiltration/cgroup_path destruction/sysfs_cgroup_write exhaustion/cpu_weight
exhaustion/memory_bomb"
[ -n "$only" ] && BUSY_CASES=$CASES
CASES=$BUSY_CASES suite "root in a busy scope" MODES=root

# --- uid 65534, in a delegated subtree, from a busy leaf of it.
deleg=$CG/user-65534.slice
mkdir -p $deleg/session.scope
for d in $deleg $deleg/session.scope; do
	chown 65534:65534 $d $d/cgroup.procs $d/cgroup.subtree_control $d/cgroup.threads
done
sleep 100000 &
other=$!
echo $other >$deleg/session.scope/cgroup.procs
RUN_AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
(
	echo $BASHPID >$deleg/session.scope/cgroup.procs
	direct "uid 65534, delegated"
	echo "$pass $fail" >/tmp/v2-sub
)
read -r pass fail </tmp/v2-sub
grep -qx "$other" $deleg/session.scope/cgroup.procs && ok "uid 65534, delegated: the leaf's other process was not moved" ||
	bad "uid 65534, delegated: the leaf's other process moved"
kill $other
wait $other 2>/dev/null
rmdir $deleg/session.scope $deleg
suite "uid 65534, delegated" NET_OWNER=65534 MODES=user
