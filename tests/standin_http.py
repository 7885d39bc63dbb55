"""standin_http - the stand-in API's HTTP/1.1 server: the shared State
(statistics, the sliding rate window, fault counters, the request log), the
request Handler with its parts (Answers: auth, rate limit, routing, faults;
Hostile: the hostile transports; Control: the control endpoints) and the
threading Server.  tests/standin.py starts it."""

import email.utils
import hmac
import json
import math
import select
import socket
import threading
import time
import urllib.parse
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standin_bodies import (ERR_DENIED, ERR_INVALID_IP, ERR_MAINT, ERR_NOTFOUND,
                            ERR_THROTTLED, ERR_UNKNOWN, INVALID_JSON, clan_body, err,
                            html_page, player_body)
from standin_world import (FAV_FAULTS, REASONS, STREAM_FAULTS, Scenario, expected,
                           json_bytes, normalise_tag)

HUGE_SIZE = 10 * 1024 * 1024    # bytes, the "huge" bodies
ENDLESS_MAX = 1024 * 1024 * 1024  # bytes an "endless" body gives up after
CT_JSON = "application/json; charset=utf-8"
CT_HTML = "text/html; charset=utf-8"

# The answers of the terminal faults that are plain API errors.
FAULT_ERRORS = {
    "404": (404, ERR_NOTFOUND),
    "400": (400, err("badRequest", "Invalid tag")),
    "403": (403, ERR_DENIED),
    "500_json": (500, ERR_UNKNOWN),
    "503_json": (503, ERR_MAINT),
}


# ---------------------------------------------------------------- state

def read_keys(path):
    """The keys of a token file as clanpopd reads it: one per line, blank
    lines and lines starting with '#' left out; {key bytes: "N"}, N its
    line number.  Raises OSError; {} when there is none."""
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    keys = {}
    for n, line in enumerate(lines, 1):
        k = line.strip()
        if k and not k.startswith("#"):
            keys[k.encode()] = str(n)
    return keys


