"""standin_world - the stand-in API's world model: tags, the faults a
scenario gives, the compiled Scenario (clans, players, favourite cards) and
expected(), the snapshot a correct client must produce.  No I/O but reading
a scenario file; the scenario format is described in tests/README.md."""

import base64
import hashlib
import json
import os
import re

from standin_data import CARD_BY_ID, CARDS, CLAN_NAMES, FAV_TOTAL, FAVOURITES, PLAYER_NAMES

ALPHABET = "0289PYLQGRJCUV"

FAV_FAULTS = {"no_favourite", "null_favourite", "bad_favourite"}
GATE_KINDS = {"500_json", "503_json", "502_html", "503_html", "504_html"}
STREAM_FAULTS = {"hang", "trickle", "endless", "huge", "huge_chunked"}
TERMINAL = ({"404", "400", "403", "invalid_json", "truncated"} | GATE_KINDS | FAV_FAULTS
            | STREAM_FAULTS)

# Deck faults: what a player's currentDeck becomes (see tests/README.md).
DECK_FAULTS = {"no_deck", "null_deck", "bad_deck", "empty_deck", "deck_repeat", "deck_ninth",
               "deck_no_id"}
# deck_name:KIND: the deck's first card becomes this one, an id of its own.
DECK_NAMES = {"max": (26900001, "\u00e9" * 50), "over": (26900002, "\u00e9" * 50 + "x"),
              "long": (26900003, "Long" * 1250), "nul": (26900004, "Nul\u0000Card"),
              "ctrl": (26900005, "Ctrl\u0001\u001f\t\n\u007fCard")}
CARD_ID_MAX = 2147483647
CARD_NAME_MAX = 100  # bytes of UTF-8

# The statuses the stand-in answers with (a scenario's "status" is one).
REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


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


def digest(*parts):
    """sha256 of the parts joined by ':': every generated value hangs on it."""
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def h64(*parts):
    """The first 8 bytes of digest(*parts) as an integer."""
    return int.from_bytes(digest(*parts)[:8], "big")


