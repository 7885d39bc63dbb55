"""report - the markdown writer: BENCHMARKS.md from a finished run, the
machine, the summary of verdicts, each benchmark's section (written by the
benchmark's own module) and how to reproduce; never with the token in it.
"""

import os
import re

from runner import INTERRUPTED, ONLY, OUT_MD, TOP


def write_markdown(bn, benchmarks):
    """Write OUT_MD atomically for bn's run; benchmarks are the modules,
    in order, each with NUMBER, TITLE and section(bn)."""
    L = _header(bn)
    a = L.append
    verdicts = []
    for mod in benchmarks:
        if mod.NUMBER in bn.errors:
            verdicts.append((mod.NUMBER, "**FAILED** (see below)"))
    sec = []
    for mod in benchmarks:
        got = mod.section(bn)
        if got is None:
            continue
        v, s = got
        if v is not None:
            verdicts.append((mod.NUMBER, v))
        sec.append(s)
    own = {mod.NUMBER for mod in benchmarks
           if getattr(mod, "OWN_FAILURE", False)}
    for n, e in sorted(bn.errors.items()):
        if n not in own:
            sec.append(["## %d. FAILED" % n, "", "```", e, "```"])
    carried = []
    _carry_over([mod.NUMBER for mod in benchmarks], sec, carried)

    a("## Summary")
    a("")
    a("| # | benchmark | verdict |")
    a("|---:|---|---|")
    names = {mod.NUMBER: mod.TITLE for mod in benchmarks}
    rows = [(n, "| %d | %s | %s |" % (n, names[n], v)) for n, v in verdicts]
    for n, row in sorted(rows + carried):
        a(row)
    a("")
    for s in sorted(sec, key=lambda s: int(s[0][3])):
        L.extend(s)
        a("")
    a("## Reproduce")
    a("")
    a("```sh")
    a("./configure && make -j2")
    a("sudo make bench        # = CLANPOPD=./clanpopd bash bench/run")
    a("```")
    a("")
    a("bench/run installs what is missing (nginx-light, curl, time, "
      "pkg-config, libjson-c-dev, a C compiler) with apt-get, builds "
      "`bench/parse_cost.c`, and runs `bench/bench.py`. `BENCH_ONLY=\"1 3\"`"
      " runs a subset; the other sections are then carried over from the "
      "previous report, marked with its date.")
    text = "\n".join(L) + "\n"
    if bn.token in text:
        raise SystemExit("bench.py: refusing to write the token into "
                         "BENCHMARKS.md")
    tmp = OUT_MD + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, OUT_MD)


def _previous():
    """From the BENCHMARKS.md on disk: (its date, {n: summary row},
    {n: section lines}) of each numbered benchmark; empty without one."""
    try:
        with open(OUT_MD, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None, {}, {}
    m = re.search(r"`make bench`\) on (\d{4}-\d\d-\d\d \d\d:\d\d) UTC",
                  text)
    date = m.group(1) if m else "an earlier run"
    m = re.search(r"^## Summary\n(.*?)(?=^## )", text, re.M | re.S)
    rows = {int(r.group(1)): r.group(0) for r in
            re.finditer(r"^\| (\d) \| .*\|$", m.group(1) if m else "",
                        re.M)}
    secs = {int(x.group(1)): x.group(0).rstrip("\n").split("\n") for x in
            re.finditer(r"^## (\d)\. .*?(?=^## |\Z)", text, re.M | re.S)}
    return date, rows, secs


def _carry_over(numbers, secs, rows):
    """Add to secs and rows (summary lines) the benchmarks this run left
    out (BENCH_ONLY), as the report on disk has them, marked with its
    date."""
    date, old_rows, old = _previous()
    for n in numbers:
        if str(n) in ONLY or n not in old:
            continue
        lines = old[n]
        note = ("_Carried over from the run of %s UTC: this run measured "
                "only benchmark %s, so the machine table above is not "
                "this section's._" % (date, ", ".join(sorted(ONLY))))
        if not (len(lines) > 2 and lines[2].startswith("_Carried over ")):
            lines = lines[:1] + ["", note] + lines[1:]
        secs.append(lines)
        row = old_rows.get(n)
        if row is not None:
            if "(run of " not in row:
                row = row[:-2] + " (run of %s UTC) |" % date
            rows.append((n, row))


def _header(bn):
    """The title, the machine and the notes on how the run was made."""
    m = bn.machine
    L = []
    a = L.append
    a("# clanpopd benchmarks")
    a("")
    a("Written by `bash bench/run` (`make bench`) on %s UTC; the whole run "
      "took %.0f s. Do not edit by hand: rerun it. Ratios and verdicts "
      "compare numbers measured in the same run on the same machine; "
      "absolute times are context only and say little about another "
      "machine." % (bn.started.strftime("%Y-%m-%d %H:%M"), bn.elapsed))
    a("")
    a("## Machine")
    a("")
    a("| | |")
    a("|---|---|")
    for k, label in (("cpu", "CPU"), ("cores", "Cores"), ("memory", "Memory"),
                     ("kernel", "Kernel"), ("debian", "Debian"),
                     ("clanpopd", "clanpopd"), ("curl", "curl"),
                     ("nginx", "nginx"), ("json-c", "json-c"),
                     ("python", "Python")):
        a("| %s | %s |" % (label, m[k]))
    a("| Load average (1, 5, 15 min) | %s at the start, %s at the end |" % (
        bn.load_start, bn.load_end))
    a("")
    a("The binary measured is a copy of `%s` taken at the start of the run."
      % bn.binary.replace(TOP + "/", ""))
    if INTERRUPTED:
        a("")
        a("Note: %d clanpopd run(s) were stopped by a SIGTERM from outside "
          "this benchmark (another job on the machine) and were run again; "
          "only the complete runs are counted: %s." % (
              len(INTERRUPTED), "; ".join("`%s`" % bn.rel(c)
                                         for c in INTERRUPTED)))
    a("")
    a("Work files (configs, the generated API tree, logs, snapshots) live "
      "in a temporary directory, `$WORK`, on tmpfs when there is room, so "
      "that disk `fsync` latency does not enter the numbers; it is removed "
      "at the end. `$CLANPOPD` is the binary under test. The API token is "
      "random per run and only ever in mode-600 files (`token_file`, the "
      "curl `-K` config, `nginx.conf`).")
    a("")
    return L