class State:
    def __init__(self, scenario, keys, prefix, logfh):
        self.scenario = scenario
        self.keys = keys
        self.prefix = prefix
        self.logfh = logfh
        self.loglock = threading.Lock()
        self.lock = threading.Lock()
        self.epoch_lock = threading.Lock()
        self.last_answer = 0.0    # Unix time the last API answer was written
        self.reset()

    def reset(self):
        with self.epoch_lock, self.lock:
            self.requests = 0
            self.by_status = {}
            self.by_kind = {}
            self.in_flight = 0
            self.peak_in_flight = 0
            self.busiest_second = 0
            self.window = deque()
            self.per_tag = {}
            self.fault_counts = {}
            self.key_windows = {}
            self.per_key = {}
            self.answers = {}
            # The activity epochs: epoch k began at Unix second times[k].
            self.times = [math.floor(time.time())]

    def begin(self, now):
        """An API request arrived: returns the arrivals in (now-1, now]."""
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            if self.in_flight > self.peak_in_flight:
                self.peak_in_flight = self.in_flight
            w = self.window
            w.append(now)
            edge = now - 1.0
            while w[0] <= edge:
                w.popleft()
            n = len(w)
            if n > self.busiest_second:
                self.busiest_second = n
            return n

    def key_stats(self, key):
        """The statistics of key "N" (call with the lock held)."""
        ks = self.per_key.get(key)
        if ks is None:
            ks = self.per_key[key] = {"requests": 0, "by_status": {}, "busiest_second": 0}
        return ks

    def key_begin(self, key):
        """A request with key "N" got past authentication: returns its
        arrivals in (now-1, now] on that key, this one included."""
        with self.lock:
            now = time.monotonic()
            w = self.key_windows.setdefault(key, deque())
            w.append(now)
            while w[0] <= now - 1.0:
                w.popleft()
            ks = self.key_stats(key)
            ks["requests"] += 1
            ks["busiest_second"] = max(ks["busiest_second"], len(w))
            return len(w)

    def end(self, status, kind, tag, key=None):
        with self.lock:
            self.last_answer = time.time()
            self.in_flight -= 1
            k = str(status)
            self.by_status[k] = self.by_status.get(k, 0) + 1
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            if tag:
                self.per_tag[tag] = self.per_tag.get(tag, 0) + 1
            if key is not None:
                bs = self.key_stats(key)["by_status"]
                bs[k] = bs.get(k, 0) + 1

    def count_fault(self, kind, tag):
        """How many earlier fault-checked requests this (kind, tag) had."""
        with self.lock:
            k = (kind, tag)
            n = self.fault_counts.get(k, 0)
            self.fault_counts[k] = n + 1
            return n

    def count_answer(self, tag):
        """How many 200 answers the player tag had before this one."""
        with self.lock:
            n = self.answers.get(tag, 0)
            self.answers[tag] = n + 1
            return n

    def epochs(self):
        """The start times of the activity epochs 0 .. the current one."""
        with self.lock:
            return tuple(self.times)

    def advance(self):
        """Start the next activity epoch in a later second than the current
        one began in and than the last API answer (so that no profile read
        before it looks older than its lastSeen); returns (its number, its
        start time) once that second is over, so that a read after it is
        later than any of its lastSeen."""
        with self.epoch_lock:
            with self.lock:
                past = max(self.times[-1], math.floor(self.last_answer))
            wait_past(past)
            with self.lock:
                t = math.floor(time.time())
                self.times.append(t)
                k = len(self.times) - 1
            wait_past(t)
            return k, t

    def body(self, sc, kind, obj, fm, n):
        """The 200 body of a clan or player obj, fm its favourite fault or
        None, n the player's answer count: generated once per favourite and
        deck, a clan's once per lastSeen second (or epoch under activity)."""
        times = self.epochs()
        if kind == "player":
            key = (kind, obj.tag, fm, sc.variant(obj.tag, n, len(times) - 1))
            body = sc.cache.get(key)
            if body is None:
                body = sc.cache[key] = player_body(sc, obj.tag, fm, n, len(times) - 1)
            return body
        now = math.floor(time.time())
        stamp = times if sc.activity is not None else now
        hit = sc.cache.get((kind, obj.tag))
        if hit is not None and hit[0] == stamp:
            return hit[1]
        body = clan_body(sc, obj, times, now)
        sc.cache[(kind, obj.tag)] = (stamp, body)
        return body

    def stats(self):
        with self.lock:
            now = time.monotonic()
            return {"requests": self.requests, "by_status": dict(self.by_status),
                    "by_kind": {"clan": 0, "player": 0, **self.by_kind},
                    "in_flight": self.in_flight, "peak_in_flight": self.peak_in_flight,
                    "busiest_second": self.busiest_second,
                    "requests_per_tag": dict(self.per_tag),
                    "rate_window": sum(1 for t in self.window if t > now - 1.0),
                    "per_key": {n: {"requests": ks["requests"], "by_status": dict(ks["by_status"]),
                                    "busiest_second": ks["busiest_second"]}
                                for n, ks in sorted(self.per_key.items(), key=lambda i: int(i[0]))}}

    def log(self, method, path, status, ms):
        if self.logfh is None:
            return
        line = f"{time.time():.3f} {method} {path} {status} {ms:.1f}\n"
        with self.loglock:
            try:
                self.logfh.write(line)
                self.logfh.flush()
            except OSError:
                pass


def wait_past(t):
    """Sleep until the Unix second t is over."""
    while math.floor(time.time()) <= t:
        time.sleep(t + 1.001 - time.time())


def cache_control(sc):
    """The Cache-Control header lines the scenario's max_age gives."""
    return () if sc.max_age is None else (f"Cache-Control: max-age={sc.max_age}",)


def activity_control(st, path, method, query):
    """The control endpoints of epochs and truth: POST /_/epoch, GET
    /_/activity and GET /_/expected; (status, body) or None for any other."""
    if path == "/_/epoch" and method == "POST":
        k, t = st.advance()
        sc = st.scenario
        online = {ct: sc.clan_online(ct, k) for ct in sc.clans}
        return 200, json_bytes({"epoch": k, "time": t, "online": online})
    if path not in ("/_/activity", "/_/expected") or method != "GET":
        return None
    q = urllib.parse.parse_qs(query)
    times, sc = st.epochs(), st.scenario
    try:
        r = int(q.get("retries", ["3"])[0])
        refresh = int(q.get("refresh", ["0"])[0])
        j = int(q.get("epoch", [len(times) - 1])[0])
    except ValueError:
        return 400, err("badRequest", "retries, refresh and epoch must be integers")
    if j < 0 or (path == "/_/activity" and j >= len(times)):
        return 400, err("badRequest", f"epoch {j}: ask for one from 0 to the current "
                        f"epoch, {len(times) - 1}")
    clan = q.get("clan", [""])[0]
    if path == "/_/expected":
        return 200, json_bytes(expected(sc, clan, r, refresh, j, decks=True))
    ct = normalise_tag(clan)
    if ct not in sc.clans:
        return 404, err("notFound", f"no clan {clan!r} in the scenario: give clan=%23TAG")
    return 200, json_bytes({"epoch": j, "time": times[j], "online": sc.clan_online(ct, j)})


