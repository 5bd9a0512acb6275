/*
 * Unit tests for net/tls_server: context errors that name the file, and an
 * in-process OpenSSL client over a non-blocking socketpair: handshake, ALPN,
 * reads, partial writes, resumption, close_notify, client certificates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/tls_server.h"

static char fixtures[512];

/* tests/bad-inputs/tls/NAME (a self-signed certificate with its key, and broken files). */
static const char *fixture(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", fixtures, name);
    return buf;
}

static struct lc_tls_server *make_server(const char *client_ca)
{
    char cert[600], key[600], ca[600];
    struct lc_tls_server_options opt = {
        .cert_file = fixture("cert.pem", cert, sizeof(cert)),
        .key_file = fixture("key.pem", key, sizeof(key)),
        .client_ca_file = client_ca ? fixture(client_ca, ca, sizeof(ca)) : NULL,
    };
    struct lc_tls_server *s = NULL;
    struct lc_error err = {0};
    assert_int_equal(lc_tls_server_create(&opt, &s, &err), 0);
    assert_non_null(s);
    return s;
}

static void expect_refused(const char *cert, const char *key, const char *ca, const char *text)
{
    char c[600], k[600], a[600];
    struct lc_tls_server_options opt = {
        .cert_file = cert ? fixture(cert, c, sizeof(c)) : NULL,
        .key_file = key ? fixture(key, k, sizeof(k)) : NULL,
        .client_ca_file = ca ? fixture(ca, a, sizeof(a)) : NULL,
    };
    struct lc_tls_server *s = NULL;
    struct lc_error err = {0};
    assert_int_equal(lc_tls_server_create(&opt, &s, &err), LC_EINVAL);
    assert_null(s);
    if (!strstr(err.msg, text))
        fail_msg("'%s' lacks '%s'", err.msg, text);
    assert_int_equal(ERR_peek_error(), 0); /* nothing left in the error queue */
}

static void test_create_errors(void **state)
{
    (void)state;
    expect_refused("nope.pem", "key.pem", NULL, "nope.pem': cannot open");
    expect_refused("cert.pem", "nope.pem", NULL, "nope.pem': cannot open");
    expect_refused("../README.md", "key.pem", NULL, "README.md' is not a usable PEM certificate");
    expect_refused(".", "key.pem", NULL, "is a directory");
    expect_refused("cert.pem", "other-key.pem", NULL, "does not match the certificate");
    expect_refused("cert.pem", "encrypted-key.pem", NULL, "is encrypted");
    expect_refused("cert.pem", "cert.pem", NULL, "is not a PEM private key");
    expect_refused("cert.pem", "key.pem", "../README.md", "holds no PEM CA certificate");
    expect_refused("cert.pem", NULL, NULL, "both a certificate and its key");
}

/* ---- an in-process client ----------------------------------------------- */

struct pair {
    struct lc_tls_server_conn *srv;
    SSL *cli;
    int fds[2];
};

static SSL_CTX *client_ctx(int with_cert)
{
    char path[600], key[600];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    assert_int_equal(
        SSL_CTX_load_verify_locations(ctx, fixture("cert.pem", path, sizeof(path)), NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
    static const unsigned char alpn[] = "\x02h2\x08http/1.1";
    assert_int_equal(SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1), 0);
    if (with_cert) {
        /* The self-signed certificate is its own CA: it serves as a client certificate too. */
        assert_int_equal(SSL_CTX_use_certificate_file(ctx, fixture("cert.pem", path, sizeof(path)),
                                                      SSL_FILETYPE_PEM),
                         1);
        assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, fixture("key.pem", key, sizeof(key)),
                                                     SSL_FILETYPE_PEM),
                         1);
    }
    return ctx;
}

