# A container's cgroup on whichever hierarchy the host has (v1 here; pure
# v2 in the VM of make check-v2, which runs this file too): the limits of
# linux.resources where the host can read them, pause and resume through
# the freezer (v1) or cgroup.freeze (v2), and nothing left after delete.
# airlock-oci, then Debian's runc as the control.
. "$CASE_DIR/oci.lib"
R=$WORK/root
v2=0
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && v2=1
cgdir() { # cgdir PID CONTROLLER: the process's cgroup directory for it
	if [ $v2 = 1 ]; then
		echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$1/cgroup")"
	else
		echo "/sys/fs/cgroup/$2$(awk -F: -v c="$2" '$2 ~ "(^|,)"c"(,|$)" {print $3}' "/proc/$1/cgroup")"
	fi
}
for rt in "$OCI" "$(command -v runc)"; do
	name=$(basename "$rt")
	id=cg-$$
	make_bundle "$WORK/b-$name" "
c['linux']['cgroupsPath'] = '/airlock-oci-test-cg$$'
c['linux']['resources'] = {'memory': {'limit': 67108864}, 'pids': {'limit': 30},
                           'cpu': {'quota': 50000, 'period': 100000}}
c['process']['args'] = ['sleep', '30']"
	"$rt" --root "$R" create --bundle "$WORK/b-$name" --pid-file "$WORK/pid" "$id" || fail "$name: create"
	"$rt" --root "$R" start "$id" || fail "$name: start"
	pid=$(cat "$WORK/pid")
	mem=$(cgdir "$pid" memory) pids=$(cgdir "$pid" pids) cpu=$(cgdir "$pid" cpu)
	case "$mem" in */airlock-oci-test-cg$$) ;; *) fail "$name: the container is in $mem" ;; esac
	if [ $v2 = 1 ]; then
		got="$(cat "$mem/memory.max") $(cat "$pids/pids.max") $(cat "$cpu/cpu.max")"
		want="67108864 30 50000 100000"
	else
		got="$(cat "$mem/memory.limit_in_bytes") $(cat "$pids/pids.max") $(cat "$cpu/cpu.cfs_quota_us") $(cat "$cpu/cpu.cfs_period_us")"
		want="67108864 30 50000 100000"
	fi
	[ "$got" = "$want" ] || fail "$name: limits (v2=$v2): $got, not $want"
	"$rt" --root "$R" pause "$id" || fail "$name: pause"
	[ "$("$rt" --root "$R" state "$id" | jget status)" = paused ] || fail "$name: not paused"
	if [ $v2 = 1 ]; then
		[ "$(cat "$mem/cgroup.freeze")" = 1 ] || fail "$name: cgroup.freeze"
	else
		grep -q FROZEN "$(cgdir "$pid" freezer)/freezer.state" || fail "$name: freezer.state"
	fi
	"$rt" --root "$R" resume "$id" || fail "$name: resume"
	[ "$("$rt" --root "$R" state "$id" | jget status)" = running ] || fail "$name: not running after resume"
	"$rt" --root "$R" delete --force "$id" || fail "$name: delete --force"
	[ -d "$mem" ] && fail "$name: $mem left behind"
	[ -z "$(find /sys/fs/cgroup -maxdepth 2 -name "airlock-oci-test-cg$$")" ] || fail "$name: cgroups left"
	echo "ok: $name, cgroup v$((v2 + 1))"
done
