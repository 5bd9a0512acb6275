/* Unit tests for monitor/growth: leak verdicts on synthetic series, windows, saturation. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/rng.h"
#include "monitor/growth.h"

#define MB   1048576.0
#define NMAX 400

/* A series of n samples one second apart: v = f(i / (n - 1)) + noise_mb * N(0, 1) MB. */
struct series {
    double t[NMAX];
    double v[NMAX];
    size_t n;
};

typedef double (*shape_fn)(double x, double p);

static void make(struct series *s, size_t n, shape_fn f, double p, double noise_mb, uint64_t seed)
{
    struct lc_rng rng;
    lc_rng_seed(&rng, seed);
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        s->t[i] = (double)i;
        s->v[i] = f((double)i / (double)(n - 1), p) + noise_mb * MB * lc_rng_normal(&rng);
    }
}

static struct lc_growth analyze(const struct series *s)
{
    struct lc_growth g;
    assert_int_equal(lc_growth_analyze(s->t, s->v, s->n, NULL, &g), 0);
    return g;
}

/* Shapes over x in [0, 1]; p is their parameter. 100 MB baseline everywhere. */
static double flat(double x, double p)
{
    (void)x;
    (void)p;
    return 100 * MB;
}

static double line(double x, double rise_mb)
{
    return 100 * MB + rise_mb * MB * x;
}

static double step(double x, double at)
{
    return 100 * MB + (x >= at ? 50 * MB : 0);
}

static double plateau(double x, double until)
{
    return 100 * MB + 40 * MB * (x < until ? x / until : 1.0);
}

static double stairs(double x, double steps)
{
    return 100 * MB + 30 * MB * floor(x * steps) / steps;
}

static void test_steady_growth_is_a_leak(void **state)
{
    (void)state;
    /* 60 samples, +30 MB over 59 s (about 1.8 GB/h), noise 0.5 MB. */
    struct series s;
    make(&s, 60, line, 30, 0.5, 1);
    struct lc_growth g = analyze(&s);
    assert_int_equal(g.verdict, LC_GROWTH_LEAK);
    double want = 30 * MB / 59; /* bytes per second */
    assert_true(g.slope_lo <= want && want <= g.slope_hi);
    assert_true(fabs(g.slope - want) < 0.05 * want);
    assert_true(g.r2 > 0.95);
    assert_float_equal(lc_growth_mb_per_h(g.slope), g.slope * 3600 / MB, 1e-9);
    assert_int_equal(g.n, 60);
    assert_float_equal(g.span_s, 59, 1e-12);
    assert_float_equal(g.first, s.v[0], 0);
    assert_float_equal(g.last, s.v[59], 0);
    assert_non_null(strstr(g.reason, "MB/h"));
    assert_string_equal(lc_growth_verdict_name(g.verdict), "leak");

    /* Power: over 200 noisy series of steady growth (R^2 near 0.9), the verdict is a leak in
     * at least 90%, and never anything but leak or irregular. */
    int leaks = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        make(&s, 60, line, 10, 1.0, seed);
        g = analyze(&s);
        leaks += g.verdict == LC_GROWTH_LEAK;
        assert_true(g.verdict == LC_GROWTH_LEAK || g.verdict == LC_GROWTH_IRREGULAR ||
                    g.verdict == LC_GROWTH_SETTLED);
    }
    assert_true(leaks >= 180);
    /* Allocation in chunks (a staircase of 10 steps) is steady growth too. */
    make(&s, 100, stairs, 10, 0.1, 3);
    assert_int_equal(analyze(&s).verdict, LC_GROWTH_LEAK);
}

