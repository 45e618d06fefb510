# defence: bind-check
# unprivileged: no
# A bind takes along whatever is mounted beneath it: a procfs mounted inside
# a bound directory would show the host's processes. Refused (exit 125).
# (The case mounts it in a mount namespace of its own: root only.)
. "$REPO/tests/escape/lib.sh"
d=$WORK/data
mkdir -p "$d/proc" && echo x >"$d/file" && chmod -R a+rX "$d"
out=$(unshare -m --propagation private sh -c 'mount -t proc proc "$1/proc" && shift && exec "$@"' sh "$d" \
	"$AIRLOCK" run --ro "$REPO:$REPO" --ro "$d:/data" -- sh -c 'cat /data/proc/1/comm' 2>&1)
rc=$?
[ $rc = 0 ] && [ -n "$out" ] && escaped "host init seen through the bind: $out"
[ $rc = 125 ] && [[ "$out" == *"mounted beneath it"* ]] || broken "exit $rc: $out"
contained "$out"
