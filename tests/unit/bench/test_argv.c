/* Unit tests for bench/argv: splitting a command line without a shell. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bench/argv.h"

static void expect_split(const char *line, const char *const *want, size_t n)
{
    char **argv = NULL;
    size_t argc = 0;
    struct lc_error err = {0};
    if (lc_bench_argv_split(line, &argv, &argc, &err) != 0)
        fail_msg("'%s': %s", line, err.msg);
    assert_int_equal(argc, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(argv[i], want[i]);
    assert_null(argv[n]);
    lc_bench_argv_free(argv);
}

static void test_plain_words(void **state)
{
    (void)state;
    const char *a[] = {"sleep", "0.1"};
    expect_split("sleep 0.1", a, 2);
    expect_split("  sleep\t0.1 \n", a, 2);
    const char *b[] = {"true"};
    expect_split("true", b, 1);
}

static void test_quotes(void **state)
{
    (void)state;
    const char *a[] = {"python3", "-c", "import time; time.sleep(0.1)"};
    expect_split("python3 -c 'import time; time.sleep(0.1)'", a, 3);
    const char *b[] = {"echo", "a \"b\" c"};
    expect_split("echo 'a \"b\" c'", b, 2);
    const char *c[] = {"echo", "it's $HOME `x` \\"};
    expect_split("echo \"it's \\$HOME \\`x\\` \\\\\"", c, 2);
    /* Inside double quotes a backslash before another character stays. */
    const char *d[] = {"printf", "a\\nb"};
    expect_split("printf \"a\\nb\"", d, 2);
    /* Adjacent pieces join into one word; '' is an empty word. */
    const char *e[] = {"abc", "", "x"};
    expect_split("a'b'\"c\" '' x", e, 3);
    /* Outside quotes a backslash keeps the next character. */
    const char *f[] = {"a b", "c"};
    expect_split("a\\ b c", f, 2);
    /* Backslash-newline joins lines. */
    const char *g[] = {"ab", "c"};
    expect_split("a\\\nb c", g, 2);
    /* Shell syntax is plain text here. */
    const char *h[] = {"echo", "$HOME", "|", "wc", ";", "*"};
    expect_split("echo $HOME | wc ; *", h, 6);
}

static void test_errors(void **state)
{
    (void)state;
    const char *bad[] = {"", "   ", "echo 'open", "echo \"open", "echo end\\", "a \"b\\\""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char **argv = (char **)1;
        struct lc_error err = {0};
        assert_int_equal(lc_bench_argv_split(bad[i], &argv, NULL, &err), LC_EINVAL);
        assert_null(argv);
        assert_true(err.msg[0] != '\0');
    }
    char **argv = NULL;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_argv_split(NULL, &argv, NULL, &err), LC_EINVAL);
    lc_bench_argv_free(NULL);
}

static void test_many_words(void **state)
{
    (void)state;
    /* Enough words to grow the array several times, and one past the cap. */
    size_t n = LC_BENCH_MAX_ARGS;
    char *line = malloc((n + 1) * 2 + 1);
    assert_non_null(line);
    for (size_t i = 0; i <= n; i++) {
        line[2 * i] = 'x';
        line[2 * i + 1] = ' ';
    }
    line[2 * n] = '\0'; /* exactly the cap */
    char **argv = NULL;
    size_t argc = 0;
    struct lc_error err = {0};
    assert_int_equal(lc_bench_argv_split(line, &argv, &argc, &err), 0);
    assert_int_equal(argc, n);
    assert_string_equal(argv[n - 1], "x");
    lc_bench_argv_free(argv);
    line[2 * n] = 'x';
    line[2 * n + 1] = '\0'; /* one more */
    assert_int_equal(lc_bench_argv_split(line, &argv, &argc, &err), LC_ERANGE);
    assert_null(argv);
    free(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_words),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_many_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
