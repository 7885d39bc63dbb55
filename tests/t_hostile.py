"""t_hostile.py - a hostile API: bodies that trickle, never end or are too
large, a server that never answers, a refused connection, and JSON built
to hurt (invalid UTF-8, 10,000 levels deep, wrong types everywhere,
duplicate tags, 0 and 100 members, names full of quotes, controls, emoji
and right-to-left text).  The daemon never crashes, ends within wall-time
bounds computed from its configuration, counts each case as the snapshot
schema says, and every output file stays valid JSON / Prometheus text."""

import base64
import json
import os
import re
import socket
import time

from functional import (Standin, Tap, clanpopd, counts, scaled, snapshot,
                        temp_files, workdir, write_config)
import promtext
import standin

t = Tap()

BACKOFF_BASE = 0.5      # FETCH_BACKOFF_BASE, seconds
BACKOFF_CAP = 30.0      # FETCH_BACKOFF_CAP, seconds
STALL_TIME = 5          # FETCH_STALL_TIME, seconds below 64 B/s
SLACK = scaled(2.0)     # start-up, teardown and a loaded CI machine


def worst_case(per_attempt, retries):
    """Longest a request may take: every attempt runs to per_attempt and
    every backoff is at its cap (full jitter never exceeds it)."""
    return (retries + 1) * per_attempt + sum(
        min(BACKOFF_BASE * 2 ** (n - 1), BACKOFF_CAP)
        for n in range(1, retries + 1))


def setup(name, scenario, tags, labels=None, **kw):
    wd = workdir(name)
    out = os.path.join(wd, "out")
    api = Standin(wd, scenario)
    cfg = os.path.join(wd, "c.yaml")
    write_config(cfg, api.base_url, api.token_file, out, tags, **kw)
    if labels:
        # YAML takes UTF-8 as is; json.dumps' \\ud83d escapes it would not.
        with open(cfg, encoding="utf-8") as f:
            text = f.read()
        for tag, label in labels.items():
            text = text.replace(
                "  - %s\n" % json.dumps(tag),
                "  - {\"tag\": %s, \"name\": %s}\n"
                % (json.dumps(tag), json.dumps(label, ensure_ascii=False)))
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(text)
    return wd, out, api, cfg


def strict_json(path):
    """The file as JSON, read strictly: UTF-8 without a single bad byte."""
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8", "strict"))


def every_output_valid(out, what):
    """Parse every file the daemon wrote; returns (index, metrics)."""
    bad = []
    for root, _d, files in os.walk(out):
        for f in files:
            p = os.path.join(root, f)
            try:
                if f.endswith(".json"):
                    strict_json(p)
            except ValueError as e:
                bad.append("%s: %s" % (p, e))
    t.eq(bad, [], "%s: every JSON file parses as strict UTF-8 JSON" % what)
    idx = strict_json(os.path.join(out, "index.json"))
    with open(os.path.join(out, "metrics.prom"), "rb") as f:
        raw = f.read()
    try:
        metrics = promtext.parse(raw.decode("utf-8", "strict"))
        err = None
    except (ValueError, promtext.ParseError) as e:
        metrics, err = None, str(e)
    t.eq(err, None, "%s: metrics.prom parses as Prometheus text" % what)
    t.eq(temp_files(out), [], "%s: no temporary file left" % what)
    return idx, metrics


def cards_in_metrics(metrics, tag):
    return sorted(((l["card"], l["card_id"], int(v)) for n, l, v in
                   metrics["samples"]
                   if n == "clanpopd_favourite_card_players" and
                   l["clan"] == tag), key=repr)


def metric_cards(favourite_cards):
    """favourite_cards as cards_in_metrics() gives them: a card without a
    name has the label card="" in metrics.prom."""
    return sorted(((c["name"] or "", str(c["id"]), c["count"]) for c in
                   favourite_cards), key=repr)


def in_flight_drains(api, timeout=5):
    deadline = time.time() + timeout
    while api.stats()["in_flight"] and time.time() < deadline:
        time.sleep(0.1)
    return api.stats()["in_flight"]


