/* Unit tests for live/live: addresses, the HTTP server's routes on ephemeral loopback ports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "live/live.h"

#define REPLY_MAX (1 << 20)

struct reply {
    int status;
    char *head; /* points into raw */
    char *body; /* points into raw */
    char raw[REPLY_MAX];
};

/* One HTTP/1.0-style exchange (Connection: close) on loopback; 0 or -1. Bounded by 5 s. */
static int http(int family, uint16_t port, const char *method, const char *path, const char *extra,
                struct reply *out)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len;
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        a->sin6_addr = in6addr_loopback;
        len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(*a);
    }
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
        close(fd);
        return -1;
    }
    char req[1024];
    int n =
        snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n%s\r\n",
                 method, path, extra ? extra : "");
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 5000) != 1)
            break;
        ssize_t r = read(fd, out->raw + got, sizeof(out->raw) - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    out->raw[got] = '\0';
    char *sep = strstr(out->raw, "\r\n\r\n");
    if (got < 12 || !sep)
        return -1;
    *sep = '\0';
    out->head = out->raw;
    out->body = sep + 4;
    out->status = (int)strtol(out->raw + 9, NULL, 10);
    return 0;
}

static struct reply *reply_new(void)
{
    struct reply *r = malloc(sizeof(*r));
    assert_non_null(r);
    return r;
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static void test_parse_listen(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    socklen_t len;
    struct lc_error err = {0};
    assert_int_equal(lc_live_parse_listen("127.0.0.1:9100", &ss, &len, &err), 0);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9100);
    assert_int_equal(lc_live_parse_listen("[::1]:0", &ss, &len, &err), 0);
    assert_int_equal(ss.ss_family, AF_INET6);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    assert_int_equal(lc_live_parse_listen(":9100", &ss, &len, &err), 0);
    assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    assert_int_equal(lc_live_parse_listen("9100", &ss, &len, &err), 0);
    assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9100);
    assert_int_equal(lc_live_parse_listen("localhost:1", &ss, &len, &err), 0);
    assert_int_equal(lc_live_parse_listen("0.0.0.0:1", &ss, &len, &err), 0);

    const char *bad[] = {"",           "127.0.0.1",       "127.0.0.1:",  "127.0.0.1:65536",
                         "1.2.3.4:-1", "host.example:80", "::1:80",      "[::1]80",
                         "[::1:80",    "127.0.0.1:8x",    "999.1.1.1:80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lc_error_clear(&err);
        assert_int_equal(lc_live_parse_listen(bad[i], &ss, &len, &err), LC_EINVAL);
        assert_true(strlen(err.msg) > 0);
    }
}

static int stops;
static void count_stop(void *ctx)
{
    (void)ctx;
    __atomic_add_fetch(&stops, 1, __ATOMIC_RELAXED);
}

/* /metrics on an ephemeral port: the page before and after a publish, and the other routes. */
static void test_metrics_server(void **state)
{
    (void)state;
    int fds = open_fds();
    struct lc_live *l = NULL;
    struct lc_error err = {0};
    struct lc_live_options o = {.metrics_listen = "127.0.0.1:0"};
    assert_int_equal(lc_live_start(&o, &l, &err), 0);
    uint16_t port = lc_live_metrics_port(l);
    assert_true(port > 0);
    assert_int_equal(lc_live_dashboard_port(l), 0);
    assert_null(lc_live_dashboard_url(l));
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", port);
    assert_string_equal(lc_live_metrics_url(l), url);

    struct reply *r = reply_new();
    assert_int_equal(http(AF_INET, port, "GET", "/metrics", NULL, r), 0);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->head, "text/plain; version=0.0.4"));
    assert_non_null(strstr(r->body, "loadcell_running 1\n"));
    assert_null(strstr(r->body, "loadcell_requests_total{")); /* nothing published yet */

    struct lc_live_snapshot *s = malloc(sizeof(*s));
    assert_non_null(s);
    lc_live_snapshot_init(s);
    memcpy(s->command, "http", 5);
    s->has_load = 1;
    uint32_t ph = lc_live_phase_index(s, "main");
    lc_live_count_request(s, ph, lc_live_request_index(s, "GET /"), 200, 1234);
    lc_live_publish(l, s);
    lc_live_count_request(s, ph, 0, 200, 1); /* the published copy is not affected */
    assert_int_equal(http(AF_INET, port, "GET", "/metrics", NULL, r), 0);
    assert_non_null(
        strstr(r->body, "loadcell_requests_total{request=\"GET /\",status=\"200\",phase=\"main\"} "
                        "1234\n"));
    s->state = LC_LIVE_FINISHED;
    lc_live_publish(l, s);
    assert_int_equal(http(AF_INET, port, "GET", "/metrics", NULL, r), 0);
    assert_non_null(strstr(r->body, "loadcell_running 0\n"));
    assert_non_null(strstr(r->body, "phase=\"main\"} 1235\n"));

    /* HEAD has the headers only; the dashboard's routes are not on a metrics-only server. */
    assert_int_equal(http(AF_INET, port, "HEAD", "/metrics", NULL, r), 0);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->body, "");
    assert_int_equal(http(AF_INET, port, "GET", "/api/snapshot", NULL, r), 0);
    assert_int_equal(r->status, 404);
    assert_int_equal(http(AF_INET, port, "POST", "/api/stop", "X-Loadcell-Stop: 1\r\n", r), 0);
    assert_int_equal(r->status, 404);
    assert_int_equal(http(AF_INET, port, "POST", "/metrics", "Content-Length: 0\r\n", r), 0);
    assert_int_equal(r->status, 405);
    assert_int_equal(http(AF_INET, port, "GET", "/", NULL, r), 0);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->body, "/metrics"));
    lc_live_stop(l);
    free(s);
    free(r);
    assert_int_equal(open_fds(), fds); /* the listener and the daemon's descriptors are gone */
}

