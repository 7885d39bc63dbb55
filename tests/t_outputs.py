"""t_outputs.py - index.json and metrics.prom, parsed: every field and
metric a dashboard reads, label escaping, and restart from disk."""

import json
import os

from functional import Standin, Tap, clanpopd, workdir, write_config
import promtext

t = Tap()

odd = "Wiz\"ard\\ \u2728\nnew line"
scenario = {
    "clans": {
        "9V2Y": {"name": "Alpha \"A\" \\ \u05e2\u05d1\u05e8\u05d9\u05ea",
                 "members_list": ["#2Y0", "#2YP", "#2YQ", "#2YR"]},
        "2PYLQ": {"fault": "404"},
    },
    "players": {
        "#2Y0": {"card": {"id": 26000017, "name": odd}},
        "#2YP": {"card": {"id": 26000017, "name": odd}},
        "#2YQ": {"card": {"id": 28000011, "name": "The Log"}},
        "#2YR": {"fault": "no_favourite"},
    },
}
wd = workdir("outputs")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out,
             [{"tag": "#9V2Y", "name": "Mine"}, "#2PYLQ"])
r = clanpopd(["--once", "-c", cfg], 75,
             "--once: exit 75 as one clan is unknown")

with open(os.path.join(out, "index.json"), "rb") as f:
    idx = json.loads(f.read().decode("utf-8"))
t.eq(sorted(idx.keys()), ["clans", "generated_at", "history", "keys",
                          "profiles", "started_at", "version"],
     "index: top-level keys")
t.eq(idx["history"], {"database": "history.sqlite", "ok": True,
                      "error": None}, "index: the history database works")
t.eq(idx["keys"], [{"key": 1, "state": "usable", "paused_until": None}],
     "index: the one API key, usable")
t.eq(idx["version"], "0.1.0", "index: version")
a, b = idx["clans"]
t.eq(sorted(a.keys()), sorted(["tag", "name", "label", "snapshot",
                               "last_success", "last_attempt", "last_error",
                               "consecutive_failures", "interval_s",
                               "complete", "reused"]),
     "index: per-clan keys")
t.eq((a["tag"], a["name"], a["label"], a["snapshot"], a["last_error"],
      a["consecutive_failures"], a["complete"]),
     ("#9V2Y", scenario["clans"]["9V2Y"]["name"], "Mine", "clans/9V2Y.json",
      None, 0, True), "index: the refreshed clan")
t.eq((a["interval_s"], b["interval_s"]), (900, 900),
     "index: interval_s is schedule.interval in seconds")
t.ok(a["last_success"] is not None and a["last_success"] == a["last_attempt"],
     "index: last_success is the last attempt")
t.eq((b["tag"], b["name"], b["snapshot"], b["last_success"],
      b["consecutive_failures"], b["complete"]),
     ("#2PYLQ", None, None, None, 1, None), "index: the failed clan")
t.eq(b["last_error"], "HTTP 404 (notFound): there is no clan with this tag; "
     "check the tag in the configuration (GET %s/clans/%%232PYLQ)"
     % api.base_url, "index: last_error is a sentence with the URL")

with open(os.path.join(out, "metrics.prom"), encoding="utf-8") as f:
    text = f.read()
try:
    m = promtext.parse(text)
    t.ok(True, "metrics: parses as the Prometheus text format")
except promtext.ParseError as e:
    m = {"types": {}, "help": {}, "samples": []}
    t.ok(False, "metrics: parses as the Prometheus text format: %s" % e)
V = promtext.value
t.eq(V(m, "clanpopd_favourite_card_players", clan="#9V2Y", card=odd,
       card_id="26000017"), 2.0, "metrics: card label escaped and counted")
t.eq(V(m, "clanpopd_favourite_card_players", clan="#9V2Y", card="The Log",
       card_id="28000011"), 1.0, "metrics: second card")
t.eq([V(m, "clanpopd_clan_players", clan="#9V2Y", state=s)
      for s in ("fetched", "failed", "without_favourite")], [4.0, 0.0, 1.0],
     "metrics: players by state")
t.eq(V(m, "clanpopd_clan_members", clan="#9V2Y"), 4.0, "metrics: members")
t.eq(V(m, "clanpopd_clan_consecutive_failures", clan="#2PYLQ"), 1.0,
     "metrics: failures of the unknown clan")
t.eq(V(m, "clanpopd_clan_last_success_timestamp_seconds", clan="#2PYLQ"),
     0.0, "metrics: never refreshed is 0")
t.eq(V(m, "clanpopd_requests_total", status="2xx"), 5.0,
     "metrics: 5 answers of 2xx")
t.eq(V(m, "clanpopd_requests_total", status="4xx"), 1.0,
     "metrics: 1 answer of 4xx")
t.eq(V(m, "clanpopd_clans"), 2.0, "metrics: clans configured")
t.eq([V(m, "clanpopd_history_writes_total", result=r)
      for r in ("success", "failure")] + [V(m, "clanpopd_history_ok")],
     [1.0, 0.0, 1.0], "metrics: one snapshot recorded in the history")
lag = [V(m, "clanpopd_loop_lag_seconds_bucket", le=b) for b in
       ("0.0005", "0.001", "0.005", "0.01", "0.05", "0.1", "0.5", "1", "+Inf")]
t.eq((m["types"].get("clanpopd_loop_lag_seconds"), lag == sorted(lag),
      lag[-1] == V(m, "clanpopd_loop_lag_seconds_count"), lag[-1] >= 1),
     ("histogram", True, True, True),
     "metrics: loop lag histogram, cumulative, +Inf = count, turns counted")
t.eq([V(m, "clanpopd_key_requests_total", key="1"),
      V(m, "clanpopd_key_throttled_total", key="1"),
      V(m, "clanpopd_key_request_rate", key="1"),
      V(m, "clanpopd_key_usable", key="1")], [6.0, 0.0, 0.0, 1.0],
     "metrics: key 1 sent the 6 requests, no 429, no rate limit, usable")
t.eq({n: m["types"].get(n) for n in ("clanpopd_requests_total",
                                      "clanpopd_retries_total",
                                      "clanpopd_clan_members")},
     {"clanpopd_requests_total": "counter", "clanpopd_retries_total":
      "counter", "clanpopd_clan_members": "gauge"}, "metrics: types")

# A restart reads the snapshot on disk: last_success survives.
r = clanpopd(["-t", "-c", cfg], 0, "restart: -t passes")
api.set_scenario(dict(scenario, clans={"9V2Y": {"fault": "503_json"},
                                       "2PYLQ": {"fault": "404"}}))
write_config(cfg, api.base_url, api.token_file, out,
             [{"tag": "#9V2Y", "name": "Mine"}, "#2PYLQ"],
             limits__max_retries=0)
r = clanpopd(["--once", "-c", cfg], 75,
             "restart: exit 75 as neither clan gets a snapshot")
with open(os.path.join(out, "index.json")) as f:
    idx2 = json.load(f)
t.eq(idx2["clans"][0]["last_success"], a["last_success"],
     "restart: last_success comes from the snapshot on disk")
t.eq(idx2["clans"][0]["last_error"], "HTTP 503 (inMaintenance) (GET "
     "%s/clans/%%239V2Y)" % api.base_url, "restart: the new error is shown")
api.stop()
t.done()
