"""t_dashboard.py - the dashboard (www/) in a real browser through a real
server: the stand-in API with favourites that drift between refreshes, a
clan named <img src=x onerror=alert(1)> and one whose refreshes start to
fail; the daemon for a few refreshes; nginx from Debian on a loopback
port with a configuration made from the shipped etc/nginx/clanpopd.conf;
headless Chromium through chromedriver (python3-selenium).  Every figure
the page shows is compared with the files the daemon wrote, after the
test has set the second measure (the cards in the members' decks), the
reused members and the family's trends in them by hand (see "Decks").

Screenshots of each view go to tests/t_dashboard.d/ in the build tree.

The browser's console must hold nothing but the 404s this test causes on
purpose (a snapshot and a trend file it removes, index.json it hides):
the server answers those with 404, which Chromium logs as a network
error for exactly that URL, so the expected list names each URL.  The
page itself never asks for a file it knows is not there (a clan without
a snapshot, a tag index.json does not list)."""

import atexit
import base64
import calendar
import decimal
import json
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashserve  # noqa: E402

dashserve.need_selenium()
why = dashserve.chromium_missing()
if why:
    print("1..0 # SKIP %s" % why)
    sys.exit(0)

from functional import (Daemon, Standin, Tap, scaled, snapshot,  # noqa: E402
                        workdir, write_config, counts, TOP_SRCDIR)
import standin  # noqa: E402

from selenium.webdriver.common.action_chains import ActionChains  # noqa
from selenium.webdriver.common.keys import Keys  # noqa: E402

t = Tap()
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_CARD = "<b onmouseover=alert(2)>Bold</b>"
LOGDIR = os.path.join(os.environ.get("TOP_BUILDDIR", TOP_SRCDIR), "tests",
                      "t_dashboard.d")
shutil.rmtree(LOGDIR, ignore_errors=True)
os.makedirs(LOGDIR)

# --- The stand-in API and three phases of favourites -------------------
KNIGHT = {"id": 26000000, "name": "Knight"}
WIZARD = {"id": 26000017, "name": "Wizard"}
HOG = {"id": 26000021, "name": "Hog Rider"}
ODD = {"id": 26999999, "name": HOSTILE_CARD}


def scenario(phase):
    """Phase 0: every clan works.  1: #2PYLQ's favourites drift and
    #8QRUL's clan request fails from now on.  2: they drift again."""
    cards = [[KNIGHT, KNIGHT, WIZARD, ODD, HOG],
             [KNIGHT, WIZARD, WIZARD, ODD, ODD],
             [WIZARD, WIZARD, WIZARD, KNIGHT, ODD]][phase]
    tags = ["#2Y0", "#2YP", "#2YQ", "#2YR", "#2YU"]
    sc = {"clans": {
        "9V2Y": {"name": "Alpha Wolves", "members": 20,
                 "faults": {"2": "no_favourite"}},
        "2PYLQ": {"name": HOSTILE, "members_list": tags},
        "8QRUL": {"name": "Fading", "members": 5},
        "PQL9": {"name": "Fourth", "members": 6},
    }, "players": {tag: {"card": c} for tag, c in zip(tags, cards)}}
    if phase > 0:
        sc["clans"]["8QRUL"]["fault"] = "503_json"
    return sc


TAGS = ["#9V2Y", "#2PYLQ", "#8QRUL", "#PQL9"]
wd = workdir("dashboard")
os.chmod(wd, 0o755)	# nginx runs as nobody when the test runs as root
out = os.path.join(wd, "out")
api = Standin(wd, scenario(0))
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, [
    {"tag": "#9V2Y", "name": "Mine", "interval": "1h"},
    {"tag": "#2PYLQ", "interval": "10s"},
    {"tag": "#8QRUL", "interval": "10s"},
    {"tag": "#PQL9", "interval": "1h"},
], schedule__interval="10s", schedule__jitter="0%",
    limits__max_retries=0)