# 1. A server that accepts and never answers: the timeout ends each try. ---
TIMEOUT, RETRIES = 2, 1
scenario = {"clans": {"9V2Y": {"name": "A", "members": 2, "fault": "hang"},
                      "2PYLQ": {"name": "B", "members": 3,
                                "faults": {"1": "hang"}}}}
wd, out, api, cfg = setup("hang", scenario, ["#9V2Y", "#2PYLQ"],
                          api__timeout="%ds" % TIMEOUT,
                          api__connect_timeout="1s",
                          limits__max_retries=RETRIES)
r = clanpopd(["--once", "-c", cfg], 75,
             "hang: exit 75 (one clan has no snapshot)")
bound = worst_case(TIMEOUT, RETRIES) + SLACK
t.ok((RETRIES + 1) * TIMEOUT - 0.2 <= r.elapsed <= bound,
     "hang: %d tries of %d s: took %.2f s, bound %.2f s"
     % (RETRIES + 1, TIMEOUT, r.elapsed, bound))
t.ok(re.search(r"#9V2Y: refresh failed, no snapshot written: Operation "
               r"timed out after 2\d\d\d milliseconds with 0 bytes received "
               r"after 1 retry", r.stderr) is not None,
     "hang: the clan's timeout is logged with its retry")
want = standin.expected(scenario, "#2PYLQ", RETRIES)
t.eq(counts(snapshot(out, "#2PYLQ")), want,
     "hang: the player that never answers counts as failed")
# Requests that start while one hangs do not wait behind it (libcurl's
# PIPEWAIT did that over plain HTTP): #2PYLQ's clan request goes through
# at once, so its only retry is the hung player's.
t.ok(re.search(r"#2PYLQ: 3 members, 2 read, 0 unchanged since read, 1 failed, "
               r"0 without "
               r"favourite, 0 without deck, 5 requests, 1 retries",
               r.stderr) is not None,
     "hang: the other clan is not held behind the hung request")
st = api.stats()
hung = standin.member_tag("#2PYLQ", 1)
t.eq((st["requests_per_tag"]["#9V2Y"], st["requests_per_tag"][hung]),
     (RETRIES + 1, RETRIES + 1), "hang: each hung request tried 1 + 1 times")
t.eq(in_flight_drains(api), 0, "hang: the daemon closed every connection")
idx = strict_json(os.path.join(out, "index.json"))
t.ok(idx["clans"][0]["last_error"].startswith("Operation timed out after "),
     "hang: index.json says the clan timed out")
api.stop()

# 2. A body trickling at 1 byte/s: the stall guard (64 B/s over 5 s) ends
#    each try long before the 20 s timeout would. --------------------------
TIMEOUT, RETRIES = 20, 1
scenario = {"clans": {"9V2Y": {"name": "A", "members": 3,
                               "faults": {"1": "trickle"}}}}
wd, out, api, cfg = setup("trickle", scenario, ["#9V2Y"],
                          api__timeout="%ds" % TIMEOUT,
                          limits__max_retries=RETRIES)
r = clanpopd(["--once", "-c", cfg], 0, "trickle: exit 0")
# The stall check runs about once a second: allow a second per try.
bound = worst_case(STALL_TIME + 1, RETRIES) + SLACK
t.ok((RETRIES + 1) * STALL_TIME - 0.2 <= r.elapsed <= bound,
     "trickle: ended by the stall guard: took %.2f s, bound %.2f s (the "
     "timeout alone would allow %d s)" % (r.elapsed, bound,
                                          worst_case(TIMEOUT, RETRIES)))
t.eq(len(re.findall(r"#9V2Y: player #\w+: Operation too slow\. Less than 64 "
                    r"bytes/sec transferred the last 5 seconds after 1 retry",
                    r.stderr)), 1, "trickle: the stall is logged once")
t.eq(counts(snapshot(out, "#9V2Y")),
     standin.expected(scenario, "#9V2Y", RETRIES),
     "trickle: the trickling player counts as failed")
