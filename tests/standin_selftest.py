#!/usr/bin/env python3
"""Self-check of tests/standin.py (TAP output; exit 0 when all pass), run
by make check: nearly every functional assertion rests on its expected().

    python3 tests/standin_selftest.py [--bench SECONDS]

Starts the stand-in on a port file, talks to it with curl (and a small
Python client for the expected() cross-check), stops it with SIGTERM.
--bench also measures throughput of 25 KB player bodies with a separate
client process (not run by default).
"""
import hashlib
import http.client
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import standin  # noqa: E402

TOKEN = "s3cr3t-T0KEN-do-not-print"
n_test = 0
n_fail = 0


def ok(cond, name, diag=None):
    global n_test, n_fail
    n_test += 1
    print(f"{'ok' if cond else 'not ok'} {n_test} - {name}")
    if not cond:
        n_fail += 1
        if diag is not None:
            for line in str(diag).splitlines():
                print(f"#   {line}")
    return cond


SCENARIO = {
    "clans": {
        "9V2Y": {"name": "Alpha", "members": 50},
        "2PYLQ": {"name": "Beta \"q\" \\ 😀 עברית", "members": 12,
                  "faults": {"0": "404", "1": "400", "2": "403", "3": "no_favourite",
                             "4": "null_favourite", "5": "bad_favourite", "6": "500_json",
                             "7": "fail_once", "8": "fail:2", "9": "fail:5",
                             "10": "truncated", "11": ["slow:50", "invalid_json"]}},
        "8QRUL": {"fault": "500_json"},
        "2QQ": {"fault": "fail_once", "members": 3},
        "PQL9": {"members_list": ["#2Y0", "#2y0", "nottag", None, "#8Q0"]},
        "2VVV": {"members": 16, "faults": {
            "0": "no_deck", "1": "null_deck", "2": "bad_deck", "3": "empty_deck",
            "4": "deck_repeat", "5": "deck_ninth", "6": "deck_no_id", "7": "deck_id:2147483648",
            "8": "deck_id:-1", "9": "deck_id:1.5", "10": ["no_favourite", "deck_name:nul"],
            "11": "deck_name:ctrl", "12": "deck_name:long", "13": "deck_name:max",
            "14": "deck_name:over", "15": ["fail_once", "deck_repeat"]}},
    },
    "players": {"#2Y0": {"card": {"id": 26000017, "name": "Wizard"}},
                "#8Q0": {"fault": "truncated"},
                "#GGG": {"fault": "fail_once"}},
}


class Curl:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def run(self, path, token=TOKEN, method="GET", data=None, extra=()):
        """-> (curl exit code, status, headers dict (lower-case), body bytes)."""
        with tempfile.NamedTemporaryFile() as hf, tempfile.NamedTemporaryFile() as bf:
            cmd = ["curl", "-sS", "-o", bf.name, "-D", hf.name, "-X", method, *extra]
            if token is not None:
                # header from a file-like arg so the token is not on the command line
                cmd += ["-H", "@-"]
            if data is not None:
                cmd += ["--data-binary", data if isinstance(data, str) else data.decode()]
            cmd.append(self.base + path)
            p = subprocess.run(cmd, input=(f"Authorization: Bearer {token}\n" if token is not None else ""),
                               text=True, capture_output=True)
            hdr = open(hf.name, "rb").read().decode("latin-1")
            body = open(bf.name, "rb").read()
        status = None
        headers = {}
        for line in hdr.split("\r\n"):
            if line.startswith("HTTP/"):
                status = int(line.split()[1])
                headers = {}
            elif ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        return p.returncode, status, headers, body

    def json(self, path, **kw):
        rc, st, h, b = self.run(path, **kw)
        return st, json.loads(b)


def start(tmp, scenario, extra=()):
    scen = os.path.join(tmp, "scenario.json")
    with open(scen, "w", encoding="utf-8") as fh:
        json.dump(scenario, fh, ensure_ascii=False)
    tok = os.path.join(tmp, "token")
    with open(tok, "w") as fh:
        fh.write(TOKEN + "\n")
    pf = os.path.join(tmp, "port")
    log = os.path.join(tmp, "log")
    errf = open(os.path.join(tmp, "stderr"), "w")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "standin.py"), "--scenario", scen,
                             "--token-file", tok, "--port", "0", "--port-file", pf, "--log", log, *extra],
                            stdout=errf, stderr=errf)
    deadline = time.monotonic() + 30
    while not os.path.exists(pf):
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit("Bail out! the stand-in did not start; see %s" % tmp)
        time.sleep(0.05)
    port = int(open(pf).read())
    return proc, port, pf, log


