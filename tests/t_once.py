"""t_once.py - `clanpopd --once` against the stand-in API: exact counts
under faults, limits under latency, 429 recovery, 403/404, snapshots."""

import json
import os
import re

from functional import (Standin, Tap, clanpopd, counts, snapshot, temp_files,
                        workdir, write_config)
import standin

t = Tap()
RETRIES = 3


def check_secret(r, token, what):
    t.ok(token not in r.stderr and token not in r.stdout,
         "%s: the token appears in no output" % what)


def files_hold(out, token):
    for root, _d, files in os.walk(out):
        for f in files:
            with open(os.path.join(root, f), "rb") as fp:
                if token.encode() in fp.read():
                    return True
    return False


# 1. Exact counts for several clans, every fault kind ----------------------
faults = {"0": "404", "1": "400", "2": "invalid_json", "3": "truncated",
          "4": "no_favourite", "5": "null_favourite", "6": "bad_favourite",
          "7": "fail_once", "8": "fail:2", "9": "500_json",
          "10": "503_html", "11": "502_html", "12": "504_html",
          "13": "503_json"}
scenario = {
    "latency_ms": 0,
    "clans": {
        "9V2Y": {"name": "Alpha", "members": 50, "faults": faults},
        "2PYLQ": {"name": "Beta \"q\" \\ \U0001F600 \u05e2\u05d1\u05e8\u05d9\u05ea",
                  "members": 7},
        "PQL9": {"name": "Gamma",
                 "members_list": ["#2Y0", "#2Y0", "nottag", "#2YP", "#2YQ"]},
    },
    "players": {
        "#2Y0": {"card": {"id": 26000017, "name": "Wizard"}},
        "#2YP": {"card": {"id": 26000017, "name": "Wizard"}},
        "#2YQ": {"card": {"id": 28000011, "name": "The Log"}},
    },
}
wd = workdir("once")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out,
             ["#9V2Y", "2pylq", "#PQL9"], limits__max_retries=RETRIES)
r = clanpopd(["--once", "-c", cfg], 0,
             "faults: exit 0 when every clan got a snapshot")
for tag in ("#9V2Y", "#2PYLQ", "#PQL9"):
    want = standin.expected(scenario, tag, RETRIES)
    got = counts(snapshot(out, tag))
    t.eq(got, {k: want[k] for k in got}, "faults: %s counts exact" % tag)
# The explicit clan, by hand: #2Y0 listed twice counts once, "nottag" fails.
g = snapshot(out, "#PQL9")
t.eq(counts(g), {"members": 4, "fetched": 3, "failed": 1,
                 "without_favourite": 0,
                 "favourite_cards": [
                     {"name": "Wizard", "id": 26000017, "count": 2},
                     {"name": "The Log", "id": 28000011, "count": 1}]},
     "faults: explicit clan counted by hand")
t.eq(g["complete"], False, "faults: a failed member makes it incomplete")
a = snapshot(out, "#9V2Y")
# 404, 400, invalid_json, truncated, 500_json, 503_html, 502_html,
# 504_html, 503_json fail; fail_once and fail:2 are retried into success.
t.eq((a["players"]["failed"], a["players"]["without_favourite"]), (9, 3),
     "faults: 9 failed and 3 without favourite in the 50-member clan")
t.eq(a["players"]["fetched"] - a["players"]["without_favourite"],
     sum(c["count"] for c in a["favourite_cards"]),
     "faults: card counts add up to fetched - without_favourite")
b = snapshot(out, "#2PYLQ")
t.eq(b["name"], scenario["clans"]["2PYLQ"]["name"],
     "faults: unicode clan name round-trips")
t.eq(b["complete"], True, "faults: a clean clan is complete")
t.eq(sorted(b.keys()), sorted(["tag", "name", "fetched_at", "duration_ms",
                               "members", "players", "complete",
                               "favourite_cards", "deck_cards"]),
     "snapshot: exactly the documented keys")
t.ok(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b["fetched_at"])
     is not None, "snapshot: fetched_at is an ISO-8601 UTC time")
t.eq(b["tag"], "#2PYLQ", "snapshot: tag normalised with '#'")
t.eq(temp_files(out), [], "faults: no temporary file left")
check_secret(r, api.token, "faults")
t.ok(not files_hold(out, api.token), "faults: the token is in no output file")
t.ok(re.search(r"#9V2Y: 50 members, 41 read, 0 unchanged since read, 9 failed, "
               r"3 without "
               r"favourite, 0 without deck, \d+ requests, \d+ retries",
               r.stderr) is not None,
     "faults: one summary line per clan")
st = api.stats()
# Players: 50 + 7 + 3 distinct, plus retries: fail_once 1, fail:2 2, and
# RETRIES for each of the 6 persistent retryable faults (truncated and 5xx).
t.eq(st["by_kind"], {"clan": 3, "player": 60 + 1 + 2 + 6 * RETRIES},
     "faults: exact requests sent, retries included")
api.stop()

# 2. Limits: peak in flight and the busiest second -------------------------
scenario = {"latency_ms": 60,
            "clans": {"9V2Y": {"name": "A", "members": 30},
                      "2PYLQ": {"name": "B", "members": 30}}}
wd = workdir("limits")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y", "#2PYLQ"],
             limits__max_concurrent=4)