# The stand-in counts a request when its answer ends: wait for both.
t.eq(in_flight_drains(api), 0, "trickle: the daemon closed every connection")
t.eq(api.stats()["requests_per_tag"][standin.member_tag("#9V2Y", 1)],
     RETRIES + 1, "trickle: tried 1 + 1 times")
api.stop()

# 3. The body cap (4 MiB): an endless body, 10 MiB with and without a
#    Content-Length; for clans and players.  Not retried: the same URL
#    would send the same body again. --------------------------------------
RETRIES = 2
scenario = {"clans": {
    "9V2Y": {"name": "A", "fault": "endless"},
    "2PYLQ": {"name": "B", "fault": "huge"},
    "PQL9": {"name": "C", "fault": "huge_chunked"},
    "8QRUL": {"name": "D", "members": 6,
              "faults": {"0": "endless", "1": "huge", "2": "huge_chunked"}}}}
tags = ["#9V2Y", "#2PYLQ", "#PQL9", "#8QRUL"]
wd, out, api, cfg = setup("bodycap", scenario, tags,
                          limits__max_retries=RETRIES)
r = clanpopd(["--once", "-c", cfg], 75,
             "body cap: exit 75 (three clans have no snapshot)")
t.ok(r.elapsed < scaled(5.0), "body cap: over in %.2f s (< %.0f s)"
     % (r.elapsed, scaled(5.0)))
for tag in tags[:3]:
    t.ok(re.search(r"%s: refresh failed, no snapshot written: the response "
                   r"is larger than 4 MiB" % tag, r.stderr) is not None,
         "body cap: %s (%s) fails as larger than 4 MiB"
         % (tag, scenario["clans"][tag[1:]]["fault"]))
t.eq(len(re.findall(r"#8QRUL: player #\w+: the response is larger than "
                    r"4 MiB", r.stderr)), 3,
     "body cap: three players fail as larger than 4 MiB")
t.eq(counts(snapshot(out, "#8QRUL")),
     standin.expected(scenario, "#8QRUL", RETRIES),
     "body cap: the clan with three oversized players counted exactly")
st = api.stats()
t.eq([st["requests_per_tag"][x] for x in
      tags[:3] + [standin.member_tag("#8QRUL", i) for i in range(3)]],
     [1] * 6, "body cap: no oversized answer is retried")
t.eq(in_flight_drains(api), 0, "body cap: every connection was closed")
every_output_valid(out, "body cap")
api.stop()

# 4. Connection refused: a closed port; retried, then given up. ----------
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
RETRIES = 2
wd = workdir("refused")
out = os.path.join(wd, "out")
with open(os.path.join(wd, "token"), "w") as f:
    f.write("tok-refused\n")
os.chmod(os.path.join(wd, "token"), 0o600)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, "http://127.0.0.1:%d/v1" % port,
             os.path.join(wd, "token"), out, ["#9V2Y", "#2PYLQ"],
             api__timeout="2s", api__connect_timeout="1s",
             limits__max_retries=RETRIES)
r = clanpopd(["--once", "-c", cfg], 75, "refused: exit 75")
bound = worst_case(0, RETRIES) + SLACK
t.ok(r.elapsed <= bound, "refused: over in %.2f s, bound %.2f s (backoffs "
     "only)" % (r.elapsed, bound))
t.eq(len(re.findall(r"#(9V2Y|2PYLQ): refresh failed, no snapshot written: "
                    r"(Failed to connect|Couldn't connect)[^\n]*after 2 "
                    r"retries", r.stderr)), 2,
     "refused: both clans fail with the connection error after 2 retries")
t.eq(sorted(os.listdir(os.path.join(out, "clans"))), [],
     "refused: no snapshot written")
idx = strict_json(os.path.join(out, "index.json"))
t.eq([c["consecutive_failures"] for c in idx["clans"]], [1, 1],
     "refused: index.json counts one failure per clan")

