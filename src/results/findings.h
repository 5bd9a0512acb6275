/* Findings: what a Result's data shows (saturation, error bursts, long tails, leaks...), with
 * evidence. */
#ifndef LC_RESULTS_FINDINGS_H
#define LC_RESULTS_FINDINGS_H

#include <stddef.h>

#include "core/error.h"
#include "results/result.h"

/*
 * Each finding names one pattern in the data and quotes the figures that
 * triggered it, in one sentence. A rule never fires without its evidence:
 * a clean run (steady throughput, flat latency, few and evenly spread errors,
 * no resource growth, no warnings) yields no finding. The rules and their
 * triggers (docs/reports.md has the prose):
 *
 *   saturation        the load level (users, connections or target rate) grew
 *                     by >= 10% between two recorded phases or two windows of
 *                     the series, while throughput grew by < 5% and p99 by
 *                     > 50%; names the level where throughput stopped growing.
 *   target_missed     an open-model phase achieved < 90% of the rate asked for.
 *   error_burst       consecutive seconds whose error rate is >= 3x the run's,
 *                     >= 5 errors each and >= 4 standard deviations above the
 *                     run's rate; quotes the errors by kind of that phase.
 *   latency_spike     consecutive seconds whose p99 is >= 5x the median
 *                     per-second p99 of the recorded run (and >= 1 ms above it),
 *                     over >= 10 recorded seconds with >= 10 requests each,
 *                     followed by a second back below 2x (transient, unlike
 *                     saturation); quotes a throughput dip in those seconds (a stall).
 *   long_tail         p99 / p50 > 10 over >= 100 requests (whole run or the
 *                     worst request name).
 *   memory_growth     a *rss_bytes / *heap* resource grows steadily: a least-
 *                     squares slope with R^2 >= 0.8 over >= 10 samples, the
 *                     growth >= 10% of the first value and >= 1 MB.
 *   generator_saturated  a warning says so, or gen.cpu_percent (percent of one
 *                     core) stays >= 90% of the usable cores in >= 25% of samples.
 *   warmup            the first 1-5 s of recorded data have a median p50 >= 2x
 *                     that of the rest, the last of them too (over >= 10 s of series).
 *   threshold_cause   per failed threshold: the request name, phase or seconds
 *                     that pushed it over, or the error kind that dominates.
 */

/* How much a finding matters. */
enum lc_finding_severity {
    LC_FINDING_INFO,     /* worth knowing */
    LC_FINDING_WARNING,  /* a problem of the system under test, or of the test */
    LC_FINDING_CRITICAL, /* the figures cannot be trusted, or a threshold failed */
};

/* The rule that produced a finding. */
enum lc_finding_kind {
    LC_FINDING_SATURATION,
    LC_FINDING_TARGET_MISSED,
    LC_FINDING_ERROR_BURST,
    LC_FINDING_LATENCY_SPIKE,
    LC_FINDING_LONG_TAIL,
    LC_FINDING_MEMORY_GROWTH,
    LC_FINDING_GENERATOR_SATURATED,
    LC_FINDING_WARMUP,
    LC_FINDING_THRESHOLD_CAUSE,
    LC_FINDING_KIND_COUNT
};

/* One finding. t_from_s/t_to_s: the time span it is about (s since the run start), or NaN. */
struct lc_finding {
    enum lc_finding_kind kind;
    enum lc_finding_severity severity;
    double t_from_s;
    double t_to_s;
    char text[640]; /* one sentence with the figures, UTF-8, no trailing newline */
};

/* The findings of one Result, most severe first (stable within a severity). */
struct lc_findings {
    struct lc_finding *items; /* owned */
    size_t n;
    size_t cap;
};

/* At most this many findings per rule (e.g. the three largest error bursts). */
#define LC_FINDINGS_MAX_PER_KIND 3

/*
 * Analyse r and fill *out (initialised by this call; free with
 * lc_findings_free). r is only read. Returns 0 or LC_ENOMEM (out then empty).
 * Cost: O(series points + resource samples + names x histogram size).
 */
int lc_findings_analyze(const struct lc_result *r, struct lc_findings *out) LC_WARN_UNUSED;

/* Free the findings and zero f. NULL is a no-op. */
void lc_findings_free(struct lc_findings *f);

/* The stable id of a kind ("saturation", "error_burst", ...), as used in JSON, CSS and docs. */
const char *lc_finding_kind_id(enum lc_finding_kind k);

/* "info", "warning" or "critical". */
const char *lc_finding_severity_name(enum lc_finding_severity s);

#endif
