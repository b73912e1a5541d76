#!/usr/bin/env python3
"""Drives the console's page in headless Chromium (Debian's chromium + chromium-driver, Selenium).

  console_browser_check.py --url http://127.0.0.1:PORT/ --token T --stats-json stats.json \
      --stats-cmd "webhook-dedup stats" --sink-out deliveries.jsonl --screenshot docs/console.png

Checks, each printed as PASS/FAIL:
  1. the page asks for the token, the login form opens it
  2. the cards show what `webhook-dedup stats` prints: accepted and duplicates of the last hour,
     backlog, pending and dead letters; one chart per source, receivers and consumers listed
  3. dead letters are listed with their error and attempts, and no secret header value appears
  4. Replay on one dead letter: the page says so, the downstream receives that message, the dead
     letter count drops by one
  5. "Look up a message" finds the replayed message's seen key
  6. on a phone-sized window nothing needs horizontal scrolling
and saves a full-page screenshot. Exits 1 if any check failed. Nothing is downloaded: the driver is
/usr/bin/chromedriver and the browser /usr/bin/chromium (Selenium Manager stays offline).
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import time

os.environ.setdefault("SE_OFFLINE", "true")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

failures = []


def check(name, ok, detail=""):
    print(("PASS  " if ok else "FAIL  ") + name + (f"  ({detail})" if detail and not ok else ""))
    if not ok:
        failures.append(name)


def wait_for(predicate, timeout=20.0, step=0.25):
    deadline = time.time() + timeout
    value = None
    while time.time() < deadline:
        try:
            value = predicate()
        except Exception:  # the page may be re-rendering
            value = None
        if value:
            return value
        time.sleep(step)
    return value


def stats(command):
    return json.loads(subprocess.run(shlex.split(command), check=True, capture_output=True, text=True).stdout)


def text(driver, element_id):
    return driver.find_element(By.ID, element_id).text.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--stats-cmd", required=True, help="command printing `webhook-dedup stats` JSON")
    parser.add_argument("--sink-out", required=True, help="the downstream sink's JSON lines")
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()

    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=args.chromedriver), options=options)
    try:
        run(driver, args)
    finally:
        driver.quit()
    print(f"{'all checks passed' if not failures else 'FAILED: ' + ', '.join(failures)}")
    return 1 if failures else 0


def run(driver, args):
    driver.get(args.url)
    login = wait_for(lambda: driver.find_element(By.ID, "login").is_displayed())
    check("the page asks for the token", bool(login))
    driver.find_element(By.ID, "token").send_keys(args.token)
    driver.find_element(By.ID, "login-button").click()
    shown = wait_for(lambda: driver.find_element(By.ID, "content").is_displayed() and text(driver, "total-accepted") != "–")
    check("the login form opens the console", bool(shown))

    # 2. The cards against `stats` (read after the page: nothing is in flight, figures are stable).
    expected = stats(args.stats_cmd)
    hour, totals = expected["last_hour"]["totals"], expected["totals"]
    cards = {
        "total-accepted": str(hour["accepted"]),
        "total-duplicate": str(hour["duplicate"]),
        "total-backlog": str(totals["length"]),
        "total-pending": str(totals["pending"]),
        "total-dead": str(totals["dead_letters"]),
    }
    for element_id, value in cards.items():
        shown_value = wait_for(lambda: text(driver, element_id) == value and value, timeout=15)
        check(f"#{element_id} shows {value} as stats does", bool(shown_value), f"page shows {text(driver, element_id)}")
    sources = {s["source"] for s in expected["last_hour"]["sources"]}
    charts = driver.find_elements(By.CSS_SELECTOR, "#charts .chart svg polyline.accepted")
    check(f"one SVG chart per source ({len(sources)})", len(charts) == len(sources), f"{len(charts)} charts")
    receivers = driver.find_elements(By.CSS_SELECTOR, "#receivers tbody tr")
    check("receivers seen lately are listed", len(receivers) == len(expected["last_hour"]["receivers"]) > 0, f"{len(receivers)} rows")
    consumers = driver.find_elements(By.CSS_SELECTOR, "#consumers tbody tr")
    check("consumers are listed", len(consumers) == totals["consumers"] > 0, f"{len(consumers)} rows")

    # 3. Dead letters.
    letters = driver.find_elements(By.CSS_SELECTOR, "li.dead-letter")
    check("dead letters are listed", len(letters) == min(50, totals["dead_letters"]) > 0, f"{len(letters)} listed")
    page_text = driver.page_source
    check("dead letters show error and attempts", "attempts)" in letters[0].text if letters else False)
    check("no secret header value on the page", "console-test-secret" not in page_text)

    # 4. Replay one by its button.
    dead_before = totals["dead_letters"]
    letter = letters[0]
    ref = letter.get_attribute("data-ref")
    what = letter.find_element(By.CSS_SELECTOR, ".what").text
    source, key = [part.strip() for part in what.split("·", 1)]
    letter.find_element(By.CSS_SELECTOR, "button.replay").click()
    status = wait_for(lambda: "replayed" in text(driver, "dead-status") and text(driver, "dead-status"))
    check(f"Replay on {ref} answers on the page", bool(status), text(driver, "dead-status"))

    def delivered():
        try:
            with open(args.sink_out, encoding="utf-8") as lines:
                return any(json.loads(line).get("key") == key for line in lines if line.strip())
        except FileNotFoundError:
            return False

    check("the replayed message reaches the downstream", bool(wait_for(delivered, timeout=30)))
    remaining = wait_for(lambda: text(driver, "total-dead") == str(dead_before - 1), timeout=20)
    check(f"dead letters drop to {dead_before - 1} on the page", bool(remaining), text(driver, "total-dead"))
    check("stats agrees on the dead letters", stats(args.stats_cmd)["totals"]["dead_letters"] == dead_before - 1)

    # 5. Look it up.
    driver.find_element(By.ID, "lookup-source").send_keys(source)
    driver.find_element(By.ID, "lookup-key").send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#lookup button").click()
    seen = wait_for(lambda: driver.find_element(By.CSS_SELECTOR, '#lookup-result dd[data-field="seen key"]').text)
    check("Look up a message shows its seen key", bool(seen) and seen.endswith(f":seen:{source}:{key}"), str(seen))

    # Screenshot of the whole page, then the phone layout.
    driver.execute_script("window.scrollTo(0, 0)")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(height + 120, 900), 4000))
    time.sleep(0.5)
    os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
    check(f"screenshot saved to {args.screenshot}", driver.save_screenshot(args.screenshot))
    driver.set_window_size(390, 844)
    time.sleep(0.5)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    check("phone width (390 px): no horizontal scrolling of the page", overflow <= 1, f"{overflow} px wider")


if __name__ == "__main__":
    sys.exit(main())
