/* Unit tests for results/compare, compare_claim and compare_fmt on synthetic Results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "results/compare.h"
#include "results/compare_claim.h"
#include "results/compare_fmt.h"
#include "results/result.h"

#define MS 1000000.0
#define S  1000000000.0

/* ---- Helpers ------------------------------------------------------------------------ */

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("'%s' does not contain '%s'", hay, needle);
}

/* A bench Result with one command `name` whose runs take wall[i] ns (rss and artifact optional). */
static void make_bench(struct lc_result *r, const char *name, const double *wall, size_t n,
                       const double *rss, const double *artifact)
{
    lc_result_init(r, LC_RESULT_KIND_BENCH);
    struct lc_result_bench_command *c;
    assert_int_equal(lc_result_add_command(r, name, "true", &c), 0);
    for (size_t i = 0; i < n; i++) {
        struct lc_result_bench_run run = {0};
        run.wall_ns = (uint64_t)wall[i];
        run.max_rss_bytes = rss ? (uint64_t)rss[i] : 0;
        run.artifact_bytes = artifact ? (int64_t)artifact[i] : -1;
        assert_int_equal(lc_result_command_add_run(c, &run, NULL), 0);
    }
}

/* n normal values with the given mean and relative sd. */
static void normals(struct lc_rng *rng, double *x, size_t n, double mean, double rel_sd)
{
    for (size_t i = 0; i < n; i++)
        x[i] = mean * (1 + rel_sd * lc_rng_normal(rng));
}

/*
 * A load Result: one recorded phase of `secs` seconds, request "GET /" with
 * latencies lat[0..n) (ns), `errors` of them failed, and a per-second series
 * of n / secs requests with +-5% noise (seeded).
 */
static void make_load(struct lc_result *r, const double *lat, size_t n, uint64_t errors,
                      unsigned secs, uint64_t seed)
{
    lc_result_init(r, LC_RESULT_KIND_HTTP);
    struct lc_result_phase *ph;
    assert_int_equal(lc_result_add_phase(r, "main", &ph), 0);
    ph->duration_ns = (uint64_t)secs * 1000000000ull;
    struct lc_result_stats *s;
    assert_int_equal(lc_result_phase_request(ph, "GET /", &s), 0);
    assert_int_equal(lc_result_stats_enable_hist(s, LC_HIST_LATENCY), 0);
    for (size_t i = 0; i < n; i++)
        lc_hdr_record(&s->hist[LC_HIST_LATENCY], (int64_t)lat[i]);
    s->requests = n;
    if (errors)
        assert_int_equal(lc_result_stats_add_error(s, "status_5xx", errors), 0);
    struct lc_rng rng;
    lc_rng_seed(&rng, seed);
    for (unsigned t = 1; t <= secs; t++) {
        struct lc_result_point p = {0};
        p.t_s = t;
        p.requests = (uint64_t)((double)n / secs * (1 + 0.05 * lc_rng_normal(&rng)));
        assert_int_equal(lc_result_phase_add_point(ph, &p), 0);
    }
    assert_int_equal(lc_result_stats_merge(&ph->stats, s), 0);
    assert_int_equal(lc_result_compute_totals(r), 0);
}

static const struct lc_cmp_metric *find(const struct lc_compare *c, const char *scope,
                                        const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->m[i].scope, scope) == 0 && strcmp(c->m[i].name, name) == 0)
            return &c->m[i];
    fail_msg("no metric %s/%s", scope, name);
    return NULL;
}

static void run_compare(const struct lc_result *a, const struct lc_result *b,
                        const struct lc_compare_opts *o, struct lc_compare *c)
{
    struct lc_error err;
    lc_error_clear(&err);
    int rc = lc_compare_run(a, b, o, c, &err);
    if (rc)
        fail_msg("compare failed: %d %s", rc, err.msg);
}

/* ---- Bench ---------------------------------------------------------------------------- */

