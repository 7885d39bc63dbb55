"""t_decks.py - the members' current decks (issue 20) against the
stand-in's truth in activity mode: every snapshot's deck_cards and
players.without_deck equal it, with reuse across epochs (members offline
count with their stored deck) by new processes that keep the profiles in
the history database and by one daemon, without the database, and with
schedule.reuse_unseen off; the database's decks rows and
refreshes.without_deck, cards.json's deck_cards and metrics.prom's
clanpopd_deck_card_players (which promtool finds clean) equal the
snapshots; each deck fault lands in its bucket, and each refresh that
refused decks says so in one warning line: how many, and the first
player's tag with the exact reason."""

import json
import os
import re
import signal
import subprocess
import time

import promtext
import standin_world
from functional import (Daemon, Standin, Tap, clanpopd, snapshot, workdir,
                        write_config)
from histdb import epoch, query, wait_for
from truth import epoch_online, family_cards, read_cards, truth

t = Tap()

# #8QRUL's members, by index: each with one deck fault (tests/README.md,
# "Fault spec"); those of REFUSED are refused, the first four have no
# deck, the others are counted.
DECK_FAULTS = ["no_deck", "null_deck", "bad_deck", "empty_deck",
               "deck_repeat", "deck_ninth", "deck_no_id",
               "deck_id:2147483648", "deck_id:-1", "deck_id:1.5",
               "deck_name:nul", "deck_name:ctrl", "deck_name:long",
               "deck_name:max", "deck_name:over",
               ["no_favourite", "deck_no_id"]]
REFUSED = {"deck_ninth", "deck_id:2147483648", "deck_id:-1", "deck_id:1.5",
           "deck_name:long", "deck_name:over"}
TAGS = ["#9V2Y", "#2PYLQ", "#8QRUL"]
ODD_ID = ("the id of its deck's card 1 is %s (a card id is a whole number "
          "from 1 to 2147483647)")
# Why the daemon refuses each refused deck, exactly.
REASON = {"deck_ninth": "its deck holds more than 8 distinct cards",
          "deck_id:2147483648": ODD_ID % "larger than 2147483647",
          "deck_id:-1": ODD_ID % "0 or negative",
          "deck_id:1.5": ODD_ID % "a number with a fraction or an exponent",
          "deck_name:long": "the name of its deck's card 1 is 5000 bytes "
                            "long (at most 100 are accepted)",
          "deck_name:over": "the name of its deck's card 1 is 101 bytes "
                            "long (at most 100 are accepted)"}
# The refresh's one warning line about refused decks.
WARN = re.compile(r"warning: #8QRUL: (\d+) players? (?:is|are) counted "
                  r"without a deck: a deck holds at most 8 distinct cards, "
                  r"each with an id of 1 to 2147483647 and a name of 1 to "
                  r"100 bytes; the first: player (#\w+): (.*) \(GET \S+\)$",
                  re.M)


def scenario():
    """Three clans: one with members that fail (a 404, a 500 every time),
    one read after a retry and one without favourite; a plain one; and
    #8QRUL of the deck faults."""
    return {"max_age": 0, "activity": {"seed": 7, "online": 0.25},
            "clans": {"9V2Y": {"members": 30, "faults": {
                          "3": "no_favourite", "5": "404", "7": "fail_once",
                          "9": "500_json"}},
                      "2PYLQ": {"members": 20},
                      "8QRUL": {"members": len(DECK_FAULTS), "faults": {
                          str(i): f for i, f in enumerate(DECK_FAULTS)}}}}


# {#8QRUL's member tag: its deck fault}, the tags as the stand-in makes
# them (tests/README.md, "Clans").
FAULT_TAGS = {standin_world.member_tag("#8QRUL", i):
              f if isinstance(f, str) else "+".join(f)
              for i, f in enumerate(DECK_FAULTS)}


def decks(snap):
    """What a snapshot says of the decks, in the truth's terms."""
    p = snap["players"]
    return {"members": snap["members"],
            "read+reused": p["fetched"] + p["reused"], "failed": p["failed"],
            "without_deck": p.get("without_deck"),
            "deck_cards": snap.get("deck_cards")}


def want_decks(w):
    return {"members": w["members"], "read+reused": w["fetched"],
            "failed": w["failed"], "without_deck": w["without_deck"],
            "deck_cards": w["deck_cards"]}


def check_snapshot(api, out, tag, name, at=None):
    """The clan's snapshot holds the decks of the truth now (or at epoch
    at); returns the members it reused."""
    snap = snapshot(out, tag)
    t.eq(decks(snap), want_decks(truth(api, tag, at)),
         "%s %s: deck_cards and without_deck are the truth" % (name, tag))
    return snap["players"]["reused"]