class MiniClient:
    """What a correct client does: retries 5xx (and 429) up to R times."""

    def __init__(self, port, retries):
        self.port, self.retries = port, retries

    def get(self, path):
        for attempt in range(self.retries + 1):
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                c.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}"})
                r = c.getresponse()
                body = r.read()
                status = r.status
            except (http.client.HTTPException, OSError):
                return None  # truncated etc.: not retried
            finally:
                c.close()
            if status == 200:
                try:
                    return json.loads(body)
                except ValueError:
                    return None
            if status < 500 and status != 429:
                return None
        return None

    def snapshot(self, clan):
        import urllib.parse
        q = urllib.parse.quote(standin.normalise_tag(clan))
        c = self.get(f"/v1/clans/{q}")
        if c is None:
            return None
        seen = set()
        res = {"members": 0, "fetched": 0, "failed": 0, "without_favourite": 0, "without_deck": 0}
        counts, decks = {}, {}
        for m in c["memberList"]:
            t = standin.normalise_tag(m.get("tag"))
            if t is None:
                res["members"] += 1
                res["failed"] += 1
                continue
            if t in seen:
                continue
            seen.add(t)
            res["members"] += 1
            p = self.get("/v1/players/" + urllib.parse.quote(t))
            if p is None:
                res["failed"] += 1
                continue
            res["fetched"] += 1
            deck = self.deck(p)
            if deck is None:
                res["without_deck"] += 1
            for i, name in (deck or {}).items():
                decks.setdefault(i, {"name": name, "id": i, "count": 0})["count"] += 1
            f = p.get("currentFavouriteCard")
            if not isinstance(f, dict) or not isinstance(f.get("id"), int):
                res["without_favourite"] += 1
                continue
            e = counts.setdefault(f["id"], {"name": f["name"], "id": f["id"], "count": 0})
            e["count"] += 1
        res["favourite_cards"] = sorted(counts.values(), key=lambda e: (-e["count"], e["name"], e["id"]))
        res["deck_cards"] = sorted(decks.values(), key=lambda e: (-e["count"], e["name"], e["id"]))
        return res

    @staticmethod
    def deck(p):
        """{id: name} of the distinct cards of a profile's currentDeck, read
        by the spec's rules, or None when it has no usable deck: not an
        array, no entry with an id, or refused (an id that is not a whole
        number from 1 to 2147483647, a name empty or over 100 bytes once a
        NUL is shown as U+FFFD, more than 8 distinct cards)."""
        d = p.get("currentDeck")
        if not isinstance(d, list):
            return None
        got = {}
        for c in d:
            if not isinstance(c, dict) or c.get("id") is None:
                continue
            if type(c["id"]) is not int or not 1 <= c["id"] <= 2147483647:
                return None
            name = c.get("name")
            if isinstance(name, str):
                name = name.replace("\0", "\ufffd")
                if not 0 < len(name.encode()) <= 100:
                    return None
            got[c["id"]] = name
        return got if 0 < len(got) <= 8 else None


