/* Analysis of bench Results: summaries with intervals, outliers, comparisons, scaling fits,
 * projections. */
#ifndef LC_BENCH_ANALYSIS_H
#define LC_BENCH_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/stats.h"
#include "results/result.h"

/*
 * Everything here reads a Result only (a fresh one or one read from a file),
 * so reports and `loadcell compare` see the same figures as the terminal.
 * Ownership: an analysis owns its arrays; names and units point into the
 * Result (or to static strings) and stay valid while the Result does.
 */

/* What a quantity measures. */
enum lc_bench_qty {
    LC_BENCH_QTY_WALL,     /* seconds */
    LC_BENCH_QTY_USER,     /* seconds */
    LC_BENCH_QTY_SYS,      /* seconds */
    LC_BENCH_QTY_MAX_RSS,  /* bytes */
    LC_BENCH_QTY_ARTIFACT, /* bytes; runs with artifact_bytes < 0 have none */
    LC_BENCH_QTY_METRIC,   /* a metric of the runs (custom, derived or built-in) */
};

/* The summary of one quantity over the runs of one command. */
struct lc_bench_qty_summary {
    enum lc_bench_qty kind;
    const char *name; /* "time", "user", "sys", "max_rss", "artifact", or the metric's name */
    const char *unit; /* "s", "bytes", or the metric's unit (may be NULL) */
    bool builtin;     /* a metric loadcell records itself (context switches) */
    size_t n;         /* runs with a value (>= 1) */
    struct lc_stats_summary s;
    bool has_ci;                /* n >= 2 */
    struct lc_stats_ci mean_ci; /* bootstrap interval of the mean */
};

/* One command (one scan point) of the Result. */
struct lc_bench_cmd_stats {
    const struct lc_result_bench_command *cmd;
    size_t n_runs;
    size_t n_failed; /* runs with a non-zero exit code */
    /* time, user, sys, max_rss always (when n_runs >= 1); artifact when any run has
     * one; then each metric in first-seen order. */
    struct lc_bench_qty_summary *q;
    size_t n_q;
    bool *outlier; /* per run: |modified z of its wall time| > 3.5 (n_runs entries) */
    size_t n_outliers;
};

/* One command against a reference at the same parameters, on one quantity. */
struct lc_bench_comparison {
    size_t base;  /* index into the analysis' cmds: the reference (default: the fastest) */
    size_t other; /* index of the command compared with it */
    enum lc_bench_qty kind;
    const char *name; /* quantity name as in lc_bench_qty_summary */
    const char *unit;
    struct lc_stats_ci ratio; /* mean(other) / mean(base), with a bootstrap interval */
    bool has_mw;              /* both sides have >= 1 value and not every value ties */
    struct lc_stats_mw mw;    /* a = other, b = base: rank_biserial > 0 when other is larger */
};

/* A power-law fit of one quantity against one scanned parameter. */
struct lc_bench_fit {
    const char *group; /* the command name (every point of a scan shares it) */
    const char *param; /* the scanned parameter */
    char *fixed;       /* the other parameters, held fixed ("m=4"), or NULL */
    enum lc_bench_qty kind;
    const char *name;
    const char *unit;
    size_t n_points;         /* distinct parameter values, >= 2 */
    double *x;               /* the values, ascending */
    double *y;               /* the quantity's mean at each */
    size_t *cmd;             /* the analysis' cmds index of each point */
    size_t n_obs;            /* runs fitted */
    struct lc_stats_fit fit; /* log y = a + b log x over every run: slope = exponent */
    double *efficiency;      /* n_points - 1 entries: (x[i+1] / x[i]) / (y[i+1] / y[i]) */
    bool has_projection;
    double project_x;
    struct lc_stats_prediction projection; /* at project_x, for one new run */
};

/* A requested projection: `--project n=100000`. */
struct lc_bench_project {
    const char *param;
    double value; /* > 0 */
};

struct lc_bench_analysis_opts {
    unsigned resamples; /* bootstrap resamples; 0: 10000 */
    double level;       /* interval level; 0: 0.95 */
    uint64_t seed; /* bootstrap seed; 0: a fixed default, so a file always gives the same figures */
    const char *reference; /* compare against this command name; NULL: the fastest (by mean time) */
    const struct lc_bench_project *projects;
    size_t n_projects;
    /* The harness's own peak RSS (lc_bench_outcome.harness_rss_bytes), 0: unknown. A max
     * RSS at most 5% above it is only an upper bound (see bench/runner.h), so such scan
     * points are left out of max RSS fits. */
    uint64_t rss_floor_bytes;
};

struct lc_bench_analysis {
    struct lc_bench_cmd_stats *cmds; /* one per r->commands entry, same order */
    size_t n_cmds;
    struct lc_bench_comparison *cmp;
    size_t n_cmp;
    struct lc_bench_fit *fits;
    size_t n_fits;
    double level;
};

/*
 * Summarise one command: every quantity (summary and bootstrap interval of the
 * mean) and the outliers of its wall times. A command without runs gives
 * n_q == 0. Returns 0, LC_ENOMEM or LC_EINVAL (a non-finite metric value).
 * Free with lc_bench_cmd_stats_free.
 */
int lc_bench_analyze_command(const struct lc_result_bench_command *c,
                             const struct lc_bench_analysis_opts *o, struct lc_bench_cmd_stats *out,
                             struct lc_error *err) LC_WARN_UNUSED;

void lc_bench_cmd_stats_free(struct lc_bench_cmd_stats *s);

/* The summary of quantity `name` in s, or NULL. */
const struct lc_bench_qty_summary *lc_bench_cmd_stats_find(const struct lc_bench_cmd_stats *s,
                                                           const char *name);

/*
 * Analyse every bench command of r:
 *  - per command as lc_bench_analyze_command;
 *  - comparisons: among the commands that share the same parameters (or all,
 *    without scans), each against the reference (o->reference when it is one
 *    of them, else the one with the lowest mean time) on time, max RSS (unless
 *    one side is at o->rss_floor_bytes), artifact size and every metric both
 *    have (built-in ones excepted);
 *  - fits: for each command name, each numeric parameter with >= 2 values and
 *    each set of values of the other parameters, a log-log fit of every
 *    quantity whose runs are all > 0 (time, max RSS, artifact, metrics other
 *    than the built-in ones; max RSS without the points at o->rss_floor_bytes;
 *    a fit needs 2 points), with the efficiency of each step and the requested
 *    projections of that parameter (intervals need >= 3 runs fitted).
 * Returns 0, LC_EINVAL (r is not a bench result, or bad data) or LC_ENOMEM.
 * Free with lc_bench_analysis_free (also after a failure).
 */
int lc_bench_analyze(const struct lc_result *r, const struct lc_bench_analysis_opts *o,
                     struct lc_bench_analysis *out, struct lc_error *err) LC_WARN_UNUSED;

void lc_bench_analysis_free(struct lc_bench_analysis *a);

/*
 * A word for an exponent: "decreasing" (< -0.15), "constant" (< 0.15),
 * "sub-linear", "linear"
 * (within 0.1 of 1), "super-linear", "quadratic" (within 0.15 of 2),
 * "super-quadratic" (above 2.15). Never NULL.
 */
const char *lc_bench_scaling_verdict(double exponent);

#endif
