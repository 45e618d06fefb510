# defence: ipcns
# A host process keeps a secret in a world-readable SysV shared memory
# segment. The sandbox has its own IPC namespace: enumerating every segment
# (no key needed) must find none of the host's.
. "$REPO/tests/escape/lib.sh"
build_c sysv_shm
token="airlock-shm-s3cr3t-$RANDOM$RANDOM"
"$WORK/sysv_shm" hold "$token" "$WORK/ready" &
holder=$!
trap 'kill $holder 2>/dev/null' EXIT
for _ in $(seq 100); do [ -e "$WORK/ready" ] && break; sleep 0.02; done
"$WORK/sysv_shm" scan | grep -q "$token" || broken "the host segment is not found from the host"
out=$(al --ro "$WORK:$WORK" -- "$WORK/sysv_shm" scan 2>"$WORK/err") || broken "scan failed: $out $(cat "$WORK/err")"
[[ "$out" == *"$token"* ]] && escaped "host shared memory read inside: $(echo "$out" | grep "$token")"
[[ "$out" == *"segments seen"* ]] || broken "$out"
contained "$(echo "$out" | tail -1)"
