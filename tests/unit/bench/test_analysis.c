/* Unit tests for bench/analysis: exponents from synthetic scans, outliers, comparisons. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bench/analysis.h"
#include "bench/bench.h"
#include "core/rng.h"

/* Add a command with `runs` runs: wall = t_s * (1 + noise), rss = rss_bytes, metric tokens. */
static struct lc_result_bench_command *add_cmd(struct lc_result *r, const char *name,
                                               const char *param, double x, double t_s,
                                               double rss_bytes, double tokens, size_t runs,
                                               double noise, struct lc_rng *rng)
{
    struct lc_result_bench_command *c = NULL;
    char cmdline[128], xs[32];
    snprintf(xs, sizeof(xs), "%g", x);
    snprintf(cmdline, sizeof(cmdline), "%s %s", name, xs);
    assert_int_equal(lc_result_add_command(r, name, cmdline, &c), 0);
    if (param)
        assert_int_equal(lc_result_command_set_param(c, param, xs), 0);
    for (size_t i = 0; i < runs; i++) {
        double e = 1 + noise * lc_rng_normal(rng);
        struct lc_result_bench_run run = {
            .wall_ns = (uint64_t)(t_s * e * 1e9),
            .user_ns = (uint64_t)(t_s * e * 0.9e9),
            .sys_ns = (uint64_t)(t_s * 0.05e9),
            .max_rss_bytes = (uint64_t)(rss_bytes * (1 + noise * lc_rng_normal(rng))),
            .artifact_bytes = -1,
        };
        struct lc_result_bench_run *stored = NULL;
        assert_int_equal(lc_result_command_add_run(c, &run, &stored), 0);
        if (tokens > 0)
            assert_int_equal(lc_result_run_add_metric(stored, "tokens", tokens * e, "tok"), 0);
        assert_int_equal(lc_result_run_add_metric(stored, LC_BENCH_METRIC_VCSW, 3, NULL), 0);
    }
    return c;
}

static const struct lc_bench_fit *find_fit(const struct lc_bench_analysis *a, const char *group,
                                           const char *qty)
{
    for (size_t i = 0; i < a->n_fits; i++)
        if (strcmp(a->fits[i].group, group) == 0 && strcmp(a->fits[i].name, qty) == 0)
            return &a->fits[i];
    return NULL;
}

static void test_exponents(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 7);
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    /* lin: time ~ 2e-6 n, memory ~ 1000 n^0.5, tokens ~ 3 n; quad: time ~ 1e-9 n^2. */
    const double ns[] = {1000, 2000, 4000, 8000, 16000};
    for (size_t i = 0; i < 5; i++)
        add_cmd(&r, "lin", "n", ns[i], 2e-6 * ns[i], 1000 * sqrt(ns[i]), 3 * ns[i], 8, 0.03, &rng);
    for (size_t i = 0; i < 5; i++)
        add_cmd(&r, "quad", "n", ns[i], 1e-9 * ns[i] * ns[i], 5e6, 0, 8, 0.03, &rng);
    struct lc_bench_project proj = {"n", 100000};
    struct lc_bench_analysis_opts o = {.resamples = 500, .projects = &proj, .n_projects = 1};
    struct lc_bench_analysis a;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_analyze(&r, &o, &a, &err), 0);
    assert_int_equal(a.n_cmds, 10);

    const struct lc_bench_fit *f = find_fit(&a, "lin", "time");
    assert_non_null(f);
    assert_int_equal(f->n_points, 5);
    assert_int_equal(f->n_obs, 40);
    assert_float_equal(f->fit.slope, 1.0, 0.05);
    assert_true(f->fit.r2 > 0.98);
    assert_string_equal(lc_bench_scaling_verdict(f->fit.slope), "linear");
    /* Efficiency of a linear step is about 1. */
    for (size_t i = 0; i + 1 < f->n_points; i++)
        assert_float_equal(f->efficiency[i], 1.0, 0.1);
    /* Projection at 100000: about 0.2 s, inside its interval. */
    assert_true(f->has_projection);
    assert_float_equal(f->projection.value, 0.2, 0.02);
    assert_true(f->projection.lo < 0.2 && f->projection.hi > 0.2);
    assert_true(f->projection.lo < f->projection.value && f->projection.value < f->projection.hi);

    const struct lc_bench_fit *m = find_fit(&a, "lin", "max_rss");
    assert_non_null(m);
    assert_float_equal(m->fit.slope, 0.5, 0.05);
    assert_string_equal(lc_bench_scaling_verdict(m->fit.slope), "sub-linear");
    const struct lc_bench_fit *tk = find_fit(&a, "lin", "tokens");
    assert_non_null(tk);
    assert_float_equal(tk->fit.slope, 1.0, 0.05);
    assert_null(find_fit(&a, "lin", LC_BENCH_METRIC_VCSW)); /* built-ins are not fitted */
    assert_null(find_fit(&a, "lin", "user"));

    const struct lc_bench_fit *q = find_fit(&a, "quad", "time");
    assert_non_null(q);
    assert_float_equal(q->fit.slope, 2.0, 0.05);
    assert_string_equal(lc_bench_scaling_verdict(q->fit.slope), "quadratic");
    for (size_t i = 0; i + 1 < q->n_points; i++)
        assert_float_equal(q->efficiency[i], 0.5, 0.06); /* 2x size, 4x time */
    const struct lc_bench_fit *qm = find_fit(&a, "quad", "max_rss");
    assert_non_null(qm);
    assert_string_equal(lc_bench_scaling_verdict(qm->fit.slope), "constant");

    /* Scan points of different names are never compared (different parameters... the same
     * n, but "lin" vs "quad" at equal n ARE comparable): 5 groups, 1 comparison each. */
    size_t time_cmps = 0;
    for (size_t i = 0; i < a.n_cmp; i++)
        time_cmps += a.cmp[i].kind == LC_BENCH_QTY_WALL;
    assert_int_equal(time_cmps, 5);
    lc_bench_analysis_free(&a);
    lc_result_free(&r);
}

