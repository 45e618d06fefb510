# libairlock from a program of its own (tests/lib, built with ASan and
# LeakSanitizer against the library's objects, including only airlock.h):
# 50 sandboxes on one loop with one stalled, a kept sandbox (commands,
# files, snapshot and restore, the containment of a later command), and
# 1,000 sandboxes in a row without growth.
set -u
# ASan keeps freed memory in quarantine (256 MiB): for the loop's growth
# check it keeps 1 MiB, so that a leak shows as growth; LeakSanitizer
# checks every allocation at exit either way.
for t in many live loop; do
	opts=$ASAN_OPTIONS
	[ $t = loop ] && opts=$opts:quarantine_size_mb=1
	out=$(ASAN_OPTIONS=$opts "$REPO/build/test/lib/$t" 2>&1) || { echo "$out" | grep -v '^ok ' | tail -15; exit 1; }
done
echo "library ok"
