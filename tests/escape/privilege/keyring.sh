# defence: seccomp
# add_key, keyctl and request_key fail with EPERM. Without the filter any
# process adds keys to its keyrings and reads them back.
. "$REPO/tests/escape/lib.sh"
build_c keyring
out=$(al --ro "$WORK:$WORK" -- "$WORK/keyring" 2>&1)
echo "$out"
[[ "$out" == *ESCAPED:* ]] && escaped "$(grep -m1 'ESCAPED:' <<<"$out" | sed 's/^ESCAPED: //')"
[[ "$out" == *CONTAINED* ]] || broken "no verdict: $(grep -m1 'UNEXPECTED:' <<<"$out" || tail -1 <<<"$out")"
contained "add_key, keyctl, request_key: EPERM"
