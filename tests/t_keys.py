"""t_keys.py - several API keys in one daemon, against the stand-in API
with a limit of 10 requests per second per key: throughput grows with
keys while each key stays inside its limit; a refused key is used once
and the others carry on; every key refused fails as one key does; a
reload that adds a key raises the rate and tries a refused key again."""

import calendar
import json
import os
import re
import secrets
import signal
import time

from functional import (TIME_SCALE, Daemon, Standin, Tap, clanpopd, scaled,
                        snapshot, workdir, write_config)
import promtext

t = Tap()

# The stand-in lets each key make 10 requests in any second; clanpopd is
# given a rate and a burst per key whose sum is that limit, so that no
# window of a key can go over it.
LIMIT = 10
RATE = 9
BURST = 1
TAGS = ["#9V2Y", "#2PYLQ", "#8QRUL", "#PQL9", "#CUV2", "#RGJ0"]


def scenario(members, **kw):
    sc = {"key_rate_limit": {"per_second": LIMIT, "retry_after": 1},
          "clans": {tag[1:]: {"members": members} for tag in TAGS}}
    sc.update(kw)
    return sc


def setup(name, sc, keys, tags=TAGS, **kw):
    wd = workdir(name)
    out = os.path.join(wd, "out")
    api = Standin(wd, sc, keys=keys)
    cfg = os.path.join(wd, "c.yaml")
    conf = {"limits__requests_per_second": RATE, "limits__burst": BURST}
    conf.update(kw)
    write_config(cfg, api.base_url, api.token_file, out, list(tags), **conf)
    return wd, out, api, cfg


def metrics(out):
    with open(os.path.join(out, "metrics.prom"), encoding="utf-8") as f:
        return promtext.parse(f.read())


def per_key(m, name, keys):
    return [promtext.value(m, name, key=str(k)) for k in keys]


def index_keys(out):
    with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
        return json.load(f)["keys"]


def secrets_seen(api, text):
    """The keys of which some 12 bytes appear in text."""
    return [n + 1 for n, k in enumerate(api.keys)
            if any(k[i:i + 12] in text for i in range(len(k) - 11))]


def output_text(out):
    found = ""
    for root, _d, files in os.walk(out):
        for f in files:
            with open(os.path.join(root, f), encoding="utf-8",
                      errors="replace") as fh:
                found += fh.read()
    return found


# 1. Three keys sustain three times the rate of one --------------------------
# 6 clans of 49 members: 300 requests, 100 on each key.  A key starts its
# first request at once (its burst of 1) and the other 99 at 9/s.
wd, out, api, cfg = setup("keys-rate", scenario(49), 3)
r = clanpopd(["--once", "-c", cfg], 0, "3 keys: --once exits 0")
st = api.stats()
ideal = (100 - BURST) / RATE
t.diag("3 keys: 300 requests in %.2f s, %.1f requests/s (ideal %.2f s, "
       "%d/s); per key %s" % (r.elapsed, 300 / r.elapsed, ideal, 3 * RATE,
                              json.dumps(st["per_key"])))
t.eq((st["requests"], st["by_status"]), (300, {"200": 300}),
     "3 keys: 300 requests, every one a 200 (no 429)")
t.ok(ideal <= r.elapsed <= ideal * (1 + 0.1 * TIME_SCALE),
     "3 keys: the run takes within 10%% of the ideal %.2f s (%.2f s: "
     "%.1f requests/s of %d)" % (ideal, r.elapsed, 300 / r.elapsed,
                                 3 * RATE))
t.eq({k: v["requests"] for k, v in st["per_key"].items()},
     {"1": 100, "2": 100, "3": 100}, "3 keys: 100 requests on each key")
busiest = {k: v["busiest_second"] for k, v in st["per_key"].items()}
t.ok(all(b <= BURST + RATE for b in busiest.values()),
     "3 keys: every key's busiest second <= burst + rate = %d (%s)"
     % (BURST + RATE, busiest))
m = metrics(out)
t.eq(per_key(m, "clanpopd_key_requests_total", (1, 2, 3)), [100.0] * 3,
     "3 keys: metrics count 100 requests per key")
t.eq(per_key(m, "clanpopd_key_throttled_total", (1, 2, 3)), [0.0] * 3,
     "3 keys: metrics count no 429")