def json_bytes(obj):
    """Compact UTF-8 JSON, as the real API sends it."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def member_tag(clan_tag, i):
    d = digest(clan_tag, i)
    return "#" + "".join(ALPHABET[b % 14] for b in d[:9])


def player_name(tag):
    h = h64("name", tag)
    base = PLAYER_NAMES[h % len(PLAYER_NAMES)]
    return base + (str(h // 97 % 1000) if h % 3 == 0 else "")


def generated_favourite(tag):
    x = h64("fav", tag) % FAV_TOTAL
    for cid, w in FAVOURITES:
        if x < w:
            return cid
        x -= w
    return FAVOURITES[0][0]


# ---------------------------------------------------------------- faults

class ScenarioError(ValueError):
    pass


class Faults:
    __slots__ = ("terminal", "fail_n", "fail_kind", "slow_ms", "trickle_bps", "deck")

    def __init__(self, terminal=None, fail_n=0, fail_kind="503_html", slow_ms=0):
        self.terminal, self.fail_n, self.fail_kind, self.slow_ms = terminal, fail_n, fail_kind, slow_ms
        self.trickle_bps = 1
        self.deck = None  # (kind, argument): a deck fault, or None

    def __bool__(self):
        return bool(self.terminal or self.fail_n or self.slow_ms or self.deck)

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
        elif it in DECK_FAULTS or it.startswith(("deck_id:", "deck_name:")):
            deck_fault(f, it, where, player)
        elif it in TERMINAL:
            if it in FAV_FAULTS and not player:
                raise ScenarioError(f"{where}: {it} applies to players only")
            if f.terminal is not None:
                raise ScenarioError(f"{where}: two terminal faults ({f.terminal}, {it})")
            f.terminal = it
        else:
            raise ScenarioError(f"{where}: unknown fault {it!r}")
    return f


def deck_fault(f, it, where, player):
    """Set f.deck from the deck fault it: at most one per spec, players only."""
    if not player:
        raise ScenarioError(f"{where}: {it} applies to players only")
    if f.deck is not None:
        raise ScenarioError(f"{where}: two deck faults ({f.deck[0]}, {it})")
    kind, _, arg = it.partition(":")
    if kind == "deck_name":
        if arg not in DECK_NAMES:
            raise ScenarioError(f"{where}: deck_name:KIND needs KIND in {sorted(DECK_NAMES)}")
    elif kind == "deck_id":
        try:
            arg = json.loads(arg, parse_constant=lambda _c: None)
        except ValueError:
            arg = None
        if type(arg) not in (int, float) or type(arg) is int and 1 <= arg <= CARD_ID_MAX:
            raise ScenarioError(f"{where}: deck_id:N needs a JSON number that is not a card id "
                                f"(a whole number from 1 to {CARD_ID_MAX}), e.g. deck_id:-1")
    f.deck = (kind, arg)


def deck_name_ok(name):
    """A deck card's name as a correct client shows it (a NUL becomes
    U+FFFD), or None when it refuses the deck for it (empty, or more than
    CARD_NAME_MAX bytes)."""
    shown = name.replace("\0", "\ufffd")
    return shown if 0 < len(shown.encode()) <= CARD_NAME_MAX else None


# ---------------------------------------------------------------- scenario

class Player:
    __slots__ = ("tag", "clan", "name", "card", "faults", "body", "status", "liar")

    def __init__(self, tag, clan=None):
        self.tag, self.clan, self.name, self.card, self.faults = tag, clan, None, None, Faults()
        self.body, self.status, self.liar = None, 200, False


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
        return json_bytes(spec["body"])
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
        self._limits(raw)
        self.clans = {}
        self.players = {}
        clans = raw.get("clans") or {}
        if not isinstance(clans, dict):
            raise ScenarioError("clans must be an object")
        for key, spec in clans.items():
            self._add_clan(key, spec)
        players = raw.get("players") or {}
        if not isinstance(players, dict):
            raise ScenarioError("players must be an object")
        for key, spec in players.items():
            self._add_player(key, spec)

    def _limits(self, raw):
        """latency_ms, rate_limit and forbidden: what applies to every request."""
        self.latency_ms = raw.get("latency_ms", 0) or 0
        if not isinstance(self.latency_ms, (int, float)) or self.latency_ms < 0:
            raise ScenarioError("latency_ms must be a number >= 0")
        self.rate_per_second, self.retry_after = rate_limit(raw, "rate_limit")
        self.key_rate_per_second, self.key_retry_after = rate_limit(raw, "key_rate_limit")
        self.forbidden = raw.get("forbidden")
        if self.forbidden not in (None, "accessDenied", "invalidIp", "echo"):
            raise ScenarioError('forbidden: null, "accessDenied", "invalidIp" or "echo"')
        self.forbidden_keys = raw.get("forbidden_keys") or {}
        if not isinstance(self.forbidden_keys, dict) or any(
                v not in ("accessDenied", "invalidIp", "echo") for v in self.forbidden_keys.values()):
            raise ScenarioError('forbidden_keys: {"N": "accessDenied" | "invalidIp" | "echo"}')
        self.drift = raw.get("drift")
        if self.drift is not None:
            d = self.drift
            if (not isinstance(d, dict) or set(d) - {"seed", "period"}
                    or not isinstance(d.get("seed", 0), int)
                    or not isinstance(d.get("period", 3), int) or d.get("period", 3) < 1):
                raise ScenarioError("drift: null or {\"seed\": integer, \"period\": integer >= 1}")
            self.drift = (d.get("seed", 0), d.get("period", 3))
        self.max_age = raw.get("max_age", 60)
        if self.max_age is not None and (type(self.max_age) is not int or self.max_age < 0):
            raise ScenarioError("max_age: an integer >= 0 (seconds), or null for no Cache-Control")
        self.activity = activity(raw)

    def _add_clan(self, key, spec):
        """One "clans" entry: the clan, and its members as known players."""
        ct = normalise_tag(key)
        if ct is None:
            raise ScenarioError(f"clans: bad clan tag {key!r}")
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            raise ScenarioError(f"clans.{key}: must be an object")
        c = Clan()
        c.tag, c.spec = ct, spec
        c.name = spec.get("name", CLAN_NAMES[h64("clan", ct) % len(CLAN_NAMES)])
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
        pf = self._member_faults(key, spec, c)
        for i, t in enumerate(c.tags):
            if t is None:
                continue
            p = self.players.get(t)
            if p is None:
                p = self.players[t] = Player(t, ct)
            if i in pf and not p.faults:
                p.faults = pf[i]

    @staticmethod
    def _member_faults(key, spec, c):
        """A clan's "faults": {member index: Faults}."""
        mf = spec.get("faults") or {}
        if not isinstance(mf, dict):
            raise ScenarioError(f"clans.{key}.faults must be an object")
        pf = {}
        for idx, fs in mf.items():
            if not str(idx).isdigit() or int(idx) >= len(c.entries):
                raise ScenarioError(f"clans.{key}.faults: no member index {idx!r}")
            pf[int(idx)] = parse_faults(fs, f"clans.{key}.faults.{idx}")
        return pf

    def _add_player(self, key, spec):
        """One "players" entry: adds the tag or overrides what a clan gave it."""
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
        if "liar" in spec:
            if not isinstance(spec["liar"], bool):
                raise ScenarioError(f"players.{key}.liar: true or false")
            p.liar = spec["liar"]
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

    def drift_epoch(self, tag, n):
        """Which of its drifting favourites a player shows at its n-th
        answer (0 = the generated one): each player moves on every
        period answers, at a phase of its own."""
        if self.drift is None:
            return 0
        seed, period = self.drift
        return (n + h64("phase", seed, tag) % period) // period

    def online(self, tag, j):
        """Is the player online in activity epoch j?  Nobody is in epoch 0,
        nor in any epoch without "activity"."""
        if self.activity is None or j < 1:
            return False
        seed, per_million = self.activity
        return h64("online", seed, tag, j) % 1000000 < per_million

    def act_epoch(self, tag, k):
        """Which of its activity favourites (and decks) a player shows at
        epoch k (0 = the generated one): the epochs 1..k it was online in,
        or k itself for a liar."""
        if self.activity is None:
            return 0
        p = self.players.get(tag)
        if p is not None and p.liar:
            return k
        return sum(1 for j in range(1, k + 1) if self.online(tag, j))

    def last_seen(self, tag, times, now):
        """A member's lastSeen (Unix seconds) at epoch len(times) - 1 with
        epoch start times `times`; without activity it is `now`."""
        if self.activity is None:
            return now
        for j in range(len(times) - 1, 0, -1):
            if self.online(tag, j):
                return times[j]
        return times[0] - 60 - h64("seen", self.activity[0], tag) % 86400

    def variant(self, tag, n, k):
        """The drift or activity epoch that picks a player's favourite at
        its n-th answer in activity epoch k (they exclude each other)."""
        if self.activity is not None:
            return self.act_epoch(tag, k)
        return self.drift_epoch(tag, n)

    def favourite_of(self, tag, n=0, k=0):
        """(id, name, rarity, elixirCost, maxEvolutionLevel, maxLevel) at
        the player's n-th answer (counted from 0; matters under drift) in
        activity epoch k (matters under activity)."""
        p = self.players.get(tag)
        if p is not None and p.card is not None:
            return p.card
        e = self.variant(tag, n, k)
        if e == 0:
            cid = generated_favourite(tag)
        elif self.activity is not None:
            cid = generated_favourite(f"{tag}:act:{self.activity[0]}:{e}")
        else:
            cid = generated_favourite(f"{tag}:{self.drift[0]}:{e}")
        cid, name, rarity, elixir, evo = CARD_BY_ID[cid]
        return (cid, name, rarity, elixir, evo, None)

    def owned_of(self, tag, fav):
        """The cards (CARDS entries) player tag owns besides its favourite
        card fav (an id): a subset of the table in an order of its own."""
        pool = [c for c in CARDS if c[0] != fav]
        pool.sort(key=lambda c: h64("own", tag, c[0]))
        return pool[:52 + h64("player", tag) % 12]

    def deck_of(self, tag, owned, k):
        """Nine of the owned cards: the player's currentDeck in activity
        epoch k (the first eight, picked again for each activity epoch it
        was online in, see act_epoch) and the card a deck_ninth fault
        adds."""
        e = self.act_epoch(tag, k)
        if e > 0:
            return sorted(owned, key=lambda c: h64("deck", tag, e, c[0]))[:9]
        return owned[:9]

    def deck_truth(self, tag, n=0, k=0):
        """(cards, refused): the distinct cards [(id, name)] a correct
        client counts for the player's deck at its n-th answer in activity
        epoch k, or None when it has no usable deck, and whether the deck
        is refused (a warning names the player) rather than absent."""
        f = self.players[tag].faults.deck
        kind, arg = f or (None, None)
        deck = self.deck_of(tag, self.owned_of(tag, self.favourite_of(tag, n, k)[0]), k)
        cards = [(c[0], c[1]) for c in deck[:8]]
        if kind in ("no_deck", "null_deck", "bad_deck", "empty_deck"):
            return None, False
        if kind in ("deck_ninth", "deck_id"):
            return None, True
        if kind == "deck_no_id":
            cards = cards[1:]
        elif kind == "deck_name":
            cid, name = DECK_NAMES[arg]
            if deck_name_ok(name) is None:
                return None, True
            cards[0] = (cid, deck_name_ok(name))
        return sorted(cards), False

    def clan_online(self, clan_tag, j):
        """The valid member tags of a clan online in epoch j, once each,
        in memberList order."""
        seen = set()
        out = []
        for t in self.clans[clan_tag].tags:
            if t is not None and t not in seen:
                seen.add(t)
                if self.online(t, j):
                    out.append(t)
        return out


