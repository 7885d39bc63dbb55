"""t_historydb.py - the history database against the stand-in API: --once
writes it; the daemon records every snapshot, refresh by refresh (every
column, every favourite, a renamed card); retention removes old rows and
their favourites (an old row seeded by hand at start, then a 15 s
retention set by a reload); a reload moves the database to another
file.  Every snapshot is also kept under history/TAG/ (output.history),
so each row is compared with the snapshot that refresh wrote."""

import os
import signal
import subprocess
import time

from functional import (Daemon, Standin, Tap, clanpopd, snapshot, workdir,
                        write_config)
import histdb

INTERVAL = 10   # seconds
TAGS = ["#9V2Y", "#8QRJ"]

t = Tap()
players = {
    "#2Y0": {"card": {"id": 26000000, "name": "Knight"}},
    "#2YP": {"card": {"id": 26000000, "name": "Knight"}},
    "#2YQ": {"card": {"id": 26000017, "name": "Wizard"}},
    "#2YR": {"fault": "no_favourite"},
}
scenario = {
    "clans": {
        "9V2Y": {"members": 12, "faults": {"2": "no_favourite",
                                           "5": "404"}},
        "8QRJ": {"name": "Hand \"H\" \u00fc", "members_list": sorted(players)},
    },
    "players": players,
}
wd = workdir("history")
out = os.path.join(wd, "out")
db_path = os.path.join(out, "history.sqlite")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")


def config(**kw):
    opts = {"output__history": "100", "schedule__interval":
            "%ds" % INTERVAL, "schedule__jitter": "0%",
            "limits__max_retries": "0"}
    opts.update(kw)
    write_config(cfg, api.base_url, api.token_file, out, TAGS, **opts)


def all_copies():
    """Every snapshot written, as db entries, clan by clan in time
    order."""
    return {tag: [histdb.snap_entry(s) for s in histdb.copies(out, tag)]
            for tag in TAGS}


def db_by_clan(path):
    return {tag: histdb.db_entries(path, tag) for tag in TAGS}


# --- --once writes the database ------------------------------------------
config()
clanpopd(["--once", "-c", cfg], 0, "--once: exit 0, both clans read")
t.eq([histdb.snap_entry(snapshot(out, tag)) for tag in TAGS],
     [histdb.db_entries(db_path, tag)[0] for tag in TAGS],
     "--once: one row per snapshot, every column and favourite equal")
t.eq(histdb.query(db_path, "SELECT count(*) FROM refreshes"), [(2,)],
     "--once: two refreshes")
t.eq(histdb.query(db_path, "SELECT name FROM cards WHERE id = 26000000"),
     [("Knight",)], "--once: the card's name")

# An old refresh, as if recorded 100 days ago, with two favourites:
# retention (90 days by default) removes it with them at the first write.
old = int(time.time()) - 100 * 86400
subprocess.run(["sqlite3", db_path,
                "INSERT INTO refreshes VALUES (100, '#9V2Y', 'Old', %d, 1, "
                "1, 0, 0, 1, 5, 0, 0); INSERT INTO favourites VALUES (100, "
                "26000000, 1), (100, 26000017, 1);" % old], check=True)
t.eq(histdb.query(db_path, "SELECT count(*) FROM favourites WHERE "
                  "refresh_id = 100"), [(2,)], "seeded: an old refresh")

# --- The daemon: every refresh recorded -----------------------------------
# Snapshot copies are named by the second: the daemon's first refreshes
# must not fall in the second of --once's.
time.sleep(1.05 - time.time() % 1)
d = Daemon(cfg, wd)
t.ok(d.wait_log(r"#8QRJ: 4 members") is not None and
     d.wait_log(r"#9V2Y: 12 members") is not None,
     "daemon: both clans refreshed")
t.ok(histdb.wait_for(lambda: histdb.query(
    db_path, "SELECT count(*) FROM refreshes WHERE id = 100") == [(0,)], 5),
    "retention 90d: the 100-day-old refresh is removed")