t.eq(per_key(m, "clanpopd_key_request_rate", (1, 2, 3)), [9.0] * 3,
     "3 keys: each key's rate is the configured 9/s")
t.eq(promtext.value(m, "clanpopd_request_rate"), 27.0,
     "3 keys: the daemon's rate is their sum, 27/s")
t.eq(index_keys(out), [{"key": n, "state": "usable", "paused_until": None}
                       for n in (1, 2, 3)], "3 keys: index.json lists them")
t.eq([snapshot(out, tag)["players"] for tag in TAGS],
     [{"fetched": 49, "reused": 0, "failed": 0,
       "without_favourite": 0, "without_deck": 0}] * 6,
     "3 keys: every snapshot complete")
t.eq(secrets_seen(api, r.stderr + output_text(out)), [],
     "3 keys: no piece of any key in the log or the outputs")
api.stop()

# 2. One key of three refused ------------------------------------------------
wd, out, api, cfg = setup("keys-refused",
                          scenario(9, forbidden_keys={"2": "invalidIp"}), 3,
                          tags=TAGS[:2])
r = clanpopd(["-t", "-c", cfg], 0, "-t: exits 0 with 3 keys")
t.eq(r.stdout, "%s: configuration OK (2 clans, 3 API keys)\n" % cfg,
     "-t: says how many keys it read")
r = clanpopd(["--once", "-c", cfg], 0, "refused key: --once exits 0")
st = api.stats()
t.eq(st["per_key"]["2"], {"requests": 1, "by_status": {"403": 1},
                          "busiest_second": 1},
     "refused key: used once, refused once")
t.eq(st["per_key"]["1"]["requests"] + st["per_key"]["3"]["requests"], 20,
     "refused key: keys 1 and 3 carry the 20 requests")
t.ok(st["per_key"]["1"]["requests"] > 0 and st["per_key"]["3"]["requests"] > 0,
     "refused key: both of them (%d and %d)" % (st["per_key"]["1"]["requests"],
                                               st["per_key"]["3"]["requests"]))
t.eq(re.findall(r"(?:warning|error): (key \d.*)$", r.stderr, re.M),
     ["key 2 (line 2 of %s): refused by the API (accessDenied.invalidIp): "
      "it is not allowed from this address; the other 2 keys carry on"
      % api.token_file], "refused key: logged once, as a warning")
t.eq(sorted(re.findall(r"^\S+ #\w+: 9 members, .* without favourite, 0 without deck, "
                      r"(\d+ requests(?: \([^)]*\))?), 0 retries", r.stderr,
                      re.M)),
     ["10 requests", "11 requests (1 on a refused key)"],
     "refused key: the refresh that met it counts its request apart")
m = metrics(out)
t.eq([promtext.value(m, "clanpopd_requests_total", status=s)
      for s in ("2xx", "4xx", "429", "5xx", "error")], [20.0, 1.0, 0.0, 0.0, 0.0],
     "refused key: 20 answers of 2xx and the one 403")
t.eq([promtext.value(m, "clanpopd_retries_total"),
      promtext.value(m, "clanpopd_throttle_pauses_total")], [0.0, 0.0],
     "refused key: counted neither as a retry nor as a pause")
t.eq(per_key(m, "clanpopd_key_usable", (1, 2, 3)), [1.0, 0.0, 1.0],
     "refused key: metrics say key 2 is not usable")
t.eq(per_key(m, "clanpopd_key_requests_total", (2,)), [1.0],
     "refused key: metrics count its one request")
t.eq(index_keys(out), [{"key": 1, "state": "usable", "paused_until": None},
                       {"key": 2, "state": "refused", "paused_until": None},
                       {"key": 3, "state": "usable", "paused_until": None}],
     "refused key: index.json says it is refused")
t.eq([snapshot(out, tag)["players"] for tag in TAGS[:2]],
     [{"fetched": 9, "reused": 0, "failed": 0,
       "without_favourite": 0, "without_deck": 0}] * 2,
     "refused key: no player failed")

# A key twice in the token file: refused, naming both lines, not the key.
with open(api.token_file, "w") as f:
    f.write("# keys\n%s\n%s\n\n%s\n" % (api.keys[0], api.keys[1], api.keys[0]))
