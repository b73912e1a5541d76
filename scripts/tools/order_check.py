#!/usr/bin/env python3
"""Checks ordered delivery from what the recording sinks saw (standard library only).

  order_check.py --deliveries deliveries.jsonl --sent sent.txt --conversations N
                 [--partitions P --fence fence.txt] [--problems-out F]

The sender (webhook_traffic.py sender --conversations N) numbers message i as `seq` i // N of chat
i % N; the sinks (downstream_sink.py) record each request's chat, seq, sink name and arrival time,
in arrival order (one file for all sinks). Per chat, every arrival must be the chat's next message
or the same message again (a repeat of an attempt whose answer was lost):
  order violations  arrivals that are neither (a gap, or an earlier message after a later one: a
                    repeat arriving after the chat's next message counts here)
  repeats           arrivals of the message that arrived just before in the same chat
  incomplete        chats whose last message never arrived
With --fence (written by scripts/chaos around a SIGSTOP): lines `held P...` (partitions the stopped
deliverer held), `lost P...` (of those, held by the other deliverer when it resumed), `cont T`,
`poll T P HOLDER` (lease values polled after it resumed) and `entry P CONVERSATION` (partition
stream samples, which check the partition hash below against the product's). A request that the
resumed deliverer's sink (`d1`) got for a lost partition before that deliverer was seen holding the
partition again is a fencing violation.
Prints one summary line; exits 1 on any violation, loss or repeat above the bound (`held`: one
attempt in flight per partition the disturbed deliverer held).
"""

import argparse
import hashlib
import json
import sys


def partition_of(conversation, partitions):
    """OrderingPartition.of: SHA-256 of the conversation, first 8 bytes big-endian, modulo P."""
    if partitions <= 1:
        return 0
    return int.from_bytes(hashlib.sha256(conversation.encode("utf-8")).digest()[:8], "big") % partitions


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", required=True)
    parser.add_argument("--sent", required=True)
    parser.add_argument("--conversations", type=int, required=True)
    parser.add_argument("--partitions", type=int, default=0)
    parser.add_argument("--fence")
    parser.add_argument("--problems-out")
    args = parser.parse_args()

    # Expected: the highest seq sent per chat (message ids end with the message's index, 8 hex).
    expected = {}
    for msg_id in open(args.sent).read().split():
        i = int(msg_id[-8:], 16)
        chat = i % args.conversations
        expected[chat] = max(expected.get(chat, -1), i // args.conversations)

    arrivals = {}
    records = []
    for line in open(args.deliveries):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("seq") is None:
            continue
        records.append(record)
        arrivals.setdefault(record["conversation"], []).append(record["seq"])

    violations, repeats, incomplete = 0, 0, 0
    for seqs in arrivals.values():
        previous = -1
        for seq in seqs:
            if seq == previous:
                repeats += 1
            elif seq == previous + 1:
                previous = seq
            else:
                violations += 1
                previous = max(previous, seq)
    last_seen = {}
    for conversation, seqs in arrivals.items():
        last_seen[int(conversation.split("/5521")[-1].split("@")[0])] = max(seqs)
    incomplete = sum(1 for chat, last in expected.items() if last_seen.get(chat, -1) < last)

    fence = {"held": [], "lost": [], "cont": None, "polls": [], "entries": []}
    if args.fence:
        for line in open(args.fence, encoding="utf-8"):
            parts = line.rstrip("\n").split(" ", 3)
            if parts[0] in ("held", "lost"):
                fence[parts[0]] = [int(p) for p in line.split()[1:]]
            elif parts[0] == "cont":
                fence["cont"] = float(parts[1])
            elif parts[0] == "poll" and len(parts) == 4:
                fence["polls"].append((float(parts[1]), int(parts[2]), parts[3]))
            elif parts[0] == "entry" and len(parts) >= 3:
                fence["entries"].append((int(parts[1]), line.rstrip("\n").split(" ", 2)[2]))

    problems = []
    mapping_checked = 0
    for p, conversation in fence["entries"]:
        if partition_of(conversation, args.partitions) != p:
            problems.append("partition-hash-mismatch")
            break
        mapping_checked += 1

    summary = "%d chats, %d messages sent, %d delivered (%d requests), order violations %d, repeats %d, incomplete chats %d" % (
        len(expected), sum(v + 1 for v in expected.values()), len({r["message_id"] for r in records}), len(records),
        violations, repeats, incomplete)
    bound = len(fence["held"]) if args.fence else None
    if bound is not None:
        summary += " (bound: %d, the partitions the disturbed deliverer held)" % bound
    summary += "; partition hash checked on %d stream entries" % mapping_checked
    if fence["cont"] is not None:
        regained = {}
        for t, p, holder in sorted(fence["polls"]):
            if p in fence["lost"] and holder.endswith(":deliverer-1") and p not in regained:
                regained[p] = t
        fenced, after = 0, 0
        for record in records:
            if record.get("sink") != "d1" or fence["cont"] is None or record["t"] < fence["cont"]:
                continue
            after += 1
            p = partition_of(record["conversation"].replace("/", "\x1f", 1), args.partitions)
            # The poll sees a regained lease up to one poll interval late: 0.15 s of slack.
            if p in fence["lost"] and record["t"] < regained.get(p, float("inf")) - 0.15:
                fenced += 1
        summary += "; stalled deliverer held %d partitions, lost %d, regained %d after SIGCONT; %d requests from it after SIGCONT, %d of them for a lost partition before regaining it" % (
            len(fence["held"]), len(fence["lost"]), len(regained), after, fenced)
        if fenced:
            problems.append("fencing=%d" % fenced)
        if not fence["lost"]:
            problems.append("no-partition-lost")
    if violations:
        problems.append("order-violations=%d" % violations)
    if incomplete:
        problems.append("incomplete-chats=%d" % incomplete)
    if bound is not None and repeats > bound:
        problems.append("order-repeats=%d>%d" % (repeats, bound))
    print(summary)
    if args.problems_out:
        with open(args.problems_out, "w") as f:
            f.write(" ".join(problems) + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
