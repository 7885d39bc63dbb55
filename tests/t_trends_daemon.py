"""t_trends_daemon.py - trends/TAG.json against the stand-in's drifting
favourites: after each refresh its last points are the snapshot, every
series is what the history database says (recomputed by tests/trendspy.py)
and what the stand-in's drift predicts, the file is replaced each time and
no temporary file is left; then, with 300 older refreshes in the database,
the running daemon samples 200 points and keeps a former top card.  A
clan removed from the configuration keeps its trend file."""

import json
import os
import sqlite3
import time

from functional import (Daemon, Standin, Tap, clanpopd, counts, scaled,
                        snapshot, temp_files, workdir, write_config)
import standin
import trendspy

t = Tap()

scenario = {
    "drift": {"seed": 5, "period": 2},
    "clans": {
        "9V2Y": {"members": 30},
        "2PYLQ": {"members": 20, "faults": {"3": "no_favourite"}},
    },
}
TAGS = ["#9V2Y", "#2PYLQ"]
RUNS = 4
WINDOW = 30 * trendspy.DAY      # output.trend_window's default
OLD_CARD = 26999999             # only in the older refreshes of part 2


def read_trends(out, tag):
    path = os.path.join(out, "trends", tag.lstrip("#") + ".json")
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8")), os.stat(path).st_ino


def last_points(tr, snap, name):
    """The trends' last points are the snapshot: its time, its top 10 in
    its order, each card's count (0 when the snapshot lacks it)."""
    have = {c["id"]: c["count"] for c in snap["favourite_cards"]}
    t.eq({c["points"][-1][0] for c in tr["cards"]}, {snap["fetched_at"]},
         "%s: every last point is at the snapshot's fetched_at" % name)
    t.eq([c["id"] for c in tr["cards"][:10]],
         [c["id"] for c in snap["favourite_cards"][:10]],
         "%s: the first cards are the snapshot's top 10" % name)
    t.eq({c["id"]: c["points"][-1][1] for c in tr["cards"]},
         {c["id"]: have.get(c["id"], 0) for c in tr["cards"]},
         "%s: each last point is the snapshot's count" % name)


def predicted(tag, runs):
    """Each card's players at refreshes 0 .. runs-1, as the drift says."""
    series = {}
    for k in range(runs):
        exp = standin.expected(scenario, tag, 3, k)
        for c in exp["favourite_cards"]:
            series.setdefault(c["id"], [0] * runs)[k] = c["count"]
    return series


# --- Part 1: four --once runs, each a refresh of both clans.
wd = workdir("trends")
out = os.path.join(wd, "out")
db = os.path.join(out, "history.sqlite")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, TAGS)
inodes = {}
for k in range(RUNS):
    name = "run %d" % (k + 1)
    clanpopd(["--once", "-c", cfg], 0, "%s: --once exits 0" % name)
    for tag in TAGS:
        snap = snapshot(out, tag)
        tn = "%s %s" % (name, tag)
        t.eq(counts(snap), standin.expected(scenario, tag, 3, k),
             "%s: the snapshot is the drift's refresh %d" % (tn, k))
        tr, ino = read_trends(out, tag)
        t.eq(tr["refreshes"], k + 1, "%s: %d refreshes" % (tn, k + 1))
        last_points(tr, snap, tn)
        t.eq(tr, trendspy.trends(db, tag, trendspy.unix(snap["fetched_at"]),
                                 WINDOW),
             "%s: the file is the database's trends" % tn)
        pred = predicted(tag, k + 1)
        t.eq({c["id"]: [p[1] for p in c["points"]] for c in tr["cards"]},
             {c["id"]: pred.get(c["id"], [0] * (k + 1)) for c in tr["cards"]},
             "%s: every series is what the drift predicts" % tn)
        t.ok(inodes.get(tag) != ino, "%s: the file was replaced" % tn)
        inodes[tag] = ino
    t.eq(temp_files(out), [], "%s: no temporary file is left" % name)
pred = predicted("#9V2Y", RUNS)
t.ok(any(len(set(s)) > 1 for s in pred.values()),
     "the drift moved #9V2Y's favourites over %d refreshes" % RUNS)

# A clan no longer configured keeps its trend file, as its snapshot.
before = read_trends(out, "#2PYLQ")
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y"])
clanpopd(["--once", "-c", cfg], 0, "without #2PYLQ: --once exits 0")
t.eq(read_trends(out, "#2PYLQ"), before,
     "without #2PYLQ: its trend file stays as it was")
t.eq(read_trends(out, "#9V2Y")[0]["refreshes"], RUNS + 1,
     "without #2PYLQ: #9V2Y's trends go on")


def older_refreshes(path, now):
    """300 refreshes of #9V2Y over the day before now, each with OLD_CARD
    on top and 2 Knights, in a database made as clanpopd makes it."""
    con = sqlite3.connect(path)
    con.executescript(trendspy.SCHEMA)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("INSERT INTO cards VALUES (?, 'Old Card'), "
                "(26000000, 'Knight')", (OLD_CARD,))
    for i in range(300):
        cur = con.execute(
            "INSERT INTO refreshes (clan, clan_name, fetched_at, members, "
            "fetched, failed, without_favourite, complete, duration_ms) "
            "VALUES ('#9V2Y', 'Before', ?, 42, 42, 0, 0, 1, 800)",
            (now - trendspy.DAY + 281 * i,))
        con.execute("INSERT INTO favourites VALUES (?, ?, 40), (?, 26000000, "
                    "2)", (cur.lastrowid, OLD_CARD, cur.lastrowid))
    con.commit()
    con.close()


# --- Part 2: the running daemon, on a database with 300 older refreshes.
out2 = os.path.join(wd, "out2")
os.mkdir(out2, 0o755)
db2 = os.path.join(out2, "history.sqlite")
older_refreshes(db2, int(time.time()))
write_config(cfg, api.base_url, api.token_file, out2, ["#9V2Y"],
             schedule__interval="10s")
d = Daemon(cfg, wd)
ino = None
for k in (1, 2):
    name = "daemon refresh %d" % k
    t.ok(d.wait_log(r"#9V2Y: \d+ members", timeout=40, count=k) is not None,
         "%s: done" % name)
    snap = snapshot(out2, "#9V2Y")
    # The history worker writes the trends file after the refresh's log
    # line: wait until it holds this refresh (at most 10 s, scaled).
    deadline = time.monotonic() + scaled(10)
    while True:
        try:
            tr, ino2 = read_trends(out2, "#9V2Y")
        except (OSError, ValueError):
            tr, ino2 = {"refreshes": None, "cards": [{"points": []}]}, None
        if ((tr["refreshes"] == 300 + k and ino2 != ino) or
                time.monotonic() > deadline):
            break
        time.sleep(0.05)
    t.eq((tr["refreshes"], len(tr["cards"][0]["points"])), (300 + k, 200),
         "%s: %d refreshes, 200 points" % (name, 300 + k))
    last_points(tr, snap, name)
    t.eq(tr, trendspy.trends(db2, "#9V2Y", trendspy.unix(snap["fetched_at"]),
                             WINDOW),
         "%s: the file is the database's trends, sampled" % name)
    t.eq([c["id"] for c in tr["cards"]].count(OLD_CARD), 1,
         "%s: the older top card is among the cards" % name)
    t.ok(ino2 != ino, "%s: the file was replaced" % name)
    ino = ino2
d.stop("daemon: exits 0 on SIGTERM")
t.eq(temp_files(out2), [], "daemon: no temporary file is left")
api.stop()
t.done()
