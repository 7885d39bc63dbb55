"""t_disk.py - disk faults under the running daemon: the output file
system full (ENOSPC), the clans directory read-only, the output directory
removed, and clans/ replaced by a file.  Each time the daemon logs a clear
error, the previous snapshot stays intact and valid, index.json says what
failed (or, when nothing can be written, the old index.json stays), and
the next period (10 s later, not backed off) succeeds once the disk is
fixed (a removed output directory once made again and reloaded).  Needs
root to mount a small tmpfs: skips when not run as root, fails when root
cannot mount one.  The report writes are awaited through systemd's
STATUS=, which the daemon sends right after each one."""

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys

from functional import (Daemon, NotifySocket, Standin, Tap, log_times,
                        scaled, temp_files, workdir, write_config)
import promtext

INTERVAL = 10   # seconds, schedule.interval
TAG = "#9V2Y"


def sh(*argv):
    return subprocess.run(argv, capture_output=True, text=True).returncode


if os.geteuid() != 0:
    print("1..0 # SKIP mounting a tmpfs needs root")
    sys.exit(0)
wd = workdir("disk")
mnt = os.path.join(wd, "mnt")
os.mkdir(mnt)
t = Tap()
mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755",
                          "tmpfs", mnt], capture_output=True, text=True)
if not t.eq((mounted.returncode, mounted.stderr), (0, ""),
            "root mounts a 1 MiB tmpfs"):
    shutil.rmtree(wd, ignore_errors=True)
    t.done()

out = os.path.join(mnt, "out")
clans = os.path.join(out, "clans")
snap = os.path.join(clans, TAG[1:] + ".json")
index = os.path.join(out, "index.json")
filler = os.path.join(mnt, "filler")
scenario = {"clans": {TAG[1:]: {"name": "A", "members": 3}}}
api = Standin(wd, scenario)
cfg = os.path.join(wd, "c.yaml")
write_config(cfg, api.base_url, api.token_file, out, [TAG],
             schedule__interval="%ds" % INTERVAL, schedule__jitter="0%")
ns = NotifySocket(wd)
d = None


def read(path):
    with open(path, "rb") as f:
        return f.read()


def valid_json(data):
    try:
        json.loads(data.decode("utf-8"))
        return True
    except ValueError:
        return False


def fill():
    """Write zeros until the file system says ENOSPC."""
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as e:
            return e.errno
    return None


def index_entry():
    with open(index, "rb") as f:
        return json.loads(f.read().decode("utf-8"))["clans"][0]


def reports_written(failing):
    """Wait for the report write after the latest refresh (tried, whether
    or not the disk let it through): systemd's STATUS= follows each one,
    here with `failing` clans failing.  Every refresh's report is awaited
    in turn, so the one found is never an earlier one."""
    return ns.wait(r"STATUS=1 clans, 0 refreshing, last refresh %s at "
                   r"\d\d:\d\d:\d\dZ, %d failing, 1 of 1 API key usable"
                   % (TAG, failing),
                   timeout=5) is not None


successes = 0
failures = 0


def wait_success(what):
    global successes
    successes += 1
    found = d.wait_log(r"%s: 3 members, 3 read" % TAG,
                       timeout=2 * INTERVAL + 5, count=successes)
    t.ok(found is not None, "%s: the refresh succeeds" % what)
    return found is not None


def wait_failure(what):
    global failures
    failures += 1
    found = d.wait_log(r"%s: refresh failed \(1 in a row\), the previous "
                       r"snapshot is kept: .*" % TAG,
                       timeout=2 * INTERVAL + 5, count=failures)
    t.ok(found is not None, "%s: the failed refresh is logged" % what)
    return found[-1] if found else ""


def next_period_ok(what):
    """The success after the latest failure came one interval later."""
    log = d.log()
    fail = log_times(log, r"%s: refresh failed" % TAG)[-1]
    ok = [x for x in log_times(log, r"%s: 3 members" % TAG) if x > fail]
    t.ok(len(ok) > 0 and abs(ok[0] - fail - INTERVAL) <= scaled(1.0),
         "%s: retried at the next period, %d s later, not backed off (%s)"
         % (what, INTERVAL, [round(x - fail, 1) for x in ok[:1]]))


