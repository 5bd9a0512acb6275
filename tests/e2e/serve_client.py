#!/usr/bin/env python3
"""Independent HTTP/1.1 client for the `loadcell serve` end-to-end tests.

Standard library only (raw sockets, select.epoll, time.perf_counter), so the
server is checked by code that shares nothing with loadcell. Each subcommand
runs one group of checks and exits 0 when all pass, 1 otherwise, printing one
line per check.

usage: serve_client.py [--host H] --port P [--tls-ca F [--tls-cert F --tls-key F]] COMMAND [ARGS]

With --tls-ca every connection is TLS (Python's ssl module), verified against
that CA and the host; the checks are the same.
"""
import argparse
import json
import math
import random
import re
import select
import socket
import ssl
import sys
import threading
import time

FAILURES = []
TLS = None  # an ssl.SSLContext when the server speaks TLS (--tls-ca)


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        FAILURES.append(what)
    return ok


# ---------------------------------------------------------------- HTTP bits


class Response:
    def __init__(self):
        self.status = None
        self.version = None
        self.reason = ""
        self.headers = {}
        self.header_bytes = 0
        self.body = b""
        self.chunks = 0


def connect(host, port, timeout=5.0):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if TLS:
        # Ragged EOFs raise: loadcell serve sends close_notify before every
        # graceful close, so an end without one is a reset (Python's ssl
        # reports a reset under TLS as ssl.SSLEOFError, not ConnectionResetError).
        s = TLS.wrap_socket(s, server_hostname=host, suppress_ragged_eofs=False)
    return s


def recv_ready(sock):
    """recv on a non-blocking socket that epoll reported readable: b"" at EOF,
    None while a TLS record is incomplete; decrypted bytes the TLS layer still
    holds (epoll cannot see them) are taken too."""
    try:
        data = sock.recv(65536)
        while data and TLS and sock.pending():
            data += sock.recv(65536)
    except ssl.SSLWantReadError:
        return None
    return data


def parse_response(buf, pos=0, head_request=False):
    """Parse one response at buf[pos:]. Returns (Response, end) or None if incomplete.
    Raises ValueError on a malformed status line."""
    end = buf.find(b"\r\n\r\n", pos)
    if end < 0:
        return None
    head = buf[pos:end].decode("latin-1")
    lines = head.split("\r\n")
    m = re.match(r"^HTTP/1\.([01]) (\d{3}) ?(.*)$", lines[0])
    if not m:
        raise ValueError("malformed status line: %r" % lines[0][:80])
    r = Response()
    r.version = int(m.group(1))
    r.status = int(m.group(2))
    r.reason = m.group(3)
    r.header_bytes = end + 4 - pos
    for line in lines[1:]:
        k, _, v = line.partition(":")
        r.headers[k.strip().lower()] = v.strip()
    p = end + 4
    if head_request or r.status in (204, 304) or 100 <= r.status < 200:
        return r, p
    if r.headers.get("transfer-encoding", "").lower() == "chunked":
        body = []
        while True:
            le = buf.find(b"\r\n", p)
            if le < 0:
                return None
            size = int(buf[p:le].split(b";")[0], 16)
            p = le + 2
            if size == 0:
                if buf[p:p + 2] == b"\r\n":
                    p += 2
                    break
                return None  # (no trailers are sent by loadcell serve)
            if len(buf) < p + size + 2:
                return None
            body.append(buf[p:p + size])
            r.chunks += 1
            if buf[p + size:p + size + 2] != b"\r\n":
                raise ValueError("chunk not followed by CRLF")
            p += size + 2
        r.body = b"".join(body)
        return r, p
    n = int(r.headers.get("content-length", "0"))
    if len(buf) < p + n:
        return None
    r.body = buf[p:p + n]
    return r, p + n


def read_responses(sock, count, head_request=False, timeout=5.0):
    """Read `count` responses from sock (blocking). Returns (responses, leftover, eof)."""
    sock.settimeout(timeout)
    buf = b""
    out = []
    pos = 0
    eof = False
    while len(out) < count:
        parsed = parse_response(buf, pos, head_request)
        if parsed:
            r, pos = parsed
            out.append(r)
            continue
        data = sock.recv(65536)
        if not data:
            eof = True
            break
        buf += data
    return out, buf[pos:], eof


