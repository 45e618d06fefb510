# defence: userns-sysctl
# inotify instances are counted per uid, and the kernel charges those of a
# user namespace again to the uid that created it (root, or the caller),
# against that uid's host limit (128). The sandbox takes all it can (at
# most 200) and holds them; meanwhile a host process of the caller's uid
# must still get one. The cap in the sandbox's own /proc/sys/user holds it
# to a small share. (Run with the seccomp rule on inotify lifted: the cap
# must hold for a profile that allows it.)
. "$REPO/tests/escape/lib.sh"
build_c ucounts
export AIRLOCK_TEST_DISABLE=${AIRLOCK_TEST_DISABLE:+$AIRLOCK_TEST_DISABLE,}sc-inotify
ucounts_attack inotify 200 --open-files 512
[ "$PROBE_RC" = 0 ] || escaped "a host process of uid $(id -u): $PROBE, while the sandbox $HELD"
contained "the sandbox $HELD; a host process of uid $(id -u): $PROBE"