/* One server for both flags; the page, the JSON and the Stop button. */
static void test_dashboard_server(void **state)
{
    (void)state;
    struct lc_live *l = NULL;
    struct lc_error err = {0};
    stops = 0;
    struct lc_live_options o = {
        .metrics_listen = "127.0.0.1:0", .dashboard_listen = "127.0.0.1:0", .on_stop = count_stop};
    assert_int_equal(lc_live_start(&o, &l, &err), 0);
    uint16_t port = lc_live_dashboard_port(l);
    assert_true(port > 0);
    assert_int_equal(lc_live_metrics_port(l), port);
    struct reply *r = reply_new();

    assert_int_equal(http(AF_INET, port, "GET", "/", NULL, r), 0);
    assert_int_equal(r->status, 200);
    assert_non_null(strstr(r->head, "text/html"));
    assert_non_null(strstr(r->head, "Content-Security-Policy: default-src 'none'"));
    assert_string_equal(r->body, lc_live_dashboard_html);
    /* Self-contained: no external script, style or image. */
    assert_null(strstr(r->body, "src=\"http"));
    assert_null(strstr(r->body, "href=\"http"));
    assert_null(strstr(r->body, "<script src"));

    assert_int_equal(http(AF_INET, port, "GET", "/api/snapshot", NULL, r), 0);
    assert_int_equal(r->status, 200);
    json_t *j = json_loads(r->body, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "starting");
    json_decref(j);

    /* Stop: refused without the header (a cross-site form cannot add it), then taken. */
    assert_int_equal(http(AF_INET, port, "POST", "/api/stop", "Content-Length: 0\r\n", r), 0);
    assert_int_equal(r->status, 403);
    assert_int_equal(__atomic_load_n(&stops, __ATOMIC_RELAXED), 0);
    assert_false(lc_live_stop_requested(l));
    assert_int_equal(http(AF_INET, port, "GET", "/api/stop", NULL, r), 0);
    assert_int_equal(r->status, 405);
    assert_int_equal(http(AF_INET, port, "POST", "/api/stop", "X-Loadcell-Stop: 1\r\n", r), 0);
    assert_int_equal(r->status, 202);
    assert_int_equal(__atomic_load_n(&stops, __ATOMIC_RELAXED), 1);
    assert_true(lc_live_stop_requested(l));
    assert_int_equal(http(AF_INET, port, "GET", "/api/snapshot", NULL, r), 0);
    j = json_loads(r->body, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "stopping");
    json_decref(j);
    assert_int_equal(http(AF_INET, port, "GET", "/favicon.ico", NULL, r), 0);
    assert_int_equal(r->status, 204);
    lc_live_stop(l);
    free(r);
}

/* The last control handed over, and the answer to give (0: accept). */
static char control_seen[64];

static int take_control(void *ctx, const char *name, const char *value, char *reply, size_t size)
{
    (void)ctx;
    snprintf(control_seen, sizeof(control_seen), "%s=%s", name, value);
    if (strcmp(value, "bad") == 0) {
        snprintf(reply, size, "%s '%s' is not a number", name, value);
        return -1;
    }
    snprintf(reply, size, "%s=%s", name, value);
    return 0;
}

