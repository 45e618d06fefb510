# defence: rlimit-kernel
# POSIX message queue bytes are counted per uid and charged again to the
# uid that created the sandbox's user namespace (root, or the caller), up
# to that uid's RLIMIT_MSGQUEUE (800 KiB). The sandbox, in its own ipc
# namespace, opens queues of 10 x 8 KiB (at most 64) and holds them;
# meanwhile a host process of the caller's uid must still open one.
# Landlock refuses the open of each queue, but only after the kernel made
# it and charged its bytes: that is no defence here.
. "$REPO/tests/escape/lib.sh"
build_c ucounts
ucounts_attack mqueue 64
[ "$PROBE_RC" = 0 ] || escaped "a host process of uid $(id -u): $PROBE, while the sandbox $HELD"
contained "the sandbox $HELD; a host process of uid $(id -u): $PROBE"
