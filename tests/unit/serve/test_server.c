/* Unit tests for serve/server: listen addresses, and a whole server run in-process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "serve/server.h"

static void test_parse_listen(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len;
    struct lc_error err = {0};
    assert_int_equal(lc_serve_parse_listen("127.0.0.1:8080", &ss, &len, &err), 0);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8080);
    assert_int_equal(lc_serve_parse_listen("[::1]:0", &ss, &len, &err), 0);
    assert_int_equal(ss.ss_family, AF_INET6);
    assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 0);
    assert_int_equal(lc_serve_parse_listen(":9000", &ss, &len, &err), 0);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr, htonl(INADDR_ANY));
    const char *bad[] = {"",       "127.0.0.1", "127.0.0.1:",   "127.0.0.1:70000",
                         "::1:80", "[::1]80",   "127.0.0.1:8x", "[::1:80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lc_error_clear(&err);
        int rc = lc_serve_parse_listen(bad[i], &ss, &len, &err);
        if (rc != LC_EINVAL || !strstr(err.msg, "ADDR:PORT"))
            fail_msg("'%s': rc %d, '%s'", bad[i], rc, err.msg);
    }
}

static void *run_server(void *arg)
{
    struct lc_error err = {0};
    intptr_t rc = lc_serve_run(arg, &err);
    return (void *)rc;
}

/* Send req on a new connection and read until the peer closes; returns bytes read. */
static size_t exchange(uint16_t port, const char *req, char *out, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = recv(fd, out + n, cap - 1 - n, 0)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(fd);
    return n;
}

static void test_serve_in_process(void **state)
{
    (void)state;
    struct lc_serve_options opt = {.listen = "127.0.0.1:0", .threads = 2, .seed = 1, .seed_set = 1};
    struct lc_serve_route route;
    struct lc_error err = {0};
    lc_serve_behaviour_default(&opt.behaviour);
    assert_int_equal(lc_serve_route_parse("/r:status=201;body=5;latency=fixed:5ms", &opt.behaviour,
                                          &route, &err),
                     0);
    opt.routes = &route;
    opt.route_count = 1;
    struct lc_serve *srv = NULL;
    assert_int_equal(lc_serve_create(&opt, &srv, &err), 0);
    assert_non_null(srv);
    uint16_t port = lc_serve_port(srv);
    assert_true(port > 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", port);
    assert_string_equal(lc_serve_url(srv), url);

    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, run_server, srv), 0);
    char buf[4096];
    exchange(port,
             "GET /r HTTP/1.1\r\nHost: x\r\n\r\nGET /other HTTP/1.1\r\nConnection: close\r\n\r\n",
             buf, sizeof(buf));
    const char *want = "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                       "\r\nabcde"
                       "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                       "Connection: close\r\n\r\nab";
    assert_string_equal(buf, want);
    exchange(port, "GET /stats HTTP/1.0\r\n\r\n", buf, sizeof(buf));
    assert_non_null(strstr(buf, "\"requests\":2"));
    assert_non_null(strstr(buf, "\"/r\":1"));
    assert_non_null(strstr(buf, "\"default\":1"));
    assert_non_null(strstr(buf, "\"threads\":2"));

    lc_serve_stop(srv);
    void *rc;
    assert_int_equal(pthread_join(th, &rc), 0);
    assert_int_equal((intptr_t)rc, 0);
    lc_serve_destroy(srv);
}

static void test_port_in_use(void **state)
{
    (void)state;
    struct lc_serve_options opt = {.listen = "127.0.0.1:0", .threads = 1};
    struct lc_error err = {0};
    struct lc_serve *a = NULL, *b = NULL;
    lc_serve_behaviour_default(&opt.behaviour);
    assert_int_equal(lc_serve_create(&opt, &a, &err), 0);
    /* A plain listener holds a port: SO_REUSEPORT cannot join it. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 1), 0);
    socklen_t len = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &len);
    char listen_text[32];
    snprintf(listen_text, sizeof(listen_text), "127.0.0.1:%u", ntohs(sa.sin_port));
    opt.listen = listen_text;
    assert_int_equal(lc_serve_create(&opt, &b, &err), LC_ESYS);
    assert_null(b);
    assert_non_null(strstr(err.msg, "in use"));
    close(fd);
    lc_serve_destroy(a);
}

/*
 * A second server on a port a first one listens on must fail like any port in
 * use, even though both set SO_REUSEPORT (the kernel would let them share it).
 */
static void test_second_server_same_port(void **state)
{
    (void)state;
    struct lc_serve_options opt = {.listen = "127.0.0.1:0", .threads = 2};
    struct lc_error err = {0};
    struct lc_serve *a = NULL, *b = NULL;
    lc_serve_behaviour_default(&opt.behaviour);
    assert_int_equal(lc_serve_create(&opt, &a, &err), 0);
    char listen_text[32];
    snprintf(listen_text, sizeof(listen_text), "127.0.0.1:%u", lc_serve_port(a));
    opt.listen = listen_text;
    const uint32_t threads[] = {1, 3};
    for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
        opt.threads = threads[i];
        lc_error_clear(&err);
        assert_int_equal(lc_serve_create(&opt, &b, &err), LC_ESYS);
        assert_null(b);
        assert_int_equal(err.sys_errno, EADDRINUSE);
        assert_non_null(strstr(err.msg, listen_text));
        assert_non_null(strstr(err.msg, "in use"));
        assert_non_null(strstr(err.msg, "port 0"));
    }
    lc_serve_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_listen),
        cmocka_unit_test(test_serve_in_process),
        cmocka_unit_test(test_port_in_use),
        cmocka_unit_test(test_second_server_same_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