# 5. JSON built to hurt, every clan still readable: exit 0. --------------
NASTY = ("Q\"uote \\back\\slash \x01\x02\x1b\x1f\t\n\r\x7f \u0085 \u2028\u2029 "
         "\U0001F600\U0001F468\u200d\U0001F469\u200d\U0001F467 "
         "\u05e2\u05d1\u05e8\u05d9\u05ea \u0627\u0644\u0639\u0631\u0628\u064a"
         "\u0629 \u202eRLO\u202c </script> {\"x\":1} %s %n")
# A card name may hold at most 100 bytes: NASTY less its ZWJ family and
# line separators (95 bytes).
NASTY_CARD = NASTY.replace(
    "\U0001F468\u200d\U0001F469\u200d\U0001F467", "").replace(
    "\u2028\u2029 ", "")
assert len(NASTY.encode()) == 120 and len(NASTY_CARD.encode()) == 95
LABEL = "Label \"q\" \\ \U0001F600 \u05e2\u05d1\u05e8\u05d9\u05ea \u202e!"


def b64(data):
    return base64.b64encode(data).decode()


def deep(n, inner):
    return "{\"a\":" * n + inner + "}" * n


def ptag(i):
    """Player tags #8P2..., distinct for i < 14**4."""
    s = ""
    for _ in range(4):
        s = standin.ALPHABET[i % 14] + s
        i //= 14
    return "#8P" + s


# Invalid UTF-8 (lone bytes, a cut sequence, an encoded surrogate, an
# overlong '/'), read as a WHATWG decoder would: one U+FFFD per bad piece.
BAD_UTF8 = b"bad \xff\xfe \xc3\x28 \xe2\x82 ok \xf0\x9f\x98\x80 \xed\xa0\x80 \xc0\xaf end"
bad_clan = (b'{"tag":"#9QQQ","name":"' + BAD_UTF8 +
            b'","memberList":[{"tag":"' + ptag(0).encode() + b'"}]}')
bad_player = (b'{"currentFavouriteCard":{"id":27999001,"name":"card ' +
              BAD_UTF8 + b'"}}')