_date_cache = [0, ""]


def http_date():
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[1] = email.utils.formatdate(now, usegmt=True)
        _date_cache[0] = now
    return _date_cache[1]


# ---------------------------------------------------------------- hostile

class Hostile:
    """Handler's stream faults: an answer that hangs, trickles, never ends
    or is huge; the connection ends afterwards."""

    def _head(self, status, extra):
        self._status = status
        head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}",
                f"Date: {http_date()}", f"Content-Type: {CT_JSON}", "Connection: close"]
        head.extend(cache_control(self.server.state.scenario))
        head.extend(extra)
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))

    def _chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _hostile(self, mode, body):
        """Answer with a stream fault; the connection ends afterwards."""
        self.close_connection = True
        kind, bps = mode
        if kind == "hang":
            self._hang()
        elif kind == "trickle":
            self._trickle(body, bps)
        elif kind == "endless":
            self._endless()
        else:
            self._huge(kind, body)

    def _hang(self):
        """No answer at all: wait for the client to give up and close."""
        self._status = 0
        sock = self.connection
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            r, _w, _x = select.select([sock], [], [], 1.0)
            if r and not sock.recv(65536):
                return

    def _trickle(self, body, bps):
        """The body, bps bytes a second."""
        self._head(200, (f"Content-Length: {len(body)}",))
        for i in range(0, len(body), bps):
            self.wfile.write(body[i:i + bps])
            time.sleep(1.0)

    def _endless(self):
        """A chunked clan body that never closes its memberList, given up
        after ENDLESS_MAX bytes."""
        self._head(200, ("Transfer-Encoding: chunked",))
        self._chunk(b'{"tag":"#2Y0","name":"endless","memberList":[')
        piece = b'{"tag":"#2Y0","name":"x"},' * 2048
        sent = 0
        while sent < ENDLESS_MAX:
            self._chunk(piece)
            sent += len(piece)

    def _huge(self, kind, body):
        """huge / huge_chunked: the normal body padded to HUGE_SIZE, still
        JSON, with a Content-Length or chunked."""
        pad = HUGE_SIZE - len(body) - len(b',"padding":""')
        data = body[:-1] + b',"padding":"' + b"x" * pad + b'"}'
        if kind == "huge":
            self._head(200, (f"Content-Length: {len(data)}",))
            for i in range(0, len(data), 65536):
                self.wfile.write(data[i:i + 65536])
        else:
            self._head(200, ("Transfer-Encoding: chunked",))
            for i in range(0, len(data), 65536):
                self._chunk(data[i:i + 65536])
            self.wfile.write(b"0\r\n\r\n")


# ---------------------------------------------------------------- API answers

