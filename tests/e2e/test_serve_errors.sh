#!/usr/bin/env bash
# --error-rate: the share of errors is within binomial tolerance over 4000 requests,
# --error-status picks the status, and /stats counts requests, statuses, routes,
# connections and bytes exactly as the client sent and saw them.
source "$(dirname "$0")/serve_lib.sh"
serve_start --listen 127.0.0.1:0 --error-rate 10%
client errors --path /any -n 4000 --conc 40 --rate 0.10 --status 500
serve_stop

# Per route, with another status, on 3 threads: /stats sums every thread's counters.
serve_start --listen 127.0.0.1:0 --threads 3 --route '/q:error-rate=2.5%;error-status=503'
client errors --path /q --route /q -n 4000 --conc 40 --rate 0.025 --status 503
serve_stop
