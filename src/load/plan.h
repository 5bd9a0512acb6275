/* The immutable description of a load run that the engine executes. */
#ifndef LC_LOAD_PLAN_H
#define LC_LOAD_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "net/http1_parse.h"

enum lc_load_model {
    LC_MODEL_CLOSED, /* each connection is a user: send, await, think, repeat */
    LC_MODEL_OPEN    /* requests start on a schedule, whether or not earlier ones finished */
};

enum lc_arrival {
    LC_ARRIVAL_UNIFORM, /* evenly spaced intended start times */
    LC_ARRIVAL_POISSON  /* exponential gaps (a Poisson process) */
};

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
};

struct lc_load_plan {
    char target[2100];         /* the URL, for messages and results */
    struct lc_addr_list addrs; /* resolved once, before the run */
    struct lc_load_request *requests;
    size_t request_count;
    enum lc_load_model model;
    enum lc_arrival arrival;
    uint32_t connections; /* closed: users; open: the most connections used */
    uint32_t threads;
    uint32_t pipeline;     /* requests per connection per batch (closed model), >= 1 */
    double rate_per_s;     /* open model: the target arrival rate */
    uint64_t duration_ns;  /* measured phase length; 0: only max_requests bounds it */
    uint64_t warmup_ns;    /* unrecorded load before the measured phase */
    uint64_t max_requests; /* 0: no limit */
    uint64_t timeout_ns;   /* per request, from its send */
    uint64_t connect_timeout_ns;
    uint64_t graceful_stop_ns; /* on an interrupt: how long to wait for requests in flight */
    uint64_t think_min_ns;     /* closed model pause between a user's requests */
    uint64_t think_max_ns;
    uint64_t late_tolerance_ns; /* open model: a send later than this past its time is late */
    uint64_t seed;
    struct lc_http1_limits limits;
};

/* Free the request templates (the plan struct itself is the caller's). */
void lc_load_plan_free(struct lc_load_plan *plan);

#endif
