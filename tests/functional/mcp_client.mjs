// The official MCP TypeScript SDK's client against airlock's MCP server
// (tests/functional/mcp.sh): over stdio (`airlock mcp`) or streamable HTTP
// (the service's /mcp). Usage: node mcp_client.mjs stdio|http
// Env: MCP_SDK (the SDK's directory), AIRLOCK, SOCK (the service's unix
// socket), URL and TOKEN (http).
import http from "node:http";
import assert from "node:assert/strict";

const sdk = process.env.MCP_SDK;
const { Client } = await import(`${sdk}/dist/esm/client/index.js`);
const mode = process.argv[2];

// The service's own API, to see what the MCP server did (over the socket).
function api(method, path) {
	return new Promise((resolve, reject) => {
		const req = http.request({ socketPath: process.env.SOCK, path, method,
			headers: process.env.TOKEN ? { Authorization: `Bearer ${process.env.TOKEN}` } : {} }, res => {
			let body = "";
			res.on("data", d => (body += d));
			res.on("end", () => resolve({ status: res.statusCode, body: body ? JSON.parse(body) : null }));
		});
		req.on("error", reject);
		req.end();
	});
}
const sandboxes = async () => (await api("GET", "/v1/sandboxes")).body.sandboxes.map(s => s.id);
async function until(what, fn) {
	for (let i = 0; i < 600; i++) {
		if (await fn()) return;
		await new Promise(r => setTimeout(r, 50));
	}
	throw new Error(`never: ${what}`);
}

let transport;
if (mode === "stdio") {
	const { StdioClientTransport } = await import(`${sdk}/dist/esm/client/stdio.js`);
	transport = new StdioClientTransport({ command: process.env.AIRLOCK, args: ["mcp", "--socket", process.env.SOCK],
		env: { ...process.env, AIRLOCK_TOKEN: process.env.TOKEN }, stderr: "inherit" });
} else {
	const { StreamableHTTPClientTransport } = await import(`${sdk}/dist/esm/client/streamableHttp.js`);
	transport = new StreamableHTTPClientTransport(new URL(process.env.URL),
		{ requestInit: { headers: { Authorization: `Bearer ${process.env.TOKEN}` } } });
}
const client = new Client({ name: "airlock-test", version: "1.0.0" });
await client.connect(transport);
let checks = 0;
const ok = (what) => { checks++; console.log(`ok ${mode}: ${what}`); };

// 1. The tools, each with an input and an output schema.
const { tools } = await client.listTools();
const names = tools.map(t => t.name).sort();
assert.deepEqual(names, ["close_session", "create_session", "list_files", "read_file", "run_code", "run_command",
	"write_file"]);
for (const t of tools) {
	assert.equal(t.inputSchema.type, "object", t.name);
	assert.equal(t.outputSchema.type, "object", t.name);
}
ok("tools/list: 7 tools with input and output schemas");

// 2. Code runs; the SDK checks structuredContent against the output schema.
let r = await client.callTool({ name: "run_code", arguments: { code: "import sys\nprint(6 * 7)\nprint('err', file=sys.stderr)" } });
assert.equal(r.isError, false, JSON.stringify(r));
assert.equal(r.structuredContent.status, "exited");
assert.equal(r.structuredContent.exit_code, 0);
assert.equal(r.structuredContent.stdout, "42\n");
assert.equal(r.structuredContent.stderr, "err\n");
assert.equal(r.structuredContent.stdout_truncated, false);
assert.deepEqual(r.structuredContent.violations, []);
assert.match(r.content[0].text, /42/);
const first = r.structuredContent.session;
ok("run_code: stdout, stderr, exit code as structured content");

// 3. The default sandbox keeps state across calls, without ids.
r = await client.callTool({ name: "run_command", arguments: { command: "echo kept > state.txt; exit 3" } });
assert.equal(r.structuredContent.exit_code, 3);
r = await client.callTool({ name: "run_code", arguments: { language: "sh", code: "cat state.txt" } });
assert.equal(r.structuredContent.stdout, "kept\n");
assert.equal(r.structuredContent.session, first);
ok("a session across calls: state.txt written by one call, read by the next");

// 4. Files: text and binary round trips, a listing, a PNG as an image.
r = await client.callTool({ name: "write_file", arguments: { path: "data/in.csv", content: "a,b\n1,2\n" } });
assert.equal(r.isError, false, JSON.stringify(r));
assert.equal(r.structuredContent.size, 8);
r = await client.callTool({ name: "read_file", arguments: { path: "data/in.csv" } });
assert.equal(r.structuredContent.content, "a,b\n1,2\n");
assert.equal(r.structuredContent.encoding, "utf8");
const bin = Buffer.from([0, 255, 1, 254, 128]).toString("base64");
await client.callTool({ name: "write_file", arguments: { path: "blob.bin", content: bin, encoding: "base64" } });
r = await client.callTool({ name: "read_file", arguments: { path: "blob.bin" } });
assert.equal(r.structuredContent.encoding, "base64");
assert.equal(r.structuredContent.content, bin);
r = await client.callTool({ name: "list_files", arguments: { path: "data" } });
assert.deepEqual(r.structuredContent.entries.map(e => e.name), ["in.csv"]);
r = await client.callTool({ name: "list_files", arguments: {} });
assert.ok(r.structuredContent.entries.some(e => e.name === "blob.bin" && e.size === 5), JSON.stringify(r));
const png = "import struct, zlib\n" +
	"def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))\n" +
	"raw = b''.join(b'\\x00' + b'\\xff\\x00\\x00' * 4 for _ in range(4))\n" +
	"open('plot.png', 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 4, 4, 8, 2, 0, 0, 0))" +
	" + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))\n";
