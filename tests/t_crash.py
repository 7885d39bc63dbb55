"""t_crash.py - crash safety: SIGKILL at random moments during a dense
stream of snapshot writes (clanpopd --once over many small clans, with
history), 200 times.  After every kill each snapshot, history copy and
report present is complete, valid JSON (or Prometheus text), and the
history database passes integrity_check; after every
restart ("started" logged) the temporary files the kill left are gone."""

import json
import os
import random
import re
import signal
import subprocess
import time

from functional import (CLANPOPD, SANITIZED, Standin, Tap, clanpopd,
                        sanitizer_report, temp_files, workdir, write_config)
import histdb
import promtext

t = Tap()
KILLS = 200
SEED = 20251122
NCLANS = 16
rng = random.Random(SEED)

alphabet = "0289PYLQGRJCUV"
tags = ["#9%s%s" % (alphabet[i // 14], alphabet[i % 14])
        for i in range(NCLANS)]
scenario = {"clans": {tag[1:]: {"name": "Clan %d \"%s\"" % (i, tag),
                                "members": 4}
                      for i, tag in enumerate(tags)}}
wd = workdir("crash")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, tags,
             limits__max_concurrent=16, output__history=2,
             schedule__interval="10s")
env = dict(os.environ)
for k in ("CREDENTIALS_DIRECTORY", "STATE_DIRECTORY", "NOTIFY_SOCKET",
          "JOURNAL_STREAM", "WATCHDOG_USEC", "WATCHDOG_PID"):
    env.pop(k, None)

# How long one uninterrupted run takes: kills fall in [0, that].
clanpopd(["--once", "-c", cfg], 0, "calibration: a whole run exits 0")
runs = []
for i in range(5):
    r = clanpopd(["--once", "-c", cfg], 0,
                 "calibration: timed run %d exits 0" % (i + 1))
    runs.append(r.elapsed)
duration = sorted(runs)[len(runs) // 2]
t.diag("one run takes %.3f s (median of 5); kills in [0, %.3f] s"
       % (duration, 0.8 * duration))


def check_files():
    """Every complete file the daemon writes parses, and the history
    database passes SQLite's integrity_check; returns the names of those
    that do not."""
    bad = []
    for root, _d, files in os.walk(out):
        for f in files:
            if f.startswith(".clanpopd-tmp-") or \
                    f.startswith("history.sqlite-"):
                continue
            p = os.path.join(root, f)
            if f == "history.sqlite":
                check = histdb.query(p, "PRAGMA integrity_check")
                if check != [("ok",)]:
                    bad.append("history.sqlite: %s" % check)
                continue
            try:
                with open(p, "rb") as fh:
                    data = fh.read().decode("utf-8")
                if f.endswith(".json"):
                    o = json.loads(data)
                    if "/clans/" in p or "/history/" in p:
                        assert o["tag"] == "#" + f[:-5] or \
                            "/history/" in p, "wrong tag"
                        assert isinstance(o["favourite_cards"], list)
                elif f.endswith(".prom"):
                    promtext.parse(data)
            except (ValueError, KeyError, AssertionError,
                    promtext.ParseError) as e:
                bad.append("%s: %s" % (os.path.relpath(p, out), e))
    return bad


bad_after_kill = []
stale_left = []
not_started = 0
left_temps = 0
killed_running = 0
bad_exits = []          # (kill, which run, exit status) not as expected
reports = []            # (kill, which run, the sanitizer's line)
t_start = time.monotonic()
oncelog = os.path.join(wd, "once.log")
logpath = os.path.join(wd, "restart.log")


def check_run(i, which, rc, want, log):
    if rc not in want:
        bad_exits.append((i, which, rc))
    with open(log) as f:
        rep = sanitizer_report(f.read())
    if rep is not None:
        reports.append((i, which, rep))


for i in range(KILLS):
    # A run of the stream, killed at a random moment.
    with open(oncelog, "w") as lf:
        p = subprocess.Popen([CLANPOPD, "--once", "-c", cfg],
                             stdout=subprocess.DEVNULL, stderr=lf, env=env)
    time.sleep(rng.uniform(0, 0.8 * duration))
    if p.poll() is None:
        killed_running += 1
    p.send_signal(signal.SIGKILL)
    # Killed, or done before the kill came.
    check_run(i, "--once", p.wait(), (-signal.SIGKILL, 0), oncelog)
    bad = check_files()
    if bad:
        bad_after_kill.append((i, bad))
    stale = set(temp_files(out))
    if stale:
        left_temps += 1

    # The restart: once it logged "started", no stale temp file is left.
    with open(logpath, "w") as lf:
        d = subprocess.Popen([CLANPOPD, "-c", cfg], stdout=subprocess.DEVNULL,
                             stderr=lf, env=env)
    deadline = time.monotonic() + 10
    started = False
    while time.monotonic() < deadline and d.poll() is None:
        with open(logpath) as lf:
            if re.search(r"clanpopd \S+ started: ", lf.read()):
                started = True
                break
        time.sleep(0.005)
    if not started:
        not_started += 1
    left = stale & set(temp_files(out))
    if left:
        stale_left.append((i, sorted(left)))
    # Killed in turn, early in its first refresh: more debris to clean.
    d.send_signal(signal.SIGKILL)
    check_run(i, "restart", d.wait(), (-signal.SIGKILL,), logpath)
    bad = check_files()
    if bad:
        bad_after_kill.append((i, bad))

took = time.monotonic() - t_start
t.diag("%d kills of --once runs (%d while still running), %d of them left "
       "temporary files; %d restarts killed too; %.1f s"
       % (KILLS, killed_running, left_temps, KILLS, took))
t.eq(bad_after_kill, [], "after each of %d kills every snapshot, history "
     "copy and report present is complete and valid" % (2 * KILLS))
t.eq(bad_exits, [], "every run ended by the SIGKILL, or exited 0 before it")
if SANITIZED:
    t.eq(reports, [], "no run printed a sanitizer report")
t.eq(not_started, 0, "every restart logged \"started\"")
t.eq(stale_left, [], "after each restart no temporary file of the killed "
     "run is left")
# Kills fall in the first 80% of a calibrated run; a loaded machine may
# make runs faster or slower than calibrated, so ask only for half.
t.ok(killed_running >= KILLS // 2,
     "most kills hit a running daemon (%d of %d)" % (killed_running, KILLS))
t.ok(left_temps > 0, "some kills did leave temporary files to clean (%d)"
     % left_temps)

# Finally a clean run: every clan's snapshot, no debris.
clanpopd(["--once", "-c", cfg], 0, "after the kills a whole run exits 0")
t.eq(sorted(os.listdir(os.path.join(out, "clans"))),
     sorted(tag[1:] + ".json" for tag in tags),
     "every clan has its snapshot, nothing else in clans/")
t.eq(check_files(), [], "every file valid at the end")
t.eq(temp_files(out), [], "no temporary file at the end")
api.stop()
t.done()
