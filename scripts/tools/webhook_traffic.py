#!/usr/bin/env python3
"""Evolution API traffic for the local topology (standard library only, loopback use).

  burst  the duplicate burst Evolution produces: UNIQUE messages (new data.key.id each), each sent
         1..MAX_COPIES times with a new messageTimestamp/date_time and sometimes the @lid form of
         the chat id, shuffled and sent concurrently. Prints sent / accepted / duplicate and checks
         that every message was accepted exactly once.
  load   steady, bounded load: THREADS keep-alive connections POSTing at RATE requests/s in all,
         about one in five a re-send of an earlier message, until DURATION seconds pass or
         STOP_FILE appears. Counts answers by status and connection errors.
  sender behaves like Evolution API's webhook sender (for scripts/chaos): UNIQUE messages started
         at RATE messages/s, each sent 1..MAX_COPIES times; every copy is retried on any non-2xx
         (Evolution gives up on 400/401/403/404/422; this client retries those too, so a bug shows
         as a failure instead of a silent give-up) and on connection errors and timeouts, with
         exponential backoff, until a 2xx or GIVE_UP seconds. --sent-out gets every id sent,
         --acked-out every id that got a 2xx. --conversations N spreads the messages over N chats
         and sends each chat's messages one after the other, numbered by a top-level `seq`.

Both write a JSON summary (--out, default stdout) and the ids of accepted messages (--ids-out), so
a caller can check what was delivered downstream.

The message template is Evolution v2 `messages.upsert` from the repository's examples/ folder.
"""

import argparse
import copy
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone

# The sample body the README's session also sends, relative to this file.
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                       "evolution-v2-messages-upsert.json")


def load_template():
    """Returns (template dict, where it came from)."""
    path = os.path.normpath(FIXTURE)
    with open(path, encoding="utf-8") as f:
        return json.load(f), os.path.relpath(path)


def message_id(run, index):
    """A 20-hex-digit id in Evolution's style, unique per run and index."""
    return "3EB0%08X%08X" % (run & 0xFFFFFFFF, index & 0xFFFFFFFF)


