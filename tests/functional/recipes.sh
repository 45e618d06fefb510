# The README's recipes for agents run as written (recipes.py): the Python
# client's quick start, the LLM tool's handler, the fintech case (pandas
# over a CSV in a sandbox with no network, only the result back), the
# Claude Code configs (stdio and HTTP) and the Codex config, against a
# live service; blocks that need a paid API are left out.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
/usr/bin/python3 -c 'import pandas' 2>/dev/null || { echo "N/A: python3-pandas is missing (make deps installs it)"; exit 3; }
SOCK=$WORK/s.sock
h() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
cat >"$WORK/config.json" <<JSON
{"tenants": [{"name": "recipes", "token_sha256": "$(h recipe-token)", "uids": [$(id -u)]}]}
JSON
serve_start "$WORK/serve.log" --listen "unix:$SOCK" --listen "tcp:127.0.0.1:0" --config "$WORK/config.json"
export SOCK AIRLOCK AIRLOCK_SOCKET=$SOCK AIRLOCK_TOKEN=recipe-token README=$REPO/README.md
PYTHONPATH="$REPO/clients/python" /usr/bin/python3 "$CASE_DIR/recipes.py" >"$WORK/out" 2>&1 ||
	fail "recipes: $(tail -30 "$WORK/out")"
grep -q '^{.months.: 2' "$WORK/out" || fail "the fintech recipe printed no result: $(cat "$WORK/out")"
[ "$(curl -sS --unix-socket "$SOCK" http://x/v1/sandboxes)" = '{"sandboxes":[]}' ] || fail "a recipe left a sandbox"
serve_stop
tail -1 "$WORK/out"
