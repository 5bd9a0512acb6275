/* Bench results for reports: per-command summaries and parameter scans with log-log fits. */
#ifndef LC_RESULTS_REPORT_BENCH_H
#define LC_RESULTS_REPORT_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/stats.h"
#include "results/result.h"

/* The summary of one bench command's runs. Times in ns; NaN where there are no runs. */
struct lc_report_cmd_stats {
    size_t runs;
    size_t failed; /* runs with a non-zero exit code */
    double mean_ns, stdev_ns, median_ns, min_ns, max_ns;
    double user_mean_ns, sys_mean_ns;
    double rss_max_bytes;
};

/* Summarise c's runs. Returns 0 or LC_ENOMEM. */
int lc_report_cmd_stats(const struct lc_result_bench_command *c,
                        struct lc_report_cmd_stats *out) LC_WARN_UNUSED;

/*
 * A parameter scan: commands of one name whose parameter `param` takes
 * numeric values (> 0), the other parameters being equal. Points are in
 * ascending order of x; y is the median wall time of each point.
 */
struct lc_report_scan {
    const char *name;  /* the commands' name (points into the Result) */
    const char *param; /* the varied parameter's key (points into the Result) */
    char *others;      /* "k=v, k=v" of the other parameters, or "" (owned) */
    size_t n;
    size_t *cmd;  /* indices into r->commands (owned) */
    double *x;    /* parameter values (owned) */
    double *y_ns; /* median wall times (owned) */
    bool fitted;  /* fit holds a log-log least-squares fit of y against x (n >= 2) */
    struct lc_stats_fit fit;
};

/*
 * Find the scans of r: *out receives an array of *n scans (NULL and 0 when
 * there are none), owned by the caller (lc_report_scans_free). Commands
 * without numeric parameters, or alone with their name, belong to no scan.
 * Returns 0 or LC_ENOMEM.
 */
int lc_report_scans(const struct lc_result *r, struct lc_report_scan **out,
                    size_t *n) LC_WARN_UNUSED;

/* Free an array from lc_report_scans. */
void lc_report_scans_free(struct lc_report_scan *s, size_t n);

/* A command's display label: "name (k=v, k=v)" or the name alone. Returns buf. */
char *lc_report_cmd_label(const struct lc_result_bench_command *c, char *buf, size_t size);

#endif
