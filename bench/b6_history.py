#!/usr/bin/env python3
"""b6_history - benchmark 6: the history database's cost, one refresh's
insert (history_record, the daemon's own code, on its event loop) on an
empty database and on one holding 1,000 clans x 90 days of refreshes
every 15 minutes (8.64 million refreshes, 12 favourite cards each), and
the database's size per clan per day.  Target (issue 12): one refresh's
insert under 1 ms (p99) at that size.

The probe, bench/history_cost.c, is built here from src/history.c (with
the config.h of TOP_BUILDDIR, default the top directory).  The big
database is filled by one SQL script through the sqlite3 shell, in a
directory on disk ($TMPDIR, default /var/tmp: about 2.3 GB), removed at
the end.

Standalone (from the top directory, after make):

    python3 bench/b6_history.py

measures and replaces only section 6 and its summary row of
BENCHMARKS.md; bench/bench.py runs it with the others.  B6_DAYS=N
shortens the history for a quick look (the report then says so).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runner import OUT_MD, TOP, Failure, say  # noqa: E402

NUMBER = 6
TITLE = "history database insert cost"

B6_CLANS = 1000
B6_DAYS = int(os.environ.get("B6_DAYS") or 90)
B6_STEP = 900           # seconds between two refreshes of a clan
B6_SAMPLES = 5000       # refreshes timed
B6_LIMIT_US = 1000.0    # the target: p99 under 1 ms
B6_T0 = 1700000000      # the first refresh's fetched_at

# The fill: the schema is the daemon's (made by the probe first); rows are
# inserted without a journal, the way no daemon ever would, then the file
# is put back in WAL mode.
FILL_SQL = """\
PRAGMA journal_mode = DELETE;
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;
INSERT OR IGNORE INTO cards (id, name)
 WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 99)
 SELECT 26000000 + i, 'Card' FROM r;
INSERT INTO refreshes (id, clan, clan_name, fetched_at, members, fetched,
 failed, without_favourite, complete, duration_ms)
 WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r
  WHERE i < :n - 1)
 SELECT i + 1, '#C' || (i % :clans), 'Clan ' || (i % :clans),
  :t0 + (i / :clans) * :step, 50, 50, 0, 2, 1, 2500 FROM r;
INSERT INTO favourites (refresh_id, card_id, players)
 WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r
  WHERE i < :n * 12 - 1)
 SELECT i / 12 + 1, 26000000 + ((i / 12) * 3 + (i % 12) * 7) % 100, 4
  FROM r;
COMMIT;
PRAGMA journal_mode = WAL;
"""

# The family's database: 30 days of 1,000 clans, 12 favourites and 24 deck
# cards a refresh (trends/family.json's cost, bench/family_cost.c).
FAMILY_DAYS = 30
FAMILY_ROUNDS = 200     # refreshes recorded, each followed by a build
FAMILY_FILL_SQL = FILL_SQL.replace("COMMIT;", """\
INSERT INTO decks (refresh_id, card_id, players)
 WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r
  WHERE i < :n * 24 - 1)
 SELECT i / 24 + 1, 26000000 + ((i / 24) * 5 + (i % 24) * 3) % 100,
  1 + i % 7 FROM r;
COMMIT;""")


# The history database's code and what it links: src/history.c starts a
# worker thread (histwork.c) that writes trends files (trends.c).
HISTORY_SOURCES = ("history.c", "histfile.c", "histprof.c", "histwork.c",
                   "profstore.c", "outdir.c", "log.c", "rng.c", "trends.c",
                   "trendset.c", "famtrends.c", "famseries.c", "isotime.c",
                   "tally.c", "tag.c")


def build_probe(work, name="history_cost"):
    """bench/NAME.c built with the history database's code."""
    builddir = os.environ.get("TOP_BUILDDIR", TOP)
    if not os.path.exists(os.path.join(builddir, "config.h")):
        raise Failure("no config.h in %s: configure first, or set "
                      "TOP_BUILDDIR" % builddir)
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "sqlite3",
                            "json-c"], capture_output=True, text=True,
                           check=True)
    probe = os.path.join(work, name)
    src = os.path.join(TOP, "src")
    # -iquote: src/sched.h must not stand in for <sched.h>.
    argv = (["cc", "-std=c11", "-O2", "-I" + builddir, "-iquote", src, "-o",
             probe, os.path.join(TOP, "bench", name + ".c")] +
            [os.path.join(src, f) for f in HISTORY_SOURCES] +
            flags.stdout.split() + ["-lev", "-lm", "-pthread"])
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        raise Failure("cannot build %s: %s" % (name, p.stderr.strip()))
    return probe


