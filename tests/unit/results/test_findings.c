/* Unit tests for results/findings: each rule fires on data that shows it, and not on a clean run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/rng.h"
#include "results/findings.h"
#include "results/result.h"
#include "test_report_synth.h"

/* ---- Helpers --------------------------------------------------------------------- */

static size_t count_kind(const struct lc_findings *f, enum lc_finding_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += f->items[i].kind == k;
    return n;
}

static const struct lc_finding *find_kind(const struct lc_findings *f, enum lc_finding_kind k)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->items[i].kind == k)
            return &f->items[i];
    return NULL;
}

/* Assert that the finding of kind k exists and its text holds every NULL-terminated needle. */
static void expect_text(const struct lc_findings *f, enum lc_finding_kind k, ...)
{
    const struct lc_finding *x = find_kind(f, k);
    if (!x)
        fail_msg("no %s finding (%zu findings)", lc_finding_kind_id(k), f->n);
    va_list ap;
    va_start(ap, k);
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
        if (!strstr(x->text, s))
            fail_msg("%s finding lacks '%s': %s", lc_finding_kind_id(k), s, x->text);
    va_end(ap);
}

/* Print every finding (a failing test shows what fired). */
static void dump(const struct lc_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        print_message("  [%s/%s] %s\n", lc_finding_severity_name(f->items[i].severity),
                      lc_finding_kind_id(f->items[i].kind), f->items[i].text);
}

static void analyze(const struct lc_result *r, struct lc_findings *f)
{
    assert_int_equal(lc_findings_analyze(r, f), 0);
    dump(f);
}

/* A noisy value around mean with standard deviation sd, at least lo. */
static double noisy(struct lc_rng *g, double mean, double sd, double lo)
{
    double v = mean + sd * lc_rng_normal(g);
    return v < lo ? lo : v;
}

/*
 * A clean closed-model run: a 5 s unrecorded warm-up that is slower, then
 * 60 s of 50 users at ~1000 requests/s, ~0.5% timeouts spread evenly, p50
 * ~10 ms and p99 ~20 ms, flat memory and modest CPU.
 */
static void clean_run(struct lc_result *r, uint64_t seed)
{
    struct lc_rng g;
    lc_rng_seed(&g, seed);
    synth_init(r);
    struct lc_result_phase *w = synth_phase(r, "warmup", LC_RESULT_MODEL_CLOSED, 0, 5, false);
    w->target_users = 50;
    for (int i = 1; i <= 5; i++)
        synth_second(w, "GET /", i, 600, 3, "timeout", 50, 0, 40, 90);
    struct lc_result_phase *m = synth_phase(r, "main", LC_RESULT_MODEL_CLOSED, 5, 60, true);
    m->target_users = 50;
    for (int i = 1; i <= 60; i++) {
        uint64_t req = (uint64_t)noisy(&g, 1000, 20, 0);
        uint64_t err = (uint64_t)llround(noisy(&g, 5, 2.2, 0));
        synth_second(m, "GET /", 5 + i, req, err, "timeout", 50, 0, noisy(&g, 10, 0.3, 1),
                     noisy(&g, 20, 1, 2));
    }
    struct lc_result_resource *rss = synth_resource(r, "sut.rss_bytes", "bytes");
    struct lc_result_resource *cpu = synth_resource(r, "sut.cpu_percent", "%");
    struct lc_result_resource *gen = synth_resource(r, "gen.cpu_percent", "%");
    for (int i = 1; i <= 65; i++) {
        assert_int_equal(lc_result_resource_add(rss, i, noisy(&g, 200e6, 1e6, 0)), 0);
        assert_int_equal(lc_result_resource_add(cpu, i, noisy(&g, 40, 5, 0)), 0);
        assert_int_equal(lc_result_resource_add(gen, i, noisy(&g, 30, 3, 0)), 0);
    }
    r->gen_cpu_user_s = 5;
    r->gen_cpu_sys_s = 8;
    synth_done(r);
}