static void test_bench_identical(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 1);
    double w[30], rss[30];
    normals(&rng, w, 30, 1 * S, 0.1);
    normals(&rng, rss, 30, 50e6, 0.02);
    struct lc_result a, b;
    make_bench(&a, "sort", w, 30, rss, NULL);
    make_bench(&b, "sort", w, 30, rss, NULL);
    struct lc_compare c;
    run_compare(&a, &b, NULL, &c);
    assert_true(c.bench);
    assert_int_equal(c.n_regressed, 0);
    assert_int_equal(c.n_improved, 0);
    assert_false(lc_compare_failed(&c));
    const struct lc_cmp_metric *m = find(&c, "sort", "mean");
    assert_int_equal(m->verdict, LC_CMP_UNCHANGED);
    assert_true(m->has_test);
    assert_true(m->p > 0.9);
    assert_true(m->has_ratio_ci && m->ratio_ci.lo < 1 && m->ratio_ci.hi > 1);
    assert_int_equal(find(&c, "sort", "median")->verdict, LC_CMP_UNCHANGED);
    assert_int_equal(find(&c, "sort", "mem_peak")->verdict, LC_CMP_UNCHANGED);
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
}

/* A 10% slower command, n = 30, 5% noise: regressed with p < 0.01; the other way improved. */
static void test_bench_shift(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 2);
    double w0[30], w1[30];
    normals(&rng, w0, 30, 1 * S, 0.05);
    normals(&rng, w1, 30, 1.1 * S, 0.05);
    struct lc_result a, b;
    make_bench(&a, "sort", w0, 30, NULL, NULL);
    make_bench(&b, "sort", w1, 30, NULL, NULL);
    struct lc_compare c;
    run_compare(&a, &b, NULL, &c);
    const struct lc_cmp_metric *m = find(&c, "sort", "mean");
    assert_int_equal(m->verdict, LC_CMP_REGRESSED);
    assert_true(m->p_adj < 0.01);
    assert_true(m->ratio_ci.lo > 1.0 && m->ratio_ci.hi < 1.2);
    assert_int_equal(find(&c, "sort", "median")->verdict, LC_CMP_REGRESSED);
    assert_true(lc_compare_failed(&c));
    lc_compare_free(&c);

    run_compare(&b, &a, NULL, &c);
    assert_int_equal(find(&c, "sort", "mean")->verdict, LC_CMP_IMPROVED);
    assert_false(lc_compare_failed(&c));
    lc_compare_free(&c);

    /* Within a 15% tolerance the same shift is unchanged. */
    struct lc_compare_opts o = {.tolerance = 0.15};
    run_compare(&a, &b, &o, &c);
    assert_int_equal(find(&c, "sort", "mean")->verdict, LC_CMP_UNCHANGED);
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
}

/*
 * Equal but noisy (wall time 10% sd, max RSS 1% sd, n = 30): nothing changes in >= 95% of
 * 300 seeded trials. Holm keeps the chance of any false verdict at most alpha (the two
 * tests here give ~2.5%); at a 10% sd the 5% tolerance barely helps, so this is the
 * statistics holding, not the tolerance hiding noise.
 */
static void test_bench_noisy_equal(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 3);
    int quiet = 0, trials = 300;
    for (int t = 0; t < trials; t++) {
        double w0[30], w1[30], r0[30], r1[30];
        normals(&rng, w0, 30, 1 * S, 0.1);
        normals(&rng, w1, 30, 1 * S, 0.1);
        normals(&rng, r0, 30, 80e6, 0.01);
        normals(&rng, r1, 30, 80e6, 0.01);
        struct lc_result a, b;
        make_bench(&a, "job", w0, 30, r0, NULL);
        make_bench(&b, "job", w1, 30, r1, NULL);
        struct lc_compare c;
        struct lc_compare_opts o = {.tolerance = -1, .resamples = 200, .seed = (uint64_t)t + 1};
        run_compare(&a, &b, &o, &c);
        if (c.n_regressed == 0 && c.n_improved == 0)
            quiet++;
        lc_compare_free(&c);
        lc_result_free(&a);
        lc_result_free(&b);
    }
    print_message("%d of %d equal-but-noisy bench trials unchanged\n", quiet, trials);
    if (quiet < trials * 95 / 100)
        fail_msg("only %d of %d equal-but-noisy trials were unchanged", quiet, trials);
}

