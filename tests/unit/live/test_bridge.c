/*
 * Unit tests for cli/live_bridge: engine progress (synthetic recorders and
 * series points) into live snapshots — cumulative counters across phases,
 * error kinds as the Result names them, gauges per model, the Stop button,
 * thresholds, the target monitor. The bridge's .c is included to reach its state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>
#include <unistd.h>

#include "cli/live_bridge.c"

/* A plan: warmup (closed, 5 users, 1 s) then main (open, 100/s, 2 s); one request. */
static void make_plan(struct lc_load_plan *p)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->target, sizeof(p->target), "http://127.0.0.1:1/x");
    struct lc_load_phase *w = lc_load_plan_add_phase(p, "warmup", LC_MODEL_CLOSED, 0);
    assert_non_null(w);
    assert_int_equal(lc_load_phase_add_stage(w, LC_NS_PER_SEC, 5, 5), 0);
    struct lc_load_phase *m = lc_load_plan_add_phase(p, "main", LC_MODEL_OPEN, 1);
    assert_non_null(m);
    assert_int_equal(lc_load_phase_add_stage(m, 2 * LC_NS_PER_SEC, 100, 100), 0);
    p->requests = calloc(1, sizeof(*p->requests));
    assert_non_null(p->requests);
    p->request_count = 1;
    snprintf(p->requests[0].name, sizeof(p->requests[0].name), "GET /x");
    p->connections = 5;
    p->threads = 1;
    p->pipeline = 1;
}

struct fixture {
    struct lc_load_plan plan;
    struct lc_recorder interval[2]; /* the request, then connection events */
    struct lc_recorder phase_recs[2][2];
    struct lc_engine_phase phases[2];
    struct lc_engine_outcome outcome;
    struct lc_threshold_list thresholds;
    volatile sig_atomic_t interrupted;
};

static struct fixture *fixture_new(void)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    make_plan(&f->plan);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(lc_recorder_init(&f->interval[k]), 0);
        for (int i = 0; i < 2; i++)
            assert_int_equal(lc_recorder_init(&f->phase_recs[i][k]), 0);
    }
    for (int i = 0; i < 2; i++) {
        snprintf(f->phases[i].name, sizeof(f->phases[i].name), "%s", f->plan.phases[i].name);
        f->phases[i].recorded = f->plan.phases[i].recorded;
        f->phases[i].start_offset_ns = (uint64_t)i * LC_NS_PER_SEC;
        f->phases[i].duration_ns = f->plan.phases[i].duration_ns;
        f->phases[i].recs = f->phase_recs[i];
        f->phases[i].nrec = 2;
    }
    f->outcome.phases = f->phases;
    lc_threshold_list_init(&f->thresholds);
    return f;
}

static void fixture_free(struct fixture *f)
{
    for (int k = 0; k < 2; k++) {
        lc_recorder_free(&f->interval[k]);
        for (int i = 0; i < 2; i++)
            lc_recorder_free(&f->phase_recs[i][k]);
    }
    lc_threshold_list_free(&f->thresholds);
    lc_load_plan_free(&f->plan);
    free(f);
}

/* One tick of phase i at t_s; the interval's recorders are merged into the phase afterwards. */
static void tick(struct fixture *f, struct lc_live_bridge *b, size_t i, double t_s,
                 const struct lc_series_point *pt)
{
    f->outcome.phase_count = i + 1;
    struct lc_engine_progress pr = {
        .elapsed_s = t_s,
        .total_s = 3,
        .phase_index = i,
        .phase = f->phases[i].name,
        .last = pt,
        .interval = f->interval,
        .outcome = &f->outcome,
    };
    assert_int_equal(lc_live_bridge_on_tick(&pr, b), 0);
    for (int k = 0; k < 2; k++) {
        lc_recorder_merge(&f->phase_recs[i][k], &f->interval[k]);
        lc_recorder_reset(&f->interval[k]);
    }
}

static uint64_t count_of(const struct lc_live_snapshot *s, const char *phase, unsigned status)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < s->n_counts; i++)
        if (strcmp(s->phases[s->counts[i].phase], phase) == 0 && s->counts[i].label == status)
            n += s->counts[i].value;
    return n;
}

