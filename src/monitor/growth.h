/* Memory growth analysis (leak verdicts), per-window resource figures and generator saturation. */
#ifndef LC_MONITOR_GROWTH_H
#define LC_MONITOR_GROWTH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "results/result.h"

/*
 * The leak rule. A series of memory samples (t_s, bytes) in a window is a
 * LEAK when all of these hold:
 *   1. enough data: at least min_samples samples (default 6) spanning > 0 s;
 *   2. a real trend: the least-squares slope's confidence interval
 *      (slope +- t_{(1+level)/2, n-2} * se, level 0.95) lies above 0 -
 *      noise around a flat level fails here;
 *   3. a steady trend: R^2 of the line >= min_r2 (0.8) - one step up in a
 *      flat series has R^2 <= 0.75 whatever its size or position (3p(1-p)
 *      for a step after a fraction p of the window), so a one-time
 *      allocation fails here; so does growth buried in noise;
 *   4. it persists into the last third of the samples (by index), on two
 *      counts: the median of the last third exceeds the median of the
 *      middle third by at least min_persist (0.5) of the rise the fitted
 *      line predicts between them, and the least-squares slope of the last
 *      third alone is at least min_persist of the whole window's - a plateau
 *      (growth that stopped, e.g. a cache that filled up) fails here;
 *   5. it matters: the fitted growth over the window (slope * span) is at
 *      least min_bytes (1 MiB) and at least min_fraction (2%) of the
 *      baseline (the first sample).
 * Other outcomes name what was seen instead (see enum lc_growth_verdict).
 * Caveat: samples of a memory series are autocorrelated, so the interval in
 * rule 2 is optimistic; rules 3-5 are what keep noise and steps out.
 * MB here is 2^20 bytes, as in loadcell's size syntax ("1MB/h").
 */

/* What the samples show. */
enum lc_growth_verdict {
    LC_GROWTH_INSUFFICIENT, /* rule 1 fails: too few samples to judge */
    LC_GROWTH_FLAT,         /* no trend: the slope's interval includes 0 */
    LC_GROWTH_SHRINKING,    /* a trend downwards: the interval lies below 0 */
    LC_GROWTH_IRREGULAR,    /* upwards on the whole, but R^2 < min_r2: a step, or noise */
    LC_GROWTH_SETTLED,      /* grew, then stopped before the last third: a plateau */
    LC_GROWTH_SMALL,        /* steady growth, below the floor of rule 5 */
    LC_GROWTH_LEAK,         /* steady, persistent, significant growth */
};

/* The thresholds of the rule; a zero field takes its default. */
struct lc_growth_rule {
    size_t min_samples;  /* 6 (also the least allowed: thirds of 2 samples) */
    double level;        /* 0.95 */
    double min_r2;       /* 0.8 */
    double min_persist;  /* 0.5 */
    double min_bytes;    /* 1 MiB */
    double min_fraction; /* 0.02 */
};

/* The analysis of one window. Slopes in units per second (bytes/s for memory). */
struct lc_growth {
    enum lc_growth_verdict verdict;
    size_t n;      /* samples in the window */
    double span_s; /* last t - first t */
    double first;  /* the first sample (the baseline) */
    double last;
    double min;
    double max; /* the peak */
    /* The fit (valid when n >= 3; otherwise 0). */
    double slope;
    double slope_lo; /* confidence interval of the slope at rule.level */
    double slope_hi;
    double r2;
    double growth; /* slope * span_s: the fitted rise over the window */
    /* Rule 4: median(last third) - median(middle third), what the line predicts for it, and
     * the slope of the last third alone. */
    double late_rise;
    double late_expected;
    double late_slope;
    char reason[240]; /* one sentence: why this verdict (for summaries) */
};

/*
 * Analyse samples (t_s[i], v[i]), i < n, in time order (not checked; equal
 * times are allowed). rule may be NULL (defaults). Returns 0 (out filled;
 * INSUFFICIENT is a verdict, not an error), LC_EINVAL for non-finite input,
 * or LC_ENOMEM.
 */
int lc_growth_analyze(const double *t_s, const double *v, size_t n,
                      const struct lc_growth_rule *rule, struct lc_growth *out) LC_WARN_UNUSED;

/* A verdict's name: "insufficient data", "flat", "shrinking", "irregular", "settled",
 * "small", "leak". */
const char *lc_growth_verdict_name(enum lc_growth_verdict v);

