/*
 * What one worker thread measures: histograms and counters, written only by
 * that thread (no locks, no atomics), handed to the aggregator at each tick.
 */
#ifndef LC_LOAD_RECORDER_H
#define LC_LOAD_RECORDER_H

#include <stdint.h>

#include "core/error.h"
#include "core/hdr.h"
#include "net/http1_parse.h"

/* Transport-level outcomes, counted apart (ENGINE.md item 12). */
enum lc_fail_kind {
    LC_FAIL_CONNECT_REFUSED,
    LC_FAIL_CONNECT_TIMEOUT,
    LC_FAIL_CONNECT_UNREACHABLE,
    LC_FAIL_PORTS_EXHAUSTED, /* EADDRNOTAVAIL: no ephemeral port left */
    LC_FAIL_CONNECT_OTHER,
    LC_FAIL_RESET,                  /* ECONNRESET while reading or writing */
    LC_FAIL_WRITE,                  /* EPIPE and other write errors */
    LC_FAIL_READ,                   /* other read errors */
    LC_FAIL_CLOSED_BEFORE_RESPONSE, /* EOF before the first byte (keep-alive race) */
    LC_FAIL_CLOSED_MID_RESPONSE,    /* EOF inside a head or a body */
    LC_FAIL_TIMEOUT,                /* no complete response within --timeout */
    LC_FAIL_UNEXPECTED_DATA,        /* bytes arrived with no request outstanding */
    LC_FAIL_MALFORMED,              /* parse error: see malformed[] for the reason */
    LC_FAIL_TLS_HANDSHAKE,          /* the TLS handshake failed (or the server refused our cert) */
    LC_FAIL_TLS_VERIFY,             /* the server's certificate did not verify */
    LC_FAIL_TLS_VERSION,            /* no TLS version both sides accept */
    LC_FAIL_TLS_OTHER,              /* a TLS protocol error after the handshake */
    LC_FAIL_COUNT
};

/* The stable name of a failure kind in results ("connect_refused", ...). */
const char *lc_fail_kind_name(int kind);

/* The stable name of a malformed-response reason ("malformed_status_line", ...). */
const char *lc_malformed_name(int http1_error);

#define LC_STATUS_MAX 600

/*
 * Histograms are in ns. `latency` runs from the intended start (open model)
 * or the send (closed model); `service` always from the send.
 */
struct lc_recorder {
    struct lc_hdr latency;
    struct lc_hdr service;
    struct lc_hdr ttfb;
    struct lc_hdr connect;
    struct lc_hdr lag;           /* send time minus intended time */
    struct lc_hdr tls_handshake; /* TLS handshake (after the TCP connect), connection-level */
    uint64_t sent;               /* requests written */
    uint64_t completed;          /* complete responses, any status */
    uint64_t failed;             /* requests (or connects) that ended in a transport failure */
    uint64_t fail[LC_FAIL_COUNT];
    uint64_t malformed[LC_HTTP1_E_COUNT];
    uint64_t status[LC_STATUS_MAX]; /* index = status code; 600+ counted at 599 */
    /* Responses that count as errors by their status: >= 400, or (when the
     * request has `expect: status`) any status not in the list. */
    uint64_t status_failed[LC_STATUS_MAX];
    uint64_t body_check_failed; /* responses whose body lacked `expect: body_contains` */
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint64_t connects;    /* connections established */
    uint64_t reconnects;  /* connections re-established after a close or failure */
    uint64_t late;        /* open model: sends later than the late tolerance */
    uint64_t tls_full;    /* TLS handshakes without a resumed session */
    uint64_t tls_resumed; /* TLS handshakes that resumed the worker's saved session */
    long tls_verify_code; /* the latest certificate verification failure (X509_V_ERR_*), 0: none */
    uint32_t active; /* gauge at the tick: users (closed) or connections (open); adds on merge */
};

/* Allocate the histograms. Returns 0 or LC_ENOMEM. */
int lc_recorder_init(struct lc_recorder *r) LC_WARN_UNUSED;

void lc_recorder_free(struct lc_recorder *r);

/* Zero all counts (keeps the histograms' memory). */
void lc_recorder_reset(struct lc_recorder *r);

/* Add src into dst (counts add, histograms merge, gauges add). */
void lc_recorder_merge(struct lc_recorder *dst, const struct lc_recorder *src);

/* Responses that count as errors (status_failed and body checks). */
uint64_t lc_recorder_status_errors(const struct lc_recorder *r);

#endif