def read_json(*parts):
    with open(os.path.join(out, *parts), "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def wait_for(cond, what, timeout=60):
    """Poll cond() (exceptions count as false) until true or timeout."""
    deadline = time.time() + scaled(timeout)
    while time.time() < deadline:
        try:
            if cond():
                return True
        except (OSError, ValueError, KeyError, TypeError):
            pass
        time.sleep(0.05)
    t.diag("timed out waiting for %s" % what)
    return False


def index_entry(tag):
    return next(c for c in read_json("index.json")["clans"]
                if c["tag"] == tag)



def ms(iso):
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")) * 1000


# --- What the page must show, computed as www/app.js says -------------
def utc(iso):
    return iso.replace("T", " ").replace("Z", " UTC") if iso else ""


def ago(millis):
    s = max(0, int(millis / 1000 + 0.5))	# Math.round
    if s < 90:
        return "%d s" % s
    if s < 90 * 60:
        return "%d min" % int(s / 60 + 0.5)
    if s < 48 * 3600:
        return "%d h" % int(s / 3600 + 0.5)
    return "%d d" % int(s / 86400 + 0.5)


def refreshes(n):
    return "%d refresh%s" % (n, "" if n == 1 else "es")


def percent(part, whole):
    """JavaScript's (100 * part / whole).toFixed(1): the exact value of
    the double, ties away from zero."""
    if whole <= 0:
        return "\u2014"
    x = decimal.Decimal(100 * part / whole).quantize(
        decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP)
    return "%s %%" % x


def freshness(c, now):
    n = c["consecutive_failures"]
    if n > 0:
        return "stale: %d failed refresh%s in a row" % (
            n, "" if n == 1 else "es")
    if not c["last_success"]:
        return "no snapshot yet"
    age = now - ms(c["last_success"])
    if c["interval_s"] > 0 and age > 2 * c["interval_s"] * 1000:
        return "stale: no success for %s" % ago(age)
    return "fresh"


def clan_name(c):
    return c["name"] or c["label"] or c["tag"]


def overview_rows(idx, now):
    rows = []
    for c in idx["clans"]:
        try:
            s = read_json("clans", c["tag"][1:] + ".json")
        except OSError:
            s = None
        name = clan_name(c)
        if c["label"] and c["name"] and c["label"] != c["name"]:
            name += " (%s)" % c["label"]
        num = (lambda v: "\u2014" if s is None else str(v))
        rows.append([
            name, c["tag"], num(s and s["members"]),
            num(s and s["players"]["fetched"]),
            num(s and s["players"]["reused"]),
            num(s and s["players"]["failed"]),
            {True: "yes", False: "no", None: "\u2014"}[c["complete"]],
            ago(now - ms(c["last_success"])) + " ago"
            if c["last_success"] else "never",
            freshness(c, now), c["last_error"] or ""])
    return rows


def family_rows(cards, n=None):
    fc = cards["favourite_cards"][:n] if n else cards["favourite_cards"]
    return [[str(i + 1), c["name"] or "(no name)", str(c["players"]),
             percent(c["players"], cards["players"]), str(c["clans"])]
            for i, c in enumerate(fc)]


def family_deck_rows(cards, n=None):
    dc = cards["deck_cards"][:n] if n else cards["deck_cards"]
    return [[str(i + 1), c["name"] or "(no name)", str(c["players"]),
             str(c["clans"])] for i, c in enumerate(dc)]


def clan_rows(s, key="favourite_cards", without="without_favourite"):
    p = s["players"]
    total = p["fetched"] + p["reused"] - p[without]
    return [[c["name"] or "(no name)", str(c["count"]),
             percent(c["count"], total)] for c in s[key]]


def deck_rows(s):
    return clan_rows(s, "deck_cards", "without_deck")


def line_name(c):
    """A trend line's card as the page names it."""
    return c["name"] or "(no name, id %d)" % c["id"]


def trend_lines(tr, key="cards"):
    return [[line_name(c), [[ms(p[0]), p[1]] for p in c["points"]]]
            for c in tr[key]]


def notfound(url, kind):
    advice = {
        "clan": "index.json lists a snapshot the server does not have; it "
                "is written again at the clan's next refresh.",
        "trends": "clanpopd writes it after each refresh of the clan while "
                  "its history database is on (output.database).",
        "index": "clanpopd writes it when it starts: check that the daemon "
                 "runs and that the web server serves its output directory "
                 "at data/ next to this page.",
        "family": "clanpopd writes it with cards.json while its history "
                  "database is on (output.database): without one it keeps "
                  "no history, so there are no trends of all clans to "
                  "show."}[kind]
    return "%s is not on the server (HTTP 404). %s" % (url, advice)


def nodecks(url):
    return ("%s has no deck cards (deck_cards): it was written by a "
            "clanpopd that counts only favourite cards. A clanpopd that "
            "counts decks writes them at its next refresh." % url)


# --- The browser -------------------------------------------------------
# Before the page's own code: alert() and friends only record, Date.now()
# can be pinned (window.__fixedNow) so that ages and the stale mark are
# exact, and the page's one setInterval is recorded so that the test can
# run its 60 s re-read at once (window.__tick).
PRELUDE = """
window.__alerts = [];
window.alert = window.confirm = window.prompt = function (m) {
    window.__alerts.push(String(m));
};
window.__fixedNow = null;
const realNow = Date.now;
Date.now = function () {
    return window.__fixedNow === null ? realNow.call(Date) : window.__fixedNow;
};
window.__intervals = [];
const realSetInterval = window.setInterval;
window.setInterval = function (f, ms) {
    window.__intervals.push(ms);
    window.__tick = f;
    return realSetInterval.apply(window, arguments);
};
"""
ROWS_JS = """return Array.from(document.querySelectorAll(
    '#' + arguments[0] + ' tbody tr')).map((tr) =>
    Array.from(tr.cells).map((td) => td.textContent));"""
CHART_JS = """const c = Chart.getChart(arguments[0]);
return c ? c.data.datasets.map((d) => [d.label,
    d.data.map((p) => typeof p === 'number' ? p : [p.x, p.y])]) : null;"""
TEXT_JS = """const e = document.querySelector(arguments[0]);
return e ? e.textContent : null;"""
MSGS_JS = """return Array.from(document.querySelectorAll('#view .msg'))
    .map((e) => e.textContent);"""


class Page:
    def __init__(self, ng):
        self.ng = ng
        self.drv = dashserve.browser()
        self.drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                 {"source": PRELUDE})
        self.base = ng.url()

    def seq(self):
        return self.drv.execute_script(
            "return document.documentElement.dataset.loaded || null")

    def open(self, hash_, now=None):
        """A fresh load of the page at hash_; now pins Date.now()."""
        self.drv.get("about:blank")	# a new document even for the same URL
        self.drv.get(self.base + hash_)
        dashserve.wait_loaded(self.drv, timeout=scaled(20))
        if now is not None:
            self.pin(now)
            self.tick()

    def pin(self, now):
        self.drv.execute_script("window.__fixedNow = arguments[0]", now)

    def go(self, hash_):
        """Follow a link within the page (no reload of the document)."""
        before = self.seq()
        self.drv.execute_script("location.hash = arguments[0]", hash_)
        dashserve.wait_loaded(self.drv, before, timeout=scaled(20))

    def tick(self):
        """What the 60 s timer does, now."""
        before = self.seq()
        self.drv.execute_script("window.__tick()")
        dashserve.wait_loaded(self.drv, before, timeout=scaled(20))

    def js(self, code, *args):
        return self.drv.execute_script(code, *args)

    def rows(self, table_id):
        return self.js(ROWS_JS, table_id)

    def text(self, sel):
        return self.js(TEXT_JS, sel)

    def msgs(self):
        return self.js(MSGS_JS)

    def console(self):
        """The console since the last call: (level, source, message)."""
        return [(e["level"], e["source"], e["message"])
                for e in self.drv.get_log("browser")]

    def shot(self, name):
        path = os.path.join(LOGDIR, name + ".png")
        dashserve.full_shot(self.drv, path)
        self.drv.set_window_size(1280, 900)
        return path


