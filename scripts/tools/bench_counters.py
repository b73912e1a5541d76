#!/usr/bin/env python3
"""What the per-minute counters cost per accept, measured on the Redis server that runs the script.

  bench_counters.py --port PORT [--requests N] [--rounds R] [--script Sources/Receiver/Store/AcceptScript.swift]

Loads two versions of the accept script into the redis-server on PORT: the one in the Swift source
("with counters") and the same text with its two count(...) calls removed ("without counters"), so
the difference is exactly the counting. redis-benchmark then calls each with EVALSHA, alternating
A/B/A/B... for --rounds rounds of --requests calls each, in two shapes: every call a new message
(random key out of 10^9) and every call a duplicate (one key). Per round the server's CPU time
(INFO cpu: used_cpu_user + used_cpu_sys) is divided by the EVALSHA calls it served (INFO
commandstats), so client and network costs are left out. Prints one table and the median
difference in microseconds of Redis CPU per accept.
"""

import argparse
import re
import statistics
import subprocess
import sys


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], check=True, capture_output=True, text=True).stdout


def info(port, section):
    fields = {}
    for line in cli(port, "INFO", section).splitlines():
        if ":" in line:
            name, value = line.split(":", 1)
            fields[name] = value.strip()
    return fields


def cpu_seconds(port):
    fields = info(port, "cpu")
    return float(fields["used_cpu_user"]) + float(fields["used_cpu_sys"])


def evalsha_calls(port):
    line = info(port, "commandstats").get("cmdstat_evalsha", "calls=0")
    return int(re.search(r"calls=(\d+)", line).group(1))


def script_text(path):
    source = open(path, encoding="utf-8").read()
    match = re.search(r'RedisScript\(\s*"""\n(.*?)\n\s*"""', source, re.S)
    if not match:
        sys.exit(f"no script found in {path}")
    lines = [line[8:] if line.startswith("        ") else line for line in match.group(1).splitlines()]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--script", default="Sources/Receiver/Store/AcceptScript.swift")
    args = parser.parse_args()

    with_counters = script_text(args.script)
    without = re.sub(r"^\s*count\('(accepted|duplicate)'\)\s*$\n?", "", with_counters, flags=re.M)
    if without == with_counters:
        sys.exit("the script has no count(...) calls to remove")
    shas = {"without counters": cli(args.port, "SCRIPT", "LOAD", without).strip(),
            "with counters": cli(args.port, "SCRIPT", "LOAD", with_counters).strip()}

    # The script's KEYS: [seen, unrouted hash, stats prefix, stats sources, stream] when it fans out
    # to destination streams, else [seen, stream, stats prefix, stats sources].
    routed = "unrouted" in with_counters or "#KEYS" in with_counters
    body = '{"event":"messages.upsert","instance":"bench","data":{"key":{"id":"3EB0BENCH"},"message":{"conversation":"' + "x" * 300 + '"}}}'

    def command(sha, key):
        seen = f"wd:{{0}}:seen:evolution:{key}"
        keys = [seen, "wd:{0}:unrouted", "wd:{0}:stats:evolution:", "wd:{0}:stats:sources", "wd:{0}:stream"] if routed \
            else [seen, "wd:{0}:stream", "wd:{0}:stats:evolution:", "wd:{0}:stats:sources"]
        argv = ["86400", "1764550000000", '"bench"', "evolution", "bench-1", "click_to_chat_link",
                "key", key, "source", "evolution", "path", "/webhook/evolution", "received_at", "1764550000000",
                "receiver", "bench-1", "content_type", "application/json", "headers", "{}", "body", body]
        return ["EVALSHA", sha, str(len(keys)), *keys, *argv]

    results = {}
    for shape, key, rand in (("new message", "k:__rand_int__", ["-r", "1000000000"]), ("duplicate", "k:one", [])):
        for round_number in range(args.rounds):
            for name, sha in shas.items():
                cli(args.port, "FLUSHALL")
                if shape == "duplicate":
                    subprocess.run(["redis-cli", "-p", str(args.port), *command(sha, key)], check=True, capture_output=True)
                before_cpu, before_calls = cpu_seconds(args.port), evalsha_calls(args.port)
                subprocess.run(["redis-benchmark", "-p", str(args.port), "-n", str(args.requests), "-c", "8", "-P", "16", "-q", *rand,
                                *command(sha, key)], check=True, capture_output=True)
                calls = evalsha_calls(args.port) - before_calls
                micros = (cpu_seconds(args.port) - before_cpu) / calls * 1e6
                results.setdefault((shape, name), []).append(micros)
                print(f"round {round_number + 1}  {shape:<12} {name:<17} {calls:>7} calls  {micros:6.2f} µs Redis CPU per call", flush=True)
    cli(args.port, "FLUSHALL")
    print()
    print("| accept | without counters | with counters | counters cost |")
    print("|---|---|---|---|")
    for shape in ("new message", "duplicate"):
        a = statistics.median(results[(shape, "without counters")])
        b = statistics.median(results[(shape, "with counters")])
        print(f"| {shape} | {a:.2f} µs | {b:.2f} µs | +{b - a:.2f} µs ({(b - a) / a * 100:+.0f} %) |")
    print(f"\nmedians of {args.rounds} alternating rounds of {args.requests} EVALSHA calls each (redis-benchmark -c 8 -P 16)")


if __name__ == "__main__":
    sys.exit(main())