# Wrong types in every field the player parser reads, and their outcome:
# "failed" (no player), "without" (no favourite) or (id, name) counted.
W = [("root an array", {"body": []}, "failed"),
     ("root null", {"body": None}, "failed"),
     ("root a string", {"body": "str"}, "failed"),
     ("root a number", {"body": 5}, "failed"),
     ("empty body", {"body_b64": ""}, "failed"),
     ("data after the value",
      {"body_b64": b64(b'{"currentFavouriteCard":{"id":26000017}} x')},
      "failed"),
     ("nested 10,000 deep",
      {"body_b64": b64(('{"currentFavouriteCard":%s}' %
                        deep(10000, "1")).encode())}, "failed"),
     ("404 with a numeric reason", {"status": 404, "body": {"reason": 5}},
      "failed"),
     ("404 with a nasty reason",
      {"status": 404,
       "body_b64": b64(b'{"reason":"bad\\u0001\\nreason \xff"}')}, "failed"),
     ("500 with an array reason", {"status": 500, "body": {"reason": ["x"]}},
      "failed"),
     ("no favourite key", {"body": {}}, "without"),
     ("favourite a string", {"body": {"currentFavouriteCard": "x"}}, "without"),
     ("favourite a number", {"body": {"currentFavouriteCard": 5}}, "without"),
     ("favourite an array", {"body": {"currentFavouriteCard": [1]}},
      "without"),
     ("favourite true", {"body": {"currentFavouriteCard": True}}, "without"),
     ("favourite null", {"body": {"currentFavouriteCard": None}}, "without"),
     ("favourite without id", {"body": {"currentFavouriteCard": {}}},
      "without"),
     ("id a string", {"body": {"currentFavouriteCard": {"id": "26000017"}}},
      "failed"),
     ("id a float", {"body_b64": b64(b'{"currentFavouriteCard":{"id":'
                                     b'26000017.0}}')}, "failed"),
     ("id negative", {"body": {"currentFavouriteCard": {"id": -5}}},
      "failed"),
     ("id zero", {"body": {"currentFavouriteCard": {"id": 0}}}, "failed"),
     ("id 1e999", {"body_b64": b64(b'{"currentFavouriteCard":{"id":1e999}}')},
      "failed"),
     ("id INT64_MAX + 1: a positive id above 2^31 - 1",
      {"body": {"currentFavouriteCard": {"id": 2 ** 63}}}, "failed"),
     ("id 2^64: a positive id above 2^31 - 1",
      {"body": {"currentFavouriteCard": {"id": 2 ** 64}}}, "failed"),
     ("id true", {"body": {"currentFavouriteCard": {"id": True}}}, "failed"),
     ("id null", {"body": {"currentFavouriteCard": {"id": None}}}, "without"),
     ("id an object", {"body": {"currentFavouriteCard": {"id": {}}}},
      "failed"),
     ("id an array",
      {"body": {"currentFavouriteCard": {"id": [26000017]}}}, "failed"),
     ("a duplicate key, the last one null",
      {"body_b64": b64(b'{"currentFavouriteCard":{"id":26000017,"name":'
                       b'"Wizard"},"currentFavouriteCard":null}')},
      "without"),
     ("id INT64_MAX: above the largest card id accepted",
      {"body": {"currentFavouriteCard": {"id": 2 ** 63 - 1, "name": "Max"}}},
      "failed"),
     ("id 2^31 - 1, the largest accepted",
      {"body": {"currentFavouriteCard": {"id": 2 ** 31 - 1, "name": "Max"}}},
      (2 ** 31 - 1, "Max")),
     ("name a number",
      {"body": {"currentFavouriteCard": {"id": 27999990, "name": 5}}},
      (27999990, None)),
     ("name null",
      {"body": {"currentFavouriteCard": {"id": 27999990, "name": None}}},
      (27999990, None)),
     ("name an object",
      {"body": {"currentFavouriteCard": {"id": 27999990, "name": {"a": 1}}}},
      (27999990, None)),
     ("a nasty card name",
      {"body": {"currentFavouriteCard": {"id": 27999002,
                                         "name": NASTY_CARD}}},
      (27999002, NASTY_CARD)),
     ("a card name of 120 bytes, above the 100 accepted",
      {"body": {"currentFavouriteCard": {"id": 27999002, "name": NASTY}}},
      "failed"),
     ("a card name with a NUL",
      {"body": {"currentFavouriteCard": {"id": 27999003,
                                         "name": "nul\x00byte"}}},
      (27999003, "nul\ufffdbyte")),
     ("a well-formed player",
      {"body": {"currentFavouriteCard": {"id": 26000017, "name": "Wizard"}}},
      (26000017, "Wizard")),
     ("invalid UTF-8 in the card name", {"body_b64": b64(bad_player)},
      (27999001, "card " + BAD_UTF8.decode("utf-8", "replace")))]
w_tags = [ptag(100 + i) for i in range(len(W))]
players = {tag: spec for tag, (_n, spec, _o) in zip(w_tags, W)}
w_fav = {}
for _n, _s, o in W:
    if isinstance(o, tuple):
        w_fav.setdefault(o[0], [o[1], 0])[1] += 1
w_want = {"members": len(W),
          "fetched": sum(1 for w in W if w[2] != "failed"),
          "failed": sum(1 for w in W if w[2] == "failed"),
          "without_favourite": sum(1 for w in W if w[2] == "without"),
          "favourite_cards": sorted(
              ({"name": n, "id": i, "count": c} for i, (n, c) in
               w_fav.items()),
              key=lambda e: (-e["count"], e["name"] is None, e["name"] or "",
                             e["id"]))}

# Wrong types in the fields the clan parser reads, clan still readable.
t_members = ["#2Y0", 5, None, [], {"tag": 5}, {"tag": None}, {"tag": {}},
             {"tag": []}, {"tag": True}, {"tag": "nottag"},
             {"tag": "#2Y0\u0000"}, {}, {"tag": "#2PY\u00e9"},
             {"tag": ptag(1)}]
