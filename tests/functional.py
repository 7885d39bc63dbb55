"""functional.py - shared plumbing for the functional tests: TAP output,
the stand-in API (tests/standin.py) started for real on loopback, config
files, and running the real clanpopd binary.

Every run of the daemon through clanpopd() or Daemon asserts its exit
status as a test point.  Environment, set by .ci/run:
  CLANPOPD_TIME_SCALE  timing tolerances and wait bounds are multiplied by
                       it (default 1; larger for the sanitizer build and
                       valgrind, which run the same code several times
                       slower)
  CLANPOPD_SANITIZED   "1": the daemon is built with ASan + UBSan, and a
                       run whose stderr holds a sanitizer report fails"""

import atexit
import calendar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

TOP_SRCDIR = os.environ.get("TOP_SRCDIR",
                            os.path.dirname(os.path.dirname(
                                os.path.abspath(__file__))))
CLANPOPD = os.environ.get("CLANPOPD", os.path.join(TOP_SRCDIR, "clanpopd"))
STANDIN = os.path.join(TOP_SRCDIR, "tests", "standin.py")

sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests"))

TIME_SCALE = float(os.environ.get("CLANPOPD_TIME_SCALE") or 1)
SANITIZED = os.environ.get("CLANPOPD_SANITIZED") == "1"
# What AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer
# print when they find something.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:",
                   "LeakSanitizer")


def scaled(seconds):
    """A timing tolerance or an upper bound on a wait, in seconds,
    stretched by CLANPOPD_TIME_SCALE.  Lower bounds are never scaled."""
    return seconds * TIME_SCALE


def sanitizer_report(text):
    """Under CLANPOPD_SANITIZED=1, the first line of text that is a
    sanitizer's report; otherwise (or when there is none) None."""
    if not SANITIZED:
        return None
    for line in text.splitlines():
        if any(m in line for m in SANITIZER_MARKS):
            return line
    return None


class Tap:
    """Test Anything Protocol output with exact-value assertions.  The
    last one made is Tap.current, which the run helpers below report to."""

    current = None

    def __init__(self):
        self.n = 0
        self.failed = 0
        Tap.current = self

    def ok(self, cond, name, got=None, want=None):
        self.n += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, name))
        if not cond:
            self.failed += 1
            if got is not None or want is not None:
                for line in ("got:  %r" % (got,)).splitlines():
                    print("#   " + line)
                for line in ("want: %r" % (want,)).splitlines():
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, name):
        return self.ok(got == want, name, got, want)

    def diag(self, text):
        for line in str(text).splitlines():
            print("# " + line)
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


