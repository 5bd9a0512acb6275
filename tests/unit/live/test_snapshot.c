/* Unit tests for live/snapshot: tables, histogram buckets, labels, Prometheus text, JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>

#include "live/snapshot.h"

static struct lc_live_snapshot *new_snapshot(void)
{
    struct lc_live_snapshot *s = malloc(sizeof(*s));
    assert_non_null(s);
    lc_live_snapshot_init(s);
    return s;
}

/* Sum the values of every sample line of `name{...} value` in text. */
static double sum_samples(const char *text, const char *name)
{
    double sum = 0;
    size_t n = strlen(name);
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        if (eol && strncmp(p, name, n) == 0 && (p[n] == '{' || p[n] == ' ')) {
            const char *sp = eol;
            while (sp > p && *sp != ' ')
                sp--;
            sum += strtod(sp + 1, NULL);
        }
        p = eol ? eol + 1 : NULL;
    }
    return sum;
}

static void test_bucket_accumulation(void **state)
{
    (void)state;
    struct lc_live_cell c;
    memset(&c, 0, sizeof(c));
    lc_live_cell_record_ns(&c, 50000, 1);           /* 50 us: every bucket */
    lc_live_cell_record_ns(&c, 1000000, 2);         /* exactly 1 ms: le="0.001" and up */
    lc_live_cell_record_ns(&c, 1000001, 1);         /* just above: le="0.0025" and up */
    lc_live_cell_record_ns(&c, 7000000000LL, 3);    /* 7 s: le="10" and up */
    lc_live_cell_record_ns(&c, 3600000000000LL, 1); /* 1 h: +Inf only */
    lc_live_cell_record_ns(&c, -5, 1);              /* negative: counts as 0 */
    lc_live_cell_record_ns(&c, 123456, 0);          /* nothing */
    assert_int_equal(c.count, 9);
    const uint64_t want[LC_LIVE_BUCKETS] = {2, 2, 2, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 8, 8, 8};
    for (int i = 0; i < LC_LIVE_BUCKETS; i++) {
        assert_int_equal(c.le[i], want[i]);
        if (i)
            assert_true(c.le[i] >= c.le[i - 1]); /* cumulative */
        assert_true(lc_live_bucket_bounds_s[i] > (i ? lc_live_bucket_bounds_s[i - 1] : 0));
    }
    double sum = 50e-6 + 2 * 0.001 + 0.001000001 + 3 * 7.0 + 3600.0;
    assert_true(fabs(c.sum_s - sum) < 1e-9);
    /* A histogram bucket starting exactly on a bound counts under it; its middle makes the sum. */
    memset(&c, 0, sizeof(c));
    lc_live_cell_record_bucket_ns(&c, 5000000, 5002000, 4);
    assert_int_equal(c.le[4], 0); /* le="0.0025" */
    assert_int_equal(c.le[5], 4); /* le="0.005" */
    assert_int_equal(c.count, 4);
    assert_true(fabs(c.sum_s - 4 * 0.005002) < 1e-12);
}

static void test_copy_label(void **state)
{
    (void)state;
    char buf[8];
    lc_live_copy_label(buf, sizeof(buf), "abc");
    assert_string_equal(buf, "abc");
    lc_live_copy_label(buf, sizeof(buf), "a\x01\tb\x7f");
    assert_string_equal(buf, "a??b?");
    lc_live_copy_label(buf, sizeof(buf), "x\xff\xc3(y"); /* invalid bytes */
    assert_string_equal(buf, "x?"
                             "?(y");
    lc_live_copy_label(buf, sizeof(buf), "\xc0\xaf"); /* overlong '/' */
    assert_string_equal(buf, "??");
    lc_live_copy_label(buf, sizeof(buf), "\xed\xa0\x80"); /* a surrogate */
    assert_string_equal(buf, "???");
    /* Cut at a character boundary: "aaaaaa" + "é" (2 bytes) does not fit in 7. */
    lc_live_copy_label(buf, sizeof(buf), "aaaaaa\xc3\xa9");
    assert_string_equal(buf, "aaaaaa");
    lc_live_copy_label(buf, sizeof(buf), "aaaaa\xc3\xa9"); /* exactly fits */
    assert_string_equal(buf, "aaaaa\xc3\xa9");
    lc_live_copy_label(buf, sizeof(buf), "ab\xe2\x82\xac"); /* € fits */
    assert_string_equal(buf, "ab\xe2\x82\xac");
    lc_live_copy_label(buf, sizeof(buf), NULL);
    assert_string_equal(buf, "");
}

