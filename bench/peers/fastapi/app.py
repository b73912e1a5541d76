"""The hand-written peer of webhook-dedup for scripts/bench: FastAPI + redis-py (asyncio).

POST /webhook/{source}[/{rest}] parses the JSON body, keys an Evolution messages.upsert by
instance + event + data.key.id + data.key.fromMe (else SHA-256 of the body), and in ONE Lua script
(EVALSHA via register_script) does SET NX EX on the seen key and, when it was new, XADD of the body
to the stream. Answers {"status":"accepted"|"duplicate","key":K,"id":ID}, as the receiver does.

Run: REDIS_URL=redis://127.0.0.1:6379/0 uvicorn app:app --host 127.0.0.1 --port 8000 --workers N
"""

import hashlib
import json
import os
import time

import redis.asyncio as redis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
TTL = int(os.environ.get("WD_DEDUP_TTL", "86400"))
PREFIX = os.environ.get("WD_KEY_PREFIX", "peer")

ACCEPT = """
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[1]) then
  local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
  redis.call('SET', KEYS[1], id, 'KEEPTTL')
  return {1, id}
end
return {0, redis.call('GET', KEYS[1])}
"""

app = FastAPI()
client = redis.from_url(REDIS_URL, max_connections=64)
accept = client.register_script(ACCEPT)


def dedup_key(body: bytes) -> str:
    try:
        doc = json.loads(body)
        if doc.get("event") in ("messages.upsert", "send.message"):
            key = doc["data"]["key"]
            return f'{doc["instance"]}:{doc["event"]}:{key["id"]}:{str(key.get("fromMe", False)).lower()}'
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return hashlib.sha256(body).hexdigest()


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}


async def receive(source: str, rest: str, request: Request):
    body = await request.body()
    key = f"{source}:{dedup_key(body)}"
    now = str(int(time.time() * 1000))
    new, entry = await accept(
        keys=[f"{PREFIX}:seen:{key}", f"{PREFIX}:stream"],
        args=[TTL, "pending", "key", key, "source", source, "path", rest, "received_at", now,
              "content_type", request.headers.get("content-type", ""), "body", body],
    )
    entry = entry.decode() if isinstance(entry, bytes) else entry
    return JSONResponse({"status": "accepted" if new == 1 else "duplicate", "key": key, "id": entry})


@app.post("/webhook/{source}")
async def webhook(source: str, request: Request):
    return await receive(source, "", request)


@app.post("/webhook/{source}/{rest:path}")
async def webhook_path(source: str, rest: str, request: Request):
    return await receive(source, "/" + rest, request)