/* ---- Clean runs ---------------------------------------------------------------------- */

static void test_clean_run_has_no_findings(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct lc_result r;
        clean_run(&r, seed);
        struct lc_findings f;
        analyze(&r, &f);
        if (f.n)
            fail_msg("seed %llu: %zu findings on a clean run: %s", (unsigned long long)seed, f.n,
                     f.items[0].text);
        lc_findings_free(&f);
        lc_result_free(&r);
    }
}

static void test_empty_results(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_HTTP);
    struct lc_findings f;
    analyze(&r, &f);
    assert_int_equal(f.n, 0);
    lc_findings_free(&f);
    lc_result_free(&r);
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    struct lc_result_bench_command *c;
    assert_int_equal(lc_result_add_command(&r, "sleep", "sleep 0.01", &c), 0);
    struct lc_result_bench_run run = {.wall_ns = 10000000, .artifact_bytes = -1};
    assert_int_equal(lc_result_command_add_run(c, &run, NULL), 0);
    analyze(&r, &f);
    assert_int_equal(f.n, 0);
    lc_findings_free(&f);
    lc_result_free(&r);
    lc_findings_free(NULL);
}

/* ---- saturation ---------------------------------------------------------------------- */

/* Two closed phases: 50 users then 100 users, with the second's throughput and p99 given. */
static void two_phases(struct lc_result *r, double rps2, double p99_2)
{
    synth_init(r);
    struct lc_result_phase *a = synth_phase(r, "p50u", LC_RESULT_MODEL_CLOSED, 0, 30, true);
    a->target_users = 50;
    for (int i = 1; i <= 30; i++)
        synth_second(a, "GET /", i, 1000, 0, NULL, 50, 0, 10, 20);
    struct lc_result_phase *b = synth_phase(r, "p100u", LC_RESULT_MODEL_CLOSED, 30, 30, true);
    b->target_users = 100;
    for (int i = 1; i <= 30; i++)
        synth_second(b, "GET /", 30 + i, (uint64_t)rps2, 0, NULL, 100, 0, 10 * p99_2 / 20, p99_2);
    synth_done(r);
}

static void test_saturation_between_phases(void **state)
{
    (void)state;
    struct lc_result r;
    struct lc_findings f;
    two_phases(&r, 1020, 60);
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_SATURATION), 1);
    expect_text(&f, LC_FINDING_SATURATION, "50 users", "'p50u'", "'p100u'", "+2.0%", NULL);
    assert_non_null(find_kind(&f, LC_FINDING_SATURATION));
    assert_int_equal(find_kind(&f, LC_FINDING_SATURATION)->severity, LC_FINDING_WARNING);
    lc_findings_free(&f);
    lc_result_free(&r);

    /* Throughput doubled with the users: it scales, no saturation. */
    two_phases(&r, 1980, 21);
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_SATURATION), 0);
    lc_findings_free(&f);
    lc_result_free(&r);

    /* Flat throughput but flat latency (a think-time bound client): not saturation either. */
    two_phases(&r, 1000, 22);
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_SATURATION), 0);
    lc_findings_free(&f);
    lc_result_free(&r);
}

/* One phase ramping users 10..100 over 60 s; the server tops out at `cap` requests/s. */
static void ramp(struct lc_result *r, bool open, double cap)
{
    synth_init(r);
    struct lc_result_phase *ph =
        synth_phase(r, "ramp", open ? LC_RESULT_MODEL_OPEN : LC_RESULT_MODEL_CLOSED, 0, 60, true);
    for (int i = 1; i <= 60; i++) {
        double level = 10 + 90.0 * (i - 1) / 59.0;
        double demand =
            open ? level * 10 : level * 20; /* open: the target rate; closed: 20/s per user */
        double rps = fmin(demand, cap);
        double p99 = demand > cap ? 20 * demand / cap * (open ? 3 : 1) : 20;
        synth_second(ph, "GET /", i, (uint64_t)rps, 0, NULL, open ? 100 : (uint64_t)level,
                     open ? level * 10 : 0, p99 / 2, p99);
    }
    if (open)
        ph->stats.target_rps = 550; /* the mean rate asked for over the ramp */
    synth_done(r);
}

