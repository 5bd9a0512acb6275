/*
 * Unit tests for net/tls_client: option parsing and checks, failure
 * classification and its messages, context errors that name the file, and
 * real handshakes against net/tls_server over a non-blocking socketpair:
 * verification by IP, a name mismatch, --insecure, session resumption
 * through the worker's slot, a client certificate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/tls_client.h"
#include "net/tls_server.h"

static char fixtures[512];

/* tests/bad-inputs/tls/NAME: a self-signed CA certificate for IP 127.0.0.1 and its key. */
static const char *fixture(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", fixtures, name);
    return buf;
}

static void test_version_parse(void **state)
{
    (void)state;
    struct lc_error err = {0};
    int v = 0;
    assert_int_equal(lc_tls_version_parse("1.2", &v, &err), 0);
    assert_int_equal(v, LC_TLS_V1_2);
    assert_int_equal(lc_tls_version_parse("TLSv1.3", &v, &err), 0);
    assert_int_equal(v, LC_TLS_V1_3);
    assert_int_equal(lc_tls_version_parse("tls1.3", &v, &err), 0);
    assert_int_equal(v, LC_TLS_V1_3);
    assert_string_equal(lc_tls_version_name(LC_TLS_V1_3), "1.3");
    assert_string_equal(lc_tls_version_name(LC_TLS_V1_2), "1.2");
    const char *bad[] = {"1.1", "1.0", "", "13", "1.3x", "ssl3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lc_error_clear(&err);
        assert_int_equal(lc_tls_version_parse(bad[i], &v, &err), LC_EINVAL);
        assert_non_null(strstr(err.msg, "1.2 or 1.3"));
    }
}

static void test_options_check(void **state)
{
    (void)state;
    struct lc_error err = {0};
    struct lc_tls_client_options o = {.cert = "c.pem"};
    assert_int_equal(lc_tls_client_options_check(&o, &err), LC_EINVAL);
    assert_non_null(strstr(err.msg, "--key"));
    o = (struct lc_tls_client_options){.key = "k.pem"};
    assert_int_equal(lc_tls_client_options_check(&o, &err), LC_EINVAL);
    assert_non_null(strstr(err.msg, "--cert"));
    o = (struct lc_tls_client_options){.min_version = 11};
    assert_int_equal(lc_tls_client_options_check(&o, &err), LC_EINVAL);
    o = (struct lc_tls_client_options){.cert = "c", .key = "k", .min_version = LC_TLS_V1_3};
    assert_int_equal(lc_tls_client_options_check(&o, &err), 0);
}

static unsigned long ssl_err(int reason)
{
    return ERR_PACK(ERR_LIB_SSL, 0, reason);
}

static void test_classify(void **state)
{
    (void)state;
    assert_int_equal(lc_tls_classify(SSL_ERROR_SSL, ssl_err(SSL_R_CERTIFICATE_VERIFY_FAILED),
                                     X509_V_ERR_CERT_HAS_EXPIRED, 0, 1),
                     LC_TLS_FAIL_VERIFY);
    /* The reason without a verification result is not a verification failure. */
    assert_int_equal(
        lc_tls_classify(SSL_ERROR_SSL, ssl_err(SSL_R_CERTIFICATE_VERIFY_FAILED), X509_V_OK, 0, 1),
        LC_TLS_FAIL_HANDSHAKE);
    int versions[] = {SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION,
                      SSL_R_NO_PROTOCOLS_AVAILABLE};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(lc_tls_classify(SSL_ERROR_SSL, ssl_err(versions[i]), 0, 0, 1),
                         LC_TLS_FAIL_VERSION);
    /* A TLS 1.3 server refusing our certificate: after our handshake ended. */
    assert_int_equal(
        lc_tls_classify(SSL_ERROR_SSL, ssl_err(SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED), 0, 0, 0),
        LC_TLS_FAIL_HANDSHAKE);
    assert_int_equal(lc_tls_classify(SSL_ERROR_SSL, ssl_err(SSL_R_WRONG_VERSION_NUMBER), 0, 0, 1),
                     LC_TLS_FAIL_HANDSHAKE);
    assert_int_equal(lc_tls_classify(SSL_ERROR_SYSCALL, 0, 0, ECONNRESET, 0), LC_TLS_FAIL_RESET);
    assert_int_equal(lc_tls_classify(SSL_ERROR_SYSCALL, 0, 0, EPIPE, 1), LC_TLS_FAIL_RESET);
    assert_int_equal(lc_tls_classify(SSL_ERROR_SYSCALL, 0, 0, EIO, 0), LC_TLS_FAIL_IO);
    assert_int_equal(lc_tls_classify(SSL_ERROR_SYSCALL, 0, 0, 0, 1), LC_TLS_FAIL_HANDSHAKE);
    assert_int_equal(
        lc_tls_classify(SSL_ERROR_SSL, ssl_err(SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC), 0, 0, 0),
        LC_TLS_FAIL_IO);
    assert_string_equal(lc_tls_fail_kind_name(LC_TLS_FAIL_HANDSHAKE), "tls_handshake");
    assert_string_equal(lc_tls_fail_kind_name(LC_TLS_FAIL_VERIFY), "tls_verify");
    assert_string_equal(lc_tls_fail_kind_name(LC_TLS_FAIL_VERSION), "tls_version");
    assert_string_equal(lc_tls_fail_kind_name(99), "tls_error");
}

