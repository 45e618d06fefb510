# defence: pidns,landlock
# A host process running as the very host uid the sandbox runs as (the
# caller's own, for an unprivileged caller) must be out of reach of
# signals: in its own pid namespace the sandbox cannot name it.
. "$REPO/tests/escape/lib.sh"
if [ "$(id -u)" = 0 ]; then
	uid=$((2100000000 + RANDOM))
	range=(--uid-range "$uid:1")
	as=(setpriv --reuid="$uid" --regid="$uid" --clear-groups)
else
	range=() as=() # the sandbox runs as the caller's uid
fi
"${as[@]}" sleep 20 &
victim=$!
trap 'kill $victim 2>/dev/null' EXIT
for _ in $(seq 50); do [ "$(readlink /proc/$victim/exe)" = "$(readlink -f "$(command -v sleep)")" ] && break; sleep 0.02; done
alive() { [ -e /proc/$victim ] && ! grep -q '^[^)]*) Z' /proc/$victim/stat 2>/dev/null; }
alive || broken "victim did not start"
out=$(al "${range[@]}" -- sh -c 'kill -TERM "$1" && echo "killed $1"' sh "$victim" 2>&1)
sleep 0.1
alive || escaped "the host's process $victim was killed from inside: $out"
contained "$(echo "$out" | grep -v degraded)"
