# defence: rlimit-kernel
# Queued signals are counted per uid and charged again to the uid that
# created the sandbox's user namespace (root, or the caller), up to that
# uid's RLIMIT_SIGPENDING. The sandbox queues blocked real-time signals to
# itself (at most 200,000) and holds them; meanwhile a host process of the
# caller's uid must still queue one (sigqueue; timer_create and glibc's
# setresuid broadcast need the same). RLIMIT_SIGPENDING inside bounds it.
. "$REPO/tests/escape/lib.sh"
build_c ucounts
ucounts_attack sigqueue 200000
[ "$PROBE_RC" = 0 ] || escaped "a host process of uid $(id -u): $PROBE, while the sandbox $HELD"
contained "the sandbox $HELD; a host process of uid $(id -u): $PROBE"
