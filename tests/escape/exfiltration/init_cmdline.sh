# defence: cmdline
# /proc/1/cmdline inside is readable by the command; it must not show the
# supervisor's own arguments (paths, options, a daemon's settings).
. "$REPO/tests/escape/lib.sh"
mark="supervisor-only-$RANDOM"
out=$(al --report "$WORK/$mark.json" -- cat /proc/1/cmdline 2>&1 | tr '\0' ' ')
[[ "$out" == *"$mark"* ]] && escaped "init's command line shows the supervisor's arguments: $out"
contained "$out"