static uint64_t errors_of(const struct lc_live_snapshot *s, const char *kind)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < s->n_errors; i++)
        if (strcmp(s->kinds[s->errors[i].label], kind) == 0)
            n += s->errors[i].value;
    return n;
}

static void test_ticks_across_phases(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    assert_int_equal(lc_threshold_list_add(&f->thresholds, "p(99) < 1s", LC_THRESHOLD_LOAD, false,
                                           &(struct lc_error){0}),
                     0);
    struct lc_live_bridge *b = NULL;
    struct lc_error err = {0};
    struct lc_live_bridge_options o = {.metrics = "127.0.0.1:0",
                                       .command = "http",
                                       .plan = &f->plan,
                                       .thresholds = &f->thresholds,
                                       .interrupted = &f->interrupted};
    assert_int_equal(lc_live_bridge_start(&o, &b, &err), 0);
    struct lc_live_snapshot *s = b->snap;
    assert_int_equal(s->n_phases, 2); /* known ahead of time */
    assert_int_equal(s->n_thresholds, 1);
    assert_true(s->can_stop);

    /* Warmup: 9 x 200, one 503 (an error by status), 2 timeouts, a refused connect. */
    struct lc_recorder *r = &f->interval[0], *c = &f->interval[1];
    r->completed = 10;
    r->status[200] = 9;
    r->status[503] = 1;
    r->status_failed[503] = 1;
    r->failed = 2;
    r->fail[LC_FAIL_TIMEOUT] = 2;
    r->bytes_in = 1000;
    r->bytes_out = 400;
    lc_hdr_record_n(&r->latency, 2000000, 9);       /* 2 ms */
    lc_hdr_record_n(&r->latency, 50000000, 1);      /* 50 ms */
    lc_hdr_record_n(&r->latency, 10000000000LL, 2); /* the timeouts: 10 s */
    c->failed = 1;
    c->fail[LC_FAIL_CONNECT_REFUSED] = 1;
    struct lc_series_point p1 = {
        .t_s = 1, .interval_s = 1, .requests = 13, .errors = 4, .active = 5, .target_users = 5};
    tick(f, b, 0, 1, &p1);
    assert_int_equal(s->state, LC_LIVE_RUNNING);
    assert_int_equal(s->requests_total, 13);
    assert_int_equal(s->errors_total, 4);
    assert_int_equal(count_of(s, "warmup", 200), 9);
    assert_int_equal(count_of(s, "warmup", 503), 1);
    assert_int_equal(count_of(s, "warmup", 0), 3); /* no response: 2 timeouts + 1 connect */
    assert_int_equal(errors_of(s, "timeout"), 2);
    assert_int_equal(errors_of(s, "status_503"), 1);
    assert_int_equal(errors_of(s, "connect_refused"), 1);
    assert_int_equal(s->n_requests, 2);
    assert_string_equal(s->requests[1], "(connection)");
    struct lc_live_cell *cell = lc_live_cell_get(s, 0, 0);
    assert_int_equal(cell->count, 12);
    assert_int_equal(cell->le[6], 9);   /* <= 10 ms */
    assert_int_equal(cell->le[9], 10);  /* <= 100 ms */
    assert_int_equal(cell->le[15], 12); /* <= 10 s (the timeouts, at HDR precision) */
    assert_int_equal(cell->bytes_in, 1000);
    assert_true(s->active_users == 5 && s->target_users == 5 && isnan(s->target_rate));
    assert_true(s->achieved_rate == 13 && s->errors_per_s == 4);
    assert_true(s->window_1s.valid && s->window_1s.p50_s > 0.0019 && s->window_1s.p50_s < 0.0021);
    assert_true(s->window_phase.valid);
    assert_true(s->gen_rss_bytes > 0 && s->gen_cpu_ratio >= 0);
    assert_int_equal(s->n_history, 1);
    /* The threshold was judged on the (unrecorded) warmup only: no data yet, pending. */
    assert_int_equal(s->thresholds[0].verdict, LC_LIVE_PENDING);

    /* Main (open model): 5 more answers; counters keep growing, the phase window restarts. */
    r->completed = 5;
    r->status[200] = 5;
    lc_hdr_record_n(&r->latency, 1000000, 5);
    struct lc_series_point p2 = {
        .t_s = 2, .interval_s = 1, .requests = 5, .active = 7, .target_rate = 100};
    tick(f, b, 1, 2, &p2);
    assert_int_equal(s->requests_total, 18);
    assert_int_equal(count_of(s, "main", 200), 5);
    assert_int_equal(count_of(s, "warmup", 200), 9);
    assert_int_equal(s->phase, 1);
    assert_true(isnan(s->active_users) && s->active_connections == 7 && s->target_rate == 100);
    assert_true(s->window_phase.max_s < 0.0011); /* only this phase's 1 ms answers */
    assert_true(s->phase_elapsed_s == 1 && s->phase_total_s == 2);

    /* Stop pressed on the dashboard: the next tick sets the Ctrl-C flag. */
    on_stop(b);
    assert_int_equal(f->interrupted, 0); /* not from the HTTP thread */
    struct lc_series_point p3 = {.t_s = 3, .interval_s = 1, .active = 7, .target_rate = 100};
    tick(f, b, 1, 3, &p3);
    assert_int_equal(f->interrupted, 1);
    assert_int_equal(s->state, LC_LIVE_STOPPING);
    assert_int_equal(s->thresholds[0].verdict, LC_LIVE_PASS); /* main's p(99) is 1 ms */

    /* The Prometheus counters add up to the requests. */
    size_t len = 0;
    char *text = lc_live_render_prometheus(s, &len);
    assert_non_null(text);
    assert_non_null(strstr(
        text, "loadcell_requests_total{request=\"GET /x\",status=\"200\",phase=\"main\"} 5\n"));
    assert_non_null(strstr(text, "loadcell_errors_total{request=\"(connection)\",kind=\""
                                 "connect_refused\",phase=\"warmup\"} 1\n"));
    assert_non_null(strstr(text, "loadcell_target_rate{phase=\"main\"} 100\n"));
    assert_non_null(strstr(text, "loadcell_threshold_passing{threshold=\"p(99) < 1s\"} 1\n"));
    free(text);

    f->outcome.duration_ns = 3 * LC_NS_PER_SEC;
    lc_live_bridge_finish(b, &f->outcome);
    assert_int_equal(s->state, LC_LIVE_FINISHED);
    assert_false(s->can_stop);
    assert_int_equal(s->thresholds[0].verdict, LC_LIVE_PASS);
    lc_live_bridge_close(b, 0);
    fixture_free(f);
}

