"""t_stop.py - SIGTERM within the grace period, no temp file left, the
previous snapshots intact; the sd_notify messages on a test NOTIFY_SOCKET;
start-up cleaning of stale temp files; history retention; the journal
format of log lines."""

import calendar
import glob
import json
import os
import re
import signal
import subprocess
import time

from functional import (CLANPOPD, Daemon, NotifySocket, Standin, Tap,
                        check_exit, clanpopd, snapshot, temp_files, workdir,
                        write_config)

t = Tap()

# 1. SIGTERM during a slow refresh, grace 1 s: the refresh is abandoned,
#    the previous snapshot stays byte for byte, exit 0 within the grace.
scenario = {"clans": {"9V2Y": {"name": "A", "members": 20}}}
wd = workdir("stop")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y"],
             schedule__stop_grace="1s", limits__max_concurrent=2)
clanpopd(["--once", "-c", cfg], 0, "a first snapshot with --once")
snap = os.path.join(out, "clans", "9V2Y.json")
with open(snap, "rb") as f:
    before = f.read()
# A stale temp file from a crash, removed at start.
stale = os.path.join(out, "clans", ".clanpopd-tmp-9V2Y.json.AbC123")
with open(stale, "w") as f:
    f.write("{\"partial")
api.set_scenario({"latency_ms": 1000,
                  "clans": {"9V2Y": {"name": "A2", "members": 20}}})
ns = NotifySocket(wd)
d = Daemon(cfg, wd, env={"NOTIFY_SOCKET": ns.path,
                         "WATCHDOG_USEC": "400000"})
msgs = ns.drain(until="READY=1", timeout=5)
# The snapshot on disk is the last refresh until one ends in this run.
at = json.loads(before)["fetched_at"][11:19]
t.eq(msgs[-1:], ["READY=1\nSTATUS=1 clans, 0 refreshing, last refresh "
                 "#9V2Y at %sZ, 0 failing, 1 of 1 API key usable" % at],
     "notify: READY=1, its STATUS naming the snapshot on disk")
t.ok(not os.path.exists(stale), "start: a stale temp file is removed")
t.ok(d.wait_log(r"removed 1 temporary files left by an earlier run",
                timeout=1) is not None, "start: the removal is logged")
msgs = ns.drain(until="WATCHDOG=1", timeout=3)
t.ok("WATCHDOG=1" in msgs, "notify: WATCHDOG=1 at half of WATCHDOG_USEC")
d.signal(signal.SIGHUP)
msgs = ns.drain(until="READY=1", timeout=5)
rl = [m for m in msgs if m.startswith("RELOADING=1")]
t.ok(len(rl) == 1 and re.fullmatch(r"RELOADING=1\nMONOTONIC_USEC=\d+", rl[0])
     is not None, "notify: RELOADING=1 with MONOTONIC_USEC on SIGHUP")
t.ok(msgs[-1].startswith("READY=1"), "notify: READY=1 after the reload")
# SIGTERM while the refresh waits for the slow API.
t.ok(api.wait_stats(lambda s: s["in_flight"] > 0) is not None,
     "a refresh is under way")
t0 = time.monotonic()
d.signal(signal.SIGTERM)
msgs = ns.drain(until="STOPPING=1", timeout=3)
t.ok("STOPPING=1" in msgs, "notify: STOPPING=1 on SIGTERM")
d.proc.wait(10)
took = time.monotonic() - t0
ns.close()
d.stop("SIGTERM: exit 0")
t.ok(took < 2.0, "SIGTERM: exit within the 1 s grace period (%.2f s)" % took)
t.ok(d.wait_log(r"#9V2Y: refresh abandoned at stop; its previous snapshot "
                r"is kept", timeout=0) is not None,
     "SIGTERM: the abandoned refresh is logged")
with open(snap, "rb") as f:
    t.eq(f.read(), before, "SIGTERM: the previous snapshot is intact")
t.eq(temp_files(out), [], "SIGTERM: no temporary file left")
with open(os.path.join(out, "index.json")) as f:
    idx = json.load(f)
t.eq(idx["clans"][0]["last_error"],
     "the refresh was abandoned when clanpopd stopped",
     "SIGTERM: index.json says why there is no new snapshot")

# 2. SIGTERM with a long enough grace: the running refresh completes.
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y"],
             schedule__stop_grace="20s", limits__max_concurrent=10)
# An answer to the stopped daemon may still be on its way: wait for a
# request of the new one, which the 1 s latency keeps in flight.
requested = api.stats()["requests"]
d = Daemon(cfg, wd)
t.ok(api.wait_stats(lambda s: s["requests"] > requested) is not None,
     "grace: a refresh is under way")
d.stop("grace: SIGTERM: exit 0")
with open(snap) as f:
    t.eq(json.load(f)["name"], "A2",
         "grace: the refresh under way finished and wrote its snapshot")

# 3. History: output.history 2 keeps the two newest copies.
api.set_scenario({"clans": {"9V2Y": {"name": "H", "members": 2}}})
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y"],
             output__history=2)
made = []
for i in range(3):
    clanpopd(["--once", "-c", cfg], 0, "history: run %d: exit 0" % (i + 1))
    made.append(snapshot(out, "#9V2Y")["fetched_at"])
    # Copies are named by the second: the next run starts in a later one.
    t_next = calendar.timegm(time.strptime(made[-1], "%Y-%m-%dT%H:%M:%SZ")) + 1
    while time.time() < t_next:
        time.sleep(t_next - time.time())
hist = sorted(glob.glob(os.path.join(out, "history", "9V2Y", "*.json")))
t.eq([os.path.basename(h) for h in hist],
     [m.replace("-", "").replace(":", "") + ".json" for m in made[1:]],
     "history: the copies of the newest 2 of 3 runs kept, named by UTC time")
with open(hist[-1], "rb") as f, open(snap, "rb") as g:
    t.eq(f.read(), g.read(), "history: the newest copy is the snapshot")

# 4. Under the journal: "<N>" priority prefixes and no timestamps.
logpath = os.path.join(wd, "journal.log")
with open(logpath, "w") as lf:
    st = os.fstat(lf.fileno())
    p = subprocess.run(
        [CLANPOPD, "--once", "-c", cfg],
        stderr=lf, env=dict(os.environ,
                            JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino)))
with open(logpath) as f:
    text = f.read()
check_exit("journal: exit 0", p.returncode, 0, text)
lines = text.splitlines()
t.ok(len(lines) > 0 and all(re.match(r"<[0-7]>", l) for l in lines),
     "journal: every line starts with a priority")
t.ok(any(re.fullmatch(r"<6>#9V2Y: 2 members, .*", l) for l in lines),
     "journal: info lines are <6> without a timestamp")
# 5. STATUS= follows the refreshes while the daemon runs.
os.unlink(ns.path)
ns = NotifySocket(wd)
d = Daemon(cfg, wd, env={"NOTIFY_SOCKET": ns.path})
t.ok(d.wait_log(r"#9V2Y: 2 members", timeout=10) is not None,
     "status: the first refresh")
msgs = ns.drain(until="last refresh #9V2Y at", timeout=3)
t.ok(d.proc.poll() is None and any(
    re.fullmatch(r"STATUS=1 clans, 0 refreshing, last refresh #9V2Y at "
                 r"\d\d:\d\d:\d\dZ, 0 failing, 1 of 1 API key usable", m)
        for m in msgs),
     "notify: STATUS= follows a refresh while running (%r)" % msgs[-1:])
d.stop("status: SIGTERM: exit 0")
ns.close()
api.stop()
t.done()
