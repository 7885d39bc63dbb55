#!/usr/bin/env python3
"""Stand-in Clash Royale API server for clanpopd's tests and demo.

Python 3.11, standard library only.  Loopback HTTP/1.1 (keep-alive, a
Content-Length on every response but the chunked hostile faults "endless"
and "huge_chunked"), bound to 127.0.0.1.

    python3 tests/standin.py --scenario FILE --token-file FILE
        [--port 0] [--port-file PATH] [--prefix /v1] [--log FILE]

--port 0 (the default) picks a free port; the chosen port is written to
--port-file (tmp file + rename) once the socket is listening, and the file
is removed again on a clean exit (SIGTERM/SIGINT -> exit status 0).  Quiet
unless --log FILE, which appends one line per request:
"<unix-time> <method> <path> <status> <ms>" (never any header).

API (PREFIX defaults to /v1; "" means no prefix)
------------------------------------------------
  GET PREFIX/clans/%23TAG     clan JSON in the real shape (memberList[])
  GET PREFIX/players/%23TAG   player JSON in the real shape (~25 KB)

The path segment is percent-decoded, then normalised as API.md says (trim,
upper-case, O->0, drop one leading '#', alphabet 0289PYLQGRJCUV, 3-14 chars).
A segment without %23 is accepted too.  A malformed tag (including a
double-encoded "%2523...") -> 400 badRequest; an unknown clan or player ->
404 notFound; any other path -> 404; a method other than GET -> 405.
Order of checks for each API request: forbidden (scenario) -> 403, token ->
403, rate limit -> 429, tag -> 400/404, then the tag's faults.  The scenario
latency (+ a tag's slow:MS) is slept before every API response, errors too.
Every response: Content-Type application/json; charset=utf-8 (text/html for
the *_html faults), Cache-Control: max-age=60, Content-Length.
Auth: "Authorization: Bearer <token>", token = the --token-file contents
stripped of surrounding whitespace.  The token is never printed or logged.

Scenario format (a JSON object; every key optional)
---------------------------------------------------
  {
    "latency_ms": 0,          # slept before every API response
    "rate_limit": {           # or null/absent: no rate limit
      "per_second": 10,       # 429 {"reason":"requestThrottled"} when more than
                              # this many API requests arrived in the last 1.0 s
                              # (window (now-1.0, now], this one included;
                              # throttled requests are arrivals too)
      "retry_after": 1        # int/float seconds -> "Retry-After: N" (rounded
                              # up); null -> no header; "date" -> an HTTP-date
                              # 2 s ahead
    },
    "forbidden": null,        # or "accessDenied" | "invalidIp": answer every
                              # API request with that 403; or "echo": a 403
                              # whose reason, message and X-Echo header repeat
                              # the request's Authorization header
    "clans": {                # keys: clan tags in any accepted form ("9V2Y", "#9v2y")
      "9V2Y":  {"name": "Alpha", "members": 50},
      "2PYLQ": {"name": "Beta", "members": 7,
                "faults": {"0": "404", "3": ["slow:300", "no_favourite"]}},
      "8QRUL": {"fault": "500_json"},
      "PQL9":  {"members_list": ["#2Y0", "#2y0", "nottag", null]},
      "...":   {"members_field": 49, "description": "...", "type": "open"}
    },
    "players": {              # explicit players (also makes a tag known)
      "#2Y0": {"card": {"id": 26000017, "name": "Wizard"},   # or "card": 26000017
               "name": "Zoë", "fault": "fail_once"}
    }
  }

Clans: "members" (default 50 unless "members_list" is given) generates
member i with tag "#" + 9 chars, char k = ALPHABET[sha256(T + ":" + i)[k] % 14]
where T is the normalised clan tag with its '#', e.g. "#9V2Y:0".
"members_list" instead gives the memberList tags verbatim (strings emitted
as given, so dupes / lower case / invalid tags are possible; a null entry
becomes a member object without a "tag" key).  "members_field" overrides the
top-level "members" number (the client must not trust it).  "name",
"description", "type" override generated values.  "faults" maps a member
INDEX (string) to a fault spec; it applies to the player with that tag.
"fault" is a fault spec for the clan request itself.  "body" (any JSON
value, sent as compact UTF-8) or "body_b64" (raw bytes, base64) replace
the clan's 200 answer verbatim (faults still apply first): hostile JSON,
invalid UTF-8, wrong types.  The members_list / members still say which
player tags exist.  Players take "body" / "body_b64" the same way.  With
"status" (default 200) such a body comes with that HTTP status instead: an
error body of your own (e.g. {"reason": 5}).
expected() does not look inside body / body_b64: count such clans by hand.

Players: every valid tag listed by a clan is a known player; "players" adds
or overrides tags: "name", "card" (an id from the built-in table, or an
object {"id", "name", optional "rarity", "elixirCost", "maxLevel",
"maxEvolutionLevel"}; unknown ids need a "name"), "fault".  If a tag is
listed in several places: the "players" entry wins, else the first clan /
index (scenario order) that gives it a fault.  Generated favourite card =
weighted hash pick from FAVOURITES (a support card, "Tower Princess", has no
elixirCost, as in the real API).

Fault spec: a string or a list of strings, at most one "terminal" fault:
  terminal: "404" "400" "403" "500_json" "503_json" (inMaintenance)
            "502_html" "503_html" "504_html" "invalid_json" (200, non-JSON)
            "truncated" (Content-Length larger than the bytes sent, then
            close), and for players only "no_favourite" "null_favourite"
            "bad_favourite" (200, key absent / null / "x").
            Hostile transports (clans and players), each ending the
            connection afterwards:
            "hang"      read the request, never answer; the connection is
                        held until the client closes it (stats: status 0)
            "trickle" / "trickle:N"  200 with the normal body's
                        Content-Length, then the body at N bytes/s
                        (default 1), until done or the client closes
            "endless"   200, Transfer-Encoding: chunked, a JSON prefix then
                        bytes as fast as the client reads, forever (the
                        server gives up after 1 GiB)
            "huge"      200 with Content-Length 10485760 (10 MiB): the
                        normal body padded to exactly that size, valid JSON
            "huge_chunked"  the same 10 MiB of valid JSON, chunked (no
                        Content-Length, so only a body cap can stop it)
            These never succeed, so expected() counts them as failed.
  gates:    "fail_once" (= "fail:1:500_json"), "fail:N" (= "fail:N:503_html"),
            "fail:N:KIND" with KIND one of the 5xx terminals: the first N
            requests for that tag get KIND, later ones the normal answer.
            The count is per (clan|player, tag) since start or /_/reset (a
            scenario change keeps it); only requests that passed auth, rate
            limit and tag checks count.
  extra:    "slow:MS" adds MS ms of latency to every response for that tag.

expected(scenario, clan_tag, max_retries=3) (scenario: dict, path or
Scenario) gives the snapshot a correct client must produce on its first
refresh after start/reset: {"members", "fetched", "failed",
"without_favourite", "favourite_cards": [{"name","id","count"}, ...]} sorted
by count desc, name asc, id asc; or None when there is no snapshot.

Control endpoints (no token, never counted in stats, no latency)
---------------------------------------------------------------
  GET  /_/stats      {"requests", "by_status": {"200": n}, "by_kind":
                      {"clan": n, "player": n[, "other": n]}, "in_flight",
                      "peak_in_flight", "busiest_second", "requests_per_tag":
                      {"#TAG": n}, "rate_window": n}
                     requests = API requests that arrived (counted when the
                     request line is read); by_status / by_kind /
                     requests_per_tag are counted when the answer is written,
                     for every API request whatever its outcome (403 and 429
                     included; per_tag only when the path held a valid tag;
                     by_kind "other" = any other path, present once seen).
                     in_flight: from request line read to response written,
                     peak_in_flight its maximum.  busiest_second: the most
                     arrivals in any window (t-1.0 s, t], exact (the same
                     sliding window the rate limit uses); rate_window: the
                     arrivals in the last 1.0 s now.
  POST /_/reset      zero stats and the fail_once / fail:N counters
  POST /_/scenario   body = scenario JSON; replaces it live (400 if invalid)
  GET  /_/scenario   the current scenario JSON as given
  POST /_/token      re-read --token-file (a rotated key)
  GET  /_/expected?clan=%23TAG&retries=R   expected() as JSON (null = none)
  GET  /_/health     {"ok": true}
"""

