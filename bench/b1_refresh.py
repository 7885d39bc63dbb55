"""b1_refresh - benchmark 1: the refresh time of one clan against the ideal,
on the stand-in API with a fixed latency, for several max_concurrent K;
controls in the same rounds: clanpopd's start-up alone, and curl fetching
the same players."""

import json
import math
import os
import re

from runner import (Failure, check_run, cmd_block, fmt_s, med, run_child,
                    run_clanpopd, say, snapshot_counts, standin, tail,
                    verdict)

NUMBER = 1
TITLE = "refresh time against the ideal"

B1_KS = (1, 5, 10, 50)
B1_REPS = 5
B1_LATENCY_MS = 50
B1_MEMBERS = 50


def measure(bn):
    say("== 1. refresh time against the ideal")
    tag = "#9V2Y"
    s = bn.standin("standin1", {"latency_ms": B1_LATENCY_MS,
                                "clans": {tag: {"members": B1_MEMBERS}}})
    cfgs = {k: bn.config("b1-k%d" % k, s.base_url, [tag],
                         limits__max_concurrent=k,
                         limits__requests_per_second=0)
            for k in B1_KS}
    # Warm-up: the stand-in generates each body once, then caches it.
    bn.once(cfgs[max(B1_KS)][0], "b1-warmup")
    # Controls: clanpopd's start-up alone (-t reads config and token),
    # and curl fetching only the 50 players from the same stand-in.
    players = [s.base_url + "/players/" + t.replace("#", "%23")
               for t in standin.Scenario(s.scenario).clans[tag].tags]
    curlrc = bn.curl_config("b1-players", players)
    walls, own, floor, start = _rounds(bn, tag, cfgs, curlrc)
    rows = []
    for k in B1_KS:
        rows.append(_row(k, walls[k], own[k], floor[k]))
        r = rows[-1]
        say("   K=%-3d ideal %.3f s  median %.3f s  ratio %.3f  "
            "(curl, players only: %.3f s, %.3f x)" %
            (k, r["ideal"], r["wall"], r["ratio"], r["curl"],
             r["curl_ratio"]))
    bn.results[1] = {"rows": rows, "start": med(start)}
    bn.commands[1] = [
        "python3 tests/standin.py --scenario $WORK/standin1/scenario.json"
        " --token-file $WORK/standin1/standin.token --port 0"
        " --port-file $WORK/standin1/standin.port",
        "# scenario: " + json.dumps(s.scenario),
        "$CLANPOPD --once -c $WORK/b1-kK.yaml   "
        "# K in %s; 1 warm-up run, then %d rounds over all K" %
        (", ".join(map(str, B1_KS)), B1_REPS),
        "# controls, in the same rounds:",
        "$CLANPOPD -t -c $WORK/b1-k1.yaml   # start-up: load config "
        "and token, exit",
        "curl --no-progress-meter --parallel --parallel-max K "
        "-K $WORK/b1-players.curlrc   # the 50 player URLs only",
    ]
    bn.config_text[1] = open(cfgs[10][0]).read()


def _rounds(bn, tag, cfgs, curlrc):
    """B1_REPS rounds, each: the start-up control, then for every K
    clanpopd and curl.  Wall times by K (and the refresh time clanpopd
    logs itself), the start-up times."""
    walls = {k: [] for k in B1_KS}
    own = {k: [] for k in B1_KS}
    floor = {k: [] for k in B1_KS}
    start = []
    for rep in range(B1_REPS):
        log = os.path.join(bn.logs, "b1-start-%d.log" % rep)
        res = run_child([bn.clanpopd, "-t", "-c", cfgs[B1_KS[0]][0]], log)
        check_run(res, "clanpopd -t", log)
        start.append(res.wall)
        for k in B1_KS:
            wall, logged = _clanpopd(bn, tag, cfgs[k], k, rep)
            walls[k].append(wall)
            if logged is not None:
                own[k].append(logged)
            floor[k].append(_curl(bn, curlrc, k, rep))
    return walls, own, floor, start


def _clanpopd(bn, tag, cfg_out, k, rep):
    """One `clanpopd --once` at K: (wall, refresh seconds it logs or
    None); the snapshot must count every member fetched."""
    cfg, out = cfg_out
    log = os.path.join(bn.logs, "b1-k%d-%d.log" % (k, rep))
    res = run_clanpopd([bn.clanpopd, "--once", "-c", cfg], log)
    check_run(res, "clanpopd --once (K=%d)" % k, log)
    got = snapshot_counts(out, tag)
    if got != (B1_MEMBERS, 0):
        raise Failure("K=%d: the snapshot has fetched/failed %r, "
                      "not (%d, 0)" % (k, got, B1_MEMBERS))
    m = re.search(r"requests, \d+ retries, ([0-9.]+) s", tail(log, 5))
    return res.wall, float(m.group(1)) if m else None


