#!/usr/bin/env python3
"""b8_page - benchmark 8: the dashboard's load time in headless Chromium
through nginx (configured from etc/nginx/clanpopd.conf), for the
overview of 1,000 clans, for one clan's view with 90 days of trends at
the trend file's maximum (20 cards of 200 points, for each of the two
measures: favourite cards and cards in decks) and for the family view
with trends/family.json at the same maximum.  Goal: under 1 s each.

The output files are generated in the daemon's formats (index.json,
cards.json with its deck_cards, clans/TAG.json of 50 members with 20
favourite cards and 60 deck cards, trends/TAG.json and trends/family.json
as clanpopd-files(5) specifies): running 1,000 clans through the daemon
would measure the daemon, not the page.  The time is from navigation start to the
page's performance mark "clanpopd-view" (every file read, the tables and
charts drawn), in a new document each time: the first load, then B8_RUNS
reloads, which revalidate every file (Cache-Control: no-cache).

Runs on its own (python3 bench/b8_page.py, which rewrites this section of
BENCHMARKS.md and carries the others over) or in bench/run.
"""

import json
import os
import statistics
import subprocess
import sys
import time

if __name__ == "__main__":
    os.environ["BENCH_ONLY"] = "8"
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from runner import TOP, Failure, cmd_block, say, verdict  # noqa: E402

NUMBER = 8
TITLE = "dashboard load time"

B8_CLANS = 1000
B8_CARDS = 20		# a trend file's most cards
B8_DECK_POOL = 100	# deck cards of the family
B8_DECK_CARDS = 60	# deck cards of a clan
B8_POINTS = 200		# a series' most points
B8_DAYS = 90
B8_RUNS = 5
B8_GOAL_MS = 1000.0
B8_TAG = "9V2Y"
ALPHABET = "0289PYLQGRJCUV"
DASHSERVE = os.path.join(TOP, "tests", "dashserve.py")
SYSTEM_PYTHON = "/usr/bin/python3"	# Debian's python3-selenium


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def tag_of(i):
    s = ""
    for _ in range(6):
        s += ALPHABET[i % 14]
        i //= 14
    return "9" + s


def write(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)


def generate(out, now):
    """1,000 clans' files, and one clan's 90 days of trends."""
    cards = [{"id": 26000000 + k, "name": "Card %02d" % k}
             for k in range(B8_CARDS)]
    pool = [{"id": 27000000 + k, "name": "Deck card %03d" % k}
            for k in range(B8_DECK_POOL)]
    entries = []
    for i in range(B8_CLANS):
        tag = B8_TAG if i == 0 else tag_of(i)
        counts = [max(0, 5 - (k + i) % 7) for k in range(B8_CARDS)]
        fav = sorted(({"name": c["name"], "id": c["id"], "count": n}
                      for c, n in zip(cards, counts) if n),
                     key=lambda c: (-c["count"], c["name"]))
        # 60 distinct deck cards, each in 2 to 10 of the 48 decks.
        decks = sorted(({"name": c["name"], "id": c["id"],
                         "count": 2 + (k * 7 + i) % 9}
                        for k, c in enumerate((pool[i % B8_DECK_POOL:] +
                                               pool)[:B8_DECK_CARDS])),
                       key=lambda c: (-c["count"], c["name"]))
        write(os.path.join(out, "clans", tag + ".json"), {
            "tag": "#" + tag, "name": "Clan %d" % i,
            "fetched_at": iso(now - i % 900), "duration_ms": 700,
            "members": 50, "players": {"fetched": 45, "reused": 5,
                                       "failed": 0,
                                       "without_favourite": 50 -
                                       sum(counts), "without_deck": 2},
            "complete": True, "favourite_cards": fav, "deck_cards": decks})
        entries.append({
            "tag": "#" + tag, "name": "Clan %d" % i, "label": None,
            "snapshot": "clans/%s.json" % tag,
            "last_success": iso(now - i % 900),
            "last_attempt": iso(now - i % 900),
            "last_error": None if i % 10 else
            "1 of 50 players could not be read",
            "consecutive_failures": 1 if i % 50 == 0 else 0,
            "interval_s": 900, "complete": True})
    write(os.path.join(out, "index.json"), {
        "version": "0.1.0", "started_at": iso(now - 86400),
        "generated_at": iso(now), "clans": entries})
    write(os.path.join(out, "cards.json"), {
        "generated_at": iso(now), "clans": B8_CLANS, "players": 20000,
        "favourite_cards": [{"id": c["id"], "name": c["name"],
                             "players": 2000 - 50 * k, "clans": 900}
                            for k, c in enumerate(cards)],
        "deck_cards": [{"id": c["id"], "name": c["name"],
                        "players": 6000 - 50 * k, "clans": 600}
                       for k, c in enumerate(pool)]})
    t0 = now - B8_DAYS * 86400
    step = B8_DAYS * 86400 / (B8_POINTS - 1)

    def series(of, scale):
        return [{"id": c["id"], "name": c["name"], "points": [
            [iso(t0 + j * step), scale * ((j * (k + 3)) % 9)]
            for j in range(B8_POINTS)]} for k, c in enumerate(of)]
    write(os.path.join(out, "trends", B8_TAG + ".json"), {
        "tag": "#" + B8_TAG, "name": "Clan 0", "from": iso(t0),
        "to": iso(now), "refreshes": B8_DAYS * 96,
        "cards": series(cards, 1),
        "deck_cards": series(pool[:B8_CARDS], 4)})
    write(os.path.join(out, "trends", "family.json"), {
        "from": iso(t0), "to": iso(now), "clans": B8_CLANS,
        "refreshes": B8_CLANS * B8_DAYS * 96,
        "cards": series(cards, 900),
        "deck_cards": series(pool[:B8_CARDS], 3000)})


