"""runner - what clanpopd's benchmarks share: the environment they run in
(CLANPOPD, PARSE_COST, TOP_SRCDIR, BENCH_ONLY), running a child and
measuring it (wall, CPU, peak RSS), the machine's description, and the
small formatting helpers of BENCHMARKS.md.  Python 3 standard library only.
"""

import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.environ.get("TOP_SRCDIR") or os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))
CLANPOPD = os.path.abspath(os.environ.get("CLANPOPD",
                                          os.path.join(TOP, "clanpopd")))
PARSE_COST = os.environ.get("PARSE_COST")
OUT_MD = os.path.join(TOP, "BENCHMARKS.md")
ONLY = set((os.environ.get("BENCH_ONLY") or "1 2 3 4 5 6 7 8 9 10").split())

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(TOP, "tests"))
import functional  # noqa: E402  (tests/functional.py: stand-in, configs)
import standin  # noqa: E402  (tests/standin.py: realistic bodies)

functional.CLANPOPD = CLANPOPD

CHILD_ENV_DROP = ("CREDENTIALS_DIRECTORY", "STATE_DIRECTORY", "NOTIFY_SOCKET",
                  "JOURNAL_STREAM", "WATCHDOG_USEC", "WATCHDOG_PID",
                  "LISTEN_FDS", "LISTEN_PID")


def say(msg):
    print(msg, flush=True)


# ------------------------------------------------------------------ helpers

class Child:
    """What one finished child cost: wall seconds, CPU seconds, peak RSS."""

    def __init__(self, rc, wall, user, sys_, maxrss_kib):
        self.rc, self.wall, self.user, self.sys = rc, wall, user, sys_
        self.cpu = user + sys_
        self.maxrss_kib = maxrss_kib


def child_env():
    env = dict(os.environ)
    for k in CHILD_ENV_DROP:
        env.pop(k, None)
    return env


def rss_sampler(pid, samples, period=0.02):
    """Append (seconds, VmRSS KiB) of pid's child (the program under
    /usr/bin/time) to samples until it is gone."""
    t0 = time.monotonic()
    target = None
    while True:
        try:
            if target is None:
                with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                    kids = f.read().split()
                if kids:
                    target = int(kids[0])
            if target is not None:
                with open("/proc/%d/status" % target) as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            samples.append((time.monotonic() - t0,
                                            int(line.split()[1])))
        except (OSError, ValueError):
            if target is not None:
                return
        if not os.path.exists("/proc/%d" % pid):
            return
        time.sleep(period)


def run_child(argv, log_path, stdout_path=None, rss=False, samples=None):
    """Run argv to completion; its rusage comes from wait4().  With rss,
    under /usr/bin/time -f %M: ru_maxrss of a child forked from this big
    Python process would count the parent's pages, time's are ~2 MiB."""
    rss_file = log_path + ".maxrss"
    if rss:
        argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + list(argv)
    with open(log_path, "ab") as log:
        out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
        try:
            t0 = time.monotonic()
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=log, env=child_env())
            if samples is not None:
                th = threading.Thread(target=rss_sampler,
                                      args=(p.pid, samples), daemon=True)
                th.start()
            _pid, status, ru = os.wait4(p.pid, 0)
            wall = time.monotonic() - t0
        finally:
            if stdout_path:
                out.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    maxrss = 0
    if rss:
        with open(rss_file) as f:
            lines = f.read().split()
        maxrss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    return Child(p.returncode, wall, ru.ru_utime, ru.ru_stime, maxrss)


def run_clanpopd(argv, log_path, rss=False, samples=None):
    """run_child for clanpopd, once more when something outside this run
    stopped it with SIGTERM (on a shared machine)."""
    for attempt in range(3):
        if attempt:
            os.replace(log_path, log_path + ".interrupted-%d" % attempt)
        if samples is not None:
            del samples[:]
        res = run_child(argv, log_path, rss=rss, samples=samples)
        if res.rc == 0 or "signal 15: stopping" not in tail(log_path, 400):
            break
        INTERRUPTED.append(" ".join(argv[1:]))
        say("   clanpopd was sent SIGTERM from outside; running it again")
    return res