r = clanpopd(["-t", "-c", cfg], 78, "duplicate key: -t exits 78")
t.eq(r.stderr, "%s: lines 2 and 5 hold the same key; remove one of them "
     "(each key counts once)\n" % api.token_file,
     "duplicate key: the error names both lines")
api.stop()

# 3. Every key refused: the failure of one refused key -----------------------
ERROR = ("HTTP 403 (accessDenied.invalidIp): the API key does not allow this "
         "host's IP address: add the address to the key on the developer "
         "portal, or use a proxy base_url with a key made for the proxy "
         "(GET %s/clans/%%239V2Y)")
for nkeys in (1, 3):
    forbid = {str(n): "invalidIp" for n in range(1, nkeys + 1)}
    wd, out, api, cfg = setup("keys-all-refused", scenario(
        3, forbidden_keys=forbid), nkeys, tags=TAGS[:1])
    r = clanpopd(["--once", "-c", cfg], 75,
                 "%d of %d keys refused: --once exits 75" % (nkeys, nkeys))
    with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
        t.eq(json.load(f)["clans"][0]["last_error"], ERROR % api.base_url,
             "%d of %d keys refused: last_error as with one key"
             % (nkeys, nkeys))
    t.eq(re.findall(r"error: (#9V2Y: refresh failed.*)$", r.stderr, re.M),
         ["#9V2Y: refresh failed, no snapshot written: " +
          ERROR % api.base_url],
         "%d of %d keys refused: the refresh fails as with one key"
         % (nkeys, nkeys))
    t.eq(api.stats()["requests"], nkeys,
         "%d of %d keys refused: one request on each" % (nkeys, nkeys))
    t.eq(re.findall(r"(?:warning|error): (key \d.*)$", r.stderr, re.M),
         [] if nkeys == 1 else [
             "key 1 (line 1 of %s): refused by the API (accessDenied.invalidIp)"
             ": it is not allowed from this address; the other 2 keys carry on"
             % api.token_file,
             "key 2 (line 2 of %s): refused by the API (accessDenied.invalidIp)"
             ": it is not allowed from this address; the other key carries on"
             % api.token_file,
             "key 3 (line 3 of %s): refused by the API (accessDenied.invalidIp)"
             ": it is not allowed from this address; no key is left: every "
             "request fails until the token file holds a key the API accepts "
             "and clanpopd is reloaded" % api.token_file],
         "%d of %d keys refused: the keys' log lines" % (nkeys, nkeys))
    api.stop()


# 4. A reload adds a key and the rate grows; a refused key is tried again --
def rate_over(api, seconds):
    """Requests per second the stand-in saw over the next seconds."""
    a = api.stats()["requests"]
    time.sleep(seconds)
    return (api.stats()["requests"] - a) / seconds


# The 6 clans start 10/6 s apart and ask for 300 requests every 10 s:
# more than even 3 keys carry, so requests wait all along.
wd, out, api, cfg = setup("keys-reload",
                          scenario(49, forbidden_keys={"2": "invalidIp"}), 2,
                          schedule__interval="10s", schedule__jitter="0%",
                          schedule__stop_grace="1s")
d = Daemon(cfg, wd)
t.ok(d.wait_log(r"key 2 \(line 2 of .*\): refused by the API", timeout=10)
     is not None, "reload: key 2 refused at first")
before = rate_over(api, 3)
# Key 2 is let in from this address, a key is added, and a comment moves
# every key one line down.
new = "tok3-" + secrets.token_hex(16)
with open(api.server_token_file, "w") as f:
    f.write("".join(k + "\n" for k in api.keys + [new]))
api._call("POST", "token", {})
api.set_scenario(scenario(49))
with open(api.token_file, "w") as f:
    f.write("# the keys of this host\n" +
            "".join(k + "\n" for k in api.keys + [new]))
api.keys.append(new)
d.signal(signal.SIGHUP)
t.ok(d.wait_log(r"reloaded ", timeout=5) is not None, "reload: accepted")
time.sleep(0.5)
after = rate_over(api, 3)
t.diag("reload: %.1f requests/s with 1 usable key, %.1f with 3" %
       (before, after))