def _curl(bn, curlrc, k, rep):
    """The control: curl fetching the players alone at K; its wall."""
    log = os.path.join(bn.logs, "b1-curl-k%d-%d.log" % (k, rep))
    res = run_child(["curl", "--no-progress-meter", "--parallel",
                     "--parallel-max", str(k), "-K", curlrc],
                    log, log + ".out")
    check_run(res, "curl --parallel (K=%d)" % k, log)
    with open(log + ".out") as f:
        codes = f.read().split()[0::2]
    if codes != ["200"] * B1_MEMBERS:
        raise Failure("curl K=%d: codes %r" % (k, set(codes)))
    return res.wall


def _row(k, walls, own, floor):
    waves = math.ceil(B1_MEMBERS / k)
    ideal = (1 + waves) * B1_LATENCY_MS / 1000.0
    w = med(walls)
    f = med(floor)
    return {"k": k, "ideal": ideal, "wall": w,
            "ratio": w / ideal, "min": min(walls),
            "max": max(walls),
            "own": med(own) if own else None,
            "curl": f, "curl_ideal": waves * B1_LATENCY_MS /
            1000.0,
            "curl_ratio": f / (waves * B1_LATENCY_MS / 1000.0)}


# ------------------------------------------------------------------ report

def section(bn):
    """(verdict, markdown lines) of BENCHMARKS.md, or None when not run."""
    R = bn.results
    if 1 not in R:
        return None
    rows = R[1]["rows"]
    worst = max(rows, key=lambda r: r["ratio"])
    met = worst["ratio"] <= 1.10
    v = verdict(met, "worst %.3f x ideal at K=%d, %s the 1.10 limit" % (
        worst["ratio"], worst["k"],
        "%.3f under" % (1.10 - worst["ratio"]) if met else
        "%.3f over" % (worst["ratio"] - 1.10)))
    s = ["## 1. Refresh time against the ideal", "",
         "One clan of %d members on the stand-in API (`tests/standin.py`)"
         " with %d ms latency per request, no rate limit. Ideal = "
         "(1 + ceil(%d / K)) x %d ms: the clan request, then the players"
         " in waves of K. Wall time of the whole `clanpopd --once` "
         "process (start-up, config, token, fetches, snapshot write), "
         "median of %d runs after one warm-up run that fills the "
         "stand-in's body cache." % (B1_MEMBERS, B1_LATENCY_MS,
                                     B1_MEMBERS, B1_LATENCY_MS,
                                     B1_REPS), "",
         "Target: <= 1.10 x ideal for every K. " + v, "",
         "| K | ratio to ideal | ideal | median wall (context) | "
         "min - max | refresh as logged by clanpopd | control: curl, "
         "the 50 players only | its ratio to ceil(50/K) x %d ms |" %
         B1_LATENCY_MS,
         "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        s.append("| %d | **%.3f** | %s | %s | %s - %s | %s | %s | %.3f |"
                 % (r["k"], r["ratio"], fmt_s(r["ideal"]),
                    fmt_s(r["wall"]), fmt_s(r["min"]), fmt_s(r["max"]),
                    fmt_s(r["own"]) if r["own"] is not None else "-",
                    fmt_s(r["curl"]), r["curl_ratio"]))
    s += ["", "Controls measured in the same rounds: `clanpopd -t` "
          "(exec, dynamic linking of libcurl and its libraries, config "
          "and token, exit) takes %s; `curl --parallel` fetching just "
          "the %d player bodies from the same stand-in at the same K "
          "shows what the stand-in itself adds." % (
              fmt_s(R[1]["start"]), B1_MEMBERS)]
    if not met:
        s += _why_missed(rows, R[1]["start"])
    s += cmd_block(bn, 1)
    return v, s


def _why_missed(rows, start):
    s = ["", "### Why the target is missed", ""]
    for r in rows:
        if r["ratio"] <= 1.10:
            continue
        excess = (r["wall"] - r["ideal"]) * 1000
        outside = (r["wall"] - r["own"]) * 1000 \
            if r["own"] is not None else float("nan")
        s.append(
            "- K=%d: %.0f ms over the ideal (the limit allows %.0f). "
            "%.0f ms of it are outside the refresh clanpopd times "
            "itself (process start-up alone: %.0f ms); curl, on the "
            "same stand-in and K, needs %.0f ms more than the ideal "
            "for the player waves alone." % (
                r["k"], excess, r["ideal"] * 100, outside,
                start * 1000,
                (r["curl"] - r["curl_ideal"]) * 1000))
    big = max(rows, key=lambda r: r["k"])
    s += ["", "The stand-in is one Python process, so the answers to "
          "K simultaneous requests leave it one after another: at "
          "K=%d, curl's waves take %.1f ms per request more than "
          "the ideal. That, plus the fixed start-up, is what the "
          "ideal leaves out; it weighs most at large K, where the "
          "ideal is shortest (%d ms at K=%d)." % (
              big["k"], (big["curl"] - big["curl_ideal"]) * 1000 /
              B1_MEMBERS, big["ideal"] * 1000, big["k"])]
    return s
