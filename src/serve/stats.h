/*
 * Counters of `loadcell serve`: one set per server thread, written only by
 * that thread; /stats sums them and subtracts the baseline of the last reset.
 *
 * Protocol: every counter only grows, and its owner updates it with a
 * relaxed atomic load and a relaxed atomic store (no read-modify-write, so a
 * plain `mov`/`add`/`mov` on x86; no lock, no fence). A reader on another
 * thread takes relaxed atomic loads, so it sees each counter whole (never a
 * torn value) and at most a few requests stale. A thread counts a request
 * before it writes the answer, and the write is a system call, so a client
 * that has its answers and then asks /stats sees them counted. Reset never
 * writes another thread's counters: it stores the current sums as a baseline
 * (under a mutex, off the hot path) and /stats reports sums minus baseline.
 */
#ifndef LC_SERVE_STATS_H
#define LC_SERVE_STATS_H

#include <jansson.h>
#include <stdint.h>

#include "core/error.h"
#include "serve/behaviour.h"

/* by_status is indexed by the status code itself (200..599 are used). */
#define LC_SERVE_STATUS_SLOTS 600

struct lc_serve_counters {
    uint64_t requests;        /* requests decided, /health and /stats excluded */
    uint64_t health_requests; /* GET /health */
    uint64_t stats_requests;  /* /stats and /stats/reset */
    uint64_t bad_requests;    /* malformed requests answered 400 and closed */
    uint64_t connections;     /* connections accepted */
    uint64_t bytes_in;        /* request bytes (head and body) of counted requests */
    uint64_t bytes_out;       /* response bytes written for counted requests */
    uint64_t errors;          /* answers with the injected error status */
    uint64_t tls_handshakes;  /* TLS handshakes completed (resumed ones included) */
    uint64_t tls_resumed;     /* of which resumed an earlier session */
    uint64_t tls_failed;      /* TLS handshakes that failed (bad or missing client cert, ...) */
    uint64_t by_chaos[LC_CHAOS_COUNT];
    uint64_t by_status[LC_SERVE_STATUS_SLOTS]; /* answers sent with a valid status line */
    uint64_t *by_route;                        /* route_slots entries */
    uint32_t route_slots;                      /* routes + 1 (the default behaviour last) */
};

/* Zero c and allocate by_route. Returns 0 or LC_ENOMEM. */
int lc_serve_counters_init(struct lc_serve_counters *c, uint32_t route_slots) LC_WARN_UNUSED;

/* Free by_route (c may be zeroed or half-initialised). */
void lc_serve_counters_free(struct lc_serve_counters *c);

/* Set every counter of c to 0 (c must be private to the caller). */
void lc_serve_counters_zero(struct lc_serve_counters *c);

/* Add n to a counter; only the owning thread may call it. */
static inline void lc_serve_count(uint64_t *slot, uint64_t n)
{
    __atomic_store_n(slot, __atomic_load_n(slot, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/* sum += src, reading src with relaxed atomic loads (src may be live). */
void lc_serve_counters_accumulate(struct lc_serve_counters *sum,
                                  const struct lc_serve_counters *src);

/* c -= base, clamping at 0 (both private). */
void lc_serve_counters_subtract(struct lc_serve_counters *c, const struct lc_serve_counters *base);

/*
 * The JSON object /stats answers (the caller owns it): the counters, with
 * by_route keyed by route_names[i] (route_slots names; the last is "default"),
 * by_status with the non-zero statuses only, by_chaos with every kind.
 * Returns NULL when out of memory.
 */
json_t *lc_serve_counters_json(const struct lc_serve_counters *c, const char *const *route_names,
                               uint32_t threads, double uptime_s);

#endif
