#!/usr/bin/env python3
"""b9_reuse - benchmark 9: requests and clans per key when clanpopd reuses
the profiles of members not online since their read (schedule.reuse_unseen),
on the stand-in API in activity mode with 10, 25 and 50 % of the members
online per epoch and a limit of 10 requests per second on the one key.

Part of bench/bench.py (BENCH_ONLY="9" bash bench/run), or on its own:

    CLANPOPD=./clanpopd python3 bench/b9_reuse.py

which runs only this benchmark and rewrites its section of BENCHMARKS.md
(the others are carried over)."""

import os
import re
import sys
import urllib.parse

if __name__ == "__main__":
    # On its own: only this benchmark, through bench.py's driver.
    os.environ["BENCH_ONLY"] = "9"
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import report  # noqa: E402
from runner import (check_run, fmt_s, functional, run_clanpopd,  # noqa: E402
                    say, tag_of, verdict)

NUMBER = 9
TITLE = "requests and clans per key with reuse"

B9_ONLINE = (0.10, 0.25, 0.50)  # share of the members online per epoch
B9_SEED = 9         # the stand-in's activity seed
B9_CLANS = 6
B9_MEMBERS = 50
B9_EPOCHS = 4       # refreshes measured per activity, after the first read
B9_LIMIT = 10       # requests per second on the key, enforced by the stand-in
B9_RATE = 9         # clanpopd's requests_per_second (as benchmark 7)
B9_BURST = 1
B9_LATENCY = 20     # ms, the stand-in's latency per request
B9_INTERVAL = 900   # s: clans per 15 minutes
B9_FLOOR = 1.02     # requests per clan-refresh / the floor, at most
B9_GAIN = 3.0       # clans per key at 25 % / benchmark 7's, at least


def measure(bn):
    say("== 9. requests and clans per key with reuse")
    d = os.path.join(bn.work, "standin9")
    os.makedirs(d)
    tags = [tag_of("Q", i, 6) for i in range(B9_CLANS)]
    s = functional.Standin(d, _scenario(tags, B9_ONLINE[0], False),
                           token=bn.token)
    bn.standins.append(s)
    rows = []
    for share in B9_ONLINE:
        rows.append(_activity(bn, s, tags, share))
        r = rows[-1]
        say("   %2.0f %% online: %.2f requests per clan-refresh, floor %.2f "
            "(%.4f), today %d; %.0f clans per key per 15 min; %d of %d "
            "snapshots the truth" % (
                100 * share, r["per_refresh"], r["floor"], r["ratio"],
                r["today"], r["per_interval"], r["right"], r["snapshots"]))
    bn.results[9] = {"rows": rows, "b7": _b7_per_key(bn)}
    bn.commands[9] = [
        "python3 tests/standin.py --scenario $WORK/standin9/scenario.json"
        " --token-file $WORK/standin9/standin.token --port 0"
        " --port-file $WORK/standin9/standin.port",
        "# per activity P in %s: POST /_/scenario {\"activity\": {\"seed\": "
        "%d, \"online\": P}, \"max_age\": 0, \"latency_ms\": %d, clans: %d x "
        "{\"members\": %d}}; POST /_/reset" % (
            ", ".join("%g" % p for p in B9_ONLINE), B9_SEED, B9_LATENCY,
            B9_CLANS, B9_MEMBERS),
        "$CLANPOPD --once -c $WORK/b9-P-fill.yaml   # epoch 0: reads "
        "everyone into the history database, no rate limit",
        "# then add key_rate_limit {\"per_second\": %d, \"retry_after\": 1} "
        "to the scenario, and %d times:" % (B9_LIMIT, B9_EPOCHS),
        "curl -X POST http://127.0.0.1:PORT/_/epoch; "
        "$CLANPOPD --once -c $WORK/b9-P.yaml; "
        "curl http://127.0.0.1:PORT/_/stats; "
        "curl 'http://127.0.0.1:PORT/_/expected?clan=%23TAG&retries=3'",
    ]


def _scenario(tags, share, limited):
    sc = {"activity": {"seed": B9_SEED, "online": share}, "max_age": 0,
          "latency_ms": B9_LATENCY,
          "clans": {t: {"members": B9_MEMBERS} for t in tags}}
    if limited:
        sc["key_rate_limit"] = {"per_second": B9_LIMIT, "retry_after": 1}
    return sc


