# defence: nnp
# The command and everything it starts run with no_new_privs: no execve can
# grant privileges (set-uid/set-gid bits, file capabilities), whatever the
# file system allows. Behind it stand nosuid binds, the single-uid map and
# the empty capability bounding set, so with only nnp off a set-uid binary
# still gains nothing; the flag itself is what this case checks, in the
# command and in a grandchild after two execve.
. "$REPO/tests/escape/lib.sh"
out=$(al -- sh -c 'grep NoNewPrivs /proc/self/status; sh -c "grep NoNewPrivs /proc/self/status"' 2>&1)
echo "$out"
n=$(grep -c '^NoNewPrivs:[[:space:]]*1$' <<<"$out")
grep -q '^NoNewPrivs:[[:space:]]*0$' <<<"$out" && escaped "no_new_privs is off: execve may grant privileges"
[ "$n" = 2 ] || broken "NoNewPrivs not found twice"
contained "no_new_privs set in the command and its children"
