#!/usr/bin/env python3
"""Stand-in Clash Royale API server for clanpopd's tests and demo.

Python 3.11, standard library only.  Loopback HTTP/1.1 (keep-alive, a
Content-Length on every response but the chunked hostile faults "endless"
and "huge_chunked"), bound to 127.0.0.1.

    python3 tests/standin.py --scenario FILE --token-file FILE
        [--port 0] [--port-file PATH] [--prefix /v1] [--log FILE]

--port 0 (the default) picks a free port; the chosen port is written to
--port-file (tmp file + rename) once the socket is listening, and the file
is removed again on a clean exit (SIGTERM/SIGINT -> exit status 0).  Quiet
unless --log FILE, which appends one line per request:
"<unix-time> <method> <path> <status> <ms>" (never any header).

API (PREFIX defaults to /v1; "" means no prefix)
------------------------------------------------
  GET PREFIX/clans/%23TAG     clan JSON in the real shape (memberList[])
  GET PREFIX/players/%23TAG   player JSON in the real shape (~25 KB)

The path segment is percent-decoded, then normalised as API.md says (trim,
upper-case, O->0, drop one leading '#', alphabet 0289PYLQGRJCUV, 3-14 chars).
A segment without %23 is accepted too.  A malformed tag (including a
double-encoded "%2523...") -> 400 badRequest; an unknown clan or player ->
404 notFound; any other path -> 404; a method other than GET -> 405.
Order of checks for each API request: forbidden (scenario) -> 403, token ->
403, forbidden_keys -> 403, key_rate_limit -> 429, rate limit -> 429, tag ->
400/404, then the tag's faults.  The scenario
latency (+ a tag's slow:MS) is slept before every API response, errors too.
Every response: Content-Type application/json; charset=utf-8 (text/html for
the *_html faults), Cache-Control: max-age=N (the scenario's max_age; none
when it is null), Content-Length.
Auth: "Authorization: Bearer <key>", key = one of the keys of --token-file,
read as clanpopd reads it: one key per line, each stripped of surrounding
whitespace, blank lines and lines starting with '#' left out; key N is the
key on line N.  No key is ever printed or logged.

Scenario format (a JSON object; every key optional)
---------------------------------------------------
  {
    "latency_ms": 0,          # slept before every API response
    "rate_limit": {           # or null/absent: no rate limit
      "per_second": 10,       # 429 {"reason":"requestThrottled"} when more than
                              # this many API requests arrived in the last 1.0 s
                              # (window (now-1.0, now], this one included;
                              # throttled requests are arrivals too)
      "retry_after": 1        # int/float seconds -> "Retry-After: N" (rounded
                              # up); null -> no header; "date" -> an HTTP-date
                              # 2 s ahead
    },
    "key_rate_limit": {       # or null/absent: no limit per key
      "per_second": 10,       # 429 when more than this many requests with
                              # the same key (past authentication) arrived in
                              # the last 1.0 s (throttled ones count too)
      "retry_after": 1        # as in rate_limit
    },
    "max_age": 60,            # integer >= 0: "Cache-Control: max-age=N" on
                              # every response; null: no Cache-Control
    "drift": null,            # or {"seed": 0, "period": 3}: favourites drift
                              # (see "Drift" below)
    "activity": null,         # or {"seed": 0, "online": 0.25}: members come
                              # online in epochs (see "Activity" below);
                              # activity and drift exclude each other
    "forbidden": null,        # or "accessDenied" | "invalidIp": answer every
                              # API request with that 403; or "echo": a 403
                              # whose reason, message and X-Echo header repeat
                              # the request's Authorization header
    "forbidden_keys": {"2": "invalidIp"},  # the same 403s for key N only
                              # (checked after the key is known)
    "clans": {                # keys: clan tags in any accepted form ("9V2Y", "#9v2y")
      "9V2Y":  {"name": "Alpha", "members": 50},
      "2PYLQ": {"name": "Beta", "members": 7,
                "faults": {"0": "404", "3": ["slow:300", "no_favourite"]}},
      "8QRUL": {"fault": "500_json"},
      "PQL9":  {"members_list": ["#2Y0", "#2y0", "nottag", null]},
      "...":   {"members_field": 49, "description": "...", "type": "open"}
    },
    "players": {              # explicit players (also makes a tag known)
      "#2Y0": {"card": {"id": 26000017, "name": "Wizard"},   # or "card": 26000017
               "name": "Zoë", "fault": "fail_once", "liar": false}
    }
  }

Clans: "members" (default 50 unless "members_list" is given) generates
member i with tag "#" + 9 chars, char k = ALPHABET[sha256(T + ":" + i)[k] % 14]
where T is the normalised clan tag with its '#', e.g. "#9V2Y:0".
"members_list" instead gives the memberList tags verbatim (strings emitted
as given, so dupes / lower case / invalid tags are possible; a null entry
becomes a member object without a "tag" key).  "members_field" overrides the
top-level "members" number (the client must not trust it).  "name",
"description", "type" override generated values.  "faults" maps a member
INDEX (string) to a fault spec; it applies to the player with that tag.
Without "activity" every member's lastSeen is the second of the answer
("%Y%m%dT%H%M%S.000Z", UTC): everyone is online now.
"fault" is a fault spec for the clan request itself.  "body" (any JSON
value, sent as compact UTF-8) or "body_b64" (raw bytes, base64) replace
the clan's 200 answer verbatim (faults still apply first): hostile JSON,
invalid UTF-8, wrong types.  The members_list / members still say which
player tags exist.  Players take "body" / "body_b64" the same way.  With
"status" (default 200) such a body comes with that HTTP status instead: an
error body of your own (e.g. {"reason": 5}).
expected() does not look inside body / body_b64: count such clans by hand.

Players: every valid tag listed by a clan is a known player; "players" adds
or overrides tags: "name", "liar" (true/false, see "Activity"), "card" (an id from the built-in table, or an
object {"id", "name", optional "rarity", "elixirCost", "maxLevel",
"maxEvolutionLevel"}; unknown ids need a "name"), "fault".  If a tag is
listed in several places: the "players" entry wins, else the first clan /
index (scenario order) that gives it a fault.  Generated favourite card =
weighted hash pick from FAVOURITES (a support card, "Tower Princess", has no
elixirCost, as in the real API).

Drift: with "drift", a player without a "card" of its own shows at its
n-th 200 answer (n counted from 0 per player tag, when the answer is made,
since start or /_/reset; a scenario change keeps the counts) the favourite
of epoch e = (n + sha256("phase:SEED:TAG") % PERIOD) // PERIOD: epoch 0 is
its generated favourite, epoch e > 0 the same weighted pick for the tag
"TAG:SEED:e".  So about one player in PERIOD changes favourite at each
refresh, and a client that read every player once per refresh sees at its
k-th refresh (from 0) what expected(..., refresh=k) says.
Scenario.favourite_of(tag, n) gives the favourite of any answer.

Activity: with "activity" {"seed": S (integer, default 0), "online": P
(a number from 0 to 1)}, time runs in epochs.  The stand-in keeps the
current epoch k (0 at start and at /_/reset; a scenario change keeps it and
the epoch times) and the Unix second t_j each epoch j began in (t_0: start
or reset); POST /_/epoch begins the next.  Player tag T is online in epoch
j >= 1 when h64("online", S, T, j) % 1000000 < round(P * 1000000), h64
being the first 8 bytes of sha256 of the parts joined by ":" (big-endian);
nobody is online in epoch 0.  At epoch k:
  lastSeen   t_j for the latest j in 1..k T was online in; when none,
             t_0 - 60 - h64("seen", S, T) % 86400 (before any read)
  favourite  with e = the epochs in 1..k T was online in: e == 0 the
             generated favourite, e > 0 the same weighted pick for the tag
             "T:act:S:e"; a player with its own "card" keeps it
  deck       currentDeck: 8 of the owned cards, picked again (by
             h64("deck", T, e, id)) for each e > 0
so a player's favourite and deck can change only in an epoch it was online
in; a client that read before /_/epoch read in an earlier second than any
lastSeen of the new epoch, and one that reads after it in a later one.  A "liar" player uses e = k (its favourite and
deck move on every epoch, online or not) while its lastSeen keeps the rule
above: an API whose lastSeen lies.  expected(..., epoch=k) gives the
snapshot at epoch k (any k >= 0).

Fault spec: a string or a list of strings, at most one "terminal" fault:
  terminal: "404" "400" "403" "500_json" "503_json" (inMaintenance)
            "502_html" "503_html" "504_html" "invalid_json" (200, non-JSON)
            "truncated" (Content-Length larger than the bytes sent, then
            close), and for players only "no_favourite" "null_favourite"
            "bad_favourite" (200, key absent / null / "x").
            Hostile transports (clans and players), each ending the
            connection afterwards:
            "hang"      read the request, never answer; the connection is
                        held until the client closes it (stats: status 0)
            "trickle" / "trickle:N"  200 with the normal body's
                        Content-Length, then the body at N bytes/s
                        (default 1), until done or the client closes
            "endless"   200, Transfer-Encoding: chunked, a JSON prefix then
                        bytes as fast as the client reads, forever (the
                        server gives up after 1 GiB)
            "huge"      200 with Content-Length 10485760 (10 MiB): the
                        normal body padded to exactly that size, valid JSON
            "huge_chunked"  the same 10 MiB of valid JSON, chunked (no
                        Content-Length, so only a body cap can stop it)
            These never succeed, so expected() counts them as failed.
  gates:    "fail_once" (= "fail:1:500_json"), "fail:N" (= "fail:N:503_html"),
            "fail:N:KIND" with KIND one of the 5xx terminals: the first N
            requests for that tag get KIND, later ones the normal answer.
            The count is per (clan|player, tag) since start or /_/reset (a
            scenario change keeps it); only requests that passed auth, rate
            limit and tag checks count.
  extra:    "slow:MS" adds MS ms of latency to every response for that tag.

expected(scenario, clan_tag, max_retries=3, refresh=0, epoch=0) (scenario:
dict, path or Scenario) gives the snapshot a correct client must produce on
its refresh-th refresh (0: the first) after start/reset under drift, or in
activity epoch `epoch` under activity (without either they are the same): {"members", "fetched", "failed",
"without_favourite", "favourite_cards": [{"name","id","count"}, ...]} sorted
by count desc, name asc, id asc; or None when there is no snapshot.

Control endpoints (no token, never counted in stats, no latency)
---------------------------------------------------------------
  GET  /_/stats      {"requests", "by_status": {"200": n}, "by_kind":
                      {"clan": n, "player": n[, "other": n]}, "in_flight",
                      "peak_in_flight", "busiest_second", "requests_per_tag":
                      {"#TAG": n}, "rate_window": n}
                     requests = API requests that arrived (counted when the
                     request line is read); by_status / by_kind /
                     requests_per_tag are counted when the answer is written,
                     per_key: {"N": {"requests", "by_status", "busiest_second"}}
                     for each key seen past authentication (requests and
                     busiest_second, the most in any (t-1.0 s, t], when its
                     key is checked; by_status when the answer is written),
                     for every API request whatever its outcome (403 and 429
                     included; per_tag only when the path held a valid tag;
                     by_kind "other" = any other path, present once seen).
                     in_flight: from request line read to response written,
                     peak_in_flight its maximum.  busiest_second: the most
                     arrivals in any window (t-1.0 s, t], exact (the same
                     sliding window the rate limit uses); rate_window: the
                     arrivals in the last 1.0 s now.
  POST /_/reset      zero stats, the fail_once / fail:N counters and the
                     drift's answer counts; back to activity epoch 0, t_0 =
                     now
  POST /_/scenario   body = scenario JSON; replaces it live (400 if invalid)
  GET  /_/scenario   the current scenario JSON as given
  POST /_/token      re-read --token-file (keys rotated, added or removed)
  GET  /_/expected?clan=%23TAG&retries=R&refresh=K&epoch=J   expected() as
                     JSON (null = none; refresh defaults to 0, epoch to the
                     current epoch; 400 for a negative epoch)
  POST /_/epoch      begin activity epoch k+1: waits until the second t_k
                     and the second of the last API answer are over (so a
                     profile read before the call is never older than a
                     lastSeen of the new epoch), sets t_{k+1} = this second,
                     waits until that one is over too (so at most about
                     2 s), then answers
                     {"epoch": k+1, "time": t_{k+1}, "online": {"#CLAN":
                     ["#PLAYER", ...]}}: for every clan of the scenario its
                     members online in epoch k+1, once each, in memberList
                     order (all [] without "activity"); calls are one at
                     a time
  GET  /_/activity?clan=%23TAG&epoch=J   {"epoch": J, "time": t_J,
                     "online": [...]}: that clan's members online in epoch J
                     (default: the current epoch; [] for 0); 400 for an
                     epoch below 0 or above the current one, 404 for a clan
                     not in the scenario
  GET  /_/health     {"ok": true}
"""

