/*
 * Server-side TLS with OpenSSL: the context from PEM files (errors that name
 * the file), ALPN, session resumption, and thin non-blocking wrappers that
 * turn SSL_get_error into enum lc_tls_status.
 */
#include "net/tls_server.h"

#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Sessions of one server are resumable only with this context (any fixed bytes do). */
static const unsigned char session_context[] = "loadcell-serve";
/* ALPN wire format: length-prefixed names, ours in preference order. */
static const unsigned char alpn_ours[] = "\x08http/1.1";

struct lc_tls_server {
    SSL_CTX *ctx;
};

struct lc_tls_server_conn {
    SSL *ssl;
    int failed; /* a fatal error happened: no close_notify may follow */
};

/* ---- the context -------------------------------------------------------- */

/* Never ask for a passphrase on the terminal: an encrypted key is an error. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    unsigned char *chosen = NULL;
    unsigned char chosen_len = 0;
    (void)ssl;
    (void)arg;
    if (SSL_select_next_proto(&chosen, &chosen_len, alpn_ours, sizeof(alpn_ours) - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK; /* no http/1.1 offered: go on without ALPN */
    *out = chosen;
    *outlen = chosen_len;
    return SSL_TLSEXT_ERR_OK;
}

/* Check that path can be opened for reading; names it (as `what`) in err when not. */
static int check_readable(const char *what, const char *path, struct lc_error *err)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f)
        return lc_error_set(err, LC_EINVAL, "%s '%s': cannot open: %s", what, path,
                            strerror(errno));
    int dir = fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
    fclose(f);
    if (dir)
        return lc_error_set(err, LC_EINVAL, "%s '%s' is a directory; give a PEM file", what, path);
    return 0;
}

static int load_cert(SSL_CTX *ctx, const char *path, struct lc_error *err)
{
    char why[256];
    int rc = check_readable("TLS certificate", path, err);
    if (rc != 0)
        return rc;
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(ctx, path) != 1)
        return lc_error_set(err, LC_EINVAL,
                            "TLS certificate '%s' is not a usable PEM certificate (%s); expected "
                            "-----BEGIN CERTIFICATE----- blocks, the server's first",
                            path, lc_tls_error_text(why, sizeof(why), "unreadable"));
    return 0;
}

static int load_key(SSL_CTX *ctx, const char *key_path, const char *cert_path, struct lc_error *err)
{
    char why[256];
    int rc = check_readable("TLS key", key_path, err);
    if (rc != 0)
        return rc;
    FILE *f = fopen(key_path, "rb");
    if (!f)
        return lc_error_set(err, LC_EINVAL, "TLS key '%s': cannot open: %s", key_path,
                            strerror(errno));
    ERR_clear_error();
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
    fclose(f);
    if (!key) {
        unsigned long e = ERR_peek_last_error();
        int encrypted =
            ERR_GET_LIB(e) == ERR_LIB_PEM && (ERR_GET_REASON(e) == PEM_R_BAD_PASSWORD_READ ||
                                              ERR_GET_REASON(e) == PEM_R_BAD_DECRYPT);
        if (encrypted) {
            ERR_clear_error();
            return lc_error_set(err, LC_EINVAL,
                                "TLS key '%s' is encrypted; give an unencrypted key (openssl pkey "
                                "-in KEY -out PLAIN.key)",
                                key_path);
        }
        return lc_error_set(err, LC_EINVAL,
                            "TLS key '%s' is not a PEM private key (%s); expected -----BEGIN "
                            "PRIVATE KEY-----",
                            key_path, lc_tls_error_text(why, sizeof(why), "unreadable"));
    }
    ERR_clear_error();
    int ok = SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    EVP_PKEY_free(key);
    if (!ok) {
        ERR_clear_error();
        return lc_error_set(err, LC_EINVAL,
                            "TLS key '%s' does not match the certificate '%s'; give the key the "
                            "certificate was made for",
                            key_path, cert_path);
    }
    return 0;
}

static int load_client_ca(SSL_CTX *ctx, const char *path, struct lc_error *err)
{
    char why[256];
    int rc = check_readable("TLS client CA", path, err);
    if (rc != 0)
        return rc;
    ERR_clear_error();
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(path);
    if (!names || SSL_CTX_load_verify_locations(ctx, path, NULL) != 1) {
        if (names)
            sk_X509_NAME_pop_free(names, X509_NAME_free);
        return lc_error_set(err, LC_EINVAL,
                            "TLS client CA '%s' holds no PEM CA certificate (%s); expected "
                            "-----BEGIN CERTIFICATE----- blocks",
                            path, lc_tls_error_text(why, sizeof(why), "no certificate found"));
    }
    /* The CA names go into the CertificateRequest, so clients pick the right certificate. */
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    return 0;
}

