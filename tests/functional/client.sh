# The Python client (clients/python/airlock, standard library only) against
# a live airlock serve, over its unix socket and over TCP, each with a
# bearer token: every method, streaming callbacks, each typed error,
# context managers that always destroy the sandbox (client_test.py). Then
# `pip install clients/python` in a venv with no index at all (Debian's
# python3-venv and pip; the package's own build backend needs nothing).
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SOCK=$WORK/s.sock
h() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
cat >"$WORK/config.json" <<JSON
{"tenants": [
  {"name": "team-a", "token_sha256": "$(h token-a)", "ceilings": {"profiles": ["python", "default"]}},
  {"name": "team-q", "token_sha256": "$(h token-q)", "quotas": {"sandboxes": 1}},
  {"name": "team-v-unix", "token_sha256": "$(h token-v-unix)",
   "on_violations": {"throttle_after": 1, "quarantine_after": 1, "window": 600, "quarantine_for": 900}},
  {"name": "team-v-tcp", "token_sha256": "$(h token-v-tcp)",
   "on_violations": {"throttle_after": 1, "quarantine_after": 1, "window": 600, "quarantine_for": 900}}]}
JSON
serve_start "$WORK/serve.log" --listen "unix:$SOCK" --listen "tcp:127.0.0.1:0" --config "$WORK/config.json" \
	--max-body 1M --max-sandboxes 4
export SOCK WORK
for mode in unix tcp; do
	PYTHONPATH="$REPO/clients/python" python3 "$CASE_DIR/client_test.py" $mode >"$WORK/$mode.out" 2>&1 ||
		fail "the client over $mode: $(tail -25 "$WORK/$mode.out")"
	grep -q "^11 checks passed ($mode)" "$WORK/$mode.out" || fail "$mode: $(cat "$WORK/$mode.out")"
done

# Installed with pip from the tree, no index, then used from elsewhere.
cp -r "$REPO/clients/python" "$WORK/src"
/usr/bin/python3 -m venv "$WORK/venv" || fail "python3 -m venv (python3-venv)"
"$WORK/venv/bin/pip" install --no-index --disable-pip-version-check -q "$WORK/src" >"$WORK/pip.out" 2>&1 ||
	fail "pip install clients/python with no index: $(cat "$WORK/pip.out")"
(cd / && "$WORK/venv/bin/python" -c "
import airlock, sys
assert airlock.__file__.startswith('$WORK/venv/'), airlock.__file__
r = airlock.execute('print(7 * 6)', socket='$SOCK', token='token-a')
assert r.stdout == '42\n', r
") || fail "the installed client"

serve_stop
echo "client: 11 checks over unix, 11 over tcp; pip install with no index"
