-- wrk script for SoakIT: the API's traffic mix against /api/notes, with every status counted.
--   60 % GET /api/notes/{id} (an id between NOTE_FIRST and NOTE_LAST, the notes the test seeded)
--   20 % GET /api/notes?limit=20   10 % GET /api/notes?q=word   10 % POST /api/notes (a new note)
-- Creates need a session: TOKEN (set by SoakIT) goes out as "Authorization: Bearer TOKEN"; reads send none.
-- done() prints machine-readable lines that SoakIT parses: "status CODE COUNT" (1503: a shed search) and one
-- "summary ..." line.

local first = tonumber(os.getenv("NOTE_FIRST") or "1")
local last = tonumber(os.getenv("NOTE_LAST") or "200")
local words = { "nginx", "sqlite", "javalin", "request", "soak" }
local post_headers = { ["Content-Type"] = "application/json",
                       ["Authorization"] = "Bearer " .. assert(os.getenv("TOKEN"), "TOKEN is not set") }
local threads = {}
local created = 0

-- Global, not local: done() runs in another Lua state and can only read a thread's globals (thread:get).
statuses = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("thread_number", #threads)
end

function init(args)
    math.randomseed(thread_number) -- each thread its own sequence, the same one on every run
end

function request()
    local r = math.random(100)
    if r <= 60 then
        return wrk.format("GET", "/api/notes/" .. math.random(first, last))
    elseif r <= 80 then
        return wrk.format("GET", "/api/notes?limit=20")
    elseif r <= 90 then
        return wrk.format("GET", "/api/notes?q=" .. words[math.random(#words)])
    end
    created = created + 1
    local body = string.format('{"title":"soak %d-%d","body":"written by wrk: nginx sqlite request","tags":["soak"]}',
        thread_number, created)
    return wrk.format("POST", "/api/notes", post_headers, body)
end

function response(status, headers, body)
    -- A search the gate sheds (503 /problems/too-many-searches, Retry-After) is counted as status 1503, apart
    -- from any other 503: under saturation shedding searches is the design; a 503 for anything else is a failure.
    if status == 503 and body and string.find(body, "too-many-searches", 1, true) then
        status = 1503
    end
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
        for status, count in pairs(thread:get("statuses")) do
            total[status] = (total[status] or 0) + count
        end
    end
    for status, count in pairs(total) do
        io.write(string.format("status %d %d\n", status, count))
    end
    local e = summary.errors
    io.write(string.format("summary requests=%d duration_us=%d connect=%d read=%d write=%d timeout=%d non2xx3xx=%d p50_us=%d p99_us=%d\n",
        summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
        latency:percentile(50), latency:percentile(99)))
end