def bench(port, seconds):
    """Separate client process: 8 keep-alive connections hammering players."""
    code = r'''
import http.client, sys, threading, time, json
port, secs, token, tags = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
n = [0]; nbytes = [0]; lock = threading.Lock(); stop = time.monotonic() + secs
def w(k):
    c = http.client.HTTPConnection("127.0.0.1", port)
    i = k; mine = 0; b = 0
    while time.monotonic() < stop:
        t = tags[i % len(tags)]; i += 1
        c.request("GET", "/v1/players/%23" + t[1:], headers={"Authorization": "Bearer " + token})
        r = c.getresponse(); d = r.read(); assert r.status == 200, r.status
        mine += 1; b += len(d)
    with lock: n[0] += mine; nbytes[0] += b
ts = [threading.Thread(target=w, args=(k,)) for k in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print(json.dumps({"requests": n[0], "rps": n[0] / secs, "avg_bytes": nbytes[0] / max(1, n[0])}))
'''
    tags = [t for t in standin.Scenario(SCENARIO).clans["#9V2Y"].tags]
    out = subprocess.run([sys.executable, "-c", code, str(port), str(seconds), TOKEN, json.dumps(tags)],
                         capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else out.stderr


DRIFT = dict(SCENARIO, drift={"seed": 7, "period": 3})


def drift_points(cu, port):
    """Drift: a player's favourite follows its answer count, as the model
    and expected(refresh=k) say; without drift it never changes."""
    sd = standin.Scenario(DRIFT)
    tags = sd.clans["#9V2Y"].tags
    phase = [int.from_bytes(hashlib.sha256(f"phase:7:{t}".encode()).digest()[:8], "big") % 3
             for t in tags]
    ok([sd.drift_epoch(t, 1) for t in tags] == [1 if ph == 2 else 0 for ph in phase],
       "drift: at the second answer the players of phase 2 move on, the others stay")
    cu.run("/_/scenario", token=None, method="POST", data=json.dumps(DRIFT))
    cu.run("/_/reset", token=None, method="POST")
    t0 = tags[0].replace("#", "%23")
    got = [cu.json("/v1/players/" + t0)[1]["currentFavouriteCard"]["id"] for _ in range(7)]
    want = [sd.favourite_of(tags[0], n)[0] for n in range(7)]
    ok(got == want and len(set(want)) > 1, f"drift: one player's favourites over 7 answers {got}", want)
    cu.run("/_/reset", token=None, method="POST")
    snaps = [MiniClient(port, 3).snapshot("9V2Y") for _ in range(3)]
    exps = [standin.expected(DRIFT, "9V2Y", 3, k, decks=True) for k in range(3)]
    ok(snaps == exps, "drift: three refreshes == expected(refresh=0, 1, 2)",
       f"real {snaps}\nexp  {exps}")
    moved = sum(sd.favourite_of(t, 0)[0] != sd.favourite_of(t, 1)[0] for t in tags)
    ok(exps[0]["favourite_cards"] != exps[1]["favourite_cards"] and moved == 22,
       f"drift: {moved} of 50 favourites change from refresh 0 to 1")
    st, j = cu.json("/_/expected?clan=%239V2Y&retries=3&refresh=2", token=None)
    ok(j == exps[2], "/_/expected?refresh=2")
    cu.run("/_/scenario", token=None, method="POST", data=json.dumps(SCENARIO))
    got = [cu.json("/v1/players/" + t0)[1]["currentFavouriteCard"]["id"] for _ in range(3)]
    ok(got == [standin.Scenario(SCENARIO).favourite_of(tags[0])[0]] * 3,
       f"without drift a favourite never changes {got}")


ACT = {"activity": {"seed": 3, "online": 0.3}, "max_age": 0,
       "clans": {"9V2Y": {"members": 50},
                 "PQL9": {"members_list": ["#2Y0", "#2y0", "nottag", None, "#8Q0"]}},
       "players": {"#9UG20PRGQ": {"liar": True}, "#98YU9UVPL": {"card": 28000011}}}
LIAR, CARD = "#9UG20PRGQ", "#98YU9UVPL"


def h64(*parts):
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


def on(tag, j):
    """The activity rule of ACT, written out again: 30 % online."""
    return j >= 1 and h64("online", 3, tag, j) % 1000000 < 300000


def stamp(t):
    return time.strftime("%Y%m%dT%H%M%S.000Z", time.gmtime(t))


def act_truth(tags, times):
    """{tag: (lastSeen, favourite id)} at epoch len(times) - 1 by the rule."""
    k = len(times) - 1
    out = {}
    for t in tags:
        last = [j for j in range(1, k + 1) if on(t, j)]
        seen = times[last[-1]] if last else times[0] - 60 - h64("seen", 3, t) % 86400
        e = k if t == LIAR else len(last)
        fav = standin.generated_favourite(t if e == 0 else f"{t}:act:3:{e}")
        out[t] = (stamp(seen), 28000011 if t == CARD else fav)
    return out


def act_observe(cu, port, tags):
    """({tag: (lastSeen, favourite id)}, {tag: deck ids}, snapshot) as a
    client sees them now."""
    st, clan = cu.json("/v1/clans/%239V2Y")
    seen = {m["tag"]: m["lastSeen"] for m in clan["memberList"]}
    c = http.client.HTTPConnection("127.0.0.1", port)
    got, decks = {}, {}
    for t in tags:
        c.request("GET", "/v1/players/" + t.replace("#", "%23"),
                  headers={"Authorization": f"Bearer {TOKEN}"})
        p = json.loads(c.getresponse().read())
        got[t] = (seen[t], p["currentFavouriteCard"]["id"])
        decks[t] = [d["id"] for d in p["currentDeck"]]
    c.close()
    return got, decks, MiniClient(port, 3).snapshot("9V2Y")


def refusals(bad, name):
    """One point: each scenario of bad [(raw, sentence)] is refused with
    its sentence."""
    msgs = []
    for raw, msg in bad:
        try:
            standin.Scenario(raw)
            msgs.append(None)
        except standin.ScenarioError as e:
            msgs.append(str(e) == msg or str(e))
    ok(msgs == [True] * len(bad), name, msgs)


def act_refused(cu):
    """Scenarios with a bad activity, liar or max_age are refused."""
    bad = [({"activity": {"online": 0.5}, "drift": {"seed": 1}},
            "activity and drift exclude each other: give one of them"),
           ({"activity": {"online": 1.5}}, None), ({"activity": {"online": "x"}}, None),
           ({"activity": {"seed": "1", "online": 0.5}}, None), ({"activity": {"seed": 1}}, None),
           ({"activity": {"online": 0.5, "period": 2}}, None),
           ({"players": {"#2Y0": {"liar": "yes"}}}, "players.#2Y0.liar: true or false"),
           ({"max_age": -1}, None), ({"max_age": "60"}, None), ({"max_age": True}, None)]
    want = 'activity: null or {"seed": integer, "online": a number from 0 to 1}'
    maxage = "max_age: an integer >= 0 (seconds), or null for no Cache-Control"
    refusals([(raw, msg or (maxage if "max_age" in raw else want)) for raw, msg in bad],
             "bad activity / liar / max_age scenarios refused with their sentence")
    rc, st, h, b = cu.run("/_/scenario", token=None, method="POST", data=json.dumps(dict(
        ACT, drift={"seed": 1, "period": 2})))
    ok(st == 400 and json.loads(b)["message"] == bad[0][1], "POST activity + drift -> 400", b)


def act_epoch(cu, times, epochs):
    """POST /_/epoch: the next epoch in a later second than the last epoch
    and the last API answer, answered after it."""
    t_read = time.time()
    cu.run("/v1/clans/%23PQL9")
    t_call = time.time()
    st, j = cu.json("/_/epoch", token=None, method="POST")
    t_done = time.time()
    sc = standin.Scenario(ACT)
    k = len(times)
    want = {ct: [t for t in ({"#9V2Y": sc.clans["#9V2Y"].tags, "#PQL9": ["#2Y0", "#8Q0"]}[ct])
                 if on(t, k)] for ct in ("#9V2Y", "#PQL9")}
    ok(st == 200 and j["epoch"] == k and j["online"] == want and j["time"] > times[-1]
       and j["time"] >= math.floor(t_call) and j["time"] > math.floor(t_read)
       and math.floor(t_done) > j["time"]
       and t_done - t_call < 3.0,
       f"/_/epoch {k}: time {j['time']} after t_{k - 1} {times[-1]} and a read at {t_read:.3f}, "
       f"answered in a later second "
       f"({t_done:.3f}, {t_done - t_call:.2f} s), online {[len(v) for v in j['online'].values()]}",
       json.dumps(j))
    times.append(j["time"])
    epochs.append(j)


def activity_points(cu, port):
    """Activity epochs: lastSeen, favourites and decks per epoch, the
    liar, /_/epoch, /_/activity, /_/expected, max_age, reset."""
    act_refused(cu)
    t_before = time.time()
    rc, st, h, b = cu.run("/v1/clans/%239V2Y")
    t_after = time.time()
    seen = {m["lastSeen"] for m in json.loads(b)["memberList"]}
    ok(len(seen) == 1 and seen <= {stamp(math.floor(t_before)), stamp(math.floor(t_after))},
       f"without activity every lastSeen is the second of the answer {seen}")
    cu.run("/_/scenario", token=None, method="POST", data=json.dumps(ACT))
    t_before = time.time()
    cu.run("/_/reset", token=None, method="POST")
    t_after = time.time()
    st, a0 = cu.json("/_/activity?clan=%239V2Y", token=None)
    ok(a0["epoch"] == 0 and a0["online"] == [] and math.floor(t_before) <= a0["time"] <= t_after,
       f"after reset: epoch 0 began at {a0['time']}, nobody online", a0)
    tags = standin.Scenario(ACT).clans["#9V2Y"].tags
    times, epochs, views, decks, snaps = [a0["time"]], [], [], [], []
    for k in range(4):
        if k:
            act_epoch(cu, times, epochs)
        got, dk, snap = act_observe(cu, port, tags)
        views.append(got)
        decks.append(dk)
        snaps.append(snap)
        truth = act_truth(tags, times)
        ok(got == truth, f"epoch {k}: lastSeen and favourite of all 50 members as the rule says",
           "\n".join(f"{t}: {got[t]} != {truth[t]}" for t in tags if got[t] != truth[t]))
    for k in range(1, 4):
        onl = {t for t in tags if on(t, k)}
        fav = {t for t in tags if views[k][t][1] != views[k - 1][t][1]}
        deck = {t for t in tags if decks[k][t] != decks[k - 1][t]}
        last = {t for t in tags if views[k][t][0] != views[k - 1][t][0]}
        ok(fav - {LIAR} <= onl and deck - {LIAR} <= onl and last == onl and len(fav - {LIAR}) >= 5
           and len(deck) >= 5 and LIAR in fav and LIAR in deck and LIAR not in onl | last
           and CARD not in fav,
           f"epoch {k}: {len(onl)} online, {len(last)} lastSeen moved to t_{k}, "
           f"{len(fav)} favourites and {len(deck)} decks changed, all online but the offline liar")
    ok(on(CARD, 1) and views[1][CARD][1] == 28000011 and decks[1][CARD] != decks[0][CARD],
       "a player with its own card keeps it online, its deck changes")
    act_endpoints(cu, times, epochs, snaps)


def act_endpoints(cu, times, epochs, snaps):
    """/_/activity and /_/expected per epoch; max_age; scenario change and
    reset of the epochs."""
    acts = [cu.json(f"/_/activity?clan=%239V2Y&epoch={j}", token=None)[1] for j in range(4)]
    ok(acts == [{"epoch": 0, "time": times[0], "online": []}]
       + [{"epoch": j, "time": times[j], "online": epochs[j - 1]["online"]["#9V2Y"]}
          for j in (1, 2, 3)] and cu.json("/_/activity?clan=%23pql9", token=None)[1]
       == {"epoch": 3, "time": times[3], "online": epochs[2]["online"]["#PQL9"]},
       "/_/activity per epoch 0..3 and by default the current one", acts)
    codes = [cu.run(q, token=None)[1] for q in ("/_/activity?clan=%239V2Y&epoch=4",
                                               "/_/activity?clan=%239V2Y&epoch=-1",
                                               "/_/activity?clan=%23PPPP", "/_/expected?epoch=x")]
    ok(codes == [400, 400, 404, 400], f"/_/activity epoch 4 and -1, unknown clan, bad epoch: {codes}")
    exps = [cu.json(f"/_/expected?clan=%239V2Y&retries=3&epoch={j}", token=None)[1] for j in range(4)]
    ok(exps == snaps == [standin.expected(ACT, "9V2Y", 3, epoch=j, decks=True) for j in range(4)]
       and len({json.dumps(e) for e in exps}) == 4,
       "/_/expected?epoch=0..3 == expected(epoch=j) == what a client read at epoch j")
    ok(cu.json("/_/expected?clan=%239V2Y&retries=3", token=None)[1] == exps[3],
       "/_/expected defaults to the current epoch")
    rc, st, h, b = cu.run("/v1/players/%23" + LIAR[1:])
    ok(h.get("cache-control") == "max-age=0", f"max_age 0: {h.get('cache-control')}")
    cu.run("/_/scenario", token=None, method="POST", data=json.dumps(dict(ACT, max_age=None)))
    heads = [cu.run(q, token=t)[2] for q, t in (("/v1/clans/%239V2Y", TOKEN),
                                                ("/v1/players/%23NOTAG", TOKEN), ("/_/health", None))]
    ok(all("cache-control" not in h for h in heads), "max_age null: no Cache-Control at all")
    st, a = cu.json("/_/activity?clan=%239V2Y", token=None)
    ok(a["epoch"] == 3 and a["time"] == times[3], "a scenario change keeps the epoch and its time")
    cu.run("/_/reset", token=None, method="POST")
    st, a = cu.json("/_/activity?clan=%239V2Y", token=None)
    st2, p = cu.json("/v1/players/%23" + LIAR[1:])
    ok(a["epoch"] == 0 and a["time"] >= times[3] and cu.run("/_/activity?clan=%239V2Y&epoch=1",
                                                            token=None)[1] == 400
       and p["currentFavouriteCard"]["id"] == standin.generated_favourite(LIAR),
       "reset: back to epoch 0 with a new t_0, favourites as at the start", a)
    cu.run("/_/scenario", token=None, method="POST", data=json.dumps(SCENARIO))


def enc(tag):
    """A tag as a path segment: "#" percent-encoded."""
    return tag.replace("#", "%23")


def clan_points(cu):
    """The clan answer: size, members, headers, tags, Unicode; returns it."""
    rc, st, h, b = cu.run("/v1/clans/%239V2Y")
    clan = json.loads(b)
    ok(rc == 0 and st == 200, "clan 200")
    ok(13000 <= len(b) <= 15500, f"clan body 13-15 KB ({len(b)} bytes)")
    ok(len(clan["memberList"]) == 50 and clan["members"] == 50 and clan["tag"] == "#9V2Y", "clan has 50 members")
    ok(h.get("content-type") == "application/json; charset=utf-8" and h.get("cache-control") == "max-age=60"
       and int(h.get("content-length", -1)) == len(b), "clan headers", h)
    keys = {"tag", "name", "role", "lastSeen", "expLevel", "trophies", "arena", "clanRank",
            "previousClanRank", "donations", "donationsReceived", "clanChestPoints"}
    ok(set(clan["memberList"][0]) == keys, "member keys")
    st2, c2 = cu.json("/v1/clans/%20%239v2y%20")
    ok(st2 == 200 and c2["tag"] == "#9V2Y", "tag normalised (trim, lower case)")
    st2, c2 = cu.json("/v1/clans/%232PYLQ")
    ok(c2["name"] == "Beta \"q\" \\ 😀 עברית", "unicode clan name round-trips")
    return clan


def token_points(cu):
    """No token or a wrong one: 403."""
    rc, st, h, b = cu.run("/v1/clans/%239V2Y", token=None)
    ok(st == 403 and json.loads(b) == {"reason": "accessDenied", "message": "Invalid authorization"},
       "no token -> 403 accessDenied", b)
    rc, st, h, b = cu.run("/v1/clans/%239V2Y", token="wrong")
    ok(st == 403, "wrong token -> 403")


def player_points(cu, sc, clan):
    """A player answer agrees with its clan and the model."""
    ptag = clan["memberList"][0]["tag"]
    rc, st, h, b = cu.run("/v1/players/" + ptag.replace("#", "%23"))
    p = json.loads(b)
    ok(st == 200 and 20000 <= len(b) <= 30000, f"player 200, ~25 KB ({len(b)} bytes)")
    fav = sc.favourite_of(ptag)
    ok(p["currentFavouriteCard"]["id"] == fav[0] and p["name"] == clan["memberList"][0]["name"]
       and p["clan"]["tag"] == "#9V2Y", "player favourite/name/clan consistent")
    ok(all({"name", "id", "level", "maxLevel", "rarity", "count", "iconUrls"} <= set(c) for c in p["cards"]),
       f"cards[] complete ({len(p['cards'])} cards)")
    sizes = [len(cu.run("/v1/players/" + m["tag"].replace("#", "%23"))[3]) for m in clan["memberList"][:10]]
    ok(all(20000 <= s <= 30000 for s in sizes), f"10 player sizes in 20-30 KB: {min(sizes)}..{max(sizes)}")


def tag_error_points(cu):
    """Malformed, double-encoded and unknown tags, a wrong prefix."""
    st, j = cu.json("/v1/players/%23nottag")
    ok(st == 400 and j["reason"] == "badRequest", "malformed tag -> 400 badRequest", j)
    st, j = cu.json("/v1/players/%25239V2Y")
    ok(st == 400, "double-encoded %2523 -> 400")
    st, j = cu.json("/v1/players/%23YYYYYYYY")
    ok(st == 404 and j == {"reason": "notFound"}, "unknown player -> 404 notFound", j)
    st, j = cu.json("/v1/clans/%23PPPP")
    ok(st == 404, "unknown clan -> 404")
    st, j = cu.json("/v2/clans/%239V2Y")
    ok(st == 404, "wrong prefix -> 404")


def fault_points(cu, sc):
    """Each fault of the clan 2PYLQ's members, by member index."""
    mt = sc.clans["#2PYLQ"].tags
    got = [cu.run("/v1/players/" + enc(mt[i]))[1] for i in (0, 1, 2, 6)]
    ok(got == [404, 400, 403, 500], f"404/400/403/500_json statuses {got}")
    rc, st, h, b = cu.run("/v1/players/" + enc(mt[3]))
    ok(st == 200 and "currentFavouriteCard" not in json.loads(b), "no_favourite: key absent")
    rc, st, h, b = cu.run("/v1/players/" + enc(mt[4]))
    ok(json.loads(b)["currentFavouriteCard"] is None, "null_favourite")
    rc, st, h, b = cu.run("/v1/players/" + enc(mt[5]))
    ok(json.loads(b)["currentFavouriteCard"] == "x", "bad_favourite")
    a = cu.run("/v1/players/" + enc(mt[7]))
    a2 = cu.run("/v1/players/" + enc(mt[7]))
    ok(a[1] == 500 and json.loads(a[3]) == {"reason": "unknownException"} and a2[1] == 200,
       f"fail_once: {a[1]} then {a2[1]}")
    seq = [cu.run("/v1/players/" + enc(mt[8]))[:3] for _ in range(3)]
    ok([s[1] for s in seq] == [503, 503, 200] and seq[0][2]["content-type"].startswith("text/html"),
       f"fail:2 -> 503 html, 503 html, 200: {[s[1] for s in seq]}")
    rc, st, h, b = cu.run("/v1/players/" + enc(mt[10]))
    ok(rc == 18 and st == 200 and len(b) < int(h["content-length"]),
       f"truncated: curl exit {rc}, got {len(b)} of {h.get('content-length')} bytes")
    t0 = time.monotonic()
    rc, st, h, b = cu.run("/v1/players/" + enc(mt[11]))
    dt = time.monotonic() - t0
    bad = False
    try:
        json.loads(b)
    except ValueError:
        bad = True
    ok(st == 200 and bad and dt >= 0.05, f"invalid_json + slow:50 ({dt * 1000:.0f} ms)")
    st, j = cu.json("/v1/clans/%238QRUL")
    ok(st == 500 and j["reason"] == "unknownException", "clan fault 500_json")


def expected_points(cu, port):
    """expected() against what a retrying client really gets."""
    exp = standin.expected(SCENARIO, "2PYLQ", 3, decks=True)
    print("# expected(2PYLQ, R=3) =", json.dumps(exp, ensure_ascii=False))
    ok(exp is not None and (exp["members"], exp["fetched"], exp["failed"], exp["without_favourite"])
       == (12, 5, 7, 3), "expected(2PYLQ, 3): 12 members, 5 fetched, 7 failed, 3 without favourite", exp)
    e1 = standin.expected(SCENARIO, "2PYLQ", 1)
    ok((e1["fetched"], e1["failed"]) == (4, 8), "expected(2PYLQ, 1): fail:2 now fails", e1)
    ok(standin.expected(SCENARIO, "8QRUL", 3) is None, "expected(8QRUL) is None (clan 500_json)")
    ok(standin.expected(SCENARIO, "2QQ", 0) is None and standin.expected(SCENARIO, "2QQ", 1) is not None,
       "expected(2QQ fail_once): None with R=0, snapshot with R=1")
    ep = standin.expected(SCENARIO, "#pql9", 3)
    ok(ep["members"] == 4 and ep["fetched"] == 1 and ep["failed"] == 3
       and ep["favourite_cards"] == [{"name": "Wizard", "id": 26000017, "count": 1}],
       "expected(PQL9): dupes once, invalid/null entries failed", ep)
    cu.run("/_/reset", token=None, method="POST")
    for clan_tag, r in (("2PYLQ", 3), ("2PYLQ", 1), ("9V2Y", 3), ("PQL9", 2), ("2QQ", 1), ("8QRUL", 3),
                        ("2VVV", 1), ("2VVV", 0)):
        cu.run("/_/reset", token=None, method="POST")
        real = MiniClient(port, r).snapshot(clan_tag)
        want = standin.expected(SCENARIO, clan_tag, r, decks=True)
        ok(real == want, f"mini client == expected({clan_tag}, R={r}, decks=True)",
           f"real {real}\nexp  {want}")
    st, j = cu.json("/_/expected?clan=%232PYLQ&retries=3", token=None)
    ok(j == exp, "/_/expected endpoint")


def deck_points(cu, sc):
    """The deck faults of the clan 2VVV's members, by member index, what
    expected() makes of them, and the tower card beside every deck."""
    mt = sc.clans["#2VVV"].tags
    bodies = [cu.run("/v1/players/" + enc(t))[3] for t in mt[:15]]
    decks = [json.loads(b).get("currentDeck", "absent") for b in bodies]
    ids = [[c.get("id", "none") for c in d] if isinstance(d, list) else d for d in decks]
    ok(decks[:4] == ["absent", None, "x", []], "no_deck, null_deck, bad_deck, empty_deck", decks[:4])
    ok([len(ids[4]), len(set(ids[4])), ids[4][8] == ids[4][0]] == [9, 8, True]
       and [len(ids[5]), len(set(ids[5]))] == [9, 9] and ids[6][0] == "none" and len(ids[6]) == 8,
       "deck_repeat: 9 entries, 8 distinct; deck_ninth: 9 distinct; deck_no_id: the first has no id",
       ids[4:7])
    ok(all(f'"id":{v},' in bodies[i].decode() for i, v in ((7, "2147483648"), (8, "-1"), (9, "1.5")))
       and [ids[i][0] for i in (7, 8, 9)] == [2147483648, -1, 1.5],
       "deck_id: 2147483648, -1 and 1.5 sent as they are")
    names = [decks[i][0]["name"] for i in (10, 11, 12, 13, 14)]
    ok(names == ["Nul\0Card", "Ctrl\x01\x1f\t\n\x7fCard", "Long" * 1250, "\u00e9" * 50, "\u00e9" * 50 + "x"]
       and [decks[i][0]["id"] for i in (10, 11, 12, 13, 14)] == list(range(26900004, 26900006))
       + [26900003, 26900001, 26900002],
       "deck_name: nul, ctrl, long, max (100 bytes), over (101 bytes)", names)
    exp = standin.expected(SCENARIO, "2VVV", 3, decks=True)
    e0 = standin.expected(SCENARIO, "2VVV", 0, decks=True)
    ok([(e["fetched"], e["without_deck"], e["without_favourite"], sum(c["count"] for c in e["deck_cards"]))
        for e in (exp, e0)] == [(16, 10, 1, 47), (15, 10, 1, 39)],
       "expected(2VVV, decks=True): 4 absent + 6 refused decks without, the others' cards counted "
       "(8 repeated, 7 with an id, 8 + 8 + 8 named odd, 8 after a retry)", [exp, e0])
    odd = {c["id"]: c["name"] for c in exp["deck_cards"] if 26900000 < c["id"] < 27000000}
    ok(odd == {26900004: "Nul\ufffdCard", 26900005: "Ctrl\x01\x1f\t\n\x7fCard", 26900001: "\u00e9" * 50}
       and [sc.deck_truth(mt[i])[1] for i in range(15)] == [False] * 5 + [True, False] + [True] * 3
       + [False, False, True, False, True],
       "expected: a NUL shown as U+FFFD, control characters kept, over 100 bytes refused", odd)
    towers = []
    for t in sc.clans["#9V2Y"].tags:
        rc, st, h, b = cu.run("/v1/players/" + enc(t))
        p = json.loads(b)
        towers.append((len(p["currentDeckSupportCards"]), p["currentDeckSupportCards"][0]["id"] >= 159000000,
                       all(c["id"] < 159000000 for c in p["currentDeck"]),
                       b.index(b'"currentDeckSupportCards"') < b.index(b'"currentDeck"')))
    first = sum(tw[3] for tw in towers)
    ok(all(tw[:3] == (1, True, True) for tw in towers) and 10 <= first <= 40,
       f"every body has one tower card in currentDeckSupportCards, none in currentDeck; "
       f"{first} of 50 name it first")
    bad = [({"clans": {"9V2Y": {"fault": "no_deck"}}}, "clans.9V2Y.fault: no_deck applies to players only"),
           ({"players": {"#2Y0": {"fault": ["no_deck", "deck_ninth"]}}},
            "players.#2Y0.fault: two deck faults (no_deck, deck_ninth)"),
           ({"players": {"#2Y0": {"fault": "deck_id:26000000"}}}, None),
           ({"players": {"#2Y0": {"fault": "deck_id:x"}}}, None),
           ({"players": {"#2Y0": {"fault": "deck_name:huge"}}},
            "players.#2Y0.fault: deck_name:KIND needs KIND in ['ctrl', 'long', 'max', 'nul', 'over']")]
    want = ("players.#2Y0.fault: deck_id:N needs a JSON number that is not a card id (a whole number "
            "from 1 to 2147483647), e.g. deck_id:-1")
    refusals([(raw, msg or want) for raw, msg in bad], "bad deck faults refused with their sentence")


def rate_points(cu):
    """The live scenario, the rate limit and its Retry-After, forbidden."""
    rl = dict(SCENARIO, rate_limit={"per_second": 3, "retry_after": 1})
    rc, st, h, b = cu.run("/_/scenario", token=None, method="POST", data=json.dumps(rl))
    ok(st == 200, "POST /_/scenario")
    rc, st, h, b = cu.run("/_/scenario", token=None, method="POST", data='{"latency_ms": "x"}')
    ok(st == 400, "invalid scenario -> 400", b)
    time.sleep(1.1)
    res = [cu.run("/v1/clans/%239V2Y") for _ in range(6)]
    codes = [r[1] for r in res]
    t429 = [r for r in res if r[1] == 429]
    ok(codes[:3] == [200, 200, 200] and t429 and t429[0][2].get("retry-after") == "1"
       and json.loads(t429[0][3])["reason"] == "requestThrottled",
       f"rate limit 3/s: {codes}, Retry-After {t429[0][2].get('retry-after') if t429 else None}")
    rl["rate_limit"] = {"per_second": 0, "retry_after": "date"}
    cu.run("/_/scenario", token=None, method="POST", data=json.dumps(rl))
    rc, st, h, b = cu.run("/v1/clans/%239V2Y")
    ok(st == 429 and h.get("retry-after", "").endswith("GMT"), f"Retry-After HTTP-date: {h.get('retry-after')}")
    rl["rate_limit"] = {"per_second": 0, "retry_after": None}
    cu.run("/_/scenario", token=None, method="POST", data=json.dumps(rl))
    rc, st, h, b = cu.run("/v1/clans/%239V2Y")
    ok(st == 429 and "retry-after" not in h, "429 without Retry-After")
    for mode, reason in (("accessDenied", "accessDenied"), ("invalidIp", "accessDenied.invalidIp")):
        cu.run("/_/scenario", token=None, method="POST", data=json.dumps(dict(SCENARIO, forbidden=mode)))
        st, j = cu.json("/v1/clans/%239V2Y")
        ok(st == 403 and j["reason"] == reason, f"forbidden={mode} -> 403 {j}")


def stats_points(cu):
    """The statistics: peak_in_flight and busiest_second; the latency
    outlasts the start of ten curl processes on a loaded machine."""
    cu.run("/_/scenario", token=None, method="POST", data=json.dumps(dict(SCENARIO, latency_ms=900)))
    cu.run("/_/reset", token=None, method="POST")
    procs = [subprocess.Popen(["curl", "-sS", "-o", "/dev/null", "-H", "@-",
                               f"{cu.base}/v1/clans/%239V2Y"], stdin=subprocess.PIPE, text=True)
             for _ in range(10)]
    for pr in procs:
        pr.stdin.write(f"Authorization: Bearer {TOKEN}\n")
        pr.stdin.close()
    for pr in procs:
        pr.wait()
    st, s = cu.json("/_/stats", token=None)
    print("# stats after 10 parallel:", json.dumps(s))
    ok(s["peak_in_flight"] == 10 and s["in_flight"] == 0 and s["requests"] == 10
       and s["by_status"] == {"200": 10} and s["by_kind"]["clan"] == 10
       and s["requests_per_tag"] == {"#9V2Y": 10} and s["busiest_second"] == 10,
       "10 parallel at 900 ms: peak_in_flight 10, busiest_second 10", s)
    cu.run("/_/scenario", token=None, method="POST", data=json.dumps(SCENARIO))
    cu.run("/_/reset", token=None, method="POST")
    # 3 requests 0.6 s apart: any 1.0 s window holds at most 2
    for i in range(3):
        cu.run("/v1/clans/%239V2Y")
        if i < 2:
            time.sleep(0.6)
    st, s = cu.json("/_/stats", token=None)
    ok(s["busiest_second"] == 2 and s["requests"] == 3, f"busiest_second over 0.6 s spacing == 2 ({s['busiest_second']})")
    time.sleep(1.1)
    for i in range(7):
        cu.run("/v1/clans/%239V2Y")
    st, s = cu.json("/_/stats", token=None)
    ok(s["busiest_second"] == 7 and s["requests"] == 10, f"burst of 7 -> busiest_second 7 ({s['busiest_second']})")
    ok(set(s) >= {"requests", "by_status", "by_kind", "peak_in_flight", "busiest_second", "in_flight",
                  "requests_per_tag"}, "stats fields present")


def key_points(cu, tmp):
    """Several keys: read as clanpopd reads them, a limit and a 403 per key."""
    key2 = "second-" + TOKEN[::-1]
    with open(os.path.join(tmp, "token"), "w") as fh:
        fh.write("# two keys\n" + TOKEN + "\n\n" + key2 + "\n")
    rc, st, h, b = cu.run("/_/token", token=None, method="POST")
    ok(st == 200, "POST /_/token reads two keys", b)
    cu.run("/_/scenario", token=None, method="POST", data=json.dumps(dict(
        SCENARIO, key_rate_limit={"per_second": 2, "retry_after": 3},
        forbidden_keys={"4": "invalidIp"})))
    cu.run("/_/reset", token=None, method="POST")
    res = [cu.run("/v1/clans/%239V2Y") for _ in range(3)]
    ok([r[1] for r in res] == [200, 200, 429] and res[2][2].get("retry-after") == "3",
       "key_rate_limit 2/s on key 2 (line 2): 200 200 429, Retry-After 3",
       [(r[1], r[2].get("retry-after")) for r in res])
    st, j = cu.json("/v1/clans/%239V2Y", token=key2)
    ok(st == 403 and j["reason"] == "accessDenied.invalidIp",
       "forbidden_keys {4: invalidIp}: key 4 gets 403 invalidIp", j)
    st, s = cu.json("/_/stats", token=None)
    ok(s["per_key"] == {"2": {"requests": 3, "by_status": {"200": 2, "429": 1}, "busiest_second": 3},
                        "4": {"requests": 1, "by_status": {"403": 1}, "busiest_second": 1}},
       "per_key figures by line", s["per_key"])
    with open(os.path.join(tmp, "token"), "w") as fh:
        fh.write(TOKEN + "\n")
    cu.run("/_/token", token=None, method="POST")
    cu.run("/_/scenario", token=None, method="POST", data=json.dumps(SCENARIO))
    st, j = cu.json("/v1/clans/%239V2Y", token=key2)
    ok(st == 403 and j["reason"] == "accessDenied", "a key removed from the file gets 403", j)


def keepalive_points(port, clan):
    """Many requests on one keep-alive connection."""
    c = http.client.HTTPConnection("127.0.0.1", port)
    good = 0
    for i in range(20):
        c.request("GET", "/v1/players/" + enc(clan["memberList"][i]["tag"]),
                  headers={"Authorization": f"Bearer {TOKEN}"})
        r = c.getresponse()
        good += r.status == 200 and len(r.read()) > 20000
    c.close()
    ok(good == 20, "20 requests on one keep-alive connection")


def bench_points(cu, port, bench_secs):
    """--bench: the throughput of 25 KB player bodies."""
    cu.run("/_/reset", token=None, method="POST")
    res = bench(port, bench_secs)
    print("# bench:", res)
    st, s = cu.json("/_/stats", token=None)
    print(f"# bench stats: busiest_second {s['busiest_second']} peak_in_flight {s['peak_in_flight']}")


def stop_points(proc, pf, logpath, tmp):
    """The token is nowhere; SIGTERM exits cleanly and removes the port file."""
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=5)
    ok(rc == 0 and not os.path.exists(pf), f"SIGTERM -> exit {rc}, port file removed")
    logtxt = open(logpath, encoding="utf-8").read()
    errtxt = open(os.path.join(tmp, "stderr"), encoding="utf-8").read()
    ok(logtxt.count("\n") > 50 and " /v1/clans/%239V2Y 200 " in logtxt, "log has one line per request")
    ok(TOKEN not in logtxt and TOKEN not in errtxt and errtxt == "", "token never in log/stderr; stderr empty",
       errtxt[:500])


def main():
    bench_secs = float(sys.argv[sys.argv.index("--bench") + 1]) if "--bench" in sys.argv else 0
    tmp = tempfile.mkdtemp(prefix="standin-selftest.")
    proc, port, pf, logpath = start(tmp, SCENARIO)
    cu = Curl(port)
    sc = standin.Scenario(SCENARIO)
    print(f"# standin pid {proc.pid} on port {port}")
    clan = clan_points(cu)
    token_points(cu)
    player_points(cu, sc, clan)
    tag_error_points(cu)
    fault_points(cu, sc)
    deck_points(cu, sc)
    expected_points(cu, port)
    drift_points(cu, port)
    activity_points(cu, port)
    rate_points(cu)
    stats_points(cu)
    key_points(cu, tmp)
    keepalive_points(port, clan)
    if bench_secs:
        bench_points(cu, port, bench_secs)
    stop_points(proc, pf, logpath, tmp)
    print(f"1..{n_test}")
    if n_fail:
        print(f"# {n_fail} of {n_test} failed; files in {tmp}")
    else:
        import shutil
        shutil.rmtree(tmp)
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