/* The target's monitor: its latest sample becomes the target gauges. */
static void test_monitor(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    struct lc_monitor_config cfg = {.pid = (int)getpid(),
                                    .gpu = LC_MONITOR_GPU_OFF,
                                    .no_host = true,
                                    .interval_ns = 20 * LC_NS_PER_MS};
    struct lc_monitor *m = NULL;
    struct lc_error err = {0};
    assert_int_equal(lc_monitor_start(&cfg, lc_clock_now_ns(), &m, &err), 0);
    struct lc_monitor_snapshot snap;
    assert_true(lc_monitor_wait(m, 1, 2 * LC_NS_PER_SEC, &snap)); /* a second sample: rates */
    struct lc_live_bridge *b = NULL;
    struct lc_live_bridge_options o = {
        .metrics = "127.0.0.1:0", .command = "http", .plan = &f->plan, .monitor = m};
    assert_int_equal(lc_live_bridge_start(&o, &b, &err), 0);
    assert_false(b->snap->can_stop); /* no interrupt flag: no Stop button */
    struct lc_series_point p = {.t_s = 1, .interval_s = 1, .active = 5, .target_users = 5};
    tick(f, b, 0, 1, &p);
    assert_true(b->snap->has_target);
    assert_true(b->snap->target_rss_bytes > 1e6); /* this test process */
    assert_true(b->snap->target_cpu_ratio >= 0);
    assert_true(b->snap->history[0].target_cpu_ratio >= 0);
    lc_live_bridge_close(b, 0);
    lc_monitor_free(m);
    fixture_free(f);
}

