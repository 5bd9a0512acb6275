/* Unit tests for bench/metrics: the NAME=VALUE [UNIT] lines commands report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bench/metrics.h"

static void expect_metric(const char *line, const char *name, double value, const char *unit)
{
    struct lc_bench_metric_line m;
    struct lc_error err = {0};
    int rc = lc_bench_metric_line_parse(line, strlen(line), &m, &err);
    if (rc != 1)
        fail_msg("'%s': rc %d %s", line, rc, err.msg);
    assert_int_equal(m.name_len, strlen(name));
    assert_memory_equal(m.name, name, m.name_len);
    assert_true(m.value == value);
    if (unit) {
        assert_int_equal(m.unit_len, strlen(unit));
        assert_memory_equal(m.unit, unit, m.unit_len);
    } else {
        assert_null(m.unit);
        assert_int_equal(m.unit_len, 0);
    }
}

static void test_lines(void **state)
{
    (void)state;
    expect_metric("tokens=1234", "tokens", 1234, NULL);
    expect_metric("cost = 0.12 USD", "cost", 0.12, "USD");
    expect_metric("  peak=1.5e6\tbytes  ", "peak", 1.5e6, "bytes");
    expect_metric("gen.latency_ms=-3.25 ms\r", "gen.latency_ms", -3.25, "ms");
    expect_metric("_x=0", "_x", 0, NULL);
    expect_metric("rate=5 items/s", "rate", 5, "items/s");
    struct lc_bench_metric_line m;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_metric_line_parse("", 0, &m, &err), 0);
    assert_int_equal(lc_bench_metric_line_parse("   \t", 4, &m, &err), 0);
    assert_int_equal(lc_bench_metric_line_parse("# comment", 9, &m, &err), 0);
}

static void test_bad_lines(void **state)
{
    (void)state;
    const char *bad[] = {
        "tokens",                                           /* no '=' */
        "=5",                                               /* no name */
        "1x=5",                                             /* name starts with a digit */
        "a-b=5",                                            /* bad character in the name */
        "x=",                                               /* no value */
        "x=abc",                                            /* not a number */
        "x=nan",                                            /* not finite */
        "x=inf",                                            /* not finite */
        "x=0x10",                                           /* hex */
        "x=1e999",                                          /* overflow */
        "x=1 two words",                                    /* the unit is one word */
        "x y=1",                                            /* space inside the name */
        "x=1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* unit too long */
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct lc_bench_metric_line m;
        struct lc_error err = {0};
        int rc = lc_bench_metric_line_parse(bad[i], strlen(bad[i]), &m, &err);
        if (rc != LC_EINVAL)
            fail_msg("'%s' gave %d", bad[i], rc);
        assert_true(err.msg[0] != '\0');
    }
}

static void test_file(void **state)
{
    (void)state;
    const char text[] = "tokens=100\n"
                        "bogus line\n"
                        "cost=0.5 USD\n"
                        "\n"
                        "tokens=250 tok\n" /* the last value wins, with its unit */
                        "x=nan\n"
                        "items=7"; /* no final newline */
    struct lc_result_bench_run run;
    memset(&run, 0, sizeof(run));
    size_t bad = 0;
    unsigned first = 0;
    struct lc_error why = {0};
    assert_int_equal(lc_bench_metrics_parse(text, strlen(text), &run, &bad, &first, &why), 0);
    assert_int_equal(bad, 2);
    assert_int_equal(first, 2);
    assert_non_null(strstr(why.msg, "NAME=VALUE"));
    assert_int_equal(run.n_metrics, 3);
    const struct lc_result_metric *t = lc_bench_run_metric(&run, "tokens");
    assert_non_null(t);
    assert_true(t->value == 250);
    assert_string_equal(t->unit, "tok");
    assert_true(lc_bench_run_metric(&run, "cost")->value == 0.5);
    assert_true(lc_bench_run_metric(&run, "items")->value == 7);
    assert_null(lc_bench_run_metric(&run, "x"));
    /* Setting again replaces, and a NULL unit clears. */
    assert_int_equal(lc_bench_run_set_metric(&run, "cost", 0.75, NULL), 0);
    assert_null(lc_bench_run_metric(&run, "cost")->unit);
    assert_int_equal(run.n_metrics, 3);
    for (size_t i = 0; i < run.n_metrics; i++) {
        free(run.metrics[i].name);
        free(run.metrics[i].unit);
    }
    free(run.metrics);
}

static void test_names(void **state)
{
    (void)state;
    assert_true(lc_bench_metric_name_ok("a.b_c9", 6));
    assert_false(lc_bench_metric_name_ok("9a", 2));
    assert_false(lc_bench_metric_name_ok("", 0));
    assert_false(lc_bench_metric_name_ok("a b", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