INTERRUPTED = []  # the runs stopped from outside and run again, for the report


def tail(path, n=15):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


def write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tag_of(prefix, i, width=7):
    """A valid, distinct clan tag for index i."""
    s = ""
    for _ in range(width):
        s = standin.ALPHABET[i % 14] + s
        i //= 14
    return "#" + prefix + s


def snapshot_counts(out_dir, tag):
    try:
        snap = functional.snapshot(out_dir, tag)
    except (OSError, ValueError):
        return None
    return snap["players"]["fetched"], snap["players"]["failed"]


def med(xs):
    return statistics.median(xs)


def fmt_s(x):
    return "%.3f s" % x if x < 10 else "%.2f s" % x


def mib(kib):
    return kib / 1024.0


class Failure(Exception):
    pass


def check_run(res, what, log):
    if res.rc != 0:
        raise Failure("%s exited with status %d; its log ends:\n%s" %
                      (what, res.rc, tail(log)))


def verdict(met, text):
    return ("**MET**" if met else "**MISSED**") + " " + text


def cmd_block(bn, n):
    """The end of benchmark n's section: its commands and its config."""
    out = ["", "Commands:", "", "```sh"] + bn.commands.get(n, []) + ["```"]
    cfg = bn.config_text.get(n)
    if cfg:
        out += ["", "Config (`$WORK/%s.yaml`):" % {
            1: "b1-k10", 2: "b2-r200", 3: "b3-k10"}[n], "", "```yaml",
            cfg.replace(bn.work, "$WORK").rstrip(), "```"]
    return out


# ------------------------------------------------------------- environment

def machine(clanpopd):
    """The machine and the versions of the programs measured, for the
    table at the top of BENCHMARKS.md."""
    m = {}
    model, procs = "unknown", 0
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model == "unknown":
                model = line.split(":", 1)[1].strip()
            if line.startswith("processor"):
                procs += 1
    m["cpu"] = model
    m["cores"] = "%d logical CPUs (%d usable by this process)" % (
        procs, len(os.sched_getaffinity(0)))
    with open("/proc/meminfo") as f:
        kib = int(f.readline().split()[1])
    m["memory"] = "%.1f GiB" % (kib / 1048576.0)
    m["kernel"] = "%s %s" % (platform.system(), platform.release())
    deb = "unknown"
    try:
        with open("/etc/debian_version") as f:
            deb = f.read().strip()
    except OSError:
        pass
    pretty = ""
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    pretty = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    m["debian"] = "%s (%s)" % (deb, pretty) if pretty else deb

    def first_line(argv, stream="stdout"):
        try:
            p = subprocess.run(argv, capture_output=True, text=True)
        except OSError:
            return "not installed"
        out = p.stdout if stream == "stdout" else p.stderr
        return (out.strip().splitlines() or ["?"])[0]

    m["clanpopd"] = first_line([clanpopd, "-V"])
    m["curl"] = first_line(["curl", "--version"])
    m["nginx"] = first_line([nginx_bin(), "-v"], "stderr")
    m["json-c"] = first_line(["pkg-config", "--modversion", "json-c"])
    m["python"] = sys.version.split()[0]
    return m


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def nginx_bin():
    return shutil.which("nginx") or "/usr/sbin/nginx"


def workdir():
    """A private work directory, on tmpfs when there is room (no fsync)."""
    base = os.environ.get("TMPDIR", "/tmp")
    try:
        st = os.statvfs("/dev/shm")
        if st.f_bavail * st.f_frsize > 1 << 30 and os.access("/dev/shm",
                                                              os.W_OK):
            base = "/dev/shm"
    except OSError:
        pass
    return tempfile.mkdtemp(prefix="clanpopd-bench-", dir=base)