def net404(url):
    return ("SEVERE", "network", "%s - Failed to load resource: the server "
            "responded with a status of 404 (Not Found)" % url)


# --- Trend files ----------------------------------------------------------
# trends/TAG.json is the daemon's (issue 12, from its history database):
# the page's chart is checked against the file as the daemon wrote it.


# --- Decks ---------------------------------------------------------------
# The page shows files.  Once the daemon has stopped, the second measure
# is written into its files here by hand, in the formats of
# clanpopd-files(5) (the daemon's own counting is tested against the
# stand-in elsewhere), so that every figure is known whatever it counted:
# #9V2Y has 6 members reused and 2 without a deck; each clan's deck cards
# come from DECK_POOL (a card with no name and HOSTILE_CARD among them);
# cards.json gains their sums, each trend file deck_cards lines, and
# trends/family.json is made from the clans' trend files by its rule.
DECK_POOL = [(26000000, "Knight"), (26000017, "Wizard"),
             (26000021, "Hog Rider"), (26000014, "Musketeer"),
             (28000000, "Fireball"), (28000008, "Zap"),
             (28000011, "The Log"), (26000011, "Valkyrie"),
             (26999999, HOSTILE_CARD), (26000099, None),
             (26000015, "Baby Dragon")]


def card_order(c, n="count"):
    """The files' order: count, highest first; name, null last; id."""
    return (-c[n], c["name"] is None, c["name"] or "", c["id"])


def with_key_after(doc, after, key, value):
    """doc with key inserted right after the key after (or replaced)."""
    out = {}
    for k, v in doc.items():
        if k != key:
            out[k] = v
        if k == after:
            out[key] = value
    return out


def write_json(doc, *parts):
    with open(os.path.join(out, *parts), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)


def dress_snapshot(i, tag):
    s = read_json("clans", tag + ".json")
    p = s["players"]
    reused = 6 if tag == "9V2Y" else 0
    p["fetched"] -= reused
    p["reused"] += reused
    nodeck = 2 if tag == "9V2Y" else 0
    s["players"] = with_key_after(p, "without_favourite", "without_deck",
                                  nodeck)
    have = p["fetched"] + p["reused"] - nodeck
    pool = DECK_POOL[i:] + DECK_POOL[:i]
    decks = [{"name": n, "id": cid, "count": have * (len(pool) - k) //
              len(pool)} for k, (cid, n) in enumerate(pool)]
    decks = sorted((c for c in decks if c["count"]), key=card_order)
    s = with_key_after(s, "favourite_cards", "deck_cards", decks)
    write_json(s, "clans", tag + ".json")
    return s


def dress_trend(tag, snap):
    tr = read_json("trends", tag + ".json")
    times = [p[0] for p in tr["cards"][0]["points"]] if tr["cards"] else []
    n = len(times)
    tr["deck_cards"] = [
        {"id": c["id"], "name": c["name"], "points": [
            [at, max(0, c["count"] - (n - 1 - j) % 3)]
            for j, at in enumerate(times)]}
        for c in snap["deck_cards"][:10]] if times else []
    write_json(tr, "trends", tag + ".json")
    return tr


def family_series(trends, key, times):
    """Each card's players at each time: the sum over the clans of its
    value at the clan's latest point at or before that time."""
    names, sums = {}, {}
    for tr in trends:
        for c in tr[key]:
            names[c["id"]] = c["name"]
            pts = c["points"]
            for t_ in times:
                before = [v for at, v in pts if at <= t_]
                sums.setdefault(c["id"], {}).setdefault(t_, 0)
                sums[c["id"]][t_] += before[-1] if before else 0
    cards = [{"id": cid, "name": names[cid], "points": [
        [t_, sums[cid][t_]] for t_ in times]} for cid in sums]
    cards.sort(key=lambda c: (-c["points"][-1][1], c["name"] is None,
                              c["name"] or "", c["id"]))
    return cards[:20]