r = await client.callTool({ name: "run_code", arguments: { code: png } });
const img = r.content.find(c => c.type === "image");
assert.ok(img && img.mimeType === "image/png", JSON.stringify(r.content));
assert.equal(Buffer.from(img.data, "base64").subarray(1, 4).toString(), "PNG");
// A real plot (matplotlib, Debian's) comes back as an image too.
r = await client.callTool({ name: "run_code", arguments: { code: "import matplotlib\nmatplotlib.use('Agg')\n" +
	"import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.savefig('chart.png')\n",
	artifacts: ["chart.png"] } });
assert.equal(r.structuredContent.exit_code, 0, r.structuredContent.stderr);
assert.equal(r.structuredContent.artifacts[0].path, "chart.png");
assert.ok(r.content.some(c => c.type === "image" && c.mimeType === "image/png" && c.data.length > 1000));

// A file that is not there is an error result, and the default sandbox stays the same.
r = await client.callTool({ name: "read_file", arguments: { path: "missing.txt" } });
assert.equal(r.isError, true);
assert.match(r.content[0].text, /not_found/);
r = await client.callTool({ name: "run_command", arguments: { command: "cat state.txt" } });
assert.equal(r.structuredContent.stdout, "kept\n");
assert.equal(r.structuredContent.session, first);
ok("files: text and base64 round trips, listings, PNG artifacts and a matplotlib plot as images, a missing file");

// 5. A session of its own: made, used by id, closed.
r = await client.callTool({ name: "create_session", arguments: { profile: "python", ttl: 120 } });
assert.equal(r.isError, false, JSON.stringify(r));
const own = r.structuredContent.session;
assert.notEqual(own, first);
r = await client.callTool({ name: "run_command", arguments: { command: "ls", session: own } });
assert.equal(r.structuredContent.stdout, "");
assert.equal(r.structuredContent.session, own);
r = await client.callTool({ name: "close_session", arguments: { session: own } });
assert.equal(r.structuredContent.closed, true);
assert.ok(!(await sandboxes()).includes(own));
r = await client.callTool({ name: "run_command", arguments: { command: "ls", session: own } });
assert.equal(r.isError, true);
ok("create_session, a command in it by id, close_session (gone from the service)");

// 6. Invalid arguments: an error result, not a run; an unknown tool: a protocol error.
r = await client.callTool({ name: "run_code", arguments: { code: 5 } });
assert.equal(r.isError, true);
assert.match(r.content[0].text, /Invalid arguments: code/);
r = await client.callTool({ name: "run_command", arguments: { command: "true", nonsense: 1 } });
assert.equal(r.isError, true);
await assert.rejects(client.callTool({ name: "no_such_tool", arguments: {} }), /no tool/);
ok("invalid arguments answered with an error result; an unknown tool with a JSON-RPC error");

// 7. A refusal by policy says so.
r = await client.callTool({ name: "create_session", arguments: { profile: "no-such-profile" } });
assert.equal(r.isError, true);
assert.match(r.content[0].text, /Refused by policy.*do not retry/s);
ok("a refusal by policy says so and says not to retry");

// 8. A cancelled call kills its run: the sandbox it ran in is destroyed.
const ac = new AbortController();
const pending = client.callTool({ name: "run_command", arguments: { command: "touch started; sleep 60; touch finished" } },
	undefined, { signal: ac.signal, timeout: 120000 });
await until("the command runs", async () => (await api("GET", `/v1/sandboxes/${first}`)).body?.state === "busy");
ac.abort("the test cancels it");
await assert.rejects(pending);
await until("the cancelled call's sandbox is destroyed", async () => (await api("GET", `/v1/sandboxes/${first}`)).status === 404);
r = await client.callTool({ name: "run_command", arguments: { command: "ls" } });
assert.notEqual(r.structuredContent.session, first);
assert.equal(r.structuredContent.stdout, "");
ok("a cancelled call: its run killed with its sandbox; the next call gets a new default sandbox");

// 9. The end of the MCP session destroys its sandboxes.
assert.equal((await sandboxes()).length, 1);
if (mode === "http") await transport.terminateSession();
await client.close();
await until("no sandbox is left", async () => (await sandboxes()).length === 0);
ok("the MCP session's end destroys its sandboxes");
console.log(`${checks} checks passed (${mode})`);