def _config(bn, s, name, out, tags, limited):
    cfg = os.path.join(bn.work, name + ".yaml")
    kw = {"limits__requests_per_second": B9_RATE, "limits__burst": B9_BURST,
          "limits__max_concurrent": 16} if limited else {}
    functional.write_config(cfg, s.base_url, bn.token_file, out, tags,
                            schedule__seen_margin="0s", **kw)
    return cfg


def _activity(bn, s, tags, share):
    """Epoch 0 (everyone read), then B9_EPOCHS refreshes, one --once run
    after each POST /_/epoch, against the same output and database."""
    name = "b9-%02.0f" % (100 * share)
    out = os.path.join(bn.work, "out-" + name)
    s.set_scenario(_scenario(tags, share, False))
    s.reset()
    fill = _config(bn, s, name + "-fill", out, tags, False)
    sent, _exact, _wall, right = _refresh(bn, s, fill, name + "-e0", out,
                                          tags, {t: B9_MEMBERS for t in tags})
    s.set_scenario(_scenario(tags, share, True))
    cfg = _config(bn, s, name, out, tags, True)
    r = {"share": share, "today": sent / len(tags), "requests": 0,
         "online": 0, "wall": 0.0, "right": right, "snapshots": len(tags),
         "s429": 0, "exact": 0}
    for k in range(1, B9_EPOCHS + 1):
        ep = s._call("POST", "epoch", {})
        online = {t: len(ep["online"][t]) for t in tags}
        st0 = s.stats()
        sent, exact, wall, right = _refresh(bn, s, cfg, "%s-e%d" % (name, k),
                                            out, tags, online)
        st = s.stats()
        r["requests"] += sent
        r["online"] += sum(online.values())
        r["wall"] += wall
        r["exact"] += exact
        r["right"] += right
        r["snapshots"] += len(tags)
        r["s429"] += (st["by_status"].get("429", 0) -
                      st0["by_status"].get("429", 0))
        r["busiest"] = st["per_key"]["1"]["busiest_second"]
    refreshes = len(tags) * B9_EPOCHS
    r["per_refresh"] = r["requests"] / refreshes
    r["floor"] = 1 + r["online"] / refreshes
    r["ratio"] = r["per_refresh"] / r["floor"]
    r["per_interval"] = refreshes * B9_INTERVAL / r["wall"]
    r["ideal"] = B9_RATE * B9_INTERVAL / r["floor"]
    return r


def _refresh(bn, s, cfg, name, out, tags, online):
    """One --once run: (requests it sent, whether they were exactly one per
    clan and one per member online since its read, its wall time, how many
    of the snapshots equal /_/expected at this epoch)."""
    before = s.stats()
    log = os.path.join(bn.logs, name + ".log")
    res = run_clanpopd([bn.clanpopd, "--once", "-c", cfg], log)
    check_run(res, "clanpopd --once -c %s" % bn.rel(cfg), log)
    after = s.stats()
    sent = after["requests"] - before["requests"]
    want = sum(1 + online[t] for t in tags)
    if sent != want:
        say("   %s: %d requests, not the floor's %d" % (name, sent, want))
    right = 0
    for t in tags:
        snap = functional.snapshot(out, t)
        truth = s._call("GET", "expected?clan=%s&retries=3" %
                        urllib.parse.quote(t, safe=""))
        p = snap["players"]
        right += ((snap["members"], p["fetched"] + p["reused"], p["failed"],
                   p["without_favourite"], snap["favourite_cards"]) ==
                  (truth["members"], truth["fetched"], truth["failed"],
                   truth["without_favourite"], truth["favourite_cards"]))
    return sent, sent == want, res.wall, right


def _b7_per_key(bn):
    """Benchmark 7's clans per 15 minutes with one key: from this run, or
    from the report on disk; None when neither has it."""
    if 7 in bn.results:
        return bn.results[7]["rows"][0]["per_interval"]
    _date, _rows, secs = report._previous()
    for line in secs.get(7, []):
        m = re.match(r"\| 1 \| \d+ \| \d+ \| [^|]+ \| (\d+) \|", line)
        if m:
            return float(m.group(1))
    return None


# ------------------------------------------------------------------ report

