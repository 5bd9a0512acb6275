/* libFuzzer target: response head parser, then the body decoder over the rest in pieces. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http1_fuzz_util.h"
#include "net/http1_parse.h"

/*
 * Input: one control byte (bit 0: the request was HEAD; bit 1: tiny limits;
 * the rest: how the body is split), then the response bytes.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    data++;
    size--;
    static const struct lc_http1_limits tiny = {
        .max_head_bytes = 96, .max_header_line = 40, .max_headers = 3};
    const struct lc_http1_limits *lim = (ctl & 2) ? &tiny : NULL;

    /* An exact-size copy: ASan flags any read past the end. */
    char *buf = malloc(size ? size : 1);
    FUZZ_CHECK(buf != NULL);
    memcpy(buf, data, size);

    struct lc_http1_header hdrs[4];
    struct lc_http1_response_head h;
    int r = lc_http1_parse_response_head(buf, size, &h, hdrs, 4, lim);
    FUZZ_CHECK(r == -1 || r == -2 || (r > 0 && (size_t)r <= size));
    if (r == -1)
        FUZZ_CHECK(h.error > 0 && h.error < LC_HTTP1_E_COUNT);
    if (r > 0) {
        FUZZ_CHECK(h.status >= 100 && h.status <= 999);
        FUZZ_CHECK(h.minor_version == 0 || h.minor_version == 1);
        FUZZ_CHECK(h.framing.content_length >= -1);
        FUZZ_CHECK(h.reason >= buf && h.reason + h.reason_len <= buf + r);
        for (uint32_t i = 0; i < h.header_count && i < 4; i++) {
            FUZZ_CHECK(hdrs[i].name >= buf && hdrs[i].name + hdrs[i].name_len <= buf + r);
            FUZZ_CHECK(hdrs[i].value >= buf && hdrs[i].value + hdrs[i].value_len <= buf + r);
            FUZZ_CHECK(hdrs[i].name_len > 0);
        }
        /* Any shorter prefix of a complete head is just incomplete. */
        struct lc_http1_response_head h2;
        FUZZ_CHECK(lc_http1_parse_response_head(buf, (size_t)r - 1, &h2, NULL, 0, lim) == -2);
        FUZZ_CHECK(lc_http1_parse_response_head(buf, (size_t)r, &h2, NULL, 0, lim) == r);
        FUZZ_CHECK(h2.status == h.status && h2.header_count == h.header_count);

        struct lc_http1_body init;
        lc_http1_body_init_response(&init, &h, ctl & 1);
        check_body_stream(&init, data + r, size - (size_t)r, ctl >> 2);
    } else {
        /* Incomplete or bad: a prefix is never complete. */
        struct lc_http1_response_head h2;
        int r2 = lc_http1_parse_response_head(buf, size / 2, &h2, NULL, 0, lim);
        FUZZ_CHECK(r2 == -1 || r2 == -2);
        if (r == -2)
            FUZZ_CHECK(r2 == -2);
    }
    free(buf);
    return 0;
}