def activity(raw):
    """The scenario's "activity" as (seed, online per million), or None."""
    a = raw.get("activity")
    if a is None:
        return None
    if raw.get("drift") is not None:
        raise ScenarioError("activity and drift exclude each other: give one of them")
    online = a.get("online") if isinstance(a, dict) else None
    if (not isinstance(a, dict) or set(a) - {"seed", "online"}
            or type(a.get("seed", 0)) is not int
            or type(online) not in (int, float) or not 0 <= online <= 1):
        raise ScenarioError('activity: null or {"seed": integer, "online": a number from 0 to 1}')
    return a.get("seed", 0), round(online * 1000000)


def rate_limit(raw, name):
    """(per_second, retry_after) of the scenario's rate limit called name,
    or (None, None) when it has none."""
    rl = raw.get(name)
    if rl is None:
        return None, None
    if not isinstance(rl, dict) or not isinstance(rl.get("per_second"), int) or rl["per_second"] < 0:
        raise ScenarioError(f"{name} needs an integer per_second >= 0")
    ra = rl.get("retry_after", 1)
    if not (ra is None or ra == "date" or (isinstance(ra, (int, float)) and ra >= 0)):
        raise ScenarioError(f'{name}.retry_after: seconds, null or "date"')
    return rl["per_second"], ra


