"""t_soak.py - a long run under faults: 40-42 clans at interval 10 s for
about two minutes (at least 300 finished refreshes), with 5xx answers,
404 players, a 429 window and 10 reloads that add and remove clans.  The
resident set (VmRSS) stays flat after warm-up and the open descriptors
come back to their idle baseline.

The history database starts with a day of refreshes of every clan, as a
daemon restarted after a while finds it, so that the family's series
(trends/family.json, kept by the history worker between writes) are at
their bound of 200 points from the first write: what grows after warm-up
is then what leaks, not history filling up.

CLANPOPD_SOAK_LENGTH (default 0.5) is the run's length as a fraction of
those two minutes: every stretch of it, the refreshes and the samples
wanted are scaled by it (the waits for an idle daemon are not).  make
check runs half the soak; .ci/run the whole of it (1)."""

import os
import re
import signal
import sqlite3
import time

from functional import (CLANPOPD, Daemon, Standin, Tap, scaled, workdir,
                        write_config)
import promtext
import trendspy

t = Tap()

INTERVAL = 10           # seconds, schedule.interval
MAX_CONCURRENT = 8
RSS_SLACK = 512         # KiB of growth allowed after warm-up
LENGTH = float(os.environ.get("CLANPOPD_SOAK_LENGTH") or 0.5)
MIN_REFRESHES = round(300 * LENGTH)

# Under AddressSanitizer the resident set is mostly its quarantine of
# freed memory, which fills up by design: RSS says nothing there.
with open(CLANPOPD, "rb") as f:
    ASAN = b"__asan_init" in f.read()