class Answers:
    """Handler's answer to an API request: routing, the refusals (token,
    rate limits, method, path, tag), the tag's faults and the body."""

    def _api_answer(self, st, sc):
        """(status, body, content type, extra headers, truncate) for an API
        request, in the documented order of checks; sets self._slow and, for
        a stream fault, self._stream."""
        self._slow = 0
        kind, seg, tag = self._route(st.prefix)
        refused = self._refusal(st, sc, kind, seg, tag)
        if refused is not None:
            return refused
        obj = (sc.clans if kind == "clan" else sc.players).get(tag)
        if obj is None:
            return 404, ERR_NOTFOUND, CT_JSON, (), False
        faults = obj.faults
        self._slow = faults.slow_ms
        mode = faults.terminal
        if faults.fail_n and st.count_fault(kind, tag) < faults.fail_n:
            mode = faults.fail_kind
        if mode in FAULT_ERRORS:
            status, body = FAULT_ERRORS[mode]
            return status, body, CT_JSON, (), False
        if mode is not None and mode.endswith("_html"):
            s = int(mode[:3])
            return s, html_page(s), CT_HTML, (), False
        return self._body_answer(sc, kind, tag, obj, faults, mode)

    def _route(self, pre):
        """(kind, path segment, tag): kind "clan" / "player" or None, tag the
        normalised tag or None.  Routed first (cheap) so that the statistics
        know kind and tag whatever the answer."""
        path = self.path.split("?", 1)[0]
        kind = seg = None
        if path.startswith(pre + "/"):
            rest = path[len(pre):].split("/")
            if len(rest) == 3 and rest[1] in ("clans", "players"):
                kind = "clan" if rest[1] == "clans" else "player"
                seg = rest[2]
        tag = normalise_tag(urllib.parse.unquote(seg)) if kind else None
        if kind:
            self._kind = kind
            self._tag = tag
        return kind, seg, tag

    def _refusal(self, st, sc, kind, seg, tag):
        """The answer when the request is refused before its tag's faults:
        forbidden, token, rate limit, method, path, tag; else None."""
        if sc.forbidden is not None:
            return self._forbid(sc.forbidden)
        auth = self.headers.get("Authorization", "")
        key = self._key_of(st, auth)
        if key is None:
            return 403, ERR_DENIED, CT_JSON, (), False
        self._key = key
        on_key = st.key_begin(key)
        if key in sc.forbidden_keys:
            return self._forbid(sc.forbidden_keys[key])
        if sc.key_rate_per_second is not None and on_key > sc.key_rate_per_second:
            return self._throttled(sc.key_retry_after)
        if sc.rate_per_second is not None and self._window > sc.rate_per_second:
            return self._throttled(sc.retry_after)
        if self.command != "GET":
            return 405, err("badRequest", f"Method {self.command} not allowed"), CT_JSON, (), False
        if kind is None:
            return 404, err("notFound", "Unknown path"), CT_JSON, (), False
        if tag is None:
            return 400, err("badRequest", f"Invalid tag in path: {seg[:40]}"), CT_JSON, (), False
        return None

    @staticmethod
    def _key_of(st, auth):
        """The number ("N") of the key in a Bearer header, or None."""
        if not auth.startswith("Bearer "):
            return None
        got = auth[7:].encode()
        found = None
        for k, n in st.keys.items():
            if hmac.compare_digest(got, k):
                found = n
        return found

    def _forbid(self, kind):
        """The 403 of a forbidden scenario or key: "accessDenied",
        "invalidIp" or "echo"."""
        if kind == "accessDenied":
            return 403, ERR_DENIED, CT_JSON, (), False
        if kind == "invalidIp":
            return 403, ERR_INVALID_IP, CT_JSON, (), False
        # A careless proxy: the request's Authorization header, token
        # and all, comes back in the reason, the message and a header.
        auth = self.headers.get("Authorization", "")
        body = err("accessDenied: got Authorization: " + auth,
                   "Invalid authorization: " + auth)
        return 403, body, CT_JSON, ("X-Echo: " + auth,), False

    @staticmethod
    def _throttled(ra):
        """A 429 with Retry-After ra: seconds, "date" or None (no header)."""
        extra = ()
        if ra == "date":
            extra = (f"Retry-After: {email.utils.formatdate(math.ceil(time.time()) + 2, usegmt=True)}",)
        elif ra is not None:
            extra = (f"Retry-After: {math.ceil(ra)}",)
        return 429, ERR_THROTTLED, CT_JSON, extra, False

    def _body_answer(self, sc, kind, tag, obj, faults, mode):
        """A 200 with the object's body (generated once per scenario, or the
        scenario's own), changed by a favourite, stream or body fault."""
        if mode == "invalid_json":
            return 200, INVALID_JSON, CT_JSON, (), False
        if mode in STREAM_FAULTS:
            self._stream = (mode, faults.trickle_bps)
        fm = mode if mode in FAV_FAULTS else None
        body = obj.body if fm is None else None
        if body is not None and mode is None and obj.status != 200:
            return obj.status, body, CT_JSON, (), False
        if body is None:
            n = self.server.state.count_answer(tag) if kind == "player" else 0
            body = self.server.state.body(sc, kind, obj, fm, n)
        return 200, body, CT_JSON, (), mode == "truncated"


# ---------------------------------------------------------------- control

OK_BODY = b'{"ok":true}'

# (path, method) -> the Control method that answers it.
CONTROL = {
    ("/_/stats", "GET"): "_c_stats",
    ("/_/health", "GET"): "_c_health",
    ("/_/reset", "POST"): "_c_reset",
    ("/_/scenario", "GET"): "_c_scenario_get",
    ("/_/scenario", "POST"): "_c_scenario_set",
    ("/_/scenario", "PUT"): "_c_scenario_set",
    ("/_/token", "POST"): "_c_token",
}


