/* Unit tests for core/error: messages, locations, exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "core/error.h"

static void test_format_with_location(void **state)
{
    (void)state;
    struct lc_error err;
    char buf[256];
    lc_error_clear(&err);
    assert_int_equal(
        lc_error_set(&err, LC_ECONFIG, "unknown key 'durations' (did you mean 'duration'?)"),
        LC_ECONFIG);
    lc_error_at(&err, "plan.yaml", 12, 5);
    assert_string_equal(lc_error_format(&err, buf, sizeof(buf)),
                        "plan.yaml:12:5: unknown key 'durations' (did you mean 'duration'?)");
    lc_error_at(&err, "plan.yaml", 3, 0);
    assert_string_equal(lc_error_format(&err, buf, sizeof(buf)),
                        "plan.yaml:3: unknown key 'durations' (did you mean 'duration'?)");
}

static void test_sys_error(void **state)
{
    (void)state;
    struct lc_error err;
    lc_error_clear(&err);
    assert_int_equal(lc_error_sys(&err, ENOENT, "cannot open %s", "x.json"), LC_ESYS);
    assert_int_equal(err.sys_errno, ENOENT);
    assert_non_null(strstr(err.msg, "x.json: No such file"));
}

static void test_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(lc_exit_code_for(LC_OK), 0);
    assert_int_equal(lc_exit_code_for(LC_ECONFIG), 2);
    assert_int_equal(lc_exit_code_for(LC_EUSAGE), 2);
    assert_int_equal(lc_exit_code_for(LC_ECONNECT), 3);
    assert_int_equal(lc_exit_code_for(LC_ERESOLVE), 3);
    assert_int_equal(lc_exit_code_for(LC_EINTR), 130);
    for (int c = 0; c > -LC_ERR_COUNT; c--)
        assert_non_null(lc_strerror(c));
    assert_string_equal(lc_strerror(-1000), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_with_location),
        cmocka_unit_test(test_sys_error),
        cmocka_unit_test(test_exit_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