alphabet = "0289PYLQGRJCUV"
tags = ["#8%s%s" % (alphabet[i // 14], alphabet[i % 14]) for i in range(42)]
set_a = tags[:40]       # 40 clans
set_b = tags[2:]        # 2 removed, 2 added
clans = {tag[1:]: {"name": "Soak %d" % i, "members": 10}
         for i, tag in enumerate(tags)}
clans[tags[5][1:]]["fault"] = "503_json"        # fails each refresh
clans[tags[11][1:]]["fault"] = "fail:3"         # fails twice, then works
clans[tags[7][1:]]["faults"] = {"0": "404", "1": "500_json",
                                "2": "fail_once", "3": "no_favourite"}
clans[tags[9][1:]]["faults"] = {"0": "404", "3": "503_html",
                                "4": "truncated", "5": "invalid_json"}
clans[tags[20][1:]]["faults"] = {"1": "404", "2": "502_html"}
scenario = {"clans": clans}
throttled = dict(scenario, rate_limit={"per_second": 25, "retry_after": 1})

wd = workdir("soak")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")


def config(which, interval=INTERVAL):
    write_config(cfg, api.base_url, api.token_file, out, which,
                 schedule__interval="%ds" % interval,
                 schedule__jitter="10%",
                 limits__max_concurrent=MAX_CONCURRENT,
                 limits__max_retries=1, api__timeout="5s")


def seed_history(path, now):
    """A day of refreshes before now: 6 of each clan, 252 in all at
    distinct times, each with 3 favourites and 8 deck cards, in a database
    made as clanpopd makes it."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(trendspy.SCHEMA)
    con.execute("PRAGMA journal_mode = WAL")
    con.executemany("INSERT INTO cards VALUES (?, ?)",
                    [(26000000 + i, "Card %d" % i) for i in range(24)])
    for i in range(6 * len(tags)):
        cur = con.execute(
            "INSERT INTO refreshes (clan, clan_name, fetched_at, members, "
            "fetched, failed, without_favourite, complete, duration_ms, "
            "reused, without_deck) VALUES (?, 'Before', ?, 10, 10, 0, 0, "
            "1, 800, 0, 0)", (tags[i % len(tags)],
                              now - trendspy.DAY + 300 * i))
        con.executemany("INSERT INTO favourites VALUES (?, ?, ?)",
                        [(cur.lastrowid, 26000000 + (i + k) % 24, 4 - k)
                         for k in range(3)])
        con.executemany("INSERT INTO decks VALUES (?, ?, ?)",
                        [(cur.lastrowid, 26000000 + (i + k) % 24, 10 - k)
                         for k in range(8)])
    con.commit()
    con.close()


seed_history(os.path.join(out, "history.sqlite"), int(time.time()))
config(set_a)
d = Daemon(cfg, wd)
t.ok(d.wait_log(r"clanpopd \S+ started: 40 clans", timeout=10) is not None,
     "started with 40 clans")
t0 = time.monotonic()
rss = []                # (seconds since start, KiB)


def vmrss():
    with open("/proc/%d/status" % d.pid) as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))


def links():
    """What the daemon's descriptors point at, sorted."""
    found = []
    for fd in os.listdir("/proc/%d/fd" % d.pid):
        try:
            found.append(os.readlink("/proc/%d/fd/%s" % (d.pid, fd)))
        except OSError:
            pass
    return sorted(found)


# The history database's files.  SQLite's unix VFS does not close the
# file of a connection closed while another connection of the process holds
# a lock on it (in WAL mode the loop's always does): closing would drop
# the process's POSIX locks.  It keeps that descriptor to reuse at the next
# open instead.  So the database file has one descriptor (the loop's) and
# up to two kept (one per connection that can be open beside the loop's:
# the worker's and, during a reload, the loop's connection it replaces),
# depending on how the worker's runs fell around the reloads.  A
# connection left open shows as a second -wal.
DATABASE = os.path.join(os.path.realpath(out), "history.sqlite")
DB_FILES = (DATABASE, DATABASE + "-wal", DATABASE + "-shm")


def fds(found):
    """(non-socket descriptors other than the database's, sockets) among
    links()."""
    socks = sum(1 for l in found if l.startswith("socket:"))
    db = sum(1 for l in found if l in DB_FILES)
    return len(found) - socks - db, socks


def run_until(when):
    """Sample VmRSS once a second until `when` seconds of the full run,
    scaled by LENGTH, after the start."""
    when *= LENGTH
    while True:
        now = time.monotonic() - t0
        if now >= when or d.proc.poll() is not None:
            return
        rss.append((round(now, 1), vmrss()))
        time.sleep(min(1.0, when - now))


reloads = 0


def reload(which, interval=INTERVAL):
    global reloads
    config(which, interval)
    reloads += 1
    d.signal(signal.SIGHUP)
    t.ok(d.wait_log(r"reloaded ", timeout=5, count=reloads) is not None,
         "reload %d (%d clans, interval %d s)" % (reloads, len(which),
                                                   interval))


def idle_fds(what):
    """Wait until nothing runs (no request in flight, the log quiet for 2 s,
    so the report written 1 s after a refresh is done too, and the history
    worker's connection closed: only the loop's holds the database), then
    read the descriptors: the same five times in a row.  Returns the links
    read."""
    deadline = time.monotonic() + scaled(15)
    last = None
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        rss.append((round(time.monotonic() - t0, 1), vmrss()))
        size = os.path.getsize(d.log_path)
        if size != last:
            last, quiet_since = size, time.monotonic()
        elif (time.monotonic() - quiet_since >= 2.0 and
              api.stats()["in_flight"] == 0):
            # The history worker (at nice 10, so late under load) closes
            # its connection 5 s (HISTWORK_LINGER) after it has written
            # its trends files: one -wal descriptor is the loop's alone.
            seen = []
            for _ in range(5):
                seen.append(tuple(links()))
                time.sleep(0.5)
            if len(set(seen)) == 1 and seen[0].count(DATABASE + "-wal") == 1:
                return list(seen[0])
        time.sleep(0.5)
    t.diag("%s: never idle; the descriptors point at:" % what)
    for l in links():
        t.diag("  " + l)
    return None


# Warm-up: a third of the run, with reloads and an idle point.
run_until(6)
reload(set_b)
run_until(12)
reload(set_a)
run_until(18)
reload(set_b)
run_until(24)
reload(set_b, interval=3600)            # idle: every clan due in an hour
base_links = idle_fds("baseline")
base = base_links and fds(base_links)
t.diag("idle descriptors after warm-up: %s (other, sockets)" % (base,))
reload(set_a)
t1 = (time.monotonic() - t0) / LENGTH   # in seconds of the full run
# The soak proper.
run_until(t1 + 16)
api.set_scenario(throttled)             # a 429 window of 10 s
run_until(t1 + 26)
api.set_scenario(scenario)
reload(set_b)
run_until(t1 + 38)
reload(set_a)
run_until(t1 + 50)
reload(set_b)
run_until(t1 + 62)
reload(set_a)
run_until(t1 + 74)
reload(set_a, interval=3600)            # idle again
end_links = idle_fds("end")
end = end_links and fds(end_links)
t.diag("idle descriptors at the end: %s (other, sockets)" % (end,))
t.ok(d.proc.poll() is None, "the daemon is still running")
d.stop("SIGTERM: exit 0")
log = d.log()

ok = len(re.findall(r"^\S+ #\w+: \d+ members, \d+ read", log, re.M))
failed = len(re.findall(r"^\S+ error: #\w+: refresh failed", log, re.M))
t.diag("%d refreshes finished in %.0f s: %d wrote a snapshot, %d failed "
       "(the 503 clan and the fail:3 clan's first two)"
       % (ok + failed, time.monotonic() - t0, ok, failed))
t.ok(ok + failed >= MIN_REFRESHES, "at least %d refreshes finished (%d)"
     % (MIN_REFRESHES, ok + failed))
t.ok(failed >= 3, "the failing clans failed (%d)" % failed)
t.ok(re.search(r"pausing every request", log) is not None,
     "the 429 window paused requests")
t.ok(re.search(r"#8\w+: player #\w+: HTTP 404", log) is not None,
     "404 players seen")
with open(os.path.join(out, "metrics.prom"), encoding="utf-8") as f:
    m = promtext.parse(f.read())
t.eq(promtext.value(m, "clanpopd_reloads_total", result="success"),
     float(reloads), "metrics.prom counts %d reloads" % reloads)
t.eq(reloads, 10, "10 reloads")

# RSS: flat after warm-up, the first third of the run.
warm_end = rss[-1][0] / 3
warm = [k for s, k in rss if s <= warm_end]
after = [k for s, k in rss if s > warm_end]
t.diag("VmRSS KiB, one sample a second (seconds: KiB):")
for i in range(0, len(rss), 8):
    t.diag("  " + "  ".join("%5.1f:%d" % x for x in rss[i:i + 8]))
t.diag("warm-up (first %.0f s) peak %d KiB; afterwards peak %d KiB, last "
       "%d KiB" % (warm_end, max(warm), max(after), after[-1]))
t.ok(len(warm) >= 20 * LENGTH and len(after) >= 60 * LENGTH,
     "enough samples (%d, %d)" % (len(warm), len(after)))
if ASAN:
    t.n += 1
    print("ok %d - VmRSS flat after warm-up # SKIP AddressSanitizer build"
          % t.n)
else:
    t.ok(max(after) - max(warm) <= RSS_SLACK,
         "VmRSS after warm-up grows by %d KiB (<= %d KiB)"
         % (max(after) - max(warm), RSS_SLACK))

# Descriptors: the same idle count.  Idle sockets are libcurl's connection
# cache (at most max_concurrent) and its multi handle's wake-up pair.
t.ok(base is not None and end is not None, "idle points reached")
if not t.eq(end and end[0], base and base[0],
            "idle non-socket descriptors back to the baseline"):
    other = [l for l in (base_links or []) + (end_links or [])
             if not l.startswith("socket:")]
    for l in sorted(set(other)):
        t.diag("  %s: %d at the baseline, %d at the end"
               % (l, (base_links or []).count(l), (end_links or []).count(l)))
for name, found in (("baseline", base_links), ("end", end_links)):
    found = found or []
    t.eq([found.count(f) for f in DB_FILES[1:]], [1, 1],
         "%s: the database's -wal and -shm open once (the loop's)" % name)
    t.ok(1 <= found.count(DATABASE) <= 3,
         "%s: the database file open 1 to 3 times (the loop's, and up to "
         "two SQLite keeps to reuse): %d" % (name, found.count(DATABASE)))
t.ok(end is not None and end[1] <= MAX_CONCURRENT + 2,
     "idle sockets within libcurl's connection cache and wake-up pair "
     "(%s <= %d)" % (end and end[1], MAX_CONCURRENT + 2))
api.stop()
t.done()
