"""t_demo.py - the summary `make demo` prints (tests/demosummary.py): its
exact lines for snapshots built by hand (deck cards or none, a snapshot
from before decks), and for the demo itself: the demo configuration's
`clanpopd --once` against the stand-in API on the demo scenario."""

import json
import os
import subprocess
import sys

from functional import TOP_SRCDIR, Standin, Tap, clanpopd, workdir
import standin

SUMMARY = os.path.join(TOP_SRCDIR, "tests", "demosummary.py")

t = Tap()


def run_summary(*args):
    p = subprocess.run([sys.executable, SUMMARY, *args], capture_output=True,
                       text=True)
    return p.returncode, p.stdout, p.stderr


def card(name, cid, count):
    return {"name": name, "id": cid, "count": count}


def snap(tag, name, members, players, favourites, **more):
    s = {"tag": tag, "name": name, "members": members, "complete": True,
         "players": players, "favourite_cards": favourites}
    s.update(more)
    return s


wd = workdir("demo")
hand = os.path.join(wd, "hand")
os.mkdir(hand)
snaps = {
    # Decks counted: the first three of each measure, a nameless card by
    # its id.
    "2PYLQ.json": snap(
        "#2PYLQ", "Les \"Étoiles\" ⭐", 30,
        {"fetched": 28, "reused": 1, "failed": 1, "without_favourite": 2,
         "without_deck": 3},
        [card("Knight", 26000000, 6), card(None, 26000099, 5),
         card("Wizard", 26000017, 4), card("Archers", 26000001, 1)],
        complete=False,
        deck_cards=[card("The Log", 28000011, 20),
                    card("Hog Rider", 26000021, 17),
                    card("Zap", 28000008, 17), card("Fireball", 28000000, 9)]),
    # Decks counted, but nobody has a deck or a favourite card.
    "8QRUL.json": snap(
        "#8QRUL", "Friends", 4,
        {"fetched": 4, "reused": 0, "failed": 0, "without_favourite": 4,
         "without_deck": 4}, [], deck_cards=[]),
    # A snapshot written before decks were counted.
    "9V2Y.json": snap(
        "#9V2Y", "Alpha Wolves", 2,
        {"fetched": 2, "reused": 0, "failed": 0, "without_favourite": 0},
        [card("X-Bow", 27000008, 2)]),
}
for fname, s in snaps.items():
    with open(os.path.join(hand, fname), "w", encoding="utf-8") as f:
        json.dump(s, f, ensure_ascii=False)
# A temporary file of a write in progress is not a snapshot.
with open(os.path.join(hand, ".clanpopd-tmp-9V2Y.json.x1Y2z3"), "w") as f:
    f.write("{")

t.eq(run_summary(hand), (0, "".join(line + "\n" for line in [
    "#2PYLQ  Les \"Étoiles\" ⭐          30 members: 28 fetched, 1 failed, "
    "2 without favourite, 3 without deck (incomplete)",
    "        top favourite cards: Knight 6, card 26000099 5, Wizard 4",
    "        top deck cards: The Log 20, Hog Rider 17, Zap 17",
    "        file: %s/2PYLQ.json" % hand,
    "#8QRUL  Friends                   4 members:  4 fetched, 0 failed, "
    "4 without favourite, 4 without deck",
    "        top favourite cards: none",
    "        top deck cards: none",
    "        file: %s/8QRUL.json" % hand,
    "#9V2Y   Alpha Wolves              2 members:  2 fetched, 0 failed, "
    "0 without favourite",
    "        top favourite cards: X-Bow 2",
    "        top deck cards: none",
    "        file: %s/9V2Y.json" % hand]), ""),
    "snapshots by hand: the top three favourite and deck cards, none, "
    "a snapshot from before decks, no temporary file")
t.eq(run_summary(), (1, "", "usage: demosummary.py DIR (the snapshots' "
                     "directory, such as demo/out/clans)\n"),
     "without a directory: exit 1 and the usage")

# The demo: its scenario, its configuration with the stand-in's port.
with open(os.path.join(TOP_SRCDIR, "tests", "demo-scenario.json"),
          encoding="utf-8") as f:
    scenario = json.load(f)
api = Standin(wd, scenario)
cfg = os.path.join(wd, "clanpopd.yaml")
with open(os.path.join(TOP_SRCDIR, "etc", "demo.yaml"),
          encoding="utf-8") as f:
    text = f.read()
with open(cfg, "w", encoding="utf-8") as f:
    f.write(text.replace("127.0.0.1:8642", "127.0.0.1:%d" % api.port))
clanpopd(["--once", "-c", cfg], 0, "demo: --once exits 0")
api.stop()
clans = os.path.join(wd, "out", "clans")
want = []
for tag in sorted(scenario["clans"]):
    exp = standin.expected(scenario, tag, 2, decks=True)
    top = {key: ", ".join("%s %d" % (c["name"], c["count"])
                          for c in exp.get(key, [])[:3]) or "none"
           for key in ("favourite_cards", "deck_cards")}
    want += ["%-7s %-24s %2d members: %2d fetched, %d failed, %d without "
             "favourite%s%s" % (
                 "#" + tag, scenario["clans"][tag]["name"], exp["members"],
                 exp["fetched"], exp["failed"], exp["without_favourite"],
                 ", %d without deck" % exp["without_deck"]
                 if "without_deck" in exp else "",
                 "" if exp["failed"] == 0 else " (incomplete)"),
             "        top favourite cards: %s" % top["favourite_cards"],
             "        top deck cards: %s" % top["deck_cards"],
             "        file: %s/%s.json" % (clans, tag)]
t.eq(run_summary(clans), (0, "".join(line + "\n" for line in want), ""),
     "demo: the summary of the three clans is the stand-in's truth")
t.diag("\n".join(want))
t.done()