# ---------------------------------------------------------------- expected

def card_rank(e):
    """The order of cards everywhere: count desc, name asc (None last), id."""
    return (-e["count"], e["name"] is None, e["name"] or "", e["id"])


def expected(scenario, clan_tag, max_retries=3, refresh=0, epoch=0, decks=False):
    """Snapshot counts a correct client must produce at its refresh-th
    refresh (0: the first) since start or /_/reset under drift, or in
    activity epoch `epoch` under activity; without either they are all
    the same.  With decks, also without_deck and deck_cards."""
    sc = scenario if isinstance(scenario, Scenario) else Scenario(scenario)
    if sc.forbidden:
        return None
    ct = normalise_tag(clan_tag)
    c = sc.clans.get(ct)
    if c is None or not c.faults.succeeds(max_retries):
        return None
    members = fetched = failed = without = without_deck = 0
    seen = set()
    counts, deck_counts = {}, {}
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
        deck = sc.deck_truth(t, refresh, epoch)[0]
        without_deck += deck is None
        for cid, name in deck or ():
            deck_counts.setdefault(cid, {"name": name, "id": cid, "count": 0})["count"] += 1
        if p.faults.terminal in FAV_FAULTS:
            without += 1
            continue
        card = sc.favourite_of(t, refresh, epoch)
        ent = counts.setdefault(card[0], {"name": card[1], "id": card[0], "count": 0})
        ent["count"] += 1
    fav = sorted(counts.values(), key=lambda e: (-e["count"], e["name"], e["id"]))
    out = {"members": members, "fetched": fetched, "failed": failed,
           "without_favourite": without, "favourite_cards": fav}
    if decks:
        out["without_deck"] = without_deck
        out["deck_cards"] = sorted(deck_counts.values(), key=card_rank)
    return out