def measure(bn):
    say("== 8. the dashboard's load time in headless Chromium")
    for need in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not os.access(need, os.X_OK):
            raise Failure("%s is not installed: install Debian's chromium, "
                          "chromium-driver and python3-selenium (bash "
                          ".ci/setup does)" % need)
    out = os.path.join(bn.work, "out-b8")
    generate(out, int(time.time()))
    views = {"#/": "overview, %d clans" % B8_CLANS,
             "#/clan/" + B8_TAG: "one clan, %d days of trends: 2 x %d "
             "cards x %d points" % (B8_DAYS, B8_CARDS, B8_POINTS),
             "#/cards": "all clans' cards, %d days of the family's trends: "
             "2 x %d cards x %d points" % (B8_DAYS, B8_CARDS, B8_POINTS)}
    py = SYSTEM_PYTHON if os.access(SYSTEM_PYTHON, os.X_OK) else \
        sys.executable
    argv = [py, DASHSERVE, "time", "--data", out, "--prefix",
            os.path.join(bn.work, "nginx-b8"), "--runs", str(B8_RUNS)]
    for h in views:
        argv += ["--hash", h]
    bn.commands[8] = [
        "# $WORK/out-b8: %d clans' index.json, clans/, cards.json, "
        "trends/%s.json and trends/family.json (generated)"
        % (B8_CLANS, B8_TAG),
        "python3 tests/dashserve.py time --data $WORK/out-b8 --prefix "
        "$WORK/nginx-b8 --runs %d --hash '#/' --hash '#/clan/%s' "
        "--hash '#/cards'" % (B8_RUNS, B8_TAG)]
    p = subprocess.run(argv, capture_output=True, text=True,
                       env=dict(os.environ, TOP_SRCDIR=TOP))
    if p.returncode != 0:
        raise Failure("tests/dashserve.py time failed:\n%s" %
                      p.stderr[-2000:])
    got = json.loads(p.stdout.strip().splitlines()[-1])
    size = (lambda *p: os.path.getsize(os.path.join(out, *p)))
    sizes = {"index.json": size("index.json"),
             "snapshot": size("clans", B8_TAG + ".json"),
             "cards.json": size("cards.json"),
             "trends": size("trends", B8_TAG + ".json"),
             "family": size("trends", "family.json")}
    bn.results[8] = {"views": views, "times": got, "sizes": sizes}
    for h, what in views.items():
        r = got[h]
        say("   %s: first %.0f ms, reloads median %.0f ms (max %.0f)" % (
            what, r["first"], statistics.median(r["reloads"]),
            max(r["reloads"])))
        if r["console"]:
            raise Failure("the browser's console is not empty at %s: %s"
                          % (h, r["console"][:3]))


def section(bn):
    r = bn.results.get(8)
    if r is None:
        return None
    L = ["## 8. Dashboard load time", ""]
    a = L.append
    a("Goal (issue 14, and issue 20 with both measures): the page "
      "(`www/`) shows its view in headless "
      "Chromium, through nginx with `etc/nginx/clanpopd.conf`, in under "
      "1 s for the overview of 1,000 clans, for one clan with 90 days "
      "of trends and for all clans' cards with the family's 90 days of "
      "trends. Time from navigation start to the page's mark "
      "`clanpopd-view` (every file read, tables and charts drawn); a new "
      "document each time; the first load, then %d reloads that "
      "revalidate every file. index.json is %.0f KB, a snapshot (20 "
      "favourite cards, 60 deck cards) %.1f KB, cards.json %.1f KB, the "
      "clan's trend file %.0f KB and trends/family.json %.0f KB (each 20 "
      "favourite and 20 deck cards of 200 points); the overview shows the "
      "clans 100 to a page and reads the snapshots of its page, 6 at a "
      "time (before pages it read all 1,000: bench/HISTORY.md)."
      % (B8_RUNS, r["sizes"]["index.json"] / 1000.0,
         r["sizes"]["snapshot"] / 1000.0, r["sizes"]["cards.json"] / 1000.0,
         r["sizes"]["trends"] / 1000.0, r["sizes"]["family"] / 1000.0))
    a("")
    a("| view | first load | reloads: median | reloads: max |")
    a("|---|---:|---:|---:|")
    worst = 0.0
    for h, what in r["views"].items():
        t = r["times"][h]
        worst = max(worst, t["first"], max(t["reloads"]))
        a("| `%s` %s | %.0f ms | %.0f ms | %.0f ms |" % (
            h, what, t["first"], statistics.median(t["reloads"]),
            max(t["reloads"])))
    L.extend(cmd_block(bn, 8))
    return verdict(worst < B8_GOAL_MS, "slowest load %.0f ms (goal "
                   "%.0f ms)" % (worst, B8_GOAL_MS)), L


if __name__ == "__main__":
    import bench
    sys.exit(bench.main())
