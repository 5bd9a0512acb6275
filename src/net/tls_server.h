/*
 * Server-side TLS (OpenSSL): a context made once from PEM files and shared by
 * every server thread, and the non-blocking steps of one accepted connection
 * (handshake, read, write, close_notify). Steps return a byte count or an
 * enum lc_tls_status (net/tls_common.h); none of them blocks or prints.
 */
#ifndef LC_NET_TLS_SERVER_H
#define LC_NET_TLS_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"
#include "net/tls_common.h"

/* The files of a server context; lc_tls_server_create reads them and keeps no pointer. */
struct lc_tls_server_options {
    const char *cert_file;      /* PEM: the server certificate, then any intermediates */
    const char *key_file;       /* PEM: its private key, unencrypted */
    const char *client_ca_file; /* PEM CA certificates; when set, clients must present a
                                   certificate signed by one of them. NULL: none asked */
};

/* A server context (certificate, key, session cache and tickets, ALPN); opaque. */
struct lc_tls_server;

/* One connection's TLS state; opaque, used by one thread at a time. */
struct lc_tls_server_conn;

/*
 * Make a context from the files: TLS 1.2 and 1.3, ALPN "http/1.1", session
 * resumption by tickets and by a server-side session cache. Every failure
 * names the file and what is wrong with it: cannot open, not PEM, an
 * encrypted key, a key that does not match the certificate. Returns 0 (*out
 * is the context; free it with lc_tls_server_destroy), LC_EINVAL or LC_ENOMEM.
 */
int lc_tls_server_create(const struct lc_tls_server_options *opt, struct lc_tls_server **out,
                         struct lc_error *err) LC_WARN_UNUSED;

/* Free the context (after every connection made from it is freed). NULL is fine. */
void lc_tls_server_destroy(struct lc_tls_server *s);

/*
 * Start the server side of TLS on the accepted, non-blocking socket fd (the
 * caller keeps owning fd). Returns 0 (*out is the connection; free it with
 * lc_tls_server_conn_free) or LC_ENOMEM.
 */
int lc_tls_server_conn_new(struct lc_tls_server *s, int fd,
                           struct lc_tls_server_conn **out) LC_WARN_UNUSED;

/*
 * Take the handshake as far as the socket allows. Returns LC_TLS_OK when it
 * is complete, LC_TLS_WANT_READ / LC_TLS_WANT_WRITE (call again when the
 * socket is ready), LC_TLS_CLOSED or LC_TLS_ERROR.
 */
int lc_tls_server_handshake(struct lc_tls_server_conn *c);

/*
 * Read up to len decrypted bytes. Returns the count (> 0), LC_TLS_WANT_READ,
 * LC_TLS_WANT_WRITE (the read must send first: call again when writable),
 * LC_TLS_CLOSED (close_notify or the end of the stream) or LC_TLS_ERROR.
 */
ssize_t lc_tls_server_read(struct lc_tls_server_conn *c, void *buf, size_t len);

/*
 * Encrypt and send up to len bytes (len > 0); partial writes are allowed.
 * Returns the bytes sent (> 0), LC_TLS_WANT_WRITE, LC_TLS_WANT_READ or
 * LC_TLS_ERROR. After a WANT, the next call must start with the same bytes
 * (at least as many; the buffer may move).
 */
ssize_t lc_tls_server_write(struct lc_tls_server_conn *c, const void *buf, size_t len);

/* 1 when decrypted or received bytes wait inside the connection (the socket may look idle). */
int lc_tls_server_pending(const struct lc_tls_server_conn *c);

/* 1 when the completed handshake resumed an earlier session. */
int lc_tls_server_resumed(const struct lc_tls_server_conn *c);

/* Send close_notify once, without waiting (skipped after a fatal error). */
void lc_tls_server_shutdown(struct lc_tls_server_conn *c);

/* Free the connection's TLS state (not its socket). NULL is fine. */
void lc_tls_server_conn_free(struct lc_tls_server_conn *c);

#endif