static void test_saturation_in_series(void **state)
{
    (void)state;
    struct lc_result r;
    struct lc_findings f;
    ramp(&r, false, 1000); /* saturates at 50 users */
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_SATURATION), 1);
    const struct lc_finding *x = find_kind(&f, LC_FINDING_SATURATION);
    assert_non_null(x);
    /* The level named is where throughput stopped growing: about 50 users (a window's mean). */
    int users = 0;
    const char *p = strstr(x ? x->text : "", "about ");
    assert_non_null(p);
    assert_int_equal(sscanf(p, "about %d users", &users), 1);
    assert_in_range(users, 45, 70);
    assert_true(isfinite(x->t_from_s) && isfinite(x->t_to_s) && x->t_from_s < x->t_to_s);
    lc_findings_free(&f);
    lc_result_free(&r);

    ramp(&r, false, 1e9); /* scales all the way */
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_SATURATION), 0);
    lc_findings_free(&f);
    lc_result_free(&r);

    ramp(&r, true, 600); /* open model: the target rate grows past 600/s */
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_SATURATION), 1);
    expect_text(&f, LC_FINDING_SATURATION, "/s", "p99 rose", NULL);
    lc_findings_free(&f);
    lc_result_free(&r);
}

/* ---- target_missed ---------------------------------------------------------------------- */

static void open_run(struct lc_result *r, double achieved)
{
    synth_init(r);
    struct lc_result_phase *ph = synth_phase(r, "main", LC_RESULT_MODEL_OPEN, 0, 10, true);
    ph->target_rps = 1000;
    for (int i = 1; i <= 10; i++)
        synth_second(ph, "GET /", i, (uint64_t)achieved, 0, NULL, 100, 1000, 10, 20);
    ph->stats.unsent = 3000;
    synth_done(r);
}

static void test_target_missed(void **state)
{
    (void)state;
    struct lc_result r;
    struct lc_findings f;
    open_run(&r, 700);
    analyze(&r, &f);
    expect_text(&f, LC_FINDING_TARGET_MISSED, "1,000/s", "700/s", "70%", "3,000", NULL);
    lc_findings_free(&f);
    lc_result_free(&r);
    open_run(&r, 985);
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_TARGET_MISSED), 0);
    lc_findings_free(&f);
    lc_result_free(&r);
}

/* ---- error_burst ---------------------------------------------------------------------------- */

/* 60 s at 1000/s with ~base errors/s of timeouts; seconds 31..35 (if burst) 400 status_503 each. */
static void errors_run(struct lc_result *r, double base, bool burst, uint64_t seed)
{
    struct lc_rng g;
    lc_rng_seed(&g, seed);
    synth_init(r);
    struct lc_result_phase *ph = synth_phase(r, "main", LC_RESULT_MODEL_CLOSED, 0, 60, true);
    for (int i = 1; i <= 60; i++) {
        bool hot = burst && i >= 31 && i <= 35;
        uint64_t err = hot ? 400 : (uint64_t)llround(noisy(&g, base, sqrt(base), 0));
        synth_second(ph, "GET /", i, 1000, err, hot ? "status_503" : "timeout", 50, 0, 10, 20);
    }
    synth_done(r);
}

static void test_error_burst(void **state)
{
    (void)state;
    struct lc_result r;
    struct lc_findings f;
    errors_run(&r, 2, true, 7);
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_ERROR_BURST), 1);
    expect_text(&f, LC_FINDING_ERROR_BURST, "from 30 s to 35 s", "2,000 of 5,000", "40%",
                "status_503 2,000", NULL);
    const struct lc_finding *x = find_kind(&f, LC_FINDING_ERROR_BURST);
    assert_non_null(x);
    assert_true(x->t_from_s == 30 && x->t_to_s == 35);
    lc_findings_free(&f);
    lc_result_free(&r);

    /* Errors at 2% everywhere, with noise: no second stands out. */
    for (uint64_t seed = 1; seed <= 20; seed++) {
        errors_run(&r, 20, false, seed);
        analyze(&r, &f);
        assert_int_equal(count_kind(&f, LC_FINDING_ERROR_BURST), 0);
        lc_findings_free(&f);
        lc_result_free(&r);
    }
}