import argparse
import base64
import email.utils
import hashlib
import hmac
import json
import math
import os
import re
import select
import signal
import socket
import sys
import threading
import time
import urllib.parse
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALPHABET = "0289PYLQGRJCUV"
MAX_LEVEL = {"common": 16, "rare": 14, "epic": 11, "legendary": 8, "champion": 6}

# (id, name, rarity, elixirCost or None, maxEvolutionLevel or 0)
CARDS = [
    (26000000, "Knight", "common", 3, 1), (26000001, "Archers", "common", 3, 1),
    (26000002, "Goblins", "common", 2, 0), (26000003, "Giant", "rare", 5, 0),
    (26000004, "P.E.K.K.A", "epic", 7, 1), (26000005, "Minions", "common", 3, 0),
    (26000006, "Balloon", "epic", 5, 0), (26000007, "Witch", "epic", 5, 1),
    (26000008, "Barbarians", "common", 5, 1), (26000009, "Golem", "epic", 8, 0),
    (26000010, "Skeletons", "common", 1, 1), (26000011, "Valkyrie", "rare", 4, 1),
    (26000012, "Skeleton Army", "epic", 3, 1), (26000013, "Bomber", "common", 2, 1),
    (26000014, "Musketeer", "rare", 4, 1), (26000015, "Baby Dragon", "epic", 4, 1),
    (26000016, "Prince", "epic", 5, 0), (26000017, "Wizard", "rare", 5, 1),
    (26000018, "Mini P.E.K.K.A", "rare", 4, 0), (26000019, "Spear Goblins", "common", 2, 0),
    (26000020, "Giant Skeleton", "epic", 6, 0), (26000021, "Hog Rider", "rare", 4, 1),
    (26000022, "Minion Horde", "common", 5, 0), (26000023, "Ice Wizard", "legendary", 3, 0),
    (26000024, "Royal Giant", "common", 6, 1), (26000025, "Guards", "epic", 3, 0),
    (26000026, "Princess", "legendary", 3, 0), (26000027, "Dark Prince", "epic", 4, 0),
    (26000028, "Three Musketeers", "rare", 9, 0), (26000029, "Lava Hound", "legendary", 7, 0),
    (26000030, "Ice Spirit", "common", 1, 1), (26000031, "Fire Spirit", "common", 1, 0),
    (26000032, "Miner", "legendary", 3, 0), (26000033, "Sparky", "legendary", 6, 0),
    (26000034, "Bowler", "epic", 5, 0), (26000035, "Lumberjack", "legendary", 4, 1),
    (26000036, "Battle Ram", "rare", 4, 1), (26000037, "Inferno Dragon", "legendary", 4, 1),
    (26000038, "Ice Golem", "rare", 2, 0), (26000039, "Mega Minion", "rare", 3, 0),
    (26000040, "Dart Goblin", "rare", 3, 1), (26000041, "Goblin Gang", "common", 3, 0),
    (26000042, "Electro Wizard", "legendary", 4, 0), (26000043, "Elite Barbarians", "common", 6, 0),
    (26000044, "Hunter", "epic", 4, 1), (26000045, "Executioner", "epic", 5, 1),
    (26000046, "Bandit", "legendary", 3, 0), (26000047, "Royal Recruits", "common", 7, 1),
    (26000048, "Night Witch", "legendary", 4, 0), (26000049, "Bats", "common", 2, 1),
    (26000050, "Royal Ghost", "legendary", 3, 0), (26000051, "Ram Rider", "legendary", 5, 0),
    (26000052, "Zappies", "rare", 4, 0), (26000053, "Rascals", "common", 5, 0),
    (26000054, "Cannon Cart", "epic", 5, 0), (26000055, "Mega Knight", "legendary", 7, 1),
    (26000056, "Skeleton Barrel", "common", 3, 0), (26000057, "Flying Machine", "rare", 4, 0),
    (26000058, "Wall Breakers", "epic", 2, 1), (26000059, "Royal Hogs", "rare", 5, 1),
    (26000060, "Goblin Giant", "epic", 6, 1), (26000061, "Fisherman", "legendary", 3, 0),
    (26000062, "Magic Archer", "legendary", 4, 0), (26000063, "Electro Dragon", "epic", 5, 1),
    (26000064, "Firecracker", "common", 3, 1), (26000065, "Mighty Miner", "champion", 4, 0),
    (26000067, "Elixir Golem", "rare", 3, 0), (26000068, "Battle Healer", "rare", 4, 0),
    (26000069, "Skeleton King", "champion", 4, 0), (26000072, "Archer Queen", "champion", 5, 0),
    (26000074, "Golden Knight", "champion", 4, 0), (26000077, "Monk", "champion", 5, 0),
    (26000080, "Skeleton Dragons", "common", 4, 0), (26000083, "Mother Witch", "legendary", 4, 0),
    (26000084, "Electro Spirit", "common", 1, 0), (26000085, "Electro Giant", "epic", 7, 0),
    (26000087, "Phoenix", "legendary", 4, 0), (26000093, "Little Prince", "champion", 3, 0),
    (26000095, "Goblin Demolisher", "rare", 4, 0), (26000096, "Goblin Machine", "legendary", 5, 0),
    (26000097, "Suspicious Bush", "rare", 2, 0), (26000099, "Goblinstein", "champion", 5, 0),
    (26000101, "Rune Giant", "epic", 4, 0), (26000102, "Berserker", "common", 2, 0),
    (26000103, "Boss Bandit", "champion", 6, 0),
    (27000000, "Cannon", "common", 3, 1), (27000001, "Goblin Hut", "rare", 5, 0),
    (27000002, "Mortar", "common", 4, 1), (27000003, "Inferno Tower", "rare", 5, 0),
    (27000004, "Bomb Tower", "rare", 4, 0), (27000005, "Barbarian Hut", "rare", 7, 0),
    (27000006, "Tesla", "common", 4, 1), (27000007, "Elixir Collector", "rare", 6, 0),
    (27000008, "X-Bow", "epic", 6, 0), (27000009, "Tombstone", "rare", 3, 0),
    (27000010, "Furnace", "rare", 4, 1), (27000012, "Goblin Cage", "rare", 4, 1),
    (27000013, "Goblin Drill", "epic", 4, 1),
    (28000000, "Fireball", "rare", 4, 0), (28000001, "Arrows", "common", 3, 0),
    (28000002, "Rage", "epic", 2, 0), (28000003, "Rocket", "rare", 6, 0),
    (28000004, "Goblin Barrel", "epic", 3, 1), (28000005, "Freeze", "epic", 4, 0),
    (28000006, "Mirror", "epic", 1, 0), (28000007, "Lightning", "epic", 6, 0),
    (28000008, "Zap", "common", 2, 1), (28000009, "Poison", "epic", 4, 0),
    (28000010, "Graveyard", "legendary", 5, 0), (28000011, "The Log", "legendary", 2, 0),
    (28000012, "Tornado", "epic", 3, 0), (28000013, "Clone", "epic", 3, 0),
    (28000014, "Earthquake", "rare", 3, 0), (28000015, "Barbarian Barrel", "epic", 2, 0),
    (28000016, "Heal Spirit", "rare", 1, 0), (28000017, "Giant Snowball", "common", 2, 1),
    (28000018, "Royal Delivery", "common", 3, 0), (28000023, "Void", "epic", 3, 0),
    (28000024, "Goblin Curse", "epic", 2, 0),
]
SUPPORT_CARDS = [
    (159000000, "Tower Princess", "common", None, 0), (159000001, "Cannoneer", "epic", None, 0),
    (159000002, "Dagger Duchess", "legendary", None, 0), (159000004, "Royal Chef", "legendary", None, 0),
]
CARD_BY_ID = {c[0]: c for c in CARDS + SUPPORT_CARDS}

