-- wrk script for bench/run.sh: requests come from files that bench/seed.py wrote, every status is
-- counted, and done() prints one machine-readable "bench ..." line (the same one stats.py makes for h2load).
--   BENCH_URIS=FILE    one path per line; each request takes a random line (e.g. /api/notes/4711)
--   BENCH_BODIES=FILE  optional, one JSON object per line: then every request is a POST of a random one
--   TOKEN=TOKEN        optional: every request carries "Authorization: Bearer TOKEN" (creating a note needs a session)
--   BENCH_SHED=STATUS  optional: answers with this status are counted as shed=, not as non2xx (the log-in row:
--                      503 too-many-logins is the app refusing hashes it has no room for, as designed)
-- usage: BENCH_URIS=ids.txt wrk -t2 -c64 -d15s -s bench/wrk.lua http://127.0.0.1:8000

local function read_lines(path)
    local lines = {}
    for line in io.lines(path) do
        if line ~= "" then lines[#lines + 1] = line end
    end
    assert(#lines > 0, "no lines in " .. path)
    return lines
end

local uris = read_lines(assert(os.getenv("BENCH_URIS"), "BENCH_URIS is not set"))
local bodies_file = os.getenv("BENCH_BODIES")
local bodies = (bodies_file and bodies_file ~= "") and read_lines(bodies_file) or nil
local json = { ["Content-Type"] = "application/json" }
local plain = {}
local token = os.getenv("TOKEN")
if token and token ~= "" then
    json["Authorization"] = "Bearer " .. token
    plain["Authorization"] = "Bearer " .. token
    wrk.headers["Authorization"] = "Bearer " .. token -- for the one fixed request below
end
local shed_status = tonumber(os.getenv("BENCH_SHED") or "")

if #uris == 1 and not bodies then
    -- One fixed request: leave request() undefined, so wrk builds it once instead of once per request.
    wrk.path = uris[1]
elseif bodies then
    function request()
        return wrk.format("POST", uris[1], json, bodies[math.random(#bodies)])
    end
else
    function request()
        return wrk.format("GET", uris[math.random(#uris)], plain)
    end
end

local threads = {}
-- Global, not local: done() runs in another Lua state and reads each thread's globals (thread:get).
statuses = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("thread_number", #threads)
end

function init(args)
    math.randomseed(thread_number) -- each thread its own sequence, the same on every run
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local non2xx, shed = 0, 0
    for _, thread in ipairs(threads) do
        for status, count in pairs(thread:get("statuses")) do
            if status == shed_status then shed = shed + count
            elseif status < 200 or status > 299 then non2xx = non2xx + count end
        end
    end
    local e = summary.errors
    io.write(string.format("bench requests=%d duration_us=%d socket_errors=%d non2xx=%d p50_us=%d p99_us=%d shed=%d\n",
        summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, non2xx,
        latency:percentile(50), latency:percentile(99), shed))
end
