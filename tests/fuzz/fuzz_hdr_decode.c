/* libFuzzer target: HDR histogram V2 decoding, from base64 text and from raw bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/hdr.h"

/*
 * A histogram that decoded must be usable and must survive a round trip:
 * its statistics are computable, and encode -> decode gives the same counts.
 */
static void exercise(const struct lc_hdr *h)
{
    volatile uint64_t sink = 0;
    sink ^= (uint64_t)lc_hdr_value_at_percentile(h, 50.0);
    sink ^= (uint64_t)lc_hdr_value_at_percentile(h, 99.9);
    sink ^= (uint64_t)lc_hdr_min(h) ^ (uint64_t)lc_hdr_max(h);
    volatile double dsink = lc_hdr_mean(h) + lc_hdr_stdev(h);
    (void)sink;
    (void)dsink;

    char *text = NULL;
    if (lc_hdr_encode_base64(h, &text) != 0)
        return; /* out of memory only */
    struct lc_hdr again;
    struct lc_error err;
    if (lc_hdr_decode_base64(&again, text, strlen(text), &err) != 0)
        __builtin_trap(); /* our own encoding must decode */
    if (again.counts_len != h->counts_len || again.total_count != h->total_count ||
        memcmp(again.counts, h->counts, (size_t)h->counts_len * sizeof(int64_t)) != 0 ||
        lc_hdr_min(&again) != lc_hdr_min(h) || lc_hdr_max(&again) != lc_hdr_max(h))
        __builtin_trap(); /* the round trip lost something */
    lc_hdr_free(&again);
    free(text);
}

static void try_decode(const char *text, size_t len)
{
    struct lc_hdr h;
    struct lc_error err;
    int rc = lc_hdr_decode_base64(&h, text, len, &err);
    if (rc == 0) {
        exercise(&h);
        lc_hdr_free(&h);
    } else if (rc != LC_EFORMAT && rc != LC_ENOMEM) {
        __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* As text: exercises the base64 layer. */
    try_decode((const char *)data, size);
    /* As the binary behind the base64: reaches the cookies, zlib and the counts. */
    char *text = NULL;
    size_t len = 0;
    if (lc_base64_encode(data, size, &text, &len) == 0) {
        try_decode(text, len);
        free(text);
    }
    return 0;
}