class Control:
    """Handler's control endpoints under /_/ (documented in tests/standin.py):
    statistics, reset, the live scenario, the token file (the epochs,
    activity and expected() are activity_control's)."""

    def _control(self):
        u = urllib.parse.urlsplit(self.path)
        answer = activity_control(self.server.state, u.path, self.command, u.query)
        if answer is not None:
            return self._send(*answer)
        name = CONTROL.get((u.path, self.command))
        if name is None:
            return self._send(404, err("notFound", "Unknown control endpoint"))
        return getattr(self, name)(self.server.state, u)

    def _c_stats(self, st, _u):
        return self._send(200, json_bytes(st.stats()))

    def _c_health(self, _st, _u):
        return self._send(200, OK_BODY)

    def _c_reset(self, st, _u):
        st.reset()
        return self._send(200, OK_BODY)

    def _c_scenario_get(self, st, _u):
        return self._send(200, json_bytes(st.scenario.raw))

    def _c_scenario_set(self, st, _u):
        try:
            sc = Scenario(json.loads(self._body.decode("utf-8")))
        except (ValueError, UnicodeDecodeError) as e:
            return self._send(400, err("badRequest", str(e)))
        st.scenario = sc
        return self._send(200, OK_BODY)

    def _c_token(self, st, _u):
        """Re-read --token-file: keys were rotated, added or revoked."""
        try:
            keys = read_keys(st.token_file)
        except OSError as e:
            return self._send(500, err("unknownException", e.strerror))
        if not keys:
            return self._send(400, err("badRequest", "empty token file"))
        st.keys = keys
        return self._send(200, OK_BODY)


# ---------------------------------------------------------------- handler

class Handler(Hostile, Answers, Control, BaseHTTPRequestHandler):
    """One connection: reads each request, counts it, answers it through
    Answers (API), Hostile (stream faults) or Control (/_/), logs it."""
    protocol_version = "HTTP/1.1"
    server_version = "standin/1"
    sys_version = ""
    timeout = 120

    def log_message(self, *args):  # quiet
        pass

    def log_error(self, *args):
        pass

    # Our own loop step so that in-flight starts when the request line is read.
    def handle_one_request(self):
        st = self.server.state
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, OSError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        t0 = time.monotonic()
        parts = self.raw_requestline.split(b" ")
        control = len(parts) > 1 and parts[1].startswith(b"/_/")
        self._status = 400
        self._kind = "other"
        self._tag = None
        self._key = None
        self._method = parts[0].decode("latin-1", "replace")
        self._window = None if control else st.begin(t0)
        try:
            self._dispatch(control, t0)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        except Exception as e:  # a bug here must not kill the server
            self.close_connection = True
            try:
                self._send(500, err("unknownException", type(e).__name__))
            except OSError:
                pass
        finally:
            ms = (time.monotonic() - t0) * 1000
            if not control:
                st.end(self._status, self._kind, self._tag, self._key)
            st.log(self._method, getattr(self, "path", "?"), self._status, ms)

    def _dispatch(self, control, t0):
        """Parse the request read and answer it."""
        if len(self.raw_requestline) > 65536:
            self._send(414, err("badRequest", "Request line too long"))
            self.close_connection = True
            return
        if not self.parse_request():
            self.close_connection = True
            return
        self._drain_body()
        if control:
            self._control()
        else:
            self._api(t0)

    def _drain_body(self):
        self._body = b""
        n = self.headers.get("Content-Length")
        if n:
            try:
                n = int(n)
            except ValueError:
                n = 0
            if 0 < n <= 10 * 1024 * 1024:
                self._body = self.rfile.read(n)

    def _send(self, status, body, ctype=CT_JSON, extra=(), truncate=False):
        self._status = status
        head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}",
                f"Date: {http_date()}", f"Content-Type: {ctype}",
                f"Content-Length: {len(body)}"]
        head.extend(cache_control(self.server.state.scenario))
        head.extend(extra)
        if self.close_connection:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if truncate:
            self.close_connection = True
            data += body[:len(body) // 2]
        else:
            data += body
        self.wfile.write(data)

    def _api(self, t0):
        st = self.server.state
        sc = st.scenario
        self._stream = None
        status, body, ctype, extra, trunc = self._api_answer(st, sc)
        delay = sc.latency_ms / 1000.0 + self._slow / 1000.0
        left = t0 + delay - time.monotonic()
        if left > 0:
            time.sleep(left)
        if self._stream is not None:
            self._hostile(self._stream, body)
        else:
            self._send(status, body, ctype, extra, trunc)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().server_bind()

    def handle_error(self, request, client_address):  # quiet
        pass

