#!/usr/bin/env python3
"""bench.py - clanpopd's nine benchmarks against their targets; rewrites
BENCHMARKS.md.  Started by bench/run, which installs the tools and builds
bench/parse_cost first (environment: CLANPOPD, PARSE_COST, TOP_SRCDIR).

1. refresh time against curl       (stand-in API, 50 ms latency)
2. rate limit against the ideal     (stand-in API, busiest second)
3. throughput and CPU against curl  (nginx on loopback)
4. peak RSS against clan count      (nginx on loopback)
5. idle cost of the daemon          (nginx on loopback, /proc and perf)
6. history database insert cost     (its own probe, 90 days on disk)
7. clans per interval with 1, 3 and 10 API keys (stand-in API, a limit
   per key)
8. the dashboard's load time        (nginx on loopback, headless Chromium)
9. requests and clans per key when unchanged profiles are reused (stand-in
   API in activity mode, 10, 25 and 50 % online)
10. event loop lag with the history database (its own probe, 90 days on
   disk, before and after the history worker thread)

This file is the driver: the run's shared state (work directory, token,
configs, stand-ins) and the loop over the benchmarks.  Each benchmark is
one module, bN_*.py, that measures and writes its own section of the
report; runner.py holds what they share (running and measuring children,
the machine), apitree.py the nginx-served API of benchmarks 3 to 5, and
report.py the markdown writer.

Python 3 standard library only.  The API token lives only in mode-600 files.
"""

import datetime
import os
import secrets
import shutil
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import b1_refresh  # noqa: E402
import b2_ratelimit  # noqa: E402
import b3_throughput  # noqa: E402
import b4_memory  # noqa: E402
import b5_idle  # noqa: E402
import b6_history  # noqa: E402
import b7_keys  # noqa: E402
import b8_page  # noqa: E402
import b9_reuse  # noqa: E402
import b10_looplag  # noqa: E402
import report  # noqa: E402
from runner import (CLANPOPD, ONLY, OUT_MD, Failure, check_run,  # noqa: E402
                    functional, loadavg, machine, run_clanpopd, say,
                    workdir, write_private)

BENCHMARKS = (b1_refresh, b2_ratelimit, b3_throughput, b4_memory, b5_idle,
              b6_history, b7_keys,
              b8_page, b9_reuse, b10_looplag)


class Bench:
    """One run: what the benchmarks share, and their results, commands
    and configs for the report."""

    def __init__(self):
        self.work = workdir()
        # A copy, so that a rebuild during the run cannot swap the binary.
        os.makedirs(os.path.join(self.work, "bin"))
        copy = os.path.join(self.work, "bin", "clanpopd")
        shutil.copy2(CLANPOPD, copy)
        self.binary = CLANPOPD
        self.clanpopd = copy
        functional.CLANPOPD = copy
        self.logs = os.path.join(self.work, "logs")
        os.makedirs(self.logs)
        self.token = "bench-" + secrets.token_hex(20)
        self.token_file = os.path.join(self.work, "token")
        write_private(self.token_file, self.token + "\n")
        self.nginx = None
        self.standins = []
        self.tree = None
        self.sc = None
        self.player_bytes = None
        self.clan_bytes = None
        self.results = {}
        self.commands = {}
        self.perf = shutil.which("perf")

    def cleanup(self):
        if self.nginx is not None:
            self.nginx.stop()
        for s in self.standins:
            s.stop()
        if os.environ.get("BENCH_KEEP"):
            say("== kept %s" % self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    def rel(self, path):
        return path.replace(self.clanpopd, "$CLANPOPD").replace(self.work,
                                                                "$WORK")

    def config(self, name, base_url, clans, **kw):
        path = os.path.join(self.work, name + ".yaml")
        out = os.path.join(self.work, "out-" + name)
        functional.write_config(path, base_url, self.token_file, out, clans,
                                **kw)
        return path, out

    def standin(self, name, scenario):
        d = os.path.join(self.work, name)
        os.makedirs(d)
        s = functional.Standin(d, scenario, token=self.token)
        self.standins.append(s)
        return s

    def once(self, cfg, name, rss=False, samples=None):
        log = os.path.join(self.logs, name + ".log")
        res = run_clanpopd([self.clanpopd, "--once", "-c", cfg], log,
                           rss=rss, samples=samples)
        check_run(res, "clanpopd --once -c %s" % self.rel(cfg), log)
        return res

    def curl_config(self, name, urls, with_token=True):
        path = os.path.join(self.work, name + ".curlrc")
        lines = ['silent', 'write-out = "%{http_code} %{num_connects}\\n"']
        if with_token:
            lines.append('header = "Authorization: Bearer %s"' % self.token)
        for u in urls:
            lines.append('url = "%s"' % u)
            lines.append('output = "/dev/null"')
        write_private(path, "\n".join(lines) + "\n")
        return path

    def run(self):
        self.config_text = {}
        self.started = datetime.datetime.now(datetime.timezone.utc)
        t0 = time.monotonic()
        self.machine = machine(self.clanpopd)
        self.load_start = loadavg()
        errors = {}
        for mod in BENCHMARKS:
            if str(mod.NUMBER) not in ONLY:
                continue
            try:
                mod.measure(self)
            except Failure as e:
                errors[mod.NUMBER] = str(e)
                say("   FAILED: %s" % e)
        self.errors = errors
        self.elapsed = time.monotonic() - t0
        self.load_end = loadavg()
        report.write_markdown(self, BENCHMARKS)
        say("== wrote %s (%.0f s)" % (OUT_MD, self.elapsed))
        return 1 if errors else 0


def main():
    if not os.access(CLANPOPD, os.X_OK):
        sys.exit("bench.py: %s is not executable" % CLANPOPD)
    bn = Bench()
    try:
        return bn.run()
    finally:
        bn.cleanup()


if __name__ == "__main__":
    sys.exit(main())
