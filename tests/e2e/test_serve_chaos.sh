#!/usr/bin/env bash
# --chaos: each kind alone does what the help says (the client sees the reset, the
# truncated body, the malformed status line, >= 64 KB of headers, no answer, a
# trickle), and a mix makes one draw per request whose outcomes match /stats exactly.
source "$(dirname "$0")/serve_lib.sh"
serve_start --listen 127.0.0.1:0 --seed 3 \
    --route '/reset:chaos=reset=100%' \
    --route '/close-mid-body:chaos=close-mid-body=100%;body=1000' \
    --route '/bad-status:chaos=bad-status=100%' \
    --route '/huge-headers:chaos=huge-headers=100%' \
    --route '/no-answer:chaos=no-answer=100%' \
    --route '/trickle:chaos=trickle=100%' \
    --route '/plain' \
    --route '/mix:chaos=reset=10%,close-mid-body=10%,bad-status=10%,huge-headers=10%,no-answer=10%,trickle=10%'
client chaos -n 600 --rate 0.10 --workers 24
serve_stop
