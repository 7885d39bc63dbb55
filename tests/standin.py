#!/usr/bin/env python3
"""Stand-in Clash Royale API server for clanpopd's tests and demo.

Python 3.11, standard library only.  Its specification (the command
line, the API it serves, the scenario format, faults, drift, activity,
expected() and the control endpoints) is tests/README.md, "The stand-in
API": change the two together.
"""

# Layout: this file is the entry point (its manual: tests/README.md); the
# stand-in itself is standin_data.py (the game's static data: cards,
# names, arenas),
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