def dress():
    snaps, trends = {}, []
    for i, tag in enumerate(TAGS):
        snaps[tag] = dress_snapshot(i, tag[1:])
        trends.append(dress_trend(tag[1:], snaps[tag]))
    cards = read_json("cards.json")
    fam = {}
    for s in snaps.values():
        for c in s["deck_cards"]:
            f = fam.setdefault(c["id"], {"id": c["id"], "name": c["name"],
                                         "players": 0, "clans": 0})
            f["players"] += c["count"]
            f["clans"] += 1
    write_json(with_key_after(cards, "favourite_cards", "deck_cards", sorted(
        fam.values(), key=lambda c: card_order(c, "players"))), "cards.json")
    times = sorted({p[0] for tr in trends for c in tr["cards"]
                    for p in c["points"]})
    write_json({"from": min(tr["from"] for tr in trends),
                "to": max(tr["to"] for tr in trends), "clans": len(TAGS),
                "refreshes": sum(tr["refreshes"] for tr in trends),
                "cards": family_series(trends, "cards", times),
                "deck_cards": family_series(trends, "deck_cards", times)},
               "trends", "family.json")


# --- The daemon, phases 0 and 1 ----------------------------------------
d = Daemon(cfg, wd)
t.ok(wait_for(lambda: all(index_entry(tag)["last_success"]
                          for tag in TAGS), "every clan's first snapshot"),
     "daemon: every clan has a snapshot")
history = {tag: [snapshot(out, tag)] for tag in TAGS}


def drift(phase):
    api.set_scenario(scenario(phase))
    want = standin.expected(scenario(phase), "#2PYLQ")
    t.ok(wait_for(lambda: counts(snapshot(out, "#2PYLQ")) == want and
                  index_entry("#8QRUL")["consecutive_failures"] >= phase,
                  "phase %d" % phase),
         "daemon: phase %d: #2PYLQ's favourites drifted and #8QRUL has "
         "failed at least %d time(s)" % (phase, phase))
    history["#2PYLQ"].append(snapshot(out, "#2PYLQ"))


drift(1)
t.ok(wait_for(lambda: read_json("trends", "2PYLQ.json")["to"] ==
              snapshot(out, "#2PYLQ")["fetched_at"], "trends/2PYLQ.json"),
     "daemon: trends/2PYLQ.json follows the snapshot")

# --- nginx from the shipped snippet, and the browser -------------------
ng = dashserve.Nginx(os.path.join(wd, "nginx"), out)
ng.start(timeout=scaled(10))
page = Page(ng)


@atexit.register
def cleanup():
    """Whatever happened above: no browser, server or daemon left."""
    try:
        page.drv.quit()
    except Exception:
        pass
    ng.stop()
    if d.proc.poll() is None:
        d.proc.kill()
        d.proc.wait()
    api.stop()


# Phase 1 on screen: #2PYLQ's view, then the daemon moves on to phase 2
# while the page stays open; the minute's re-read must show phase 2 in
# the same view.
page.open("#/clan/2PYLQ")
t.eq(page.js("return window.__intervals"), [60000],
     "page: one timer, re-reading every 60 s")
t.eq(page.rows("clan-cards"), clan_rows(history["#2PYLQ"][-1]),
     "clan view, phase 1: the table is the snapshot's cards, counts and "
     "order")
drift(2)
d.stop("daemon: exits 0 on SIGTERM")
dress()
idx = read_json("index.json")
cards = read_json("cards.json")
NOW = int(time.time() * 1000)
page.pin(NOW)
page.tick()
t.eq(page.js("return location.hash"), "#/clan/2PYLQ",
     "re-read: the view stays #/clan/2PYLQ")
t.eq(page.rows("clan-cards"), clan_rows(snapshot(out, "#2PYLQ")),
     "re-read: the table is phase 2's snapshot")
t.eq(page.rows("clan-decks"), deck_rows(snapshot(out, "#2PYLQ")),
     "re-read: the deck table is the snapshot's deck cards")
t.eq(page.console(), [], "phase 1 and the re-read: the console is empty")

# --- The hostile name ---------------------------------------------------
shots = {}
t.eq(page.text("h1"), HOSTILE, "hostile: the clan view's heading is "
     "exactly the name's characters")
t.eq(page.js("return document.title"), HOSTILE + " - clanpopd",
     "hostile: the title is the name as text")
t.eq(page.js("return document.querySelectorAll('img, [onerror], "
             "[onmouseover], b').length"), 0,
     "hostile: no element was made from the names")
t.eq(page.js("return window.__alerts"), [], "hostile: no alert ran")
tr = read_json("trends", "2PYLQ.json")
t.eq(page.js(CHART_JS, "trend-chart"), trend_lines(tr),
     "clan view: one trend line per card of trends/2PYLQ.json, its points")
t.eq(len(page.js(CHART_JS, "trend-chart")), len(tr["cards"]),
     "clan view: as many lines as trends/2PYLQ.json has cards")
t.eq(page.js(CHART_JS, "deck-trend-chart"), trend_lines(tr, "deck_cards"),
     "clan view: one deck trend line per deck card of trends/2PYLQ.json, "
     "its points")
t.eq([len(tr["deck_cards"]), len(tr["deck_cards"][0]["points"])],
     [9, len(tr["cards"][0]["points"])],
     "clan view: trends/2PYLQ.json has 9 deck lines, at the favourites' "
     "times")
t.eq(page.text("#trend-range"), "%s from %s to %s." % (
    refreshes(tr["refreshes"]), utc(tr["from"]), utc(tr["to"])),
    "clan view: the trends' range")
shots["clan-2PYLQ"] = page.shot("clan-2PYLQ")

# --- The overview -------------------------------------------------------
page.go("#/")
t.eq(page.rows("clans"), overview_rows(idx, NOW),
     "overview: one row per clan of index.json with its snapshot's numbers, "
     "its age, the stale mark and the last error")
