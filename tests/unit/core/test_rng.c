/* Unit tests for core/rng: reproducibility and distribution moments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "core/rng.h"

static void test_reproducible(void **state)
{
    (void)state;
    struct lc_rng a, b, c;
    lc_rng_seed(&a, 7);
    lc_rng_seed(&b, 7);
    lc_rng_seed(&c, 8);
    int differ = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = lc_rng_next(&a);
        assert_true(x == lc_rng_next(&b));
        differ |= x != lc_rng_next(&c);
    }
    assert_true(differ);
}

static void test_moments(void **state)
{
    (void)state;
    struct lc_rng r;
    lc_rng_seed(&r, 1);
    const int n = 200000;
    double su = 0, sn = 0, sn2 = 0, se = 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < n; i++) {
        double u = lc_rng_uniform(&r);
        assert_true(u >= 0 && u < 1);
        su += u;
        double z = lc_rng_normal(&r);
        sn += z;
        sn2 += z * z;
        se += lc_rng_exponential(&r, 2.0);
        uint64_t k = lc_rng_range(&r, 10, 20);
        lo = k < lo ? k : lo;
        hi = k > hi ? k : hi;
    }
    /* Means within ~5 standard errors of their expectations. */
    assert_true(fabs(su / n - 0.5) < 5 * sqrt(1.0 / 12 / n));
    assert_true(fabs(sn / n) < 5 * sqrt(1.0 / n));
    assert_true(fabs(sn2 / n - 1.0) < 5 * sqrt(2.0 / n));
    assert_true(fabs(se / n - 2.0) < 5 * 2.0 / sqrt(n));
    assert_int_equal(lo, 10);
    assert_int_equal(hi, 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