def db_decks(db, snap):
    """The database's latest refresh of the snapshot's clan as
    (fetched_at, without_deck), and its decks rows (id, name, players)."""
    row = query(db, "SELECT id, fetched_at, without_deck FROM refreshes "
                "WHERE clan = ? ORDER BY id DESC LIMIT 1", (snap["tag"],))
    if not row:
        return None
    return row[0][1:], query(db, "SELECT d.card_id, c.name, d.players FROM "
                             "decks d JOIN cards c ON c.id = d.card_id WHERE "
                             "refresh_id = ? ORDER BY d.card_id",
                             (row[0][0],))


def snap_decks(snap):
    """What db_decks must give for the snapshot."""
    return ((epoch(snap["fetched_at"]), snap["players"].get("without_deck")),
            sorted((c["id"], c["name"], c["count"])
                   for c in snap.get("deck_cards") or []))


def settle(read, good, lag):
    """read() again until good(its value) or lag seconds have passed (a
    daemon's history writer and reports may lag its snapshots a moment,
    and a refresh may come between two reads; after --once nothing
    lags); the last value."""
    last = []

    def cond():
        last[:] = [read()]
        return good(last[0])
    wait_for(cond, lag)
    return last[0]


def check_db(db, out, tag, name, lag=0):
    """The clan's latest refresh in the database is its snapshot:
    refreshes.without_deck, the decks rows and the cards' names."""
    def read():
        snap = snapshot(out, tag)
        return db_decks(db, snap), snap_decks(snap)
    got, want = settle(read, lambda v: v[0] == v[1], lag)
    t.eq(got, want, "%s %s: the database's refresh and decks rows are the "
         "snapshot" % (name, tag))