static void test_bench_memory_artifact(void **state)
{
    (void)state;
    double w[10], r0[10], r1[10], a0[10], a1[10];
    for (int i = 0; i < 10; i++) {
        w[i] = (1 + 0.01 * i) * S;
        r0[i] = 100e6 + i * 1e5;
        r1[i] = 130e6 + i * 1e5;
        a0[i] = 1000;
        a1[i] = 900;
    }
    struct lc_result a, b;
    make_bench(&a, "build", w, 10, r0, a0);
    make_bench(&b, "build", w, 10, r1, a1);
    struct lc_compare c;
    run_compare(&a, &b, NULL, &c);
    assert_int_equal(find(&c, "build", "mem_peak")->verdict, LC_CMP_REGRESSED);
    assert_int_equal(find(&c, "build", "artifact")->verdict, LC_CMP_IMPROVED);
    assert_int_equal(find(&c, "build", "mean")->verdict, LC_CMP_UNCHANGED);
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
}

/* Holm over two commands: the smaller p is doubled, the larger kept (at least the smaller's). */
static void test_holm(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 12);
    double a0[20], a1[20], b0[20], b1[20];
    normals(&rng, a0, 20, 1 * S, 0.1);
    normals(&rng, a1, 20, 1.08 * S, 0.1);
    normals(&rng, b0, 20, 1 * S, 0.1);
    normals(&rng, b1, 20, 1.03 * S, 0.1);
    struct lc_result a, b;
    make_bench(&a, "x", a0, 20, NULL, NULL);
    make_bench(&b, "x", a1, 20, NULL, NULL);
    struct lc_result_bench_command *c0, *c1;
    assert_int_equal(lc_result_add_command(&a, "y", "true", &c0), 0);
    assert_int_equal(lc_result_add_command(&b, "y", "true", &c1), 0);
    for (int i = 0; i < 20; i++) {
        struct lc_result_bench_run r0 = {.wall_ns = (uint64_t)b0[i], .artifact_bytes = -1};
        struct lc_result_bench_run r1 = {.wall_ns = (uint64_t)b1[i], .artifact_bytes = -1};
        assert_int_equal(lc_result_command_add_run(c0, &r0, NULL), 0);
        assert_int_equal(lc_result_command_add_run(c1, &r1, NULL), 0);
    }
    struct lc_compare c;
    run_compare(&a, &b, NULL, &c);
    assert_int_equal(c.n_tests, 2);
    const struct lc_cmp_metric *x = find(&c, "x", "mean"), *y = find(&c, "y", "mean");
    const struct lc_cmp_metric *lo = x->p <= y->p ? x : y, *hi = x->p <= y->p ? y : x;
    assert_true(fabs(lo->p_adj - fmin(1, 2 * lo->p)) < 1e-12);
    assert_true(fabs(hi->p_adj - fmax(lo->p_adj, hi->p)) < 1e-12);
    assert_true(find(&c, "x", "median")->p_adj == x->p_adj);
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
}

/* ---- Load ------------------------------------------------------------------------------- */

static void lognormals(struct lc_rng *rng, double *x, size_t n, double median, double sigma)
{
    for (size_t i = 0; i < n; i++)
        x[i] = median * exp(sigma * lc_rng_normal(rng));
}