players[ptag(1)] = {"card": 26000017}
players[ptag(0)] = {"body_b64": b64(bad_player)}
players[ptag(2)] = {"name": NASTY, "card": {"id": 27999002,
                                             "name": NASTY_CARD}}
players[ptag(3)] = {"name": NASTY + "2", "card": 26000017}
for i in range(4, 7):
    players[ptag(i)] = {"card": 28000011}

clans = {
    # Nasty names: clan name, card names, player names.
    "9PPP": {"name": NASTY + "\x00tail", "type": NASTY,
             "description": NASTY,
             "members_list": [ptag(2), ptag(3), ptag(2).lower()]},
    # Invalid UTF-8 in the clan name and in a card name.
    "9QQQ": {"members_list": [ptag(0)], "body_b64": b64(bad_clan)},
    # \u escapes that are not characters: lone surrogates, NUL.
    "9LLL": {"members_list": [],
             "body_b64": b64(b'{"name":"lone \\ud83d x \\udc00 y \\u0000z",'
                             b'"memberList":[]}')},
    # Wrong types in the clan: name, members, memberList entries, tags.
    "9GGG": {"members_list": [ptag(1)],
             "body": {"name": 5, "members": "fifty", "tag": [],
                      "memberList": t_members}},
    "9GG2": {"members_list": [], "body": {"name": {"a": "b"},
                                          "memberList": []}},
    "9GG8": {"members_list": [], "body": {"name": ["x"], "memberList": []}},
    "9GG9": {"members_list": [], "body": {"name": None, "memberList": []}},
    "9GGP": {"members_list": [], "body": {"name": True, "memberList": []}},
    # Wrong types in every field of the player.
    "9RRR": {"name": "W", "members_list": w_tags},
    # Duplicate member tags, in every spelling the API may use.
    "9CCC": {"name": "D", "members_list": [
        ptag(4), ptag(4).lower(), " %s " % ptag(4), ptag(4)[1:],
        ptag(4).replace("0", "O"), ptag(5), ptag(5), ptag(6), ptag(4)]},
    # An empty memberList, and one of 100 members (API.md: at most 50;
    # clanpopd accepts up to 100 and refuses more: t_harden.py).
    "9UUU": {"name": "E", "members_list": [], "members_field": 50},
    "9VVV": {"name": "K", "members": 100, "members_field": 50},
}
scenario = {"clans": clans, "players": players}
tags = ["#" + k for k in clans]
labels = {"#9PPP": LABEL}
wd, out, api, cfg = setup("json", scenario, tags, labels=labels,
                          limits__max_retries=0, limits__max_concurrent=16)
r = clanpopd(["--once", "-c", cfg], 0, "JSON: exit 0, every clan read")
snaps = {tag: snapshot(out, tag) for tag in tags
         if os.path.exists(os.path.join(out, "clans", tag[1:] + ".json"))}
t.eq(sorted(snaps), sorted(tags), "JSON: a snapshot for every clan")

nasty_out = NASTY
n = snaps.get("#9PPP")
t.eq(n and n["name"], NASTY + "\ufffdtail",
     "names: quotes, backslashes, controls, emoji, RTL round-trip; NUL "
     "shown as U+FFFD")
t.eq(n and n["favourite_cards"],
     [{"name": NASTY_CARD, "id": 27999002, "count": 1},
      {"name": "Wizard", "id": 26000017, "count": 1}],
     "names: the nasty card name round-trips; a lower-case tag is the same "
     "member")
t.eq(n and counts(n)["members"], 2, "names: 2 distinct members of 3 listed")

q = snaps.get("#9QQQ")
t.eq(q and q["name"], BAD_UTF8.decode("utf-8", "replace"),
     "UTF-8: the clan name's bad bytes become U+FFFD, WHATWG style")
t.eq(q and q["favourite_cards"],
     [{"name": "card " + BAD_UTF8.decode("utf-8", "replace"),
       "id": 27999001, "count": 1}], "UTF-8: so do the card name's")

