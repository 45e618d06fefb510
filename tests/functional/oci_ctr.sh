# containerd's ctr with --runc-binary airlock-oci: the path a Kubernetes
# RuntimeClass takes (the CRI plugin hands runtimes.NAME.options.BinaryName
# to the same runc shim). A containerd of the test's own (its socket, root
# and state in $WORK), an image saved by podman from the busybox root:
# run, exit status, exec, ps, pause/resume, kill; then the same with
# Debian's runc as a control.
. "$CASE_DIR/oci.lib"
make_rootfs "$WORK/rootfs"
tar -C "$WORK/rootfs" -cf "$WORK/bb.tar" . || fail "tar"
PRE_NETS=$(ls -d /run/containers 2>/dev/null) # podman's network state
P=(podman --root "$WORK/storage" --runroot "$WORK/runroot" --storage-driver vfs --cgroup-manager cgroupfs
	--events-backend none --tmpdir "$WORK/ptmp")
"${P[@]}" import -q "$WORK/bb.tar" localhost/airlock-bb:1 >/dev/null || fail "podman import"
"${P[@]}" save -q --format oci-archive -o "$WORK/bb-oci.tar" localhost/airlock-bb:1 || fail "podman save"
"${P[@]}" rmi -af >/dev/null 2>&1
NS=airlock-test-$$
cat >"$WORK/containerd.toml" <<TOML
version = 2
root = "$WORK/ctd/root"
state = "$WORK/ctd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$WORK/ctd.sock"
[ttrpc]
  address = "$WORK/ctd.sock.ttrpc"
TOML
containerd --config "$WORK/containerd.toml" >"$WORK/containerd.log" 2>&1 &
CTD=$!
cleanup() {
	oci_cleanup
	C task kill -s KILL t-d >/dev/null 2>&1
	for t in $(C task ls -q 2>/dev/null); do C task delete -f "$t" >/dev/null 2>&1; done
	for c in $(C container ls -q 2>/dev/null); do C container rm "$c" >/dev/null 2>&1; done
	kill $CTD 2>/dev/null
	wait $CTD 2>/dev/null
	rmdir "/run/containerd/runc/$NS" 2>/dev/null
	# containerd's runc shim makes a cgroup per namespace in every
	# hierarchy (/sys/fs/cgroup/*/NS) and leaves it: ours to remove.
	find /sys/fs/cgroup/*/"$NS" -depth -type d -exec rmdir {} + 2>/dev/null
	rmdir /run/containerd/runc /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null
	[ -z "$PRE_NETS" ] && rmdir /run/containers/networks /run/containers 2>/dev/null
}
trap cleanup EXIT
C() { ctr --address "$WORK/ctd.sock" -n "$NS" "$@"; }
for _ in $(seq 100); do C version >/dev/null 2>&1 && break; sleep 0.05; done
C version >/dev/null 2>&1 || fail "containerd did not start: $(tail -5 "$WORK/containerd.log")"
C image import --snapshotter native --base-name localhost/airlock-bb "$WORK/bb-oci.tar" >/dev/null ||
	fail "ctr image import"

for rt in "$OCI" "$(command -v runc)"; do
	name=$(basename "$rt")
	R=(--snapshotter native --runc-binary "$rt")
	out=$(C run --rm "${R[@]}" localhost/airlock-bb:1 t-echo echo hello 2>&1)
	[ "$out" = hello ] || fail "$name: echo: $out"
	C run --rm "${R[@]}" localhost/airlock-bb:1 t-exit sh -c 'exit 5' 2>/dev/null
	rc=$?
	[ $rc = 5 ] || fail "$name: exit status $rc, not 5"
	C run -d "${R[@]}" localhost/airlock-bb:1 t-d sleep 60 >/dev/null || fail "$name: run -d"
	out=$(C task exec --exec-id e1 t-d sh -c 'echo from-exec; exit 4' 2>&1)
	rc=$?
	[ $rc = 4 ] && [ "$out" = from-exec ] || fail "$name: exec: $rc $out"
	pid=$(C task ls | awk '$1 == "t-d" {print $2}')
	C task ps t-d | grep -q "^$pid " || fail "$name: ps: $(C task ps t-d)"
	C task pause t-d || fail "$name: pause"
	C task ls | grep -q 't-d.*PAUSED' || fail "$name: not paused: $(C task ls)"
	C task resume t-d || fail "$name: resume"
	C task ls | grep -q 't-d.*RUNNING' || fail "$name: not running: $(C task ls)"
	C task kill -s SIGKILL t-d || fail "$name: kill"
	for _ in $(seq 100); do C task ls | grep -q 't-d.*STOPPED' && break; sleep 0.05; done
	C task ls | grep -q 't-d.*STOPPED' || fail "$name: not stopped after kill: $(C task ls)"
	C task delete t-d >/dev/null || fail "$name: task delete"
	C container rm t-d || fail "$name: container rm"
	if [ "$name" = airlock-oci ]; then
		out=$(C run --rm "${R[@]}" localhost/airlock-bb:1 t-in grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status 2>&1)
		echo "$out" | grep -q 'NoNewPrivs:.1' && echo "$out" | grep -q 'Seccomp:.2' || fail "airlock-oci inside: $out"
	fi
	echo "ok: ctr --runc-binary $name"
done
# Nothing left: containerd stopped, its namespace's cgroups removed.
cleanup
trap - EXIT
left=$(ls -d /sys/fs/cgroup/*/"$NS" 2>/dev/null)
[ -z "$left" ] || fail "cgroups left behind: $left"
