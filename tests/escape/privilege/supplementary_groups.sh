# defence: groups
# unprivileged: no
# A root supervisor in group 0 (sudo, a login shell): its supplementary groups
# must not reach the sandbox, where they would be real on the host. A 0640
# file of another uid in group 0, in a directory the profile binds (not the
# caller's, so not id-mapped), must stay unreadable.
. "$REPO/tests/escape/lib.sh"
mkdir -m 755 "$WORK/d"
echo "group-secret-$RANDOM" >"$WORK/d/f"
chown 12345:0 "$WORK/d/f"
chmod 640 "$WORK/d/f"
prof=$(profile_with_bind groups ro "$WORK/d:/d")
out=$(setpriv --groups=0 "$AIRLOCK" run --profile "$prof" -- sh -c 'grep Groups /proc/self/status; cat /d/f' 2>&1)
[[ "$out" == *group-secret* ]] && escaped "read a group-0 file through the supervisor's groups: $out"
[[ "$out" == *"Permission denied"* ]] || broken "unexpected: $out"
contained "$(tr '\n' ' ' <<<"$out")"
