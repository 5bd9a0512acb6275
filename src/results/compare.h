/* Compare two Results (a baseline and a new run): per-metric deltas, tests, intervals, verdicts. */
#ifndef LC_RESULTS_COMPARE_H
#define LC_RESULTS_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/stats.h"
#include "results/compare_claim.h"
#include "results/result.h"

/*
 * The engine behind `loadcell compare` (docs/compare.md). Pure: two Results
 * in, a struct lc_compare out; nothing is printed. The rules:
 *
 *  - Load results (http, run): for the run total and each request name both
 *    sides have: rps, error_rate, latency p50 / p95 / p99 / max; for the
 *    total also the target's cpu_peak and mem_peak when both were monitored.
 *    Bench results: for each command both have (same name and parameters):
 *    mean and median wall time, mem_peak (max RSS) and artifact size.
 *  - Tests: latency by Mann-Whitney on the two histograms' counts (one test
 *    per scope, shared by its percentile rows); rps by Mann-Whitney on the
 *    per-second rates of the recorded phases; error rate by a two-proportion
 *    z-test; resources by Mann-Whitney on the series' samples; bench
 *    quantities by Mann-Whitney on the per-run values (mean and median share
 *    one test). p-values are Holm-adjusted over every test of the comparison,
 *    so the chance of any false "improved" or "regressed" between two equal
 *    systems stays at most alpha.
 *  - Intervals (level 1 - alpha): bootstrap intervals of current / baseline;
 *    latency percentiles by an exact order-statistic bootstrap of the
 *    histograms (also for the difference current - baseline).
 *  - Verdict: regressed or improved when the adjusted p < alpha, the ratio
 *    interval (when there is one) excludes 1, and the change is beyond the
 *    tolerance (|ratio - 1| > tolerance; any change from 0 is beyond it);
 *    else unchanged. A metric without a test (max latency, the rps of one
 *    request name, too few samples) is shown but not judged.
 *
 * Ownership: a struct lc_compare owns everything reachable from it; free it
 * with lc_compare_free. It keeps no pointer into the Results.
 */

/* The unit of a metric's values. */
enum lc_cmp_unit {
    LC_CMP_UNIT_NS,      /* durations in ns */
    LC_CMP_UNIT_PER_S,   /* a rate per second */
    LC_CMP_UNIT_FRAC,    /* a fraction (error rate 0..1) */
    LC_CMP_UNIT_PERCENT, /* percent (CPU, of one core) */
    LC_CMP_UNIT_BYTES,
};

enum lc_cmp_verdict {
    LC_CMP_UNCHANGED,
    LC_CMP_IMPROVED,
    LC_CMP_REGRESSED,
    LC_CMP_NOT_JUDGED, /* no test for this metric: shown, never decides the outcome */
};

/* One metric of one scope. */
struct lc_cmp_metric {
    char *scope;      /* "" for the run total; a request name; a bench command ("sort n=10") */
    const char *name; /* static: "rps", "error_rate", "p50", "p95", "p99", "max", "cpu_peak",
                         "mem_peak", "mean", "median", "artifact" */
    enum lc_cmp_unit unit;
    bool higher_is_better; /* rps; everything else is better lower */
    double base;           /* the baseline's figure, in unit */
    double cur;            /* the new run's figure, in unit */
    bool has_ratio;        /* base != 0 */
    double ratio;          /* cur / base */
    bool has_ratio_ci;     /* ratio_ci holds a bootstrap interval of cur / base */
    struct lc_stats_ci ratio_ci;
    bool has_diff_ci; /* diff_ci holds a bootstrap interval of cur - base (latency percentiles) */
    struct lc_stats_ci diff_ci;
    bool has_test;
    const char *test; /* static: "mann-whitney", "mann-whitney (histograms)", "two-proportion z" */
    int test_id;      /* rows sharing a test share its id (>= 0), -1 without one */
    double p;         /* two-sided p-value of the test */
    double p_adj;     /* Holm-adjusted over the comparison's tests */
    uint64_t n_base;  /* observations the figure or test used on each side */
    uint64_t n_cur;
    enum lc_cmp_verdict verdict;
    const char *note; /* static: why it is not judged, or NULL */
};

/* A claim (--expect) and how it came out. */
struct lc_cmp_claim_outcome {
    char *text;   /* the claim as written */
    bool decided; /* false: no such metric or scope (why says so); counts as not held */
    bool held;    /* the whole interval (or the point value without one) satisfies the claim */
    double value; /* the claimed quantity's estimate (a ratio or a speedup) */
    bool has_interval;
    double lo, hi; /* its interval at level 1 - alpha */
    char *subject; /* the scope that decided it ("" for the total), or NULL */
    char *why;     /* when not decided: the reason; else NULL */
};

/* Options; zero means the default. */
struct lc_compare_opts {
    double alpha;       /* significance level in (0, 0.5]; 0: 0.05 */
    double tolerance;   /* relative change that matters, >= 0; negative: 0.05 */
    unsigned resamples; /* bootstrap resamples, >= 100; 0: 2000 */
    uint64_t seed; /* bootstrap seed; 0: a fixed default (the same files give the same report) */
    const struct lc_cmp_claim *claims; /* parsed with lc_cmp_claim_parse */
    size_t n_claims;
};

struct lc_compare {
    enum lc_result_kind base_kind;
    enum lc_result_kind cur_kind;
    bool bench; /* a bench comparison (else load) */
    double alpha;
    double tolerance;
    unsigned resamples;
    struct lc_cmp_metric *m; /* in scope order: total first, then names / commands */
    size_t n;
    size_t cap;
    size_t n_tests; /* distinct tests (the Holm family size) */
    size_t n_regressed, n_improved, n_unchanged, n_not_judged;
    char **only_base; /* request names or commands the new run lacks */
    size_t n_only_base;
    char **only_cur; /* ... the baseline lacks */
    size_t n_only_cur;
    struct lc_cmp_claim_outcome *claims;
    size_t n_claims;
    size_t n_claims_not_held;
};

/*
 * Compare cur against base into *out (initialised by this call; free with
 * lc_compare_free, also after a failure). Both Results are only read.
 * Returns 0; LC_EINVAL with a one-line reason in err when the two cannot be
 * compared (a bench result against a load result, a monitor result, no
 * request names or commands in common, bad options); LC_ENOMEM.
 */
int lc_compare_run(const struct lc_result *base, const struct lc_result *cur,
                   const struct lc_compare_opts *opts, struct lc_compare *out,
                   struct lc_error *err) LC_WARN_UNUSED;

void lc_compare_free(struct lc_compare *c);

/* True when any metric regressed or any claim was not held (exit 1). */
bool lc_compare_failed(const struct lc_compare *c);

/* Names: "unchanged", "improved", "regressed", "not judged". */
const char *lc_compare_verdict_name(enum lc_cmp_verdict v);

#endif
