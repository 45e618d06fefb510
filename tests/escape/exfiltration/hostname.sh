# defence: utsns
# The host's name is information the sandbox has no need of: inside, the
# name is airlock's own, from its UTS namespace.
. "$REPO/tests/escape/lib.sh"
host=$(uname -n)
[ "$host" = airlock ] && broken "the host is itself called airlock"
out=$(al -- sh -c 'uname -n; cat /proc/sys/kernel/hostname' 2>"$WORK/err") || broken "$(cat "$WORK/err")"
echo "$out" | grep -qxF "$host" && escaped "the host's name '$host' seen inside"
[ -n "$out" ] || broken "no name inside"
contained "inside: $(echo "$out" | head -1), host: $host"