nstale = sum(freshness(c, NOW).startswith("stale") for c in idx["clans"])
t.eq(page.text("#view .sub"), "%d clans, %d stale; index.json written %s "
     "by clanpopd %s." % (len(TAGS), nstale, utc(idx["generated_at"]),
                          idx["version"]), "overview: the summary line")
t.eq(page.rows("clans")[2][8],
     "stale: %d failed refresh%s in a row" % (
         index_entry("#8QRUL")["consecutive_failures"],
         "" if index_entry("#8QRUL")["consecutive_failures"] == 1 else "es"),
     "overview: #8QRUL, whose refreshes fail, is marked stale")
t.eq(page.js("return Array.from(document.querySelectorAll("
             "'#clans tbody tr td:nth-child(9) .badge.stale')).length"), 1,
     "overview: exactly one stale badge")
t.eq(page.js("return document.querySelector('#clans tbody tr:nth-child(2) "
             "a').textContent"), HOSTILE,
     "hostile: the overview's link is exactly the name's characters")
t.eq(page.rows("top-cards"), family_rows(cards, 10),
     "overview: the family's top 10 cards from cards.json")
t.eq(page.rows("top-decks"), family_deck_rows(cards, 10),
     "overview: the family's top 10 deck cards from cards.json")
t.eq([r[3:5] for r in page.rows("clans")], [["14", "6"], ["5", "0"],
                                            ["5", "0"], ["6", "0"]],
     "overview: members read and unchanged (#9V2Y: 6 reused)")
shots["overview"] = page.shot("overview")

# Three hours on, every clan's last success is older than two intervals.
page.pin(NOW + 3 * 3600 * 1000)
page.tick()
t.eq([r[8] for r in page.rows("clans")],
     [freshness(c, NOW + 3 * 3600 * 1000) for c in idx["clans"]],
     "overview, 3 h later: the stale mark by age")
t.eq([r[8] for r in page.rows("clans")][0], "stale: no success for 3 h",
     "overview, 3 h later: #9V2Y (1 h interval) is stale by age")
page.pin(NOW)
page.tick()

# --- The family view ----------------------------------------------------
page.go("#/cards")
t.eq(page.rows("family"), family_rows(cards), "family view: every card of "
     "cards.json, its players, share and clans, in order")
t.eq(page.text("#family-sum"), "%d clans, %d players with a favourite card; "
     "cards.json written %s." % (cards["clans"], cards["players"],
                                 utc(cards["generated_at"])),
     "family view: the totals")
t.eq(page.rows("family-decks"), family_deck_rows(cards),
     "family view: every deck card of cards.json, its players and clans, "
     "in order")
t.eq([len(cards["deck_cards"]), cards["deck_cards"][0]["players"]],
     [11, sum(c["count"] for tag in TAGS for c in snapshot(out, tag)[
         "deck_cards"] if c["id"] == cards["deck_cards"][0]["id"])],
     "family view: 11 deck cards, the first's players summed over the "
     "clans")
fam = read_json("trends", "family.json")
t.eq(page.text("#family-trend-range"), "%s of the %d clans from %s to %s; "
     "a card's players are summed over the clans." % (
         refreshes(fam["refreshes"]), len(TAGS), utc(fam["from"]), utc(fam["to"])),
     "family view: the family's trends' range")
t.eq(page.js(CHART_JS, "family-trend-chart"), trend_lines(fam),
     "family view: one line per card of trends/family.json, its points")
t.eq(page.js(CHART_JS, "family-deck-trend-chart"),
     trend_lines(fam, "deck_cards"),
     "family view: one deck line per card of trends/family.json")
t.eq(page.rows("family-deck-trend-table"),
     [[line_name(c), str(len(c["points"])),
       str(c["points"][0][1]), str(c["points"][-1][1])]
      for c in fam["deck_cards"]],
     "family view: the deck lines as a table, first and last points")
shots["cards"] = page.shot("cards")

# --- Each clan's view ---------------------------------------------------
for c in idx["clans"]:
    tag = c["tag"][1:]
    s = snapshot(out, c["tag"])
    tr = read_json("trends", tag + ".json")
    page.go("#/clan/" + tag)
    p = s["players"]
    t.eq([page.text("h1"), page.text("#snap-time"), page.text("#snap-counts"),
          page.text("#snap-complete")],
         [clan_name(c), "Snapshot of %s (%s ago), read in %d ms." % (
             utc(s["fetched_at"]), ago(NOW - ms(s["fetched_at"])),
             s["duration_ms"]),
          "%d members: %d read, %d unchanged since their last read, %d "
          "could not be read; %d without a favourite card, %d without a "
          "deck." % (s["members"], p["fetched"], p["reused"], p["failed"],
                     p["without_favourite"], p["without_deck"]),
          ("Complete: every member was read or is unchanged since its last "
           "read." if p["reused"] else "Complete: every member was read.")
          if s["complete"] else
          "Incomplete: %d of %d members could not be read, so the counts "
          "leave them out." % (p["failed"], s["members"])],
         "clan view #%s: name, time and counts of the snapshot" % tag)
    t.eq(page.rows("clan-cards"), clan_rows(s),
         "clan view #%s: the table is the snapshot's cards, counts and "
         "order" % tag)
    t.eq(page.js(CHART_JS, "bar-chart"),
         [["Players", [k["count"] for k in s["favourite_cards"]]]],
         "clan view #%s: the bar chart has the table's counts" % tag)
    t.eq(page.js("return Chart.getChart('bar-chart').data.labels"),
         [k["name"] for k in s["favourite_cards"]],
         "clan view #%s: the bar chart's labels are the table's cards" % tag)
    t.eq(page.rows("clan-decks"), deck_rows(s),
         "clan view #%s: the deck table is the snapshot's deck cards, "
         "counts and order" % tag)
    t.eq([page.js(CHART_JS, "deck-bar-chart"),
          page.js("return Chart.getChart('deck-bar-chart').data.labels")],
         [[["Players", [k["count"] for k in s["deck_cards"]]]],
          [k["name"] or "(no name)" for k in s["deck_cards"]]],
         "clan view #%s: the deck bar chart has the deck table's counts "
         "and cards" % tag)
    t.eq(page.js(CHART_JS, "trend-chart"), trend_lines(tr),
         "clan view #%s: one line per card of trends/%s.json" % (tag, tag))
    t.eq(page.text("#trend-range"), "%s from %s to %s." % (
        refreshes(tr["refreshes"]), utc(tr["from"]), utc(tr["to"])),
        "clan view #%s: the trends' range" % tag)
    t.eq(page.js(CHART_JS, "deck-trend-chart"), trend_lines(tr, "deck_cards"),
         "clan view #%s: one deck line per deck card of trends/%s.json"
         % (tag, tag))
    t.eq(page.text("#view .badge"), freshness(c, NOW),
         "clan view #%s: the stale mark" % tag)
    if c["last_error"]:
        t.eq(page.text("#last-error"), "Last error: " + c["last_error"],
             "clan view #%s: the last error" % tag)
    if tag != "2PYLQ":
        shots["clan-" + tag] = page.shot("clan-" + tag)
