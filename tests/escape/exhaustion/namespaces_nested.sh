# defence: userns-sysctl
# Namespaces are counted per uid and charged to the creator of the
# sandbox's user namespace as well, against that uid's host limit (96,362
# of each kind here). The filter denies new namespaces; this case checks
# the second layer with the filter off: the sandbox's max_*_namespaces are
# 0, so it may make no user namespace at all (the control makes one: an
# unmapped namespace cannot nest another; holding the host's whole share
# would take 96,362 processes or descriptors).
. "$REPO/tests/escape/lib.sh"
build_c ucounts
export AIRLOCK_TEST_DISABLE=${AIRLOCK_TEST_DISABLE:+$AIRLOCK_TEST_DISABLE,}seccomp
ucounts_attack userns 20
n=$(awk '{print $2}' <<<"$HELD")
[ "$n" -gt 0 ] && escaped "the sandbox made $n user namespaces ($HELD)"
contained "the sandbox $HELD"