static void test_names_and_overflow(void **state)
{
    (void)state;
    struct lc_live_snapshot *s = new_snapshot();
    char name[32];
    for (int i = 0; i < LC_LIVE_MAX_PHASES + 5; i++) {
        snprintf(name, sizeof(name), "phase%d", i);
        uint32_t idx = lc_live_phase_index(s, name);
        assert_int_equal(idx, i < LC_LIVE_MAX_PHASES - 1 ? (uint32_t)i : LC_LIVE_MAX_PHASES - 1);
    }
    assert_int_equal(s->n_phases, LC_LIVE_MAX_PHASES);
    assert_string_equal(s->phases[LC_LIVE_MAX_PHASES - 1], "(other)");
    assert_int_equal(lc_live_phase_index(s, "phase3"), 3); /* found again */

    /* Fill the request-by-status table: the rest goes to the overflow row. */
    s->has_load = 1;
    uint32_t rq = lc_live_request_index(s, "GET /");
    uint64_t total = 0;
    for (unsigned i = 0; i < LC_LIVE_MAX_COUNTS + 10; i++) {
        lc_live_count_request(s, i % 40, rq, 100 + i / 40, 3);
        total += 3;
    }
    assert_int_equal(s->n_counts, LC_LIVE_MAX_COUNTS);
    assert_int_equal(s->overflow_requests, 30);
    assert_int_equal(s->requests_total, total);
    lc_live_count_request(s, 0, rq, 100, 0); /* zero adds nothing, no row */
    assert_int_equal(s->requests_total, total);
    size_t len = 0;
    char *text = lc_live_render_prometheus(s, &len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    assert_non_null(strstr(text, "loadcell_requests_total{request=\"(overflow)\",status=\"0\","
                                 "phase=\"(overflow)\"} 30\n"));
    /* Nothing is lost: the samples add up to the total. */
    assert_true(fabs(sum_samples(text, "loadcell_requests_total") - (double)total) < 0.5);
    free(text);
    free(s);
}

/* One bucket line of the histogram in test_render_exact. */
#define B(le, n)                                                                                   \
    "loadcell_request_duration_seconds_bucket{request=\"GET "                                      \
    "/a\\\"b\\\\c\",phase=\"main\",le=\"" le "\"} " n "\n"

/* The whole exposition of a small snapshot, byte for byte. */
static void test_render_exact(void **state)
{
    (void)state;
    struct lc_live_snapshot *s = new_snapshot();
    memcpy(s->command, "http", 5);
    lc_live_copy_label(s->target, sizeof(s->target), "http://h/\"q\\");
    s->state = LC_LIVE_RUNNING;
    s->elapsed_s = 2.5;
    s->total_s = 10;
    s->has_load = 1;
    uint32_t ph = lc_live_phase_index(s, "main");
    uint32_t rq = lc_live_request_index(s, "GET /a\"b\\c");
    uint32_t kind = lc_live_kind_index(s, "timeout");
    s->phase = ph;
    s->phase_elapsed_s = 2.5;
    s->phase_total_s = 10;
    lc_live_count_request(s, ph, rq, 200, 10);
    lc_live_count_request(s, ph, rq, 0, 2);
    lc_live_count_error(s, ph, rq, kind, 2);
    struct lc_live_cell *c = lc_live_cell_get(s, ph, rq);
    assert_non_null(c);
    assert_ptr_equal(lc_live_cell_get(s, ph, rq), c);
    c->bytes_in = 1000;
    c->bytes_out = 640;
    lc_live_cell_record_ns(c, 200000, 1);
    lc_live_cell_record_ns(c, 3000000, 2);
    s->active_connections = 4;
    s->achieved_rate = 4.8;
    s->window_1s = (struct lc_live_quantiles){1, 0.003, 0.003, 0.003, 0.003, 0.003};
    s->gen_cpu_ratio = 0.25;

    size_t len = 0;
    char *text = lc_live_render_prometheus(s, &len);
    assert_non_null(text);
    const char *want =
        "# HELP loadcell_info Constant 1; its labels describe the run.\n"
        "# TYPE loadcell_info gauge\n"
        "loadcell_info{command=\"http\",target=\"http://h/\\\"q\\\\\"} 1\n"
        "# HELP loadcell_running 1 while the run goes on, 0 once it has ended.\n"
        "# TYPE loadcell_running gauge\n"
        "loadcell_running 1\n"
        "# HELP loadcell_elapsed_seconds Time since the run started.\n"
        "# TYPE loadcell_elapsed_seconds gauge\n"
        "loadcell_elapsed_seconds 2.5\n"
        "# HELP loadcell_planned_duration_seconds Planned length of the run; 0 when it is "
        "bounded by a request count.\n"
        "# TYPE loadcell_planned_duration_seconds gauge\n"
        "loadcell_planned_duration_seconds 10\n"
        "# HELP loadcell_phase Phases of the run in order: 1 for the phase running now, 0 for "
        "the others.\n"
        "# TYPE loadcell_phase gauge\n"
        "loadcell_phase{phase=\"main\",index=\"0\"} 1\n"
        "# HELP loadcell_phase_elapsed_seconds Time since the phase started.\n"
        "# TYPE loadcell_phase_elapsed_seconds gauge\n"
        "loadcell_phase_elapsed_seconds{phase=\"main\"} 2.5\n"
        "# HELP loadcell_phase_planned_duration_seconds Planned length of the phase; 0 when "
        "unbounded.\n"
        "# TYPE loadcell_phase_planned_duration_seconds gauge\n"
        "loadcell_phase_planned_duration_seconds{phase=\"main\"} 10\n"
        "# HELP loadcell_requests_total Requests that ended (a response or a failure) by "
        "request, status (0: no response) and phase.\n"
        "# TYPE loadcell_requests_total counter\n"
        "loadcell_requests_total{request=\"GET /a\\\"b\\\\c\",status=\"200\",phase=\"main\"} 10\n"
        "loadcell_requests_total{request=\"GET /a\\\"b\\\\c\",status=\"0\",phase=\"main\"} 2\n"
        "# HELP loadcell_errors_total Requests that failed (transport errors, malformed "
        "responses) or were answered with an error, by kind.\n"
        "# TYPE loadcell_errors_total counter\n"
        "loadcell_errors_total{request=\"GET /a\\\"b\\\\c\",kind=\"timeout\",phase=\"main\"} 2\n"
        "# HELP loadcell_received_bytes_total Response bytes received.\n"
        "# TYPE loadcell_received_bytes_total counter\n"
        "loadcell_received_bytes_total{request=\"GET /a\\\"b\\\\c\",phase=\"main\"} 1000\n"
        "# HELP loadcell_sent_bytes_total Request bytes sent.\n"
        "# TYPE loadcell_sent_bytes_total counter\n"
        "loadcell_sent_bytes_total{request=\"GET /a\\\"b\\\\c\",phase=\"main\"} 640\n"
        "# HELP loadcell_request_duration_seconds Latency of requests answered or timed out: "
        "from the intended start in the open model, from the send in the closed model.\n"
        "# TYPE loadcell_request_duration_seconds histogram\n"
        /* clang-format off */
        B("0.0001", "0") B("0.00025", "1") B("0.0005", "1") B("0.001", "1") B("0.0025", "1")
        B("0.005", "3") B("0.01", "3") B("0.025", "3") B("0.05", "3") B("0.1", "3")
        B("0.25", "3") B("0.5", "3") B("1", "3") B("2.5", "3") B("5", "3") B("10", "3")
        B("30", "3") B("60", "3") B("+Inf", "3")
        /* clang-format on */
        "loadcell_request_duration_seconds_sum{request=\"GET /a\\\"b\\\\c\",phase=\"main\"} "
        "0.0062\n"
        "loadcell_request_duration_seconds_count{request=\"GET "
        "/a\\\"b\\\\c\",phase=\"main\"} 3\n"
        "# HELP loadcell_request_duration_quantile_seconds Latency quantiles of "
        "every request "
        "over the last interval (window=\"1s\") and the current phase so far "
        "(window=\"phase\").\n"
        "# TYPE loadcell_request_duration_quantile_seconds summary\n"
        "loadcell_request_duration_quantile_seconds{quantile=\"0.5\",window=\"1s\","
        "phase="
        "\"main\"} 0.003\n"
        "loadcell_request_duration_quantile_seconds{quantile=\"0.9\",window=\"1s\","
        "phase="
        "\"main\"} 0.003\n"
        "loadcell_request_duration_quantile_seconds{quantile=\"0.99\",window=\"1s\","
        "phase="
        "\"main\"} 0.003\n"
        "loadcell_request_duration_quantile_seconds{quantile=\"0.999\",window="
        "\"1s\",phase="
        "\"main\"} 0.003\n"
        "# HELP loadcell_request_duration_max_seconds The longest latency over the "
        "last "
        "interval and the current phase so far.\n"
        "# TYPE loadcell_request_duration_max_seconds gauge\n"
        "loadcell_request_duration_max_seconds{window=\"1s\",phase=\"main\"} 0.003\n"
        "# HELP loadcell_active_connections Connections open (open model) or users "
        "running "
        "(closed model) at the last tick.\n"
        "# TYPE loadcell_active_connections gauge\n"
        "loadcell_active_connections{phase=\"main\"} 4\n"
        "# HELP loadcell_achieved_rate Requests ended per second over the last "
        "interval.\n"
        "# TYPE loadcell_achieved_rate gauge\n"
        "loadcell_achieved_rate{phase=\"main\"} 4.8\n"
        "# HELP loadcell_generator_cpu_ratio CPU seconds per second used by "
        "loadcell itself "
        "over the last interval (1 = one core).\n"
        "# TYPE loadcell_generator_cpu_ratio gauge\n"
        "loadcell_generator_cpu_ratio 0.25\n";
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    free(text);
    free(s);
}

/* A newline in a label value is escaped, and help text stays on one line. */
static void test_render_newline_label(void **state)
{
    (void)state;
    struct lc_live_snapshot *s = new_snapshot();
    s->n_thresholds = 2;
    memcpy(s->thresholds[0].text, "p(99) < 1s\nx", 13);
    s->thresholds[0].verdict = LC_LIVE_FAIL;
    memcpy(s->thresholds[1].text, "rps > 1", 8); /* pending: not rendered */
    size_t len = 0;
    char *text = lc_live_render_prometheus(s, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "loadcell_threshold_passing{threshold=\"p(99) < 1s\\nx\"} 0\n"));
    assert_null(strstr(text, "rps > 1"));
    assert_null(strstr(text, "loadcell_requests_total")); /* no load part */
    /* Every line is a comment or a sample "name[{...}] value". */
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        assert_non_null(eol);
        assert_true(*p == '#' || (*p >= 'a' && *p <= 'z'));
        p = eol + 1;
    }
    free(text);
    free(s);
}

