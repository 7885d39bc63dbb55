"""t_cards.py - cards.json, the family view: the sum of the clans' latest
snapshots, after --once, after a restart where a clan fails (its snapshot
on disk still counts), and after a reload that removes a clan."""

import json
import os
import signal
import time

from functional import (Daemon, Standin, Tap, clanpopd, counts, scaled,
                        snapshot, workdir, write_config)
import standin
from truth import family_cards, read_cards

t = Tap()

# Two generated clans (one with a player without favourite and one that
# cannot be read), and one built by hand.
scenario = {
    "clans": {
        "9V2Y": {"members": 30},
        "2PYLQ": {"members": 20, "faults": {"3": "no_favourite",
                                            "5": "404"}},
        "8QRJ": {"name": "Hand", "members_list": ["#2Y0", "#2YP", "#2YQ",
                                                  "#2YR"]},
    },
    "players": {
        "#2Y0": {"card": {"id": 26000000, "name": "Knight"}},
        "#2YP": {"card": {"id": 26000000, "name": "Knight"}},
        "#2YQ": {"card": {"id": 26000017, "name": "Wizard"}},
        "#2YR": {"fault": "no_favourite"},
    },
}
TAGS = ["#9V2Y", "#2PYLQ", "#8QRJ"]
# #8QRJ's snapshot, counted by hand: 3 players with a favourite card.
hand = {"members": 4, "fetched": 4, "failed": 0, "without_favourite": 1,
        "favourite_cards": [{"name": "Knight", "id": 26000000, "count": 2},
                            {"name": "Wizard", "id": 26000017, "count": 1}]}


def decks(scen, tags):
    """The truth of the clans' deck_cards in the scenario scen."""
    return [standin.expected(scen, tag, decks=True)["deck_cards"]
            for tag in tags]


def family(snaps, nclans, decklists):
    """cards.json (without generated_at) for the snapshots' counts and the
    clans' deck_cards."""
    return {"clans": nclans,
            "players": sum(s["fetched"] - s["without_favourite"]
                           for s in snaps),
            "favourite_cards": family_cards([s["favourite_cards"]
                                             for s in snaps]),
            "deck_cards": family_cards(decklists)}


wd = workdir("cards")
out = os.path.join(wd, "out")
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, TAGS)

exp = {tag: standin.expected(scenario, tag) for tag in TAGS[:2]}
exp["#8QRJ"] = hand
t0 = time.time()
clanpopd(["--once", "-c", cfg], 0, "--once: exit 0, all three clans read")
t.eq([counts(snapshot(out, tag)) for tag in TAGS],
     [exp[tag] for tag in TAGS], "--once: the snapshots are the expected ones")
t.eq([snapshot(out, tag)["deck_cards"] for tag in TAGS],
     decks(scenario, TAGS), "--once: the snapshots' decks are the truth")
t.eq(read_cards(out, t0, "--once"), family([exp[tag] for tag in TAGS], 3,
                                           decks(scenario, TAGS)),
     "--once: cards.json is the sum of the three snapshots")

# Restart: #2PYLQ fails, so its snapshot on disk is its latest; #8QRJ's
# #2YQ now plays Knight too, so its new snapshot counts 3 Knights.
restart = dict(scenario)
restart["clans"] = dict(scenario["clans"], **{"2PYLQ": {"fault": "503_json"}})
restart["players"] = dict(scenario["players"],
                          **{"#2YQ": {"card": {"id": 26000000,
                                               "name": "Knight"}}})
api.set_scenario(restart)
write_config(cfg, api.base_url, api.token_file, out, TAGS,
             limits__max_retries=0)
hand2 = dict(hand, favourite_cards=[{"name": "Knight", "id": 26000000,
                                     "count": 3}])
t0 = time.time()
clanpopd(["--once", "-c", cfg], 75, "restart: exit 75 as #2PYLQ fails")
t.eq(counts(snapshot(out, "#8QRJ")), hand2,
     "restart: #8QRJ's new snapshot has 3 Knights")
t.eq(read_cards(out, t0, "restart"),
     family([exp["#9V2Y"], exp["#2PYLQ"], hand2], 3,
            decks(restart, ["#9V2Y"]) + decks(scenario, ["#2PYLQ"]) +
            decks(restart, ["#8QRJ"])),
     "restart: cards.json counts #2PYLQ's snapshot on disk")

# A reload that removes #2PYLQ: its snapshot stays on disk, but no longer
# counts.  The scenario stays the restart's, so the kept clans' snapshots
# are the same whether or not the daemon refreshes them first.
write_config(cfg, api.base_url, api.token_file, out, TAGS,
             schedule__interval="1h", limits__max_retries=0)
d = Daemon(cfg, wd)
t.ok(d.wait_log(r"clanpopd [^ ]+ started: 3 clans") is not None,
     "reload: clanpopd started")
write_config(cfg, api.base_url, api.token_file, out, ["#9V2Y", "#8QRJ"],
             schedule__interval="1h", limits__max_retries=0)
t0 = time.time()
d.signal(signal.SIGHUP)
t.ok(d.wait_log(r"configuration applied: 2 clans \(0 added, 1 removed, 0 "
                r"with a new interval\)") is not None,
     "reload: #2PYLQ removed")
# The reports follow a reload within a second: wait for the file to say so.
deadline = time.time() + scaled(10)
doc = None
while time.time() < deadline:
    with open(os.path.join(out, "cards.json"), "rb") as f:
        doc = json.loads(f.read().decode("utf-8"))
    if doc["clans"] == 2:
        break
    time.sleep(0.05)
t.eq(read_cards(out, t0, "reload"),
     family([exp["#9V2Y"], hand2], 2, decks(restart, ["#9V2Y", "#8QRJ"])),
     "reload: cards.json no longer counts the removed clan")
t.ok(os.path.exists(os.path.join(out, "clans", "2PYLQ.json")),
     "reload: the removed clan's snapshot stays on disk")
d.stop("reload: clanpopd stops with exit 0 on SIGTERM")
api.stop()
t.done()
