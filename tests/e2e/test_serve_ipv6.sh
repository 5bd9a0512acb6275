#!/usr/bin/env bash
# loadcell serve listens on IPv6 ([::1]:PORT) and prints the bracketed address.
source "$(dirname "$0")/serve_lib.sh"
if ! python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
    echo "SKIP: this machine has no IPv6 loopback (::1)"
    exit 0
fi
serve_start --listen '[::1]:0'
case "$SERVE_URL" in
    http://\[::1\]:*) echo "ok   address line names [::1]: $SERVE_URL" ;;
    *) echo "FAIL address line: $SERVE_URL"; exit 1 ;;
esac
client --host ::1 basic
serve_stop