lone = snaps.get("#9LLL")
t.eq(lone and lone["name"], "lone \ufffd x \ufffd y \ufffdz",
     "UTF-8: lone surrogate escapes and \\u0000 become U+FFFD")

tt = snaps.get("#9GGG")
t.eq(tt and (tt["name"], counts(tt)),
     (None, {"members": len(t_members), "fetched": 1,
             "failed": len(t_members) - 1, "without_favourite": 0,
             "favourite_cards": [{"name": "Wizard", "id": 26000017,
                                  "count": 1}]}),
     "wrong types (clan): name 5 -> null; the 13 members without a usable "
     "tag fail, the one valid member is counted")
for tag in ("#9GG2", "#9GG8", "#9GG9", "#9GGP"):
    s = snaps.get(tag)
    t.eq(s and (s["name"], s["members"], s["complete"]), (None, 0, True),
         "wrong types (clan): %s name %s -> null" %
         (tag, json.dumps(clans[tag[1:]]["body"]["name"])))

w = snaps.get("#9RRR")
t.eq(w and counts(w), w_want,
     "wrong types (player): %d cases counted exactly (%d failed, %d "
     "without favourite)" % (len(W), w_want["failed"],
                             w_want["without_favourite"]))
if w and counts(w) != w_want:
    for (name, _s, o), tag in zip(W, w_tags):
        t.diag("%s %s: want %s" % (tag, name, o))
t.ok(re.search(r"#9RRR: player #\w+: HTTP 404 \(bad\?\?reason \ufffd\)",
               r.stderr) is not None,
     "wrong types (player): a nasty error reason is logged sanitised")
t.ok(re.search(r"#9RRR: player #\w+: the player response is not JSON: "
               r"nesting too deep", r.stderr) is not None,
     "wrong types (player): 10,000 levels deep is refused as too deep")

dd = snaps.get("#9CCC")
t.eq(dd and counts(dd), standin.expected(scenario, "#9CCC", 0),
     "duplicates: 9 entries, 3 distinct members")
t.ok(re.search(r"#9CCC: 6 duplicate members ignored", r.stderr) is not None,
     "duplicates: logged")
t.eq(api.stats()["requests_per_tag"].get(ptag(4)), 1,
     "duplicates: a member listed 6 ways is fetched once")

e = snaps.get("#9UUU")
t.eq(e and (counts(e), e["complete"]),
     ({"members": 0, "fetched": 0, "failed": 0, "without_favourite": 0,
       "favourite_cards": []}, True), "empty memberList: 0 members, complete")
k = snaps.get("#9VVV")
t.eq(k and counts(k), standin.expected(scenario, "#9VVV", 0),
     "100 members: counted exactly, the members field not trusted")

# What index.json and metrics.prom must say, from the scenario (the
# stand-in's oracle for the two clans it generates), not from the
# snapshots the daemon wrote.
want_names = {"#9PPP": NASTY + "\ufffdtail",
              "#9QQQ": BAD_UTF8.decode("utf-8", "replace"),
              "#9LLL": "lone \ufffd x \ufffd y \ufffdz",
              "#9GGG": None, "#9GG2": None, "#9GG8": None, "#9GG9": None,
              "#9GGP": None, "#9RRR": "W", "#9CCC": "D", "#9UUU": "E",
              "#9VVV": "K"}
wizard = {"name": "Wizard", "id": 26000017, "count": 1}
want_cards = {"#9PPP": [{"name": NASTY_CARD, "id": 27999002, "count": 1},
                        wizard],
              "#9QQQ": [{"name": "card " + BAD_UTF8.decode("utf-8",
                                                           "replace"),
                         "id": 27999001, "count": 1}],
              "#9LLL": [], "#9GGG": [wizard], "#9GG2": [], "#9GG8": [],
              "#9GG9": [], "#9GGP": [],
              "#9RRR": w_want["favourite_cards"],
              "#9CCC": [{"name": "The Log", "id": 28000011, "count": 3}],
              "#9UUU": [],
              "#9VVV": standin.expected(scenario, "#9VVV",
                                        0)["favourite_cards"]}