/* POST /api/control: header and origin checks, one value, the callback's answer; none: 409. */
static void test_control_route(void **state)
{
    (void)state;
    struct lc_live *l = NULL;
    struct lc_error err = {0};
    struct lc_live_options o = {.dashboard_listen = "127.0.0.1:0", .on_control = take_control};
    assert_int_equal(lc_live_start(&o, &l, &err), 0);
    uint16_t port = lc_live_dashboard_port(l);
    struct reply *r = reply_new();
    const char *hdr = "X-Loadcell-Control: 1\r\n";
    control_seen[0] = '\0';
    assert_int_equal(http(AF_INET, port, "POST", "/api/control?users=3", NULL, r), 0);
    assert_int_equal(r->status, 403);
    assert_int_equal(http(AF_INET, port, "POST", "/api/control?users=3",
                          "X-Loadcell-Control: 1\r\nOrigin: http://evil.example\r\n", r),
                     0);
    assert_int_equal(r->status, 403);
    assert_string_equal(control_seen, ""); /* neither reached the command */
    assert_int_equal(http(AF_INET, port, "GET", "/api/control?users=3", hdr, r), 0);
    assert_int_equal(r->status, 405);
    assert_int_equal(http(AF_INET, port, "POST", "/api/control", hdr, r), 0);
    assert_int_equal(r->status, 400);
    assert_int_equal(http(AF_INET, port, "POST", "/api/control?users=3&rate=4", hdr, r), 0);
    assert_int_equal(r->status, 400);
    assert_int_equal(http(AF_INET, port, "POST", "/api/control?rate=bad", hdr, r), 0);
    assert_int_equal(r->status, 400);
    assert_string_equal(r->body, "rate 'bad' is not a number\n");
    assert_int_equal(http(AF_INET, port, "POST", "/api/control?users=3",
                          "X-Loadcell-Control: 1\r\nOrigin: http://test\r\n", r),
                     0);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->body, "users=3\n");
    assert_string_equal(control_seen, "users=3");
    lc_live_stop(l);

    /* Without a callback (bench, monitor): the command cannot be changed. */
    struct lc_live_options none = {.dashboard_listen = "127.0.0.1:0"};
    assert_int_equal(lc_live_start(&none, &l, &err), 0);
    port = lc_live_dashboard_port(l);
    assert_int_equal(http(AF_INET, port, "POST", "/api/control?users=3", hdr, r), 0);
    assert_int_equal(r->status, 409);
    lc_live_stop(l);
    free(r);
}

/* Two addresses: two servers; only the dashboard's takes Stop, and without a callback it is 409. */
static void test_two_servers(void **state)
{
    (void)state;
    struct lc_live *l = NULL;
    struct lc_error err = {0};
    struct lc_live_options o = {.metrics_listen = "127.0.0.1:0", .dashboard_listen = "[::1]:0"};
    int rc = lc_live_start(&o, &l, &err);
    if (rc != 0) {
        /* No IPv6 loopback on this machine: the same test with two IPv4 ports. */
        o.dashboard_listen = "127.0.0.1:0";
        assert_int_equal(lc_live_start(&o, &l, &err), 0);
    }
    int fam = rc == 0 ? AF_INET6 : AF_INET;
    uint16_t mp = lc_live_metrics_port(l), dp = lc_live_dashboard_port(l);
    assert_true(mp > 0 && dp > 0);
    if (fam == AF_INET6)
        assert_non_null(strstr(lc_live_dashboard_url(l), "http://[::1]:"));
    struct reply *r = reply_new();
    assert_int_equal(http(fam, dp, "GET", "/metrics", NULL, r), 0);
    assert_int_equal(r->status, 200);
    assert_int_equal(http(fam, dp, "POST", "/api/stop", "X-Loadcell-Stop: 1\r\n", r), 0);
    assert_int_equal(r->status, 409);
    assert_int_equal(http(AF_INET, mp, "GET", "/", NULL, r), 0);
    assert_null(strstr(r->body, "<html"));
    lc_live_stop(l);
    free(r);
}

/* A port in use and a malformed address fail before anything is served. */
static void test_start_errors(void **state)
{
    (void)state;
    int fds = open_fds();
    int busy = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(busy >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(busy, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(busy, 1), 0);
    socklen_t len = sizeof(a);
    assert_int_equal(getsockname(busy, (struct sockaddr *)&a, &len), 0);
    char addr[32];
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(a.sin_port));

    struct lc_live *l = (struct lc_live *)&a; /* must be reset to NULL on failure */
    struct lc_error err = {0};
    struct lc_live_options o = {.metrics_listen = addr};
    assert_int_equal(lc_live_start(&o, &l, &err), LC_ESYS);
    assert_null(l);
    assert_int_equal(err.sys_errno, EADDRINUSE);
    assert_non_null(strstr(err.msg, addr));
    /* The dashboard fails after the metrics server started: that one is torn down too. */
    o = (struct lc_live_options){.metrics_listen = "127.0.0.1:0", .dashboard_listen = addr};
    assert_int_equal(lc_live_start(&o, &l, &err), LC_ESYS);
    o = (struct lc_live_options){.metrics_listen = "127.0.0.1:http"};
    assert_int_equal(lc_live_start(&o, &l, &err), LC_EINVAL);
    close(busy);
    assert_int_equal(open_fds(), fds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_listen),     cmocka_unit_test(test_metrics_server),
        cmocka_unit_test(test_dashboard_server), cmocka_unit_test(test_two_servers),
        cmocka_unit_test(test_start_errors),     cmocka_unit_test(test_control_route),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