def probe_run(probe, d, n, t0):
    p = subprocess.run([probe, d, "history.sqlite", str(n), str(B6_CLANS),
                        str(t0), str(B6_STEP)], capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise Failure("history_cost %s: %s" % (d, p.stderr.strip()))
    return json.loads(p.stdout)


def fill(probe, d, refreshes, sql=FILL_SQL):
    """The daemon's schema, then refreshes rows by SQL; seconds taken."""
    probe_run(probe, d, 1, B6_T0 - B6_STEP)
    subprocess.run(["sqlite3", os.path.join(d, "history.sqlite"),
                    "DELETE FROM favourites; DELETE FROM decks; "
                    "DELETE FROM refreshes"], check=True)
    t0 = time.monotonic()
    p = subprocess.run(["sqlite3", "-cmd", ".parameter set :n %d" % refreshes,
                        "-cmd", ".parameter set :clans %d" % B6_CLANS,
                        "-cmd", ".parameter set :t0 %d" % B6_T0,
                        "-cmd", ".parameter set :step %d" % B6_STEP,
                        os.path.join(d, "history.sqlite")],
                       input=sql, capture_output=True, text=True)
    if p.returncode != 0:
        raise Failure("the fill failed: %s" % p.stderr.strip())
    return time.monotonic() - t0


def family(probe, work):
    """trends/family.json's cost at 1,000 clans x FAMILY_DAYS days."""
    d = os.path.join(work, "family")
    os.mkdir(d, 0o700)
    refreshes = B6_CLANS * FAMILY_DAYS * 86400 // B6_STEP
    secs = fill(probe, d, refreshes, FAMILY_FILL_SQL)
    say("   family: filled %d refreshes in %.0f s" % (refreshes, secs))
    fam = build_probe(work, "family_cost")
    now = B6_T0 + (refreshes - 1) // B6_CLANS * B6_STEP
    p = subprocess.run([fam, d, "history.sqlite", str(B6_CLANS), str(now),
                        str(FAMILY_ROUNDS)], capture_output=True, text=True)
    if p.returncode != 0:
        raise Failure("family_cost: %s" % p.stderr.strip())
    r = json.loads(p.stdout)
    r["fill_s"] = secs
    r["bytes"] = os.stat(os.path.join(d, "history.sqlite")).st_size
    say("   family: whole %.0f ms, then p99 %.1f ms a build" %
        (r["full_ms"], r["inc_p99_ms"]))
    shutil.rmtree(d, ignore_errors=True)
    return r


def measure(bn):
    say("== 6. history database: insert cost and size")
    base = os.environ.get("TMPDIR", "/var/tmp")
    work = tempfile.mkdtemp(prefix="clanpopd-b6-", dir=base)
    try:
        probe = build_probe(work)
        empty = os.path.join(work, "empty")
        full = os.path.join(work, "full")
        os.mkdir(empty, 0o700)
        os.mkdir(full, 0o700)
        r_empty = probe_run(probe, empty, B6_SAMPLES, B6_T0)
        say("   empty database: p99 %.1f us" % r_empty["p99_us"])
        refreshes = B6_CLANS * B6_DAYS * 86400 // B6_STEP
        secs = fill(probe, full, refreshes)
        size = os.stat(os.path.join(full, "history.sqlite")).st_size
        say("   filled %d refreshes in %.0f s: %.2f GB" %
            (refreshes, secs, size / 1e9))
        r_full = probe_run(probe, full, B6_SAMPLES,
                           B6_T0 + B6_DAYS * 86400)
        say("   %d days: p99 %.1f us" % (B6_DAYS, r_full["p99_us"]))
        shutil.rmtree(full, ignore_errors=True)
        r_family = family(probe, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bn.results[NUMBER] = {"empty": r_empty, "full": r_full,
                          "refreshes": refreshes, "fill_s": secs,
                          "bytes": size, "days": B6_DAYS,
                          "family": r_family}
    bn.commands[NUMBER] = [
        "python3 bench/b6_history.py   # builds bench/history_cost.c with "
        "src/history.c",
        "# empty: history_cost DIR history.sqlite %d %d T0 %d" %
        (B6_SAMPLES, B6_CLANS, B6_STEP),
        "# full: the same schema, %d refreshes x 12 favourites filled by "
        "SQL (bench/b6_history.py FILL_SQL), then %d more timed" %
        (refreshes, B6_SAMPLES),
    ]


def _verdict(r):
    p99 = r["full"]["p99_us"]
    if r["days"] < 90:
        return ("**NOT AT SIZE** only %d days (B6_DAYS): p99 %.3f ms" %
                (r["days"], p99 / 1e3))
    ok = p99 < B6_LIMIT_US
    return ("**%s** p99 %.3f ms per refresh at %s clans x %d days (%.3f ms "
            "under the 1 ms limit)" % ("MET" if ok else "MISSED", p99 / 1e3,
                                       "{:,}".format(B6_CLANS), r["days"],
                                       (B6_LIMIT_US - p99) / 1e3))


def section(bn):
    """(verdict, markdown lines) of BENCHMARKS.md, or None."""
    r = bn.results.get(NUMBER)
    if r is None and NUMBER not in bn.errors:
        return None
    s = ["## 6. History database insert cost", ""]
    if r is None:
        s += ["**FAILED**: " + bn.errors[NUMBER].replace("\n", " / ")]
        return None, s
    v = _verdict(r)
    per_day = r["bytes"] / (B6_CLANS * r["days"])
    s += ["Target (issue 12): one refresh's insert into the history "
          "database (`history_record`: card names, one `refreshes` row, "
          "12 `favourites` rows, one transaction, WAL, "
          "`synchronous=NORMAL`) under 1 ms at the 99th percentile, with "
          "1,000 clans and 90 days of history refreshed every 15 minutes. "
          "Measured by `bench/history_cost.c` on a file on disk "
          "(`$TMPDIR`, default /var/tmp), %d refreshes timed one by one."
          % B6_SAMPLES, "",
          "Verdict: " + v, "",
          "| database | refreshes | size | p50 | p99 | max | mean | "
          ">= 1 ms |",
          "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, key, n, size in (
            ("empty at the start", "empty", 0, r["empty"]["bytes"]),
            ("%s clans x %d days" % ("{:,}".format(B6_CLANS), r["days"]),
             "full", r["refreshes"], r["bytes"])):
        x = r[key]
        s.append("| %s | %s | %.1f MB | %.3f ms | %.3f ms | %.3f ms | "
                 "%.3f ms | %d of %d |" % (
                     name, "{:,}".format(n), size / 1e6, x["p50_us"] / 1e3,
                     x["p99_us"] / 1e3, x["max_us"] / 1e3,
                     x["mean_us"] / 1e3, x["over_1ms"], x["n"]))
    s += ["",
          "Size: %.1f KB per clan per day (96 refreshes of 12 favourite "
          "cards: %.0f bytes a refresh, index included); %d days of 1,000 "
          "clans take %.2f GB.  The fill took %.0f s." %
          (per_day / 1e3, r["bytes"] / r["refreshes"], r["days"],
           r["bytes"] / 1e9, r["fill_s"]), "",
          "The event loop's connection does not checkpoint the WAL: "
          "when a commit leaves 1,000 pages or more in it, the history "
          "worker's own connection copies it into the file (issue 21); "
          "benchmark 10 measures what the history's work leaves on the "
          "event loop.  %d of %d refreshes at %d days took 1 ms or more."
          % (r["full"]["over_1ms"], r["full"]["n"], r["days"]),
          ""] + _family_lines(r["family"]) + ["", "```sh"]
    s += bn.commands.get(NUMBER, [])
    s += ["```"]
    return v, s


def _family_lines(f):
    """The paragraph and table of trends/family.json's cost."""
    return [
        "### trends/family.json (issue 20)", "",
        "The family's trends at 1,000 clans x %d days of refreshes every "
        "15 minutes (%s refreshes in the window, %.2f GB with 12 "
        "favourites and 24 deck cards a refresh), built by "
        "`bench/family_cost.c` with `src/famtrends.c`: once whole (the "
        "first write after a start, a reload that changes the clans or "
        "the window, or a retention pass), then %d times from what the "
        "worker keeps, each after one more refresh is recorded, as the "
        "daemon writes it with `cards.json`.  The event loop only asks "
        "(`history_family`: the clans' tags copied, a job queued); the "
        "worker thread builds it on its own connection." % (
            FAMILY_DAYS, "{:,}".format(f["refreshes"]), f["bytes"] / 1e9,
            FAMILY_ROUNDS), "",
        "| build | time |", "|---|---:|",
        "| whole (%d points, 1,000 clans each) | %.0f ms |" % (
            f["points"], f["full_ms"]),
        "| from what was kept, p50 | %.2f ms |" % f["inc_p50_ms"],
        "| from what was kept, p99 | %.2f ms |" % f["inc_p99_ms"],
        "| from what was kept, max | %.2f ms |" % f["inc_max_ms"],
        "| the loop's share (`history_family`), p99 | %.4f ms |" %
        f["loop_p99_ms"],
        "| the loop's share, max | %.4f ms |" % f["loop_max_ms"], "",
        "Builds that read the whole: %d of %d.  The worker finished its "
        "queued file %.0f ms after the last request (one whole build: "
        "its series start empty at a start).  The fill took %.0f s." % (
            f["whole_reads"], FAMILY_ROUNDS + 1, f["worker_drain_ms"],
            f["fill_s"])]


class _Alone:
    """What measure() and section() need of bench.py's run."""

    def __init__(self):
        self.results = {}
        self.errors = {}
        self.commands = {}


def splice(v, lines, number=NUMBER, title=TITLE):
    """Replace section number and its summary row in OUT_MD, nothing
    else."""
    with open(OUT_MD, encoding="utf-8") as f:
        text = f.read()
    row = "| %d | %s | %s |" % (number, title, v)
    m = re.search(r"^\| %d \| .*$" % number, text, re.M)
    if m:
        text = text[:m.start()] + row + text[m.end():]
    else:
        m = re.search(r"^\| %d \| .*$" % (number - 1), text, re.M)
        text = text[:m.end()] + "\n" + row + text[m.end():]
    body = "\n".join(lines) + "\n\n"
    m = re.search(r"^## %d\. .*?(?=^## )" % number, text, re.M | re.S)
    if m:
        text = text[:m.start()] + body + text[m.end():]
    else:
        m = (re.search(r"^## %d\. " % (number + 1), text, re.M) or
             re.search(r"^## Reproduce$", text, re.M))
        text = text[:m.start()] + body + text[m.start():]
    tmp = OUT_MD + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, OUT_MD)


def standalone(mod):
    """Measure the benchmark module mod alone and splice its section and
    summary row into OUT_MD; the exit status."""
    bn = _Alone()
    try:
        mod.measure(bn)
    except Failure as e:
        bn.errors[mod.NUMBER] = str(e)
        say("   FAILED: %s" % e)
    v, lines = mod.section(bn)
    print("\n".join(lines))
    splice(v or "**FAILED** (see below)", lines, mod.NUMBER, mod.TITLE)
    say("== wrote section %d of %s" % (mod.NUMBER, OUT_MD))
    return 1 if bn.errors else 0


if __name__ == "__main__":
    sys.exit(standalone(sys.modules[__name__]))