/* A Ctrl-C during the linger ends it early. */
static void test_linger(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    struct lc_live_bridge *b = NULL;
    struct lc_error err = {0};
    struct lc_live_bridge_options o = {
        .dashboard = "127.0.0.1:0", .plan = &f->plan, .interrupted = &f->interrupted};
    assert_int_equal(lc_live_bridge_start(&o, &b, &err), 0);
    uint64_t t0 = lc_clock_now_ns();
    lc_live_bridge_close(b, 100 * LC_NS_PER_MS);
    uint64_t waited = lc_clock_now_ns() - t0;
    assert_true(waited >= 100 * LC_NS_PER_MS && waited < 2 * LC_NS_PER_SEC);
    fixture_free(f);
}

/* |a - b| <= tol, printing both when not. */
#define assert_near(a, b, tol)                                                                     \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol)))                                                             \
            fail_msg("%s = %.9g, expected %.9g", #a, a_, b_);                                      \
    } while (0)

/* Render the bridge's snapshot as Prometheus text (the caller frees it). */
static char *prometheus_of(const struct lc_live_bridge *b)
{
    size_t len = 0;
    char *text = lc_live_render_prometheus(b->snap, &len);
    assert_non_null(text);
    return text;
}

/* bench: events of two scan points become runs, wall times and the current point; Stop
 * turns into the interrupt flag at the next event (after the run in progress). */
