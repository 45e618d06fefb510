# defence: pidns
# A host process whose command line carries a secret (a token passed as an
# argument) must be invisible: the sandbox's /proc lists its own pid
# namespace only.
. "$REPO/tests/escape/lib.sh"
token="argv-s3cr3t-$RANDOM$RANDOM"
bash -c 'exec -a "$0" sleep 20' "$token" &
victim=$!
trap 'kill $victim 2>/dev/null' EXIT
for _ in $(seq 50); do grep -q "$token" /proc/$victim/cmdline 2>/dev/null && break; sleep 0.05; done
grep -q "$token" /proc/$victim/cmdline || broken "victim did not start"
out=$(al -- sh -c 'n=0; for f in /proc/[0-9]*/cmdline; do n=$((n+1)); tr "\0" " " <"$f"; echo; done; echo "$n processes"' 2>"$WORK/err")
[[ "$out" == *"$token"* ]] && escaped "host process $victim's command line read from inside ($(echo "$out" | tail -1))"
[[ "$out" == *processes* ]] || broken "$out $(cat "$WORK/err")"
contained "$(echo "$out" | tail -1) visible"
