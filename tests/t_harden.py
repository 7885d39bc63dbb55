"""t_harden.py - clanpopd tried as an attacker would: a hostile API (a
million members, 200 KB card names, Retry-After of two hours, endless
429s, a 403 that echoes the key), a hostile output directory (planted
symbolic links, a group-writable directory), a reader of its log that
goes away, and an out-of-memory path; and round two (issue 24, sections
24.N): nginx with the shipped snippet against every kind of file in the
output directory, a token file inside it, odd card ids, a NUL in names,
and --once's deadline.  Each check names the item of the hardening issue
it covers and fails on the code before it."""

import base64
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

from functional import (CLANPOPD, TOP_SRCDIR, Daemon, Standin, Tap,
                        check_exit, clanpopd, counts, scaled, snapshot,
                        workdir, write_config)
import dashserve
import promtext

t = Tap()
TAG = "#9V2Y"


def setup(name, scenario, tags=(TAG,), keys=1, **kw):
    wd = workdir(name)
    out = os.path.join(wd, "out")
    api = Standin(wd, scenario, keys=keys)
    cfg = os.path.join(wd, "c.yaml")
    write_config(cfg, api.base_url, api.token_file, out, list(tags), **kw)
    return wd, out, api, cfg


def env_clean():
    e = dict(os.environ)
    for k in ("CREDENTIALS_DIRECTORY", "STATE_DIRECTORY", "NOTIFY_SOCKET",
              "JOURNAL_STREAM", "WATCHDOG_USEC", "WATCHDOG_PID"):
        e.pop(k, None)
    return e


def tree(path):
    """Every file under path with its bytes, to show nothing changed."""
    found = {}
    for root, _d, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                found[os.path.relpath(p, path)] = fh.read()
    return found


def dir_size(path):
    total = 0
    for root, _d, files in os.walk(path):
        for f in files:
            total += os.lstat(os.path.join(root, f)).st_size
    return total


def metric(out, name, **labels):
    with open(os.path.join(out, "metrics.prom"), encoding="utf-8") as f:
        return promtext.value(promtext.parse(f.read()), name, **labels)


# 1. memberList size: 1.3 million empty members ---------------------------
N = 1300000
wd, out, api, cfg = setup("members", {"clans": {TAG[1:]: {"members": 3}}})
r = clanpopd(["--once", "-c", cfg], 0,
             "members: a first snapshot with 3 members")
before = snapshot(out, TAG)
api.set_scenario({"clans": {TAG[1:]: {"members": 3,
                                      "body": {"memberList": [{}] * N}}}})
api.reset()
# A child's peak RSS counts what it shared with its parent at fork(), so
# the daemon is started by a fresh, small interpreter that reports it.
MEASURE = ("import os, subprocess, sys\n"
           "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
           "_, st, ru = os.wait4(p.pid, 0)\n"
           "print(os.waitstatus_to_exitcode(st), ru.ru_maxrss)\n")
m = subprocess.run([sys.executable, "-c", MEASURE, CLANPOPD, "--once", "-c",
                    cfg], env=env_clean(), capture_output=True, text=True)
stderr = m.stderr
rc, maxrss = (int(x) for x in m.stdout.split())
check_exit("members: --once exits 75", rc, 75, stderr)
t.ok(re.search(r"^\S+ error: #9V2Y: refresh failed, no snapshot written: "
               r"the API listed 1300000 members \(at most 100 are "
               r"possible\); refusing the response$", stderr, re.M)
     is not None, "members: the refusal is logged with the count")
t.eq(api.stats()["by_kind"], {"clan": 1, "player": 0},
     "members: no player request is sent")
t.eq(snapshot(out, TAG), before, "members: the previous snapshot is kept")
if os.environ.get("CLANPOPD_SANITIZED"):
    t.ok(True, "members: RSS not measured under ASan # SKIP shadow memory")