static void test_bench_events(void **state)
{
    (void)state;
    volatile sig_atomic_t interrupted = 0;
    struct lc_live_bridge *b = NULL;
    struct lc_error err = {0};
    struct lc_live_bridge_options o = {.metrics = "127.0.0.1:0",
                                       .command = "bench",
                                       .target = "sleep {n}",
                                       .interrupted = &interrupted};
    assert_int_equal(lc_live_bridge_start(&o, &b, &err), 0);
    assert_true(b->snap->has_bench);
    assert_false(b->snap->has_load);
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    struct lc_result_bench_command *c[2];
    const uint64_t walls[2][3] = {{30, 10, 20}, {50, 70, 60}}; /* ms */
    for (size_t k = 0; k < 2; k++) {
        assert_int_equal(lc_result_add_command(&r, "nap", "sleep", &c[k]), 0);
        assert_int_equal(lc_result_command_set_param(c[k], "n", k ? "2" : "1"), 0);
        struct lc_bench_event ev = {.kind = LC_BENCH_EV_POINT_START,
                                    .point = k,
                                    .n_points = 2,
                                    .command = c[k],
                                    .runs_min = 3,
                                    .runs_max = 3};
        lc_live_bridge_on_bench_event(b, &ev, &r);
        assert_true(b->snap->bench.has_current);
        assert_int_equal(b->snap->bench.current, k);
        ev.kind = LC_BENCH_EV_RUN;
        ev.warmup = true;
        ev.run = 1;
        lc_live_bridge_on_bench_event(b, &ev, &r);
        ev.warmup = false;
        for (size_t i = 0; i < 3; i++) {
            struct lc_result_bench_run run = {.wall_ns = walls[k][i] * LC_NS_PER_MS,
                                              .exit_code = k == 1 && i == 2 ? 1 : 0,
                                              .artifact_bytes = -1};
            assert_int_equal(lc_result_command_add_run(c[k], &run, NULL), 0);
            ev.run = i + 1;
            lc_live_bridge_on_bench_event(b, &ev, &r);
        }
        ev.kind = LC_BENCH_EV_POINT_DONE;
        lc_live_bridge_on_bench_event(b, &ev, &r);
        assert_false(b->snap->bench.has_current);
    }
    const struct lc_live_bench *v = &b->snap->bench;
    assert_int_equal(v->n_points, 2);
    assert_int_equal(v->points_total, 2);
    assert_int_equal(v->points_done, 2);
    assert_string_equal(v->points[0].command, "nap");
    assert_string_equal(v->points[0].params, "n=1");
    assert_string_equal(v->points[1].params, "n=2");
    assert_int_equal(v->points[0].runs, 3);
    assert_int_equal(v->points[0].warmup_runs, 1);
    assert_int_equal(v->points[0].failed, 0);
    assert_int_equal(v->points[1].failed, 1);
    assert_near(v->points[0].median_s, 0.020, 1e-9);
    assert_near(v->points[0].mean_s, 0.020, 1e-9);
    assert_near(v->points[0].last_s, 0.020, 1e-9);
    assert_near(v->points[0].min_s, 0.010, 1e-9);
    assert_near(v->points[1].max_s, 0.070, 1e-9);
    assert_near(v->points[1].median_s, 0.060, 1e-9);
    char *text = prometheus_of(b);
    assert_non_null(strstr(text, "loadcell_bench_runs_total{command=\"nap\",params=\"n=1\"} 3\n"));
    assert_non_null(strstr(text, "loadcell_bench_run_seconds{command=\"nap\",params=\"n=2\","
                                 "quantile=\"0.5\"} 0.06\n"));
    assert_non_null(
        strstr(text, "loadcell_bench_run_seconds_count{command=\"nap\",params=\"n=2\"} 3\n"));
    assert_non_null(
        strstr(text, "loadcell_bench_failed_runs_total{command=\"nap\",params=\"n=2\"} 1\n"));
    assert_non_null(strstr(text, "loadcell_bench_points{state=\"done\"} 2\n"));
    assert_null(strstr(text, "loadcell_bench_current_run_info")); /* nothing running now */
    assert_null(strstr(text, "loadcell_requests_total"));         /* no load part */
    free(text);
    size_t len = 0;
    text = lc_live_render_json(b->snap, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"load\":false"));
    assert_non_null(strstr(text, "\"points_done\":2"));
    assert_non_null(strstr(text, "\"params\":\"n=2\""));
    free(text);

    /* Stop: the flag is set at the next event, not before. */
    on_stop(b);
    assert_int_equal(interrupted, 0);
    struct lc_bench_event ev = {
        .kind = LC_BENCH_EV_RUN, .point = 1, .n_points = 2, .command = c[1]};
    lc_live_bridge_on_bench_event(b, &ev, &r);
    assert_int_equal(interrupted, 1);
    assert_int_equal(b->snap->state, LC_LIVE_STOPPING);
    lc_live_bridge_finish_result(b, &r);
    assert_int_equal(b->snap->state, LC_LIVE_FINISHED);
    lc_live_bridge_close(b, 0);
    lc_result_free(&r);
}

/* monitor: a sample becomes the target, host and GPU gauges and a point of history; the
 * Stop button becomes the interrupt flag on lc_live_bridge_poll_stop. */