def request(host, port, path, method="GET", headers=None, body=b"", version="1.1", timeout=5.0):
    s = connect(host, port, timeout)
    try:
        h = "%s %s HTTP/%s\r\nHost: t\r\n" % (method, path, version)
        for k, v in (headers or {}).items():
            h += "%s: %s\r\n" % (k, v)
        if body:
            h += "Content-Length: %d\r\n" % len(body)
        s.sendall(h.encode() + b"\r\n" + body)
        rs, _, _ = read_responses(s, 1, method == "HEAD", timeout)
        return rs[0] if rs else None
    finally:
        s.close()


def get_stats(host, port):
    r = request(host, port, "/stats")
    return json.loads(r.body)


def reset_stats(host, port):
    r = request(host, port, "/stats/reset", method="POST")
    return r is not None and r.status == 200


# ---------------------------------------------------------------- load loop


def run_load(host, port, paths, conc, timeout=60.0, ramp=0.0):
    """Send every path of `paths` once, over `conc` keep-alive connections, one
    request in flight per connection; connection i sends its first request
    i*ramp/conc seconds in (so equal delays do not arrive in bursts). Returns
    [(path, status, seconds)] in completion order; raises on a connection error."""
    ep = select.epoll()
    conns = {}
    todo = list(reversed(paths))
    results = []
    begin = time.perf_counter()
    deadline = begin + timeout

    def start(c):
        if not todo:
            return False
        path = todo.pop()
        c["path"] = path
        c["buf"] = b""
        c["t0"] = time.perf_counter()
        c["sock"].send(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n\r\n")
        return True

    n = min(conc, len(paths))
    waiting = []
    for i in range(n):
        s = connect(host, port)
        s.setblocking(False)
        c = {"sock": s}
        conns[s.fileno()] = c
        ep.register(s.fileno(), select.EPOLLIN)
        waiting.append((begin + i * ramp / n, c))
    waiting.reverse()
    active = n
    while active:
        now = time.perf_counter()
        if now > deadline:
            raise TimeoutError("load did not finish in %.0fs" % timeout)
        while waiting and waiting[-1][0] <= now:
            start(waiting.pop()[1])
        wait = 1.0 if not waiting else max(0.0, waiting[-1][0] - now)
        events = ep.poll(wait)
        # One timestamp per wake-up: answers that arrived together are not
        # charged the time this loop spends parsing the ones before them.
        now = time.perf_counter()
        for fd, _ in events:
            c = conns[fd]
            data = recv_ready(c["sock"])
            if data is None:
                continue
            if not data:
                raise ConnectionError("server closed a keep-alive connection")
            c["buf"] += data
            parsed = parse_response(c["buf"])
            if not parsed:
                continue
            r, _ = parsed
            results.append((c["path"], r.status, now - c["t0"]))
            if not start(c):
                ep.unregister(fd)
                c["sock"].close()
                active -= 1
    ep.close()
    return results


# ---------------------------------------------------------------- distributions

DUR_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def dur(text):
    m = re.match(r"^([0-9.]+)(ns|us|ms|s)$", text)
    if not m:
        raise ValueError("bad duration " + text)
    return float(m.group(1)) * DUR_UNITS[m.group(2)]


def parse_dist(spec):
    """[(weight, kind, a, b)] in seconds; an independent reading of the latency syntax."""
    parts = []
    if re.match(r"^[0-9.]+%", spec):
        pieces = re.split(r",(?=[0-9.]+%)", spec)
    else:
        pieces = ["100%" + spec]
    for piece in pieces:
        w, _, rest = piece.partition("%")
        kind, _, params = rest.partition(":")
        if kind == "fixed":
            a, b = dur(params), 0
        elif kind == "uniform":
            lo, _, hi = params.partition("..")
            a, b = dur(lo), dur(hi)
        elif kind in ("normal", "lognormal"):
            x, _, y = params.partition(",")
            a = dur(x)
            b = dur(y) if kind == "normal" else float(y)
        elif kind == "exp":
            a, b = dur(params), 0
        else:
            raise ValueError("unknown distribution " + kind)
        parts.append((float(w) / 100, kind, a, b))
    return parts


def phi(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


def cdf(parts, x):
    total = 0.0
    for w, kind, a, b in parts:
        if kind == "fixed":
            f = 1.0 if x >= a else 0.0
        elif kind == "uniform":
            f = min(1.0, max(0.0, (x - a) / (b - a)))
        elif kind == "normal":  # truncated at 0
            f0 = phi(-a / b)
            f = 0.0 if x < 0 else (phi((x - a) / b) - f0) / (1 - f0)
        elif kind == "lognormal":
            f = 0.0 if x <= 0 else phi((math.log(x) - math.log(a)) / b)
        else:
            f = 0.0 if x <= 0 else 1 - math.exp(-x / a)
        total += w * f
    return total


def quantile(parts, q):
    lo, hi = 0.0, 3600.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if cdf(parts, mid) >= q:
            hi = mid
        else:
            lo = mid
    return hi


def sample_quantile(values, q):
    v = sorted(values)
    return v[max(0, math.ceil(q * len(v)) - 1)]


def cmd_latency(args):
    """--check PATH=DIST=N ...: phases one after the other (so a seeded server
    draws the same samples every run); median and p99 within max(5%, 1 ms)."""
    for item in args.check:
        path, spec, n = item.split("=")
        n = int(n)
        parts = parse_dist(spec)
        t0 = time.perf_counter()
        # Spread the first requests over the median delay, so that equal
        # delays do not come back in bursts the client would queue.
        res = run_load(args.host, args.port, [path] * n, args.conc, ramp=quantile(parts, 0.5))
        took = time.perf_counter() - t0
        lat = [t for _, st, t in res if st == 200]
        check(len(lat) == n, "%s: %d of %d answered 200" % (spec, len(lat), n))
        for q, name in ((0.5, "median"), (0.99, "p99")):
            want = quantile(parts, q)
            got = sample_quantile(lat, q)
            tol = max(0.05 * want, 0.001)
            check(abs(got - want) <= tol,
                  "%s: %s %.2fms, expected %.2fms +- %.2fms (n=%d, %.1fs)"
                  % (spec, name, got * 1e3, want * 1e3, tol * 1e3, n, took))


# ---------------------------------------------------------------- errors / stats


def cmd_errors(args):
    """n requests to a path with an error rate: the rate within 4 sigma, and /stats exact."""
    check(reset_stats(args.host, args.port), "POST /stats/reset answers 200")
    st = get_stats(args.host, args.port)
    check(st["requests"] == 0 and st["by_status"] == {}, "counters are zero after a reset")
    res = run_load(args.host, args.port, [args.path] * args.n, args.conc)
    errors = sum(1 for _, s, _ in res if s == args.status)
    normal = sum(1 for _, s, _ in res if s == 200)
    check(errors + normal == args.n, "every answer is 200 or %d (%d + %d of %d)"
          % (args.status, normal, errors, args.n))
    mean = args.n * args.rate
    sigma = math.sqrt(args.n * args.rate * (1 - args.rate))
    check(abs(errors - mean) <= 4 * sigma, "%d errors of %d, expected %.0f +- %.0f (4 sigma)"
          % (errors, args.n, mean, 4 * sigma))
    st = get_stats(args.host, args.port)
    check(st["requests"] == args.n, "/stats requests %d == %d sent" % (st["requests"], args.n))
    check(st["by_status"].get(str(args.status), 0) == errors,
          "/stats by_status[%d] %s == %d seen" % (args.status, st["by_status"].get(str(args.status)), errors))
    check(st["by_status"].get("200", 0) == normal,
          "/stats by_status[200] %s == %d seen" % (st["by_status"].get("200"), normal))
    check(st["errors"] == errors, "/stats errors %d == %d" % (st["errors"], errors))
    route = args.route or "default"
    check(st["by_route"].get(route) == args.n, "/stats by_route[%s] %s == %d"
          % (route, st["by_route"].get(route), args.n))
    check(st["connections_accepted"] == min(args.conc, args.n) + 2,
          "/stats connections_accepted %d == %d load connections + 2 for GET /stats"
          % (st["connections_accepted"], min(args.conc, args.n)))
    req_bytes = len(("GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % args.path).encode())
    check(st["bytes_in"] == args.n * req_bytes, "/stats bytes_in %d == %d" % (st["bytes_in"], args.n * req_bytes))
    check(st["stats_requests"] == 2, "/stats stats_requests %d == 2 (the GETs after the reset)"
          % st["stats_requests"])
    h = request(args.host, args.port, "/health")
    check(h.status == 200 and h.body == b"ok", "/health answers 200 ok")
    st = get_stats(args.host, args.port)
    check(st["health_requests"] == 1 and st["requests"] == args.n,
          "/health is counted apart (health %d, requests %d)" % (st["health_requests"], st["requests"]))


# ---------------------------------------------------------------- stall


def cmd_stall(args):
    """Requests at a steady pace (open loop: one every --interval, each on an
    idle connection of a pool) across several stalls: each is answered at once
    outside a stall, and at the stall's end inside one."""
    stall, period = (dur(x) for x in args.stall.split("/"))
    # The server's clock: uptime from /stats, taken with the round trip around
    # it; the fastest of a few round trips bounds the error best.
    best = None
    for _ in range(5):
        t_a = time.perf_counter()
        up = get_stats(args.host, args.port)["uptime_s"]
        t_b = time.perf_counter()
        if best is None or t_b - t_a < best[1] - best[0]:
            best = (t_a, t_b, up)
    t_a, t_b, up = best
    start = (t_a + t_b) / 2 - up  # server start on our clock, within half a round trip

    ep = select.epoll()
    pool = {}
    idle = []
    for _ in range(args.conns):
        sk = connect(args.host, args.port)
        sk.setblocking(False)
        pool[sk.fileno()] = {"sock": sk, "buf": b"", "t0": 0.0}
        ep.register(sk.fileno(), select.EPOLLIN)
        idle.append(pool[sk.fileno()])
    n = int(args.duration / args.interval)
    begin = time.perf_counter() + 0.05
    sent = []
    next_i = 0
    busy = 0
    while next_i < n or busy:
        now = time.perf_counter()
        while next_i < n and begin + next_i * args.interval <= now and idle:
            c = idle.pop()
            c["t0"] = time.perf_counter()
            c["buf"] = b""
            c["sock"].send(b"GET /stall HTTP/1.1\r\nHost: t\r\n\r\n")
            next_i += 1
            busy += 1
        wait = 1.0
        if next_i < n and idle:
            wait = max(0.0, begin + next_i * args.interval - time.perf_counter())
        events = ep.poll(wait)
        now = time.perf_counter()
        for fd, _ in events:
            c = pool[fd]
            data = recv_ready(c["sock"])
            if data is None:
                continue
            if not data:
                raise ConnectionError("server closed a connection")
            c["buf"] += data
            parsed = parse_response(c["buf"])
            if parsed:
                sent.append((c["t0"], now, parsed[0].status))
                idle.append(c)
                busy -= 1
        if now > begin + args.duration + period + 10:
            raise TimeoutError("answers missing")
    for c in pool.values():
        c["sock"].close()
    ep.close()

    tol = 0.02 + (t_b - t_a) / 2
    bad = []
    stalled = 0
    for t0, t1, st in sent:
        phase = (t0 - start) % period
        if st != 200:
            bad.append("status %s" % st)
            continue
        # Requests within tol of a stall's start or end could fall either side: skipped.
        if tol < phase < stall - tol:
            want = t0 + (stall - phase)  # the end of this stall
            stalled += 1
            if abs(t1 - want) > tol:
                bad.append("sent %.3fs into a stall, answered %.1fms from its end"
                           % (phase, (t1 - want) * 1e3))
        elif stall + tol < phase < period - tol:
            if t1 - t0 > tol:
                bad.append("sent outside a stall (phase %.3fs), answered after %.1fms"
                           % (phase, (t1 - t0) * 1e3))
    check(len(sent) == n, "%d requests sent over %.1fs, one every %.0fms"
          % (len(sent), args.duration, args.interval * 1e3))
    expect = n * (stall - 2 * tol) / period
    check(stalled >= expect / 2, "%d requests arrived well inside a stall (about %.0f expected)"
          % (stalled, expect))
    check(not bad, "every answer is immediate outside a stall and at its end inside one"
          + ("" if not bad else ": %d wrong, e.g. %s" % (len(bad), "; ".join(bad[:3]))))


# ---------------------------------------------------------------- chaos


def classify(host, port, path, no_answer_wait=0.6):
    """Send one request on a new connection and say what happened:
    ok, reset, truncated, bad-status, huge-headers, no-answer, trickle."""
    s = connect(host, port, timeout=5)
    s.sendall(("GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path).encode())
    buf = b""
    reads = 0
    t0 = time.perf_counter()
    s.settimeout(no_answer_wait)
    try:
        while True:
            try:
                data = s.recv(65536)
            except socket.timeout:
                if not buf:
                    return "no-answer", None
                return "stalled-mid-response", None
            except (ConnectionResetError, ssl.SSLEOFError):
                return ("reset" if not buf else "reset-mid-response"), None
            if not data:
                break
            buf += data
            reads += 1
            s.settimeout(5)
            try:
                parsed = parse_response(buf)
            except ValueError:
                return "bad-status", buf
            if parsed:
                r, _ = parsed
                took = time.perf_counter() - t0
                if r.header_bytes >= 64 * 1024:
                    return "huge-headers", r
                if took > 0.04 and reads >= 5:
                    return "trickle", (r, reads, took)
                return "ok", r
        # EOF before a whole response
        if not buf:
            return "closed", None
        try:
            parse_response(buf)
        except ValueError:
            return "bad-status", buf
        return "truncated", buf
    finally:
        s.close()


def cmd_chaos(args):
    """Each chaos mode alone (a route per mode at 100%), then a mix checked against /stats."""
    h, p = args.host, args.port
    kind, _ = classify(h, p, "/reset")
    check(kind == "reset", "reset: the client sees a connection reset (%s)" % kind)

    kind, buf = classify(h, p, "/close-mid-body")
    ok = kind == "truncated"
    if ok:
        head, _, body = buf.partition(b"\r\n\r\n")
        cl = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        ok = cl == 1000 and len(body) == 500
    check(ok, "close-mid-body: headers and 500 of 1000 body bytes, then EOF (%s)" % kind)

    kind, buf = classify(h, p, "/bad-status")
    check(kind == "bad-status", "bad-status: the status line is malformed (%s: %r)"
          % (kind, buf[:24] if isinstance(buf, bytes) else None))

    kind, r = classify(h, p, "/huge-headers")
    check(kind == "huge-headers" and r.status == 200 and len(r.body) == 2,
          "huge-headers: %s bytes of headers, then the body (%s)" % (getattr(r, "header_bytes", "?"), kind))

    # no-answer: nothing within a second, the connection stays open, and a
    # request pipelined behind it waits too.
    s = connect(h, p, timeout=1.0)
    s.sendall(b"GET /no-answer HTTP/1.1\r\nHost: t\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n")
    try:
        data = s.recv(100)
        what = "got %r" % data[:40] if data else "EOF"
    except socket.timeout:
        what = "timeout"
    finally:
        s.close()
    check(what == "timeout", "no-answer: no byte and no close within 1s, pipelined /health waits too (%s)" % what)

    kind, info = classify(h, p, "/trickle")
    ok = kind == "trickle"
    if ok:
        r, reads, took = info
        ok = r.status == 200 and r.body == b"ab"
        what = "%d reads over %.0fms" % (reads, took * 1e3)
    else:
        what = kind
    check(ok, "trickle: the answer arrives byte by byte over tens of ms (%s)" % what)

    kind, r = classify(h, p, "/plain")
    check(kind == "ok" and r.status == 200, "a route without chaos answers normally (%s)" % kind)

    # The mix: one draw per request; the client's view matches /stats exactly.
    check(reset_stats(h, p), "stats reset")
    seen = {}
    lock = threading.Lock()
    todo = list(range(args.n))

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            k, _ = classify(h, p, "/mix", no_answer_wait=0.5)
            with lock:
                seen[k] = seen.get(k, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    st = get_stats(h, p)
    check(st["requests"] == args.n, "mix: /stats requests %d == %d sent" % (st["requests"], args.n))
    names = {"reset": "reset", "truncated": "close-mid-body", "bad-status": "bad-status",
             "huge-headers": "huge-headers", "no-answer": "no-answer", "trickle": "trickle"}
    for ck, sk in names.items():
        check(seen.get(ck, 0) == st["by_chaos"][sk], "mix: %s seen %d == /stats by_chaos %d"
              % (sk, seen.get(ck, 0), st["by_chaos"][sk]))
    check(seen.get("ok", 0) == st["by_status"].get("200", 0) - st["by_chaos"]["close-mid-body"]
          - st["by_chaos"]["huge-headers"] - st["by_chaos"]["trickle"],
          "mix: %d plain answers match /stats" % seen.get("ok", 0))
    unknown = {k: v for k, v in seen.items() if k not in names and k != "ok"}
    check(not unknown, "mix: every outcome classified (%s)" % (unknown or "all"))
    rate = args.rate
    sigma = math.sqrt(args.n * rate * (1 - rate))
    for ck, sk in names.items():
        got = seen.get(ck, 0)
        check(abs(got - args.n * rate) <= 4 * sigma, "mix: %s %d of %d, expected %.0f +- %.0f"
              % (sk, got, args.n, args.n * rate, 4 * sigma))


# ---------------------------------------------------------------- protocol


def cmd_http(args):
    h, p = args.host, args.port

    # Pipelining: one send, answers in request order although /slow is delayed.
    s = connect(h, p)
    s.sendall(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
              b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n"
              b"GET /b?x=1 HTTP/1.1\r\nHost: t\r\n\r\n"
              b"HEAD /a HTTP/1.1\r\nHost: t\r\n\r\n"
              b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
    buf = b""
    out = []
    pos = 0
    s.settimeout(5)
    while len(out) < 5:
        parsed = parse_response(buf, pos, head_request=(len(out) == 3))
        if parsed:
            r, pos = parsed
            out.append(r)
            continue
        data = s.recv(65536)
        if not data:
            break
        buf += data
    s.close()
    got = [(r.status, len(r.body)) for r in out]
    check(got == [(203, 2), (201, 10), (202, 3000), (201, 0), (200, 2)],
          "pipelined requests answered in order: %s" % got)
    check(len(out) == 5 and out[3].headers.get("content-length") == "10",
          "HEAD announces the length and sends no body")

    # Request bodies: Content-Length and chunked, each followed by a pipelined GET.
    s = connect(h, p)
    s.sendall(b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world"
              b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
              b"GET /b HTTP/1.1\r\nHost: t\r\n\r\n")
    rs, _, _ = read_responses(s, 3)
    s.close()
    check([r.status for r in rs] == [201, 201, 202],
          "Content-Length and chunked request bodies are read, the next request follows (%s)"
          % [r.status for r in rs])

    # A chunked body split over several sends, slowly.
    s = connect(h, p)
    for piece in (b"POST /a HTTP/1.1\r\nHost: t\r\nTransfer-", b"Encoding: chunked\r\n\r\n4\r\nab",
                  b"cd\r\n", b"0\r\n", b"\r\n"):
        s.sendall(piece)
        time.sleep(0.02)
    rs, _, _ = read_responses(s, 1)
    s.close()
    check(len(rs) == 1 and rs[0].status == 201, "a request split across many reads is answered")

    # Pipelined requests trickled in one byte per send: partial heads are kept between reads.
    s = connect(h, p)
    data = (b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n"
            b"POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz"
            b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n")
    for i in range(len(data)):
        s.send(data[i:i + 1])
        time.sleep(0.001)
    rs, _, _ = read_responses(s, 3)
    s.close()
    check([r.status for r in rs] == [201, 202, 201], "requests sent one byte at a time are answered in order")

    # A burst of 3000 pipelined requests sent before reading any answer: the
    # server queues, pauses reading when its queue is full, writes as the
    # socket drains, and answers every one in order (4.5 MB of answers).
    s = connect(h, p, timeout=30)
    reqs = [b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n", b"GET /b HTTP/1.1\r\nHost: t\r\n\r\n"]
    burst = b"".join(reqs[i % 2] for i in range(3000))
    if TLS:
        # One TLS connection must not be used by two threads; the server reads
        # the whole 90 KB burst (it holds what its queue cannot take), so this
        # send does not wait for our reads.
        s.sendall(burst)
        sender = threading.Thread(target=lambda: None)
    else:
        sender = threading.Thread(target=lambda: s.sendall(burst))
    sender.start()
    time.sleep(0.3)  # let the server's answers back up before reading
    rs, _, _ = read_responses(s, 3000, timeout=30)
    sender.join()
    s.close()
    order_ok = len(rs) == 3000 and all(r.status == (201 if i % 2 == 0 else 202) for i, r in enumerate(rs))
    check(order_ok, "3000 pipelined requests in one burst: %d answered, in order: %s" % (len(rs), order_ok))

    # Expect: 100-continue gets the interim answer before the body is sent.
    s = connect(h, p)
    s.sendall(b"POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    s.settimeout(2)
    first = s.recv(100)
    s.sendall(b"data")
    rs, _, _ = read_responses(s, 1)
    s.close()
    check(first.startswith(b"HTTP/1.1 100 Continue\r\n\r\n") and rs and rs[0].status == 201,
          "Expect: 100-continue is answered with 100 Continue")

    # Keep-alive: two requests on one connection; Connection: close closes after the answer.
    s = connect(h, p)
    s.sendall(b"GET /a HTTP/1.1\r\nHost: t\r\n\r\n")
    r1, _, _ = read_responses(s, 1)
    s.sendall(b"GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    r2, rest, eof = read_responses(s, 2)
    s.close()
    check(len(r1) == 1 and len(r2) == 1 and eof and not rest, "keep-alive, then Connection: close ends the connection")
    check(r2 and r2[0].headers.get("connection") == "close", "the closing answer says Connection: close")

    # HTTP/1.0: closes unless keep-alive is asked for.
    s = connect(h, p)
    s.sendall(b"GET /a HTTP/1.0\r\n\r\n")
    rs, _, eof = read_responses(s, 2)
    s.close()
    check(len(rs) == 1 and eof, "HTTP/1.0 without keep-alive: one answer, then close")
    s = connect(h, p)
    s.sendall(b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    r1, _, _ = read_responses(s, 1)
    s.sendall(b"GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    r2, _, _ = read_responses(s, 1)
    s.close()
    check(len(r1) == 1 and len(r2) == 1 and r1[0].headers.get("connection") == "keep-alive",
          "HTTP/1.0 with Connection: keep-alive stays open")

    # Chunked answers and body size ranges.
    r = request(h, p, "/chunked")
    check(r.headers.get("transfer-encoding") == "chunked" and len(r.body) == 100 and r.chunks == 2,
          "--chunked: a 100-byte body in 2 chunks (%s bytes, %d chunks)" % (len(r.body), r.chunks))
    sizes = [len(request(h, p, "/range").body) for _ in range(40)]
    check(min(sizes) >= 1024 and max(sizes) <= 4096 and len(set(sizes)) > 10,
          "body=1KB..4KB: sizes %d..%d, %d distinct" % (min(sizes), max(sizes), len(set(sizes))))
    check(r.body[:10] == b"abcdefghij", "the body is the fixed pattern")

    # Prefix routes and the default behaviour.
    check(request(h, p, "/pre/x/y").status == 207, "a route ending in '*' matches by prefix")
    check(request(h, p, "/nothing").status == 200, "unmatched paths get the global behaviour")

    # A malformed request gets 400 and a close.
    s = connect(h, p)
    s.sendall(b"NOT A REQUEST\r\n\r\n")
    rs, _, eof = read_responses(s, 2)
    s.close()
    check(len(rs) == 1 and rs[0].status == 400 and eof, "a malformed request: 400, then close")

    # /stats and its reset; /stats with the wrong method.
    check(request(h, p, "/stats/reset").status == 405, "GET /stats/reset is refused with 405")
    check(reset_stats(h, p), "POST /stats/reset")
    st = get_stats(h, p)
    check(st["requests"] == 0 and st["bytes_in"] == 0 and st["stats_requests"] == 1,
          "after a reset the counters restart (requests %d, stats_requests %d)"
          % (st["requests"], st["stats_requests"]))


def cmd_inflight(args):
    """Many delayed requests in flight at once, pipelined on a few connections."""
    h, p = args.host, args.port
    per = args.n // args.conns
    socks = [connect(h, p, timeout=30) for _ in range(args.conns)]
    req = b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n" * per
    t0 = time.perf_counter()
    for s in socks:
        s.sendall(req)
    total = 0
    for s in socks:
        rs, _, _ = read_responses(s, per, timeout=30)
        total += sum(1 for r in rs if r.status == 200)
        s.close()
    took = time.perf_counter() - t0
    delay = dur(args.delay)
    check(total == per * args.conns, "%d of %d delayed requests answered" % (total, per * args.conns))
    check(took < delay + 5.0, "all answered %.2fs after sending (the delay is %.2fs): timers, not "
          "sleeping threads" % (took, delay))
    st = get_stats(h, p)
    check(st["requests"] == per * args.conns, "/stats requests %d" % st["requests"])


def cmd_basic(args):
    """A request and /health (used over IPv6)."""
    r = request(args.host, args.port, "/x")
    check(r is not None and r.status == 200 and r.body == b"ab", "GET /x answers 200 over %s" % args.host)
    r = request(args.host, args.port, "/health")
    check(r is not None and r.status == 200 and r.body == b"ok", "GET /health answers ok over %s" % args.host)


def cmd_hold(args):
    """Open connections, leave requests in flight, then report how many the
    server closed (EOF or reset) within --seconds (for the signal test)."""
    socks = []
    for i in range(args.conns):
        s = connect(args.host, args.port)
        if i % 2 == 0:
            s.sendall(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        socks.append(s)
    print("holding", flush=True)
    closed = 0
    deadline = time.perf_counter() + args.seconds
    for s in socks:
        s.settimeout(max(0.01, deadline - time.perf_counter()))
        try:
            while s.recv(4096):
                pass
            closed += 1
        except ConnectionResetError:
            closed += 1
        except socket.timeout:
            pass
        s.close()
    print("closed %d of %d" % (closed, args.conns), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tls-ca", help="speak TLS, trusting this CA (PEM)")
    ap.add_argument("--tls-cert", help="client certificate (PEM) for servers that ask for one")
    ap.add_argument("--tls-key", help="its private key (PEM)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("latency")
    a.add_argument("--check", action="append", required=True, help="PATH=DIST=N")
    a.add_argument("--conc", type=int, default=100)
    a = sub.add_parser("errors")
    a.add_argument("--path", default="/")
    a.add_argument("--route", default=None)
    a.add_argument("-n", type=int, default=4000)
    a.add_argument("--conc", type=int, default=50)
    a.add_argument("--rate", type=float, required=True)
    a.add_argument("--status", type=int, default=500)
    a = sub.add_parser("stall")
    a.add_argument("--stall", required=True, help="STALL/PERIOD as given to the server")
    a.add_argument("--duration", type=float, default=3.5)
    a.add_argument("--interval", type=float, default=0.01)
    a.add_argument("--conns", type=int, default=80)
    a = sub.add_parser("chaos")
    a.add_argument("-n", type=int, default=600)
    a.add_argument("--rate", type=float, default=0.1)
    a.add_argument("--workers", type=int, default=24)
    sub.add_parser("http")
    a = sub.add_parser("inflight")
    a.add_argument("-n", type=int, default=10000)
    a.add_argument("--conns", type=int, default=100)
    a.add_argument("--delay", default="500ms")
    sub.add_parser("basic")
    a = sub.add_parser("hold")
    a.add_argument("--conns", type=int, default=20)
    a.add_argument("--seconds", type=float, default=30)
    args = ap.parse_args()
    if args.tls_ca:
        global TLS
        TLS = ssl.create_default_context(cafile=args.tls_ca)
        if args.tls_cert:
            TLS.load_cert_chain(args.tls_cert, args.tls_key)
    random.seed(1)
    globals()["cmd_" + args.cmd](args)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