static void test_noise_is_not_a_leak(void **state)
{
    (void)state;
    struct series s;
    int flats = 0;
    for (uint64_t seed = 1; seed <= 300; seed++) {
        make(&s, 60, flat, 0, 2.0, seed);
        struct lc_growth g = analyze(&s);
        assert_int_not_equal(g.verdict, LC_GROWTH_LEAK);
        flats += g.verdict == LC_GROWTH_FLAT;
    }
    /* The slope's 95% interval excludes 0 in about 5% of pure-noise series; those then fail R^2. */
    assert_true(flats >= 270);
    /* A perfectly flat series: slope 0, flat. */
    make(&s, 30, flat, 0, 0, 1);
    struct lc_growth g = analyze(&s);
    assert_int_equal(g.verdict, LC_GROWTH_FLAT);
    assert_float_equal(g.slope, 0, 1e-9);
}

static void test_step_is_not_a_leak(void **state)
{
    (void)state;
    struct series s;
    for (int k = 1; k <= 9; k++) {
        for (uint64_t seed = 1; seed <= 20; seed++) {
            make(&s, 60, step, k / 10.0, 0.3, seed);
            struct lc_growth g = analyze(&s);
            if (g.verdict == LC_GROWTH_LEAK)
                fail_msg("a step at %d0%% (seed %llu) was called a leak: %s", k,
                         (unsigned long long)seed, g.reason);
        }
    }
    /* Noise-free step in the middle: R^2 = 0.75 < 0.8: irregular. */
    make(&s, 60, step, 0.5, 0, 1);
    struct lc_growth g = analyze(&s);
    assert_int_equal(g.verdict, LC_GROWTH_IRREGULAR);
    assert_true(g.r2 < 0.8);
}

static void test_plateau_is_not_a_leak(void **state)
{
    (void)state;
    struct series s;
    const double untils[] = {0.3, 0.5, 0.6, 0.66};
    for (size_t k = 0; k < sizeof(untils) / sizeof(untils[0]); k++) {
        for (uint64_t seed = 1; seed <= 50; seed++) {
            make(&s, 90, plateau, untils[k], 0.3, seed);
            struct lc_growth g = analyze(&s);
            if (g.verdict == LC_GROWTH_LEAK)
                fail_msg("a plateau from %.0f%% (seed %llu) was called a leak: %s", untils[k] * 100,
                         (unsigned long long)seed, g.reason);
        }
    }
    /* Growth that stops at 60%, noise-free: R^2 high, but the last third is flat. */
    make(&s, 90, plateau, 0.6, 0, 1);
    struct lc_growth g = analyze(&s);
    assert_true(g.r2 >= 0.8);
    assert_int_equal(g.verdict, LC_GROWTH_SETTLED);
    assert_true(g.late_rise < 0.5 * g.late_expected);
    assert_non_null(strstr(g.reason, "levelled off"));
}

static void test_small_shrinking_insufficient(void **state)
{
    (void)state;
    struct series s;
    /* +0.5 MB steadily: below the 1 MB floor. */
    make(&s, 60, line, 0.5, 0.01, 1);
    struct lc_growth g = analyze(&s);
    assert_int_equal(g.verdict, LC_GROWTH_SMALL);
    /* +1.5 MB on a 100 MB baseline: above 1 MB but below 2% (2 MB). */
    make(&s, 60, line, 1.5, 0.01, 1);
    assert_int_equal(analyze(&s).verdict, LC_GROWTH_SMALL);
    /* A custom floor makes the same series a leak. */
    struct lc_growth_rule rule = {.min_fraction = 0.001};
    assert_int_equal(lc_growth_analyze(s.t, s.v, s.n, &rule, &g), 0);
    assert_int_equal(g.verdict, LC_GROWTH_LEAK);
    /* Going down. */
    make(&s, 60, line, -20, 0.2, 1);
    assert_int_equal(analyze(&s).verdict, LC_GROWTH_SHRINKING);
    /* Five samples of a clear leak: not enough to judge, but the fit is reported. */
    make(&s, 5, line, 20, 0, 1);
    g = analyze(&s);
    assert_int_equal(g.verdict, LC_GROWTH_INSUFFICIENT);
    assert_float_equal(g.slope, 5 * MB, 1e-3);
    assert_int_equal(lc_growth_analyze(s.t, s.v, 0, NULL, &g), 0);
    assert_int_equal(g.verdict, LC_GROWTH_INSUFFICIENT);
    /* All at one time: no span. */
    double t[6] = {1, 1, 1, 1, 1, 1}, v[6] = {1, 2, 3, 4, 5, 6};
    assert_int_equal(lc_growth_analyze(t, v, 6, NULL, &g), 0);
    assert_int_equal(g.verdict, LC_GROWTH_INSUFFICIENT);
    v[2] = NAN;
    t[0] = 0;
    assert_int_equal(lc_growth_analyze(t, v, 6, NULL, &g), LC_EINVAL);
}

