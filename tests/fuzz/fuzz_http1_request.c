/* libFuzzer target: request head parser, then the request body decoder over the rest. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http1_fuzz_util.h"
#include "net/http1_parse.h"

/* Input: one control byte (bit 1: tiny limits; bits 2..7: body split), then the request. */
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

    char *buf = malloc(size ? size : 1);
    FUZZ_CHECK(buf != NULL);
    memcpy(buf, data, size);

    struct lc_http1_header hdrs[4];
    struct lc_http1_request_head h;
    int r = lc_http1_parse_request_head(buf, size, &h, hdrs, 4, lim);
    FUZZ_CHECK(r == -1 || r == -2 || (r > 0 && (size_t)r <= size));
    if (r == -1)
        FUZZ_CHECK(h.error > 0 && h.error < LC_HTTP1_E_COUNT);
    if (r > 0) {
        FUZZ_CHECK(h.method_len > 0 && h.target_len > 0);
        FUZZ_CHECK(h.method >= buf && h.method + h.method_len <= buf + r);
        FUZZ_CHECK(h.target >= buf && h.target + h.target_len <= buf + r);
        FUZZ_CHECK(h.minor_version == 0 || h.minor_version == 1);
        FUZZ_CHECK(!h.framing.transfer_encoding || h.framing.chunked);
        for (uint32_t i = 0; i < h.header_count && i < 4; i++) {
            FUZZ_CHECK(hdrs[i].name >= buf && hdrs[i].name + hdrs[i].name_len <= buf + r);
            FUZZ_CHECK(hdrs[i].value >= buf && hdrs[i].value + hdrs[i].value_len <= buf + r);
        }
        struct lc_http1_request_head h2;
        FUZZ_CHECK(lc_http1_parse_request_head(buf, (size_t)r - 1, &h2, NULL, 0, lim) == -2);
        FUZZ_CHECK(lc_http1_parse_request_head(buf, (size_t)r, &h2, NULL, 0, lim) == r);

        struct lc_http1_body init;
        lc_http1_body_init_request(&init, &h);
        check_body_stream(&init, data + r, size - (size_t)r, ctl >> 2);
    } else {
        struct lc_http1_request_head h2;
        int r2 = lc_http1_parse_request_head(buf, size / 2, &h2, NULL, 0, lim);
        FUZZ_CHECK(r2 == -1 || r2 == -2);
        if (r == -2)
            FUZZ_CHECK(r2 == -2);
    }
    free(buf);
    return 0;
}
