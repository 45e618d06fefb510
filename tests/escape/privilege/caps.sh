# defence: caps
# The command holds no capability, not even inside its user namespace, and
# cannot regain one (securebits NOROOT, locked): sethostname, raw sockets
# and capset fail with EPERM.
. "$REPO/tests/escape/lib.sh"
build_c caps
out=$(al --ro "$WORK:$WORK" -- "$WORK/caps" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "no capabilities; sethostname, raw socket, capset: EPERM"
