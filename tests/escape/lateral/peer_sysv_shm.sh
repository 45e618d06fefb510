# defence: ipcns
# Two sandboxes at once: the first keeps a secret in a shared memory segment
# anybody may read (mode 0666), the second enumerates every segment it can
# see. Each sandbox has its own IPC namespace, so it finds nothing.
. "$REPO/tests/escape/lib.sh"
build_c sysv
token="airlock-peer-shm-$RANDOM$RANDOM"
# The first sandbox is started with $AIRLOCK itself, not `al`: $! of a
# backgrounded shell function names a subshell, not the supervisor.
peer_opts=(--ro "$REPO:$REPO")
[ "$(id -u)" = 0 ] || peer_opts+=(--allow-degraded)
"$AIRLOCK" run "${peer_opts[@]}" --ro "$WORK:$WORK" -- "$WORK/sysv" shm-hold "$token" >"$WORK/a.out" 2>"$WORK/a.err" &
peer=$!
trap 'kill $peer 2>/dev/null; wait $peer' EXIT
for _ in $(seq 150); do grep -q ready "$WORK/a.out" && break; sleep 0.02; done
grep -q ready "$WORK/a.out" || broken "the first sandbox did not start: $(cat "$WORK/a.err")"
out=$(al --ro "$WORK:$WORK" -- "$WORK/sysv" shm-scan 2>"$WORK/err") || broken "scan failed: $out $(cat "$WORK/err")"
[[ "$out" == *"$token"* ]] && escaped "the other sandbox's segment read: $(echo "$out" | grep "$token")"
[[ "$out" == *"segments seen"* ]] || broken "$out"
contained "$(echo "$out" | tail -1)"
