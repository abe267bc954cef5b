-- wrk script for bench/http_status.py; configured from the environment, because wrk decides
-- whether the script paces (has a `delay` function) before any thread's init() runs.
--
--   SSCARD_WRK_TARGET  a path ("/api/v1/ping"), or "@FILE": a file of card numbers, one a line;
--                      each request then asks /api/v1/cards/<random one of them>/status
--   SSCARD_WRK_TOKEN   bearer token (optional)
--   SSCARD_WRK_RATE    requests per second per wrk thread; unset or 0: as fast as possible
--   SSCARD_WRK_BATCH   with "@FILE": N > 0 makes each request a POST /api/v1/cards/status:batch
--                      of N card numbers picked at random from the file (repeats possible)
--
-- Pacing: one schedule per thread, a slot every 1000/rate ms shared by the thread's
-- connections. A connection that is free waits for the next slot; slots missed while every
-- connection was busy are sent at once (catch-up), as independent callers would, so a slow
-- server is not hidden by a slower sender. Latency is measured by wrk from the moment a
-- request is written to the end of its response.
--
-- done() prints one line "SSCARD_WRK_JSON {...}" with the totals and latency percentiles (µs).

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } sscard_timespec;
int clock_gettime(int clk_id, sscard_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local ts = ffi.new("sscard_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local target = os.getenv("SSCARD_WRK_TARGET") or "/"
local token = os.getenv("SSCARD_WRK_TOKEN") or ""
local rate = tonumber(os.getenv("SSCARD_WRK_RATE") or "0") or 0
local batch = tonumber(os.getenv("SSCARD_WRK_BATCH") or "0") or 0

local headers = {}
if token ~= "" then
  headers["Authorization"] = "Bearer " .. token
end
local batch_headers = {}
for name, value in pairs(headers) do
  batch_headers[name] = value
end
batch_headers["Content-Type"] = "application/json"
local numbers = nil
local count = 0

local thread_no = 0
function setup(thread)
  thread_no = thread_no + 1
  thread:set("seed", 20120101 + thread_no)
end

function init(args)
  math.randomseed(seed or 20120101)
  if target:sub(1, 1) == "@" then
    numbers = {}
    for line in io.lines(target:sub(2)) do
      if #line > 0 then
        count = count + 1
        numbers[count] = line
      end
    end
    assert(count > 0, "no card numbers in " .. target:sub(2))
  end
end

function request()
  if numbers and batch > 0 then
    local picked = {}
    for i = 1, batch do
      picked[i] = '"' .. numbers[math.random(count)] .. '"'
    end
    local body = '{"card_numbers": [' .. table.concat(picked, ", ") .. "]}"
    return wrk.format("POST", "/api/v1/cards/status:batch", batch_headers, body)
  end
  if numbers then
    local number = numbers[math.random(count)]
    return wrk.format("GET", "/api/v1/cards/" .. number .. "/status", headers)
  end
  return wrk.format("GET", target, headers)
end

if rate > 0 then
  local interval = 1000 / rate
  local next_at = nil
  function delay()
    local now = now_ms()
    if next_at == nil then
      next_at = now
    end
    next_at = next_at + interval
    local wait = next_at - now
    if wait < 0 then
      return 0
    end
    return wait
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local p = {}
  for _, q in ipairs({ 50, 75, 90, 99, 99.9 }) do
    p[#p + 1] = string.format('"p%s": %d', tostring(q), latency:percentile(q))
  end
  io.write(string.format(
    'SSCARD_WRK_JSON {"duration_us": %d, "requests": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"mean": %.1f, "stdev": %.1f, "min": %d, "max": %d, %s}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.min, latency.max, table.concat(p, ", ")
  ))
end
