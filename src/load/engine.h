/*
 * The load engine: starts the worker threads, releases them together at a
 * barrier, aggregates their recorders every second, and stops them.
 */
#ifndef LC_LOAD_ENGINE_H
#define LC_LOAD_ENGINE_H

#include <signal.h>
#include <stdint.h>

#include "core/error.h"
#include "load/plan.h"
#include "load/recorder.h"

/* One second (or less, at phase boundaries) of the run, merged over workers. */
struct lc_series_point {
    double t_s;        /* end of the interval, seconds since the start barrier */
    double interval_s; /* its length */
    uint64_t requests; /* requests that ended in the interval (a response or a failure) */
    uint64_t errors;   /* failures plus responses that count as errors */
    uint64_t bytes_in;
    uint32_t active; /* at the interval's end: active users (closed) or open connections (open) */
    double target_rate;                     /* open model: the requested rate; 0 when closed */
    double target_users;                    /* closed model: the users asked for; 0 when open */
    int64_t p50_ns, p90_ns, p99_ns, max_ns; /* latency of the responses in the interval */
    int64_t lag_p99_ns;                     /* schedule lag */
};

struct lc_engine_phase {
    char name[64];
    int recorded;             /* 0 for warmup: excluded from totals */
    uint64_t start_offset_ns; /* from the start barrier */
    uint64_t duration_ns;     /* how long it actually ran */
    /* One recorder per request template, then one for connection-level events. */
    struct lc_recorder *recs;
    size_t nrec;
    struct lc_series_point *series; /* owned */
    size_t series_len;
    size_t series_cap;
};

/* A change of the running phase's level asked during the run (the live dashboard). */
struct lc_engine_control_change {
    double t_s;        /* when it took effect: the aggregator tick, seconds since the start */
    size_t phase;      /* index of the phase it changed (it holds until that phase's end) */
    int open;          /* 1: a rate (requests/s, open model); 0: users (closed model) */
    double from_level; /* the level asked for just before */
    double to_level;   /* the new level */
};

/* Everything a run measured; filled by lc_engine_run, freed by lc_engine_outcome_free. */
struct lc_engine_outcome {
    struct lc_engine_phase *phases; /* one per plan phase that started, in order */
    size_t phase_count;
    uint64_t start_wall_ns; /* wall clock at the start barrier */
    uint64_t start_mono_ns; /* CLOCK_MONOTONIC at the start barrier (lines up other samplers) */
    uint64_t end_wall_ns;
    uint64_t duration_ns; /* start barrier to the last worker's stop */
    uint32_t connections_requested;
    uint32_t connections_established; /* at the start barrier */
    uint64_t inflight_at_stop;
    uint64_t unsent;     /* open model: due before the stop, never sent */
    int partial;         /* stopped early by an interrupt */
    int stopped_by_hook; /* stopped early because on_tick asked to */
    double gen_user_s;   /* the generator's own CPU during the run */
    double gen_sys_s;
    struct lc_engine_control_change *controls; /* owned; in order of time */
    size_t control_count;
};

/* A live view each second, for progress lines and checks (called on the engine's thread). */
struct lc_engine_progress {
    double elapsed_s;
    double total_s; /* planned length, 0 when bounded by count only */
    size_t phase_index;
    const char *phase;
    const struct lc_series_point *last; /* the interval just ended */
    const struct lc_recorder *interval; /* its data per request (nrec recorders) */
    uint64_t requests_total;            /* requests ended so far in the current phase */
    uint64_t errors_total;
    const struct lc_engine_outcome *outcome; /* everything so far (phases up to this one) */
};

struct lc_engine_hooks {
    /* Returns non-zero to stop the run now (an abort threshold, a breakpoint). */
    int (*on_tick)(const struct lc_engine_progress *progress, void *ctx);
    void *ctx;
    /* Set by a signal handler: 1 asks for a graceful stop (in flight may finish). */
    const volatile sig_atomic_t *interrupted;
    /* Live control (NULL: none). Asked on the engine's thread before every tick that does
     * not end a phase: returns 1 with *level set to change the running phase `phase` from
     * this tick to its end (users when it is closed, requests/s when open), 0 for no change.
     * The engine checks the level with lc_engine_control_check and ignores a bad one. */
    int (*take_control)(size_t phase, double *level, void *ctx);
    void *control_ctx;
};

/* The highest rate a live control may ask for: this many times the phase's planned peak. */
#define LC_ENGINE_CONTROL_RATE_FACTOR 10.0

/*
 * Whether `level` is a valid live change of phase `phase` of plan: for a
 * closed phase a whole number of users from 1 to plan->connections (they are
 * connected up front); for an open phase a rate > 0 and at most
 * LC_ENGINE_CONTROL_RATE_FACTOR times the phase's peak. Returns 0 or
 * LC_EINVAL with a one-line reason (naming the bounds) in err.
 */
int lc_engine_control_check(const struct lc_load_plan *plan, size_t phase, double level,
                            struct lc_error *err) LC_WARN_UNUSED;

/*
 * Which phase a live change asked for elapsed_ns after the run's start would
 * change: the engine applies it at its next tick (every second from the
 * phase's start), so *phase is the phase running at elapsed_ns. Returns 0, or
 * LC_EAGAIN when that phase (or the run) ends at or before that tick, so the
 * change could not be applied (err says when it ends and what to do instead).
 */
int lc_engine_control_when(const struct lc_load_plan *plan, uint64_t elapsed_ns, size_t *phase,
                           struct lc_error *err) LC_WARN_UNUSED;

/*
 * Run `plan`. Returns 0 with *out filled (also for an interrupted run, with
 * out->partial set), or LC_ECONNECT when not one connection could be made
 * (err says why), or LC_ENOMEM/LC_ESYS.
 */
int lc_engine_run(const struct lc_load_plan *plan, const struct lc_engine_hooks *hooks,
                  struct lc_engine_outcome *out, struct lc_error *err) LC_WARN_UNUSED;

void lc_engine_outcome_free(struct lc_engine_outcome *out);

#endif
