# Helpers for containment cases. A case is a bash script that runs an attack
# inside airlock and exits 0 when the attack was contained, 1 when it
# succeeded (escaped), 3 when this kernel cannot run it (not_applicable),
# anything else on a broken test. Its header names the
# defence(s) it tests:
#   # defence: seccomp            (AIRLOCK_TEST_DISABLE value for the control)
#   # unprivileged: no            (skip as uid 65534: the defence needs root)
# The runner exports: AIRLOCK (test binary), CASE_DIR, WORK (a scratch dir
# for this case, world-writable), REPO, and AIRLOCK_TEST_DISABLE in controls.

set -u

# airlock run with the repo bound read-only at the same path, so attack
# programs can be found both inside and (in a mount-off control) outside.
al() {
	local extra=()
	[ "$(id -u)" = 0 ] || extra+=(--allow-degraded)
	# In a subshell (backgrounded with &, or in $(...)), become airlock, so
	# that $! and kill reach the supervisor itself.
	if [ "$BASHPID" != "$$" ]; then
		exec "$AIRLOCK" run "${extra[@]}" --ro "$REPO:$REPO" "$@"
	fi
	"$AIRLOCK" run "${extra[@]}" --ro "$REPO:$REPO" "$@"
}

# A field of a JSON report file.
report_field() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); 
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2"
}

contained() { echo "contained: $*"; exit 0; }
escaped() { echo "ESCAPED: $*"; exit 1; }
# The kernel itself rules the attack out (a feature it was built without):
# neither the case nor its control can run here; the runner counts it as
# skipped, with this reason, and never as passed.
not_applicable() { echo "N/A: $*"; exit 3; }
broken() { echo "BROKEN: $*"; exit 2; }

# Build a C attack program from $CASE_DIR into $WORK (static, so it runs
# under any profile).
build_c() {
	gcc -O1 -static -o "$WORK/$1" "$CASE_DIR/$1.c" 2>"$WORK/$1.cc.log" || broken "cannot compile $1.c: $(cat "$WORK/$1.cc.log")"
	chmod 755 "$WORK/$1"
}

# Per-user kernel counters (ucounts.c): the attack inside takes up to BOUND
# of COUNTER and holds it; meanwhile a host process of the caller's uid (the
# uid that created the sandbox's user namespace) tries to take one. Sets
# HELD (the attack's "held N stop WHY"), PROBE and PROBE_RC (0: it could).
ucounts_attack() { # ucounts_attack COUNTER BOUND [AIRLOCK OPTION...]
	local what=$1 bound=$2 pid i
	shift 2
	rm -f "$WORK/done" "$WORK/attack.out"
	(al --ro "$WORK:$WORK" "$@" -- "$WORK/ucounts" "$what" "$bound" "$WORK/done" >"$WORK/attack.out" 2>&1) &
	pid=$!
	for i in $(seq 200); do
		grep -q '^held' "$WORK/attack.out" && break
		sleep 0.05
	done
	HELD=$(grep '^held' "$WORK/attack.out")
	PROBE=$("$WORK/ucounts" "probe-$what" 2>&1)
	PROBE_RC=$?
	touch "$WORK/done"
	wait $pid
	[ -n "$HELD" ] || broken "the attack said nothing: $(cat "$WORK/attack.out")"
}

# A profile file ($WORK/NAME.json): the default profile with one more bind
# of KIND (ro or rw) HOST:INSIDE. A profile's own binds are not the caller's:
# as root they are not id-mapped, so files there keep their host owners and
# what a sandbox makes belongs to its own host uid.
profile_with_bind() { # profile_with_bind NAME ro|rw HOST:INSIDE
	"$AIRLOCK" profile show default | python3 -c 'import json, sys
p = json.load(sys.stdin); p["name"] = sys.argv[1]; p.setdefault(sys.argv[2], []).append(sys.argv[3])
print(json.dumps(p))' "$1" "$2" "$3" >"$WORK/$1.json" || broken "cannot make profile $1"
	echo "$WORK/$1.json"
}
