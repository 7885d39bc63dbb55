"""t_schedule.py - the long-running daemon's schedule: first refreshes
spread out, periodic refreshes on time, overlapping refreshes skipped,
failing clans backed off and back to their interval after a success."""

import os
import re
import signal

from functional import (Daemon, Standin, Tap, log_times, scaled, workdir,
                        write_config)

t = Tap()
TOL = scaled(0.5)       # seconds a refresh may start off its time


def deltas(times):
    return [round(b - a, 1) for a, b in zip(times, times[1:])]


# 1. Two clans, interval 10 s, no jitter: first runs at 0 s and 5 s (spread
#    over min(interval, 60 s)), then every 10 s.
scenario = {"clans": {"9V2Y": {"name": "A", "members": 3},
                      "2PYLQ": {"name": "B", "members": 3}}}
wd = workdir("sched")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y", "#2PYLQ"],
             schedule__interval="10s", schedule__jitter="0%")
d = Daemon(cfg, wd)
d.wait_log(r"#9V2Y: 3 members", timeout=40, count=3)
d.stop("SIGTERM: exit 0")
log = d.log()
a = log_times(log, r"#9V2Y: 3 members")
b = log_times(log, r"#2PYLQ: 3 members")
t.eq(len(a), 3, "clan A refreshed 3 times in ~20 s")
t.ok(len(a) == 3 and all(abs(x - 10) <= TOL for x in deltas(a)),
     "clan A every 10 s (%s)" % deltas(a))
t.ok(len(b) >= 2 and all(abs(x - 10) <= TOL for x in deltas(b)),
     "clan B every 10 s (%s)" % deltas(b))
t.ok(len(a) > 0 and len(b) > 0 and abs((b[0] - a[0]) - 5) <= TOL,
     "first refreshes spread: B starts 5 s after A (%.2f)"
     % ((b[0] - a[0]) if a and b else -1))
t.ok(len(a) > 0 and a[0] - d.t0 < scaled(1.5),
     "first refresh right after start")
api.stop()

# 2. A refresh that outlasts the interval: the next one is skipped.
scenario = {"latency_ms": 2500, "clans": {"9V2Y": {"name": "A",
                                                   "members": 4}}}
wd = workdir("skip")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y"],
             schedule__interval="10s", schedule__jitter="0%",
             limits__max_concurrent=1)
d = Daemon(cfg, wd)
found = d.wait_log(r"#9V2Y: the previous refresh is still running; "
                   r"skipping this one", timeout=20)
t.ok(found is not None, "overlap: the skip is logged")
d.wait_log(r"#9V2Y: 4 members", timeout=20)
d.stop("overlap: SIGTERM: exit 0")
st = api.stats()
with open(os.path.join(out, "metrics.prom")) as f:
    metrics = f.read()
t.ok(re.search(r"^clanpopd_refreshes_skipped_total 1$", metrics, re.M)
     is not None, "overlap: counted in metrics.prom")
t.eq(st["peak_in_flight"], 1, "overlap: never two refreshes at once")
api.stop()

# 3. A failing clan backs off (20 s after one failure, not 10 s) and returns
#    to its interval after a success.
scenario = {"clans": {"9V2Y": {"fault": "503_json"}}}
wd = workdir("backoff")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y"],
             schedule__interval="10s", schedule__jitter="0%",
             limits__max_retries=0)
d = Daemon(cfg, wd)
t.ok(d.wait_log(r"#9V2Y: next try in 20 s", timeout=10) is not None,
     "backoff: one failure doubles the delay to 20 s")
api.set_scenario({"clans": {"9V2Y": {"name": "A", "members": 2}}})
d.wait_log(r"#9V2Y: 2 members", timeout=40, count=2)
d.stop("backoff: SIGTERM: exit 0")
log = d.log()
fail = log_times(log, r"#9V2Y: refresh failed")
ok = log_times(log, r"#9V2Y: 2 members")
t.eq(len(fail), 1, "backoff: one failed refresh")
t.ok(len(ok) == 2 and abs((ok[0] - fail[0]) - 20) <= TOL,
     "backoff: next attempt 20 s after the failure (%s)"
     % [round(x - fail[0], 1) for x in ok])
t.ok(len(ok) == 2 and abs((ok[1] - ok[0]) - 10) <= TOL,
     "backoff: back to every 10 s after a success (%s)" % deltas(ok))
api.stop()

t.done()
