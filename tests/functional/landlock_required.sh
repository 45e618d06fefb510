# A profile that requires Landlock refuses to run where the kernel has none
# (simulated with the test switch), and runs where it has it; the report says which ABI.
. "$REPO/tests/escape/lib.sh"
"$AIRLOCK" profile show default | python3 -c '
import json, sys
p = json.load(sys.stdin); p["landlock"] = {"required": True}
json.dump(p, open(sys.argv[1], "w"))' "$WORK/req.json"
al --profile "$WORK/req.json" --report "$WORK/r.json" -- true || exit 1
[ "$(report_field "$WORK/r.json" landlock)" -ge 1 ] || exit 1
AIRLOCK_TEST_DISABLE=landlock al --profile "$WORK/req.json" -- true 2>"$WORK/e"
[ $? = 125 ] && grep -q Landlock "$WORK/e" || exit 1
AIRLOCK_TEST_DISABLE=landlock al --report "$WORK/r2.json" -- true || exit 1
[ "$(report_field "$WORK/r2.json" landlock)" = unavailable ] || exit 1
echo "landlock ok"