static void test_load_identical(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 4);
    double lat[2000];
    lognormals(&rng, lat, 2000, 5 * MS, 0.5);
    struct lc_result a, b;
    make_load(&a, lat, 2000, 10, 10, 1);
    make_load(&b, lat, 2000, 10, 10, 1);
    struct lc_compare c;
    run_compare(&a, &b, NULL, &c);
    assert_false(c.bench);
    assert_int_equal(c.n_regressed, 0);
    assert_int_equal(c.n_improved, 0);
    const struct lc_cmp_metric *p99 = find(&c, "", "p99");
    assert_int_equal(p99->verdict, LC_CMP_UNCHANGED);
    assert_true(p99->has_ratio_ci && p99->ratio_ci.lo <= 1 && p99->ratio_ci.hi >= 1);
    assert_true(p99->has_diff_ci && p99->diff_ci.lo <= 0 && p99->diff_ci.hi >= 0);
    assert_true(p99->p > 0.99);
    assert_int_equal(find(&c, "GET /", "p50")->verdict, LC_CMP_UNCHANGED);
    assert_int_equal(find(&c, "", "max")->verdict, LC_CMP_NOT_JUDGED);
    assert_int_equal(find(&c, "", "error_rate")->verdict, LC_CMP_UNCHANGED);
    assert_int_equal(find(&c, "", "rps")->verdict, LC_CMP_UNCHANGED);
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The k-th smallest (k = ceil(pct/100 n), as HDR percentiles count) of a resample of v. */
static double resample_percentile(struct lc_rng *rng, const double *v, size_t n, double pct,
                                  double *scratch)
{
    for (size_t i = 0; i < n; i++)
        scratch[i] = v[lc_rng_range(rng, 0, n - 1)];
    qsort(scratch, n, sizeof(*scratch), cmp_double);
    size_t k = (size_t)ceil(pct / 100.0 * (double)n);
    return scratch[(k ? k : 1) - 1];
}

/* The histogram's values expanded (each bucket's highest equivalent value, count times). */
static size_t expand(const struct lc_hdr *h, double *out)
{
    struct lc_hdr_iter it;
    size_t n = 0;
    lc_hdr_iter_init(&it, h);
    while (lc_hdr_iter_next(&it))
        for (int64_t i = 0; i < it.count; i++)
            out[n++] = (double)it.value_to;
    return n;
}

/*
 * The order-statistic bootstrap of histogram percentiles agrees with a brute-force
 * bootstrap that resamples the expanded values (p50 and p95 ratio intervals).
 */
static void test_hist_bootstrap_matches_brute_force(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 13);
    static double l0[400], l1[400], v0[400], v1[400], scratch[400], draws[4000];
    lognormals(&rng, l0, 400, 5 * MS, 0.5);
    lognormals(&rng, l1, 400, 6 * MS, 0.5);
    struct lc_result a, b;
    make_load(&a, l0, 400, 0, 4, 1);
    make_load(&b, l1, 400, 0, 4, 2);
    struct lc_compare c;
    struct lc_compare_opts o = {.tolerance = -1, .resamples = 4000};
    run_compare(&a, &b, &o, &c);
    assert_int_equal(expand(&a.total.hist[LC_HIST_LATENCY], v0), 400);
    assert_int_equal(expand(&b.total.hist[LC_HIST_LATENCY], v1), 400);
    static const double pcts[] = {50, 95};
    static const char *const names[] = {"p50", "p95"};
    for (size_t p = 0; p < 2; p++) {
        for (size_t i = 0; i < 4000; i++) {
            double x0 = resample_percentile(&rng, v0, 400, pcts[p], scratch);
            double x1 = resample_percentile(&rng, v1, 400, pcts[p], scratch);
            draws[i] = x1 / x0;
        }
        qsort(draws, 4000, sizeof(*draws), cmp_double);
        double lo = draws[99], hi = draws[3899]; /* ~2.5% and ~97.5% */
        const struct lc_cmp_metric *m = find(&c, "", names[p]);
        assert_true(m->has_ratio_ci);
        if (fabs(m->ratio_ci.lo - lo) > 0.03 * lo || fabs(m->ratio_ci.hi - hi) > 0.03 * hi)
            fail_msg("%s: interval [%g, %g], brute force [%g, %g]", names[p], m->ratio_ci.lo,
                     m->ratio_ci.hi, lo, hi);
    }
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
}

