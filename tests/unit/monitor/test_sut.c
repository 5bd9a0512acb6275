/* Unit tests for monitor/sut: start, readiness polls, failures with stderr lines, stop. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/clock.h"
#include "monitor/sut.h"

#define MS LC_NS_PER_MS

/* A loopback port nobody listens on (bound, then closed). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* A tiny HTTP server thread: answers its first `not_ready` requests with 503, then 200, or
 * with `raw` bytes when set; counts the requests. */
struct server {
    int fd;
    int port;
    int listen_after_ms; /* > 0: refuse connections (bound, not listening) until then */
    int not_ready;
    const char *raw;
    int requests;
    pthread_t th;
};

static void *serve(void *arg)
{
    struct server *s = arg;
    if (s->listen_after_ms > 0) {
        usleep((useconds_t)s->listen_after_ms * 1000);
        if (listen(s->fd, 16) != 0)
            return NULL;
    }
    for (;;) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        char buf[2048];
        size_t got = 0;
        while (got < sizeof(buf) - 1) {
            ssize_t n = read(c, buf + got, sizeof(buf) - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            buf[got] = '\0';
            if (strstr(buf, "\r\n\r\n"))
                break;
        }
        s->requests++;
        const char *ans = s->raw ? s->raw
                          : s->requests <= s->not_ready
                              ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
                              : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        ssize_t w = write(c, ans, strlen(ans));
        (void)w;
        close(c);
    }
}

static void server_start(struct server *s, int not_ready, const char *raw, int listen_after_ms)
{
    memset(s, 0, sizeof(*s));
    s->listen_after_ms = listen_after_ms;
    s->not_ready = not_ready;
    s->raw = raw;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    if (listen_after_ms == 0)
        assert_int_equal(listen(s->fd, 16), 0);
    socklen_t len = sizeof(a);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(s->th, NULL);
}

static void test_ready_after_503s(void **state)
{
    (void)state;
    struct server srv;
    server_start(&srv, 3, NULL, 200); /* it comes up after the command starts */
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", srv.port);
    struct lc_sut_config cfg = {.command = "exec sleep 30", .ready_url = url, .poll_ns = 20 * MS};
    struct lc_sut *s;
    struct lc_error err = {0};
    uint64_t t = lc_clock_now_ns();
    assert_int_equal(lc_sut_start(&cfg, &s, &err), 0);
    assert_int_equal(srv.requests, 4); /* three 503s, then the 200 */
    assert_true(lc_clock_now_ns() - t < 5 * LC_NS_PER_SEC);
    int pid = lc_sut_pid(s);
    assert_true(pid > 0);
    assert_int_equal(getpgid(pid), pid); /* its own process group */
    assert_false(lc_sut_exited(s, NULL));
    int code = -1;
    lc_sut_stop(s, &code);
    assert_int_equal(code, 128 + SIGTERM);
    assert_true(lc_sut_exited(s, &code));
    lc_sut_stop(s, &code); /* idempotent */
    lc_sut_free(s);
    assert_int_equal(kill(pid, 0), -1);
    server_stop(&srv);
}