def section(bn):
    """(verdict, markdown lines) of BENCHMARKS.md, or None when not run."""
    if 9 not in bn.results:
        return None
    rows, b7 = bn.results[9]["rows"], bn.results[9]["b7"]
    worst = max(rows, key=lambda r: r["ratio"])
    mid = [r for r in rows if r["share"] == 0.25][0]
    gain = mid["per_interval"] / b7 if b7 else 0.0
    wrong = sum(r["snapshots"] - r["right"] for r in rows)
    met = worst["ratio"] <= B9_FLOOR and gain >= B9_GAIN and not wrong
    v = verdict(met, "worst %.4f x the floor at %.0f %% online (limit %.2f); "
                "%.2f x benchmark 7's clans per key at 25 %% (%.0f against "
                "%s, target %.0f x); %d of %d snapshots the truth" % (
                    worst["ratio"], 100 * worst["share"], B9_FLOOR, gain,
                    mid["per_interval"], "%.0f" % b7 if b7 else "none",
                    B9_GAIN, sum(r["right"] for r in rows),
                    sum(r["snapshots"] for r in rows)))
    s = ["## 9. Requests and clans per key with reuse", "",
         "%d clans of %d members on the stand-in API in activity mode "
         "(`tests/standin.py`: a member is online in an epoch with the "
         "given chance, and only then may its lastSeen, favourite card and "
         "deck change), `max_age` 0, %d ms latency. Per share of members "
         "online: a fresh output directory with its history database, one "
         "`--once` run at epoch 0 that reads everyone (no rate limit), "
         "then %d times `POST /_/epoch` and one `--once` run with "
         "`schedule.seen_margin: 0s` (reuse_unseen and profile_max_age at "
         "their defaults), requests_per_second %d and burst %d on one key "
         "that the stand-in limits to %d requests in any second, as in "
         "benchmark 7. Requests per clan-refresh = the stand-in's requests "
         "of the %d runs / (%d clans x %d); today = 1 + members (what "
         "the epoch-0 run sent); floor = 1 + the members online in the epoch. Clans "
         "per key per 15 minutes = clan-refreshes x 900 / the runs' wall "
         "time, as benchmark 7 computes it; ideal = %d x 900 / floor. "
         "Runs at the floor: those that sent exactly one request per clan "
         "and per member online since its read. Snapshots the truth: those "
         "equal to `/_/expected` at their epoch (favourite cards, members, "
         "read + reused, failed)." % (
             B9_CLANS, B9_MEMBERS, B9_LATENCY, B9_EPOCHS, B9_RATE, B9_BURST,
             B9_LIMIT, B9_EPOCHS, B9_CLANS, B9_EPOCHS, B9_RATE), "",
         "Targets: requests per clan-refresh within %d %% of the floor at "
         "every share; at 25 %% online at least %.0f x benchmark 7's clans "
         "per key (its 1-key row: clans of 49 members); every snapshot the "
         "truth. %s" % (round(100 * (B9_FLOOR - 1)), B9_GAIN, v), "",
         "| online | requests per clan-refresh | today | floor | / floor "
         "| runs at the floor | clan-refreshes | wall (context) | clans per "
         "key per 15 min | ideal | x benchmark 7 | snapshots the truth | "
         "429s |",
         "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        s.append("| %.0f %% | %.2f | %.0f | %.2f | **%.4f** | %d of %d | %d "
                 "| %s | %.0f | %.0f | %s | %d of %d | %d |" % (
                     100 * r["share"], r["per_refresh"], r["today"],
                     r["floor"], r["ratio"], r["exact"], B9_EPOCHS,
                     B9_CLANS * B9_EPOCHS,
                     fmt_s(r["wall"]), r["per_interval"], r["ideal"],
                     "**%.2f**" % (r["per_interval"] / b7) if b7 else "-",
                     r["right"], r["snapshots"], r["s429"]))
    s += ["", "Clans per key can differ a little from the ideal either "
          "way: each run's first request goes at once (its burst of 1, 1/%d"
          " s ahead of the rate), while the process start-up and the last "
          "answer (%d ms latency) count against it; both weigh most in the "
          "shortest runs (%.0f %% online)." % (B9_RATE, B9_LATENCY,
                                                100 * B9_ONLINE[0])]
    s += ["", "Commands:", "", "```sh"] + bn.commands.get(9, []) + ["```"]
    return v, s


if __name__ == "__main__":
    import bench  # noqa: E402
    sys.exit(bench.main())
