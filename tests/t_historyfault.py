"""t_historyfault.py - the history database's faults under the running
daemon: a read-only file, a database of a newer clanpopd (user_version
3), a corrupt file, a symbolic link, and (as root, on a 1 MiB tmpfs
mounted for the database alone) a full disk.  Each time the daemon logs
one line saying what is wrong and what to do, goes on writing the
snapshots, leaves the file's bytes as they were, and records again once
the fault is fixed: after a minute on its own (read-only), or at a
reload.  Then 30 SIGKILLs in the middle of writes leave the database
intact, every refresh with all its favourites.  The five faults and the
kills run at once (functional.concurrently), each with its own
directory and daemon, since each mostly waits for the daemon's timers."""

import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import time

from functional import (CLANPOPD, Daemon, Standin, Tap, concurrently,
                        scaled, workdir, write_config)
import histdb

INTERVAL = 10   # seconds
TAG = "#9V2Y"
RETRY = 60      # seconds, HISTORY_RETRY
TAIL = ("; snapshots are still written, and clanpopd tries the database "
        "again within a minute and at each reload")

t = Tap()
api = Standin(workdir("histfault"),
              {"clans": {TAG[1:]: {"name": "A", "members": 3}}})
root = os.geteuid() == 0


def setup(name):
    """This part's directory, output, database path and configuration."""
    global wd, out, dbdir, db, cfg
    wd = workdir("histfault-" + name)
    out = os.path.join(wd, "out")
    dbdir = os.path.join(out, "db")
    db = os.path.join(dbdir, "history.sqlite")
    cfg = os.path.join(wd, "c.yaml")
    write_config(cfg, api.base_url, api.token_file, out, [TAG],
                 schedule__interval="%ds" % INTERVAL, schedule__jitter="0%",
                 output__database="db/history.sqlite")
    os.makedirs(dbdir, mode=0o755)


d = None
successes = 0


def wait_success(what):
    """The next refresh wrote its snapshot."""
    global successes
    successes += 1
    found = d.wait_log(r"%s: 3 members, 3 read" % TAG,
                       timeout=2 * INTERVAL + 5, count=successes)
    return t.ok(found is not None, "%s: the snapshot is written" % what)


def start(what):
    global d, successes
    d = Daemon(cfg, wd)
    successes = 0
    return t.ok(d.wait_log(r"clanpopd \S+ started") is not None,
                "%s: clanpopd starts" % what)


def index_history():
    return histdb.read_json(os.path.join(out, "index.json"))["history"]


def history_lines():
    return re.findall(r"^\S+ (?:warning: )?history: .*$", d.log(), re.M)


def fault(what, msg, fix, reload=True, path=None):
    """Running with the fault in place: one line, snapshots still written
    (two refreshes), path's bytes (default db's; "": none) as they were;
    then fix() and (at a reload, or on its own) a new row and 'works
    again'."""
    path = db if path is None else path
    found = d.wait_log(r"^\S+ warning: history: .*$", timeout=2 * INTERVAL)
    t.eq([x.split(" ", 1)[1] for x in found or []],
         ["warning: history: %s%s" % (msg, TAIL)],
         "%s: one line says what is wrong and what to do" % what)
    if path:
        # A reload logs the fault before it closes the connection it
        # replaces, whose checkpoint may still be writing the file then;
        # closed, it has removed the -wal file.
        histdb.wait_for(lambda: not os.path.exists(db + "-wal"), 5)
    bytes_before = histdb.digest(path) if path else None
    wait_success(what)
    wait_success(what + ", again")
    if path:
        t.eq(histdb.digest(path), bytes_before,
             "%s: the file's bytes are untouched" % what)
    t.ok(histdb.wait_for(lambda: index_history() == {
        "database": "db/history.sqlite", "ok": False, "error": msg}, 5),
        "%s: index.json says the history fails, and why" % what,
        index_history())
    t.eq(len(history_lines()), 1, "%s: nothing more is logged" % what)
    fix()
    if reload:
        d.signal(signal.SIGHUP)
    fixed = int(time.time())
    again = d.wait_log(r"^\S+ history: %s works again$" % re.escape(db),
                       timeout=(RETRY if not reload else 0) + 3 * INTERVAL)
    t.ok(again is not None, "%s fixed: 'works again' is logged" % what)
    t.ok(histdb.wait_for(lambda: histdb.query(
        db, "SELECT count(*) FROM refreshes WHERE fetched_at >= ?",
        (fixed,))[0][0] > 0, 2 * INTERVAL),
        "%s fixed: the next refresh is recorded" % what)
    t.eq(histdb.query(db, "PRAGMA integrity_check"), [("ok",)],
         "%s fixed: integrity_check says ok" % what)
    t.ok(histdb.wait_for(lambda: index_history() == {
        "database": "db/history.sqlite", "ok": True, "error": None}, 5),
        "%s fixed: index.json says the history works" % what,
        index_history())


