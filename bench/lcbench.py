#!/usr/bin/env python3
"""Helpers for the bench/ scripts (standard library only).

Subcommands:
  freeport                      print a free TCP port on 127.0.0.1
  status PORT [TIMEOUT_S]       print "REQUESTS ACTIVE" from nginx stub_status
  wait-ready PORT SECONDS       exit 0 once stub_status answers, 1 on timeout
  cpu-busy [SECONDS]            percent of all CPUs busy over SECONDS (default 1)
  cpu-snap PGID                 "BUSY_TICKS GROUP_TICKS" (all CPUs; process group PGID)
  others-pct SNAP0 SNAP1 GEN_CPU_S WALL_S   other jobs' CPU during a run, % of one CPU
  own-count KIND FILE           the generator's own completed-request count, or "-"
  strace-total FILE [REQUESTS]  "CALLS PER_REQUEST TOP" from an `strace -c` summary
  syscalls-per-request FILE REQUESTS
  lc-summary FILE               loadcell's own figures from its Result JSON
  table TSV SECTION [opts]      print a section's table (medians over rounds)

The TSV written by bench/lib.sh (bench_record) has one line per run:
  section label round requests nominal_s wall_s user_s sys_s maxrss_kb own extra others_pct
others_pct is the CPU that neither nginx nor the generator used during the run
(other jobs on the machine, ksoftirqd), in percent of one CPU: a noise flag.
"""
import json
import os
import re
import socket
import statistics
import sys
import time