/* ---- Windows of a Result ------------------------------------------------------------------- */

static void add_series(struct lc_result *r, const char *name, const char *unit, size_t n,
                       double (*f)(size_t i))
{
    struct lc_result_resource *res;
    assert_int_equal(lc_result_add_resource(r, name, unit, &res), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(lc_result_resource_add(res, (double)i, f(i)), 0);
}

/* sut.cpu_percent: 10% for t <= 10, then 90% (t in 11..20). */
static double cpu_f(size_t i)
{
    return i <= 10 ? 10 : 90;
}

/* sut.rss_bytes: 50 MB flat to t = 10, then +1 MB per second. */
static double rss_f(size_t i)
{
    return 50 * MB + (i > 10 ? (double)(i - 10) * MB : 0);
}

static double gen_f(size_t i)
{
    return (double)i * 10;
}

static void test_window_stats(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_MONITOR);
    add_series(&r, "sut.cpu_percent", "%", 21, cpu_f);
    add_series(&r, "sut.rss_bytes", "bytes", 21, rss_f);
    add_series(&r, "gen.cpu_percent", "%", 21, gen_f);
    struct lc_monitor_window w;
    /* The first phase [0, 10]: CPU samples at t = 1..10 (t = 0 belongs to the time before);
     * memory samples at t = 0..10. */
    assert_int_equal(lc_monitor_window_stats(&r, 0, 10, &w), 0);
    assert_int_equal(w.cpu_n, 10);
    assert_float_equal(w.cpu_mean_percent, 10, 1e-12);
    assert_float_equal(w.cpu_max_percent, 10, 1e-12);
    assert_int_equal(w.rss_n, 11);
    assert_float_equal(w.rss_baseline_bytes, 50 * MB, 0);
    assert_float_equal(w.rss_peak_bytes, 50 * MB, 0);
    assert_int_equal(w.growth.verdict, LC_GROWTH_FLAT);
    assert_int_equal(w.gen_n, 10);
    assert_float_equal(w.gen_cpu_mean_percent, 55, 1e-12);
    assert_int_equal(w.host_n, 0);
    /* The second [10, 20]: CPU 11..20 all 90%; memory 10..20 grows 10 MB: a leak. */
    struct lc_result_phase *ph;
    assert_int_equal(lc_result_add_phase(&r, "steady", &ph), 0);
    ph->start_offset_ns = 10000000000ULL;
    ph->duration_ns = 10000000000ULL;
    assert_int_equal(lc_monitor_phase_stats(&r, ph, &w), 0);
    assert_float_equal(w.t_from_s, 10, 0);
    assert_float_equal(w.t_to_s, 20, 0);
    assert_int_equal(w.cpu_n, 10);
    assert_float_equal(w.cpu_mean_percent, 90, 1e-12);
    assert_int_equal(w.rss_n, 11);
    assert_float_equal(w.rss_baseline_bytes, 50 * MB, 0);
    assert_float_equal(w.rss_final_bytes, 60 * MB, 0);
    assert_float_equal(w.rss_peak_bytes, 60 * MB, 0);
    assert_int_equal(w.growth.verdict, LC_GROWTH_LEAK);
    assert_float_equal(w.growth.slope, MB, 1e-3);
    /* An empty window and a bad one. */
    assert_int_equal(lc_monitor_window_stats(&r, 100, 200, &w), 0);
    assert_int_equal(w.cpu_n + w.rss_n + w.gen_n, 0);
    assert_int_equal(w.growth.verdict, LC_GROWTH_INSUFFICIENT);
    assert_int_equal(lc_monitor_window_stats(&r, 5, 1, &w), LC_EINVAL);
    assert_int_equal(lc_monitor_window_stats(&r, NAN, 1, &w), LC_EINVAL);
    lc_result_free(&r);
}

