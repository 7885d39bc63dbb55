"""t_rules.py - the Prometheus alerting rules etc/prometheus/clanpopd.rules.yml:
promtool checks them and runs their unit tests (tests/clanpopd.rules.test.yml),
the tests catch a changed threshold, and every clanpopd_* metric the rules
read is in a metrics.prom the daemon wrote, which promtool finds clean.
promtool (Debian's prometheus package, which .ci/setup installs) is
required: without it this fails."""

import os
import re
import shutil
import subprocess

from functional import TOP_SRCDIR, Standin, Tap, clanpopd, workdir, write_config
import promtext

RULES = os.path.join(TOP_SRCDIR, "etc", "prometheus", "clanpopd.rules.yml")
UNIT = os.path.join(TOP_SRCDIR, "tests", "clanpopd.rules.test.yml")
ALERTS = ["ClanpopdClanStale", "ClanpopdClanNoSnapshot", "ClanpopdKeyRefused",
          "ClanpopdAllKeysPaused", "ClanpopdHistoryFailing",
          "ClanpopdMetricsOld"]

t = Tap()


def promtool(*args, cwd=None):
    p = subprocess.run(["promtool", *args], capture_output=True, text=True,
                       cwd=cwd)
    return p.returncode, p.stdout + p.stderr


if not t.ok(shutil.which("promtool") is not None,
            "promtool is installed (Debian package prometheus: apt-get "
            "install prometheus, or bash .ci/setup)"):
    t.done()

with open(RULES, encoding="utf-8") as f:
    rules = f.read()
t.eq(re.findall(r"^ +- alert: (\S+)$", rules, re.M), ALERTS,
     "the rules file has the six alerts")

rc, out = promtool("check", "rules", RULES)
t.eq((rc, out.strip().splitlines()[-1].strip()), (0, "SUCCESS: 6 rules found"),
     "promtool check rules: 6 rules, no error")

rc, out = promtool("test", "rules", os.path.basename(UNIT),
                   cwd=os.path.dirname(UNIT))
t.ok(rc == 0 and out.strip().endswith("SUCCESS"),
     "promtool test rules: every alert fires and stays quiet when it should",
     out, "SUCCESS")

# The same tests on a copy whose thresholds are three intervals instead of
# two: the three rules with that threshold fail, the others pass.
wd = workdir("rules")
os.makedirs(os.path.join(wd, "etc", "prometheus"))
os.makedirs(os.path.join(wd, "tests"))
with open(os.path.join(wd, "etc", "prometheus", "clanpopd.rules.yml"), "w",
          encoding="utf-8") as f:
    f.write(rules.replace("2 * clanpopd_clan_interval_seconds",
                          "3 * clanpopd_clan_interval_seconds").replace(
                          "2 * max by", "3 * max by"))
shutil.copy(UNIT, os.path.join(wd, "tests"))
rc, out = promtool("test", "rules", os.path.basename(UNIT),
                   cwd=os.path.join(wd, "tests"))
failed = sorted(set(re.findall(r"alertname: (\w+),", out)))
t.eq((rc, failed), (1, ["ClanpopdClanNoSnapshot", "ClanpopdClanStale",
                        "ClanpopdMetricsOld"]),
     "the unit tests catch thresholds of three intervals instead of two")

# A metrics.prom the daemon wrote: one clan with a snapshot, one without.
api = Standin(wd, {"clans": {"9V2Y": {"members": 2}, "2PYLQ": {"fault": "404"}}})
out_dir = os.path.join(wd, "out")
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out_dir, ["#9V2Y", "#2PYLQ"])
clanpopd(["--once", "-c", cfg], 75, "--once: exit 75 as one clan is unknown")
api.stop()
with open(os.path.join(out_dir, "metrics.prom"), encoding="utf-8") as f:
    text = f.read()
m = promtext.parse(text)
p = subprocess.run(["promtool", "check", "metrics"], input=text,
                   capture_output=True, text=True)
t.eq((p.returncode, p.stdout + p.stderr), (0, ""),
     "promtool check metrics: metrics.prom follows Prometheus' conventions")
used = sorted(set(re.findall(r"\bclanpopd_[a-z_]+", rules)))
t.eq([n for n in used if n not in m["types"]], [],
     "every clanpopd_* metric the rules read is in metrics.prom (%d: %s)"
     % (len(used), ", ".join(used)))
labels = {n: sorted({k for s in m["samples"] if s[0] == n for k in s[1]})
          for n in used}
t.eq(labels, {
    "clanpopd_clan_interval_seconds": ["clan"],
    "clanpopd_clan_last_success_timestamp_seconds": ["clan"],
    "clanpopd_history_ok": [],
    "clanpopd_history_writes_total": ["result"],
    "clanpopd_key_paused_until_timestamp_seconds": ["key"],
    "clanpopd_key_usable": ["key"],
    "clanpopd_start_time_seconds": []},
    "metrics.prom has the labels the rules match on")
t.eq([promtext.value(m, "clanpopd_clan_last_success_timestamp_seconds",
                     clan="#2PYLQ"),
      promtext.value(m, "clanpopd_clan_interval_seconds", clan="#9V2Y"),
      promtext.value(m, "clanpopd_history_writes_total", result="failure")],
     [0.0, 900.0, 0.0],
     "metrics.prom: 0 for a clan without a snapshot, the interval, "
     "result=\"failure\"")
shutil.rmtree(wd)
t.done()