r = clanpopd(["--once", "-c", cfg], 0, "latency: exit 0")
st = api.stats()
t.eq(st["peak_in_flight"], 4, "latency: peak in flight is max_concurrent (4)")
t.eq(st["requests"], 62, "latency: 62 requests for 2 clans of 30")
api.stop()

scenario = {"latency_ms": 0, "clans": {"9V2Y": {"name": "A", "members": 60}}}
wd = workdir("rate")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y"],
             limits__requests_per_second=20, limits__burst=5)
r = clanpopd(["--once", "-c", cfg], 0, "rate: exit 0")
st = api.stats()
t.ok(st["busiest_second"] <= 25,
     "rate: busiest second %d <= requests_per_second + burst (25)"
     % st["busiest_second"])
# 61 starts with 5 in the bucket need at least (61 - 5) / 20 = 2.8 s.
t.ok(r.elapsed >= 2.8, "rate: 61 requests at 20/s burst 5 take >= 2.8 s "
     "(took %.2f s)" % r.elapsed)
t.eq(counts(snapshot(out, "#9V2Y"))["fetched"], 60, "rate: all 60 fetched")
api.stop()

# 3. 429: pause, adapt, recover, with and without Retry-After --------------
for ra, name in ((1, "Retry-After: 1"), (None, "no Retry-After"),
                 ("date", "Retry-After as an HTTP-date")):
    scenario = {"latency_ms": 0,
                "rate_limit": {"per_second": 15, "retry_after": ra},
                "clans": {"9V2Y": {"name": "A", "members": 25,
                                   "faults": {"3": "no_favourite"}},
                          "2PYLQ": {"name": "B", "members": 20}}}
    wd = workdir("429")
    out = os.path.join(wd, "out")
    api = Standin(wd, scenario)
    cfg = os.path.join(wd, "c.yaml")
    # max_retries also bounds the 429s one request may meet in a row:
    # leave room for this deliberately heavy throttling.
    write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y", "#2PYLQ"],
                 limits__requests_per_second=100, limits__burst=100,
                 limits__max_retries=10)
    r = clanpopd(["--once", "-c", cfg], 0, "429 (%s): exit 0" % name,
                 timeout=180)
    st = api.stats()
    t.ok(st["by_status"].get("429", 0) > 0,
         "429 (%s): the server did throttle (%d times)"
         % (name, st["by_status"].get("429", 0)))
    for tag in ("#9V2Y", "#2PYLQ"):
        want = standin.expected(scenario, tag, 10)
        got = counts(snapshot(out, tag))
        t.eq(got, {k: want[k] for k in got},
             "429 (%s): %s counts exact" % (name, tag))
    t.ok("pausing every request" in r.stderr,
         "429 (%s): the pause is logged" % name)
    t.ok("request rate now" in r.stderr,
         "429 (%s): the lowered rate is logged" % name)
    api.stop()

# 4. 403 and 404: messages and exit 75; the previous snapshot survives -----
scenario = {"clans": {"9V2Y": {"name": "A", "members": 5}}}
wd = workdir("403")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y", "#QQQ"])
r = clanpopd(["--once", "-c", cfg], 75, "404 clan: exit 75")
t.ok(re.search(r"#QQQ: refresh failed, no snapshot written: HTTP 404 "
               r"\(notFound\): there is no clan with this tag", r.stderr)
     is not None, "404 clan: says there is no such clan")
t.ok(os.path.exists(os.path.join(out, "clans", "9V2Y.json")),
     "404 clan: the other clan still got its snapshot")
t.ok(not os.path.exists(os.path.join(out, "clans", "QQQ.json")),
     "404 clan: no snapshot for the unknown clan")
with open(os.path.join(out, "clans", "9V2Y.json"), "rb") as f:
    before = f.read()

with open(api.token_file, "w") as f:
    f.write("not-the-right-token\n")
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y"])
r = clanpopd(["--once", "-c", cfg], 75, "403 bad token: exit 75")
t.ok(re.search(r"#9V2Y: refresh failed, no snapshot written: HTTP 403 "
               r"\(accessDenied\): the API refused the token", r.stderr)
     is not None, "403 bad token: says to fix the token")
check_secret(r, "not-the-right-token", "403 bad token")
with open(os.path.join(out, "clans", "9V2Y.json"), "rb") as f:
    t.eq(f.read(), before, "403 bad token: the previous snapshot is intact")

with open(api.token_file, "w") as f:
    f.write(api.token + "\n")
api.set_scenario(dict(scenario, forbidden="invalidIp"))
r = clanpopd(["--once", "-c", cfg], 75, "403 invalidIp: exit 75")
t.ok(re.search(r"HTTP 403 \(accessDenied.invalidIp\): the API key does not "
               r"allow this host's IP address", r.stderr) is not None,
     "403 invalidIp: says to add the IP address")

api.set_scenario({"clans": {"9V2Y": {"fault": "503_html"}}})
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y"],
             limits__max_retries=1)
r = clanpopd(["--once", "-c", cfg], 75, "503 clan: exit 75 after retries")
t.ok("HTTP 503 after 1 retry" in r.stderr, "503 clan: status and retries "
     "are logged")
with open(os.path.join(out, "clans", "9V2Y.json"), "rb") as f:
    t.eq(f.read(), before, "503 clan: the previous snapshot is intact")
t.eq(temp_files(out), [], "failures: no temporary file left")
api.stop()

t.done()