static void test_describe(void **state)
{
    (void)state;
    char buf[512];
    struct lc_tls_failure f = {.kind = LC_TLS_FAIL_VERIFY,
                               .verify_code = X509_V_ERR_CERT_HAS_EXPIRED};
    lc_tls_failure_describe(&f, buf, sizeof(buf));
    assert_non_null(strstr(buf, "verification failed: certificate has expired"));
    assert_non_null(strstr(buf, "--cacert"));
    assert_non_null(strstr(buf, "--insecure"));
    f = (struct lc_tls_failure){.kind = LC_TLS_FAIL_HANDSHAKE,
                                .lib_error = ssl_err(SSL_R_WRONG_VERSION_NUMBER)};
    lc_tls_failure_describe(&f, buf, sizeof(buf));
    assert_non_null(strstr(buf, "http://"));
    f = (struct lc_tls_failure){.kind = LC_TLS_FAIL_HANDSHAKE,
                                .lib_error = ssl_err(SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)};
    lc_tls_failure_describe(&f, buf, sizeof(buf));
    assert_non_null(strstr(buf, "--cert FILE --key FILE"));
    f = (struct lc_tls_failure){.kind = LC_TLS_FAIL_VERSION,
                                .lib_error = ssl_err(SSL_R_TLSV1_ALERT_PROTOCOL_VERSION)};
    lc_tls_failure_describe(&f, buf, sizeof(buf));
    assert_non_null(strstr(buf, "TLS version mismatch"));
    f = (struct lc_tls_failure){.kind = LC_TLS_FAIL_HANDSHAKE};
    lc_tls_failure_describe(&f, buf, sizeof(buf));
    assert_non_null(strstr(buf, "closed the connection"));
}

static void expect_ctx_error(const struct lc_tls_client_options *o, const char *text)
{
    struct lc_tls_client *cl = NULL;
    struct lc_error err = {0};
    assert_int_equal(lc_tls_client_new(o, "127.0.0.1", &cl, &err), LC_EINVAL);
    assert_null(cl);
    if (!strstr(err.msg, text))
        fail_msg("'%s' lacks '%s'", err.msg, text);
}

static void test_ctx_errors(void **state)
{
    (void)state;
    char a[600], b[600];
    struct lc_tls_client_options o = {.cacert = fixture("no-such.pem", a, sizeof(a))};
    expect_ctx_error(&o, "no-such.pem");
    o = (struct lc_tls_client_options){.cacert = fixtures};
    expect_ctx_error(&o, "is a directory");
    o = (struct lc_tls_client_options){.insecure = true,
                                       .cert = fixture("cert.pem", a, sizeof(a)),
                                       .key = fixture("other-key.pem", b, sizeof(b))};
    expect_ctx_error(&o, "does not match");
    o.key = fixture("encrypted-key.pem", b, sizeof(b));
    expect_ctx_error(&o, "unencrypted");
}

/* A client connection and a server connection over a socketpair. */
struct pair {
    int fds[2];
    struct lc_tls_conn *cli;
    struct lc_tls_server_conn *srv;
};

static void pair_open(struct pair *p, struct lc_tls_server *s, struct lc_tls_client *cl,
                      struct lc_tls_session_slot *slot)
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p->fds), 0);
    assert_int_equal(lc_tls_server_conn_new(s, p->fds[0], &p->srv), 0);
    p->cli = lc_tls_conn_new(cl, p->fds[1], slot);
    assert_non_null(p->cli);
}

static void pair_close(struct pair *p)
{
    lc_tls_server_conn_free(p->srv);
    lc_tls_conn_free(p->cli);
    close(p->fds[0]);
    close(p->fds[1]);
}

/* Step both sides until the client's handshake ends; returns its last status. */
static int handshake(struct pair *p, struct lc_tls_failure *f)
{
    int st = LC_TLS_WANT_READ;
    for (int i = 0; i < 200 && (st == LC_TLS_WANT_READ || st == LC_TLS_WANT_WRITE); i++) {
        st = lc_tls_conn_handshake(p->cli, f);
        (void)lc_tls_server_handshake(p->srv);
    }
    return st;
}