int lc_tls_server_create(const struct lc_tls_server_options *opt, struct lc_tls_server **out,
                         struct lc_error *err)
{
    char why[256];
    struct lc_tls_server *s = NULL;
    int rc;
    *out = NULL;
    if (!opt->cert_file || !opt->key_file)
        return lc_error_set(err, LC_EINVAL, "TLS needs both a certificate and its key");
    rc = lc_tls_init(err);
    if (rc != 0)
        return rc;
    s = calloc(1, sizeof(*s));
    if (!s)
        return lc_error_set(err, LC_ENOMEM, "out of memory");
    ERR_clear_error();
    s->ctx = SSL_CTX_new(TLS_server_method());
    if (!s->ctx) {
        rc = lc_error_set(err, LC_ENOMEM, "cannot create a TLS context: %s",
                          lc_tls_error_text(why, sizeof(why), "out of memory"));
        goto fail;
    }
    SSL_CTX_set_default_passwd_cb(s->ctx, no_passphrase);
    if (SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION) != 1) {
        rc = lc_error_set(err, LC_ENOMEM, "cannot set the TLS versions");
        goto fail;
    }
    /*
     * No renegotiation (so a write never has to wait for a read); a peer that
     * closes without close_notify is a plain end of stream, as over TCP.
     */
    SSL_CTX_set_options(s->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                    SSL_OP_IGNORE_UNEXPECTED_EOF);
    /*
     * Partial writes: a write returns after each record, so a large answer
     * needs no buffer of its own. Moving buffer: a retried write may come from
     * another address holding the same bytes (the server stages them per thread).
     */
    SSL_CTX_set_mode(s->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* Resumption: tickets (on by default) and the server-side cache, both need the context id. */
    SSL_CTX_set_session_cache_mode(s->ctx, SSL_SESS_CACHE_SERVER);
    if (SSL_CTX_set_session_id_context(s->ctx, session_context, sizeof(session_context) - 1) != 1) {
        rc = lc_error_set(err, LC_ENOMEM, "cannot set the TLS session context");
        goto fail;
    }
    SSL_CTX_set_alpn_select_cb(s->ctx, alpn_select, NULL);
    rc = load_cert(s->ctx, opt->cert_file, err);
    if (rc != 0)
        goto fail;
    rc = load_key(s->ctx, opt->key_file, opt->cert_file, err);
    if (rc != 0)
        goto fail;
    if (opt->client_ca_file) {
        rc = load_client_ca(s->ctx, opt->client_ca_file, err);
        if (rc != 0)
            goto fail;
    }
    *out = s;
    return 0;
fail:
    ERR_clear_error();
    lc_tls_server_destroy(s);
    return rc;
}

void lc_tls_server_destroy(struct lc_tls_server *s)
{
    if (!s)
        return;
    SSL_CTX_free(s->ctx);
    free(s);
}

/* ---- one connection ----------------------------------------------------- */

int lc_tls_server_conn_new(struct lc_tls_server *s, int fd, struct lc_tls_server_conn **out)
{
    struct lc_tls_server_conn *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (!c)
        return LC_ENOMEM;
    c->ssl = SSL_new(s->ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
        ERR_clear_error();
        lc_tls_server_conn_free(c);
        return LC_ENOMEM;
    }
    SSL_set_accept_state(c->ssl);
    *out = c;
    return 0;
}

/* The status of a call that returned ret <= 0. */
static int status_of(struct lc_tls_server_conn *c, int ret)
{
    int e = SSL_get_error(c->ssl, ret);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        return LC_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return LC_TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return LC_TLS_CLOSED;
    default:
        /* SSL_ERROR_SYSCALL (a reset, EPIPE) or SSL_ERROR_SSL: the connection is done. */
        c->failed = 1;
        ERR_clear_error();
        return e == SSL_ERROR_SYSCALL && (errno == ECONNRESET || errno == EPIPE) ? LC_TLS_CLOSED
                                                                                 : LC_TLS_ERROR;
    }
}

int lc_tls_server_handshake(struct lc_tls_server_conn *c)
{
    ERR_clear_error();
    int ret = SSL_do_handshake(c->ssl);
    if (ret == 1)
        return LC_TLS_OK;
    int st = status_of(c, ret);
    /* A failed handshake (no client certificate, a bad one, no common cipher) is an error. */
    return st == LC_TLS_CLOSED && c->failed ? LC_TLS_ERROR : st;
}

ssize_t lc_tls_server_read(struct lc_tls_server_conn *c, void *buf, size_t len)
{
    if (len > INT_MAX)
        len = INT_MAX;
    ERR_clear_error();
    int ret = SSL_read(c->ssl, buf, (int)len);
    if (ret > 0)
        return ret;
    return status_of(c, ret);
}

ssize_t lc_tls_server_write(struct lc_tls_server_conn *c, const void *buf, size_t len)
{
    if (len > INT_MAX)
        len = INT_MAX;
    ERR_clear_error();
    int ret = SSL_write(c->ssl, buf, (int)len);
    if (ret > 0)
        return ret;
    int st = status_of(c, ret);
    return st == LC_TLS_CLOSED ? LC_TLS_ERROR : st; /* nothing can be written any more */
}

int lc_tls_server_pending(const struct lc_tls_server_conn *c)
{
    return SSL_has_pending(c->ssl);
}

int lc_tls_server_resumed(const struct lc_tls_server_conn *c)
{
    return SSL_session_reused(c->ssl);
}

void lc_tls_server_shutdown(struct lc_tls_server_conn *c)
{
    if (c->failed || !SSL_is_init_finished(c->ssl))
        return;
    ERR_clear_error();
    (void)SSL_shutdown(c->ssl);
    ERR_clear_error();
}

void lc_tls_server_conn_free(struct lc_tls_server_conn *c)
{
    if (!c)
        return;
    SSL_free(c->ssl);
    free(c);
}
