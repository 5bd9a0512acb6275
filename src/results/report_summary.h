/* What every report shows first: the verdict and the key figures of a Result, and report options.
 */
#ifndef LC_RESULTS_REPORT_SUMMARY_H
#define LC_RESULTS_REPORT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "results/result.h"

/* Options shared by the report writers. A NULL pointer to it means all defaults. */
struct lc_report_opts {
    const char *source; /* the result file the report was made from (shown in it), or NULL */
    const char *title;  /* report title; NULL: from the result ("loadcell report: NAME") */
};

/* The overall verdict of a run. */
enum lc_report_verdict {
    LC_REPORT_NONE, /* no thresholds were set */
    LC_REPORT_PASS, /* every threshold passed */
    LC_REPORT_WARN, /* every threshold held, some within 10% of the limit */
    LC_REPORT_FAIL, /* a threshold failed */
};

/* The figures a reader wants first. Latency figures are NaN when there is no latency histogram. */
struct lc_report_figures {
    enum lc_report_verdict verdict;
    size_t thr_pass, thr_warn, thr_fail;
    bool load; /* an http/run result with requests: the load figures below are meaningful */
    uint64_t requests;
    uint64_t errors;
    double error_rate; /* errors / requests */
    double rps;        /* achieved over the recorded phases */
    double target_rps; /* asked for (open model), 0 otherwise */
    double recorded_s; /* summed length of the recorded phases */
    double p50_ns, p90_ns, p95_ns, p99_ns, p999_ns, max_ns, mean_ns;
    uint64_t bytes_in, bytes_out;
};

/* Compute the figures of r. Never fails; r is only read. */
void lc_report_figures(const struct lc_result *r, struct lc_report_figures *out);

/* "PASSED", "PASSED WITH WARNINGS", "FAILED" or "COMPLETED" (no thresholds). */
const char *lc_report_verdict_word(enum lc_report_verdict v);

/*
 * One sentence for the verdict, into buf: "2 of 3 thresholds failed.",
 * "All 3 thresholds passed.", "No thresholds were set.", followed by
 * " Interrupted: the figures cover only part of the plan (REASON)." for a
 * partial run. Returns buf.
 */
char *lc_report_verdict_text(const struct lc_result *r, const struct lc_report_figures *fig,
                             char *buf, size_t size);

/*
 * The title of a report: opts->title, else "loadcell KIND: NAME", with the
 * target URL for NAME when the name is missing or only repeats the kind.
 */
char *lc_report_title(const struct lc_result *r, const struct lc_report_opts *opts, char *buf,
                      size_t size);

/*
 * The method of a request name that starts with one ("GET /search" gives
 * "GET"): an upper-case word followed by a space. Empty string otherwise.
 * buf receives it; returns buf.
 */
char *lc_report_method_of(const char *name, char *buf, size_t size);

#endif
