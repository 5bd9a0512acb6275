/* Per-thread measurement: histograms and counters, merged by the aggregator. */
#include "load/recorder.h"

#include <string.h>

static const char *const fail_names[LC_FAIL_COUNT] = {
    [LC_FAIL_CONNECT_REFUSED] = "connect_refused",
    [LC_FAIL_CONNECT_TIMEOUT] = "connect_timeout",
    [LC_FAIL_CONNECT_UNREACHABLE] = "connect_unreachable",
    [LC_FAIL_PORTS_EXHAUSTED] = "ports_exhausted",
    [LC_FAIL_CONNECT_OTHER] = "connect_error",
    [LC_FAIL_RESET] = "reset",
    [LC_FAIL_WRITE] = "write_error",
    [LC_FAIL_READ] = "read_error",
    [LC_FAIL_CLOSED_BEFORE_RESPONSE] = "closed_before_response",
    [LC_FAIL_CLOSED_MID_RESPONSE] = "closed_mid_response",
    [LC_FAIL_TIMEOUT] = "timeout",
    [LC_FAIL_UNEXPECTED_DATA] = "unexpected_data",
    [LC_FAIL_MALFORMED] = "malformed",
    [LC_FAIL_TLS_HANDSHAKE] = "tls_handshake",
    [LC_FAIL_TLS_VERIFY] = "tls_verify",
    [LC_FAIL_TLS_VERSION] = "tls_version",
    [LC_FAIL_TLS_OTHER] = "tls_error",
};

static const char *const malformed_names[LC_HTTP1_E_COUNT] = {
    [LC_HTTP1_OK] = "malformed",
    [LC_HTTP1_E_START_LINE] = "malformed_status_line",
    [LC_HTTP1_E_VERSION] = "malformed_version",
    [LC_HTTP1_E_STATUS] = "malformed_status_code",
    [LC_HTTP1_E_HEADER] = "malformed_header",
    [LC_HTTP1_E_HEADER_TOO_LONG] = "header_too_long",
    [LC_HTTP1_E_HEAD_TOO_LARGE] = "head_too_large",
    [LC_HTTP1_E_TOO_MANY_HEADERS] = "too_many_headers",
    [LC_HTTP1_E_CONTENT_LENGTH] = "bad_content_length",
    [LC_HTTP1_E_TRANSFER_CODING] = "bad_transfer_encoding",
    [LC_HTTP1_E_CHUNK_SIZE] = "bad_chunk_size",
    [LC_HTTP1_E_CHUNK_TOO_LONG] = "chunk_size_too_long",
    [LC_HTTP1_E_CHUNK_DATA] = "bad_chunk_data",
    [LC_HTTP1_E_TRAILER] = "bad_trailer",
    [LC_HTTP1_E_TRUNCATED] = "closed_mid_response",
};

const char *lc_fail_kind_name(int kind)
{
    return kind >= 0 && kind < LC_FAIL_COUNT ? fail_names[kind] : "unknown";
}

const char *lc_malformed_name(int http1_error)
{
    if (http1_error < 0 || http1_error >= LC_HTTP1_E_COUNT || !malformed_names[http1_error])
        return "malformed";
    return malformed_names[http1_error];
}

static struct lc_hdr *hists(struct lc_recorder *r, int i)
{
    struct lc_hdr *all[] = {&r->latency, &r->service, &r->ttfb,
                            &r->connect, &r->lag,     &r->tls_handshake};
    return all[i];
}

#define HIST_COUNT 6

int lc_recorder_init(struct lc_recorder *r)
{
    memset(r, 0, sizeof(*r));
    for (int i = 0; i < HIST_COUNT; i++) {
        if (lc_hdr_init_default(hists(r, i)) != 0) {
            lc_recorder_free(r);
            return LC_ENOMEM;
        }
    }
    return 0;
}

void lc_recorder_free(struct lc_recorder *r)
{
    for (int i = 0; i < HIST_COUNT; i++)
        lc_hdr_free(hists(r, i));
}

void lc_recorder_reset(struct lc_recorder *r)
{
    /* An empty histogram is already reset: skipping it keeps the pages of
     * histograms a run never uses (TLS handshakes over plain http, schedule
     * lag in a closed model) untouched, so they cost no resident memory. */
    for (int i = 0; i < HIST_COUNT; i++)
        if (hists(r, i)->total_count != 0 || hists(r, i)->clamped != 0)
            lc_hdr_reset(hists(r, i));
    /* Zero every counter: everything after the histograms in the struct. */
    size_t off = offsetof(struct lc_recorder, sent);
    memset((char *)r + off, 0, sizeof(*r) - off);
}

void lc_recorder_merge(struct lc_recorder *dst, const struct lc_recorder *src)
{
    for (int i = 0; i < HIST_COUNT; i++)
        lc_hdr_merge(hists(dst, i), hists((struct lc_recorder *)src, i));
    dst->sent += src->sent;
    dst->completed += src->completed;
    dst->failed += src->failed;
    for (int i = 0; i < LC_FAIL_COUNT; i++)
        dst->fail[i] += src->fail[i];
    for (int i = 0; i < LC_HTTP1_E_COUNT; i++)
        dst->malformed[i] += src->malformed[i];
    for (int i = 0; i < LC_STATUS_MAX; i++) {
        dst->status[i] += src->status[i];
        dst->status_failed[i] += src->status_failed[i];
    }
    dst->body_check_failed += src->body_check_failed;
    dst->bytes_in += src->bytes_in;
    dst->bytes_out += src->bytes_out;
    dst->connects += src->connects;
    dst->reconnects += src->reconnects;
    dst->late += src->late;
    dst->tls_full += src->tls_full;
    dst->tls_resumed += src->tls_resumed;
    if (src->tls_verify_code)
        dst->tls_verify_code = src->tls_verify_code;
    dst->active += src->active;
}

uint64_t lc_recorder_status_errors(const struct lc_recorder *r)
{
    uint64_t n = r->body_check_failed;
    for (int i = 0; i < LC_STATUS_MAX; i++)
        n += r->status_failed[i];
    return n;
}
