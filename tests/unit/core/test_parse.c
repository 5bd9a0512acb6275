/* Unit tests for core/parse: durations, rates, sizes, percentages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/parse.h"

static void test_durations(void **state)
{
    (void)state;
    struct lc_error err = {0};
    uint64_t ns = 0, lo = 0, hi = 0;
    assert_int_equal(lc_parse_duration_ns("250us", &ns, &err), 0);
    assert_int_equal(ns, 250000);
    assert_int_equal(lc_parse_duration_ns("10ms", &ns, &err), 0);
    assert_int_equal(ns, 10000000);
    assert_int_equal(lc_parse_duration_ns("1.5s", &ns, &err), 0);
    assert_int_equal(ns, 1500000000);
    assert_int_equal(lc_parse_duration_ns("2m", &ns, &err), 0);
    assert_int_equal(ns, 120000000000ULL);
    assert_int_equal(lc_parse_duration_ns("1h", &ns, &err), 0);
    assert_int_equal(ns, 3600000000000ULL);
    assert_int_equal(lc_parse_duration_ns("0", &ns, &err), 0);
    assert_int_equal(ns, 0);
    assert_int_equal(lc_parse_duration_ns("7ns", &ns, &err), 0);
    assert_int_equal(ns, 7);
    assert_int_equal(lc_parse_duration_range("1s..5s", &lo, &hi, &err), 0);
    assert_int_equal(lo, 1000000000);
    assert_int_equal(hi, 5000000000ULL);
    assert_int_equal(lc_parse_duration_range("3s", &lo, &hi, &err), 0);
    assert_int_equal(lo, hi);
}

static void test_bad_durations(void **state)
{
    (void)state;
    struct lc_error err = {0};
    uint64_t ns, lo, hi;
    const char *bad[] = {"", "10", "ms", "-1s", "1.2.3s", "10 ms", "1e3ms", "inf", "5d", "1s5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lc_error_clear(&err);
        assert_int_equal(lc_parse_duration_ns(bad[i], &ns, &err), LC_EINVAL);
        assert_non_null(strstr(err.msg, bad[i]));
    }
    /* A unitless number names the fix. */
    assert_int_equal(lc_parse_duration_ns("10", &ns, &err), LC_EINVAL);
    assert_non_null(strstr(err.msg, "10ms"));
    assert_int_equal(lc_parse_duration_range("5s..1s", &lo, &hi, &err), LC_EINVAL);
}

static void test_rates(void **state)
{
    (void)state;
    struct lc_error err = {0};
    double r = 0, lo = 0, hi = 0;
    assert_int_equal(lc_parse_rate("200/s", &r, &err), 0);
    assert_true(r == 200.0);
    assert_int_equal(lc_parse_rate("12000/m", &r, &err), 0);
    assert_true(r == 200.0);
    assert_int_equal(lc_parse_rate("20000", &r, &err), 0);
    assert_true(r == 20000.0);
    assert_int_equal(lc_parse_rate_range("10/s..5000/s", &lo, &hi, &err), 0);
    assert_true(lo == 10.0 && hi == 5000.0);
    assert_int_equal(lc_parse_rate("0/s", &r, &err), LC_EINVAL);
    assert_int_equal(lc_parse_rate("10/d", &r, &err), LC_EINVAL);
    assert_int_equal(lc_parse_rate("fast", &r, &err), LC_EINVAL);
}

static void test_sizes(void **state)
{
    (void)state;
    struct lc_error err = {0};
    uint64_t b = 0, lo, hi;
    assert_int_equal(lc_parse_size_bytes("512B", &b, &err), 0);
    assert_int_equal(b, 512);
    assert_int_equal(lc_parse_size_bytes("4KB", &b, &err), 0);
    assert_int_equal(b, 4096);
    assert_int_equal(lc_parse_size_bytes("1.5MB", &b, &err), 0);
    assert_int_equal(b, 1572864);
    assert_int_equal(lc_parse_size_bytes("100", &b, &err), 0);
    assert_int_equal(b, 100);
    assert_int_equal(lc_parse_size_bytes("1GiB", &b, &err), 0);
    assert_int_equal(b, 1073741824ULL);
    assert_int_equal(lc_parse_size_range("1KB..2KB", &lo, &hi, &err), 0);
    assert_int_equal(lo, 1024);
    assert_int_equal(hi, 2048);
    assert_int_equal(lc_parse_size_bytes("1.5", &b, &err), LC_EINVAL);
    assert_int_equal(lc_parse_size_bytes("3XB", &b, &err), LC_EINVAL);
}

static void test_percent(void **state)
{
    (void)state;
    struct lc_error err = {0};
    double f = 0;
    assert_int_equal(lc_parse_percent("5%", &f, &err), 0);
    assert_true(f > 0.0499999 && f < 0.0500001);
    assert_int_equal(lc_parse_percent("0.5%", &f, &err), 0);
    assert_true(f > 0.0049999 && f < 0.0050001);
    assert_int_equal(lc_parse_percent("0.25", &f, &err), 0);
    assert_true(f == 0.25);
    assert_int_equal(lc_parse_percent("150%", &f, &err), LC_EINVAL);
    assert_int_equal(lc_parse_percent("2", &f, &err), LC_EINVAL);
}

static void test_format(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(lc_format_duration(812000, buf, sizeof(buf)), "812us");
    assert_string_equal(lc_format_duration(1234567, buf, sizeof(buf)), "1.23ms");
    assert_string_equal(lc_format_duration(2500000000ULL, buf, sizeof(buf)), "2.50s");
    assert_string_equal(lc_format_bytes(512, buf, sizeof(buf)), "512B");
    assert_string_equal(lc_format_bytes(1536, buf, sizeof(buf)), "1.50KB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations), cmocka_unit_test(test_bad_durations),
        cmocka_unit_test(test_rates),     cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_percent),   cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