idx, metrics = every_output_valid(out, "JSON")
by_tag = {c["tag"]: c for c in idx["clans"]}
t.eq([(c["tag"], c["name"]) for c in idx["clans"]],
     [(tag, want_names[tag]) for tag in tags],
     "index.json: every clan's name, in configuration order")
t.eq(by_tag["#9PPP"]["label"], LABEL, "index.json: a nasty label round-trips")
if metrics is not None:
    t.eq({tag: cards_in_metrics(metrics, tag) for tag in tags},
         {tag: metric_cards(want_cards[tag]) for tag in tags},
         "metrics.prom: every clan's cards, the labels unescaped to the "
         "names the API sent")
    t.eq(promtext.value(metrics, "clanpopd_clan_players", clan="#9RRR",
                        state="failed"), float(w_want["failed"]),
         "metrics.prom: failed players of the wrong-types clan")
api.stop()

# 6. Clans the parser must refuse: no snapshot, the reason in index.json,
#    exit 75. ---------------------------------------------------------------
F = [("8C00", {"body": []}, "the clan response is not a JSON object"),
     ("8C02", {"body": None}, "the clan response is not a JSON object"),
     ("8C08", {"body": "s"}, "the clan response is not a JSON object"),
     ("8C09", {"body": 5}, "the clan response is not a JSON object"),
     ("8C0P", {"body": {}}, "the clan response has no memberList array"),
     ("8C0Y", {"body": {"memberList": {}}},
      "the clan response has no memberList array"),
     ("8C0L", {"body": {"memberList": "x"}},
      "the clan response has no memberList array"),
     ("8C0Q", {"body": {"memberList": None}},
      "the clan response has no memberList array"),
     ("8C0G", {"body": {"memberList": 5}},
      "the clan response has no memberList array"),
     ("8C0R", {"body_b64": b64(('{"memberList":%s}' % (
         "[" * 10000 + "]" * 10000)).encode())},
      r"the clan response is not JSON: nesting too deep at byte \d+"),
     ("8C0J", {"body_b64": b64(deep(10000, "[]").encode())},
      r"the clan response is not JSON: nesting too deep at byte \d+"),
     ("8C0C", {"body_b64": ""},
      "the clan response is not JSON: it is empty"),
     ("8C0U", {"body_b64": b64(b'{"memberList":[]} garbage')},
      r"the clan response is not JSON: unexpected data after the value at "
      r"byte 18"),
     ("8C0V", {"body_b64": b64(b'{"memberList":[')},
      r"the clan response is not JSON: unexpected end of data at byte 15"),
     ("8C20", {"status": 500, "body": {"reason": {"a": 1}}},
      r"HTTP 500 \(GET [^)]*\)"),
     ("8C22", {"status": 404, "body": {"reason": [1]}},
      r"HTTP 404: there is no clan with this tag; check the tag in the "
      r"configuration \(GET [^)]*\)")]
clans = {k: dict(spec, members_list=[]) for k, spec, _w in F}
scenario = {"clans": clans}
tags = ["#" + k for k, _s, _w in F]
wd, out, api, cfg = setup("refuse", scenario, tags, limits__max_retries=0)
r = clanpopd(["--once", "-c", cfg], 75, "refused JSON: exit 75")
t.eq(sorted(os.listdir(os.path.join(out, "clans"))), [],
     "refused JSON: no snapshot written")
idx, _m = every_output_valid(out, "refused JSON")
errors = {c["tag"]: c["last_error"] for c in idx["clans"]}
for k, _s, want in F:
    t.ok(re.fullmatch(want, errors.get("#" + k) or "") is not None,
         "refused JSON: #%s: index.json says %r" % (k, errors.get("#" + k)))
t.ok(re.search(r"%d of %d clans have no new snapshot" % (len(F), len(F)),
               r.stderr) is not None, "refused JSON: the summary is logged")
api.stop()

t.done()
