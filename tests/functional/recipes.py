"""Runs the README's recipes (section "Agents") as written, against a live
service (tests/functional/recipes.sh): each ```python block not marked
"# needs: a paid API", each ```json mcpServers config (the stdio server it
names, or the URL it gives), the ```toml Codex config. Env: README, SOCK,
PORT, AIRLOCK (the binary for "airlock"), AIRLOCK_TOKEN."""
import json
import os
import re
import subprocess
import sys
import tomllib
import urllib.request

text = open(os.environ["README"]).read()
section = text[text.index("\n## Agents"):]
section = section[:section.index("\n## ", 1)]
blocks = re.findall(r"\n```(\w+)\n(.*?)\n```", section, re.S)
ran = {"python": 0, "json": 0, "toml": 0}


def stdio_server(command, args, env):
    """Start the MCP server a config names; initialize, call run_code, end it."""
    assert command == "airlock", command
    env = dict(os.environ, **env)
    env["AIRLOCK_SOCKET"] = os.environ["SOCK"]  # the test's service, not /run/airlock
    msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
             "params": {"name": "run_code", "arguments": {"code": "print(1 + 1)"}}}]
    p = subprocess.Popen([os.environ["AIRLOCK"]] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)
    replies = {}
    for m in msgs:
        p.stdin.write(json.dumps(m) + "\n")
        p.stdin.flush()
        if "id" in m:
            r = json.loads(p.stdout.readline())
            replies[r["id"]] = r
    p.stdin.close()
    assert p.wait(60) == 0
    assert replies[1]["result"]["protocolVersion"] == "2025-06-18", replies
    assert replies[2]["result"]["structuredContent"]["stdout"] == "2\n", replies


def http_server(url, headers):
    url = re.sub(r"//[^/]+/", f"//127.0.0.1:{os.environ['PORT']}/", url)  # the test's listener
    headers = {k: os.path.expandvars(v) for k, v in headers.items()}

    def post(msg, sid=None, method="POST"):
        h = dict(headers, **{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
        if sid:
            h["Mcp-Session-Id"] = sid
        req = urllib.request.Request(url, data=json.dumps(msg).encode() if msg else None, headers=h, method=method)
        with urllib.request.urlopen(req) as resp:
            body = resp.read()
            return resp.headers.get("Mcp-Session-Id"), json.loads(body) if body else None

    sid, r = post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                   "params": {"protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
    assert sid and r["result"]["protocolVersion"] == "2025-03-26", r
    _, r = post({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                 "params": {"name": "run_command", "arguments": {"command": "echo over http"}}}, sid)
    assert r["result"]["structuredContent"]["stdout"] == "over http\n", r
    post(None, sid, "DELETE")


for lang, code in blocks:
    if "# needs: a paid API" in code:
        continue
    if lang == "python":
        p = subprocess.run([sys.executable, "-"], input=code, text=True, capture_output=True, timeout=90)
        assert p.returncode == 0, f"a python recipe failed:\n{code}\n--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}"
        print(p.stdout, end="")
    elif lang == "json":
        for name, s in json.loads(code)["mcpServers"].items():
            http_server(s["url"], s.get("headers", {})) if "url" in s else stdio_server(s["command"], s["args"], s.get("env", {}))
    elif lang == "toml":
        for name, s in tomllib.loads(code)["mcp_servers"].items():
            stdio_server(s["command"], s["args"], s.get("env", {}))
    else:
        continue
    ran[lang] += 1
print(f"recipes run: {ran}")
assert ran["python"] >= 3 and ran["json"] == 2 and ran["toml"] == 1, ran
