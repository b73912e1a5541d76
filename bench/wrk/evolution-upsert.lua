-- wrk script for scripts/bench: POSTs Evolution API `messages.upsert` webhooks (about 1.5 KB) with
-- unique message ids plus a share of resends of earlier ids, the way Evolution re-sends a message
-- (same data.key.id, new messageTimestamp and date_time).
--
--   [WRK_DELAY_MS=D] wrk -t2 -c64 -d10s -s bench/wrk/evolution-upsert.lua URL -- RUN_ID [RESEND_SHARE=0.3]
--
-- Ids are deterministic and never collide across threads or runs: thread t's n-th new message has id
-- 3EB0<RUN_ID>T<t>N<n in hex>. Request n of a thread is a resend when floor(n*share) grows, and then
-- re-sends one of the thread's last 100 new ids. WRK_DELAY_MS (environment) makes every connection
-- wait before each request (wrk's delay()), a random time with that mean (exponential): how
-- scripts/bench holds a rate below the maximum. Without it delay() is not defined, so wrk arms no timer per request. WRK_REQUESTS stops
-- each thread after that many answers (see response()).
--
-- done() prints one machine-readable line, `BENCH key=value ...`: requests/s, latency percentiles
-- (µs), errors, and what was generated (uniques, resends) and answered (accepted, duplicate, other).

local threads = {}
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("tid", counter)
    table.insert(threads, thread)
end

local template = [[{"event":"messages.upsert","instance":"bench","data":{"key":{"remoteJid":"5511999990000@s.whatsapp.net","fromMe":false,"id":"MSGID","senderLid":"123456789012345@lid"},"pushName":"Maria Souza","status":"DELIVERY_ACK","message":{"conversation":"Olá! Vi o anúncio de vocês e gostaria de saber mais sobre os planos disponíveis, valores e formas de pagamento. Podem me ajudar?","messageContextInfo":{"deviceListMetadata":{"senderKeyHash":"aGVsbG8gd29ybGQgaGFzaA==","senderTimestamp":"1732889000","recipientKeyHash":"cmVjaXBpZW50IGtleSBoYXNo","recipientTimestamp":"1732888000"},"deviceListMetadataVersion":2,"messageSecret":"c2VjcmV0IHNlY3JldCBzZWNyZXQgc2VjcmV0IHNlY3JldA=="}},"contextInfo":{"entryPointConversionSource":"click_to_chat_link","entryPointConversionApp":"whatsapp","entryPointConversionDelaySeconds":7,"conversionSource":"FB_Ads","conversionData":"Q1RXQV9BRF9JRF8xMjM0NTY3ODkw","externalAdReply":{"title":"Planos a partir de R$ 49,90","body":"Fale com a gente no WhatsApp","mediaType":"IMAGE","thumbnailUrl":"https://scontent.example.com/v/t45.1600-4/bench_thumbnail.jpg","sourceType":"ad","sourceId":"120212345678901234","sourceUrl":"https://fb.me/benchad"}},"messageType":"conversation","messageTimestamp":STAMP,"instanceId":"7f0c1a2b-3c4d-5e6f-7a8b-9c0d1e2f3a4b","source":"android"},"destination":"https://downstream.example.com/webhook","date_time":"DATETIME","sender":"5511988887777@s.whatsapp.net","server_url":"https://evolution.example.com","apikey":"B6D711FCDE4D4FD5936544120E713976"}]]

-- The template cut at its three variable places, so a request is one concatenation.
parts = {}
do
    local rest = template
    for _, marker in ipairs({ "MSGID", "STAMP", "DATETIME" }) do
        local at = rest:find(marker, 1, true)
        table.insert(parts, rest:sub(1, at - 1))
        rest = rest:sub(at + #marker)
    end
    table.insert(parts, rest)
end

-- Per-thread state (each wrk thread has its own Lua state).
tid = 0
run_id = "0"
share = 0.3
sent = 0       -- requests generated
uniques = 0    -- of which new ids
resends = 0    -- of which resends
accepted = 0   -- answers with "status":"accepted"
duplicate = 0  -- answers with "status":"duplicate"
other = 0      -- any other answer (non-2xx, or a 2xx without either status)

local headers = { ["Content-Type"] = "application/json", ["User-Agent"] = "axios/1.7.9" }

function init(args)
    run_id = args[1] or tostring(os.time())
    share = tonumber(args[2] or "0.3")
end

local function id_for(n)
    return string.format("3EB0%sT%dN%X", run_id, tid, n)
end

function request()
    sent = sent + 1
    local id
    if uniques > 0 and math.floor(sent * share) > math.floor((sent - 1) * share) then
        resends = resends + 1
        local window = math.min(uniques, 100)
        id = id_for(uniques - (sent * 7919) % window)
    else
        uniques = uniques + 1
        id = id_for(uniques)
    end
    local stamp = 1732890000 + sent
    local body = parts[1] .. id .. parts[2] .. stamp .. parts[3] .. os.date("!%Y-%m-%dT%H:%M:%S", stamp) .. ".123Z" .. parts[4]
    return wrk.format("POST", nil, headers, body)
end

local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "")
if delay_ms and delay_ms > 0 then
    -- Exponential think time with that mean: arrivals spread out as independent senders' would.
    -- A fixed delay keeps the connections in step, so they send in bursts of C requests at once and
    -- the latency measured is mostly the time to work through each burst.
    function delay()
        return math.floor(-math.log(1 - math.random()) * delay_ms + 0.5)
    end
end

-- WRK_REQUESTS (environment): each thread stops after that many answers (a fixed request count,
-- for profiling); requests still in flight on its other connections are sent but not counted.
local limit = tonumber(os.getenv("WRK_REQUESTS") or "")

function response(status, headers, body)
    if limit and accepted + duplicate + other + 1 >= limit then
        wrk.thread:stop()
    end
    if status >= 200 and status < 300 then
        if body:find('"status":"accepted"', 1, true) then
            accepted = accepted + 1
        elseif body:find('"status":"duplicate"', 1, true) then
            duplicate = duplicate + 1
        else
            other = other + 1
        end
    else
        other = other + 1
    end
end

function done(summary, latency, requests)
    local t = { sent = 0, uniques = 0, resends = 0, accepted = 0, duplicate = 0, other = 0 }
    for _, thread in ipairs(threads) do
        for name, _ in pairs(t) do
            t[name] = t[name] + (thread:get(name) or 0)
        end
    end
    local seconds = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        "BENCH rps=%.0f requests=%d seconds=%.2f p50=%d p90=%d p99=%d p999=%d max=%d " ..
        "non2xx=%d connect=%d read=%d write=%d timeout=%d " ..
        "sent=%d uniques=%d resends=%d accepted=%d duplicate=%d other=%d\n",
        summary.requests / seconds, summary.requests, seconds,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
        e.status, e.connect, e.read, e.write, e.timeout,
        t.sent, t.uniques, t.resends, t.accepted, t.duplicate, t.other))
end
