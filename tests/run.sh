#!/bin/bash
# The test runner: unit tests, then the containment suite as root and as uid
# 65534. With --controls, each containment case runs with its defence off and
# must escape. Ends with "N passed, N failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
# The suite runs from a world-readable copy, so that uid 65534 can reach the
# binary and the attack programs wherever the checkout lives.
SUITE=$(mktemp -d /tmp/airlock-suite.XXXXXX)
chmod 755 "$SUITE"
mkdir -p "$SUITE/build/test"
cp build/test/airlock "$SUITE/build/test/"
# The release service, for the check that its test switches are not in it.
[ -x build/airlock-serve ] && cp build/airlock-serve "$SUITE/build/"
[ -d build/test/lib ] && cp -r build/test/lib "$SUITE/build/test/"
cp -r tests "$SUITE/"
# The systemd unit, checked by serve_systemd (the v2 VM copies only tests).
[ -d contrib ] && cp -r contrib "$SUITE/"
# The Python client and the README, for client*.sh and recipes.sh.
[ -d clients ] && cp -r clients "$SUITE/"
cp README.md "$SUITE/"
# The official MCP SDK client (npm) for tests/functional/mcp.sh: installed
# once, pinned, into build/mcp-sdk/ (a cache: the registry is asked only
# when it is missing), then copied into the suite.
MCP_SDK=build/mcp-sdk/1.17.5
if [ ! -d "$MCP_SDK/node_modules/@modelcontextprotocol/sdk" ] && command -v npm >/dev/null &&
	[[ "${CASES:-mcp}" == *mcp* ]]; then
	mkdir -p "$MCP_SDK"
	npm install --prefix "$MCP_SDK" --no-audit --no-fund --loglevel=error @modelcontextprotocol/sdk@1.17.5 \
		>build/mcp-sdk/install.log 2>&1 || echo "npm could not install the MCP SDK (build/mcp-sdk/install.log)"
fi
[ -d "$MCP_SDK/node_modules" ] && mkdir -p "$SUITE/$MCP_SDK" && cp -r "$MCP_SDK/node_modules" "$SUITE/$MCP_SDK/"
# The Kubernetes manifests, checked by oci_deploy.
[ -d deploy ] && cp -r deploy "$SUITE/"
chmod -R a+rX "$SUITE"
REPO=$SUITE
export REPO
export AIRLOCK=$REPO/build/test/airlock
# Sanitizers: abort on the first error; leaks are checked in the supervisor.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
controls=0
[ "${1:-}" = --controls ] && controls=1
filter=${CASES:-}

pass=0 fail=0 skip=0
declare -A cat_pass cat_fail
failed=() skipped=()
record() { # record CATEGORY NAME OK
	if [ "$3" = 1 ]; then
		pass=$((pass + 1)); cat_pass[$1]=$((${cat_pass[$1]:-0} + 1))
	else
		fail=$((fail + 1)); cat_fail[$1]=$((${cat_fail[$1]:-0} + 1)); failed+=("$1/$2")
	fi
}

