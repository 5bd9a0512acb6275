/* Unit tests for net/url: schemes, hosts, ports, targets, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/url.h"

static void test_plain(void **state)
{
    (void)state;
    struct lc_url u;
    struct lc_error err = {0};
    char host[300];
    assert_int_equal(lc_url_parse("http://127.0.0.1:8080/query?x=1#frag", &u, &err), 0);
    assert_string_equal(u.scheme, "http");
    assert_string_equal(u.host, "127.0.0.1");
    assert_string_equal(u.port, "8080");
    assert_string_equal(u.target, "/query?x=1");
    lc_url_host_header(&u, host, sizeof(host));
    assert_string_equal(host, "127.0.0.1:8080");

    assert_int_equal(lc_url_parse("http://localhost", &u, &err), 0);
    assert_string_equal(u.port, "80");
    assert_string_equal(u.target, "/");
    lc_url_host_header(&u, host, sizeof(host));
    assert_string_equal(host, "localhost");

    assert_int_equal(lc_url_parse("https://example.test?q", &u, &err), 0);
    assert_string_equal(u.port, "443");
    assert_string_equal(u.target, "/?q");
}

static void test_ipv6(void **state)
{
    (void)state;
    struct lc_url u;
    struct lc_error err = {0};
    char host[300];
    assert_int_equal(lc_url_parse("http://[::1]:9000/a", &u, &err), 0);
    assert_string_equal(u.host, "::1");
    assert_true(u.host_is_ipv6);
    lc_url_host_header(&u, host, sizeof(host));
    assert_string_equal(host, "[::1]:9000");
}

static void test_bad(void **state)
{
    (void)state;
    struct lc_url u;
    struct lc_error err = {0};
    const char *bad[] = {"127.0.0.1:8080", "ftp://x/",        "http://",
                         "http://h:0/",    "http://h:99999/", "http://h:x/",
                         "http://[::1/",   "http://h/a b",    "http://h:80x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lc_error_clear(&err);
        assert_int_equal(lc_url_parse(bad[i], &u, &err), LC_EINVAL);
        assert_non_null(strstr(err.msg, "URL"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
