-- wrk script for bench/ack_latency.py: replays pre-signed Slack slash-command requests.
-- Usage: wrk ... -s bench/wrk_signed.lua URL -- REQUEST_FILE
-- REQUEST_FILE has one request a line: "<timestamp>\t<signature>\t<form body>".
-- done() prints one "BENCH_RESULT key=value ..." line (latencies in microseconds).

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  signed = {}
  for line in io.lines(args[1]) do
    local ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    signed[#signed + 1] = wrk.format("POST", "/slack/events", {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Slack-Request-Timestamp"] = ts,
      ["X-Slack-Signature"] = sig,
    }, body)
  end
  index = (id * 7919) % #signed  -- threads start at different places in the list
  ok, non2xx = 0, 0
end

function request()
  index = index % #signed + 1
  return signed[index]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_bad = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_bad = total_bad + thread:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT p50_us=%d p99_us=%d max_us=%d requests=%d duration_us=%d ok=%d non2xx=%d " ..
    "connect=%d read=%d write=%d timeout=%d\n",
    latency:percentile(50), latency:percentile(99), latency.max, summary.requests,
    summary.duration,
    total_ok, total_bad, e.connect, e.read, e.write, e.timeout))
end