# Favourite-card table: (id, weight).  Weighted so snapshots have a clear top.
FAVOURITES = [
    (26000055, 9), (26000017, 8), (26000000, 7), (26000021, 6), (26000004, 6),
    (27000008, 5), (28000011, 5), (26000014, 4), (28000000, 4), (26000006, 4),
    (26000009, 3), (26000011, 3), (26000012, 3), (26000015, 3), (26000042, 3),
    (26000032, 3), (28000004, 2), (26000026, 2), (26000029, 2), (26000024, 2),
    (26000072, 2), (26000074, 2), (28000008, 2), (27000003, 2), (26000018, 2),
    (159000000, 2),
]
FAV_TOTAL = sum(w for _, w in FAVOURITES)

PLAYER_NAMES = [
    "Goku", "joseph", "Zoë", "Jürgen", "Łukasz", "Ωmega", "김민준", "李小龙",
    "さくら", "Олег", "עברית", "مرحبا", "😀Smile", "King👑", "O'Brien",
    'Quote"Man', "Back\\slash", "Đặng Văn", "Ñandú", "ThePro", "xXSlayerXx",
    "Mårten", "Θεός", "नमस्ते", "Tab\tName", "<b>bold</b>",
]
CLAN_NAMES = ["AUSCLAN", "Les Rois", "Königsklasse", "Royale 🔥", "Ω Team",
              "الفرسان", "Los \"Tigres\"", "Clan\\Slash"]
ARENAS = [(54000000, "Goblin Stadium"), (54000008, "Frozen Peak"),
          (54000013, "Challenger II"), (54000014, "Challenger III"),
          (54000015, "Master I"), (54000016, "Master II"),
          (54000017, "Master III"), (54000018, "Champion"),
          (54000019, "Grand Champion"), (54000020, "Royal Champion"),
          (54000057, "Ultimate Champion")]
LOCATIONS = [(57000021, "Australia", "AU"), (57000094, "Germany", "DE"),
             (57000087, "France", "FR"), (57000122, "Israel", "IL"),
             (57000249, "United States", "US"), (57000006, None, None)]
BADGES = ["Classic12Wins", "Grand12Wins", "ClanWarsVeteran", "Crl20Wins",
          "1000Wins", "Played1Year", "Played2Years", "Played3Years",
          "LadderTournamentTop1000_1", "EmoteCollection", "BannerCollection",
          "CardEvo", "ClanDonations", "2v2", "YearsPlayed", "MasteryWizard"]
ACHIEVEMENTS = [
    ("Team Player", "Join a Clan"), ("Friend in Need", "Donate 2500 cards"),
    ("Road to Glory", "Reach Arena 10"), ("Gatherer", "Collect 100 cards"),
    ("TV Royale", "Watch 10 battles on TV Royale"),
    ("Tournament Rewards", "Win 20 cards in Tournaments"),
    ("Tournament Host", "Host 3 Tournaments"),
    ("Tournament Player", "Participate in a Tournament"),
    ("Challenge Streak", "Win 8 battles in a Challenge"),
    ("Practice with Friends", "Battle a friend"),
    ("Special Challenge", "Participate in a Special Challenge"),
    ("Friend in Need II", "Donate 25000 cards"),
]

FAV_FAULTS = {"no_favourite", "null_favourite", "bad_favourite"}
GATE_KINDS = {"500_json", "503_json", "502_html", "503_html", "504_html"}
STREAM_FAULTS = {"hang", "trickle", "endless", "huge", "huge_chunked"}
TERMINAL = ({"404", "400", "403", "invalid_json", "truncated"} | GATE_KINDS | FAV_FAULTS
            | STREAM_FAULTS)
HUGE_SIZE = 10 * 1024 * 1024    # bytes, the "huge" bodies
ENDLESS_MAX = 1024 * 1024 * 1024  # bytes an "endless" body gives up after


# ---------------------------------------------------------------- helpers

def normalise_tag(s):
    """API.md rules: trim, upper-case, O->0, drop a leading '#'; '#TAG' or None."""
    if not isinstance(s, str):
        return None
    t = s.strip().upper().replace("O", "0")
    if t.startswith("#"):
        t = t[1:]
    if not 3 <= len(t) <= 14 or any(c not in ALPHABET for c in t):
        return None
    return "#" + t


