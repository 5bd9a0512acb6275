/* CSV reports in Locust's layout: PREFIX_stats.csv, PREFIX_history.csv, PREFIX_failures.csv. */
#ifndef LC_RESULTS_REPORT_CSV_H
#define LC_RESULTS_REPORT_CSV_H

#include <stddef.h>

#include "core/error.h"
#include "results/result.h"

/*
 * The files (docs/reports.md lists every column). Column names are Locust's
 * where the meaning is the same; times are in milliseconds; a value that the
 * Result does not hold is "N/A" (as Locust writes for empty entries).
 *   stats     Type,Name,Request Count,Failure Count,Median Response Time,...,
 *             one row per request name and an "Aggregated" row (left out for
 *             a bench result), then one row per bench command, Type "CMD",
 *             over its runs' wall times.
 *   history   one row per series interval (normally per second), Locust's
 *             stats_history columns plus Phase, Elapsed (s),
 *             Target Requests/s and Schedule Lag 99% (ms).
 *   failures  Method,Name,Error,Occurrences: errors by request name and kind,
 *             then failed bench runs by command and exit code.
 */
enum lc_report_csv_file {
    LC_REPORT_CSV_STATS,
    LC_REPORT_CSV_HISTORY,
    LC_REPORT_CSV_FAILURES,
    LC_REPORT_CSV_COUNT
};

/* The file name suffix of a CSV file: "_stats.csv", "_history.csv", "_failures.csv". */
const char *lc_report_csv_suffix(enum lc_report_csv_file which);

/*
 * Render one CSV file of r into *out (malloc'd, NUL-terminated, owned by the
 * caller; *len its length, len may be NULL). Lines end in "\r\n" (RFC 4180).
 * Returns 0, or LC_ENOMEM / LC_ELIMIT / LC_EINVAL with a message in err.
 */
int lc_report_csv_render(const struct lc_result *r, enum lc_report_csv_file which, char **out,
                         size_t *len, struct lc_error *err) LC_WARN_UNUSED;

/*
 * Write the three files PREFIX_stats.csv, PREFIX_history.csv and
 * PREFIX_failures.csv, each atomically (lc_report_write_file). On failure
 * the files written before stay. Returns 0, or an error with a one-line
 * message naming the file (LC_EINVAL for an empty prefix, LC_EIO, LC_ENOMEM).
 */
int lc_report_csv_write(const struct lc_result *r, const char *prefix,
                        struct lc_error *err) LC_WARN_UNUSED;

/*
 * Check before a run that the three files can be written (as
 * lc_result_check_writable does for one path). Returns 0 or LC_EIO/LC_EINVAL.
 */
int lc_report_csv_check_writable(const char *prefix, struct lc_error *err) LC_WARN_UNUSED;

#endif
