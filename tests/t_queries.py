"""t_queries.py - the four sqlite3 queries of docs/OPERATIONS.md's
"History and trends", taken from that file itself, run with the sqlite3
program on a database clanpopd wrote over three refreshes, each answer
checked against one computed from the snapshots those refreshes wrote."""

import os
import re
import subprocess
import time
from decimal import ROUND_HALF_UP, Decimal

from functional import (TOP_SRCDIR, Standin, Tap, clanpopd, snapshot,
                        workdir, write_config)
import standin
import trendspy

t = Tap()

KNIGHT = {"id": 26000000, "name": "Knight"}
WIZARD = {"id": 26000017, "name": "Wizard"}
# Drifting clans, two of #9V2Y's players on Knight for good, and #8QRJ by
# hand: Knight its favourite card until the third refresh makes it Wizard.
scenario = {
    "drift": {"seed": 11, "period": 2},
    "clans": {
        "9V2Y": {"members": 30},
        "2PYLQ": {"members": 20, "faults": {"3": "no_favourite"}},
        "8QRJ": {"members_list": ["#2Y0", "#2YP", "#2YQ"]},
    },
    "players": {
        standin.member_tag("#9V2Y", 0): {"card": KNIGHT},
        standin.member_tag("#9V2Y", 1): {"card": KNIGHT},
        "#2Y0": {"card": KNIGHT}, "#2YP": {"card": KNIGHT},
        "#2YQ": {"card": WIZARD},
    },
}
TAGS = ["#9V2Y", "#2PYLQ", "#8QRJ"]


def doc_queries():
    """The sql blocks of docs/OPERATIONS.md's "History and trends"."""
    with open(os.path.join(TOP_SRCDIR, "docs", "OPERATIONS.md"),
              encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n## History and trends\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, re.S)


def run_sql(db, query):
    p = subprocess.run(["sqlite3", "-readonly", db], input=query,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout.splitlines(), p.stderr


def share(snaps):
    """Query 1 from #9V2Y's snapshots: day|knight|players|percent."""
    days = {}
    for s in snaps:
        day = time.strftime("%Y-%m-%d", time.gmtime(trendspy.unix(s["fetched_at"])))
        d = days.setdefault(day, [0, 0])
        d[0] += sum(c["count"] for c in s["favourite_cards"]
                    if c["id"] == KNIGHT["id"])
        d[1] += (s["players"]["fetched"] + s["players"]["reused"] -
                 s["players"]["without_favourite"])
    return ["%s|%d|%d|%s" % (day, k, n, (Decimal(100 * k) / Decimal(n))
                             .quantize(Decimal("0.1"), ROUND_HALF_UP))
            for day, (k, n) in sorted(days.items())]


def family_top(latest, key="favourite_cards"):
    """Query 2 (query 4 with deck_cards) from each clan's latest snapshot:
    name|players|clans."""
    cards = {}
    for s in latest:
        for c in s.get(key, []):
            e = cards.setdefault(c["id"], [c["name"], 0, 0])
            e[1] += c["count"]
            e[2] += 1
    top = sorted(cards.values(), key=lambda e: (-e[1], e[0].encode()))[:10]
    return ["%s|%d|%d" % tuple(e) for e in top]


def changed(history):
    """Query 3 from each clan's last two snapshots: clan|was|now."""
    def top(s):
        return s["favourite_cards"][0]["name"] if s["favourite_cards"] else ""
    rows = []
    for tag in sorted(history, key=str.encode):
        snaps = history[tag]
        if len(snaps) >= 2 and top(snaps[-2]) != top(snaps[-1]):
            rows.append("%s|%s|%s" % (tag, top(snaps[-2]), top(snaps[-1])))
    return rows


queries = doc_queries()
t.eq(len(queries), 4,
     "docs/OPERATIONS.md's History and trends holds four queries")
with open(os.path.join(TOP_SRCDIR, "README.md"), encoding="utf-8") as f:
    t.eq(re.findall(r"```sql\n(.*?)```", f.read(), re.S), queries[3:4],
         "README.md's query is docs/OPERATIONS.md's fourth, to the byte")

wd = workdir("queries")
out = os.path.join(wd, "out")
db = os.path.join(out, "history.sqlite")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, TAGS)
history = {tag: [] for tag in TAGS}
for k in range(3):
    if k == 2:
        api.set_scenario(dict(scenario, players=dict(
            scenario["players"], **{"#2Y0": {"card": WIZARD}})))
    clanpopd(["--once", "-c", cfg], 0, "refresh %d: --once exits 0" % (k + 1))
    for tag in TAGS:
        history[tag].append(snapshot(out, tag))

want = [share(history["#9V2Y"]),
        family_top([history[tag][-1] for tag in TAGS]),
        changed(history),
        family_top([history[tag][-1] for tag in TAGS], "deck_cards")]
t.ok("#8QRJ|Knight|Wizard" in want[2], "the snapshots say #8QRJ's "
     "favourite card changed from Knight to Wizard", want[2])
names = ["a card's share in one clan over the last 7 days",
         "the family's top 10 this week",
         "clans whose favourite card changed",
         "the family's most played deck cards this week"]
for i, q in enumerate(queries[:4]):
    rc, rows, err = run_sql(db, q)
    t.eq((rc, err), (0, ""), "query %d (%s): sqlite3 runs it" % (i + 1,
                                                                names[i]))
    t.eq(rows, want[i], "query %d (%s): the answer of the snapshots"
         % (i + 1, names[i]))
api.stop()
t.done()