/* ---- latency_spike -------------------------------------------------------------------- */

/* 60 s at 1000/s, p99 ~20 ms; seconds 21..22 (if stall) answer 300 requests with p99 800 ms. */
static void stall_run(struct lc_result *r, bool stall, double spike_p99)
{
    synth_init(r);
    struct lc_result_phase *ph = synth_phase(r, "main", LC_RESULT_MODEL_CLOSED, 0, 60, true);
    for (int i = 1; i <= 60; i++) {
        bool hot = stall && (i == 21 || i == 22);
        synth_second(ph, "GET /", i, hot ? 300 : 1000, 0, NULL, 50, 0, hot ? 400 : 10,
                     hot ? spike_p99 : 20 + (i % 3));
    }
    synth_done(r);
}

static void test_latency_spike(void **state)
{
    (void)state;
    struct lc_result r;
    struct lc_findings f;
    stall_run(&r, true, 800);
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_LATENCY_SPIKE), 1);
    expect_text(&f, LC_FINDING_LATENCY_SPIKE, "from 20 s to 22 s", "reached 800 ms", "38\xc3\x97",
                "typical 21.0 ms", "max 1.04 s", "throughput fell to 300/s", "stalled", NULL);
    const struct lc_finding *x = find_kind(&f, LC_FINDING_LATENCY_SPIKE);
    assert_non_null(x);
    assert_true(x->t_from_s == 20 && x->t_to_s == 22);
    lc_findings_free(&f);
    lc_result_free(&r);

    stall_run(&r, true, 80); /* 4x the typical p99: within what a busy second does */
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_LATENCY_SPIKE), 0);
    lc_findings_free(&f);
    lc_result_free(&r);

    stall_run(&r, false, 0);
    analyze(&r, &f);
    assert_int_equal(f.n, 0);
    lc_findings_free(&f);
    lc_result_free(&r);

    /* Latency that climbs and stays up (the open ramp past its capacity) is no spike. */
    ramp(&r, true, 600);
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_LATENCY_SPIKE), 0);
    lc_findings_free(&f);
    lc_result_free(&r);
}

/* ---- long_tail --------------------------------------------------------------------------------
 */

static void tail_run(struct lc_result *r, double slow_ms, bool two_names)
{
    synth_init(r);
    struct lc_result_phase *ph = synth_phase(r, "main", LC_RESULT_MODEL_CLOSED, 0, 10, true);
    for (int i = 1; i <= 10; i++) {
        synth_point(ph, i, 1000, 0, 50, 0, 10, 20);
        synth_reqs(ph, "GET /fast", 500, 0, NULL, 10, 20);
        if (two_names)
            synth_reqs(ph, "GET /slow", 500, 0, NULL, 10, slow_ms);
    }
    /* The whole run: 2% of requests at slow_ms on top of a tight body. */
    if (!two_names) {
        struct lc_result_stats *s = &ph->stats;
        lc_hdr_reset(&s->hist[LC_HIST_LATENCY]);
        lc_hdr_record_n(&s->hist[LC_HIST_LATENCY], 10000000, 4900);
        lc_hdr_record_n(&s->hist[LC_HIST_LATENCY], (int64_t)(slow_ms * 1e6), 100);
    }
    synth_done(r);
}