static void test_monitor_samples(void **state)
{
    (void)state;
    volatile sig_atomic_t interrupted = 0;
    struct lc_live_bridge *b = NULL;
    struct lc_error err = {0};
    struct lc_live_bridge_options o = {.dashboard = "127.0.0.1:0",
                                       .command = "monitor",
                                       .target = "pid 1",
                                       .planned_s = 10,
                                       .interrupted = &interrupted};
    assert_int_equal(lc_live_bridge_start(&o, &b, &err), 0);
    struct lc_monitor_snapshot m;
    memset(&m, 0, sizeof(m));
    m.sut_watched = m.sut_alive = true;
    m.sut = (struct lc_proctree_sample){.processes = 3,
                                        .rss_bytes = 1000,
                                        .threads = 7,
                                        .has_fds = true,
                                        .fds = 12,
                                        .has_rates = true,
                                        .cpu_percent = 150};
    m.has_host = true;
    m.host.has_cpu = true;
    m.host.cpu_percent = 25;
    m.host.has_mem = true;
    m.host.mem_used_bytes = 2000;
    m.host.mem_available_bytes = 3000;
    m.n_gpus = 1;
    m.gpus[0] = (struct lc_gpu_reading){
        .index = 0, .has_util = true, .util_percent = 40, .has_temp = true, .temp_celsius = 61};
    lc_live_bridge_on_sample(b, &m);
    const struct lc_live_snapshot *s = b->snap;
    assert_int_equal(s->state, LC_LIVE_RUNNING);
    assert_near(s->total_s, 10, 0);
    assert_int_equal(s->n_history, 1);
    assert_near(s->history[0].target_rss_bytes, 1000, 0);
    char *text = prometheus_of(b);
    const char *want[] = {
        "loadcell_info{command=\"monitor\",target=\"pid 1\"} 1\n",
        "loadcell_target_cpu_ratio 1.5\n",
        "loadcell_target_resident_bytes 1000\n",
        "loadcell_target_threads 7\n",
        "loadcell_target_open_fds 12\n",
        "loadcell_target_processes 3\n",
        "loadcell_host_cpu_ratio 0.25\n",
        "loadcell_host_memory_used_bytes 2000\n",
        "loadcell_host_memory_available_bytes 3000\n",
        "loadcell_gpu_utilization_ratio{gpu=\"0\"} 0.4\n",
        "loadcell_gpu_temperature_celsius{gpu=\"0\"} 61\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(text, want[i]))
            fail_msg("missing %s in:\n%s", want[i], text);
    assert_null(strstr(text, "loadcell_gpu_power_watts")); /* NVML gave no power */
    free(text);
    assert_int_equal(lc_live_bridge_poll_stop(b), 0);
    assert_int_equal(interrupted, 0);
    on_stop(b);
    assert_int_equal(lc_live_bridge_poll_stop(b), 1);
    assert_int_equal(interrupted, 1);
    assert_int_equal(b->snap->state, LC_LIVE_STOPPING);
    lc_live_bridge_close(b, 0);
}

/* serve: the server's counters, read directly, into the serve part. */
static void test_serve_fill(void **state)
{
    (void)state;
    struct lc_serve_options so = {.listen = "127.0.0.1:0", .threads = 2};
    lc_serve_behaviour_default(&so.behaviour);
    struct lc_serve *srv = NULL;
    struct lc_error err = {0};
    assert_int_equal(lc_serve_create(&so, &srv, &err), 0);
    struct lc_serve_counters c;
    assert_int_equal(lc_serve_counters_init(&c, lc_serve_route_slots(srv)), 0);
    double up = -1;
    lc_serve_read_counters(srv, &c, &up);
    assert_true(up >= 0);
    c.requests = 5;
    c.connections = 2;
    c.by_status[200] = 4;
    c.by_status[500] = 1;
    c.by_route[0] = 5;
    struct lc_live_snapshot *s = malloc(sizeof(*s));
    assert_non_null(s);
    lc_live_snapshot_init(s);
    serve_fill(s, srv, &c, 3.5);
    assert_int_equal(s->serve.requests, 5);
    assert_int_equal(s->serve.connections, 2);
    assert_int_equal(s->serve.threads, 2);
    assert_int_equal(s->serve.n_routes, 1);
    assert_string_equal(s->serve.routes[0], "default");
    assert_int_equal(s->serve.n_statuses, 2);
    assert_int_equal(s->serve.status[0], 200);
    assert_int_equal(s->serve.by_status[1], 1);
    assert_near(s->elapsed_s, 3.5, 0);
    free(s);
    lc_serve_counters_free(&c);
    lc_serve_destroy(srv);
}

static void test_check_listen(void **state)
{
    (void)state;
    struct lc_error err = {0};
    assert_int_equal(lc_live_bridge_check_listen("--metrics", "127.0.0.1:9100", &err), 0);
    assert_int_equal(lc_live_bridge_check_listen("--metrics", "nowhere:9100", &err), LC_EINVAL);
    assert_non_null(strstr(err.msg, "--metrics 'nowhere:9100'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticks_across_phases),
        cmocka_unit_test(test_monitor),
        cmocka_unit_test(test_linger),
        cmocka_unit_test(test_bench_events),
        cmocka_unit_test(test_monitor_samples),
        cmocka_unit_test(test_serve_fill),
        cmocka_unit_test(test_check_listen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
