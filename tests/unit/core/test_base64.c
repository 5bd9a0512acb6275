/* Unit tests for core/base64: RFC 4648 vectors, strictness, round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/base64.h"
#include "core/rng.h"

static void test_rfc4648_vectors(void **state)
{
    (void)state;
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                        "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        char *text = NULL;
        size_t len = 0;
        assert_int_equal(lc_base64_encode(plain[i], strlen(plain[i]), &text, &len), 0);
        assert_string_equal(text, coded[i]);
        assert_int_equal(len, strlen(coded[i]));
        assert_int_equal(lc_base64_encoded_len(strlen(plain[i])), len);
        free(text);

        uint8_t *bytes = NULL;
        size_t n = 0;
        assert_int_equal(lc_base64_decode(coded[i], strlen(coded[i]), &bytes, &n), 0);
        assert_non_null(bytes);
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(bytes, plain[i], n);
        free(bytes);
    }
    /* The characters 62 and 63. */
    const uint8_t high[] = {0xfb, 0xff, 0xbf};
    char buf[8];
    assert_int_equal(lc_base64_encode_buf(high, sizeof(high), buf), 4);
    assert_string_equal(buf, "+/+/");
}

static void test_unpadded_accepted(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t n = 0;
    assert_int_equal(lc_base64_decode_buf("Zg", 2, out, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 'f');
    assert_int_equal(lc_base64_decode_buf("Zm8", 3, out, &n), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "fo", 2);
}

static void test_invalid_rejected(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Z",        /* a lone character holds no byte */
        "Zm9vY",    /* same after a full quantum */
        "Zg=",      /* partial padding */
        "Zg===",    /* too much padding */
        "====",     /* nothing but padding */
        "Z===",     /* three '=' */
        "Zm=v",     /* padding inside */
        "Zg==Zg==", /* data after padding */
        "Zh==",     /* non-zero unused bits */
        "Zm9=",     /* non-zero unused bits */
        "Zm9v\n",   /* whitespace */
        "Zm 9v",    /* space */
        "Zm9v-_",   /* URL-safe alphabet */
        "\xc3\xa9", /* non-ASCII */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t *bytes = (uint8_t *)1;
        size_t n = 99;
        if (lc_base64_decode(bad[i], strlen(bad[i]), &bytes, &n) != LC_EFORMAT)
            fail_msg("'%s' was accepted", bad[i]);
        assert_null(bytes);
    }
    /* A NUL inside the given length is not base64 either. */
    uint8_t out[8];
    size_t n = 0;
    assert_int_equal(lc_base64_decode_buf("Zm\0v", 4, out, &n), LC_EFORMAT);
}

static void test_round_trip_all_lengths(void **state)
{
    (void)state;
    struct lc_rng rng;
    lc_rng_seed(&rng, 42);
    uint8_t data[300];
    for (size_t len = 0; len <= sizeof(data); len++) {
        for (size_t i = 0; i < len; i++)
            data[i] = (uint8_t)lc_rng_next(&rng);
        char *text = NULL;
        size_t tlen = 0;
        assert_int_equal(lc_base64_encode(data, len, &text, &tlen), 0);
        assert_int_equal(tlen % 4, 0);
        assert_int_equal(strlen(text), tlen);
        assert_true(lc_base64_decoded_max(tlen) >= len);
        uint8_t *back = NULL;
        size_t n = 0;
        assert_int_equal(lc_base64_decode(text, tlen, &back, &n), 0);
        assert_int_equal(n, len);
        if (len > 0)
            assert_memory_equal(back, data, len);
        free(back);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_unpadded_accepted),
        cmocka_unit_test(test_invalid_rejected),
        cmocka_unit_test(test_round_trip_all_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
