/* Metrics a benchmarked command reports about itself: "NAME=VALUE [UNIT]" lines in
 * $LOADCELL_METRICS. */
#ifndef LC_BENCH_METRICS_H
#define LC_BENCH_METRICS_H

#include <stddef.h>

#include "core/error.h"
#include "results/result.h"

/* The environment variable naming the file a command may write metrics to. */
#define LC_BENCH_METRICS_ENV "LOADCELL_METRICS"

/* Longest metric name and unit, in bytes (NUL excluded). */
#define LC_BENCH_METRIC_NAME_MAX 63
#define LC_BENCH_METRIC_UNIT_MAX 31

/* The most of a metrics file that is read (the rest is ignored with a count of bad lines). */
#define LC_BENCH_METRICS_FILE_MAX (1u << 20)

/* One parsed metric line: slices into the input line (not NUL-terminated). */
struct lc_bench_metric_line {
    const char *name;
    size_t name_len; /* 1..LC_BENCH_METRIC_NAME_MAX */
    double value;    /* finite */
    const char *unit;
    size_t unit_len; /* 0 when the line has no unit */
};

/*
 * True when name[0..len) is a metric name: [A-Za-z_][A-Za-z0-9_.]*, at most
 * LC_BENCH_METRIC_NAME_MAX bytes. Derived metrics and expressions use the same names.
 */
int lc_bench_metric_name_ok(const char *name, size_t len);

/*
 * Parse one line (without its newline; a trailing '\r' is ignored):
 *   NAME=VALUE [UNIT]     e.g. "tokens=1234", "cost = 0.12 USD", "peak=1.5e6 bytes"
 * Blanks around '=' and between VALUE and UNIT are allowed; VALUE is a finite
 * decimal number (strtod syntax without hex, inf or nan); UNIT is one word of
 * at most LC_BENCH_METRIC_UNIT_MAX printable bytes. Returns 1 and fills *out
 * for a metric, 0 for a blank line or a comment ('#' first), LC_EINVAL for
 * anything else (err says why).
 */
int lc_bench_metric_line_parse(const char *line, size_t len, struct lc_bench_metric_line *out,
                               struct lc_error *err) LC_WARN_UNUSED;

/*
 * Parse every line of text[0..len) into run's metrics (a metric written twice
 * keeps the last value and unit). Malformed lines are skipped and counted in
 * *n_bad (may be NULL), the first one's 1-based number and reason going to
 * *first_bad_line / bad (either may be NULL). Returns 0, or LC_ENOMEM /
 * LC_ELIMIT (more than LC_RESULT_MAX_METRICS names) from the Result.
 */
int lc_bench_metrics_parse(const char *text, size_t len, struct lc_result_bench_run *run,
                           size_t *n_bad, unsigned *first_bad_line,
                           struct lc_error *bad) LC_WARN_UNUSED;

/*
 * Set metric `name` of run to value and unit (copied; unit may be NULL),
 * replacing an existing one of that name. Returns 0, LC_ENOMEM or LC_ELIMIT.
 */
int lc_bench_run_set_metric(struct lc_result_bench_run *run, const char *name, double value,
                            const char *unit) LC_WARN_UNUSED;

/* The metric `name` of run, or NULL. */
const struct lc_result_metric *lc_bench_run_metric(const struct lc_result_bench_run *run,
                                                   const char *name);

#endif
