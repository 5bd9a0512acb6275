/*
 * Client TLS for the load engine (OpenSSL): a context made once from the
 * options, one SSL object per connection (made at connect, never per
 * request), non-blocking handshake, read and write that answer with bytes or
 * an lc_tls_status, failures classified into kinds, and one saved session
 * per worker reused across reconnects.
 */
#ifndef LC_NET_TLS_CLIENT_H
#define LC_NET_TLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"
#include "net/tls_common.h"

/* Lowest protocol version to offer. */
enum lc_tls_version {
    LC_TLS_V1_2 = 12, /* the default */
    LC_TLS_V1_3 = 13
};

/* What a client context is made from; the strings are only read during lc_tls_client_new. */
struct lc_tls_client_options {
    bool insecure;      /* skip certificate and name verification */
    const char *cacert; /* PEM file of trusted CAs; NULL: the system store */
    const char *cert;   /* PEM client certificate (chain); needs key */
    const char *key;    /* PEM private key of cert */
    int min_version;    /* enum lc_tls_version; 0: LC_TLS_V1_2 */
};

/* How a TLS connection failed (enum order is stable: it indexes tables). */
enum lc_tls_fail_kind {
    LC_TLS_FAIL_HANDSHAKE, /* the handshake failed (alerts, no common cipher, not TLS, ...) */
    LC_TLS_FAIL_VERIFY,    /* the server's certificate did not verify */
    LC_TLS_FAIL_VERSION,   /* no protocol version both sides accept */
    LC_TLS_FAIL_RESET,     /* the transport was reset (errno ECONNRESET or EPIPE) */
    LC_TLS_FAIL_IO,        /* another transport or protocol error after the handshake */
    LC_TLS_FAIL_COUNT
};

/* A failure's detail: enough to classify and to explain it later (plain data, no ownership). */
struct lc_tls_failure {
    int kind;                /* enum lc_tls_fail_kind */
    int sys_errno;           /* for RESET and IO from the socket; 0 otherwise */
    unsigned long lib_error; /* OpenSSL's packed error code (ERR_peek_error), 0 when none */
    long verify_code;        /* X509_V_ERR_* for VERIFY; 0 (X509_V_OK) otherwise */
};

struct lc_tls_client; /* shared read-only by every worker thread once made */
struct lc_tls_conn;   /* one connection's TLS state; one thread only */

/* A worker's saved session: the last one the server offered, reused by its next connects. */
struct lc_tls_session_slot {
    void *session; /* SSL_SESSION *, owned; NULL when none yet */
};

/*
 * Parse "1.2" or "1.3" (also "tls1.2", "TLSv1.3") into *out. Returns 0 or
 * LC_EINVAL with a message naming the accepted values.
 */
int lc_tls_version_parse(const char *text, int *out, struct lc_error *err) LC_WARN_UNUSED;

/* "1.2" or "1.3". */
const char *lc_tls_version_name(int version);

/*
 * Check options before any file is read: a key without a certificate or the
 * reverse, an unknown version. Returns 0 or LC_EINVAL with the fix in err.
 */
int lc_tls_client_options_check(const struct lc_tls_client_options *opt,
                                struct lc_error *err) LC_WARN_UNUSED;

/*
 * Make a client context for server `host` (a name, or an IPv4/IPv6 literal
 * without brackets): SNI with the name (never an IP literal), ALPN
 * "http/1.1", verification against the system store or opt->cacert with the
 * host name or IP checked, unless opt->insecure. Returns 0 with *out (free
 * with lc_tls_client_free), or LC_EINVAL (a file that cannot be read, a key
 * that does not match the certificate: err names the file and why) or
 * LC_ENOMEM.
 */
int lc_tls_client_new(const struct lc_tls_client_options *opt, const char *host,
                      struct lc_tls_client **out, struct lc_error *err) LC_WARN_UNUSED;

/* Free a context (after every connection made from it is freed). NULL is a no-op. */
void lc_tls_client_free(struct lc_tls_client *cl);

/*
 * Start TLS on connected socket fd: a new SSL object that offers the session
 * in `slot` (when there is one) and saves the sessions the server hands out
 * there. The slot must outlive the connection. Returns the connection or
 * NULL (out of memory).
 */
struct lc_tls_conn *lc_tls_conn_new(struct lc_tls_client *cl, int fd,
                                    struct lc_tls_session_slot *slot);

/*
 * Free a connection's TLS state (not the socket). No close_notify is sent
 * (closing costs no extra system call) and the session stays resumable.
 * NULL is a no-op.
 */
void lc_tls_conn_free(struct lc_tls_conn *t);

/*
 * Whether bytes the library already took from the socket wait to be read
 * (records read ahead): the socket may not signal them again.
 */
int lc_tls_conn_pending(const struct lc_tls_conn *t);

/*
 * Drive the handshake. Returns LC_TLS_OK (done), LC_TLS_WANT_READ,
 * LC_TLS_WANT_WRITE, or LC_TLS_ERROR with *f filled.
 */
int lc_tls_conn_handshake(struct lc_tls_conn *t, struct lc_tls_failure *f) LC_WARN_UNUSED;

/* After the handshake: was the session resumed (1) or a full handshake (0)? */
int lc_tls_conn_resumed(const struct lc_tls_conn *t);

/*
 * Read up to len bytes. Returns the bytes read (> 0), LC_TLS_WANT_READ,
 * LC_TLS_WANT_WRITE, LC_TLS_CLOSED (the peer closed, with or without
 * close_notify), or LC_TLS_ERROR with *f filled.
 */
ssize_t lc_tls_conn_read(struct lc_tls_conn *t, void *buf, size_t len, struct lc_tls_failure *f);

/*
 * Write up to len bytes (a retry after WANT_* must pass the same bytes).
 * Returns the bytes written (> 0), LC_TLS_WANT_READ, LC_TLS_WANT_WRITE, or
 * LC_TLS_ERROR with *f filled.
 */
ssize_t lc_tls_conn_write(struct lc_tls_conn *t, const void *buf, size_t len,
                          struct lc_tls_failure *f);

/* Free a slot's session. */
void lc_tls_session_slot_clear(struct lc_tls_session_slot *slot);

/*
 * Classify an OpenSSL failure (pure, for tests): ssl_error from SSL_get_error,
 * lib_error from ERR_peek_error, verify_code from SSL_get_verify_result,
 * sys_errno for SSL_ERROR_SYSCALL, in_handshake whether the handshake had not
 * finished. Returns an enum lc_tls_fail_kind.
 */
int lc_tls_classify(int ssl_error, unsigned long lib_error, long verify_code, int sys_errno,
                    int in_handshake);

/* The stable result name of a kind: "tls_handshake", "tls_verify", "tls_version", ... */
const char *lc_tls_fail_kind_name(int kind);

/* OpenSSL's text for an X509_V_ERR_* code ("certificate has expired"). */
const char *lc_tls_verify_reason(long verify_code);

/*
 * One line explaining f for a person, with the fix where there is one, e.g.
 * "TLS certificate verification failed: self-signed certificate in
 * certificate chain (trust its CA with --cacert FILE, or skip the check with
 * --insecure)". Returns buf.
 */
const char *lc_tls_failure_describe(const struct lc_tls_failure *f, char *buf, size_t size);

#endif