else:
    t.ok(maxrss < 32 * 1024,
         "members: RSS stays under 32 MiB (%d KiB)" % maxrss)
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 2. Card names and ids: 200 KB names, all distinct -----------------------
tags = ["#2%s" % "".join("0289PYLQGRJCUV"[(i // 14 ** k) % 14]
                          for k in range(7)) for i in range(50)]
players = {tg: {"card": {"id": 26000000 + i, "name": ("%02d" % i) * 100000}}
           for i, tg in enumerate(tags)}
players[tags[7]] = {"card": {"id": 4294967296, "name": "Big"}}
scenario = {"clans": {TAG[1:]: {"name": "Names", "members_list": tags}},
            "players": players}
wd, out, api, cfg = setup("cards", scenario, limits__max_concurrent=1)
r = clanpopd(["--once", "-c", cfg], 0,
             "cards: --once exits 0 (the clan was read)")
got = counts(snapshot(out, TAG))
t.eq(got, {"members": 50, "fetched": 0, "failed": 50,
           "without_favourite": 0, "favourite_cards": []},
     "cards: every player with such a card counts as failed")
lines = re.findall(r"^.*counted as failed: a favourite card.*$", r.stderr,
                   re.M)
t.eq(len(lines), 1, "cards: one log line for the refresh, not one per player")
t.ok(lines and lines[0].endswith(
    "warning: #9V2Y: 50 players are counted as failed: a favourite card "
    "must have an id of 1 to 2147483647 and a name of 1 to 100 bytes; the "
    "first: player %s: its favourite card's name is 200000 bytes long (at "
    "most 100 are accepted) (GET %s/players/%%23%s)"
    % (tags[0], api.base_url, tags[0][1:])),
    "cards: the line says why and names the first player")
with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
    t.eq(json.load(f)["clans"][0]["last_error"],
         "50 of 50 players could not be read; the first: player %s: its "
         "favourite card's name is 200000 bytes long (at most 100 are "
         "accepted)" % tags[0], "cards: index.json names the first")
t.ok(dir_size(out) < 1024 * 1024,
     "cards: the output directory stays under 1 MiB (%d bytes)"
     % dir_size(out))
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 3a. Retry-After of two hours is capped at 15 minutes --------------------
wd, out, api, cfg = setup(
    "retry-after", {"rate_limit": {"per_second": 0, "retry_after": 7200},
                    "clans": {TAG[1:]: {"members": 1}}})
d = Daemon(cfg, wd, args=["--once"])
found = d.wait_log(r"pausing every request for [0-9.]+ s$", timeout=20)
t.eq(found, ["pausing every request for 900.0 s"],
     "Retry-After: 7200 pauses for 900 s, not 7200")
d.stop("Retry-After: SIGTERM during the pause: exit 75", rc=75)
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 3b. max_retries bounds the 429s one request meets in a row --------------
wd, out, api, cfg = setup(
    "429s", {"rate_limit": {"per_second": 0, "retry_after": 0},
             "clans": {TAG[1:]: {"members": 1}}}, limits__max_retries=2)
r = clanpopd(["--once", "-c", cfg], 75,
             "429s: --once exits 75 when the clan request gives up")
t.eq(api.stats()["requests"], 3, "429s: 1 + max_retries (2) requests sent")
with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
    t.eq(json.load(f)["clans"][0]["last_error"],
         "HTTP 429 (requestThrottled) 3 times in a row; given up "
         "(limits.max_retries is 2) (GET %s/clans/%%239V2Y)" % api.base_url,
         "429s: last_error says why it gave up")
t.eq(metric(out, "clanpopd_throttled_given_up_total"), 1.0,
     "429s: counted as given up after 429s")
t.eq(metric(out, "clanpopd_requests_total", status="429"), 3.0,
     "429s: each 429 counted as a 429")
t.eq(metric(out, "clanpopd_requests_total", status="error"), 0.0,
     "429s: not counted as a transport error")
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 4. A 403 that echoes the Authorization header ---------------------------
wd, out, api, cfg = setup("echo", {"forbidden": "echo",
                                   "clans": {TAG[1:]: {"members": 1}}})
r = clanpopd(["--once", "-v", "-c", cfg], 75, "echo: --once exits 75")
files = tree(out)
leaks = [n for n, b in files.items() if api.token.encode() in b or
         api.token[:12].encode() in b]
t.eq(leaks, [], "echo: no piece of the token in any output file")
t.ok(api.token[:12] not in r.stderr and api.token not in r.stderr,
     "echo: no piece of the token in the log")
with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
    t.eq(json.load(f)["clans"][0]["last_error"],
         "HTTP 403 (accessDenied: got Authorization: Bearer [redacted]): "
         "the API refused the token: check that the token file holds a "
         "valid, unrevoked key (GET %s/clans/%%239V2Y)" % api.base_url,
         "echo: last_error keeps the reason, with the key redacted")
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 4b. Several keys, echoed: none of them leaks ------------------------------
def key_pieces(api, text):
    """The keys (by line) of which some 12 bytes appear in text."""
    return [n + 1 for n, k in enumerate(api.keys)
            if any(k[i:i + 12] in text for i in range(len(k) - 11))]


# Key 2 alone is echoed: the others carry the clan.
wd, out, api, cfg = setup("echo-key", {"forbidden_keys": {"2": "echo"},
                                       "clans": {TAG[1:]: {"members": 1}}},
                          keys=3)
r = clanpopd(["--once", "-v", "-c", cfg], 0, "echo key 2: --once exits 0")
t.eq(key_pieces(api, r.stderr + "".join(
    b.decode("utf-8", "replace") for b in tree(out).values())), [],
     "echo key 2: no piece of any key in the log or the outputs")
t.eq(re.findall(r"warning: (key 2 .*)$", r.stderr, re.M),
     ["key 2 (line 2 of %s): refused by the API (accessDenied: got "
      "Authorization: Bearer [redacted]): it is not a valid key (wrong, "
      "revoked or expired); the other 2 keys carry on" % api.token_file],
     "echo key 2: the log names the key by its line, its echo redacted")
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# Every key echoed: each one is sent once and comes back; none leaks.
wd, out, api, cfg = setup("echo-keys", {"forbidden": "echo",
                                        "clans": {TAG[1:]: {"members": 1}}},
                          keys=3)
r = clanpopd(["--once", "-v", "-c", cfg], 75, "echo 3 keys: --once exits 75")
t.eq(api.stats()["requests"], 3, "echo 3 keys: one request with each key")
t.eq(key_pieces(api, r.stderr + "".join(
    b.decode("utf-8", "replace") for b in tree(out).values())), [],
     "echo 3 keys: no piece of any key in the log or the outputs")
with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
    t.eq(json.load(f)["clans"][0]["last_error"],
         "HTTP 403 (accessDenied: got Authorization: Bearer [redacted]): "
         "the API refused the token: check that the token file holds a "
         "valid, unrevoked key (GET %s/clans/%%239V2Y)" % api.base_url,
         "echo 3 keys: last_error as with one key")
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 7. The output directory as a trust boundary ------------------------------
wd, out, api, cfg = setup("links", {"clans": {TAG[1:]: {"members": 2}}},
                          schedule__interval="10s", schedule__jitter="0%",
                          output__history=1)
victim = os.path.join(wd, "victim")
os.mkdir(victim)
for name in ("9V2Y.json", "20200101T000000Z.json", "20200101T000001Z.json",
             ".clanpopd-tmp-9V2Y.json.AbC123", "index.json"):
    with open(os.path.join(victim, name), "w") as f:
        f.write("victim's\n")
want_victim = tree(victim)

os.makedirs(out)
os.symlink(victim, os.path.join(out, "clans"))
r = clanpopd(["--once", "-c", cfg], 73,
             "clans -> elsewhere: the start is refused (exit 73)")
t.ok(r.stderr.rstrip().endswith(
    "error: %s/clans is a symbolic link; clanpopd never follows one in its "
    "output directory: remove it" % out), "clans -> elsewhere: says why")
os.unlink(os.path.join(out, "clans"))

os.makedirs(os.path.join(out, "history"), exist_ok=True)
os.symlink(victim, os.path.join(out, "history", "9V2Y"))
r = clanpopd(["--once", "-c", cfg], 73,
             "history/TAG -> elsewhere: the start is refused (exit 73)")
t.ok(r.stderr.rstrip().endswith(
    "error: %s/history/9V2Y is a symbolic link; clanpopd never follows one "
    "in its output directory: remove it" % out),
    "history/TAG -> elsewhere: says why")
os.unlink(os.path.join(out, "history", "9V2Y"))

os.chmod(out, 0o775)
r = clanpopd(["--once", "-c", cfg], 73,
             "group-writable output directory: exit 73")
t.ok(r.stderr.rstrip().endswith(
    "error: %s is writable by group or others (mode 0775): they could make "
    "clanpopd write or delete files elsewhere; run chmod go-w %s"
    % (out, out)), "group-writable output directory: says why")
os.chmod(out, 0o755)

# Planted while the daemon runs: that clan's write is skipped.
d = Daemon(cfg, wd)
t.ok(d.wait_log(r"#9V2Y: 2 members, 2 read", timeout=30) is not None,
     "running: a first refresh")
snap_before = snapshot(out, TAG)
shutil.rmtree(os.path.join(out, "history", "9V2Y"))
os.symlink(victim, os.path.join(out, "history", "9V2Y"))
os.unlink(os.path.join(out, "clans", "9V2Y.json"))
os.symlink(os.path.join(victim, "9V2Y.json"),
           os.path.join(out, "clans", "9V2Y.json"))
found = d.wait_log(r"#9V2Y: refresh failed \(1 in a row\), the previous "
                   r"snapshot is kept: .*$", timeout=30)
t.eq(found, ["#9V2Y: refresh failed (1 in a row), the previous snapshot is "
             "kept: %s/clans/9V2Y.json is a symbolic link; clanpopd never "
             "writes through or over one in its output directory: remove it"
             % out], "running: clans/TAG.json -> elsewhere is refused, "
     "named")
os.unlink(os.path.join(out, "clans", "9V2Y.json"))
found = d.wait_log(r"#9V2Y: history: .*$", timeout=30)
t.eq(found, ["#9V2Y: history: %s/history/9V2Y is a symbolic link; clanpopd "
             "never follows one in its output directory: remove it" % out],
     "running: history/TAG -> elsewhere is refused, named")
d.stop("running: SIGTERM: exit 0")
t.eq(tree(victim), want_victim,
     "nothing outside the output directory was written, changed or deleted")
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 9. A reader of the log that goes away ------------------------------------
wd, out, api, cfg = setup("sigpipe", {"clans": {TAG[1:]: {"members": 5}}})
p = subprocess.Popen([CLANPOPD, "--once", "-v", "-c", cfg], env=env_clean(),
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
first = p.stderr.readline()
p.stderr.close()            # as `| head -1` does
rc = p.wait(60)
t.eq(rc, 0, "SIGPIPE: --once -v | head -1 still exits 0 (got %r after %r)"
     % (rc, first[:60]))
t.eq(counts(snapshot(out, TAG))["fetched"], 5,
     "SIGPIPE: ... and writes the snapshot")
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 13. The out-of-memory branch of starting a request -----------------------
wd, out, api, cfg = setup("oom", {"clans": {TAG[1:]: {
    "members_list": ["#2Y0"]}}})
shim = os.path.join(wd, "fail_curl_init.so")
cc = os.environ.get("CC", "cc").split()
built = subprocess.run(cc + ["-shared", "-fPIC", "-o", shim, os.path.join(
    TOP_SRCDIR, "tests", "preload", "fail_curl_init.c"), "-ldl"],
    capture_output=True, text=True)
t.eq(built.returncode, 0, "oom: the preload shim builds (%s)"
     % built.stderr.strip())
e = {"LD_PRELOAD": shim, "FAIL_CURL_EASY_INIT_AT": "3",
     "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") +
     ":verify_asan_link_order=0"}
r = clanpopd(["--once", "-c", cfg], 0,
             "oom: --once exits 0 (the clan was read)", env=e)
t.ok(re.search(r"^\S+ warning: #9V2Y: player #2Y0: out of memory starting "
               r"the request \(GET %s/players/%%232Y0\)$"
               % re.escape(api.base_url), r.stderr, re.M) is not None,
     "oom: the failed request is logged with its URL intact")
t.eq(counts(snapshot(out, TAG))["failed"], 1, "oom: the player counts failed")
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 16. Every failure from unusable member tags: the first is named ---------
wd, out, api, cfg = setup("tags", {"clans": {TAG[1:]: {
    "members_list": ["#2Y0", "bad!", None]}}})
r = clanpopd(["--once", "-c", cfg], 0, "bad tags: --once exits 0")
with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
    t.eq(json.load(f)["clans"][0]["last_error"],
         "2 of 3 players could not be read; the first: memberList[1] has no "
         "usable player tag", "bad tags: last_error names the first failure")
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 24.1 nginx with the shipped snippet serves only the outputs: every file
# the daemon writes for readers 200 with its bytes, anything else 404.
def nginx_allow_list():
    wd, out, api, cfg = setup(
        "nginx", {"clans": {"9V2Y": {"members": 3}, "2PYLQ": {"members": 2}}},
        tags=[TAG, "#2PYLQ"], output__database="hist.db",
        output__history="2")
    os.chmod(wd, 0o755)     # nginx runs as nobody when the test runs as root
    clanpopd(["--once", "-c", cfg], 0, "nginx: --once writes the outputs")
    time.sleep(1.1)         # a history copy is named by the second
    clanpopd(["--once", "-c", cfg], 0, "nginx: ... twice, for two copies")
    outputs = {"index.json", "cards.json", "metrics.prom",
               "trends/family.json"}
    for tag in ("9V2Y", "2PYLQ"):
        outputs |= {"clans/%s.json" % tag, "trends/%s.json" % tag}
        outputs |= {"history/%s/%s" % (tag, n) for n in
                    os.listdir(os.path.join(out, "history", tag))
                    if re.fullmatch(r"\d{8}T\d{6}Z\.json", n)}
    t.eq(len(outputs), 12, "nginx: the daemon wrote 12 outputs, two history "
         "copies per clan among them")
    with open(os.path.join(out, "hist.db"), "rb") as f:
        sqlite_head = f.read(16)
    t.eq(sqlite_head, b"SQLite format 3\x00",
         "nginx: the database hist.db is in the output directory")
    # What an operator or an attacker may leave there: the database under
    # other names, its journals, temporary files, dotfiles, token files.
    planted = ["hist.db-wal", "hist.db-shm", "hist.db-journal",
               "history.sqlite", "history.sqlite-wal", "stats.json",
               "db/clans/9V2Y.json", "clans.json", "clans/9V2Y.json.bak",
               "clans/9v2y.json", "clans/.clanpopd-tmp-9V2Y.json.Ab12Cd",
               ".clanpopd-tmp-index.json.Zz99Yy", ".hidden", ".dot/x.json",
               "clans/.x.json", "token", "token.txt", ".token", "keys/token",
               "trends/9V2Y.json~", "history/9V2Y/notastamp.json",
               "history/9V2Y/20261122T022920Z.json.tmp", "metrics.prom.1",
               "index.json.gz", "cards.JSON"]
    for name in planted:
        path = os.path.join(out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(sqlite_head + b"not for the web: %s\n" % name.encode())
        os.chmod(path, 0o644)
    ng = dashserve.Nginx(os.path.join(wd, "nginx"), out).start()
    try:
        served, bodies_ok, leaked = set(), [], []
        for root, _d, files in os.walk(out):
            for n in files:
                path = os.path.join(root, n)
                rel = os.path.relpath(path, out)
                with open(path, "rb") as f:
                    data = f.read()
                st, h, body = ng.get("/clanpopd/data/" + rel)
                if st == 200:
                    served.add(rel)
                    bodies_ok.append(body == data and h.get(
                        "content-type") == ("text/plain" if
                                            rel.endswith(".prom") else
                                            "application/json"))
                elif st != 404 or data[:16] in body:
                    leaked.append((rel, st))
        t.eq(served, outputs, "nginx: exactly the 12 outputs are served")
        t.eq(bodies_ok, [True] * len(outputs),
             "nginx: each output with its bytes and its type")
        t.eq(leaked, [], "nginx: every other file (%d: the database as "
             "hist.db, its -wal/-shm/-journal, history.sqlite, stats.json, "
             "temporary files, dotfiles, token files) is 404"
             % (len(planted) + 1))
        got = [(p, ng.get("/clanpopd/data/" + p)[0]) for p in (
            "", "clans/", "trends/", "history/", "history/9V2Y/", "db/",
            "clans/../hist.db", "clans/%2e%2e/hist.db", "clans/%2E%2E/token",
            "clans/9V2Y.json/../../hist.db", "clans/9V2Y.json/",
            "index.json/", "./hist.db")]
        t.eq(got, [(p, 404) for p, _ in got],
             "nginx: directories and paths that climb out are 404")
        t.eq((ng.get("/clanpopd/data/index.json", method="POST")[0],
              ng.get("/clanpopd/data/hist.db", method="POST")[0],
              ng.get("/clanpopd/data/index.json", method="HEAD")[0]),
             (403, 404, 200), "nginx: GET and HEAD only")
    finally:
        ng.stop()
    api.stop()
    shutil.rmtree(wd, ignore_errors=True)


if os.access(dashserve.NGINX, os.X_OK):
    nginx_allow_list()
else:
    t.ok(True, "nginx: the allow-list # SKIP %s not installed (Debian "
         "package nginx-light; bash .ci/setup installs it)" % dashserve.NGINX)

# 24.2 A token file inside the output directory is refused, whatever its
# mode, at -t, at start and at reload; a BOM is named as such.
def inside_msg(path, out):
    return ("%s: the token file is inside the output directory %s, whose "
            "files are there to be read by others (a web server that serves "
            "them would serve the key); move it out, for example to "
            "/etc/clanpopd/token, and point api.token_file at it"
            % (path, out))


wd, out, api, cfg = setup("tokenin", {"clans": {TAG[1:]: {"members": 2}}})
os.makedirs(os.path.join(out, "keys"))
key_line = api.token + "\n"
for name, mode in (("token", 0o600), ("keys/token", 0o644)):
    inside = os.path.join(out, name)
    with open(inside, "w") as f:
        f.write(key_line)
    os.chmod(inside, mode)
    icfg = os.path.join(wd, "in.yaml")
    write_config(icfg, api.base_url, inside, out, [TAG])
    r = clanpopd(["-t", "-c", icfg], 78,
                 "token in out/%s (mode %o): -t exits 78" % (name, mode))
    t.eq(r.stderr, inside_msg(inside, out) + "\n",
         "token in out/%s: -t says to move it" % name)
    r = clanpopd(["--once", "-c", icfg], 78,
                 "token in out/%s: the start exits 78" % name)
    t.eq((r.stderr, api.stats()["requests"]),
         (inside_msg(inside, out) + "\n", 0),
         "token in out/%s: the start says so and sends nothing" % name)
    t.ok(api.token not in r.stderr, "token in out/%s: the key is not shown"
         % name)
    os.unlink(inside)
# A symbolic link in the output directory to a token file elsewhere: a
# web server would follow it.
link = os.path.join(out, "token.txt")
os.symlink(api.token_file, link)
write_config(icfg, api.base_url, link, out, [TAG])
r = clanpopd(["-t", "-c", icfg], 78, "token linked from out/: -t exits 78")
t.eq(r.stderr, inside_msg(link, out) + "\n",
     "token linked from out/: -t says to move it")
os.unlink(link)
# Reload: the running configuration is kept.
d = Daemon(cfg, wd)
t.ok(d.wait_log(r"#9V2Y: 2 members, 2 read") is not None,
     "token reload: the daemon runs with its token outside out/")
inside = os.path.join(out, "token")
with open(inside, "w") as f:
    f.write(key_line)
os.chmod(inside, 0o600)
write_config(cfg, api.base_url, inside, out, [TAG])
d.signal(signal.SIGHUP)
found = d.wait_log(r"^\S+ error: reload failed.*$")
log = d.log()
t.eq(([re.sub(r"^\S+ ", "", ln) for ln in log.splitlines()
       if "token file is inside" in ln], found),
     (["error: " + inside_msg(inside, out)],
      [re.search(r"^\S+ error: reload failed: keeping the running "
                 r"configuration; fix the errors above and reload again$",
                 log, re.M).group(0)]),
     "token reload: refused with the line to move it; the running "
     "configuration is kept")
d.stop("token reload: still running after the refusal, SIGTERM exits 0")
t.ok(api.token not in d.log(), "token reload: the key is not logged")
# A byte order mark at the start of the token file.
with open(api.token_file, "wb") as f:
    f.write(b"\xef\xbb\xbf" + key_line.encode())
write_config(icfg, api.base_url, api.token_file, out, [TAG])
r = clanpopd(["-t", "-c", icfg], 78, "token with a BOM: -t exits 78")
t.eq(r.stderr, "%s: the token file starts with a UTF-8 byte order mark "
     "(BOM, the bytes EF BB BF, which some editors add); save it as plain "
     "text without one, for example with sed -i '1s/^\\xEF\\xBB\\xBF//' "
     "%s\n" % (api.token_file, api.token_file),
     "token with a BOM: the refusal names the BOM and how to remove it")
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 24.5 --once ends by the longest clan interval, with the snapshots it has
wd, out, api, cfg = setup("deadline", {"clans": {
    "9V2Y": {"members": 2}, "2PYLQ": {"fault": "hang"}}},
    tags=[{"tag": TAG, "interval": "10s"}, "#2PYLQ"],
    api__timeout="1h", schedule__interval="12s")
r = clanpopd(["--once", "-c", cfg], 75,
             "deadline: --once exits 75 when a clan hangs past it")
t.ok(12 <= r.elapsed <= 12 + scaled(5),
     "deadline: over after the longer interval, 12 s (%.1f s)" % r.elapsed)
t.eq([re.sub(r"^\S+ ", "", ln) for ln in r.stderr.splitlines()
      if "--once" in ln or "abandoned" in ln or "no new snapshot" in ln],
     ["warning: --once: not done after 12 s, the longest clan interval; "
      "stopping now: the clans refreshed keep their new snapshots",
      "warning: #2PYLQ: refresh abandoned at stop; its previous snapshot is "
      "kept",
      "error: 1 of 2 clans have no new snapshot; their previous snapshots "
      "are kept"],
     "deadline: says why it stops, which clan is abandoned, how many")
t.eq((counts(snapshot(out, TAG))["fetched"],
      os.path.exists(os.path.join(out, "clans", "2PYLQ.json"))), (2, False),
     "deadline: the clan done has its snapshot, the hung one none")
api.stop()
shutil.rmtree(wd, ignore_errors=True)
# The case: every request answered 429 with a Retry-After of two
# hours (15 minutes once capped), four times over.
wd, out, api, cfg = setup(
    "deadline429", {"rate_limit": {"per_second": 0, "retry_after": 7200},
                    "clans": {TAG[1:]: {"members": 1}}},
    schedule__interval="10s", limits__max_retries=4)
r = clanpopd(["--once", "-c", cfg], 75,
             "deadline: --once exits 75 under endless 429s")
t.ok(10 <= r.elapsed <= 10 + scaled(5),
     "deadline: over after 10 s, not an hour of Retry-After (%.1f s)"
     % r.elapsed)
t.ok(os.path.exists(os.path.join(out, "index.json")) and not
     os.path.exists(os.path.join(out, "clans", TAG[1:] + ".json")),
     "deadline: index.json written, no snapshot")
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 24.3 One rule for odd card ids: every form counts the player as failed
ODD_IDS = [b"-1", b"0", b"1.5", b"1e999", b"9223372036854775808",
           b'"26000017"']
odd_tags = ["#2Y%s" % c for c in "0289PY"]
players = {tg: {"body_b64": base64.b64encode(
    b'{"currentFavouriteCard":{"id":%s,"name":"Odd"}}' % i).decode()}
    for tg, i in zip(odd_tags, ODD_IDS)}
players["#2YL"] = {"card": {"id": 26000017, "name": "Wizard"}}
players["#2YQ"] = {"body": {"currentFavouriteCard": {"name": "No id"}}}
wd, out, api, cfg = setup("oddids", {
    "clans": {TAG[1:]: {"name": "Odd", "members_list":
                        odd_tags + ["#2YL", "#2YQ"]}},
    "players": players}, limits__max_concurrent=1)
r = clanpopd(["--once", "-c", cfg], 0, "odd ids: --once exits 0")
snap = snapshot(out, TAG)
t.eq((counts(snap), snap["complete"]),
     ({"members": 8, "fetched": 2, "failed": 6, "without_favourite": 1,
       "favourite_cards": [{"name": "Wizard", "id": 26000017, "count": 1}]},
      False),
     "odd ids: -1, 0, 1.5, 1e999, 2^63 and a string all count as failed; "
     "no id is without favourite")
lines = re.findall(r"^.*counted as failed: a favourite card.*$", r.stderr,
                   re.M)
t.eq([re.sub(r"^\S+ ", "", ln) for ln in lines],
     ["warning: #9V2Y: 6 players are counted as failed: a favourite card "
      "must have an id of 1 to 2147483647 and a name of 1 to 100 bytes; the "
      "first: player #2Y0: its favourite card's id is 0 or negative (a card "
      "id is a whole number from 1 to 2147483647) (GET %s/players/%%232Y0)"
      % api.base_url],
     "odd ids: one warning for the refresh, naming the first player")
with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
    t.eq(json.load(f)["clans"][0]["last_error"],
         "6 of 8 players could not be read; the first: player #2Y0: its "
         "favourite card's id is 0 or negative (a card id is a whole number "
         "from 1 to 2147483647)", "odd ids: index.json names the first")
api.stop()
shutil.rmtree(wd, ignore_errors=True)

# 24.4 A NUL in a name is shown as U+FFFD in every output and the database
wd, out, api, cfg = setup("nul", {
    "clans": {TAG[1:]: {"name": "Clan\x00One", "members_list": ["#2Y0"]}},
    "players": {"#2Y0": {"card": {"id": 26000017, "name": "Wiz\x00ard"}}}})
r = clanpopd(["--once", "-c", cfg], 0, "NUL: --once exits 0")
CLAN_SHOWN, CARD_SHOWN = "Clan\ufffdOne", "Wiz\ufffdard"
snap = snapshot(out, TAG)
t.eq((snap["name"], snap["favourite_cards"]),
     (CLAN_SHOWN, [{"name": CARD_SHOWN, "id": 26000017, "count": 1}]),
     "NUL: clans/TAG.json shows it as U+FFFD in the clan and card names")
with open(os.path.join(out, "index.json"), encoding="utf-8") as f:
    t.eq(json.load(f)["clans"][0]["name"], CLAN_SHOWN,
         "NUL: index.json likewise")
with open(os.path.join(out, "cards.json"), encoding="utf-8") as f:
    t.eq([c["name"] for c in json.load(f)["favourite_cards"]], [CARD_SHOWN],
         "NUL: cards.json likewise")
with open(os.path.join(out, "trends", TAG[1:] + ".json"),
          encoding="utf-8") as f:
    tr = json.load(f)
t.eq((tr["name"], [c["name"] for c in tr["cards"]]), (CLAN_SHOWN,
                                                      [CARD_SHOWN]),
     "NUL: trends/TAG.json likewise")
with open(os.path.join(out, "metrics.prom"), encoding="utf-8") as f:
    metrics = promtext.parse(f.read())
t.eq(promtext.value(metrics, "clanpopd_favourite_card_players", clan=TAG,
                    card=CARD_SHOWN, card_id="26000017"), 1.0,
     "NUL: metrics.prom likewise, in the card label")
db = sqlite3.connect("file:%s?mode=ro" % os.path.join(out, "history.sqlite"),
                     uri=True)
t.eq((db.execute("SELECT clan_name FROM refreshes").fetchall(),
      db.execute("SELECT name FROM cards WHERE id = 26000017")
      .fetchall()),
     ([(CLAN_SHOWN,)], [(CARD_SHOWN,)]),
     "NUL: the history database likewise, as TEXT")
db.close()
api.stop()
shutil.rmtree(wd, ignore_errors=True)

t.done()
