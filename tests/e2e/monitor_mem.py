#!/usr/bin/env python3
"""Processes with known resource behaviour for the `loadcell monitor` e2e tests.

usage: monitor_mem.py MODE SECONDS
  leak    keep 1 MB more every 100 ms (steady growth, 10 MB/s)
  hold    after 0.5 s allocate 30 MB at once, then hold it (a one-time step)
  plateau keep 1 MB more every 100 ms for 1 s, then hold (growth that stops)
  flat    allocate nothing
  busy    spin on the CPU (one core)
It prints "started" once its baseline is in place and exits after SECONDS.
"""
import sys
import time


def main():
    mode, seconds = sys.argv[1], float(sys.argv[2])
    start = time.monotonic()
    end = start + seconds
    kept = []
    print("started", flush=True)
    if mode == "busy":
        x = 0
        while time.monotonic() < end:
            for i in range(10000):
                x += i
        return
    while time.monotonic() < end:
        t = time.monotonic() - start
        if mode == "leak" or (mode == "plateau" and t < 1.0):
            kept.append(b"x" * 1048576)  # filled, so every page is resident
        elif mode == "hold" and t >= 0.5 and not kept:
            kept.append(b"x" * (30 * 1048576))
        time.sleep(0.1)


main()