static void test_long_tail(void **state)
{
    (void)state;
    struct lc_result r;
    struct lc_findings f;
    tail_run(&r, 500, false);
    analyze(&r, &f);
    expect_text(&f, LC_FINDING_LONG_TAIL, "p99 (500 ms)", "50\xc3\x97", "10.0 ms", NULL);
    lc_findings_free(&f);
    lc_result_free(&r);

    tail_run(&r, 30, false); /* p99 / p50 = 3 */
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_LONG_TAIL), 0);
    lc_findings_free(&f);
    lc_result_free(&r);

    /* One request name has the tail; the mixture's tail is named with it. */
    tail_run(&r, 400, true);
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_LONG_TAIL), 1);
    expect_text(&f, LC_FINDING_LONG_TAIL, "GET /slow", NULL);
    lc_findings_free(&f);
    lc_result_free(&r);
}

/* ---- memory_growth --------------------------------------------------------------------------- */

/* 120 samples of sut.rss_bytes: 200 MB + slope * t + noise, or a sawtooth when saw. */
static void memory_run(struct lc_result *r, double slope_bytes_s, bool saw, uint64_t seed)
{
    struct lc_rng g;
    lc_rng_seed(&g, seed);
    clean_run(r, seed);
    struct lc_result_resource *rss = lc_result_find_resource(r, "sut.rss_bytes");
    rss->n_samples = 0;
    for (int i = 1; i <= 120; i++) {
        double v = saw ? 200e6 + 2e6 * (i % 10) : 200e6 + slope_bytes_s * i;
        assert_int_equal(lc_result_resource_add(rss, i, noisy(&g, v, 0.5e6, 0)), 0);
    }
}

static void test_memory_growth(void **state)
{
    (void)state;
    struct lc_result r;
    struct lc_findings f;
    memory_run(&r, 1e6, false, 3); /* +120 MB over 2 minutes */
    analyze(&r, &f);
    expect_text(&f, LC_FINDING_MEMORY_GROWTH, "sut.rss_bytes", "grew steadily", "/h", "R\xc2\xb2",
                NULL);
    assert_int_equal(f.n, 1);
    lc_findings_free(&f);
    lc_result_free(&r);

    memory_run(&r, 0, false, 3); /* flat */
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_MEMORY_GROWTH), 0);
    lc_findings_free(&f);
    lc_result_free(&r);

    memory_run(&r, 0, true, 3); /* a garbage collector's sawtooth: no trend */
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_MEMORY_GROWTH), 0);
    lc_findings_free(&f);
    lc_result_free(&r);

    memory_run(&r, 0.05e6, false, 3); /* +6 MB on 200 MB: steady but too small to matter */
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_MEMORY_GROWTH), 0);
    lc_findings_free(&f);
    lc_result_free(&r);
}

/* ---- generator_saturated ----------------------------------------------------------------------
 */

static void test_generator(void **state)
{
    (void)state;
    struct lc_result r;
    struct lc_findings f;
    clean_run(&r, 5);
    assert_int_equal(lc_result_add_warning(&r, "the generator was CPU-saturated (97%% of 2 usable "
                                               "cores): figures may describe loadcell, not the "
                                               "target"),
                     0);
    analyze(&r, &f);
    expect_text(&f, LC_FINDING_GENERATOR_SATURATED, "97% of 2 usable cores", NULL);
    assert_int_equal(f.items[0].severity, LC_FINDING_CRITICAL);
    lc_findings_free(&f);
    lc_result_free(&r);

    /* No warning, but the gen.cpu_percent series sits at ~2 cores of the 2 threads. */
    clean_run(&r, 5);
    struct lc_result_resource *gen = lc_result_find_resource(&r, "gen.cpu_percent");
    for (size_t i = 0; i < gen->n_samples; i++)
        gen->samples[i].value = i % 2 ? 196 : 185;
    analyze(&r, &f);
    expect_text(&f, LC_FINDING_GENERATOR_SATURATED, "2 usable cores", "peak 196%", NULL);
    lc_findings_free(&f);
    lc_result_free(&r);

    /* Other warnings say nothing about the generator. */
    clean_run(&r, 5);
    assert_int_equal(lc_result_add_warning(&r, "only 40 of 50 connections could be established"),
                     0);
    analyze(&r, &f);
    assert_int_equal(f.n, 0);
    lc_findings_free(&f);
    lc_result_free(&r);
}

