# defence: sc-personality
# personality(ADDR_NO_RANDOMIZE | READ_IMPLIES_EXEC) would give the sandbox
# (and everything it execs) a fixed address layout and executable data.
. "$REPO/tests/escape/lib.sh"
build_c personality
out=$(al --ro "$WORK/personality:/personality" -- /personality 2>&1)
now=$(sed -n 's/^now //p' <<<"$out")
[ -n "$now" ] || broken "$out"
[ "$((16#$now & 16#0440000))" != 0 ] && escaped "personality now $now"
[[ "$out" == *"personality: Operation not permitted"* ]] || broken "$out"
contained "refused, personality $now"