def _digest(*parts):
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def _h(*parts):
    return int.from_bytes(_digest(*parts)[:8], "big")


def member_tag(clan_tag, i):
    d = _digest(clan_tag, i)
    return "#" + "".join(ALPHABET[b % 14] for b in d[:9])


def _icon(card_id, evo=False):
    tok = base64.urlsafe_b64encode(_digest("icon", card_id, evo)).decode().rstrip("=")
    folder = "cardevolutions" if evo else "cards"
    return f"https://api-assets.clashroyale.com/{folder}/300/{tok}.png"


def player_name(tag):
    h = _h("name", tag)
    base = PLAYER_NAMES[h % len(PLAYER_NAMES)]
    return base + (str(h // 97 % 1000) if h % 3 == 0 else "")


def generated_favourite(tag):
    x = _h("fav", tag) % FAV_TOTAL
    for cid, w in FAVOURITES:
        if x < w:
            return cid
        x -= w
    return FAVOURITES[0][0]


class ScenarioError(ValueError):
    pass


class Faults:
    __slots__ = ("terminal", "fail_n", "fail_kind", "slow_ms", "trickle_bps")

    def __init__(self, terminal=None, fail_n=0, fail_kind="503_html", slow_ms=0):
        self.terminal, self.fail_n, self.fail_kind, self.slow_ms = terminal, fail_n, fail_kind, slow_ms
        self.trickle_bps = 1

    def __bool__(self):
        return bool(self.terminal or self.fail_n or self.slow_ms)

    def succeeds(self, retries):
        """Does a client with `retries` retries eventually get a 200 (JSON)?"""
        if self.fail_n and self.fail_n > retries:
            return False
        return self.terminal is None or self.terminal in FAV_FAULTS


def parse_faults(spec, where, player=True):
    f = Faults()
    if spec is None:
        return f
    items = [spec] if isinstance(spec, str) else spec
    if not isinstance(items, list):
        raise ScenarioError(f"{where}: fault must be a string or a list of strings")
    for it in items:
        if not isinstance(it, str):
            raise ScenarioError(f"{where}: fault must be a string")
        m = re.fullmatch(r"fail:(\d+)(?::(\w+))?", it)
        if it == "fail_once":
            f.fail_n, f.fail_kind = 1, "500_json"
        elif m:
            f.fail_n, f.fail_kind = int(m.group(1)), m.group(2) or "503_html"
            if f.fail_kind not in GATE_KINDS:
                raise ScenarioError(f"{where}: fail:N:KIND needs KIND in {sorted(GATE_KINDS)}")
        elif re.fullmatch(r"slow:\d+", it):
            f.slow_ms = int(it[5:])
        elif re.fullmatch(r"trickle:[1-9]\d*", it):
            if f.terminal is not None:
                raise ScenarioError(f"{where}: two terminal faults ({f.terminal}, {it})")
            f.terminal, f.trickle_bps = "trickle", int(it[8:])
        elif it in TERMINAL:
            if it in FAV_FAULTS and not player:
                raise ScenarioError(f"{where}: {it} applies to players only")
            if f.terminal is not None:
                raise ScenarioError(f"{where}: two terminal faults ({f.terminal}, {it})")
            f.terminal = it
        else:
            raise ScenarioError(f"{where}: unknown fault {it!r}")
    return f


class Player:
    __slots__ = ("tag", "clan", "name", "card", "faults", "body", "status")

    def __init__(self, tag, clan=None):
        self.tag, self.clan, self.name, self.card, self.faults = tag, clan, None, None, Faults()
        self.body, self.status = None, 200


class Clan:
    __slots__ = ("tag", "name", "entries", "tags", "faults", "spec", "body", "status")


def custom_status(spec, where):
    st = spec.get("status", 200)
    if st not in REASONS:
        raise ScenarioError(f"{where}.status: one of {sorted(REASONS)}")
    return st


def custom_body(spec, where):
    """The verbatim answer a scenario entry gives ("body" / "body_b64"), or None."""
    if "body" in spec and "body_b64" in spec:
        raise ScenarioError(f"{where}: body and body_b64 exclude each other")
    if "body" in spec:
        return _dumps(spec["body"])
    if "body_b64" in spec:
        try:
            return base64.b64decode(spec["body_b64"], validate=True)
        except (ValueError, TypeError) as e:
            raise ScenarioError(f"{where}.body_b64: {e}")
    return None


class Scenario:
    """A compiled, validated scenario.  Bodies are cached per scenario."""

    def __init__(self, raw):
        if isinstance(raw, (str, os.PathLike)):
            with open(raw, encoding="utf-8") as fh:
                raw = json.load(fh)
        if not isinstance(raw, dict):
            raise ScenarioError("scenario must be a JSON object")
        self.raw = raw
        self.cache = {}
        self.latency_ms = raw.get("latency_ms", 0) or 0
        if not isinstance(self.latency_ms, (int, float)) or self.latency_ms < 0:
            raise ScenarioError("latency_ms must be a number >= 0")
        rl = raw.get("rate_limit")
        self.rate_per_second = None
        self.retry_after = None
        if rl is not None:
            if not isinstance(rl, dict) or not isinstance(rl.get("per_second"), int) or rl["per_second"] < 0:
                raise ScenarioError("rate_limit needs an integer per_second >= 0")
            self.rate_per_second = rl["per_second"]
            self.retry_after = rl.get("retry_after", 1)
            if not (self.retry_after is None or self.retry_after == "date"
                    or (isinstance(self.retry_after, (int, float)) and self.retry_after >= 0)):
                raise ScenarioError('rate_limit.retry_after: seconds, null or "date"')
        self.forbidden = raw.get("forbidden")
        if self.forbidden not in (None, "accessDenied", "invalidIp", "echo"):
            raise ScenarioError('forbidden: null, "accessDenied", "invalidIp" or "echo"')

        self.clans = {}
        self.players = {}
        clans = raw.get("clans") or {}
        if not isinstance(clans, dict):
            raise ScenarioError("clans must be an object")
        for key, spec in clans.items():
            ct = normalise_tag(key)
            if ct is None:
                raise ScenarioError(f"clans: bad clan tag {key!r}")
            if spec is None:
                spec = {}
            if not isinstance(spec, dict):
                raise ScenarioError(f"clans.{key}: must be an object")
            c = Clan()
            c.tag, c.spec = ct, spec
            c.name = spec.get("name", CLAN_NAMES[_h("clan", ct) % len(CLAN_NAMES)])
            if "members_list" in spec:
                if not isinstance(spec["members_list"], list):
                    raise ScenarioError(f"clans.{key}.members_list must be a list")
                c.entries = list(spec["members_list"])
            else:
                n = spec.get("members", 50)
                if not isinstance(n, int) or not 0 <= n <= 1000:
                    raise ScenarioError(f"clans.{key}.members must be an integer 0..1000")
                c.entries = [member_tag(ct, i) for i in range(n)]
            c.tags = [normalise_tag(e) for e in c.entries]
            c.faults = parse_faults(spec.get("fault"), f"clans.{key}.fault", player=False)
            c.body = custom_body(spec, f"clans.{key}")
            c.status = custom_status(spec, f"clans.{key}")
            self.clans[ct] = c
            mf = spec.get("faults") or {}
            if not isinstance(mf, dict):
                raise ScenarioError(f"clans.{key}.faults must be an object")
            pf = {}
            for idx, fs in mf.items():
                if not str(idx).isdigit() or int(idx) >= len(c.entries):
                    raise ScenarioError(f"clans.{key}.faults: no member index {idx!r}")
                pf[int(idx)] = parse_faults(fs, f"clans.{key}.faults.{idx}")
            for i, t in enumerate(c.tags):
                if t is None:
                    continue
                p = self.players.get(t)
                if p is None:
                    p = self.players[t] = Player(t, ct)
                if i in pf and not p.faults:
                    p.faults = pf[i]
        players = raw.get("players") or {}
        if not isinstance(players, dict):
            raise ScenarioError("players must be an object")
        for key, spec in players.items():
            pt = normalise_tag(key)
            if pt is None:
                raise ScenarioError(f"players: bad player tag {key!r}")
            spec = spec or {}
            if not isinstance(spec, dict):
                raise ScenarioError(f"players.{key}: must be an object")
            p = self.players.get(pt) or Player(pt)
            self.players[pt] = p
            if "name" in spec:
                p.name = spec["name"]
            if "body" in spec or "body_b64" in spec:
                p.body = custom_body(spec, f"players.{key}")
                p.status = custom_status(spec, f"players.{key}")
            if "fault" in spec:
                p.faults = parse_faults(spec["fault"], f"players.{key}.fault")
            if spec.get("card") is not None:
                p.card = self._card(spec["card"], f"players.{key}.card")

    @staticmethod
    def _card(spec, where):
        if isinstance(spec, int):
            spec = {"id": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("id"), int):
            raise ScenarioError(f"{where}: an id or an object with an integer id")
        base = CARD_BY_ID.get(spec["id"])
        if base is None and "name" not in spec:
            raise ScenarioError(f"{where}: unknown card id {spec['id']} needs a name")
        cid, name, rarity, elixir, evo = base or (spec["id"], None, "common", 3, 0)
        return (cid, spec.get("name", name), spec.get("rarity", rarity),
                spec.get("elixirCost", elixir), spec.get("maxEvolutionLevel", evo),
                spec.get("maxLevel"))

    # -- per-player facts shared by the server and expected()
    def name_of(self, tag):
        p = self.players.get(tag)
        if p is not None and p.name is not None:
            return p.name
        return player_name(tag)

    def favourite_of(self, tag):
        """(id, name, rarity, elixirCost, maxEvolutionLevel, maxLevel)."""
        p = self.players.get(tag)
        if p is not None and p.card is not None:
            return p.card
        cid, name, rarity, elixir, evo = CARD_BY_ID[generated_favourite(tag)]
        return (cid, name, rarity, elixir, evo, None)


# ---------------------------------------------------------------- expected

def expected(scenario, clan_tag, max_retries=3):
    """Snapshot counts a correct client must produce (first refresh)."""
    sc = scenario if isinstance(scenario, Scenario) else Scenario(scenario)
    if sc.forbidden:
        return None
    ct = normalise_tag(clan_tag)
    c = sc.clans.get(ct)
    if c is None or not c.faults.succeeds(max_retries):
        return None
    members = fetched = failed = without = 0
    seen = set()
    counts = {}
    for t in c.tags:
        if t is None:
            members += 1
            failed += 1
            continue
        if t in seen:
            continue
        seen.add(t)
        members += 1
        p = sc.players[t]
        if not p.faults.succeeds(max_retries):
            failed += 1
            continue
        fetched += 1
        if p.faults.terminal in FAV_FAULTS:
            without += 1
            continue
        card = sc.favourite_of(t)
        ent = counts.setdefault(card[0], {"name": card[1], "id": card[0], "count": 0})
        ent["count"] += 1
    fav = sorted(counts.values(), key=lambda e: (-e["count"], e["name"], e["id"]))
    return {"members": members, "fetched": fetched, "failed": failed,
            "without_favourite": without, "favourite_cards": fav}


# ---------------------------------------------------------------- bodies

def _dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _card_obj(card, level=None, count=None, owned=True):
    cid, name, rarity, elixir, evo, maxlevel = (card + (None,))[:6]
    o = {"name": name, "id": cid}
    if owned:
        o["level"] = level
        o["starLevel"] = _h("star", cid, level) % 4 if level and level > 3 else 0
        if evo and level and level % 2 == 0:
            o["evolutionLevel"] = 1
    o["maxLevel"] = maxlevel or MAX_LEVEL.get(rarity, 14)
    if evo:
        o["maxEvolutionLevel"] = evo
    o["rarity"] = rarity
    if owned and count is not None:
        o["count"] = count
    if elixir is not None:
        o["elixirCost"] = elixir
    icons = {"medium": _icon(cid)}
    if evo:
        icons["evolutionMedium"] = _icon(cid, True)
    o["iconUrls"] = icons
    return o


def clan_body(sc, c):
    ct = c.tag
    h = _h("clandata", ct)
    loc = LOCATIONS[h % len(LOCATIONS)]
    location = {"id": loc[0], "name": loc[1] or "International", "isCountry": loc[1] is not None}
    if loc[2]:
        location["countryCode"] = loc[2]
    members = []
    for i, entry in enumerate(c.entries):
        t = c.tags[i]
        mh = _h("member", ct, i)
        m = {}
        if entry is not None:
            m["tag"] = entry
        m["name"] = sc.name_of(t) if t else player_name(str(entry))
        m["role"] = "leader" if i == 0 else ("coLeader" if i < 3 else ("elder" if i < 10 else "member"))
        ts = 1700000000 - mh % 864000
        m["lastSeen"] = time.strftime("%Y%m%dT%H%M%S.000Z", time.gmtime(ts))
        m["expLevel"] = 30 + mh % 45
        m["trophies"] = max(0, 9000 - 40 * i - mh % 30)
        arena = ARENAS[min(len(ARENAS) - 1, max(0, (len(ARENAS) - 1) - i // 6))]
        m["arena"] = {"id": arena[0], "name": arena[1]}
        m["clanRank"] = i + 1
        m["previousClanRank"] = max(1, i + 1 + (mh % 5) - 2)
        m["donations"] = mh % 400
        m["donationsReceived"] = (mh >> 10) % 400
        m["clanChestPoints"] = 0
        members.append(m)
    body = {
        "tag": ct, "name": c.name, "type": c.spec.get("type", ("open", "inviteOnly", "closed")[h % 3]),
        "description": c.spec.get("description", f"Welcome to {c.name}! Be active, donate, war. 🏆 \"Have fun\""),
        "badgeId": 16000000 + h % 180, "clanScore": 40000 + h % 30000,
        "clanWarTrophies": 1000 + h % 4000, "location": location,
        "requiredTrophies": 5000 + 100 * (h % 30), "donationsPerWeek": 5000 + h % 20000,
        "clanChestStatus": "inactive", "clanChestLevel": 1, "clanChestMaxLevel": 0,
        "members": c.spec.get("members_field", len(members)), "memberList": members,
    }
    return _dumps(body)


def player_body(sc, tag, fav_mode=None):
    p = sc.players[tag]
    h = _h("player", tag)
    fav = sc.favourite_of(tag)
    exp = 30 + h % 45
    trophies = 5000 + h % 4000
    wins = 1000 + (h >> 8) % 9000
    losses = 800 + (h >> 20) % 8000
    # Owned cards: a deterministic subset of the table, always the favourite.
    pool = [c for c in CARDS if c[0] != fav[0]]
    pool.sort(key=lambda c: _h("own", tag, c[0]))
    owned = pool[:52 + h % 12]
    deck = owned[:8]
    owned.sort(key=lambda c: c[0])
    cards = []
    for c in owned:
        ml = MAX_LEVEL[c[2]]
        lvl = max(1, ml - _h("lvl", tag, c[0]) % 5)
        cards.append(_card_obj(c, lvl, _h("cnt", tag, c[0]) % 5000))
    supports = [_card_obj(c, MAX_LEVEL[c[2]] - _h("lvl", tag, c[0]) % 3, _h("cnt", tag, c[0]) % 500)
                for c in SUPPORT_CARDS if c[0] != fav[0] and _h("sup", tag, c[0]) % 3]
    fav_owned = _card_obj(fav, (fav[5] or MAX_LEVEL.get(fav[2], 14)) - 1, 0)
    if fav[0] >= 159000000:
        supports.append(fav_owned)
    else:
        cards.append(fav_owned)
    arena = ARENAS[h % len(ARENAS)]
    body = {
        "tag": tag, "name": sc.name_of(tag), "expLevel": exp, "trophies": trophies,
        "bestTrophies": trophies + h % 700, "wins": wins, "losses": losses,
        "battleCount": wins + losses + h % 500, "threeCrownWins": wins // 3,
        "challengeCardsWon": (h >> 5) % 20000, "challengeMaxWins": 12,
        "tournamentCardsWon": (h >> 7) % 3000, "tournamentBattleCount": (h >> 9) % 900,
        "role": "member", "donations": h % 400, "donationsReceived": (h >> 3) % 400,
        "totalDonations": 10000 + (h >> 11) % 90000, "warDayWins": (h >> 13) % 300,
        "clanCardsCollected": 100000 + (h >> 15) % 200000,
    }
    if p.clan is not None:
        c = sc.clans[p.clan]
        body["clan"] = {"tag": c.tag, "name": c.name, "badgeId": 16000000 + _h("clandata", c.tag) % 180}
    body["arena"] = {"id": arena[0], "name": arena[1]}
    body["leagueStatistics"] = {
        "currentSeason": {"trophies": trophies, "bestTrophies": trophies + 20},
        "previousSeason": {"id": "2025-05", "trophies": trophies - 50, "bestTrophies": trophies + 10},
        "bestSeason": {"id": "2023-11", "trophies": trophies + 300}}
    body["badges"] = [
        {"name": b, "level": 1 + _h("b", tag, b) % 8, "maxLevel": 8,
         "progress": _h("bp", tag, b) % 1000, "target": 1000,
         "iconUrls": {"large": "https://api-assets.clashroyale.com/playerbadges/512/"
                      + base64.urlsafe_b64encode(_digest("badge", b)).decode().rstrip("=") + ".png"}}
        for b in BADGES]
    body["achievements"] = [
        {"name": n, "stars": 3, "value": 100 + _h("a", tag, n) % 5000, "target": 100,
         "info": info, "completionInfo": None} for n, info in ACHIEVEMENTS]
    body["cards"] = cards
    body["supportCards"] = supports
    body["currentDeck"] = [_card_obj(c, MAX_LEVEL[c[2]] - 1, 0) for c in deck]
    body["currentDeckSupportCards"] = supports[:1]
    if fav_mode is None:
        body["currentFavouriteCard"] = _card_obj(fav, owned=False)
    elif fav_mode == "null_favourite":
        body["currentFavouriteCard"] = None
    elif fav_mode == "bad_favourite":
        body["currentFavouriteCard"] = "x"
    body["starPoints"] = h % 200000
    body["expPoints"] = h % 50000
    body["totalExpPoints"] = 1000000 + h % 9000000
    return _dumps(body)


HTML_PAGES = {
    502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable", 504: "504 Gateway Time-out",
}


def html_page(status):
    t = HTML_PAGES[status]
    return (f"<html>\r\n<head><title>{t}</title></head>\r\n<body>\r\n<center><h1>{t}</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode()


def err(reason, message=None):
    o = {"reason": reason}
    if message is not None:
        o["message"] = message
    return _dumps(o)


ERR_NOTFOUND = err("notFound")
ERR_UNKNOWN = err("unknownException")
ERR_MAINT = err("inMaintenance")
ERR_DENIED = err("accessDenied", "Invalid authorization")
ERR_INVALID_IP = err("accessDenied.invalidIp",
                     "Invalid authorization: API key does not allow access from IP 1.2.3.4")
ERR_THROTTLED = err("requestThrottled", "Request was throttled, because amount of requests was above the threshold defined for the used API token.")
INVALID_JSON = b'{"tag":"#broken","name":"half an object",'


# ---------------------------------------------------------------- state

class State:
    def __init__(self, scenario, token, prefix, logfh):
        self.scenario = scenario
        self.token = token.encode()
        self.prefix = prefix
        self.logfh = logfh
        self.loglock = threading.Lock()
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.requests = 0
            self.by_status = {}
            self.by_kind = {}
            self.in_flight = 0
            self.peak_in_flight = 0
            self.busiest_second = 0
            self.window = deque()
            self.per_tag = {}
            self.fault_counts = {}

    def begin(self, now):
        """An API request arrived: returns the arrivals in (now-1, now]."""
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            if self.in_flight > self.peak_in_flight:
                self.peak_in_flight = self.in_flight
            w = self.window
            w.append(now)
            edge = now - 1.0
            while w[0] <= edge:
                w.popleft()
            n = len(w)
            if n > self.busiest_second:
                self.busiest_second = n
            return n

    def end(self, status, kind, tag):
        with self.lock:
            self.in_flight -= 1
            k = str(status)
            self.by_status[k] = self.by_status.get(k, 0) + 1
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            if tag:
                self.per_tag[tag] = self.per_tag.get(tag, 0) + 1

    def count_fault(self, kind, tag):
        """How many earlier fault-checked requests this (kind, tag) had."""
        with self.lock:
            k = (kind, tag)
            n = self.fault_counts.get(k, 0)
            self.fault_counts[k] = n + 1
            return n

    def stats(self):
        with self.lock:
            now = time.monotonic()
            return {"requests": self.requests, "by_status": dict(self.by_status),
                    "by_kind": {"clan": 0, "player": 0, **self.by_kind},
                    "in_flight": self.in_flight, "peak_in_flight": self.peak_in_flight,
                    "busiest_second": self.busiest_second,
                    "requests_per_tag": dict(self.per_tag),
                    "rate_window": sum(1 for t in self.window if t > now - 1.0)}

    def log(self, method, path, status, ms):
        if self.logfh is None:
            return
        line = f"{time.time():.3f} {method} {path} {status} {ms:.1f}\n"
        with self.loglock:
            try:
                self.logfh.write(line)
                self.logfh.flush()
            except OSError:
                pass


_date_cache = [0, ""]


def http_date():
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[1] = email.utils.formatdate(now, usegmt=True)
        _date_cache[0] = now
    return _date_cache[1]


REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
CT_JSON = "application/json; charset=utf-8"
CT_HTML = "text/html; charset=utf-8"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin/1"
    sys_version = ""
    timeout = 120

    def log_message(self, *args):  # quiet
        pass

    def log_error(self, *args):
        pass

    # Our own loop step so that in-flight starts when the request line is read.
    def handle_one_request(self):
        st = self.server.state
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, OSError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        t0 = time.monotonic()
        parts = self.raw_requestline.split(b" ")
        control = len(parts) > 1 and parts[1].startswith(b"/_/")
        self._status = 400
        self._kind = "other"
        self._tag = None
        self._method = parts[0].decode("latin-1", "replace")
        self._window = None if control else st.begin(t0)
        try:
            if len(self.raw_requestline) > 65536:
                self._send(414, err("badRequest", "Request line too long"))
                self.close_connection = True
                return
            if not self.parse_request():
                self.close_connection = True
                return
            self._drain_body()
            if control:
                self._control()
            else:
                self._api(t0)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        except Exception as e:  # a bug here must not kill the server
            self.close_connection = True
            try:
                self._send(500, err("unknownException", type(e).__name__))
            except OSError:
                pass
        finally:
            ms = (time.monotonic() - t0) * 1000
            if not control:
                st.end(self._status, self._kind, self._tag)
            st.log(self._method, getattr(self, "path", "?"), self._status, ms)

    def _drain_body(self):
        self._body = b""
        n = self.headers.get("Content-Length")
        if n:
            try:
                n = int(n)
            except ValueError:
                n = 0
            if 0 < n <= 10 * 1024 * 1024:
                self._body = self.rfile.read(n)

    def _send(self, status, body, ctype=CT_JSON, extra=(), truncate=False):
        self._status = status
        head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}",
                f"Date: {http_date()}", f"Content-Type: {ctype}",
                f"Content-Length: {len(body)}", "Cache-Control: max-age=60"]
        head.extend(extra)
        if self.close_connection:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if truncate:
            self.close_connection = True
            data += body[:len(body) // 2]
        else:
            data += body
        self.wfile.write(data)

    # ------------------------------------------------------------ API
    def _api(self, t0):
        st = self.server.state
        sc = st.scenario
        self._stream = None
        status, body, ctype, extra, trunc = self._api_answer(st, sc)
        delay = sc.latency_ms / 1000.0 + self._slow / 1000.0
        left = t0 + delay - time.monotonic()
        if left > 0:
            time.sleep(left)
        if self._stream is not None:
            self._hostile(self._stream, body)
        else:
            self._send(status, body, ctype, extra, trunc)

    # ------------------------------------------------------------ hostile
    def _head(self, status, extra):
        self._status = status
        head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}",
                f"Date: {http_date()}", f"Content-Type: {CT_JSON}",
                "Cache-Control: max-age=60", "Connection: close"]
        head.extend(extra)
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))

    def _chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _hostile(self, mode, body):
        """Answer with a stream fault; the connection ends afterwards."""
        self.close_connection = True
        kind, bps = mode
        if kind == "hang":
            # No answer at all: wait for the client to give up and close.
            self._status = 0
            sock = self.connection
            deadline = time.monotonic() + 3600
            while time.monotonic() < deadline:
                r, _w, _x = select.select([sock], [], [], 1.0)
                if r and not sock.recv(65536):
                    return
            return
        if kind == "trickle":
            self._head(200, (f"Content-Length: {len(body)}",))
            for i in range(0, len(body), bps):
                self.wfile.write(body[i:i + bps])
                time.sleep(1.0)
            return
        if kind == "endless":
            self._head(200, ("Transfer-Encoding: chunked",))
            self._chunk(b'{"tag":"#2Y0","name":"endless","memberList":[')
            piece = b'{"tag":"#2Y0","name":"x"},' * 2048
            sent = 0
            while sent < ENDLESS_MAX:
                self._chunk(piece)
                sent += len(piece)
            return
        # huge / huge_chunked: the normal body padded to HUGE_SIZE, still JSON.
        pad = HUGE_SIZE - len(body) - len(b',"padding":""')
        data = body[:-1] + b',"padding":"' + b"x" * pad + b'"}'
        if kind == "huge":
            self._head(200, (f"Content-Length: {len(data)}",))
            for i in range(0, len(data), 65536):
                self.wfile.write(data[i:i + 65536])
        else:
            self._head(200, ("Transfer-Encoding: chunked",))
            for i in range(0, len(data), 65536):
                self._chunk(data[i:i + 65536])
            self.wfile.write(b"0\r\n\r\n")

    def _api_answer(self, st, sc):
        self._slow = 0
        path = self.path.split("?", 1)[0]
        # route first (cheap) so that stats know kind and tag
        kind = seg = None
        pre = st.prefix
        if path.startswith(pre + "/"):
            rest = path[len(pre):].split("/")
            if len(rest) == 3 and rest[1] in ("clans", "players"):
                kind = "clan" if rest[1] == "clans" else "player"
                seg = rest[2]
        tag = normalise_tag(urllib.parse.unquote(seg)) if kind else None
        if kind:
            self._kind = kind
            self._tag = tag
        if sc.forbidden == "accessDenied":
            return 403, ERR_DENIED, CT_JSON, (), False
        if sc.forbidden == "invalidIp":
            return 403, ERR_INVALID_IP, CT_JSON, (), False
        if sc.forbidden == "echo":
            # A careless proxy: the request's Authorization header, token
            # and all, comes back in the reason, the message and a header.
            auth = self.headers.get("Authorization", "")
            body = err("accessDenied: got Authorization: " + auth,
                       "Invalid authorization: " + auth)
            return 403, body, CT_JSON, ("X-Echo: " + auth,), False
        auth = self.headers.get("Authorization", "")
        if not (auth.startswith("Bearer ") and hmac.compare_digest(auth[7:].encode(), st.token)):
            return 403, ERR_DENIED, CT_JSON, (), False
        if sc.rate_per_second is not None and self._window > sc.rate_per_second:
            extra = ()
            ra = sc.retry_after
            if ra == "date":
                extra = (f"Retry-After: {email.utils.formatdate(math.ceil(time.time()) + 2, usegmt=True)}",)
            elif ra is not None:
                extra = (f"Retry-After: {math.ceil(ra)}",)
            return 429, ERR_THROTTLED, CT_JSON, extra, False
        if self.command != "GET":
            return 405, err("badRequest", f"Method {self.command} not allowed"), CT_JSON, (), False
        if kind is None:
            return 404, err("notFound", "Unknown path"), CT_JSON, (), False
        if tag is None:
            return 400, err("badRequest", f"Invalid tag in path: {seg[:40]}"), CT_JSON, (), False
        if kind == "clan":
            obj = sc.clans.get(tag)
            faults = obj.faults if obj else None
        else:
            obj = sc.players.get(tag)
            faults = obj.faults if obj else None
        if obj is None:
            return 404, ERR_NOTFOUND, CT_JSON, (), False
        self._slow = faults.slow_ms
        mode = faults.terminal
        if faults.fail_n and st.count_fault(kind, tag) < faults.fail_n:
            mode = faults.fail_kind
        if mode is None or mode in FAV_FAULTS or mode in STREAM_FAULTS or mode in (
                "invalid_json", "truncated"):
            if mode == "invalid_json":
                return 200, INVALID_JSON, CT_JSON, (), False
            if mode in STREAM_FAULTS:
                self._stream = (mode, faults.trickle_bps)
            fm = mode if mode in FAV_FAULTS else None
            body = obj.body if fm is None else None
            if body is not None and mode is None and obj.status != 200:
                return obj.status, body, CT_JSON, (), False
            if body is None:
                key = (kind, tag, fm)
                body = sc.cache.get(key)
                if body is None:
                    body = clan_body(sc, obj) if kind == "clan" else player_body(sc, tag, fm)
                    sc.cache[key] = body
            return 200, body, CT_JSON, (), mode == "truncated"
        if mode == "404":
            return 404, ERR_NOTFOUND, CT_JSON, (), False
        if mode == "400":
            return 400, err("badRequest", "Invalid tag"), CT_JSON, (), False
        if mode == "403":
            return 403, ERR_DENIED, CT_JSON, (), False
        if mode == "500_json":
            return 500, ERR_UNKNOWN, CT_JSON, (), False
        if mode == "503_json":
            return 503, ERR_MAINT, CT_JSON, (), False
        if mode.endswith("_html"):
            s = int(mode[:3])
            return s, html_page(s), CT_HTML, (), False
        raise AssertionError(mode)

    # ------------------------------------------------------------ control
    def _control(self):
        st = self.server.state
        u = urllib.parse.urlsplit(self.path)
        p, m = u.path, self.command
        if p == "/_/stats" and m == "GET":
            return self._send(200, _dumps(st.stats()))
        if p == "/_/health" and m == "GET":
            return self._send(200, b'{"ok":true}')
        if p == "/_/reset" and m == "POST":
            st.reset()
            return self._send(200, b'{"ok":true}')
        if p == "/_/scenario" and m == "GET":
            return self._send(200, _dumps(st.scenario.raw))
        if p == "/_/scenario" and m in ("POST", "PUT"):
            try:
                sc = Scenario(json.loads(self._body.decode("utf-8")))
            except (ValueError, UnicodeDecodeError) as e:
                return self._send(400, err("badRequest", str(e)))
            st.scenario = sc
            return self._send(200, b'{"ok":true}')
        if p == "/_/token" and m == "POST":
            # Re-read --token-file: the key was rotated.
            try:
                with open(st.token_file, encoding="utf-8") as fh:
                    tok = fh.read().strip()
            except OSError as e:
                return self._send(500, err("unknownException", e.strerror))
            if not tok:
                return self._send(400, err("badRequest", "empty token file"))
            st.token = tok.encode()
            return self._send(200, b'{"ok":true}')
        if p == "/_/expected" and m == "GET":
            q = urllib.parse.parse_qs(u.query)
            clan = q.get("clan", [""])[0]
            try:
                r = int(q.get("retries", ["3"])[0])
            except ValueError:
                return self._send(400, err("badRequest", "retries must be an integer"))
            return self._send(200, _dumps(expected(st.scenario, clan, r)))
        return self._send(404, err("notFound", "Unknown control endpoint"))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().server_bind()

    def handle_error(self, request, client_address):  # quiet
        pass


def main(argv=None):
    ap = argparse.ArgumentParser(description="Stand-in Clash Royale API server")
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--prefix", default="/v1")
    ap.add_argument("--log")
    a = ap.parse_args(argv)
    try:
        sc = Scenario(a.scenario)
    except (OSError, ValueError) as e:
        print(f"standin: scenario {a.scenario}: {e}", file=sys.stderr)
        return 2
    try:
        with open(a.token_file, encoding="utf-8") as fh:
            token = fh.read().strip()
    except OSError as e:
        print(f"standin: cannot read token file {a.token_file}: {e.strerror}", file=sys.stderr)
        return 2
    if not token:
        print(f"standin: token file {a.token_file} is empty", file=sys.stderr)
        return 2
    prefix = a.prefix.strip().rstrip("/")
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    logfh = open(a.log, "a", encoding="utf-8") if a.log else None
    try:
        srv = Server(("127.0.0.1", a.port), Handler)
    except OSError as e:
        print(f"standin: cannot listen on 127.0.0.1:{a.port}: {e.strerror}", file=sys.stderr)
        return 2
    srv.state = State(sc, token, prefix, logfh)
    srv.state.token_file = a.token_file
    port = srv.server_address[1]

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if a.port_file:
        tmp = f"{a.port_file}.tmp.{os.getpid()}"
        with open(tmp, "w") as fh:
            fh.write(f"{port}\n")
        os.replace(tmp, a.port_file)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
        if a.port_file:
            try:
                os.unlink(a.port_file)
            except OSError:
                pass
        if logfh:
            logfh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
