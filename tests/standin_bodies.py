"""standin_bodies - the bytes the stand-in API answers with: clan and player
JSON in the real shapes (a player is ~25 KB), the API's error bodies and the
HTML pages of a gateway in front of it.  Pure functions of the Scenario."""

import base64
import time

from standin_data import ACHIEVEMENTS, ARENAS, BADGES, LOCATIONS, MAX_LEVEL, SUPPORT_CARDS
from standin_world import DECK_NAMES, digest, h64, json_bytes, player_name


def _icon(card_id, evo=False):
    tok = base64.urlsafe_b64encode(digest("icon", card_id, evo)).decode().rstrip("=")
    folder = "cardevolutions" if evo else "cards"
    return f"https://api-assets.clashroyale.com/{folder}/300/{tok}.png"


def _card_obj(card, level=None, count=None, owned=True):
    cid, name, rarity, elixir, evo, maxlevel = (card + (None,))[:6]
    o = {"name": name, "id": cid}
    if owned:
        o["level"] = level
        o["starLevel"] = h64("star", cid, level) % 4 if level and level > 3 else 0
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


def clan_body(sc, c, times=None, now=0):
    """The clan's body at the activity epoch len(times) - 1 with those
    epoch start times (see Scenario.last_seen), answered at Unix second
    now."""
    times = times or (now,)
    ct = c.tag
    h = h64("clandata", ct)
    loc = LOCATIONS[h % len(LOCATIONS)]
    location = {"id": loc[0], "name": loc[1] or "International", "isCountry": loc[1] is not None}
    if loc[2]:
        location["countryCode"] = loc[2]
    members = []
    for i, entry in enumerate(c.entries):
        t = c.tags[i]
        mh = h64("member", ct, i)
        m = {}
        if entry is not None:
            m["tag"] = entry
        m["name"] = sc.name_of(t) if t else player_name(str(entry))
        m["role"] = "leader" if i == 0 else ("coLeader" if i < 3 else ("elder" if i < 10 else "member"))
        ts = sc.last_seen(t if t else str(entry), times, now)
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
    return json_bytes(body)


def player_body(sc, tag, fav_mode=None, n=0, k=0):
    """The player's body at its n-th answer in activity epoch k (see
    Scenario.favourite_of)."""
    p = sc.players[tag]
    h = h64("player", tag)
    fav = sc.favourite_of(tag, n, k)
    exp = 30 + h % 45
    trophies = 5000 + h % 4000
    wins = 1000 + (h >> 8) % 9000
    losses = 800 + (h >> 20) % 8000
    # Owned cards: a deterministic subset of the table, always the favourite.
    owned = sc.owned_of(tag, fav[0])
    deck = sc.deck_of(tag, owned, k)
    owned.sort(key=lambda c: c[0])
    cards = []
    for c in owned:
        ml = MAX_LEVEL[c[2]]
        lvl = max(1, ml - h64("lvl", tag, c[0]) % 5)
        cards.append(_card_obj(c, lvl, h64("cnt", tag, c[0]) % 5000))
    supports = [_card_obj(c, MAX_LEVEL[c[2]] - h64("lvl", tag, c[0]) % 3, h64("cnt", tag, c[0]) % 500)
                for c in SUPPORT_CARDS if c[0] != fav[0] and h64("sup", tag, c[0]) % 3]
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
        body["clan"] = {"tag": c.tag, "name": c.name, "badgeId": 16000000 + h64("clandata", c.tag) % 180}
    body["arena"] = {"id": arena[0], "name": arena[1]}
    body["leagueStatistics"] = {
        "currentSeason": {"trophies": trophies, "bestTrophies": trophies + 20},
        "previousSeason": {"id": "2025-05", "trophies": trophies - 50, "bestTrophies": trophies + 10},
        "bestSeason": {"id": "2023-11", "trophies": trophies + 300}}
    body["badges"] = [
        {"name": b, "level": 1 + h64("b", tag, b) % 8, "maxLevel": 8,
         "progress": h64("bp", tag, b) % 1000, "target": 1000,
         "iconUrls": {"large": "https://api-assets.clashroyale.com/playerbadges/512/"
                      + base64.urlsafe_b64encode(digest("badge", b)).decode().rstrip("=") + ".png"}}
        for b in BADGES]
    body["achievements"] = [
        {"name": n, "stars": 3, "value": 100 + h64("a", tag, n) % 5000, "target": 100,
         "info": info, "completionInfo": None} for n, info in ACHIEVEMENTS]
    body["cards"] = cards
    body["supportCards"] = supports
    # The tower card is no deck card: half the bodies name it first, so
    # that a client that takes it for currentDeck counts it.
    tower = {"currentDeckSupportCards": supports[:1] or [_card_obj(SUPPORT_CARDS[0], 1, 0)]}
    if h % 2:
        body.update(tower)
    current = deck_value(p.faults.deck, deck)
    if current is not ABSENT:
        body["currentDeck"] = current
    body.update(tower)
    if fav_mode is None:
        body["currentFavouriteCard"] = _card_obj(fav, owned=False)
    elif fav_mode == "null_favourite":
        body["currentFavouriteCard"] = None
    elif fav_mode == "bad_favourite":
        body["currentFavouriteCard"] = "x"
    body["starPoints"] = h % 200000
    body["expPoints"] = h % 50000
    body["totalExpPoints"] = 1000000 + h % 9000000
    return json_bytes(body)


ABSENT = object()


def deck_value(fault, deck):
    """The currentDeck value (ABSENT: no key) for the nine cards deck (see
    Scenario.deck_of) and the player's deck fault (kind, argument) or None."""
    kind, arg = fault or (None, None)
    cards = [_card_obj(c, MAX_LEVEL[c[2]] - 1, 0) for c in deck[:8]]
    if kind == "no_deck":
        return ABSENT
    if kind in ("null_deck", "bad_deck", "empty_deck"):
        return {"null_deck": None, "bad_deck": "x", "empty_deck": []}[kind]
    if kind == "deck_repeat":
        cards.append(cards[0])
    elif kind == "deck_ninth":
        cards.append(_card_obj(deck[8], MAX_LEVEL[deck[8][2]] - 1, 0))
    elif kind == "deck_no_id":
        del cards[0]["id"]
    elif kind == "deck_id":
        cards[0]["id"] = arg
    elif kind == "deck_name":
        cards[0]["id"], cards[0]["name"] = DECK_NAMES[arg]
    return cards


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
    return json_bytes(o)


ERR_NOTFOUND = err("notFound")
ERR_UNKNOWN = err("unknownException")
ERR_MAINT = err("inMaintenance")
ERR_DENIED = err("accessDenied", "Invalid authorization")
ERR_INVALID_IP = err("accessDenied.invalidIp",
                     "Invalid authorization: API key does not allow access from IP 1.2.3.4")
ERR_THROTTLED = err("requestThrottled", "Request was throttled, because amount of requests was above the threshold defined for the used API token.")
INVALID_JSON = b'{"tag":"#broken","name":"half an object",'