/* ---- warmup -----------------------------------------------------------------------------------
 */

static void warm_run(struct lc_result *r, double first_p50)
{
    synth_init(r);
    struct lc_result_phase *ph = synth_phase(r, "main", LC_RESULT_MODEL_CLOSED, 0, 40, true);
    for (int i = 1; i <= 40; i++) {
        double p50 = i <= 3 ? first_p50 : 10;
        synth_second(ph, "GET /", i, 1000, 0, NULL, 50, 0, p50, p50 * 2);
    }
    synth_done(r);
}

static void test_warmup(void **state)
{
    (void)state;
    struct lc_result r;
    struct lc_findings f;
    warm_run(&r, 45);
    analyze(&r, &f);
    expect_text(&f, LC_FINDING_WARMUP, "first 3.0 s", "45.0 ms", "10.0 ms", "--warmup", NULL);
    assert_non_null(find_kind(&f, LC_FINDING_WARMUP));
    assert_int_equal(find_kind(&f, LC_FINDING_WARMUP)->severity, LC_FINDING_INFO);
    lc_findings_free(&f);
    lc_result_free(&r);
    warm_run(&r, 14); /* 1.4x: within the noise of a start */
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_WARMUP), 0);
    lc_findings_free(&f);
    lc_result_free(&r);
}

/* ---- threshold_cause ----------------------------------------------------------------------------
 */

static void add_thr(struct lc_result *r, const char *expr, const char *metric, double limit,
                    double observed, const char *unit, enum lc_result_verdict v)
{
    struct lc_result_threshold t = {0};
    t.expr = (char *)expr;
    t.metric = (char *)metric;
    t.op = (char *)"<";
    t.limit = limit;
    t.observed = observed;
    t.unit = (char *)unit;
    t.verdict = v;
    assert_int_equal(lc_result_add_threshold(r, &t), 0);
}

static void test_threshold_cause_latency(void **state)
{
    (void)state;
    struct lc_result r;
    struct lc_findings f;
    synth_init(&r);
    struct lc_result_phase *ph = synth_phase(&r, "main", LC_RESULT_MODEL_CLOSED, 0, 20, true);
    for (int i = 1; i <= 20; i++) {
        /* The per-second series is per phase: p99 spikes in 2 of 20 seconds. */
        synth_point(ph, i, 1000, 0, 50, 0, 10, i == 7 || i == 8 ? 400 : 40);
        synth_reqs(ph, "GET /list", 900, 0, NULL, 10, 20);
        synth_reqs(ph, "POST /upload", 100, 0, NULL, 50, 200);
    }
    synth_done(&r);
    add_thr(&r, "p(99) < 100ms", "p(99)", 100, 400, "ms", LC_RESULT_VERDICT_FAIL);
    add_thr(&r, "error_rate < 1%", "error_rate", 1, 0, "%", LC_RESULT_VERDICT_PASS);
    analyze(&r, &f);
    assert_int_equal(count_kind(&f, LC_FINDING_THRESHOLD_CAUSE), 1);
    expect_text(&f, LC_FINDING_THRESHOLD_CAUSE, "'p(99) < 100ms' failed", "'POST /upload'",
                "only request name above the limit", "2 of 20 seconds", "brief spikes", NULL);
    const struct lc_finding *x = find_kind(&f, LC_FINDING_THRESHOLD_CAUSE);
    assert_non_null(x);
    assert_int_equal(x->severity, LC_FINDING_CRITICAL);
    assert_true(x->t_from_s == 6 && x->t_to_s == 8);
    lc_findings_free(&f);
    lc_result_free(&r);
}

