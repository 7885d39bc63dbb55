"""truth.py - what the daemon's outputs must equal, for the functional
tests: the stand-in's truth per activity epoch (its /_/expected and
/_/activity), the requests it answered, and cards.json as the sum of the
clans' snapshots."""

import calendar
import json
import os
import time
import urllib.parse

from functional import Tap


def q(tag):
    """A tag as a query value: "#" percent-encoded."""
    return urllib.parse.quote(tag, safe="")


def truth(api, tag, epoch=None):
    """The snapshot's counts a correct client must show now (or at epoch):
    the stand-in's expected(..., decks=True) with 3 retries."""
    path = "expected?clan=%s&retries=3" % q(tag)
    if epoch is not None:
        path += "&epoch=%d" % epoch
    return api._call("GET", path)


def online(api, tag, epoch=None):
    """The members of clan tag online in the current epoch (or epoch)."""
    path = "activity?clan=%s" % q(tag)
    if epoch is not None:
        path += "&epoch=%d" % epoch
    return api._call("GET", path)["online"]


def sent(api):
    """Requests the stand-in answered so far: clans and players."""
    k = api.stats()["by_kind"]
    return k.get("clan", 0), k.get("player", 0)


def epoch_online(api, tags):
    """Advance the stand-in one epoch; how many members of each clan of
    tags are online in it."""
    ep = api._call("POST", "epoch", {})
    return {tag: len(ep["online"].get(tag, [])) for tag in tags}


def family_cards(lists):
    """cards.json's list for the clans' card lists [{"name","id","count"}]:
    [{"id","name","players","clans"}], players the sum of the counts,
    clans the lists holding the card, in the order of cards everywhere."""
    cards = {}
    for cl in lists:
        for c in cl:
            e = cards.setdefault(c["id"], {"id": c["id"], "name": c["name"],
                                           "players": 0, "clans": 0})
            e["players"] += c["count"]
            e["clans"] += 1
    return sorted(cards.values(), key=lambda e: (
        -e["players"], e["name"] is None, e["name"] or "", e["id"]))


def read_cards(out, t0, name):
    """cards.json without generated_at, which is checked (a test point)
    to be a time between t0 and now."""
    with open(os.path.join(out, "cards.json"), "rb") as f:
        doc = json.loads(f.read().decode("utf-8"))
    stamp = doc.pop("generated_at", None)
    try:
        when = calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        when = None
    Tap.current.ok(when is not None and int(t0) <= when <= time.time(),
                   "%s: generated_at is the time of writing" % name, stamp)
    return doc