static void pair_open(struct pair *p, struct lc_tls_server *s, SSL_CTX *cctx, SSL_SESSION *resume)
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p->fds), 0);
    assert_int_equal(lc_tls_server_conn_new(s, p->fds[0], &p->srv), 0);
    p->cli = SSL_new(cctx);
    assert_non_null(p->cli);
    assert_int_equal(SSL_set_fd(p->cli, p->fds[1]), 1);
    SSL_set_connect_state(p->cli);
    if (resume)
        assert_int_equal(SSL_set_session(p->cli, resume), 1);
}

static void pair_close(struct pair *p)
{
    lc_tls_server_conn_free(p->srv);
    /* Without its own close_notify, OpenSSL marks the client's session not resumable. */
    (void)SSL_shutdown(p->cli);
    SSL_free(p->cli);
    close(p->fds[0]);
    close(p->fds[1]);
    ERR_clear_error();
}

/* Step both sides until the server's handshake ends; returns its last status. */
static int handshake(struct pair *p)
{
    int st = LC_TLS_WANT_READ;
    for (int i = 0; i < 200 && (st == LC_TLS_WANT_READ || st == LC_TLS_WANT_WRITE); i++) {
        (void)SSL_do_handshake(p->cli);
        st = lc_tls_server_handshake(p->srv);
    }
    return st;
}

