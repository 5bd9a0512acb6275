#!/usr/bin/env bash
# loadcell serve speaks HTTP/1.1: pipelining in order, request bodies (Content-Length,
# chunked, split reads, 100-continue), keep-alive vs close, HTTP/1.0, HEAD, chunked
# answers, body ranges, prefix routes, 400 on garbage, /stats and its reset.
source "$(dirname "$0")/serve_lib.sh"
serve_start --listen 127.0.0.1:0 --seed 1 \
    --route '/slow:latency=fixed:100ms;status=203' \
    --route '/a:status=201;body=10' \
    --route '/b:status=202;body=3000' \
    --route '/chunked:chunked;body=100' \
    --route '/range:body=1KB..4KB' \
    --route '/pre/*:status=207'
client http
serve_stop
