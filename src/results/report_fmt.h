/* Numbers for people: durations, counts, rates, sizes, percentages and instants as short text. */
#ifndef LC_RESULTS_REPORT_FMT_H
#define LC_RESULTS_REPORT_FMT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every function writes a NUL-terminated string of at most size bytes into
 * buf (truncating when it is too small; 32 bytes always suffice except for
 * lc_report_fmt_value, which needs 32 plus the unit) and returns buf, so calls
 * can sit inside a printf. Non-finite input gives "n/a". Text is UTF-8
 * ("µs", "×" do not occur elsewhere than in these strings).
 */

/* A duration in ns with 3 significant digits: "850 ns", "12.3 µs", "20.6 ms", "1.23 s", "2m 05s".
 */
char *lc_report_fmt_ns(char *buf, size_t size, double ns);

/* A duration in seconds, for run lengths: "850 ms", "20.0 s", "1m 30s", "2h 05m". */
char *lc_report_fmt_secs(char *buf, size_t size, double s);

/* A count with thousands separators: "6,000". */
char *lc_report_fmt_count(char *buf, size_t size, uint64_t n);

/* A rate per second: "0.52/s", "12.5/s", "300/s", "12,345/s". */
char *lc_report_fmt_rate(char *buf, size_t size, double per_s);

/* A fraction (0.0177) as a percentage with 3 significant digits: "1.77%", "0%", "100%". */
char *lc_report_fmt_frac(char *buf, size_t size, double fraction);

/* A size in bytes, decimal SI units: "512 B", "388.7 kB", "13.1 MB", "2.05 GB". */
char *lc_report_fmt_bytes(char *buf, size_t size, double bytes);

/* A plain number with 3 to 4 significant digits and an SI suffix above 10^4: "0.25", "950",
 * "12.3k". */
char *lc_report_fmt_num(char *buf, size_t size, double v);

/* A wall-clock instant (ns since the epoch) in UTC: "2024-06-01 12:00:00 UTC"; 0 gives "unknown".
 */
char *lc_report_fmt_wall(char *buf, size_t size, uint64_t epoch_ns);

/*
 * A value in a threshold's unit: "76.7 ms", "1.77%", "300/s", "512 MB", or the
 * bare number when unit is NULL or "". Up to 4 significant digits.
 */
char *lc_report_fmt_value(char *buf, size_t size, double v, const char *unit);

#endif
