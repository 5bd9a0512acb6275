/* Client TLS over non-blocking sockets with OpenSSL: context, connections, sessions, failures. */
#include "net/tls_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/*
 * The context every worker's connections are made from. Read-only after
 * lc_tls_client_new (OpenSSL's SSL_new on a shared SSL_CTX is thread-safe).
 */
struct lc_tls_client {
    SSL_CTX *ctx;
    char *sni; /* NULL for an IP literal (SNI carries names only) */
};

/* A connection is its SSL object: no wrapper, no extra allocation. */
static SSL *ssl_of(struct lc_tls_conn *t)
{
    return (SSL *)t;
}

int lc_tls_version_parse(const char *text, int *out, struct lc_error *err)
{
    const char *v = text;
    if (strncasecmp(v, "tlsv", 4) == 0)
        v += 4;
    else if (strncasecmp(v, "tls", 3) == 0)
        v += 3;
    if (strcmp(v, "1.2") == 0) {
        *out = LC_TLS_V1_2;
        return 0;
    }
    if (strcmp(v, "1.3") == 0) {
        *out = LC_TLS_V1_3;
        return 0;
    }
    return lc_error_set(err, LC_EINVAL, "TLS version must be 1.2 or 1.3, not '%s'", text);
}

const char *lc_tls_version_name(int version)
{
    return version == LC_TLS_V1_3 ? "1.3" : "1.2";
}

int lc_tls_client_options_check(const struct lc_tls_client_options *opt, struct lc_error *err)
{
    if (opt->cert && !opt->key)
        return lc_error_set(err, LC_EINVAL,
                            "a client certificate needs its private key: add --key FILE "
                            "(tls.key in a scenario)");
    if (opt->key && !opt->cert)
        return lc_error_set(err, LC_EINVAL,
                            "a private key needs its client certificate: add --cert FILE "
                            "(tls.cert in a scenario)");
    if (opt->min_version != 0 && opt->min_version != LC_TLS_V1_2 && opt->min_version != LC_TLS_V1_3)
        return lc_error_set(err, LC_EINVAL, "TLS version must be 1.2 or 1.3");
    return 0;
}

/* Keep the newest session the server hands out in the connection's slot (we take ownership). */
static int new_session(SSL *ssl, SSL_SESSION *sess)
{
    struct lc_tls_session_slot *slot = SSL_get_app_data(ssl);
    if (!slot)
        return 0;
    if (slot->session)
        SSL_SESSION_free(slot->session);
    slot->session = sess;
    return 1;
}

/* Check a file is readable before OpenSSL's less helpful messages. */
static int readable(const char *what, const char *path, struct lc_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return lc_error_set(err, LC_EINVAL, "%s '%s' is a directory: give a PEM file", what, path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return lc_error_set(err, LC_EINVAL, "cannot read %s '%s': %s", what, path, strerror(errno));
    fclose(f);
    return 0;
}

static int ctx_fail(struct lc_error *err, const char *what, const char *path)
{
    char why[256];
    lc_tls_error_text(why, sizeof(why), "not a valid PEM file");
    return lc_error_set(err, LC_EINVAL, "%s '%s': %s", what, path, why);
}

static int set_verify(SSL_CTX *ctx, const struct lc_tls_client_options *opt, const char *host,
                      struct lc_error *err)
{
    if (opt->insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return 0;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (opt->cacert) {
        int rc = readable("CA file", opt->cacert, err);
        if (rc != 0)
            return rc;
        if (SSL_CTX_load_verify_locations(ctx, opt->cacert, NULL) != 1)
            return ctx_fail(err, "CA file", opt->cacert);
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        return ctx_fail(err, "the system CA store", "default");
    }
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    unsigned char ip[16];
    int is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host)
                   : X509_VERIFY_PARAM_set1_host(param, host, 0);
    if (ok != 1)
        return lc_error_set(err, LC_EINVAL, "cannot verify host name '%s'", host);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return 0;
}

static int no_passphrase(char *buf, int size, int rwflag, void *userdata)
{
    (void)buf, (void)size, (void)rwflag, (void)userdata;
    return -1;
}

static int set_client_cert(SSL_CTX *ctx, const struct lc_tls_client_options *opt,
                           struct lc_error *err)
{
    int rc = readable("client certificate", opt->cert, err);
    if (rc == 0)
        rc = readable("client key", opt->key, err);
    if (rc != 0)
        return rc;
    if (SSL_CTX_use_certificate_chain_file(ctx, opt->cert) != 1)
        return ctx_fail(err, "client certificate", opt->cert);
    /* Never prompt for a passphrase on the terminal: an encrypted key fails. */
    SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
    if (SSL_CTX_use_PrivateKey_file(ctx, opt->key, SSL_FILETYPE_PEM) != 1) {
        unsigned long e = ERR_peek_last_error();
        ERR_clear_error();
        if (ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
            return lc_error_set(err, LC_EINVAL, "client key '%s' does not match certificate '%s'",
                                opt->key, opt->cert);
        return lc_error_set(err, LC_EINVAL,
                            "client key '%s' is not an unencrypted PEM private key (decrypt it "
                            "with: openssl pkey -in KEY -out PLAIN.key)",
                            opt->key);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        return lc_error_set(err, LC_EINVAL, "client key '%s' does not match certificate '%s'",
                            opt->key, opt->cert);
    }
    return 0;
}

int lc_tls_client_new(const struct lc_tls_client_options *opt, const char *host,
                      struct lc_tls_client **out, struct lc_error *err)
{
    static const unsigned char alpn[] = "\x08http/1.1";
    *out = NULL;
    int rc = lc_tls_client_options_check(opt, err);
    if (rc == 0)
        rc = lc_tls_init(err);
    if (rc != 0)
        return rc;
    struct lc_tls_client *cl = calloc(1, sizeof(*cl));
    if (!cl)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    cl->ctx = SSL_CTX_new(TLS_client_method());
    if (!cl->ctx) {
        rc = lc_error_set(err, LC_ENOMEM, "cannot create a TLS context");
        goto fail;
    }
    int min = opt->min_version == LC_TLS_V1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(cl->ctx, min);
    /* Partial writes: a write returns what went out (our buffers never move). */
    SSL_CTX_set_mode(cl->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* Read ahead: a read takes what the socket has (fewer system calls); the
     * worker drains what was read ahead (lc_tls_conn_pending). */
    SSL_CTX_set_read_ahead(cl->ctx, 1);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    /* HTTP frames its own bodies: an EOF without close_notify is a plain close. */
    SSL_CTX_set_options(cl->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    if (SSL_CTX_set_alpn_protos(cl->ctx, alpn, sizeof(alpn) - 1) != 0) {
        rc = lc_error_set(err, LC_ENOMEM, "cannot set ALPN");
        goto fail;
    }
    /* Sessions are kept by the caller (one slot per worker), not in a shared cache. */
    SSL_CTX_set_session_cache_mode(cl->ctx,
                                   SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(cl->ctx, new_session);
    rc = set_verify(cl->ctx, opt, host, err);
    if (rc == 0 && opt->cert)
        rc = set_client_cert(cl->ctx, opt, err);
    if (rc != 0)
        goto fail;
    unsigned char ip[16];
    if (inet_pton(AF_INET, host, ip) != 1 && inet_pton(AF_INET6, host, ip) != 1) {
        cl->sni = strdup(host);
        if (!cl->sni) {
            rc = lc_error_set(err, LC_ENOMEM, "out of memory");
            goto fail;
        }
    }
    *out = cl;
    return 0;
fail:
    ERR_clear_error();
    lc_tls_client_free(cl);
    return rc;
}

void lc_tls_client_free(struct lc_tls_client *cl)
{
    if (!cl)
        return;
    SSL_CTX_free(cl->ctx);
    free(cl->sni);
    free(cl);
}

struct lc_tls_conn *lc_tls_conn_new(struct lc_tls_client *cl, int fd,
                                    struct lc_tls_session_slot *slot)
{
    SSL *s = SSL_new(cl->ctx);
    if (!s)
        goto fail;
    if (SSL_set_fd(s, fd) != 1 || (cl->sni && SSL_set_tlsext_host_name(s, cl->sni) != 1))
        goto fail;
    SSL_set_connect_state(s);
    SSL_set_app_data(s, slot);
    if (slot && slot->session && SSL_SESSION_is_resumable(slot->session))
        (void)SSL_set_session(s, slot->session); /* a failure only costs a full handshake */
    return (struct lc_tls_conn *)s;
fail:
    ERR_clear_error();
    SSL_free(s);
    return NULL;
}

void lc_tls_conn_free(struct lc_tls_conn *t)
{
    if (!t)
        return;
    SSL *s = ssl_of(t);
    /* Marked as shut down, SSL_free leaves the session resumable without
     * sending close_notify (curl and h2load also close without waiting). */
    SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(s);
}

int lc_tls_conn_pending(const struct lc_tls_conn *t)
{
    return SSL_has_pending((const SSL *)t);
}

int lc_tls_conn_resumed(const struct lc_tls_conn *t)
{
    return SSL_session_reused((SSL *)t) == 1;
}

void lc_tls_session_slot_clear(struct lc_tls_session_slot *slot)
{
    if (slot->session)
        SSL_SESSION_free(slot->session);
    slot->session = NULL;
}

static int has_reason(unsigned long lib_error, int reason)
{
    return lib_error != 0 && ERR_GET_LIB(lib_error) == ERR_LIB_SSL &&
           ERR_GET_REASON(lib_error) == reason;
}

int lc_tls_classify(int ssl_error, unsigned long lib_error, long verify_code, int sys_errno,
                    int in_handshake)
{
    static const int version_reasons[] = {
        SSL_R_UNSUPPORTED_PROTOCOL,   SSL_R_TLSV1_ALERT_PROTOCOL_VERSION,
        SSL_R_NO_PROTOCOLS_AVAILABLE, SSL_R_VERSION_TOO_LOW,
        SSL_R_VERSION_TOO_HIGH,       SSL_R_UNSUPPORTED_SSL_VERSION,
    };
    /* Alerts about certificates: in TLS 1.3 a rejected client certificate
     * arrives after the client finished its side of the handshake. */
    static const int cert_alerts[] = {
        SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED, SSL_R_SSLV3_ALERT_BAD_CERTIFICATE,
        SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE,     SSL_R_TLSV1_ALERT_UNKNOWN_CA,
        SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN,   SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED,
        SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED,   SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE,
        SSL_R_TLSV1_ALERT_ACCESS_DENIED,
    };
    if (ssl_error == SSL_ERROR_SSL) {
        if (has_reason(lib_error, SSL_R_CERTIFICATE_VERIFY_FAILED) && verify_code != X509_V_OK)
            return LC_TLS_FAIL_VERIFY;
        for (size_t i = 0; i < sizeof(version_reasons) / sizeof(version_reasons[0]); i++)
            if (has_reason(lib_error, version_reasons[i]))
                return LC_TLS_FAIL_VERSION;
        for (size_t i = 0; i < sizeof(cert_alerts) / sizeof(cert_alerts[0]); i++)
            if (has_reason(lib_error, cert_alerts[i]))
                return LC_TLS_FAIL_HANDSHAKE;
    }
    if (ssl_error == SSL_ERROR_SYSCALL && (sys_errno == ECONNRESET || sys_errno == EPIPE))
        return LC_TLS_FAIL_RESET;
    return in_handshake ? LC_TLS_FAIL_HANDSHAKE : LC_TLS_FAIL_IO;
}

const char *lc_tls_fail_kind_name(int kind)
{
    static const char *const names[LC_TLS_FAIL_COUNT] = {
        [LC_TLS_FAIL_HANDSHAKE] = "tls_handshake",
        [LC_TLS_FAIL_VERIFY] = "tls_verify",
        [LC_TLS_FAIL_VERSION] = "tls_version",
        [LC_TLS_FAIL_RESET] = "reset",
        [LC_TLS_FAIL_IO] = "tls_error",
    };
    return kind >= 0 && kind < LC_TLS_FAIL_COUNT ? names[kind] : "tls_error";
}

const char *lc_tls_verify_reason(long verify_code)
{
    return X509_verify_cert_error_string(verify_code);
}

/* Fill f from the SSL object's state after a failed step, and clear the error queue. */
static void failed(SSL *s, int ssl_error, int sys_errno, struct lc_tls_failure *f)
{
    f->lib_error = ERR_peek_error();
    f->sys_errno = ssl_error == SSL_ERROR_SYSCALL ? sys_errno : 0;
    f->verify_code = SSL_get_verify_result(s);
    f->kind = lc_tls_classify(ssl_error, f->lib_error, f->verify_code, f->sys_errno,
                              !SSL_is_init_finished(s));
    if (f->kind != LC_TLS_FAIL_VERIFY)
        f->verify_code = X509_V_OK;
    ERR_clear_error();
}

int lc_tls_conn_handshake(struct lc_tls_conn *t, struct lc_tls_failure *f)
{
    SSL *s = ssl_of(t);
    ERR_clear_error(); /* SSL_get_error needs an empty queue; once per connection */
    int r = SSL_do_handshake(s);
    if (r == 1)
        return LC_TLS_OK;
    int e = SSL_get_error(s, r);
    int sys = errno;
    if (e == SSL_ERROR_WANT_READ)
        return LC_TLS_WANT_READ;
    if (e == SSL_ERROR_WANT_WRITE)
        return LC_TLS_WANT_WRITE;
    if (e == SSL_ERROR_SYSCALL && sys == EINTR)
        return LC_TLS_WANT_READ;
    failed(s, e, sys, f);
    return LC_TLS_ERROR;
}

ssize_t lc_tls_conn_read(struct lc_tls_conn *t, void *buf, size_t len, struct lc_tls_failure *f)
{
    SSL *s = ssl_of(t);
    int n = SSL_read(s, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (n > 0)
        return n;
    int e = SSL_get_error(s, n);
    int sys = errno;
    switch (e) {
    case SSL_ERROR_WANT_READ:
        return LC_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return LC_TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return LC_TLS_CLOSED;
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0 && (n == 0 || sys == 0))
            return LC_TLS_CLOSED; /* end of stream without close_notify */
        if (sys == EINTR)
            return LC_TLS_WANT_READ;
        break;
    default:
        break;
    }
    if (has_reason(ERR_peek_error(), SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
        ERR_clear_error();
        return LC_TLS_CLOSED;
    }
    failed(s, e, sys, f);
    return LC_TLS_ERROR;
}

ssize_t lc_tls_conn_write(struct lc_tls_conn *t, const void *buf, size_t len,
                          struct lc_tls_failure *f)
{
    SSL *s = ssl_of(t);
    int n = SSL_write(s, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (n > 0)
        return n;
    int e = SSL_get_error(s, n);
    int sys = errno;
    if (e == SSL_ERROR_WANT_WRITE || (e == SSL_ERROR_SYSCALL && sys == EINTR))
        return LC_TLS_WANT_WRITE;
    if (e == SSL_ERROR_WANT_READ)
        return LC_TLS_WANT_READ;
    failed(s, e, sys, f);
    return LC_TLS_ERROR;
}

const char *lc_tls_failure_describe(const struct lc_tls_failure *f, char *buf, size_t size)
{
    const char *reason = f->lib_error ? ERR_reason_error_string(f->lib_error) : NULL;
    switch (f->kind) {
    case LC_TLS_FAIL_VERIFY:
        snprintf(buf, size,
                 "TLS certificate verification failed: %s (give the server's CA with --cacert "
                 "FILE, or skip the check with --insecure)",
                 lc_tls_verify_reason(f->verify_code));
        break;
    case LC_TLS_FAIL_VERSION:
        snprintf(buf, size,
                 "TLS version mismatch: %s (the server accepts no version from --tls-min on)",
                 reason ? reason : "no common protocol version");
        break;
    case LC_TLS_FAIL_HANDSHAKE:
        if (has_reason(f->lib_error, SSL_R_WRONG_VERSION_NUMBER) ||
            has_reason(f->lib_error, SSL_R_PACKET_LENGTH_TOO_LONG))
            snprintf(buf, size,
                     "TLS handshake failed: %s (does the server speak TLS on this port? use "
                     "http:// for plain HTTP)",
                     reason ? reason : "not TLS");
        else if (has_reason(f->lib_error, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED))
            snprintf(buf, size,
                     "TLS handshake failed: %s (the server wants a client certificate: give "
                     "--cert FILE --key FILE)",
                     reason);
        else if (reason)
            snprintf(buf, size, "TLS handshake failed: %s", reason);
        else if (f->sys_errno)
            snprintf(buf, size, "TLS handshake failed: %s", strerror(f->sys_errno));
        else
            snprintf(buf, size, "TLS handshake failed: the server closed the connection");
        break;
    case LC_TLS_FAIL_RESET:
        snprintf(buf, size, "TLS connection reset: %s", strerror(f->sys_errno));
        break;
    default:
        snprintf(buf, size, "TLS error: %s",
                 reason ? reason : (f->sys_errno ? strerror(f->sys_errno) : "unknown"));
        break;
    }
    return buf;
}