static void test_threshold_cause_errors(void **state)
{
    (void)state;
    struct lc_result r;
    struct lc_findings f;
    synth_init(&r);
    struct lc_result_phase *a = synth_phase(&r, "steady", LC_RESULT_MODEL_CLOSED, 0, 10, true);
    struct lc_result_phase *b = synth_phase(&r, "spike", LC_RESULT_MODEL_CLOSED, 10, 10, true);
    for (int i = 1; i <= 10; i++) {
        synth_second(a, "GET /", i, 1000, 1, "timeout", 50, 0, 10, 20);
        synth_second(b, "GET /", 10 + i, 1000, 80, "status_503", 50, 0, 10, 20);
    }
    synth_done(&r);
    add_thr(&r, "error_rate < 1%", "error_rate", 1, 4.05, "%", LC_RESULT_VERDICT_FAIL);
    analyze(&r, &f);
    expect_text(&f, LC_FINDING_THRESHOLD_CAUSE, "phase 'spike' has the highest error rate, 8%",
                "status_503 800, timeout 10", "20 of 20 seconds", NULL);
    lc_findings_free(&f);
    lc_result_free(&r);

    /* A failed threshold on a scope the Result does not hold: nothing to say. */
    synth_init(&r);
    a = synth_phase(&r, "steady", LC_RESULT_MODEL_CLOSED, 0, 10, true);
    for (int i = 1; i <= 10; i++)
        synth_second(a, "GET /", i, 1000, 0, NULL, 50, 0, 10, 20);
    synth_done(&r);
    struct lc_result_threshold t = {0};
    t.expr = (char *)"nope: p(99) < 1ms";
    t.scope = (char *)"nope";
    t.metric = (char *)"p(99)";
    t.unit = (char *)"ms";
    t.limit = 1;
    t.observed = 20;
    t.verdict = LC_RESULT_VERDICT_FAIL;
    assert_int_equal(lc_result_add_threshold(&r, &t), 0);
    analyze(&r, &f);
    assert_int_equal(f.n, 0);
    lc_findings_free(&f);
    lc_result_free(&r);
}

/* ---- Order and names
 * ------------------------------------------------------------------------------ */

static void test_order_and_names(void **state)
{
    (void)state;
    struct lc_result r;
    struct lc_findings f;
    warm_run(&r, 45); /* info */
    assert_int_equal(lc_result_add_warning(&r, "the generator was CPU-saturated"),
                     0); /* critical */
    analyze(&r, &f);
    assert_true(f.n >= 2);
    for (size_t i = 1; i < f.n; i++)
        assert_true(f.items[i - 1].severity >= f.items[i].severity);
    assert_int_equal(f.items[0].kind, LC_FINDING_GENERATOR_SATURATED);
    lc_findings_free(&f);
    lc_result_free(&r);
    const char *ids[LC_FINDING_KIND_COUNT];
    for (int k = 0; k < LC_FINDING_KIND_COUNT; k++) {
        ids[k] = lc_finding_kind_id((enum lc_finding_kind)k);
        assert_string_not_equal(ids[k], "unknown");
        for (int j = 0; j < k; j++)
            assert_string_not_equal(ids[k], ids[j]);
    }
    assert_string_equal(lc_finding_severity_name(LC_FINDING_CRITICAL), "critical");
    assert_string_equal(lc_finding_severity_name(LC_FINDING_WARNING), "warning");
    assert_string_equal(lc_finding_severity_name(LC_FINDING_INFO), "info");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_run_has_no_findings),
        cmocka_unit_test(test_empty_results),
        cmocka_unit_test(test_saturation_between_phases),
        cmocka_unit_test(test_saturation_in_series),
        cmocka_unit_test(test_target_missed),
        cmocka_unit_test(test_error_burst),
        cmocka_unit_test(test_latency_spike),
        cmocka_unit_test(test_long_tail),
        cmocka_unit_test(test_memory_growth),
        cmocka_unit_test(test_generator),
        cmocka_unit_test(test_warmup),
        cmocka_unit_test(test_threshold_cause_latency),
        cmocka_unit_test(test_threshold_cause_errors),
        cmocka_unit_test(test_order_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