t.eq(page.js("return window.__alerts"), [], "hostile: still no alert ran")
t.eq(page.console(), [], "every view: the console is empty")

# --- Missing files: a trend file, a clan's snapshot, index.json ---------
data = ng.url("data/")
# Put aside, and back after these checks.
aside = {name: os.path.join(wd, name.replace("/", "-")) for name in
         ("trends/9V2Y.json", "clans/PQL9.json", "index.json")}
os.rename(os.path.join(out, "trends", "9V2Y.json"), aside["trends/9V2Y.json"])
page.go("#/clan/9V2Y")
err = idx["clans"][0]["last_error"]
t.eq(page.msgs(), (["Last error: " + err] if err else []) +
     [notfound("data/trends/9V2Y.json", "trends")],
     "no trend file: the clan view says so")
t.eq(page.rows("clan-cards"), clan_rows(snapshot(out, "#9V2Y")),
     "no trend file: the table is still shown")
t.eq(page.console(), [net404(data + "trends/9V2Y.json")],
     "no trend file: the console holds only its 404")
os.rename(os.path.join(out, "clans", "PQL9.json"), aside["clans/PQL9.json"])
page.go("#/clan/PQL9")
t.eq(page.msgs(), [notfound("data/clans/PQL9.json", "clan")],
     "a 404 for a clan: its view says so")
shots["clan-PQL9-404"] = page.shot("clan-PQL9-404")
page.go("#/")
t.eq(page.rows("clans"), overview_rows(idx, NOW),
     "a 404 for a clan: the overview shows its figures as \u2014")
t.eq(page.msgs(), ["1 of the clans' snapshots could not be read; their "
                   "figures show as \u2014. The first: " +
                   notfound("data/clans/PQL9.json", "clan")],
     "a 404 for a clan: the overview says which file")
t.eq(page.console(), [net404(data + "clans/PQL9.json")] * 2,
     "a 404 for a clan: the console holds only its 404s")
# A snapshot cut short (as if written by something else): not JSON.
path = os.path.join(out, "clans", "8QRUL.json")
with open(path, "rb") as f:
    keep = f.read()
with open(path, "wb") as f:
    f.write(keep[:40])
page.go("#/clan/8QRUL")
t.eq(page.msgs(), ["Last error: " + idx["clans"][2]["last_error"],
                   "data/clans/8QRUL.json is not valid JSON, so it was not "
                   "written by clanpopd (or was cut short on the way). The "
                   "page tries again in a minute."],
     "a snapshot that is not JSON: the clan view says so")
with open(path, "wb") as f:
    f.write(keep)
# No trends/family.json (a daemon without a history database): the
# family view says so plainly and still shows cards.json.
os.rename(os.path.join(out, "trends", "family.json"),
          os.path.join(wd, "family.json"))
page.go("#/cards")
t.eq(page.msgs(), ["No trends of all clans: " +
                   notfound("data/trends/family.json", "family")],
     "no trends/family.json: the family view says so")
t.eq([page.rows("family"), page.rows("family-decks"),
      page.js("return document.querySelectorAll('#view canvas').length")],
     [family_rows(cards), family_deck_rows(cards), 0],
     "no trends/family.json: both tables are still shown, no chart")
t.eq(page.console(), [net404(data + "trends/family.json")],
     "no trends/family.json: the console holds only its 404")
shots["cards-no-family"] = page.shot("cards-no-family")
os.rename(os.path.join(wd, "family.json"),
          os.path.join(out, "trends", "family.json"))
# A snapshot and a trend file from a clanpopd that counts only favourite
# cards: the deck parts say so, the rest is shown.
path = os.path.join(out, "clans", "2PYLQ.json")
with open(path, "rb") as f:
    keep = f.read()
old = json.loads(keep.decode("utf-8"))
del old["deck_cards"], old["players"]["without_deck"]
write_json(old, "clans", "2PYLQ.json")
tpath = os.path.join(out, "trends", "2PYLQ.json")
with open(tpath, "rb") as f:
    tkeep = f.read()