static void test_render_serve(void **state)
{
    (void)state;
    struct lc_live_snapshot *s = new_snapshot();
    memcpy(s->command, "serve", 6);
    s->has_serve = 1;
    struct lc_live_serve *v = &s->serve;
    v->requests = 7;
    v->n_routes = 2;
    memcpy(v->routes[0], "/q", 3);
    memcpy(v->routes[1], "default", 8);
    v->by_route[0] = 5;
    v->by_route[1] = 2;
    v->n_statuses = 1;
    v->status[0] = 200;
    v->by_status[0] = 7;
    v->n_chaos = 1;
    memcpy(v->chaos[0], "reset", 6);
    v->by_chaos[0] = 1;
    v->connections = 3;
    v->bytes_out = 99;
    size_t len = 0;
    char *text = lc_live_render_prometheus(s, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "loadcell_serve_requests_total{route=\"/q\"} 5\n"));
    assert_non_null(strstr(text, "loadcell_serve_requests_total{route=\"default\"} 2\n"));
    assert_non_null(strstr(text, "loadcell_serve_responses_total{status=\"200\"} 7\n"));
    assert_non_null(strstr(text, "loadcell_serve_chaos_total{kind=\"reset\"} 1\n"));
    assert_non_null(strstr(text, "loadcell_serve_connections_accepted_total 3\n"));
    assert_non_null(strstr(text, "loadcell_serve_sent_bytes_total 99\n"));
    assert_null(strstr(text, "loadcell_info")); /* the run families are not a server's */
    free(text);
    free(s);
}

