#!/usr/bin/env python3
"""Print fields of a loadcell Result JSON for e2e tests.

usage: result_field.py FILE EXPR...   where EXPR is a Python expression over `r`
(the parsed JSON), `phase(name)`, `total` (= r['totals']['stats']) and
`pct(stats, hist, p)` (a percentile in ms, e.g. pct(total, 'latency', 99)); each prints on its own line.
"""
import json
import sys


def main():
    r = json.load(open(sys.argv[1]))
    total = r["totals"]["stats"]

    def phase(name):
        return next(p for p in r["phases"] if p["name"] == name)

    def pct(stats, hist, p):
        return stats[hist]["p" + str(p).replace(".", "_") + "_ms"]

    env = {"r": r, "total": total, "phase": phase, "pct": pct}
    for expr in sys.argv[2:]:
        print(eval(expr, env))


main()