oldtr = json.loads(tkeep.decode("utf-8"))
del oldtr["deck_cards"]
write_json(oldtr, "trends", "2PYLQ.json")
page.go("#/clan/2PYLQ")
p = old["players"]
t.eq([page.msgs(), page.text("#snap-counts"), page.rows("clan-cards"),
      page.js(CHART_JS, "trend-chart")],
     [(["Last error: " + idx["clans"][1]["last_error"]]
       if idx["clans"][1]["last_error"] else []) +
      [nodecks("data/clans/2PYLQ.json"), nodecks("data/trends/2PYLQ.json")],
      "%d members: %d read, %d unchanged since their last read, %d could "
      "not be read; %d without a favourite card." % (
          old["members"], p["fetched"], p["reused"], p["failed"],
          p["without_favourite"]), clan_rows(old), trend_lines(oldtr)],
     "files without decks: the clan view says so and shows the favourites")
with open(path, "wb") as f:
    f.write(keep)
with open(tpath, "wb") as f:
    f.write(tkeep)
page.go("#/clan/2Y0")
t.eq(page.msgs(), ["#2Y0 is not in index.json: it is not one of clanpopd's "
                   "configured clans. Add it to the configuration and "
                   "reload clanpopd."],
     "an unknown tag: the page says so (and asks for no file)")
page.go("#/clan/<b>x")
t.eq(page.msgs(), ['"<b>x" is not a clan tag: a tag is 3 to 14 of the '
                   'characters 0289PYLQGRJCUV.'],
     "not a tag: the page says so, as text")
t.eq(page.console(), [], "unknown and bad tags: no request, no error")

# index.json gone (the daemon not started yet): a re-read keeps the view
# and says why; a fresh load says what to do.
page.go("#/")
os.rename(os.path.join(out, "index.json"), aside["index.json"])
page.tick()
status = page.text("#status")
t.ok(re.fullmatch(r"Could not read the files again at \d\d:\d\d:\d\d UTC: "
                  + re.escape(notfound("data/index.json", "index")) +
                  r" Showing what was read at \d\d:\d\d:\d\d UTC\.",
                  status) is not None,
     "no index.json on a re-read: the status line says so", status)
t.eq(len(page.rows("clans")), len(TAGS),
     "no index.json on a re-read: the last overview stays")
page.open("#/")
t.eq([page.text("h1"), page.msgs()],
     ["Cannot show this view", [notfound("data/index.json", "index")]],
     "no index.json on a fresh load: the page says what to do")
status = page.text("#status")
t.ok(re.fullmatch(r"Could not read the files at \d\d:\d\d:\d\d UTC; the "
                  r"page tries again every minute\.", status) is not None,
     "no index.json on a fresh load: the status line says so", status)
shots["no-index"] = page.shot("no-index")
t.eq(page.console(), [net404(data + "clans/PQL9.json")] +
     [net404(data + "index.json")] * 2,
     "no index.json: the console holds only the 404s of the overview "
     "without PQL9.json, then of index.json")
for name, path in aside.items():
    os.rename(path, os.path.join(out, name))

# --- Keyboard -----------------------------------------------------------
page.open("#/", now=NOW)
keys = ActionChains(page.drv)
before = page.seq()
keys.send_keys("c").perform()
dashserve.wait_loaded(page.drv, before)
t.eq([page.js("return location.hash"),
      page.js("return document.activeElement.textContent")],
     ["#/cards", "All clans' cards"],
     "keyboard: c shows the family view and focuses its heading")
before = page.seq()
ActionChains(page.drv).send_keys("o").perform()
dashserve.wait_loaded(page.drv, before)
first = None
for _ in range(12):
    ActionChains(page.drv).send_keys(Keys.TAB).perform()
    first = page.js("return document.activeElement.getAttribute('href')")
    if first and first.startswith("#/clan/"):
        break
before = page.seq()
ActionChains(page.drv).send_keys(Keys.ENTER).perform()
dashserve.wait_loaded(page.drv, before)
t.eq([first, page.js("return location.hash"),
      page.js("return document.activeElement.tagName")],
     ["#/clan/9V2Y", "#/clan/9V2Y", "H1"],
     "keyboard: Tab reaches the first clan, Enter opens it, focus on its "
     "heading")

# --- Phone and dark -----------------------------------------------------
page.drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
    "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
page.open("#/", now=NOW)
t.eq(page.js("return document.documentElement.scrollWidth <= "
             "window.innerWidth"), True,
     "phone: the page is no wider than the screen (tables scroll)")
page.drv.save_screenshot(os.path.join(LOGDIR, "phone-overview.png"))
shots["phone-overview"] = os.path.join(LOGDIR, "phone-overview.png")
for name, hash_ in (("phone-clan-9V2Y", "#/clan/9V2Y"),
                    ("phone-cards", "#/cards")):
    page.open(hash_, now=NOW)
    t.eq(page.js("return document.documentElement.scrollWidth <= "
                 "window.innerWidth"), True,
         "phone: %s is no wider than the screen" % hash_)
    # The whole page, as the phone lays it out.
    png = page.drv.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True})["data"]
    shots[name] = os.path.join(LOGDIR, name + ".png")
    with open(shots[name], "wb") as f:
        f.write(base64.b64decode(png))
page.drv.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
BG = "return getComputedStyle(document.body).backgroundColor"
t.eq(page.js(BG), "rgb(255, 255, 255)", "light: a white page")
page.drv.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
    {"name": "prefers-color-scheme", "value": "dark"}]})