/* Latency 10% higher, n = 30 requests per side: p50 regressed, Mann-Whitney p < 0.01. */
static void test_load_shift(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 5);
    double l0[30], l1[30];
    lognormals(&rng, l0, 30, 10 * MS, 0.05);
    lognormals(&rng, l1, 30, 11 * MS, 0.05);
    struct lc_result a, b;
    make_load(&a, l0, 30, 0, 3, 1);
    make_load(&b, l1, 30, 0, 3, 2);
    struct lc_compare c;
    run_compare(&a, &b, NULL, &c);
    const struct lc_cmp_metric *m = find(&c, "", "p50");
    assert_string_equal(m->test, "mann-whitney (histograms)");
    assert_true(m->p_adj < 0.01);
    assert_int_equal(m->verdict, LC_CMP_REGRESSED);
    assert_true(m->ratio_ci.lo > 1);
    assert_int_equal(find(&c, "GET /", "p50")->verdict, LC_CMP_REGRESSED);
    assert_true(lc_compare_failed(&c));
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
}

/* Equal but noisy latency: no verdict changes in >= 95% of 100 seeded trials. */
static void test_load_noisy_equal(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 6);
    int quiet = 0, trials = 100;
    static double l0[300], l1[300];
    for (int t = 0; t < trials; t++) {
        lognormals(&rng, l0, 300, 5 * MS, 0.4);
        lognormals(&rng, l1, 300, 5 * MS, 0.4);
        struct lc_result a, b;
        make_load(&a, l0, 300, 3, 10, 2 * (uint64_t)t + 1);
        make_load(&b, l1, 300, 3, 10, 2 * (uint64_t)t + 2);
        struct lc_compare c;
        struct lc_compare_opts o = {.tolerance = -1, .resamples = 200, .seed = (uint64_t)t + 1};
        run_compare(&a, &b, &o, &c);
        if (c.n_regressed == 0 && c.n_improved == 0)
            quiet++;
        lc_compare_free(&c);
        lc_result_free(&a);
        lc_result_free(&b);
    }
    print_message("%d of %d equal-but-noisy load trials unchanged\n", quiet, trials);
    if (quiet < trials * 95 / 100)
        fail_msg("only %d of %d equal-but-noisy load trials were unchanged", quiet, trials);
}

static void test_load_errors(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 7);
    static double lat[10000];
    lognormals(&rng, lat, 10000, 5 * MS, 0.3);
    struct lc_result a, b;
    make_load(&a, lat, 10000, 0, 10, 1);
    make_load(&b, lat, 10000, 200, 10, 1);
    struct lc_compare c;
    run_compare(&a, &b, NULL, &c);
    const struct lc_cmp_metric *m = find(&c, "", "error_rate");
    assert_false(m->has_ratio);
    assert_int_equal(m->verdict, LC_CMP_REGRESSED);
    assert_string_equal(m->test, "two-proportion z");
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
}