static double busy_f(size_t i)
{
    /* 2 threads' worth: 195% for t = 5..14, 60% otherwise. */
    return i >= 5 && i < 15 ? 195 : 60;
}

static void test_gen_saturation(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_HTTP);
    add_series(&r, "gen.cpu_percent", "%", 20, busy_f);
    const struct lc_result_resource *g = lc_result_find_resource(&r, "gen.cpu_percent");
    struct lc_gen_saturation s;
    /* 2 threads on 8 cores: capacity 200%, limit 180%: 10 of 19 samples (t 1..19) above. */
    assert_int_equal(lc_monitor_gen_saturation(g, 2, 8, 0, 19, &s), 0);
    assert_true(s.saturated);
    assert_float_equal(s.capacity_percent, 200, 0);
    assert_int_equal(s.n, 19);
    assert_int_equal(s.n_above, 10);
    assert_float_equal(s.max_percent, 195, 0);
    /* 4 threads: capacity 400%: nothing above 360%. */
    assert_int_equal(lc_monitor_gen_saturation(g, 4, 8, 0, 19, &s), 0);
    assert_false(s.saturated);
    assert_int_equal(s.n_above, 0);
    /* 4 threads on 2 cores: capacity capped at 200%: saturated again. */
    assert_int_equal(lc_monitor_gen_saturation(g, 4, 2, 0, 19, &s), 0);
    assert_true(s.saturated);
    /* One busy sample in a window of 5 is not saturation; the quiet window is not either. */
    assert_int_equal(lc_monitor_gen_saturation(g, 2, 8, 0, 5, &s), 0);
    assert_int_equal(s.n_above, 1);
    assert_false(s.saturated);
    assert_int_equal(lc_monitor_gen_saturation(g, 2, 8, 15, 19, &s), 0);
    assert_false(s.saturated);
    /* No series, bad arguments. */
    assert_int_equal(lc_monitor_gen_saturation(NULL, 2, 8, 0, 19, &s), 0);
    assert_false(s.saturated);
    assert_int_equal(s.n, 0);
    assert_int_equal(lc_monitor_gen_saturation(g, 0, 8, 0, 19, &s), LC_EINVAL);
    assert_int_equal(lc_monitor_gen_saturation(g, 2, 8, 9, 1, &s), LC_EINVAL);
    lc_result_free(&r);
}

static struct lc_result_phase *add_phase(struct lc_result *r, const char *name, double start_s,
                                         double dur_s, bool recorded)
{
    struct lc_result_phase *ph;
    assert_int_equal(lc_result_add_phase(r, name, &ph), 0);
    ph->start_offset_ns = (uint64_t)(start_s * 1e9);
    ph->duration_ns = (uint64_t)(dur_s * 1e9);
    ph->recorded = recorded;
    return ph;
}

/* gen.cpu_percent at t = 0..29: 60% in 0..10, 195% in 11..20, 60% after. */
static double phases_f(size_t i)
{
    return i > 10 && i <= 20 ? 195 : 60;
}