static void test_outliers(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 11);
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    struct lc_result_bench_command *c =
        add_cmd(&r, "steady", NULL, 0, 0.050, 1e6, 0, 20, 0.01, &rng);
    c->runs[2].wall_ns = 250 * 1000000ULL; /* the third run slept */
    struct lc_bench_cmd_stats st;
    struct lc_error err = {0};
    struct lc_bench_analysis_opts o = {.resamples = 200};
    assert_int_equal(lc_bench_analyze_command(c, &o, &st, &err), 0);
    assert_int_equal(st.n_runs, 20);
    assert_int_equal(st.n_outliers, 1);
    assert_true(st.outlier[2]);
    const struct lc_bench_qty_summary *t = lc_bench_cmd_stats_find(&st, "time");
    assert_non_null(t);
    assert_int_equal(t->n, 20);
    assert_float_equal(t->s.max, 0.25, 1e-9);
    assert_true(t->has_ci);
    assert_true(t->mean_ci.lo <= t->s.mean && t->s.mean <= t->mean_ci.hi);
    assert_null(lc_bench_cmd_stats_find(&st, "artifact")); /* no run had one */
    assert_non_null(lc_bench_cmd_stats_find(&st, "max_rss"));
    const struct lc_bench_qty_summary *v = lc_bench_cmd_stats_find(&st, LC_BENCH_METRIC_VCSW);
    assert_non_null(v);
    assert_true(v->builtin);
    lc_bench_cmd_stats_free(&st);
    lc_result_free(&r);
}

static void test_comparison(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 3);
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    add_cmd(&r, "slow", NULL, 0, 0.200, 8e6, 100, 30, 0.02, &rng);
    add_cmd(&r, "fast", NULL, 0, 0.100, 4e6, 100, 30, 0.02, &rng);
    add_cmd(&r, "same", NULL, 0, 0.1005, 4e6, 100, 30, 0.02, &rng);
    struct lc_bench_analysis a;
    struct lc_error err = {0};
    struct lc_bench_analysis_opts o = {.resamples = 2000};
    assert_int_equal(lc_bench_analyze(&r, &o, &a, &err), 0);
    size_t seen = 0;
    for (size_t i = 0; i < a.n_cmp; i++) {
        const struct lc_bench_comparison *c = &a.cmp[i];
        assert_int_equal(c->base, 1); /* "fast" is the reference */
        if (c->kind != LC_BENCH_QTY_WALL)
            continue;
        seen++;
        assert_true(c->has_mw);
        if (c->other == 0) {
            assert_float_equal(c->ratio.estimate, 2.0, 0.05);
            assert_true(c->ratio.lo < 2.0 && c->ratio.hi > 2.0);
            assert_true(c->ratio.hi - c->ratio.lo < 0.1);
            assert_true(c->mw.p_two_sided < 1e-6);
            assert_true(c->mw.rank_biserial > 0.95); /* "slow" is larger */
        } else {
            assert_int_equal(c->other, 2);
            assert_float_equal(c->ratio.estimate, 1.0, 0.03);
            assert_true(c->mw.p_two_sided > 0.01);
        }
    }
    assert_int_equal(seen, 2);
    /* The tokens metric is compared too; the built-in one is not. */
    size_t tokens = 0;
    for (size_t i = 0; i < a.n_cmp; i++) {
        tokens += strcmp(a.cmp[i].name, "tokens") == 0;
        assert_string_not_equal(a.cmp[i].name, LC_BENCH_METRIC_VCSW);
    }
    assert_int_equal(tokens, 2);
    lc_bench_analysis_free(&a);
    /* A named reference replaces the fastest. */
    o.reference = "slow";
    assert_int_equal(lc_bench_analyze(&r, &o, &a, &err), 0);
    for (size_t i = 0; i < a.n_cmp; i++)
        assert_int_equal(a.cmp[i].base, 0);
    assert_float_equal(a.cmp[0].ratio.estimate, 0.5, 0.02);
    lc_bench_analysis_free(&a);
    lc_result_free(&r);
}

