/* Unit tests for load/plan: levels, cumulative arrivals and their inverse over stages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "load/plan.h"

#define S 1000000000ULL

static void test_ramp_and_hold(void **state)
{
    (void)state;
    struct lc_load_plan plan = {0};
    struct lc_load_phase *ph = lc_load_plan_add_phase(&plan, "peak", LC_MODEL_OPEN, 1);
    assert_non_null(ph);
    /* 0 -> 100/s over 10 s, then 100/s for 5 s. */
    assert_int_equal(lc_load_phase_add_stage(ph, 10 * S, 0, 100), 0);
    assert_int_equal(lc_load_phase_add_stage(ph, 5 * S, 100, 100), 0);
    assert_int_equal(ph->duration_ns, 15 * S);
    assert_true(ph->peak == 100);
    assert_true(fabs(lc_load_phase_level(ph, 5 * S) - 50) < 1e-9);
    assert_true(fabs(lc_load_phase_level(ph, 12 * S) - 100) < 1e-9);
    assert_true(fabs(lc_load_phase_level(ph, 99 * S) - 100) < 1e-9);
    /* Area under the ramp: 100 * 10 / 2 = 500 requests; then 100 per second. */
    assert_true(fabs(lc_load_phase_cumulative(ph, 10 * S) - 500) < 1e-6);
    assert_true(fabs(lc_load_phase_cumulative(ph, 12 * S) - 700) < 1e-6);
    assert_true(fabs(lc_load_phase_cumulative(ph, 5 * S) - 125) < 1e-6);
    /* The inverse, in both stages, to within a microsecond. */
    double ns[] = {0.5, 1, 125, 499.5, 500, 700, 999};
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        uint64_t t = lc_load_phase_time_of(ph, ns[i]);
        assert_true(t != UINT64_MAX);
        assert_true(fabs(lc_load_phase_cumulative(ph, t) - ns[i]) < 1e-3);
    }
    /* 1000 arrivals do not fit in the phase (it holds 1000 exactly at its end: beyond is never). */
    assert_true(lc_load_phase_time_of(ph, 1000.5) == UINT64_MAX);
    assert_int_equal(lc_load_plan_duration(&plan), 15 * S);
    lc_load_plan_free(&plan);
}

static void test_phases_and_open_end(void **state)
{
    (void)state;
    struct lc_load_plan plan = {0};
    struct lc_load_phase *a = lc_load_plan_add_phase(&plan, "warmup", LC_MODEL_CLOSED, 0);
    assert_int_equal(lc_load_phase_add_stage(a, 2 * S, 5, 5), 0);
    struct lc_load_phase *b = lc_load_plan_add_phase(&plan, "main", LC_MODEL_CLOSED, 1);
    assert_int_equal(lc_load_phase_add_stage(b, 0, 5, 5), 0); /* bounded by count only */
    assert_int_equal(lc_load_plan_phase_offset(&plan, 1), 2 * S);
    assert_true(lc_load_plan_duration(&plan) == UINT64_MAX);
    assert_true(fabs(lc_load_phase_level(&plan.phases[1], 1000 * S) - 5) < 1e-9);
    assert_int_equal(lc_load_phase_time_of(&plan.phases[1], 10), 2 * S);
    lc_load_plan_free(&plan);
}

static void test_ramp_down(void **state)
{
    (void)state;
    struct lc_load_plan plan = {0};
    struct lc_load_phase *ph = lc_load_plan_add_phase(&plan, "down", LC_MODEL_OPEN, 1);
    assert_int_equal(lc_load_phase_add_stage(ph, 4 * S, 100, 20), 0);
    /* Area: (100 + 20) / 2 * 4 = 240. */
    assert_true(fabs(lc_load_phase_cumulative(ph, 4 * S) - 240) < 1e-6);
    uint64_t t = lc_load_phase_time_of(ph, 120);
    assert_true(fabs(lc_load_phase_cumulative(ph, t) - 120) < 1e-3);
    lc_load_plan_free(&plan);
}

/* The threads a run uses: as asked, 0 as 1, never more than the connections. */
static void test_threads(void **state)
{
    (void)state;
    struct lc_load_plan p = {.connections = 10, .threads = 4};
    assert_int_equal(lc_load_plan_threads(&p), 4);
    p.threads = 0;
    assert_int_equal(lc_load_plan_threads(&p), 1);
    p.threads = 16;
    p.connections = 3;
    assert_int_equal(lc_load_plan_threads(&p), 3);
    p.connections = 1;
    assert_int_equal(lc_load_plan_threads(&p), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ramp_and_hold),
        cmocka_unit_test(test_phases_and_open_end),
        cmocka_unit_test(test_ramp_down),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
