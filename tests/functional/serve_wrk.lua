-- wrk script for serve_wrk.sh: POST /v1/execute of /bin/true with a bearer
-- token; every thread counts the answers that were not 200 (and why), and
-- done() prints the totals for the test to check.
local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	wrk.method = "POST"
	wrk.path = "/v1/execute"
	wrk.body = '{"argv": ["/bin/true"]}'
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["Authorization"] = "Bearer " .. os.getenv("WRK_TOKEN")
	ok, bad, badbody = 0, 0, ""
end

function response(status, headers, body)
	if status == 200 and string.find(body, '"status":"exited"', 1, true) then
		ok = ok + 1
	else
		bad = bad + 1
		badbody = status .. " " .. string.sub(body, 1, 200)
	end
end

function done(summary, latency, requests)
	local ok_total, bad_total, last = 0, 0, ""
	for _, t in ipairs(threads) do
		ok_total = ok_total + t:get("ok")
		bad_total = bad_total + t:get("bad")
		if t:get("bad") > 0 then last = t:get("badbody") end
	end
	local e = summary.errors
	io.write(string.format("WRK requests=%d ok=%d bad=%d connect=%d read=%d write=%d timeout=%d status=%d\n",
		summary.requests, ok_total, bad_total, e.connect, e.read, e.write, e.timeout, e.status))
	io.write(string.format("WRK latency_p50_ms=%.1f p99_ms=%.1f rps=%.1f\n", latency:percentile(50) / 1000,
		latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
	if bad_total > 0 then io.write("WRK last_bad=" .. last .. "\n") end
end