/* Client reads until it has n bytes or nothing more comes. Returns the count. */
static size_t client_read(struct pair *p, char *buf, size_t n)
{
    size_t got = 0;
    for (int i = 0; i < 10000 && got < n; i++) {
        int r = SSL_read(p->cli, buf + got, (int)(n - got));
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static void test_session(void **state)
{
    (void)state;
    struct lc_tls_server *s = make_server(NULL);
    SSL_CTX *cctx = client_ctx(0);
    struct pair p;
    pair_open(&p, s, cctx, NULL);
    assert_int_equal(handshake(&p), LC_TLS_OK);
    assert_int_equal(lc_tls_server_resumed(p.srv), 0);
    const unsigned char *proto = NULL;
    unsigned proto_len = 0;
    (void)SSL_do_handshake(p.cli); /* the client finishes its side */
    SSL_get0_alpn_selected(p.cli, &proto, &proto_len);
    assert_int_equal(proto_len, 8);
    assert_memory_equal(proto, "http/1.1", 8);

    /* Nothing to read yet: WANT_READ, not an error. */
    char buf[256];
    assert_int_equal(lc_tls_server_read(p.srv, buf, sizeof(buf)), LC_TLS_WANT_READ);
    assert_int_equal(SSL_write(p.cli, "GET / HTTP/1.1\r\n\r\n", 18), 18);
    assert_int_equal(lc_tls_server_read(p.srv, buf, sizeof(buf)), 18);
    assert_memory_equal(buf, "GET / HTTP/1.1\r\n\r\n", 18);

    /* 1 MB through a socketpair: partial writes and WANT_WRITE while the client drains. */
    size_t total = 1 << 20, sent = 0, got = 0;
    char *out = malloc(total), *in = malloc(total);
    assert_non_null(out);
    assert_non_null(in);
    for (size_t i = 0; i < total; i++)
        out[i] = (char)('a' + i % 26);
    int waits = 0;
    for (int i = 0; i < 100000 && got < total; i++) {
        if (sent < total) {
            size_t chunk = total - sent < 16384 ? total - sent : 16384;
            ssize_t w = lc_tls_server_write(p.srv, out + sent, chunk);
            if (w > 0) {
                sent += (size_t)w;
                continue; /* the client reads only once the socket is full */
            }
            if (w != LC_TLS_WANT_WRITE)
                fail_msg("write returned %zd", w);
            waits++;
        }
        int r = SSL_read(p.cli, in + got, (int)(total - got));
        if (r > 0)
            got += (size_t)r;
    }
    assert_int_equal(got, total);
    assert_memory_equal(in, out, total);
    assert_true(waits > 0); /* the socket filled up at least once */
    free(out);
    free(in);

    /* The client has read the tickets by now: its session resumes. */
    SSL_SESSION *sess = SSL_get1_session(p.cli);
    assert_non_null(sess);
    assert_int_equal(SSL_SESSION_is_resumable(sess), 1);

    /* close_notify: the client reads a clean end; its own close reads as CLOSED. */
    lc_tls_server_shutdown(p.srv);
    assert_int_equal(client_read(&p, buf, sizeof(buf)), 0);
    assert_int_equal(SSL_get_error(p.cli, 0), SSL_ERROR_ZERO_RETURN);
    shutdown(p.fds[1], SHUT_WR);
    assert_int_equal(lc_tls_server_read(p.srv, buf, sizeof(buf)), LC_TLS_CLOSED);
    pair_close(&p);

    pair_open(&p, s, cctx, sess);
    assert_int_equal(handshake(&p), LC_TLS_OK);
    assert_int_equal(lc_tls_server_resumed(p.srv), 1);
    pair_close(&p);

    SSL_SESSION_free(sess);
    SSL_CTX_free(cctx);
    lc_tls_server_destroy(s);
}

static void test_pending(void **state)
{
    (void)state;
    struct lc_tls_server *s = make_server(NULL);
    SSL_CTX *cctx = client_ctx(0);
    struct pair p;
    pair_open(&p, s, cctx, NULL);
    assert_int_equal(handshake(&p), LC_TLS_OK);
    (void)SSL_do_handshake(p.cli);
    /* One 1000-byte record read 10 bytes at a time: the rest waits inside OpenSSL. */
    char msg[1000], buf[1000];
    memset(msg, 'x', sizeof(msg));
    assert_int_equal(SSL_write(p.cli, msg, (int)sizeof(msg)), (int)sizeof(msg));
    assert_int_equal(lc_tls_server_read(p.srv, buf, 10), 10);
    assert_int_equal(lc_tls_server_pending(p.srv), 1);
    assert_int_equal(lc_tls_server_read(p.srv, buf, sizeof(buf)), 990);
    assert_int_equal(lc_tls_server_pending(p.srv), 0);
    pair_close(&p);
    SSL_CTX_free(cctx);
    lc_tls_server_destroy(s);
}

static void test_client_certificates(void **state)
{
    (void)state;
    struct lc_tls_server *s = make_server("cert.pem");
    struct pair p;

    /* Without a certificate: the handshake fails on the server. */
    SSL_CTX *anon = client_ctx(0);
    pair_open(&p, s, anon, NULL);
    assert_int_equal(handshake(&p), LC_TLS_ERROR);
    lc_tls_server_shutdown(p.srv); /* skipped after a fatal error, and harmless */
    pair_close(&p);
    SSL_CTX_free(anon);

    /* With one the CA signed (here: itself). */
    SSL_CTX *with = client_ctx(1);
    pair_open(&p, s, with, NULL);
    assert_int_equal(handshake(&p), LC_TLS_OK);
    pair_close(&p);
    SSL_CTX_free(with);
    lc_tls_server_destroy(s);
}

/* Not TLS at all: a plain HTTP request is a handshake error, not a hang. */
static void test_not_tls(void **state)
{
    (void)state;
    struct lc_tls_server *s = make_server(NULL);
    int fds[2];
    struct lc_tls_server_conn *c = NULL;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    assert_int_equal(lc_tls_server_conn_new(s, fds[0], &c), 0);
    assert_int_equal(lc_tls_server_handshake(c), LC_TLS_WANT_READ);
    assert_int_equal(write(fds[1], "GET / HTTP/1.1\r\n\r\n", 18), 18);
    assert_int_equal(lc_tls_server_handshake(c), LC_TLS_ERROR);
    lc_tls_server_conn_free(c);
    close(fds[0]);
    close(fds[1]);
    lc_tls_server_destroy(s);
}

int main(void)
{
    const char *src = getenv("LC_SOURCE_DIR");
    snprintf(fixtures, sizeof(fixtures), "%s/tests/bad-inputs/tls", src ? src : ".");
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_errors), cmocka_unit_test(test_session),
        cmocka_unit_test(test_pending),       cmocka_unit_test(test_client_certificates),
        cmocka_unit_test(test_not_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