# --- the outer safety net: every case runs in a cgroup with small limits, so
# that a control (its defence off) cannot exhaust the machine. On v2 the
# case's shell goes into a leaf of it (NET/cases), never into NET itself:
# NET then holds no process and can be delegated (NET_OWNER=UID chowns it as
# systemd delegates, so that airlock run as UID makes its sandboxes under
# NET/airlock). V2_NET=none runs cases where the runner is (the pure-v2 VM's
# "root at the top" placement).
NET_V1=() NET_V2= V2MNT=$(findmnt -n -t cgroup2 -o TARGET 2>/dev/null | head -1)
setup_net() {
	local own
	if grep -q '^0::' /proc/self/cgroup && [ -f /sys/fs/cgroup/cgroup.controllers ] &&
		grep -q memory /sys/fs/cgroup/cgroup.controllers; then
		[ "${V2_NET:-}" = none ] && return
		own=$(sed -n 's/^0:://p' /proc/self/cgroup)
		NET_V2=/sys/fs/cgroup${own%/}/airlock-test-net-$$
		mkdir -p "$NET_V2/cases" && echo 2G >"$NET_V2/memory.max" && echo 1024 >"$NET_V2/pids.max" || {
			echo "FAIL: cannot make the safety-net cgroup $NET_V2 (its parent must enable memory and pids)"
			rmdir "$NET_V2/cases" "$NET_V2" 2>/dev/null
			NET_V2=
			record setup "safety-net cgroup" 0
			return
		}
		if [ -n "${NET_OWNER:-}" ]; then
			local d f
			for d in "$NET_V2" "$NET_V2/cases"; do
				for f in "" /cgroup.procs /cgroup.subtree_control /cgroup.threads; do
					chown "$NET_OWNER:$NET_OWNER" "$d$f"
				done
			done
		fi
		return
	fi
	for c in memory pids; do
		own=$(awk -F: -v c=$c '$2 ~ "(^|,)"c"(,|$)" {print $3}' /proc/self/cgroup)
		local d=/sys/fs/cgroup/$c${own%/}/airlock-test-net-$$
		mkdir -p "$d" || continue
		NET_V1+=("$d")
	done
	[ ${#NET_V1[@]} -gt 0 ] && echo 2G >"${NET_V1[0]}/memory.limit_in_bytes" 2>/dev/null
	[ ${#NET_V1[@]} -gt 1 ] && echo 1024 >"${NET_V1[1]}/pids.max" 2>/dev/null
}
teardown_net() {
	rm -rf "$SUITE"
	local d p sub
	for d in "${NET_V1[@]}" ${NET_V2:+"$NET_V2/cases"}; do
		[ -d "$d" ] || continue
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
	for d in "${NET_V1[@]}" $NET_V2; do
		[ -d "$d" ] || continue
		# Sandboxes' cgroups a killed case could not remove itself,
		# deepest first.
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
}
in_net() { # run "$@" inside the safety net
	local cmd='for d in $NETS; do echo $$ > "$d/cgroup.procs"; done; exec "$@"'
	NETS="${NET_V1[*]} ${NET_V2:+$NET_V2/cases}" bash -c "$cmd" in_net "$@"
}

# --- unit tests: each binary prints "ok NAME" or "not ok NAME" per check.
run_units() {
	for t in "$OLDPWD_REPO"/build/test/unit/*; do
		[ -x "$t" ] || continue
		local out
		out=$("$t" 2>&1)
		local rc=$?
		while IFS= read -r line; do
			case "$line" in
			"ok "*) record unit "${line#ok }" 1 ;;
			"not ok "*) record unit "${line#not ok }" 0; echo "FAIL unit: ${line#not ok }" ;;
			esac
		done <<<"$out"
		if [ $rc != 0 ]; then record unit "$(basename "$t") (exit $rc)" 0; echo "$out" | tail -20; fi
	done
}

OLDPWD_REPO=$PWD

# Run a test script in a clean environment with a scratch dir, inside the
# safety net, as root or as uid 65534; sets $out and $rc.
launch() { # launch FILE MODE [VAR=VALUE...]
	local f=$1 mode=$2 work
	shift 2
	work=$(mktemp -d /tmp/airlock-case.XXXXXX)
	chmod 1777 "$work"
	local env=(AIRLOCK="$AIRLOCK" CASE_DIR="$(dirname "$REPO/$f")" WORK="$work" REPO="$REPO" STAGE="$STAGE"
		${AIRLOCK_TEST_SECOND_COMMAND:+AIRLOCK_TEST_SECOND_COMMAND=1}
		ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" PATH="$PATH" HOME="$work" "$@")
	local who=()
	[ "$mode" = user ] && who=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	out=$(in_net timeout 120 "${who[@]}" env -i "${env[@]}" bash "$REPO/$f" 2>&1)
	rc=$?
	rm -rf "$work"
}

# --- functional tests: exit 0 on success, as root and as uid 65534.
run_functional() { # run_functional FILE MODE
	local f=$1 mode=$2 name out rc
	name=$(basename "$f" .sh)
	launch "$f" "$mode"
	local label=$name
	[ "$mode" = user ] && label="$name (uid 65534)"
	if [ $rc = 3 ]; then # N/A, with its reason
		skip=$((skip + 1))
		skipped+=("functional/$label: $(echo "$out" | sed -n 's/^N\/A: //p' | tail -1)")
	elif [ $rc = 0 ]; then
		record functional "$label" 1
	else
		record functional "$label" 0
		echo "FAIL functional/$label (exit $rc):"
		show_failure "$out"
	fi
}

# A failed case's own FAIL lines (they may be far above its last lines,
# when a service's log follows them), then its last lines.
show_failure() {
	{ echo "$1" | grep -m 8 -E 'FAIL|not ok|Error|error:'; echo "$1" | tail -8; } | sed 's/^/    /'
}

# --- one containment case: as root or as 65534, normal or control.
run_case() { # run_case FILE MODE(root|user)
	local f=$1 mode=$2 cat name defence unpriv out rc want
	cat=$(basename "$(dirname "$f")")
	name=$(basename "$f" .sh)
	defence=$(sed -n 's/^# defence: *//p' "$f" | head -1)
	unpriv=$(sed -n 's/^# unprivileged: *//p' "$f" | head -1)
	[ -n "$defence" ] || { record "$cat" "$name (no defence declared)" 0; return; }
	[ "$mode" = user ] && [ "$unpriv" = no ] && return
	if [ $controls = 1 ]; then
		launch "$f" "$mode" AIRLOCK_TEST_DISABLE="$defence"
	else
		launch "$f" "$mode"
	fi
	want=0
	[ $controls = 1 ] && want=1
	local label="$name${mode/root/}"
	[ "$mode" = user ] && label="$name (uid 65534)"
	if [ $rc = 3 ]; then
		skip=$((skip + 1))
		skipped+=("$cat/$label: $(echo "$out" | sed -n 's/^N\/A: //p' | tail -1)")
	elif [ $rc = $want ]; then
		record "$cat" "$label" 1
		[ -n "${VERBOSE:-}" ] && echo "ok $cat/$label: $(echo "$out" | tail -1)"
	else
		record "$cat" "$label" 0
		echo "FAIL $cat/$label (exit $rc, wanted $want):"
		show_failure "$out"
	fi
}

# --- nothing left behind: what the host looks like before, compared after.
# Only what the suite made is counted, so that other programs on a shared
# machine (another checkout's suite, a build's temp files) never fail it:
# airlock's own names in /tmp (a sandbox cannot write the host's /tmp, and
# airlock makes no other temp file), and the cgroups and processes inside
# the suite's own safety-net cgroups, where every case and its sandboxes ran.
snapshot() {
	echo "mounts $(wc -l </proc/self/mountinfo)"
	ls -a /tmp | grep '^airlock' | grep -v -e '^airlock-case\.' -e '^airlock-suite\.' | sed 's/^/tmp /'
	local d c pid
	# v2, as root: sandboxes' cgroups are made under V2MNT/airlock. Another
	# suite's live sandbox there is not ours (its supervisor is alive); the
	# parent counts once nothing is in it (the last sandbox removes it).
	if [ -n "$V2MNT" ] && [ -d "$V2MNT/airlock" ]; then
		for c in "$V2MNT"/airlock/airlock-*; do
			[ -d "$c" ] || continue
			pid=${c##*/airlock-}
			pid=${pid%%-*}
			kill -0 "$pid" 2>/dev/null || echo "cgroup $c"
		done
		[ -z "$(find "$V2MNT/airlock" -mindepth 1 -maxdepth 1 -type d)" ] && echo "cgroup $V2MNT/airlock"
	fi
	for d in "${NET_V1[@]}" $NET_V2; do
		[ -d "$d" ] || continue
		find "$d" -mindepth 1 -type d -name 'airlock*' 2>/dev/null | sed 's/^/cgroup /'
		find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do
			echo "process $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
		done
	done
}
# Only what appeared counts: a file another program removed meanwhile is
# none of the suite's doing (the mount count is compared as a number).
check_leftovers() {
	local new
	new=$(comm -13 <(echo "$BEFORE" | grep -v '^mounts ' | sort) <(snapshot | grep -v '^mounts ' | sort))
	local mounts_before mounts_after
	mounts_before=$(echo "$BEFORE" | sed -n 's/^mounts //p')
	mounts_after=$(snapshot | sed -n 's/^mounts //p')
	[ "$mounts_after" -gt "$mounts_before" ] && new="$new${new:+
}mounts: $mounts_before before, $mounts_after after"
	if [ -z "$new" ]; then
		record leftovers "nothing left behind by the suite" 1
	else
		record leftovers "nothing left behind by the suite" 0
		echo "FAIL leftovers: the suite left these behind:"
		echo "$new" | sed 's/^/    /'
	fi
}

# CASES: space-separated patterns (any may match); MODES: root, user or both.
wanted() {
	[ -z "$filter" ] && return 0
	local p
	for p in $filter; do [[ "$1" == *$p* ]] && return 0; done
	return 1
}
BEFORE=$(snapshot)
setup_net
trap teardown_net EXIT
# ESCAPE_ONLY=1: the containment cases alone (make check runs them once
# more that way, through a kept sandbox's second command).
escape_only=${ESCAPE_ONLY:-0}
[ $controls = 0 ] && [ $escape_only = 0 ] && run_units
# make install into a staging directory (the Makefile's check target): the
# binary runs from there and the man page is where man looks.
if [ $controls = 0 ] && [ -n "${INSTALL_CHECK:-}" ]; then
	if "$INSTALL_CHECK/bin/airlock" --version | grep -q '^airlock [0-9]' &&
		[ -f "$INSTALL_CHECK/share/man/man1/airlock.1" ] &&
		man -l "$INSTALL_CHECK/share/man/man1/airlock.1" 2>/dev/null | grep -q 'airlock run'; then
		record unit "make install: binary and man page" 1
	else
		record unit "make install: binary and man page" 0
		echo "FAIL unit: make install (staged in $INSTALL_CHECK)"
	fi
fi
# The library: its header alone as C11 and C++, only its API exported, and
# a program built from the installed header and libraries with pkg-config.
check_library() {
	local api exported d=$INSTALL_ROOT prefix=${INSTALL_CHECK#"$INSTALL_ROOT"} bin
	if cc -std=c11 -pedantic -Wall -Wextra -Werror -I include -fsyntax-only tests/lib/header.c &&
		g++ -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror -I include -fsyntax-only tests/lib/header.c; then
		record unit "airlock.h compiles alone as C11 -pedantic and as C++" 1
	else
		record unit "airlock.h compiles alone as C11 -pedantic and as C++" 0
	fi
	api=$(sed -n 's/^AL_API [^(]*[ *]\(al_[a-z_]*\)(.*/\1/p' include/airlock.h | sort)
	exported=$(nm -D --defined-only "$INSTALL_CHECK/lib/libairlock.so" | awk '{print $3}' | sort)
	if [ -n "$api" ] && [ "$api" = "$exported" ]; then
		record unit "libairlock.so exports the API's symbols and nothing else" 1
	else
		record unit "libairlock.so exports the API's symbols and nothing else" 0
		diff <(echo "$api") <(echo "$exported") | head -10
	fi
	bin=$(mktemp -d /tmp/airlock-installed.XXXXXX)
	local pc=(env PKG_CONFIG_PATH="$INSTALL_CHECK/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$d" pkg-config)
	local degraded=()
	[ "$(id -u)" = 0 ] || degraded=(degraded)
	if cc -std=c11 -o "$bin/shared" tests/lib/installed.c $("${pc[@]}" --cflags --libs airlock) &&
		LD_LIBRARY_PATH="$INSTALL_CHECK/lib" ldd "$bin/shared" | grep -q 'libairlock.so.0 ' &&
		LD_LIBRARY_PATH="$INSTALL_CHECK/lib" "$bin/shared" "${degraded[@]}" | grep -q 'installed'; then
		record unit "a program built with pkg-config airlock against libairlock.so runs a sandbox" 1
	else
		record unit "a program built with pkg-config airlock against libairlock.so runs a sandbox" 0
	fi
	if cc -std=c11 -o "$bin/static" tests/lib/installed.c $("${pc[@]}" --cflags airlock) \
		"$INSTALL_CHECK/lib/libairlock.a" $("${pc[@]}" --static --libs-only-l airlock | sed 's/-lairlock//') &&
		! ldd "$bin/static" | grep -q libairlock && "$bin/static" "${degraded[@]}" | grep -q 'installed'; then
		record unit "a program linked with libairlock.a runs a sandbox" 1
	else
		record unit "a program linked with libairlock.a runs a sandbox" 0
	fi
	rm -rf "$bin"
}
[ $controls = 0 ] && [ $escape_only = 0 ] && [ -n "${INSTALL_ROOT:-}" ] && wanted library && check_library
# The libraries as `make install DESTDIR=... PREFIX=/usr` lays them out, for
# the tests that build a program against them as a user would
# (tests/functional/scan_lib.sh).
STAGE=$SUITE/stage
if [ $controls = 0 ] && [ $escape_only = 0 ] && wanted tests/functional/scan_lib.sh; then
	if make --no-print-directory install-scan DESTDIR="$STAGE" PREFIX=/usr >"$SUITE/stage.log" 2>&1; then
		chmod -R a+rX "$STAGE"
	else
		record unit "make install-scan, staged" 0
		echo "FAIL unit: make install-scan DESTDIR=$STAGE:"
		tail -5 "$SUITE/stage.log" | sed 's/^/    /'
	fi
fi
# Where the suite's time goes: seconds per functional file (both modes),
# the slowest listed at the end, and the containment cases in all.
durations=()
if [ $controls = 0 ] && [ $escape_only = 0 ]; then
	for f in tests/functional/*.sh; do
		wanted "$f" || continue
		t0=$SECONDS
		run_functional "$f" root
		run_functional "$f" user
		durations+=("$((SECONDS - t0)) $(basename "$f" .sh)")
	done
fi
modes=${MODES:-root user}
t0=$SECONDS
for f in tests/escape/*/*.sh; do
	wanted "$f" || continue
	[[ " $modes " == *" root "* ]] && run_case "$f" root
	[ $controls = 0 ] && [[ " $modes " == *" user "* ]] && run_case "$f" user
done
durations+=("$((SECONDS - t0)) (containment cases)")

[ $controls = 0 ] && { [ -z "$filter" ] || [ -n "${LEFTOVERS:-}" ]; } && check_leftovers
echo
for c in $(printf '%s\n' "${!cat_pass[@]}" "${!cat_fail[@]}" | sort -u); do
	printf '  %-16s %3d passed, %d failed\n' "$c" "${cat_pass[$c]:-0}" "${cat_fail[$c]:-0}"
done
[ ${#durations[@]} -gt 1 ] && echo "slowest (s): $(printf '%s\n' "${durations[@]}" | sort -rn | head -8 | tr '\n' ',' | sed 's/,$//; s/,/, /g')"
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[*]}"
for s in "${skipped[@]}"; do echo "skipped $s"; done
# RESULTS=FILE: the counts for a caller that adds up several runs (make
# check: this machine, then the pure-v2 VM); LABEL prefixes the line.
[ -n "${RESULTS:-}" ] && echo "$pass $fail $skip" >"$RESULTS"
if [ $skip -gt 0 ]; then
	echo "${LABEL:+$LABEL: }$pass passed, $fail failed, $skip skipped"
else
	echo "${LABEL:+$LABEL: }$pass passed, $fail failed"
fi
[ $fail = 0 ]