page.open("#/clan/2PYLQ", now=NOW)
t.eq(page.js(BG), "rgb(13, 17, 23)", "dark: prefers-color-scheme: dark")
shots["dark-clan-2PYLQ"] = page.shot("dark-clan-2PYLQ")
t.eq(page.console(), [], "keyboard, phone, dark: the console is empty")

# --- Pages of 100 clans --------------------------------------------------
# index.json with 246 more clans that have no snapshot yet (so the page
# asks for no file of theirs): 250 clans, three pages.
with open(os.path.join(out, "index.json"), "rb") as f:
    index_bytes = f.read()
big = json.loads(index_bytes.decode("utf-8"))
for i in range(246):
    big["clans"].append({
        "tag": "#2" + "".join("0289PYLQGRJCUV"[(i >> (4 * k)) % 14]
                              for k in range(4)),
        "name": None, "label": None, "snapshot": None, "last_success": None,
        "last_attempt": None, "last_error": None, "consecutive_failures": 0,
        "interval_s": 900, "complete": None})
with open(os.path.join(out, "index.json"), "w", encoding="utf-8") as f:
    json.dump(big, f)
page.drv.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
page.open("#/", now=NOW)
t.eq([len(page.rows("clans")), page.text(".pager"),
      page.js("return document.querySelector('.pager a[rel=next]')"
              ".getAttribute('href')")],
     [100, "Clans 1–100 of 250, page 1 of 3Next →", "#/page/2"],
     "pages: the first 100 clans and a link to the next page")
page.go("#/page/3")
t.eq([page.rows("clans"), page.text(".pager")],
     [overview_rows(big, NOW)[200:], "← PreviousClans 201–250 of "
      "250, page 3 of 3"],
     "pages: the last page has the last 50 clans")
t.eq(page.console(), [], "pages: no request for clans without a snapshot")
with open(os.path.join(out, "index.json"), "wb") as f:
    f.write(index_bytes)

# --- nginx, as the shipped snippet configures it ------------------------
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
st, h, body = ng.get("/clanpopd/data/index.json")
t.eq((st, h.get("content-type"), h.get("cache-control"), body),
     (200, "application/json", "no-cache", index_bytes),
     "nginx: index.json as application/json, Cache-Control: no-cache, "
     "the file's bytes")
st, h, body = ng.get("/clanpopd/data/clans/2PYLQ.json")
t.eq((st, h.get("content-type"), h.get("cache-control")),
     (200, "application/json", "no-cache"), "nginx: a snapshot likewise")
st, h, body = ng.get("/clanpopd/data/trends/family.json")
with open(os.path.join(out, "trends", "family.json"), "rb") as f:
    t.eq((st, h.get("content-type"), h.get("cache-control"), body),
         (200, "application/json", "no-cache", f.read()),
         "nginx: trends/family.json likewise, its bytes")
st, h, _ = ng.get("/clanpopd/data/index.json", gzip=True)
t.eq((st, h.get("content-encoding"), h.get("vary")),
     (200, "gzip", "Accept-Encoding"), "nginx: JSON gzipped on request")
st, h, body = ng.get("/clanpopd/")
with open(os.path.join(TOP_SRCDIR, "www", "index.html"), "rb") as f:
    t.eq((st, h.get("content-type"), h.get("content-security-policy"),
          body), (200, "text/html", CSP, f.read()),
         "nginx: the page with its Content-Security-Policy")
st, h, _ = ng.get("/clanpopd")
t.eq((st, h.get("location")), (301, "http://127.0.0.1:%d/clanpopd/"
                               % ng.port), "nginx: /clanpopd redirects")
st, h, body = ng.get("/clanpopd/javascript/chart.js/chart.min.js")
with open("/usr/share/javascript/chart.js/chart.min.js", "rb") as f:
    t.eq((st, h.get("content-type"), body),
         (200, "application/javascript", f.read()),
         "nginx: Chart.js from /usr/share/javascript/")
# What must never be served (the snippet serves an allow-list of the
# outputs; tests/t_harden.py tries every other kind of file): the
# daemon's temporary files (and any other dotfile) and the history
# database with its WAL and shared memory.
# The daemon's own history.sqlite is there; the others are made here.
t.ok(os.path.exists(os.path.join(out, "history.sqlite")),
     "the daemon's history database is in the output directory")
for name in (".clanpopd-tmp-index.json.Ab12Cd", "clans/.clanpopd-tmp-"
             "9V2Y.json.Zz99Yy", ".hidden/x.json", "history.sqlite",
             "history.sqlite-wal", "history.sqlite-shm",
             "history.sqlite-journal"):
    path = os.path.join(out, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(b"not for the web: %s\n" % name.encode())
    os.chmod(path, 0o644)
    with open(path, "rb") as f:
        head = f.read(64)
    st, _, body = ng.get("/clanpopd/data/" + name)
    t.eq((st, head in body), (404, False), "nginx: %s is not served" % name)
for d_ in ("", "clans/", "trends/"):
    st, _, body = ng.get("/clanpopd/data/" + d_)
    t.eq((st, b"index.json" in body or b"2PYLQ" in body), (404, False),
         "nginx: no listing of data/%s (404: not an output)" % d_)
st, _, _ = ng.get("/clanpopd/data/index.json", method="POST")
t.eq(st, 403, "nginx: data/ is read-only (POST refused)")
ng.stop()
api.stop()
for name, path in sorted(shots.items()):
    t.diag("screenshot %s: %s" % (name, path))
t.done()
