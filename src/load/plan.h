/* The immutable description of a load run that the engine executes. */
#ifndef LC_LOAD_PLAN_H
#define LC_LOAD_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "net/http1_parse.h"
#include "net/tls_client.h"

enum lc_load_model {
    LC_MODEL_CLOSED, /* each connection is a user: send, await, think, repeat */
    LC_MODEL_OPEN    /* requests start on a schedule, whether or not earlier ones finished */
};

enum lc_arrival {
    LC_ARRIVAL_UNIFORM, /* evenly spaced intended start times */
    LC_ARRIVAL_POISSON  /* exponential gaps (a Poisson process) */
};

#define LC_EXPECT_MAX_STATUS 8

/* One request template, serialised once; the hot path only writes its bytes. */
struct lc_load_request {
    char name[64];
    char method[32];
    char *bytes; /* one request (owned by the plan) */
    size_t len;
    char *batch; /* `pipeline` copies back to back (owned; == bytes when depth 1) */
    size_t batch_len;
    int is_head;   /* HEAD: responses carry no body */
    double weight; /* relative share in the mix (> 0) */
    /* Checks: a response failing one counts as an error of this request. */
    int expect_status[LC_EXPECT_MAX_STATUS]; /* accepted statuses; none: any */
    size_t expect_status_count;
    char *expect_body; /* owned; the body must contain it (raw bytes); NULL: no check */
    size_t expect_body_len;
};

/* A linear piece of a phase's load level (users or requests per second). */
struct lc_load_stage {
    uint64_t duration_ns;
    double from; /* level at the start of the stage */
    double to;   /* level at its end (== from: a hold) */
};

/* One phase: a model and a level over time; phases run back to back. */
struct lc_load_phase {
    char name[64];
    enum lc_load_model model;
    int recorded;                 /* 0: warmup, excluded from totals */
    struct lc_load_stage *stages; /* owned; at least one */
    size_t stage_count;
    uint64_t duration_ns;  /* sum of the stages; 0 only for a last phase bounded by count */
    double peak;           /* highest level: users (closed) or requests/s (open) */
    uint64_t think_min_ns; /* closed model pause between a user's requests */
    uint64_t think_max_ns;
};

struct lc_load_plan {
    char target[2100];         /* the URL, for messages and results */
    struct lc_addr_list addrs; /* resolved once, before the run */
    struct lc_load_request *requests;
    size_t request_count;
    struct lc_load_phase *phases; /* owned, run in order */
    size_t phase_count;
    enum lc_arrival arrival;
    uint32_t connections;  /* connection pool: peak users, or the open model's maximum */
    uint32_t threads;      /* asked for; lc_load_plan_threads: what a run uses */
    uint32_t pipeline;     /* requests per connection per batch (closed model), >= 1 */
    uint64_t max_requests; /* 0: no limit */
    uint64_t timeout_ns;   /* per request, from its send */
    uint64_t connect_timeout_ns;
    uint64_t graceful_stop_ns;  /* on an interrupt: how long to wait for requests in flight */
    uint64_t late_tolerance_ns; /* open model: a send later than this past its time is late */
    uint64_t seed;
    struct lc_http1_limits limits;
    /* https: the TLS context every connection is made from (owned; NULL: plain
     * TCP, and plain connections carry no TLS state at all). */
    struct lc_tls_client *tls;
    int tls_min_version; /* enum lc_tls_version, for the Result */
    int tls_verify;      /* the server's certificate is verified (not --insecure) */
};

/*
 * For an https target: make the plan's TLS context for `host` from opt
 * (plan->tls, owned by the plan). Returns 0, or what lc_tls_client_new
 * returns (err names the file or option at fault).
 */
int lc_load_plan_set_tls(struct lc_load_plan *plan, const char *host,
                         const struct lc_tls_client_options *opt,
                         struct lc_error *err) LC_WARN_UNUSED;

/* Free the request templates and phases (the plan struct itself is the caller's). */
void lc_load_plan_free(struct lc_load_plan *plan);

/*
 * Append a phase with one stage per (duration, from, to) triple given by the
 * caller afterwards via lc_load_phase_add_stage. Returns the phase or NULL
 * (out of memory).
 */
struct lc_load_phase *lc_load_plan_add_phase(struct lc_load_plan *plan, const char *name,
                                             enum lc_load_model model, int recorded);

/* Append a stage to ph. Returns 0 or LC_ENOMEM. */
int lc_load_phase_add_stage(struct lc_load_phase *ph, uint64_t duration_ns, double from, double to);

/* The level (users or rate) at t_ns into the phase (after its end: the last level). */
double lc_load_phase_level(const struct lc_load_phase *ph, uint64_t t_ns);

/*
 * The integral of the level from the phase start to t_ns, in level-seconds:
 * for an open phase, the number of arrivals due by t. Exact for linear ramps.
 */
double lc_load_phase_cumulative(const struct lc_load_phase *ph, uint64_t t_ns);

/*
 * The inverse: the earliest t_ns at which the cumulative level reaches n, or
 * UINT64_MAX when the phase never gets there (it ends first).
 */
uint64_t lc_load_phase_time_of(const struct lc_load_phase *ph, double n);

/* Offset of phase i from the run start (sum of the earlier phases' durations). */
uint64_t lc_load_plan_phase_offset(const struct lc_load_plan *plan, size_t i);

/* The worker threads a run of plan uses: plan->threads (0 counts as 1), never more than
 * its connections (a thread without a connection would have nothing to do). */
uint32_t lc_load_plan_threads(const struct lc_load_plan *plan);

/* The whole run's planned length (UINT64_MAX when a phase is bounded by count only). */
uint64_t lc_load_plan_duration(const struct lc_load_plan *plan);

#endif
