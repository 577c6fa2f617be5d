-- wrk script for scripts/reliability.sh: requests the server must refuse, in turn:
-- a 9 KiB Cookie header (431), 200 small cookies (431), a 1 MiB body to POST /cookie/reset (413).
local big_cookie = "padding=" .. string.rep("x", 9 * 1024)
local many = {}
for i = 1, 200 do many[i] = "c" .. i .. "=1" end
local many_cookies = table.concat(many, "; ")
local megabyte = string.rep("a", 1024 * 1024)

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  turn, refused, other = 0, 0, 0
end

function request()
  turn = turn % 3 + 1
  if turn == 1 then
    return wrk.format("GET", "/session/", { ["Cookie"] = big_cookie })
  elseif turn == 2 then
    return wrk.format("GET", "/cookie/", { ["Cookie"] = many_cookies })
  end
  return wrk.format("POST", "/cookie/reset", nil, megabyte)
end

function response(status, headers, body)
  if status == 431 or status == 413 then refused = refused + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local refused_total, other_total = 0, 0
  for _, thread in ipairs(threads) do
    refused_total = refused_total + thread:get("refused")
    other_total = other_total + thread:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    "OVERSIZED requests=%d refused=%d other=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, refused_total, other_total, e.connect, e.read, e.write, e.timeout))
end
