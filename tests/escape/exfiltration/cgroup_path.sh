# defence: cgroupns
# /proc/self/cgroup inside must show the sandbox's cgroup as the root ("/")
# in every hierarchy: the host's cgroup layout (paths like
# /process_api/..., the supervisor's pid in airlock-PID-N) must not leak.
. "$REPO/tests/escape/lib.sh"
out=$(al -- sh -c 'cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup' 2>"$WORK/err") || broken "$(cat "$WORK/err")"
[[ "$out" == *:* ]] || broken "no cgroup lines: $out"
leaks=$(echo "$out" | grep -v -e '^---$' | grep -vE '^[0-9]+:[^:]*:/$')
[ -n "$leaks" ] && escaped "host cgroup paths inside: $(echo "$leaks" | sort -u | head -4 | tr '\n' ' ')"
contained "every hierarchy shows /"
