#!/usr/bin/env bash
# --stall STALL/PERIOD: requests arriving during the first STALL of each PERIOD
# (counted from the server's start) are answered when the stall ends; the others
# at once. Requests go out at a steady pace (open loop), so they land all over
# each stall. The client learns the server's start from /stats uptime_s.
source "$(dirname "$0")/serve_lib.sh"
serve_start --listen 127.0.0.1:0 --stall 300ms/1s
retry_once client stall --stall 300ms/1s --duration 3.5 --interval 0.01 --conns 80
serve_stop