# Layout: this file is the entry point and the manual; the stand-in itself
# is standin_data.py (the game's static data: cards, names, arenas),
# standin_world.py (tags, faults, Scenario, expected()),
# standin_bodies.py (the JSON and HTML answers) and standin_http.py (the
# server: state and statistics, the handler, the control endpoints).

import argparse
import os
import signal
import sys

from standin_bodies import (ERR_DENIED, ERR_INVALID_IP, ERR_MAINT, ERR_NOTFOUND,
                            ERR_THROTTLED, ERR_UNKNOWN, HTML_PAGES, INVALID_JSON,
                            clan_body, err, html_page, player_body)
from standin_data import (ACHIEVEMENTS, ARENAS, BADGES, CARD_BY_ID, CARDS, CLAN_NAMES,
                          FAV_TOTAL, FAVOURITES, LOCATIONS, MAX_LEVEL, PLAYER_NAMES,
                          SUPPORT_CARDS)
from standin_http import (CT_HTML, CT_JSON, ENDLESS_MAX, HUGE_SIZE, Handler, Server, State,
                          http_date, read_keys)
from standin_world import (ALPHABET, FAV_FAULTS, GATE_KINDS, REASONS, STREAM_FAULTS,
                           TERMINAL, Clan, Faults, Player, Scenario, ScenarioError,
                           custom_body, custom_status, expected, generated_favourite,
                           member_tag, normalise_tag, parse_faults, player_name)

