/*
 * The command line's side of live observability (--metrics, --dashboard):
 * turns what the load engine reports each second (http, run), the benchmark
 * engine's events (bench), the resource monitor's samples (monitor) and
 * serve's counters into live snapshots and publishes them to the live
 * endpoints (src/live/).
 */
#ifndef LC_CLI_LIVE_BRIDGE_H
#define LC_CLI_LIVE_BRIDGE_H

#include <signal.h>
#include <stdint.h>

#include "bench/bench.h"
#include "core/error.h"
#include "load/engine.h"
#include "load/plan.h"
#include "results/threshold.h"

struct lc_live_bridge;
struct lc_monitor;
struct lc_monitor_snapshot;
struct lc_result;
struct lc_serve;

struct lc_live_bridge_options {
    const char *metrics;   /* --metrics ADDR:PORT, or NULL */
    const char *dashboard; /* --dashboard ADDR:PORT, or NULL */
    const char *command;   /* "http", "run", "bench", "monitor" */
    /* A load run's phase and request names (must outlive the bridge); NULL for bench and
     * monitor, which have no load part. */
    const struct lc_load_plan *plan;
    const char *target; /* without a plan: what is measured ("pid 42 (app)"); may be NULL */
    double planned_s;   /* without a plan: the planned length in seconds, 0 when open-ended */
    const struct lc_threshold_list *thresholds; /* judged each second for the page; or NULL */
    /* The flag Ctrl-C sets. The dashboard's Stop button sets it too, on the thread that
     * feeds the bridge (the engine's aggregator at its next tick; bench: after the run in
     * progress; monitor: lc_live_bridge_poll_stop). NULL: no Stop. */
    volatile sig_atomic_t *interrupted;
    /* The target's resource monitor (--monitor-pid, bench --monitor), or NULL: its latest
     * sample of the watched process tree, the host and the GPUs becomes the target, host
     * and GPU gauges. Must outlive the last feed call (on_tick, on_bench_event). */
    struct lc_monitor *monitor;
};

/* getopt_long values of the live flags of http, run, bench and monitor; each command's long
 * options table has
 *     {"metrics", required_argument, NULL, LC_CLI_OPT_METRICS},
 *     {"dashboard", required_argument, NULL, LC_CLI_OPT_DASHBOARD},
 *     {"metrics-linger", required_argument, NULL, LC_CLI_OPT_METRICS_LINGER},
 * (distinct from every command's own values and from LC_CLI_OPT_HISTORY's). */
enum { LC_CLI_OPT_METRICS = 0x4900, LC_CLI_OPT_DASHBOARD, LC_CLI_OPT_METRICS_LINGER };

/* What the live flags asked for. */
struct lc_cli_live {
    const char *metrics;   /* --metrics ADDR:PORT, or NULL */
    const char *dashboard; /* --dashboard ADDR:PORT, or NULL */
    uint64_t linger_ns;    /* --metrics-linger DUR: keep serving this long after the end */
};

/*
 * Handle getopt_long's `opt` when it is one of the live flags: returns 1 (l
 * filled; `arg` is optarg, kept), 0 when it is not one of them, or LC_EINVAL
 * with "FLAG 'VALUE': reason" in err (a usage error).
 */
int lc_cli_live_option(struct lc_cli_live *l, int opt, const char *arg, struct lc_error *err);

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

/*
 * The engine's take_control hook (control_ctx is the bridge; set it only when the
 * bridge serves a dashboard for a load run): returns 1 with the level that POST
 * /api/control asked for phase `phase` since the last tick, else 0. A level
 * asked for a phase that has ended since is dropped. Takes a mutex (once a tick).
 */
int lc_live_bridge_take_control(size_t phase, double *level, void *ctx);

/* After the run: publish the final state (finished, threshold verdicts of the whole run). */
void lc_live_bridge_finish(struct lc_live_bridge *b, const struct lc_engine_outcome *outcome);

/*
 * The same from the final Result (run, bench, monitor): thresholds judged on
 * r, elapsed time from r->duration_ns. NULL b is a no-op.
 */
void lc_live_bridge_finish_result(struct lc_live_bridge *b, const struct lc_result *r);

/*
 * loadcell bench: one event of the benchmark engine (call it from the
 * bench hooks' on_event, on the bench thread). so_far is the Result being
 * filled (thresholds are judged on it), may be NULL. Publishes at most four
 * times a second and at every point's end; turns a Stop request into
 * *interrupted = 1 here, so the run that just ended is kept and no other
 * starts. Cost: a sort of the point's wall times per publish.
 */
void lc_live_bridge_on_bench_event(struct lc_live_bridge *b, const struct lc_bench_event *ev,
                                   const struct lc_result *so_far);

/*
 * loadcell monitor: a fresh sample of the monitor (the target, host and GPU
 * gauges, one point of history), published at once.
 */
void lc_live_bridge_on_sample(struct lc_live_bridge *b, const struct lc_monitor_snapshot *m);

/*
 * Turn a Stop request into *interrupted = 1 (and the state "stopping",
 * published). For loops that do not go through the other feeds often
 * (monitor's wait loop). Returns 1 when a stop was asked. NULL b: 0.
 */
int lc_live_bridge_poll_stop(struct lc_live_bridge *b);

/*
 * Keep serving for linger_ns (ended early by a Ctrl-C that arrives then),
 * then stop the endpoints and free b. NULL is a no-op.
 */
void lc_live_bridge_close(struct lc_live_bridge *b, uint64_t linger_ns);

/* ---- loadcell serve --metrics ------------------------------------------------------ */

struct lc_live_serve_bridge;

/*
 * Serve /metrics (at `metrics`, ADDR:PORT) with the counters of the server
 * srv: a thread reads them once per second straight from the server's
 * per-thread counters (relaxed atomic loads, lc_serve_read_counters; no
 * request, so the figures count only what clients sent) and publishes them.
 * srv must outlive the bridge. Prints the URL on stderr. Returns 0,
 * LC_EINVAL, LC_ESYS (the port is taken) or LC_ENOMEM.
 */
int lc_live_serve_bridge_start(const char *metrics, struct lc_serve *srv,
                               struct lc_live_serve_bridge **out,
                               struct lc_error *err) LC_WARN_UNUSED;

/* Stop the thread and the endpoint, free b. NULL is a no-op. */
void lc_live_serve_bridge_stop(struct lc_live_serve_bridge *b);

#endif
