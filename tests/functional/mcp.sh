# The MCP server (airlock mcp over stdio, /mcp on the service over
# streamable HTTP) driven by the official MCP TypeScript SDK's client
# (@modelcontextprotocol/sdk from npm; tests/run.sh installs the pinned
# version into build/mcp-sdk/): tools listed with their schemas, code run,
# a session across calls, files both ways, a session of its own, invalid
# arguments, a refusal by policy, a cancelled call, and the end of the MCP
# session destroying its sandboxes (mcp_client.mjs). Then, by hand over
# HTTP: a session id is the tenant's own, a foreign Origin is refused, the
# protocol's errors; and the service leaves nothing behind.
. "$REPO/tests/escape/lib.sh"
. "$CASE_DIR/serve.lib"
SDK=$(ls -d "$REPO"/build/mcp-sdk/*/node_modules/@modelcontextprotocol/sdk 2>/dev/null | tail -1)
[ -n "$SDK" ] || fail "the MCP SDK is not in $REPO/build/mcp-sdk (tests/run.sh installs it with npm)"
command -v node >/dev/null || fail "node is missing (make deps installs nodejs)"
SOCK=$WORK/s.sock
h() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
cat >"$WORK/config.json" <<JSON
{"tenants": [{"name": "team-a", "token_sha256": "$(h token-a)", "ceilings": {"profiles": ["python", "default"]}},
             {"name": "team-b", "token_sha256": "$(h token-b)"}]}
JSON
serve_start "$WORK/serve.log" --listen "unix:$SOCK" --listen "tcp:127.0.0.1:0" --config "$WORK/config.json"
private=$(sed -n 's/.*event=listening listen=unix:\(.*airlock-mcp[^ ]*\).*/\1/p' "$WORK/serve.log" | head -1)
[ -n "$private" ] && [ -S "$private" ] || fail "no private socket for /mcp's calls"
[ "$(stat -c %a "$(dirname "$private")")" = 700 ] || fail "the private socket's directory is not 0700"

export MCP_SDK=$SDK SOCK TOKEN=token-a URL="http://127.0.0.1:$PORT/mcp" AIRLOCK
for mode in stdio http; do
	node "$CASE_DIR/mcp_client.mjs" $mode >"$WORK/$mode.out" 2>&1 || fail "the SDK client over $mode: $(tail -20 "$WORK/$mode.out")"
	grep -q "^9 checks passed ($mode)" "$WORK/$mode.out" || fail "$mode: $(cat "$WORK/$mode.out")"
	! grep -qE 'Sanitizer|runtime error' "$WORK/$mode.out" || fail "$mode: a sanitizer report: $(cat "$WORK/$mode.out")"
done

# By hand: initialize, then the session id is team-a's only.
C=(curl -sS -H "Authorization: Bearer token-a" -H 'Content-Type: application/json'
	-H 'Accept: application/json, text/event-stream')
init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
"${C[@]}" -D "$WORK/h" -d "$init" "$URL" >"$WORK/b" || fail "initialize"
grep -q '"protocolVersion":"2025-03-26"' "$WORK/b" || fail "the version asked for was not taken: $(cat "$WORK/b")"
sid=$(sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: *\([a-z0-9-]*\).*/\1/p' "$WORK/h")
[ -n "$sid" ] || fail "no Mcp-Session-Id: $(cat "$WORK/h")"
code() { curl -sS -o "$WORK/b" -w '%{http_code}' "$@"; }
list='{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
[ "$(code -H "Authorization: Bearer token-a" -H "Mcp-Session-Id: $sid" -d "$list" "$URL")" = 200 ] || fail "tools/list: $(cat "$WORK/b")"
[ "$(code -H "Authorization: Bearer token-b" -H "Mcp-Session-Id: $sid" -d "$list" "$URL")" = 404 ] || fail "another tenant used the session"
[ "$(code -H "Mcp-Session-Id: $sid" -d "$list" "$URL")" = 401 ] || fail "no token, yet answered"
[ "$(code -H "Authorization: Bearer token-a" -d "$list" "$URL")" = 400 ] || fail "no session id, yet answered"
[ "$(code -H "Authorization: Bearer token-a" -H "Origin: http://evil.example" -H "Mcp-Session-Id: $sid" -d "$list" "$URL")" = 403 ] ||
	fail "a foreign Origin was served"
[ "$(code -H "Authorization: Bearer token-a" -H "MCP-Protocol-Version: 1999-01-01" -H "Mcp-Session-Id: $sid" -d "$list" "$URL")" = 400 ] ||
	fail "an unknown protocol version was served"
[ "$(code -H "Authorization: Bearer token-a" -H "Mcp-Session-Id: $sid" -d '{"jsonrpc":"2.0","id":3,' "$URL")" = 400 ] ||
	fail "broken JSON"
grep -q '"code":-32700' "$WORK/b" || fail "broken JSON: not a parse error: $(cat "$WORK/b")"
[ "$(code -H "Authorization: Bearer token-a" -H "Mcp-Session-Id: $sid" -d '{"jsonrpc":"2.0","id":4,"method":"nope"}' "$URL")" = 200 ] &&
	grep -q '"code":-32601' "$WORK/b" || fail "unknown method: $(cat "$WORK/b")"
[ "$(code -H "Authorization: Bearer token-a" -H "Mcp-Session-Id: $sid" "$URL")" = 405 ] || fail "GET /mcp: not 405"
# A call to the private socket without the secret is refused.
[ "$(code --unix-socket "$private" -H "Airlock-Internal: $(printf '0%.0s' $(seq 64)) team-a" http://x/v1/sandboxes)" = 401 ] ||
	fail "the private socket took a made-up secret"
[ "$(code -X DELETE -H "Authorization: Bearer token-a" -H "Mcp-Session-Id: $sid" "$URL")" = 204 ] || fail "DELETE"
[ "$(code -H "Authorization: Bearer token-a" -H "Mcp-Session-Id: $sid" -d "$list" "$URL")" = 404 ] || fail "a deleted session answered"

serve_stop
[ ! -e "$(dirname "$private")" ] || fail "the private socket's directory was left: $(dirname "$private")"

# An MCP session idle past its time ends, and its default sandbox with it
# (the test build's AIRLOCK_TEST_MCP_IDLE_MS shortens the 600 s).
AIRLOCK_TEST_MCP_IDLE_MS=300 serve_start "$WORK/serve2.log" --listen "unix:$SOCK"
U=(curl -sS --unix-socket "$SOCK" -H 'Content-Type: application/json')
"${U[@]}" -D "$WORK/h" -d "$init" http://x/mcp >/dev/null || fail "initialize on the socket"
sid=$(sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: *\([a-z0-9-]*\).*/\1/p' "$WORK/h")
call='{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"run_command","arguments":{"command":"echo on unix"}}}'
"${U[@]}" -H "Mcp-Session-Id: $sid" -d "$call" http://x/mcp | grep -q '"stdout":"on unix\\n"' || fail "a call over the socket"
for i in $(seq 200); do
	grep -q "event=mcp_session_end tenant=local id=$sid why=idle" "$WORK/serve2.log" &&
		[ "$("${U[@]}" http://x/v1/sandboxes)" = '{"sandboxes":[]}' ] && break
	sleep 0.1
done
grep -q "why=idle" "$WORK/serve2.log" || fail "the idle MCP session never ended"
[ "$("${U[@]}" http://x/v1/sandboxes)" = '{"sandboxes":[]}' ] || fail "its default sandbox outlived it"
[ "$(code --unix-socket "$SOCK" -H "Mcp-Session-Id: $sid" -d "$list" http://x/mcp)" = 404 ] || fail "an ended session answered"
serve_stop
echo "mcp: the SDK client over stdio and HTTP, and the HTTP route's checks"
