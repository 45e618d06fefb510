# defence: userns-sysctl
# inotify watches are counted per uid and charged to the creator of the
# sandbox's user namespace as well (root, or the caller), against that
# uid's host limit (~190,000 here). Exhausting that would take the host's
# whole share: the attack stops at 8,000 watches (one per file in /tmp),
# and the sandbox must get no more than its cap (4096) of them; the
# control gets all 8,000. (The seccomp rule on inotify lifted, as a
# profile may.)
. "$REPO/tests/escape/lib.sh"
build_c ucounts
export AIRLOCK_TEST_DISABLE=${AIRLOCK_TEST_DISABLE:+$AIRLOCK_TEST_DISABLE,}sc-inotify
ucounts_attack watches 8000 --tmpfs-size 64M
n=$(awk '{print $2}' <<<"$HELD")
[ "$n" -gt 4096 ] && escaped "the sandbox $HELD (cap 4096); a host process of uid $(id -u): $PROBE"
[ "$PROBE_RC" = 0 ] || escaped "a host process of uid $(id -u): $PROBE, while the sandbox $HELD"
contained "the sandbox $HELD; a host process of uid $(id -u): $PROBE"
