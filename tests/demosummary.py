"""demosummary.py - the summary `make demo` (tests/demo.sh) prints of the
snapshots in a directory: each clan's members and players, and its top
favourite cards and top deck cards.

    python3 tests/demosummary.py DIR"""

import json
import os
import sys

TOP = 3  # cards shown of each measure


def top_cards(cards):
    """The first TOP cards as "Name count, ..." (a card without a name
    by its id), or "none" when there is none."""
    if not cards:
        return "none"
    return ", ".join("%s %d" % (c["name"] if c["name"] is not None
                                else "card %d" % c["id"], c["count"])
                     for c in cards[:TOP])


def clan_lines(snap, path):
    """The summary's lines of one snapshot, read from path.  A snapshot
    written before decks were counted (no players.without_deck, no
    deck_cards) has no deck cards and says nothing of players without
    one."""
    p = snap["players"]
    without_deck = (", %d without deck" % p["without_deck"]
                    if "without_deck" in p else "")
    return [
        "%-7s %-24s %2d members: %2d fetched, %d failed, %d without "
        "favourite%s%s" % (snap["tag"], snap["name"], snap["members"],
                           p["fetched"], p["failed"], p["without_favourite"],
                           without_deck,
                           "" if snap["complete"] else " (incomplete)"),
        "        top favourite cards: %s"
        % top_cards(snap["favourite_cards"]),
        "        top deck cards: %s" % top_cards(snap.get("deck_cards")),
        "        file: %s" % path]


def summary(directory):
    """The summary's lines of the snapshots (*.json) in directory, in the
    order of their file names."""
    lines = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json"):
            continue
        path = os.path.join(directory, name)
        with open(path, encoding="utf-8") as f:
            lines += clan_lines(json.load(f), path)
    return lines


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: demosummary.py DIR (the snapshots' directory, "
                 "such as demo/out/clans)")
    for line in summary(sys.argv[1]):
        print(line)
