-- wrk script for bench/run.sh: one visitor's cookies per request, and a parseable summary.
--
--   wrk -s bench/wrk.lua URL -- COOKIE_FILE|- THREADS [close]
--
-- COOKIE_FILE holds one `Cookie:` header value per line (one visitor each, see visitors.py); `-`
-- sends no cookie, so every request is a new visitor. Thread k takes the lines k, k+THREADS, … and
-- cycles through them, so no two threads replay the same visitor. `close` adds `Connection:
-- close` (as gunicorn's sync workers answer anyway). The summary line's `bytes` is what wrk read,
-- headers included: the answers' size, to compare what each server sends.

local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  local file, threads = args[1], tonumber(args[2]) or 1
  close = args[3] == "close"
  cookies = {}
  if file and file ~= "-" then
    local all, i = {}, 0
    for line in io.lines(file) do
      if line ~= "" then
        table.insert(all, line)
        if i % threads == id then table.insert(cookies, line) end
        i = i + 1
      end
    end
    if #cookies == 0 then cookies = all end
  end
  position = 0
end

function request()
  local headers = {}
  if #cookies > 0 then
    position = position % #cookies + 1
    headers["Cookie"] = cookies[position]
  end
  if close then headers["Connection"] = "close" end
  return wrk.format(nil, nil, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "connect_errors=%d read_errors=%d write_errors=%d status_errors=%d timeouts=%d bytes=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout, summary.bytes))
end
