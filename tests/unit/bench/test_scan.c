/* Unit tests for bench/scan: list and range specs, grids, {name} substitution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bench/scan.h"

/* Parse spec and compare its values with want[0..n). */
static void expect_values(const char *spec, const char *name, const char *const *want, size_t n,
                          bool numeric)
{
    struct lc_bench_scan s;
    struct lc_error err = {0};
    int rc = lc_bench_scan_parse(spec, &s, &err);
    if (rc != 0)
        fail_msg("%s: %s", spec, err.msg);
    assert_string_equal(s.name, name);
    assert_int_equal(s.n_values, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(s.values[i], want[i]);
    assert_int_equal(s.numeric, numeric);
    lc_bench_scan_free(&s);
}

static void test_lists(void **state)
{
    (void)state;
    const char *a[] = {"100", "1000", "10000"};
    expect_values("n=100,1000,10000", "n", a, 3, true);
    const char *b[] = {"gcc", "clang"};
    expect_values("cc=gcc,clang", "cc", b, 2, false);
    const char *c[] = {"42"};
    expect_values("only=42", "only", c, 1, true);
    const char *d[] = {"../data"};
    expect_values("dir=../data", "dir", d, 1, false); /* two dots, but not a range */
    const char *e[] = {"a b", "-x"};
    expect_values("flag=a b,-x", "flag", e, 2, false);
}

static void test_ranges(void **state)
{
    (void)state;
    const char *geo[] = {"100", "1000", "10000"};
    expect_values("n=100..10000:x10", "n", geo, 3, true);
    const char *geo2[] = {"1", "2", "4", "8"};
    expect_values("k=1..10:x2", "k", geo2, 4, true); /* 16 is past the end */
    const char *ar[] = {"0", "25", "50", "75", "100"};
    expect_values("p=0..100:25", "p", ar, 5, true);
    const char *unit[] = {"1", "2", "3"};
    expect_values("i=1..3", "i", unit, 3, true);
    /* Binary fractions do not leak into the values, and the end is reached. */
    const char *frac[] = {"0.1", "0.2", "0.3"};
    expect_values("f=0.1..0.3:0.1", "f", frac, 3, true);
    const char *neg[] = {"-2", "-1", "0", "1"};
    expect_values("t=-2..1:1", "t", neg, 4, true);
    const char *one[] = {"5"};
    expect_values("x=5..5:1", "x", one, 1, true);
    const char *sci[] = {"1000", "10000"};
    expect_values("n=1e3..1e4:x10", "n", sci, 2, true);
    const char *half[] = {"1", "1.5", "2.25"};
    expect_values("g=1..3:x1.5", "g", half, 3, true);
}

static void test_bad_specs(void **state)
{
    (void)state;
    const char *bad[] = {
        "n",          /* no '=' */
        "=1,2",       /* no name */
        "1n=1",       /* name starts with a digit */
        "n-m=1",      /* bad character */
        "n=",         /* no values */
        "n=1,,2",     /* empty value */
        "n=1,",       /* trailing empty value */
        "n=10..1",    /* going down */
        "n=1..10:0",  /* step 0 */
        "n=1..10:-1", /* negative step */
        "n=0..10:x2", /* geometric from 0 */
        "n=1..10:x1", /* factor 1 */
        "n=1..10:xx", /* bad factor */
        "n=100..10k", /* bad end */
        "n=1..10:",   /* empty step */
        "n=1..0x10",  /* hex */
        "n=1..inf",   /* infinity */
        "n=1..1e9:1", /* too many values */
        "n=1..",      /* no end */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct lc_bench_scan s;
        struct lc_error err = {0};
        int rc = lc_bench_scan_parse(bad[i], &s, &err);
        if (rc == 0)
            fail_msg("'%s' was accepted", bad[i]);
        assert_true(rc == LC_EINVAL || rc == LC_ERANGE);
        assert_non_null(strstr(err.msg, "--scan"));
        assert_null(s.name);
        assert_null(s.values);
    }
}

static void test_grid(void **state)
{
    (void)state;
    struct lc_bench_scan s[2];
    struct lc_error err = {0};
    assert_int_equal(lc_bench_scan_parse("a=1,2", &s[0], &err), 0);
    assert_int_equal(lc_bench_scan_parse("b=x,y,z", &s[1], &err), 0);
    size_t n = 0, idx[2];
    assert_int_equal(lc_bench_grid_size(s, 2, &n, &err), 0);
    assert_int_equal(n, 6);
    const char *want[6][2] = {{"1", "x"}, {"1", "y"}, {"1", "z"},
                              {"2", "x"}, {"2", "y"}, {"2", "z"}};
    for (size_t i = 0; i < n; i++) {
        lc_bench_grid_point(s, 2, i, idx);
        assert_string_equal(s[0].values[idx[0]], want[i][0]);
        assert_string_equal(s[1].values[idx[1]], want[i][1]);
    }
    assert_int_equal(lc_bench_grid_size(NULL, 0, &n, &err), 0);
    assert_int_equal(n, 1);
    /* The same name twice is an error. */
    struct lc_bench_scan dup[2];
    assert_int_equal(lc_bench_scan_parse("a=1", &dup[0], &err), 0);
    assert_int_equal(lc_bench_scan_parse("a=2", &dup[1], &err), 0);
    assert_int_equal(lc_bench_grid_size(dup, 2, &n, &err), LC_EINVAL);
    /* Too many points. */
    struct lc_bench_scan big[2];
    assert_int_equal(lc_bench_scan_parse("p=1..1000", &big[0], &err), 0);
    assert_int_equal(lc_bench_scan_parse("q=1..1000", &big[1], &err), 0);
    assert_int_equal(lc_bench_grid_size(big, 2, &n, &err), LC_ERANGE);
    for (int i = 0; i < 2; i++) {
        lc_bench_scan_free(&s[i]);
        lc_bench_scan_free(&dup[i]);
        lc_bench_scan_free(&big[i]);
    }
    lc_bench_scan_free(NULL);
}

static void test_substitute(void **state)
{
    (void)state;
    struct lc_bench_kv kv[] = {{"n", "1000"}, {"cc", "clang"}, {"nn", "x"}};
    char *out = NULL;
    assert_int_equal(lc_bench_substitute("sort -n data-{n}.txt | {cc} {nn}{n}", kv, 3, &out), 0);
    assert_string_equal(out, "sort -n data-1000.txt | clang x1000");
    free(out);
    /* Unknown names and shell braces stay as written. */
    assert_int_equal(lc_bench_substitute("awk '{print $1}' {m} {n", kv, 3, &out), 0);
    assert_string_equal(out, "awk '{print $1}' {m} {n");
    free(out);
    assert_int_equal(lc_bench_substitute(NULL, kv, 3, &out), 0);
    assert_null(out);
    assert_int_equal(lc_bench_substitute("", kv, 3, &out), 0);
    assert_string_equal(out, "");
    free(out);
    assert_true(lc_bench_mentions("x {n} y", "n"));
    assert_false(lc_bench_mentions("x {nn} y", "n"));
    assert_false(lc_bench_mentions(NULL, "n"));
}

static void test_numbers(void **state)
{
    (void)state;
    double v;
    assert_int_equal(lc_bench_parse_number("1e5", &v), 0);
    assert_true(v == 1e5);
    assert_int_equal(lc_bench_parse_number("-.5", &v), 0);
    assert_true(v == -0.5);
    assert_int_equal(lc_bench_parse_number("nan", &v), LC_EINVAL);
    assert_int_equal(lc_bench_parse_number("1e", &v), LC_EINVAL);
    assert_int_equal(lc_bench_parse_number("1e999", &v), LC_EINVAL);
    assert_int_equal(lc_bench_parse_number(" 1", &v), LC_EINVAL);
    char buf[32];
    assert_string_equal(lc_bench_format_number(100000, buf, sizeof(buf)), "100000");
    assert_string_equal(lc_bench_format_number(0.25, buf, sizeof(buf)), "0.25");
    assert_string_equal(lc_bench_format_number(-0.0, buf, sizeof(buf)), "0");
    assert_string_equal(lc_bench_format_number(1e20, buf, sizeof(buf)), "1e+20");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists),      cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_bad_specs),  cmocka_unit_test(test_grid),
        cmocka_unit_test(test_substitute), cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