static void test_never_ready(void **state)
{
    (void)state;
    char url[64], pidfile[] = "/tmp/lc-sut-pid-XXXXXX", cmd[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", free_port());
    int pfd = mkstemp(pidfile);
    assert_true(pfd >= 0);
    close(pfd);
    snprintf(cmd, sizeof(cmd),
             "echo $$ > %s; echo starting >&2; echo 'bind: address already in use' >&2; "
             "exec sleep 30",
             pidfile);
    struct lc_sut_config cfg = {.command = cmd, .ready_url = url, .ready_timeout_ns = 600 * MS};
    struct lc_sut *s = (struct lc_sut *)&s;
    struct lc_error err = {0};
    uint64_t t = lc_clock_now_ns();
    assert_int_equal(lc_sut_start(&cfg, &s, &err), LC_ECONNECT);
    uint64_t took = lc_clock_now_ns() - t;
    assert_null(s);
    assert_true(took >= 600 * MS && took < 3 * LC_NS_PER_SEC);
    assert_non_null(strstr(err.msg, "did not answer"));
    assert_non_null(strstr(err.msg, url));
    assert_non_null(strstr(err.msg, "within 600ms"));
    assert_non_null(strstr(err.msg, "Connection refused"));
    assert_non_null(strstr(err.msg, "\n  | starting\n  | bind: address already in use"));
    assert_int_equal(lc_exit_code_for(err.code), 3);
    /* It was stopped: the process (sleep, exec'd by the shell) is gone. */
    FILE *f = fopen(pidfile, "r");
    assert_non_null(f);
    int pid = 0;
    assert_int_equal(fscanf(f, "%d", &pid), 1);
    fclose(f);
    unlink(pidfile);
    assert_true(pid > 0);
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
}

static void test_exits_before_ready(void **state)
{
    (void)state;
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", free_port());
    struct lc_sut_config cfg = {
        .command = "for i in $(seq 1 40); do echo line$i >&2; done; echo 'fatal: no config' >&2; "
                   "exit 3",
        .ready_url = url};
    struct lc_sut *s;
    struct lc_error err = {0};
    assert_int_equal(lc_sut_start(&cfg, &s, &err), LC_ESYS);
    assert_non_null(strstr(err.msg, "exited with status 3 before it answered"));
    assert_non_null(
        strstr(err.msg, "'for i in $(seq 1 40); do echo line$i >&2; done; echo 'fatal"));
    assert_non_null(strstr(err.msg, "...'")); /* a long command is cut */
    assert_non_null(strstr(err.msg, "\n  | line40\n  | fatal: no config"));
    assert_null(strstr(err.msg, "line1\n")); /* only the last lines */
    assert_int_equal(lc_exit_code_for(err.code), 3);

    cfg.command = "kill -9 $$";
    assert_int_equal(lc_sut_start(&cfg, &s, &err), LC_ESYS);
    assert_non_null(strstr(err.msg, "was killed by signal 9"));
    assert_non_null(strstr(err.msg, "(it wrote nothing to stderr)"));
}

static void test_stderr_tail_and_stop_escalation(void **state)
{
    (void)state;
    /* No ready URL: start returns at once. The shell ignores SIGTERM, and so does sleep. */
    struct lc_sut_config cfg = {
        .command = "trap '' TERM; printf 'a\\nb\\001c\\n' >&2; for i in 1 2 3; do echo "
                   "w$i >&2; done; sleep 30",
        .grace_ns = 300 * MS};
    struct lc_sut *s;
    struct lc_error err = {0};
    assert_int_equal(lc_sut_start(&cfg, &s, &err), 0);
    char tail[256];
    uint64_t end = lc_clock_now_ns() + 5 * LC_NS_PER_SEC;
    while (lc_clock_now_ns() < end) {
        lc_sut_stderr_tail(s, 3, tail, sizeof(tail));
        if (strcmp(tail, "w1\nw2\nw3") == 0)
            break;
        usleep(10000);
    }
    assert_string_equal(tail, "w1\nw2\nw3");
    assert_int_equal(lc_sut_stderr_tail(s, 10, tail, sizeof(tail)), strlen("a\nb?c\nw1\nw2\nw3"));
    assert_string_equal(tail, "a\nb?c\nw1\nw2\nw3"); /* a control byte becomes '?' */
    assert_int_equal(lc_sut_stderr_tail(s, 10, tail, 4), 2);
    assert_string_equal(tail, "w3"); /* cut to the buffer: the end is kept */
    assert_int_equal(lc_sut_stderr_tail(s, 10, tail, 6), 5);
    assert_string_equal(tail, "w2\nw3");
    int pid = lc_sut_pid(s), code = -1;
    uint64_t t = lc_clock_now_ns();
    lc_sut_stop(s, &code);
    uint64_t took = lc_clock_now_ns() - t;
    assert_true(took >= 300 * MS && took < 3 * LC_NS_PER_SEC);
    assert_int_equal(code, 128 + SIGKILL);
    assert_false(lc_sut_group_alive(pid)); /* nothing of its group is left */
    lc_sut_free(s);
}

static void test_http_get(void **state)
{
    (void)state;
    int status = 0;
    struct lc_error err = {0};
    assert_int_equal(lc_sut_http_get("ftp://127.0.0.1/", LC_NS_PER_SEC, &status, &err), LC_EINVAL);
    assert_int_equal(lc_sut_http_get("not a url", LC_NS_PER_SEC, &status, &err), LC_EINVAL);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", free_port());
    assert_int_equal(lc_sut_http_get(url, LC_NS_PER_SEC, &status, &err), LC_ECONNECT);
    assert_non_null(strstr(err.msg, "Connection refused"));

    struct server srv;
    server_start(&srv, 0, "SSH-2.0-OpenSSH\r\n", 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", srv.port);
    assert_int_equal(lc_sut_http_get(url, LC_NS_PER_SEC, &status, &err), LC_ECONNECT);
    assert_non_null(strstr(err.msg, "not HTTP"));
    server_stop(&srv);
    /* https:// to a plain HTTP server: the TLS handshake fails, with the reason. (The
     * answer over TLS is tested end to end against `loadcell serve --tls-cert`.) */
    server_start(&srv, 0, NULL, 0);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/x", srv.port);
    assert_int_equal(lc_sut_http_get(url, LC_NS_PER_SEC, &status, &err), LC_ECONNECT);
    assert_non_null(strstr(err.msg, "TLS handshake"));
    server_stop(&srv);
    server_start(&srv, 1, NULL, 0);
    snprintf(url, sizeof(url), "http://localhost:%d/x", srv.port); /* ::1 refused, then v4 */
    assert_int_equal(lc_sut_http_get(url, LC_NS_PER_SEC, &status, &err), 0);
    assert_int_equal(status, 503);
    assert_int_equal(lc_sut_http_get(url, LC_NS_PER_SEC, &status, &err), 0);
    assert_int_equal(status, 200);
    server_stop(&srv);

    /* A ready URL that answers before the command starts belongs to someone else. */
    server_start(&srv, 0, NULL, 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", srv.port);
    struct lc_sut_config taken = {.command = "exec sleep 30", .ready_url = url};
    struct lc_sut *s0 = (struct lc_sut *)&s0;
    assert_int_equal(lc_sut_start(&taken, &s0, &err), LC_ECONNECT);
    assert_null(s0);
    assert_non_null(strstr(err.msg, "already answers (status 200) before 'exec sleep 30' started"));
    server_stop(&srv);

    /* Bad configurations fail before anything starts. */
    struct lc_sut *s;
    struct lc_sut_config cfg = {.command = "true", .ready_url = "ftp://127.0.0.1/"};
    assert_int_equal(lc_sut_start(&cfg, &s, &err), LC_EINVAL);
    cfg.ready_url = "http://";
    assert_int_equal(lc_sut_start(&cfg, &s, &err), LC_EINVAL);
    cfg.command = "";
    assert_int_equal(lc_sut_start(&cfg, &s, &err), LC_EINVAL);
}

static void test_interrupted(void **state)
{
    (void)state;
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", free_port());
    volatile sig_atomic_t flag = 1;
    struct lc_sut_config cfg = {.command = "exec sleep 30", .ready_url = url, .interrupted = &flag};
    struct lc_sut *s;
    struct lc_error err = {0};
    assert_int_equal(lc_sut_start(&cfg, &s, &err), LC_EINTR);
    assert_non_null(strstr(err.msg, "interrupted"));
    lc_sut_free(NULL);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ready_after_503s),
        cmocka_unit_test(test_never_ready),
        cmocka_unit_test(test_exits_before_ready),
        cmocka_unit_test(test_stderr_tail_and_stop_escalation),
        cmocka_unit_test(test_http_get),
        cmocka_unit_test(test_interrupted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
