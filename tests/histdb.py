"""histdb.py - reading the history database back for the functional tests,
and the snapshots it must equal (clans/TAG.json and the history/TAG/
copies)."""

import calendar
import glob
import hashlib
import json
import os
import sqlite3
import time


def epoch(stamp):
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


def snap_entry(s):
    """A snapshot as (refreshes row without id, favourites), the form
    db_entries gives."""
    return ((s["tag"], s["name"] if s["name"] is not None else "",
             epoch(s["fetched_at"]), s["members"], s["players"]["fetched"],
             s["players"]["failed"], s["players"]["without_favourite"],
             1 if s["complete"] else 0, s["duration_ms"]),
            sorted((c["id"], c["count"]) for c in s["favourite_cards"]))


def read_json(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def copies(out, tag):
    """The snapshots kept under history/TAG/ (output.history), oldest
    first."""
    return [read_json(p) for p in sorted(glob.glob(
        os.path.join(out, "history", tag.lstrip("#"), "*.json")))]


def connect(path):
    db = sqlite3.connect(path, timeout=5)
    db.execute("PRAGMA busy_timeout = 5000")
    return db


def db_entries(path, clan=None):
    """Every refresh in the database (of clan, when given), by id: a list
    of (row without id, favourites sorted by card id)."""
    db = connect(path)
    try:
        sql = ("SELECT id, clan, clan_name, fetched_at, members, fetched, "
               "failed, without_favourite, complete, duration_ms FROM "
               "refreshes")
        rows = (db.execute(sql + " WHERE clan = ? ORDER BY id", (clan,))
                if clan else db.execute(sql + " ORDER BY id")).fetchall()
        out = []
        for r in rows:
            favs = db.execute("SELECT card_id, players FROM favourites "
                              "WHERE refresh_id = ? ORDER BY card_id",
                              (r[0],)).fetchall()
            out.append((tuple(r[1:]), [tuple(f) for f in favs]))
        return out
    finally:
        db.close()


def query(path, sql, args=()):
    db = connect(path)
    try:
        return [tuple(r) for r in db.execute(sql, args).fetchall()]
    finally:
        db.close()


def digest(path):
    """The bytes of a file, as a hash, or None when it does not exist."""
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except FileNotFoundError:
        return None