def cards_doc(out):
    with open(os.path.join(out, "cards.json"), "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def cards_json(out):
    """cards.json's deck_cards, or None when it has none."""
    return cards_doc(out).get("deck_cards")


def after(doc, key):
    """The key that follows key in the JSON object doc, or None."""
    keys = list(doc)
    return keys[keys.index(key) + 1] if keys.index(key) + 1 < len(keys) \
        else None


def deck_metrics(text):
    """metrics.prom's clanpopd_deck_card_players as sorted (clan, card,
    card_id, value), or the parser's complaint."""
    try:
        samples = promtext.parse(text)["samples"]
    except promtext.ParseError as e:
        return str(e)
    return sorted((lb.get("clan"), lb.get("card"), lb.get("card_id"), v)
                  for n, lb, v in samples
                  if n == "clanpopd_deck_card_players")


def metrics_text(out):
    with open(os.path.join(out, "metrics.prom"), encoding="utf-8") as f:
        return f.read()


def check_reports(out, t0, name, lag=0):
    """cards.json's deck_cards are the sums of the snapshots; metrics.prom
    is clean for promtool and its clanpopd_deck_card_players are the
    snapshots' counts (the daemon's reports may lag its snapshots a
    moment)."""
    def snaps():
        return {tag: snapshot(out, tag) for tag in TAGS}

    def family(ss):
        if any("deck_cards" not in s for s in ss.values()):
            return "a snapshot without deck_cards"
        return family_cards([s["deck_cards"] for s in ss.values()])

    def metrics(ss):
        if any("deck_cards" not in s for s in ss.values()):
            return "a snapshot without deck_cards"
        return sorted((tag, c["name"] or "", str(c["id"]), float(c["count"]))
                      for tag, s in ss.items() for c in s["deck_cards"])

    def read():
        return snaps(), cards_json(out), metrics_text(out)
    ss, cards, text = settle(read, lambda v: v[1] == family(v[0]) and
                             deck_metrics(v[2]) == metrics(v[0]), lag)
    read_cards(out, t0, name)
    t.eq(cards, family(ss),
         "%s: cards.json's deck_cards are the sums of the snapshots" % name)
    p = subprocess.run(["promtool", "check", "metrics"], input=text,
                       capture_output=True, text=True)
    t.eq((p.returncode, p.stdout + p.stderr), (0, ""),
         "%s: promtool check metrics finds metrics.prom clean" % name)
    t.eq(deck_metrics(text), metrics(ss),
         "%s: clanpopd_deck_card_players are the snapshots' counts" % name)


def check_warnings(api, log, before, faults, name):
    """The refreshes' warnings about refused decks count every read of a
    refused deck since before (the stand-in's requests per tag), and each
    names a player whose deck is refused, with its exact reason."""
    per_tag = api.stats()["requests_per_tag"]
    found = WARN.findall(log)
    t.eq(sum(int(n) for n, _tag, _why in found),
         sum(per_tag.get(tg, 0) - before.get(tg, 0)
             for tg, f in faults.items() if f in REFUSED),
         "%s: the warnings count every read of a refused deck" % name)
    t.eq([(tg, why) for _n, tg, why in found],
         [(tg, REASON.get(faults.get(tg), "(not refused)"))
          for _n, tg, _why in found],
         "%s: each names a player whose deck is refused, and why" % name)
    return per_tag


def check_once(api, out, db, cfg, name, rc=0):
    """One --once run checked: snapshots, database, reports, warnings;
    returns the members reused."""
    before = api.stats()["requests_per_tag"]
    t0 = time.time()
    r = clanpopd(["--once", "-c", cfg], rc, "%s: --once exits %d" % (name, rc))
    reused = sum(check_snapshot(api, out, tag, name) for tag in TAGS)
    if db is not None:
        for tag in TAGS:
            check_db(db, out, tag, name)
    check_reports(out, t0, name)
    check_warnings(api, r.stderr, before, FAULT_TAGS, name)
    return reused


def start(name, **conf):
    """A stand-in of scenario() in a new work directory, and a config for
    it: (work directory, output directory, stand-in, config path,
    rewrite), rewrite(**more) writing the config (schedule.seen_margin 0 s,
    conf and more) again."""
    wd = workdir(name)
    out = os.path.join(wd, "out")
    api = Standin(wd, scenario())
    cfg = os.path.join(wd, "c.yaml")

    def rewrite(**more):
        write_config(cfg, api.base_url, api.token_file, out, TAGS,
                     schedule__seen_margin="0s", **dict(conf, **more))
    rewrite()
    return wd, out, api, cfg, rewrite


# --- Part 1: --once runs keep the profiles in the history database: each
# run is a restart, and members offline count with their stored deck.
wd, out, api, cfg, rewrite = start("decks")
db = os.path.join(out, "history.sqlite")
reused = 0
for k in range(4):
    if k:
        epoch_online(api, TAGS)
    reused += check_once(api, out, db, cfg, "epoch %d" % k)
t.eq(([k for k in snapshot(out, "#9V2Y")["players"]],
      after(snapshot(out, "#9V2Y"), "favourite_cards"),
      after(cards_doc(out), "favourite_cards")),
     (["fetched", "reused", "failed", "without_favourite", "without_deck"],
      "deck_cards", "deck_cards"),
     "the keys in order: players ends with without_deck, deck_cards "
     "follows favourite_cards in the snapshot and in cards.json")
t.ok(reused > 0, "epochs 1 to 3: members were reused with their stored "
     "decks (%d)" % reused)
t.eq(query(db, "SELECT count(*) FROM profiles WHERE deck IS NOT NULL")[0][0]
     > 0, True, "the profiles in the database keep decks")

# Reuse turned off: everyone is read again.
rewrite(schedule__reuse_unseen="false")
epoch_online(api, TAGS)
t.eq(check_once(api, out, db, cfg, "reuse off"), 0,
     "reuse off: no member reused")
api.stop()

# --- Part 2: without the database a restart reads everyone.
wd, out, api, cfg, rewrite = start("decks-nodb", output__database='""')
for k in range(2):
    if k:
        epoch_online(api, TAGS)
    t.eq(check_once(api, out, None, cfg, "no database, run %d" % k), 0,
         "no database, run %d: no member reused" % k)
api.stop()

# --- Part 3: one daemon refreshing every 12 s keeps the decks in memory;
# then a reload turns reuse off.
wd, out, api, cfg, rewrite = start("decks-daemon", schedule__interval="12s",
                                   schedule__jitter="0s")
db = os.path.join(out, "history.sqlite")
t0 = time.time()
d = Daemon(cfg, wd)
reused = 0
# Each clan's snapshot is checked as soon as it is written (the clans
# refresh 4 s apart, each every 12 s), the next epoch begun after the
# last clan's; the reports, which sum all three, after that.
for k in range(4):
    name = "daemon, epoch %d" % k if k < 3 else "daemon, reuse off"
    got = 0
    for tag in TAGS:
        d.wait_log(r"%s: \d+ members" % tag, timeout=60, count=k + 1)
        got += check_snapshot(api, out, tag, name, k)
    if k == 2:
        rewrite(schedule__reuse_unseen="false")
        d.signal(signal.SIGHUP)
        d.wait_log(r"reloaded ", timeout=30)
    if k < 3:
        epoch_online(api, TAGS)
        reused += got
    else:
        t.eq(got, 0, "daemon, reuse off: no member reused")
    for tag in TAGS:
        check_db(db, out, tag, name, 10)
    check_reports(out, t0, name, 10)
t.ok(reused > 0, "daemon: members were reused with their decks in memory "
     "(%d)" % reused)
d.stop("daemon: SIGTERM exits 0")
check_warnings(api, d.log(), {}, FAULT_TAGS, "daemon, all its refreshes")
api.stop()
t.done()
