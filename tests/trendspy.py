"""trendspy.py - trends/TAG.json recomputed from a history database with
Python's sqlite3 module, by the rules clanpopd-files(5) gives,
for t_trends.py to compare with what clanpopd wrote.  Shares nothing with
src/trends.c but the rules."""

import calendar
import sqlite3
import time

# The history database's schema, version 2: version 1 exactly as issue 12
# gives it, then version 2's step as clanpopd-files(5) gives it.
SCHEMA = """
CREATE TABLE cards (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE refreshes (
  id INTEGER PRIMARY KEY,
  clan TEXT NOT NULL,
  clan_name TEXT NOT NULL,
  fetched_at INTEGER NOT NULL,
  members INTEGER NOT NULL, fetched INTEGER NOT NULL, failed INTEGER NOT NULL,
  without_favourite INTEGER NOT NULL, complete INTEGER NOT NULL, duration_ms INTEGER NOT NULL);
CREATE INDEX refreshes_clan_time ON refreshes (clan, fetched_at);
CREATE TABLE favourites (
  refresh_id INTEGER NOT NULL REFERENCES refreshes (id) ON DELETE CASCADE,
  card_id INTEGER NOT NULL REFERENCES cards (id),
  players INTEGER NOT NULL,
  PRIMARY KEY (refresh_id, card_id)) WITHOUT ROWID;
CREATE TABLE profiles (
  tag TEXT PRIMARY KEY,
  clan TEXT NOT NULL,
  read_at INTEGER NOT NULL,
  max_age INTEGER,
  card_id INTEGER,
  card_name TEXT,
  deck TEXT) WITHOUT ROWID;
CREATE INDEX profiles_clan ON profiles (clan);
CREATE TABLE store_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
ALTER TABLE refreshes ADD COLUMN reused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE refreshes ADD COLUMN without_deck INTEGER;
CREATE TABLE decks (
  refresh_id INTEGER NOT NULL REFERENCES refreshes (id) ON DELETE CASCADE,
  card_id INTEGER NOT NULL REFERENCES cards (id),
  players INTEGER NOT NULL,
  PRIMARY KEY (refresh_id, card_id)) WITHOUT ROWID;
CREATE INDEX refreshes_time ON refreshes (fetched_at);
PRAGMA user_version = 2;
"""

TOP = 10
CARDS_MAX = 20
POINTS_MAX = 200
DAY = 86400


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def unix(stamp):
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


def sample(times):
    """The indexes of the points: all refreshes up to 200; else for each k
    of 0..199 the first refresh at or after first + (latest - first) * k
    // 199, later than the one before and leaving one for each later k;
    the last is the latest."""
    n = len(times)
    if n <= POINTS_MAX:
        return list(range(n))
    span = times[-1] - times[0]
    picked = []
    for k in range(POINTS_MAX):
        target = times[0] + span * k // (POINTS_MAX - 1)
        lo = picked[-1] + 1 if picked else 0
        hi = n - POINTS_MAX + k
        at = [j for j in range(lo, hi + 1) if times[j] >= target]
        picked.append(hi if k == POINTS_MAX - 1 or not at else at[0])
    return picked


def trends(path, tag, to, window):
    """The document trends/TAG.json must hold for tag's refreshes in
    [to - window, to] in the database at path."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        refs = db.execute(
            "SELECT id, fetched_at, clan_name FROM refreshes WHERE clan = ? "
            "AND fetched_at >= ? AND fetched_at <= ? ORDER BY fetched_at, id",
            (tag, to - window, to)).fetchall()
        names = dict(db.execute("SELECT id, name FROM cards"))
        favs, decks = counts(db, "favourites"), counts(db, "decks")
    finally:
        db.close()
    doc = {"tag": tag, "name": refs[-1][2] if refs else None,
           "from": iso(to - window), "to": iso(to), "refreshes": len(refs),
           "cards": [], "deck_cards": []}
    if refs:
        points = sample([r[1] for r in refs])
        doc["cards"] = series(refs, points, favs, names)
        doc["deck_cards"] = series(refs, points, decks, names)
    return doc


def counts(db, table):
    """{refresh id: {card id: players}} of table (favourites or decks)."""
    rows = {}
    for rid, card, players in db.execute(
            "SELECT refresh_id, card_id, players FROM %s" % table):
        rows.setdefault(rid, {})[card] = players
    return rows


def series(refs, points, favs, names):
    """The cards of one measure (favs: its counts) over the refreshes refs
    (id, time, ...), sampled at points."""
    def ranked(rid):
        f = favs.get(rid, {})
        return sorted(f, key=lambda c: (-f[c], names[c].encode(), c))[:TOP]

    latest = ranked(refs[-1][0])
    seen = {}
    for i, (rid, _t, _n) in enumerate(refs):
        for place, c in enumerate(ranked(rid)):
            seen[c] = (i, place)
    former = sorted((c for c in seen if c not in latest),
                    key=lambda c: (-seen[c][0], seen[c][1]))
    return [{"id": c, "name": names[c],
             "points": [[iso(refs[j][1]), favs.get(refs[j][0], {}).get(c, 0)]
                        for j in points]}
            for c in (latest + former)[:CARDS_MAX]]