try:
    d = Daemon(cfg, wd, env={"NOTIFY_SOCKET": ns.path})
    wait_success("start")
    t.ok(reports_written(0), "start: the reports are written")

    # 1. The file system fills up: nothing can be written, not even
    #    index.json, which keeps its last contents.  Nothing is being
    #    written now: the next refresh is due in INTERVAL seconds.
    before = read(snap)
    t.eq(fill(), errno.ENOSPC, "ENOSPC: the tmpfs is full")
    old_index = read(index)
    line = wait_failure("ENOSPC")
    t.ok(re.search(r"cannot write \S+/clans/\.clanpopd-tmp-9V2Y\.json\.\w+ "
                   r"\(for \S+/clans/9V2Y\.json\): No space left on device; "
                   r"the previous 9V2Y\.json is kept", line) is not None,
         "ENOSPC: the error names the files and the cause")
    t.ok(reports_written(1), "ENOSPC: the reports are tried")
    t.ok(d.wait_log(r"reports: cannot write \S+index\.json\S* \(for "
                    r"\S+/index\.json\): No space left on device",
                    timeout=0) is not None,
         "ENOSPC: the failed index.json write is logged")
    t.eq(read(snap), before, "ENOSPC: the previous snapshot is intact")
    t.ok(valid_json(read(snap)), "ENOSPC: ... and valid JSON")
    t.eq(read(index), old_index, "ENOSPC: the old index.json is intact")
    t.eq(temp_files(out), [], "ENOSPC: no temporary file left")
    os.unlink(filler)
    wait_success("ENOSPC freed")
    next_period_ok("ENOSPC")
    t.ok(read(snap) != before and valid_json(read(snap)),
         "ENOSPC freed: a new, valid snapshot")
    t.ok(reports_written(0), "ENOSPC freed: index.json rewritten")
    e = index_entry()
    t.eq((e["last_error"], e["consecutive_failures"]), (None, 0),
         "ENOSPC freed: index.json clean again")

    # 2. clans/ read-only (a read-only bind mount: root ignores modes):
    #    index.json, one level up, says what failed.
    before = read(snap)
    t.eq((sh("mount", "--bind", clans, clans),
          sh("mount", "-o", "remount,bind,ro", clans)), (0, 0),
         "read-only: clans/ bind-mounted read-only")
    line = wait_failure("read-only")
    want = ("cannot create a temporary file in %s for 9V2Y.json: Read-only "
            "file system; the previous 9V2Y.json is kept" % clans)
    t.ok(line.endswith(want), "read-only: the error names the directory "
         "and the cause")
    t.ok(reports_written(1), "read-only: index.json rewritten")
    e = index_entry()
    t.eq((e["last_error"], e["consecutive_failures"], e["snapshot"]),
         (want, 1, "clans/9V2Y.json"),
         "read-only: index.json says what failed; the snapshot is still "
         "listed")
    with open(os.path.join(out, "metrics.prom"), encoding="utf-8") as f:
        m = promtext.parse(f.read())
    t.eq(promtext.value(m, "clanpopd_clan_consecutive_failures", clan=TAG),
         1.0, "read-only: metrics.prom counts the failure")
    t.eq(read(snap), before, "read-only: the previous snapshot is intact")
    t.eq(sh("umount", clans), 0, "read-only: writable again")
    wait_success("read-only fixed")
    t.ok(reports_written(0), "read-only fixed: the reports are written")
    next_period_ok("read-only")
    t.ok(read(snap) != before and valid_json(read(snap)),
         "read-only fixed: a new, valid snapshot")

    # 3. The whole output directory removed: clanpopd holds it open and
    #    never resolves its path again on its own (a planted symbolic link
    #    could take its place), so it says so; once the directory is made
    #    again, a reload picks it up.
    shutil.rmtree(out)
    line = wait_failure("removed")
    want = ("the directory %s was removed while clanpopd ran; create it "
            "again and reload clanpopd (SIGHUP)" % out)
    t.ok(line.endswith(want), "removed: the error says what to do")
    os.mkdir(out)
    d.signal(signal.SIGHUP)
    t.ok(d.wait_log(r"reloaded ", timeout=10) is not None,
         "removed: made again and reloaded")
    wait_success("removed")
    t.ok(valid_json(read(snap)), "removed: the snapshot is written again")
    t.ok(reports_written(0), "removed: index.json written again")
    e = index_entry()
    t.eq((e["last_error"], e["consecutive_failures"]), (None, 0),
         "removed: index.json clean")

    # 4. clans/ replaced by a file: cannot be made; index.json says so.
    before = read(snap)
    shutil.rmtree(clans)
    with open(clans, "w") as f:
        f.write("not a directory\n")
    line = wait_failure("clans/ a file")
    want = "%s is not a directory (fix output.directory)" % clans
    t.ok(line.endswith(want), "clans/ a file: the error says what to fix")
    t.ok(reports_written(1), "clans/ a file: index.json rewritten")
    t.eq(index_entry()["last_error"], want,
         "clans/ a file: index.json says what failed")
    os.unlink(clans)
    os.mkdir(clans)
    wait_success("clans/ a directory again")
    next_period_ok("clans/ a file")
    t.ok(valid_json(read(snap)), "clans/ a directory again: a valid "
         "snapshot")
    t.ok(d.proc.poll() is None, "the daemon ran through every fault")
    d.stop("SIGTERM: exit 0")
    t.eq(temp_files(out), [], "no temporary file left")
finally:
    if d is not None:
        d.stop("SIGTERM: exit 0")
    ns.close()
    api.stop()
    sh("umount", clans)
    sh("umount", mnt)
    shutil.rmtree(wd, ignore_errors=True)

t.done()
