#!/usr/bin/env python3
"""A downstream that records what the deliverers POST (standard library only, loopback only).

  downstream_sink.py --port-file F --out deliveries.jsonl [--fail-first N]

Listens on 127.0.0.1 (port 0 = any free port, written to --port-file once listening), answers
every POST 200 and appends one JSON line per request to --out:
  {"path", "key" (X-Dedup-Key), "idempotency_key", "source" (X-Dedup-Source),
   "entry_id" (X-Dedup-Entry-Id), "attempt" (X-Delivery-Attempt), "content_type",
   "message_id" (data.key.id of an Evolution body, else null), "bytes",
   "conversation" (instance/chat of an Evolution body with a `seq`, the chat in its phone-number
   form), "seq", "sink" (--name), "t" (arrival, Unix seconds)}
Several sinks may append to one --out file (one write per line), e.g. one per deliverer.
--fail-first N answers 503 to the first N requests (to watch retries).
--delay-ms N waits N ms after recording a request before answering it (deliveries stay in flight
longer, e.g. for scripts/chaos killing a deliverer).
"""

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--name", default=None, help="recorded as `sink` on every line")
    args = parser.parse_args()

    lock = threading.Lock()
    out = open(args.out, "a", encoding="utf-8")
    state = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            arrived = time.time()
            message_id, conversation, seq = None, None, None
            try:
                parsed = json.loads(body)
                if isinstance(parsed, dict):
                    key = parsed.get("data", {}).get("key", {})
                    message_id = key.get("id")
                    seq = parsed.get("seq")
                    if seq is not None:
                        jids = [key.get("remoteJid") or "", key.get("remoteJidAlt") or ""]
                        phone = [j for j in jids if j.endswith("@s.whatsapp.net")]
                        conversation = "%s/%s" % (parsed.get("instance"), (phone or jids)[0])
            except (ValueError, AttributeError):
                pass
            record = {
                "path": self.path,
                "key": self.headers.get("X-Dedup-Key"),
                "idempotency_key": self.headers.get("Idempotency-Key"),
                "source": self.headers.get("X-Dedup-Source"),
                "entry_id": self.headers.get("X-Dedup-Entry-Id"),
                "attempt": self.headers.get("X-Delivery-Attempt"),
                "content_type": self.headers.get("Content-Type"),
                "message_id": message_id,
                "bytes": len(body),
                "conversation": conversation,
                "seq": seq,
                "sink": args.name,
                "t": round(arrived, 4),
            }
            with lock:
                state["requests"] += 1
                fail = state["requests"] <= args.fail_first
                if not fail:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    out.flush()
            if args.delay_ms > 0:
                time.sleep(args.delay_ms / 1000.0)
            answer = b'{"ok":false}' if fail else b'{"ok":true}'
            self.send_response(503 if fail else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.exit(main())
