# defence: time
# A command that only waits (no CPU) must be ended by the wall-clock limit:
# under --time 1, `sleep 3; echo finished` must not finish, and the status
# must be "timeout".
. "$REPO/tests/escape/lib.sh"
rep=$WORK/report.json
out=$(al --time 1 --report "$rep" -- sh -c 'sleep 3; echo finished' 2>&1)
[ -f "$rep" ] || broken "no report: $out"
status=$(report_field "$rep" status)
[[ "$out" == *finished* ]] && escaped "sleep 3 ran to its end under --time 1 (status $status)"
[ "$status" = timeout ] || escaped "sleep ended early but status is '$status', not timeout: $out"
contained "status timeout"
