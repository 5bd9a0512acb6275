/* Unit tests for bench/expr: derived-metric expressions and definitions. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bench/expr.h"

/* Variable values by name for the tests. */
static double value_of(const char *name)
{
    if (strcmp(name, "tokens") == 0)
        return 5000;
    if (strcmp(name, "wall_s") == 0)
        return 2.5;
    if (strcmp(name, "gen.items") == 0)
        return 40;
    if (strcmp(name, "zero") == 0)
        return 0;
    return NAN;
}

static double eval_text(const char *text)
{
    struct lc_bench_expr *e = NULL;
    struct lc_error err = {0};
    if (lc_bench_expr_parse(text, &e, &err) != 0)
        fail_msg("'%s': %s", text, err.msg);
    double vals[16];
    size_t n = lc_bench_expr_var_count(e);
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++)
        vals[i] = value_of(lc_bench_expr_var_name(e, i));
    double v = NAN;
    int rc = lc_bench_expr_eval(e, vals, &v);
    lc_bench_expr_free(e);
    return rc == 0 ? v : -INFINITY;
}

static void test_arithmetic(void **state)
{
    (void)state;
    assert_float_equal(eval_text("1 + 2 * 3"), 7, 1e-12);
    assert_float_equal(eval_text("(1 + 2) * 3"), 9, 1e-12);
    assert_float_equal(eval_text("10 - 4 - 3"), 3, 1e-12); /* left associative */
    assert_float_equal(eval_text("24 / 4 / 2"), 3, 1e-12);
    assert_float_equal(eval_text("-2 * -3"), 6, 1e-12);
    assert_float_equal(eval_text("- (1 + 1)"), -2, 1e-12);
    assert_float_equal(eval_text("2 - -1"), 3, 1e-12);
    assert_float_equal(eval_text("+4"), 4, 1e-12);
    assert_float_equal(eval_text(".5 + 2e-1 + 1E1"), 10.7, 1e-12);
    assert_float_equal(eval_text("((((7))))"), 7, 1e-12);
}

static void test_names(void **state)
{
    (void)state;
    assert_float_equal(eval_text("tokens * 0.00002 / 1000"), 5000 * 0.00002 / 1000, 1e-15);
    assert_float_equal(eval_text("gen.items / wall_s"), 16, 1e-12);
    assert_float_equal(eval_text("tokens/tokens + tokens"), 5001, 1e-12);
    struct lc_bench_expr *e = NULL;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_expr_parse("a + b * a - c", &e, &err), 0);
    assert_int_equal(lc_bench_expr_var_count(e), 3);
    assert_string_equal(lc_bench_expr_var_name(e, 0), "a");
    assert_string_equal(lc_bench_expr_var_name(e, 1), "b");
    assert_string_equal(lc_bench_expr_var_name(e, 2), "c");
    assert_null(lc_bench_expr_var_name(e, 3));
    lc_bench_expr_free(e);
    lc_bench_expr_free(NULL);
}

static void test_eval_errors(void **state)
{
    (void)state;
    assert_true(eval_text("1 / zero") == -INFINITY);      /* division by zero */
    assert_true(eval_text("1e300 * 1e300") == -INFINITY); /* overflow */
}

static void test_syntax_errors(void **state)
{
    (void)state;
    const char *bad[] = {"",   "1 +", "(1 + 2", "1 + 2)", "1 2", "a b", "* 3",
                         "2a", "1e",  "1 % 2",  "f(x)",   "()",  "1..2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct lc_bench_expr *e = (struct lc_bench_expr *)1;
        struct lc_error err = {0};
        int rc = lc_bench_expr_parse(bad[i], &e, &err);
        if (rc != LC_EINVAL)
            fail_msg("'%s' gave %d", bad[i], rc);
        assert_null(e);
        assert_non_null(strstr(err.msg, "expression"));
    }
    /* Nesting past the cap and text past the cap. */
    char deep[200];
    memset(deep, '(', 100);
    deep[100] = '1';
    memset(deep + 101, ')', 98);
    deep[199] = '\0';
    struct lc_bench_expr *e = NULL;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_expr_parse(deep, &e, &err), LC_ERANGE);
    char minus[200];
    memset(minus, '-', 150);
    minus[150] = '1';
    minus[151] = '\0';
    assert_int_equal(lc_bench_expr_parse(minus, &e, &err), LC_ERANGE);
    char longtext[LC_BENCH_EXPR_MAX_LEN + 8];
    for (size_t i = 0; i < sizeof(longtext) - 1; i++)
        longtext[i] = i % 2 ? '+' : '1';
    longtext[sizeof(longtext) - 2] = '1';
    longtext[sizeof(longtext) - 1] = '\0';
    assert_int_equal(lc_bench_expr_parse(longtext, &e, &err), LC_ERANGE);
    /* A long but legal expression evaluates (the stack is big enough). */
    char sum[LC_BENCH_EXPR_MAX_LEN + 1];
    size_t at = 0;
    while (at + 2 < LC_BENCH_EXPR_MAX_LEN) {
        sum[at++] = '1';
        sum[at++] = '+';
    }
    sum[at++] = '1';
    sum[at] = '\0';
    assert_int_equal(lc_bench_expr_parse(sum, &e, &err), 0);
    double v = 0;
    assert_int_equal(lc_bench_expr_eval(e, NULL, &v), 0);
    assert_float_equal(v, (double)(at / 2 + 1), 1e-9);
    lc_bench_expr_free(e);
}

static void test_derive(void **state)
{
    (void)state;
    struct lc_bench_derive d;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_derive_parse("cost = tokens * 0.00002 / 1000", &d, &err), 0);
    assert_string_equal(d.name, "cost");
    assert_null(d.unit);
    assert_string_equal(d.text, "cost = tokens * 0.00002 / 1000");
    assert_int_equal(lc_bench_expr_var_count(d.expr), 1);
    lc_bench_derive_free(&d);
    assert_int_equal(lc_bench_derive_parse("  usd.total [USD]=tokens*2", &d, &err), 0);
    assert_string_equal(d.name, "usd.total");
    assert_string_equal(d.unit, "USD");
    lc_bench_derive_free(&d);
    assert_int_equal(lc_bench_derive_parse("rate[items/s] = gen.items / wall_s", &d, &err), 0);
    assert_string_equal(d.unit, "items/s");
    lc_bench_derive_free(&d);
    const char *bad[] = {"cost",    "= 1",        "9x = 1",   "cost = ", "cost = 1 +",
                         "c[] = 1", "c[a b] = 1", "c]x[ = 1", "a b = 1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = lc_bench_derive_parse(bad[i], &d, &err);
        if (rc != LC_EINVAL)
            fail_msg("'%s' gave %d", bad[i], rc);
        assert_non_null(strstr(err.msg, "--derive"));
        assert_null(d.name);
        assert_null(d.expr);
    }
    lc_bench_derive_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arithmetic),  cmocka_unit_test(test_names),
        cmocka_unit_test(test_eval_errors), cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_derive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