def freeport():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def read_status(port, timeout_s=5.0):
    """Return (requests, active) from nginx stub_status on 127.0.0.1:PORT."""
    with socket.create_connection(("127.0.0.1", int(port)), timeout=timeout_s) as s:
        s.sendall(b"GET /nginx_status HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    text = data.decode("latin-1")
    head, _, body = text.partition("\r\n\r\n")
    if not head.startswith("HTTP/1.1 200") and not head.startswith("HTTP/1.0 200"):
        raise RuntimeError("stub_status answered: " + head.splitlines()[0] if head else "nothing")
    active = re.search(r"Active connections:\s*(\d+)", body)
    counts = re.search(r"server accepts handled requests\s*\n\s*(\d+)\s+(\d+)\s+(\d+)", body)
    if not active or not counts:
        raise RuntimeError("unexpected stub_status body: " + body[:200])
    return int(counts.group(3)), int(active.group(1))


def cpu_busy(seconds="1"):
    """Print the share of all CPUs busy over SECONDS (from /proc/stat), e.g. "37"."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        return sum(v), idle
    t0, i0 = snap()
    time.sleep(float(seconds))
    t1, i1 = snap()
    dt = t1 - t0
    print("%.0f" % (100.0 * (dt - (i1 - i0)) / dt if dt > 0 else 0))
    return 0


def cpu_snap(pgid):
    """Print "BUSY_TICKS GROUP_TICKS": busy clock ticks of all CPUs (/proc/stat)
    and user+sys ticks of the processes in process group PGID (nginx)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = sum(v) - v[3] - (v[4] if len(v) > 4 else 0)
    group = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        # fields[0] is the state (field 3); pgrp is field 5, utime 14, stime 15
        if fields[2] == str(pgid):
            group += int(fields[11]) + int(fields[12])
    print(busy, group)
    return 0


def others_pct(before, after, gen_cpu_s, wall_s):
    """CPU used by neither nginx nor the generator over the run, % of one CPU."""
    b0, g0 = (int(x) for x in before.split())
    b1, g1 = (int(x) for x in after.split())
    hz = os.sysconf("SC_CLK_TCK")
    try:
        gen = float(gen_cpu_s)
    except ValueError:
        print("-")
        return 0
    other_s = ((b1 - b0) - (g1 - g0)) / hz - gen
    w = float(wall_s)
    print("%.0f" % max(0.0, 100.0 * other_s / w) if w > 0 else "-")
    return 0


def status(port, timeout_s="5"):
    try:
        req, active = read_status(port, float(timeout_s))
    except (OSError, RuntimeError) as e:
        print("lcbench: cannot read nginx stub_status on port %s: %s" % (port, e), file=sys.stderr)
        return 1
    print(req, active)
    return 0


def wait_ready(port, seconds):
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            read_status(port, timeout_s=1.0)
            return 0
        except (OSError, RuntimeError):
            time.sleep(0.05)
    return 1


def lc_totals(doc):
    """The run-wide stats object of a loadcell Result JSON, or None."""
    if not isinstance(doc, dict):
        return None
    totals = doc.get("totals")
    if isinstance(totals, dict):
        if isinstance(totals.get("stats"), dict):
            return totals["stats"]
        if "requests" in totals:
            return totals
    return None


def lc_summary(path):
    """One line of loadcell's own figures from its Result JSON (secondary figures)."""
    try:
        with open(path, encoding="utf-8") as f:
            stats = lc_totals(json.load(f))
    except (OSError, ValueError):
        stats = None
    if stats is None:
        print("(no Result JSON from loadcell)")
        return 0
    keys = [("requests", "requests"), ("errors", "errors"), ("rps", "req/s"),
            ("connections_established", "connections"), ("unsent_requests", "unsent"),
            ("late_starts", "late starts"), ("in_flight_at_stop", "in flight at stop")]
    parts = []
    for k, name in keys:
        v = stats.get(k)
        if isinstance(v, float):
            parts.append("%s %s" % (name, format(v, ",.1f")))
        elif isinstance(v, int):
            parts.append("%s %s" % (name, format(v, ",")))
    lat = stats.get("latency")
    if isinstance(lat, dict) and isinstance(lat.get("p99_ms"), (int, float)):
        parts.append("latency p50 %.3f ms p99 %.3f ms" % (lat.get("p50_ms", 0), lat["p99_ms"]))
    print("; ".join(parts))
    return 0


def own_count(kind, path):
    """The generator's own count of completed requests, "-" when not found."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        print("-")
        return 0
    n = None
    if kind == "wrk":
        m = re.search(r"^\s*(\d+) requests in ", text, re.M)
        n = m and int(m.group(1))
    elif kind == "h2load":
        m = re.search(r"^requests: \d+ total, \d+ started, (\d+) done", text, re.M)
        n = m and int(m.group(1))
    elif kind == "ab":
        m = re.search(r"^Complete requests:\s+(\d+)", text, re.M)
        n = m and int(m.group(1))
    elif kind == "loadcell-json":
        # The Result JSON written with -o: totals.stats.requests.
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        stats = lc_totals(doc)
        if stats is not None and isinstance(stats.get("requests"), int):
            n = stats["requests"]
    print(n if n is not None else "-")
    return 0


def read_strace(path):
    """(total calls, [(calls, syscall)...] most frequent first) from `strace -c -o FILE`."""
    rows = []
    total = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.split()
            if not parts or parts[0].startswith("%") or parts[0].startswith("-"):
                continue
            # columns: %time seconds usecs/call calls [errors] syscall-or-"total"
            try:
                calls = int(parts[3])
            except (IndexError, ValueError):
                continue
            if parts[-1] == "total":
                total = calls
            else:
                rows.append((calls, parts[-1]))
    if total is None:
        total = sum(c for c, _ in rows)
    rows.sort(reverse=True)
    return total, rows


def strace_total(path, requests=None):
    """Print "TOTAL PER_REQUEST TOP": TOP lists the most frequent syscalls, per request."""
    total, rows = read_strace(path)
    req = int(requests) if requests else 0
    if req > 0:
        top = ",".join("%s=%.2f" % (name, calls / req) for calls, name in rows[:5])
        print(total, "%.2f" % (total / req), top or "-")
    else:
        top = ",".join("%s=%d" % (name, calls) for calls, name in rows[:5])
        print(total, "-", top or "-")
    return 0


def syscalls_per_request(path, requests):
    total, _ = read_strace(path)
    req = int(requests)
    print("%.3f" % (total / req) if req > 0 else "-")
    return 0


# ---- tables ------------------------------------------------------------------

FIELDS = ["section", "label", "round", "requests", "nominal_s", "wall_s", "user_s", "sys_s",
          "maxrss_kb", "own", "extra", "others_pct"]


def load_runs(path, section):
    runs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != len(FIELDS) or parts[0] != section:
                continue
            r = dict(zip(FIELDS, parts))
            runs.append(r)
    return runs


def fnum(s):
    try:
        return float(s)
    except ValueError:
        return None


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec, width):
    if v is None:
        return "-".rjust(width)
    return format(v, spec).rjust(width)


QUIET_PCT = 20  # a run is "quiet" when other jobs used less than this % of a CPU


def summarise(runs):
    """Per label, in first-seen order: medians of the per-run figures."""
    order, by = [], {}
    for r in runs:
        if r["label"] not in by:
            order.append(r["label"])
            by[r["label"]] = []
        by[r["label"]].append(r)
    out = []
    for label in order:
        rs = by[label]
        per = []
        for r in rs:
            req = fnum(r["requests"])
            nom = fnum(r["nominal_s"])
            user, sys_ = fnum(r["user_s"]), fnum(r["sys_s"])
            cpu = user + sys_ if user is not None and sys_ is not None else None
            per.append({
                "req": req,
                "rps": req / nom if req and nom else None,
                "cpu_us": cpu * 1e6 / req if req and cpu is not None else None,
                "user": fnum(r["user_s"]),
                "sys": fnum(r["sys_s"]),
                "rss_mb": fnum(r["maxrss_kb"]) / 1024 if fnum(r["maxrss_kb"]) else None,
                "own": fnum(r["own"]),
                "wall": fnum(r["wall_s"]),
                "extra": fnum(r["extra"]),
                "others": fnum(r["others_pct"]),
            })
        s = {k: med([p[k] for p in per]) for k in per[0]}
        s["label"] = label
        s["rounds"] = len(rs)
        s["spread"] = (min(p["rps"] for p in per if p["rps"]),
                       max(p["rps"] for p in per if p["rps"])) if any(p["rps"] for p in per) else None
        out.append(s)
    return out


def paired_ratios(runs, ours, base):
    """[(req ratio, cpu-per-request ratio)] for every round that has both labels:
    runs of one round are close in time, so their ratio cancels slow drift."""
    by = {}
    for r in runs:
        by.setdefault(r["round"], {})[r["label"]] = r
    out = []
    for rnd in sorted(by, key=lambda x: int(x) if x.isdigit() else 0):
        o, b = by[rnd].get(ours), by[rnd].get(base)
        if not o or not b:
            continue
        ro, rb = fnum(o["requests"]), fnum(b["requests"])
        if not ro or not rb:
            continue
        co = [fnum(o["user_s"]), fnum(o["sys_s"])]
        cb = [fnum(b["user_s"]), fnum(b["sys_s"])]
        cpu = None
        if None not in co and None not in cb and sum(cb) > 0:
            cpu = (sum(co) / ro) / (sum(cb) / rb)
        out.append((ro / rb, cpu))
    return out


def verdict(ok):
    return "PASS" if ok else "MISS"


def print_rows(rows, lw, extra_name, extra_format, title):
    if title:
        rounds = max(r["rounds"] for r in rows)
        print("%s%s" % (title, "  [median of %d rounds]" % rounds if rounds > 1 else ""))
    hdr = ("%-*s %11s %11s %11s %10s %8s %8s %9s %8s %7s" %
           (lw, "generator", "req/s", "requests", "own count", "CPU us/req", "user s", "sys s",
            "RSS MB", "wall s", "other%"))
    if extra_name:
        hdr += " %14s" % extra_name
    print(hdr)
    for r in rows:
        line = ("%-*s %s %s %s %s %s %s %s %s %s" %
                (lw, r["label"], fmt(r["rps"], ",.0f", 11), fmt(r["req"], ",.0f", 11),
                 fmt(r["own"], ",.0f", 11), fmt(r["cpu_us"], ".2f", 10), fmt(r["user"], ".2f", 8),
                 fmt(r["sys"], ".2f", 8), fmt(r["rss_mb"], ".1f", 9), fmt(r["wall"], ".2f", 8),
                 fmt(r["others"], ".0f", 7)))
        if extra_name:
            line += " %s" % fmt(r["extra"], extra_format, 14)
        print(line)
        if r["rounds"] > 1 and r["spread"]:
            print("%-*s   (req/s range over %d rounds: %s .. %s)" %
                  (lw, "", r["rounds"], format(r["spread"][0], ",.0f"),
                   format(r["spread"][1], ",.0f")))


def table(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="lcbench.py table")
    ap.add_argument("tsv")
    ap.add_argument("section")
    ap.add_argument("--title", default="")
    ap.add_argument("--extra-name", default="")
    ap.add_argument("--extra-format", default=",.2f")
    ap.add_argument("--ours", default="loadcell", help="label of loadcell's row")
    ap.add_argument("--base", default="wrk", help="label of the baseline row")
    ap.add_argument("--rps-target", type=float, help="ours/base requests/s must be >= this")
    ap.add_argument("--cpu-target", type=float, help="ours/base CPU per request must be <= this")
    ap.add_argument("--rss-target", type=float, help="ours/base max RSS must be <= this")
    ap.add_argument("--extra-target", type=float,
                    help="ours' extra (e.g. syscalls/request) must be <= this")
    ap.add_argument("--rate-target", type=float,
                    help="ours' requests/s must be within --rate-tol of this")
    ap.add_argument("--rate-tol", type=float, default=0.01)
    ap.add_argument("--checks-only", action="store_true", help="print only the target lines")
    a = ap.parse_args(argv)
    rows = summarise(load_runs(a.tsv, a.section))
    if not rows:
        print("(no runs recorded for %s)" % a.section)
        return 1
    if not a.checks_only:
        print_rows(rows, max(12, max(len(r["label"]) for r in rows)), a.extra_name, a.extra_format,
                   a.title)
    by = {r["label"]: r for r in rows}
    ours, base = by.get(a.ours), by.get(a.base)
    checks = []
    if ours and base:
        if a.rps_target is not None and ours["rps"] and base["rps"]:
            x = ours["rps"] / base["rps"]
            checks.append("requests/s %s / %s = %.2f (target >= %.2f: %s)" %
                          (a.ours, a.base, x, a.rps_target, verdict(x >= a.rps_target)))
        if a.cpu_target is not None and ours["cpu_us"] and base["cpu_us"]:
            x = ours["cpu_us"] / base["cpu_us"]
            checks.append("CPU/request %s / %s = %.2f (target <= %.2f: %s)" %
                          (a.ours, a.base, x, a.cpu_target, verdict(x <= a.cpu_target)))
        if a.rss_target is not None and ours["rss_mb"] and base["rss_mb"]:
            x = ours["rss_mb"] / base["rss_mb"]
            checks.append("max RSS %s / %s = %.2f (target <= %.2f: %s)" %
                          (a.ours, a.base, x, a.rss_target, verdict(x <= a.rss_target)))
    if ours and a.extra_target is not None and ours["extra"] is not None:
        checks.append("%s %s = %.2f (target <= %.2f: %s)" %
                      (a.ours, a.extra_name, ours["extra"], a.extra_target,
                       verdict(ours["extra"] <= a.extra_target)))
    if ours and a.rate_target is not None and ours["rps"]:
        dev = ours["rps"] / a.rate_target - 1
        checks.append("achieved %s/s of %s/s target: %+.2f%% (target within +-%.0f%%: %s)" %
                      (format(ours["rps"], ",.0f"), format(a.rate_target, ",.0f"), 100 * dev,
                       100 * a.rate_tol, verdict(abs(dev) <= a.rate_tol)))
    for c in checks:
        print("  " + c)
    if ours and base and (a.rps_target is not None or a.cpu_target is not None):
        paired = paired_ratios(load_runs(a.tsv, a.section), a.ours, a.base)
        if len(paired) > 1:
            rr = [p[0] for p in paired]
            cr = [p[1] for p in paired if p[1] is not None]
            line = ("  paired by round (median of %d per-round ratios): requests/s %.2f (%.2f .. %.2f)" %
                    (len(paired), med(rr), min(rr), max(rr)))
            if cr:
                line += ", CPU/request %.2f (%.2f .. %.2f)" % (med(cr), min(cr), max(cr))
            print(line)
    noisy = [r["others"] for r in rows if r["others"] is not None]
    if a.checks_only:
        noisy = []  # counts (syscalls per request) do not depend on other jobs
    if noisy and max(noisy) > 25 and ours and base and (a.rps_target or a.cpu_target):
        # The same ratios over the quiet runs only, when both sides have some.
        quiet = [r for r in load_runs(a.tsv, a.section)
                 if fnum(r["others_pct"]) is not None and fnum(r["others_pct"]) < QUIET_PCT]
        qrows = {r["label"]: r for r in summarise(quiet)} if quiet else {}
        qo, qb = qrows.get(a.ours), qrows.get(a.base)
        if qo and qb and qo["rps"] and qb["rps"] and qo["cpu_us"] and qb["cpu_us"]:
            print("  quiet runs only (other jobs < %d%% of a CPU; %d of %s, %d of %s): "
                  "requests/s ratio %.2f, CPU/request ratio %.2f (%.2f vs %.2f us)" %
                  (QUIET_PCT, qo["rounds"], a.ours, qb["rounds"], a.base, qo["rps"] / qb["rps"],
                   qo["cpu_us"] / qb["cpu_us"], qo["cpu_us"], qb["cpu_us"]))
        else:
            print("  (no quiet run of both %s and %s to compare)" % (a.ours, a.base))
    if noisy and max(noisy) > 25:
        print("  NOTE: other jobs used up to %.0f%% of a CPU during these runs (other%% column):"
              " the figures are noisy; rerun on a quiet machine before trusting a ratio" %
              max(noisy))
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "freeport" and not args:
        freeport()
        return 0
    if cmd == "status" and len(args) in (1, 2):
        return status(*args)
    if cmd == "cpu-snap" and len(args) == 1:
        return cpu_snap(args[0])
    if cmd == "others-pct" and len(args) == 4:
        return others_pct(*args)
    if cmd == "cpu-busy" and len(args) <= 1:
        return cpu_busy(*args)
    if cmd == "wait-ready" and len(args) == 2:
        return wait_ready(args[0], args[1])
    if cmd == "own-count" and len(args) == 2:
        return own_count(args[0], args[1])
    if cmd == "strace-total" and len(args) in (1, 2):
        return strace_total(*args)
    if cmd == "syscalls-per-request" and len(args) == 2:
        return syscalls_per_request(*args)
    if cmd == "lc-summary" and len(args) == 1:
        return lc_summary(args[0])
    if cmd == "table":
        return table(args)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
