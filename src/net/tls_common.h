/* What the TLS client and server share: OpenSSL set-up, step outcomes, error text. */
#ifndef LC_NET_TLS_COMMON_H
#define LC_NET_TLS_COMMON_H

#include <stddef.h>

#include "core/error.h"

/*
 * The outcome of a non-blocking TLS step (handshake, read, write) that moved
 * no bytes. Read and write return a byte count > 0 or one of these.
 */
enum lc_tls_status {
    LC_TLS_OK = 0,          /* the step finished (a handshake) */
    LC_TLS_WANT_READ = -1,  /* call again once the socket is readable */
    LC_TLS_WANT_WRITE = -2, /* call again once the socket is writable */
    LC_TLS_CLOSED = -3,     /* the peer closed the connection (close_notify or end of stream) */
    LC_TLS_ERROR = -4       /* a protocol or system error: the connection is unusable */
};

/*
 * Initialise OpenSSL (once per process; any thread may call it, any number of
 * times). Returns 0, or LC_ENOMEM with a message in err.
 */
int lc_tls_init(struct lc_error *err) LC_WARN_UNUSED;

/*
 * Drain the calling thread's OpenSSL error queue into buf as one line
 * ("reason; reason"), or copy `fallback` there when the queue is empty.
 * Writes at most size bytes including the NUL; returns buf.
 */
const char *lc_tls_error_text(char *buf, size_t size, const char *fallback);

/* The version of the TLS library this binary runs with ("3.0.19"), for `loadcell version`. */
const char *lc_tls_library_version(void);

#endif
