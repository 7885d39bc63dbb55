"""t_reload.py - SIGHUP: clans added, removed and rescheduled live, limits
and the token applied, a broken config refused with the old one kept."""

import os
import re
import signal

from functional import (Daemon, Standin, Tap, log_times, rotate_token,
                        scaled, workdir, write_config)

t = Tap()

scenario = {"latency_ms": 0,
            "clans": {"9V2Y": {"name": "A", "members": 3},
                      "2PYLQ": {"name": "B", "members": 3},
                      "8QRUL": {"name": "C", "members": 2},
                      "PQL9": {"name": "D", "members": 6}}}
wd = workdir("reload")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y", "#2PYLQ"],
             schedule__interval="10s", schedule__jitter="0%")
d = Daemon(cfg, wd)
t.ok(d.wait_log(r"#2PYLQ: 3 members", timeout=15) is not None,
     "both clans refreshed before the reload")

# Add #8QRUL, remove #2PYLQ, give #9V2Y its own 12 s interval, lower the
# limits.
write_config(cfg, api.base_url, api.token_file, out,
             [{"tag": "#9V2Y", "interval": "12s"}, "8QRUL"],
             schedule__interval="10s", schedule__jitter="0%",
             limits__max_concurrent=1)
d.signal(signal.SIGHUP)
t.ok(d.wait_log(r"configuration applied: 2 clans \(1 added, 1 removed, 1 "
                r"with a new interval\)", timeout=5) is not None,
     "reload: the difference is logged")
t.ok(d.wait_log(r"#2PYLQ: removed from the configuration; its snapshot "
                r"stays on disk", timeout=1) is not None,
     "reload: the removed clan is named")
t.ok(d.wait_log(r"#8QRUL: 2 members", timeout=15) is not None,
     "reload: the added clan is refreshed")
reload_at = log_times(d.log(), r"configuration applied")[0]
api.reset()
# #9V2Y's first refresh on its new interval, 12 s after the reload: by
# then #2PYLQ would have been due again (every 10 s) were it still there.
n = len(log_times(d.log(), r"#9V2Y: 3 members"))
d.wait_log(r"#9V2Y: 3 members", timeout=20, count=n + 1)
st = api.stats()
t.eq(st["requests_per_tag"].get("#2PYLQ", 0), 0,
     "reload: the removed clan gets no more requests")
t.ok(os.path.exists(os.path.join(out, "clans", "2PYLQ.json")),
     "reload: the removed clan's snapshot stays on disk")
t.eq(st["peak_in_flight"], 1, "reload: the new max_concurrent (1) applies")
a = log_times(d.log(), r"#9V2Y: 3 members")
after = [x for x in a if x > reload_at]
t.ok(len(after) >= 1 and abs((after[0] - reload_at) - 12) <= scaled(0.6),
     "reload: the new interval (12 s) applies from the reload (%s)"
     % [round(x - reload_at, 1) for x in after])

# A broken config: every error logged, the running one kept.
with open(cfg) as f:
    good = f.read()
with open(cfg, "w") as f:
    f.write(good.replace("clans:\n", "clans:\n  - #9V2Q\n")
            .replace("max_concurrent: 1", "max_concurent: 1"))
d.signal(signal.SIGHUP)
t.ok(d.wait_log(r"reload failed: keeping the running configuration",
                timeout=5) is not None, "bad reload: refused")
log = d.log()
t.ok(re.search(r"error: %s:\d+:\d+: limits.max_concurent: unknown key "
               r"\(did you mean \"max_concurrent\"\?\)" % re.escape(cfg), log)
     is not None, "bad reload: the unknown key is logged with its position")
t.ok(re.search(r"clans\[0\]: empty item: an unquoted \"- #9V2Q\" is a YAML "
               r"comment", log) is not None,
     "bad reload: the '#' trap is explained")
n = len(log_times(d.log(), r"#8QRUL: 2 members"))
t.ok(d.wait_log(r"#8QRUL: 2 members", timeout=15, count=n + 1) is not None,
     "bad reload: the old configuration keeps running")

# Token rotation: the old key is revoked, the new one is in the file.
with open(cfg, "w") as f:
    f.write(good)
rotate_token(api, "rotated-" + api.token[-8:])
n = len(log_times(d.log(), r"#8QRUL: refresh failed"))
t.ok(d.wait_log(r"#8QRUL: refresh failed.*HTTP 403 \(accessDenied\)",
                timeout=15, count=n + 1) is not None,
     "token: the revoked key gets 403")
with open(api.token_file, "w") as f:
    f.write(api.token + "\n")
d.signal(signal.SIGHUP)
t.ok(d.wait_log(r"reloaded %s" % re.escape(cfg), timeout=5, count=2)
     is not None, "token: reload accepted")
n = len(log_times(d.log(), r"#8QRUL: 2 members"))
t.ok(d.wait_log(r"#8QRUL: 2 members", timeout=40, count=n + 1) is not None,
     "token: requests after the reload use the new key")
t.ok(api.token not in d.log(), "token: never in the log")
d.stop("exit 0 on SIGTERM")
with open(os.path.join(out, "metrics.prom")) as f:
    m = f.read()
t.ok(re.search(r'^clanpopd_reloads_total\{result="success"\} 2$', m, re.M)
     is not None and re.search(r'^clanpopd_reloads_total\{result="failure"\} '
                               r'1$', m, re.M) is not None,
     "metrics: reloads counted by result")
api.stop()
t.done()
