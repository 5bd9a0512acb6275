/* Unit tests for net/http1_request: serialisation, defaults, repeats, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/http1_parse.h"
#include "net/http1_request.h"

static void test_get(void **state)
{
    (void)state;
    struct lc_error err = {0};
    struct lc_http1_request_spec spec = {.method = "GET", .target = "/x", .host = "h:1"};
    char *out;
    size_t len;
    assert_int_equal(lc_http1_request_build(&spec, 1, &out, &len, &err), 0);
    const char *want = "GET /x HTTP/1.1\r\nHost: h:1\r\nUser-Agent: loadcell\r\n\r\n";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(out, want, len);
    free(out);
}

static void test_post_body_headers_repeat(void **state)
{
    (void)state;
    struct lc_error err = {0};
    const char *headers[] = {"Content-Type: application/json", "user-agent: custom"};
    struct lc_http1_request_spec spec = {.method = "POST",
                                         .target = "/q",
                                         .host = "h",
                                         .headers = headers,
                                         .header_count = 2,
                                         .body = "{\"a\":1}",
                                         .body_len = 7};
    char *out;
    size_t len;
    assert_int_equal(lc_http1_request_build(&spec, 3, &out, &len, &err), 0);
    assert_int_equal(len % 3, 0);
    size_t one = len / 3;
    /* Each copy parses as a request with the body length and our headers. */
    for (int i = 0; i < 3; i++) {
        struct lc_http1_request_head head;
        struct lc_http1_header hs[8];
        int hl = lc_http1_parse_request_head(out + one * i, one, &head, hs, 8, NULL);
        assert_true(hl > 0);
        assert_int_equal(head.framing.content_length, 7);
        assert_int_equal(one - (size_t)hl, 7);
        assert_memory_equal(out + one * i + hl, "{\"a\":1}", 7);
        assert_int_equal(head.header_count, 4); /* Host, 2 given, Content-Length */
    }
    assert_null(memmem(out, len, "User-Agent: loadcell", 20)); /* the user's own wins */
    free(out);
}

static void test_errors(void **state)
{
    (void)state;
    struct lc_error err = {0};
    char *out = NULL;
    size_t len;
    const char *nocolon[] = {"X-Bad"};
    const char *crlf[] = {"X: a\r\nY: b"};
    struct lc_http1_request_spec spec = {.method = "G T", .target = "/", .host = "h"};
    assert_int_equal(lc_http1_request_build(&spec, 1, &out, &len, &err), LC_EINVAL);
    spec.method = "GET";
    spec.headers = nocolon;
    spec.header_count = 1;
    assert_int_equal(lc_http1_request_build(&spec, 1, &out, &len, &err), LC_EINVAL);
    assert_non_null(strstr(err.msg, "X-Bad"));
    spec.headers = crlf;
    assert_int_equal(lc_http1_request_build(&spec, 1, &out, &len, &err), LC_EINVAL);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_post_body_headers_repeat),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
