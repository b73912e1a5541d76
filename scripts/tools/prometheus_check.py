#!/usr/bin/env python3
"""Checks the dashboard and the alert rules against a running Prometheus (standard library only).

  prometheus_check.py panels --prometheus http://127.0.0.1:PORT --dashboard deploy/grafana/webhook-dedup.json
      every target expression of every panel, evaluated through /api/v1/query, must answer a
      non-empty result (retried for --timeout seconds while samples accumulate)
  prometheus_check.py alert --prometheus URL --rules deploy/prometheus/alerts.yml --name ALERT \
      --since UNIX_SECONDS --interval SECONDS
      waits until ALERT is firing (/api/v1/alerts) and requires that it fired within its `for:`
      plus one evaluation interval plus one scrape interval (--interval each) of --since, the moment
      its condition became true (the alert cannot see a change before the next scrape)
"""

import argparse
import json
import re
import sys
import time
import urllib.parse
import urllib.request


def query(base, expr):
    url = base.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def panels(args):
    dashboard = json.load(open(args.dashboard, encoding="utf-8"))
    targets = [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel.get("targets", [])]
    pending = list(targets)
    deadline = time.time() + args.timeout
    errors = {}
    while pending and time.time() < deadline:
        still = []
        for title, expr in pending:
            try:
                answer = query(args.prometheus, expr)
                ok = answer.get("status") == "success" and len(answer["data"]["result"]) > 0
                errors[expr] = "empty result" if not ok else ""
            except Exception as error:  # an HTTP 400 is a query Prometheus refuses
                ok = False
                errors[expr] = str(error)
            if not ok:
                still.append((title, expr))
        pending = still
        if pending:
            time.sleep(1)
    for title, expr in targets:
        failed = (title, expr) in pending
        print(("FAIL  " if failed else "PASS  ") + f"{title}: {expr}" + (f"  ({errors.get(expr)})" if failed else ""))
    print(f"{len(targets) - len(pending)} of {len(targets)} panel queries answer non-empty results")
    return 1 if pending else 0


def duration_seconds(text):
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", text):
        total += float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    return total


def rule_for(rules_file, name):
    """The `for:` of alert NAME, read from the rules file without a YAML library."""
    current = None
    for line in open(rules_file, encoding="utf-8"):
        match = re.match(r"\s*-\s*alert:\s*(\S+)", line)
        if match:
            current = match.group(1)
            continue
        match = re.match(r"\s*for:\s*(\S+)", line)
        if match and current == name:
            return duration_seconds(match.group(1))
    raise SystemExit(f"alert {name} has no for: in {rules_file}")


def alert(args):
    hold = rule_for(args.rules, args.name)
    allowed = hold + 2 * args.interval + args.slack
    deadline = args.since + allowed + 30
    fired_at = None
    while time.time() < deadline:
        with urllib.request.urlopen(args.prometheus.rstrip("/") + "/api/v1/alerts", timeout=10) as response:
            alerts = json.load(response)["data"]["alerts"]
        if any(a["labels"].get("alertname") == args.name and a["state"] == "firing" for a in alerts):
            fired_at = time.time()
            break
        time.sleep(0.25)
    if fired_at is None:
        print(f"FAIL  {args.name} did not fire within {allowed + 30:.0f} s")
        return 1
    took = fired_at - args.since
    ok = took <= allowed
    print(
        ("PASS  " if ok else "FAIL  ")
        + f"{args.name} fired {took:.1f} s after its condition became true"
        + f" (for: {hold:.0f} s + evaluation {args.interval:.0f} s + scrape {args.interval:.0f} s + {args.slack:.0f} s slack = {allowed:.0f} s)"
    )
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("panels")
    p.add_argument("--prometheus", required=True)
    p.add_argument("--dashboard", required=True)
    p.add_argument("--timeout", type=float, default=60)
    a = sub.add_parser("alert")
    a.add_argument("--prometheus", required=True)
    a.add_argument("--rules", required=True)
    a.add_argument("--name", required=True)
    a.add_argument("--since", type=float, required=True)
    a.add_argument("--interval", type=float, required=True, help="scrape and evaluation interval, seconds")
    a.add_argument("--slack", type=float, default=2, help="seconds for HTTP round trips and polling")
    args = parser.parse_args()
    return panels(args) if args.command == "panels" else alert(args)


if __name__ == "__main__":
    sys.exit(main())
