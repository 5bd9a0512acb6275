/*
 * What `loadcell serve` does to each request: latency distributions, status,
 * body size, injected errors, stalls and chaos, parsed from the flags and
 * route specs people type, and the per-request decision drawn from them.
 */
#ifndef LC_SERVE_BEHAVIOUR_H
#define LC_SERVE_BEHAVIOUR_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/rng.h"

/* Chaos kinds; NONE is "answer normally". The order is the cumulative-draw order. */
enum lc_chaos {
    LC_CHAOS_NONE = 0,
    LC_CHAOS_RESET,          /* SO_LINGER 0 + close: the client sees a reset */
    LC_CHAOS_CLOSE_MID_BODY, /* headers and half the body, then close */
    LC_CHAOS_BAD_STATUS,     /* a malformed status line ("HTTP/1.1 2x0 ...") */
    LC_CHAOS_HUGE_HEADERS,   /* response headers of at least 64 KB in total */
    LC_CHAOS_NO_ANSWER,      /* never answered; the connection stays open */
    LC_CHAOS_TRICKLE,        /* the response one byte at a time, ~1 ms apart */
    LC_CHAOS_COUNT
};

/* The flag name of a chaos kind ("close-mid-body"; "none" for LC_CHAOS_NONE). */
const char *lc_chaos_name(int kind);

/* Latency distribution families. */
enum lc_latency_kind {
    LC_LATENCY_FIXED = 0, /* a = delay */
    LC_LATENCY_UNIFORM,   /* a = low, b = high */
    LC_LATENCY_NORMAL,    /* a = mean, b = standard deviation; truncated at 0 */
    LC_LATENCY_LOGNORMAL, /* a = median, b = sigma (of the log, unitless) */
    LC_LATENCY_EXP        /* a = mean */
};

#define LC_LATENCY_MAX_PARTS 8

/* One component of a latency mixture; times in ns (as doubles). */
struct lc_latency_part {
    int kind;      /* enum lc_latency_kind */
    double a, b;   /* parameters, see the kinds */
    double weight; /* fraction of requests, (0, 1]; all parts sum to 1 */
};

/* A latency distribution: one part, or a mixture of up to LC_LATENCY_MAX_PARTS. */
struct lc_latency {
    uint32_t count; /* >= 1 */
    struct lc_latency_part parts[LC_LATENCY_MAX_PARTS];
    double cum[LC_LATENCY_MAX_PARTS]; /* cumulative weights; cum[count-1] == 1 */
};

/* Largest delay a sample can take (longer draws are clamped): one hour. */
#define LC_LATENCY_MAX_NS 3600000000000ULL

/*
 * Parse a latency spec: "fixed:10ms", "uniform:5ms..20ms", "normal:MEAN,SD",
 * "lognormal:MEDIAN,SIGMA", "exp:MEAN", a bare duration ("10ms", "0"), or a
 * mixture "90%fixed:10ms,10%fixed:200ms" whose percentages sum to 100%.
 * Returns 0, or LC_EINVAL with a message naming the fix.
 */
int lc_latency_parse(const char *s, struct lc_latency *out, struct lc_error *err) LC_WARN_UNUSED;

/* A distribution that is always 0 (no delay). */
void lc_latency_zero(struct lc_latency *l);

/* 1 when every sample is 0 (no random draw needed). */
int lc_latency_is_zero(const struct lc_latency *l);

/* Draw one delay in ns (clamped to [0, LC_LATENCY_MAX_NS]). */
uint64_t lc_latency_sample_ns(const struct lc_latency *l, struct lc_rng *rng);

/* The theoretical q-quantile (0 < q < 1) in ns: for tests and documentation. */
double lc_latency_quantile_ns(const struct lc_latency *l, double q);

/* Largest body a response may have: 256 MB (the shared pattern is this big at most). */
#define LC_SERVE_MAX_BODY_BYTES (256ULL * 1024 * 1024)

/* Everything that shapes the answers of one route (or of the server by default). */
struct lc_serve_behaviour {
    struct lc_latency latency;
    uint32_t status;                         /* 200..599; default 200 */
    uint32_t error_status;                   /* status of injected errors, 200..599; default 500 */
    double error_rate;                       /* fraction of requests answered with error_status */
    uint64_t body_min_bytes, body_max_bytes; /* uniform in [min, max]; default 2..2 */
    int chunked;                             /* answer with Transfer-Encoding: chunked */
    uint64_t stall_ns, stall_period_ns;      /* nothing answered in the first stall_ns of
                                                every period; 0 = no stall */
    double chaos[LC_CHAOS_COUNT];            /* rate of each kind; [NONE] is unused */
    double chaos_cum[LC_CHAOS_COUNT];        /* cumulative rates, for one draw */
    double chaos_total;                      /* sum of the rates, <= 1 */
};

/* The defaults: no latency, 200, 2-byte body, no errors, no stall, no chaos. */
void lc_serve_behaviour_default(struct lc_serve_behaviour *b);

/*
 * Set one key from its text: "latency", "status", "body" (or "body-size"),
 * "error-rate", "error-status", "chunked" (value NULL/"" means on), "stall"
 * ("1s/5s" or "off") or "chaos" ("reset=5%,trickle=1%"; kinds not named keep
 * their rate). Returns 0, or LC_EINVAL with a message; b is unchanged then.
 */
int lc_serve_behaviour_set(struct lc_serve_behaviour *b, const char *key, const char *value,
                           struct lc_error *err) LC_WARN_UNUSED;

#define LC_SERVE_MAX_PATH 256

/* A route: a path matched exactly, or as a prefix when the pattern ends in '*'. */
struct lc_serve_route {
    char pattern[LC_SERVE_MAX_PATH]; /* as written, e.g. "/api*"; also its name in /stats */
    size_t match_len;                /* bytes compared (without the trailing '*') */
    int prefix;                      /* 1 when the pattern ends in '*' */
    struct lc_serve_behaviour behaviour;
};

/*
 * Parse "PATH[:key=val;key=val...]". The route starts as a copy of `base`
 * (the global behaviour) and the keys override it. PATH starts with '/',
 * contains no ':' or blank, and may end in '*'. Returns 0 or LC_EINVAL.
 */
int lc_serve_route_parse(const char *spec, const struct lc_serve_behaviour *base,
                         struct lc_serve_route *out, struct lc_error *err) LC_WARN_UNUSED;

/*
 * The first route matching path[0..len) (the request target without its
 * query), or -1 when none does. O(routes).
 */
int lc_serve_route_match(const struct lc_serve_route *routes, uint32_t count, const char *path,
                         size_t len);

/* One request's fate, drawn by lc_serve_decide. */
struct lc_serve_decision {
    uint64_t delay_ns;   /* latency sample */
    uint64_t body_bytes; /* body size */
    uint32_t status;     /* status or error_status */
    uint8_t chaos;       /* enum lc_chaos */
    uint8_t error;       /* 1 when status is the injected error status */
};

/*
 * Draw one decision. Draw order (so a seed reproduces a run): chaos (one
 * uniform against the cumulative rates, only when any rate is set), error
 * (only when error_rate > 0), body size (only for a range), latency (only
 * when not zero).
 */
void lc_serve_decide(const struct lc_serve_behaviour *b, struct lc_rng *rng,
                     struct lc_serve_decision *d);

/*
 * Move a due time out of a stall: when due_ns falls in the first stall_ns of
 * a period (periods counted from start_ns), return the end of that stall,
 * else due_ns unchanged.
 */
uint64_t lc_serve_stall_due_ns(const struct lc_serve_behaviour *b, uint64_t start_ns,
                               uint64_t due_ns);

#endif
