#!/usr/bin/env bash
# --latency: for each distribution the client-measured median and p99 are within
# max(5%, 1 ms) of the theoretical values. Seeded, and each distribution runs
# alone, so the server draws the same samples every run. Delays are ~100 ms so
# that scheduling noise on a shared 2-core machine stays well inside 5%.
source "$(dirname "$0")/serve_lib.sh"
serve_start --listen 127.0.0.1:0 --seed 11 \
    --route '/fixed:latency=fixed:200ms' \
    --route '/uniform:latency=uniform:50ms..150ms' \
    --route '/normal:latency=normal:100ms,15ms' \
    --route '/lognormal:latency=lognormal:100ms,0.25' \
    --route '/exp:latency=exp:100ms' \
    --route '/mix:latency=90%fixed:100ms,10%fixed:400ms'
retry_once client latency --conc 200 \
    --check '/fixed=fixed:200ms=1000' \
    --check '/uniform=uniform:50ms..150ms=2000' \
    --check '/normal=normal:100ms,15ms=2000' \
    --check '/mix=90%fixed:100ms,10%fixed:400ms=2000'
# lognormal and exponential tails need more samples for a steady p99.
retry_once client latency --conc 500 \
    --check '/lognormal=lognormal:100ms,0.25=6000' \
    --check '/exp=exp:100ms=20000'
serve_stop
