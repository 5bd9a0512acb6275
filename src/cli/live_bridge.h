/*
 * The command line's side of live observability (--metrics, --dashboard):
 * turns what the load engine reports each second into a live snapshot and
 * publishes it to the live endpoints (src/live/).
 */
#ifndef LC_CLI_LIVE_BRIDGE_H
#define LC_CLI_LIVE_BRIDGE_H

#include <signal.h>
#include <stdint.h>

#include "core/error.h"
#include "load/engine.h"
#include "load/plan.h"
#include "results/threshold.h"

struct lc_live_bridge;
struct lc_monitor;

struct lc_live_bridge_options {
    const char *metrics;             /* --metrics ADDR:PORT, or NULL */
    const char *dashboard;           /* --dashboard ADDR:PORT, or NULL */
    const char *command;             /* "http", "run" */
    const struct lc_load_plan *plan; /* phase and request names; must outlive the bridge */
    const struct lc_threshold_list *thresholds; /* judged each second for the page; or NULL */
    /* The flag Ctrl-C sets. The dashboard's Stop button sets it too (on the engine's
     * aggregator thread, at its next tick: the engine reads it there). NULL: no Stop. */
    volatile sig_atomic_t *interrupted;
    /* The target's resource monitor (--monitor-pid), or NULL: its latest sample of the
     * watched process tree becomes the target CPU and memory gauges. Must outlive the bridge. */
    struct lc_monitor *monitor;
};

/*
 * Check a --metrics / --dashboard value before anything starts. Returns 0 or
 * LC_EINVAL with "FLAG 'VALUE': reason" in err (a usage error).
 */
int lc_live_bridge_check_listen(const char *flag, const char *value,
                                struct lc_error *err) LC_WARN_UNUSED;

/*
 * Start the endpoints (before the run) and print their URLs on stderr. On
 * success *out is the bridge (lc_live_bridge_close frees it). Returns 0,
 * LC_EINVAL (bad address), LC_ESYS (the port is taken...) or LC_ENOMEM.
 */
int lc_live_bridge_start(const struct lc_live_bridge_options *opt, struct lc_live_bridge **out,
                         struct lc_error *err) LC_WARN_UNUSED;

/*
 * The engine's on_tick hook (ctx is the bridge): adds the interval to the
 * cumulative counters, publishes a snapshot, and turns a Stop request into
 * *interrupted = 1. Never asks the engine to stop by itself: returns 0.
 * Cost per second: O(requests x statuses) plus a histogram walk per request.
 */
int lc_live_bridge_on_tick(const struct lc_engine_progress *pr, void *ctx);

/* After the run: publish the final state (finished, threshold verdicts of the whole run). */
void lc_live_bridge_finish(struct lc_live_bridge *b, const struct lc_engine_outcome *outcome);

/*
 * Keep serving for linger_ns (ended early by a Ctrl-C that arrives then),
 * then stop the endpoints and free b. NULL is a no-op.
 */
void lc_live_bridge_close(struct lc_live_bridge *b, uint64_t linger_ns);

/* ---- loadcell serve --metrics ------------------------------------------------------ */

struct lc_live_serve_bridge;

/*
 * Serve /metrics (at `metrics`, ADDR:PORT) with the counters of the
 * `loadcell serve` listening at server_url ("http://127.0.0.1:8080"): a
 * thread reads its GET /stats once per second over one keep-alive loopback
 * connection (so the server counts one connection and one /stats request per
 * second for it) and publishes them. Prints the URL on stderr. Returns 0,
 * LC_EINVAL, LC_ESYS (the port is taken) or LC_ENOMEM.
 */
int lc_live_serve_bridge_start(const char *metrics, const char *server_url,
                               struct lc_live_serve_bridge **out,
                               struct lc_error *err) LC_WARN_UNUSED;

/* Stop the thread and the endpoint, free b. NULL is a no-op. */
void lc_live_serve_bridge_stop(struct lc_live_serve_bridge *b);

#endif
