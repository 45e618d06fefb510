# defence: ipcns
# A host program reads commands from a SysV message queue with a well-known
# key, open to everyone (mode 0666). The sandbox has its own IPC namespace:
# the key must name nothing there, and no message may reach the host's queue.
. "$REPO/tests/escape/lib.sh"
build_c sysv
for _ in 1 2 3 4 5; do
	key=$(printf '%x' $((0x41490000 + RANDOM)))
	"$WORK/sysv" mq-create "$key" >/dev/null 2>&1 && break
	key=
done
[ -n "$key" ] || broken "cannot create a message queue"
trap '"$WORK/sysv" mq-drain "$key" >/dev/null 2>&1' EXIT
token="injected-$RANDOM$RANDOM"
out=$(al --ro "$WORK:$WORK" -- "$WORK/sysv" mq-send "$key" "$token" 2>"$WORK/err") || broken "$out $(cat "$WORK/err")"
got=$("$WORK/sysv" mq-drain "$key")
trap - EXIT
[[ "$got" == *"$token"* ]] && escaped "message injected into the host's queue $key: $out"
[ -n "$out" ] || broken "no output from inside: $(cat "$WORK/err")"
contained "key $key inside: $out"