class Standin:
    """The stand-in API, started as a real process on a loopback port."""

    def __init__(self, workdir, scenario, token=None, keys=1):
        """keys: how many keys the token file holds, one per line (key N
        on line N); self.keys lists them, self.token is the first."""
        self.workdir = workdir
        self.token = token or ("tok-" + secrets.token_hex(16))
        self.keys = [self.token] + ["tok%d-%s" % (i + 1, secrets.token_hex(16))
                                    for i in range(1, keys)]
        self.token_file = os.path.join(workdir, "token")
        with open(self.token_file, "w") as f:
            f.write("".join(k + "\n" for k in self.keys))
        os.chmod(self.token_file, 0o600)
        self.scenario_file = os.path.join(workdir, "scenario.json")
        with open(self.scenario_file, "w") as f:
            json.dump(scenario, f)
        self.scenario = scenario
        port_file = os.path.join(workdir, "standin.port")
        server_token = os.path.join(workdir, "standin.token")
        shutil.copy(self.token_file, server_token)
        self.server_token_file = server_token
        self.proc = subprocess.Popen(
            [sys.executable, STANDIN, "--scenario", self.scenario_file,
             "--token-file", server_token, "--port", "0",
             "--port-file", port_file],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + scaled(10)
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("stand-in API did not start: %s" %
                                   self.proc.stderr.read().decode())
            time.sleep(0.02)
        # A test that stops early (a failed point, an exception) must not
        # leave its stand-in running: CI would collect them.
        atexit.register(self.stop)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self.base_url = "http://127.0.0.1:%d/v1" % self.port

    def _call(self, method, path, body=None):
        req = urllib.request.Request(
            "http://127.0.0.1:%d/_/%s" % (self.port, path), method=method,
            data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"null")

    def stats(self):
        return self._call("GET", "stats")

    def wait_stats(self, cond, timeout=10):
        """Wait until cond(stats) is true, e.g. lambda s: s["in_flight"] > 0
        (see tests/README.md for the fields); returns those stats, or None on
        timeout."""
        deadline = time.time() + scaled(timeout)
        while True:
            st = self.stats()
            if cond(st):
                return st
            if time.time() > deadline:
                return None
            time.sleep(0.02)

    def reset(self):
        return self._call("POST", "reset", {})

    def set_scenario(self, scenario):
        self.scenario = scenario
        return self._call("POST", "scenario", scenario)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def yaml_str(s):
    return json.dumps(s)


def write_config(path, base_url, token_file, out_dir, clans, **kw):
    """Write a clanpopd.yaml; kw are "section.key" overrides."""
    sections = {
        "api": {"base_url": yaml_str(base_url),
                "token_file": yaml_str(token_file),
                "timeout": "5s", "connect_timeout": "2s"},
        "limits": {"max_concurrent": "8", "requests_per_second": "0",
                   "max_retries": "3"},
        "schedule": {"interval": "15m"},
        "output": {"directory": yaml_str(out_dir)},
    }
    for k, v in kw.items():
        sec, key = k.split("__", 1)
        sections.setdefault(sec, {})[key] = str(v)
    lines = []
    for sec, kv in sections.items():
        lines.append("%s:" % sec)
        for k, v in kv.items():
            lines.append("  %s: %s" % (k, v))
    lines.append("clans:")
    for c in clans:
        lines.append("  - %s" % (yaml_str(c) if isinstance(c, str) else
                                 json.dumps(c)))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


class Run:
    def __init__(self, rc, stdout, stderr, elapsed):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed


def check_exit(name, rc, want, stderr):
    """Test points for one finished run of the daemon: its exit status is
    want (an int, or a tuple of the statuses allowed; a negative status is
    a signal, as subprocess reports it), and under CLANPOPD_SANITIZED=1 its
    stderr holds no sanitizer report.  Shows the end of stderr on failure;
    returns True when all passed."""
    t = Tap.current
    good = rc in want if isinstance(want, tuple) else rc == want
    good = t.ok(good, name, rc, want)
    if SANITIZED:
        good = t.eq(sanitizer_report(stderr), None,
                    "%s: no sanitizer report on stderr" % name) and good
    if not good:
        t.diag("stderr, the last 40 lines:")
        t.diag("\n".join(stderr.splitlines()[-40:]))
    return good


def clanpopd(args, rc, name, timeout=120, env=None):
    """Run the real binary to its end; returns a Run.  rc is the exit
    status expected (see check_exit) and name the test point that says
    so, e.g. "--once: exit 0"."""
    e = dict(os.environ)
    for k in ("CREDENTIALS_DIRECTORY", "STATE_DIRECTORY", "NOTIFY_SOCKET",
              "JOURNAL_STREAM", "WATCHDOG_USEC"):
        e.pop(k, None)
    if env:
        e.update(env)
    t0 = time.monotonic()
    p = subprocess.run([CLANPOPD] + args, capture_output=True, text=True,
                       timeout=scaled(timeout), env=e)
    r = Run(p.returncode, p.stdout, p.stderr, time.monotonic() - t0)
    check_exit(name, r.rc, rc, r.stderr)
    return r


def workdir(name):
    base = os.environ.get("TMPDIR", "/tmp")
    return tempfile.mkdtemp(prefix="clanpopd-%s-" % name, dir=base)


def snapshot(out_dir, tag):
    with open(os.path.join(out_dir, "clans", tag.lstrip("#") + ".json"),
              "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def counts(snap):
    """The parts of a snapshot a test compares with standin.expected()."""
    return {"members": snap["members"],
            "fetched": snap["players"]["fetched"],
            "failed": snap["players"]["failed"],
            "without_favourite": snap["players"]["without_favourite"],
            "favourite_cards": snap["favourite_cards"]}


def temp_files(out_dir):
    found = []
    for root, _dirs, files in os.walk(out_dir):
        found += [os.path.join(root, f) for f in files
                  if f.startswith(".clanpopd-tmp-")]
    return found


def rotate_token(api, new):
    """Give the stand-in API a new key (as if rotated on the portal)."""
    with open(api.server_token_file, "w") as f:
        f.write(new + "\n")
    api.token = new
    api._call("POST", "token", {})


class Daemon:
    """clanpopd started as a long-running process; stderr goes to a file."""

    def __init__(self, cfg, wd, env=None, args=()):
        self.log_path = os.path.join(wd, "clanpopd.log")
        self.logf = open(self.log_path, "w")
        e = dict(os.environ)
        for k in ("CREDENTIALS_DIRECTORY", "STATE_DIRECTORY", "NOTIFY_SOCKET",
                  "JOURNAL_STREAM", "WATCHDOG_USEC", "WATCHDOG_PID"):
            e.pop(k, None)
        if env:
            e.update(env)
        self.t0 = time.time()
        self.proc = subprocess.Popen([CLANPOPD, "-c", cfg] + list(args),
                                     stdout=subprocess.DEVNULL,
                                     stderr=self.logf, env=e)
        self.pid = self.proc.pid
        self.checked = False
        atexit.register(self._reap)

    def _reap(self):
        """At exit, kill a daemon the test left running (not a check)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, pattern, timeout=30, count=1):
        """Wait until pattern (a regex) matched count lines; returns the
        matches, or None on timeout."""
        deadline = time.time() + scaled(timeout)
        while True:
            found = re.findall(pattern, self.log(), re.M)
            if len(found) >= count:
                return found
            if time.time() > deadline or self.proc.poll() is not None:
                return None
            time.sleep(0.05)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, name, rc=0, timeout=30):
        """SIGTERM unless it has exited already, then wait for the exit and
        check it (check_exit: rc is the status expected, name the test
        point); killed after timeout seconds.  Returns the exit status
        (None when it had to be killed).  Once checked, later calls only
        return the status, so a cleanup path may call it again."""
        if self.checked:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            got = self.proc.wait(scaled(timeout))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            got = None
        self.logf.close()
        self.checked = True
        check_exit(name, got, rc, self.log())
        return got


def log_times(log, pattern):
    """Times (seconds since the epoch) of the log lines matching pattern;
    lines start with an ISO-8601 UTC timestamp with milliseconds."""
    out = []
    for line in log.splitlines():
        m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z ",
                     line)
        if m and re.search(pattern, line):
            y, mo, d, h, mi, s, ms = (int(x) for x in m.groups())
            out.append(calendar.timegm((y, mo, d, h, mi, s)) + ms / 1000.0)
    return out


class NotifySocket:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET, read by
    a thread all along, as systemd would (a full queue blocks sd_notify)."""

    def __init__(self, wd):
        self.path = os.path.join(wd, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.messages = []
        self.lock = threading.Lock()
        self.seen = 0
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while self.running:
            try:
                m = self.sock.recv(4096).decode()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.messages.append(m)

    def drain(self, until=None, timeout=10):
        """Messages received since the last drain, up to the first one
        containing `until` (or all of them after timeout)."""
        deadline = time.time() + scaled(timeout)
        while True:
            with self.lock:
                new = self.messages[self.seen:]
                for i, m in enumerate(new):
                    if until is not None and until in m:
                        self.seen += i + 1
                        return new[:i + 1]
                if until is None or time.time() > deadline:
                    self.seen += len(new)
                    return new
            time.sleep(0.02)

    def wait(self, regex, timeout=10):
        """The first message not yet drained that matches regex whole;
        the messages up to it count as drained.  None on timeout (then
        nothing is drained)."""
        deadline = time.time() + scaled(timeout)
        while True:
            with self.lock:
                for i, m in enumerate(self.messages[self.seen:]):
                    if re.fullmatch(regex, m):
                        self.seen += i + 1
                        return m
            if time.time() > deadline:
                return None
            time.sleep(0.02)

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


TAP_LINE = re.compile(r"(not )?ok \d+(.*)")


def _part_child(fn):
    """In a part's child: run fn with Tap.current counting from 1 and
    this process's own exit handlers; never returns."""
    status = 1
    try:
        atexit._clear()     # the parent's stand-in and daemons are not ours
        Tap.current.n = Tap.current.failed = 0
        fn()
        status = 0
    except BaseException:
        # Whatever ended the part, the parent reports it as a point.
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)


def concurrently(parts):
    """Run parts, pairs of a name and a function of no arguments that
    makes test points (on Tap.current, through the module's t), all at
    once, each in a child process of its own; then print their points in
    the order of parts, numbered on from Tap.current's.  A part makes its
    own directories and daemons (a stand-in made before the call may be
    shared); whatever it registers with atexit runs when it ends.  Each
    part adds a point of its own after its points: its process ended with
    status 0 (not when it raised; the traceback is then on stderr)."""
    t = Tap.current
    sys.stdout.flush()
    sys.stderr.flush()
    kids = []
    for name, fn in parts:
        out = tempfile.TemporaryFile(mode="w+")
        pid = os.fork()
        if pid == 0:
            os.dup2(out.fileno(), sys.stdout.fileno())
            _part_child(fn)
        kids.append((name, pid, out))
    for name, pid, out in kids:
        _pid, status = os.waitpid(pid, 0)
        out.seek(0)
        for line in out:
            m = TAP_LINE.fullmatch(line.rstrip("\n"))
            if m is None:
                print(line, end="")
                continue
            t.n += 1
            t.failed += m.group(1) is not None
            print("%sok %d%s" % (m.group(1) or "", t.n, m.group(2)))
        out.close()
        t.eq(os.waitstatus_to_exitcode(status), 0,
             "%s: the part ran to its end" % name)
