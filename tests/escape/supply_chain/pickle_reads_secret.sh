# defence: mount,landlock
# A model file from the internet is a pickle whose __reduce__ runs a shell
# command on load: pickle.load of /model/model.pkl under the model-eval
# profile runs `cat` on a secret of the host (a file the profile does not
# bind), and also tries open() from Python. The payload runs, but the secret
# must be out of its reach.
. "$REPO/tests/escape/lib.sh"
secret=$WORK/secret.txt
token="pickle-secret-$RANDOM$RANDOM"
echo "$token" >"$secret"
chmod 644 "$secret"
mkdir -m 755 "$WORK/model"
python3 - "$WORK/model/model.pkl" "$secret" <<'PY' || broken "cannot write the pickle"
import os, pickle, sys

secret = sys.argv[2]

class Shell:
    def __reduce__(self):
        return (os.system, ("echo payload-ran; cat " + secret,))

class Open:
    # builtins.eval of an expression: open() and read() from Python itself.
    def __reduce__(self):
        return (eval, ("print('open:', open(%r).read().strip(), flush=True)" % secret,))

with open(sys.argv[1], "wb") as f:
    pickle.dump({"weights": [0.1, 0.2], "cfg": Shell(), "more": Open()}, f)
PY
chmod 644 "$WORK/model/model.pkl"
# The victim's loader. (Without the mount namespace, in the control, binds do
# not exist: the loader then finds the model at its host path.)
out=$(al --profile model-eval --ro "$WORK/model:/model" -- python3 -c '
import os, pickle, sys
path = "/model/model.pkl" if os.path.exists("/model") else sys.argv[1]
try:
    with open(path, "rb") as f:
        m = pickle.load(f)
    print("loaded", sorted(m))
except Exception as e:
    print("load failed:", type(e).__name__, e)' "$WORK/model/model.pkl" 2>&1)
echo "$out"
[[ "$out" == *"$token"* ]] && escaped "the pickle read $secret: $(grep -m1 -e "$token" <<<"$out")"
[[ "$out" == *payload-ran* ]] || broken "the pickle's payload did not run: $out"
contained "$(grep -v -e degraded -e payload-ran <<<"$out" | tr '\n' ' ')"
