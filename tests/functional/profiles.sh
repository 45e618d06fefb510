# Each built-in profile runs its language's hello world; profile show/check work.
. "$REPO/tests/escape/lib.sh"
set -e
[ "$(al --profile python -- python3 -c 'print("py", 6*7)')" = "py 42" ]
[ "$(al --profile default -- sh -c 'echo sh $((6*7))')" = "sh 42" ]
if [ -x /usr/bin/node ]; then
	[ "$(al --profile node -- node -e 'console.log("node", 6*7)')" = "node 42" ]
fi
[ "$(al --profile model-eval -- python3 -c 'print("eval ok")')" = "eval ok" ]
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
