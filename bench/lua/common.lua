-- Shared by every bench script (the harness prepends `data = {...}` and appends the
-- endpoint's script, which defines request() and optionally on_init() / on_response()).
--
-- wrk runs with as many threads as connections, so each thread's Lua state belongs to ONE
-- connection: request() and response() alternate strictly (no pipelining), which lets the
-- stateful scripts (refresh token rotation, ETags) keep per-connection state in globals.
-- done() prints one line, "WRKJSON {...}", that the harness parses.

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(tid * 7919 + (data.seed or 1))
  statuses = {}
  first_error = ""
  if on_init then on_init() end
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if (status < 200 or status >= 300) and first_error == "" then
    first_error = key .. " " .. string.sub(body or "", 1, 200)
  end
  if on_response then on_response(status, headers, body) end
end

local function escape(text)
  return (string.gsub(text, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end))
end

function done(summary, latency, requests)
  local merged, err = {}, ""
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses") or {}) do merged[k] = (merged[k] or 0) + v end
    local e = thread:get("first_error")
    if err == "" and e and e ~= "" then err = e end
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"statuses":{%s},"first_error":"%s"}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ","), escape(err)))
end
