/*
 * Unit tests for load/engine with several worker threads against an
 * in-process `serve` with several threads: exact counts, open and closed
 * models, aggregator ticks, a stop from the tick hook and a graceful stop
 * from a signal, live control of the users and the rate. Also run under
 * ThreadSanitizer (make test-tsan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/clock.h"
#include "load/engine.h"
#include "net/http1_request.h"
#include "serve/server.h"

#define MS 1000000ULL

struct target {
    struct lc_serve *srv;
    pthread_t thread;
    uint16_t port;
};

static void *run_server(void *arg)
{
    struct lc_error err = {0};
    intptr_t rc = lc_serve_run(arg, &err);
    return (void *)rc;
}

/* Start a 2-thread server answering after `latency`. */
static void target_start(struct target *t, const char *latency)
{
    struct lc_serve_options opt = {.listen = "127.0.0.1:0", .threads = 2, .seed = 3, .seed_set = 1};
    struct lc_error err = {0};
    lc_serve_behaviour_default(&opt.behaviour);
    assert_int_equal(lc_serve_behaviour_set(&opt.behaviour, "latency", latency, &err), 0);
    assert_int_equal(lc_serve_create(&opt, &t->srv, &err), 0);
    t->port = lc_serve_port(t->srv);
    assert_int_equal(pthread_create(&t->thread, NULL, run_server, t->srv), 0);
}

static void target_stop(struct target *t)
{
    lc_serve_stop(t->srv);
    void *rc;
    assert_int_equal(pthread_join(t->thread, &rc), 0);
    assert_int_equal((intptr_t)rc, 0);
    lc_serve_destroy(t->srv);
}