def stop(what):
    d.stop("%s: exit 0 on SIGTERM" % what)


def make_db(path, sql):
    subprocess.run(["sqlite3", path, sql], check=True)


def read_only():
    """1. A read-only file: fixed, it is tried again within a minute."""
    start("read-only")
    wait_success("read-only: start")
    os.chmod(db, 0o444)
    d.signal(signal.SIGHUP)
    fault("read-only", "%s cannot be written (mode 0444); make it writable "
          "by its owner (chmod u+w)" % db, lambda: os.chmod(db, 0o644),
          reload=False)
    stop("read-only")


def newer_version():
    """2. A database made by a newer clanpopd: moved away, a new one is
    made."""
    make_db(db, "CREATE TABLE future (x); PRAGMA user_version = 3;")
    start("user_version 3")
    newer = db + ".newer"
    fault("user_version 3", "%s was made by a newer clanpopd (schema version "
          "3; this one reads up to 2); clanpopd leaves it untouched: "
          "upgrade clanpopd, or set output.database to another file" % db,
          lambda: os.rename(db, newer))
    t.eq(histdb.query(newer, "PRAGMA user_version"), [(3,)],
         "user_version 3: the moved file is still version 3")
    stop("user_version 3")


def corrupt():
    """3. A corrupt file (not a database at all)."""
    with open(db, "wb") as f:
        f.write(b"precious notes that are not a database\n" * 50)
    start("corrupt")
    fault("corrupt", "%s is corrupt or not an SQLite database (reading its "
          "version: file is not a database); clanpopd leaves it untouched: "
          "move it away (a new one is then made) or set output.database to "
          "another file" % db, lambda: os.unlink(db))
    stop("corrupt")


def symlink():
    """4. A symbolic link in its place (to a database of a newer
    clanpopd): the file it points to is untouched."""
    target = os.path.join(wd, "target.sqlite")
    make_db(target, "CREATE TABLE future (x); PRAGMA user_version = 3;")
    os.symlink(target, db)
    start("symlink")
    fault("symlink", "history.sqlite (for %s) is a symbolic link; clanpopd "
          "never opens one as its database: remove it" % db,
          lambda: os.unlink(db), path=target)
    stop("symlink")


def full():
    """5. The database's file system full (a 1 MiB tmpfs mounted for the
    database alone): snapshots (elsewhere) go on."""
    if not root:
        print("ok %d - full: # SKIP mounting a tmpfs needs root" % (t.n + 1))
        t.n += 1
        return
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755",
                        "tmpfs", dbdir], capture_output=True, text=True)
    if not t.eq((r.returncode, r.stderr), (0, ""),
                "root mounts a 1 MiB tmpfs for the database"):
        return
    try:
        start("full")
        wait_success("full: start")
        filler = os.path.join(dbdir, "filler")
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        fault("full", "%s: the disk is full (committing a refresh: database "
              "or disk is full); free some space" % db,
              lambda: os.unlink(filler), path="")
        stop("full")
    finally:
        if d is not None:
            d.stop("cleanup: exit 0", rc=(0, None))
        subprocess.run(["umount", dbdir])


def part(name, fn):
    """A fault of its own, in its own directory, with its own daemon."""
    def run():
        setup(name)
        try:
            fn()
        finally:
            if d is not None:
                d.stop("cleanup: exit 0", rc=(0, None))
    return (name, run)