# What `import standin` gives the tests and the benchmarks (standin.expected,
# standin.Scenario, standin.ALPHABET, ...): the names this file has always had.
__all__ = [
    "ACHIEVEMENTS", "ALPHABET", "ARENAS", "BADGES", "CARDS", "CARD_BY_ID",
    "CLAN_NAMES", "CT_HTML", "CT_JSON", "Clan", "ENDLESS_MAX", "ERR_DENIED",
    "ERR_INVALID_IP", "ERR_MAINT", "ERR_NOTFOUND", "ERR_THROTTLED",
    "ERR_UNKNOWN", "FAVOURITES", "FAV_FAULTS", "FAV_TOTAL", "Faults",
    "GATE_KINDS", "HTML_PAGES", "HUGE_SIZE", "Handler", "INVALID_JSON",
    "LOCATIONS", "MAX_LEVEL", "PLAYER_NAMES", "Player", "REASONS", "SUPPORT_CARDS",
    "STREAM_FAULTS", "Scenario", "ScenarioError", "Server", "State", "TERMINAL",
    "clan_body", "custom_body", "custom_status", "err", "expected",
    "generated_favourite", "html_page", "http_date", "main", "member_tag",
    "normalise_tag", "parse_faults", "player_body", "player_name", "read_keys",
]


