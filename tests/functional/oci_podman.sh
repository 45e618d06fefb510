# podman with airlock-oci as its runtime, on an image imported from the
# busybox root (no registry): echo, exit status, -d + exec + exec -t,
# pause and unpause, stop, --memory and --pids-limit, -t; then the same
# with Debian's runc as a control. podman's storage and state live in
# $WORK (vfs driver, cgroupfs manager, no events journal). Root here has
# a hard nofile of 20000, hence the ulimits (DESIGN.md).
. "$CASE_DIR/oci.lib"
make_rootfs "$WORK/rootfs"
tar -C "$WORK/rootfs" -cf "$WORK/bb.tar" . || fail "tar"
# podman passes --log-format=json only to runtimes named here.
cat >"$WORK/containers.conf" <<CONF
[engine]
runtime_supports_json = ["airlock-oci", "runc"]
CONF
export CONTAINERS_CONF=$WORK/containers.conf
P=(podman --root "$WORK/storage" --runroot "$WORK/runroot" --storage-driver vfs --cgroup-manager cgroupfs
	--events-backend none --tmpdir "$WORK/ptmp")
U=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768 --network none)
PRE_LIBPOD=$(ls -d /sys/fs/cgroup/*/libpod_parent 2>/dev/null)
PRE_STATE=$(ls -d /run/airlock-oci 2>/dev/null)
PRE_NETS=$(ls -d /run/containers 2>/dev/null) # podman's network state, made even with --network none
PRE_RUNC=$(ls -d /run/runc 2>/dev/null) # runc's default root (the control)
"${P[@]}" import -q "$WORK/bb.tar" localhost/airlock-bb:1 >/dev/null || fail "podman import"
cleanup() {
	oci_cleanup
	"${P[@]}" rm -af -t 0 >/dev/null 2>&1
	"${P[@]}" rmi -af >/dev/null 2>&1
	# podman leaves its conmon cgroup and the containers' parent (they
	# were not there before: checked below).
	for c in /sys/fs/cgroup/*/libpod_parent; do
		[ -d "$c" ] && [ -z "$PRE_LIBPOD" ] && { rmdir "$c"/* "$c" 2>/dev/null; }
	done
	chattr -R -i "$WORK/storage" 2>/dev/null
	# podman gives airlock-oci no --root: its default, made here.
	[ -z "$PRE_STATE" ] && rmdir /run/airlock-oci 2>/dev/null
	[ -z "$PRE_RUNC" ] && rmdir /run/runc 2>/dev/null
	[ -z "$PRE_NETS" ] && rmdir /run/containers/networks /run/containers 2>/dev/null
}
trap cleanup EXIT

for rt in "$OCI" "$(command -v runc)"; do
	name=$(basename "$rt")
	Q=("${P[@]}" --runtime "$rt")
	out=$("${Q[@]}" run --rm "${U[@]}" localhost/airlock-bb:1 echo hello 2>&1)
	[ "$out" = hello ] || fail "$name: echo: $out"
	"${Q[@]}" run --rm "${U[@]}" localhost/airlock-bb:1 sh -c 'exit 7'
	rc=$?
	[ $rc = 7 ] || fail "$name: exit status $rc, not 7"
	"${Q[@]}" run -d --name c1 "${U[@]}" --memory 64m --pids-limit 50 localhost/airlock-bb:1 sleep 60 >/dev/null ||
		fail "$name: run -d"
	out=$("${Q[@]}" exec c1 sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max' 2>&1)
	[ "$(echo $out)" = "67108864 50" ] || fail "$name: --memory/--pids-limit as the container sees them: $out"
	out=$("${Q[@]}" exec -t c1 tty 2>&1 | tr -d '\r')
	case "$out" in /dev/pts/*) ;; *) fail "$name: exec -t: $out" ;; esac
	"${Q[@]}" pause c1 >/dev/null || fail "$name: pause"
	[ "$("${Q[@]}" inspect -f '{{.State.Status}}' c1)" = paused ] || fail "$name: not paused"
	"${Q[@]}" unpause c1 >/dev/null || fail "$name: unpause"
	[ "$("${Q[@]}" inspect -f '{{.State.Status}}' c1)" = running ] || fail "$name: not running after unpause"
	"${Q[@]}" stop -t 1 c1 >/dev/null 2>&1 || fail "$name: stop"
	[ "$("${Q[@]}" inspect -f '{{.State.Status}}' c1)" = exited ] || fail "$name: not exited after stop"
	"${Q[@]}" rm c1 >/dev/null || fail "$name: rm"
	out=$("${Q[@]}" run --rm -t "${U[@]}" localhost/airlock-bb:1 tty 2>&1 | tr -d '\r')
	case "$out" in /dev/pts/*) ;; *) fail "$name: run -t: $out" ;; esac
	# What airlock adds, seen from inside; runc adds no no_new_privs here.
	out=$("${Q[@]}" run --rm "${U[@]}" localhost/airlock-bb:1 grep NoNewPrivs /proc/self/status 2>&1)
	if [ "$name" = airlock-oci ]; then
		echo "$out" | grep -q 'NoNewPrivs:.1' || fail "airlock-oci: $out"
		out=$("${Q[@]}" run --rm "${U[@]}" --security-opt seccomp=unconfined --cap-add SYS_ADMIN \
			localhost/airlock-bb:1 sh -c 'unshare -U true 2>/dev/null; echo unshare=$?' 2>&1)
		[ "$out" = unshare=1 ] || fail "airlock-oci: unconfined seccomp, unshare: $out"
		# An annotation through podman: run.airlock.profile=strict ends the
		# container at the first refused call.
		out=$("${Q[@]}" run --rm "${U[@]}" --annotation run.airlock.profile=strict --security-opt seccomp=unconfined \
			localhost/airlock-bb:1 sh -c 'echo before; unshare -U true; echo after' 2>&1)
		echo "$out" | grep -q before && ! echo "$out" | grep -q after || fail "airlock-oci: strict through podman: $out"
	fi
	echo "ok: podman --runtime $name"
done