static void test_resources(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 8);
    double lat[500];
    lognormals(&rng, lat, 500, 5 * MS, 0.3);
    struct lc_result a, b;
    make_load(&a, lat, 500, 0, 10, 1);
    make_load(&b, lat, 500, 0, 10, 1);
    struct lc_result_resource *ra, *rb;
    assert_int_equal(lc_result_add_resource(&a, "sut.rss_bytes", "bytes", &ra), 0);
    assert_int_equal(lc_result_add_resource(&b, "sut.rss_bytes", "bytes", &rb), 0);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(lc_result_resource_add(ra, i * 0.5, 100e6 + i * 1e5), 0);
        assert_int_equal(lc_result_resource_add(rb, i * 0.5, 150e6 + i * 1e5), 0);
    }
    struct lc_compare c;
    run_compare(&a, &b, NULL, &c);
    const struct lc_cmp_metric *m = find(&c, "", "mem_peak");
    assert_true(fabs(m->base - (100e6 + 19e5)) < 1);
    assert_int_equal(m->verdict, LC_CMP_REGRESSED);
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
}

/* ---- Errors -------------------------------------------------------------------------- */

static void test_mismatch(void **state)
{
    (void)state;
    double w[3] = {1 * S, 1 * S, 1 * S};
    struct lc_result a, b, d;
    make_bench(&a, "sort", w, 3, NULL, NULL);
    make_load(&b, w, 3, 0, 2, 1);
    struct lc_compare c;
    struct lc_error err;
    assert_int_equal(lc_compare_run(&a, &b, NULL, &c, &err), LC_EINVAL);
    assert_contains(err.msg, "different kinds (baseline: bench, new: http)");
    lc_compare_free(&c);

    make_bench(&d, "grep", w, 3, NULL, NULL);
    assert_int_equal(lc_compare_run(&a, &d, NULL, &c, &err), LC_EINVAL);
    assert_contains(err.msg, "no command in common (baseline: 'sort'; new: 'grep')");
    lc_compare_free(&c);
    lc_result_free(&d);

    lc_result_init(&d, LC_RESULT_KIND_HTTP);
    struct lc_result_phase *ph;
    struct lc_result_stats *s;
    assert_int_equal(lc_result_add_phase(&d, "main", &ph), 0);
    ph->duration_ns = 1000000000;
    assert_int_equal(lc_result_phase_request(ph, "POST /x", &s), 0);
    s->requests = 3;
    assert_int_equal(lc_result_stats_merge(&ph->stats, s), 0);
    assert_int_equal(lc_result_compute_totals(&d), 0);
    assert_int_equal(lc_compare_run(&b, &d, NULL, &c, &err), LC_EINVAL);
    assert_contains(err.msg, "no request names in common (baseline: 'GET /'; new: 'POST /x')");
    lc_compare_free(&c);

    struct lc_compare_opts o = {.alpha = 0.7};
    assert_int_equal(lc_compare_run(&a, &a, &o, &c, &err), LC_EINVAL);
    assert_contains(err.msg, "alpha");
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
    lc_result_free(&d);
}

/* ---- Claims ---------------------------------------------------------------------------- */

static void test_claim_parse(void **state)
{
    (void)state;
    struct lc_cmp_claim cl;
    struct lc_error err;
    assert_int_equal(lc_cmp_claim_parse("speedup >= 3", &cl, &err), 0);
    assert_true(cl.speedup);
    assert_int_equal(cl.op, LC_CMP_OP_GE);
    assert_true(cl.limit == 3);
    assert_string_equal(cl.scope, "");
    assert_int_equal(lc_cmp_claim_parse("GET /api: p(99) ratio<0.5", &cl, &err), 0);
    assert_string_equal(cl.scope, "GET /api");
    assert_string_equal(cl.metric, "p99");
    assert_int_equal(cl.op, LC_CMP_OP_LT);
    assert_int_equal(lc_cmp_claim_parse("mem_peak ratio <= 110%", &cl, &err), 0);
    assert_true(fabs(cl.limit - 1.1) < 1e-12);
    assert_int_equal(lc_cmp_claim_parse("time ratio <= 0.9x", &cl, &err), 0);
    assert_string_equal(cl.metric, "mean");

    assert_int_equal(lc_cmp_claim_parse("p99 <= 0.5", &cl, &err), LC_EINVAL);
    assert_contains(err.msg, "expected 'ratio' after 'p99'");
    assert_int_equal(lc_cmp_claim_parse("p98 ratio <= 0.5", &cl, &err), LC_EINVAL);
    assert_contains(err.msg, "unknown metric 'p98'");
    assert_int_equal(lc_cmp_claim_parse("speedup = 3", &cl, &err), LC_EINVAL);
    assert_contains(err.msg, "expected an operator");
    assert_int_equal(lc_cmp_claim_parse("speedup >= fast", &cl, &err), LC_EINVAL);
    assert_contains(err.msg, "expected a number");
    assert_int_equal(lc_cmp_claim_parse("speedup >= 3 && p99 ratio < 1", &cl, &err), LC_EINVAL);
    assert_contains(err.msg, "unexpected '&& p99 ratio < 1'");
    assert_int_equal(lc_cmp_claim_parse("", &cl, &err), LC_EINVAL);
}