t.ok(before <= (BURST + RATE * 3) / 3 + 0.5,
     "reload: one usable key, at most its rate before (%.1f/s)" % before)
t.ok(after >= 2.5 * before,
     "reload: with 3 keys the rate grows about threefold (%.1f/s -> %.1f/s)"
     % (before, after))
t.ok(d.wait_log(r"#RGJ0: 49 members", timeout=40) is not None and
     all(d.wait_log(r"%s: 49 members" % tag, timeout=5) for tag in TAGS),
     "reload: every clan refreshed")
st = api.stats()
t.eq(sorted(st["per_key"]), ["1", "2", "3"], "reload: all three keys used")
t.ok(st["per_key"]["2"]["by_status"].get("200", 0) > 0,
     "reload: the refused key, back in the file, is tried again (%s)"
     % st["per_key"]["2"])
t.eq(st["by_status"].get("429", 0), 0, "reload: no 429")
busiest = {k: v["busiest_second"] for k, v in st["per_key"].items()}
t.ok(all(b <= BURST + RATE for b in busiest.values()),
     "reload: every key's busiest second <= burst + rate (%s)" % busiest)
t.eq([snapshot(out, tag)["players"] for tag in TAGS],
     [{"fetched": 49, "reused": 0, "failed": 0,
       "without_favourite": 0, "without_deck": 0}] * 6,
     "reload: no request in flight was lost")
m = metrics(out)
t.eq([promtext.value(m, "clanpopd_requests_total", status=s)
      for s in ("429", "5xx", "error")], [0.0, 0.0, 0.0],
     "reload: no 429, no error")
t.eq(index_keys(out), [{"key": n, "state": "usable", "paused_until": None}
                       for n in (2, 3, 4)],
     "reload: index.json names the keys by their new lines")
d.stop("reload: exit 0 on SIGTERM")
t.eq(secrets_seen(api, d.log() + output_text(out)), [],
     "reload: no piece of any key in the log or the outputs")
api.stop()

# 5. A 429 pauses its key only ----------------------------------------------
# Every request gets a 429 asking for 30 s: key 1's pause does not hold up
# key 2, which then meets its own.
wd, out, api, cfg = setup("keys-paused", {
    "rate_limit": {"per_second": 0, "retry_after": 30},
    "clans": {"9V2Y": {"members": 1}}}, 2, tags=TAGS[:1],
    schedule__stop_grace="0s")
d = Daemon(cfg, wd)
found = d.wait_log(r"HTTP 429 \(requestThrottled\): pausing (key \d) for "
                   r"30\.0 s$", timeout=10, count=2)
t.eq(found, ["key 1", "key 2"], "paused: each key paused in turn, by name")
deadline = time.time() + scaled(5)
while True:
    keys = index_keys(out)
    if all(k["state"] == "paused" for k in keys) or time.time() > deadline:
        break
    time.sleep(0.05)
now = time.time()
until = [calendar.timegm(time.strptime(k["paused_until"], "%Y-%m-%dT%H:%M:%SZ"))
         if k["paused_until"] else None for k in keys]
t.eq([(k["key"], k["state"]) for k in keys], [(1, "paused"), (2, "paused")],
     "paused: index.json says both keys are paused")
t.ok(all(u is not None and now + 27 <= u <= now + 32 for u in until),
     "paused: paused_until is about 30 s ahead (%s)"
     % [None if u is None else round(u - now, 1) for u in until])
# metrics.prom comes from the same report as index.json, its time taken
# apart: a second may tick between the two.
while (0.0 in per_key(metrics(out), "clanpopd_key_paused_until_timestamp_seconds",
                      (1, 2)) and time.time() < deadline):
    time.sleep(0.05)
pm = per_key(metrics(out), "clanpopd_key_paused_until_timestamp_seconds", (1, 2))
t.ok(None not in until and [p - u for p, u in zip(pm, until)] in
     ([0, 0], [0, 1], [1, 1]),
     "paused: metrics.prom's paused_until is index.json's (%s, %s)" % (pm, until))
t.eq(api.stats()["requests"], 2, "paused: one request on each key, no more")
d.stop("paused: exit 0 on SIGTERM")
api.stop()
t.done()