t.eq(histdb.query(db_path, "SELECT count(*) FROM favourites WHERE "
                  "refresh_id = 100"), [(0,)],
     "retention 90d: its favourites went with it")

# The API renames Knight, and #2YQ now plays it.
players2 = dict(players, **{
    "#2Y0": {"card": {"id": 26000000, "name": "Sir Knight"}},
    "#2YP": {"card": {"id": 26000000, "name": "Sir Knight"}},
    "#2YQ": {"card": {"id": 26000000, "name": "Sir Knight"}}})
api.set_scenario(dict(scenario, players=players2))
t.ok(d.wait_log(r"#8QRJ: 4 members", timeout=3 * INTERVAL, count=3)
     is not None, "daemon: #8QRJ refreshed twice more")
t.eq(histdb.query(db_path, "SELECT name FROM cards WHERE id = 26000000"),
     [("Sir Knight",)], "rename: the card's name is the API's new one")
d.stop("daemon: exit 0 on SIGTERM")
copies = all_copies()
t.eq(db_by_clan(db_path), copies,
     "daemon: the rows equal the snapshots, clan by clan, refresh by "
     "refresh (%d and %d)" % (len(copies["#9V2Y"]), len(copies["#8QRJ"])))
t.ok(len(copies["#8QRJ"]) >= 4, "daemon: #8QRJ was recorded at least 4 "
     "times", len(copies["#8QRJ"]), ">= 4")
t.eq(histdb.query(db_path, "SELECT count(*) FROM refreshes"),
     [(len(copies["#9V2Y"]) + len(copies["#8QRJ"]),)],
     "daemon: no other rows")
t.eq(sorted({tuple(e[1]) for e in copies["#8QRJ"]}),
     [((26000000, 2), (26000017, 1)), ((26000000, 3),)],
     "daemon: #8QRJ's favourites before and after the change")

# --- Reload: a 15 s retention, then another database ----------------------
d = Daemon(cfg, wd)
t.ok(d.wait_log(r"clanpopd [^ ]+ started") is not None, "reload: started")
config(output__retention="15s")
d.signal(signal.SIGHUP)
t.ok(d.wait_log(r"reloaded ") is not None, "reload: retention 15s applied")


def pruned():
    rows = histdb.query(db_path, "SELECT min(fetched_at), max(fetched_at) "
                        "FROM refreshes")
    return rows[0][0] is not None and rows[0][0] >= rows[0][1] - 15 - \
        INTERVAL


t.ok(histdb.wait_for(pruned, 3 * INTERVAL),
     "retention 15s: no row older than 15 s before the last one's pruning")
config(output__retention="15s", output__database="db/other.sqlite")
d.signal(signal.SIGHUP)
t.ok(d.wait_log(r"reloaded ", count=2) is not None,
     "reload: output.database changed")
other = os.path.join(out, "db", "other.sqlite")
t.ok(histdb.wait_for(lambda: os.path.exists(other) and histdb.query(
    other, "SELECT count(*) FROM refreshes")[0][0] >= 2, 3 * INTERVAL),
    "reload: the next refreshes go to db/other.sqlite")
d.stop("reload: exit 0 on SIGTERM")

kept = db_by_clan(db_path)
moved = db_by_clan(other)
copies = all_copies()
for tag in TAGS:
    k = kept[tag]
    start = copies[tag].index(k[0]) if k and k[0] in copies[tag] else -1
    t.ok(start > 0, "retention 15s: %s's oldest rows were removed, the "
         "oldest kept is a later snapshot" % tag, start, "> 0")
    t.eq(k + moved[tag], copies[tag][max(start, 0):],
         "reload: %s's rows kept in history.sqlite, then those of "
         "db/other.sqlite, equal its snapshots from the oldest kept on" % tag)
t.eq(histdb.query(db_path, "SELECT count(*) FROM favourites WHERE "
                  "refresh_id NOT IN (SELECT id FROM refreshes)"), [(0,)],
     "retention 15s: no favourites of removed refreshes")
t.eq(histdb.query(other, "PRAGMA user_version"), [(2,)],
     "reload: db/other.sqlite has schema version 2")
api.stop()
t.done()