/* The server's own request count, from GET /stats on a new connection. */
static long server_requests(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    const char *req = "GET /stats HTTP/1.0\r\n\r\n";
    assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
    char buf[8192];
    size_t n = 0;
    ssize_t r;
    while (n + 1 < sizeof(buf) && (r = recv(fd, buf + n, sizeof(buf) - 1 - n, 0)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    close(fd);
    const char *p = strstr(buf, "\"requests\":");
    assert_non_null(p);
    return strtol(p + strlen("\"requests\":"), NULL, 10);
}

/* A plan of one GET / against the target, one phase at a constant level. */
static void plan_init(struct lc_load_plan *p, uint16_t port, enum lc_load_model model, double level,
                      uint64_t duration_ns, uint32_t conns, uint32_t threads)
{
    struct lc_error err = {0};
    memset(p, 0, sizeof(*p));
    char portbuf[16];
    snprintf(portbuf, sizeof(portbuf), "%u", port);
    snprintf(p->target, sizeof(p->target), "http://127.0.0.1:%u/", port);
    assert_int_equal(lc_addr_resolve("127.0.0.1", portbuf, &p->addrs, &err), 0);
    p->connections = conns;
    p->threads = threads;
    p->pipeline = 1;
    p->timeout_ns = 5000 * MS;
    p->connect_timeout_ns = 2000 * MS;
    p->graceful_stop_ns = 2000 * MS;
    p->late_tolerance_ns = MS;
    p->seed = 7;
    p->limits = lc_http1_default_limits;
    struct lc_load_phase *ph = lc_load_plan_add_phase(p, "main", model, 1);
    assert_non_null(ph);
    assert_int_equal(lc_load_phase_add_stage(ph, duration_ns, level, level), 0);
    p->requests = calloc(1, sizeof(*p->requests));
    assert_non_null(p->requests);
    p->request_count = 1;
    struct lc_load_request *r = &p->requests[0];
    snprintf(r->name, sizeof(r->name), "GET /");
    snprintf(r->method, sizeof(r->method), "GET");
    r->weight = 1;
    struct lc_http1_request_spec spec = {.method = "GET", .target = "/", .host = "127.0.0.1"};
    assert_int_equal(lc_http1_request_build(&spec, 1, &r->batch, &r->batch_len, &err), 0);
    r->bytes = r->batch;
    r->len = r->batch_len;
}

/* Sum of the request recorders (not the connection one) over every phase. */
static void totals(const struct lc_engine_outcome *o, uint64_t *completed, uint64_t *failed,
                   uint64_t *sent)
{
    *completed = *failed = *sent = 0;
    for (size_t i = 0; i < o->phase_count; i++) {
        const struct lc_engine_phase *ph = &o->phases[i];
        for (size_t k = 0; k + 1 < ph->nrec; k++) {
            *completed += ph->recs[k].completed;
            *failed += ph->recs[k].failed;
            *sent += ph->recs[k].sent;
        }
    }
}

/* Closed model bounded by count: exactly N requests, every one answered and counted once. */
static void test_closed_count_exact(void **state)
{
    (void)state;
    struct target t;
    target_start(&t, "0");
    struct lc_load_plan plan;
    plan_init(&plan, t.port, LC_MODEL_CLOSED, 6, 0, 6, 3);
    plan.max_requests = 3001; /* not a multiple of the threads */
    struct lc_engine_outcome out;
    struct lc_error err = {0};
    assert_int_equal(lc_engine_run(&plan, NULL, &out, &err), 0);
    uint64_t completed, failed, sent;
    totals(&out, &completed, &failed, &sent);
    assert_int_equal(completed, 3001);
    assert_int_equal(failed, 0);
    assert_int_equal(sent, 3001);
    assert_int_equal(out.inflight_at_stop, 0);
    assert_int_equal(out.connections_established, 6);
    assert_int_equal(server_requests(t.port), 3001);
    lc_engine_outcome_free(&out);
    lc_load_plan_free(&plan);
    target_stop(&t);
}

static int ticks_seen;

static int count_ticks(const struct lc_engine_progress *pr, void *ctx)
{
    (void)ctx;
    assert_non_null(pr->last);
    ticks_seen++;
    return 0;
}

/* Open model across ticks: the rate is kept and the server saw what was sent. */
static void test_open_rate_across_ticks(void **state)
{
    (void)state;
    struct target t;
    target_start(&t, "fixed:2ms");
    struct lc_load_plan plan;
    plan_init(&plan, t.port, LC_MODEL_OPEN, 1000, 2500 * MS, 50, 2);
    struct lc_engine_outcome out;
    struct lc_error err = {0};
    struct lc_engine_hooks hooks = {.on_tick = count_ticks};
    ticks_seen = 0;
    assert_int_equal(lc_engine_run(&plan, &hooks, &out, &err), 0);
    uint64_t completed, failed, sent;
    totals(&out, &completed, &failed, &sent);
    assert_int_equal(failed, 0);
    assert_int_equal(sent, completed + out.inflight_at_stop);
    /* 2500 arrivals are due; a few may still be in flight or unsent at the end. */
    assert_true(sent + out.unsent >= 2450 && sent + out.unsent <= 2500);
    assert_true(completed >= 2400);
    assert_true(ticks_seen >= 2);
    assert_true(out.phases[0].series_len >= 2);
    long seen = server_requests(t.port);
    assert_true(seen >= (long)completed && seen <= (long)sent);
    lc_engine_outcome_free(&out);
    lc_load_plan_free(&plan);
    target_stop(&t);
}

static int stop_after_first(const struct lc_engine_progress *pr, void *ctx)
{
    (void)ctx;
    (void)pr;
    return 1;
}

/* The tick hook stops a long run at once. */
static void test_hook_stop(void **state)
{
    (void)state;
    struct target t;
    target_start(&t, "fixed:1ms");
    struct lc_load_plan plan;
    plan_init(&plan, t.port, LC_MODEL_CLOSED, 8, 60000 * MS, 8, 2);
    struct lc_engine_outcome out;
    struct lc_error err = {0};
    struct lc_engine_hooks hooks = {.on_tick = stop_after_first};
    uint64_t t0 = lc_clock_now_ns();
    assert_int_equal(lc_engine_run(&plan, &hooks, &out, &err), 0);
    uint64_t took = lc_clock_now_ns() - t0;
    assert_true(out.stopped_by_hook);
    assert_true(took < 5000 * MS);
    uint64_t completed, failed, sent;
    totals(&out, &completed, &failed, &sent);
    assert_true(completed > 0);
    assert_int_equal(sent, completed + failed + out.inflight_at_stop);
    lc_engine_outcome_free(&out);
    lc_load_plan_free(&plan);
    target_stop(&t);
}

static volatile sig_atomic_t interrupted;

static void on_alarm(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* A signal during the run: a graceful, partial stop; requests in flight finish. */
static void test_interrupt_graceful(void **state)
{
    (void)state;
    struct target t;
    target_start(&t, "fixed:5ms");
    struct lc_load_plan plan;
    plan_init(&plan, t.port, LC_MODEL_CLOSED, 4, 60000 * MS, 4, 2);
    struct sigaction sa = {.sa_handler = on_alarm}, old;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    interrupted = 0;
    struct itimerval it = {.it_value = {.tv_usec = 400000}};
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    struct lc_engine_outcome out;
    struct lc_error err = {0};
    struct lc_engine_hooks hooks = {.interrupted = &interrupted};
    uint64_t t0 = lc_clock_now_ns();
    assert_int_equal(lc_engine_run(&plan, &hooks, &out, &err), 0);
    uint64_t took = lc_clock_now_ns() - t0;
    sigaction(SIGALRM, &old, NULL);
    assert_true(out.partial);
    assert_true(took < 5000 * MS);
    uint64_t completed, failed, sent;
    totals(&out, &completed, &failed, &sent);
    assert_true(completed > 10);
    assert_int_equal(failed, 0);
    /* Graceful: what was in flight at the signal was answered within the 2 s allowed. */
    assert_int_equal(out.inflight_at_stop, 0);
    assert_int_equal(sent, completed);
    lc_engine_outcome_free(&out);
    lc_load_plan_free(&plan);
    target_stop(&t);
}

/* Live control: a script of levels, one per tick the engine asks about (0: no change). */
struct control_script {
    double levels[8];
    size_t n;
    size_t asked;
    size_t phase_seen;
};

static int scripted_control(size_t phase, double *level, void *ctx)
{
    struct control_script *cs = ctx;
    cs->phase_seen = phase;
    size_t i = cs->asked++;
    if (i >= cs->n || cs->levels[i] == 0)
        return 0;
    *level = cs->levels[i];
    return 1;
}

/* The bounds a live change must keep (users 1..connections, whole; rate in (0, 10x peak]). */
static void test_control_check(void **state)
{
    (void)state;
    struct lc_load_plan plan;
    plan_init(&plan, 9, LC_MODEL_CLOSED, 4, 1000 * MS, 10, 2);
    struct lc_load_phase *open = lc_load_plan_add_phase(&plan, "open", LC_MODEL_OPEN, 1);
    assert_non_null(open);
    assert_int_equal(lc_load_phase_add_stage(open, 1000 * MS, 50, 100), 0);
    struct lc_error err = {0};
    assert_int_equal(lc_engine_control_check(&plan, 0, 1, &err), 0);
    assert_int_equal(lc_engine_control_check(&plan, 0, 10, &err), 0);
    assert_int_equal(lc_engine_control_check(&plan, 0, 0, &err), LC_EINVAL);
    assert_non_null(strstr(err.msg, "from 1 to 10"));
    assert_int_equal(lc_engine_control_check(&plan, 0, 11, &err), LC_EINVAL);
    assert_int_equal(lc_engine_control_check(&plan, 0, 2.5, &err), LC_EINVAL);
    assert_int_equal(lc_engine_control_check(&plan, 1, 1000, &err), 0); /* 10 x peak 100 */
    assert_int_equal(lc_engine_control_check(&plan, 1, 0.5, &err), 0);
    assert_int_equal(lc_engine_control_check(&plan, 1, 1000.5, &err), LC_EINVAL);
    assert_non_null(strstr(err.msg, "at most 1000"));
    assert_int_equal(lc_engine_control_check(&plan, 1, 0, &err), LC_EINVAL);
    assert_int_equal(lc_engine_control_check(&plan, 1, -5, &err), LC_EINVAL);
    assert_int_equal(lc_engine_control_check(&plan, 2, 5, &err), LC_EINVAL);
    lc_load_plan_free(&plan);
}

/* When a live change would be applied: the phase of the next tick, or "not now". */
static void test_control_when(void **state)
{
    (void)state;
    struct lc_load_plan plan;
    plan_init(&plan, 9, LC_MODEL_CLOSED, 4, 2500 * MS, 10, 2);
    snprintf(plan.phases[0].name, sizeof(plan.phases[0].name), "a");
    struct lc_load_phase *b = lc_load_plan_add_phase(&plan, "b", LC_MODEL_OPEN, 1);
    assert_non_null(b);
    assert_int_equal(lc_load_phase_add_stage(b, 3000 * MS, 50, 50), 0);
    struct lc_error err = {0};
    size_t phase = 99;
    assert_int_equal(lc_engine_control_when(&plan, 0, &phase, &err), 0);
    assert_int_equal(phase, 0);
    assert_int_equal(lc_engine_control_when(&plan, 1200 * MS, &phase, &err), 0);
    assert_int_equal(phase, 0);
    /* The ticks of phase a are at 1 s, 2 s and its end (2.5 s): from 2 s nothing applies. */
    assert_int_equal(lc_engine_control_when(&plan, 2000 * MS, &phase, &err), LC_EAGAIN);
    assert_int_equal(phase, 0);
    assert_non_null(strstr(err.msg, "phase 'a' ends in 0.5 s"));
    assert_non_null(strstr(err.msg, "once phase 'b' runs"));
    assert_int_equal(lc_engine_control_when(&plan, 2499 * MS, &phase, &err), LC_EAGAIN);
    /* Phase b ticks at 3.5 s and 4.5 s, and ends at 5.5 s. */
    assert_int_equal(lc_engine_control_when(&plan, 2500 * MS, &phase, &err), 0);
    assert_int_equal(phase, 1);
    assert_int_equal(lc_engine_control_when(&plan, 4499 * MS, &phase, &err), 0);
    assert_int_equal(phase, 1);
    assert_int_equal(lc_engine_control_when(&plan, 4600 * MS, &phase, &err), LC_EAGAIN);
    assert_int_equal(phase, 1);
    assert_non_null(strstr(err.msg, "the run ends in 0.9 s"));
    assert_int_equal(lc_engine_control_when(&plan, 5500 * MS, &phase, &err), LC_EAGAIN);
    assert_int_equal(phase, 2);
    assert_non_null(strstr(err.msg, "the run is over"));
    lc_load_plan_free(&plan);
    /* A run bounded by a count only never ends by time. */
    plan_init(&plan, 9, LC_MODEL_CLOSED, 4, 0, 10, 2);
    assert_int_equal(lc_engine_control_when(&plan, 3600000 * MS, &phase, &err), 0);
    assert_int_equal(phase, 0);
    lc_load_plan_free(&plan);
}

/*
 * Closed model, 8 users against a 50 ms server (about 160 requests/s): at 1 s
 * the users go down to 2 (about 40/s), a bad level at 2 s is ignored, at 3 s
 * they go up to 6 (about 120/s). The per-second figures follow, and the
 * changes are recorded.
 */
static void test_control_users(void **state)
{
    (void)state;
    struct target t;
    target_start(&t, "fixed:50ms");
    struct lc_load_plan plan;
    plan_init(&plan, t.port, LC_MODEL_CLOSED, 8, 4000 * MS, 8, 2);
    struct control_script cs = {.levels = {2, 99, 6}, .n = 3};
    struct lc_engine_hooks hooks = {.take_control = scripted_control, .control_ctx = &cs};
    struct lc_engine_outcome out;
    struct lc_error err = {0};
    assert_int_equal(lc_engine_run(&plan, &hooks, &out, &err), 0);
    assert_int_equal(cs.asked, 3); /* the ticks at 1, 2 and 3 s; not the phase's end */
    assert_int_equal(out.control_count, 2);
    assert_true(out.controls[0].t_s > 0.99 && out.controls[0].t_s < 1.01);
    assert_int_equal(out.controls[0].open, 0);
    assert_true(out.controls[0].from_level == 8 && out.controls[0].to_level == 2);
    assert_true(out.controls[1].from_level == 2 && out.controls[1].to_level == 6);
    const struct lc_engine_phase *ph = &out.phases[0];
    assert_int_equal(ph->series_len, 4);
    const double want_users[4] = {8, 2, 2, 6};
    for (size_t i = 0; i < 4; i++) {
        const struct lc_series_point *p = &ph->series[i];
        double rps = (double)p->requests / p->interval_s;
        double ideal = want_users[i] / 0.050;
        printf("  second %zu: %.0f req/s (ideal %.0f), active %u, target %.0f\n", i + 1, rps, ideal,
               p->active, p->target_users);
        assert_int_equal(p->active, (uint32_t)want_users[i]);
        assert_true(p->target_users == want_users[i]);
        /* The second of a change still ends requests of the old level (within 50 ms). */
        assert_true(rps > ideal * 0.6 && rps < ideal * 1.3 + 10);
    }
    uint64_t completed, failed, sent;
    totals(&out, &completed, &failed, &sent);
    assert_int_equal(failed, 0);
    lc_engine_outcome_free(&out);
    lc_load_plan_free(&plan);
    target_stop(&t);
}

/*
 * Open model at 50/s: at 1 s the rate becomes 200/s. The schedule continues
 * from the change (no burst, nothing late, nothing unsent) at the new rate.
 */
static void test_control_rate(void **state)
{
    (void)state;
    struct target t;
    target_start(&t, "fixed:2ms");
    struct lc_load_plan plan;
    plan_init(&plan, t.port, LC_MODEL_OPEN, 50, 3000 * MS, 20, 2);
    struct control_script cs = {.levels = {200}, .n = 1};
    struct lc_engine_hooks hooks = {.take_control = scripted_control, .control_ctx = &cs};
    struct lc_engine_outcome out;
    struct lc_error err = {0};
    assert_int_equal(lc_engine_run(&plan, &hooks, &out, &err), 0);
    assert_int_equal(out.control_count, 1);
    assert_int_equal(out.controls[0].open, 1);
    assert_true(out.controls[0].from_level == 50 && out.controls[0].to_level == 200);
    const struct lc_engine_phase *ph = &out.phases[0];
    assert_int_equal(ph->series_len, 3);
    const double want[3] = {50, 200, 200};
    for (size_t i = 0; i < 3; i++) {
        const struct lc_series_point *p = &ph->series[i];
        double rps = (double)p->requests / p->interval_s;
        printf("  second %zu: %.0f req/s (target %.0f), lag p99 %.2f ms\n", i + 1, rps,
               p->target_rate, (double)p->lag_p99_ns / 1e6);
        assert_true(p->target_rate == want[i]);
        assert_true(rps > want[i] * 0.85 && rps < want[i] * 1.1 + 3);
    }
    uint64_t completed, failed, sent;
    totals(&out, &completed, &failed, &sent);
    assert_int_equal(failed, 0);
    assert_int_equal(out.unsent, 0);
    /* 50 in the first second, 400 in the next two: within a few of 450. */
    assert_true(sent >= 440 && sent <= 452);
    lc_engine_outcome_free(&out);
    lc_load_plan_free(&plan);
    target_stop(&t);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_count_exact), cmocka_unit_test(test_open_rate_across_ticks),
        cmocka_unit_test(test_hook_stop),          cmocka_unit_test(test_interrupt_graceful),
        cmocka_unit_test(test_control_check),      cmocka_unit_test(test_control_when),
        cmocka_unit_test(test_control_users),      cmocka_unit_test(test_control_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