/* Warnings per phase: the saturated phase is named with its figures, the others are not. */
static void test_gen_saturation_per_phase(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_RUN);
    r.load.threads = 2;
    r.duration_ns = 30000000000ULL;
    add_phase(&r, "warmup", 0, 5, false);
    add_phase(&r, "steady", 5, 5, true);
    add_phase(&r, "peak", 10, 10, true);
    add_phase(&r, "cool", 20, 10, true);
    add_series(&r, "gen.cpu_percent", "%", 30, phases_f);
    size_t n = 99;
    assert_int_equal(lc_monitor_gen_saturation_warn(&r, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(r.n_warnings, 1);
    /* peak's window (10, 20]: samples 11..20, all 195% of a 200% capacity. */
    assert_string_equal(r.warnings[0],
                        "the generator was CPU-saturated in phase 'peak': mean 195% of one core "
                        "(max 195%), 10 of 10 samples at or above 90% of its 200% capacity "
                        "(2 threads): that phase's figures may describe loadcell, not the target");
    /* 4 threads on 8 cores: capacity 400%, nothing saturated. */
    r.load.threads = 4;
    assert_int_equal(lc_monitor_gen_saturation_warn(&r, 8, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(r.n_warnings, 1);
    /* 4 threads on 2 cores: the cores cap the capacity; a saturated warmup is not reported. */
    r.phases[2]->recorded = false;
    assert_int_equal(lc_monitor_gen_saturation_warn(&r, 2, &n), 0);
    assert_int_equal(n, 0);
    r.phases[2]->recorded = true;
    assert_int_equal(lc_monitor_gen_saturation_warn(&r, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_non_null(strstr(r.warnings[1], "in phase 'peak'"));
    assert_non_null(strstr(r.warnings[1], "(4 threads)"));
    /* Not a load result (no threads): nothing to judge. */
    r.load.threads = 0;
    assert_int_equal(lc_monitor_gen_saturation_warn(&r, 2, NULL), 0);
    assert_int_equal(r.n_warnings, 2);
    lc_result_free(&r);
}

/* Without the series, the run's CPU time decides; one recorded phase is named. */
static void test_gen_saturation_whole_run(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_HTTP);
    r.load.threads = 2;
    r.duration_ns = 10000000000ULL;
    r.gen_cpu_user_s = 15;
    r.gen_cpu_sys_s = 4; /* 190% over 10 s */
    add_phase(&r, "warmup", 0, 2, false);
    add_phase(&r, "main", 2, 8, true);
    size_t n = 0;
    assert_int_equal(lc_monitor_gen_saturation_warn(&r, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(r.warnings[0],
                        "the generator was CPU-saturated in phase 'main' (95% of 2 usable cores "
                        "over the run): figures may describe loadcell, not the target");
    /* Two recorded phases: the run's figure cannot name one. */
    add_phase(&r, "more", 10, 5, true);
    assert_int_equal(lc_monitor_gen_saturation_warn(&r, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_non_null(strstr(r.warnings[1], "monitor the target to see which phase"));
    /* Below 90% of the usable cores: no warning. */
    r.gen_cpu_user_s = 10;
    assert_int_equal(lc_monitor_gen_saturation_warn(&r, 8, &n), 0);
    assert_int_equal(n, 0);
    /* With the series, the series decides per phase: 'main' (2, 10] ran at 60%, 'more'
     * (10, 15] at 195%, though the run's CPU time alone would blame the whole run. */
    r.gen_cpu_user_s = 15;
    add_series(&r, "gen.cpu_percent", "%", 30, phases_f);
    assert_int_equal(lc_monitor_gen_saturation_warn(&r, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(r.n_warnings, 3);
    assert_non_null(strstr(r.warnings[2], "in phase 'more': mean 195% of one core (max 195%), "
                                          "5 of 5 samples"));
    lc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steady_growth_is_a_leak),
        cmocka_unit_test(test_noise_is_not_a_leak),
        cmocka_unit_test(test_step_is_not_a_leak),
        cmocka_unit_test(test_plateau_is_not_a_leak),
        cmocka_unit_test(test_small_shrinking_insufficient),
        cmocka_unit_test(test_window_stats),
        cmocka_unit_test(test_gen_saturation),
        cmocka_unit_test(test_gen_saturation_per_phase),
        cmocka_unit_test(test_gen_saturation_whole_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