static void test_claims(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 9);
    double w0[30], w1[30], w2[30], r0[30], r1[30];
    normals(&rng, w0, 30, 4 * S, 0.05);
    normals(&rng, w1, 30, 1 * S, 0.05);   /* 4x faster */
    normals(&rng, w2, 30, 1.3 * S, 0.15); /* ~3.1x: the interval straddles 3 */
    normals(&rng, r0, 30, 100e6, 0.01);
    normals(&rng, r1, 30, 104e6, 0.01);
    struct lc_result a, b, d;
    make_bench(&a, "sort", w0, 30, r0, NULL);
    make_bench(&b, "sort", w1, 30, r1, NULL);
    make_bench(&d, "sort", w2, 30, r1, NULL);
    struct lc_cmp_claim cl[4];
    struct lc_error err;
    assert_int_equal(lc_cmp_claim_parse("speedup >= 3", &cl[0], &err), 0);
    assert_int_equal(lc_cmp_claim_parse("mem_peak ratio <= 1.1", &cl[1], &err), 0);
    assert_int_equal(lc_cmp_claim_parse("nope: speedup > 1", &cl[2], &err), 0);
    assert_int_equal(lc_cmp_claim_parse("p99 ratio <= 0.5", &cl[3], &err), 0);
    struct lc_compare_opts o = {.tolerance = -1, .claims = cl, .n_claims = 4};
    struct lc_compare c;
    run_compare(&a, &b, &o, &c);
    assert_int_equal(c.n_claims, 4);
    assert_true(c.claims[0].decided && c.claims[0].held);
    assert_true(c.claims[0].has_interval && c.claims[0].lo > 3 && c.claims[0].hi < 5);
    assert_true(fabs(c.claims[0].value - 4) < 0.3);
    assert_true(c.claims[1].held);
    assert_false(c.claims[2].decided);
    assert_contains(c.claims[2].why, "no 'mean' compared for 'nope'");
    assert_false(c.claims[3].decided);
    assert_contains(c.claims[3].why, "bench results have mean");
    assert_int_equal(c.n_claims_not_held, 2);
    assert_true(lc_compare_failed(&c));
    lc_compare_free(&c);

    o.n_claims = 1;
    run_compare(&a, &d, &o, &c);
    assert_true(c.claims[0].decided);
    assert_true(c.claims[0].value > 3);
    assert_true(c.claims[0].lo < 3);
    assert_false(c.claims[0].held);
    assert_true(lc_compare_failed(&c));
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
    lc_result_free(&d);
}