static void test_grid_slices(void **state)
{
    (void)state;
    /* A 3 x 2 grid: time ~ n * m; the n-exponent is fitted once per m. */
    struct lc_rng rng;
    lc_rng_seed(&rng, 5);
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    const double ns[] = {10, 100, 1000};
    const char *ms[] = {"1", "4"};
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = 0; j < 2; j++) {
            struct lc_result_bench_command *c =
                add_cmd(&r, "grid", "n", ns[i], 1e-3 * ns[i] * (j ? 4 : 1), 1e6, 0, 5, 0.01, &rng);
            assert_int_equal(lc_result_command_set_param(c, "m", ms[j]), 0);
        }
    }
    struct lc_bench_analysis a;
    struct lc_error err = {0};
    struct lc_bench_analysis_opts o = {.resamples = 200};
    assert_int_equal(lc_bench_analyze(&r, &o, &a, &err), 0);
    size_t n_fits = 0, m_fits = 0;
    for (size_t i = 0; i < a.n_fits; i++) {
        const struct lc_bench_fit *f = &a.fits[i];
        if (strcmp(f->name, "time") != 0)
            continue;
        assert_non_null(f->fixed);
        if (strcmp(f->param, "n") == 0) {
            n_fits++;
            assert_float_equal(f->fit.slope, 1.0, 0.02);
            assert_int_equal(f->n_points, 3);
        } else {
            m_fits++;
            assert_string_equal(f->param, "m");
            assert_float_equal(f->fit.slope, 1.0, 0.02); /* 4x m gives 4x time */
            assert_int_equal(f->n_points, 2);
        }
    }
    assert_int_equal(n_fits, 2);
    assert_int_equal(m_fits, 3);
    assert_int_equal(a.n_cmp, 0); /* one command: nothing to compare */
    lc_bench_analysis_free(&a);
    lc_result_free(&r);
}

static void test_edge_cases(void **state)
{
    (void)state;
    struct lc_result r;
    lc_result_init(&r, LC_RESULT_KIND_HTTP);
    struct lc_bench_analysis a;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_analyze(&r, NULL, &a, &err), LC_EINVAL);
    lc_bench_analysis_free(&a);
    lc_result_free(&r);
    /* A command without runs and a string parameter: no fits, no crash. */
    lc_result_init(&r, LC_RESULT_KIND_BENCH);
    struct lc_result_bench_command *c;
    assert_int_equal(lc_result_add_command(&r, "x", "x gcc", &c), 0);
    assert_int_equal(lc_result_command_set_param(c, "cc", "gcc"), 0);
    struct lc_rng rng;
    lc_rng_seed(&rng, 1);
    struct lc_result_bench_command *d = add_cmd(&r, "x", "cc", 1, 0.01, 1e6, 0, 1, 0, &rng);
    assert_int_equal(lc_result_command_set_param(d, "cc", "clang"), 0);
    assert_int_equal(lc_bench_analyze(&r, NULL, &a, &err), 0);
    assert_int_equal(a.n_fits, 0);
    assert_int_equal(a.cmds[0].n_q, 0);
    const struct lc_bench_qty_summary *t = lc_bench_cmd_stats_find(&a.cmds[1], "time");
    assert_non_null(t);
    assert_false(t->has_ci); /* one run */
    lc_bench_analysis_free(&a);
    lc_result_free(&r);
    assert_string_equal(lc_bench_scaling_verdict(0.02), "constant");
    assert_string_equal(lc_bench_scaling_verdict(1.5), "super-linear");
    assert_string_equal(lc_bench_scaling_verdict(3), "super-quadratic");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exponents),  cmocka_unit_test(test_outliers),
        cmocka_unit_test(test_comparison), cmocka_unit_test(test_grid_slices),
        cmocka_unit_test(test_edge_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
