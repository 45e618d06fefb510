# libairlock-scan as its users get it: `make install` staged by the runner
# (STAGE, PREFIX=/usr), a program built only from the installed header and
# library through pkg-config, linked shared and static, scans pickles it
# writes itself (tests/functional/scan_lib.c). The header compiles alone as
# C11 -pedantic and as C++; the shared library exports only al_scan_*; the
# scanner references no symbol of the sandbox.
set -u
fail() { echo "FAIL: $*"; exit 1; }
lib=${STAGE:-}/usr/lib
[ -n "${STAGE:-}" ] && [ -f "$lib/pkgconfig/airlock-scan.pc" ] || fail "no staged install (STAGE=${STAGE:-})"
export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$STAGE
cflags=$(pkg-config --cflags airlock-scan) || fail "pkg-config --cflags"
libs=$(pkg-config --libs airlock-scan) || fail "pkg-config --libs"
static_libs=$(pkg-config --static --libs airlock-scan) || fail "pkg-config --static --libs"
[[ "$cflags" == *"$STAGE/usr/include"* ]] || fail "cflags do not point into the install: $cflags"

# The header alone, as C11 and as C++.
printf '#include <airlock/scan.h>\n' | cc -std=c11 -pedantic -Wall -Wextra -Werror $cflags -fsyntax-only -x c - ||
	fail "the header does not compile alone as C11"
printf '#include <airlock/scan.h>\nint main() { return al_scan_verdict_name(AL_SCAN_SAFE) == nullptr; }\n' |
	g++ -std=c++11 -pedantic -Wall -Wextra -Werror $cflags -fsyntax-only -x c++ - ||
	fail "the header does not compile as C++"

# Only the API leaves the shared library; the soname is versioned.
extra=$(nm -D --defined-only "$lib/libairlock-scan.so" | awk '{print $3}' | grep -v '^al_scan_')
[ -z "$extra" ] || fail "exported beyond the API: $(echo $extra | head -c 300)"
[ "$(nm -D --defined-only "$lib/libairlock-scan.so" | grep -c ' al_scan_')" -gt 20 ] || fail "the API is not exported"
readelf -d "$lib/libairlock-scan.so" | grep -q 'SONAME.*\[libairlock-scan\.so\.0\]' || fail "soname"
[ "$(readlink "$lib/libairlock-scan.so.0")" = libairlock-scan.so.0.1.0 ] || fail "libairlock-scan.so.0 link"
# Nothing of the sandbox (its helpers are al_*, its mechanisms by name).
sbx=$(nm -u "$lib/libairlock-scan.a" | awk '{print $2}' | grep -E '^(al_|cgroup_|seccomp_|plan_|sandbox_|mount_|landlock_|policy_|profile_|log_)' | grep -v '^al_scan_')
[ -z "$sbx" ] || fail "the scanner references the sandbox: $sbx"

# The client, shared (found through an rpath into the staging) and static
# (pkg-config --static: the private libraries are enough).
cc -std=c11 -Wall -Wextra -Werror $cflags -o "$WORK/client" "$CASE_DIR/scan_lib.c" $libs -Wl,-rpath,"$lib" ||
	fail "build against the shared library"
cc -std=c11 -Wall -Wextra -Werror -static $cflags -o "$WORK/client-static" "$CASE_DIR/scan_lib.c" $static_libs ||
	fail "build against the static library"
ldd "$WORK/client" | grep -q "$lib/libairlock-scan.so.0" || fail "the client does not use the staged library"
for c in client client-static; do
	mkdir "$WORK/$c.d"
	"$WORK/$c" "$WORK/$c.d" >"$WORK/$c.out" 2>&1 || { tail -20 "$WORK/$c.out"; fail "$c"; }
done
echo "$(grep -c "^ok " "$WORK/client.out") checks passed by the shared and the static client"
