#!/usr/bin/env bash
# 10,000 delayed requests in flight at once (100 connections x 100 pipelined,
# 500 ms each) are all answered about 500 ms later: delays are loop timers.
source "$(dirname "$0")/serve_lib.sh"
serve_start --listen 127.0.0.1:0 --route '/slow:latency=fixed:500ms'
client inflight -n 10000 --conns 100 --delay 500ms
serve_stop
