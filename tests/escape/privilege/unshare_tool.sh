# defence: seccomp,landlock,userns-sysctl
# What an attacker would type: util-linux `unshare -U -m --keep-caps` for
# every capability in a new user and mount namespace, then a mount there.
# (`unshare -r` would fail anyway: mapping uid 0 needs CAP_SETFCAP at
# unshare time, which the command lacks.) unshare(2) is denied, so the tool
# fails before running anything.
. "$REPO/tests/escape/lib.sh"
out=$(al -- unshare -U -m --keep-caps sh -c 'mount -t tmpfs none /tmp && echo "MOUNTED a tmpfs, $(grep CapEff /proc/self/status)"' 2>&1)
echo "$out"
[[ "$out" == *MOUNTED* ]] && escaped "$(grep -m1 MOUNTED <<<"$out")"
[[ "$out" == *"unshare failed: Operation not permitted"* ]] || broken "unshare failed some other way"
contained "unshare -U -m: EPERM"
