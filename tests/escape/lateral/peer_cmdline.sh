# defence: pidns
# Two sandboxes at once: in the first, a program makes up a secret and
# passes it on a command line (as many tools take tokens); the second lists
# every command line it can see. Each sandbox has its own pid namespace.
. "$REPO/tests/escape/lib.sh"
# The first sandbox is started with $AIRLOCK itself, not `al`: $! of a
# backgrounded shell function names a subshell, not the supervisor.
peer_opts=(--ro "$REPO:$REPO")
[ "$(id -u)" = 0 ] || peer_opts+=(--allow-degraded)
"$AIRLOCK" run "${peer_opts[@]}" -- sh -c 't=airlock-peer-$(od -An -N8 -tx1 /dev/urandom | tr -d " \n"); echo "$t"; sh -c "sleep 10; :" "$t"' >"$WORK/a.out" 2>"$WORK/a.err" &
peer=$!
trap 'kill $peer 2>/dev/null; wait $peer' EXIT
for _ in $(seq 150); do grep -q airlock-peer "$WORK/a.out" && break; sleep 0.02; done
token=$(grep -o 'airlock-peer-[0-9a-f]*' "$WORK/a.out") || broken "the first sandbox did not start: $(cat "$WORK/a.err")"
out=$(al -- sh -c 'n=0; for f in /proc/[0-9]*/cmdline; do n=$((n+1)); tr "\0" " " <"$f"; echo; done; echo "$n processes"' 2>"$WORK/err")
[[ "$out" == *"$token"* ]] && escaped "the other sandbox's secret read from its command line ($(echo "$out" | tail -1))"
[[ "$out" == *processes* ]] || broken "$out $(cat "$WORK/err")"
contained "$(echo "$out" | tail -1) visible"
