"""b4_memory - benchmark 4: peak RSS against the number of configured
clans: one `clanpopd --once` cycle over 10, 1,000 and 10,000 clans served
by nginx, peak RSS from /usr/bin/time and sampled from /proc during the
run."""

import os

import apitree
from apitree import B4_CLANS_MAX, B4_MEMBERS
from runner import Failure, cmd_block, fmt_s, med, mib, say, verdict

NUMBER = 4
TITLE = "memory against clan count"

B4_COUNTS = (10, 1000, B4_CLANS_MAX)
B4_REPS = {10: 3, 1000: 3, B4_CLANS_MAX: 1}
B4_K = 10


def measure(bn):
    say("== 4. memory against clan count")
    apitree.start_nginx(bn)
    rows = []
    for n in B4_COUNTS:
        rows.append(_count(bn, n))
        row = rows[-1]
        say("   %5d clans: peak RSS %.2f MiB (%s)%s" % (
            n, mib(row["rss_kib"]), fmt_s(row["wall"]),
            "; sampled: %.1f MiB at 5%%, %.1f at 50%%, %.1f at 95%% of "
            "the run, peak at %.0f%%" % (
                mib(row["curve"]["at"][0.05]),
                mib(row["curve"]["at"][0.5]),
                mib(row["curve"]["at"][0.95]),
                100 * row["curve"]["peak_frac"])
            if "curve" in row else ""))
    by = {r["n"]: r["rss_kib"] for r in rows}
    growth = {}
    ns = list(B4_COUNTS)
    for a, b_ in zip(ns, ns[1:]):
        growth[(a, b_)] = (by[b_] - by[a]) * 1024.0 / (b_ - a)
    bn.results[4] = {"rows": rows, "growth": growth}
    bn.commands[4] = [
        "/usr/bin/time -f %%M $CLANPOPD --once -c $WORK/b4-nN.yaml   "
        "# N in %s clans of %d members, max_concurrent %d" %
        (", ".join(map(str, B4_COUNTS)), B4_MEMBERS, B4_K),
    ]


def _count(bn, n):
    """B4_REPS[n] runs over the first n clans of set B: the row, with the
    RSS curve sampled in the last run."""
    cfg, out = bn.config("b4-n%d" % n, bn.nginx.base_url,
                         bn.set_b[:n],
                         limits__max_concurrent=B4_K,
                         limits__requests_per_second=0,
                         # Every run reads every member, as curl does.
                         schedule__reuse_unseen="false")
    rss, walls, curve = [], [], []
    for rep in range(B4_REPS[n]):
        samples = []
        res = bn.once(cfg, "b4-n%d-%d" % (n, rep), rss=True,
                      samples=samples)
        rss.append(res.maxrss_kib)
        walls.append(res.wall)
        curve = samples
    nsnap = len(os.listdir(os.path.join(out, "clans")))
    if nsnap != n:
        raise Failure("%d clans: %d snapshots written" % (n, nsnap))
    sizes = {}
    for name in ("index.json", "metrics.prom"):
        try:
            sizes[name] = os.path.getsize(os.path.join(out, name))
        except OSError:
            pass
    row = {"n": n, "rss_kib": med(rss), "wall": med(walls),
           "runs": len(rss), "requests": n * (1 + B4_MEMBERS),
           "files": sizes}
    if len(curve) >= 20:
        end = curve[-1][0]
        peak = max(curve, key=lambda c: c[1])
        at = {}
        for frac in (0.05, 0.5, 0.95):
            at[frac] = min(curve, key=lambda c: abs(c[0] - frac *
                                                    end))[1]
        row["curve"] = {"at": at, "peak": peak[1],
                        "peak_frac": peak[0] / end if end else 1,
                        "n": len(curve)}
    return row


# ------------------------------------------------------------------ report

