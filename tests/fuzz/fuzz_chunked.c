/* libFuzzer target: the chunked body decoder alone, whole versus arbitrary splits. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http1_fuzz_util.h"
#include "net/http1_parse.h"

/* Input: one control byte choosing the splits, then the chunked body stream. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct lc_http1_request_head h;
    memset(&h, 0, sizeof(h));
    h.framing.content_length = -1;
    h.framing.chunked = 1;
    h.framing.transfer_encoding = 1;
    struct lc_http1_body init;
    lc_http1_body_init_request(&init, &h);
    FUZZ_CHECK(init.mode == LC_HTTP1_BODY_CHUNKED && !init.done);
    check_body_stream(&init, data + 1, size - 1, data[0]);
    /* A second split pattern from the same byte, shifted. */
    check_body_stream(&init, data + 1, size - 1, (uint32_t)data[0] * 7u + 3u);
    return 0;
}