/* One request and its answer through the client's read and write. */
static void exchange(struct pair *p)
{
    struct lc_tls_failure f;
    const char req[] = "ping";
    assert_int_equal(lc_tls_conn_write(p->cli, req, 4, &f), 4);
    char buf[64];
    ssize_t n = 0;
    for (int i = 0; i < 100 && n <= 0; i++)
        n = lc_tls_server_read(p->srv, buf, sizeof(buf));
    assert_int_equal(n, 4);
    assert_int_equal(lc_tls_server_write(p->srv, "pong", 4), 4);
    n = 0;
    for (int i = 0; i < 100 && n <= 0; i++) {
        n = lc_tls_conn_read(p->cli, buf, sizeof(buf), &f);
        assert_true(n > 0 || n == LC_TLS_WANT_READ);
    }
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "pong", 4);
}

static struct lc_tls_server *make_server(int client_ca)
{
    char c[600], k[600], a[600];
    struct lc_tls_server_options so = {.cert_file = fixture("cert.pem", c, sizeof(c)),
                                       .key_file = fixture("key.pem", k, sizeof(k)),
                                       .client_ca_file =
                                           client_ca ? fixture("cert.pem", a, sizeof(a)) : NULL};
    struct lc_tls_server *s = NULL;
    struct lc_error err = {0};
    assert_int_equal(lc_tls_server_create(&so, &s, &err), 0);
    return s;
}

static void test_handshakes(void **state)
{
    (void)state;
    char ca[600];
    struct lc_error err = {0};
    struct lc_tls_server *s = make_server(0);
    struct lc_tls_client_options o = {.cacert = fixture("cert.pem", ca, sizeof(ca))};
    struct lc_tls_client *cl = NULL;
    assert_int_equal(lc_tls_client_new(&o, "127.0.0.1", &cl, &err), 0);
    struct lc_tls_session_slot slot = {0};
    struct lc_tls_failure f;

    /* Verified by IP; the session the server hands out lands in the slot. */
    struct pair p;
    pair_open(&p, s, cl, &slot);
    assert_int_equal(handshake(&p, &f), LC_TLS_OK);
    assert_int_equal(lc_tls_conn_resumed(p.cli), 0);
    exchange(&p); /* TLS 1.3 tickets arrive with the first read */
    assert_non_null(slot.session);
    pair_close(&p);

    /* The next connection resumes it. */
    pair_open(&p, s, cl, &slot);
    assert_int_equal(handshake(&p, &f), LC_TLS_OK);
    assert_int_equal(lc_tls_conn_resumed(p.cli), 1);
    exchange(&p);
    pair_close(&p);
    lc_tls_session_slot_clear(&slot);
    assert_null(slot.session);
    lc_tls_client_free(cl);

    /* The certificate is for 127.0.0.1, not this name: a verification failure. */
    assert_int_equal(lc_tls_client_new(&o, "example.test", &cl, &err), 0);
    pair_open(&p, s, cl, NULL);
    assert_int_equal(handshake(&p, &f), LC_TLS_ERROR);
    assert_int_equal(f.kind, LC_TLS_FAIL_VERIFY);
    assert_int_equal(f.verify_code, X509_V_ERR_HOSTNAME_MISMATCH);
    pair_close(&p);
    lc_tls_client_free(cl);

    /* --insecure: the same name passes. */
    o = (struct lc_tls_client_options){.insecure = true};
    assert_int_equal(lc_tls_client_new(&o, "example.test", &cl, &err), 0);
    pair_open(&p, s, cl, NULL);
    assert_int_equal(handshake(&p, &f), LC_TLS_OK);
    exchange(&p);
    pair_close(&p);
    lc_tls_client_free(cl);
    lc_tls_server_destroy(s);
}

static void test_client_certificate(void **state)
{
    (void)state;
    char ca[600], crt[600], key[600];
    struct lc_error err = {0};
    struct lc_tls_server *s = make_server(1);
    struct lc_tls_client_options o = {.cacert = fixture("cert.pem", ca, sizeof(ca)),
                                      .cert = fixture("cert.pem", crt, sizeof(crt)),
                                      .key = fixture("key.pem", key, sizeof(key)),
                                      .min_version = LC_TLS_V1_3};
    struct lc_tls_client *cl = NULL;
    assert_int_equal(lc_tls_client_new(&o, "127.0.0.1", &cl, &err), 0);
    struct lc_tls_failure f;
    struct pair p;
    pair_open(&p, s, cl, NULL);
    assert_int_equal(handshake(&p, &f), LC_TLS_OK);
    exchange(&p);
    pair_close(&p);
    lc_tls_client_free(cl);
    lc_tls_server_destroy(s);
}

int main(void)
{
    const char *src = getenv("LC_SOURCE_DIR");
    snprintf(fixtures, sizeof(fixtures), "%s/tests/bad-inputs/tls", src ? src : ".");
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_parse),      cmocka_unit_test(test_options_check),
        cmocka_unit_test(test_classify),           cmocka_unit_test(test_describe),
        cmocka_unit_test(test_ctx_errors),         cmocka_unit_test(test_handshakes),
        cmocka_unit_test(test_client_certificate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
