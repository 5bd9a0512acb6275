/* Shared checks for the HTTP/1 fuzz targets: feed a body whole and in pieces, compare. */
#ifndef LC_TESTS_FUZZ_HTTP1_FUZZ_UTIL_H
#define LC_TESTS_FUZZ_HTTP1_FUZZ_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http1_parse.h"

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* The outcome of feeding a whole body stream. */
struct body_outcome {
    ssize_t consumed; /* -1 on error */
    uint64_t bytes;
    int done;
    int error;
    int eof; /* lc_http1_body_eof after the feed (when no error) */
};

/*
 * Feed data[0..len) in pieces whose sizes come from a small generator seeded
 * by `seed` (0: all at once). Each piece is copied into its own exact-size
 * heap buffer so ASan catches a read past the piece. Consumed bytes are
 * counted as a caller would: unconsumed bytes stay and are fed again with the
 * next piece.
 */
static inline struct body_outcome feed_pieces(const struct lc_http1_body *init, const uint8_t *data,
                                              size_t len, uint32_t seed)
{
    struct lc_http1_body b = *init;
    struct body_outcome o = {0, 0, 0, 0, 0};
    size_t off = 0;  /* consumed so far */
    size_t have = 0; /* bytes the caller has received so far */
    uint32_t x = seed * 2654435761u + 1;
    if (x == 0)
        x = 1;
    while (off < len || have < len) {
        size_t piece;
        if (seed == 0) {
            piece = len - have;
        } else {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            uint32_t kind = seed & 3;
            piece = kind == 0 ? 1 : kind == 1 ? (x % 4) : kind == 2 ? (x % 17) : (x % 300);
        }
        if (piece > len - have)
            piece = len - have;
        have += piece;
        size_t avail = have - off;
        char *copy = malloc(avail ? avail : 1);
        FUZZ_CHECK(copy != NULL);
        memcpy(copy, data + off, avail);
        ssize_t c = lc_http1_body_feed(&b, copy, avail);
        free(copy);
        if (c < 0) {
            o.consumed = -1;
            o.error = b.error;
            FUZZ_CHECK(b.error > 0 && b.error < LC_HTTP1_E_COUNT);
            FUZZ_CHECK(lc_http1_body_feed(&b, (const char *)data, len) == -1);
            return o;
        }
        FUZZ_CHECK((size_t)c <= avail);
        if ((size_t)c < avail)
            FUZZ_CHECK(b.done);
        off += (size_t)c;
        if (b.done)
            break;
        if (have == len && avail == 0)
            break;
    }
    o.consumed = (ssize_t)off;
    o.bytes = b.bytes;
    o.done = b.done;
    FUZZ_CHECK(!b.done || lc_http1_body_feed(&b, (const char *)data, len) == 0);
    o.eof = lc_http1_body_eof(&b);
    if (o.eof < 0)
        FUZZ_CHECK(b.error == LC_HTTP1_E_TRUNCATED);
    return o;
}

/* Whole versus pieces must agree on everything. */
static inline void check_body_stream(const struct lc_http1_body *init, const uint8_t *data,
                                     size_t len, uint32_t seed)
{
    struct body_outcome whole = feed_pieces(init, data, len, 0);
    struct body_outcome split = feed_pieces(init, data, len, seed | 0x100);
    FUZZ_CHECK(whole.consumed == split.consumed);
    FUZZ_CHECK(whole.error == split.error);
    if (whole.consumed >= 0) {
        FUZZ_CHECK(whole.bytes == split.bytes);
        FUZZ_CHECK(whole.done == split.done);
        FUZZ_CHECK(whole.eof == split.eof);
        FUZZ_CHECK(whole.bytes <= (uint64_t)whole.consumed);
    }
}

#endif