def evolution_message(template, msg_id, copy_number, lid_form, chat=None, seq=None):
    """One delivery of message msg_id: same data.key.id, new timestamps on every copy. With chat,
    the message belongs to chat number `chat` (its own phone and @lid ids) and carries its place in
    that chat as a top-level `seq`, so a downstream can check the order per chat."""
    body = copy.deepcopy(template)
    key = body["data"]["key"]
    key["id"] = msg_id
    if chat is not None:
        key["remoteJid"] = "5521%09d@s.whatsapp.net" % chat
        key["remoteJidAlt"] = "1402%011d@lid" % chat
        body["seq"] = seq
    if lid_form and "remoteJidAlt" in key:
        # Evolution sometimes sends the same message once as ...@lid and once as ...@s.whatsapp.net.
        key["remoteJid"], key["remoteJidAlt"] = key["remoteJidAlt"], key["remoteJid"]
        key["addressingMode"] = "lid"
    now = time.time() + copy_number
    body["data"]["messageTimestamp"] = int(now)
    body["date_time"] = datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class Client:
    """One keep-alive HTTP/1.1 connection; reconnects after an error."""

    def __init__(self, url, timeout):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.path = parsed.path or "/"
        self.timeout = timeout
        self.conn = None

    def post(self, body):
        """Returns (status, parsed JSON answer or None). Raises on connection errors."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request("POST", self.path, body=body, headers={"Content-Type": "application/json"})
            response = self.conn.getresponse()
            data = response.read()
        except Exception:
            self.conn.close()
            self.conn = None
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        try:
            answer = json.loads(data)
        except ValueError:
            answer = None
        return response.status, answer


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.by_status = {}
        self.outcomes = {}          # accepted / duplicate / other, from the JSON answer
        self.accepted_ids = {}      # message id -> times accepted
        self.errors = 0
        self.error_samples = []
        self.non_2xx_samples = []

    def record(self, msg_id, status, answer):
        with self.lock:
            self.sent += 1
            self.by_status[str(status)] = self.by_status.get(str(status), 0) + 1
            outcome = answer.get("status", "other") if isinstance(answer, dict) else "other"
            if not 200 <= status < 300:
                outcome = "http_%d" % status
                if len(self.non_2xx_samples) < 10:
                    self.non_2xx_samples.append({"status": status, "answer": answer, "t": round(time.time(), 3)})
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
            if outcome == "accepted":
                self.accepted_ids[msg_id] = self.accepted_ids.get(msg_id, 0) + 1

    def record_error(self, error):
        with self.lock:
            self.sent += 1
            self.errors += 1
            if len(self.error_samples) < 10:
                self.error_samples.append({"error": repr(error), "t": round(time.time(), 3)})

    def summary(self, **extra):
        with self.lock:
            result = {
                "sent": self.sent,
                "accepted": self.outcomes.get("accepted", 0),
                "duplicate": self.outcomes.get("duplicate", 0),
                "non_2xx": sum(v for k, v in self.by_status.items() if not k.startswith("2")),
                "connection_errors": self.errors,
                "by_status": self.by_status,
                "outcomes": self.outcomes,
                "unique_accepted": len(self.accepted_ids),
                "accepted_more_than_once": sorted(k for k, v in self.accepted_ids.items() if v > 1),
                "error_samples": self.error_samples,
                "non_2xx_samples": self.non_2xx_samples,
            }
        result.update(extra)
        return result


def write_outputs(args, summary, tally):
    text = json.dumps(summary, indent=2, ensure_ascii=False)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)
    if args.ids_out:
        with open(args.ids_out, "w", encoding="utf-8") as f:
            for msg_id in sorted(tally.accepted_ids):
                f.write(msg_id + "\n")


def run_workers(worker, count, stop=None, numbered=False):
    """Runs `count` threads of `worker` (given its number when `numbered`) and waits for them;
    Ctrl-C sets `stop` so the workers finish their request in hand and return."""
    threads = [threading.Thread(target=worker, args=(n,) if numbered else ()) for n in range(count)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except KeyboardInterrupt:
        if stop is None:
            raise
        stop.set()
        for t in threads:
            t.join()


def burst(args):
    template, origin = load_template()
    rng = random.Random(args.seed)
    run = args.run if args.run is not None else int(time.time() * 1000) & 0xFFFFFFFF
    sends = []
    for i in range(args.unique):
        msg_id = message_id(run, i)
        for c in range(rng.randint(1, args.max_copies)):
            sends.append((msg_id, evolution_message(template, msg_id, c, lid_form=(c % 3 == 2))))
    rng.shuffle(sends)
    tally = Tally()
    queue_lock = threading.Lock()

    def worker():
        client = Client(args.url, args.timeout)
        while True:
            with queue_lock:
                if not sends:
                    return
                msg_id, body = sends.pop()
            try:
                status, answer = client.post(body)
                tally.record(msg_id, status, answer)
            except Exception as error:  # noqa: BLE001 - every failure is counted
                tally.record_error(error)

    run_workers(worker, args.threads)
    summary = tally.summary(unique_messages=args.unique, run=run, template=origin)
    summary["ok"] = (
        summary["connection_errors"] == 0
        and summary["non_2xx"] == 0
        and summary["unique_accepted"] == args.unique
        and not summary["accepted_more_than_once"]
    )
    write_outputs(args, summary, tally)
    return 0 if summary["ok"] else 1


def load(args):
    template, origin = load_template()
    run = args.run if args.run is not None else int(time.time() * 1000) & 0xFFFFFFFF
    tally = Tally()
    deadline = time.monotonic() + args.duration
    interval = args.threads / args.rate  # seconds between two requests of one thread
    stop = threading.Event()

    def should_stop():
        return stop.is_set() or time.monotonic() >= deadline or (args.stop_file and os.path.exists(args.stop_file))

    def worker(n):
        rng = random.Random(n)
        client = Client(args.url, args.timeout)
        sent_ids = []
        i = 0
        next_at = time.monotonic()
        while not should_stop():
            if sent_ids and rng.random() < 0.2:
                msg_id, copy_number = rng.choice(sent_ids), 1     # a re-send: must be a duplicate
            else:
                msg_id, copy_number = message_id(run, n * 1_000_000 + i), 0
                i += 1
                sent_ids.append(msg_id)
            body = evolution_message(template, msg_id, copy_number, lid_form=False)
            try:
                status, answer = client.post(body)
                tally.record(msg_id, status, answer)
            except Exception as error:  # noqa: BLE001 - every failure is counted
                tally.record_error(error)
            next_at += interval
            pause = next_at - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            else:
                next_at = time.monotonic()

    started = time.monotonic()
    run_workers(worker, args.threads, stop, numbered=True)
    elapsed = time.monotonic() - started
    summary = tally.summary(run=run, template=origin, seconds=round(elapsed, 2),
                            rate=round(tally.sent / elapsed, 1) if elapsed else 0)
    summary["ok"] = summary["connection_errors"] == 0 and summary["non_2xx"] == 0 and not summary["accepted_more_than_once"]
    write_outputs(args, summary, tally)
    return 0 if summary["ok"] else 1


def sender(args):
    """Evolution-like: every copy retried with backoff until a 2xx (bounded by --give-up)."""
    template, origin = load_template()
    rng = random.Random(args.seed)
    run = args.run if args.run is not None else int(time.time() * 1000) & 0xFFFFFFFF
    plan = [(message_id(run, i), rng.randint(1, args.max_copies)) for i in range(args.unique)]
    lock = threading.Lock()
    state = {
        "next": 0, "requests": 0, "by_status": {}, "connection_errors": 0, "timeouts": 0,
        "retries": 0, "gave_up": [], "acked": set(), "accepted": {}, "duplicate": 0,
        "error_samples": [], "first_non_2xx": None, "last_non_2xx": None,
        "order": {m: i for i, (m, _) in enumerate(plan)},
    }
    started = time.monotonic()
    stop = threading.Event()

    def note(key, value=1):
        state[key] += value

    chats = args.conversations
    # With --conversations, message i is number i // chats of chat i % chats, and it is sent only
    # once every copy of the chat's previous message is answered: the accept order is the chat order.
    finished = [threading.Event() for _ in plan] if chats else []

    def send_copy(client, msg_id, copy_number):
        i = state["order"][msg_id]
        chat, seq = (i % chats, i // chats) if chats else (None, None)
        body = evolution_message(template, msg_id, copy_number, lid_form=(copy_number % 3 == 2), chat=chat, seq=seq)
        deadline = time.monotonic() + args.give_up
        backoff = args.backoff_ms / 1000.0
        attempt = 0
        while True:
            attempt += 1
            status, answer, error = None, None, None
            try:
                status, answer = client.post(body)
            except Exception as exc:  # noqa: BLE001 - every failure is retried
                error = exc
            with lock:
                state["requests"] += 1
                if attempt > 1:
                    note("retries")
                if error is not None:
                    if isinstance(error, TimeoutError) or "timed out" in str(error):
                        note("timeouts")
                    else:
                        note("connection_errors")
                    if len(state["error_samples"]) < 5:
                        state["error_samples"].append(repr(error))
                else:
                    state["by_status"][str(status)] = state["by_status"].get(str(status), 0) + 1
                    if 200 <= status < 300:
                        state["acked"].add(msg_id)
                        outcome = answer.get("status") if isinstance(answer, dict) else None
                        if outcome == "accepted":
                            state["accepted"][msg_id] = state["accepted"].get(msg_id, 0) + 1
                        elif outcome == "duplicate":
                            note("duplicate")
                        return True
                    t = round(time.monotonic() - started, 2)
                    state["first_non_2xx"] = state["first_non_2xx"] or t
                    state["last_non_2xx"] = t
            if time.monotonic() + backoff > deadline or stop.is_set():
                with lock:
                    state["gave_up"].append(msg_id)
                return False
            time.sleep(backoff * (0.5 + rng.random() / 2))
            backoff = min(backoff * 2, args.backoff_max_ms / 1000.0)

    def worker():
        client = Client(args.url, args.timeout)
        while not stop.is_set():
            with lock:
                i = state["next"]
                if i >= len(plan):
                    return
                state["next"] += 1
            due = started + i / args.rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            msg_id, copies = plan[i]
            if chats and i >= chats:
                while not finished[i - chats].wait(0.5) and not stop.is_set():
                    pass
            for c in range(copies):
                send_copy(client, msg_id, c)
            if chats:
                finished[i].set()

    run_workers(worker, args.threads, stop)
    elapsed = time.monotonic() - started
    sent_ids = [m for m, _ in plan[: state["next"]]]
    summary = {
        "run": run, "template": origin, "seconds": round(elapsed, 2),
        "unique_sent": len(sent_ids), "copies": sum(c for _, c in plan[: state["next"]]),
        "requests": state["requests"], "retries": state["retries"], "by_status": state["by_status"],
        "connection_errors": state["connection_errors"], "timeouts": state["timeouts"],
        "acked": len(state["acked"]), "accepted": sum(state["accepted"].values()),
        "unique_accepted": len(state["accepted"]), "duplicate": state["duplicate"],
        "accepted_more_than_once": sorted(k for k, v in state["accepted"].items() if v > 1),
        "gave_up": sorted(set(state["gave_up"]) - state["acked"]),
        "first_non_2xx_s": state["first_non_2xx"], "last_non_2xx_s": state["last_non_2xx"],
        "error_samples": state["error_samples"],
    }
    summary["ok"] = not summary["gave_up"] and summary["acked"] == len(sent_ids)
    text = json.dumps(summary, indent=2)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)
    if args.sent_out:
        with open(args.sent_out, "w", encoding="utf-8") as f:
            f.writelines(m + "\n" for m in sent_ids)
    if args.acked_out:
        with open(args.acked_out, "w", encoding="utf-8") as f:
            f.writelines(m + "\n" for m in sorted(state["acked"]))
    return 0 if summary["ok"] else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", required=True, help="e.g. http://127.0.0.1:8080/webhook/evolution/messages-upsert")
    common.add_argument("--threads", type=int, default=8)
    common.add_argument("--timeout", type=float, default=15.0, help="seconds per request")
    common.add_argument("--run", type=int, help="id prefix (default: from the clock), so runs do not collide")
    common.add_argument("--out", help="summary JSON file (default stdout)")
    common.add_argument("--ids-out", help="file for the ids of accepted messages, one a line")
    b = sub.add_parser("burst", parents=[common], help="Evolution duplicate burst")
    b.add_argument("--unique", type=int, default=20)
    b.add_argument("--max-copies", type=int, default=10)
    b.add_argument("--seed", type=int, default=5)
    l = sub.add_parser("load", parents=[common], help="steady bounded load")
    l.add_argument("--rate", type=float, default=200.0, help="requests per second, all threads together")
    l.add_argument("--duration", type=float, default=20.0, help="upper bound in seconds")
    l.add_argument("--stop-file", help="stop as soon as this file exists")
    s = sub.add_parser("sender", parents=[common], help="Evolution-like sender that retries until 2xx")
    s.add_argument("--unique", type=int, default=200)
    s.add_argument("--rate", type=float, default=20.0, help="new unique messages per second")
    s.add_argument("--max-copies", type=int, default=5)
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--backoff-ms", type=float, default=100.0, help="first retry delay, doubled per retry")
    s.add_argument("--backoff-max-ms", type=float, default=2000.0)
    s.add_argument("--give-up", type=float, default=60.0, help="seconds one copy is retried at most")
    s.add_argument("--sent-out", help="file for every id sent, one a line")
    s.add_argument("--acked-out", help="file for every id that got a 2xx, one a line")
    s.add_argument("--conversations", type=int, default=0,
                   help="spread the messages over this many chats, each sent in order with a `seq` (0: one chat, no seq)")
    args = parser.parse_args()
    if args.command == "sender":
        if not (0 < args.unique <= 100000 and 1 <= args.max_copies <= 100 and 0 < args.rate <= 5000 and 0 < args.give_up <= 600):
            parser.error("sender is bounded: --unique 1..100000, --max-copies 1..100, 0 < --rate <= 5000, 0 < --give-up <= 600")
        return sender(args)
    if args.command == "load" and not (0 < args.rate <= 5000 and 0 < args.duration <= 600):
        parser.error("load is bounded: 0 < --rate <= 5000 requests/s, 0 < --duration <= 600 s")
    if args.command == "burst" and not (0 < args.unique <= 100000 and 1 <= args.max_copies <= 100):
        parser.error("burst is bounded: --unique 1..100000, --max-copies 1..100")
    return burst(args) if args.command == "burst" else load(args)


if __name__ == "__main__":
    sys.exit(main())