TAGS = ["#%s" % x for x in ("9V2Y", "2PYLQ", "8QRJ", "PQL9", "YV9G", "GRJC",
                             "CUV0", "LQGR", "J2Y8", "UV9P", "0289", "PYLQ",
                             "QGRJ", "RJCU", "VPYL", "Y0G2", "L9Q8", "2J8C",
                             "8UYV", "9R0L")]
db2 = None


def count_rows():
    """Refreshes in db2 while a run writes it, read without creating or
    changing it (0 while it cannot be read)."""
    try:
        c = sqlite3.connect("file:%s?mode=ro" % db2, uri=True, timeout=1)
        try:
            return c.execute("SELECT count(*) FROM refreshes").fetchone()[0]
        finally:
            c.close()
    except sqlite3.Error:
        return 0


def kills():
    """6. SIGKILL x30 in the middle of writes: 20 clans refreshed at once
    by --once, each answer 100 ms late (a stand-in of its own); each run
    is killed 0..10 ms after its k-th row appeared (k drawn from 1..15),
    so the kills fall among its 20 snapshot-and-row writes, some inside a
    transaction."""
    global db2
    kwd = workdir("histfault-kill")
    out2 = os.path.join(kwd, "out2")
    db2 = os.path.join(out2, "history.sqlite")
    api2 = Standin(kwd, {"latency_ms": 100,
                         "clans": {x[1:]: {"members": 5} for x in TAGS}})
    cfg2 = os.path.join(kwd, "c.yaml")
    write_config(cfg2, api2.base_url, api2.token_file, out2, TAGS,
                 limits__max_concurrent="32")
    rnd = random.Random(12)
    bad = []
    killed = 0
    partial = 0
    n_rows = 0
    env = dict(os.environ)
    for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "CREDENTIALS_DIRECTORY",
              "STATE_DIRECTORY"):
        env.pop(k, None)
    for i in range(30):
        p = subprocess.Popen([CLANPOPD, "--once", "-c", cfg2],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env)
        want = n_rows + rnd.randint(1, len(TAGS) - 5)
        # Polled every 2 ms: the 20 rows of a run come within about 300 ms.
        deadline = time.time() + scaled(30)
        while (p.poll() is None and count_rows() < want and
               time.time() < deadline):
            time.sleep(0.002)
        time.sleep(rnd.uniform(0, 0.01))
        p.send_signal(signal.SIGKILL)
        if p.wait() == -signal.SIGKILL:
            killed += 1
        # Read-write, as the next reader after a kill must recover the WAL.
        check = histdb.query(db2, "PRAGMA integrity_check")
        if check != [("ok",)]:
            bad.append((i, check))
        was, n_rows = n_rows, histdb.query(
            db2, "SELECT count(*) FROM refreshes")[0][0]
        partial += 0 < n_rows - was < len(TAGS)
    # A run whose last rows land within the 0..10 ms may end before the kill.
    t.ok(killed >= 27, "SIGKILL: at least 27 of the 30 runs were killed "
         "before they ended", killed, ">= 27")
    t.ok(partial >= 25, "SIGKILL: at least 25 runs were killed after some "
         "but not all of their 20 rows were written", partial, ">= 25")
    t.eq(bad, [], "SIGKILL: integrity_check says ok after every kill")
    refreshes = histdb.db_entries(db2)
    t.ok(len(refreshes) > 0, "SIGKILL: refreshes were recorded",
         len(refreshes), "> 0")
    t.eq([e for e in refreshes
          if sum(p for _c, p in e[1]) != e[0][4] - e[0][6] or not e[1]], [],
         "SIGKILL: every refresh has all its favourites (they add up to "
         "fetched - without_favourite, never none)")
    t.eq(histdb.query(db2, "PRAGMA foreign_key_check"), [],
         "SIGKILL: no favourite without its refresh or card")
    api2.stop()


concurrently([part("read-only", read_only),
              part("user_version 3", newer_version),
              part("corrupt", corrupt),
              part("symlink", symlink),
              part("full", full),
              ("SIGKILL", kills)])
api.stop()
t.done()
