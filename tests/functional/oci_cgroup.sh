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
	rm -f "$WORK/b-$name/rootfs/leak"
	make_bundle "$WORK/b-$name" "
c['linux']['cgroupsPath'] = '/airlock-oci-test-cg$$'
c['linux']['resources'] = {'memory': {'limit': 67108864}, 'pids': {'limit': 30},
                           'cpu': {'quota': 50000, 'period': 100000},
                           'devices': [{'allow': False, 'access': 'rwm'}]}
c['process']['args'] = ['sleep', '30']"
	mknod "$WORK/b-$name/rootfs/leak" c 60 0 # local/experimental: no driver (ENXIO when allowed)
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
	# Device rules (deny all): a node the image holds cannot be opened, nor
	# one made inside (v1: the devices cgroup; v2: runc's eBPF program,
	# airlock-oci's nodev mounts and Landlock), while /dev/null can. The
	# node has no driver: when allowed, opening it fails otherwise (ENXIO).
	printf '{"args": ["sh", "-c", "echo x > /dev/null && echo null-ok; (echo x > /leak) 2>&1 | grep -q -e permitted -e denied && echo leak-refused; (mknod /tmp/n c 60 0 && echo x > /tmp/n) 2>&1 | grep -q -e permitted -e denied && echo mknod-refused"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "env": ["PATH=/bin"], "capabilities": {"bounding": ["CAP_MKNOD"], "effective": ["CAP_MKNOD"], "permitted": ["CAP_MKNOD"]}}' >"$WORK/p.json"
	out=$("$rt" --root "$R" exec --process "$WORK/p.json" "$id" 2>&1)
	[ "$(echo $out)" = "null-ok leak-refused mknod-refused" ] || fail "$name: devices: $out"
	"$rt" --root "$R" delete --force "$id" || fail "$name: delete --force"
	[ -d "$mem" ] && fail "$name: $mem left behind"
	[ -z "$(find /sys/fs/cgroup -maxdepth 2 -name "airlock-oci-test-cg$$")" ] || fail "$name: cgroups left"
	echo "ok: $name, cgroup v$((v2 + 1))"
done
# Test builds enforce device rules the v2 way on v1 too, when asked (no
# device cgroup rules then): the image's node is refused by nodev
# (EACCES, "denied"), a node made in /dev by Landlock; with Landlock off
# (the control) the node is made and opened (ENXIO: no driver).
if [ $v2 = 0 ]; then
	export AIRLOCK_TEST_DEVICES_BY_MOUNTS=1
	rm -f "$WORK/b-airlock-oci/rootfs/leak"
	mknod "$WORK/b-airlock-oci/rootfs/leak" c 60 0
	printf '{"args": ["sh", "-c", "(echo x > /leak) 2>&1 | grep -q denied && echo leak-refused; mknod /dev/n c 60 0 2>&1 | grep -q denied && echo mknod-refused; (echo x > /dev/n) 2>&1 | grep -q -e No.such -e address && echo opened"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "env": ["PATH=/bin"], "capabilities": {"bounding": ["CAP_MKNOD"], "effective": ["CAP_MKNOD"], "permitted": ["CAP_MKNOD"]}}' >"$WORK/p2.json"
	for off in "" landlock; do
		AIRLOCK_TEST_DISABLE=$off "$OCI" --root "$R" create --bundle "$WORK/b-airlock-oci" dm-$$ >/dev/null ||
			fail "devices by mounts: create"
		"$OCI" --root "$R" start dm-$$ || fail "devices by mounts: start"
		out=$(AIRLOCK_TEST_DISABLE=$off "$OCI" --root "$R" exec --process "$WORK/p2.json" dm-$$ 2>&1)
		"$OCI" --root "$R" delete --force dm-$$ || fail "devices by mounts: delete"
		if [ -z "$off" ]; then
			[ "$(echo $out)" = "leak-refused mknod-refused" ] || fail "devices by mounts: $out"
		else
			[ "$(echo $out)" = "leak-refused opened" ] || fail "devices by mounts, control (Landlock off): $out"
		fi
	done
	unset AIRLOCK_TEST_DEVICES_BY_MOUNTS
	echo "ok: device rules through the mounts (the v2 way), on v1, and the control"
fi