def main(argv=None):
    ap = argparse.ArgumentParser(description="Stand-in Clash Royale API server")
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--prefix", default="/v1")
    ap.add_argument("--log")
    a = ap.parse_args(argv)
    try:
        sc = Scenario(a.scenario)
    except (OSError, ValueError) as e:
        print(f"standin: scenario {a.scenario}: {e}", file=sys.stderr)
        return 2
    try:
        keys = read_keys(a.token_file)
    except OSError as e:
        print(f"standin: cannot read token file {a.token_file}: {e.strerror}", file=sys.stderr)
        return 2
    if not keys:
        print(f"standin: token file {a.token_file} is empty", file=sys.stderr)
        return 2
    prefix = a.prefix.strip().rstrip("/")
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    logfh = open(a.log, "a", encoding="utf-8") if a.log else None
    try:
        srv = Server(("127.0.0.1", a.port), Handler)
    except OSError as e:
        print(f"standin: cannot listen on 127.0.0.1:{a.port}: {e.strerror}", file=sys.stderr)
        return 2
    srv.state = State(sc, keys, prefix, logfh)
    srv.state.token_file = a.token_file
    port = srv.server_address[1]

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if a.port_file:
        tmp = f"{a.port_file}.tmp.{os.getpid()}"
        with open(tmp, "w") as fh:
            fh.write(f"{port}\n")
        os.replace(tmp, a.port_file)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
        if a.port_file:
            try:
                os.unlink(a.port_file)
            except OSError:
                pass
        if logfh:
            logfh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