/* Bytes per second as MB per hour (MB = 2^20 bytes). */
double lc_growth_mb_per_h(double bytes_per_s);

/*
 * What the monitor's series show in one time window of a Result (a phase,
 * or the whole run), for summaries, reports and thresholds. A "level"
 * series (bytes, counts) counts samples with from <= t_s <= to; a "rate"
 * series (unit "%" or ".../s": its sample covers the interval ending at
 * t_s) counts samples with from < t_s <= to, so that a phase's figures do
 * not include the second before it.
 */
struct lc_monitor_window {
    double t_from_s;
    double t_to_s;
    /* sut.cpu_percent (% of one core). */
    size_t cpu_n; /* samples; the fields below are 0 when 0 */
    double cpu_mean_percent;
    double cpu_max_percent;
    /* sut.rss_bytes. */
    size_t rss_n;
    double rss_baseline_bytes; /* the first sample in the window */
    double rss_peak_bytes;
    double rss_final_bytes;
    struct lc_growth growth; /* of sut.rss_bytes (verdict INSUFFICIENT when rss_n < 6) */
    /* gen.cpu_percent (% of one core). */
    size_t gen_n;
    double gen_cpu_mean_percent;
    double gen_cpu_max_percent;
    /* host.cpu_percent (% of the machine). */
    size_t host_n;
    double host_cpu_mean_percent;
    double host_cpu_max_percent;
};

/*
 * Figures of r's resource series in [t_from_s, t_to_s] (see above). Series
 * that are absent leave their *_n at 0. Returns 0, LC_EINVAL (from > to or
 * NaN bounds) or LC_ENOMEM.
 */
int lc_monitor_window_stats(const struct lc_result *r, double t_from_s, double t_to_s,
                            struct lc_monitor_window *out) LC_WARN_UNUSED;

/* The same for phase ph of r: the window [start_offset, start_offset + duration]. */
int lc_monitor_phase_stats(const struct lc_result *r, const struct lc_result_phase *ph,
                           struct lc_monitor_window *out) LC_WARN_UNUSED;

/* Whether the load generator ran out of CPU in a window. */
struct lc_gen_saturation {
    bool saturated;
    size_t n;                /* gen.cpu_percent samples in the window */
    double capacity_percent; /* 100 * min(threads, cores) */
    double mean_percent;
    double max_percent;
    size_t n_above;        /* samples >= 90% of the capacity */
    double fraction_above; /* n_above / n */
};

/*
 * Did the generator exceed 90% of its threads' capacity in [t_from_s,
 * t_to_s] (rate-series window rule above)? gen_cpu: the gen.cpu_percent
 * series (% of one core; NULL: no data, not saturated); threads: the load
 * engine's worker threads (>= 1); cores: online CPUs (0: this machine's),
 * which caps the capacity. Saturated when at least a quarter of the
 * window's samples, and at least min(2, n) of them, are >= 90% of
 * 100 * min(threads, cores) - one busy second is not saturation, a busy
 * stretch is. Returns 0 or LC_EINVAL (threads 0, bad window).
 */
int lc_monitor_gen_saturation(const struct lc_result_resource *gen_cpu, unsigned threads,
                              unsigned cores, double t_from_s, double t_to_s,
                              struct lc_gen_saturation *out) LC_WARN_UNUSED;

/*
 * Add a warning to the load Result r for each recorded phase in which the
 * generator was CPU-saturated: lc_monitor_gen_saturation on that phase's
 * window [start_offset, start_offset + duration] of the gen.cpu_percent
 * series, with r->load.threads threads (nothing to judge when 0) and
 * `cores` cores (0: r->host.logical_cores, else this machine's). Each
 * warning names the phase and its figures ("the generator was
 * CPU-saturated in phase 'peak': mean 190% of one core (max 199%), 9 of 10
 * samples at or above 90% of its 200% capacity (2 threads): ..."). Without
 * the series (no monitor ran), the whole run's CPU time decides instead
 * (r->gen_cpu_user_s + r->gen_cpu_sys_s over r->duration_ns above 90% of
 * min(threads, cores)): one warning, naming the phase when only one was
 * recorded. *n_warned (NULL allowed) receives the number of warnings
 * added. Returns 0, LC_ENOMEM or LC_ELIMIT (r keeps the warnings added).
 */
int lc_monitor_gen_saturation_warn(struct lc_result *r, unsigned cores,
                                   size_t *n_warned) LC_WARN_UNUSED;

#endif