static void test_load_claim(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 10);
    static double l0[3000], l1[3000];
    lognormals(&rng, l0, 3000, 20 * MS, 0.3);
    lognormals(&rng, l1, 3000, 5 * MS, 0.3);
    struct lc_result a, b;
    make_load(&a, l0, 3000, 0, 10, 1);
    make_load(&b, l1, 3000, 0, 10, 2);
    struct lc_cmp_claim cl[2];
    struct lc_error err;
    assert_int_equal(lc_cmp_claim_parse("p99 ratio <= 0.5", &cl[0], &err), 0);
    assert_int_equal(lc_cmp_claim_parse("GET /: speedup >= 3", &cl[1], &err), 0);
    struct lc_compare_opts o = {.tolerance = -1, .claims = cl, .n_claims = 2};
    struct lc_compare c;
    run_compare(&a, &b, &o, &c);
    assert_true(c.claims[0].held);
    assert_true(c.claims[0].hi <= 0.5);
    assert_true(c.claims[1].held);
    assert_string_equal(c.claims[1].subject, "GET /");
    assert_int_equal(find(&c, "", "p99")->verdict, LC_CMP_IMPROVED);
    assert_false(lc_compare_failed(&c));
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
}

/* ---- Rendering ------------------------------------------------------------------------- */

static void test_render(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 11);
    double w0[30], w1[30];
    normals(&rng, w0, 30, 1 * S, 0.05);
    normals(&rng, w1, 30, 1.2 * S, 0.05);
    struct lc_result a, b;
    make_bench(&a, "sort", w0, 30, NULL, NULL);
    make_bench(&b, "sort", w1, 30, NULL, NULL);
    struct lc_cmp_claim cl;
    struct lc_error err;
    assert_int_equal(lc_cmp_claim_parse("speedup >= 2", &cl, &err), 0);
    struct lc_compare_opts o = {.tolerance = -1, .claims = &cl, .n_claims = 1};
    struct lc_compare c;
    run_compare(&a, &b, &o, &c);
    struct lc_compare_fmt_opts fo = {"base.json", "new.json"};
    char *text;
    size_t len;
    assert_int_equal(lc_compare_render_text(&c, &fo, &text, &len, &err), 0);
    assert_int_equal(strlen(text), len);
    assert_contains(text, "loadcell compare: base.json (baseline) vs new.json (new)");
    assert_contains(text, "regressed");
    assert_contains(text, "NOT HELD  speedup >= 2: ");
    assert_contains(text, "verdict: regressed: 2 regressed");
    free(text);
    assert_int_equal(lc_compare_render_markdown(&c, &fo, &text, &len, &err), 0);
    assert_contains(text, "### ❌ loadcell compare: regressed");
    assert_contains(text, "| sort | mean | ");
    assert_contains(text, "❌ **regressed**");
    free(text);
    assert_int_equal(lc_compare_render_json(&c, &fo, &text, &len, &err), 0);
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "schema")), LC_COMPARE_SCHEMA);
    assert_string_equal(json_string_value(json_object_get(doc, "outcome")), "regressed");
    assert_true(json_is_true(json_object_get(doc, "failed")));
    json_t *m0 = json_array_get(json_object_get(doc, "metrics"), 0);
    assert_string_equal(json_string_value(json_object_get(m0, "metric")), "mean");
    assert_string_equal(json_string_value(json_object_get(m0, "verdict")), "regressed");
    assert_true(json_is_object(json_object_get(m0, "ratio_ci")));
    json_t *c0 = json_array_get(json_object_get(doc, "claims"), 0);
    assert_true(json_is_false(json_object_get(c0, "held")));
    json_decref(doc);
    free(text);
    lc_compare_free(&c);
    lc_result_free(&a);
    lc_result_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bench_identical),
        cmocka_unit_test(test_bench_shift),
        cmocka_unit_test(test_bench_noisy_equal),
        cmocka_unit_test(test_bench_memory_artifact),
        cmocka_unit_test(test_holm),
        cmocka_unit_test(test_load_identical),
        cmocka_unit_test(test_load_shift),
        cmocka_unit_test(test_hist_bootstrap_matches_brute_force),
        cmocka_unit_test(test_load_noisy_equal),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_mismatch),
        cmocka_unit_test(test_claim_parse),
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_load_claim),
        cmocka_unit_test(test_render),
        /* one per line */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