static void test_history(void **state)
{
    (void)state;
    struct lc_live_snapshot *s = new_snapshot();
    for (int i = 0; i < LC_LIVE_HISTORY + 7; i++) {
        struct lc_live_point p = {.t_s = i, .rps = 2.0 * i};
        lc_live_history_push(s, &p);
    }
    assert_int_equal(s->n_history, LC_LIVE_HISTORY);
    assert_true(s->history[0].t_s == 7.0);
    assert_true(s->history[LC_LIVE_HISTORY - 1].t_s == LC_LIVE_HISTORY + 6.0);
    free(s);
}

static void test_json(void **state)
{
    (void)state;
    struct lc_live_snapshot *s = new_snapshot();
    memcpy(s->command, "http", 5);
    s->state = LC_LIVE_STOPPING;
    s->can_stop = 1;
    s->has_load = 1;
    s->total_s = 8;
    (void)lc_live_phase_index(s, "warmup");
    uint32_t ph = lc_live_phase_index(s, "main");
    s->phase = ph;
    uint32_t rq = lc_live_request_index(s, "GET /");
    lc_live_count_request(s, ph, rq, 200, 40);
    lc_live_count_request(s, 0, rq, 200, 2);
    lc_live_count_request(s, ph, rq, 503, 1);
    lc_live_count_error(s, ph, rq, lc_live_kind_index(s, "status_503"), 1);
    s->n_thresholds = 1;
    memcpy(s->thresholds[0].text, "p(99) < 1s", 11);
    s->thresholds[0].verdict = LC_LIVE_WARN;
    for (int i = 1; i <= 3; i++) {
        struct lc_live_point p = {.t_s = i, .rps = 10.0 * i, .target_rps = NAN, .p99_s = 0.01};
        lc_live_history_push(s, &p);
    }
    size_t len = 0;
    char *text = lc_live_render_json(s, &len);
    assert_non_null(text);
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "state")), "stopping");
    assert_true(json_is_true(json_object_get(o, "can_stop")));
    assert_string_equal(json_string_value(json_object_get(o, "phase")), "main");
    assert_int_equal(json_integer_value(json_object_get(o, "requests_total")), 43);
    assert_int_equal(json_integer_value(json_object_get(o, "errors_total")), 1);
    assert_true(json_is_null(json_object_get(o, "rps"))); /* NaN */
    json_t *reqs = json_object_get(o, "requests");
    assert_int_equal(json_array_size(reqs), 1);
    json_t *r0 = json_array_get(reqs, 0);
    assert_int_equal(json_integer_value(json_object_get(r0, "requests")), 43);
    json_t *st = json_object_get(r0, "statuses");
    assert_int_equal(json_integer_value(json_object_get(st, "200")), 42); /* over phases */
    assert_int_equal(json_integer_value(json_object_get(st, "503")), 1);
    json_t *h = json_object_get(o, "history");
    assert_int_equal(json_array_size(json_object_get(h, "t")), 3);
    assert_true(json_real_value(json_array_get(json_object_get(h, "rps"), 2)) == 30.0);
    assert_true(json_is_null(json_array_get(json_object_get(h, "target_rps"), 0)));
    json_t *th = json_array_get(json_object_get(o, "thresholds"), 0);
    assert_string_equal(json_string_value(json_object_get(th, "verdict")), "warn");
    json_decref(o);
    free(text);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_accumulation),
        cmocka_unit_test(test_copy_label),
        cmocka_unit_test(test_names_and_overflow),
        cmocka_unit_test(test_render_exact),
        cmocka_unit_test(test_render_newline_label),
        cmocka_unit_test(test_render_serve),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
