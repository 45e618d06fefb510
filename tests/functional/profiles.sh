# Each built-in profile runs its language's hello world; profile show/check work.
. "$REPO/tests/escape/lib.sh"
set -e
[ "$(al --profile python -- python3 -c 'print("py", 6*7)')" = "py 42" ]
[ "$(al --profile default -- sh -c 'echo sh $((6*7))')" = "sh 42" ]
if [ -x /usr/bin/node ]; then
	[ "$(al --profile node -- node -e 'console.log("node", 6*7)')" = "node 42" ]
fi
# NumPy (through the BLAS alternative) in each Python profile; the
# libraries one by one, for real, in datascience.sh.
for p in python model-eval; do
	[ "$(al --profile $p -- python3 -c 'import numpy; print("np", round(numpy.linalg.det(numpy.eye(3) * 2)))')" = "np 8" ]
done
for p in default python node model-eval; do
	"$AIRLOCK" profile show $p >"$WORK/$p.json"
	"$AIRLOCK" profile check "$WORK/$p.json" >/dev/null
done
"$AIRLOCK" profile list | grep -q '^python'
echo '{"limits": {"memory": "lots"}}' >"$WORK/bad.json"
msg=$("$AIRLOCK" profile check "$WORK/bad.json" 2>&1) && exit 1
[[ "$msg" == *limits.memory* ]]
msg=$("$AIRLOCK" run --profile "$WORK/bad.json" -- true 2>&1) && exit 1
[[ "$msg" == *limits.memory* ]]
echo "profiles ok"