def section(bn):
    """(verdict, markdown lines) of BENCHMARKS.md, or None when not run."""
    R = bn.results
    if 4 not in R:
        return None
    rows = R[4]["rows"]
    by = {r["n"]: r["rss_kib"] for r in rows}
    m1 = mib(by[1000]) < 16
    m2 = mib(by[10000]) < 32
    v = verdict(m1 and m2, "%.2f MiB at 1,000 clans (%s 16 MiB), %.2f "
                "MiB at 10,000 (%s 32 MiB)" % (
                    mib(by[1000]), "%.2f MiB under" % (16 - mib(by[1000]))
                    if m1 else "%.2f MiB over" % (mib(by[1000]) - 16),
                    mib(by[10000]),
                    "%.2f MiB under" % (32 - mib(by[10000])) if m2 else
                    "%.2f MiB over" % (mib(by[10000]) - 32)))
    s = ["## 4. Memory against clan count", "",
         "One refresh cycle (`clanpopd --once`) with N configured clans "
         "of %d members each (N clan + 10 N player requests), served "
         "by the nginx of benchmark 3, zero latency, max_concurrent %d, "
         "no rate limit. Peak RSS from `/usr/bin/time -f %%M` (the "
         "maximum resident set of clanpopd); median of the runs." %
         (B4_MEMBERS, B4_K), "",
         "Target: < 16 MiB at 1,000 clans and < 32 MiB at 10,000. " + v,
         "", "| clans | peak RSS | RSS sampled at 5 / 50 / 95 % of the "
         "run | peak at | index.json + metrics.prom written | runs | "
         "requests | wall (context) |",
         "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        cv = r.get("curve")
        s.append("| %d | **%.2f MiB** (%d KiB) | %s | %s | %s | %d | %d "
                 "| %s |" % (
                     r["n"], mib(r["rss_kib"]), r["rss_kib"],
                     " / ".join("%.1f" % mib(cv["at"][f])
                                for f in (0.05, 0.5, 0.95)) + " MiB"
                     if cv else "-",
                     "%.0f %% of the run" % (100 * cv["peak_frac"])
                     if cv else "-",
                     " + ".join("%.2f MB" % (r["files"][k] / 1e6)
                                for k in ("index.json", "metrics.prom")
                                if k in r["files"]) or "-",
                     r["runs"], r["requests"], fmt_s(r["wall"])))
    s += ["", "Growth per configured clan (peak RSS): " + "; ".join(
        "%d B from %d to %d clans" % (g, a_, b_)
        for (a_, b_), g in sorted(R[4]["growth"].items())) + ". RSS is "
        "sampled from /proc/PID/status every 20 ms of the last run."]
    big = rows[-1]
    cv = big.get("curve")
    if not (m1 and m2) and cv:
        s += _why_missed(big, cv)
    s += cmd_block(bn, 4)
    return v, s


def _why_missed(big, cv):
    during = (cv["at"][0.95] - cv["at"][0.05]) * 1024.0 / \
        (0.9 * big["n"])
    s = ["", "### Why the target is missed", "",
         "- While the %d clans are refreshed, RSS grows steadily, "
         "by about %.0f B per refreshed clan (from %.1f MiB at 5 %% "
         "of the run to %.1f MiB at 95 %%): state kept for each "
         "clan once it is refreshed." % (
             big["n"], during, mib(cv["at"][0.05]),
             mib(cv["at"][0.95]))]
    if cv["peak_frac"] > 0.95:
        s += ["- The peak, %.1f MiB, comes at %.0f %% of the run, "
              "%.1f MiB above the RSS at 95 %%: the end-of-run "
              "reports, %s, built whole in memory before they are "
              "written." % (
                  mib(cv["peak"]), 100 * cv["peak_frac"],
                  mib(cv["peak"] - cv["at"][0.95]),
                  " and ".join("%s of %.1f MB" % (k, v / 1e6)
                               for k, v in big["files"].items()))]
    return s
